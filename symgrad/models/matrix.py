"""Losses over a whole dataset in matrix form, and the linear classifier built on them.

How it works, once. A linear model scores all ``N`` samples at once,
``z = Xw + b1`` (``X`` is ``N × d``, one rasterized image per row). A loss is a
per-sample function ``ℓ(z, t)`` summed (or averaged) over the samples:

    ``L(w, b) = 1ᵀ ℓ.(Xw + b1, y)``.

SymPy differentiates the *scalar* ``ℓ`` twice (``ℓ'``, ``ℓ''``; the logistic loss
uses :class:`softplus` and :class:`sigmoid`, whose derivative rules are data on
the two classes), and the chain rule through ``z = Xw + b1`` gives the closed
matrix forms

    ``∇_w L = Xᵀ ℓ'.(z)``,  ``∂L/∂b = 1ᵀ ℓ'.(z)``,
    ``H_ww = Xᵀ diag(ℓ''.(z)) X``,  ``H_wb = Xᵀ ℓ''.(z)``,  ``H_bb = 1ᵀ ℓ''.(z)``.

For least squares ``ℓ = (z − t)²`` they read ``∇ = 2Xᵀ(Xw + b − y)``, ``H = 2XᵀX``
(SymPy's matrix calculus derives the same from the :class:`~sympy.MatrixSymbol`
expression, shown in :attr:`MatrixLoss.gradient_expr`); ``ℓ''`` has no ``z`` in it,
so the Hessian is known symbolically to be constant and is computed once per
dataset. Evaluation is two BLAS matrix-vector products per gradient and one
``syrk`` per Hessian -- never a symbol per pixel or per sample.
"""

from __future__ import annotations

import math
from functools import cached_property
from typing import Any

import numpy as np
import sympy
from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction

from ..errors import InputError

__all__ = ["softplus", "sigmoid", "MatrixLoss", "least_squares_loss", "logistic_loss", "LinearClassifier", "rasterize"]


# -- scalar link functions with their derivative rules ------------------------------------------------
class sigmoid(sympy.Function):
    """``σ(z) = 1 / (1 + e^{−z})``; ``σ' = σ (1 − σ)``. Evaluated with ``scipy.special.expit``."""

    def fdiff(self, argindex: int = 1):
        s = sigmoid(self.args[0])
        return s * (1 - s)


class softplus(sympy.Function):
    """``softplus(z) = log(1 + e^z)``; ``softplus' = σ``. Evaluated with ``numpy.logaddexp(0, z)``."""

    def fdiff(self, argindex: int = 1):
        return sigmoid(self.args[0])


def _stable_modules() -> list:
    from scipy.special import expit

    return [{"sigmoid": expit, "softplus": lambda z: np.logaddexp(0, z)}, "numpy"]


_z, _t = sympy.Symbol("z", real=True), sympy.Symbol("t", real=True)

# per-sample losses ℓ(z, t): z is the model's score, t the target
PER_SAMPLE_LOSSES: dict[str, sympy.Expr] = {
    "least_squares": (_z - _t) ** 2,
    "logistic": softplus(_z) - _t * _z,  # t in {0, 1}: −t log σ(z) − (1 − t) log(1 − σ(z))
}


