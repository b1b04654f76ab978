"""Sampling a function on a grid: which variables, what range, which values to show.

* :func:`plottable` turns what the user gave into a :class:`~symgrad.Function`
  of one or two variables (other variables can be fixed by name with ``fix=``).
* :func:`auto_bounds` chooses the window: the box around the points of interest
  (critical points, a descent path, an expansion point) with a margin, or
  ``[-3, 3]`` around the origin when there are none.
* :func:`sample` evaluates the compiled NumPy function on the grid with
  floating-point warnings silenced; values that are not finite (``log`` of a
  negative number, ``1/0``) become NaN and are drawn as "undefined".
* :func:`value_limits` and :func:`contour_levels` ignore NaN and the extreme
  tails near poles, so a ``1/x`` spike does not flatten the rest of the picture.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import sympy

from ..errors import InputError, SymgradError
from ..function import Function, as_function

Bounds = list[tuple[float, float]]

DEFAULT_HALF_WIDTH = 3.0
MARGIN = 0.25  # fraction of the span added on each side
MAX_CRITICAL_POINTS = 12
MIN_CURVATURE = 1e-3  # a numerical minimum counts only where the function curves up at least this much


def plottable(f: Any, fix: Mapping[Any, Any] | None = None, dims: Sequence[int] = (1, 2)) -> Function:
    """``f`` as a scalar :class:`Function` of ``dims`` variables, after substituting ``fix``.

    >>> w0, w1 = sympy.symbols("w0 w1", real=True)
    >>> plottable(w0**2 + w1**2, fix={"w1": 1}).variables
    (w0,)
    """
    function = as_function(f)
    if not function.is_scalar:
        raise InputError("only scalar functions can be plotted; plot each component separately")
    if fix:
        fixed = {function.variable(name): value for name, value in fix.items()}
        rest = [v for v in function.variables if v not in fixed]
        function = Function(function.expr.subs(fixed), rest)
    if function.n not in dims:
        names = ", ".join(v.name for v in function.variables) or "none"
        wanted = " or ".join(str(d) for d in dims)
        raise InputError(
            f"this plot needs a function of {wanted} variable(s), but this one has {function.n} ({names}); "
            f"fix the others with fix={{'name': value}}"
        )
    return function


def critical_points_of(function: Function) -> np.ndarray:
    """Finite real critical points as an ``(k, n)`` float array (empty if none are found).

    Asks :func:`symgrad.analysis.critical_points`; when that is unavailable or
    finds nothing it can place, falls back to a numerical local minimum
    (BFGS from the origin), so a shifted bowl is still framed.
    """
    points = _symbolic_critical_points(function)
    return points if len(points) else _numerical_minimum(function)


def _numerical_minimum(function: Function) -> np.ndarray:
    from scipy.optimize import minimize

    compiled = function.compile("numpy")
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            result = minimize(compiled.fun, np.zeros(function.n), jac=compiled.jac, method="BFGS", options={"maxiter": 200})
        except (ValueError, FloatingPointError, ArithmeticError):
            return np.empty((0, function.n))
    if not (result.success and np.all(np.isfinite(result.x)) and np.abs(result.x).max() < 1e6):
        return np.empty((0, function.n))
    with np.errstate(all="ignore"):
        curvature = np.linalg.eigvalsh(np.asarray(compiled.hess(result.x), dtype=float))
    if np.all(np.isfinite(curvature)) and curvature.min() > MIN_CURVATURE:  # a real bowl, not exp(x) flattening out
        return result.x.reshape(1, function.n)
    return np.empty((0, function.n))


def _symbolic_critical_points(function: Function) -> np.ndarray:
    try:
        from ..analysis import critical_points
    except ImportError:
        return np.empty((0, function.n))
    try:
        found = critical_points(function)
    except (SymgradError, NotImplementedError, ValueError, TypeError):
        return np.empty((0, function.n))
    rows = []
    for cp in found[: MAX_CRITICAL_POINTS * 4]:
        row = _numeric_row(getattr(cp, "point", cp), function)
        if row is not None:
            rows.append(row)
    rows.sort(key=lambda r: float(np.hypot.reduce(r)))
    return np.array(rows[:MAX_CRITICAL_POINTS]).reshape(-1, function.n)


def _numeric_row(point: Any, function: Function) -> list[float] | None:
    by_name = {getattr(k, "name", str(k)): v for k, v in dict(point).items()}
    row = []
    for variable in function.variables:
        value = by_name.get(variable.name)
        if value is None:
            return None
        try:
            number = complex(sympy.N(value))
        except (TypeError, ValueError):
            return None  # a parametric family of critical points
        if abs(number.imag) > 1e-9 or not np.isfinite(number.real):
            return None
        row.append(number.real)
    return row


def auto_bounds(points: np.ndarray, n: int, equal_scale: bool = True) -> Bounds:
    """A window around ``points`` ``(k, n)`` with a margin; ``[-3, 3]`` per axis when there are none.

    With ``equal_scale`` no axis is shorter than a third of the longest, so
    equal-aspect pictures stay readable.
    """
    points = np.asarray(points, dtype=float).reshape(-1, n)
    points = points[np.all(np.isfinite(points), axis=1)]
    if len(points) == 0:
        return [(-DEFAULT_HALF_WIDTH, DEFAULT_HALF_WIDTH)] * n
    low, high = points.min(axis=0), points.max(axis=0)
    centre, half = (low + high) / 2, (high - low) / 2
    half = half * (1 + 2 * MARGIN) + 0.1 * half.max()
    if half.max() == 0:  # a single point: show a unit-sized neighbourhood, scaled to the point
        half = np.full(n, max(DEFAULT_HALF_WIDTH, 0.5 * float(np.abs(centre).max())))
    if equal_scale:
        half = np.maximum(half, half.max() / 3)
    return [(float(c - h), float(c + h)) for c, h in zip(centre, half)]


def resolve_bounds(bounds: Any, function: Function, extra_points: Any = None) -> Bounds:
    """The user's ``bounds`` (``(lo, hi)`` or one pair per variable), else :func:`auto_bounds`."""
    if bounds is not None:
        return _check_bounds(bounds, function.n)
    points = [critical_points_of(function)]
    if extra_points is not None:
        points.append(np.asarray(extra_points, dtype=float).reshape(-1, function.n))
    return auto_bounds(np.concatenate(points), function.n)


