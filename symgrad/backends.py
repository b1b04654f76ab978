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

Fast NumPy kernels (float64 input, ``engine="auto"`` or ``"symengine"``, ``cse="auto"``):
a polynomial of degree <= 2 that :class:`symgrad.Function` read as a
:class:`symgrad.derivatives.QuadraticForm` is evaluated by matrix products
(``c + b·x + ½ xᵀHx``, ``Hx + b``, and ``H`` broadcast, never copied per point)
with no code generation at all; any other function SymEngine can represent is
compiled from its SymEngine derivatives (those the Function already has, or
derived for the kernels alone) by :mod:`symgrad.kernels`: one CSE'd
``symengine.Lambdify`` per output combination, LLVM on batches, run over chunks
on every core and written straight into the output. SymPy's printer and
``lambdify`` are then never used. Any other input (float32, complex, torch),
``engine="sympy"`` or a function SymEngine cannot take uses the SymPy route
below.

Backends are rows of the :data:`BACKENDS` table; each knows how to turn input
into an array, lambdify, and assemble entries. torch is imported only when a
torch kernel is first built. Torch callables keep the input's dtype and device
and are differentiable (``torch.stack`` of the entries, no in-place writes).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property
from types import ModuleType
from typing import Any

import numpy as np
import sympy

from .display import Display, Displayed
from .errors import BackendUnavailable, InputError
from .kernels import FastPathUnavailable as _FastPathUnavailable
from .kernels import SymEngineEvaluator

__all__ = ["BACKENDS", "CompiledFunction", "compile_function", "import_torch", "prepare_for_numerics"]


def import_torch() -> ModuleType:
    """Import torch, or raise :class:`BackendUnavailable` with the install command."""
    try:
        import torch
    except ImportError as error:  # pragma: no cover - depends on the environment
        raise BackendUnavailable(
            "this needs PyTorch, which is not installed; install it with pip install 'symgrad[torch]' "
            "(for the smaller CPU-only build, first: pip install torch --index-url https://download.pytorch.org/whl/cpu)"
        ) from error
    return torch


# -- preparing expressions ------------------------------------------------------------
def prepare_for_numerics(expr: sympy.Expr) -> sympy.Expr:
    """Fold constant subtrees to floats and drop ``DiracDelta`` terms (zero almost everywhere)."""
    return _fold(expr)[0]


def _fold(expr: sympy.Basic) -> tuple[sympy.Basic, bool]:
    """``(folded expression, is constant)`` in one bottom-up pass (each node visited once)."""
    if isinstance(expr, sympy.Symbol):
        return expr, False
    if isinstance(expr, sympy.DiracDelta):
        return sympy.S.Zero, True
    if expr.is_Float:
        return _printable_float(expr), True
    if expr.is_Number:
        return expr, True
    if expr.is_Atom:
        return (_constant_value(expr), True) if not expr.free_symbols else (expr, False)
    folded = [_fold(a) for a in expr.args]
    if all(constant for _, constant in folded):
        return _constant_value(expr.func(*[a for a, _ in folded])), True
    args = [a for a, _ in folded]
    return (expr if all(a is b for a, b in zip(args, expr.args)) else expr.func(*args)), False


def _printable_float(value: sympy.Float) -> sympy.Float:
    """The same binary value, printed with enough digits (17) to read back as the same double.

    SymPy prints a 53-bit Float with 15 digits, so a lambdified kernel would compute with a neighbouring
    number (``0.7530899522447223`` becomes ``0.753089952244722``) and disagree with the exact coefficients
    in the last bits.
    """
    return sympy.Float(value, 17) if value._prec < 57 else value


def _constant_value(expr: sympy.Expr) -> sympy.Expr:
    if expr.is_Number:
        return expr
    value = expr.evalf(17)
    return value if value.is_Number else sympy.Float(complex(value).real) if value.is_real else value


