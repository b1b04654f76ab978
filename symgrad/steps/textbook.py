"""Derivatives in the form a course prints them: ``σ(1 − σ)``, ``p − y`` for softmax cross-entropy.

How it works, once. :func:`probabilities` finds the sigmoids ``1/(1 + e^{−u})``
and the softmax probabilities ``e^{u_k}/Σⱼ e^{u_j}`` in a loss (every term of a
softmax denominator gives one ``p_k``, used in the expression or not).
:func:`textbook_partial` then tries the few forms a course writes a partial
derivative in, ``(q − 1)·∂u/∂v``, ``q·∂u/∂v``, ``q(1 − q)·∂u/∂v``, ... for each
such ``q``, and keeps the first one that SymPy proves equal to the partial
derivative (the difference simplifies to 0). Nothing is shown unproven.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy

__all__ = ["Probability", "probabilities", "textbook_partial"]


@dataclass(frozen=True)
class Probability:
    """A named probability in a loss: ``symbol`` (σ or p₁) stands for ``expr``, a function of ``argument``."""

    symbol: sympy.Symbol
    expr: sympy.Expr
    argument: sympy.Expr


def probabilities(expr: sympy.Expr) -> list[Probability]:
    """The sigmoids and softmax probabilities in ``expr``, each with a display symbol."""
    found: dict[sympy.Expr, Probability] = {}
    sums = []
    for node in sympy.preorder_traversal(expr):
        softplus = _softplus_argument(node)
        if softplus is not None:  # log(1 + e^{−u}) has derivative (σ(u) − 1)·u′
            sigma = 1 / (1 + sympy.exp(-softplus))
            found.setdefault(sigma, Probability(sympy.Symbol("σ"), sigma, softplus))
        if isinstance(node, sympy.Pow) and node.exp == -1 and isinstance(node.base, sympy.Add):
            terms = node.base.args
            if len(terms) == 2 and 1 in terms:
                other = next(t for t in terms if t != 1)
                if isinstance(other, sympy.exp):
                    u = -other.args[0]
                    found.setdefault(1 / (1 + sympy.exp(-u)), Probability(sympy.Symbol("σ"), 1 / (1 + sympy.exp(-u)), u))
            elif len(terms) >= 2 and all(isinstance(t, sympy.exp) for t in terms) and node.base not in sums:
                sums.append(node.base)
    for k, total in enumerate(sums):
        for i, term in enumerate(total.args, 1):
            name = f"p{i}" if len(sums) == 1 else f"p{k + 1}_{i}"
            p = term / total
            found.setdefault(p, Probability(sympy.Symbol(name, real=True), p, term.args[0]))
    return list(found.values())


def _softplus_argument(node: sympy.Expr) -> sympy.Expr | None:
    """``u`` for ``log(1 + e^{−u})`` or ``log(1 + e^{u})`` (the logistic loss), else None."""
    if not isinstance(node, sympy.log) or not isinstance(node.args[0], sympy.Add):
        return None
    terms = node.args[0].args
    if len(terms) != 2 or 1 not in terms:
        return None
    other = next(t for t in terms if t != 1)
    if not isinstance(other, sympy.exp):
        return None
    v = other.args[0]
    return -v if v.could_extract_minus_sign() else v


def textbook_partial(partial: sympy.Expr, variable: sympy.Symbol,
                     known: list[Probability]) -> tuple[sympy.Expr, list[Probability]] | None:
    """``(form in the probability symbols, the probabilities it uses)`` proven equal to ``partial``; else None."""
    for q in known:
        slope = sympy.diff(q.argument, variable)
        if slope == 0:
            continue
        s = q.symbol
        for shape in (s - 1, s, s * (1 - s), 1 - s, -s):
            candidate = shape * slope
            if _equal(partial, candidate.xreplace({s: q.expr})):
                return candidate, [q]
    return None


def _equal(a: sympy.Expr, b: sympy.Expr) -> bool:
    difference = sympy.together(sympy.expand(a - b))
    if difference == 0:
        return True
    return sympy.simplify(difference) == 0