# -- the matrix loss ---------------------------------------------------------------------------------------
class MatrixLoss:
    """``L(w, b) = Σ_i ℓ(x_iᵀw + b, y_i)`` (or the mean) with closed-form gradient and Hessian.

    Parameters are one vector ``θ = (w_0, ..., w_{d-1}, b)`` of length ``d + 1``.

    Arguments:
        per_sample: ``ℓ(z, t)`` in the symbols ``z`` and ``t`` of :data:`PER_SAMPLE_LOSSES`, or its name.
        X: ``(N, d)`` data (float32 or float64; kept as given, not copied).
        y: ``(N,)`` targets.
        reduction: ``"sum"`` or ``"mean"``.

    Example:
        >>> L = least_squares_loss(np.array([[1.0], [2.0]]), np.array([3.0, 5.0]))
        >>> L.gradient_expr
        2*X.T*(b*1 + X*w - y)
        >>> L.value_and_gradient(np.array([2.0, 1.0]))[0]
        0.0
    """

    def __init__(self, per_sample: sympy.Expr | str, X: Any, y: Any, reduction: str = "sum", name: str | None = None):
        if isinstance(per_sample, str):
            if per_sample not in PER_SAMPLE_LOSSES:
                raise InputError(f"unknown loss {per_sample!r}; choose one of {', '.join(PER_SAMPLE_LOSSES)}")
            name, per_sample = name or per_sample, PER_SAMPLE_LOSSES[per_sample]
        if reduction not in ("sum", "mean"):
            raise InputError(f"reduction must be 'sum' or 'mean', got {reduction!r}")
        self.X = _as_data(X)
        self.y = np.asarray(y, dtype=self.X.dtype).reshape(-1)
        if self.y.shape[0] != self.X.shape[0]:
            raise InputError(f"X has {self.X.shape[0]} samples but y has {self.y.shape[0]} targets")
        self.name = name or "loss"
        self.reduction = reduction
        self.per_sample = per_sample
        self.first = sympy.diff(per_sample, _z)
        self.second = sympy.diff(self.first, _z)
        self.N, self.d = self.X.shape
        self.n = self.d + 1
        self.dtype = self.X.dtype
        self._scale = 1.0 / self.N if reduction == "mean" else 1.0
        modules = _stable_modules()
        self._value = sympy.lambdify((_z, _t), per_sample, modules=modules)
        self._first = sympy.lambdify((_z, _t), self.first, modules=modules)
        self._second = sympy.lambdify((_z, _t), self.second, modules=modules)
        self.constant_curvature = not (self.second.free_symbols & {_z, _t})

    # -- display -----------------------------------------------------------------------------------
    @cached_property
    def _symbols(self):
        N, d = sympy.Symbol("N", integer=True, positive=True), sympy.Symbol("d", integer=True, positive=True)
        return (sympy.MatrixSymbol("X", N, d), sympy.MatrixSymbol("y", N, 1), sympy.MatrixSymbol("w", d, 1),
                sympy.Symbol("b", real=True), sympy.OneMatrix(N, 1))

    @property
    def variables(self) -> tuple[str, ...]:
        """Parameter names ``w0 ... w{d-1}, b`` (θ's coordinates)."""
        return (*(f"w{i}" for i in range(self.d)), "b")

    @cached_property
    def expr(self) -> sympy.Expr:
        """The loss as an expression in the matrix symbols ``X, y, w, b``."""
        X, y, w, b, one = self._symbols
        z = X * w + b * one
        if self.per_sample == PER_SAMPLE_LOSSES["least_squares"]:
            r = z - y
            return r.T * r
        p, q = self.per_sample.subs(_t, 0), sympy.diff(self.per_sample, _t)
        return one.T * ElementwiseApplyFunction(sympy.Lambda(_z, p), z) + (-(y.T * z) if q == -_z else 0)

    @cached_property
    def gradient_expr(self) -> sympy.Expr:
        """``∇_w L`` in matrix symbols (by SymPy's matrix calculus for least squares, chain rule otherwise)."""
        X, y, w, b, one = self._symbols
        if self.per_sample == PER_SAMPLE_LOSSES["least_squares"]:
            return self.expr.diff(w)
        return X.T * self._elementwise(self.first)

    @cached_property
    def hessian_expr(self) -> sympy.Expr:
        """``H_ww`` in matrix symbols: ``c XᵀX`` for constant curvature, ``Xᵀ diag(ℓ''.(z)) X`` otherwise."""
        X, y, w, b, one = self._symbols
        if self.per_sample == PER_SAMPLE_LOSSES["least_squares"]:
            return self.gradient_expr.diff(w)
        if self.constant_curvature:
            return self.second * X.T * X
        from sympy.matrices.expressions.diagonal import DiagMatrix

        return X.T * DiagMatrix(self._elementwise(self.second)) * X

    def _elementwise(self, expr: sympy.Expr) -> sympy.Expr:
        X, y, w, b, one = self._symbols
        z = X * w + b * one
        p, q = expr.subs(_t, 0), sympy.diff(expr, _t)
        part = ElementwiseApplyFunction(sympy.Lambda(_z, p), z) if p.has(_z) else p * one
        return part + q * y if q != 0 and not q.free_symbols else part

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "N": self.N, "d": self.d, "reduction": self.reduction,
                "per_sample": str(self.per_sample), "expr": str(self.expr), "gradient": str(self.gradient_expr),
                "hessian": str(self.hessian_expr), "dtype": str(self.dtype)}

    def __repr__(self) -> str:
        return f"<MatrixLoss {self.name}: N={self.N}, d={self.d}, {self.reduction}>"

    # -- numbers -------------------------------------------------------------------------------------
    def _split(self, theta: Any):
        theta = np.asarray(theta).reshape(-1)
        if theta.shape[0] != self.n:
            raise InputError(f"θ must have d + 1 = {self.n} entries (w then b), got {theta.shape[0]}")
        return theta[: self.d].astype(self.dtype, copy=False), self.dtype.type(theta[self.d])

    def scores(self, theta: Any) -> np.ndarray:
        """``z = Xw + b`` for every sample."""
        w, b = self._split(theta)
        return self.X @ w + b

    def value(self, theta: Any) -> float:
        """``L(θ)``."""
        return float(np.sum(self._value(self.scores(theta), self.y)) * self._scale)

    def value_and_gradient(self, theta: Any):
        """``(L, ∇L)`` with ``∇_w = Xᵀ ℓ'(z)`` and ``∂_b = Σ ℓ'(z)``: two matrix-vector products."""
        z = self.scores(theta)
        value = float(np.sum(self._value(z, self.y)) * self._scale)
        r = np.asarray(self._first(z, self.y), dtype=self.dtype) * self.dtype.type(self._scale)
        grad = np.empty(self.n, dtype=self.dtype)
        grad[: self.d] = r @ self.X
        grad[self.d] = r.sum()
        return value, grad

    def gradient(self, theta: Any) -> np.ndarray:
        """``∇L(θ)``, shape ``(d + 1,)``."""
        return self.value_and_gradient(theta)[1]

    def _curvatures(self, theta: Any) -> np.ndarray:
        if self.constant_curvature:
            return np.full(self.N, float(self.second), dtype=self.dtype)
        return np.asarray(self._second(self.scores(theta), self.y), dtype=self.dtype)

    @cached_property
    def _constant_hessian(self) -> np.ndarray:
        return self._weighted_gram(np.full(self.N, float(self.second), dtype=self.dtype))

    def _weighted_gram(self, s: np.ndarray) -> np.ndarray:
        H = np.empty((self.n, self.n), dtype=self.dtype)
        if np.all(s >= 0):
            root = np.sqrt(s)
            Xs = self.X * root[:, None]
            H[: self.d, : self.d] = Xs.T @ Xs  # numpy uses syrk for A.T @ A
        else:
            H[: self.d, : self.d] = (self.X * s[:, None]).T @ self.X
        H[: self.d, self.d] = H[self.d, : self.d] = s @ self.X
        H[self.d, self.d] = s.sum()
        return H * self.dtype.type(self._scale)

    def hessian(self, theta: Any = None) -> np.ndarray:
        """The ``(d + 1) × (d + 1)`` Hessian; cached when the curvature is constant (least squares)."""
        if self.constant_curvature:
            return self._constant_hessian
        return self._weighted_gram(self._curvatures(theta))

    def largest_curvature(self, theta: Any = None, iterations: int = 100, rtol: float = 1e-6) -> float:
        """``λmax`` of the Hessian at ``θ`` (zeros by default) by power iteration on Hessian-vector products."""
        theta = np.zeros(self.n) if theta is None else theta
        s = self._curvatures(theta).astype(np.float64)
        X = self.X
        rng = np.random.default_rng(0)
        v = rng.standard_normal(self.n)
        v /= np.linalg.norm(v)
        lam = 0.0
        for _ in range(iterations):
            u = s * (X @ v[: self.d].astype(self.dtype) + v[self.d])
            Hv = np.concatenate([u @ X, [u.sum()]]).astype(np.float64) * self._scale
            new = float(np.linalg.norm(Hv))
            if new == 0:
                return 0.0
            v = Hv / new
            if abs(new - lam) <= rtol * new:
                return new
            lam = new
        return lam


