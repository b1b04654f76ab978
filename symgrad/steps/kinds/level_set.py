"""The level-set kind: level contours ``f = c`` and, at a point, the gradient's orthogonality to them (chapter §10).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import sympy

import symgrad.analysis as analysis
from ...analysis._common import bounded
from ...function import Function, as_function
from .._support import _factored, _plain, _shape, _sub, _tuple_text
from ..core import Apply, Check, Checker, Derivation, Grad, Math, Name, Row, Step, eq, to_float
from ._shared import _args, _number, _point, _sentence


__all__ = ["level_set"]


@bounded
def level_set(f: Any, values: Sequence[Any] = (1, 2, 5), *, at: Any = None,
              name: str = "L") -> Derivation:
    """Level contours ``f = c`` and, at a point, the gradient's orthogonality to them (chapter §10).

    The equations come from :func:`symgrad.analysis.level_set`, the tangents and the
    orthogonality check from :func:`symgrad.analysis.gradient_orthogonal_to_level_set`.

    Example:
        >>> level_set("sqrt(w0^2 + w1^2)", [1, 2]).steps[1].math[0].parts[0]
        w0**2 + w1**2
    """
    f = as_function(f)
    c = sympy.Symbol("c", positive=True)
    general = analysis.level_set(f, c)
    levels = [(cv, analysis.level_set(f, cv)) for cv in (_number(v, "a level") for v in values)]
    shapes = [_shape(equation.lhs, f) if isinstance(equation, sympy.Eq) else None for _, equation in levels]
    shape = shapes[0] if shapes and all(s == shapes[0] for s in shapes) else None
    steps = [Step("Level contours", (Math((general.lhs, general.rhs), ("=",),
                                           suffix=f"({shape[1]})" if shape else ""),), general)]
    lines = []
    for (cv, equation), this in zip(levels, shapes):
        if equation is sympy.false:
            lines.append(Math((Name("∅", r"\emptyset"),), label=f"c = {_plain(cv)}", suffix="(empty: no point has "
                              "this value)"))
            continue
        radius = sympy.sqrt(equation.rhs)
        words = f"({this[0].lower()} of radius {_plain(radius)} centered at origin)" if this else ""
        lines.append(Math((equation.lhs, equation.rhs), ("=",), label=f"c = {_plain(cv)}", suffix=words))
    steps.append(Step("The contours for each level", tuple(lines), tuple(e for _, e in levels)))
    checker = Checker(f)
    grad = f.gradient()
    checker.symbolic("∇" + name, grad)
    steps.append(Step("Gradient", (eq(Grad(name), grad, *_factored(grad)),), grad))
    if at is not None:
        steps.append(_orthogonality_step(f, _point(f, at), name, checker))
    return Derivation("level-set", "Level sets", (eq(Apply(name, f.variables), f.expr, label="Function"),),
                      tuple(steps), general,
                      "The gradient is perpendicular to the level contour through each point.", (),
                      tuple(checker.log))


def _orthogonality_step(f: Function, point: dict, name: str, checker: Checker) -> Step:
    check = analysis.gradient_orthogonal_to_level_set(f, point)
    checker.gradient("gradient on the contour", check.gradient, point)
    g = np.array([to_float(v) for v in check.gradient], dtype=float)
    lines = [eq(Grad(name, _args(point, f)), check.gradient)]
    for k, (tangent, dot) in enumerate(zip(check.tangents, check.dots), start=1):
        scale = sympy.ilcm(*[sympy.fraction(t)[1] for t in tangent]) if all(t.is_Rational for t in tangent) else 1
        tangent, dot = sympy.ImmutableMatrix(tangent * scale), dot * scale  # the same direction, whole numbers
        checker.close(f"∇{name}·t{k}", dot, float(g @ np.array([to_float(t) for t in tangent])), "float dot product")
        t_name = Name("t" if len(check.tangents) == 1 else f"t{_sub(k)}", "t" if len(check.tangents) == 1
                      else f"t_{k}")
        lines.append(eq(t_name, tangent, label="Tangent to the contour"))
        lines.append(eq(Row((Grad(name), t_name), ("·",)), dot,
                        suffix="(perpendicular ✓)" if dot == 0 else "(not perpendicular ✗)"))
    if check.ok:
        checker.log.append(Check("rate of change along the tangents", str(list(check.rates)), "0",
                                 "SymPy limit of the difference quotient of f"))
    return Step(f"Gradient against the contour through {_tuple_text(_args(point, f))}", tuple(lines),
                check.dots[0] if len(check.dots) == 1 else check.dots, "" if check.ok else _sentence(check.reason))
