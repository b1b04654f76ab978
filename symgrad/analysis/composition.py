"""Convexity by composition rules, as in disciplined convex programming (DCP).

Mechanism: :func:`curvature` walks the expression tree bottom-up and gives each
node a :class:`Shape` -- whether it is *proven* convex, *proven* concave (both
for affine expressions), and the sentence that proves it. Each building block
is one rule in :data:`RULES` (dispatch on the SymPy class). The rules used:

* sums of convex terms are convex; a nonnegative multiple keeps the shape and a
  negative one swaps convex and concave;
* ``h(g(x))`` is convex when ``h`` is convex and either ``g`` is affine, or ``h``
  is nondecreasing and ``g`` convex, or ``h`` is nonincreasing and ``g`` concave
  (``exp``, ``|u|``, ``u**p``, ``max``, ``log`` -> concave, ``min`` -> concave);
* ``sqrt(c + Σ cᵢ gᵢ²)`` with affine ``gᵢ``, ``cᵢ > 0``, ``c >= 0`` is a Euclidean norm of an affine
  map, hence convex; ``log(Σ cᵢ exp(gᵢ))`` with affine ``gᵢ`` is log-sum-exp, convex.

Signs needed by the rules (``u >= 0`` for ``u**p``) are proven on the domain with
:func:`~symgrad.analysis._common.prove_sign`. The rules prove convexity, never
*strict* convexity, and a shape they cannot prove is simply not claimed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import sympy

from ._common import Domain, prove_sign
from ._text import text

__all__ = ["Shape", "curvature", "RULES"]


@dataclass(frozen=True)
class Shape:
    """``convex`` / ``concave``: proven for the node; ``why``: the sentences of the proof."""

    convex: bool
    concave: bool
    why: tuple[str, ...] = ()

    @property
    def known(self) -> bool:
        return self.convex or self.concave


UNKNOWN = Shape(False, False)


def _affine(shape: Shape) -> bool:
    return shape.convex and shape.concave


class _Context:
    def __init__(self, variables, domain: Domain):
        self.variables = set(variables)
        self.domain = domain

    def sign(self, expr) -> str | None:
        return prove_sign(expr, self.domain).sign

    def nonnegative(self, expr) -> bool:
        return self.sign(expr) in ("positive", "nonnegative", "zero")

    def nonpositive(self, expr) -> bool:
        return self.sign(expr) in ("negative", "nonpositive", "zero")

    def positive(self, expr) -> bool:
        return self.sign(expr) == "positive"


def curvature(expr: sympy.Expr, variables: Sequence[sympy.Symbol], domain: Domain) -> Shape:
    """The proven shape of ``expr`` on ``domain`` by composition rules.

    Example:
        >>> x = sympy.Symbol("x", real=True)
        >>> from symgrad.analysis._common import Domain
        >>> curvature(sympy.Abs(x), (x,), Domain(((x, sympy.S.Reals),))).convex
        True
    """
    return _shape(expr, _Context(variables, domain))


def _shape(expr, ctx: _Context) -> Shape:
    if not (expr.free_symbols & ctx.variables):
        return Shape(True, True, ())
    if expr in ctx.variables:
        return Shape(True, True, ())
    rule = RULES.get(type(expr))
    if rule is None:
        for cls, candidate in RULES.items():
            if isinstance(expr, cls):
                rule = candidate
                break
    return rule(expr, ctx) if rule else UNKNOWN


def _add(expr, ctx) -> Shape:
    shapes = [_shape(a, ctx) for a in expr.args]
    why = tuple(w for s in shapes for w in s.why)
    convex, concave = all(s.convex for s in shapes), all(s.concave for s in shapes)
    if convex and not concave:
        why += (f"{text(expr)} is convex: a sum of convex functions is convex",)
    elif concave and not convex:
        why += (f"{text(expr)} is concave: a sum of concave functions is concave",)
    return Shape(convex, concave, why)


def _mul(expr, ctx) -> Shape:
    constant = sympy.Mul(*[a for a in expr.args if not (a.free_symbols & ctx.variables)])
    rest = sympy.Mul(*[a for a in expr.args if a.free_symbols & ctx.variables])
    if isinstance(rest, sympy.Mul):
        return UNKNOWN  # a product of two non-constant factors: no rule
    inner = _shape(rest, ctx)
    if _affine(inner):
        return Shape(True, True, inner.why)
    if ctx.nonnegative(constant):
        word = "convex" if inner.convex else "concave"
        return Shape(inner.convex, inner.concave, inner.why + (
            (f"{text(expr)} is {word}: a nonnegative multiple of a {word} function is {word}",) if inner.known else ()))
    if ctx.nonpositive(constant):
        flipped = Shape(inner.concave, inner.convex, inner.why)
        if flipped.known:
            word, other = ("convex", "concave") if flipped.convex else ("concave", "convex")
            what = "the negative" if constant == -1 else "a negative multiple"
            flipped = Shape(flipped.convex, flipped.concave, inner.why + (
                f"{text(expr)} is {word}: {what} of a {other} function is {word}",))
        return flipped
    return UNKNOWN


def _composed(word: str, outer: str, expr, inner: Shape, how: str) -> Shape:
    """The sentence for ``h(g)``: ``eᵘ`` alone, ``h`` of an affine ``g``, or a monotone ``h`` of a convex/concave ``g``."""
    u = expr.args[0] if not isinstance(expr, sympy.Pow) else expr.base
    if how == "affine" and isinstance(u, sympy.Symbol):
        sentence = f"{text(expr)} is {word}: {outer} is a {word} function"
    elif how == "affine":
        sentence = (f"{text(expr)} is {word}: {outer} is {word} and {text(u)} is affine, and a {word} function of an "
                    f"affine expression is {word}")
    else:
        monotone, inner_word = how.split("/")
        sentence = (f"{text(expr)} is {word}: {outer} is {word} and {monotone}, and {text(u)} is {inner_word}; "
                    f"a {word} {monotone} function of a {inner_word} function is {word}")
    return Shape(word == "convex", word == "concave", inner.why + (sentence,))


def _convex_of(outer: str, inner: Shape, expr, increasing: bool | None, decreasing: bool | None) -> Shape:
    """``h(g)`` with ``h`` convex: convex if g affine, or h increasing & g convex, or h decreasing & g concave."""
    if _affine(inner):
        return _composed("convex", outer, expr, inner, "affine")
    if increasing and inner.convex:
        return _composed("convex", outer, expr, inner, "non-decreasing/convex")
    if decreasing and inner.concave:
        return _composed("convex", outer, expr, inner, "non-increasing/concave")
    return UNKNOWN


def _concave_of(outer: str, inner: Shape, expr, increasing: bool) -> Shape:
    if _affine(inner):
        return _composed("concave", outer, expr, inner, "affine")
    if increasing and inner.concave:
        return _composed("concave", outer, expr, inner, "non-decreasing/concave")
    return UNKNOWN


def _abs(expr, ctx) -> Shape:
    u = expr.args[0]
    inner = _shape(u, ctx)
    return _convex_of("the absolute value |u| (a norm on ℝ)", inner, expr, ctx.nonnegative(u), ctx.nonpositive(u))


def _exp(expr, ctx) -> Shape:
    return _convex_of("the exponential eᵘ", _shape(expr.args[0], ctx), expr, True, False)


def _log(expr, ctx) -> Shape:
    u = expr.args[0]
    terms = sympy.Add.make_args(u)
    exps = [t for t in terms if t.free_symbols & ctx.variables]
    if exps and all(_is_exp_of_affine(t, ctx) for t in exps) and all(ctx.positive(t) for t in terms if t not in exps):
        return Shape(True, False, (f"{text(expr)} is convex: it is the log-sum-exp of affine expressions, "
                                   "and log-sum-exp is convex",))
    return _concave_of("the logarithm log u", _shape(u, ctx), expr, True)


def _is_exp_of_affine(term, ctx) -> bool:
    coefficient, rest = term.as_independent(*ctx.variables, as_Add=False)
    return ctx.positive(coefficient) and isinstance(rest, sympy.exp) and _affine(_shape(rest.args[0], ctx))


def _max(expr, ctx) -> Shape:
    shapes = [_shape(a, ctx) for a in expr.args]
    if all(s.convex for s in shapes):
        return Shape(True, False, tuple(w for s in shapes for w in s.why) + (
            f"{text(expr)} is convex: {_listed(expr.args)} are {_kind(shapes, 'convex')}, and the maximum of convex "
            "functions is convex",))
    return UNKNOWN


def _listed(args) -> str:
    """``x and 0``; ``a, b and c`` (the variables first, as :mod:`._text` prints ``max``)."""
    shown = [text(a) for a in args if a.free_symbols] + [text(a) for a in args if not a.free_symbols]
    return shown[0] if len(shown) == 1 else ", ".join(shown[:-1]) + " and " + shown[-1]


def _kind(shapes, word: str) -> str:
    return f"affine (so {word})" if all(_affine(s) for s in shapes) else word


def _min(expr, ctx) -> Shape:
    shapes = [_shape(a, ctx) for a in expr.args]
    if all(s.concave for s in shapes):
        return Shape(False, True, tuple(w for s in shapes for w in s.why) + (
            f"{text(expr)} is concave: {_listed(expr.args)} are {_kind(shapes, 'concave')}, and the minimum of concave "
            "functions is concave",))
    return UNKNOWN


def _pow(expr, ctx) -> Shape:
    base, p = expr.args
    if p.free_symbols & ctx.variables:
        return UNKNOWN if base != sympy.E else _exp(sympy.exp(p), ctx)
    if p == sympy.Rational(1, 2):
        norm = _norm_shape(expr, base, ctx)
        if norm.known:
            return norm
    inner = _shape(base, ctx)
    power = text(sympy.Pow(_U, p))
    if p.is_integer and p.is_even and p.is_positive:
        return _convex_of(f"u ↦ {power}", inner, expr, ctx.nonnegative(base), ctx.nonpositive(base))
    if (p > 1) is sympy.true:
        return _convex_of(f"u ↦ {power} (for u ≥ 0)", inner, expr, True, False) if ctx.nonnegative(base) else UNKNOWN
    if (p > 0) is sympy.true and (p < 1) is sympy.true:
        outer = "the square root √u" if p == sympy.S.Half else f"u ↦ {power}"
        return _concave_of(outer + " (for u ≥ 0)", inner, expr, True) if ctx.nonnegative(base) else UNKNOWN
    if (p < 0) is sympy.true and ctx.positive(base):
        return _convex_of(f"u ↦ {power} (for u > 0)", inner, expr, False, True)
    return UNKNOWN


_U = sympy.Symbol("u", real=True)


def _norm_shape(expr, base, ctx) -> Shape:
    """``sqrt(c + Σ cᵢ gᵢ²)`` with affine ``gᵢ``: a Euclidean norm of an affine map."""
    components = []
    for term in sympy.Add.make_args(base):
        if not (term.free_symbols & ctx.variables):
            if not ctx.nonnegative(term):
                return UNKNOWN
            components.append(sympy.sqrt(term))
            continue
        coefficient, square = term.as_independent(*ctx.variables, as_Add=False)
        if not (ctx.positive(coefficient) and isinstance(square, sympy.Pow) and square.exp == 2
                and _affine(_shape(square.base, ctx))):
            return UNKNOWN
        components.insert(len([c for c in components if c.free_symbols]), sympy.sqrt(coefficient) * square.base)
    vector = "(" + ", ".join(text(c) for c in components) + ")"
    return Shape(True, False, (f"{text(expr)} is convex: it is the Euclidean length ‖{vector}‖, and a norm is convex "
                               "(by the triangle inequality, ‖θa + (1 − θ)b‖ ≤ θ‖a‖ + (1 − θ)‖b‖ for 0 ≤ θ ≤ 1)",))


RULES: dict[type[Any], Callable[..., Shape]] = {
    sympy.Add: _add,
    sympy.Mul: _mul,
    sympy.Pow: _pow,
    sympy.Abs: _abs,
    sympy.exp: _exp,
    sympy.log: _log,
    sympy.Max: _max,
    sympy.Min: _min,
}
"""SymPy class -> composition rule giving the node's :class:`Shape`."""
