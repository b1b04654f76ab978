"""The curvature kinds: the Hessian matrix (chapter §11.5) and eigenvalues through the characteristic
polynomial (chapter §13.5 step 4).
"""

from __future__ import annotations

from typing import Any

from ...analysis._common import bounded
from ...errors import InputError
from ...function import as_function
from .._support import _eigen_steps, _matrix
from ..core import Apply, Checker, Deriv, Derivation, Name, Step, eq
from ._shared import _point


__all__ = ["hessian", "eigenvalues"]


@bounded
def hessian(f: Any, at: Any = None, *, name: str = "L") -> Derivation:
    """First derivatives, second derivatives and the Hessian matrix (chapter §11.5).

    Example:
        >>> hessian("2*w0^2 + 3*w1^2").result
        Matrix([
        [4, 0],
        [0, 6]])
    """
    f = as_function(f)
    if not f.is_scalar:
        raise InputError(f"the Hessian is for a scalar function (a loss), but {f.expr} is vector-valued; its first "
                         "derivatives form the Jacobian: use explain.jacobian (symgrad derive jacobian), or the "
                         "Hessian of one component")
    checker = Checker(f)
    first = [eq(Deriv(name, (v,)), f.partial(v)) for v in f.variables]
    second = [eq(Deriv(name, (v, v)), f.hessian()[i, i]) for i, v in enumerate(f.variables)]
    for i, vi in enumerate(f.variables):
        for j, vj in enumerate(f.variables):
            if i != j and (i < j or f.n == 2):
                second.append(eq(Deriv(name, (vi, vj)), f.hessian()[i, j]))
    H = f.hessian()
    steps = [Step("First derivatives", tuple(first), f.gradient()),
             Step("Second derivatives", tuple(second), H)]
    result = H
    if at is not None:
        point = _point(f, at)
        result = f.hessian_at(point)
        checker.hessian("Hessian at the point", result, point)
        steps.append(Step("Hessian matrix", (eq(Name("H", "H"), H, result),), result))
    else:
        checker.symbolic("∇" + name, f.gradient())
        checker.symbolic("Hessian", H, "hessian")
        steps.append(Step("Hessian matrix", (eq(Name("H", "H"), H),), H))
    off = [result[i, j] for i in range(f.n) for j in range(f.n) if i != j]
    conclusion = ("With one variable the Hessian is the 1×1 matrix of the second derivative: the curvature."
                  if f.n == 1 else
                  "Diagonal elements: curvature along each axis; off-diagonal elements: coupling between "
                  "variables" + (" (here none: the off-diagonal entries are 0)." if off and all(
                      e == 0 for e in off) else "."))
    given = (eq(Apply(name, f.variables), f.expr, label="Function"),)
    return Derivation("hessian", "The Hessian matrix", given, tuple(steps), result, conclusion, (),
                      tuple(checker.log))


@bounded
def eigenvalues(matrix: Any) -> Derivation:
    """Eigenvalues of a symmetric matrix through its characteristic polynomial (chapter §13.5 step 4).

    Example:
        >>> eigenvalues([[2, 2], [2, 6]]).result
        [4 - 2*sqrt(2), 2*sqrt(2) + 4]
    """
    H = _matrix(matrix)
    checker = Checker()
    steps = list(_eigen_steps(H, checker))
    return Derivation("eigenvalues", "Eigenvalues through the characteristic polynomial",
                      (eq(Name("H", "H"), H, label="Matrix"),), tuple(steps), steps[-1].result, "", (),
                      tuple(checker.log))
