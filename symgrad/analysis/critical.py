"""Critical points: solve ∇f = 0, add the points where the gradient does not exist, classify each.

Mechanism:

1. **Exact solve** (under the time limit). One variable: a polynomial ``f'`` gives
   its real roots exactly (``CRootOf`` where radicals would need ``i``); other
   functions go through ``solveset`` over the reals, which also returns periodic
   families (``x = π/2 + 2nπ``), reported with an integer symbol ``n``. Several
   variables: ``solve`` on the gradient; each solution is checked by putting it
   back into the gradient. Solutions that make the gradient undefined are not
   critical points in the ∇f = 0 sense and are dropped.
2. **Numeric fallback** when SymPy cannot solve: SciPy ``root`` from a grid of
   starts, with the Hessian as Jacobian; results are deduplicated, kept only when
   ``‖∇f‖ < 1e-8``, and marked ``exact=False``. Roots that share exact-looking
   coordinates (``x ≈ 0`` at many ``y``) suggest a set that is not isolated: the
   guess ``x = 0`` is substituted into the gradient, and when SymPy proves
   ``∇f ≡ 0`` there, the whole set is reported once (``{x: 0, y: y}``) in place of
   the roots on it. A root left with a singular Hessian says it looks like a
   point of such a set when restarting the search a small step away along the
   Hessian's null direction finds another root about that far away.
3. **Non-differentiable points** from :func:`.smoothness.non_differentiable_points`
   are added with kind ``"non-differentiable"``: the gradient does not exist
   there, it is not zero.
4. **Classification** from the Hessian's eigenvalues (all > 0 minimum, all < 0
   maximum, both signs saddle). With zero eigenvalues: in one variable the first
   nonzero derivative decides (even order: extremum; odd: neither); in several,
   the restriction of ``f`` to each eigenvector line is tested the same way. A
   global certificate ``f - f(p) >= 0`` (proven by sign rules) makes any point,
   smooth or not, a minimum. Otherwise the kind is ``"degenerate"``. At a numeric root the eigenvalues
   must clear a margin first (:func:`.numeric_roots.eigenvalue_margin`: ten times what they change within
   the root's accuracy); an eigenvalue inside it has no certain sign, and the point is ``"degenerate"``
   with a reason that says so, never an extremum read from rounding.

Kinds: ``"minimum"``, ``"maximum"``, ``"saddle"`` (neither: arbitrarily close
points both above and below -- in one variable, a stationary inflection point),
``"degenerate"`` (the tests above do not decide), ``"non-differentiable"``,
and ``"unknown"`` when eigenvalue signs cannot be decided.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from itertools import product
from typing import Any

import sympy

from .._deprecation import renamed
from ..display import Display, Displayed
from ..errors import InputError
from ..function import Function, as_function
from ._common import (bounded, Domain, attempt, limit_at_infinity, number_sign, prove_sign, resolve_domain,
                      scalar_function, settle)
from ._text import approx_text, text, tidy_text
from .convexity import convexity
from .linalg import eigenvalues
from .numeric_roots import PROBE_STEPS, eigenvalue_margin, gradient_vanishes, looks_non_isolated, numeric_stationary
from .parametric import parameters_of, parametric_critical_points
from .nonsmooth import NAME, piecewise_analysis, separable_parts
from .smoothness import non_differentiable_points, smooth_at

__all__ = ["CriticalPoint", "critical_points", "classify_point", "KINDS"]

KINDS = ("minimum", "maximum", "saddle", "degenerate", "non-differentiable", "unknown")
MAX_DERIVATIVE_ORDER = 12


@dataclass(frozen=True, repr=False)
class CriticalPoint(Displayed):
    """A point where ``∇f = 0`` or where the gradient does not exist.

    Attributes:
        point: ``{variable: value}``; a value may contain an integer symbol ``n`` for a periodic family.
        kind: one of :data:`KINDS`.
        exact: True for exact coordinates, False for a numeric root.
        eigenvalues: the Hessian's eigenvalues there (empty where the Hessian does not exist).
        reason: the argument, in sentences.
        value: ``f`` at the point.
        extremum: ``"global minimum"`` / ``"global maximum"`` when ``f - f(p)`` has a proven sign, or (one
            variable) when ``f`` tends to ``+∞`` (``-∞``) at both ends and ``f(p)`` is the smallest (largest) value
            among the critical points, compared exactly; else None.
        one_sided: at a non-differentiable point, ``{variable name: (left limit, right limit)}`` of the
            difference quotients whose partial derivative does not exist (the proof, from
            :class:`~.smoothness.NonDifferentiability`); empty elsewhere.
        global_note: for a local extremum, why it is or is not the global one (``"f → -∞ as x → -∞"``,
            a comparison of values); empty when that was not decided.
        conditions: for a loss with symbolic parameters, what the formula of the point needs
            (``(Ne(lambda + x**2, 0),)``); empty otherwise.
        region: for a whole set of critical points of a non-smooth loss, ``{variable: Interval}`` (every
            ``x ∈ [−1, 1]`` for ``|x − 1| + |x + 1|``; then ``point`` maps that variable to itself); else None.
    """

    point: dict[sympy.Symbol, sympy.Expr]
    kind: str
    exact: bool
    eigenvalues: tuple[sympy.Expr, ...]
    reason: str
    value: sympy.Expr | None = None
    extremum: str | None = None
    one_sided: dict[str, tuple[sympy.Expr, sympy.Expr]] = field(default_factory=dict)
    global_note: str = ""
    region: dict[sympy.Symbol, sympy.Set] | None = None
    conditions: tuple[sympy.Ne, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"point": {k.name: str(v) for k, v in self.point.items()}, "kind": self.kind, "exact": self.exact,
                "eigenvalues": [str(e) for e in self.eigenvalues], "reason": self.reason,
                "value": None if self.value is None else str(self.value), "extremum": self.extremum,
                "one_sided": {k: [str(a), str(b)] for k, (a, b) in self.one_sided.items()},
                "global_note": self.global_note,
                "region": None if self.region is None else {k.name: str(v) for k, v in self.region.items()},
                "conditions": [str(c) for c in self.conditions]}

    def _display(self) -> Display:
        rows = [("point", _fmt(self.point)), ("kind", self.kind + (f" ({self.extremum})" if self.extremum else "")),
                ("value", "-" if self.value is None else str(self.value)),
                ("Hessian eigenvalues", ", ".join(str(e) for e in self.eigenvalues) or "-"), ("reason", self.reason)]
        return Display("CriticalPoint", f"{self.kind} at {_fmt(self.point)}", rows)


def _fmt(point: dict) -> str:
    return "(" + ", ".join(f"{text(k)} {_equals(v)}" for k, v in point.items()) + ")"


def _at(point: dict) -> str:
    return ", ".join(f"{text(k)} {_equals(v)}" for k, v in point.items())


def _equals(value: sympy.Expr) -> str:
    """``= 1`` for an exact closed form, ``≈ −1.7523`` for a value holding ``CRootOf`` (no closed form)."""
    if value.has(sympy.CRootOf) and not value.free_symbols:
        return "≈ " + tidy_text(approx_text(value))
    return "= " + text(value)


@bounded
def critical_points(f: Any, *, variables: Any = None, domain: Any = None, numeric_fallback: bool = True,
                    timeout: float | None = None) -> list[CriticalPoint]:
    """All critical points of ``f`` that symgrad can find, each classified with its reason.

    Arguments:
        f: a Function, SymPy expression, or text.
        variables: the variables to solve for (names or Symbols); every other symbol is a parameter that
            stays symbolic, and each point is then a formula with the conditions it needs
            (:mod:`symgrad.analysis.parametric`). Default: every free symbol is a variable.
        domain: optional box (see :func:`symgrad.analysis.convexity`); points outside are dropped.
        numeric_fallback: when SymPy cannot solve ``∇f = 0``, search with SciPy (marked ``exact=False``).
        timeout: seconds for each symbolic step.

    Returns:
        a list of :class:`CriticalPoint`: stationary points first, then points where the gradient does not exist.

    Example:
        >>> x = sympy.Symbol("x", real=True)
        >>> [(p.point, p.kind) for p in critical_points(x**3 - 3*x)]
        [({x: -1}, 'maximum'), ({x: 1}, 'minimum')]
    """
    fn = scalar_function(f if variables is None else as_function(f, variables), "critical_points")
    if parameters_of(fn):
        return parametric_critical_points(fn, timeout, CriticalPoint)
    dom = resolve_domain(fn, domain, timeout=timeout)
    pieces = piecewise_critical_points(fn, timeout) if domain is None else None
    if pieces is not None:
        return pieces
    kinks = non_differentiable_points(fn, domain=domain, timeout=timeout)
    stationary = _exact_stationary(fn, dom, timeout)
    exact = stationary is not None
    if stationary is None:
        stationary = numeric_stationary(fn, dom) if numeric_fallback else []
    results = []
    for point in stationary:
        if dom.contains(point) is False or not smooth_at(fn.expr, point)[0]:
            continue
        results.append(_classify(fn, point, exact or not _has_float(point), timeout, dom))
    if not exact:
        results = _numeric_notes(fn, results)
    for kink in kinks:
        if kink.is_isolated and dom.contains(kink.point) is not False:
            results.append(_classify_kink(fn, kink, dom, timeout))
    return _decide_global(fn, results, dom, timeout)


@renamed(point="at")
@bounded
def classify_point(f: Any, at: Any, *, timeout: float | None = None) -> CriticalPoint:
    """Classify the point ``at`` where ``∇f = 0`` or where the gradient does not exist.

    Raises:
        InputError: the gradient exists and is not zero there (the message gives its value).
    """
    fn = scalar_function(f, "classify_point")
    where = fn.point(at)
    for kink in non_differentiable_points(fn, timeout=timeout):
        if kink.is_isolated and all(sympy.simplify(kink.point[v] - where[v]) == 0 for v in kink.point):
            return _classify_kink(fn, kink, resolve_domain(fn, None, timeout=timeout), timeout)
    ok, why = smooth_at(fn.expr, where)
    if not ok:
        raise InputError(f"{_fmt(where)} is at a kink ({why}), but symgrad could not prove that the gradient fails to exist there")
    gradient = fn.gradient_at(where)
    if not all(number_sign(g) == 0 for g in gradient):
        raise InputError(f"{_fmt(where)} is not a critical point: the gradient there is {list(gradient)}, not zero")
    exact = not any(v.has(sympy.Float) for v in where.values())
    return _classify(fn, where, exact, timeout, resolve_domain(fn, None, timeout=timeout))


# --------------------------------------------------------------------------- non-smooth losses, piece by piece
def piecewise_critical_points(fn: Function, timeout: float | None) -> list[CriticalPoint] | None:
    """Critical points of a loss with kinks (``|x|``, relu, ``max``, hinge, sums of them), from :mod:`.nonsmooth`:
    one variable, or a sum of functions of one variable each. None when it does not split into pieces."""
    if not any(isinstance(node, _PIECEWISE) for node in sympy.preorder_traversal(fn.expr)):
        return None
    parts = separable_parts(fn) if fn.n > 1 else {fn.variables[0]: fn.expr}
    if parts is None:
        return None
    analyses = []
    for variable, part in parts.items():
        convex = convexity(part, timeout=timeout).is_convex is True if part.has(*_PIECEWISE) else \
            _part_is_convex(part, variable)
        found = piecewise_analysis(part, variable, timeout, convex=convex, allow_smooth=True)
        if found is None or not found.critical or len(found.critical) > 6:
            return None if found is None else ([] if not found.critical else None)
        analyses.append(found)
    return [_product_point(fn, combo, analyses) for combo in product(*(a.critical for a in analyses))]


def _part_is_convex(part: sympy.Expr, variable: sympy.Symbol) -> bool:
    second = sympy.diff(part, variable, 2)
    return second.is_number and second >= 0


_PIECEWISE = (sympy.Abs, sympy.Max, sympy.Min)


def _product_point(fn: Function, combo, analyses) -> CriticalPoint:
    point, region, one_sided = {}, {}, {}
    for a, c in zip(analyses, combo):
        if isinstance(c.region, sympy.FiniteSet):
            point[a.variable] = next(iter(c.region))
        else:
            point[a.variable], region[a.variable] = a.variable, c.region
        if c.one_sided is not None:
            one_sided[a.variable.name] = c.one_sided
    kinds = {c.kind for c in combo}
    kind = "non-differentiable" if one_sided else (kinds.pop() if len(kinds) == 1 else "saddle")
    if "unknown" in {c.kind for c in combo}:
        kind = "unknown"
    extremum = combo[0].extremum if all(c.extremum == combo[0].extremum for c in combo) else None
    value = sympy.simplify(sum((c.value for c in combo), sympy.S.Zero))
    if len(analyses) > 1:
        value = sympy.simplify(fn.expr.xreplace({v: p for v, p in point.items() if v not in region})) \
            if not region else value
    notes = [a.global_note for a in analyses if a.global_note]
    reason = " ".join(c.reason for c in combo)
    if len(analyses) > 1:
        reason = f"f is a sum of functions of one variable each; {reason}"
    return CriticalPoint(point, kind, True, (), reason.replace(NAME, "f"), value, extremum, one_sided,
                         " ".join(dict.fromkeys(notes)).replace(NAME, "f"), region or None)


# --------------------------------------------------------------------------- solving
def _exact_stationary(fn: Function, dom: Domain, timeout) -> list[dict] | None:
    gradient = list(fn.gradient())
    if fn.n == 1:
        return _univariate_stationary(fn, gradient[0], dom, timeout)
    solutions = attempt(sympy.solve, gradient, list(fn.variables), dict=True, timeout=timeout)
    if solutions is None:
        return None
    points = []
    for solution in solutions:
        point = {v: solution.get(v, v) for v in fn.variables}
        if any(value.has(sympy.I) and number_sign(sympy.im(value)) != 0 for value in point.values()):
            continue
        if any(value.is_real is False for value in point.values()):
            continue
        if gradient_vanishes(gradient, point):
            points.append(point)
    if not all(g.is_polynomial(*fn.variables) for g in gradient) and not points:
        return None  # SymPy may have missed solutions of a transcendental system: let the numeric search look
    return points


def _univariate_stationary(fn, derivative, dom, timeout) -> list[dict] | None:
    x = fn.variables[0]
    interval = dom.interval(x)
    if derivative.is_polynomial(x):
        poly = sympy.Poly(derivative, x)
        if poly.is_zero:
            return [{x: x}]
        roots = attempt(_real_roots, poly, timeout=timeout)
        if roots is not None:
            return [{x: r} for r in roots if interval.contains(r) is not sympy.false]
    solved = attempt(sympy.solveset, derivative, x, interval, timeout=timeout)
    if isinstance(solved, sympy.FiniteSet):
        return [{x: value} for value in solved if gradient_vanishes([derivative], {x: value})]
    if solved is sympy.S.EmptySet:
        return []
    families = solved.args if isinstance(solved, sympy.Union) else (solved,)
    if all(isinstance(s, sympy.ImageSet) and s.base_sets == (sympy.S.Integers,) for s in families):
        n = sympy.Symbol("n", integer=True)
        return [{x: s.lamda.expr.xreplace({s.lamda.variables[0]: n})} for s in families]
    return None


def _real_roots(poly: sympy.Poly) -> list[sympy.Expr]:
    found = sympy.roots(poly, filter="R")
    if sum(found.values()) == len(poly.real_roots()):
        return sorted(found, key=lambda r: float(r))
    return list(dict.fromkeys(poly.real_roots()))


def _has_float(point: dict) -> bool:
    return any(value.has(sympy.Float) for value in point.values())


SAMPLE_NOTE = (" Starting the search a step of {} or {} away along the Hessian's null direction finds another root "
               "that far away each time: this looks like one point of a curve or surface of critical points that is "
               "not isolated, which symgrad could not prove or describe.").format(*PROBE_STEPS)


def _numeric_notes(fn: Function, results: list[CriticalPoint]) -> list[CriticalPoint]:
    """Say how a proven set was found, and which numeric roots look like samples of a set not proven."""
    return [_found_by_substitution(fn, p) if p.exact and any(p.point[v] == v for v in fn.variables)
            else replace(p, reason=p.reason + SAMPLE_NOTE) if _looks_like_a_sample(fn, p) else p for p in results]


def _looks_like_a_sample(fn: Function, p: CriticalPoint) -> bool:
    singular = not p.exact and any(_sign(e) == 0 for e in p.eigenvalues)
    return singular and looks_non_isolated(fn, p.point)


def _found_by_substitution(fn: Function, p: CriticalPoint) -> CriticalPoint:
    fixed = " and ".join(f"{text(v)} = {text(p.point[v])}" for v in fn.variables if p.point[v] != v)
    free = ", ".join(text(v) for v in fn.variables if p.point[v] == v)
    how = (f"SymPy could not solve ∇f = 0; the numeric roots lay on {fixed}, and putting {fixed} into ∇f gives 0 "
           f"for every {free} (proven by substitution, not sampled). ")
    return replace(p, reason=how + p.reason[0].upper() + p.reason[1:])


# --------------------------------------------------------------------------- classification
def _global_certificate(fn, point, value, dom, timeout) -> tuple[str | None, str]:
    if value.free_symbols or value.has(sympy.Float) or value.has(sympy.CRootOf):
        return None, ""  # only closed-form values: a sign proof with CRootOf constants is too slow to attempt
    proof = prove_sign(fn.expr - value, dom, timeout=timeout)
    difference = f"f = {text(fn.expr)}" if value == 0 else f"f − f(p) = {text(fn.expr - value)}"
    if proof.sign in ("positive", "nonnegative", "zero"):
        return "global minimum", f"{difference} ≥ 0 everywhere ({proof.how}), so f(p) = {text(value)} is a global minimum"
    if proof.sign in ("negative", "nonpositive"):
        return "global maximum", f"{difference} ≤ 0 everywhere ({proof.how}), so f(p) = {text(value)} is a global maximum"
    return None, ""


def _classify_kink(fn, kink, dom, timeout) -> CriticalPoint:
    value = settle(fn.expr.xreplace(kink.point))
    extremum, why = _global_certificate(fn, kink.point, value, dom, timeout)
    reason = kink.reason + "; it is a critical point because the gradient does not exist, not because it is zero."
    if why:
        reason += " Moreover " + why + "."
    return CriticalPoint(dict(kink.point), "non-differentiable", True, (), reason, value, extremum, dict(kink.one_sided))


def _classify(fn: Function, point, exact, timeout, dom) -> CriticalPoint:
    value = settle(fn.expr.xreplace(point))
    hessian = sympy.ImmutableMatrix(fn.hessian().xreplace(point)).applyfunc(settle)
    extremum, certificate = _global_certificate(fn, point, value, dom, timeout)
    if hessian.free_symbols - _family_symbols(point) or any(v.free_symbols & set(fn.variables) for v in point.values()):
        kind = {"global minimum": "minimum", "global maximum": "maximum"}.get(extremum, "degenerate")
        return CriticalPoint(point, kind, exact, (), _set_reason(fn, point, certificate, extremum) + ".", value, extremum)
    if hessian.free_symbols:
        result_values = tuple(hessian[i, i] for i in range(fn.n)) if hessian.is_diagonal() else ()
    else:
        result_values = eigenvalues(hessian).values
    signs = [_sign(v) for v in result_values] if result_values else [None]
    inexact = not exact and hessian.has(sympy.Float) and result_values and None not in signs
    unresolved = _unresolved_eigenvalues(fn, point, result_values) if inexact else None
    if unresolved:
        kind, reason = "degenerate", unresolved
    else:
        kind, reason = _kind_from_signs(signs, result_values, fn.n == 1)
        if kind == "degenerate":
            kind, reason = _higher_order(fn, point, hessian, timeout)
    if extremum and kind in ("degenerate", "unknown"):
        kind = extremum.split()[1]
        reason = certificate
    elif extremum and kind == extremum.split()[1]:
        reason += "; moreover " + certificate
    if not exact:
        reason = "numeric root of ∇f = 0 (SciPy); " + reason
    return CriticalPoint(point, kind, exact, tuple(result_values), reason + ".", value, extremum)


def _unresolved_eigenvalues(fn: Function, point: dict, values) -> str | None:
    """Why the Hessian's eigenvalues at a numeric root cannot certify its kind, or None when they can.

    A root found by SciPy is only near the true point; an eigenvalue whose size is within what the
    eigenvalues change across that uncertainty (:func:`.numeric_roots.eigenvalue_margin`) has no certain
    sign, and neither has any conclusion drawn from it (nor from higher derivatives at the inexact point).
    """
    margin, radius = eigenvalue_margin(fn, point)
    small = [v for v in values if abs(float(v)) <= margin]
    if not small:
        return None
    listed = ", ".join(text(v) for v in values)
    if margin == float("inf"):
        how = "the point is too poorly determined to bound them"
    else:
        how = (f"the root is only known to about {radius:.1g}, and within that distance the eigenvalues change "
               f"by up to {margin / 10:.1g}, so {', '.join(text(v) for v in small)} could be 0 or of either sign")
    return (f"the Hessian's eigenvalues ({listed}) cannot be told apart from 0 here: {how}; the second-derivative "
            f"test does not decide this point (solve exactly, or classify_point at an exact point, to decide)")


def _family_symbols(point) -> set:
    return {s for v in point.values() for s in v.free_symbols if s.is_integer}


def _sign(value: sympy.Expr) -> int | None:
    if value.has(sympy.Float):
        number = float(value)
        return 0 if abs(number) < 1e-9 else (1 if number > 0 else -1)
    if value.free_symbols:
        return 1 if value.is_positive else -1 if value.is_negative else 0 if value.is_zero else None
    return number_sign(value)


def _set_reason(fn: Function, point: dict, certificate: str, extremum: str | None) -> str:
    """Why a set of critical points that is not a finite list (``w₀ = w₁``: a line) is what it is."""
    free = [v for v in fn.variables if point[v] == v]
    equations = " and ".join(f"{text(v)} = {text(point[v])}" for v in fn.variables if point[v] != v) or "no condition"
    shape = {1: "a line", 2: "a plane"}.get(len(free), f"a set of dimension {len(free)}")
    where = f"the critical points are not isolated: every point with {equations} is one ({shape})"
    if extremum:
        kind = "minima" if extremum.endswith("minimum") else "maxima"
        bound = certificate.split(", so f(p)")[0]
        return (f"{where}. {bound}, and f = {text(settle(fn.expr.xreplace(point)))} on the whole {shape.split()[-1]}, so "
                f"every point of it is a global {extremum.split()[1]}; none is strict, since f is constant along the "
                f"{shape.split()[-1]} (the Hessian is singular there)")
    return f"{where}; the Hessian is singular along it, and symgrad could not decide what kind of points they are"


def _kind_from_signs(signs, values, one_variable: bool = False) -> tuple[str, str]:
    if one_variable and values:
        return _second_derivative_kind(signs[0], values[0])
    listed = ", ".join(text(v) for v in values)
    if None in signs:
        return "unknown", f"the signs of the Hessian's eigenvalues ({listed}) could not be decided"
    if all(s > 0 for s in signs):
        return "minimum", f"the Hessian's eigenvalues ({listed}) are all > 0, so this is a strict local minimum"
    if all(s < 0 for s in signs):
        return "maximum", f"the Hessian's eigenvalues ({listed}) are all < 0, so this is a strict local maximum"
    if 1 in signs and -1 in signs:
        return "saddle", f"the Hessian has eigenvalues of both signs ({listed}): f rises in some directions and falls in others"
    return "degenerate", f"the Hessian is singular (eigenvalues {listed}), so the second-derivative test is inconclusive"


def _second_derivative_kind(sign: int | None, value: sympy.Expr) -> tuple[str, str]:
    """The second-derivative test in one variable, in its own words."""
    shown = f"f'' {_equals(value)}"
    if sign is None:
        return "unknown", f"the sign of {shown} could not be decided"
    if sign > 0:
        return "minimum", f"{shown} > 0 here, so this is a strict local minimum"
    if sign < 0:
        return "maximum", f"{shown} < 0 here, so this is a strict local maximum"
    return "degenerate", "f'' = 0 here, so the second-derivative test is inconclusive"


def _line_behaviour(fn, point, direction) -> tuple[str | None, int]:
    """Along ``p + t v``: ``"up"``/``"down"`` (even first nonzero order, sign), ``"odd"``, or None."""
    t = sympy.Symbol("t", real=True)
    g = fn.expr.xreplace({v: point[v] + t * d for v, d in zip(fn.variables, direction)})
    for order in range(1, MAX_DERIVATIVE_ORDER + 1):
        g = sympy.diff(g, t)
        sign = _sign(settle(g.subs(t, 0)))
        if sign is None:
            return None, order
        if sign != 0:
            return ("odd" if order % 2 else ("up" if sign > 0 else "down")), order
    return None, MAX_DERIVATIVE_ORDER


def _higher_order(fn, point, hessian, timeout) -> tuple[str, str]:
    if fn.n == 1:
        behaviour, order = _line_behaviour(fn, point, [1])
        x = fn.variables[0]
        if behaviour == "up":
            return "minimum", f"f'' = 0 here; the first nonzero derivative is of even order {order} and positive, so this is a minimum"
        if behaviour == "down":
            return "maximum", f"f'' = 0 here; the first nonzero derivative is of even order {order} and negative, so this is a maximum"
        if behaviour == "odd":
            return "saddle", (f"f'' = 0 here and the first nonzero derivative has odd order {order}: f rises on one side of "
                              f"{text(x)} = {text(point[x])} and falls on the other (a stationary inflection point), so it is neither a minimum nor a maximum")
        return "degenerate", "all derivatives up to order 12 vanish here; the test is inconclusive"
    if hessian.has(sympy.Float) or hessian.free_symbols:
        return "degenerate", "the Hessian is singular and the higher-order test needs exact values"
    behaviours = []
    for value, multiplicity, vectors in hessian.eigenvects():
        for vector in vectors:
            behaviours.append(_line_behaviour(fn, point, list(vector))[0])
    if "odd" in behaviours or ("up" in behaviours and "down" in behaviours):
        return "saddle", "the Hessian is singular, but along eigenvector lines f rises in one direction and falls in another, so this is a saddle"
    return "degenerate", "the Hessian is singular and the tests along its eigenvectors do not decide the kind of point"


# --------------------------------------------------------------------------- global or only local
def _decide_global(fn: Function, results: list[CriticalPoint], dom: Domain, timeout) -> list[CriticalPoint]:
    """Add to each local extremum whether it is the global one (:attr:`CriticalPoint.global_note`).

    Two arguments, both exact: ``f`` is unbounded in the wrong direction along a coordinate line through the
    point (``f → -∞`` disproves a global minimum); in one variable, on all of ℝ, with ``f`` continuous and
    tending to ``+∞`` (``-∞``) at both ends, the smallest (largest) value among the critical points is the
    global minimum (maximum), compared by the exact sign of the differences.
    """
    if any(v.free_symbols for p in results for v in p.point.values()):
        return results
    results = [_unbounded_note(fn, p, dom, timeout) if p.kind in ("minimum", "maximum") and not p.extremum else p
               for p in results]
    if fn.n == 1:
        for sense in ("minimum", "maximum"):
            results = _smallest_of_the_candidates(fn, results, dom, sense, timeout)
    return results


_SENSE = {"minimum": (-1, "−∞", "∞", "smallest", "<"), "maximum": (1, "∞", "−∞", "largest", ">")}


def _unbounded_note(fn: Function, p: CriticalPoint, dom: Domain, timeout) -> CriticalPoint:
    _, beyond, _, _, _ = _SENSE[p.kind]
    t = sympy.Symbol("t", real=True)
    for v in fn.variables:
        interval = dom.interval(v)
        line = fn.expr.xreplace({**{u: p.point[u] for u in fn.variables if u != v}, v: t})
        for end, bound in (("−∞", interval.inf), ("∞", interval.sup)):
            if bound not in (sympy.oo, -sympy.oo):
                continue
            limit = limit_at_infinity(line, t, bound, timeout=timeout)
            if limit == (-sympy.oo if beyond == "−∞" else sympy.oo):
                others = ", ".join(f"{text(u)} = {text(p.point[u])}" for u in fn.variables if u != v)
                note = (f"not a global {p.kind}: f → {beyond} as {text(v)} → {end}"
                        + (f" (with {others})" if others else ""))
                return _with_note(p, note)
    return p


def _smallest_of_the_candidates(fn, results, dom, sense, timeout) -> list[CriticalPoint]:
    sign, _, end_value, word, relation = _SENSE[sense]
    x = fn.variables[0]
    locals_ = [p for p in results if p.kind == sense and not p.extremum and not p.global_note]
    if not locals_ or dom.interval(x) != sympy.S.Reals or any(p.value is None or p.value.has(sympy.Float) for p in results):
        return results
    target = sympy.oo if end_value == "∞" else -sympy.oo
    if any(limit_at_infinity(fn.expr, x, end, timeout=timeout) != target for end in (-sympy.oo, sympy.oo)):
        return results
    continuous = attempt(sympy.calculus.util.continuous_domain, fn.expr, x, sympy.S.Reals, timeout=timeout)
    if continuous != sympy.S.Reals:
        return results
    best = locals_[0]
    for p in results[1:] if results[0] is best else results:
        if p is best:
            continue
        difference = number_sign(p.value - best.value)
        if difference is None or difference == 0:
            return results  # a tie or an undecided comparison: say nothing
        if difference == sign:
            best = p
    if best not in locals_:
        return results
    others = [p for p in results if p is not best]
    compared = ", ".join(f"f {_equals(p.value)} at {_at(p.point)}" for p in others)
    note = (f"f → {end_value} as {text(x)} → ±∞ and f is continuous, so f takes its {word} value at a critical "
            f"point. Compared exactly, f {_equals(best.value)} at {_at(best.point)} is the {word} of the values there "
            f"({compared}): the global {sense}")
    out = []
    for p in results:
        if p is best:
            out.append(_with_note(p, note, "global " + sense))
        elif p.kind == sense and not p.global_note:
            out.append(_with_note(p, f"only a local {sense}: f {_equals(p.value)} here, and f {_equals(best.value)} "
                                     f"at {_at(best.point)} is {'smaller' if sense == 'minimum' else 'larger'}"))
        else:
            out.append(p)
    return out


def _with_note(p: CriticalPoint, note: str, extremum: str | None = None) -> CriticalPoint:
    return replace(p, global_note=note, extremum=extremum or p.extremum)
