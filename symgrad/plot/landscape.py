"""Loss landscapes: the 3D surface and the heat map with level contours and gradient arrows."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from ..function import Function
import symgrad.plot._base as _base
import symgrad.plot._grid as _grid

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["surface", "contours", "draw_contour_map", "axis_label"]


def axis_label(variable: Any) -> str:
    """The variable's name in LaTeX: ``w0`` -> ``$w_{0}$``."""
    return _base.math_text(variable)


def surface(
    f: Any,
    *,
    bounds: Any = None,
    fix: Mapping[Any, Any] | None = None,
    path: Any = None,
    name: str = "L",
    resolution: int = 80,
    view: tuple[float, float] = (30, -60),
    save: str | os.PathLike[str] | None = None,
    dpi: float = 100,
) -> Figure:
    """The graph of ``f``: a 3D surface for two variables, a curve for one.

    Arguments:
        f: a :class:`~symgrad.Function` (or anything :func:`~symgrad.as_function` takes).
        bounds: ``(low, high)`` for every axis or one pair per variable; by
            default a window around the critical points (and ``path``).
        fix: values for extra variables, by name, to cut a slice out of a bigger function.
        path: optional points ``(k, n)`` (e.g. ``trace.path``) drawn on the surface.
        name: the letter for the value axis and the title (``L`` for a loss).
        resolution: grid points per axis.
        view: ``(elevation, azimuth)`` of the 3D camera, in degrees.
        save: write the figure to this ``.png``, ``.svg`` or ``.pdf`` file.
        dpi: resolution of the figure (and of a saved PNG).

    Returns:
        the :class:`matplotlib.figure.Figure`.

    Example (the chapter's programming exercise 3)::

        w0, w1 = sympy.symbols("w0 w1", real=True)
        symgrad.plot.surface(w0**2 + 3*w1**2, save="surface.png")
    """
    function = _grid.plottable(f, fix)
    window = _grid.resolve_bounds(bounds, function, path)
    if function.n == 1:
        figure = new_curve_figure(function, window, name, resolution=max(resolution, 400), dpi=dpi)
        if path is not None:
            _mark_points_on_curve(figure.axes[0], function, path)
    else:
        figure = _surface_3d(function, window, name, resolution, view, path, dpi)
    _base.save_figure(figure, save, dpi)
    return figure


def new_curve_figure(function: Function, window: _grid.Bounds, name: str, resolution: int = 400, dpi: float = 100) -> Figure:
    """A figure with the curve ``y = f(x)``; gaps where ``f`` is not finite."""
    figure = _base.new_figure(6.4, 4.2, dpi)
    ax = figure.add_subplot()
    axes, values = _grid.sample(function, window, resolution)
    low, high = _grid.value_limits(values)
    shown = np.where((values >= low) & (values <= high), values, np.nan)
    ax.plot(axes[0], shown, color="black", linewidth=2, label=_base.function_title(function.expr, name))
    pad = 0.05 * (high - low)
    ax.set_ylim(low - pad, high + pad)
    ax.set_xlim(*window[0])
    ax.set_xlabel(axis_label(function.variables[0]))
    ax.set_ylabel(f"${name}$")
    ax.set_title(_base.function_title(function.expr, name))
    ax.grid(alpha=0.3)
    return figure


def _mark_points_on_curve(ax, function: Function, path: Any) -> None:
    points = np.asarray(path, dtype=float).reshape(-1, 1)
    values = _grid.evaluate(function, points)
    ax.plot(points[:, 0], values, color="#444444", linewidth=1, marker="o", markersize=4, zorder=3)


def _surface_3d(function: Function, window, name, resolution, view, path, dpi):
    import matplotlib

    figure = _base.new_figure(6.4, 5.0, dpi)
    ax = figure.add_subplot(projection="3d")
    axes, values = _grid.sample(function, window, resolution)
    low, high = _grid.value_limits(values)
    shown = np.where((values >= low) & (values <= high), values, np.nan)
    X, Y = np.meshgrid(*axes)
    norm = matplotlib.colors.Normalize(low, high)
    ax.plot_surface(X, Y, shown, cmap=_base.VALUE_CMAP, norm=norm, linewidth=0, antialiased=True, alpha=0.95)
    ax.contour(X, Y, shown, levels=_grid.contour_levels(shown), cmap=_base.VALUE_CMAP, norm=norm, offset=low, linewidths=0.8)
    if path is not None:
        points = np.asarray(path, dtype=float).reshape(-1, 2)
        heights = _grid.evaluate(function, points)
        ax.plot(points[:, 0], points[:, 1], heights, color="#d62728", marker="o", markersize=3, linewidth=1.5, zorder=10)
    ax.set_zlim(low, high)
    ax.set_xlabel(axis_label(function.variables[0]))
    ax.set_ylabel(axis_label(function.variables[1]))
    ax.set_zlabel(f"${name}$")
    ax.view_init(elev=view[0], azim=view[1])
    ax.set_title(_base.function_title(function.expr, name))
    figure.colorbar(matplotlib.cm.ScalarMappable(norm=norm, cmap=_base.VALUE_CMAP), ax=ax, shrink=0.6, label=f"${name}$")
    return figure


