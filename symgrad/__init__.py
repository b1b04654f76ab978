"""symgrad: derivatives you can read, run and trust, for the mathematics of machine learning.

Text -> SymPy (:func:`parse`) -> :class:`Function` (partials, gradient, Hessian)
-> analysis -> compiled NumPy/torch callables -> optimizers and models ->
:func:`verify` against torch autograd -> worked derivations (:data:`explain`),
answer checking (:func:`check`, :func:`grade`) and exercises
(:mod:`symgrad.exercises`) -> rendering (:func:`render`) and plots
(:mod:`symgrad.plot`, imported on demand).

This module only re-exports, and lazily (PEP 562): ``import symgrad`` costs
little, and a name's stage module is imported the first time the name is used.
To export a name, add one line ``"name": ".module",`` to :data:`_EXPORTS`.
"""

from __future__ import annotations

import importlib
from typing import Any

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