# -- common subexpressions and printing ----------------------------------------------------
def _to_symengine(expr):
    """A SymPy object as a SymEngine one (a structural conversion; no text is parsed)."""
    from symengine.lib.symengine_wrapper import sympy2symengine

    return sympy2symengine(expr, raise_error=True)


def _symengine_cse(exprs: list[sympy.Expr]) -> tuple[list[tuple[sympy.Symbol, sympy.Expr]], list[sympy.Expr]]:
    """``sympy.cse`` done by SymEngine (much faster on large lists), results back in SymPy.

    Falls back to :func:`sympy.cse` when SymEngine is missing or cannot take an expression.
    """
    try:
        import symengine
    except ImportError:
        return sympy.cse(exprs, list=False)
    try:
        replacements, reduced = symengine.cse([_to_symengine(e) for e in exprs])
    except Exception:  # anything SymEngine cannot take falls back to SymPy
        return sympy.cse(exprs, list=False)
    originals = {sympy.Symbol(s.name): s for s in sympy.Tuple(*exprs).free_symbols if isinstance(s, sympy.Symbol)}

    def back(e):
        return e._sympy_().xreplace(originals)

    return [(back(k), back(v)) for k, v in replacements], [back(e) for e in reduced]


#: how common subexpressions are found before printing (the ``cse=`` option)
CSE_METHODS: dict[str, Any] = {"sympy": True, "symengine": _symengine_cse, "none": False}


def _default_cse() -> str:
    try:
        import symengine  # noqa: F401
    except ImportError:
        return "sympy"
    return "symengine"


#: a sum with more terms than this is printed as a balanced tree of sums (Python's parser
#: recurses once per ``+`` of a flat chain and fails near a thousand terms)
_MAX_FLAT_SUM = 64


class _BalancedSums:
    """Printer mixin: long sums print as nested parenthesised chunks of at most 64 terms."""

    def _print_Add(self, expr, order=None):
        if len(expr.args) <= _MAX_FLAT_SUM:
            return super()._print_Add(expr, order)
        return self._balanced_sum([self._print(term) for term in expr.args])

    def _balanced_sum(self, terms: list[str]) -> str:
        while len(terms) > 1:
            terms = ["(" + " + ".join(terms[k : k + _MAX_FLAT_SUM]) + ")" for k in range(0, len(terms), _MAX_FLAT_SUM)]
        return terms[0]


def _printer(base: type) -> Any:
    printer_class = type(f"Balanced{base.__name__}", (_BalancedSums, base), {})
    return printer_class({"fully_qualified_modules": False, "inline": True, "allow_unknown_functions": True, "user_functions": {}})


# -- torch helpers: functions whose torch versions reject Python numbers -------------------------
def _as_tensors(args: tuple) -> list:
    torch = import_torch()
    like = next(a for a in args if isinstance(a, torch.Tensor))
    return [a if isinstance(a, torch.Tensor) else torch.as_tensor(a, dtype=like.dtype, device=like.device) for a in args]


def _torch_max(*args):
    """``max(x, 0)`` elementwise: ``torch.max`` takes no Python number."""
    torch = import_torch()
    tensors = _as_tensors(args)
    out = tensors[0]
    for t in tensors[1:]:
        out = torch.maximum(out, t)
    return out


def _torch_min(*args):
    torch = import_torch()
    tensors = _as_tensors(args)
    out = tensors[0]
    for t in tensors[1:]:
        out = torch.minimum(out, t)
    return out


def _torch_heaviside(x, at_zero=0.5):
    """SymPy's Heaviside (½ at 0 unless given) for tensors; ``torch.heaviside`` wants a tensor for the value at 0."""
    torch = import_torch()
    return torch.heaviside(x, torch.as_tensor(float(at_zero), dtype=x.dtype, device=x.device))


_TORCH_HELPERS = {"_sg_max": _torch_max, "_sg_min": _torch_min, "_sg_heaviside": _torch_heaviside}


def _call_printer(name: str):
    return lambda self, expr: f"{name}({', '.join(self._print(a) for a in expr.args)})"


