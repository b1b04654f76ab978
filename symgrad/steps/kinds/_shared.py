"""Small helpers shared by the kinds of derivation: points, numbers, and the value chain ``L(3, 4) = … = 66``.

Points and numbers arrive in any form symgrad accepts (sequences, mappings,
``"0.1"`` read exactly as 1/10); these turn them into the exact SymPy values
the builders lay out, refusing anything that is not a number.

Example:
    >>> from symgrad import Function
    >>> f = Function("2*w0^2 + 3*w1^2")
    >>> _value_chain(f, _point(f, [3, 4]), "L")[-1]
    66
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import sympy

from ...errors import InputError
from ...function import Function, to_sympy_number
from ..core import Apply, powers_evaluated, substituted


__all__ = []


def _args(point: dict, f: Function) -> tuple:
    return tuple(point[v] for v in f.variables)


def _value_chain(f: Function, point: dict, name: str) -> tuple:
    """``L(3, 4) = 2(3)² + 3(4)² = 2(9) + 3(16) = 66`` as parts."""
    shown = substituted(f.expr, point)
    return (Apply(name, _args(point, f)), shown, powers_evaluated(shown), f.at(point))


def _column(values: Sequence[Any]) -> sympy.ImmutableMatrix:
    return sympy.ImmutableMatrix(list(values))


def _number(value: Any, what: str) -> sympy.Expr:
    number = to_sympy_number(value)
    if not isinstance(number, sympy.Expr) or number.free_symbols or not number.is_number:
        raise InputError(f"{what} must be a number, got {value!r}")
    return number


def _point(f: Function, at: Any) -> dict:
    if isinstance(at, Mapping) or (isinstance(at, Sequence) and not isinstance(at, str)) or hasattr(at, "shape"):
        return f.point(at)
    return f.point([at])


def _sentence(text: str) -> str:
    """A clause of the analysis module as a sentence: capital first letter, final period."""
    text = text.strip()
    if not text:
        return text
    first = text[0].upper() if text[:2].isalpha() or text[:2] == "a " else text[0]  # "the" → "The"; "f − f(p)" stays
    return first + text[1:] + ("" if text.endswith((".", "!", "?")) else ".")
