"""Small algebra for derived matrix expressions: inner products, entrywise products, textbook tidying.

``tidy`` rebuilds an expression bottom-up with SymPy's matrix canonicalisation
(``MatMul``/``MatAdd`` ``doit``) and a table of extra rules SymPy lacks, so a
derived gradient reads as a course prints it:

* ``1 ⊙ A = A`` and ``(c A) ⊙ B = c (A ⊙ B)``;
* a common left (or right) factor of a sum is pulled out: ``Xᵀσ(Xw) − Xᵀy = Xᵀ(σ(Xw) − y)``, and so is a
  common entrywise factor: ``a ⊙ c − b ⊙ c = (a − b) ⊙ c``.
"""

from __future__ import annotations

from typing import Any, Callable

import sympy
from sympy import HadamardProduct, MatAdd, MatMul, OneMatrix

from ..matexpr import ScalarOf, SumOf

__all__ = ["inner", "times", "tidy"]


def inner(a: sympy.Basic, b: sympy.MatrixExpr) -> sympy.Expr:
    """``⟨a, b⟩ = Σ_ij a_ij b_ij`` (a scalar ``a`` stands for a 1×1 matrix)."""
    if not isinstance(a, sympy.MatrixExpr):
        return a * ScalarOf(b)
    if isinstance(a, OneMatrix) or isinstance(b, OneMatrix):
        return SumOf(b if isinstance(a, OneMatrix) else a)
    if a.shape[1] == 1:
        return ScalarOf(a.T * b)
    if a.shape[0] == 1:
        return ScalarOf(a * b.T)
    return sympy.Trace(a.T * b)


def times(adjoint: sympy.Basic, m: sympy.MatrixExpr) -> sympy.Basic:
    """The entrywise product ``adjoint ⊙ m`` (a scalar adjoint multiplies a 1×1 ``m``)."""
    if not isinstance(adjoint, sympy.MatrixExpr):
        return adjoint * m
    return _hadamard(HadamardProduct(adjoint, m))


def _split(term: sympy.MatrixExpr) -> tuple[sympy.Expr, list[sympy.MatrixExpr]]:
    if isinstance(term, MatMul):
        coeff, mats = term.as_coeff_matrices()
        return coeff, list(mats)
    return sympy.Integer(1), [term]


def _hadamard(node: HadamardProduct) -> sympy.MatrixExpr:
    coeff, factors = sympy.Integer(1), []
    for f in node.args:
        c, mats = _split(f)
        if len(mats) == 1 and isinstance(mats[0], OneMatrix):
            coeff *= c
            continue
        coeff *= c
        factors.append(_product(mats))
    if not factors:
        return coeff * OneMatrix(*node.shape)
    core = factors[0] if len(factors) == 1 else HadamardProduct(*factors)
    return core if coeff == 1 else MatMul(coeff, core).doit()


def _product(mats: list[sympy.MatrixExpr]) -> sympy.MatrixExpr:
    return mats[0] if len(mats) == 1 else MatMul(*mats)


def _common_factor(terms, side: int):
    """Pull a matrix factor shared by every term of a sum out on the left (side 0) or right (side -1)."""
    split = [_split(t) for t in terms]
    first = split[0][1][side]
    if any(len(mats) < 2 or mats[side] != first for _, mats in split):
        return None
    rests = [MatMul(c, *(mats[1:] if side == 0 else mats[:-1])).doit() for c, mats in split]
    inner_sum = MatAdd(*rests).doit()
    return MatMul(first, inner_sum).doit() if side == 0 else MatMul(inner_sum, first).doit()


def _common_hadamard_factor(terms):
    """``a ⊙ c − b ⊙ c = (a − b) ⊙ c``: an entrywise factor shared by every term of a sum."""
    split = [_split(t) for t in terms]
    if any(len(mats) != 1 or not isinstance(mats[0], HadamardProduct) for _, mats in split):
        return None
    shared = set(split[0][1][0].args)
    for _, mats in split[1:]:
        shared &= set(mats[0].args)
    if not shared:
        return None
    common = sorted(shared, key=sympy.default_sort_key)[0]
    rests = []
    for c, mats in split:
        others = list(mats[0].args)
        others.remove(common)
        rests.append(MatMul(c, others[0] if len(others) == 1 else HadamardProduct(*others)).doit())
    return HadamardProduct(MatAdd(*rests).doit(), common)


def _matadd(node: MatAdd) -> sympy.MatrixExpr:
    node = node.doit()
    if not isinstance(node, MatAdd):
        return node
    for factoring in (lambda t: _common_factor(t, 0), lambda t: _common_factor(t, -1), _common_hadamard_factor):
        factored = factoring(node.args)
        if factored is not None:
            return tidy(factored)
    return node


def _scalar_of(node: ScalarOf) -> sympy.Expr:
    """``ScalarOf(c M) = c ScalarOf(M)``; ``aᵀ1 = 1ᵀa = sum(a)``."""
    coeff, mats = _split(node.arg)
    if len(mats) == 1 and isinstance(mats[0], (OneMatrix, sympy.Identity)):
        return coeff
    ones = [i for i, m in enumerate(mats) if isinstance(m, OneMatrix)]
    if len(mats) == 2 and len(ones) == 1:
        other = mats[1 - ones[0]]
        return coeff * SumOf(other)
    if coeff == 1:
        return node
    return coeff * ScalarOf(_product(mats))


def _sum_of(node: SumOf) -> sympy.Expr:
    """``sum(Aᵀ) = sum(A)``; ``sum(c A) = c sum(A)``; the sum of a row is written as the sum of its column."""
    coeff, mats = _split(node.arg)
    m = _product(mats)
    if isinstance(m, sympy.Transpose):
        m = m.arg
    elif m.shape[0] == 1 and m.shape[1] != 1:
        m = sympy.Transpose(m).doit()
    return coeff * SumOf(m)


TIDY_RULES: dict[type[Any], Callable[..., Any]] = {
    ScalarOf: _scalar_of,
    SumOf: _sum_of,
    HadamardProduct: _hadamard,
    MatAdd: _matadd,
    MatMul: lambda node: node.doit(),
}


def tidy(expr: sympy.Basic) -> sympy.Basic:
    """Canonical, textbook-shaped form of a derived expression (exactly equal to the input).

    >>> from symgrad.matexpr import declare, Elementwise
    >>> X, w, y = declare("X", ("N", "d")), declare("w", "d"), declare("y", "N")
    >>> tidy(X.T * Elementwise("sigmoid", X * w) - X.T * y)
    X.T*(σ(X*w) - y)
    """
    if not expr.args or isinstance(expr, (sympy.Symbol, sympy.MatrixSymbol, sympy.Number)):
        return expr
    args = tuple(tidy(a) for a in expr.args)
    node = expr.func(*args) if args != expr.args else expr
    rule = next((r for kind, r in TIDY_RULES.items() if isinstance(node, kind)), None)
    return rule(node) if rule else node
