"""Local approximations: a function beside its Taylor polynomials (tangent line/plane, quadratic)."""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import sympy

from ..errors import InputError
from ..function import Function
import symgrad.plot._base as _base
import symgrad.plot._grid as _grid
from .landscape import axis_label

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["taylor", "taylor_polynomial"]

ORDER_NAMES = {0: "constant", 1: "tangent (order 1)", 2: "quadratic (order 2)"}
ORDER_STYLES = ({"color": "#d62728", "linestyle": "--"}, {"color": "#1f77b4", "linestyle": "-."}, {"color": "#2ca02c", "linestyle": ":"})


def taylor_polynomial(function: Function, at: Mapping[sympy.Symbol, Any], order: int) -> sympy.Expr:
    """The Taylor polynomial of ``function`` at ``at`` (``{variable: value}``) up to ``order``.

    Uses :func:`symgrad.analysis.taylor` when it is available; otherwise sums
    ``D^k f(a)[x - a]^k / k!`` over the directional derivative along ``x - a``.
    """
    try:
        from ..analysis import taylor as analysis_taylor
    except ImportError:
        analysis_taylor = None
    if analysis_taylor is not None and not callable(analysis_taylor):  # the submodule, before re-export
        analysis_taylor = getattr(analysis_taylor, "taylor", None)
    if analysis_taylor is not None:
        return sympy.expand(analysis_taylor(function, at, order))
    return _taylor_by_directional_derivatives(function, at, order)


def _taylor_by_directional_derivatives(function: Function, at: Mapping[sympy.Symbol, Any], order: int) -> sympy.Expr:
    t = sympy.Dummy("t")
    shifted = {v: at[v] + t * (v - at[v]) for v in function.variables}
    along_line = function.expr.subs(shifted, simultaneous=True)
    terms = [sympy.diff(along_line, t, k).subs(t, 0) / math.factorial(k) for k in range(order + 1)]
    return sympy.expand(sum(terms))


def taylor(
    f: Any,
    at: Any,
    orders: Sequence[int] = (1, 2),
    *,
    bounds: Any = None,
    radius: float | None = None,
    fix: Mapping[Any, Any] | None = None,
    name: str = "L",
    save: str | os.PathLike[str] | None = None,
    dpi: float = 100,
) -> Figure:
    """``f`` and its Taylor approximations around ``at``, in one or two variables.

    In 1D the curve and the tangent line / parabola are drawn together. In 2D
    there is one 3D panel per order: the surface of ``f`` and, as a wire mesh,
    the tangent plane (order 1) or the quadratic (order 2) over a neighbourhood
    of ``at``, so one sees where the approximation stops being good.

    Arguments:
        f: a function of one or two variables.
        at: the expansion point, in any form ``Function.point`` accepts.
        orders: the orders to show.
        bounds: the window of ``f``; by default ``at`` ± ``radius``.
        radius: half-width of the window (default: 2, or half the distance to ``at`` from the origin if larger).
        save: write to ``.png``, ``.svg`` or ``.pdf``.

    Returns:
        the :class:`matplotlib.figure.Figure`.

    Example::

        symgrad.plot.taylor(sympy.exp(x), at=0, orders=(1, 2))
    """
    function = _grid.plottable(f, fix)
    point = function.point(at)  # 3, [3], {"x": 3}, ... as Function.point accepts
    orders = tuple(int(k) for k in orders)
    if not orders or min(orders) < 0 or max(orders) > 6:
        raise InputError(f"orders must be between 0 and 6, got {orders}")
    centre = np.array([float(point[v]) for v in function.variables])
    window = _grid._check_bounds(bounds, function.n) if bounds is not None else _window_around(centre, radius)
    polynomials = {k: Function(taylor_polynomial(function, point, k), function.variables) for k in orders}
    draw = _taylor_1d if function.n == 1 else _taylor_2d
    figure = draw(function, centre, polynomials, window, name, dpi)
    _base.save_figure(figure, save, dpi)
    return figure


