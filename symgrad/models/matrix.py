"""Losses over a whole dataset in matrix form, and the linear classifier built on them.

How it works, once. A linear model scores all ``N`` samples at once,
``z = Xw + b1`` (``X`` is ``N × d``, one rasterized image per row). The chapter's
losses are **typed as a course writes them** (:data:`FORMULAS`:
``‖Xw + b − y‖²``, ``sum(softplus(Xw + b)) − yᵀ(Xw + b)``) and everything numeric
is **derived** from that text by the matrix engine (:mod:`symgrad.matrix`), each
derivative certified against torch autograd before use:

    ``∇_w L``, ``∂L/∂b``, ``H_ww = ∇²_w L``, ``H_wb = ∇_w (∂L/∂b)``, ``H_bb = ∂²L/∂b²``

(for least squares ``2Xᵀ(Xw + b − y)``, ``2XᵀX``; for the logistic loss
``Xᵀ(σ(Xw + b) − y)``, ``Xᵀdiag(σ ⊙ (1 − σ))X``), compiled into NumPy kernels that
take the data by name: two BLAS matrix-vector products per gradient, one weighted
Gram product per Hessian -- never a symbol per pixel or per sample. A Hessian
with no ``w`` or ``b`` in it (least squares) is computed once per dataset. The
hand-written closed forms live in the tests, as what the derived ones must equal.

The per-sample loss ``ℓ(z, t)`` (:data:`PER_SAMPLE_LOSSES`) is kept for one job:
Hessian-vector products ``Xᵀ(ℓ''(z) ⊙ Xv)`` in :meth:`MatrixLoss.largest_curvature`,
which never forms the ``d × d`` Hessian (``d = 50176`` for 224×224 images).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import cached_property, lru_cache
from typing import TYPE_CHECKING, Any

import numpy as np
import sympy

from ..errors import InputError

if TYPE_CHECKING:
    from ..function import Function
    from ..matexpr import Shape
    from ..matrix import Kernel
    from ..trace import Trace

__all__ = ["softplus", "sigmoid", "MatrixLoss", "least_squares_loss", "logistic_loss", "LinearClassifier", "rasterize",
           "FORMULAS", "derived"]


# -- scalar link functions with their derivative rules ------------------------------------------------
class sigmoid(sympy.Function):
    """``σ(z) = 1 / (1 + e^{−z})``; ``σ' = σ (1 − σ)``. Evaluated with ``scipy.special.expit``."""

    def fdiff(self, argindex: int = 1) -> sympy.Expr:
        s = sigmoid(self.args[0])
        return s * (1 - s)


class softplus(sympy.Function):
    """``softplus(z) = log(1 + e^z)``; ``softplus' = σ``. Evaluated with ``numpy.logaddexp(0, z)``."""

    def fdiff(self, argindex: int = 1) -> sympy.Expr:
        return sigmoid(self.args[0])


def _stable_modules() -> list[Any]:
    from scipy.special import expit

    return [{"sigmoid": expit, "softplus": lambda z: np.logaddexp(0, z)}, "numpy"]


_z, _t = sympy.Symbol("z", real=True), sympy.Symbol("t", real=True)

#: the chapter's losses in matrix notation: the single source of every derivative below
FORMULAS: dict[str, str] = {
    "least_squares": "||X w + b - y||^2",
    "logistic": "sum(softplus(X w + b)) - y^T (X w + b)",  # y in {0, 1}: binary cross-entropy of σ(Xw + b)
}
SHAPES: dict[str, Shape] = {"X": ("N", "d"), "w": "d", "y": "N"}

# per-sample losses ℓ(z, t): z is the model's score, t the target (Hessian-vector products only)
PER_SAMPLE_LOSSES: dict[str, sympy.Expr] = {
    "least_squares": (_z - _t) ** 2,
    "logistic": softplus(_z) - _t * _z,  # t in {0, 1}: −t log σ(z) − (1 − t) log(1 − σ(z))
}


