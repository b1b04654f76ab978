"""Convexity verdicts with proofs and counterexamples.

``convexity(f, domain=...)`` answers *strictly convex*, *convex*, *strictly concave*,
*concave*, *neither* or *unknown*, and every answer other than *unknown* comes
with a proof or a checked counterexample. The question "is ``f`` convex?" is
asked twice, once for ``f`` and once for ``-f`` (concavity), by the same code.
For each side the methods are tried in order:

1. **Hessian** (when ``f`` is twice differentiable on the domain)
   * constant Hessian: exact eigenvalues from the characteristic polynomial
     (``"hessian-constant"``); all > 0 -> strictly convex; all >= 0 -> convex
     and *not* strictly (``f`` is affine along a null eigenvector);
   * one variable: the sign of ``f''`` on the domain (``"second-derivative"``);
     ``f'' >= 0`` with only isolated zeros is still *strictly* convex (``w⁴``);
   * several variables: Sylvester's criterion on the leading minors (all > 0:
     strictly convex), else every principal minor >= 0 (convex) (``"sylvester"``);
     strictness then from a separable sum of strictly convex parts, or from
     ``det H = 0`` at isolated points only.
2. **Composition rules** (:mod:`.composition`, ``"composition"``) for ``|x|``,
   norms, ``max``, sums, nonnegative multiples, affine compositions.
3. **Counterexamples**, always verified with exact arithmetic: a rational point
   where the Hessian has a negative eigenvalue, turned into two points on the
   eigenvector whose chord lies below the graph (``"counterexample-hessian"``),
   or a chord found by sampling (``"counterexample-chord"``).

Nothing is claimed on numeric evidence alone: sampling only proposes points;
the claim is made after the exact check. A verdict holds on ``.domain``.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from fractions import Fraction
from itertools import combinations, product
from typing import Any

import numpy as np
import sympy

from .._deprecation import keyword_only
from ..display import Display, Displayed
from ..errors import Timeout
from ..function import Function
from ..limits import Limits, run_bounded
from ._common import Domain, attempt, number_sign, prove_sign, resolve_domain, scalar_function
from ._text import text
from .composition import curvature
from .linalg import definiteness, eigenvalues, leading_minors, principal_minors
from .smoothness import kink_expressions

__all__ = ["ConvexityVerdict", "Counterexample", "convexity", "VERDICTS"]

VERDICTS = ("strictly convex", "convex", "strictly concave", "concave", "neither", "unknown")
_GRID = tuple(sympy.Rational(v) for v in ("-3", "-2", "-1", "-1/2", "0", "1/2", "1", "2", "3"))


@dataclass(frozen=True)
class Counterexample:
    """Two points whose chord lies strictly below the graph: ``f(½x1 + ½x2) > ½f(x1) + ½f(x2)``.

    Attributes:
        x1, x2: the points, ``{variable: value}`` (exact rationals).
        alpha: the weight on ``x1`` (always ½ here).
        value_between: ``f(αx1 + (1-α)x2)``.
        chord_value: ``αf(x1) + (1-α)f(x2)``.
        hessian_point, eigenvalue, direction: for a Hessian counterexample, the point
            where ``H`` has the negative eigenvalue and its eigenvector (else ``None``).
        x1_value, x2_value: ``f(x1)`` and ``f(x2)`` (set for the chord of :attr:`ConvexityVerdict.straight_chord`).
    """

    x1: dict[sympy.Symbol, sympy.Expr]
    x2: dict[sympy.Symbol, sympy.Expr]
    alpha: sympy.Rational
    value_between: sympy.Expr
    chord_value: sympy.Expr
    hessian_point: dict[sympy.Symbol, sympy.Expr] | None = None
    eigenvalue: sympy.Expr | None = None
    direction: tuple[sympy.Expr, ...] | None = None
    x1_value: sympy.Expr | None = None
    x2_value: sympy.Expr | None = None

    def describe(self, word: str = "convex", name: str = "f") -> str:
        """The chord in words, every value given: ``x₁ = −1, x₂ = 1: f(x₁) = −8, f(x₂) = 0, ...``."""
        x1, x2 = _fmt(self.x1), _fmt(self.x2)
        middle = {v: (self.x1[v] + self.x2[v]) / 2 for v in self.x1}
        below, relation = ("below", ">") if word == "convex" else ("above", "<")
        sentence = (f"take x₁ = {x1} and x₂ = {x2}, with midpoint {_fmt(middle)}; the chord there is "
                    f"½({name}(x₁) + {name}(x₂)) = {_value(self.chord_value)}, but {name}({_fmt(middle)[1:-1] if len(middle) > 1 else _fmt(middle)}) = "
                    f"{_value(self.value_between)} {relation} {_value(self.chord_value)}, so the chord lies {below} the graph")
        if self.hessian_point is not None:
            direction = "(" + ", ".join(text(d) for d in self.direction) + ")"
            what = "the Hessian" if len(self.x1) > 1 else f"{name}″"
            has = (f"has the eigenvalue {text(self.eigenvalue)} {'< 0' if word == 'convex' else '> 0'} (direction {direction})"
                   if len(self.x1) > 1 else f"= {text(self.eigenvalue)} {'< 0' if word == 'convex' else '> 0'}")
            sentence = f"{what} at {_fmt(self.hessian_point)} {has}; " + sentence
        return sentence

    def to_dict(self) -> dict[str, Any]:
        return {"x1": {k.name: str(v) for k, v in self.x1.items()}, "x2": {k.name: str(v) for k, v in self.x2.items()},
                "alpha": str(self.alpha), "value_between": str(self.value_between), "chord_value": str(self.chord_value),
                "hessian_point": None if self.hessian_point is None else {k.name: str(v) for k, v in self.hessian_point.items()},
                "eigenvalue": None if self.eigenvalue is None else str(self.eigenvalue),
                "direction": None if self.direction is None else [str(d) for d in self.direction]}


@dataclass(frozen=True, repr=False)
class ConvexityVerdict(Displayed):
    """The answer of :func:`convexity`.

    Attributes:
        verdict: one of :data:`VERDICTS`.
        is_convex: True (proven), False (disproven by ``counterexample``) or None.
        is_concave: the same for concavity.
        method: how the deciding fact was shown, e.g. ``"hessian-constant"``.
        reason: sentences a student can follow.
        domain: the :class:`Domain` the verdict holds on (``domain.describe()`` for text).
        counterexample: a :class:`Counterexample` to convexity, or None.
        concavity_counterexample: a :class:`Counterexample` to concavity (for ``-f``), or None.
        steps: ``(sentence, SymPy object)`` pairs: the Hessian, its characteristic polynomial, eigenvalues...
        straight_chord: for *convex but not strictly*, a chord that meets the graph at its midpoint
            (``value_between == chord_value``), checked exactly; else None.
        pieces: when the natural domain is not an interval (``1/x``: ``x ≠ 0``), the verdict on each
            interval piece; the verdict for the whole domain is then ``"unknown"``.
    """

    verdict: str
    is_convex: bool | None
    is_concave: bool | None
    method: str
    reason: str
    domain: Domain
    counterexample: Counterexample | None = None
    concavity_counterexample: Counterexample | None = None
    steps: tuple[tuple[str, Any], ...] = field(default=())
    straight_chord: Counterexample | None = None
    pieces: tuple[ConvexityVerdict, ...] = ()

    @property
    def singular_somewhere(self) -> bool | None:
        """For a function proven convex through its Hessian: is the Hessian (``f''``) singular at some point?

        True for ``w⁴`` (``f''(0) = 0``) and ``(w₀ + w₁)²`` (a zero eigenvalue): convex, although the
        Hessian is only positive *semi*-definite. False when it is positive definite everywhere.
        None when the verdict is not *convex* or was not shown through the Hessian.
        """
        if not self.is_convex or not set(self.method.split("+")) & {"hessian-constant", "second-derivative", "sylvester"}:
            return None
        facts = dict(self.steps)
        if "where f'' = 0" in facts or "where det H = 0" in facts or self.verdict == "convex":
            return True
        return False

    def to_dict(self) -> dict[str, Any]:
        return {"verdict": self.verdict, "is_convex": self.is_convex, "is_concave": self.is_concave,
                "method": self.method, "reason": self.reason, "domain": self.domain.to_dict(),
                "counterexample": None if self.counterexample is None else self.counterexample.to_dict(),
                "concavity_counterexample": None if self.concavity_counterexample is None
                else self.concavity_counterexample.to_dict(),
                "steps": [[sentence, str(obj)] for sentence, obj in self.steps],
                "singular_somewhere": self.singular_somewhere,
                "straight_chord": None if self.straight_chord is None else self.straight_chord.to_dict(),
                "pieces": [p.to_dict() for p in self.pieces]}

    def _display(self) -> Display:
        rows = [("domain", self.domain.describe()), ("method", self.method), ("reason", self.reason)]
        if self.counterexample is not None:
            rows.append(("counterexample", self.counterexample.describe()))
        return Display("ConvexityVerdict", f"{self.verdict} on {self.domain.describe()}", rows)

    def __str__(self) -> str:
        return f"{self.verdict} on {self.domain.describe()} ({self.method}): {self.reason}"


@dataclass
class _Side:
    """The outcome for one side: ``status`` is ``"strict"``, ``"yes"``, ``"no"`` or None."""

    status: str | None = None
    method: str = ""
    sentences: list[str] = field(default_factory=list)
    steps: list[tuple[str, Any]] = field(default_factory=list)
    counterexample: Counterexample | None = None
    tried: list[str] = field(default_factory=list)
    straight: Counterexample | None = None


_NAME = "ƒ"
"""Stands for the function's name in the sentences below; :func:`convexity` puts the caller's name in."""


def _fmt(point: dict) -> str:
    values = list(point.values())
    return text(values[0]) if len(values) == 1 else "(" + ", ".join(text(v) for v in values) + ")"


def _matrix_text(m: sympy.MatrixBase) -> str:
    """``[[4, 0], [0, 6]]`` as ``[4, 0; 0, 6]``; a column as ``(1, -1)``."""
    if m.cols == 1:
        return "(" + ", ".join(text(e) for e in m) + ")"
    return "[" + "; ".join(", ".join(text(e) for e in row) for row in m.tolist()) + "]"


def _list_text(values) -> str:
    return "[" + ", ".join(text(v) for v in values) + "]"


def _value(value: sympy.Expr) -> str:
    """``-1``, or ``√2/2 ≈ 0.707107`` when the exact value is not a plain rational."""
    shown = text(value)
    if value.is_Rational:
        return shown
    try:
        return f"{shown} ≈ {float(value):.6g}"
    except (TypeError, ValueError):
        return shown


@keyword_only("domain")
def convexity(f: Any, *, domain: Any = None, timeout: float | None = None, name: str = "f",
              limits: Limits | None = None) -> ConvexityVerdict:
    """Decide whether ``f`` is (strictly) convex, (strictly) concave or neither, with the proof.

    Arguments:
        f: a Function, a SymPy expression, or text.
        domain: ``None`` (the natural domain: where ``f`` is defined), a SymPy
            ``Interval``, a dict ``{variable: Interval}`` or inequalities such as ``x > 0``.
        timeout: seconds for each symbolic step (default: the library limit).
        name: the function's name in the sentences of the reason (``"f"``; a derivation passes its own).
        limits: the whole analysis stops after ``limits.total_timeout`` seconds (default
            :data:`~symgrad.limits.DEFAULT_LIMITS`) and answers ``"unknown"`` with that reason.

    Returns:
        a :class:`ConvexityVerdict`; ``"unknown"`` is an honest answer, never a guess.

    Example:
        >>> w0, w1 = sympy.symbols("w0 w1", real=True)
        >>> v = convexity(w0**2 + 2*w0*w1 + 3*w1**2)
        >>> v.verdict, v.method
        ('strictly convex', 'hessian-constant')
    """
    fn = scalar_function(f, "convexity")
    try:
        return run_bounded(_convexity, fn, domain, timeout, name, limits=limits)
    except Timeout as exc:
        return ConvexityVerdict("unknown", None, None, "timeout", f"Not decided within the time limit: {exc}",
                                Domain(tuple((v, sympy.S.Reals) for v in fn.variables), domain is not None))


def _convexity(fn: Function, domain: Any, timeout: float | None, name: str) -> ConvexityVerdict:
    dom = resolve_domain(fn, domain, timeout=timeout)
    if dom.unresolved:
        return _named(_not_an_interval(fn, dom, timeout), name)
    if fn.n == 0:
        return ConvexityVerdict("convex", True, True, "constant", f"{text(fn.expr)} is a constant: convex and concave", dom)
    smooth = _twice_differentiable(fn, dom)
    upward = _analyse_side(fn, dom, +1, smooth, timeout)
    if upward.status == "strict":
        return _named(_assemble(fn, dom, upward, _Side("no")), name)
    downward = _analyse_side(fn, dom, -1, smooth, timeout)
    return _named(_assemble(fn, dom, upward, downward), name)


def _named(verdict: ConvexityVerdict, name: str) -> ConvexityVerdict:
    """The verdict with the function's name in its sentences (they are written with :data:`_NAME`)."""
    return replace(verdict, reason=verdict.reason.replace(_NAME, name),
                   pieces=tuple(_named(p, name) for p in verdict.pieces))


