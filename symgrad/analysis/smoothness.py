"""Where the gradient does not exist: kinks of ``|u|``, ``max``, ``min``, roots ``u**(1/2)`` at ``u = 0``.

Mechanism, in two stages so that no claim rests on syntax alone:

1. **Candidates.** A table (:data:`KINKS`) maps each non-smooth building block to
   the expressions that vanish at its kinks: ``Abs(u) -> u``,
   ``Max(a, b) -> a - b``, ``u**p`` with ``0 < p < 1 -> u``, ``sign(u) -> u``.
   Setting them to zero and solving gives candidate points (a sum of squares
   is zero where each base is zero, so ``w0² + w1² = 0`` gives the origin).
2. **Proof.** At a candidate point ``p`` the partial derivative along each axis
   is the limit of ``(f(p + h eᵢ) - f(p)) / h``; SymPy computes it from the left
   and from the right. If the two differ or are infinite, the partial derivative
   -- hence the gradient -- does not exist there, and the point is reported with
   both one-sided values. Candidates where every limit exists are dropped
   (``|x|³`` is differentiable at 0).

Candidates that form a curve (``|w0 - w1|`` on the line ``w0 = w1``) are
checked at a generic point of the curve, with the other variables left as
symbols.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sympy

from ._common import bounded, attempt, resolve_domain, scalar_function
from ._text import text

__all__ = ["NonDifferentiability", "non_differentiable_points", "kink_expressions", "smooth_at"]


def _abs_kink(node: Any) -> list[sympy.Expr]:
    return [node.args[0]]


def _extremum_kinks(node: Any) -> list[sympy.Expr]:
    args = node.args
    return [args[i] - args[j] for i in range(len(args)) for j in range(i + 1, len(args))]


def _root_kink(node: Any) -> list[sympy.Expr]:
    exponent = node.exp
    if exponent.is_number and not exponent.is_integer and (exponent < 1) is sympy.true:
        return [node.base]
    return []


KINKS: dict[type[Any], Callable[[Any], list[sympy.Expr]]] = {
    sympy.Abs: _abs_kink,
    sympy.sign: _abs_kink,
    sympy.Heaviside: _abs_kink,
    sympy.Max: _extremum_kinks,
    sympy.Min: _extremum_kinks,
    sympy.Pow: _root_kink,
}
"""Non-smooth building block -> function giving the expressions that vanish at its kinks."""


@dataclass(frozen=True)
class NonDifferentiability:
    """A point (or a curve) where the gradient does not exist.

    Attributes:
        point: ``{variable: value}``; values may contain other variables when the
            set is a curve (then ``condition`` describes it).
        condition: the equation that defines the set, e.g. ``Eq(w0**2 + w1**2, 0)``.
        cause: the building block with the kink, e.g. ``sqrt(w0**2 + w1**2)``.
        one_sided: ``{variable name: (left limit, right limit)}`` of the difference
            quotients for the partial derivatives that do not exist.
        reason: one sentence a student can follow.
    """

    point: dict[sympy.Symbol, sympy.Expr]
    condition: sympy.Basic
    cause: sympy.Expr
    one_sided: dict[str, tuple[sympy.Expr, sympy.Expr]]
    reason: str

    @property
    def is_isolated(self) -> bool:
        return not any(value.free_symbols for value in self.point.values())

    def to_dict(self) -> dict[str, Any]:
        return {"point": {k.name: str(v) for k, v in self.point.items()}, "condition": str(self.condition),
                "cause": str(self.cause), "one_sided": {k: [str(a), str(b)] for k, (a, b) in self.one_sided.items()},
                "reason": self.reason}


def kink_expressions(expr: sympy.Expr) -> list[tuple[sympy.Expr, sympy.Expr]]:
    """``(building block, expression that vanishes at its kink)`` for every non-smooth block."""
    found = []
    for node in sympy.preorder_traversal(expr):
        rule = KINKS.get(type(node))
        if rule is not None and node.free_symbols:
            found.extend((node, kink) for kink in rule(node) if kink.free_symbols)
    return found


def smooth_at(expr: sympy.Expr, point: dict[sympy.Symbol, sympy.Expr]) -> tuple[bool, str]:
    """``(False, why)`` when ``point`` is at a kink of a non-smooth block of ``expr``.

    Conservative: a point at a kink is refused even where the function happens
    to be differentiable (``x*|x|`` at 0), because derivatives computed by the
    rules are not valid there.
    """
    for node, kink in kink_expressions(expr):
        value = kink.xreplace(point)
        if value.is_zero or (value.is_number and value.has(sympy.Float) and abs(complex(value)) < 1e-300):
            return False, f"{text(node)} is not differentiable where {text(kink)} = 0, and {text(kink)} = 0 at this point"
    return True, ""


@bounded
def non_differentiable_points(f: Any, *, domain: Any = None, timeout: float | None = None) -> list[NonDifferentiability]:
    """Points where the gradient of ``f`` does not exist, each with its proof.

    Arguments:
        f: a :class:`~symgrad.function.Function` or anything ``as_function`` takes.
        domain: optional box (see :func:`symgrad.analysis.convexity`); points outside are dropped.
        timeout: seconds for each symbolic step.

    Returns:
        a list of :class:`NonDifferentiability`, empty for a smooth function.

    Example:
        >>> x = sympy.Symbol("x", real=True)
        >>> [p.point for p in non_differentiable_points(sympy.Abs(x))]
        [{x: 0}]
    """
    fn = scalar_function(f, "non_differentiable_points")
    box = resolve_domain(fn, domain, timeout=timeout)
    results: list[NonDifferentiability] = []
    seen = set()
    for node, kink in kink_expressions(fn.expr):
        for point in _zeros(kink, fn.variables, timeout):
            key = tuple(sorted((k.name, str(v)) for k, v in point.items()))
            if key in seen or box.contains(point) is False:
                continue
            seen.add(key)
            found = _prove_non_differentiable(fn, point, node, kink, timeout)
            if found is not None:
                results.append(found)
    return results


def _zeros(expr: sympy.Expr, variables, timeout) -> list[dict[sympy.Symbol, sympy.Expr]]:
    """Real solutions of ``expr = 0``; a sum of squares vanishes where each base does."""
    equations = _sum_of_squares_bases(expr) or [expr]
    unknowns = [v for v in variables if any(v in e.free_symbols for e in equations)]
    if len(unknowns) == 1 and len(equations) == 1:
        solved = attempt(sympy.solveset, equations[0], unknowns[0], sympy.S.Reals, timeout=timeout)
        if isinstance(solved, sympy.FiniteSet):
            return [{unknowns[0]: value} for value in solved]
        return []
    solutions = attempt(sympy.solve, equations, unknowns, dict=True, timeout=timeout) or []
    return [s for s in solutions if all(v.is_real is not False and not v.has(sympy.I) for v in s.values())]


def _sum_of_squares_bases(expr: sympy.Expr) -> list[sympy.Expr] | None:
    terms = sympy.Add.make_args(sympy.expand(expr))
    bases = []
    for term in terms:
        coefficient, rest = term.as_coeff_Mul()
        if not (coefficient.is_positive and isinstance(rest, sympy.Pow) and rest.exp.is_even and rest.exp.is_positive):
            return None
        bases.append(rest.base)
    return bases if len(bases) > 1 else None


def _prove_non_differentiable(fn, point, node, kink, timeout) -> NonDifferentiability | None:
    full_point = {v: point.get(v, v) for v in fn.variables}
    h = sympy.Symbol("h", real=True)
    value = fn.expr.xreplace(full_point)
    failing: dict[str, tuple[sympy.Expr, sympy.Expr]] = {}
    for variable in point:
        shifted = fn.expr.xreplace({**full_point, variable: full_point[variable] + h})
        quotient = (shifted - value) / h
        left = attempt(sympy.limit, quotient, h, 0, "-", timeout=timeout)
        right = attempt(sympy.limit, quotient, h, 0, "+", timeout=timeout)
        if left is None or right is None:
            continue  # not decided: no claim either way
        if left != right or not left.is_finite:
            if (left - right).is_zero and left.is_finite:
                continue
            failing[variable.name] = (left, right)
    if not failing:
        return None
    condition = sympy.Eq(kink, 0)
    where = ", ".join(f"{text(k)} = {text(v)}" for k, v in point.items())
    details = "; ".join(f"∂f/∂{text(sympy.Symbol(name))}: the difference quotient tends to {text(l)} from the left and {text(r)} from the right"
                        for name, (l, r) in failing.items())
    reason = (f"the gradient does not exist at {where}: {text(node)} has a kink where {text(kink)} = 0. {details}, "
              "so the partial derivative is undefined there")
    return NonDifferentiability(dict(point), condition, node, failing, reason)

