"""Gradients of scalar expressions by symbolic reverse mode (matrix adjoints), one rule per node type.

``_backprop(node, adjoint)`` returns the node's contribution to ``∂f/∂wrt``. The
adjoint of a matrix node is a matrix expression of the node's shape; the adjoint
of a scalar node -- and of a 1×1 matrix node -- is a scalar ``Expr``. The rules
are the ones a course writes:

* ``Y = A B``: ``Ā += Ȳ Bᵀ``, ``B̄ += Aᵀ Ȳ``; a scalar coefficient ``c`` gets ``c̄ = ⟨Ȳ, Y/c⟩``;
* ``Z = f.(A)``: ``Ā = Z̄ ⊙ f'.(A)`` (:data:`~symgrad.matrix.rules.ENTRYWISE_DERIVATIVE`);
* ``tr A``: ``Ā = s̄ I``; ``det A``: ``Ā = s̄ det(A) A⁻ᵀ``; ``A⁻¹``: ``Ā = −A⁻ᵀ Ȳ A⁻ᵀ``;
  ``logsumexp v``: ``v̄ = s̄ softmax(v)``; ``softmax``: ``v̄ = p ⊙ Ȳ − p (pᵀȲ)``; ``sum A``: ``Ā = s̄ 1``;
* scalar SymPy around those leaves: the ordinary chain rule (``sympy.diff`` with the
  leaves held as symbols), never SymPy's matrix ``diff`` of elementwise functions.
"""

from __future__ import annotations

from typing import Any, Callable

import sympy
from sympy import (Determinant, HadamardPower, HadamardProduct, Identity, Inverse, MatAdd, MatMul, MatPow,
                   OneMatrix, Trace, Transpose, ZeroMatrix)
from sympy.matrices.expressions.diagonal import DiagMatrix, DiagonalOf

from ..errors import InputError
from ..matexpr import Elementwise, LogSumExp, ScalarOf, Softmax, SumOf
from .rules import ENTRYWISE_DERIVATIVE, rewrite_textbook
from .tidy import inner, tidy, times

__all__ = ["derive_gradient", "SCALAR_LEAVES", "NotDifferentiable", "as_scalar"]


class NotDifferentiable(InputError):
    """An expression the matrix engine has no rule for; the message names the node."""


Adjoint = sympy.Basic  # a MatrixExpr, or a scalar Expr for scalar and 1×1 nodes


def _depends(node: sympy.Basic, wrt: sympy.MatrixSymbol) -> bool:
    return wrt in node.free_symbols


def _is_1x1(node: sympy.Basic) -> bool:
    return isinstance(node, sympy.MatrixExpr) and node.shape == (1, 1)


class _Backprop:
    """One gradient computation: ``wrt`` fixed, rules dispatched on the node's type."""

    def __init__(self, wrt: sympy.MatrixSymbol):
        self.wrt = wrt

    def __call__(self, node: sympy.Basic, adjoint: Adjoint) -> sympy.MatrixExpr | int:
        if adjoint == 0 or not _depends(node, self.wrt):
            return 0
        if node == self.wrt:
            return adjoint if isinstance(adjoint, sympy.MatrixExpr) else adjoint * OneMatrix(1, 1)
        if isinstance(adjoint, sympy.MatrixExpr) and _is_1x1(node):
            adjoint = ScalarOf(adjoint)
        for kind, rule in MATRIX_RULES.items():
            if isinstance(node, kind):
                return rule(self, node, adjoint)
        if isinstance(node, sympy.MatrixExpr):
            raise NotDifferentiable(f"symgrad has no matrix derivative rule for {type(node).__name__} in {node}")
        return self.scalar(node, adjoint)

    def add(self, *parts) -> sympy.MatrixExpr | int:
        parts = [p for p in parts if not (p == 0 or isinstance(p, ZeroMatrix))]
        return MatAdd(*parts).doit() if len(parts) > 1 else (parts[0] if parts else 0)

    def scalar(self, node: sympy.Expr, adjoint: sympy.Expr) -> sympy.MatrixExpr | int:
        """The ordinary chain rule through scalar SymPy, down to the matrix leaves."""
        leaves = _outer_leaves(node, self.wrt)
        if not leaves:
            raise NotDifferentiable(f"symgrad cannot differentiate {node} with respect to {self.wrt}")
        held = {leaf: sympy.Dummy(f"s{i}", real=True) for i, leaf in enumerate(leaves)}
        back = {s: leaf for leaf, s in held.items()}
        flat = node.xreplace(held)
        return self.add(*(self(leaf, adjoint * sympy.diff(flat, s).xreplace(back)) for leaf, s in held.items()))


