"""The critical-points kind: where the gradient is zero or does not exist, each point classified (chapter §9.5).

The points, their kinds and the global certificates come from :func:`symgrad.analysis.critical_points`;
piecewise functions from :mod:`symgrad.steps.nonsmooth`. Roots without a closed form are named and shown
rounded, checked against ``numpy.roots``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import sympy

import symgrad.analysis as analysis
from ...analysis._common import bounded
from ...errors import VerificationError
from ...function import Function, as_function
from .._support import _factored, _plain, _point_text, _shape, _tuple_text
from ..core import Apply, Checker, Deriv, Derivation, Grad, Math, Name, Row, Step, eq, substituted, to_float
from ..nonsmooth import piecewise_critical_points
from ._shared import _args, _sentence


__all__ = ["critical_points"]


_KIND_WORDS = {"minimum": "A minimum", "maximum": "A maximum", "saddle": "A saddle point",
               "degenerate": "Not decided", "unknown": "Not decided"}
"""CriticalPoint.kind -> the headline of its classification step."""


_ROOT_DECIMALS = 4


@bounded
def critical_points(f: Any, *, name: str = "L", domain: Any = None) -> Derivation:
    """Where the gradient is zero or does not exist, each classified (chapter §9.5).

    The points and their kinds come from :func:`symgrad.analysis.critical_points`
    (exact solving, kinks proven by one-sided limits, global certificates); the
    steps lay them out and re-check every value.

    Example:
        >>> critical_points("sqrt(w0^2 + w1^2)").result
        [{w0: 0, w1: 0}]
    """
    f = as_function(f)
    if domain is None and f.is_scalar:
        piecewise = piecewise_critical_points(f, name)
        if piecewise is not None:
            return piecewise
    checker = Checker(f)
    found = analysis.critical_points(f, domain=domain)
    stationary = [p for p in found if p.kind != "non-differentiable"]
    kinks = [p for p in found if p.kind == "non-differentiable"]
    grad = sympy.ImmutableMatrix([sympy.simplify(g) for g in f.gradient()])
    checker.symbolic("∇" + name, grad)
    slope = Deriv(name, f.variables, True) if f.n == 1 else Grad(name)
    shown = grad[0] if f.n == 1 else grad
    steps = [Step("Compute the gradient" if f.n > 1 else "Compute the derivative",
                  (eq(slope, shown, *(_factored(grad) if f.n > 1 else ())),), grad)]
    solutions = tuple(p.point for p in stationary)
    labels = _root_labels(f, stationary)
    steps.append(_zero_step(f, slope, grad, stationary, labels, checker))
    for p in stationary:
        for sample in _instances(p.point):
            checker.gradient(f"∇{name} at a critical point", grad.xreplace(sample), sample)
    for p in kinks:
        full = {v: p.point.get(v, v) for v in f.variables}  # a kink line such as x = 0 leaves y free
        for sample in _instances(full):
            checker.value(f"{name} at the non-differentiable point", p.value.xreplace(sample), sample)
        lines = [eq(Apply(name, _args(full, f)), p.value)]
        for variable, (left, right) in p.one_sided.items():
            lines.append(Math((Deriv(name, (f.variable(variable),)),
                               Row((Name("left", r"\text{left}"), left), ("=",)),
                               Row((Name("right", r"\text{right}"), right), ("=",))), (":", ","),
                              label="One-sided difference quotients"))
        free = [v for v in f.variables if v not in p.point]
        where = _point_text(p.point, f) if not free else (
            ", ".join(f"{_plain(v)} = {_plain(p.point[v])}" for v in f.variables if v in p.point)
            + f" (for every {', '.join(_plain(v) for v in free)})")
        remark = f"∇{name} does not exist at {where}: the one-sided difference quotients disagree."
        if p.extremum == "global minimum":
            remark += (f" The point is still the minimum: {name} ≥ {_plain(p.value)} = "
                       f"{name}{_tuple_text(_args(full, f))} everywhere.")
        steps.append(Step("Check where the gradient does not exist", tuple(lines), p.point, remark))
    if f.n == 1 and any(not _is_set(p.point, f) for p in stationary):
        second_derivative = _second_derivative(f)
        steps.append(Step("Compute the second derivative", (eq(Deriv(name, f.variables * 2, True),
                                                                  second_derivative),), second_derivative))
    for p in stationary:
        steps.append(_classify_step(f, p, name, labels, checker))
    comparison = _global_step(f, stationary + kinks, name, labels, checker)
    if comparison is not None:
        steps.append(comparison)
    notes = ()
    if kinks and not stationary:
        notes = (f"The chapter (§9.5) sets ∇{name} = 0 and reports the solution w₀ = 0, w₁ = 0, but the gradient "
                 "w/‖w‖ has length 1 wherever it exists and never vanishes; it does not exist at the origin. "
                 "The minimum is at the origin because the function is ≥ 0 and equals 0 there.",) \
            if _is_norm(f) else ()
    return Derivation("critical-points", "Critical points", (eq(Apply(name, f.variables), f.expr,
                                                                   label="Function"),),
                      tuple(steps), [p.point for p in found], "", notes, tuple(checker.log))


def _instances(point: dict) -> list[dict]:
    """The point itself, or two members (n = 0, 1) of a periodic family ``x = π/2 + 2πn``."""
    family = {s for v in point.values() for s in v.free_symbols}
    if not family:
        return [point]
    return [{k: v.xreplace({s: value for s in family}) for k, v in point.items()} for value in (0, 1)]


def _is_set(point: dict, f: Function) -> bool:
    """A critical set such as ``w₀ = w₁`` (a value holds a variable), not one point or a periodic family."""
    return any(v.free_symbols & set(f.variables) for v in point.values())


def _root_labels(f: Function, stationary: list) -> dict:
    """``{root: x₁}`` when a root of f' has no closed form (``CRootOf``): such roots are named and shown ≈."""
    if f.n != 1 or not any(p.point[f.variables[0]].has(sympy.CRootOf) for p in stationary):
        return {}
    x = f.variables[0]
    stem = x.name if x.name.isalpha() else "r"
    return {p.point[x]: sympy.Symbol(f"{stem}{k}", real=True) for k, p in enumerate(stationary, 1)}


