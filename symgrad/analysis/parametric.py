"""Critical points of a loss with symbolic parameters: ``(y - w x)² + λ w²`` over ``w`` alone.

Every free symbol that is not one of the chosen variables is a *parameter*: it
stays symbolic, so the stationary point is a formula (``w = x y / (x² + λ)``).
A formula holds only where it is defined, so each point carries the conditions
it needs (its denominators are not zero), and its kind is decided only where
the parameters' real-ness settles the sign of the curvature; otherwise the kind
is ``"unknown"`` and the reason states when it is a minimum and when a maximum.

Nothing here is shown unproved: the gradient at each point is simplified to
zero symbolically *and* evaluated exactly at random rational parameter values
(an independent check that a simplification bug cannot pass).
"""

from __future__ import annotations

import random
from typing import Any

import sympy

from ..function import Function
from ._common import attempt, number_sign
from ._text import text

__all__ = ["parameters_of", "parametric_critical_points"]

#: random rational parameter values at which each stationary point is re-checked exactly
CHECK_DRAWS = 3


def parameters_of(fn: Function) -> list[sympy.Symbol]:
    """The free symbols of ``fn`` that are not its variables, by name.

    Example:
        >>> from symgrad import Function
        >>> [p.name for p in parameters_of(Function("(y - w*x)^2 + lambda*w^2", variables=["w"]))]
        ['lambda', 'x', 'y']
    """
    return sorted(fn.expr.free_symbols - set(fn.variables), key=lambda s: s.name)


def parametric_critical_points(fn: Function, timeout: float | None, point_type: Any) -> list[Any]:
    """Stationary points of ``fn`` as formulas in its parameters, each checked and classified where it can be.

    ``point_type`` builds the result (:class:`~symgrad.analysis.critical.CriticalPoint`); it is
    passed in so this module stays below ``critical``.

    Example:
        >>> from symgrad import Function
        >>> from symgrad.analysis import CriticalPoint
        >>> f = Function("(y - w*x)^2 + lambda*w^2", variables=["w"])
        >>> [(p.point, p.kind, p.conditions) for p in parametric_critical_points(f, None, CriticalPoint)]
        [({w: x*y/(lambda + x**2)}, 'unknown', (Ne(lambda + x**2, 0),))]
    """
    gradient = list(fn.gradient())
    solutions = attempt(sympy.solve, gradient, list(fn.variables), dict=True, timeout=timeout)
    if solutions is None:
        return [point_type({}, "unknown", False, (), "SymPy could not solve ∇f = 0 for "
                           f"{', '.join(text(v) for v in fn.variables)} within the time limit")]
    results = []
    for solution in solutions:
        point = {v: _tidy(solution.get(v, v), timeout) for v in fn.variables}
        if not _is_stationary(gradient, point, parameters_of(fn), timeout):
            continue
        results.append(_classify(fn, point, timeout, point_type))
    return results


def _tidy(value: sympy.Expr, timeout) -> sympy.Expr:
    tidied = attempt(sympy.factor, sympy.together(value), timeout=timeout)
    return value if tidied is None else tidied


def _conditions(point: dict) -> tuple[sympy.Ne, ...]:
    """``(Ne(lambda + x**2, 0),)``: the denominators a formula needs to be nonzero (constant ones need nothing)."""
    needed: list[sympy.Ne] = []
    for value in point.values():
        denominator = sympy.denom(sympy.together(value))
        for factor in sympy.Mul.make_args(sympy.factor(denominator)):
            base = factor.base if isinstance(factor, sympy.Pow) else factor
            condition = sympy.Ne(base, 0)
            if base.free_symbols and condition not in needed:
                needed.append(condition)
    return tuple(needed)


def _is_stationary(gradient: list, point: dict, parameters: list, timeout) -> bool:
    """∇f = 0 at ``point``: simplified symbolically, and exactly at random rational parameter values."""
    values = [g.xreplace(point) for g in gradient]
    if not all(attempt(sympy.simplify, v, timeout=timeout) == 0 for v in values):
        return False
    draw = random.Random(0)
    for _ in range(CHECK_DRAWS):
        at = {p: sympy.Rational(draw.randint(-9, 9), draw.randint(1, 5)) for p in parameters}
        for v in values:
            number = v.xreplace(at)
            if number.has(sympy.zoo, sympy.nan):  # the formula's condition fails here: not evidence either way
                continue
            if number_sign(sympy.nsimplify(number)) != 0:
                return False
    return True


def _classify(fn: Function, point: dict, timeout, point_type: Any) -> Any:
    hessian = fn.hessian().xreplace(point)
    minors = [_tidy(hessian[:k, :k].det(), timeout) for k in range(1, fn.n + 1)]
    value = _tidy(fn.expr.xreplace(point), timeout)
    conditions = _conditions(point)
    kind, reason = _kind_from_minors(minors)
    where = f" (where {' and '.join(f'{text(c.lhs)} ≠ 0' for c in conditions)})" if conditions else ""
    return point_type(point, kind, True, (), reason + where, value=value, conditions=conditions)


def _kind_from_minors(minors: list) -> tuple[str, str]:
    """Sylvester's criterion when the signs are settled for all real parameters; else the condition."""
    signs = [_sign(m) for m in minors]
    shown = ", ".join(text(m) for m in minors)
    if all(s == 1 for s in signs):
        return "minimum", f"the Hessian's leading minors ({shown}) are positive for all real parameters"
    if all(s == (-1) ** k for k, s in enumerate(signs, start=1)):
        return "maximum", f"the Hessian's leading minors ({shown}) alternate in sign, starting negative"
    if len(minors) == 1:
        h = text(minors[0])
        return "unknown", f"the second derivative there is {h}: a minimum where {h} > 0, a maximum where {h} < 0"
    return "unknown", (f"the Hessian's leading minors there are {shown}: a minimum where all are positive, "
                       f"a maximum where they alternate in sign starting negative")


def _sign(expr: sympy.Expr) -> int | None:
    if expr.is_positive:
        return 1
    if expr.is_negative:
        return -1
    if expr.is_zero:
        return 0
    return None
