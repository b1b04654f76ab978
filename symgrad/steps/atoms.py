"""The display atoms of a derivation: the notation SymPy has no object for.

A displayed line of mathematics is a :class:`Math`: parts joined by relations
(``part₀ = part₁ = part₂``) with an optional label. Parts are SymPy objects or
these atoms: ``∂L/∂w₀`` (:class:`Deriv`), ``∇L(3, 4)`` (:class:`Grad`),
``L(3, 4)`` (:class:`Apply`), ``w_new`` (:class:`Name`), a polynomial in
ascending powers (:class:`Ascending`) and ``a − 0.1 b`` (:class:`Row`).

They are plain data, printed by :mod:`symgrad.steps.printing`; this module is
the bottom of the derivation stage and imports nothing else of it.

Example:
    >>> import sympy
    >>> w0 = sympy.Symbol("w0")
    >>> eq(Deriv("L", (w0,)), 4 * w0, 4 * w0, label="Partial").parts
    (Deriv(of='L', wrt=(w0,), total=False, at=()), 4*w0)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sympy

__all__ = ["Name", "Apply", "Deriv", "Grad", "Ascending", "Row", "Math", "eq"]


# -- display atoms -----------------------------------------------------------------
@dataclass(frozen=True)
class Name:
    """A named quantity with a text and a LaTeX spelling, e.g. ``w_new``."""

    text: str
    latex: str


@dataclass(frozen=True)
class Apply:
    """``name(arg, ...)``, e.g. ``L(3, 4)``; ``keywords`` gives ``L(w = 1.5, b = 1)``."""

    name: str
    args: tuple[Any, ...] = ()
    keywords: tuple[tuple[sympy.Symbol, Any], ...] = ()


@dataclass(frozen=True)
class Deriv:
    """``∂L/∂w₀``, ``∂²L/∂w₀∂w₁``, ``dL/dw`` (``total``); ``at`` adds ``|_{w=3}``."""

    of: str
    wrt: tuple[sympy.Symbol, ...]
    total: bool = False
    at: tuple[tuple[sympy.Symbol, Any], ...] = ()


@dataclass(frozen=True)
class Grad:
    """``∇L`` or ``∇L(3, 4)``."""

    of: str
    args: tuple[Any, ...] = ()


@dataclass(frozen=True)
class Ascending:
    """A polynomial shown in ascending powers, as the chapter writes Taylor polynomials: ``1 + x + x²/2``."""

    expr: sympy.Expr


@dataclass(frozen=True)
class Row:
    """Parts side by side with operators between them (``""`` = juxtaposition)."""

    items: tuple[Any, ...]
    ops: tuple[str, ...]


@dataclass(frozen=True)
class Math:
    """One displayed line: ``label: part₀ rel₀ part₁ rel₁ part₂ ...``."""

    parts: tuple[Any, ...]
    relations: tuple[str, ...] = ()
    label: str = ""
    suffix: str = ""

    def __post_init__(self) -> None:
        if not self.relations and len(self.parts) > 1:
            object.__setattr__(self, "relations", ("=",) * (len(self.parts) - 1))


def eq(*parts: Any, label: str = "", suffix: str = "", rel: str = "=") -> Math:
    """A chain of equal parts (consecutive duplicates dropped)."""
    kept: list[Any] = []
    for part in parts:
        if not kept or not _same(kept[-1], part):
            kept.append(part)
    return Math(tuple(kept), (rel,) * (len(kept) - 1), label, suffix)


def _same(a: Any, b: Any) -> bool:
    try:
        return type(a) is type(b) and a == b
    except Exception:  # noqa: BLE001 - comparison of display atoms
        return False
