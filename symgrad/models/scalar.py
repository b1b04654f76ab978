"""Models as symbolic expressions, and their squared-error loss over a dataset.

A :class:`Model` is an expression ``φ(x; θ)`` with named input symbols and
parameter symbols. The chapter's three models are all *linear in their
parameters*: ``φ = θᵀ ψ(x)`` with a feature vector ``ψ`` (``(x, 1)`` for a line,
``(1, x, x², ...)`` for a polynomial, ``(x₀², ..., 1)`` for the hypersphere).
For them the squared error over ``N`` samples is the quadratic

    ``L(θ) = θᵀ (ΨᵀΨ) θ − 2 (Ψᵀy)ᵀ θ + yᵀy``   (divided by ``N`` for the mean),

so :func:`squared_error` builds it from the sufficient statistics ``ΨᵀΨ``,
``Ψᵀy`` and ``yᵀy`` (``Σx², Σx, Σxy ...``) -- exact when the data are exact --
and a gradient-descent step costs ``O(p²)`` for ``p`` parameters, whatever ``N``.
Models that are not linear in their parameters get the explicit sum over samples
(small datasets only). :func:`least_squares` solves the normal equations.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from numbers import Integral
from typing import TYPE_CHECKING, Any

import numpy as np
import sympy

from ..errors import InputError
from ..function import Function, to_sympy_number

if TYPE_CHECKING:
    from scipy.optimize import OptimizeResult

    from ..trace import Trace

__all__ = ["Model", "LinearModel", "PolynomialModel", "HypersphereModel", "squared_error", "least_squares", "fit"]

MAX_EXPLICIT_SAMPLES = 2000  # a model nonlinear in its parameters is summed sample by sample up to this size


def _real(name: str) -> sympy.Symbol:
    return sympy.Symbol(name, real=True)


@dataclass(frozen=True)
class Model:
    """``φ(x; θ)``: an expression, its input symbols and its parameter symbols (in order).

    Example:
        >>> m = LinearModel()
        >>> m.expr, m.parameters, m.inputs
        (b + w*x, (w, b), (x,))
    """

    expr: sympy.Expr
    parameters: tuple[sympy.Symbol, ...]
    inputs: tuple[sympy.Symbol, ...]
    name: str = "model"

    @property
    def features(self) -> tuple[sympy.Expr, ...] | None:
        """``ψ(x)`` with ``φ = θᵀψ(x)`` when the model is linear in its parameters, else ``None``."""
        partials = tuple(sympy.diff(self.expr, p) for p in self.parameters)
        if any(set(d.free_symbols) & set(self.parameters) for d in partials):
            return None
        rest = sympy.expand(self.expr - sum(p * d for p, d in zip(self.parameters, partials)))
        return partials if rest == 0 else None

    def design_matrix(self, X: Any, exact: bool = False) -> sympy.Matrix | np.ndarray:
        """``Ψ``: one row ``ψ(x_i)`` per sample (an exact SymPy matrix when ``exact``)."""
        features = self.features
        if features is None:
            raise InputError(f"{self.name} is not linear in its parameters, so it has no design matrix")
        rows = _samples(X, len(self.inputs), exact)
        if exact:
            return sympy.Matrix([[f.xreplace(dict(zip(self.inputs, row))) for f in features] for row in rows])
        kernel = sympy.lambdify(list(self.inputs), list(features), modules="numpy")
        columns = [np.asarray(rows[:, j], dtype=float) for j in range(len(self.inputs))]
        return np.column_stack([np.broadcast_to(np.asarray(c, dtype=float), (rows.shape[0],)) for c in kernel(*columns)])

    def predict(self, X: Any, theta: Sequence[Any]) -> np.ndarray:
        """``φ(x_i; θ)`` for every sample (floats)."""
        rows = _samples(X, len(self.inputs), False)
        expr = self.expr.xreplace({p: float(v) for p, v in zip(self.parameters, theta)})
        kernel = sympy.lambdify(list(self.inputs), expr, modules="numpy")
        return np.broadcast_to(np.asarray(kernel(*[rows[:, j] for j in range(rows.shape[1])]), dtype=float), (rows.shape[0],))


def LinearModel(n_inputs: int = 1) -> Model:
    """``w·x + b``: parameters ``(w, b)`` for one input, ``(w0, ..., b)`` and inputs ``x0, ...`` otherwise."""
    if n_inputs == 1:
        w, b, x = _real("w"), _real("b"), _real("x")
        return Model(w * x + b, (w, b), (x,), "linear model")
    ws = tuple(_real(f"w{i}") for i in range(n_inputs))
    xs = tuple(_real(f"x{i}") for i in range(n_inputs))
    b = _real("b")
    return Model(sum(w * x for w, x in zip(ws, xs)) + b, (*ws, b), xs, "linear model")


def PolynomialModel(degree: int) -> Model:
    """``w0 + w1 x + ... + w_d x^d`` (the chapter's quadratic model is degree 2)."""
    if not isinstance(degree, Integral) or degree < 0:
        raise InputError(f"the degree of a polynomial model must be a whole number >= 0, got {degree!r}")
    x = _real("x")
    ws = tuple(_real(f"w{k}") for k in range(degree + 1))
    return Model(sum(w * x**k for k, w in enumerate(ws)), ws, (x,), f"polynomial model of degree {degree}")


#: the chapter's hypersphere decision surface as it writes it; the model is derived from this text
HYPERSPHERE = "x^T diag(w) x + b"


def HypersphereModel(n_inputs: int = 2) -> Model:
    """``xᵀ diag(w) x + b = Σ w_i x_i² + b``: the chapter's hypersphere decision surface.

    Derived from :data:`HYPERSPHERE` by the matrix notation: read with ``x, w`` of length ``n_inputs``,
    then expanded entry by entry (``x_i``, ``w_i``).

    >>> HypersphereModel(2).expr
    b + w0*x0**2 + w1*x1**2
    """
    from ..matrix import explicit
    from ..parsing import parse

    if not isinstance(n_inputs, Integral) or isinstance(n_inputs, bool) or n_inputs < 1:
        raise InputError(f"a hypersphere model needs a whole number of inputs >= 1, got {n_inputs!r}")
    entries = explicit(parse(HYPERSPHERE, shapes={"x": n_inputs, "w": n_inputs}), {})
    entries = entries[0, 0] if isinstance(entries, sympy.MatrixBase) else entries  # n = 1 reads as a 1×1 matrix
    ws = tuple(_real(f"w{i}") for i in range(n_inputs))
    xs = tuple(_real(f"x{i}") for i in range(n_inputs))
    names = {**{f"w_{i}_0": w for i, w in enumerate(ws)}, **{f"x_{i}_0": x for i, x in enumerate(xs)}, "b": _real("b")}
    expr = entries.xreplace({s: names[s.name] for s in entries.free_symbols})
    return Model(expr, (*ws, names["b"]), xs, "hypersphere model")


# -- data ---------------------------------------------------------------------------------------------
def _is_exact_number(v: Any) -> bool:
    return (isinstance(v, (Integral, Fraction)) and not isinstance(v, bool)) or (
        isinstance(v, sympy.Basic) and v.is_number and not v.has(sympy.Float)
    )


def _data_is_exact(*arrays: Any) -> bool:
    for a in arrays:
        if isinstance(a, np.ndarray) and a.dtype != object:
            if not np.issubdtype(a.dtype, np.integer):
                return False
            continue
        if not all(_is_exact_number(v) for v in np.asarray(a, dtype=object).reshape(-1)):
            return False
    return True


def _samples(X: Any, n_inputs: int, exact: bool):
    """Samples as rows ``(N, n_inputs)``: exact SymPy numbers or floats."""
    array = np.asarray(X, dtype=object if exact else float)
    if array.ndim == 1 and n_inputs == 1:
        array = array.reshape(-1, 1)
    if array.ndim != 2 or array.shape[1] != n_inputs:
        raise InputError(f"expected data of shape (N, {n_inputs}) (or (N,) for one input), got {np.shape(X)}")
    return np.vectorize(to_sympy_number, otypes=[object])(array) if exact else array


def _targets(y: Any, n: int, exact: bool):
    array = np.asarray(y, dtype=object if exact else float).reshape(-1)
    if array.shape[0] != n:
        raise InputError(f"X has {n} samples but y has {array.shape[0]} targets")
    return [to_sympy_number(v) for v in array] if exact else array


REDUCTIONS: dict[str, Callable[[int], int]] = {"sum": lambda n: 1, "mean": lambda n: n}


def _reduction(reduction: str, n: int, exact: bool):
    if reduction not in REDUCTIONS:
        raise InputError(f"reduction must be one of {', '.join(REDUCTIONS)}, got {reduction!r}")
    divisor = REDUCTIONS[reduction](n)
    return sympy.Integer(divisor) if exact else float(divisor)


def squared_error(model: Model, X: Any, y: Any, reduction: str = "sum") -> Function:
    """The squared-error loss of ``model`` over the data, as a :class:`~symgrad.Function` of its parameters.

    Arguments:
        model: a :class:`Model`.
        X: ``(N,)`` for one input or ``(N, n_inputs)``; exact numbers (ints, fractions)
            give an exact loss, floats a float one.
        y: ``(N,)`` targets.
        reduction: ``"sum"`` (the chapter's ``Σ e_i²``) or ``"mean"`` (PyTorch's ``MSELoss``).

    Returns:
        a Function of ``model.parameters`` -- a quadratic built from sufficient
        statistics when the model is linear in its parameters.

    Example:
        >>> L = squared_error(LinearModel(), [1, 2, 3, 4, 5], [3, 5, 7, 9, 11])
        >>> L.at(w=sympy.Rational(3, 2), b=1), L.at(w=2, b=1)
        (55/4, 0)
    """
    exact = _data_is_exact(X, y)
    rows = _samples(X, len(model.inputs), exact)
    targets = _targets(y, rows.shape[0], exact)
    divisor = _reduction(reduction, rows.shape[0], exact)
    if model.features is not None:
        expr = _quadratic_from_statistics(model, rows, targets, exact) / divisor
    else:
        expr = _explicit_sum(model, rows, targets) / divisor
    return Function(sympy.expand(expr) if exact else expr, model.parameters)


def _quadratic_from_statistics(model: Model, rows, targets, exact: bool) -> sympy.Expr:
    theta = model.parameters
    if exact:
        Psi = model.design_matrix(rows, exact=True)
        t = sympy.Matrix(targets)
        G, h, c = Psi.T * Psi, Psi.T * t, (t.T * t)[0, 0]
    else:
        Psi = model.design_matrix(rows)
        t = np.asarray(targets, dtype=float)
        G, h, c = Psi.T @ Psi, Psi.T @ t, float(t @ t)
        G, h, c = sympy.Matrix(G.tolist()).applyfunc(sympy.Float), sympy.Matrix(h.tolist()).applyfunc(sympy.Float), sympy.Float(c)
    p = len(theta)
    quadratic = sum(G[i, i] * theta[i] ** 2 for i in range(p)) + sum(
        2 * G[i, j] * theta[i] * theta[j] for i in range(p) for j in range(i + 1, p)
    )
    return quadratic - 2 * sum(h[i] * theta[i] for i in range(p)) + c


def _explicit_sum(model: Model, rows, targets) -> sympy.Expr:
    if rows.shape[0] > MAX_EXPLICIT_SAMPLES:
        raise InputError(
            f"{model.name} is not linear in its parameters, so its loss is a sum over samples; {rows.shape[0]} samples "
            f"is more than {MAX_EXPLICIT_SAMPLES}: use a matrix-form loss (symgrad.models.MatrixLoss) instead"
        )
    return sympy.Add(*[(model.expr.xreplace(dict(zip(model.inputs, row))) - t) ** 2 for row, t in zip(rows, targets)])


def least_squares(model: Model, X: Any, y: Any) -> dict[str, Any]:
    """The closed-form least-squares parameters (normal equations ``ΨᵀΨ θ = Ψᵀy``).

    Returns:
        ``{parameter name: value}`` in parameter order; exact when the data are exact.

    Example:
        >>> least_squares(LinearModel(), [1, 2, 3, 4, 5], [3, 5, 7, 9, 11])
        {'w': 2, 'b': 1}
    """
    if model.features is None:
        raise InputError(f"{model.name} is not linear in its parameters: least squares has no closed form; use fit()")
    exact = _data_is_exact(X, y)
    rows = _samples(X, len(model.inputs), exact)
    targets = _targets(y, rows.shape[0], exact)
    names = [p.name for p in model.parameters]
    if exact:
        Psi = model.design_matrix(rows, exact=True)
        G = Psi.T * Psi
        if G.det() == 0:
            raise InputError("the normal equations are singular (too few distinct samples for this model); add data")
        theta = G.LUsolve(Psi.T * sympy.Matrix(targets))
        return dict(zip(names, theta))
    theta, *_ = np.linalg.lstsq(model.design_matrix(rows), np.asarray(targets, dtype=float), rcond=None)
    return dict(zip(names, (float(v) for v in theta)))


def fit(model: Model, X: Any, y: Any, method: str = "gradient_descent", *, start: Any = None, lr: Any = None,
        reduction: str = "mean", **options: Any) -> Trace | OptimizeResult:
    """Fit ``model`` to data with any optimizer of :mod:`symgrad.optimize`.

    Arguments:
        method: ``"gradient_descent"``, ``"momentum"``, ``"newton"`` or a SciPy method
            (``"BFGS"``, ``"Newton-CG"``, ``"trust-exact"``).
        start: the start point (default: zeros).
        lr: the learning rate; by default ``1/λmax`` (half the largest stable rate).
        options: passed on to the optimizer (``max_steps``, ``tol``, ``beta``...).

    Returns:
        a :class:`~symgrad.optimize.Trace` (for SciPy methods, the ``OptimizeResult`` with ``.trace``).
    """
    import symgrad.optimize as optimize

    loss = squared_error(model, X, y, reduction)
    start = start if start is not None else [0] * len(model.parameters)
    methods = {"gradient_descent": optimize.gradient_descent, "momentum": optimize.momentum}
    if method in methods:
        rate = lr if lr is not None else optimize.stable_learning_rate(loss, at=start) / 2
        return methods[method](loss, start, rate, **options)
    if method == "newton":
        return optimize.newton(loss, start, **options)
    max_steps, tol = options.pop("max_steps", None), options.pop("tol", None)
    scipy_options = {**options, **({"maxiter": int(max_steps)} if max_steps is not None else {})}
    return optimize.minimize(loss, start, method=method, tol=tol, options=scipy_options or None)