def _rounded_root(value: Any) -> Name:
    """A root shown to 4 decimals, trailing zeros kept (``1.3200``)."""
    shown = f"{to_float(value):.{_ROOT_DECIMALS}f}"
    return Name(shown.replace("-", "−"), shown)


def _root_float(value: Any) -> float:
    return float(f"{to_float(value):.{_ROOT_DECIMALS}f}")


def _critical_set_text(point: dict, f: Function) -> str:
    free = [v for v in f.variables if point[v] == v]
    equations = " and ".join(f"{_plain(v)} = {_plain(point[v])}" for v in f.variables if point[v] != v)
    shape = {1: "a line", 2: "a plane"}.get(len(free), f"a set of dimension {len(free)}")
    return f"every point with {equations or 'any coordinates'} ({shape})"


def _solutions_text(f: Function, stationary: list, labels: dict) -> str:
    if not stationary:
        return "No solution: the gradient is never 0."
    if f.n == 1:
        x = f.variables[0]
        parts = [f"{_plain(labels[p.point[x]])} ≈ {_plain(_rounded_root(p.point[x]))}" if p.point[x] in labels
                 else f"{_plain(x)} = {_plain(p.point[x])}" for p in stationary]
        families = any(p.point[x].free_symbols for p in stationary)
        return "Solution: " + ", ".join(parts) + (" for every integer n." if families else ".")
    sets = [p for p in stationary if _is_set(p.point, f)]
    points = [p for p in stationary if not _is_set(p.point, f)]
    pieces = [_critical_set_text(p.point, f) for p in sets]
    if points:
        pieces.append(_tuple_text(f.variables) + " = " + " or ".join(_tuple_text(_args(p.point, f)) for p in points))
    return "Solution: " + "; ".join(pieces) + "."


