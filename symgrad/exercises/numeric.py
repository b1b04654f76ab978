"""The independent numeric routes every exercise answer is checked against.

Nothing here differentiates symbolically: gradients and Hessians come from
central finite differences of float64 code compiled from the *value* of the
function (:meth:`symgrad.Function.compile`), eigenvalues from
``numpy.linalg.eigvalsh``, convexity from random chords, stability from a
simulated descent. Each helper returns one sentence describing the check, or
raises :class:`~symgrad.errors.VerificationError`. Finite differences keep the
per-exercise cost to a fraction of a millisecond; the test suite compares a
sample of exercises with torch autograd in one batch as well
(:func:`torch_gradient`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import sympy

from ..errors import VerificationError
from ..function import Function

__all__ = ["as_floats", "value_fn", "fd_gradient", "fd_hessian", "agree", "chord_violation", "torch_gradient"]


def as_floats(value: Any) -> np.ndarray:
    """Exact SymPy numbers (a number, a matrix, a list) as a flat float64 array."""
    items = list(value) if isinstance(value, (sympy.MatrixBase, list, tuple)) else [value]
    return np.array([float(sympy.N(v, 20)) for v in items], dtype=float)


def value_fn(f: Function) -> Callable[[np.ndarray], float]:
    """``x -> f(x)`` in float64, from code compiled from the expression (no derivatives involved)."""
    compiled = f.compile("numpy")
    return lambda x: float(np.asarray(compiled.value(np.asarray(x, dtype=float))))


def fd_gradient(value: Callable[[np.ndarray], float], x: Sequence[float], h: float = 1e-5) -> np.ndarray:
    """Central finite differences of ``value`` at ``x`` (error O(h²))."""
    x = np.asarray(x, dtype=float)
    step = h * max(1.0, float(np.max(np.abs(x))))
    return np.array([(value(x + step * e) - value(x - step * e)) / (2 * step) for e in np.eye(len(x))])


def fd_hessian(value: Callable[[np.ndarray], float], x: Sequence[float], h: float = 1e-3) -> np.ndarray:
    """Central second differences of ``value`` at ``x`` (exact up to rounding for cubics)."""
    x = np.asarray(x, dtype=float)
    n = len(x)
    step = h * max(1.0, float(np.max(np.abs(x))))
    E = np.eye(n) * step
    H = np.empty((n, n))
    for i in range(n):
        for j in range(n):
            H[i, j] = (value(x + E[i] + E[j]) - value(x + E[i] - E[j]) - value(x - E[i] + E[j])
                       + value(x - E[i] - E[j])) / (4 * step * step)
    return H


def agree(what: str, exact: Any, independent: Any, method: str, *, rtol: float = 1e-6, atol: float = 1e-6) -> str:
    """Raise VerificationError unless the exact value and the independent floats agree; else describe the check."""
    a = as_floats(exact)
    b = np.asarray(independent, dtype=float).reshape(-1)
    if a.shape != b.shape or not np.allclose(a, b, rtol=rtol, atol=atol):
        raise VerificationError(f"{what}: the exact answer {a.tolist()} disagrees with {method} {b.tolist()}")
    return f"{what} agrees with {method}"


def chord_violation(value: Callable[[np.ndarray], float], n: int, rng: np.random.Generator, *,
                    chords: int = 400, radius: float = 4.0) -> tuple[np.ndarray, np.ndarray, float] | None:
    """A chord that passes below the function (``f(αa+(1-α)b) > αf(a)+(1-α)f(b)``), or None.

    Endpoints are drawn uniformly from ``[-radius, radius]^n``; the test uses a
    relative tolerance so rounding never counts as a violation.
    """
    for _ in range(chords):
        a, b = rng.uniform(-radius, radius, n), rng.uniform(-radius, radius, n)
        alpha = rng.uniform(0.05, 0.95)
        inside = value(alpha * a + (1 - alpha) * b)
        chord = alpha * value(a) + (1 - alpha) * value(b)
        if inside > chord + 1e-9 * (1 + abs(chord)):
            return a, b, alpha
    return None


def torch_gradient(f: Function, x: Sequence[float]) -> np.ndarray:
    """The gradient of ``f`` at ``x`` by torch autograd of the compiled value (torch must be installed)."""
    from ..backends import import_torch

    torch = import_torch()
    value = f.compile("torch").value
    point = torch.as_tensor(np.asarray(x, dtype=float), dtype=torch.float64)
    return torch.func.grad(value)(point).detach().numpy().reshape(-1)
