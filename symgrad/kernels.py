"""Fast float64 NumPy kernels: SymEngine's LLVM backend, run over chunks on every core.

Why this design (measured side by side in ``python -m bench.run --only kernels``):
SymEngine's ``Lambdify(..., cse=True, backend="llvm")`` compiles the whole
common-subexpression DAG of the value, gradient and Hessian into *one* native
function per point, so a point's inputs are read once, every shared
subexpression (``exp(w0*w1)`` in the value, the gradient and the Hessian) is
computed once in registers, and each output slot is stored once -- no
temporaries, unlike NumPy's one-array-per-operation evaluation (SymPy's
``lambdify``) or numexpr's one-expression-per-call. Its evaluation loop releases
the GIL, so a large batch is cut into chunks shared out between the caller and a
small thread pool, one thread per idle core (:func:`idle_cores`), each chunk
writing its own rows of one preallocated output.

The output is laid out as the caller expects and is written once:

* a batch ``(..., n)`` gives ``(...)``, ``(..., n)`` and ``(..., n, n)`` arrays,
  C-contiguous when one output is asked for (``gradient``, ``hessian``);
* a dense symmetric Hessian is compiled as its full ``n × n`` list of slots --
  CSE computes each off-diagonal entry once and the kernel stores it twice -- so
  no gather or copy follows the kernel; a sparse one (Rosenbrock's tridiagonal
  Hessian) compiles only its nonzero upper entries and scatters them into zeros;
* an output whose every entry is constant (the Hessian of a quadratic, a linear
  gradient) is never computed per point: it is returned as a read-only
  ``numpy.broadcast_to`` view of one ``n × n`` (or ``n``) array.

Large batches of transcendental-heavy functions run on the torch tape
(:mod:`symgrad.kernels_torch`), which tiers up to a fused kernel compiled by
``torch.compile`` (:mod:`symgrad.kernels_fused`) once it has spent
:data:`FUSE_AFTER_SECONDS` on one output; :data:`ENGINES` lists the choices.
The gradient of a quadratic (constant Hessian) is ``g(0) + H x`` on batches, by columns.

Single points and batches of fewer than :data:`LLVM_MIN_POINTS` points use
SymEngine's ``lambda`` backend (built in a millisecond), called through
``unsafe_real`` so a call costs a few microseconds. Only float64 input comes
here: float32 input keeps its precision through the SymPy route of
:mod:`symgrad.backends`.

Example:
    >>> import numpy as np, symgrad as sg
    >>> c = sg.Function("log(1 + exp(w0*w1)) + sin(w0)*w1^2").compile("numpy")
    >>> X = np.zeros((5, 2))
    >>> c.gradient(X)[0].tolist(), c.hessian(X).shape
    ([0.0, 0.0], (5, 2, 2))
"""

from __future__ import annotations

import itertools
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from typing import Any

import numpy as np

from .errors import BackendUnavailable, FastPathUnavailable

__all__ = [
    "ENGINES", "FUSE_AFTER_SECONDS", "FastPathUnavailable", "SymEngineEvaluator", "LLVM_MIN_POINTS", "PARALLEL_MIN_POINTS",
    "TORCH_MIN_POINTS", "TORCH_MIN_SHARE", "idle_cores", "run_in_chunks", "usable_cores",
]

#: batches of at least this many points use the LLVM kernel (built once, on the first such batch)
LLVM_MIN_POINTS = 64
#: batches of at least this many points are cut into one chunk per usable core
PARALLEL_MIN_POINTS = 32_768
#: ``engine="auto"``: batches of at least this many points may run on the torch tape ...
TORCH_MIN_POINTS = 65_536
#: ... when at least this share of the tape's operations are exp/log/sin/cos/... (SIMD in torch, scalar libm in LLVM)
TORCH_MIN_SHARE = 1 / 16
#: ``engine="auto"``: once the tape has spent this many seconds on one output, it tiers up to the fused kernel
#: (about what compiling one costs with Inductor's disk cache warm; docs/design.md, "When tiering pays")
FUSE_AFTER_SECONDS = 2.0

