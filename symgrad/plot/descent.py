"""Gradient-descent pictures from a :class:`~symgrad.optimize.Trace`: path, loss curve, animation.

A trace is read through :func:`read_trace`, which needs only ``trace.path``
(``(k+1, n)``), and ``trace.function`` or the ``f=`` argument; losses come from
``trace.losses`` or are recomputed. Any object with those attributes works.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import InputError
from ..function import Function, as_function
import symgrad.plot._base as _base
import symgrad.plot._grid as _grid
from .landscape import axis_label, draw_contour_map, new_curve_figure

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["descent", "loss_curve", "animate_descent", "read_trace", "frame_steps"]

LABELLED_STEPS = 5  # steps 0..4 and the last one get a number next to them
GIF_MAX_FRAMES = 40


@dataclass(frozen=True)
class DescentRun:
    """What a descent picture needs from a trace."""

    function: Function
    path: np.ndarray  # (k+1, n)
    losses: np.ndarray  # (k+1,)
    method: str | None = None
    lr: Any = None

    def caption(self) -> str:
        """``gradient descent, η = 0.1, from (3, 4)``: how the run was made, for the title."""
        start = ", ".join(f"{v:.4g}" for v in self.path[0])
        method = (self.method or "descent").replace("_", " ")
        rate = f", η = {float(self.lr):.4g}" if self.lr is not None else ""
        return f"{method}{rate}, from ({start})"

    @property
    def steps(self) -> int:
        return len(self.path) - 1


def read_trace(trace: Any, f: Any = None) -> DescentRun:
    """The function, path and losses of ``trace`` (a Trace or any object with ``path``)."""
    source = f if f is not None else getattr(trace, "function", None)
    if source is None:
        raise InputError("this trace has no function; pass it with f=...")
    variables = getattr(trace, "variables", None)
    function = as_function(source, variables) if variables is not None and not isinstance(source, Function) else as_function(source)
    try:
        path = np.asarray(trace.path, dtype=float)
    except AttributeError:
        raise InputError(f"expected a Trace with a .path, got {type(trace).__name__}") from None
    path = path.reshape(len(path), -1)
    if path.shape[1] != function.n or len(path) == 0:
        raise InputError(f"the trace's path has shape {path.shape}, but the function has {function.n} variable(s)")
    losses = getattr(trace, "losses", None)
    losses = _grid.evaluate(function, path) if losses is None else np.asarray(losses, dtype=float).reshape(-1)
    return DescentRun(function, path, losses, getattr(trace, "method", None), getattr(trace, "lr", None))


def frame_steps(steps: int, max_frames: int = GIF_MAX_FRAMES) -> np.ndarray:
    """The steps shown as frames: all of ``0..steps`` or ``max_frames`` evenly spread, first and last kept."""
    count = min(steps + 1, max(2, max_frames)) if steps else 1
    return np.unique(np.round(np.linspace(0, steps, count)).astype(int))


# -- the loss curve ----------------------------------------------------------------------
def loss_curve(trace: Any, *, f: Any = None, name: str = "L", save: str | os.PathLike[str] | None = None, dpi: float = 100) -> Figure:
    """The loss after each step; a log scale when the losses are positive and span two decades.

    Returns:
        the :class:`matplotlib.figure.Figure`.

    Example::

        symgrad.plot.loss_curve(gradient_descent(f, [3, 4], lr=0.1, max_steps=30))
    """
    run = read_trace(trace, f)
    figure = _base.new_figure(5.0, 3.6, dpi)
    draw_loss_curve(figure.add_subplot(), run.losses, name)
    _base.save_figure(figure, save, dpi)
    return figure


def draw_loss_curve(ax: Axes, losses: np.ndarray, name: str = "L", upto: int | None = None) -> None:
    """Plot ``losses[0..upto]`` against the step number on ``ax``."""
    steps = np.arange(len(losses))
    shown = slice(None) if upto is None else slice(0, upto + 1)
    ax.plot(steps[shown], losses[shown], color="black", marker="o", markersize=3, linewidth=1.2)
    finite = losses[np.isfinite(losses)]
    if finite.size and finite.min() > 0 and finite.max() / finite.min() > 100:
        ax.set_yscale("log")
    if upto is not None and finite.size:  # fixed axes, so an animation does not jump
        ax.set_xlim(-0.5, len(losses) - 0.5)
        low, high = finite.min(), finite.max()
        ax.set_ylim(*((low / 2, high * 2) if ax.get_yscale() == "log" else (low - 0.05 * (high - low + 1e-12), high + 0.05 * (high - low + 1e-12))))
    ax.set_xlabel("step")
    ax.set_ylabel(f"loss ${name}$")
    ax.set_title("loss per step")
    ax.grid(alpha=0.3)


# -- the path over the contours ------------------------------------------------------------
def descent(
    trace: Any,
    *,
    f: Any = None,
    bounds: Any = None,
    arrows: bool = False,
    show_loss: bool = True,
    name: str = "L",
    save: str | os.PathLike[str] | None = None,
    dpi: float = 100,
) -> Figure:
    """The descent path over the contour map (or the curve, in 1D), with step numbers, and the loss curve beside it.

    The start is a red circle, the end an orange star (different shapes, so
    they also read in greyscale). The window covers the path and the critical
    points. The map has an equal aspect ratio, so each step of plain gradient
    descent visibly crosses the contours at a right angle.

    Arguments:
        trace: a :class:`~symgrad.optimize.Trace` (``path``, ``losses``, ``function``).
        f: the function, if the trace does not carry it.
        bounds: the window, ``(low, high)`` or one pair per variable.
        arrows: also draw the gradient field.
        show_loss: put the loss curve beside the map.
        save: write to ``.png``, ``.svg`` or ``.pdf``.

    Returns:
        the :class:`matplotlib.figure.Figure`; its first axes is the map.

    Example::

        trace = symgrad.optimize.gradient_descent(f, [3, 4], lr=0.1, max_steps=20)
        symgrad.plot.descent(trace, save="descent.png")
    """
    run = read_trace(trace, f)
    figure, map_ax = _descent_figure(run, bounds, arrows, show_loss, name, dpi, width=10.0)
    _draw_path(map_ax, run, run.steps, labels=True)
    if show_loss:
        draw_loss_curve(figure.axes[-1], run.losses, name)
    _base.save_figure(figure, save, dpi)
    return figure


def _descent_figure(run: DescentRun, bounds, arrows, show_loss, name, dpi, width):
    function = run.function
    _grid.plottable(function)  # 1 or 2 variables
    window = _grid.resolve_bounds(bounds, function, run.path)
    if function.n == 1:
        figure = new_curve_figure(function, window, name, dpi=dpi)
        figure.set_size_inches(width if show_loss else 6.4, 4.2)
        map_ax = figure.axes[0]
        if show_loss:
            map_ax.set_subplotspec(figure.add_gridspec(1, 2, width_ratios=(1.4, 1))[0])
    else:
        figure = _base.new_figure(width if show_loss else 6.4, 5.0, dpi)
        grid = figure.add_gridspec(1, 2, width_ratios=(1.4, 1)) if show_loss else figure.add_gridspec(1, 1)
        map_ax = figure.add_subplot(grid[0])
        draw_contour_map(map_ax, function, window, arrows=arrows, name=name, colorbar=False)
    map_ax.set_title(_base.function_title(function.expr, name) + "\n" + run.caption(), fontsize=10)
    if show_loss:
        spec = figure.axes[0].get_subplotspec()
        assert spec is not None  # the map was placed on a grid just above
        figure.add_subplot(spec.get_gridspec()[1])
    return figure, map_ax


def _path_xy(ax, run: DescentRun) -> np.ndarray:
    """Points of the path in the map's coordinates: ``(w0, w1)``, or ``(w, L(w))`` in 1D."""
    if run.function.n == 2:
        return run.path
    return np.column_stack([run.path[:, 0], run.losses])


