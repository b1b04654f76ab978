"""Decision boundaries: where a classifier's function ``φ(x)`` changes sign, over the data clusters.

The boundary is the zero contour of ``φ`` sampled on a grid, so one routine
draws hyperplanes (lines) and hyperspheres (circles) alike. What counts as a
classifier is a small table (:data:`DECISION_READERS`): an object with
``decision_function(X)``, a symgrad :class:`~symgrad.Function` or SymPy
expression of the two features, or any callable taking ``(m, 2)`` points.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import sympy

from ..errors import InputError
from ..function import Function, to_sympy_number
import symgrad.plot._base as _base
import symgrad.plot._grid as _grid

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["decision_boundary", "decision_values"]

#: (fill colour, marker) per class: shapes differ as well as colours, for greyscale printing.
CLASS_STYLES = [("#1f4e79", "o"), ("#ffb000", "^"), ("#9e2a2b", "s"), ("#2ca02c", "D"), ("#7f7f7f", "v")]
#: Region colours: negative side, positive side (different lightness, so they read in greyscale).
REGION_COLOURS = ("#fde6cf", "#b7cde3")


def _from_function(function: Function) -> Callable[[np.ndarray], np.ndarray]:
    if function.n != 2:
        raise InputError(f"a decision function for this plot needs 2 features, this one has {function.n}")
    return lambda X: _grid.evaluate(function, X)


def _from_expression(expr: sympy.Expr) -> Callable[[np.ndarray], np.ndarray]:
    return _from_function(Function(expr))


DECISION_READERS: dict[type, Callable[[Any], Callable[[np.ndarray], np.ndarray]]] = {
    Function: _from_function,
    sympy.Expr: _from_expression,
}


def bind_parameters(model: Any, theta: Any) -> Any:
    """A :class:`symgrad.models.Model` with parameter values ``theta`` as a Function of its inputs.

    ``theta`` is a sequence in the model's parameter order or a mapping by name.
    Anything that is not a Model is returned unchanged.
    """
    parameters, inputs = getattr(model, "parameters", None), getattr(model, "inputs", None)
    if parameters is None or inputs is None or not isinstance(getattr(model, "expr", None), sympy.Expr):
        return model
    if theta is None:
        names = ", ".join(p.name for p in parameters)
        raise InputError(f"this model's boundary depends on its parameters ({names}); give their values with theta=[...]")
    if isinstance(theta, dict):
        by_name = {getattr(k, "name", str(k)): v for k, v in theta.items()}
        missing = [p.name for p in parameters if p.name not in by_name]
        if missing:
            raise InputError(f"theta has no value for {', '.join(missing)}")
        values = [by_name[p.name] for p in parameters]
    else:
        values = list(np.asarray(theta, dtype=object).reshape(-1))
        if len(values) != len(parameters):
            raise InputError(f"theta has {len(values)} values, but the model has {len(parameters)} parameters")
    substitution = {p: to_sympy_number(v) for p, v in zip(parameters, values)}
    return Function(model.expr.xreplace(substitution), inputs)


def decision_values(model: Any) -> Callable[[np.ndarray], np.ndarray]:
    """A NumPy callable ``(m, 2) -> (m,)`` giving ``φ(x)`` for ``model``."""
    for kind, reader in DECISION_READERS.items():
        if isinstance(model, kind):
            return reader(model)
    method = getattr(model, "decision_function", None)
    if callable(method):
        return lambda X: np.asarray(method(X), dtype=float).reshape(len(X))
    if callable(model):
        return lambda X: np.asarray(model(X), dtype=float).reshape(len(X))
    raise InputError(
        f"cannot read a decision function from {type(model).__name__}; give a classifier with "
        "decision_function(X), a Function or expression of two features, or a callable on (m, 2) points"
    )


def decision_boundary(
    model: Any,
    data: Any = None,
    labels: Sequence[Any] | None = None,
    *,
    theta: Any = None,
    bounds: Any = None,
    class_names: dict[Any, str] | None = None,
    features: Sequence[str] = ("x0", "x1"),
    resolution: int = 300,
    save: str | os.PathLike[str] | None = None,
    dpi: float = 100,
) -> Figure:
    """The classifier's boundary ``φ(x) = 0``, the two half-spaces it makes, and the labelled clusters.

    Arguments:
        model: a classifier with ``decision_function(X)`` (e.g.
            ``symgrad.models.LinearClassifier``), a ``symgrad.models`` model such as
            ``HypersphereModel()`` with its parameter values in ``theta``, a Function /
            SymPy expression of the two features, or a callable on ``(m, 2)`` points.
        data: points ``(m, 2)``, or a pair ``(points, labels)``.
        labels: the class of each point (any hashable values).
        theta: parameter values of a ``symgrad.models`` model (sequence or ``{name: value}``).
        bounds: the window; by default the box around the data with a margin.
        class_names: legend text per label value (default ``"class <value>"``).
        features: names of the two features, shown in LaTeX on the axes.
        save: write to ``.png``, ``.svg`` or ``.pdf``.

    Returns:
        the :class:`matplotlib.figure.Figure`; the axes have an equal aspect ratio,
        so a circular boundary looks circular.

    Example::

        x0, x1 = sympy.symbols("x0 x1", real=True)
        decision_boundary(x0**2 + x1**2 - 4, (points, labels))   # a circle of radius 2
    """
    model = bind_parameters(model, theta)
    phi = decision_values(model)
    if isinstance(model, Function) and features == ("x0", "x1"):
        features = tuple(v.name for v in model.variables)
    points, labels = _split_data(data, labels)
    window = _grid._check_bounds(bounds, 2) if bounds is not None else _grid.auto_bounds(points, 2)
    figure = _base.new_figure(6.0, 5.4, dpi)
    ax = figure.add_subplot()
    _draw_regions(ax, phi, window, resolution)
    _draw_clusters(ax, points, labels, class_names or {})
    ax.set_xlim(*window[0])
    ax.set_ylim(*window[1])
    ax.set_aspect("equal")
    ax.set_xlabel(_base.math_text(sympy.Symbol(features[0])))
    ax.set_ylabel(_base.math_text(sympy.Symbol(features[1])))
    ax.set_title(_title(model))
    ax.legend(loc="best", fontsize=8, framealpha=0.9)
    _base.save_figure(figure, save, dpi)
    return figure


def _split_data(data: Any, labels: Any) -> tuple[np.ndarray, np.ndarray | None]:
    if data is None:
        return np.empty((0, 2)), None
    if isinstance(data, tuple) and len(data) == 2 and labels is None:
        data, labels = data
    points = np.asarray(data, dtype=float)
    if points.ndim != 2 or points.shape[1] != 2:
        raise InputError(f"data must be points of shape (m, 2), got shape {points.shape}")
    if labels is not None:
        labels = np.asarray(labels).reshape(-1)
        if len(labels) != len(points):
            raise InputError(f"got {len(labels)} labels for {len(points)} points")
    return points, labels


def _draw_regions(ax, phi, window, resolution) -> None:
    from matplotlib.colors import ListedColormap

    xs, ys = (np.linspace(lo, hi, resolution) for lo, hi in window)
    X, Y = np.meshgrid(xs, ys)
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        values = np.asarray(phi(np.column_stack([X.ravel(), Y.ravel()])), dtype=float).reshape(X.shape)
    sign = np.ma.masked_invalid(np.sign(values))
    ax.pcolormesh(X, Y, sign, cmap=ListedColormap(REGION_COLOURS), vmin=-1, vmax=1, shading="auto", zorder=0)
    finite = np.ma.masked_invalid(values)
    if finite.min() < 0 < finite.max():
        ax.contour(X, Y, finite, levels=[0.0], colors="black", linewidths=2, zorder=2)
    ax.plot([], [], color="black", linewidth=2, label=r"boundary $\phi(x) = 0$")


def _draw_clusters(ax, points, labels, class_names) -> None:
    if len(points) == 0:
        return
    if labels is None:
        ax.scatter(points[:, 0], points[:, 1], s=28, color="#444444", edgecolor="black", zorder=3, label="data")
        return
    for (colour, marker), value in zip(CLASS_STYLES * 10, _ordered_unique(labels)):
        members = points[labels == value]
        ax.scatter(members[:, 0], members[:, 1], s=36, color=colour, marker=marker, edgecolor="black",
                   linewidth=0.7, zorder=3, label=class_names.get(value, f"class {value}"))


def _ordered_unique(labels: np.ndarray) -> list:
    seen: list = []
    for value in labels.tolist():
        if value not in seen:
            seen.append(value)
    return sorted(seen, key=str)


def _title(model: Any) -> str:
    expr = model.expr if isinstance(model, Function) else model
    if isinstance(expr, sympy.Expr):
        shown = expr.xreplace({f: sympy.Float(f, 4) for f in expr.atoms(sympy.Float)})  # a title, not a table
        return _base.math_text(f"\\phi = {sympy.latex(shown)}", fallback="decision boundary")
    return f"decision boundary of {type(model).__name__}"
