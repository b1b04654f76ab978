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
from .reverse import as_scalar, derive_gradient

__all__ = ["matrix_gradient", "matrix_jacobian", "matrix_hessian"]


def matrix_gradient(expr: sympy.Basic, wrt: sympy.MatrixSymbol, *, check: bool = True) -> sympy.MatrixExpr:
    """``∇_wrt expr`` of ``wrt``'s shape (vector or matrix ``wrt``), certified.

    >>> from symgrad.matexpr import declare, Elementwise, SumOf, ScalarOf
    >>> X, w, y = declare("X", ("N", "d")), declare("w", "d"), declare("y", "N")
    >>> matrix_gradient(SumOf(Elementwise("softplus", X * w)) - ScalarOf(y.T * X * w), w)
    X.T*(σ(X*w) - y)
    """
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
