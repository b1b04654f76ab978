"""A chord against the graph: the counterexample step of a convexity test (chapter §13.2).

Both ends of the chord, its midpoint and the chord's height there are shown and checked in floats;
values without a plain rational form are shown to a few decimals, checked to the decimals shown.
"""

from __future__ import annotations

from typing import Any

import sympy

from ...analysis._text import APPROX_DECIMALS, approx_text
from ...errors import VerificationError
from ...function import Function
from .._support import _plain, _tuple_text
from ..core import UE, Apply, Checker, Math, Name, Step, eq, to_float
from ..printing import latex_of
from ._shared import _args


__all__ = []


_CHORD_WORDS = {
    "below": ("A chord below the graph: {name} is not convex", ">",
              "the graph lies above the chord, so {name} is not convex"),
    "above": ("A chord above the graph: {name} is not concave", "<",
              "the graph lies below the chord, so {name} is not concave"),
    "on": ("A chord that meets the graph: {name} is not strictly convex", "=",
           "the graph meets the chord at the midpoint: {name} is straight there, so not strictly convex"),
}
"""Where the chord lies -> the step's sentence, the relation between f(midpoint) and the chord, the verdict."""


def _chord_step(f: Function, name: str, found: Any, where: str, checker: Checker) -> Step:
    """Both ends of a chord, its midpoint, the chord's height there (``½(−8 + 0) = −4``) and the comparison;
    every value checked in floats. ``found`` is a :class:`~symgrad.analysis.Counterexample` (values of ``f``)."""
    title, relation, verdict = (w.format(name=name) for w in _CHORD_WORDS[where])
    x1, x2 = found.x1, found.x2
    middle = {v: (x1[v] + x2[v]) / 2 for v in f.variables}
    f1, f2 = f.at(x1), f.at(x2)
    for label, value, point in (("f at x₁", f1, x1), ("f at x₂", f2, x2), ("f at the midpoint", found.value_between,
                                                                             middle)):
        checker.value(label, value, point)
    checker.close("chord value", found.chord_value, (to_float(f1) + to_float(f2)) / 2, "float arithmetic")
    if where != "on":
        gap = to_float(found.value_between) - to_float(found.chord_value)
        if not (gap > 0 if relation == ">" else gap < 0):
            raise VerificationError(f"the chord does not lie {where} the graph in floats ({gap!r})")
    chord = Name(f"½({name}(x₁) + {name}(x₂))", rf"\tfrac{{1}}{{2}}({name}(x_1) + {name}(x_2))")
    both = sympy.Add(UE(f1), UE(f2), evaluate=False)
    half_sum = Name(f"½({_plain(both)})", rf"\tfrac{{1}}{{2}}\left({latex_of(both)}\right)")
    lines = [eq(Apply(name, _args(x1, f)), f1, *_approx_parts(f1, checker, "f at x₁"), label=f"x₁ = {_point_value(x1)}"),
             eq(Apply(name, _args(x2, f)), f2, *_approx_parts(f2, checker, "f at x₂"), label=f"x₂ = {_point_value(x2)}"),
             eq(Apply(name, _args(middle, f)), found.value_between,
                *_approx_parts(found.value_between, checker, "f at the midpoint"),
                label=f"Midpoint ½(x₁ + x₂) = {_point_value(middle)}"),
             eq(chord, half_sum, *((found.chord_value,) if isinstance(found.chord_value, sympy.Rational) else ()),
                *_approx_parts(found.chord_value, checker, "chord value"), label="Chord at the midpoint")]
    exact = where == "on" or (isinstance(found.value_between, sympy.Rational)
                              and isinstance(found.chord_value, sympy.Rational))
    numbers = ((found.value_between, found.chord_value) if exact else
               (Name(approx_text(found.value_between).replace("-", "−"), approx_text(found.value_between)),
                Name(approx_text(found.chord_value).replace("-", "−"), approx_text(found.chord_value))))
    lines.append(Math((Apply(name, _args(middle, f)), *numbers), ("=" if exact else "≈", relation),
                      label="Compare", suffix=("✗ " if where != "on" else "") + f"({verdict})"))
    return Step(title, tuple(lines), sympy.false)


def _approx_parts(value: Any, checker: Checker, what: str) -> tuple:
    """``(≈ 0.9093,)`` for a value that is not a plain rational (``sin(2)``), checked to the decimals shown; else ()."""
    if isinstance(value, sympy.Rational):
        return ()
    shown = approx_text(value)
    checker.approx(what, float(shown), to_float(value), APPROX_DECIMALS, "mpmath to 30 digits")
    return (Name(f"≈ {shown}".replace("-", "−"), rf"\approx {shown}"),)


def _point_value(point: dict) -> str:
    values = list(point.values())
    return _plain(values[0]) if len(values) == 1 else _tuple_text(values)