def _not_an_interval(fn: Function, dom: Domain, timeout) -> ConvexityVerdict:
    """The natural domain is not a box (``1/x``: ``x ≠ 0``). One variable: the verdict on each interval piece."""
    conditions = " and ".join(text(c) for c in dom.unresolved)
    head = (f"{text(fn.expr)} is defined only where {conditions}, and that is not an interval. Convexity is a question "
            "about an interval (the segment between two points of the domain must stay in it)")
    pieces = _interval_pieces(fn, dom) if fn.n == 1 else None
    if not pieces:
        return ConvexityVerdict("unknown", None, None, "domain", head + (
            ", so it has no answer on the whole domain. Ask on an interval instead: pass domain= with an interval for "
            "each variable."), dom)
    found = tuple(convexity(fn, domain=piece, timeout=timeout, name=_NAME) for piece in pieces)
    each = "; ".join(f"on {p.domain.describe()}, " + p.reason.split(". This holds")[0].rstrip(".") for p in found)
    return ConvexityVerdict("unknown", None, None, "pieces", head + (
        f", so it has no answer on the whole domain; we answer it on each piece instead: {each}."), dom, pieces=found)


def _interval_pieces(fn: Function, dom: Domain) -> list[sympy.Interval] | None:
    """The intervals that make up the set where the unresolved conditions hold (at most four), or None."""
    (x,) = fn.variables
    try:
        region = dom.interval(x)
        for condition in dom.unresolved:
            region = region.intersect(condition.as_set())
    except (NotImplementedError, TypeError, ValueError, AttributeError):
        return None
    pieces = region.args if isinstance(region, sympy.Union) else (region,)
    if len(pieces) > 4 or not all(isinstance(p, sympy.Interval) for p in pieces):
        return None
    return sorted(pieces, key=lambda p: -float(p.sup) if p.sup.is_finite else -np.inf)