def _zero_step(f: Function, slope: Any, grad: sympy.ImmutableMatrix, stationary: list, labels: dict,
               checker: Checker) -> Step:
    """``f' = 0``, factored or divided by its content; roots without a closed form named and rounded."""
    solutions = tuple(p.point for p in stationary)
    remark = _solutions_text(f, stationary, labels)
    if any(not p.exact for p in stationary):
        remark += " (numeric roots, SciPy)"
    if f.n > 1:
        return Step("Set equal to zero", (eq(slope, sympy.zeros(f.n, 1)),), solutions, remark)
    x = f.variables[0]
    derivative = grad[0]
    lines = [eq(slope, sympy.Integer(0))] if not derivative.is_polynomial(x) else [
        Math((derivative, sympy.Integer(0)), ("=",))]
    if derivative.is_polynomial(x) and derivative.free_symbols:
        content, factors = sympy.factor_list(derivative, x)
        primitive = sympy.Mul(*[g**k for g, k in factors])
        if len(factors) > 1 or any(k > 1 for _, k in factors):
            lines.append(Math((sympy.factor(derivative), sympy.Integer(0)), ("=",), label="Factor"))
        elif content not in (1, -1):
            lines.append(Math((sympy.expand(primitive), sympy.Integer(0)), ("=",), label=f"Divide by {_plain(content)}"))
        if labels:
            numeric = np.sort(np.roots([float(c) for c in sympy.Poly(derivative, x).all_coeffs()]))
            real = [r.real for r in numeric if abs(r.imag) < 1e-7]
            if len(real) != len(stationary):
                raise VerificationError(f"{len(stationary)} real roots found, numpy.roots finds {len(real)}")
            rows = []
            for p, independent in zip(stationary, real):
                checker.approx(f"root {_plain(labels[p.point[x]])}", _root_float(p.point[x]), independent,
                               _ROOT_DECIMALS, "numpy.roots")
                rows.append(Row((labels[p.point[x]], _rounded_root(p.point[x])), ("≈",)))
            lines.append(Math(tuple(rows), (",",) * (len(rows) - 1), label="Roots"))
            remark = _why_numeric(derivative, x, len(rows))
    return Step("Set equal to zero", tuple(lines), solutions, remark)


def _why_numeric(derivative: sympy.Expr, x: sympy.Symbol, count: int) -> str:
    """Why the roots are shown to 4 decimals."""
    poly = sympy.Poly(derivative, x)
    if poly.degree() == 3 and count == 3 and poly.is_irreducible:
        return (f"The cubic has three real roots and no rational one; such roots have no expression in real "
                f"radicals, so they are shown to {_ROOT_DECIMALS} decimals (computed exactly, checked by numpy.roots).")
    return f"The roots have no simple closed form; they are shown to {_ROOT_DECIMALS} decimals (checked by numpy.roots)."


def _second_derivative(f: Function) -> sympy.Expr:
    second = sympy.diff(f.expr, f.variables[0], 2)
    return sympy.expand(second) if second.is_polynomial(f.variables[0]) else second


def _clause(text: str) -> str:
    """A clause after a colon: as it is, with a final period."""
    text = text.strip()
    return text + ("" if text.endswith((".", "!", "?")) else ".")


def _approx_value(value: Any) -> tuple[sympy.Float, int]:
    """A value rounded for display with 4 significant digits at least 2 decimals, and its decimals."""
    number = to_float(value)
    magnitude = int(np.floor(np.log10(abs(number)))) if number else 0
    decimals = max(2, 3 - magnitude)
    return sympy.Float(round(number, decimals)), decimals


def _relation(kind: str) -> tuple[str, str]:
    return {"minimum": (">", "> 0"), "maximum": ("<", "< 0")}.get(kind, ("=", "= 0"))