class Derived:
    """One formula of :data:`FORMULAS`, differentiated and certified by the matrix engine, with NumPy kernels."""

    function: Function
    expr: sympy.Basic
    gradient_w: sympy.Basic
    gradient_b: sympy.Basic
    hessian_ww: sympy.Basic
    hessian_wb: sympy.Basic
    hessian_bb: sympy.Basic
    kernels: dict[str, Kernel]
    constant_hessian: bool

    def __init__(self, name: str):
        from ..function import Function
        from ..matrix import Kernel, matrix_gradient

        f = Function(FORMULAS[name], shapes=SHAPES, variables=["w", "b"])
        w, b = f.variables
        self.function = f
        self.expr, self.gradient_w, self.gradient_b = f.expr, f.gradient("w"), f.gradient("b")
        self.hessian_ww = f.hessian("w")
        self.hessian_wb = matrix_gradient(self.gradient_b, w)  # certified
        self.hessian_bb = matrix_gradient(self.gradient_b, b)
        parts = {"value": self.expr, "gradient_w": self.gradient_w, "gradient_b": self.gradient_b,
                 "hessian_ww": self.hessian_ww, "hessian_wb": self.hessian_wb, "hessian_bb": self.hessian_bb}
        self.kernels = {k: Kernel(e, "numpy", (self.expr,)) for k, e in parts.items()}
        self.constant_hessian = not any({w, b} & _symbols_of(e) for k, e in parts.items() if k.startswith("hessian"))


def _symbols_of(expr: sympy.Basic) -> set[sympy.Basic]:
    return set(expr.free_symbols) | set(expr.atoms(sympy.MatrixSymbol))


@lru_cache(maxsize=None)
def derived(name: str) -> Derived:
    """The derived forms of ``FORMULAS[name]`` (derived and certified once per process)."""
    return Derived(name)