def _outer_leaves(node: sympy.Basic, wrt: sympy.MatrixSymbol) -> list[sympy.Expr]:
    """The outermost scalar leaves (:data:`SCALAR_LEAVES`) of a scalar expression that contain ``wrt``."""
    if isinstance(node, SCALAR_LEAVES):
        return [node] if _depends(node, wrt) else []
    found: list[sympy.Expr] = []
    for arg in node.args:
        for leaf in _outer_leaves(arg, wrt):
            if leaf not in found:
                found.append(leaf)
    return found


def _product(factors) -> sympy.MatrixExpr:
    return MatMul(*factors).doit() if len(factors) > 1 else factors[0]


def _matmul(bp: _Backprop, node: MatMul, adj: Adjoint):
    coeff, mats = node.as_coeff_matrices()
    parts = []
    for i, m in enumerate(mats):
        if not _depends(m, bp.wrt):
            continue
        left = [f.T for f in reversed(mats[:i])]
        right = [f.T for f in reversed(mats[i + 1:])]
        parts.append(bp(m, _scaled(coeff, left, adj, right)))
    if _depends(coeff, bp.wrt):
        parts.append(bp(coeff, inner(adj, _product(mats))))
    return bp.add(*parts)


def _scaled(coeff, left, adj, right):
    """``c Lᵀ Ȳ Rᵀ`` with a scalar or matrix adjoint; a scalar when nothing is left over."""
    factors = [*left, adj, *right] if isinstance(adj, sympy.MatrixExpr) else [*left, *right]
    scalar = coeff if isinstance(adj, sympy.MatrixExpr) else coeff * adj
    if not factors:
        return scalar
    return MatMul(scalar, *factors).doit()


def _matadd(bp, node, adj):
    return bp.add(*(bp(a, adj) for a in node.args))


def _transpose(bp, node, adj):
    return bp(node.arg, adj.T if isinstance(adj, sympy.MatrixExpr) else adj)


def _inverse(bp, node, adj):
    inv_t = Inverse(node.arg).T
    return bp(node.arg, -_product([inv_t, _as_matrix(adj), inv_t]))


def _as_matrix(adj):
    return adj if isinstance(adj, sympy.MatrixExpr) else adj * Identity(1)


def _matpow(bp, node, adj):
    base, k = node.args
    if k == -1:
        return _inverse(bp, Inverse(base), adj)
    if not (k.is_Integer and k > 0):
        raise NotDifferentiable(f"symgrad differentiates matrix powers with a positive integer exponent, not {node}")
    bt = base.T
    terms = [_product([*(bt for _ in range(i)), _as_matrix(adj), *(bt for _ in range(int(k) - 1 - i))])
             for i in range(int(k))]
    return bp(base, MatAdd(*terms).doit())


def _hadamard(bp, node, adj):
    parts = []
    for i, a in enumerate(node.args):
        others = node.args[:i] + node.args[i + 1:]
        parts.append(bp(a, times(adj, HadamardProduct(*others).doit() if len(others) > 1 else others[0])))
    return bp.add(*parts)


def _hadamard_power(bp, node, adj):
    base, p = node.args
    if _depends(p, bp.wrt):
        raise NotDifferentiable(f"symgrad does not differentiate an entrywise power with a variable exponent: {node}")
    return bp(base, times(adj, p * HadamardPower(base, p - 1)))


def _elementwise(bp, node, adj):
    rule = ENTRYWISE_DERIVATIVE.get(node.name)
    if rule is None:
        raise NotDifferentiable(f"symgrad has no derivative rule for the entrywise function {node.name}")
    return bp(node.arg, times(adj, rule(node.arg, node)))


