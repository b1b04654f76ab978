"""The convexity kind: a convexity test laid out as the chapter does it (§13.2, §13.5).

The verdict is :func:`symgrad.analysis.convexity`'s; the steps show the argument it used -- the sign of
``f''``, the eigenvalues of a constant Hessian, the principal minors, a composition rule -- or a
counterexample (:mod:`symgrad.steps.kinds._chord`), every value re-checked in floats.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import sympy

import symgrad.analysis as analysis
from ...analysis._common import bounded
from ...function import Function, as_function
from .._support import _eigen_steps, _latex_text, _plain, _set_text, _tuple_text
from ..core import Apply, Checker, Deriv, Derivation, Math, Name, Step, eq, to_float
from ._chord import _chord_step
from ._shared import _args


__all__ = ["convexity"]


_HESSIAN_METHODS = {"hessian-constant", "second-derivative", "sylvester", "counterexample-hessian"}


_VERDICT_WORDS = {
    "strictly convex": ("✓", "the function is strictly convex"),
    "convex": ("✓", "the function is convex"),
    "strictly concave": ("✗", "the function is strictly concave, not convex"),
    "concave": ("✗", "the function is concave, not convex"),
    "neither": ("✗", "the function is not convex (and not concave either)"),
    "unknown": ("", "symgrad could not decide whether the function is convex"),
}
"""ConvexityVerdict.verdict -> the end of the chapter-style conclusion."""


@bounded
def convexity(f: Any, *, name: str = "f", domain: Any = None) -> Derivation:
    """A convexity test laid out as the chapter does it (§13.2, §13.5); the verdict is
    :func:`symgrad.analysis.convexity`'s.

    The steps show the derivatives and the Hessian, then the argument the analysis used:
    the sign of ``f''`` (one variable), the eigenvalues of a constant Hessian through the
    characteristic polynomial, the principal minors, a composition rule, or a chord that
    lies below the graph (a counterexample, checked exactly and here again in floats).

    Arguments:
        f: the function (text, SymPy expression or Function).
        name: its name in the derivation.
        domain: optional domain (see :func:`symgrad.analysis.convexity`).
    Returns:
        a Derivation whose result is the verdict: ``"strictly convex"``, ``"convex"``,
        ``"strictly concave"``, ``"concave"``, ``"neither"`` or ``"unknown"``.
    Example:
        >>> convexity("w0^2 + 2*w0*w1 + 3*w1^2").result
        'strictly convex'
    """
    f = as_function(f)
    verdict = analysis.convexity(f, domain=domain, name=name)
    checker = Checker(f)
    given = (eq(Apply(name, f.variables), f.expr, label="Function"),)
    if not verdict.domain.is_everything:
        given += (Math((Name(verdict.domain.describe(), _latex_text(verdict.domain.describe())),),
                       label="Domain"),)
    smooth = verdict.method in _HESSIAN_METHODS or any(label.startswith(("second", "Hessian"))
                                                        for label, _ in verdict.steps)
    steps = _second_derivative_steps(f, name, checker) if smooth else []
    if f.n == 1 and smooth:
        steps += _sign_of_second_derivative(f, name, verdict)
    elif smooth and not f.hessian().free_symbols & set(f.variables):
        eigen = _eigen_steps(f.hessian(), checker)
        steps.append(Step("Compute eigenvalues", tuple(m for s in eigen for m in s.math), eigen[-1].result))
    elif smooth:
        steps.append(_minors_step(verdict))
    signs_shown = any(s.text == "Check the sign of the second derivative" for s in steps)
    if verdict.counterexample is not None:
        steps += _counterexample_steps(f, name, verdict.counterexample, checker,
                                            verdict.concavity_counterexample, dict(verdict.steps), signs_shown)
    if verdict.method == "composition" or verdict.verdict == "unknown" or not steps:
        reason = verdict.reason.split(" It is not strictly")[0] if verdict.straight_chord is not None else verdict.reason
        steps.append(Step("Apply the rules of convex analysis" if verdict.method == "composition"
                          else "Decide on each piece of the domain" if verdict.pieces else "Decide",
                          (), verdict.verdict, reason))
    if verdict.straight_chord is not None:
        steps.append(_chord_step(f, name, verdict.straight_chord, "on", checker))
    conclusion = _convexity_conclusion(f, verdict)
    return Derivation("convexity", "Convexity test", given, tuple(steps), verdict.verdict, conclusion, (),
                      tuple(checker.log))


def _second_derivative_steps(f: Function, name: str, checker: Checker) -> list[Step]:
    if f.n == 1:
        (x,) = f.variables
        d1, d2 = f.partial(x), f.partial(x, 2)
        checker.symbolic(f"d{name}/d{x.name}", sympy.ImmutableMatrix([d1]))
        checker.symbolic(f"d²{name}/d{x.name}²", sympy.ImmutableMatrix([[d2]]), "hessian")
        return [Step("Compute the first and second derivatives",
                     (eq(Deriv(name, (x,), True), d1), eq(Deriv(name, (x, x), True), d2)), d2)]
    H = f.hessian()
    checker.symbolic("∇" + name, f.gradient())
    checker.symbolic("Hessian", H, "hessian")
    second = [eq(Deriv(name, (v, v)), H[i, i]) for i, v in enumerate(f.variables)]
    second += [eq(Deriv(name, (vi, vj)), H[i, j]) for i, vi in enumerate(f.variables)
               for j, vj in enumerate(f.variables) if i < j]
    return [Step("Compute partial derivatives", tuple(eq(Deriv(name, (v,)), f.partial(v)) for v in f.variables),
                 f.gradient()),
            Step("Compute second partial derivatives", tuple(second), H),
            Step("Form Hessian", (eq(Name("H", "H"), H),), H)]


def _sign_of_second_derivative(f: Function, name: str, verdict: Any) -> list[Step]:
    """``f'' ≥ 0 for all x`` when the analysis proved it (with the isolated zeros it found)."""
    if verdict.method not in ("second-derivative", "hessian-constant") or verdict.is_convex is None:
        return []
    (x,) = f.variables
    d2 = f.partial(x, 2)
    zeros = dict(verdict.steps).get("where f'' = 0")
    upward = verdict.is_convex
    relation = (">" if upward else "<") if zeros is None and verdict.verdict.startswith("strictly") else (
        "≥" if upward else "≤")
    where = f" (equal to 0 only at {_where_text(x, zeros)})" if zeros is not None else ""
    label = f"For all {_plain(x)}" if verdict.domain.is_everything else f"For all {verdict.domain.describe()}"
    math = (Math((d2, sympy.Integer(0)), (relation,), label=label,
                 suffix=("✓" if upward else "(concave)") + where),)
    return [Step("Check the sign of the second derivative", math, sympy.true)]


def _second_derivative_signs(f: Function, name: str, facts: Mapping[str, Any], checker: Checker) -> Step:
    """``For x > 0: 6x > 0 (convex)``, ``For x < 0: 6x < 0 (concave)`` from the analysis's sign sets,
    each checked in floats at a point of its set."""
    (x,) = f.variables
    d2 = f.partial(x, 2)
    lines = []
    for key, relation, word in (("where f'' > 0", ">", "convex"), ("where f'' < 0", "<", "concave")):
        region = facts.get(key)
        if region is None or region is sympy.S.EmptySet:
            continue
        sample = _inside(region)
        if sample is not None:
            checker.hessian(f"second derivative {relation} 0 at {_plain(x)} = {_plain(sample)}",
                            sympy.ImmutableMatrix([[d2.xreplace({x: sample})]]), {x: sample})
        lines.append(Math((d2, sympy.Integer(0)), (relation,), label=f"For {_condition_text(region, x)}",
                          suffix=f"({word})"))
    return Step("Check the sign of the second derivative", tuple(lines), sympy.false)


def _minors_step(verdict: Any) -> Step:
    found = dict(verdict.steps)
    lines = tuple(Math((Name(label, _latex_text(label)), sympy.Tuple(*value)), ("=",))
                  for label, value in found.items() if "minors" in label)
    return Step("Check the Hessian is positive semi-definite everywhere", lines, verdict.verdict, verdict.reason)


def _counterexample_steps(f: Function, name: str, found: Any, checker: Checker,
                          other: Any = None, facts: Mapping[str, Any] | None = None,
                          signs_shown: bool = False) -> list[Step]:
    """The analysis's counterexample, every value re-checked in floats: where the second derivative
    is positive and where negative (one variable, chapter §13.2), or a negative Hessian eigenvalue
    at a point, and a chord below the graph."""
    facts = facts or {}
    steps = []
    if f.n == 1 and "where f'' < 0" in facts:
        steps.append(_second_derivative_signs(f, name, facts, checker))
    elif found.hessian_point is not None and not signs_shown:
        point = found.hessian_point
        H = f.hessian_at(point)
        checker.hessian("Hessian at the counterexample point", H, point)
        if f.n == 1:
            (x,) = f.variables
            lines = []
            if other is not None and other.hessian_point is not None:  # where f'' > 0: the chapter's other side
                up = other.hessian_point
                checker.hessian("second derivative where f is not concave", f.hessian_at(up), up)
                lines.append(Math((Deriv(name, (x, x), True, ((x, up[x]),)), f.hessian_at(up)[0, 0],
                                   sympy.Integer(0)), ("=", ">"), suffix="(convex there)"))
            line = Math((Deriv(name, (x, x), True, ((x, point[x]),)), H[0, 0], sympy.Integer(0)), ("=", "<"),
                        suffix="(concave there)")
        else:
            checker.close("smallest eigenvalue there", found.eigenvalue,
                          np.min(np.linalg.eigvalsh(np.array(H.tolist(), dtype=float))), "numpy.linalg.eigvalsh")
            line = Math((Name("λ_min", r"\lambda_{\min}"), found.eigenvalue, sympy.Integer(0)), ("=", "<"),
                        label=f"Smallest eigenvalue of H{_tuple_text(_args(point, f))}",
                        suffix=f"(direction {_tuple_text(found.direction)})")
        shown = (*lines, line) if f.n == 1 else (eq(Name("H", "H"), H, label=f"At {_tuple_text(_args(point, f))}"),
                                                  line)
        steps.append(Step("Check the sign of the second derivative" if f.n == 1 else
                          "Find a point where the Hessian has a negative eigenvalue", shown, H))
    steps.append(_chord_step(f, name, found, "below", checker))
    if other is not None:
        steps.append(_chord_step(f, name, other, "above", checker))
    return steps


def _method_lead(f: Function, verdict: Any) -> str:
    """The first half of the conclusion: the argument the analysis used, in the chapter's words."""
    methods = set(verdict.method.split("+"))
    word = verdict.verdict
    if "hessian-constant" in methods and f.n > 1:
        which = "Both eigenvalues" if f.n == 2 else "All eigenvalues"
        return {"strictly convex": f"{which} are positive", "convex": f"{which} are ≥ 0 (one is 0)",
                "strictly concave": f"{which} are negative", "concave": f"{which} are ≤ 0"}.get(
            word, "The eigenvalues have both signs")
    if methods & {"second-derivative", "hessian-constant"}:
        x = _plain(f.variables[0]) if verdict.domain.is_everything else verdict.domain.describe()
        zeros = "where f'' = 0" in dict(verdict.steps)
        if word == "strictly convex":
            return (f"The second derivative is ≥ 0 for all {x} and 0 only at isolated points" if zeros
                    else f"The second derivative is > 0 for all {x}")
        return {"convex": f"The second derivative is ≥ 0 for all {x}",
                "strictly concave": f"The second derivative is < 0 for all {x}",
                "concave": f"The second derivative is ≤ 0 for all {x}"}.get(word, "The second derivative")
    if f.n == 1 and "where f'' < 0" in dict(verdict.steps):
        return "The second derivative is negative for some x" if "where f'' > 0" not in dict(verdict.steps) else \
            "The second derivative changes sign"
    if methods & {"counterexample-hessian", "counterexample-chord"}:
        return "A chord lies below the graph"
    if "sylvester" in methods:
        return ("The Hessian is positive semi-definite everywhere (its principal minors are ≥ 0)"
                if verdict.is_convex else "The Hessian's principal minors decide it")
    if "composition" in methods:
        return "The composition rules of convex analysis apply"
    return "The tests do not decide it"


