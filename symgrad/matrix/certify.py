"""Certification: a derived matrix result is checked at random concrete sizes and values before it is shown.

Two independent oracles:

* **torch autograd** on the *value* expression (evaluated by :mod:`.evaluate` with
  the torch backend): ``torch.autograd.grad`` for gradients,
  ``torch.autograd.functional.jacobian`` / ``hessian`` for Jacobians and Hessians;
* **the explicit elementwise expansion** at the smallest size (every dimension 2):
  each matrix symbol becomes a matrix of scalar symbols, the expression a plain
  SymPy scalar (or vector), differentiated entry by entry with ``sympy.diff`` --
  no matrix rule and no evaluator code is shared with the derived result.

A disagreement raises :class:`~symgrad.errors.VerificationError`; the caller never
returns the result.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np
import sympy
from sympy import (Determinant, HadamardPower, HadamardProduct, Identity, Inverse, MatAdd, MatMul, MatPow,
                   OneMatrix, Trace, Transpose, ZeroMatrix)
from sympy.matrices.expressions.diagonal import DiagMatrix, DiagonalOf

from ..errors import VerificationError
from ..matexpr import ELEMENTWISE, Elementwise, LogSumExp, ScalarOf, Softmax, SumOf, matrix_symbols
from .evaluate import Kernel, _torch

__all__ = ["certify", "Certificate", "KINDS", "explicit"]

KINDS = ("value", "gradient", "jacobian", "hessian")


@dataclass(frozen=True)
class Certificate:
    """What was checked: the concrete sizes of each trial, the oracles used, the largest relative error."""

    kind: str
    sizes: list[dict[str, int]] = field(default_factory=list)
    oracles: tuple[str, ...] = ()
    max_relative_error: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "sizes": self.sizes, "oracles": list(self.oracles),
                "max_relative_error": self.max_relative_error}


# -- random concrete instances -------------------------------------------------------------------------------
def dimensions_of(*exprs: sympy.Basic) -> list[sympy.Symbol]:
    dims: set[sympy.Symbol] = set()
    for e in exprs:
        for m in matrix_symbols(e).values():
            dims |= {d for d in m.shape if d.is_Symbol}
        for node in sympy.preorder_traversal(e):
            if isinstance(node, sympy.MatrixExpr):
                dims |= {d for d in node.shape if getattr(d, "is_Symbol", False)}
    return sorted(dims, key=lambda d: d.name)


def _draw(rng, shape: tuple[int, int], positive: bool) -> np.ndarray:
    if shape[0] == shape[1] and shape[0] > 1:
        return np.eye(shape[0]) * shape[0] + 0.3 * rng.standard_normal(shape)  # invertible, positive determinant
    return rng.uniform(0.3, 1.2, shape) if positive else rng.standard_normal(shape)


def random_values(rng: np.random.Generator, exprs: Iterable[sympy.Basic], positive: bool,
                  sizes: dict[sympy.Symbol, int]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for e in exprs:
        for name, m in matrix_symbols(e).items():
            if name not in values:
                shape = tuple(int(d) if d.is_Integer else sizes[d] for d in m.shape)
                values[name] = _draw(rng, shape, positive)
        for s in sorted(e.free_symbols, key=str):  # a fixed order, so a seed gives the same values in every process
            if isinstance(s, sympy.Symbol) and s.name not in values:
                values[s.name] = float(rng.uniform(0.5, 1.5) if positive else rng.standard_normal())
    return values


# -- oracle 1: torch autograd -----------------------------------------------------------------------------
def _autograd(expr, wrt_name: str, kind: str, values: dict[str, Any]) -> np.ndarray:
    torch = _torch()
    kernel = Kernel(expr, "torch")
    base = {k: torch.as_tensor(v, dtype=torch.float64) for k, v in values.items()}
    shape = base[wrt_name].shape

    def f(flat):
        return kernel({**base, wrt_name: flat.reshape(shape)})

    x = base[wrt_name].reshape(-1).clone()
    if kind == "value":
        out = f(x)
    elif kind == "gradient":
        x.requires_grad_(True)
        (out,) = torch.autograd.grad(f(x), x)
        out = out.reshape(shape)
    elif kind == "jacobian":
        out = torch.autograd.functional.jacobian(lambda t: f(t).reshape(-1), x)
    else:
        out = torch.autograd.functional.hessian(f, x)
    return out.detach().numpy()


# -- oracle 1 without torch: central finite differences of the value (NumPy) -----------------------------------
def _finite_differences(expr, wrt_name: str, kind: str, values: dict[str, Any]) -> np.ndarray:
    kernel = Kernel(expr, "numpy")
    x0 = np.asarray(values[wrt_name], dtype=float)
    shape, flat = x0.shape, x0.reshape(-1)

    def f(v):
        return np.asarray(kernel({**values, wrt_name: v.reshape(shape)}), dtype=float).reshape(-1)

    def partial(fn, i, h):
        e = np.zeros_like(flat)
        e[i] = h
        return (fn(flat + e) - fn(flat - e)) / (2 * h)

    if kind == "value":
        return f(flat)
    if kind in ("gradient", "jacobian"):
        cols = np.stack([partial(f, i, 1e-6) for i in range(flat.size)], axis=-1)
        return cols.reshape(shape) if kind == "gradient" else cols
    h = 1e-4
    hess = np.empty((flat.size, flat.size))
    for i in range(flat.size):
        for j in range(flat.size):
            ei, ej = np.zeros_like(flat), np.zeros_like(flat)
            ei[i], ej[j] = h, h
            hess[i, j] = (f(flat + ei + ej) - f(flat + ei - ej) - f(flat - ei + ej) + f(flat - ei - ej))[0] / (4 * h * h)
    return hess


def _numeric_oracle():
    """torch autograd when torch is installed, else central finite differences (looser tolerance)."""
    try:
        _torch()
    except ImportError:
        return _finite_differences, "central finite differences", 1e-4
    return _autograd, "torch autograd", 1e-7


# -- oracle 2: the explicit elementwise expansion -----------------------------------------------------------
def _entries(name: str, rows: int, cols: int) -> sympy.ImmutableMatrix:
    return sympy.ImmutableMatrix(rows, cols, lambda i, j: sympy.Symbol(f"{name}_{i}_{j}", real=True))


def _prod(items):
    out = items[0]
    for it in items[1:]:
        out = out * it
    return out


def _hadamard(ms):
    out = ms[0]
    for m in ms[1:]:
        out = out.multiply_elementwise(m)
    return out


def _softmax(v):
    e = v.applyfunc(sympy.exp)
    return e / sum(e)


EXPLICIT: dict[type[Any], Callable[..., Any]] = {
    MatMul: lambda n, a: _prod(list(a)),
    MatAdd: lambda n, a: sum(a[1:], a[0]),
    Transpose: lambda n, a: a[0].T,
    Inverse: lambda n, a: a[0].inv(),
    MatPow: lambda n, a: a[0] ** a[1],
    HadamardProduct: lambda n, a: _hadamard(list(a)),
    HadamardPower: lambda n, a: a[0].applyfunc(lambda e: e ** a[1]),
    Elementwise: lambda n, a: a[1].applyfunc(ELEMENTWISE[n.name].scalar),
    Softmax: lambda n, a: _softmax(a[0]),
    DiagMatrix: lambda n, a: sympy.diag(*a[0]),
    DiagonalOf: lambda n, a: sympy.ImmutableMatrix([a[0][i, i] for i in range(a[0].rows)]),
    ScalarOf: lambda n, a: a[0][0, 0],
    Trace: lambda n, a: a[0].trace(),
    Determinant: lambda n, a: a[0].det(),
    LogSumExp: lambda n, a: sympy.log(sum(a[0].applyfunc(sympy.exp))),
    SumOf: lambda n, a: sum(a[0]),
}


def explicit(expr: sympy.Basic, sizes: dict[sympy.Symbol, int]) -> sympy.Basic:
    """``expr`` with every matrix symbol replaced by a matrix of scalar symbols ``X_i_j`` (concrete sizes).

    >>> from symgrad.matexpr import declare
    >>> w = declare("w", "d")
    >>> explicit(ScalarOf(w.T * w), {sympy.Symbol("d", integer=True, positive=True): 2})
    w_0_0**2 + w_1_0**2
    """
    def size(d):
        return int(d) if d.is_Integer else sizes[d]

    def walk(node):
        if isinstance(node, sympy.MatrixSymbol):
            return _entries(node.name, size(node.rows), size(node.cols))
        if isinstance(node, (Identity, OneMatrix, ZeroMatrix)):
            fill = {Identity: lambda r, c: sympy.eye(r), OneMatrix: sympy.ones, ZeroMatrix: sympy.zeros}
            return sympy.ImmutableMatrix(fill[type(node)](size(node.rows), size(node.cols)))
        if isinstance(node, sympy.core.symbol.Str) or not node.args:
            return node
        args = tuple(walk(a) for a in node.args)
        for kind, rule in EXPLICIT.items():
            if isinstance(node, kind):
                return rule(node, args)
        return node.func(*args)

    return walk(expr)


def _explicit_derivative(expr, wrt: sympy.MatrixSymbol, kind: str, sizes) -> sympy.ImmutableMatrix:
    e = explicit(expr, sizes)
    w = explicit(wrt, sizes)
    flat = list(w)
    if kind == "value":
        return e if isinstance(e, sympy.MatrixBase) else sympy.ImmutableMatrix([[e]])
    if kind == "gradient":
        return sympy.ImmutableMatrix(w.rows, w.cols, [sympy.diff(e, v) for v in w])
    if kind == "jacobian":
        return sympy.ImmutableMatrix(e).jacobian(flat)
    return sympy.hessian(e, flat)


def _numeric(m, values: dict[str, Any]) -> np.ndarray:
    subs = {}
    for s in m.free_symbols:
        if s.name in values:
            v = values[s.name]
        else:
            name, i, j = s.name.rsplit("_", 2)
            v = values[name][int(i), int(j)]
        subs[s] = sympy.Float(float(v), 30)
    return np.array(sympy.ImmutableMatrix(m).xreplace(subs).evalf(20).tolist(), dtype=float)


def _relative_error(got: np.ndarray, want: np.ndarray) -> float:
    got, want = np.asarray(got, dtype=float).reshape(want.shape), np.asarray(want, dtype=float)
    scale = max(1.0, float(np.max(np.abs(want))) if want.size else 1.0)
    return float(np.max(np.abs(got - want)) / scale) if want.size else 0.0


def certify(expr: sympy.Basic, result: sympy.Basic, wrt: sympy.MatrixSymbol, kind: str = "gradient", *,
            trials: int = 3, seed: int = 0, explicit_check: bool = True, rtol: float = 1e-7) -> Certificate:
    """Check ``result`` (the ``kind`` of ``expr`` w.r.t. ``wrt``) at random sizes; raise if it is wrong.

    >>> from symgrad.matexpr import declare
    >>> X, w, y = declare("X", ("N", "d")), declare("w", "d"), declare("y", "N")
    >>> loss = ScalarOf((X * w - y).T * (X * w - y))
    >>> certify(loss, 2 * X.T * (X * w - y), w).oracles
    ('torch autograd', 'explicit SymPy expansion')
    >>> certify(loss, X.T * (X * w - y), w)
    Traceback (most recent call last):
    ...
    symgrad.errors.VerificationError: the derived gradient of ... disagrees with torch autograd ...
    """
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}")
    rng = np.random.default_rng(seed)
    dims = dimensions_of(expr, result, wrt)
    oracle, oracle_name, tolerance = _numeric_oracle()
    checked, worst, oracles = [], 0.0, [oracle_name]
    for trial in range(trials):
        sizes = {d: int(rng.integers(2, 6)) for d in dims}
        for positive in (False, True):
            values = random_values(rng, (expr, result, wrt), positive, sizes)
            with np.errstate(all="ignore"):
                want = oracle(expr, wrt.name, kind, values)
                got = Kernel(result, "numpy", (expr, wrt))(values) if kind != "value" else want
            if np.all(np.isfinite(want)) and np.all(np.isfinite(got)):
                break
        else:
            continue
        err = _relative_error(got, want)
        worst = max(worst, err)
        named = {d.name: n for d, n in sizes.items()}
        checked.append(named)
        if not err <= max(rtol * 100, tolerance):
            raise VerificationError(f"the derived {kind} of {expr} with respect to {wrt} disagrees with "
                                    f"{oracle_name} at sizes {named}: relative error {err:.3g}; the result {result} "
                                    "is withheld")
    if not checked:
        raise VerificationError(f"could not find random values where {expr} is defined; the {kind} is withheld")
    if explicit_check:
        worst = max(worst, _explicit_check(expr, result, wrt, kind, dims, rng, rtol))
        oracles.append("explicit SymPy expansion")
    return Certificate(kind, checked, tuple(oracles), worst)


def _explicit_check(expr, result, wrt, kind, dims, rng, rtol) -> float:
    sizes = {d: 2 for d in dims}
    for positive in (False, True):
        values = random_values(rng, (expr, result, wrt), positive, sizes)
        with np.errstate(all="ignore"):
            want = _numeric(_explicit_derivative(expr, wrt, kind, sizes), values)
            got = np.asarray(Kernel(result, "numpy", (expr, wrt))(values), dtype=float)
        if np.all(np.isfinite(want)):
            break
    err = _relative_error(got, want)
    if not err <= rtol * 100:
        raise VerificationError(f"the derived {kind} of {expr} with respect to {wrt} disagrees with the explicit "
                                f"elementwise expansion at size 2: relative error {err:.3g}; withheld")
    return err
