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
"""

from __future__ import annotations

import sympy
from sympy import MatAdd, MatMul

__all__ = ["MatrixTextRules", "MatrixLatexRules", "matadd_terms"]


def _is_negative(term: sympy.Basic) -> bool:
    coeff = term.as_coeff_mmul()[0] if isinstance(term, MatMul) else sympy.S.One
    return bool(coeff.is_number and coeff.is_negative)


def matadd_terms(expr: MatAdd) -> list[sympy.Basic]:
    """The terms of a sum with the positive ones first, each group in SymPy's order."""
    terms = list(expr.args)
    return [t for t in terms if not _is_negative(t)] + [t for t in terms if _is_negative(t)]


def _split_coefficient(expr: MatMul) -> tuple[sympy.Expr, list[sympy.Basic]]:
    scalars = [a for a in expr.args if not isinstance(a, sympy.MatrixExpr)]
    matrices = [a for a in expr.args if isinstance(a, sympy.MatrixExpr)]
    return sympy.Mul(*scalars), matrices


class _MatrixRules:
    """Shared rules; subclasses give the spelling of transpose, inverse, product and sum."""

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
        return "1"


class MatrixTextRules(_MatrixRules):
    """Unicode text: ``Xᵀ``, ``(XᵀX)⁻¹``, ``2Xᵀ(Xw − y)``, ``a ⊙ b``, ``diag(v)``, ``tr(A)``."""

    _transpose = "ᵀ"
    _inverse = "⁻¹"
    _minus = "−"
    _hadamard = "⊙"

    def _product(self, parts: list[str]) -> str:
        return "".join(parts)

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

    def _wrap(self, s: str) -> str:
        return rf"\left({s}\right)"

    def _product(self, parts: list[str]) -> str:
        return " ".join(parts)

    def _scale(self, c: str, body: str) -> str:
        return f"{c} {body}"

    def _print_DiagMatrix(self, expr) -> str:
        return rf"\operatorname{{diag}}\left({self._print(expr.args[0])}\right)"