def _convexity_conclusion(f: Function, verdict: Any) -> str:
    if verdict.pieces:
        each = " and ".join(f"{p.verdict} on {p.domain.describe()}" for p in verdict.pieces)
        return (f"The domain {verdict.domain.describe()} is not an interval, so there is no single answer: "
                f"the function is {each}.")
    mark, words = _VERDICT_WORDS[verdict.verdict]
    text = f"{_method_lead(f, verdict)}{' ' + mark if mark else ''}, so {words}"
    if not verdict.domain.is_everything:
        text += f" on {verdict.domain.describe()}"
    return text + "."


def _where_text(x: sympy.Symbol, points: sympy.Set) -> str:
    """``{0}`` → ``w = 0``; ``{−1, 1}`` → ``x = −1 and x = 1``; any other set → ``x ∈ S``."""
    if not isinstance(points, sympy.FiniteSet) or not points:
        return f"{_plain(x)} ∈ {_set_text(points)}"
    equalities = [f"{_plain(x)} = {_plain(p)}" for p in sorted(points, key=to_float)]
    return equalities[0] if len(equalities) == 1 else ", ".join(equalities[:-1]) + " and " + equalities[-1]


def _condition_text(region: sympy.Set, x: sympy.Symbol) -> str:
    """``Interval.open(0, oo)`` → ``x > 0``; a union → ``x < -1 or x > 1``."""
    pieces = region.args if isinstance(region, sympy.Union) else (region,)
    if all(isinstance(p, sympy.Interval) for p in pieces):
        return " or ".join(_interval_condition(p, x) for p in pieces)
    condition = region.as_relational(x) if hasattr(region, "as_relational") else None
    if condition is None:
        return f"{_plain(x)} ∈ {_set_text(region)}"
    return _plain(_variable_first(condition, x))