def contours(
    f: Any,
    *,
    arrows: bool = True,
    bounds: Any = None,
    fix: Mapping[Any, Any] | None = None,
    levels: int = 10,
    name: str = "L",
    resolution: int = 200,
    arrow_grid: int = 13,
    save: str | os.PathLike[str] | None = None,
    dpi: float = 100,
) -> Figure:
    """Heat map of ``f`` with level contours and, optionally, the gradient field.

    Dark is low and bright is high (viridis, which also reads in greyscale);
    regions where ``f`` is undefined are light grey. The arrows show the
    *direction* of the gradient (all drawn the same length): they point from
    cold to hot and cross every contour at a right angle. Right angles only look
    right when one unit is as long on both axes, so the axes have an equal aspect
    ratio (``ax.set_aspect("equal")``) and the arrows are drawn in data
    coordinates (``angles="xy"``).

    Arguments:
        f: a function of two variables (or more, with the rest fixed by ``fix``).
        arrows: draw the gradient field.
        bounds: ``(low, high)`` or one pair per variable; default: around the critical points.
        levels: number of contour lines (placed at quantiles of the values).
        name: the letter for the function (``L`` for a loss).
        resolution: grid points per axis for the heat map.
        arrow_grid: arrows per axis.
        save: write the figure to ``.png``, ``.svg`` or ``.pdf``.
        dpi: resolution.

    Returns:
        the :class:`matplotlib.figure.Figure`.

    Example::

        symgrad.plot.contours(2*w0**2 + 3*w1**2, arrows=True, save="contours.png")
    """
    function = _grid.plottable(f, fix, dims=(2,))
    window = _grid.resolve_bounds(bounds, function)
    figure = _base.new_figure(6.4, 5.4, dpi)
    ax = figure.add_subplot()
    draw_contour_map(ax, function, window, arrows=arrows, levels=levels, resolution=resolution, arrow_grid=arrow_grid, name=name)
    ax.set_title(_base.function_title(function.expr, name))
    _base.save_figure(figure, save, dpi)
    return figure


def draw_contour_map(
    ax: Axes,
    function: Function,
    window: _grid.Bounds,
    *,
    arrows: bool = True,
    levels: int = 10,
    resolution: int = 200,
    arrow_grid: int = 13,
    name: str = "L",
    colorbar: bool = True,
) -> None:
    """Draw the heat map, labelled contours and (optionally) unit gradient arrows on ``ax``."""
    import matplotlib

    axes, values = _grid.sample(function, window, resolution)
    low, high = _grid.value_limits(values)
    cmap = matplotlib.colormaps[_base.VALUE_CMAP].with_extremes(bad=_base.UNDEFINED_COLOUR)
    (x0, x1), (y0, y1) = window
    image = ax.imshow(
        np.ma.masked_invalid(values), extent=(x0, x1, y0, y1), origin="lower", cmap=cmap,
        norm=matplotlib.colors.Normalize(low, high, clip=True), interpolation="bilinear",
    )
    X, Y = np.meshgrid(*axes)
    contour_set = ax.contour(X, Y, np.ma.masked_invalid(values), levels=_grid.contour_levels(values, levels),
                             colors="black", linewidths=0.8, alpha=0.7)
    labels = ax.clabel(contour_set, fmt="%.3g", fontsize=7, inline=True)
    for label in labels:  # above the arrows, on a light patch, so no arrow hides a level
        label.set_zorder(5)
        label.set_bbox({"boxstyle": "round,pad=0.1", "facecolor": "white", "edgecolor": "none", "alpha": 0.75})
    if arrows:
        _draw_gradient_arrows(ax, function, window, arrow_grid, name)
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_aspect("equal")
    ax.set_xlabel(axis_label(function.variables[0]))
    ax.set_ylabel(axis_label(function.variables[1]))
    if colorbar:
        ax.figure.colorbar(image, ax=ax, shrink=0.85, label=f"${name}$")
    if np.isnan(values).any():
        from matplotlib.patches import Patch

        ax.legend(handles=[Patch(color=_base.UNDEFINED_COLOUR, label="undefined")], loc="upper right", fontsize=8)


def _draw_gradient_arrows(ax, function: Function, window: _grid.Bounds, count: int, name: str = "L") -> None:
    """Unit arrows along the gradient, with a key saying so (their length carries no magnitude)."""
    (x0, x1), (y0, y1) = window
    cell = min((x1 - x0), (y1 - y0)) / count
    xs = np.linspace(x0, x1, count + 2)[1:-1]
    ys = np.linspace(y0, y1, int(round(count * (y1 - y0) / (x1 - x0))) + 2)[1:-1]
    X, Y = np.meshgrid(xs, ys)
    points = np.stack([X, Y], axis=-1)
    gradient = _grid.evaluate_gradient(function, points)
    length = np.hypot(gradient[..., 0], gradient[..., 1])
    defined = np.isfinite(_grid.evaluate(function, points))  # d/dx log(x) = 1/x exists where log(x) does not
    keep = defined & np.isfinite(length) & (length > 1e-12)
    direction = gradient[keep] / length[keep][:, None] * 0.75 * cell
    field = ax.quiver(X[keep], Y[keep], direction[:, 0], direction[:, 1], angles="xy", scale_units="xy", scale=1,
                      color="white", edgecolor="black", linewidth=0.5, width=0.004, headwidth=4, pivot="tail", zorder=4)
    ax.quiverkey(field, X=0.06, Y=0.025, U=0.75 * cell, label=rf"direction of $\nabla {name}$ (unit length)",
                 labelpos="E", coordinates="figure", fontproperties={"size": 8})
