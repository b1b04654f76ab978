"""Check symbolic derivatives against torch autograd at Hypothesis-drawn points.

Two implementations of the same mathematics are compared:

* **symbolic** -- the gradient and Hessian SymPy derived, compiled to NumPy
  (float64) by :mod:`symgrad.backends`;
* **autograd** -- torch differentiates the *value* code only (the expression
  compiled to torch, float64), with ``torch.func.grad`` and ``torch.func.hessian``.

The symbolic derivatives never enter the autograd side, so agreement is
evidence that both are right. Points come from Hypothesis (a seeded search over
the box ``bounds^n``, which likes edge values such as 0 and the bounds); points
where the value or either result is not finite -- outside the function's
domain -- are skipped and counted.

    >>> import symgrad as sg
    >>> report = sg.verify("2*w0^2 + 3*w1^2", examples=20)
    >>> report.passed
    True
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from .backends import import_torch
from .display import Display, Displayed
from .function import Function, as_function

__all__ = ["verify", "VerifyReport"]


@dataclass(frozen=True, repr=False)
class VerifyReport(Displayed):
    """What :func:`verify` found.

    ``max_abs_error_*`` and ``max_rel_error_*`` are over the points used;
    ``relative`` error is ``|symbolic − autograd| / max(|autograd|, 1)``.
    ``worst_point`` is where the largest scaled error occurred.
    """

    expression: str
    variables: tuple[str, ...]
    backend: str
    points_tried: int
    points_used: int
    points_skipped: int
    max_abs_error_gradient: float
    max_rel_error_gradient: float
    max_abs_error_hessian: float
    max_rel_error_hessian: float
    worst_point: tuple[float, ...] | None
    rtol: float
    atol: float
    passed: bool
    notes: tuple[str, ...] = field(default=())

    def __bool__(self) -> bool:
        return self.passed

    def _display(self) -> Display:
        verdict = "PASS" if self.passed else "FAIL"
        rows = [("points", f"{self.points_used} used, {self.points_skipped} skipped of {self.points_tried}"),
                ("gradient error", f"abs {self.max_abs_error_gradient:.3g}, rel {self.max_rel_error_gradient:.3g}"),
                ("Hessian error", f"abs {self.max_abs_error_hessian:.3g}, rel {self.max_rel_error_hessian:.3g}"),
                ("tolerance", f"atol {self.atol:g} + rtol {self.rtol:g}"), *(("note", n) for n in self.notes)]
        return Display("VerifyReport", f"{verdict} {self.expression} against {self.backend} autograd", rows)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def __str__(self) -> str:
        verdict = "PASS" if self.passed else "FAIL"
        lines = [
            f"verify {self.expression} over ({', '.join(self.variables)}) against {self.backend} autograd: {verdict}",
            f"  points: {self.points_used} used, {self.points_skipped} skipped (not finite) of {self.points_tried} drawn",
            f"  gradient: max abs error {self.max_abs_error_gradient:.3g}, max rel error {self.max_rel_error_gradient:.3g}",
            f"  Hessian:  max abs error {self.max_abs_error_hessian:.3g}, max rel error {self.max_rel_error_hessian:.3g}",
            f"  tolerance: |symbolic - autograd| <= {self.atol:g} + {self.rtol:g} * |autograd|",
        ]
        if self.worst_point is not None:
            lines.append(f"  worst point: ({', '.join(f'{x:.6g}' for x in self.worst_point)})")
        lines.extend(f"  note: {note}" for note in self.notes)
        return "\n".join(lines)


def verify(
    f: Any,
    examples: int = 200,
    backend: str = "torch",
    *,
    bounds: tuple[float, float] = (-3.0, 3.0),
    rtol: float = 1e-7,
    atol: float = 1e-9,
    seed: int = 0,
    variables: Any = None,
) -> VerifyReport:
    """Compare ``f``'s symbolic gradient and Hessian with torch autograd.

    Arguments:
        f: a :class:`symgrad.Function`, text, or a SymPy expression (scalar).
        examples: how many points Hypothesis draws.
        backend: the oracle; only ``"torch"`` is available.
        bounds: the box each coordinate is drawn from.
        rtol, atol: a point passes when ``|symbolic − autograd| <= atol + rtol·|autograd|`` entrywise.
        seed: makes the drawn points reproducible.

    Returns:
        a :class:`VerifyReport`; ``bool(report)`` is ``report.passed``.
    """
    if backend != "torch":
        raise ValueError(f"verify compares against torch autograd; backend={backend!r} is not available")
    function = as_function(f, variables)
    function._require_scalar("verify")
    X = _draw_points(function.n, examples, bounds, seed)
    symbolic = function.compile("numpy", engine="sympy")  # the derivatives gradient()/hessian() show, not SymEngine's
    with np.errstate(all="ignore"):
        value, gradient, hessian = symbolic.evaluate(X)
    ad_gradient, ad_hessian = _autograd(function, X)

    finite = _finite_rows(value, gradient, hessian, ad_gradient, ad_hessian)
    used = int(finite.sum())
    notes: list[str] = []
    if used == 0:
        notes.append("no drawn point was inside the function's domain; nothing was compared")
    g_abs, g_rel, g_scaled = _errors(gradient[finite], ad_gradient[finite], rtol, atol)
    h_abs, h_rel, h_scaled = _errors(hessian[finite], ad_hessian[finite], rtol, atol)
    scaled = np.maximum(g_scaled, h_scaled)
    worst = tuple(float(x) for x in X[finite][int(np.argmax(scaled))]) if used else None
    return VerifyReport(
        expression=str(function.expr),
        variables=tuple(v.name for v in function.variables),
        backend=backend,
        points_tried=len(X),
        points_used=used,
        points_skipped=len(X) - used,
        max_abs_error_gradient=g_abs,
        max_rel_error_gradient=g_rel,
        max_abs_error_hessian=h_abs,
        max_rel_error_hessian=h_rel,
        worst_point=worst,
        rtol=rtol,
        atol=atol,
        passed=bool(used > 0 and (scaled <= 1.0).all()),
        notes=tuple(notes),
    )


def _draw_points(n: int, examples: int, bounds: tuple[float, float], seed: int) -> np.ndarray:
    """Points drawn by a seeded Hypothesis search (edge values included)."""
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis import seed as hypothesis_seed

    from .strategies import points

    drawn: list[np.ndarray] = []

    @hypothesis_seed(seed)
    @settings(
        max_examples=examples,
        database=None,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(points(n, min_value=bounds[0], max_value=bounds[1]))
    def collect(point: np.ndarray) -> None:
        drawn.append(point)

    collect()
    return np.stack(drawn) if drawn else np.zeros((0, n))


def _autograd(function: Function, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Gradient and Hessian of the torch-compiled *value* at each row of ``X`` (float64)."""
    torch = import_torch()
    value = function.compile("torch").value

    def scalar(x):
        return value(x)

    points = torch.as_tensor(X, dtype=torch.float64)
    gradient = torch.func.vmap(torch.func.grad(scalar))(points)
    hessian = torch.func.vmap(torch.func.hessian(scalar))(points)
    return gradient.detach().numpy(), hessian.detach().numpy()


def _finite_rows(*arrays: np.ndarray) -> np.ndarray:
    rows = np.ones(len(arrays[0]), dtype=bool)
    for array in arrays:
        array = np.asarray(array)
        rows &= np.isfinite(array.reshape(len(array), -1)).all(axis=1) if array.ndim > 1 else np.isfinite(array)
    return rows


def _errors(symbolic: np.ndarray, autograd: np.ndarray, rtol: float, atol: float) -> tuple[float, float, np.ndarray]:
    """Max absolute error, max relative error, and per-point error scaled by the tolerance."""
    if symbolic.size == 0:
        return 0.0, 0.0, np.zeros(len(symbolic))
    diff = np.abs(symbolic - autograd).reshape(len(symbolic), -1)
    reference = np.abs(autograd).reshape(len(autograd), -1)
    relative = diff / np.maximum(reference, 1.0)
    scaled = (diff / (atol + rtol * reference)).max(axis=1)
    return float(diff.max()), float(relative.max()), scaled
