"""The ``explain`` entries: one worked derivation per kind of question, dispatched from one table.

How it works, once. Each kind of derivation is one small module of
:mod:`symgrad.steps.kinds` with one public builder per kind (``gradient``,
``gd_step``, ``taylor``, ...). :data:`KINDS` maps each kind's name to its
builder, as SymPy's printers map a class to its ``_print_<Class>`` method;
``explain.<kind>(...)``, :meth:`Explain.entries`, :meth:`Explain.entry` and the
command ``symgrad derive <kind>`` all look the kind up in this one table.

A builder takes functions, points and numbers in any form symgrad accepts
(text, SymPy objects, :class:`~symgrad.function.Function`; points as
sequences, mappings or keywords; ``"0.1"`` stays exactly ``1/10``) and returns
a :class:`~symgrad.steps.core.Derivation` whose steps follow the wording and
order of the course chapter's workouts. The variables keep the user's names.

The mathematics is not decided in the builders. Verdicts, roots, critical
points, Taylor terms, level sets and changes of the loss come from
:mod:`symgrad.analysis`, gradient-descent steps and runs from
:func:`symgrad.optimize.gradient_descent`; a builder lays them out as the
chapter does. Every number shown is still checked by
:class:`~symgrad.steps.core.Checker` (compiled float code, torch autograd or
finite differences) before the derivation is returned. Every builder runs
within ``Limits.total_timeout`` seconds (keyword ``limits=``, see
:func:`symgrad.analysis._common.bounded`) and raises
:class:`~symgrad.errors.Timeout` past it.

To add a kind: write ``symgrad/steps/kinds/<kind>.py`` with a module
docstring and a builder decorated with ``@bounded`` whose docstring has a
runnable example, add one line to :data:`KINDS`, and one line each to the
``symgrad derive`` tables :data:`symgrad.cli.derive.KINDS` (spelling, help) and
:data:`symgrad.cli.derive.CALLS` (its arguments).

Example:
    >>> explain.gradient("2*w0^2 + 3*w1^2", [3, 4]).result.T
    Matrix([[12, 24]])
    >>> explain.entry("gd_step") is KINDS["gd_step"]
    True
"""

from __future__ import annotations

from collections.abc import Callable

from ..errors import InputError
from .core import Derivation
from .kinds.backprop import accumulation, backprop
from .kinds.convexity import convexity
from .kinds.critical import critical_points
from .kinds.descent import derivative_step, descent, gd_step, workout
from .kinds.gradient import gradient
from .kinds.hessian import eigenvalues, hessian
from .kinds.jacobian import jacobian
from .kinds.level_set import level_set
from .kinds.loss import loss, loss_change
from .kinds.taylor import taylor

__all__ = ["explain", "Explain", "KINDS"]

#: kind name -> the builder of its derivation (one module of :mod:`symgrad.steps.kinds` each)
KINDS: dict[str, Callable[..., Derivation]] = {
    "loss": loss,
    "derivative_step": derivative_step,
    "gradient": gradient,
    "gd_step": gd_step,
    "workout": workout,
    "descent": descent,
    "loss_change": loss_change,
    "hessian": hessian,
    "eigenvalues": eigenvalues,
    "convexity": convexity,
    "critical_points": critical_points,
    "taylor": taylor,
    "level_set": level_set,
    "backprop": backprop,
    "accumulation": accumulation,
    "jacobian": jacobian,
}


class Explain:
    """Worked derivations, one entry per kind of question (``sg.explain.gradient(...)``): the builders of
    :data:`KINDS`, looked up by attribute."""

    def entries(self) -> dict[str, Callable[..., Derivation]]:
        """The table of entries by name (``"gd_step"`` → the gd_step builder, ...), for commands that pick one."""
        return dict(KINDS)

    def entry(self, name: str) -> Callable[..., Derivation]:
        """The entry called ``name``; an :class:`InputError` listing the names if there is none."""
        if name not in KINDS:
            raise InputError(f"there is no explain entry {name!r}; the entries are {', '.join(KINDS)}")
        return KINDS[name]

    def __getattr__(self, name: str) -> Callable[..., Derivation]:
        if name in KINDS:
            return KINDS[name]
        raise AttributeError(f"explain has no entry {name!r}; the entries are {', '.join(KINDS)}")

    def __dir__(self) -> list[str]:
        return sorted({*super().__dir__(), *KINDS})


explain: Explain = Explain()
