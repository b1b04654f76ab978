"""Critical points of a non-smooth loss (``|x|``, relu, ``max``, hinge, sums), worked piece by piece.

The mathematics comes from :mod:`symgrad.analysis.nonsmooth` (pieces between
kinks, one-sided derivatives, the subgradient condition ``0 ∈ ∂L``, flat
minimising intervals, which minima are global) and
:func:`symgrad.analysis.critical_points` (the final points and sets). This
module lays them out as a course does; no ``Piecewise`` or ``DiracDelta`` is
shown. Every piece is checked against the original function at a point inside
it (value, and derivative by torch autograd or finite differences), every
one-sided derivative against a one-sided difference quotient, every value
against compiled float code.
"""

from __future__ import annotations

import sympy

import symgrad.analysis as analysis
from ..analysis._text import text
from ..analysis.nonsmooth import (NAME, CriticalSet, PiecewiseAnalysis, describe_region, piecewise_analysis,
                                  separable_parts)
from ..function import Function
from .core import Apply, Checker, Deriv, Derivation, Math, Name, Step, eq, to_float

__all__ = ["piecewise_critical_points"]

_H = sympy.Rational(1, 10**8)


def piecewise_critical_points(f: Function, name: str = "L") -> Derivation | None:
    """The derivation for a loss with kinks that splits into smooth pieces; None for any other loss."""
    if not _has_kinks(f):  # checked first: a smooth loss is not analysed twice (here and by the caller)
        return None
    found = analysis.critical_points(f)
    parts = separable_parts(f) if f.n > 1 else {f.variables[0]: f.expr}
    if parts is None:
        return None
    analyses = []
    for variable, part in parts.items():
        convex = analysis.convexity(part).is_convex is True
        a = piecewise_analysis(part, variable, convex=convex, allow_smooth=True)
        if a is None:
            return None
        analyses.append((variable, part, a))
    checker = Checker(f)
    steps: list[Step] = []
    if f.n > 1:
        steps.append(Step(f"{name} is a sum of functions of one variable each: minimise each on its own",
                          tuple(eq(Name(f"{name}_{text(v)}", f"{name}_{{{sympy.latex(v)}}}"), part)
                                for v, part in parts.items()), None))
    for variable, part, a in analyses:
        steps += _variable_steps(f, name, variable, part, a, checker)
    steps.append(_final_step(f, name, found, checker))
    given = (eq(Apply(name, f.variables), f.expr, label="Function"),)
    conclusion = _conclusion(f, name, found)
    return Derivation("critical-points", "Critical points of a non-smooth function", given, tuple(steps),
                      [p.point for p in found], conclusion, (), tuple(checker.log))


def _has_kinks(f: Function) -> bool:
    return f.expr.has(sympy.Abs, sympy.Max, sympy.Min)


def _variable_steps(f: Function, name: str, variable, part, a: PiecewiseAnalysis, checker: Checker) -> list[Step]:
    g = name if f.n == 1 else f"{name}_{text(variable)}"
    latex_g = name if f.n == 1 else f"{name}_{{{sympy.latex(variable)}}}"
    label = Name(g, latex_g)
    one = Function(part, [variable])
    one_checker = Checker(one)
    steps = []
    if a.kinks:
        kinks = ", ".join(f"{text(variable)} = {text(k.point)}" for k in a.kinks)
        steps.append(Step(f"Find the kinks of {g}: where an absolute value, max or min switches", (
            Math((Name(kinks, kinks.replace("−", "-")),), label="Kinks"),), tuple(k.point for k in a.kinks)))
    lines = []
    for piece in a.pieces:
        inside = _sample(piece.interval)
        sample = {variable: inside}
        one_checker.value(f"{g} on the piece {text(piece.interval)}", piece.expr.xreplace(sample), sample)
        one_checker.gradient(f"{g}′ on the piece {text(piece.interval)}", [piece.derivative.xreplace(sample)], sample)
        lines.append(Math((label, piece.expr, Deriv(g, (variable,), True), piece.derivative), ("=", ",", "="),
                          label=_interval_words(piece.interval, variable)))
    checker.log.extend(one_checker.log)
    steps.append(Step(f"On each piece {g} is smooth: write it without |·|, max, min and differentiate",
                      tuple(lines), tuple(p.derivative for p in a.pieces)))
    if a.kinks:
        lines = []
        for k in a.kinks:
            _check_one_sided(one, variable, k, checker)
            lines.append(Math((_one_sided_name(g, latex_g, k.point, "⁻", "-"), k.left,
                               _one_sided_name(g, latex_g, k.point, "⁺", "+"), k.right,
                               Apply(g, (k.point,)), k.value), ("=", ",", "=", ",", "="),
                              label=f"At {text(variable)} = {text(k.point)}"))
        steps.append(Step(f"One-sided derivatives at the kinks (the derivative exists only where they agree)",
                          tuple(lines), tuple((k.left, k.right) for k in a.kinks)))
    lines = [_critical_line(g, variable, c) for c in a.critical]
    lines += [Math((Name(f"{text(variable)} = {text(k.point)}", f"{sympy.latex(variable)} = {sympy.latex(k.point)}"),),
                   suffix=f"not critical: 0 ∉ [{text(min(k.left, k.right, key=float))}, "
                          f"{text(max(k.left, k.right, key=float))}]") for k in a.not_critical]
    remark = " ".join(c.reason for c in a.critical)
    if a.global_note:
        remark += " " + a.global_note
    remark = remark.replace(NAME, g)
    steps.append(Step(f"Critical points of {g}: {g}′ = 0 on a piece, or 0 ∈ ∂{g} = [{g}′(a⁻), {g}′(a⁺)] at a kink a",
                      tuple(lines) or (Math((Name("none", r"\text{none}"),)),), tuple(c.region for c in a.critical),
                      remark.strip()))
    return steps