def _interval_condition(interval: sympy.Interval, x: sympy.Symbol) -> str:
    """``(−1, 2)`` → ``−1 < x < 2``; ``(0, ∞)`` → ``x > 0``; ``(−∞, 1]`` → ``x ≤ 1``."""
    low = None if interval.start == -sympy.oo else (_plain(interval.start), "<" if interval.left_open else "≤")
    high = None if interval.end == sympy.oo else (_plain(interval.end), "<" if interval.right_open else "≤")
    name = _plain(x)
    if low and high:
        return f"{low[0]} {low[1]} {name} {high[1]} {high[0]}"
    if low:
        return f"{name} {'>' if low[1] == '<' else '≥'} {low[0]}"
    if high:
        return f"{name} {high[1]} {high[0]}"
    return f"every {name}"


def _variable_first(condition: sympy.Basic, x: sympy.Symbol) -> sympy.Basic:
    """``0 < x`` → ``x > 0`` (also inside ``And``/``Or``)."""
    if isinstance(condition, (sympy.And, sympy.Or)):
        return condition.func(*(_variable_first(c, x) for c in condition.args), evaluate=False)
    if isinstance(condition, sympy.core.relational.Relational) and condition.rhs == x and condition.lhs != x:
        return condition.reversed
    return condition


def _inside(region: sympy.Set) -> sympy.Expr | None:
    """A simple number inside a set of reals (an interval or a union of them), for a float check."""
    piece = region.args[0] if isinstance(region, sympy.Union) else region
    if not isinstance(piece, sympy.Interval):
        return None
    lo, hi = piece.inf, piece.sup
    if lo.is_finite and hi.is_finite:
        return (lo + hi) / 2
    return lo + 1 if lo.is_finite else hi - 1 if hi.is_finite else sympy.Integer(0)
