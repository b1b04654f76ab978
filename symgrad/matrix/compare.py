"""Is a matrix-notation answer equal to a key? By symbolic identity, else at random concrete sizes and values.

The engine side of checking answers in matrix notation (issue 13, item 6).
:func:`compare` returns a :class:`MatrixComparison` whose evidence states the
method and, for a numeric decision, the concrete sizes used. Typical slips are
diagnosed rather than only rejected: the transpose of the key
(``2(Xw − y)ᵀX`` for ``2Xᵀ(Xw − y)``) and a missing constant factor
(``Xᵀ(Xw − y)``: the key is 2 times it).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import sympy

from ..errors import InputError
from ..matexpr import is_matrix, matrix_symbols, text
from .certify import dimensions_of, random_values
from .evaluate import Kernel
from .tidy import tidy

__all__ = ["compare", "MatrixComparison"]


@dataclass(frozen=True)
class MatrixComparison:
    """The verdict: ``equal``, how it was decided, the sizes tried, and a diagnosis of a near miss.

    ``diagnosis`` is ``None``, ``"transpose"`` (the answer is the key transposed), ``"factor"`` (the
    answer is ``factor`` times the key at every instance), or ``"shape"`` (the shapes differ).
    """

    equal: bool
    method: str
    message: str
    sizes: list[dict[str, int]] = field(default_factory=list)
    diagnosis: str | None = None
    factor: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _shape(e) -> tuple:
    return tuple(e.shape) if is_matrix(e) else (1, 1)


def _values(answer, key, trials: int, seed: int):
    """``trials`` random instances: (sizes by name, answer value, key value) with finite values."""
    rng = np.random.default_rng(seed)
    dims = dimensions_of(answer, key)
    out = []
    for _ in range(trials * 3):
        sizes = {d: int(rng.integers(2, 6)) for d in dims}
        for positive in (False, True):
            values = random_values(rng, (answer, key), positive, sizes)
            with np.errstate(all="ignore"):
                a = _as_2d(Kernel(answer, "numpy", (key,))(values), answer)
                k = _as_2d(Kernel(key, "numpy", (answer,))(values), key)
            if np.all(np.isfinite(a)) and np.all(np.isfinite(k)):
                out.append(({d.name: n for d, n in sizes.items()}, a, k))
                break
        if len(out) == trials:
            break
    return out


def _as_2d(value, expr) -> np.ndarray:
    value = np.asarray(value, dtype=float)
    return value.reshape(-1, 1) if value.ndim < 2 else value


def _close(a, b) -> bool:
    return a.shape == b.shape and bool(np.allclose(a, b, rtol=1e-9, atol=1e-9 * max(1.0, float(np.abs(b).max()))))


def compare(answer: sympy.Basic, key: sympy.Basic, *, trials: int = 4, seed: int = 0) -> MatrixComparison:
    """Compare a student's matrix expression with the key.

    >>> from symgrad.matexpr import declare
    >>> X, w, y = declare("X", ("N", "d")), declare("w", "d"), declare("y", "N")
    >>> key = 2 * X.T * (X * w - y)
    >>> compare(2 * X.T * X * w - 2 * X.T * y, key).equal
    True
    >>> compare(2 * (X * w - y).T * X, key).diagnosis
    'transpose'
    >>> r = compare(X.T * (X * w - y), key); r.diagnosis, r.factor
    ('factor', 0.5)
    """
    if set(matrix_symbols(answer)) - set(matrix_symbols(key)):
        extra = sorted(set(matrix_symbols(answer)) - set(matrix_symbols(key)))
        return MatrixComparison(False, "symbols", f"the answer uses {', '.join(extra)}, which the key does not")
    if _shape(answer) == _shape(key):
        difference = tidy(answer - key)
        if difference == 0 or isinstance(difference, sympy.ZeroMatrix):
            return MatrixComparison(True, "symbolic", f"{text(answer)} equals {text(key)} by matrix algebra")
    instances = _values(answer, key, trials, seed)
    if not instances:
        raise InputError(f"could not find values where both {text(answer)} and {text(key)} are defined")
    sizes = [s for s, _, _ in instances]
    stated = "; ".join(", ".join(f"{k}={v}" for k, v in s.items()) for s in sizes)
    if all(_close(a, k) for _, a, k in instances):
        return MatrixComparison(True, "numeric", f"equal at {len(sizes)} random sizes and values ({stated})", sizes)
    if is_matrix(key) and all(_close(a, k.T) for _, a, k in instances):
        return MatrixComparison(False, "numeric", f"the answer is the transpose of the key ({stated})", sizes,
                                "transpose")
    if _shape(answer) != _shape(key):
        return MatrixComparison(False, "shape", f"the answer has shape {_shape(answer)}, the key {_shape(key)}",
                                sizes, "shape")
    ratios = {round(float(np.sum(a * k) / np.sum(k * k)), 9) for _, a, k in instances if np.sum(k * k) > 0}
    if len(ratios) == 1:
        c = ratios.pop()
        if c != 0 and all(_close(a, c * k) for _, a, k in instances):
            return MatrixComparison(False, "numeric", f"the answer is {c:g} times the key ({stated})", sizes,
                                    "factor", c)
    return MatrixComparison(False, "numeric", f"different at random sizes and values ({stated})", sizes)