def _draw_path(ax, run: DescentRun, upto: int, labels: bool) -> list:
    from matplotlib import patheffects

    xy = _path_xy(ax, run)[: upto + 1]
    outline = [patheffects.withStroke(linewidth=3, foreground="black")]
    line = "-" if run.function.n == 2 else "none"  # in 1D the points sit on the drawn curve
    artists = ax.plot(xy[:, 0], xy[:, 1], color=_base.PATH_COLOUR, linestyle=line, linewidth=1.5, marker="o",
                      markersize=4, markeredgecolor="black", path_effects=outline, zorder=5)
    artists += ax.plot(*xy[0], linestyle="none", zorder=6, label="start", **_base.START_STYLE)
    artists += ax.plot(*xy[-1], linestyle="none", zorder=7, label=f"step {upto}", **_base.END_STYLE)
    if labels:
        for step in _steps_to_label(xy, ax):
            artists.append(ax.annotate(str(step), xy[step], xytext=(5, 5), textcoords="offset points", fontsize=8,
                                       color="black", zorder=8,
                                       bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.8}))
    ax.legend(loc="upper left", fontsize=8, framealpha=0.85)
    return artists


def _steps_to_label(xy: np.ndarray, ax) -> list[int]:
    """The last step and the first few, leaving out any that would sit on top of a label already placed."""
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    too_close = 0.04 * np.hypot(x1 - x0, y1 - y0)
    chosen = [len(xy) - 1]
    for step in range(min(LABELLED_STEPS, len(xy))):
        if all(np.hypot(*(xy[step] - xy[other])) > too_close for other in chosen):
            chosen.append(step)
    return sorted(chosen)


