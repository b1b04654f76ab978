"""Printing matrix expressions as a course writes them: ``2Xᵀ(Xw − y)``, ``(XᵀX)⁻¹Xᵀy``, ``σ(Xw) ⊙ (1 − σ(Xw))``.

SymPy prints ``MatAdd`` in its canonical order (``-y + X*w``) and transposes as
``X.T``. The two mixins here give the text and LaTeX printers of symgrad one rule
per matrix node (SymPy's ``_print_<Class>`` dispatch): sums keep their positive
terms first, products are juxtaposed with their scalar coefficient in front,
transposes and inverses are superscripts.

Example:
    >>> from symgrad.matexpr import declare
    >>> from symgrad.analysis._text import text
    >>> X, w, y = declare("X", ("N", "d")), declare("w", "d"), declare("y", "N")
    >>> text(2 * X.T * (X * w - y))
    '2Xᵀ(Xw − y)'
    >>> text(sympy.Inverse(X.T * X) * X.T * y)
    '(XᵀX)⁻¹Xᵀy'
    >>> text(ScalarOf((X * w - y).T * (X * w - y)) + sympy.Symbol("lambda") * ScalarOf(w.T * w))
    'λ·‖w‖² + ‖Xw − y‖²'
"""

from __future__ import annotations

from typing import Any

import sympy
from sympy import MatAdd, MatMul

from ..matexpr import ScalarOf

__all__ = ["MatrixTextRules", "MatrixLatexRules", "matadd_terms", "squared_norm_of"]


def _is_negative(term: sympy.Basic) -> bool:
    coeff = term.as_coeff_mmul()[0] if isinstance(term, MatMul) else sympy.S.One
    return bool(coeff.is_number and coeff.is_negative)


def _has_symbolic_coefficient(term: sympy.Basic) -> bool:
    coeff = term.as_coeff_mmul()[0] if isinstance(term, MatMul) else sympy.S.One
    return not sympy.Mul(coeff).is_number


def matadd_terms(expr: MatAdd) -> list[sympy.Basic]:
    """The terms of a sum as a course orders them: positive before negative, plain before scaled by a
    parameter (``XᵀX + λI``, ``2Xᵀ(Xw − y) + 2λw``), each group in SymPy's order."""
    return sorted(expr.args, key=lambda t: (_is_negative(t), _has_symbolic_coefficient(t)))


def squared_norm_of(expr: sympy.Basic) -> sympy.MatrixExpr | None:
    """``r`` when ``expr`` is ``ScalarOf(rᵀr)`` for a column vector ``r`` (printed ``‖r‖²``), else None.

    >>> from symgrad.matexpr import declare
    >>> squared_norm_of(ScalarOf(declare("w", 3).T * declare("w", 3)))
    w
    """
    if not isinstance(expr, ScalarOf):
        return None
    m = expr.arg
    if isinstance(m, MatMul) and len(m.args) == 2 and m.args[1].shape[1] == 1:
        left, right = m.args
        if left == sympy.Transpose(right).doit():
            return right
    return None


def _split_coefficient(expr: MatMul) -> tuple[sympy.Expr, list[sympy.Basic]]:
    scalars = [a for a in expr.args if not isinstance(a, sympy.MatrixExpr)]
    matrices = [a for a in expr.args if isinstance(a, sympy.MatrixExpr)]
    return sympy.Mul(*scalars), matrices