def _window_around(centre: np.ndarray, radius: float | None) -> _grid.Bounds:
    half = radius if radius is not None else max(2.0, 0.5 * float(np.abs(centre).max()))
    return [(float(c - half), float(c + half)) for c in centre]


def _label(order: int, polynomial: Function) -> str:
    return f"{ORDER_NAMES.get(order, f'order {order}')}: " + _base.math_text(_rounded(polynomial.expr))


def _rounded(expr: sympy.Expr, digits: int = 3) -> sympy.Expr:
    """``expr`` with its floats shown to ``digits`` significant digits (for labels only)."""
    return expr.xreplace({number: sympy.Float(number, digits) for number in expr.atoms(sympy.Float)})


def _taylor_1d(function, centre, polynomials, window, name, dpi):
    from .landscape import new_curve_figure

    figure = new_curve_figure(function, window, name, dpi=dpi)
    ax = figure.axes[0]
    xs = np.linspace(*window[0], 400)[:, None]
    low, high = ax.get_ylim()
    for style, (order, polynomial) in zip(ORDER_STYLES, polynomials.items()):
        values = _grid.evaluate(polynomial, xs)
        ax.plot(xs[:, 0], np.where((values > low - (high - low)) & (values < high + (high - low)), values, np.nan),
                linewidth=1.8, label=_label(order, polynomial), **style)
    ax.set_ylim(low, high)
    value = _grid.evaluate(function, centre[None, :])[0]
    ax.plot(centre[0], value, "ko", markersize=6, zorder=5)
    ax.annotate(f"${sympy.latex(function.variables[0])} = {centre[0]:g}$", (centre[0], value), xytext=(8, -14),
                textcoords="offset points", fontsize=9)
    ax.legend(fontsize=8, loc="best")
    return figure


def _taylor_2d(function, centre, polynomials, window, name, dpi):
    import matplotlib

    figure = _base.new_figure(5.2 * len(polynomials), 4.8, dpi)
    axes, values = _grid.sample(function, window, 60)
    X, Y = np.meshgrid(*axes)
    low, high = _grid.value_limits(values)
    norm = matplotlib.colors.Normalize(low, high)
    value_at = _grid.evaluate(function, centre[None, :])[0]
    near = [np.linspace(c - (hi - lo) / 4, c + (hi - lo) / 4, 25) for c, (lo, hi) in zip(centre, window)]
    NX, NY = np.meshgrid(*near)  # the approximation is drawn near the expansion point only
    for index, (order, polynomial) in enumerate(polynomials.items()):
        ax = figure.add_subplot(1, len(polynomials), index + 1, projection="3d")
        ax.plot_surface(X, Y, np.where((values >= low) & (values <= high), values, np.nan), cmap=_base.VALUE_CMAP,
                        norm=norm, linewidth=0, alpha=0.75)
        approx = _grid.evaluate(polynomial, np.stack([NX, NY], axis=-1))
        approx = np.where((approx >= low - 0.25 * (high - low)) & (approx <= high + 0.25 * (high - low)), approx, np.nan)
        ax.plot_wireframe(NX, NY, approx, rstride=3, cstride=3, color=ORDER_STYLES[index % 3]["color"], linewidth=0.8)
        ax.scatter([centre[0]], [centre[1]], [value_at], color="black", s=30, depthshade=False)
        ax.set_zlim(low - 0.25 * (high - low), high)
        ax.set_xlabel(axis_label(function.variables[0]))
        ax.set_ylabel(axis_label(function.variables[1]))
        ax.set_zlabel(f"${name}$")
        ax.set_title(ORDER_NAMES.get(order, f"order {order}") + "\n" + _base.math_text(_rounded(polynomial.expr)), fontsize=9)
    figure.suptitle(_base.function_title(function.expr, name) + f" near ({centre[0]:g}, {centre[1]:g})")
    return figure