def _as_data(X: Any) -> np.ndarray:
    if hasattr(X, "detach"):
        X = X.detach().cpu().numpy()
    X = np.asarray(X)
    if X.ndim != 2:
        raise InputError(f"X must be a 2-D array (N samples × d features), got shape {X.shape}; rasterize images first")
    if not np.issubdtype(X.dtype, np.floating):
        X = X.astype(np.float64)
    return X


def least_squares_loss(X: Any, y: Any, reduction: str = "sum") -> MatrixLoss:
    """``‖Xw + b − y‖²`` (or its mean): ``∇ = 2Xᵀ(Xw + b − y)``, ``H = 2XᵀX``."""
    return MatrixLoss("least_squares", X, y, reduction)


def logistic_loss(X: Any, y: Any, reduction: str = "sum") -> MatrixLoss:
    """Binary cross-entropy of ``σ(Xw + b)``; labels in ``{0, 1}`` or ``{−1, +1}`` (−1 is read as 0)."""
    labels = np.asarray(y).reshape(-1)
    values = set(np.unique(labels).tolist())
    if not values <= {0, 1, -1}:
        raise InputError(f"logistic loss needs labels in {{0, 1}} or {{-1, +1}}, got {sorted(values)[:5]}")
    return MatrixLoss("logistic", X, (labels > 0).astype(float), reduction)


