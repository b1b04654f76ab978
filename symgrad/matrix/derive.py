"""The engine's public derivatives: derived in closed form, then certified before they are returned.

Each function derives (:mod:`.reverse` / :mod:`.forward`) and then calls
:func:`~.certify.certify`; a result that fails is never returned
(:class:`~symgrad.errors.VerificationError`). ``check=False`` skips the
certificate for callers that certify a batch themselves.
"""

from __future__ import annotations

import sympy

from .certify import certify
from .forward import derive_hessian, derive_jacobian
from ..matexpr import ScalarOf
from .reverse import as_scalar, derive_gradient
from .tidy import tidy

__all__ = ["matrix_gradient", "matrix_jacobian", "matrix_hessian"]


def _lifted(expr: sympy.Basic, wrt: sympy.Symbol):
    """A scalar variable ``b`` as the 1×1 matrix ``B`` (``b → ScalarOf(B)``), so the matrix rules apply."""
    lifted = sympy.MatrixSymbol(wrt.name, 1, 1)
    return expr.xreplace({wrt: ScalarOf(lifted)}), lifted


def _scalar_partial(expr: sympy.Basic, wrt: sympy.Symbol, check: bool) -> sympy.Expr:
    lifted_expr, lifted = _lifted(as_scalar(expr), wrt)
    result = derive_gradient(lifted_expr, lifted)
    if check:
        certify(lifted_expr, result, lifted, "gradient")
    return tidy(ScalarOf(result) if isinstance(result, sympy.MatrixExpr) else result).xreplace(
        {ScalarOf(lifted): wrt})


def matrix_gradient(expr: sympy.Basic, wrt: sympy.MatrixSymbol | sympy.Symbol, *,
                    check: bool = True) -> sympy.MatrixExpr | sympy.Expr:
    """``∇_wrt expr`` of ``wrt``'s shape (vector or matrix ``wrt``), certified; a scalar ``wrt`` gives ``∂/∂wrt``.

    >>> from symgrad.matexpr import declare, Elementwise, SumOf, ScalarOf
    >>> X, w, y = declare("X", ("N", "d")), declare("w", "d"), declare("y", "N")
    >>> matrix_gradient(SumOf(Elementwise("softplus", X * w)) - ScalarOf(y.T * X * w), w)
    X.T*(σ(X*w) - y)
    >>> b = sympy.Symbol("b", real=True)
    >>> matrix_gradient(ScalarOf((X * w + b * sympy.OneMatrix(X.rows, 1) - y).T * (X * w + b * sympy.OneMatrix(X.rows, 1) - y)), b)
    2*sum(b*1 + X*w - y)
    """
    if isinstance(wrt, sympy.Symbol):
        return _scalar_partial(expr, wrt, check)
    result = derive_gradient(expr, wrt)
    if check:
        certify(as_scalar(expr), result, wrt, "gradient")
    return result


def matrix_jacobian(expr: sympy.MatrixExpr, wrt: sympy.MatrixSymbol, *, check: bool = True) -> sympy.MatrixExpr:
    """``∂expr/∂wrt`` (m, n) of a column-vector map, certified.

    >>> from symgrad.matexpr import declare, Elementwise
    >>> X, w = declare("X", ("N", "d")), declare("w", "d")
    >>> matrix_jacobian(X * w, w)
    X
    """
    result = derive_jacobian(expr, wrt)
    if check:
        certify(expr, result, wrt, "jacobian")
    return result


def matrix_hessian(expr: sympy.Basic, wrt: sympy.MatrixSymbol, *, check: bool = True) -> sympy.MatrixExpr:
    """The (n, n) Hessian of a scalar expression w.r.t. a vector, certified; a matrix ``wrt`` is refused.

    >>> from symgrad.matexpr import declare, ScalarOf
    >>> A, x = declare("A", ("d", "d")), declare("x", "d")
    >>> matrix_hessian(ScalarOf(x.T * A * x), x)
    A + A.T
    """
    result = derive_hessian(expr, wrt)
    if check:
        certify(as_scalar(expr), result, wrt, "hessian")
    return result