def _assemble(fn: Function, dom: Domain, up: _Side, down: _Side) -> ConvexityVerdict:
    table = {
        ("strict", "no"): ("strictly convex", up), ("yes", "no"): ("convex", up), ("yes", None): ("convex", up),
        ("no", "strict"): ("strictly concave", down), ("no", "yes"): ("concave", down),
        (None, "strict"): ("strictly concave", down), (None, "yes"): ("concave", down),
        ("yes", "yes"): ("convex", up), ("no", "no"): ("neither", up),
    }
    verdict, main = table.get((up.status, down.status), ("unknown", up))
    sentences = list(main.sentences)
    if verdict == "neither":
        sentences = up.sentences + down.sentences
    elif verdict == "convex" and down.status == "yes":
        sentences.append(f"It is also concave ({_NAME} is affine).")
    elif verdict == "unknown":
        sentences = _unknown_sentences(up, down)
    is_convex = {"strict": True, "yes": True, "no": False}.get(up.status)
    is_concave = {"strict": True, "yes": True, "no": False}.get(down.status)
    if verdict in ("strictly concave",):
        is_convex = False
    method = main.method if verdict != "neither" else f"{up.method}+{down.method}"
    steps = tuple(up.steps) + tuple(s for s in down.steps if s not in up.steps)
    if not dom.is_everything and verdict != "unknown":
        sentences.append(f"This holds on {dom.describe()}, the domain of {_NAME}.")
    return ConvexityVerdict(verdict, is_convex, is_concave, method or "none", " ".join(sentences), dom,
                            up.counterexample, down.counterexample, steps, main.straight if verdict == "convex" else None)


