"""One table-driven evaluator for matrix expressions, for NumPy and torch; it is also the compiled kernel.

``evaluate(expr, values, backend)`` walks the expression once (shared
subexpressions are computed once per call) with one rule per node type in
:data:`MATRIX_OPS` / :data:`SCALAR_OPS`, and the backend's array functions from
:data:`BACKENDS`. Products are BLAS calls on whole arrays -- never a symbol per
sample -- and ``diag(v) A`` is a broadcast ``v * A``, never an ``N × N`` matrix.
torch results keep the input's dtype and device and stay differentiable.

Values are given by name; a column vector may be given 1-D. Results: a scalar
for a scalar expression, 1-D for a column vector, 2-D otherwise.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any, Callable

import numpy as np
import sympy
from sympy import (Determinant, HadamardPower, HadamardProduct, Identity, Inverse, MatAdd, MatMul, MatPow,
                   OneMatrix, Trace, Transpose, ZeroMatrix)
from sympy.matrices.expressions.diagonal import DiagMatrix, DiagonalOf

from ..errors import BackendUnavailable, InputError
from ..matexpr import Elementwise, LogSumExp, ScalarOf, Softmax, SumOf, matrix_symbols

__all__ = ["evaluate", "Kernel", "BACKENDS", "bind_dimensions"]


def _torch():
    try:
        import torch
    except ImportError as exc:  # pragma: no cover - torch is a test dependency
        raise BackendUnavailable("the torch backend needs torch: pip install 'symgrad[torch]' (CPU build)") from exc
    return torch


def _numpy_ops() -> dict[str, Callable[..., Any]]:
    from scipy import special

    return {
        "array": lambda v, like: np.asarray(v, dtype=like),
        "eye": lambda n, like: np.eye(n, dtype=like), "ones": lambda s, like: np.ones(s, dtype=like),
        "zeros": lambda s, like: np.zeros(s, dtype=like), "inv": np.linalg.inv, "det": np.linalg.det,
        "matrix_power": np.linalg.matrix_power, "diagflat": lambda v: np.diagflat(v),
        "diagonal": lambda m: np.diagonal(m).reshape(-1, 1), "sum": np.sum, "trace": np.trace,
        "logsumexp": lambda v: special.logsumexp(v), "softmax": lambda v: special.softmax(v, axis=0),
        "exp": np.exp, "log": np.log, "sigmoid": special.expit, "tanh": np.tanh, "relu": lambda x: np.maximum(x, 0),
        "softplus": lambda x: np.logaddexp(0, x), "sqrt": np.sqrt, "abs": np.abs, "sin": np.sin, "cos": np.cos,
        "step": lambda x: np.heaviside(x, 0), "sign": np.sign, "scalar": lambda m: m.reshape(())[()],
        "max": np.maximum, "heaviside": lambda x: np.heaviside(x, 0),
    }


def _torch_ops() -> dict[str, Callable[..., Any]]:
    torch = _torch()

    def array(v, like):
        return v if isinstance(v, torch.Tensor) else torch.as_tensor(v, dtype=like.dtype, device=like.device)

    return {
        "array": array,
        "eye": lambda n, like: torch.eye(n, dtype=like.dtype, device=like.device),
        "ones": lambda s, like: torch.ones(s, dtype=like.dtype, device=like.device),
        "zeros": lambda s, like: torch.zeros(s, dtype=like.dtype, device=like.device),
        "inv": torch.linalg.inv, "det": torch.linalg.det, "matrix_power": torch.linalg.matrix_power,
        "diagflat": lambda v: torch.diag(v.reshape(-1)), "diagonal": lambda m: torch.diagonal(m).reshape(-1, 1),
        "sum": torch.sum, "trace": torch.trace, "logsumexp": lambda v: torch.logsumexp(v.reshape(-1), 0),
        "softmax": lambda v: torch.softmax(v, 0), "exp": torch.exp, "log": torch.log, "sigmoid": torch.sigmoid,
        "tanh": torch.tanh, "relu": torch.relu, "softplus": torch.nn.functional.softplus, "sqrt": torch.sqrt,
        "abs": torch.abs, "sin": torch.sin, "cos": torch.cos, "step": lambda x: (x > 0).to(x.dtype),
        "sign": torch.sign, "scalar": lambda m: m.reshape(()),
        "max": lambda a, b: torch.maximum(*_tensors(torch, a, b)),
        "heaviside": lambda x: (x > 0).to(x.dtype),
    }


def _tensors(torch, *args):
    like = next(a for a in args if isinstance(a, torch.Tensor))
    return [a if isinstance(a, torch.Tensor) else torch.as_tensor(a, dtype=like.dtype, device=like.device)
            for a in args]


BACKENDS: dict[str, Callable[[], dict[str, Callable[..., Any]]]] = {"numpy": _numpy_ops, "torch": _torch_ops}


# -- binding values and dimensions ---------------------------------------------------------------------------
def bind_dimensions(symbols: Mapping[str, sympy.MatrixSymbol], arrays: Mapping[str, Any]) -> dict[sympy.Symbol, int]:
    """Sizes of the symbolic dimensions, read from the arrays; a mismatch is an :class:`InputError`."""
    sizes: dict[sympy.Symbol, int] = {}
    for name, m in symbols.items():
        if name not in arrays:
            continue
        shape = tuple(arrays[name].shape)
        for dim, got in zip(m.shape, shape):
            known = sizes.setdefault(dim, got) if dim.is_Symbol else int(dim)
            if known != got:
                raise InputError(f"{name} has shape {shape}, which does not fit its declared shape {m.shape} "
                                 f"(dimension {dim} is {known} elsewhere)")
    return sizes


def _arrays(symbols: Mapping[str, sympy.MatrixSymbol], needed: set[str], values: Mapping[str, Any], ops: dict,
            like) -> dict[str, Any]:
    out = {}
    for name, m in symbols.items():
        if name not in values and name not in needed:
            continue
        if name not in values:
            raise InputError(f"no value given for the {'vector' if m.shape[1] == 1 else 'matrix'} {name}")
        try:
            a = ops["array"](values[name], like)
        except (TypeError, ValueError) as exc:
            raise InputError(f"the value of {name} is not an array of numbers: {exc}") from None
        if a.ndim == 1 and m.shape[1] == 1:
            a = a.reshape(-1, 1)
        if a.ndim != 2:
            raise InputError(f"{name} must be a {'vector' if m.shape[1] == 1 else 'matrix'} of shape {m.shape}, "
                             f"got an array of shape {tuple(a.shape)}")
        out[name] = a
    return out


class _Walk:
    """One evaluation: arrays, dimension sizes, backend ops and a cache of computed nodes."""

    def __init__(self, ops, arrays, scalars, sizes, like):
        self.ops, self.arrays, self.scalars, self.sizes, self.like = ops, arrays, scalars, sizes, like
        self.cache: dict[sympy.Basic, Any] = {}

    def size(self, dim) -> int:
        return int(dim) if dim.is_Integer else self.sizes[dim]

    def shape(self, node) -> tuple[int, int]:
        return self.size(node.shape[0]), self.size(node.shape[1])

    def __call__(self, node):
        hit = self.cache.get(node)
        if hit is None:
            hit = self.cache[node] = self._compute(node)
        return hit

    def _compute(self, node):
        return _rule(node)(self, node)


@lru_cache(maxsize=8192)
def _rule(node: sympy.Basic) -> Callable[..., Any]:
    """The evaluation rule of one node, found once per node (kernels are called many times)."""
    if not isinstance(node, sympy.MatrixExpr) and node.is_number:
        value = float(node)
        return lambda walk, n: value
    table = MATRIX_OPS if isinstance(node, sympy.MatrixExpr) else SCALAR_OPS
    for kind, op in table.items():
        if isinstance(node, kind):
            return op
    name = type(node).__name__.lower()
    if isinstance(node, sympy.Function) and name in ELEMENTARY:
        return lambda walk, n: walk.ops[ELEMENTARY[name]](*(walk(a) for a in n.args))
    raise InputError(f"symgrad cannot evaluate {type(node).__name__} in {node}")


ELEMENTARY = {"exp": "exp", "log": "log", "tanh": "tanh", "sin": "sin", "cos": "cos", "abs": "abs",
              "sign": "sign", "max": "max", "heaviside": "heaviside"}


# -- products: diag(v) factors stay vectors ------------------------------------------------------------------
def _factor(walk: _Walk, node):
    if isinstance(node, DiagMatrix):
        return ("diag", walk(node.args[0]).reshape(-1, 1))
    return ("dense", walk(node))


def _dense_product(a, b):
    """``a @ b``; a matrix times a column runs as a BLAS matrix-vector product (gemv), transposes as views."""
    if b.shape[1] == 1 and a.shape[0] > 1 and a.shape[1] > 1:
        return (a @ b.reshape(-1)).reshape(-1, 1)
    return a @ b


def _combine(a, b):
    (ka, va), (kb, vb) = a, b
    if ka == "dense" and kb == "dense":
        return ("dense", _dense_product(va, vb))
    if ka == "diag" and kb == "diag":
        return ("diag", va * vb)
    return ("dense", va * vb) if ka == "diag" else ("dense", va * vb.reshape(1, -1))


@lru_cache(maxsize=8192)
def _matmul_parts(node: MatMul) -> tuple[sympy.Expr, tuple, bool]:
    coeff, mats = node.as_coeff_matrices()
    return (None if coeff == 1 else coeff), tuple(mats), node.shape[1] == 1


def _matmul(walk: _Walk, node: MatMul):
    coeff, mats, ends_in_column = _matmul_parts(node)
    factors = [_factor(walk, m) for m in mats]
    if ends_in_column and len(factors) > 2:  # ends in a vector: right to left keeps it matrix-vector
        acc = factors[-1]
        for f in reversed(factors[:-1]):
            acc = _combine(f, acc)
    else:
        acc = factors[0]
        for f in factors[1:]:
            acc = _combine(acc, f)
    kind, value = acc
    if kind == "diag":
        value = walk.ops["diagflat"](value)
    return value if coeff is None else walk(coeff) * value


def _fold(combine: Callable[[Any, Any], Any]) -> Callable[..., Any]:
    """A rule that evaluates every argument and combines them left to right (sums, products)."""
    def rule(walk, node):
        out = walk(node.args[0])
        for a in node.args[1:]:
            out = combine(out, walk(a))
        return out
    return rule


_sum, _product = _fold(lambda a, b: a + b), _fold(lambda a, b: a * b)


MATRIX_OPS: dict[type[Any], Callable[..., Any]] = {
    sympy.MatrixSymbol: lambda w, n: w.arrays[n.name],
    MatMul: _matmul,
    MatAdd: _sum,
    Transpose: lambda w, n: w(n.arg).T,
    Inverse: lambda w, n: w.ops["inv"](w(n.arg)),
    MatPow: lambda w, n: (w.ops["inv"](w(n.args[0])) if n.args[1] == -1
                          else w.ops["matrix_power"](w(n.args[0]), int(n.args[1]))),
    HadamardProduct: _product,
    HadamardPower: lambda w, n: w(n.args[0]) ** w(n.args[1]),
    Elementwise: lambda w, n: w.ops[n.name](w(n.arg)),
    Softmax: lambda w, n: w.ops["softmax"](w(n.arg)),
    Identity: lambda w, n: w.ops["eye"](w.size(n.rows), w.like),
    OneMatrix: lambda w, n: w.ops["ones"](w.shape(n), w.like),
    ZeroMatrix: lambda w, n: w.ops["zeros"](w.shape(n), w.like),
    DiagMatrix: lambda w, n: w.ops["diagflat"](w(n.args[0])),
    DiagonalOf: lambda w, n: w.ops["diagonal"](w(n.args[0])),
}


def _symbol(walk, node):
    if node.name not in walk.scalars:
        raise InputError(f"no value given for {node.name}")
    return walk.scalars[node.name]


SCALAR_OPS: dict[type[Any], Callable[..., Any]] = {
    sympy.Number: lambda w, n: float(n),
    sympy.NumberSymbol: lambda w, n: float(n),
    sympy.Symbol: _symbol,
    sympy.Add: _sum,
    sympy.Mul: _product,
    sympy.Pow: lambda w, n: w(n.base) ** w(n.exp),
    ScalarOf: lambda w, n: w.ops["scalar"](w(n.arg)),
    Trace: lambda w, n: w.ops["trace"](w(n.arg)),
    Determinant: lambda w, n: w.ops["det"](w(n.arg)),
    LogSumExp: lambda w, n: w.ops["logsumexp"](w(n.arg)),
    SumOf: lambda w, n: w.ops["sum"](w(n.arg)),
}


def _template(values: Mapping[str, Any], backend: str):
    """The dtype (NumPy) or a tensor (torch) new arrays follow."""
    if backend == "torch":
        torch = _torch()
        tensors = [v for v in values.values() if isinstance(v, torch.Tensor)]
        return tensors[0] if tensors else torch.zeros((), dtype=torch.float64)
    floats = [np.asarray(v).dtype for v in values.values() if np.asarray(v).dtype.kind == "f"]
    return floats[0] if floats else np.float64


def _shaped_output(value, expr, ops):
    if not isinstance(expr, sympy.MatrixExpr):
        return value
    return value.reshape(-1) if expr.shape[1] == 1 else value


def evaluate(expr: sympy.Basic, values: Mapping[str, Any], backend: str = "numpy") -> Any:
    """The value of a (matrix) expression at named arrays and scalars.

    >>> from symgrad.matexpr import declare
    >>> X, w = declare("X", ("N", "d")), declare("w", "d")
    >>> evaluate(2 * X.T * X * w, {"X": np.eye(2), "w": [1.0, 2.0]})
    array([2., 4.])
    """
    if backend not in BACKENDS:
        raise InputError(f"unknown backend {backend!r}; choose one of {', '.join(BACKENDS)}")
    return Kernel(expr, backend)(values)


class Kernel:
    """``expr`` prepared for one backend: call it with values by name (the compiled form of a matrix result).

    ``context``: expressions whose matrix symbols fix the sizes of dimensions ``expr`` uses without a symbol of
    its own (a derived ``2*I`` needs the ``x`` of the function it came from).
    """

    expr: sympy.Basic
    backend: str
    ops: dict[str, Callable[..., Any]]
    needed: set[str]
    symbols: dict[str, sympy.MatrixSymbol]

    def __init__(self, expr: sympy.Basic, backend: str = "numpy", context: tuple[sympy.Basic, ...] = ()):
        if backend not in BACKENDS:
            raise InputError(f"unknown backend {backend!r}; choose one of {', '.join(BACKENDS)}")
        self.expr, self.backend = expr, backend
        self.ops = BACKENDS[backend]()
        self.needed = set(matrix_symbols(expr))
        self.symbols = {k: v for e in (*context, expr) for k, v in matrix_symbols(e).items()}
        self._plans: dict[tuple, tuple[dict, set]] = {(): (self.symbols, self.needed)}

    def _symbols_for(self, more: tuple) -> tuple[dict, set]:
        """The matrix symbols and the needed names of ``expr`` with ``more``, found once per combination."""
        plan = self._plans.get(more)
        if plan is None:
            found = [matrix_symbols(e) for e in more]
            symbols = {k: v for f in found for k, v in f.items()} | self.symbols
            plan = self._plans[more] = (symbols, self.needed.union(*found))
        return plan

    def __call__(self, values: Mapping[str, Any]) -> Any:
        return self.together(values)[0]

    def together(self, values: Mapping[str, Any], *more: sympy.Basic) -> tuple[Any, ...]:
        """``expr`` and ``more`` expressions at the same values in one walk: shared parts (``Xw + b``) computed once."""
        like = _template(values, self.backend)
        symbols, needed = self._symbols_for(more)
        arrays = _arrays(symbols, needed, values, self.ops, like)
        scalars = {k: v for k, v in values.items() if k not in symbols}
        walk = _Walk(self.ops, arrays, scalars, bind_dimensions(symbols, arrays), like)
        return tuple(_shaped_output(walk(e), e, self.ops) for e in (self.expr, *more))
