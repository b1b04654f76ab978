"""Diagnosing a wrong answer by *reproducing* it from the right one.

Each entry of :data:`RULES` maps a diagnosis code (documented in
:data:`symgrad.checking.result.DIAGNOSES`) to a generator: given the key, the
student's answer and the question's :class:`Context` (the function, the point,
the learning rate, the kind of question), it builds the answers a student
making that mistake would give -- the gradient with the chain-rule factor left
out, the step taken uphill, the Taylor polynomial without the 1/2... A rule
*matches* when one of its candidates equals the student's answer on every
component that is wrong. Rules are tried in table order (specific before
generic) and the first match is the diagnosis, so ``gradient_ascent`` wins over
the generic ``sign_error``. Adding a mistake is adding a row.

:func:`diagnose_job` runs in the time-limited worker (it differentiates and
compares); rules never see the key's text, only SymPy objects.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sympy

from ..analysis import convexity
from ..function import Function
from .equivalence import Settings, exact_rationals, judge_pairs
from .reading import Value

__all__ = ["Context", "RULES", "diagnose_job", "singular_hessian_somewhere", "quantity"]


@dataclass(frozen=True)
class Context:
    """What the question was, so that wrong answers can be reproduced.

    Attributes:
        question: ``gradient``, ``gradient_at``, ``gd_step``, ``hessian``, ``hessian_at``,
            ``derivative``, ``value_at``, ``taylor1``, ``taylor2`` or ``convexity``.
        expr: the function's expression (symbols real, matched by name).
        variables: the function's variables, in order.
        point: the point (or the start of the step, or the Taylor centre), in variable order.
        learning_rate: the learning rate of a ``gd_step`` question.
    """

    question: str | None = None
    expr: sympy.Expr | None = None
    variables: tuple[sympy.Symbol, ...] = ()
    point: tuple[sympy.Expr, ...] | None = None
    learning_rate: sympy.Expr | None = None


# ------------------------------------------------------------------------------------------ the quantity asked for
def _gradient(expr, variables, diff):
    return [diff(expr, v) for v in variables]


def _hessian(expr, variables, diff):
    grad = _gradient(expr, variables, diff)
    return sympy.ImmutableMatrix([[diff(g, v) for v in variables] for g in grad])


def _at(obj, variables, point):
    mapping = dict(zip(variables, point))
    if isinstance(obj, list):
        return [sympy.nsimplify(o.xreplace(mapping)) if o.has(sympy.Float) else o.xreplace(mapping) for o in obj]
    return obj.xreplace(mapping)


def _taylor(expr, variables, center, order, diff=sympy.diff, half=sympy.Rational(1, 2)):
    at = dict(zip(variables, center))
    delta = [v - c for v, c in zip(variables, center)]
    value = expr.xreplace(at)
    grad = [g.xreplace(at) for g in _gradient(expr, variables, diff)]
    result = value + sum(g * d for g, d in zip(grad, delta))
    if order >= 2:
        hess = _hessian(expr, variables, diff).xreplace(at)
        d = sympy.ImmutableMatrix(delta)
        result += half * (d.T * hess * d)[0, 0]
    return result


def quantity(ctx: Context, *, diff: Callable = sympy.diff, point: Any = None) -> Value | None:
    """The answer to ``ctx.question`` computed with ``diff`` (``sympy.diff`` or a faulty one) at ``point``."""
    if ctx.expr is None or not ctx.question:
        return None
    v, p, q = ctx.variables, point if point is not None else ctx.point, ctx.question
    if q == "gradient":
        return Value("vector", tuple(_gradient(ctx.expr, v, diff)))
    if q == "hessian":
        return Value("matrix", _hessian(ctx.expr, v, diff))
    if q == "derivative" and len(v) == 1:
        return Value("expression", diff(ctx.expr, v[0]))
    if p is None:
        return None
    if q == "gradient_at":
        return Value("vector", tuple(_at(_gradient(ctx.expr, v, diff), v, p)))
    if q == "hessian_at":
        return Value("matrix", _hessian(ctx.expr, v, diff).xreplace(dict(zip(v, p))))
    if q == "value_at":
        return Value("number", ctx.expr.xreplace(dict(zip(v, p))))
    if q == "gd_step" and ctx.learning_rate is not None:
        grad = _at(_gradient(ctx.expr, v, diff), v, p)
        start = ctx.point
        return Value("vector", tuple(w - ctx.learning_rate * g for w, g in zip(start, grad)))
    if q in ("taylor1", "taylor2"):
        return Value("expression", _taylor(ctx.expr, v, p, 2 if q == "taylor2" else 1, diff))
    return None


def chainless_diff(expr: sympy.Expr, var: sympy.Symbol) -> sympy.Expr:
    """``d expr / d var`` with every inner derivative (chain-rule factor) left out."""
    if var not in expr.free_symbols:
        return sympy.S.Zero
    if expr == var:
        return sympy.S.One
    if isinstance(expr, sympy.Add):
        return sympy.Add(*[chainless_diff(a, var) for a in expr.args])
    if isinstance(expr, sympy.Mul):
        factors = expr.args
        return sympy.Add(*[
            sympy.Mul(*factors[:i], chainless_diff(f, var), *factors[i + 1:])
            for i, f in enumerate(factors) if var in f.free_symbols
        ])
    if isinstance(expr, sympy.Pow) and var not in expr.exp.free_symbols:
        base, n = expr.args
        outer = n * base ** (n - 1)
        return outer if base != var else sympy.diff(expr, var)
    if isinstance(expr, sympy.Function) and len(expr.args) == 1:
        (inner,) = expr.args
        if inner == var:
            return sympy.diff(expr, var)
        dummy = sympy.Dummy("u")
        return sympy.diff(expr.func(dummy), dummy).xreplace({dummy: inner})
    return sympy.diff(expr, var)


# ------------------------------------------------------------------------------------------ rules
def _negated(key, answer, ctx):
    return [_map(key, lambda e: -e)]


def _scaled_down(key, answer, ctx):
    return [_map(key, lambda e, k=k: e / k) for k in _factors(ctx)] if _factor_says_something(key, ctx) else []


def _scaled_up(key, answer, ctx):
    return [_map(key, lambda e, k=k: e * k) for k in _factors(ctx)] if _factor_says_something(key, ctx) else []


def _factor_says_something(key: Value, ctx: Context) -> bool:
    """Without a question, 2 against 1 is just another number: factor rules need a formula or a context."""
    return ctx.expr is not None or any(isinstance(c, sympy.Expr) and c.free_symbols for c in key.components())


def _factors(ctx) -> list[sympy.Integer]:
    ks = {2, 3, 4}
    if ctx.expr is not None:
        for atom in ctx.expr.atoms(sympy.Integer):
            if 1 < abs(int(atom)) <= 12:
                ks.add(abs(int(atom)))
    return [sympy.Integer(k) for k in sorted(ks)]


def _transposed(key, answer, ctx):
    if key.kind == "matrix":
        return [Value("matrix", key.data.T)] if key.data.shape[0] == key.data.shape[1] else []
    if key.kind == "vector" and 1 < len(key.data) <= 4:
        swaps = []
        for i, j in itertools.combinations(range(len(key.data)), 2):
            items = list(key.data)
            items[i], items[j] = items[j], items[i]
            swaps.append(Value("vector", tuple(items)))
        return swaps + [Value("vector", tuple(reversed(key.data)))]
    return []


def _ascent(key, answer, ctx):
    if ctx.question != "gd_step" or ctx.point is None or ctx.learning_rate is None:
        return []
    flipped = Context(ctx.question, ctx.expr, ctx.variables, ctx.point, -ctx.learning_rate)
    return [v for v in [quantity(flipped)] if v is not None]


def _learning_rate(key, answer, ctx):
    """Steps with the usual wrong rates: 1 (rate forgotten), 2x, 1/2x, 10x and 1/10x the given one."""
    if ctx.question != "gd_step" or ctx.point is None or ctx.learning_rate is None:
        return []
    eta = ctx.learning_rate
    rates = dict.fromkeys([sympy.S.One, 2 * eta, eta / 2, 10 * eta, eta / 10])
    rates.pop(eta, None)
    return [v for rate in rates for v in [quantity(Context(ctx.question, ctx.expr, ctx.variables, ctx.point, rate))]
            if v is not None]


def _chain(key, answer, ctx):
    value = quantity(ctx, diff=chainless_diff)
    if value is not None:
        return [value]
    return _chain_from_key(key) if ctx.expr is None else []


def _chain_from_key(key: Value) -> list[Value]:
    """Without the question: the key (a derivative in one variable) divided by each inner derivative u'.

    ``2x cos(x²)`` gives ``cos(x²)``; ``30x (3x² + 1)⁴`` gives ``5 (3x² + 1)⁴``: what a student who
    forgot the chain-rule factor writes.
    """
    if key.kind not in ("expression", "number") or len(key.data.free_symbols) != 1:
        return []
    (x,) = key.data.free_symbols
    candidates = []
    for inner in _inner_arguments(key.data, x)[:_MAX_INNER]:
        factor = sympy.diff(inner, x)
        if factor.free_symbols or factor not in (0, 1, -1):
            candidates.append(Value(key.kind, key.data / factor))
    return candidates


_MAX_INNER = 6


def _inner_arguments(expr: sympy.Expr, x: sympy.Symbol) -> list[sympy.Expr]:
    """Arguments of functions and bases of powers that are not just ``x`` (the inner functions of the chain rule)."""
    found = []
    for node in sympy.preorder_traversal(expr):
        if isinstance(node, sympy.Function) and len(node.args) == 1:
            inner = node.args[0]
        elif isinstance(node, sympy.Pow) and node.exp.is_number and node.base.has(x):
            inner = node.base
        else:
            continue
        if inner != x and inner.has(x) and inner not in found:
            found.append(inner)
    return found


def _not_evaluated(key, answer, ctx):
    general = {"gradient_at": "gradient", "hessian_at": "hessian"}.get(ctx.question)
    if general is None:
        return []
    return [v for v in [quantity(Context(general, ctx.expr, ctx.variables))] if v is not None]


def _wrong_point(key, answer, ctx):
    if ctx.point is None or ctx.question not in ("gradient_at", "hessian_at", "value_at", "gd_step", "taylor2", "taylor1"):
        return []
    p = tuple(ctx.point)
    points = {tuple(q) for q in itertools.permutations(p)} | {tuple(-c for c in p), tuple(0 for _ in p)}
    points.discard(p)
    candidates = []
    for q in sorted(points, key=str)[:8]:
        if ctx.question == "gd_step":
            grad = _at(_gradient(ctx.expr, ctx.variables, sympy.diff), ctx.variables, q)
            candidates.append(Value("vector", tuple(w - ctx.learning_rate * g for w, g in zip(p, grad))))
        else:
            value = quantity(ctx, point=q)
            if value is not None:
                candidates.append(value)
    return candidates


def _taylor_half(key, answer, ctx):
    if ctx.question != "taylor2" or ctx.point is None:
        return []
    return [Value("expression", _taylor(ctx.expr, ctx.variables, ctx.point, 2, half=sympy.S.One))]


def _taylor_first(key, answer, ctx):
    if ctx.question != "taylor2" or ctx.point is None:
        return []
    return [Value("expression", _taylor(ctx.expr, ctx.variables, ctx.point, 1))]


def _map(value: Value, fn: Callable[..., Any]) -> Value:
    if value.kind == "matrix":
        return Value("matrix", value.data.applyfunc(fn))
    if value.kind in ("vector", "set"):
        return Value(value.kind, tuple(fn(e) for e in value.data))
    return Value(value.kind, fn(value.data))


#: diagnosis code -> generator of wrong answers (key, answer, context) -> [Value]; tried in this order
RULES: dict[str, Callable[[Value, Value, Context], list[Value]]] = {
    "not_evaluated": _not_evaluated,
    "gradient_ascent": _ascent,
    "wrong_learning_rate": _learning_rate,
    "taylor_missing_half": _taylor_half,
    "taylor_first_order_only": _taylor_first,
    "missing_chain_factor": _chain,
    "transposed_entries": _transposed,
    "sign_error": _negated,
    "wrong_point": _wrong_point,
    "dropped_factor": _scaled_down,
    "doubled_factor": _scaled_up,
}


# ------------------------------------------------------------------------------------------ matching
def diagnose_job(answer: Value, key: Value, ctx: Context, wrong: list[int], settings: Settings) -> str | None:
    """The first code of :data:`RULES` whose candidate equals ``answer`` on every wrong component."""
    answer_parts = answer.components()
    key_parts = key.components()
    for code, rule in RULES.items():
        try:
            candidates = rule(key, answer, ctx)
        except (TypeError, ValueError, AttributeError, ZeroDivisionError, NotImplementedError):
            continue
        for candidate in candidates:
            if candidate is None or len(candidate.components()) != len(key_parts):
                continue
            parts = candidate.components()
            if all(parts[i] == key_parts[i] for i in wrong):
                continue  # the mistake changes nothing where the answer is wrong
            if _matches([(answer_parts[i], parts[i]) for i in wrong], settings):
                return code
    return None


def _matches(pairs, settings: Settings) -> bool:
    if any(not isinstance(e, sympy.Expr) for _, e in pairs):
        return False
    judgements = judge_pairs(pairs, settings)
    return all(j.equal or (j.equal is None and j.probable) for j in judgements)


def singular_hessian_somewhere(expr: sympy.Expr, variables: tuple[sympy.Symbol, ...], *,
                               timeout: float | None = None) -> bool:
    """True when ``expr`` is proven convex through a Hessian that is singular at some point (``w⁴`` at 0).

    The verdict is :attr:`symgrad.analysis.ConvexityVerdict.singular_somewhere`: one source of truth for
    "convex, but only positive semi-definite", shared with the exercise families. Each costly step of the
    analysis runs under its own time limit (``timeout`` seconds); do not wrap this call in another.
    """
    return convexity(Function(expr, variables), timeout=timeout).singular_somewhere is True