def _softmax(bp, node, adj):
    adj = _as_matrix(adj)
    return bp(node.arg, HadamardProduct(node, adj) - node * ScalarOf(node.T * adj))


def _diag_matrix(bp, node, adj):
    return bp(node.args[0], diagonal_of(_as_matrix(adj)))


def diagonal_of(m: sympy.MatrixExpr) -> sympy.MatrixExpr:
    """The diagonal of ``m`` as a column; ``diag(a bᵀ) = a ⊙ b`` and ``diag(c I) = c 1``."""
    coeff, mats = m.as_coeff_matrices() if isinstance(m, MatMul) else (1, [m])
    if len(mats) == 2 and mats[0].shape[1] == 1 and mats[1].shape[0] == 1:
        return coeff * HadamardProduct(mats[0], mats[1].T).doit()
    if len(mats) == 1 and isinstance(mats[0], Identity):
        return coeff * OneMatrix(mats[0].rows, 1)
    if isinstance(m, MatAdd):
        return MatAdd(*(diagonal_of(t) for t in m.args)).doit()
    return DiagonalOf(m)


def _diagonal_of(bp, node, adj):
    return bp(node.args[0], DiagMatrix(_as_matrix(adj)))


def _scalar_of(bp, node, adj):
    return bp(node.arg, adj)


def _trace(bp, node, adj):
    return bp(node.arg, adj * Identity(node.arg.rows))


def _determinant(bp, node, adj):
    return bp(node.arg, adj * node * Inverse(node.arg).T)


def _logsumexp(bp, node, adj):
    return bp(node.arg, adj * Softmax(node.arg))


def _sum_of(bp, node, adj):
    return bp(node.arg, adj * OneMatrix(*node.arg.shape))


MATRIX_RULES: dict[type[Any], Callable[..., Any]] = {
    MatMul: _matmul, MatAdd: _matadd, Transpose: _transpose, Inverse: _inverse, MatPow: _matpow,
    HadamardProduct: _hadamard, HadamardPower: _hadamard_power, Elementwise: _elementwise, Softmax: _softmax,
    DiagMatrix: _diag_matrix, DiagonalOf: _diagonal_of,
    ScalarOf: _scalar_of, Trace: _trace, Determinant: _determinant, LogSumExp: _logsumexp, SumOf: _sum_of,
}
SCALAR_LEAVES: tuple[type[sympy.Basic], ...] = (ScalarOf, Trace, Determinant, LogSumExp, SumOf)


def as_scalar(expr: sympy.Basic) -> sympy.Expr:
    """A scalar expression: a 1×1 matrix expression is wrapped in :class:`ScalarOf`; other matrices refused."""
    if isinstance(expr, sympy.MatrixExpr):
        if expr.shape != (1, 1):
            raise InputError(f"a gradient needs a scalar function, but {expr} has shape {expr.shape}; "
                             "use a Jacobian for a vector-valued map")
        return ScalarOf(expr)
    return expr


def derive_gradient(expr: sympy.Basic, wrt: sympy.MatrixSymbol) -> sympy.MatrixExpr:
    """``∂expr/∂wrt`` as a matrix expression of ``wrt``'s shape (``wrt`` a vector or a matrix).

    >>> from symgrad.matexpr import declare
    >>> X, w, y = declare("X", ("N", "d")), declare("w", "d"), declare("y", "N")
    >>> derive_gradient(ScalarOf((X * w - y).T * (X * w - y)), w)
    2*X.T*(X*w - y)
    >>> derive_gradient(SumOf(Elementwise("softplus", X * w)) - ScalarOf(y.T * X * w), w)
    X.T*(σ(X*w) - y)
    """
    if not isinstance(wrt, sympy.MatrixSymbol):
        raise InputError(f"differentiate with respect to a declared vector or matrix, not {wrt}")
    expr = rewrite_textbook(as_scalar(expr))
    result = _Backprop(wrt)(expr, sympy.Integer(1))
    if result == 0:
        return ZeroMatrix(*wrt.shape)
    return tidy(result)
