"""Compile SymPy values, gradients and Hessians into vectorized NumPy or torch code.

How it works, once:

1. The outputs a caller needs -- the value; the value and gradient; or the
   value, gradient and the upper triangle of the Hessian -- are gathered into
   one list per *kernel*. Entries without free symbols (constants, and the many
   zeros of a sparse Hessian) are split off and never compiled: they are
   broadcast into the output at call time.
2. The remaining entries go through :func:`sympy.lambdify` with ``cse=True``,
   so common subexpressions are shared between the value, the gradient and the
   Hessian of one kernel. Before that, constant subtrees such as ``sin(2)`` are
   folded to floats (torch functions do not accept Python numbers) and
   ``DiracDelta`` -- the second derivative of ``|x|`` -- is replaced by 0,
   its value everywhere except at the kink.
3. A call takes one point ``(n,)`` or a batch ``(..., n)``, passes the ``n``
   columns ``X[..., i]`` to the kernel (no Python loop over points) and
   assembles ``(...,)``, ``(..., n)`` and ``(..., n, n)`` outputs.

Backends are rows of the :data:`BACKENDS` table; each knows how to turn input
into an array, lambdify, and assemble entries. torch is imported only when a
torch kernel is first built. Torch callables keep the input's dtype and device
and are differentiable (``torch.stack`` of the entries, no in-place writes).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
import sympy

from .errors import BackendUnavailable, InputError

__all__ = ["BACKENDS", "CompiledFunction", "compile_function", "import_torch", "prepare_for_numerics"]


def import_torch():
    """Import torch, or raise :class:`BackendUnavailable` with the install command."""
    try:
        import torch
    except ImportError as error:  # pragma: no cover - depends on the environment
        raise BackendUnavailable(
            "this needs PyTorch, which is not installed; install it with "
            "pip install -c constraints.txt 'symgrad[torch]' (CPU build)"
        ) from error
    return torch


# -- preparing expressions ------------------------------------------------------------
def prepare_for_numerics(expr: sympy.Expr) -> sympy.Expr:
    """Fold constant subtrees to floats and drop ``DiracDelta`` terms (zero almost everywhere)."""
    if expr.has(sympy.DiracDelta):
        expr = expr.replace(lambda e: isinstance(e, sympy.DiracDelta), lambda e: sympy.S.Zero)
    return _fold_constants(expr)


def _fold_constants(expr: sympy.Expr) -> sympy.Expr:
    if not expr.free_symbols:
        if expr.is_Number:
            return expr
        value = expr.evalf(17)
        return value if value.is_Number else sympy.Float(complex(value).real) if value.is_real else value
    if expr.is_Atom:
        return expr
    args = [_fold_constants(a) for a in expr.args]
    return expr if all(a is b for a, b in zip(args, expr.args)) else expr.func(*args)


# -- backends ---------------------------------------------------------------------------
class NumpyBackend:
    """Arrays are ``numpy.ndarray``; integer input is promoted to float64."""

    name = "numpy"

    def lambdify(self, variables: Sequence[sympy.Symbol], exprs: list[sympy.Expr]) -> Callable:
        return sympy.lambdify(list(variables), exprs, modules="numpy", cse=True)

    def asarray(self, X: Any):
        X = np.asarray(X)
        if not (np.issubdtype(X.dtype, np.floating) or np.issubdtype(X.dtype, np.complexfloating)):
            X = X.astype(np.float64)
        return X

    def stack(self, entries: list[Any], batch_shape: tuple[int, ...], like) -> Any:
        out = np.empty(batch_shape + (len(entries),), dtype=like.dtype)
        for i, entry in enumerate(entries):
            out[..., i] = entry
        return out

    def scalar(self, entry: Any, batch_shape: tuple[int, ...], like) -> Any:
        out = np.empty(batch_shape, dtype=like.dtype)
        out[...] = entry
        return out[()] if not batch_shape else out

    def to_numpy(self, array: Any) -> np.ndarray:
        return np.asarray(array)


class TorchBackend:
    """Tensors keep their dtype and device; integer input is promoted to the default float dtype."""

    name = "torch"

    def lambdify(self, variables: Sequence[sympy.Symbol], exprs: list[sympy.Expr]) -> Callable:
        import_torch()
        return sympy.lambdify(list(variables), exprs, modules="torch", cse=True)

    def asarray(self, X: Any):
        torch = import_torch()
        if not isinstance(X, torch.Tensor):
            X = torch.as_tensor(np.asarray(X, dtype=np.float64))
        if not (X.is_floating_point() or X.is_complex()):
            X = X.to(torch.get_default_dtype())
        return X

    def _full(self, entry: Any, batch_shape: tuple[int, ...], like):
        torch = import_torch()
        if isinstance(entry, torch.Tensor):
            return torch.broadcast_to(entry.to(like.dtype), batch_shape)
        return torch.full(batch_shape, float(entry), dtype=like.dtype, device=like.device)

    def stack(self, entries: list[Any], batch_shape: tuple[int, ...], like) -> Any:
        torch = import_torch()
        return torch.stack([self._full(e, batch_shape, like) for e in entries], dim=-1)

    def scalar(self, entry: Any, batch_shape: tuple[int, ...], like) -> Any:
        return self._full(entry, batch_shape, like)

    def to_numpy(self, array: Any) -> np.ndarray:
        return array.detach().cpu().numpy()


BACKENDS: dict[str, Any] = {"numpy": NumpyBackend(), "torch": TorchBackend()}


def _backend(name: str):
    try:
        return BACKENDS[name]
    except KeyError:
        raise InputError(f"unknown backend {name!r}; choose one of {', '.join(sorted(BACKENDS))}") from None


# -- kernels ----------------------------------------------------------------------------
@dataclass
class _Kernel:
    """A list of expressions compiled once; constants are kept apart and broadcast."""

    exprs: list[sympy.Expr]
    variables: tuple[sympy.Symbol, ...]
    backend: Any

    def __post_init__(self) -> None:
        prepared = [prepare_for_numerics(e) for e in self.exprs]
        self.constants = {i: _as_float(e) for i, e in enumerate(prepared) if not e.free_symbols}
        self.varying = [i for i in range(len(prepared)) if i not in self.constants]
        foreign = set().union(*(prepared[i].free_symbols for i in self.varying)) - set(self.variables)
        if foreign:
            names = ", ".join(sorted(s.name for s in foreign))
            raise InputError(f"cannot compile: the expression contains {names}, which are not variables")
        self.fn = self.backend.lambdify(self.variables, [prepared[i] for i in self.varying]) if self.varying else None

    def __call__(self, columns: list[Any]) -> list[Any]:
        values = list(self.fn(*columns)) if self.fn is not None else []
        entries: list[Any] = [None] * len(self.exprs)
        for i, c in self.constants.items():
            entries[i] = c
        for i, v in zip(self.varying, values):
            entries[i] = v
        return entries


def _as_float(expr: sympy.Expr) -> float | complex:
    value = complex(expr.evalf())
    return value.real if value.imag == 0 else value


# -- the compiled function ------------------------------------------------------------------
class CompiledFunction:
    """Vectorized value, gradient and Hessian of a scalar function.

    Build it with :meth:`symgrad.Function.compile`. Inputs are one point ``(n,)``
    or a batch ``(..., n)``; outputs have shapes ``(...)``, ``(..., n)`` and
    ``(..., n, n)``.

    Example:
        >>> import numpy as np, symgrad as sg
        >>> c = sg.Function("2*w0^2 + 3*w1^2").compile("numpy")
        >>> c.gradient(np.array([[3.0, 4.0], [1.0, 1.0]]))
        array([[12., 24.],
               [ 4.,  6.]])
    """

    def __init__(
        self,
        expr: sympy.Expr,
        variables: Sequence[sympy.Symbol],
        backend: str,
        gradient: sympy.MatrixBase | None = None,
        hessian: sympy.MatrixBase | None = None,
    ):
        self.expr = expr
        self.variables = tuple(variables)
        self.n = len(self.variables)
        self.backend = _backend(backend)
        self._gradient_exprs = list(gradient) if gradient is not None else [sympy.diff(expr, v) for v in self.variables]
        if hessian is None:
            hessian = sympy.hessian(expr, self.variables)
        self._upper = [(i, j) for i in range(self.n) for j in range(i, self.n)]
        self._hessian_exprs = [hessian[i, j] for i, j in self._upper]

    def __repr__(self) -> str:
        return f"<CompiledFunction {self.expr} ({self.backend.name})>"

    @cached_property
    def _value_kernel(self) -> _Kernel:
        return _Kernel([self.expr], self.variables, self.backend)

    @cached_property
    def _gradient_kernel(self) -> _Kernel:
        return _Kernel([self.expr, *self._gradient_exprs], self.variables, self.backend)

    @cached_property
    def _full_kernel(self) -> _Kernel:
        return _Kernel([self.expr, *self._gradient_exprs, *self._hessian_exprs], self.variables, self.backend)

    def _columns(self, X: Any):
        X = self.backend.asarray(X)
        if X.ndim == 0 or X.shape[-1] != self.n:
            raise InputError(
                f"expected points with {self.n} coordinates in the last axis "
                f"({', '.join(v.name for v in self.variables)}), got an array of shape {tuple(X.shape)}"
            )
        return X, [X[..., i] for i in range(self.n)], tuple(X.shape[:-1])

    def _assemble(self, entries, which: str, X, batch_shape):
        b = self.backend
        value = b.scalar(entries[0], batch_shape, X)
        if which == "value":
            return value
        gradient = b.stack(entries[1 : 1 + self.n], batch_shape, X)
        if which == "gradient":
            return value, gradient
        upper = dict(zip(self._upper, entries[1 + self.n :]))
        flat = [upper[min(i, j), max(i, j)] for i in range(self.n) for j in range(self.n)]
        hessian = b.stack(flat, batch_shape, X).reshape(batch_shape + (self.n, self.n))
        return value, gradient, hessian

    def value(self, X: Any):
        """``f(X)`` for one point or a batch."""
        X, columns, batch = self._columns(X)
        return self._assemble(self._value_kernel(columns), "value", X, batch)

    def value_and_gradient(self, X: Any):
        """``(f(X), ∇f(X))`` from one shared-CSE kernel."""
        X, columns, batch = self._columns(X)
        return self._assemble(self._gradient_kernel(columns), "gradient", X, batch)

    def gradient(self, X: Any):
        """``∇f(X)`` with shape ``(..., n)``."""
        return self.value_and_gradient(X)[1]

    def evaluate(self, X: Any):
        """``(f(X), ∇f(X), H(X))`` from one shared-CSE kernel."""
        X, columns, batch = self._columns(X)
        return self._assemble(self._full_kernel(columns), "hessian", X, batch)

    def hessian(self, X: Any):
        """The Hessian with shape ``(..., n, n)``."""
        return self.evaluate(X)[2]

    __call__ = value

    # scipy.optimize.minimize signatures: fun(x, *args) -> float, jac -> (n,), hess -> (n, n)
    def fun(self, x: Any, *args: Any) -> float:
        """Objective for :func:`scipy.optimize.minimize`."""
        return float(self.backend.to_numpy(self.value(self._flat(x))))

    def jac(self, x: Any, *args: Any) -> np.ndarray:
        """Gradient for :func:`scipy.optimize.minimize` (``jac=``)."""
        return np.asarray(self.backend.to_numpy(self.gradient(self._flat(x))), dtype=float)

    def hess(self, x: Any, *args: Any) -> np.ndarray:
        """Hessian for :func:`scipy.optimize.minimize` (``hess=``)."""
        return np.asarray(self.backend.to_numpy(self.hessian(self._flat(x))), dtype=float)

    def _flat(self, x: Any):
        return np.asarray(x, dtype=np.float64).reshape(self.n) if self.backend.name == "numpy" else self.backend.asarray(
            np.asarray(x, dtype=np.float64).reshape(self.n)
        )


def compile_function(
    expr: sympy.Expr,
    variables: Sequence[sympy.Symbol],
    backend: str = "numpy",
    *,
    gradient: sympy.MatrixBase | None = None,
    hessian: sympy.MatrixBase | None = None,
) -> CompiledFunction:
    """Compile a scalar SymPy expression of ordered ``variables`` for ``backend``.

    ``gradient`` and ``hessian`` may be passed when already derived (as
    :class:`symgrad.Function` does); otherwise they are derived here.
    """
    return CompiledFunction(expr, variables, backend, gradient, hessian)
