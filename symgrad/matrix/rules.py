"""The engine's rule tables: entrywise derivatives and textbook rewrites (data, not code paths).

``ENTRYWISE_DERIVATIVE[name](a, y)`` is ``f'`` applied entrywise, written with the
input ``a`` and the output ``y = f(a)`` -- in terms of the output where a course
writes it that way (``σ' = σ ⊙ (1 − σ)``, ``tanh' = 1 − tanh²``, ``exp' = exp``).

``REWRITES`` are exact identities applied before differentiating, so results
come out in the form a textbook prints (``log(1 + exp(a)) = softplus(a)``,
``log softmax(z) = z − logsumexp(z) 1``). Every derived result is certified
numerically afterwards, so a wrong table entry cannot reach a user.
"""

from __future__ import annotations

from typing import Callable

import sympy
from sympy import HadamardPower, HadamardProduct, OneMatrix

from ..matexpr import Elementwise, LogSumExp, ScalarOf, Softmax

__all__ = ["ENTRYWISE_DERIVATIVE", "ones_like", "rewrite_textbook"]


def ones_like(a: sympy.MatrixExpr) -> sympy.MatrixExpr:
    """The all-ones matrix of ``a``'s shape."""
    return OneMatrix(*a.shape)


ENTRYWISE_DERIVATIVE: dict[str, Callable[[sympy.MatrixExpr, sympy.MatrixExpr], sympy.MatrixExpr]] = {
    "exp": lambda a, y: y,
    "log": lambda a, y: HadamardPower(a, -1),
    "sigmoid": lambda a, y: HadamardProduct(y, ones_like(y) - y),
    "tanh": lambda a, y: ones_like(y) - HadamardPower(y, 2),
    "softplus": lambda a, y: Elementwise("sigmoid", a),
    "sqrt": lambda a, y: HadamardPower(y, -1) / 2,
    "sin": lambda a, y: Elementwise("cos", a),
    "cos": lambda a, y: -Elementwise("sin", a),
    "relu": lambda a, y: Elementwise("step", a),
    "abs": lambda a, y: Elementwise("sign", a),
    "step": lambda a, y: sympy.ZeroMatrix(*a.shape),
    "sign": lambda a, y: sympy.ZeroMatrix(*a.shape),
}


def _log_rewrite(node: Elementwise) -> sympy.MatrixExpr | None:
    """``log(1 + exp(a)) → softplus(a)``, ``log(softmax(z)) → z − logsumexp(z) 1``, ``log(σ(a)) → −softplus(−a)``."""
    a = node.arg
    if isinstance(a, Softmax):
        return a.arg - LogSumExp(a.arg) * ones_like(a.arg)
    if isinstance(a, Elementwise) and a.name == "sigmoid":
        return -Elementwise("softplus", -a.arg)
    if isinstance(a, sympy.MatAdd) and len(a.args) == 2:
        ones = [t for t in a.args if isinstance(t, OneMatrix)]
        exps = [t for t in a.args if isinstance(t, Elementwise) and t.name == "exp"]
        if ones and exps:
            return Elementwise("softplus", exps[0].arg)
    return None


REWRITES: dict[str, Callable[[Elementwise], sympy.MatrixExpr | None]] = {"log": _log_rewrite}


def _scalar_log_rewrite(node: sympy.log) -> sympy.Expr | None:
    """``log(1 + exp(wᵀx)) → softplus(wᵀx)`` for a scalar of a matrix expression, so its derivative is ``σ``."""
    a = node.args[0]
    if isinstance(a, sympy.Add) and len(a.args) == 2 and sympy.Integer(1) in a.args:
        e = a.args[1] if a.args[0] == 1 else a.args[0]
        if isinstance(e, sympy.exp) and isinstance(e.args[0], ScalarOf):
            return ScalarOf(Elementwise("softplus", e.args[0].arg))
    return None


SCALAR_REWRITES: dict[type, Callable[[sympy.Expr], sympy.Expr | None]] = {sympy.log: _scalar_log_rewrite}


def rewrite_textbook(expr: sympy.Basic) -> sympy.Basic:
    """Apply :data:`REWRITES` bottom-up (exact identities only).

    >>> from symgrad.matexpr import declare
    >>> X, w = declare("X", ("N", "d")), declare("w", "d")
    >>> rewrite_textbook(Elementwise("log", OneMatrix(X.shape[0], 1) + Elementwise("exp", X * w)))
    softplus(X*w)
    """
    if not expr.args or isinstance(expr, (sympy.Symbol, sympy.MatrixSymbol)):
        return expr
    args = tuple(rewrite_textbook(a) for a in expr.args)
    node = expr.func(*args) if args != expr.args else expr
    if isinstance(node, Elementwise) and node.name in REWRITES:
        new = REWRITES[node.name](node)
        if new is not None:
            return new
    for kind, rewrite in SCALAR_REWRITES.items():
        if isinstance(node, kind):
            return rewrite(node) or node
    return node