def _classify_step(f: Function, p: Any, name: str, labels: dict, checker: Checker) -> Step:
    """The second-derivative test at one critical point (one variable), or the Hessian (several)."""
    words = _KIND_WORDS.get(p.kind, p.kind)
    remark = f"{words}: {_clause(p.reason)}"
    if p.global_note and not (p.kind == "minimum" and f.n == 1 and labels):  # the comparison step says it
        remark += f" {_sentence(p.global_note)}"
    if _is_set(p.point, f):
        return Step("Classify the " + _critical_set_text(p.point, f).split("(a ")[-1].rstrip(")") + " of critical points",
                    (), p.kind, _sentence(p.reason))
    family = any(v.free_symbols for v in p.point.values())
    if f.n > 1:
        H = f.hessian_at(p.point)
        for sample in _instances(p.point):
            checker.hessian("Hessian at a critical point", H.xreplace(sample), sample)
        return Step(f"Classify {_point_text(p.point, f)} with the Hessian", (eq(Name("H", "H"), H),), H, remark)
    x = f.variables[0]
    a = p.point[x]
    second = _second_derivative(f)
    value = sympy.simplify(second.xreplace(p.point))
    for sample in _instances(p.point):
        checker.hessian("second derivative at a critical point", sympy.ImmutableMatrix([[value.xreplace(sample)]]), sample)
    sign, _ = _relation(p.kind)
    if p.kind in ("minimum", "maximum") and p.reason.startswith("f'' ") and not p.reason.startswith("f'' = 0"):
        side = "positive" if p.kind == "minimum" else "negative"
        remark = f"{words}: the second derivative is {side} there, so this is a strict local {p.kind}."
        if p.global_note and not (p.kind == "minimum" and labels):
            remark += f" {_sentence(p.global_note)}"
    if a in labels:
        label = labels[a]
        shown, decimals = _approx_value(value)
        checker.approx(f"{name}'' at {_plain(label)}", shown, f.compile("numpy").hessian(np.array([to_float(a)])),
                       decimals, "compiled NumPy float64 Hessian")
        at = Deriv(name, (x, x), True, ((x, label),))
        line = Math((at, second.xreplace({x: label}), shown, sympy.Integer(0)), ("=", "≈", sign))
        title = f"Classify {_plain(label)} ≈ {_plain(_rounded_root(a))}"
    else:
        at = Deriv(name, (x, x), True, ((x, a),))
        parts = [at, substituted(second, {x: a}) if second.free_symbols else second, value]
        kept = [parts[0]] + [q for k, q in enumerate(parts[1:], 1) if _plain(q) != _plain(parts[k - 1])]
        line = Math((*kept, sympy.Integer(0)), ("=",) * (len(kept) - 1) + (sign,))
        title = f"Classify {_plain(x)} = {_plain(a)}"
        if family:
            remark += " This holds for every integer n."
    return Step(title + " with the second derivative", (line,), sympy.ImmutableMatrix([[value]]), remark)


def _global_step(f: Function, points: list, name: str, labels: dict, checker: Checker) -> Step | None:
    """In one variable: the values at the local minima side by side, and which one is global."""
    best = [p for p in points if p.extremum == "global minimum" and p.global_note]
    minima = [p for p in points if p.kind in ("minimum", "non-differentiable") and p.value is not None]
    if f.n != 1 or not best or len(minima) < 2:
        return None
    x = f.variables[0]
    lines = []
    for p in minima:
        a = p.point[x]
        if a in labels:
            shown, decimals = _approx_value(p.value)
            checker.approx(f"{name} at {_plain(labels[a])}", shown, f.compile("numpy").value(np.array([to_float(a)])),
                           decimals, "compiled NumPy float64")
            lines.append(Math((Apply(name, (labels[a],)), shown), ("≈",)))
        else:
            checker.value(f"{name} at a local minimum", p.value, p.point)
            lines.append(eq(Apply(name, (a,)), p.value))
    (winner,) = best
    title = "Compare the minima: which one is global"
    shown = {id(p): _plain(labels.get(p.point[x], p.point[x])) for p in minima}
    others = ", ".join(f"{name}({shown[id(p)]})" for p in minima if p is not winner)
    where = labels.get(winner.point[x])
    at = f"{_plain(where)} ≈ {_plain(_rounded_root(winner.point[x]))}" if where is not None else f"{_plain(x)} = {_plain(winner.point[x])}"
    remark = (f"{name} → ∞ as {_plain(x)} → ±∞ and {name} is continuous, so its smallest value is taken at a critical "
              f"point. {name}({shown[id(winner)]}) < {others} (compared exactly), so the global minimum is at {at}.")
    return Step(title, tuple(lines), winner.point, remark)


def _is_norm(f: Function) -> bool:
    return isinstance(f.expr, sympy.Pow) and f.expr.exp == sympy.Rational(1, 2) and _shape(f.expr.base, f) is not None