def _unknown_sentences(up: _Side, down: _Side) -> list[str]:
    """What was shown, what was tried and what would settle the question."""
    parts = []
    if up.status == "no":
        parts.extend(up.sentences)
    if down.status == "no":
        parts.extend(down.sentences)
    open_ = [word for side, word in ((up, "convex"), (down, "concave")) if side.status is None]
    parts.append(f"Whether {_NAME} is {' or '.join(open_)} is not decided.")
    tried = list(dict.fromkeys(t for side in (up, down) if side.status is None for t in side.tried))
    if tried:
        parts.append("Tried: " + "; ".join(tried) + ".")
    parts.append(f"What would settle it: a proof that {_NAME}″ ≥ 0 on the whole domain (the Hessian positive "
                 f"semidefinite, for several variables), or two points whose chord crosses the graph."
                 if up.status is None else
                 f"What would settle it: a proof that {_NAME}″ ≤ 0 on the whole domain, or two points whose chord "
                 "lies above the graph.")
    return parts


def _twice_differentiable(fn: Function, dom: Domain) -> bool:
    """True when no kink (|u|, max, roots at 0) can occur on the domain."""
    for _, kink in kink_expressions(fn.expr):
        if prove_sign(kink, dom).sign not in ("positive", "negative"):
            return False
    return not fn.expr.has(sympy.Piecewise, sympy.floor, sympy.ceiling, sympy.frac)