# -- the animation ------------------------------------------------------------------------
def animate_descent(
    trace: Any,
    path: str | os.PathLike[str],
    *,
    f: Any = None,
    bounds: Any = None,
    max_frames: int = GIF_MAX_FRAMES,
    fps: float = 5,
    show_loss: bool = True,
    name: str = "L",
    dpi: float = 60,
) -> Figure:
    """Write an animated GIF of the descent: one frame per step, at most ``max_frames`` (spread evenly).

    Frames are written with matplotlib's Pillow writer (pillow is part of the
    ``plot`` extra). The last frame shows the whole path.

    Arguments:
        trace: a :class:`~symgrad.optimize.Trace`.
        path: the ``.gif`` file to write.
        max_frames: cap on the number of frames (first and last step always shown).
        fps: frames per second.
        dpi: resolution (kept low: GIFs of heat maps are large).

    Returns:
        the :class:`matplotlib.figure.Figure`, showing the last frame.

    Example (the chapter's programming exercise 5)::

        symgrad.plot.animate_descent(trace, "descent.gif")
    """
    from matplotlib.animation import PillowWriter

    if os.path.splitext(os.fspath(path))[1].lower() != ".gif":
        raise InputError(f"an animation is written as a GIF; give a path ending in .gif, not '{os.fspath(path)}'")
    run = read_trace(trace, f)
    figure, map_ax = _descent_figure(run, bounds, False, show_loss, name, dpi, width=9.0)
    loss_ax = figure.axes[-1] if show_loss else None
    map_title = map_ax.get_title()
    writer = PillowWriter(fps=fps)
    drawn: list = []
    with writer.saving(figure, os.fspath(path), dpi):
        for step in frame_steps(run.steps, max_frames):
            for artist in drawn:
                artist.remove()
            drawn = _draw_path(map_ax, run, int(step), labels=False)
            map_ax.set_title(f"{map_title}\nstep {step}: ${name}$ = {run.losses[step]:.4g}", fontsize=10)
            if loss_ax is not None:
                loss_ax.clear()
                draw_loss_curve(loss_ax, run.losses, name, upto=int(step))
            writer.grab_frame()
    return figure
