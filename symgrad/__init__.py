"""symgrad: derivatives you can read, run and trust, for the mathematics of machine learning.

Text -> SymPy (:func:`parse`) -> :class:`Function` (partials, gradient, Hessian)
-> analysis -> compiled NumPy/torch callables -> optimizers and models ->
:func:`verify` against torch autograd -> worked derivations (:data:`explain`),
answer checking (:func:`check`, :func:`grade`) and exercises
(:mod:`symgrad.exercises`) -> rendering (:func:`render`) and plots
(:mod:`symgrad.plot`, imported on demand).

This module only re-exports, and lazily (PEP 562): ``import symgrad`` costs
little, and a name's stage module is imported the first time the name is used.
To export a name, add one line ``"name": ".module",`` to :data:`_EXPORTS` and the
matching import to the ``TYPE_CHECKING`` block (type checkers read that one).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

#: public name -> the stage module that defines it ("." for a submodule exported as itself)
_EXPORTS: dict[str, str] = {
    # parse
    "parse": ".parsing",
    "parse_answer": ".parsing",
    "Verdict": ".parsing",
    "Limits": ".limits",
    "DEFAULT_LIMITS": ".limits",
    "run_with_timeout": ".limits",
    # functions and derivatives
    "Function": ".function",
    "as_function": ".function",
    "CompiledFunction": ".backends",
    # analysis
    "taylor": ".analysis",
    "taylor_terms": ".analysis",
    "taylor_error": ".analysis",
    "loss_change": ".analysis",
    "LossChange": ".analysis",
    "steepest_descent": ".analysis",
    "critical_points": ".analysis",
    "classify_point": ".analysis",
    "CriticalPoint": ".analysis",
    "convexity": ".analysis",
    "ConvexityVerdict": ".analysis",
    "non_differentiable_points": ".analysis",
    "level_set": ".analysis",
    "gradient_orthogonal_to_level_set": ".analysis",
    "eigenvalues": ".analysis",
    "EigenResult": ".analysis",
    "definiteness": ".analysis",
    # optimization and models
    "Trace": ".trace",
    "gradient_descent": ".optimize",
    "momentum": ".optimize",
    "newton": ".optimize",
    "minimize": ".scipy_minimize",
    "stable_learning_rate": ".optimize",
    "predicted_steps": ".optimize",
    "rasterize": ".models",
    "models": ".",
    "optimize": ".",
    "analysis": ".",
    "matexpr": ".",
    "matrix": ".",
    # verification
    "verify": ".verification",
    "VerifyReport": ".verification",
    # teaching layer and rendering
    "Derivation": ".steps",
    "Step": ".steps",
    "explain": ".steps",
    "render": ".rendering",
    "check": ".checking",
    "CheckResult": ".checking",
    "grade": ".checking",
    "exercises": ".",
    # errors
    "SymgradError": ".errors",
    "InputError": ".errors",
    "ParseError": ".errors",
    "InputTooLarge": ".errors",
    "Timeout": ".errors",
    "BackendUnavailable": ".errors",
    "VerificationError": ".errors",
}


# What the lazy __getattr__ below hands out, spelled as imports so that type checkers and IDEs
# see every export; never executed. tests/test_package.py checks it matches _EXPORTS exactly
# (and its failure message prints the lines to paste).
if TYPE_CHECKING:
    from .parsing import parse as parse
    from .parsing import parse_answer as parse_answer
    from .parsing import Verdict as Verdict
    from .limits import Limits as Limits
    from .limits import DEFAULT_LIMITS as DEFAULT_LIMITS
    from .limits import run_with_timeout as run_with_timeout
    from .function import Function as Function
    from .function import as_function as as_function
    from .backends import CompiledFunction as CompiledFunction
    from .analysis import taylor as taylor
    from .analysis import taylor_terms as taylor_terms
    from .analysis import taylor_error as taylor_error
    from .analysis import loss_change as loss_change
    from .analysis import LossChange as LossChange
    from .analysis import steepest_descent as steepest_descent
    from .analysis import critical_points as critical_points
    from .analysis import classify_point as classify_point
    from .analysis import CriticalPoint as CriticalPoint
    from .analysis import convexity as convexity
    from .analysis import ConvexityVerdict as ConvexityVerdict
    from .analysis import non_differentiable_points as non_differentiable_points
    from .analysis import level_set as level_set
    from .analysis import gradient_orthogonal_to_level_set as gradient_orthogonal_to_level_set
    from .analysis import eigenvalues as eigenvalues
    from .analysis import EigenResult as EigenResult
    from .analysis import definiteness as definiteness
    from .trace import Trace as Trace
    from .optimize import gradient_descent as gradient_descent
    from .optimize import momentum as momentum
    from .optimize import newton as newton
    from .scipy_minimize import minimize as minimize
    from .optimize import stable_learning_rate as stable_learning_rate
    from .optimize import predicted_steps as predicted_steps
    from .models import rasterize as rasterize
    from . import models as models
    from . import optimize as optimize
    from . import analysis as analysis
    from . import matexpr as matexpr
    from . import matrix as matrix
    from .verification import verify as verify
    from .verification import VerifyReport as VerifyReport
    from .steps import Derivation as Derivation
    from .steps import Step as Step
    from .steps.explain import explain as explain  # the defining module: mypy reads the name as the submodule
    from .rendering import render as render
    from .checking import check as check
    from .checking import CheckResult as CheckResult
    from .checking.grade import grade as grade  # (idem)
    from . import exercises as exercises
    from .errors import SymgradError as SymgradError
    from .errors import InputError as InputError
    from .errors import ParseError as ParseError
    from .errors import InputTooLarge as InputTooLarge
    from .errors import Timeout as Timeout
    from .errors import BackendUnavailable as BackendUnavailable
    from .errors import VerificationError as VerificationError

__all__ = list(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'symgrad' has no attribute {name!r}")
    where = _EXPORTS[name]
    value = importlib.import_module(f".{name}" if where == "." else where, __name__)
    if where != ".":
        value = getattr(value, name)  # no-eval: ok -- name is a key of the constant _EXPORTS table
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