# --------------------------------------------------------------------------- one side
def _analyse_side(fn: Function, dom: Domain, sign: int, smooth: bool, timeout) -> _Side:
    word = "convex" if sign > 0 else "concave"
    g = sign * fn.expr
    side = _Side()
    if smooth:
        hessian = sympy.ImmutableMatrix(sign * fn.hessian())
        if not hessian.free_symbols & set(fn.variables):
            side = _constant_hessian(fn, dom, g, hessian, word, sign)
        elif fn.n == 1:
            side = _second_derivative(fn, dom, g, hessian[0, 0], word, sign, timeout)
        else:
            side = _sylvester(fn, dom, g, hessian, word, sign, timeout)
        if side.status is not None:
            return side
        found = _search_hessian_counterexample(fn, dom, g, hessian, sign)
        if found is not None:
            return _refuted(found, word, "counterexample-hessian", side.steps)
        side.tried.append(("the sign of " + (f"{_NAME}″" if fn.n == 1 else "the Hessian's minors")
                           + " (not proven on the whole domain, and no point where it has the wrong sign was found)"))
    else:
        side.tried.append(f"the second-derivative test does not apply ({_NAME} has a kink or is not twice differentiable)")
    shape = curvature(fn.expr, fn.variables, dom)
    if shape.convex if sign > 0 else shape.concave:
        sentences = [_capital(w.rstrip(".")) + "." for w in shape.why] + [f"Hence {_NAME} is {word}."]
        straight = _chord_equality(fn, dom, g, sign)
        if straight is not None:
            sentences.append(f"It is not strictly {word}: it is straight along a segment; "
                             + _straight_text(straight) + ".")
        else:
            sentences.append(f"These rules do not say whether it is strictly {word}.")
        return _Side("yes", "composition", sentences, side.steps, straight=straight)
    side.tried.append("the composition rules (sums, positive multiples, norms, max, convex functions of affine maps)"
                      f" do not apply to {text(fn.expr)}")
    found = _search_chord_counterexample(fn, dom, g, sign)
    if found is not None:
        return _refuted(found, word, "counterexample-chord", side.steps)
    side.tried.append("chords between points of a grid on the domain (none crosses the graph)")
    return side


def _capital(sentence: str) -> str:
    """A clause as the start of a sentence: ``a sum ...`` → ``A sum ...``; a formula (``|x| is ...``) stays."""
    first = sentence.split(" ")[0]
    return sentence[0].upper() + sentence[1:] if first.isalpha() and first.islower() else sentence


def _straight_text(chord: Counterexample) -> str:
    """``take x₁ = −3 and x₂ = −2: ƒ(x₁) = 3, ƒ(x₂) = 2, and at the midpoint −2.5, ƒ = 2.5 = ½(3 + 2)``."""
    middle = {v: (chord.x1[v] + chord.x2[v]) / 2 for v in chord.x1}
    f1, f2 = chord.x1_value, chord.x2_value
    return (f"take x₁ = {_fmt(chord.x1)} and x₂ = {_fmt(chord.x2)}: {_NAME}(x₁) = {_value(f1)}, {_NAME}(x₂) = {_value(f2)}, "
            f"and at the midpoint {_fmt(middle)}, {_NAME} = {_value(chord.value_between)} = ½({text(f1)} + {text(f2)}), "
            "exactly the chord")


def _refuted(found: Counterexample, word: str, method: str, steps) -> _Side:
    return _Side("no", method, [f"{_NAME} is not {word}: " + found.describe(word, _NAME) + "."], list(steps), found)


def _constant_hessian(fn, dom, g, hessian, word, sign) -> _Side:
    shown = hessian * sign
    result = eigenvalues(shown)
    steps = [("Hessian H", shown)] + list(result.steps)
    kind = definiteness(hessian)
    values = ", ".join(text(v) for v in result.values)
    approx = ", ".join(f"{complex(v).real:.4g}" for v in result.numeric) if result.numeric else ""
    head = f"The Hessian is constant, H = {_matrix_text(shown)}; its eigenvalues are {values}" + (f" (≈ {approx})" if approx and not all(v.is_Integer for v in result.values) else "")
    if kind == "positive definite":
        return _Side("strict", "hessian-constant", [head + f"; all are {'> 0' if sign > 0 else '< 0'}, so H is "
                                                    f"{'positive' if sign > 0 else 'negative'} definite and {_NAME} is strictly {word}."], steps)
    if kind == "positive semidefinite":
        sentence = head + f"; all are {'≥ 0' if sign > 0 else '≤ 0'}, so {_NAME} is {word}"
        null = (hessian).nullspace()
        if null:
            sentence += (f", but not strictly: along the direction {_matrix_text(null[0])} (an eigenvector for λ = 0) "
                         f"{_NAME} changes linearly")
        return _Side("yes", "hessian-constant", [sentence + "."], steps)
    return _Side(None, "hessian-constant", [], steps)