class _MatrixRules:
    """Shared rules; subclasses give the spelling of transpose, inverse, product, sum and norm."""

    def _print(self, expr, **kwargs) -> str:
        r = squared_norm_of(expr)  # ScalarOf prints itself; a squared norm is caught before that
        return self._norm_squared(super()._print(r, **kwargs)) if r is not None else super()._print(expr, **kwargs)

    def parenthesize(self, item: Any, level: int, *args: Any, **kwargs: Any) -> str:
        if squared_norm_of(item) is not None:  # ‖r‖² binds like an atom
            return self._print(item)
        return super().parenthesize(item, level, *args, **kwargs)

    _transpose = ""
    _inverse = ""
    _minus = "-"
    _hadamard = ""

    def _wrap(self, s: str) -> str:
        return f"({s})"

    def _matrix_factor(self, m: sympy.Basic) -> str:
        s = self._print(m)
        return self._wrap(s) if isinstance(m, (MatAdd, sympy.HadamardProduct)) else s

    def _superscript(self, m: sympy.Basic, mark: str) -> str:
        s = self._print(m)
        simple = isinstance(m, (sympy.MatrixSymbol, sympy.Identity, sympy.OneMatrix))
        return (s if simple else self._wrap(s)) + mark

    def _print_Transpose(self, expr: sympy.Transpose) -> str:
        return self._superscript(expr.arg, self._transpose)

    def _print_Inverse(self, expr: sympy.Inverse) -> str:
        return self._superscript(expr.arg, self._inverse)

    def _print_MatMul(self, expr: MatMul) -> str:
        coeff, matrices = _split_coefficient(expr)
        body = self._product([self._matrix_factor(m) for m in matrices])
        if coeff == 1:
            return body
        if coeff == -1:
            return self._minus + body
        c = self._print(coeff)
        if isinstance(coeff, sympy.Add):
            c = self._wrap(c)
        return self._scale(c, body)

    def _print_MatAdd(self, expr: MatAdd) -> str:
        parts = []
        for term in matadd_terms(expr):
            if _is_negative(term):
                s = self._print(-term)
                parts.append((f" {self._minus} " if parts else self._minus)
                             + (self._wrap(s) if isinstance(-term, MatAdd) else s))
            else:
                parts.append((" + " if parts else "") + self._print(term))
        return "".join(parts)

    def _print_HadamardProduct(self, expr: sympy.HadamardProduct) -> str:
        return f" {self._hadamard} ".join(self._matrix_factor(a) for a in expr.args)

    def _print_Identity(self, expr: sympy.Identity) -> str:
        return "I"

    def _print_ZeroMatrix(self, expr: sympy.ZeroMatrix) -> str:
        return "0"

    def _print_OneMatrix(self, expr: sympy.OneMatrix) -> str:
        return self._ones


class MatrixTextRules(_MatrixRules):
    """Unicode text: ``Xᵀ``, ``(XᵀX)⁻¹``, ``2Xᵀ(Xw − y)``, ``a ⊙ b``, ``diag(v)``, ``tr(A)``."""

    _transpose = "ᵀ"
    _inverse = "⁻¹"
    _minus = "−"
    _hadamard = "⊙"
    _ones = "𝟏"

    def _product(self, parts: list[str]) -> str:
        return "".join(parts)

    def _norm_squared(self, inner: str) -> str:
        return f"‖{inner}‖²"

    def _scale(self, c: str, body: str) -> str:
        return c + body

    def _print_HadamardPower(self, expr: sympy.HadamardPower) -> str:
        return f"{self._matrix_factor(expr.base)}^⊙({self._print(expr.exp)})"

    def _print_DiagMatrix(self, expr) -> str:
        return f"diag({self._print(expr.args[0])})"

    def _print_Trace(self, expr: sympy.Trace) -> str:
        return f"tr({self._print(expr.arg)})"

    def _print_Determinant(self, expr: sympy.Determinant) -> str:
        return f"det({self._print(expr.arg)})"


class MatrixLatexRules(_MatrixRules):
    r"""LaTeX: ``X^{T}``, ``\left(X^{T} X\right)^{-1}``, ``2 X^{T} \left(X w - y\right)``, ``\odot``."""

    _transpose = "^{T}"
    _inverse = "^{-1}"
    _hadamard = r"\odot"
    _ones = r"\mathbf{1}"

    def _wrap(self, s: str) -> str:
        return rf"\left({s}\right)"

    def _product(self, parts: list[str]) -> str:
        return " ".join(parts)

    def _norm_squared(self, inner: str) -> str:
        return rf"\left\|{inner}\right\|^{{2}}"

    def _scale(self, c: str, body: str) -> str:
        return f"{c} {body}"

    def _print_DiagMatrix(self, expr) -> str:
        return rf"\operatorname{{diag}}\left({self._print(expr.args[0])}\right)"