_TORCH_PRINT_METHODS = {"_print_Max": _call_printer("_sg_max"), "_print_Min": _call_printer("_sg_min"),
                        "_print_Heaviside": _call_printer("_sg_heaviside")}


# -- backends ---------------------------------------------------------------------------
class NumpyBackend:
    """Arrays are ``numpy.ndarray``; integer input is promoted to float64.

    Outputs are written straight into one preallocated array: constants are
    broadcast by the assignment (never materialised per entry), and a single
    point is assembled with one fancy-index write instead of a loop.
    """

    name = "numpy"

    def lambdify(self, variables: Sequence[sympy.Symbol], exprs: list[sympy.Expr], cse: Any = True) -> Callable:
        from sympy.printing.numpy import NumPyPrinter

        return sympy.lambdify(list(variables), exprs, modules="numpy", cse=cse, printer=_printer(NumPyPrinter))

    def asarray(self, X: Any) -> Any:
        X = np.asarray(X)
        if X.dtype.kind not in "fc":  # floating or complex: kept as it is
            X = X.astype(np.float64)
        return X

    def scalar(self, entry: Any, batch_shape: tuple[int, ...], like: Any) -> Any:
        if not batch_shape:
            return like.dtype.type(entry)
        out = np.empty(batch_shape, dtype=np.result_type(like.dtype, entry))
        out[...] = entry
        return out

    def fill(self, layout: "_Layout", values: list[Any], batch_shape: tuple[int, ...], like: Any) -> Any:
        """An array ``batch_shape + layout.shape``: the constant template, then the varying entries.

        A batch is written entry-major (each entry one contiguous row of an
        array ``layout.shape + batch_shape``) and returned as a transposed view,
        so no write is strided.
        """
        # constants are Python numbers: they take the input's precision (float32 in, float32 out), unless complex
        constants = layout.template.dtype if np.iscomplexobj(layout.template) else like.dtype
        dtype = np.result_type(like.dtype, constants, *[v.dtype for v in values if isinstance(v, (np.ndarray, np.generic))])
        if not batch_shape:
            out = layout.template.astype(dtype)
            if values:
                out[layout.positions] = np.asarray(values)[layout.sources]
            return out.reshape(layout.shape)
        out = np.empty((layout.size,) + batch_shape, dtype=dtype)
        if layout.constant_positions.size:
            trailing = (slice(None),) + (None,) * len(batch_shape)
            out[layout.constant_positions] = layout.template[layout.constant_positions][trailing]
        for position, source in zip(layout.positions.tolist(), layout.sources.tolist()):
            out[position] = values[source]
        out = out.reshape(layout.shape + batch_shape)
        k = len(layout.shape)
        return np.moveaxis(out, tuple(range(k)), tuple(range(-k, 0)))

    def to_numpy(self, array: Any) -> np.ndarray:
        return np.asarray(array)


class TorchBackend:
    """Tensors keep their dtype and device; integer input is promoted to the default float dtype.

    Outputs are built out of place (``index_copy`` of the stacked varying
    entries into the broadcast constant template), so they stay differentiable.
    """

    name = "torch"

    def lambdify(self, variables: Sequence[sympy.Symbol], exprs: list[sympy.Expr], cse: Any = True) -> Callable:
        import_torch()
        from sympy.printing.pytorch import TorchPrinter

        printer = _printer(type("SymgradTorchPrinter", (TorchPrinter,), _TORCH_PRINT_METHODS))
        return sympy.lambdify(list(variables), exprs, modules=[_TORCH_HELPERS, "torch"], cse=cse, printer=printer)

    def asarray(self, X: Any) -> Any:
        torch = import_torch()
        if not isinstance(X, torch.Tensor):
            X = torch.as_tensor(np.asarray(X, dtype=np.float64))
        if not (X.is_floating_point() or X.is_complex()):
            X = X.to(torch.get_default_dtype())
        return X

    def _full(self, entry: Any, batch_shape: tuple[int, ...], like: Any) -> Any:
        torch = import_torch()
        if isinstance(entry, torch.Tensor):
            return torch.broadcast_to(entry.to(like.dtype), batch_shape)
        return torch.full(batch_shape, float(entry), dtype=like.dtype, device=like.device)

    def scalar(self, entry: Any, batch_shape: tuple[int, ...], like: Any) -> Any:
        return self._full(entry, batch_shape, like)

    def fill(self, layout: "_Layout", values: list[Any], batch_shape: tuple[int, ...], like: Any) -> Any:
        torch = import_torch()
        template = torch.as_tensor(layout.template.real, dtype=like.dtype, device=like.device)
        out = template.expand(batch_shape + (layout.size,))
        if len(layout.sources):
            stacked = torch.stack([self._full(values[s], batch_shape, like) for s in layout.sources.tolist()], dim=-1)
            index = torch.as_tensor(layout.positions, device=like.device)
            out = out.index_copy(len(batch_shape), index, stacked)
        else:
            out = out.clone()
        return out.reshape(batch_shape + layout.shape)

    def to_numpy(self, array: Any) -> np.ndarray:
        return array.detach().cpu().numpy()