def _second_derivative(fn, dom, g, second, word, sign, timeout) -> _Side:
    x = fn.variables[0]
    shown = sign * second
    steps = [("second derivative f''", shown)]
    proof = prove_sign(second, dom, timeout=timeout)
    steps += _where_signs(proof, sign)
    relation = ">" if sign > 0 else "<"
    every = f"for every {text(x)}" if dom.interval(x) == sympy.S.Reals else f"for every {dom.describe()}"
    second_name = f"{_NAME}″({text(x)})"
    how = "" if "SymPy" in proof.how or not proof.how else f" ({proof.how})"
    if proof.sign == "positive":
        return _Side("strict", "second-derivative",
                     [f"{second_name} = {text(shown)} {relation} 0 {every}{how}, so {_NAME} is strictly {word}."], steps)
    if proof.sign in ("nonnegative", "zero"):
        zeros = attempt(sympy.solveset, second, x, dom.interval(x), timeout=timeout)
        sentence = f"{second_name} = {text(shown)} {'≥' if sign > 0 else '≤'} 0 {every}{how}, so {_NAME} is {word}"
        if isinstance(zeros, sympy.FiniteSet):
            steps.append(("where f'' = 0", zeros))
            return _Side("strict", "second-derivative", [
                sentence + f"; {_NAME}″ = 0 only at {text(x)} = {', '.join(map(text, zeros))}, isolated points, so on no "
                f"segment is {_NAME}″ = 0 throughout, and {_NAME} is strictly {word}."], steps)
        return _Side("yes", "second-derivative", [sentence + f"; whether it is strictly {word} was not shown."], steps)
    if proof.sign in ("mixed", "negative", "nonpositive"):
        found = _univariate_counterexample(fn, dom, g, second, timeout, proof.negative)
        if found is not None:
            return _refuted(found, word, "counterexample-hessian", steps)
    return _Side(None, "second-derivative", [], steps)


def _where_signs(proof, sign: int) -> list[tuple[str, Any]]:
    """``("where f'' > 0", set)`` and ``("where f'' < 0", set)`` when f'' takes both signs (chapter §13.2: x³).

    ``proof`` is about ``sign · f''``; the steps are about ``f''`` itself.
    """
    if proof.sign != "mixed" or proof.positive is None or proof.negative is None:
        return []
    up, down = (proof.positive, proof.negative) if sign > 0 else (proof.negative, proof.positive)
    return [("where f'' > 0", up), ("where f'' < 0", down)]


def _univariate_counterexample(fn, dom, g, second, timeout, negative=None):
    """A chord above the graph from a point where ``second < 0``; ``negative``: that set on the domain, if the
    sign proof of ``second`` already found it (it is not solved for again)."""
    x = fn.variables[0]
    if negative is None:
        negative = attempt(sympy.solve_univariate_inequality, second < 0, x, relational=False, timeout=timeout)
        if negative is None:
            return None
        negative = negative.intersect(dom.interval(x))
    piece = negative.args[0] if isinstance(negative, sympy.Union) else negative
    if not isinstance(piece, sympy.Interval):
        return None
    point = _rational_inside(piece)
    sign = 1 if g == fn.expr else -1
    return None if point is None else _chord_from_hessian(fn, dom, g, {x: point}, sympy.ImmutableMatrix([[second.xreplace({x: point})]]), sign)


def _rational_inside(interval: sympy.Interval):
    """A simple rational strictly inside the interval: an integer if possible, else k/2, k/4, ..."""
    lo, hi = interval.inf, interval.sup
    lo_f = float(lo) if lo.is_finite else (float(hi) - 4 if hi.is_finite else -4.0)
    hi_f = float(hi) if hi.is_finite else (float(lo) + 4 if lo.is_finite else 4.0)
    for denominator in (1, 2, 4, 8, 16, 64, 256, 1024, 2**16):
        first, last = int(np.floor(lo_f * denominator)), int(np.ceil(hi_f * denominator))
        candidates = sorted(range(first, last + 1), key=abs)
        for k in candidates:
            value = sympy.Rational(k, denominator)
            if interval.contains(value) is sympy.true and value not in (lo, hi):
                return value
    return None


def _rationalize(value: float, denominator: int = 1000) -> sympy.Rational:
    fraction = Fraction(value).limit_denominator(denominator)
    return sympy.Rational(fraction.numerator, fraction.denominator)