# -- the matrix loss ---------------------------------------------------------------------------------------
class MatrixLoss:
    """``L(w, b) = Σ_i ℓ(x_iᵀw + b, y_i)`` (or the mean), its gradient and Hessian derived from :data:`FORMULAS`.

    Parameters are one vector ``θ = (w_0, ..., w_{d-1}, b)`` of length ``d + 1``.

    Arguments:
        per_sample: the name of a loss in :data:`FORMULAS` (or its per-sample ``ℓ(z, t)`` of :data:`PER_SAMPLE_LOSSES`).
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

    X: np.ndarray
    y: np.ndarray
    name: str
    reduction: str
    per_sample: sympy.Expr
    derived: Derived
    second: sympy.Expr
    N: int
    d: int
    n: int
    dtype: np.dtype[Any]
    constant_curvature: bool
    _second: Callable[..., Any]

    def __init__(self, per_sample: sympy.Expr | str, X: Any, y: Any, reduction: str = "sum", name: str | None = None):
        key = _loss_name(per_sample)
        if reduction not in ("sum", "mean"):
            raise InputError(f"reduction must be 'sum' or 'mean', got {reduction!r}")
        self.X = _as_data(X)
        self.y = np.asarray(y, dtype=self.X.dtype).reshape(-1)
        if self.y.shape[0] != self.X.shape[0]:
            raise InputError(f"X has {self.X.shape[0]} samples but y has {self.y.shape[0]} targets")
        self.name = name or key
        self.reduction = reduction
        self.per_sample = PER_SAMPLE_LOSSES[key]
        self.derived = derived(key)
        self.second = sympy.diff(self.per_sample, _z, 2)
        self.N, self.d = self.X.shape
        self.n = self.d + 1
        self.dtype = self.X.dtype
        self._scale = 1.0 / self.N if reduction == "mean" else 1.0
        self._second = sympy.lambdify((_z, _t), self.second, modules=_stable_modules())
        self.constant_curvature = self.derived.constant_hessian

    # -- display -----------------------------------------------------------------------------------
    @property
    def variables(self) -> tuple[str, ...]:
        """Parameter names ``w0 ... w{d-1}, b`` (θ's coordinates)."""
        return (*(f"w{i}" for i in range(self.d)), "b")

    @property
    def expr(self) -> sympy.Expr:
        """The loss as typed in :data:`FORMULAS`, read into matrix symbols ``X, y, w, b``."""
        return self.derived.expr

    @property
    def gradient_expr(self) -> sympy.Basic:
        """``∇_w L``, derived by the matrix engine and certified."""
        return self.derived.gradient_w

    @property
    def hessian_expr(self) -> sympy.Basic:
        """``H_ww = ∇²_w L``, derived by the matrix engine and certified."""
        return self.derived.hessian_ww

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "N": self.N, "d": self.d, "reduction": self.reduction,
                "formula": FORMULAS[_loss_name(self.per_sample)], "per_sample": str(self.per_sample),
                "expr": str(self.expr), "gradient": str(self.gradient_expr), "hessian": str(self.hessian_expr),
                "dtype": str(self.dtype)}

    def __repr__(self) -> str:
        return f"<MatrixLoss {self.name}: N={self.N}, d={self.d}, {self.reduction}>"

    # -- numbers -------------------------------------------------------------------------------------
    def _split(self, theta: Any) -> tuple[np.ndarray, Any]:
        theta = np.asarray(theta).reshape(-1)
        if theta.shape[0] != self.n:
            raise InputError(f"θ must have d + 1 = {self.n} entries (w then b), got {theta.shape[0]}")
        return theta[: self.d].astype(self.dtype, copy=False), self.dtype.type(theta[self.d])

    def _data(self, theta: Any) -> dict[str, Any]:
        w, b = self._split(theta)
        return {"X": self.X, "y": self.y, "w": w, "b": b}

    def _run(self, kernel: str, data: dict[str, Any]) -> Any:
        return self.derived.kernels[kernel](data)

    def scores(self, theta: Any) -> np.ndarray:
        """``z = Xw + b`` for every sample."""
        w, b = self._split(theta)
        return self.X @ w + b

    def value(self, theta: Any) -> float:
        """``L(θ)`` from the typed formula's kernel."""
        return float(self._run("value", self._data(theta)) * self._scale)

    def value_and_gradient(self, theta: Any) -> tuple[float, np.ndarray]:
        """``(L, ∇L)`` from the derived ``∇_w L`` and ``∂L/∂b`` in one pass: ``z = Xw + b`` once, ``Xᵀ(·)`` once."""
        d = self.derived
        value, gradient_w, gradient_b = d.kernels["value"].together(self._data(theta), d.gradient_w, d.gradient_b)
        scale = self.dtype.type(self._scale)
        grad = np.empty(self.n, dtype=self.dtype)
        grad[: self.d] = np.asarray(gradient_w).reshape(-1) * scale
        grad[self.d] = gradient_b * scale
        return float(value * self._scale), grad

    def gradient(self, theta: Any) -> np.ndarray:
        """``∇L(θ)``, shape ``(d + 1,)``."""
        return self.value_and_gradient(theta)[1]

    def _curvatures(self, theta: Any) -> np.ndarray:
        if self.constant_curvature:
            return np.full(self.N, float(self.second), dtype=self.dtype)
        return np.asarray(self._second(self.scores(theta), self.y), dtype=self.dtype)

    @cached_property
    def _constant_hessian(self) -> np.ndarray:
        return self._assembled(self._data(np.zeros(self.n)))

    def _assembled(self, data: dict[str, Any]) -> np.ndarray:
        H = np.empty((self.n, self.n), dtype=self.dtype)
        H[: self.d, : self.d] = self._run("hessian_ww", data)
        H[: self.d, self.d] = H[self.d, : self.d] = np.asarray(self._run("hessian_wb", data)).reshape(-1)
        H[self.d, self.d] = self._run("hessian_bb", data)
        return H * self.dtype.type(self._scale)

    def hessian(self, theta: Any = None) -> np.ndarray:
        """The ``(d + 1) × (d + 1)`` Hessian from the derived blocks; cached when it is constant (least squares)."""
        if self.constant_curvature:
            return self._constant_hessian
        return self._assembled(self._data(theta))

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


def _loss_name(per_sample: sympy.Expr | str) -> str:
    for name, expr in PER_SAMPLE_LOSSES.items():
        if per_sample == name or per_sample == expr:
            return name
    raise InputError(f"unknown loss {per_sample!r}; choose one of {', '.join(FORMULAS)} (each is derived from its "
                     "matrix formula in symgrad.models.matrix.FORMULAS)")


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

    loss: str
    lr: float | str
    max_steps: int
    tol: float
    standardize: bool
    # set by fit()
    classes_: np.ndarray
    mean_: np.ndarray
    scale_: float
    loss_: MatrixLoss
    trace_: Trace
    coef_: np.ndarray
    intercept_: float

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
