"""The record of an optimizer run, :class:`Trace`, shared by symgrad's own loops and the SciPy bridge.

A trace is data: every point, loss and gradient norm, why the run stopped and,
when it diverged, what to change. It pickles (its function is a
:class:`~symgrad.Function`), prints as one line and shows a summary table in
Jupyter; :mod:`symgrad.rendering` and :mod:`symgrad.plot` format it further.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import sympy

from .display import Display, Displayed, short_number

__all__ = ["Trace", "STOP_REASONS", "jsonable"]

STOP_REASONS = ("loss_threshold", "gradient_tolerance", "max_steps", "diverged", "oscillating", "failed", "converged")
"""Why a run stopped; ``"oscillating"``: the iterates settled into a bounded 2-cycle; ``"failed"``: SciPy gave
up without success (its message is in ``Trace.advice``); ``"converged"``: a derivative-free SciPy method succeeded."""


# -- the result ---------------------------------------------------------------------------------
@dataclass(frozen=True, repr=False)
class Trace(Displayed):
    """The run of an optimizer: every point, loss and gradient norm, and why it stopped.

    Attributes:
        function: the :class:`~symgrad.Function` (or matrix loss) that was minimised.
        variables: its variables, in the order of the coordinates of each point.
        points: ``steps + 1`` points; tuples of exact SymPy numbers in exact mode,
            tuples of floats otherwise (only the first and last point when the run
            was made with ``keep_path=False``).
        losses: ``(steps + 1,)`` float losses; ``exact_losses`` holds exact ones.
        gradient_norms: ``(steps + 1,)`` Euclidean norms of the gradient.
        steps: the number of update steps taken.
        stop_reason: one of :data:`STOP_REASONS`.
        diverged_at: the step where the loss began to grow, when it diverged.
        advice: what to change, when the run diverged or is predicted to be slow.
        method, lr, exact: how it was run; ``options`` holds the rest (``beta``...).

    Example:
        >>> import sympy as sp, symgrad as sg
        >>> t = sg.gradient_descent("2*w0^2 + 3*w1^2", (3, 4), sp.Rational(1, 10), max_steps=1)
        >>> t.points[1]
        (9/5, 8/5)
        >>> t
        <Trace gradient_descent: 1 step (max_steps), loss 66 -> 14.16 at (9/5, 8/5)>
    """

    function: Any
    variables: tuple[Any, ...]
    points: list[Any]
    losses: np.ndarray
    gradient_norms: np.ndarray
    steps: int
    stop_reason: str
    diverged_at: int | None
    advice: str | None
    method: str
    lr: Any
    exact: bool
    exact_losses: list[sympy.Expr] | None = None
    options: dict[str, Any] = field(default_factory=dict)

    @property
    def path(self) -> np.ndarray:
        """The points as a float array of shape ``(len(points), n)``."""
        return np.array([[float(c) for c in p] for p in self.points], dtype=float)

    @property
    def final(self) -> Any:
        """The last point."""
        return self.points[-1]

    @property
    def converged(self) -> bool:
        """True when the run stopped on the loss threshold or the gradient tolerance."""
        return self.stop_reason in ("loss_threshold", "gradient_tolerance", "converged")

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready data (exact numbers as text)."""
        return {
            "function": str(getattr(self.function, "expr", self.function)),
            "variables": [getattr(v, "name", str(v)) for v in self.variables],
            "method": self.method,
            "lr": jsonable(self.lr),
            "exact": self.exact,
            "steps": self.steps,
            "stop_reason": self.stop_reason,
            "diverged_at": self.diverged_at,
            "advice": self.advice,
            "points": [[jsonable(c) for c in p] for p in self.points],
            "losses": [float(v) for v in self.losses],
            "exact_losses": [str(v) for v in self.exact_losses] if self.exact_losses is not None else None,
            "gradient_norms": [float(v) for v in self.gradient_norms],
            "options": {k: jsonable(v) for k, v in self.options.items()},
        }

    # -- display: a one-line repr, a summary table in notebooks (every point stays in .points)
    def _display(self) -> Display:
        steps = f"{self.steps} step{'s' if self.steps != 1 else ''}"
        headline = (f"{self.method}: {steps} ({self.stop_reason}), loss {short_number(self.losses[0])} -> "
                    f"{short_number(self.losses[-1])} at {_short_point(self.final)}")
        rows = [("function", str(getattr(self.function, "expr", self.function))),
                ("variables", ", ".join(getattr(v, "name", str(v)) for v in self.variables)),
                ("method", self.method), ("learning rate", "-" if self.lr is None else str(self.lr)),
                ("steps", str(self.steps)), ("stopped by", self.stop_reason),
                ("start", _short_point(self.points[0])), ("final point", _short_point(self.final)),
                ("loss", f"{short_number(self.losses[0])} → {short_number(self.losses[-1])}"),
                ("final gradient norm", short_number(self.gradient_norms[-1]))]
        if self.diverged_at is not None:
            rows.append(("diverged at step", str(self.diverged_at)))
        if self.advice:
            rows.append(("advice", self.advice))
        return Display("Trace", headline, rows)


def _short_point(point: Any) -> str:
    coordinates = list(np.asarray(point, dtype=object).reshape(-1)) if not isinstance(point, tuple) else list(point)
    shown = ", ".join(short_number(c) for c in coordinates[:6])
    return f"({shown}{', …' if len(coordinates) > 6 else ''})"


def jsonable(value: Any) -> Any:
    """A JSON value for a number: ints and floats as they are, exact SymPy numbers as text."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value
    if isinstance(value, sympy.Basic):
        return str(value)
    try:
        return float(value)
    except (TypeError, ValueError):
        return str(value)