def _sylvester(fn, dom, g, hessian, word, sign, timeout) -> _Side:
    shown = sign * hessian
    leading = attempt(leading_minors, hessian, timeout=timeout)
    if leading is None:
        return _Side(None, "sylvester", [], [("Hessian H", shown)])
    steps = [("Hessian H", shown), ("leading principal minors of " + ("H" if sign > 0 else "-H"), leading)]
    proofs = [prove_sign(d, dom, timeout=timeout) for d in leading]
    if all(p.sign == "positive" for p in proofs):
        return _Side("strict", "sylvester", [
            f"The leading principal minors of {'H' if sign > 0 else '-H'} are {_list_text(leading)}, all > 0 "
            f"({'; '.join(p.how for p in proofs)}); by Sylvester's criterion the Hessian is "
            f"{'positive' if sign > 0 else 'negative'} definite everywhere, so {_NAME} is strictly {word}."], steps)
    minors = attempt(principal_minors, hessian, timeout=timeout)
    if minors is None:
        return _Side(None, "sylvester", [], steps)
    proofs = [prove_sign(d, dom, timeout=timeout) for _, d in minors]
    if all(p.sign in ("positive", "nonnegative", "zero") for p in proofs):
        steps.append(("all principal minors", [d for _, d in minors]))
        sentence = (f"Every principal minor of {'H' if sign > 0 else '-H'} ({_list_text([d for _, d in minors])}) is ≥ 0 "
                    f"on the domain, so the Hessian is {'positive' if sign > 0 else 'negative'} semidefinite everywhere "
                    f"and {_NAME} is {word}")
        strict = _strictness_nd(fn, dom, g, hessian, timeout)
        if strict:
            why, zeros = strict
            if zeros is not None:
                steps.append(("where det H = 0", zeros))
            return _Side("strict", "sylvester", [sentence + "; " + why], steps)
        return _Side("yes", "sylvester", [sentence + f"; whether it is strictly {word} was not shown."], steps)
    return _Side(None, "sylvester", [], steps)


def _strictness_nd(fn, dom, g, hessian, timeout) -> tuple[str, Any] | None:
    """Why a convex ``g`` is strictly convex, with the solutions of ``det H = 0`` (None if there are none or
    they were not found); None when strictness is not shown."""
    zeros = _det_zeros(fn, hessian, timeout)
    if _separable_and_strict(fn, dom, g, timeout):
        return (f"{_NAME} is a sum of functions of one variable each, and each part is strictly convex in its variable, "
                f"so {_NAME} is strictly convex"), (zeros or None)
    isolated = zeros is not None and all(len(z) == fn.n and not any(v.free_symbols for v in z.values()) for z in zeros)
    if isolated:
        return (f"det H = {text(sympy.factor(hessian.det()))} vanishes only at isolated points, so along every "
                f"segment the second derivative is > 0 except at finitely many points, and {_NAME} is strictly convex"), \
            (zeros or None)
    return None


def _separable_and_strict(fn, dom, g, timeout) -> bool:
    """``g`` is a sum of functions of one variable each, each strictly convex (by :func:`_second_derivative`)."""
    groups: dict[sympy.Symbol, list] = {}
    for term in sympy.Add.make_args(sympy.expand(g)):
        used = [v for v in fn.variables if v in term.free_symbols]
        if len(used) > 1:
            return False
        if used:
            groups.setdefault(used[0], []).append(term)
    if len(groups) != fn.n:
        return False
    for variable, terms in groups.items():
        one = Function(sympy.Add(*terms), [variable])
        sub = Domain(((variable, dom.interval(variable)),))
        if _second_derivative(one, sub, one.expr, sympy.diff(one.expr, variable, 2), "convex", 1, timeout).status != "strict":
            return False
    return True


def _det_zeros(fn, hessian, timeout) -> list[dict] | None:
    """The real solutions of ``det H = 0`` for a polynomial determinant (``[]``: nowhere), or None if not solved."""
    determinant = sympy.factor(hessian.det())
    if determinant.is_zero or sympy.simplify(determinant) == 0:
        return None  # singular everywhere (exp(x + y), x²/y, (x + y)⁴): the zeros are not isolated
    if not determinant.is_polynomial(*fn.variables):
        return None
    zeros = attempt(sympy.solve, determinant, list(fn.variables), dict=True, timeout=timeout)
    if zeros is None:
        return None
    return [z for z in zeros if not any(v.has(sympy.I) for v in z.values())]


# --------------------------------------------------------------------------- counterexamples
def _sample_points(fn: Function, dom: Domain) -> list[dict[sympy.Symbol, sympy.Expr]]:
    axes = [dom.sample(v, _GRID) for v in fn.variables]
    if fn.n <= 3:
        return [dict(zip(fn.variables, values)) for values in product(*axes)]
    rng = np.random.default_rng(0)
    return [dict(zip(fn.variables, (axis[i] for axis, i in zip(axes, rng.integers(0, 9, fn.n)))))
            for _ in range(300)]


def _numeric(fn: Function, kind: str):
    try:
        compiled = fn.compile("numpy")
        return getattr(compiled, kind)  # no-eval: ok -- kind is one of the method names this module passes
    except Exception:  # noqa: BLE001 - a function NumPy cannot evaluate: no numeric screen
        return None


def _points_array(fn, points) -> np.ndarray:
    return np.array([[float(p[v]) for v in fn.variables] for p in points], dtype=float)