def _one_sided_name(g: str, latex_g: str, point: sympy.Expr, mark: str, latex_mark: str) -> Name:
    """``L′(1⁻)``: the derivative from one side at a kink."""
    return Name(f"{g}′({text(point)}{mark})", f"{latex_g}'({sympy.latex(point)}^{latex_mark})")


def _critical_line(g: str, variable, c: CriticalSet) -> Math:
    words = c.extremum or f"local {c.kind}" if c.kind != "unknown" else "not classified"
    if c.how == "flat":
        words = ("a flat set of " + ("global " if c.extremum else "local ") + c.kind + "a").replace("minimuma", "minima") \
            .replace("maximuma", "maxima")
    return Math((Name(g, g), c.value), ("=",), label=describe_region(c.region, variable), suffix=f"({words})")


def _final_step(f: Function, name: str, found, checker: Checker) -> Step:
    lines = []
    for p in found:
        for sample in _samples(p, f):
            checker.value(f"{name} at a critical point", p.value, sample)
        what = p.extremum or {"non-differentiable": "a kink", "minimum": "local minimum",
                              "maximum": "local maximum"}.get(p.kind, p.kind)
        lines.append(Math((Name(name, name), p.value), ("=",), label=_where(p, f), suffix=f"({what})"))
    return Step(f"Critical points of {name}", tuple(lines) or (Math((Name("none", r"\text{none}"),)),),
                [p.point for p in found])


def _where(p, f: Function) -> str:
    parts = []
    for v in f.variables:
        if p.region and v in p.region:
            parts.append(f"{text(v)} ∈ {text(p.region[v])}")
        else:
            parts.append(f"{text(v)} = {text(p.point[v])}")
    return ("every " if p.region else "") + ", ".join(parts)


def _conclusion(f: Function, name: str, found) -> str:
    best = [p for p in found if p.extremum == "global minimum"]
    if not best:
        return "No global minimum was shown." if found else f"{name} has no critical points: it has no minimum or maximum."
    p = best[0]
    if p.region:
        return f"Every point with {_where(p, f).removeprefix('every ')} is a global minimum, with value {text(p.value)}."
    origin = all(v == 0 for v in p.point.values()) and f.n > 1
    return (f"The {'origin' if origin else 'point'} {_where(p, f)} is the global minimum, with value {text(p.value)}"
            + ("; the gradient does not exist there, but 0 ∈ ∂" + name + "." if p.one_sided else "."))


# --------------------------------------------------------------------------- checks and samples
def _check_one_sided(one: Function, variable, k, checker: Checker) -> None:
    at = lambda t: one.expr.xreplace({variable: t})  # noqa: E731 - a one-line evaluation
    left = (at(k.point) - at(k.point - _H)) / _H
    right = (at(k.point + _H) - at(k.point)) / _H
    checker.close(f"one-sided derivatives at {text(k.point)}", [k.left, k.right], [to_float(left), to_float(right)],
                  "one-sided difference quotients with h = 10⁻⁸", rtol=1e-6)


def _sample(interval: sympy.Interval) -> sympy.Expr:
    lo, hi = interval.inf, interval.sup
    if lo.is_infinite and hi.is_infinite:
        return sympy.Rational(1, 3)
    if lo.is_infinite:
        return hi - sympy.Rational(3, 2)
    if hi.is_infinite:
        return lo + sympy.Rational(3, 2)
    return (lo + hi) / 2


def _samples(p, f: Function) -> list[dict]:
    base = {v: value for v, value in p.point.items() if not (p.region and v in p.region)}
    if not p.region:
        return [base]
    samples = []
    for v, region in p.region.items():
        ends = [e for e in (region.inf, region.sup) if e.is_finite]
        inside = ends + [_sample(sympy.Interval.open(region.inf, region.sup))]
        samples += [{**base, **{u: _sample(sympy.Interval.open(r.inf, r.sup)) for u, r in p.region.items()}, v: t}
                    for t in inside]
    return samples


def _interval_words(interval: sympy.Interval, variable) -> str:
    x = text(variable)
    lo, hi = interval.inf, interval.sup
    if lo.is_infinite and hi.is_infinite:
        return f"For every {x}"
    if lo.is_infinite:
        return f"For {x} < {text(hi)}"
    if hi.is_infinite:
        return f"For {x} > {text(lo)}"
    return f"For {text(lo)} < {x} < {text(hi)}"