BACKENDS: dict[str, Any] = {"numpy": NumpyBackend(), "torch": TorchBackend()}


def _backend(name: str) -> NumpyBackend | TorchBackend:
    try:
        return BACKENDS[name]
    except KeyError:
        raise InputError(f"unknown backend {name!r}; choose one of {', '.join(sorted(BACKENDS))}") from None


# -- kernels ----------------------------------------------------------------------------
class _Kernel:
    """A list of expressions compiled once; constants are kept apart and broadcast.

    ``kernel(columns)`` returns ``(constants, values)``: ``constants`` maps an
    entry index to its number, ``values`` lists the varying entries in the
    order of ``kernel.varying``.
    """

    def __init__(self, exprs: list[sympy.Expr], variables: tuple[sympy.Symbol, ...], backend: Any, cse: Any):
        folded = [_fold(e) for e in exprs]
        self.size: int = len(exprs)
        self.constants: dict[int, float | complex] = {i: _as_number(e) for i, (e, constant) in enumerate(folded) if constant}
        self.varying: list[int] = [i for i, (_, constant) in enumerate(folded) if not constant]
        varying = [folded[i][0] for i in self.varying]
        foreign = sympy.Tuple(*varying).free_symbols - set(variables) if varying else set()
        if foreign:
            names = ", ".join(sorted(s.name for s in foreign))
            raise InputError(f"cannot compile: the expression contains {names}, which are not variables")
        self.fn: Callable[..., Any] | None = backend.lambdify(variables, varying, cse=cse) if varying else None

    def __call__(self, columns: list[Any]) -> list[Any]:
        return list(self.fn(*columns)) if self.fn is not None else []


def _as_number(expr: sympy.Expr) -> float | complex:
    if expr.is_Integer or expr.is_Float or expr.is_Rational:
        return float(expr)
    value = complex(expr.evalf())
    return value.real if value.imag == 0 else value


@dataclass(frozen=True)
class _Layout:
    """Where a kernel's entries go in a flat output of ``size`` slots, reshaped to ``shape``.

    ``template`` holds the constants (zeros elsewhere); the varying entry
    ``values[sources[k]]`` goes to slot ``positions[k]``. A symmetric Hessian
    sends each upper-triangle entry to two slots.
    """

    shape: tuple[int, ...]
    template: np.ndarray
    positions: np.ndarray
    sources: np.ndarray
    constant_positions: np.ndarray

    @property
    def size(self) -> int:
        return int(np.prod(self.shape, dtype=int))

    @staticmethod
    def build(shape: tuple[int, ...], slots: list[list[int]], kernel: _Kernel, offset: int) -> "_Layout":
        """``slots[k]``: the flat positions of kernel entry ``offset + k``."""
        constants = [kernel.constants.get(offset + k) for k in range(len(slots))]
        dtype = complex if any(isinstance(c, complex) for c in constants) else float
        template = np.zeros(int(np.prod(shape, dtype=int)), dtype=dtype)
        source_of = {entry: s for s, entry in enumerate(kernel.varying)}
        positions, sources, fixed = [], [], []
        for k, places in enumerate(slots):
            for place in places:
                if constants[k] is not None:
                    template[place] = constants[k]
                    fixed.append(place)
                else:
                    positions.append(place)
                    sources.append(source_of[offset + k])
        as_index = lambda items: np.array(items, dtype=np.intp)  # noqa: E731
        return _Layout(shape, template, as_index(positions), as_index(sources), as_index(fixed))


