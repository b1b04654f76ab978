"""Jacobians of vector-valued maps by forward-mode differentials, and Hessians as Jacobians of gradients.

``J(node)`` is ``∂node/∂w`` for a column-vector node and a column-vector ``w``
(shape ``(m, n)``), one rule per node type, each the differential a course writes:

* ``d(A u) = A du`` (constant ``A``), ``d(diag(u) v) = diag(v) du``, ``d(uᵀ v) = vᵀ du``;
  a scalar coefficient ``c(w)`` adds ``v ∇c(w)ᵀ`` (its gradient by reverse mode);
* ``d f.(a) = diag(f'.(a)) da`` -- ``σ(Xw)`` gives ``diag(σ(Xw) ⊙ (1 − σ(Xw))) X``;
* ``d(a ⊙ b) = diag(b) da + diag(a) db``; ``d softmax(v) = (diag(p) − p pᵀ) dv``.
"""

from __future__ import annotations

from typing import Any, Callable

import sympy
from sympy import HadamardPower, HadamardProduct, Identity, MatAdd, MatMul, Transpose, ZeroMatrix
from sympy.matrices.expressions.diagonal import DiagMatrix

from ..errors import InputError
from ..matexpr import Elementwise, Softmax
from .reverse import NotDifferentiable, derive_gradient
from .rules import ENTRYWISE_DERIVATIVE, rewrite_textbook
from .tidy import tidy

__all__ = ["derive_jacobian", "derive_hessian"]


class _Forward:
    def __init__(self, wrt: sympy.MatrixSymbol):
        self.wrt = wrt
        self.n = wrt.shape[0]

    def __call__(self, node: sympy.MatrixExpr) -> sympy.MatrixExpr:
        if self.wrt not in node.free_symbols:
            return ZeroMatrix(node.shape[0], self.n)
        if node == self.wrt:
            return Identity(self.n)
        for kind, rule in FORWARD_RULES.items():
            if isinstance(node, kind):
                return rule(self, node)
        raise NotDifferentiable(f"symgrad has no Jacobian rule for {type(node).__name__} in {node}")

    @staticmethod
    def add(*parts) -> sympy.MatrixExpr:
        kept = [p for p in parts if not isinstance(p, ZeroMatrix)]
        if not kept:
            return parts[0]
        return MatAdd(*kept).doit() if len(kept) > 1 else kept[0]


def _product(factors) -> sympy.MatrixExpr | None:
    return MatMul(*factors).doit() if factors else None


def _times(*factors) -> sympy.MatrixExpr:
    """The product of the factors given (``None`` and a scalar 1 stand for nothing)."""
    kept = [f for f in factors if f is not None and (isinstance(f, sympy.MatrixExpr) or f != 1)]
    return MatMul(*kept).doit() if len(kept) > 1 else kept[0]


def _factor_differential(fw: _Forward, m: sympy.MatrixExpr, rest: sympy.MatrixExpr) -> sympy.MatrixExpr:
    """``∂(m · rest)/∂w`` holding ``rest`` fixed, for a factor ``m`` that depends on ``w``."""
    if isinstance(m, DiagMatrix):
        return _times(DiagMatrix(rest), fw(m.args[0]))
    if m.shape[0] == 1:  # a row uᵀ: d(uᵀ) rest = restᵀ du
        return _times(rest.T, fw(Transpose(m).doit()))
    raise NotDifferentiable(f"symgrad cannot take the Jacobian through the matrix factor {m}, which depends on "
                            f"{fw.wrt}; write it with diag(...) or as a vector expression")


def _matmul(fw: _Forward, node: MatMul) -> sympy.MatrixExpr:
    coeff, mats = node.as_coeff_matrices()
    parts = []
    for i, m in enumerate(mats):
        if fw.wrt not in m.free_symbols:
            continue
        left, rest = _product(mats[:i]), _product(mats[i + 1:])
        inner = fw(m) if rest is None else _factor_differential(fw, m, rest)
        parts.append(_times(coeff, left, inner))
    if fw.wrt in coeff.free_symbols:
        parts.append(_times(_product(mats), derive_gradient(coeff, fw.wrt).T))
    return fw.add(*parts)


def _matadd(fw, node):
    return fw.add(*(fw(a) for a in node.args))


def _transpose(fw, node):
    inner = Transpose(node.arg).doit()
    if isinstance(inner, Transpose):
        raise NotDifferentiable(f"symgrad cannot take the Jacobian of {node}")
    return fw(inner)


def _elementwise(fw, node):
    return _times(DiagMatrix(ENTRYWISE_DERIVATIVE[node.name](node.arg, node)), fw(node.arg))


def _hadamard(fw, node):
    parts = []
    for i, a in enumerate(node.args):
        others = node.args[:i] + node.args[i + 1:]
        other = HadamardProduct(*others) if len(others) > 1 else others[0]
        parts.append(_times(DiagMatrix(other), fw(a)))
    return fw.add(*parts)


def _hadamard_power(fw, node):
    base, p = node.args
    if fw.wrt in p.free_symbols:
        raise NotDifferentiable(f"symgrad does not differentiate an entrywise power with a variable exponent: {node}")
    return _times(DiagMatrix(p * HadamardPower(base, p - 1)), fw(base))


def _softmax(fw, node):
    return _times(DiagMatrix(node) - node * node.T, fw(node.arg))


FORWARD_RULES: dict[type[Any], Callable[..., Any]] = {
    MatMul: _matmul, MatAdd: _matadd, Transpose: _transpose, Elementwise: _elementwise,
    HadamardProduct: _hadamard, HadamardPower: _hadamard_power, Softmax: _softmax,
}


def _need_column(wrt: sympy.MatrixSymbol, what: str) -> None:
    if not isinstance(wrt, sympy.MatrixSymbol):
        raise InputError(f"differentiate with respect to a declared vector, not {wrt}")
    if wrt.shape[1] != 1:
        raise InputError(f"a {what} with respect to the matrix {wrt} (shape {wrt.shape}) would be a 4-index "
                         f"tensor; symgrad computes {what}s with respect to vectors only -- declare the "
                         "variable as a vector, or ask for the gradient")


def derive_jacobian(expr: sympy.MatrixExpr, wrt: sympy.MatrixSymbol) -> sympy.MatrixExpr:
    """``∂expr/∂wrt``, shape ``(m, n)``, of a column-vector ``expr`` with respect to a column vector.

    >>> from symgrad.matexpr import declare
    >>> X, w = declare("X", ("N", "d")), declare("w", "d")
    >>> derive_jacobian(Elementwise("sigmoid", X * w), w)
    DiagMatrix(HadamardProduct(σ(X*w), -σ(X*w) + 1))*X
    """
    _need_column(wrt, "Jacobian")
    if not isinstance(expr, sympy.MatrixExpr) or expr.shape[1] != 1:
        raise InputError(f"a Jacobian needs a column-vector expression, got {expr}")
    return tidy(_Forward(wrt)(rewrite_textbook(expr)))


def derive_hessian(expr: sympy.Basic, wrt: sympy.MatrixSymbol) -> sympy.MatrixExpr:
    """The Hessian ``(n, n)`` of a scalar expression: the Jacobian of its gradient (vector ``wrt`` only).

    >>> from symgrad.matexpr import declare, ScalarOf
    >>> X, w, y = declare("X", ("N", "d")), declare("w", "d"), declare("y", "N")
    >>> derive_hessian(ScalarOf((X * w - y).T * (X * w - y)), w)
    2*X.T*X
    """
    _need_column(wrt, "Hessian")
    return derive_jacobian(derive_gradient(expr, wrt), wrt)
