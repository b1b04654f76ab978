"""symgrad: derivatives you can read, run and trust, for the mathematics of machine learning.

Text -> SymPy (:func:`parse`) -> :class:`Function` (partials, gradient, Hessian)
-> analysis -> compiled NumPy/torch callables -> optimizers and models ->
:func:`verify` against torch autograd -> worked derivations (:data:`explain`),
answer checking (:func:`check`, :func:`grade`) and exercises
(:mod:`symgrad.exercises`) -> rendering (:func:`render`) and plots
(:mod:`symgrad.plot`, imported on demand).

This module only re-exports; everything is defined in the stage modules.
"""

from . import analysis, exercises, matexpr, matrix, models, optimize
from .analysis import (
    ConvexityVerdict,
    CriticalPoint,
    EigenResult,
    LossChange,
    classify_point,
    convexity,
    critical_points,
    definiteness,
    eigenvalues,
    gradient_orthogonal_to_level_set,
    level_set,
    loss_change,
    non_differentiable_points,
    steepest_descent,
    taylor,
    taylor_error,
    taylor_terms,
)
from .backends import CompiledFunction
from .check import CheckResult, check, grade
from .errors import (
    BackendUnavailable,
    InputError,
    InputTooLarge,
    ParseError,
    SymgradError,
    Timeout,
    VerificationError,
)
from .function import Function, as_function
from .limits import DEFAULT_LIMITS, Limits, run_with_timeout
from .models import rasterize
from .optimize import Trace, gradient_descent, minimize, momentum, newton, predicted_steps, stable_learning_rate
from .parse import Verdict, parse, parse_answer
from .render import render
from .steps import Derivation, Step, explain
from .verify import VerifyReport, verify

__version__ = "0.1.0"

__all__ = [
    # parse
    "parse", "parse_answer", "Verdict", "Limits", "DEFAULT_LIMITS", "run_with_timeout",
    # functions and derivatives
    "Function", "as_function", "CompiledFunction",
    # analysis
    "taylor", "taylor_terms", "taylor_error", "loss_change", "LossChange", "steepest_descent",
    "critical_points", "classify_point", "CriticalPoint", "convexity", "ConvexityVerdict",
    "non_differentiable_points", "level_set", "gradient_orthogonal_to_level_set",
    "eigenvalues", "EigenResult", "definiteness",
    # optimization and models
    "Trace", "gradient_descent", "momentum", "newton", "minimize", "stable_learning_rate", "predicted_steps",
    "rasterize", "models", "optimize", "analysis", "matexpr", "matrix",
    # verification
    "verify", "VerifyReport",
    # teaching layer and rendering
    "Derivation", "Step", "explain", "render", "check", "CheckResult", "grade", "exercises",
    # errors
    "SymgradError", "InputError", "ParseError", "InputTooLarge", "Timeout", "BackendUnavailable",
    "VerificationError",
]
