"""Display atoms and certification evidence shared by the matrix-notation derivations (:mod:`.matrix`,
:mod:`.matrix_stationary`): ``dw``, ``∇_w L``, ``gᵀ dw`` / ``tr(Gᵀ dW)``, and every certified result kept
as a :class:`~.core.Check` with its sizes and trials."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sympy
from sympy import MatAdd, MatMul, Transpose

from ..analysis._matrix_text import matadd_terms
from ..analysis._text import text
from ..matexpr import ScalarOf, is_matrix
from ..matrix import certify
from ..matrix.certify import Certificate
from .core import Check, Name, Row
from .printing import latex_of

Variable = sympy.MatrixSymbol | sympy.Symbol


# -- display atoms ---------------------------------------------------------------------------------------------
def _d(v: Variable) -> Name:
    return Name(f"d{v.name}", rf"\mathrm{{d}}{sympy.latex(v)}")


def _grad(name: str, v: Variable, order: int = 1) -> Name:
    if isinstance(v, sympy.Symbol):
        sup = "²" if order == 2 else ""
        return Name(f"∂{sup}{name}/∂{v.name}{sup}", rf"\frac{{\partial{'^2' if order == 2 else ''} {name}}}"
                    rf"{{\partial {sympy.latex(v)}{'^2' if order == 2 else ''}}}")
    sup = "²" if order == 2 else ""
    return Name(f"∇{sup}_{v.name} {name}", rf"\nabla{'^2' if order == 2 else ''}_{{{sympy.latex(v)}}} {name}")


def _times_d(coefficient: Any, v: Variable) -> Row:
    """``gᵀ dw``, ``tr(Gᵀ dW)`` or ``g db`` as a row."""
    if isinstance(v, sympy.MatrixSymbol) and v.shape[1] != 1:
        return Row((Name("tr(", r"\operatorname{tr}\left("), coefficient, _d(v), Name(")", r"\right)")),
                   ("", " ", ""))
    if isinstance(coefficient, MatAdd):
        return Row((Name("(", r"\left("), coefficient, Name(")", r"\right)"), _d(v)), ("", "", " "))
    return Row((coefficient, _d(v)), (" ",))


def _transposed_factor(m: sympy.Basic) -> sympy.Basic:
    """A factor of a product transposed: ``(Xw − y)ᵀ`` stays bracketed; a symmetric ``A + Aᵀ`` is itself."""
    if isinstance(m, MatAdd):
        return m if Transpose(m).doit() == m else Transpose(m)
    return _transposed(m)


def _transposed(g: sympy.Basic) -> sympy.Basic:
    """``gᵀ`` kept as written: ``(2Xᵀ(Xw − y))ᵀ`` is shown as ``2(Xw − y)ᵀX``."""
    if not is_matrix(g):
        return g
    if isinstance(g, MatMul):
        coeff, matrices = g.as_coeff_mmul()
        factors = [_transposed_factor(m) for m in reversed(matrices.args if isinstance(matrices, MatMul) else (matrices,))]
        return MatMul(coeff, *factors, evaluate=False) if coeff != 1 else MatMul(*factors, evaluate=False)
    if isinstance(g, MatAdd):
        return MatAdd(*(_transposed(t) for t in matadd_terms(g)), evaluate=False)
    if isinstance(g, sympy.MatrixSymbol):
        return Transpose(g)
    if isinstance(g, Transpose):
        return g.arg
    return Transpose(g)


# -- certification, kept as evidence -----------------------------------------------------------------------------
@dataclass
class _Evidence:
    checks: list[Check]

    def certified(self, what: str, expr: sympy.Basic, result: sympy.Basic, wrt: Variable, kind: str) -> None:
        target, lifted = _liftable(expr, wrt)
        cert: Certificate = certify(target, _lift_result(result, wrt, lifted), lifted, kind)
        self.checks.append(Check(what, _text(result), _sizes_text(cert), ", ".join(cert.oracles)))

    def record(self, what: str, shown: sympy.Basic, evidence: str, method: str) -> None:
        self.checks.append(Check(what, _text(shown), evidence, method))


def _liftable(expr: sympy.Basic, wrt: Variable) -> tuple[sympy.Basic, sympy.MatrixSymbol]:
    if isinstance(wrt, sympy.MatrixSymbol):
        return expr, wrt
    lifted = sympy.MatrixSymbol(wrt.name, 1, 1)
    return expr.xreplace({wrt: ScalarOf(lifted)}), lifted


def _lift_result(result: sympy.Basic, wrt: Variable, lifted: sympy.MatrixSymbol) -> sympy.Basic:
    if isinstance(wrt, sympy.MatrixSymbol):
        return result
    scalar = sympy.Mul(result).xreplace({wrt: ScalarOf(lifted)})
    return scalar * sympy.Identity(1) if not is_matrix(scalar) else scalar


#: the relative error certify accepts (it raises above it): 1e-5 against torch autograd, 1e-4 against finite differences
_CERTIFIED_RTOL = {"torch autograd": 1e-5, "central finite differences": 1e-4}


def _sizes_text(cert: Certificate) -> str:
    sizes = "; ".join(", ".join(f"{k}={v}" for k, v in s.items()) or "fixed sizes" for s in cert.sizes)
    # the bound certify enforces, not the float noise under it (stable across machines and BLAS builds)
    return f"{len(cert.sizes)} random trials at sizes [{sizes}], relative error ≤ {_CERTIFIED_RTOL.get(cert.oracles[0], 1e-4):g}"


def _text(obj: Any) -> str:
    return text(obj)


def _latex(obj: Any) -> str:
    return latex_of(obj)


def _d_of(expr: sympy.Basic) -> Name:
    """``d(expr)`` as a display atom."""
    return Name(f"d({_text(expr)})", rf"\mathrm{{d}}\left({_latex(expr)}\right)")
