"""Analysis of a loss surface: Taylor polynomials, the change of the loss for a step, critical points,
convexity verdicts, non-differentiable points, level sets, eigenvalues and definiteness.

Every answer is data with its reason (frozen dataclasses with ``to_dict()``); each
mechanism is explained at the top of its module:

* :mod:`.taylor` -- ``taylor``, ``taylor_terms``, ``taylor_error``, ``loss_change``, ``steepest_descent``
* :mod:`.critical` -- ``critical_points``, ``classify_point``
* :mod:`.convexity` (with :mod:`.composition`) -- ``convexity``
* :mod:`.smoothness` -- ``non_differentiable_points``
* :mod:`.level` -- ``level_set``, ``gradient_orthogonal_to_level_set``
* :mod:`.linalg` -- ``eigenvalues``, ``definiteness``

Costly SymPy work on user input runs through :func:`symgrad.limits.run_with_timeout`
(one call site: :func:`._common.attempt`); a step that runs out of time makes
the answer *unknown*, never wrong.
"""

from .convexity import VERDICTS, ConvexityVerdict, Counterexample, convexity
from .critical import KINDS, CriticalPoint, classify_point, critical_points
from .level import OrthogonalityCheck, gradient_orthogonal_to_level_set, level_set
from .linalg import EigenResult, definiteness, eigenvalues
from .smoothness import NonDifferentiability, non_differentiable_points
from .taylor import (LossChange, SteepestDescent, displacement_symbols, loss_change, steepest_descent, taylor,
                     taylor_error, taylor_terms)

__all__ = [
    "taylor", "taylor_terms", "taylor_error", "displacement_symbols", "loss_change", "LossChange",
    "steepest_descent", "SteepestDescent", "critical_points", "classify_point", "CriticalPoint", "KINDS",
    "convexity", "ConvexityVerdict", "Counterexample", "VERDICTS", "non_differentiable_points",
    "NonDifferentiability", "level_set", "gradient_orthogonal_to_level_set", "OrthogonalityCheck",
    "eigenvalues", "EigenResult", "definiteness",
]