def _search_hessian_counterexample(fn, dom, g, hessian, sign) -> Counterexample | None:
    points = _sample_points(fn, dom)
    numeric = _numeric(fn, "hessian")
    if numeric is None:
        return None
    with np.errstate(all="ignore"):
        values = sign * np.asarray(numeric(_points_array(fn, points)), dtype=float)
    order = []
    for index, matrix in enumerate(values):
        if np.all(np.isfinite(matrix)):
            smallest = np.linalg.eigvalsh((matrix + matrix.T) / 2)[0]
            if smallest < -1e-9:
                order.append((smallest, index))
    for _, index in sorted(order)[:5]:
        point = points[index]
        exact = sympy.ImmutableMatrix(hessian.xreplace(point))
        found = _chord_from_hessian(fn, dom, g, point, exact, sign)
        if found is not None:
            return found
    return None


def _chord_from_hessian(fn, dom, g, point, exact_hessian, sign) -> Counterexample | None:
    """From a point where the Hessian of ``g`` has a negative eigenvalue, two points whose chord breaks convexity."""
    result = eigenvalues(exact_hessian)
    smallest = result.values[0]
    if number_sign(smallest) != -1:
        return None
    array = np.array(exact_hessian.evalf().tolist(), dtype=float)
    _, vectors = np.linalg.eigh((array + array.T) / 2)
    vector = vectors[:, 0] / np.max(np.abs(vectors[:, 0]))
    direction = [_rationalize(float(c), 12) for c in vector]
    if all(d == 0 for d in direction):
        return None
    for k in range(12):
        t = sympy.Rational(1, 2**k)
        x1 = {v: point[v] - t * d for v, d in zip(fn.variables, direction)}
        x2 = {v: point[v] + t * d for v, d in zip(fn.variables, direction)}
        found = _verified_chord(fn, dom, g, x1, x2)
        if found is not None:
            return Counterexample(found.x1, found.x2, found.alpha, found.value_between, found.chord_value,
                                  dict(point), sign * smallest, tuple(direction))
    return None


def _verified_chord(fn, dom, g, x1, x2) -> Counterexample | None:
    """The chord of ``g`` between ``x1`` and ``x2`` lies strictly below the graph at the midpoint, checked exactly."""
    if dom.contains(x1) is not True or dom.contains(x2) is not True:
        return None
    middle = {v: (x1[v] + x2[v]) / 2 for v in fn.variables}
    between = g.xreplace(middle)
    chord = (g.xreplace(x1) + g.xreplace(x2)) / 2
    if number_sign(between - chord) != 1:
        return None
    sign = 1 if g == fn.expr else -1
    half = sympy.Rational(1, 2)
    return Counterexample(x1, x2, half, sign * between, sign * chord)


def _search_chord_counterexample(fn, dom, g, sign) -> Counterexample | None:
    pairs = _candidate_pairs(fn, dom, g, sign, lambda gap, scale: gap > 1e-9 * scale)
    for x1, x2 in pairs[:10]:
        found = _verified_chord(fn, dom, g, x1, x2)
        if found is not None:
            return found
    return None


def _candidate_pairs(fn, dom, g, sign, accept):
    points = _sample_points(fn, dom)[:200]
    numeric = _numeric(fn, "value")
    if numeric is None:
        return []
    array = _points_array(fn, points)
    first, second = np.triu_indices(len(points), k=1)
    with np.errstate(all="ignore"):
        values = sign * np.asarray(numeric(array), dtype=float).reshape(-1)
        middles = sign * np.asarray(numeric((array[first] + array[second]) / 2), dtype=float).reshape(-1)
        gaps = middles - (values[first] + values[second]) / 2
        kept = np.flatnonzero(np.isfinite(gaps) & accept(gaps, 1.0 + np.abs(middles)))
    kept = kept[np.argsort(-np.abs(gaps[kept]), kind="stable")]  # largest gap first; ties in pair order
    return [(points[first[k]], points[second[k]]) for k in kept]


def _chord_equality(fn, dom, g, sign: int = 1) -> Counterexample | None:
    """A chord that meets the graph at its midpoint, checked exactly (shows *not strictly* convex); values of ``f``."""
    for x1, x2 in _candidate_pairs(fn, dom, g, 1, lambda gap, scale: abs(gap) < 1e-12 * scale)[:5]:
        if x1 == x2 or dom.contains(x1) is not True or dom.contains(x2) is not True:
            continue
        middle = {v: (x1[v] + x2[v]) / 2 for v in fn.variables}
        gap = g.xreplace(middle) - (g.xreplace(x1) + g.xreplace(x2)) / 2
        if number_sign(gap) == 0:
            f1, f2 = fn.expr.xreplace(x1), fn.expr.xreplace(x2)
            return Counterexample(x1, x2, sympy.Rational(1, 2), fn.expr.xreplace(middle), (f1 + f2) / 2,
                                  x1_value=f1, x2_value=f2)
    return None
