"""Gradient descent, momentum, Newton's method and a SciPy bridge, all returning a :class:`Trace`.

How it works, once:

1. The function to minimise is wrapped in an *objective* that returns
   ``(loss, gradient)`` at a point (and the Hessian when asked). There is one
   objective per arithmetic, chosen from the table :data:`OBJECTIVES`:

   * ``"exact"`` -- SymPy substitution into the symbolic gradient; used when the
     function, the start point and the learning rate are exact (ints, fractions, Rationals), so
     one step from ``(3, 4)`` with ``η = 1/10`` gives exactly ``(9/5, 8/5)``;
   * ``"numpy"`` -- the symbolic value and gradient lambdified *once* into one
     scalar kernel over Python floats (with shared subexpressions), so a step costs
     a few microseconds and no array is built per step;
   * ``"torch"`` -- the compiled torch callables of :mod:`symgrad.backends`;
   * any object with ``value_and_gradient(x)`` and ``hessian(x)`` (a
     :class:`symgrad.models.MatrixLoss`) is used as it is.

2. One loop (:func:`_descend`) applies an update rule (a small function per
   method) and checks the chapter's three stopping criteria -- loss below a
   threshold, gradient near zero, step limit -- plus divergence: an overflow or a
   NaN, a loss that has risen at every one of the last ``patience`` steps to a
   million times its start (more than ``10⁶·max(|L₀|, 1)`` above it), or a gradient that has grown at
   every one of them to a million times its start (a loss falling without bound). A diverged run records
   the step where the rise began and advice computed from the local Hessian (``η`` against ``2/λmax``).
   A rise that stays bounded is not divergence: an overshoot that lands in a
   flatter region and settles into a *2-cycle* (``x_k ≈ x_{k-2}`` and
   ``x_{k-1} ≈ x_{k-3}`` to 10⁻⁶ of the jump between them) stops as
   ``"oscillating"``; a run that is still rising above its start at the step
   limit stops as ``"max_steps"`` with advice saying it may be diverging.

3. :func:`stable_learning_rate` and :func:`predicted_steps` read the Hessian's
   eigenvalues: gradient descent on a quadratic shrinks the error along
   eigenvector ``i`` by ``|1 - η λ_i|`` per step, so it is stable iff
   ``η < 2/λmax`` and the slowest direction needs ``ln(tol)/ln|1 - η λ_i|`` steps.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from fractions import Fraction
from numbers import Integral
from typing import Any

import numpy as np
import sympy

from .errors import InputError
from .function import Function, as_function, to_sympy_number
from .scipy_minimize import SCIPY_METHODS, minimize
from .trace import STOP_REASONS, Trace  # re-exported: symgrad.optimize.Trace and STOP_REASONS still work

__all__ = [
    "Trace",
    "StepPrediction",
    "STOP_REASONS",
    "gradient_descent",
    "momentum",
    "newton",
    "minimize",
    "stable_learning_rate",
    "predicted_steps",
]

#: a loss counts as diverged once it rose at every one of the last ``patience`` steps to more than
#: ``DIVERGED_GROWTH * max(|L0|, 1)`` above its start ``L0`` (a bounded overshoot stays far below)
DIVERGED_GROWTH = 1e6
#: a 2-cycle: the point two steps back is within this fraction of the jump between the last two points
CYCLE_RTOL = 1e-6


@dataclass(frozen=True)
class StepPrediction:
    """How fast gradient descent with rate ``lr`` shrinks the error, direction by direction.

    Attributes:
        lr, tol: the learning rate and the factor by which the error must shrink.
        eigenvalues: Hessian eigenvalues (ascending), floats.
        eigenvectors: the matching unit eigenvectors, as rows.
        rates: ``|1 - lr λ_i|``, the factor the error along each direction shrinks per step.
        steps_per_direction: ``ceil(ln tol / ln rate_i)`` (``None`` where the rate is >= 1).
        steps: the largest of those (``None`` when some direction does not converge).
        slowest: index of the direction that needs the most steps (or that diverges).
        stable_lr: ``2/λmax``.
        reason: one sentence saying which direction limits convergence and why.
    """

    lr: float
    tol: float
    eigenvalues: tuple[float, ...]
    eigenvectors: tuple[tuple[float, ...], ...]
    rates: tuple[float, ...]
    steps_per_direction: tuple[int | None, ...]
    steps: int | None
    slowest: int
    stable_lr: float
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


# -- objectives ---------------------------------------------------------------------------------
class _ExactObjective:
    """Exact SymPy arithmetic: substitute the point into the symbolic gradient."""

    exact = True

    def __init__(self, f: Function):
        self.f = f
        self.n = f.n
        self.variables = f.variables

    def start(self, point) -> tuple:
        return tuple(self.f.vector(point))

    def value_and_gradient(self, x: tuple):
        mapping = dict(zip(self.variables, x))
        return self.f.expr.xreplace(mapping), tuple(self.f.gradient().xreplace(mapping))

    def hessian(self, x: tuple):
        return self.f.hessian().xreplace(dict(zip(self.variables, x)))

    @staticmethod
    def norm(g) -> float:
        return math.sqrt(sum(float(c) ** 2 for c in g))

    def solve(self, H, g):
        return tuple(sympy.Matrix(H).LUsolve(sympy.Matrix(g)))

    def hessian_float(self, x) -> np.ndarray:
        return np.array(self.hessian(x).evalf(), dtype=float)


_FLOAT_KERNELS: dict[tuple[Any, ...], Callable[..., Any]] = {}  # (expr, variables) -> lambdified (value, *gradient), small FIFO


class _FloatObjective:
    """Floats: value and gradient lambdified once into one kernel over Python floats."""

    exact = False

    def __init__(self, f: Function):
        from .backends import prepare_for_numerics

        self.f = f
        self.n = f.n
        self.variables = f.variables
        self._compiled = None
        self._point = self._compiled_kernel()
        if self._point is not None:
            return
        key = (f.expr, f.variables)
        if key not in _FLOAT_KERNELS:
            if len(_FLOAT_KERNELS) >= 128:
                _FLOAT_KERNELS.pop(next(iter(_FLOAT_KERNELS)))
            exprs = [prepare_for_numerics(e) for e in (f.expr, *f.gradient())]
            _FLOAT_KERNELS[key] = sympy.lambdify(list(f.variables), exprs, modules=["math", "numpy"], cse=True)
        self._kernel = _FLOAT_KERNELS[key]

    def _compiled_kernel(self):
        """The compiled NumPy kernels' one-point value and gradient (:mod:`symgrad.kernels`), or None.

        Built in about a millisecond from SymEngine's derivatives, where
        lambdifying the SymPy gradient takes 0.1–1 s for a Rosenbrock of 10–100
        variables; a step then costs a few microseconds either way. A quadratic
        keeps the lambdified kernel: gradient descent on it runs the affine
        path in chunks (:func:`_quadratic_descent`), whose steps must round
        exactly like the step-by-step loop's.
        """
        if _cached_quadratic(self.f) is not None:
            return None
        self._compiled = self.f.compile("numpy")
        fast = self._compiled._fast
        return fast.point_value_and_gradient() if hasattr(fast, "point_value_and_gradient") else None

    def start(self, point) -> np.ndarray:
        if _plain_numbers(point, self.n):  # floats and ints as they are (what f.vector would give, without SymPy)
            return np.array(point, dtype=float).reshape(self.n)
        return np.array([float(v) for v in self.f.vector(point)], dtype=float)

    def value_and_gradient(self, x: np.ndarray):
        if self._point is not None:
            value, grad = self._point(x)
            return float(value), grad
        try:
            out = self._kernel(*x.tolist())
        except (OverflowError, ValueError, ZeroDivisionError):
            return math.inf, np.full(self.n, math.nan)
        return float(out[0]), np.array(out[1:], dtype=float)

    def hessian_float(self, x: np.ndarray) -> np.ndarray:
        if self._compiled is None:
            self._compiled = self.f.compile("numpy")
        return np.asarray(self._compiled.hessian(np.asarray(x, dtype=float)), dtype=float)

    hessian = hessian_float

    @staticmethod
    def norm(g) -> float:
        return float(np.sqrt(np.dot(g, g))) if np.all(np.isfinite(g)) else math.nan

    @staticmethod
    def solve(H, g):
        return np.linalg.solve(H, g)


def _plain_numbers(point: Any, n: int) -> bool:
    """True for a flat list, tuple or 1-d array of ``n`` Python/NumPy floats and ints (no bools)."""
    if isinstance(point, np.ndarray):
        return point.shape == (n,) and point.dtype.kind in "fi"
    return isinstance(point, (list, tuple)) and len(point) == n and all(
        type(v) in (float, int) or isinstance(v, (np.floating, np.integer)) for v in point
    )


class _TorchObjective(_FloatObjective):
    """Floats through the compiled torch callables (float64 tensors)."""

    def __init__(self, f: Function):
        self.f = f
        self.n = f.n
        self.variables = f.variables
        self._torch_compiled = f.compile("torch")
        self._compiled = None

    def value_and_gradient(self, x: np.ndarray):
        from .backends import import_torch

        torch = import_torch()
        value, grad = self._torch_compiled.value_and_gradient(torch.as_tensor(x, dtype=torch.float64))
        return float(value), grad.detach().cpu().numpy().astype(float)


class _ArrayObjective:
    """An object that already evaluates itself (e.g. a matrix-form loss): used as it is."""

    exact = False

    def __init__(self, loss: Any):
        self.f = loss
        self.n = loss.n
        self.variables = tuple(loss.variables)

    def start(self, point) -> np.ndarray:
        x = np.asarray(point, dtype=self.f.dtype if hasattr(self.f, "dtype") else float).reshape(-1)
        if x.size != self.n:
            raise InputError(f"the start point has {x.size} coordinates, but the loss has {self.n} parameters")
        return x.copy()

    def value_and_gradient(self, x):
        value, grad = self.f.value_and_gradient(x)
        return float(value), grad

    def hessian_float(self, x) -> np.ndarray:
        return np.asarray(self.f.hessian(x), dtype=float)

    hessian = hessian_float

    def largest_curvature(self, x) -> float:
        return float(self.f.largest_curvature(x))

    norm = staticmethod(_FloatObjective.norm)
    solve = staticmethod(_FloatObjective.solve)


OBJECTIVES: dict[str, Callable[[Function], Any]] = {
    "exact": _ExactObjective,
    "numpy": _FloatObjective,
    "torch": _TorchObjective,
}


def _objective(f: Any, start: Any, lr: Any, backend: str | None, exact: bool | None):
    if hasattr(f, "value_and_gradient") and not isinstance(f, Function):
        return _ArrayObjective(f)
    function = as_function(f)
    if not function.is_scalar:
        raise InputError("an optimizer needs a scalar loss, but this function is vector-valued")
    if exact is None:  # exact only where it stays small: nested radicals and exponentials swell step by step
        exact = (backend in (None, "exact") and _is_exact(start) and _is_exact(lr) and not function.expr.has(sympy.Float)
                 and function.expr.is_rational_function(*function.variables))
    name = "exact" if exact else (backend if backend not in (None, "exact") else "numpy")
    if name not in OBJECTIVES:
        raise InputError(f"unknown backend {backend!r}; choose one of exact, numpy, torch")
    return OBJECTIVES[name](function)


def _is_exact(value: Any) -> bool:
    if isinstance(value, bool) or value is None:
        return value is None
    if isinstance(value, (Integral, Fraction)):
        return True
    if isinstance(value, sympy.Basic):
        return not value.has(sympy.Float) and not value.free_symbols
    if isinstance(value, dict):
        return all(_is_exact(v) for v in value.values())
    if isinstance(value, (list, tuple)) or (isinstance(value, sympy.MatrixBase)):
        return all(_is_exact(v) for v in value)
    if isinstance(value, str):
        return True  # parsed exactly ("0.1" is 1/10)
    return False


def _learning_rate(lr: Any, exact: bool):
    if exact:
        rate = to_sympy_number(lr)
    else:
        rate = float(lr)
    if not (float(rate) > 0):
        raise InputError(f"the learning rate must be a positive number, got {lr!r}")
    return rate


# -- the loop -----------------------------------------------------------------------------------
@dataclass
class _State:
    """Mutable run state the update rules may keep (momentum's velocity)."""

    velocity: Any = None


def _descend(
    objective,
    start: Any,
    update: Callable[[Any, Any, Any, _State], Any],
    *,
    method: str,
    lr: Any,
    max_steps: int,
    tol: float,
    loss_threshold: float | None,
    patience: int,
    keep_path: bool,
    options: dict,
    stable_factor: float = 2.0,
) -> Trace:
    if max_steps < 0 or int(max_steps) != max_steps:
        raise InputError(f"max_steps must be a whole number >= 0, got {max_steps!r}")
    x = objective.start(start)
    points, losses, norms, exact_losses = [x], [], [], []
    state = _State()
    rising = growing = 0
    stop, diverged_at = "max_steps", None
    recent: list[np.ndarray] = []  # the last four points as float arrays, for the 2-cycle test
    last_two: list = []
    with np.errstate(all="ignore"):
        for step in range(int(max_steps) + 1):
            value, grad = objective.value_and_gradient(x)
            fvalue = float(value)
            gnorm = objective.norm(grad)
            losses.append(fvalue)
            norms.append(gnorm)
            if objective.exact:
                exact_losses.append(value)
            if step > 0:
                previous = losses[-2]
                rising = rising + 1 if fvalue > previous + 1e-12 * max(abs(previous), 1e-300) else 0
                growing = growing + 1 if gnorm > norms[-2] else 0
            finite = math.isfinite(fvalue) and math.isfinite(gnorm)
            if finite:
                recent, last_two = (recent + [_float_point(x)])[-4:], (last_two + [x])[-2:]
            fired = _stop_rule(
                finite=finite,
                below=loss_threshold is not None and fvalue <= loss_threshold,
                flat=gnorm <= tol,
                cycle=finite and len(recent) == 4 and _two_cycle(*recent),
                up=rising >= patience and fvalue - losses[0] > DIVERGED_GROWTH * max(abs(losses[0]), 1.0),
                runaway=growing >= patience and gnorm > 1e6 * max(norms[0], 1.0),
            )
            if fired is not None:
                stop, diverged_at = _stop_at(fired, step, rising, growing)
                break
            if step == max_steps:
                break
            x = update(x, grad, lr, state)
            if keep_path or step == 0:
                points.append(x)
            else:
                points[-1] = x
    if not keep_path and len(points) > 2:
        points = [points[0], points[-1]]
    return _trace(objective, points, losses, norms, exact_losses, stop, diverged_at, method=method, lr=lr,
                  keep_path=keep_path, options=options, stable_factor=stable_factor, patience=patience,
                  cycle=last_two if stop == "oscillating" else None)


#: the stopping rules checked at every step, in the order they are applied; the step limit comes after all of
#: them, so a run whose last allowed step reaches the tolerance stops as "gradient_tolerance", not "max_steps"
_STOP_RULES = ("not_finite", "below", "flat", "cycle", "up", "runaway")
_STOP_REASON_OF_RULE = {"not_finite": "diverged", "below": "loss_threshold", "flat": "gradient_tolerance",
                        "cycle": "oscillating", "up": "diverged", "runaway": "diverged"}


def _stop_rule(*, finite: bool, below: bool, flat: bool, cycle: bool, up: bool, runaway: bool) -> str | None:
    """The first stopping rule that fires at a step (see :data:`_STOP_RULES`), or None to go on.

    One decision for the step-by-step loop and the quadratic fast path, so the two stop for the same reason.
    """
    fired = {"not_finite": not finite, "below": below, "flat": flat, "cycle": cycle, "up": up, "runaway": runaway}
    return next((rule for rule in _STOP_RULES if fired[rule]), None)


def _stop_at(rule: str, step: int, rising: int, growing: int) -> tuple[str, int | None]:
    """``(stop_reason, diverged_at)`` for the rule that fired at ``step`` (rising/growing: the current runs)."""
    diverged_at = {"not_finite": max(step - max(rising, 1), 0), "up": step - rising, "runaway": step - growing}
    return _STOP_REASON_OF_RULE[rule], diverged_at.get(rule)


def _trace(objective, points, losses, norms, exact_losses, stop, diverged_at, *, method, lr, keep_path, options,
           stable_factor, converted: bool = False, patience: int = 5, cycle: Any = None) -> Trace:
    """The :class:`Trace` of a finished run (with divergence advice when it diverged).

    ``converted``: the points are already in their final form (tuples of floats). ``cycle``: the last two
    points of a run that stopped as ``"oscillating"``.
    """
    advice = None
    if stop == "diverged":
        reference = points[min(diverged_at, len(points) - 1)] if keep_path else points[0]
        advice = _divergence_advice(objective, reference, lr, diverged_at, losses, stable_factor, method)
    elif stop == "oscillating":
        advice = _oscillation_advice(objective, cycle[0], cycle[1], lr, losses, stable_factor, method)
    elif stop == "max_steps" and len(losses) > 1 and losses[-1] > losses[0]:
        rise = _trailing_rises(losses)
        if rise >= min(patience, len(losses) - 1):
            at = len(losses) - 1 - rise
            reference = points[min(at, len(points) - 1)] if keep_path else points[0]
            advice = ("the loss was still rising at the step limit and is above its start, so the run may be "
                      "diverging: " + _divergence_advice(objective, reference, lr, at, losses, stable_factor, method))
    return Trace(
        function=objective.f,
        variables=tuple(objective.variables),
        points=points if converted else [_as_point(p, objective.exact) for p in points],
        losses=np.array(losses, dtype=float),
        gradient_norms=np.array(norms, dtype=float),
        steps=len(losses) - 1,
        stop_reason=stop,
        diverged_at=diverged_at,
        advice=advice,
        method=method,
        lr=lr,
        exact=objective.exact,
        exact_losses=exact_losses if objective.exact else None,
        options=options,
    )


def _as_point(x: Any, exact: bool) -> tuple:
    if exact:
        return tuple(x)
    array = np.asarray(x)
    return tuple(float(v) for v in array.reshape(-1)) if array.size <= 10_000 else array


def _divergence_advice(objective, x, lr, at: int, losses: list, factor: float, method: str) -> str:
    grown = f"the loss grew at every step from step {at} ({losses[at]:.4g} → {losses[-1]:.4g})"
    try:
        lam = _largest_eigenvalue(objective, x)
    except Exception:  # noqa: BLE001 -- advice is best effort; the divergence itself is certain
        return f"{grown}; lower the learning rate η = {float(lr):.4g} (halve it until the loss falls)"
    if not math.isfinite(lam):
        return f"{grown} until it overflowed; lower the learning rate η = {float(lr):.4g}"
    if lam <= 0:
        return (
            f"{grown}: the Hessian has no upward curvature there (λmax = {lam:.4g}), so the loss is not "
            "bounded below along the path; check the sign of the loss or add a term that bounds it"
        )
    limit = factor / lam
    rule = "2/λmax" if factor == 2.0 else f"{factor:.4g}/λmax"
    return (
        f"{grown}: with η = {float(lr):.4g} the step overshoots along the direction of largest curvature "
        f"λmax = {lam:.4g} at step {at}; {method.replace('_', ' ')} is stable only for η < {rule} = {limit:.4g}. "
        f"Try η ≤ {limit / 2:.4g}."
    )


def _oscillation_advice(objective, x1, x0, lr, losses: list, factor: float, method: str) -> str:
    """Why a run bounces: in a 2-cycle the loss's mean curvature along the jump is exactly ``factor/η`` (2/η for
    gradient descent, from ``x1 = x0 − η∇f(x0)`` and ``x0 = x1 − η∇f(x1)``), the edge of stability."""
    cycle = f"the iterates bounce between two points (losses {losses[-2]:.4g} and {losses[-1]:.4g}) without settling"
    edge, rule = factor / float(lr), "2/η" if factor == 2.0 else f"{factor:.4g}/η"
    try:
        a, b = _float_point(x1), _float_point(x0)
        ga, gb = (_float_point(objective.value_and_gradient(p)[1]) for p in (x1, x0))
        curvature = float(np.dot(gb - ga, b - a) / np.dot(b - a, b - a))
    except Exception:  # noqa: BLE001 -- advice is best effort; the cycle itself was observed
        curvature = math.nan
    measured = (f"along the jump between them the loss curves by {curvature:.4g} on average, "
                f"{'which is' if abs(curvature - edge) <= 1e-3 * edge else 'against'} {rule} = {edge:.4g}, the "
                f"largest curvature at which {method.replace('_', ' ')} with η = {float(lr):.4g} can settle; "
                if math.isfinite(curvature) else "")
    return f"{cycle}: {measured}this is a bounded oscillation, not divergence. Try η ≤ {float(lr) / 2:.4g}."


def _float_point(x: Any) -> np.ndarray:
    return np.array([float(c) for c in x], dtype=float) if isinstance(x, tuple) else np.asarray(x, dtype=float).ravel()


def _two_cycle(x3: np.ndarray, x2: np.ndarray, x1: np.ndarray, x0: np.ndarray) -> bool:
    """True when ``x0`` (newest) repeats ``x2`` and ``x1`` repeats ``x3`` while ``x0`` and ``x1`` are far apart."""
    return bool(_two_cycles(x3[None], x2[None], x1[None], x0[None])[0])


def _two_cycles(x3: np.ndarray, x2: np.ndarray, x1: np.ndarray, x0: np.ndarray) -> np.ndarray:
    """:func:`_two_cycle` for rows of points (arrays of shape ``(k, n)``)."""
    def norm(d):
        return np.sqrt(np.sum(d * d, axis=1))

    jump = norm(x0 - x1)
    apart = jump > CYCLE_RTOL * np.maximum(norm(x0), 1.0)
    return apart & (norm(x0 - x2) <= CYCLE_RTOL * jump) & (norm(x1 - x3) <= CYCLE_RTOL * jump)


def _trailing_rises(losses) -> int:
    """How many of the last steps each raised the loss (the same test as the loop's ``rising``)."""
    count = 0
    for k in range(len(losses) - 1, 0, -1):
        previous = losses[k - 1]
        if not losses[k] > previous + 1e-12 * max(abs(previous), 1e-300):
            break
        count += 1
    return count


def _largest_eigenvalue(objective, x) -> float:
    if hasattr(objective, "largest_curvature"):
        return objective.largest_curvature(x)
    H = objective.hessian_float(x)
    return float(np.max(np.linalg.eigvalsh(H))) if np.all(np.isfinite(H)) else math.inf


# -- update rules ---------------------------------------------------------------------------------
def _gd_update(x, grad, lr, state: _State):
    return _axpy(x, lr, grad)


def _axpy(x, alpha, g):
    if isinstance(x, tuple):
        return tuple(a - alpha * b for a, b in zip(x, g))
    return x - alpha * g


# -- gradient descent on a quadratic: the affine recurrence, checked in chunks -----------------------
#: the first chunk of steps; each further chunk is twice as long (up to _MAX_CHUNK)
_FIRST_CHUNK, _MAX_CHUNK = 1024, 65536


_QUADRATIC_COEFFICIENTS: dict[tuple[Any, ...], tuple[np.ndarray, np.ndarray] | None] = {}  # (expr, variables) -> (H, g), FIFO


def _quadratic_coefficients(objective) -> tuple[np.ndarray, np.ndarray] | None:
    """``(H, g)`` with ``∇f(x) = Hx + g`` when a float objective is a polynomial of degree <= 2, else None."""
    if type(objective) is not _FloatObjective:
        return None
    return _cached_quadratic(objective.f)


def _cached_quadratic(f: Function) -> tuple[np.ndarray, np.ndarray] | None:
    key = (f.expr, f.variables)
    if key not in _QUADRATIC_COEFFICIENTS:
        if len(_QUADRATIC_COEFFICIENTS) >= 128:
            _QUADRATIC_COEFFICIENTS.pop(next(iter(_QUADRATIC_COEFFICIENTS)))
        _QUADRATIC_COEFFICIENTS[key] = _read_quadratic(f)
    return _QUADRATIC_COEFFICIENTS[key]


def _read_quadratic(f: Function) -> tuple[np.ndarray, np.ndarray] | None:
    from .derivatives import quadratic_form

    form = quadratic_form(f.expr, f.variables)
    if form is None:
        return None
    try:
        H, g, _ = form.arrays()
    except TypeError:  # complex or symbolic coefficients
        return None
    return H, g


def _affine_path(x: np.ndarray, H: np.ndarray, g: np.ndarray, lr: float, steps: int) -> np.ndarray:
    """``steps + 1`` points of ``x ← x − η (Hx + g)`` from ``x``, as an array ``(steps + 1, n)``.

    One and two parameters (a line's ``w, b``) run on plain Python floats,
    unrolled (a step costs a few hundred nanoseconds); more run on NumPy rows.
    """
    n = len(x)
    if n == 1:
        h, c, a = float(H[0, 0]), float(g[0]), float(x[0])
        path = [a]
        append = path.append
        for _ in range(steps):
            a = a - lr * (h * a + c)
            append(a)
        return np.array(path).reshape(-1, 1)
    if n == 2:
        (h00, h01), (h10, h11) = H.tolist()
        g0, g1 = g.tolist()
        a, b = x.tolist()
        first, second = [a], [b]
        append0, append1 = first.append, second.append
        for _ in range(steps):
            a, b = a - lr * (h00 * a + h01 * b + g0), b - lr * (h10 * a + h11 * b + g1)
            append0(a)
            append1(b)
        return np.column_stack((first, second))
    path = np.empty((steps + 1, n))
    path[0] = x
    for k in range(steps):
        path[k + 1] = path[k] - lr * (H @ path[k] + g)
    return path


def _run_lengths(flags: np.ndarray, carry: int) -> np.ndarray:
    """``run[k]``: consecutive True values ending at ``k`` (``carry`` of them before index 0)."""
    index = np.arange(len(flags))
    last_false = np.maximum.accumulate(np.where(~flags, index, -1))
    return np.where(last_false >= 0, index - last_false, index + 1 + carry)


def _quadratic_descent(objective, start, quadratic, *, lr: float, max_steps: int, tol: float,
                       loss_threshold: float | None, patience: int, keep_path: bool) -> Trace:
    """Gradient descent on a quadratic: the same :class:`Trace` as the step-by-step loop, faster.

    The path is the affine recurrence ``x ← x − η (Hx + g)`` (:func:`_affine_path`);
    losses and gradients come from the objective's own kernel evaluated on a whole
    chunk of points at once, and the stopping rules of :func:`_descend` (threshold,
    tolerance, step limit, the three divergence tests) are applied to the chunk
    with array operations; the run ends at the first step where one fires.
    """
    if max_steps < 0 or int(max_steps) != max_steps:
        raise InputError(f"max_steps must be a whole number >= 0, got {max_steps!r}")
    max_steps = int(max_steps)
    H, g = quadratic
    x = objective.start(start)
    paths, values, norms = [], [], []
    done, rising, growing, chunk = 0, 0, 0, _FIRST_CHUNK
    f0 = n0 = previous_f = previous_n = None
    tail = np.empty((0, len(x)))  # the last three points already checked, for the 2-cycle test
    stop, diverged_at, end = "max_steps", None, max_steps
    with np.errstate(all="ignore"):
        while True:
            count = min(chunk, max_steps - done)
            path = _affine_path(x, H, g, lr, count)
            new = path if done == 0 else path[1:]  # a later chunk starts at the last point already checked
            f, gn = _losses_and_norms(objective, new)
            if f0 is None:
                f0, n0 = f[0], gn[0]
            prev_f = np.concatenate(([np.nan if previous_f is None else previous_f], f[:-1]))
            prev_n = np.concatenate(([np.nan if previous_n is None else previous_n], gn[:-1]))
            rise = _run_lengths(f > prev_f + 1e-12 * np.maximum(np.abs(prev_f), 1e-300), rising)
            grow = _run_lengths(gn > prev_n, growing)
            steps = np.arange(done if done == 0 else done + 1, done + count + 1)
            finite = np.isfinite(f) & np.isfinite(gn)
            below = (f <= loss_threshold) if loss_threshold is not None else np.zeros(len(f), bool)
            flat = gn <= tol
            up = (rise >= patience) & (f - f0 > DIVERGED_GROWTH * max(abs(f0), 1.0))
            runaway = (grow >= patience) & (gn > 1e6 * max(n0, 1.0))
            recent = np.concatenate((tail, new))
            cycle = np.zeros(len(new), bool)
            if len(recent) >= 4:
                cycle[len(new) - (len(recent) - 3):] = _two_cycles(recent[:-3], recent[1:-2], recent[2:-1], recent[3:])
            fired = np.flatnonzero(~finite | below | flat | cycle | up | runaway)
            paths.append(new)
            values.append(f)
            norms.append(gn)
            if fired.size:
                k = int(fired[0])
                end = int(steps[k])
                rule = _stop_rule(finite=bool(finite[k]), below=bool(below[k]), flat=bool(flat[k]),
                                  cycle=bool(cycle[k]), up=bool(up[k]), runaway=bool(runaway[k]))
                stop, diverged_at = _stop_at(rule, end, int(rise[k]), int(grow[k]))
                keep = k + 1
                paths[-1], values[-1], norms[-1] = new[:keep], f[:keep], gn[:keep]
                break
            done += count
            if done >= max_steps:
                break
            x, previous_f, previous_n, tail = path[-1], f[-1], gn[-1], recent[-3:]
            rising, growing = int(rise[-1]), int(grow[-1])
            chunk = min(2 * chunk, _MAX_CHUNK)
    all_points = np.concatenate(paths)
    kept = all_points if keep_path or len(all_points) <= 2 else all_points[[0, -1]]
    points = [tuple(p) for p in kept.tolist()] if kept.shape[1] <= 10_000 else list(kept)
    return _trace(objective, points, np.concatenate(values), np.concatenate(norms), [], stop, diverged_at,
                  method="gradient_descent", lr=lr, keep_path=keep_path, options={}, stable_factor=2.0, converted=True,
                  patience=patience, cycle=all_points[-2:] if stop == "oscillating" else None)


def _losses_and_norms(objective, points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The loss and gradient norm at each row of ``points`` from the objective's own (value, gradient) kernel."""
    count = len(points)
    if objective._point is not None:  # the compiled kernel of the step-by-step loop, on the whole chunk
        value, gradient = objective._point(np.ascontiguousarray(points, dtype=float))
        values = np.broadcast_to(np.asarray(value, dtype=float), (count,)).copy()
        gradient = np.asarray(gradient, dtype=float)
    else:
        out = objective._kernel(*points.T)
        values = np.broadcast_to(np.asarray(out[0], dtype=float), (count,)).copy()
        gradient = np.column_stack([np.broadcast_to(np.asarray(c, dtype=float), (count,)) for c in out[1:]])
    norms = np.sqrt(np.einsum("ij,ij->i", gradient, gradient))
    norms[~np.isfinite(gradient).all(axis=1)] = np.nan
    return values, norms


# -- public optimizers -------------------------------------------------------------------------------
def gradient_descent(
    f: Any,
    start: Any,
    lr: Any,
    max_steps: int = 1000,
    *,
    tol: float = 1e-8,
    loss_threshold: float | None = None,
    backend: str | None = None,
    exact: bool | None = None,
    patience: int = 5,
    keep_path: bool = True,
) -> Trace:
    """Plain gradient descent ``x ← x − η ∇f(x)`` from the symbolic gradient.

    Arguments:
        f: a :class:`~symgrad.Function`, an expression, or a matrix-form loss.
        start: the start point in any form :meth:`Function.point` accepts.
        lr: the learning rate ``η``. Exact start and rate give exact arithmetic when the loss is a
            rational function of its variables (polynomials, quotients); for other losses (√, exp, sin...)
            exact iterates swell at every step, so floats are used unless ``exact=True``.
        max_steps: the step limit.
        tol: stop when ``‖∇f‖ <= tol``.
        loss_threshold: stop when the loss is at or below this value.
        backend: ``"numpy"`` (default for floats), ``"torch"`` or ``"exact"``.
        exact: force exact (``True``) or float (``False``) arithmetic.
        patience: steps of uninterrupted loss growth that count as divergence once the loss is more than
            ``DIVERGED_GROWTH`` (10⁶) times ``max(|L₀|, 1)`` above its start ``L₀``; a bounded 2-cycle stops
            as ``"oscillating"`` (see the module docstring).
        keep_path: keep every point (``False`` keeps the first and last: for huge models).

    Returns:
        a :class:`Trace`.

    Example:
        >>> import sympy as sp
        >>> w = sp.Symbol("w", real=True)
        >>> gradient_descent(Function(w**2), [3], sp.Rational(1, 10), max_steps=1).points
        [(3,), (12/5,)]
    """
    objective = _objective(f, start, lr, backend, exact)
    rate = _learning_rate(lr, objective.exact)
    quadratic = _quadratic_coefficients(objective)
    if quadratic is not None:
        return _quadratic_descent(
            objective, start, quadratic, lr=rate, max_steps=max_steps, tol=tol, loss_threshold=loss_threshold,
            patience=patience, keep_path=keep_path,
        )
    return _descend(
        objective, start, _gd_update, method="gradient_descent", lr=rate, max_steps=max_steps, tol=tol,
        loss_threshold=loss_threshold, patience=patience, keep_path=keep_path, options={},
    )


def momentum(
    f: Any,
    start: Any,
    lr: Any,
    beta: Any = 0.9,
    max_steps: int = 1000,
    *,
    nesterov: bool = False,
    tol: float = 1e-8,
    loss_threshold: float | None = None,
    backend: str | None = None,
    exact: bool | None = None,
    patience: int = 5,
    keep_path: bool = True,
) -> Trace:
    """Heavy-ball momentum in the convention of ``torch.optim.SGD(momentum=beta)``.

    ``v ← β v + ∇f(x)`` (``v`` starts at the first gradient), ``x ← x − η v``;
    with ``nesterov=True`` the step uses ``∇f(x) + β v``. Stable on a quadratic
    for ``η < 2(1 + β)/λmax``. Other arguments as :func:`gradient_descent`.

    Example:
        >>> import sympy as sp
        >>> w = sp.Symbol("w", real=True)
        >>> momentum(Function(w**2), [3], sp.Rational(1, 10), sp.Rational(1, 2), max_steps=2).points
        [(3,), (12/5,), (81/50,)]
    """
    objective = _objective(f, start, lr, backend, exact)
    rate = _learning_rate(lr, objective.exact)
    b = to_sympy_number(beta) if objective.exact else float(beta)
    if not 0 <= float(b) < 1:
        raise InputError(f"the momentum β must be in [0, 1), got {beta!r}")

    def update(x, grad, lr_, state: _State):
        if state.velocity is None:
            state.velocity = grad
        else:
            state.velocity = _scale_add(state.velocity, b, grad)
        direction = _scale_add(state.velocity, b, grad) if nesterov else state.velocity
        return _axpy(x, lr_, direction)

    return _descend(
        objective, start, update, method="momentum", lr=rate, max_steps=max_steps, tol=tol,
        loss_threshold=loss_threshold, patience=patience, keep_path=keep_path,
        options={"beta": b, "nesterov": nesterov}, stable_factor=2.0 * (1.0 + float(b)),
    )


def _scale_add(v, beta, g):
    """``β v + g`` for tuples (exact) and arrays."""
    if isinstance(v, tuple):
        return tuple(beta * a + c for a, c in zip(v, g))
    return beta * v + g


def newton(
    f: Any,
    start: Any,
    max_steps: int = 50,
    *,
    lr: Any = 1,
    tol: float = 1e-10,
    loss_threshold: float | None = None,
    backend: str | None = None,
    exact: bool | None = None,
    patience: int = 5,
) -> Trace:
    """Newton's method ``x ← x − η H(x)⁻¹ ∇f(x)`` from the exact Hessian.

    On a quadratic with a positive definite Hessian one full step (``lr=1``)
    lands on the minimum. A singular Hessian raises :class:`InputError`.

    Example:
        >>> import sympy as sp
        >>> w0, w1 = sp.symbols("w0 w1", real=True)
        >>> newton(Function((w0 - 1)**2 + 3*(w1 + 2)**2), (5, 5)).final
        (1, -2)
    """
    objective = _objective(f, start, lr, backend, exact)
    rate = _learning_rate(lr, objective.exact)

    def update(x, grad, lr_, state: _State):
        H = objective.hessian(x)
        try:
            step = objective.solve(H, grad)
        except (np.linalg.LinAlgError, ValueError, ZeroDivisionError) as error:
            raise InputError(
                f"Newton's method stopped: the Hessian at {tuple(float(c) for c in x)} is singular, so the "
                "Newton step is undefined; use gradient_descent or minimize(method='BFGS') instead"
            ) from error
        return _axpy(x, lr_, step)

    return _descend(
        objective, start, update, method="newton", lr=rate, max_steps=max_steps, tol=tol,
        loss_threshold=loss_threshold, patience=patience, keep_path=True, options={},
    )


# -- diagnostics ---------------------------------------------------------------------------------------
def _hessian_at(f: Function, at: Any) -> sympy.ImmutableMatrix:
    H = f.hessian()
    if H.free_symbols & set(f.variables):
        if at is None:
            names = ", ".join(sorted(s.name for s in H.free_symbols))
            raise InputError(
                f"the Hessian of {f.expr} depends on ({names}), so the curvature changes from point to point; "
                "give at=... (e.g. the start point) to measure it there"
            )
        return f.hessian_at(at)
    return H


def stable_learning_rate(f: Any, at: Any = None) -> sympy.Expr | float:
    """The largest stable gradient-descent learning rate ``2/λmax`` of the Hessian.

    Exact (a SymPy number) when the Hessian is constant and exact with up to 4
    variables (every quadratic loss); a float otherwise, measured at ``at``.
    For a matrix-form loss the largest curvature is found by power iteration.

    Example:
        >>> import sympy as sp
        >>> w0, w1 = sp.symbols("w0 w1", real=True)
        >>> stable_learning_rate(Function(2*w0**2 + 3*w1**2))
        1/3
    """
    if hasattr(f, "largest_curvature") and not isinstance(f, Function):
        lam = float(f.largest_curvature(at))
        return _two_over(lam, f)
    function = as_function(f)
    H = _hessian_at(function, at)
    if _is_exact(H) and function.n <= 4:
        from .analysis.linalg import eigenvalues  # real roots (CRootOf) where radicals would need i

        lam = eigenvalues(H).values[-1]
        if lam.is_positive:
            return sympy.nsimplify(2 / lam) if lam.is_Rational else sympy.radsimp(2 / lam)
        return _two_over(float(lam), function)
    lam = float(np.max(np.linalg.eigvalsh(np.array(H.evalf(), dtype=float))))
    return _two_over(lam, function)


def _two_over(lam: float, f: Any) -> float:
    if lam <= 0:
        raise InputError(
            f"the Hessian of {getattr(f, 'expr', f)} has no positive eigenvalue (λmax = {lam:.4g}): the function "
            "is not curved upward, so no learning rate makes gradient descent settle; it is not bounded below "
            "along some direction"
        )
    return 2.0 / lam


def predicted_steps(f: Any, lr: Any, tol: float = 1e-6, at: Any = None) -> StepPrediction:
    """Steps gradient descent needs to shrink the error by the factor ``tol``, per eigen-direction.

    Along Hessian eigenvector ``i`` the error is multiplied by ``|1 − η λ_i|``
    each step (exactly for quadratics, locally otherwise), so it needs
    ``ceil(ln tol / ln|1 − η λ_i|)`` steps. The smallest curvature is usually the
    slow one: with the chapter's ``η = 0.001``, the bias ``b`` of a mean squared
    error has curvature 2, shrinks by 0.998 per step and keeps ``e⁻² ≈ 13.5 %``
    of its error after 1000 steps.

    Example:
        >>> import sympy as sp
        >>> w, b = sp.symbols("w b", real=True)
        >>> p = predicted_steps(Function(100*w**2 + b**2), 0.001, tol=0.01)
        >>> p.steps, p.rates
        (2301, (0.998, 0.8))
    """
    eta = float(lr)
    if not (0 < tol < 1):
        raise InputError(f"tol is the factor by which the error must shrink; give a number in (0, 1), not {tol!r}")
    function = as_function(f)
    H = np.array(_hessian_at(function, at).evalf(), dtype=float)
    values, vectors = np.linalg.eigh(H)
    rates = tuple(float(abs(1.0 - eta * lam)) for lam in values)
    per_direction = tuple(_steps_for(rate, tol) for rate in rates)
    diverging = [i for i, s in enumerate(per_direction) if s is None]
    slowest = diverging[0] if diverging else int(np.argmax(per_direction))
    steps = None if diverging else int(max(per_direction))
    lam_max = float(values[-1])
    stable = 2.0 / lam_max if lam_max > 0 else math.inf
    direction = _describe_direction(vectors[:, slowest], function.variables)
    if diverging:
        reason = (f"η = {eta:.4g} does not converge along {direction} (curvature λ = {values[slowest]:.4g}, "
                  f"factor |1 − ηλ| = {rates[slowest]:.4g} ≥ 1); stable rates are η < 2/λmax = {stable:.4g}")
    else:
        reason = (f"the slowest direction is {direction} with curvature λ = {values[slowest]:.4g}: the error there "
                  f"shrinks by {rates[slowest]:.6g} per step, so shrinking it by {tol:g} takes {steps} steps")
    return StepPrediction(
        lr=eta, tol=float(tol), eigenvalues=tuple(float(v) for v in values),
        eigenvectors=tuple(tuple(float(c) for c in vectors[:, i]) for i in range(len(values))), rates=rates,
        steps_per_direction=per_direction, steps=steps, slowest=slowest, stable_lr=stable, reason=reason,
    )


def _steps_for(rate: float, tol: float) -> int | None:
    if rate >= 1.0:
        return None
    if rate == 0.0:
        return 1
    return int(math.ceil(math.log(tol) / math.log(rate) - 1e-12))


def _describe_direction(vector: np.ndarray, variables: Sequence[sympy.Symbol]) -> str:
    main = int(np.argmax(np.abs(vector)))
    if abs(vector[main]) > 0.99:
        return f"{variables[main].name} (eigenvector ≈ e_{variables[main].name})"
    parts = " ".join(f"{c:+.3g}·{v.name}" for c, v in zip(vector, variables) if abs(c) > 1e-3)
    return f"the direction ({parts})"