def _check_bounds(bounds: Any, n: int) -> Bounds:
    array = np.asarray(bounds, dtype=float)
    if array.shape == (2,):
        array = np.tile(array, (n, 1))
    if array.shape != (n, 2) or not np.all(np.isfinite(array)) or np.any(array[:, 0] >= array[:, 1]):
        raise InputError(f"bounds must be (low, high) or one (low, high) pair per variable with low < high, got {bounds!r}")
    return [(float(lo), float(hi)) for lo, hi in array]


def sample(function: Function, bounds: Bounds, resolution: int = 200) -> tuple[list[np.ndarray], np.ndarray]:
    """Axes and values of ``function`` on a regular grid; non-finite values are NaN.

    For two variables ``values[i, j] = f(axes[0][j], axes[1][i])`` (rows follow
    the second variable, as ``imshow`` and ``contour`` expect).
    """
    axes = [np.linspace(lo, hi, resolution) for lo, hi in bounds]
    grids = np.meshgrid(*axes) if function.n == 2 else axes
    points = np.stack(grids, axis=-1)
    return axes, evaluate(function, points)


def evaluate(function: Function, points: np.ndarray) -> np.ndarray:
    """``f`` at ``points`` ``(..., n)`` as real floats, NaN where not finite or not real."""
    compiled = function.compile("numpy")
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        values = np.asarray(compiled.value(points))
    return _finite_real(values, points.shape[:-1])


def evaluate_gradient(function: Function, points: np.ndarray) -> np.ndarray:
    """``∇f`` at ``points`` ``(..., n)``, NaN where not finite or not real."""
    compiled = function.compile("numpy")
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        values = np.asarray(compiled.gradient(points))
    return _finite_real(values, points.shape)


def _finite_real(values: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    values = np.broadcast_to(values, shape)
    if np.iscomplexobj(values):
        values = np.where(np.abs(values.imag) < 1e-12, values.real, np.nan)
    values = np.array(values, dtype=float)
    values[~np.isfinite(values)] = np.nan
    return values


def value_limits(values: np.ndarray) -> tuple[float, float]:
    """Colour limits: the finite range, with long tails (near poles) cut at the 2nd/98th percentile."""
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return (-1.0, 1.0)
    low, high = float(finite.min()), float(finite.max())
    p_low, p_high = np.percentile(finite, [2, 98])
    core = max(p_high - p_low, 1e-12)
    if high - p_high > 3 * core:
        high = float(p_high)
    if p_low - low > 3 * core:
        low = float(p_low)
    if high <= low:
        low, high = low - 1.0, high + 1.0
    return low, high


def contour_levels(values: np.ndarray, count: int = 10) -> np.ndarray:
    """Levels near quantiles of the sampled values, each rounded to a round number.

    Quantiles spread the contours evenly over the picture; rounding each to a
    nice value (1, 1.5, 2, 2.5, 3, 4, 5, 6, 7, 8 times a power of ten) makes the
    labels read like a textbook's (``70``, not ``65.8``).

    Example:
        >>> contour_levels(np.array([0.0, 3.7, 65.8, 86.2, 100.0]), count=3).tolist()
        [0.4, 70.0, 100.0]
    """
    low, high = value_limits(values)
    finite = values[np.isfinite(values) & (values >= low) & (values <= high)]
    if finite.size == 0:
        return np.linspace(low, high, count)
    levels = np.unique([round_to_nice(q) for q in np.quantile(finite, np.linspace(0.03, 0.97, count))])
    if len(levels) < 2:
        return np.linspace(low, high, count)
    return levels


NICE_MANTISSAS = np.array([1.0, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 10.0])


def round_to_nice(value: float) -> float:
    """The nearest number of the form m·10^k with m in :data:`NICE_MANTISSAS` (0 stays 0).

    Example:
        >>> [round_to_nice(v) for v in (86.2, 65.8, 0.741, -3.65, 0.0)]
        [80.0, 70.0, 0.7, -4.0, 0.0]
    """
    if value == 0 or not np.isfinite(value):
        return float(value)
    magnitude = 10.0 ** np.floor(np.log10(abs(value)))
    mantissa = NICE_MANTISSAS[np.argmin(np.abs(NICE_MANTISSAS - abs(value) / magnitude))]
    return float(np.copysign(float(f"{mantissa * magnitude:.12g}"), value))