# -- images and the classifier -------------------------------------------------------------------------------
def rasterize(image: Any) -> np.ndarray:
    """Unroll an image row by row (left to right, top to bottom) into a vector.

    A ``(H, W)`` image gives ``(H·W,)`` with ``x[i·W + j] = X[i, j]``; a batch
    ``(N, H, W)`` gives ``(N, H·W)``.

    Example:
        >>> rasterize([[255, 128, 50], [180, 220, 10], [75, 5, 200]]).tolist()
        [255, 128, 50, 180, 220, 10, 75, 5, 200]
    """
    if hasattr(image, "detach"):
        image = image.detach().cpu().numpy()
    array = np.asarray(image)
    if array.ndim == 2:
        return np.ascontiguousarray(array).reshape(-1)
    if array.ndim == 3:
        return np.ascontiguousarray(array).reshape(array.shape[0], -1)
    raise InputError(f"rasterize takes an (H, W) image or an (N, H, W) batch, got shape {array.shape}")


class LinearClassifier:
    """``sign(wᵀx + b)`` trained by full-batch gradient descent on a matrix-form loss.

    Arguments:
        loss: ``"logistic"`` or ``"least_squares"`` (targets ±1).
        lr: a learning rate, or ``"auto"`` for ``1/λmax`` of the loss Hessian (half the stable limit).
        max_steps, tol: passed to :func:`symgrad.optimize.gradient_descent`.
        standardize: centre each feature and divide by the overall standard deviation before
            training (raw pixels share a large mean, which makes ``λmax`` huge and the
            discriminating directions slow: see :func:`symgrad.optimize.predicted_steps`);
            ``coef_`` and ``intercept_`` are mapped back to raw inputs.

    Example:
        >>> rng = np.random.default_rng(0)
        >>> X = np.vstack([rng.normal(-1, 0.3, (20, 4)), rng.normal(1, 0.3, (20, 4))])
        >>> clf = LinearClassifier(max_steps=50).fit(X, [0] * 20 + [1] * 20)
        >>> float(clf.score(X, [0] * 20 + [1] * 20))
        1.0
    """

    def __init__(self, loss: str = "logistic", lr: float | str = "auto", max_steps: int = 100, tol: float = 1e-6,
                 standardize: bool = True):
        if loss not in PER_SAMPLE_LOSSES:
            raise InputError(f"unknown loss {loss!r}; choose one of {', '.join(PER_SAMPLE_LOSSES)}")
        self.loss, self.lr, self.max_steps, self.tol, self.standardize = loss, lr, max_steps, tol, standardize

    def _features(self, X: Any) -> np.ndarray:
        array = np.asarray(X.detach().cpu().numpy() if hasattr(X, "detach") else X)
        return _as_data(rasterize(array) if array.ndim == 3 else array)

    def fit(self, X: Any, y: Any) -> LinearClassifier:
        """Train on ``X`` (``(N, d)`` or images ``(N, H, W)``) and two-valued labels ``y``."""
        from ..optimize import gradient_descent

        data = self._features(X)
        labels = np.asarray(y).reshape(-1)
        classes = np.unique(labels)
        if classes.size != 2:
            raise InputError(f"a binary classifier needs exactly two label values, got {classes.size}: {classes[:5]}")
        self.classes_ = classes
        positive = labels == classes[1]
        targets = positive.astype(float) if self.loss == "logistic" else np.where(positive, 1.0, -1.0)
        self.mean_ = data.mean(axis=0) if self.standardize else np.zeros(data.shape[1], data.dtype)
        self.scale_ = (float(data.std()) or 1.0) if self.standardize else 1.0
        if self.standardize:
            data = (data - self.mean_) / data.dtype.type(self.scale_)
        self.loss_ = MatrixLoss(self.loss, data, targets, "mean")
        rate = 1.0 / self.loss_.largest_curvature() if self.lr == "auto" else float(self.lr)
        start = np.zeros(self.loss_.n, dtype=data.dtype)
        self.trace_ = gradient_descent(self.loss_, start, rate, self.max_steps, tol=self.tol, keep_path=False)
        final = np.asarray(self.trace_.final, dtype=data.dtype)
        self.coef_ = final[:-1] / final.dtype.type(self.scale_)
        self.intercept_ = float(final[-1]) - float(self.coef_.astype(np.float64) @ self.mean_.astype(np.float64))
        return self

    def decision_function(self, X: Any) -> np.ndarray:
        """``wᵀx + b`` per sample: its sign is the class."""
        return self._features(X) @ self.coef_.astype(np.result_type(self.coef_, np.float32)) + self.intercept_

    def predict(self, X: Any) -> np.ndarray:
        """The class of each sample: ``classes_[1]`` where ``wᵀx + b > 0``."""
        return np.where(self.decision_function(X) > 0, self.classes_[1], self.classes_[0])

    def score(self, X: Any, y: Any) -> float:
        """Fraction of samples classified correctly."""
        return float(np.mean(self.predict(X) == np.asarray(y).reshape(-1)))