# -- fast NumPy evaluators (float64 input; built from a fast derivative source) ---------------
class _QuadraticNumpy:
    """``c + b·x + ½ xᵀHx``, its gradient ``Hx + b`` and constant Hessian ``H`` by matrix products."""

    def __init__(self, H: np.ndarray, b: np.ndarray, c: float):
        self.H, self.b, self.c = H, b, c

    def _value(self, X: np.ndarray, HX: np.ndarray):
        return self.c + np.einsum("...i,...i->...", X, self.b + 0.5 * HX)[()]

    def value(self, X: np.ndarray):
        return self._value(X, X @ self.H)

    def gradient(self, X: np.ndarray) -> np.ndarray:
        out = X @ self.H
        out += self.b
        return out

    def value_and_gradient(self, X: np.ndarray):
        HX = X @ self.H
        return self._value(X, HX), HX + self.b

    def hessian(self, X: np.ndarray) -> np.ndarray:
        """``H`` itself for one point; for a batch a read-only broadcast view (never copied per point)."""
        if X.ndim == 1:
            return self.H.copy()
        return np.broadcast_to(self.H, X.shape[:-1] + self.H.shape)

    def evaluate(self, X: np.ndarray):
        return (*self.value_and_gradient(X), self.hessian(X))


def _fast_evaluator(source: Any, expr: sympy.Expr, variables: tuple[sympy.Symbol, ...], backend: Any, engine: str):
    """A fast float64 NumPy evaluator, or None when none applies (the SymPy route is used).

    ``source`` is the :class:`symgrad.Function`'s fast derivative source; without
    one, SymEngine derives the function for the kernels alone (``engine`` "auto"
    or "symengine") when it can represent it.
    """
    from .derivatives import QuadraticForm, SymEngineDerivatives, symengine_kernel_source

    if backend.name != "numpy" or not variables or engine == "sympy":
        return None
    if source is None:
        source = symengine_kernel_source(expr, variables)
    if isinstance(source, QuadraticForm):
        try:
            return _QuadraticNumpy(*source.arrays())
        except TypeError:  # complex or symbolic coefficients
            return None
    if isinstance(source, SymEngineDerivatives):
        if not source.expr.free_symbols <= set(source.symbols):
            return None  # parameters that are not variables: the SymPy route explains the error
        try:
            return SymEngineEvaluator(source, engine)
        except _FastPathUnavailable:  # e.g. a complex constant entry
            return None
    return None


