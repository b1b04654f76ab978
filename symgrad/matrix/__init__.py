"""The matrix-calculus engine (stage 2): closed-form gradients, Jacobians and Hessians of matrix expressions,
one evaluator for NumPy and torch, and certification against torch autograd.

Expressions are the :mod:`symgrad.matexpr` representation. Rules live in tables
(:mod:`.rules`, :mod:`.reverse`, :mod:`.forward`, :mod:`.evaluate`); this module only re-exports.
"""

from .certify import Certificate, certify, explicit
from .compare import MatrixComparison, compare
from .derive import matrix_gradient, matrix_hessian, matrix_jacobian
from .evaluate import Kernel, evaluate
from .forward import derive_hessian, derive_jacobian
from .reverse import NotDifferentiable, derive_gradient

__all__ = [
    "matrix_gradient", "matrix_jacobian", "matrix_hessian", "derive_gradient", "derive_jacobian", "derive_hessian",
    "evaluate", "Kernel", "certify", "Certificate", "explicit", "NotDifferentiable", "compare", "MatrixComparison",
]