#: the engines of the float64 batch kernels, and what each runs a batch of at least LLVM_MIN_POINTS points on
ENGINES = {
    "auto": "the torch tape from TORCH_MIN_POINTS points when torch is installed and TORCH_MIN_SHARE of the "
            "tape's operations are transcendental; SymEngine LLVM otherwise",
    "symengine": "SymEngine LLVM",
    "torch": "the torch tape (symgrad.kernels_torch)",
    "fused": "the fused kernel: the tape compiled by torch.compile (symgrad.kernels_fused; needs a C++ compiler)",
}


@lru_cache(maxsize=1)
def usable_cores() -> int:
    """The cores this process may run on (its CPU affinity), at least 1."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not on Linux
        return max(1, os.cpu_count() or 1)


#: a parallel batch is cut into this many chunks per core: a thread slowed by other work takes fewer of them
CHUNKS_PER_CORE = 4

def idle_cores() -> int:
    """The usable cores not already busy (1-minute load average, counting this process), at least 1.

    Threads only pay on cores nobody else is using: on an oversubscribed
    machine a helper thread waits in the run queue while the caller waits for
    it, which is slower than not splitting the batch at all (measured 3× on a
    2-core machine at load 10).
    """
    cores = usable_cores()
    try:
        load = os.getloadavg()[0]
    except (AttributeError, OSError):  # pragma: no cover - not on Unix
        return cores
    return max(1, min(cores, cores - int(load) + 1))


_POOL: ThreadPoolExecutor | None = None


def _pool() -> ThreadPoolExecutor:
    global _POOL
    if _POOL is None:
        _POOL = ThreadPoolExecutor(max_workers=max(1, usable_cores() - 1), thread_name_prefix="symgrad-kernel")
    return _POOL


def run_in_chunks(kernel: Any, X: np.ndarray, out: np.ndarray) -> None:
    """``kernel(X, out=out)`` for a 2-d ``X``, split by rows over every usable core when the batch is large.

    Chunks are shared out, not assigned: the calling thread and the pool's
    threads each take the next unclaimed chunk until none is left, and the
    caller waits only for chunks another thread has claimed. On a busy machine,
    where a pool thread may not be scheduled for a while, the caller simply does
    more of the work itself. Each chunk writes its own rows of ``out``; the
    kernel releases the GIL while it runs.
    """
    if len(X) < PARALLEL_MIN_POINTS:
        kernel(X, out=out)
        return
    workers = idle_cores()
    if workers == 1:
        kernel(X, out=out)
        return
    bounds = np.linspace(0, len(X), workers * CHUNKS_PER_CORE + 1).astype(int).tolist()
    chunks = list(zip(bounds[:-1], bounds[1:]))
    claims = itertools.count()  # next() on a count is atomic under the GIL
    done = [threading.Event() for _ in chunks]
    errors: list[BaseException] = []

    def work() -> None:
        for k in iter(claims.__next__, None):
            if k >= len(chunks):
                return
            a, b = chunks[k]
            try:
                kernel(X[a:b], out=out[a:b])
            except BaseException as error:  # re-raised in the calling thread
                errors.append(error)
            finally:
                done[k].set()

    for _ in range(workers - 1):
        _pool().submit(work)
    work()
    for event in done:
        event.wait()
    if errors:
        raise errors[0]


def _as_float(expr: Any) -> float:
    value = complex(expr)
    if value.imag:
        raise FastPathUnavailable(f"complex constant {expr}")  # the SymPy route handles complex entries
    return value.real


class _Slots:
    """The compiled kernels of one list of output slots, built per backend on first use.

    Backends: ``"lambda"`` (SymEngine, tiny batches and single points),
    ``"llvm"`` (SymEngine LLVM code) and ``"torch"``
    (:class:`symgrad.kernels_torch.TorchTape`); :meth:`backend_for` picks one
    per call by the rules of :data:`ENGINES`. Picklable: only the SymEngine
    expressions are kept; compiled code is rebuilt after unpickling.
    """

    def __init__(self, symbols: list[Any], exprs: list[Any], engine: str = "auto"):
        self.symbols = symbols
        self.exprs = exprs
        self.engine = engine
        self._built: dict[str, Any] = {}
        self.tape_seconds = 0.0  # time spent on the tape: "auto" tiers up to the fused kernel after FUSE_AFTER_SECONDS
        self.fused_error: str | None = None  # why the fused kernel could not be built ("auto" stays on the tape)

    def __getstate__(self) -> dict[str, Any]:
        return {"symbols": self.symbols, "exprs": self.exprs, "engine": self.engine, "_built": {},
                "tape_seconds": 0.0, "fused_error": None}

    def kernel(self, backend: str) -> Any:
        if backend not in self._built:
            try:
                self._built[backend] = _BUILDERS[backend](self.symbols, self.exprs)
            except (TypeError, ValueError, RuntimeError, NotImplementedError) as error:
                raise FastPathUnavailable(str(error)) from error
        return self._built[backend]

    def backend_for(self, points: int) -> str:
        """The backend for a batch of ``points`` points (see :data:`ENGINES` and docs/performance.md)."""
        if points < LLVM_MIN_POINTS:
            return "lambda"
        if self.engine in ("torch", "fused"):
            return self.engine
        if self.engine == "auto" and points >= TORCH_MIN_POINTS and self._torch_pays():
            return "fused" if self._tier_up() else "torch"
        return "llvm" if _have_llvm() else "lambda"

    def _tier_up(self) -> bool:
        """``auto``: the tape has run long enough that compiling the fused kernel pays, and it can be compiled."""
        from .kernels_fused import can_fuse

        return self.tape_seconds >= FUSE_AFTER_SECONDS and self.fused_error is None and can_fuse()

    def _torch_pays(self) -> bool:
        """``auto``: torch is installed, and the tape of these slots is transcendental enough to gain from SIMD."""
        from .kernels_torch import have_torch

        if not have_torch():
            return False
        try:
            tape = self.kernel("torch")
        except FastPathUnavailable:  # an operation the tape has no torch rule for
            return False
        return tape.transcendental_share >= TORCH_MIN_SHARE

    def __call__(self, X: np.ndarray) -> np.ndarray:
        """``batch + (len(exprs),)`` for float64 ``X`` of shape ``batch + (n,)``."""
        size = len(self.exprs)
        if X.ndim == 1:
            out = np.empty(size)
            self.kernel("lambda").unsafe_real(np.ascontiguousarray(X), out)
            return out
        batch = X.shape[:-1]
        flat = np.ascontiguousarray(X).reshape(-1, X.shape[-1])
        backend = self.backend_for(len(flat))
        if backend == "fused":
            out = self._fused(flat)
            if out is not None:
                return out.reshape(batch + (size,))
            backend = "torch"  # "auto", and the fused kernel could not be built: the tape, for good
        out = np.empty((len(flat), size))
        kernel = self.kernel(backend)
        if backend == "torch":
            self._run_tape(kernel, flat, out)
        else:
            run_in_chunks(_RowKernel(kernel), flat, out)
        return out.reshape(batch + (size,))

    def _run_tape(self, tape: Any, flat: np.ndarray, out: np.ndarray) -> None:
        """The tape over chunks, its time counted for the tier-up; the caller's torch thread count left as it was.

        Each chunk runs with torch's threads at 1 (set and restored by the tape).
        torch keeps that count in a process-wide setting too, which a thread reads
        when it first uses torch: a pool thread's chunk could otherwise hand 1 to a
        caller that had 2. The caller's count is read here, before any chunk starts,
        and put back after the last one.
        """
        import torch

        threads = torch.get_num_threads()
        start = time.perf_counter()
        try:
            run_in_chunks(tape, flat, out)
        finally:
            self.tape_seconds += time.perf_counter() - start
            if torch.get_num_threads() != threads:
                torch.set_num_threads(threads)

    def _fused(self, flat: np.ndarray) -> np.ndarray | None:
        """The fused kernel's output, compiling it on first use; None when ``auto`` cannot have it (noted once).

        ``engine="fused"`` raises :class:`BackendUnavailable` with the reason instead.
        """
        if self.fused_error is not None:  # tried once already: compiling again would fail the same way, slowly
            return self._no_fused(None)
        try:
            if "fused" not in self._built:
                from .kernels_fused import FusedKernel

                self._built["fused"] = FusedKernel(self.kernel("torch"))
            return self._built["fused"](flat, threads=idle_cores())
        except Exception as error:  # noqa: BLE001 -- torch/Inductor raise many kinds; each means "no fused kernel here"
            self._built.pop("fused", None)
            self.fused_error = f"{type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}"
            return self._no_fused(error)

    def _no_fused(self, error: BaseException | None) -> None:
        """None for ``auto`` (the tape, for good); ``engine="fused"`` raises with the reason and what to do."""
        if self.engine != "fused":
            return None
        cxx = os.environ.get("CXX")
        hint = f"check the compiler CXX={cxx!r} names, or unset CXX; " if cxx else ""
        raise BackendUnavailable(f"engine='fused' could not compile this kernel ({self.fused_error}); "
                                 f"{hint}engine='torch' or 'auto' need no compiler") from error


def _symengine_lambdify(backend: str):
    def build(symbols: list[Any], exprs: list[Any]) -> Any:
        import symengine

        from .kernels_fuse import elementary

        # logistic quotients as the tape computes them: no inf/inf where e^u overflows, on every engine
        return symengine.Lambdify(symbols, [elementary(e) for e in exprs], cse=True, backend=backend)

    return build


def _torch_tape(symbols: list[Any], exprs: list[Any]) -> Any:
    from .kernels_torch import TorchTape

    return TorchTape(symbols, exprs)


#: how each backend's kernel is built from (symbols, expressions)
_BUILDERS = {"lambda": _symengine_lambdify("lambda"), "llvm": _symengine_lambdify("llvm"), "torch": _torch_tape}  # "fused": _Slots._fused


class _RowKernel:
    """A compiled ``Lambdify`` called on C-contiguous rows through ``unsafe_eval`` (shapes are ours, so unchecked)."""

    __slots__ = ("lam",)

    def __init__(self, lam: Any):
        self.lam = lam

    def __call__(self, rows: np.ndarray, out: np.ndarray) -> None:
        self.lam.unsafe_eval(rows.reshape(-1), out.reshape(-1), len(rows))


@lru_cache(maxsize=1)
def _have_llvm() -> bool:
    from symengine.lib import symengine_wrapper

    return bool(getattr(symengine_wrapper, "have_llvm", False))


class _Part:
    """One output (value, gradient or Hessian): the slots compiled for it and how they land in the output.

    Dense outputs compile one slot per output entry, so the kernel's block *is*
    the output. A sparse Hessian (most entries zero, e.g. Rosenbrock's
    tridiagonal one) compiles only its nonzero upper-triangle entries and
    scatters them into a zeroed output.
    """

    def __init__(self, shape: tuple[int, ...], entries: list[Any], scatter: tuple[list[int], list[int]] | None = None):
        self.shape = shape
        self.exprs = entries
        self.scatter = None if scatter is None else (np.array(scatter[0], dtype=np.intp), np.array(scatter[1], dtype=np.intp))
        self.constant = None
        if not any(e.free_symbols for e in entries):
            self.constant = self._place(np.array([_as_float(e) for e in entries]), ())
            self.constant.flags.writeable = False

    def _place(self, block: np.ndarray, batch: tuple[int, ...]) -> np.ndarray:
        if self.scatter is None:
            return block.reshape(batch + self.shape)
        out = np.zeros(batch + (int(np.prod(self.shape, dtype=int)),))
        positions, sources = self.scatter
        out[..., positions] = block[..., sources]
        return out.reshape(batch + self.shape)

    def output(self, block: np.ndarray | None, batch: tuple[int, ...]):
        """This output for a batch (``block`` holds its compiled slots), or the broadcast constant."""
        if self.constant is not None:
            return np.broadcast_to(self.constant, batch + self.shape) if batch else self.constant.copy()[()]
        return self._place(block, batch)[()]


class _Affine:
    """A gradient whose Hessian is constant, ``g(x) = H x + g(0)``, on a batch: column sums, no kernel per point.

    Entry ``k`` is ``g(0)[k] + Σ_j H[j, k] x_j`` over the ``j`` with ``H[j, k] ≠ 0``
    only -- the terms the symbolic entry has -- so an ``inf`` in a variable an
    entry does not contain cannot reach it (``X @ H`` would make ``inf · 0 = nan``).
    One NumPy call per term, on columns: broadcasting over a last axis of length
    ``n`` runs NumPy's inner loop ``n`` elements at a time, 5× slower.
    """

    def __init__(self, H: np.ndarray, offset: np.ndarray):
        self.terms = [[(j, float(H[j, k])) for j in np.flatnonzero(H[:, k]).tolist()] for k in range(H.shape[1])]
        self.offset = offset.tolist()

    @classmethod
    def of(cls, gradient: _Part, hessian: _Part, symbols: list[Any]) -> _Affine | None:
        """The affine form of ``gradient`` when ``hessian`` is constant (and the gradient is not), else None."""
        if hessian.constant is None or gradient.constant is not None:
            return None
        origin = {s: 0 for s in symbols}
        offset = np.array([_as_float(e.subs(origin)) for e in gradient.exprs])
        return cls(np.asarray(hessian.constant, dtype=float), offset)

    def __call__(self, X: np.ndarray) -> np.ndarray:
        """``batch + (n,)`` for ``X`` of shape ``batch + (n,)``; large batches in chunks over the idle cores."""
        flat = X.reshape(-1, X.shape[-1])
        out = np.empty(flat.shape)
        run_in_chunks(self._rows, flat, out)  # NumPy's ufuncs release the GIL
        return out.reshape(X.shape)

    def _rows(self, X: np.ndarray, out: np.ndarray) -> None:
        scratch = None
        for k, (terms, constant) in enumerate(zip(self.terms, self.offset)):
            column = out[:, k]
            if not terms:
                column.fill(constant)
                continue
            j, coefficient = terms[0]
            np.multiply(X[:, j], coefficient, out=column)
            for j, coefficient in terms[1:]:
                scratch = np.multiply(X[:, j], coefficient, out=scratch)
                np.add(column, scratch, out=column)
            if constant:
                np.add(column, constant, out=column)


def _hessian_part(source: Any, n: int) -> _Part:
    """Every ``n × n`` slot (dense: no scatter after the kernel), or only the nonzero upper entries (sparse)."""
    import symengine

    upper = sorted(source.se_upper)
    if n * n <= 4 * len(upper):
        zero = symengine.Integer(0)
        return _Part((n, n), [source.se_upper.get((min(i, j), max(i, j)), zero) for i in range(n) for j in range(n)])
    positions, sources = [], []
    for k, (i, j) in enumerate(upper):
        positions += [i * n + j] if i == j else [i * n + j, j * n + i]
        sources += [k] if i == j else [k, k]
    return _Part((n, n), [source.se_upper[key] for key in upper], (positions, sources))


class SymEngineEvaluator:
    """Value, gradient and Hessian of a :class:`symgrad.derivatives.SymEngineDerivatives`, float64 NumPy in and out.

    One kernel per combination of outputs (``"v"``, ``"g"``, ``"vg"``, ``"h"``,
    ``"vgh"``), built on first use; outputs whose entries are all constant are
    broadcast, never compiled.
    """

    def __init__(self, source: Any, engine: str = "auto"):
        n = len(source.symbols)
        self.engine = engine
        self.n = n
        self._symbols = list(source.symbols)
        self._parts = {"v": _Part((), [source.expr]), "g": _Part((n,), list(source.se_gradient)), "h": _hessian_part(source, n)}
        self._kernels: dict[str, _Slots | None] = {}
        self._affine_gradient = _Affine.of(self._parts["g"], self._parts["h"], self._symbols)

    def _kernel(self, parts: str) -> _Slots | None:
        if parts not in self._kernels:
            varying = [e for part in parts if self._parts[part].constant is None for e in self._parts[part].exprs]
            self._kernels[parts] = _Slots(self._symbols, varying, self.engine) if varying else None
        return self._kernels[parts]

    def _one(self, name: str, X: np.ndarray) -> Any:
        """One output, straight from its own kernel."""
        part = self._parts[name]
        return part.output(None if part.constant is not None else self._kernel(name)(X), X.shape[:-1])

    def _outputs(self, names: str, X: np.ndarray) -> tuple[Any, ...]:
        """Several outputs from one kernel (one CSE across them): views of its ``batch + (slots,)`` result."""
        kernel = self._kernel(names)
        values = kernel(X) if kernel is not None else None
        batch = X.shape[:-1]
        if not batch and names == "vg" and self._parts["v"].constant is None and self._parts["g"].constant is None:
            return values[0], values[1:]  # one point, as an optimizer asks: no reshaping
        outputs, offset = [], 0
        for name in names:
            part = self._parts[name]
            size = 0 if part.constant is not None else len(part.exprs)
            outputs.append(part.output(values[..., offset : offset + size] if size else None, batch))
            offset += size
        return tuple(outputs)

    def point_value_and_gradient(self) -> Callable[[np.ndarray], tuple[Any, Any]]:
        """``x -> (value, gradient)`` with the least work per call, for an optimizer's steps.

        ``x`` is one float64 point ``(n,)`` or a stack of points ``(k, n)``
        (an optimizer's chunk of steps); both run the same CSE'd kernel of
        SymEngine's ``lambda`` backend, so a point's numbers do not depend on
        how it was batched. Other input is first made a contiguous float64 array.
        """
        if any(self._parts[p].constant is not None for p in "vg"):
            return self.value_and_gradient
        lam, size, n = self._kernel("vg").kernel("lambda"), 1 + self.n, self.n

        def call(x: np.ndarray) -> tuple[Any, Any]:
            if x.dtype != np.float64 or not x.flags.c_contiguous:
                x = np.ascontiguousarray(x, dtype=np.float64)
            if x.shape[-1:] != (n,) or x.ndim > 2:
                return self.value_and_gradient(x)
            if x.ndim == 1:
                out = np.empty(size)
                lam.unsafe_real(x, out)
                return out[0], out[1:]
            out = np.empty((len(x), size))
            lam.unsafe_eval(x.reshape(-1), out.reshape(-1), len(x))
            return out[:, 0], out[:, 1:]

        return call

    def value(self, X: np.ndarray) -> Any:
        return self._one("v", X)

    def gradient(self, X: np.ndarray) -> Any:
        if self._affine_gradient is not None and X.ndim > 1 and X.size >= LLVM_MIN_POINTS * self.n:
            return self._affine_gradient(X)
        return self._one("g", X)

    def value_and_gradient(self, X: np.ndarray) -> tuple[Any, ...]:
        return self._outputs("vg", X)

    def hessian(self, X: np.ndarray) -> Any:
        return self._one("h", X)

    def evaluate(self, X: np.ndarray) -> tuple[Any, ...]:
        return self._outputs("vgh", X)