# -- the compiled function ------------------------------------------------------------------
class CompiledFunction(Displayed):
    """Vectorized value, gradient and Hessian of a scalar function.

    Build it with :meth:`symgrad.Function.compile`. Inputs are one point ``(n,)``
    or a batch ``(..., n)``; outputs have shapes ``(...)``, ``(..., n)`` and
    ``(..., n, n)``. Each method compiles, on first use, one kernel for exactly
    what it returns (``gradient`` does not compute the value); ``evaluate``
    shares one CSE across value, gradient and Hessian.

    Arguments:
        cse: ``"auto"`` (SymEngine's CSE when installed, else SymPy's),
            ``"sympy"``, ``"symengine"`` or ``"none"``.
        torch_compile: torch backend only: wrap each kernel in ``torch.compile``
            (fuses the elementwise work; the first call pays the compilation).
        engine: who builds the float64 NumPy kernels. ``"auto"`` (default):
            SymEngine's compiled kernels (:mod:`symgrad.kernels`: LLVM on
            batches, all cores) when SymEngine is installed and represents the
            function, SymPy's ``lambdify`` otherwise; float64 batches of
            transcendental functions from 65,536 points run on a torch tape
            (:mod:`symgrad.kernels_torch`) when torch is installed, and tier
            up to the fused kernel once the tape has spent
            :data:`symgrad.kernels.FUSE_AFTER_SECONDS` on one output and a C++
            compiler is present; ``"symengine"``: LLVM only, and an error when
            SymEngine is not installed; ``"torch"``: the torch tape for every
            batch (never compiled); ``"fused"``:
            the tape compiled by ``torch.compile`` into one C++ loop from the
            first batch (:mod:`symgrad.kernels_fused`; seconds to compile, an
            error without a C++ compiler); ``"sympy"``:
            always ``lambdify``. float32, complex and torch input always take
            ``lambdify`` (their precision and device are kept).

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
        *,
        cse: str = "auto",
        torch_compile: bool = False,
        fast: Any = None,
        engine: str = "auto",
    ):
        self.expr = expr
        self.variables: tuple[sympy.Symbol, ...] = tuple(variables)
        self.n: int = len(self.variables)
        self.backend: NumpyBackend | TorchBackend = _backend(backend)
        if cse not in (*CSE_METHODS, "auto"):
            raise InputError(f"unknown cse {cse!r}; choose one of auto, {', '.join(CSE_METHODS)}")
        self._cse = CSE_METHODS[_default_cse() if cse == "auto" else cse]
        if torch_compile and self.backend.name != "torch":
            raise InputError("torch_compile=True needs the torch backend: use compile('torch', torch_compile=True)")
        self._torch_compile = torch_compile
        self._gradient_source = gradient
        self._hessian_source = hessian
        self._upper = [(i, j) for i in range(self.n) for j in range(i, self.n)]
        self._engine = _kernel_engine(engine)
        self._fast_source = fast
        self._fast_enabled = cse == "auto" and not torch_compile and self._engine != "sympy"
        self._cse_option = cse

    # pickling keeps what it was built from; kernels are compiled again on first use (SciPy workers, joblib)
    def __getstate__(self) -> dict[str, Any]:
        return {"expr": self.expr, "variables": self.variables, "backend": self.backend.name,
                "gradient": self._gradient_source, "hessian": self._hessian_source, "cse": self._cse_option,
                "torch_compile": self._torch_compile, "fast": self._fast_source, "engine": self._engine}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["expr"], state["variables"], state["backend"], state["gradient"],  # type: ignore[misc]
                      state["hessian"], cse=state["cse"], torch_compile=state["torch_compile"], fast=state["fast"],
                      engine=state["engine"])

    def _display(self) -> Display:
        kernels = sorted(name[1:-7] for name in vars(self) if name.endswith("_kernel"))
        rows = [("function", str(self.expr)), ("variables", ", ".join(v.name for v in self.variables)),
                ("backend", self.backend.name), ("kernels built", ", ".join(kernels) or "none yet (built on first call)"),
                ("call", "value(X), gradient(X), hessian(X), evaluate(X) on (n,) or (..., n); fun/jac/hess for SciPy")]
        return Display("CompiledFunction", f"{self.expr} ({self.backend.name})", rows)

    @cached_property
    def _fast(self):
        return _fast_evaluator(self._fast_source, self.expr, self.variables, self.backend, self._engine)

    def _fast_call(self, method: Callable[[Any, np.ndarray], Any], X: Any):
        """``(True, result)`` from the fast evaluator when it applies to ``X`` (float64 NumPy), else ``(False, X)``."""
        if not self._fast_enabled or self._fast is None:
            return False, X
        X = self.backend.asarray(X)
        if X.dtype != np.float64 or X.size == 0:
            return False, X
        self._check_shape(X)
        try:
            return True, method(self._fast, X)
        except _FastPathUnavailable:
            self._fast_enabled = False
            return False, X

    @cached_property
    def _gradient_exprs(self) -> list[sympy.Expr]:
        if callable(self._gradient_source):
            self._gradient_source = self._gradient_source()
        if self._gradient_source is not None:
            return list(self._gradient_source)
        from .derivatives import gradient_entries

        return gradient_entries(self.expr, self.variables)

    @cached_property
    def _hessian_exprs(self) -> list[sympy.Expr]:
        hessian = self._hessian_source() if callable(self._hessian_source) else self._hessian_source
        if hessian is None:
            from .derivatives import hessian_matrix

            hessian = hessian_matrix(self.expr, self.variables)
        return [hessian[i, j] for i, j in self._upper]

    # kernels: one per output combination, built on first use
    def _kernel(self, exprs: list[sympy.Expr]) -> _Kernel:
        kernel = _Kernel(exprs, self.variables, self.backend, self._cse)
        if self._torch_compile and kernel.fn is not None:
            torch = import_torch()
            kernel.fn = torch.compile(kernel.fn, dynamic=True)
        return kernel

    @cached_property
    def _value_kernel(self) -> _Kernel:
        return self._kernel([self.expr])

    @cached_property
    def _gradient_kernel(self) -> _Kernel:
        return self._kernel(self._gradient_exprs)

    @cached_property
    def _value_gradient_kernel(self) -> _Kernel:
        return self._kernel([self.expr, *self._gradient_exprs])

    @cached_property
    def _hessian_kernel(self) -> _Kernel:
        return self._kernel(self._hessian_exprs)

    @cached_property
    def _full_kernel(self) -> _Kernel:
        return self._kernel([self.expr, *self._gradient_exprs, *self._hessian_exprs])

    def _gradient_layout(self, kernel: _Kernel, offset: int) -> _Layout:
        return _Layout.build((self.n,), [[i] for i in range(self.n)], kernel, offset)

    def _hessian_layout(self, kernel: _Kernel, offset: int) -> _Layout:
        n = self.n
        slots = [[i * n + j] if i == j else [i * n + j, j * n + i] for i, j in self._upper]
        return _Layout.build((n, n), slots, kernel, offset)

    @cached_property
    def _layouts(self) -> dict[str, _Layout]:
        return {}

    def _layout(self, name: str, build: Callable[[], _Layout]) -> _Layout:
        if name not in self._layouts:
            self._layouts[name] = build()
        return self._layouts[name]

    def _columns(self, X: Any):
        X = self.backend.asarray(X)
        self._check_shape(X)
        return X, [X[..., i] for i in range(self.n)], tuple(X.shape[:-1])

    def _check_shape(self, X) -> None:
        if X.ndim == 0 or X.shape[-1] != self.n:
            raise InputError(
                f"expected points with {self.n} coordinates in the last axis "
                f"({', '.join(v.name for v in self.variables)}), got an array of shape {tuple(X.shape)}"
            )

    def _value_from(self, kernel: _Kernel, values: list[Any], X, batch):
        entry = kernel.constants[0] if 0 in kernel.constants else values[0]
        return self.backend.scalar(entry, batch, X)

    def value(self, X: Any) -> Any:
        """``f(X)`` for one point or a batch."""
        done, X = self._fast_call(lambda fast, X: fast.value(X), X)
        if done:
            return X
        X, columns, batch = self._columns(X)
        kernel = self._value_kernel
        return self._value_from(kernel, kernel(columns), X, batch)

    def gradient(self, X: Any) -> Any:
        """``∇f(X)`` with shape ``(..., n)``; the value is not computed."""
        done, X = self._fast_call(lambda fast, X: fast.gradient(X), X)
        if done:
            return X
        X, columns, batch = self._columns(X)
        kernel = self._gradient_kernel
        layout = self._layout("g", lambda: self._gradient_layout(kernel, 0))
        return self.backend.fill(layout, kernel(columns), batch, X)

    def value_and_gradient(self, X: Any) -> tuple[Any, Any]:
        """``(f(X), ∇f(X))`` from one shared-CSE kernel."""
        done, X = self._fast_call(lambda fast, X: fast.value_and_gradient(X), X)
        if done:
            return X
        X, columns, batch = self._columns(X)
        kernel = self._value_gradient_kernel
        values = kernel(columns)
        layout = self._layout("vg", lambda: self._gradient_layout(kernel, 1))
        return self._value_from(kernel, values, X, batch), self._fill_shifted(layout, values, kernel, batch, X)

    def hessian(self, X: Any) -> Any:
        """The Hessian with shape ``(..., n, n)``; value and gradient are not computed."""
        done, X = self._fast_call(lambda fast, X: fast.hessian(X), X)
        if done:
            return X
        X, columns, batch = self._columns(X)
        kernel = self._hessian_kernel
        layout = self._layout("h", lambda: self._hessian_layout(kernel, 0))
        return self.backend.fill(layout, kernel(columns), batch, X)

    def evaluate(self, X: Any) -> tuple[Any, Any, Any]:
        """``(f(X), ∇f(X), H(X))`` from one shared-CSE kernel."""
        done, X = self._fast_call(lambda fast, X: fast.evaluate(X), X)
        if done:
            return X
        X, columns, batch = self._columns(X)
        kernel = self._full_kernel
        values = kernel(columns)
        g = self._layout("fg", lambda: self._gradient_layout(kernel, 1))
        h = self._layout("fh", lambda: self._hessian_layout(kernel, 1 + self.n))
        return (
            self._value_from(kernel, values, X, batch),
            self._fill_shifted(g, values, kernel, batch, X),
            self._fill_shifted(h, values, kernel, batch, X),
        )

    def _fill_shifted(self, layout: _Layout, values: list[Any], kernel: _Kernel, batch, X):
        # layouts index the kernel's varying list directly, so the full list is passed
        return self.backend.fill(layout, values, batch, X)

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
    cse: str = "auto",
    torch_compile: bool = False,
    fast: Any = None,
    engine: str = "auto",
) -> CompiledFunction:
    """Compile a scalar SymPy expression of ordered ``variables`` for ``backend``.

    ``gradient`` and ``hessian`` may be passed when already derived, or as
    callables that derive them on first use (as :class:`symgrad.Function`
    does); otherwise they are derived here. ``fast`` is a fast derivative
    source (:class:`symgrad.derivatives.QuadraticForm` or
    :class:`symgrad.derivatives.SymEngineDerivatives`) used for float64 NumPy input
    with ``cse="auto"``. ``cse``, ``torch_compile`` and ``engine`` are described in
    :class:`CompiledFunction`.

    Example:
        >>> import sympy
        >>> x = sympy.Symbol("x", real=True)
        >>> float(compile_function(x**3, [x]).hessian([2.0])[0, 0])
        12.0
    """
    return CompiledFunction(
        expr, variables, backend, gradient, hessian, cse=cse, torch_compile=torch_compile, fast=fast, engine=engine
    )


#: the ``engine=`` values of :meth:`symgrad.Function.compile`
KERNEL_ENGINES = ("auto", "sympy", "symengine", "torch", "fused")


def _kernel_engine(engine: str) -> str:
    if engine not in KERNEL_ENGINES:
        raise InputError(f"unknown engine {engine!r}; choose one of {', '.join(KERNEL_ENGINES)}")
    if engine in ("symengine", "torch", "fused") and _default_cse() != "symengine":
        raise BackendUnavailable(
            f"engine={engine!r} needs SymEngine, which is not installed; install it with "
            "pip install 'symgrad[fast]', or use engine='auto'"
        )
    if engine in ("torch", "fused"):
        import_torch()
    if engine == "fused":
        from .kernels_fused import can_fuse

        if not can_fuse():
            raise BackendUnavailable("engine='fused' compiles C++ with torch.compile, and no C++ compiler was found "
                                     "(install g++ or clang++; or set CXX to one -- it is used when set); "
                                     "engine='torch' needs none")
    return engine
