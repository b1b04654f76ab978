"""Float64 batch kernels as torch programs: the CSE'd DAG run op by op over cache-sized blocks of points.

Why (measured in ``python -m bench.run --only kernels``): SymEngine's LLVM code
calls scalar libm for ``exp``/``log``/``sin``/``cos``, one point at a time;
torch's CPU kernels evaluate them with SIMD (SLEEF, within 1 ulp in float64),
2–3× faster per element. So for functions with transcendental operations a
large batch is evaluated as a *tape*: the common-subexpression DAG of the
value, gradient and Hessian (``symengine.cse``) becomes a straight-line list of
torch calls, each writing with ``out=`` into a preallocated buffer. Points are
processed in blocks of :data:`BLOCK` so every intermediate stays in the L2
cache (no full-size temporaries, unlike ``lambdify`` to torch), blocks are
shared over idle cores by :func:`symgrad.kernels.run_in_chunks` (torch releases
the GIL inside each op). torch's own OpenMP threads are turned off for the
duration of a call, in the calling thread only (OpenMP's thread count is a
per-thread setting, restored afterwards): splitting a 16 K-point ``sin`` over
threads gains little on an idle machine and is 3–4× slower on a busy one,
where the blocks are already shared over the idle cores. Buffers are reused once a value is
dead, so a kernel needs only as many buffers as values live at once.

Before CSE, logistic quotients ``e^{ku}/(1 + e^u)^m`` and ``log(1 + e^u)`` are
rewritten as ``torch.sigmoid`` / ``logaddexp`` (:mod:`symgrad.kernels_fuse`):
fewer ops, and exact where ``e^u`` overflows.

Input and output stay NumPy (``torch.from_numpy``, no copy of the batch).

Example:
    >>> import numpy as np, symengine as se
    >>> x, y = se.symbols("x y")
    >>> tape = TorchTape([x, y], [se.exp(x) * y, se.sin(x) + 2])
    >>> out = np.empty((3, 2))
    >>> tape(np.zeros((3, 2)), out)
    >>> out[0].tolist()
    [0.0, 2.0]
"""

from __future__ import annotations

import threading
from functools import lru_cache
from typing import Any

import numpy as np

from .errors import FastPathUnavailable
from .kernels_fuse import FUSED, fuse

__all__ = ["BLOCK", "TorchTape", "TRANSCENDENTAL", "UNARY", "have_torch"]

#: points per block: a few dozen live float64 buffers of this length fit in L2
BLOCK = 16_384

#: SymEngine function names → torch function names (one argument each): the functions symgrad hands to SymEngine
UNARY = {
    "exp": "exp", "log": "log", "sin": "sin", "cos": "cos", "tan": "tan", "sinh": "sinh", "cosh": "cosh",
    "tanh": "tanh", "asin": "asin", "acos": "acos", "atan": "atan",
}
#: the torch functions whose vectorized evaluation is why this engine exists (:attr:`TorchTape.transcendental_share`)
TRANSCENDENTAL = frozenset(UNARY.values()) | frozenset(FUSED.values())


@lru_cache(maxsize=1)
def have_torch() -> bool:
    """Whether torch can be imported (checked once)."""
    try:
        import torch  # noqa: F401
    except ImportError:
        return False
    return True


class _Compiler:
    """Turns SymEngine expressions into instructions ``(torch function name, operands, kwargs, result slot)``.

    Operands are slot numbers (``int``) or Python floats. Slots ``0..n-1`` are
    the input columns; every other slot is the result of one instruction.
    Each distinct subexpression is compiled once (memo keyed by the SymEngine object).
    """

    def __init__(self, symbols: list[Any]):
        self.memo: dict[Any, int | float] = {s: k for k, s in enumerate(symbols)}
        self.code: list[tuple[str, tuple, dict, int]] = []
        self.slots = len(symbols)

    def emit(self, name: str, *operands: int | float, **kwargs: Any) -> int:
        self.code.append((name, operands, kwargs, self.slots))
        self.slots += 1
        return self.slots - 1

    def __call__(self, e: Any) -> int | float:
        if e in self.memo:
            return self.memo[e]
        result = self._node(e)
        self.memo[e] = result
        return result

    def _node(self, e: Any) -> int | float:
        if e.is_Number or not e.free_symbols:
            value = complex(e)
            if value.imag:
                raise FastPathUnavailable(f"complex constant {e}")
            return value.real
        kind = type(e).__name__
        if kind == "Add":
            return self._add(e.args)
        if kind == "Mul":
            return self._mul(e.args)
        if kind == "Pow":
            return self._pow(*e.args)
        if kind in UNARY and len(e.args) == 1:
            return self.emit(UNARY[kind], self(e.args[0]))
        if kind == "FunctionSymbol" and e.get_name() in FUSED:
            return self._fused(e.get_name(), self(e.args[0]))
        raise FastPathUnavailable(f"no torch rule for {kind}")

    def _add(self, args) -> int | float:
        """A sum as a chain of ``add(acc, x, alpha=c)`` and ``addcmul(acc, x, y, value=c)`` (fused ``acc + c·x·y``)."""
        terms = [_split_coefficient(term) for term in args]
        constant = sum(c * (1.0 if rest is None else self(rest)) for c, rest in terms if rest is None or not rest.free_symbols)
        terms = sorted((t for t in terms if t[1] is not None and t[1].free_symbols), key=lambda t: t[0] != 1)  # coefficient 1 first
        acc = None
        for coefficient, rest in terms:
            if acc is None:
                x = self(rest)
                acc = x if coefficient == 1 else self.emit("mul", x, coefficient)
                continue
            factors = _factors(rest)
            if len(factors) >= 2 and all(f.free_symbols for f in factors):
                head = factors[0] if len(factors) == 2 else type(rest)(*factors[:-1])
                acc = self.emit("addcmul", acc, self(head), self(factors[-1]), value=coefficient)
            else:
                acc = self.emit("add", acc, self(rest), alpha=coefficient)
        return acc if constant == 0 else self.emit("add", acc, constant)

    def _fused(self, name: str, x: int) -> int:
        """``sigmoid(x)``, or ``softplus(x)`` as ``logaddexp(x, 0)`` (the 0 a 0-d tensor, bound in :meth:`TorchTape._bind`)."""
        if name == "softplus":
            return self.emit("logaddexp", x, _ZERO)
        return self.emit(FUSED[name], x)

    def emit_once_exp(self, u: Any) -> int:
        """``exp(u)``, compiled once whoever asks for it first."""
        import symengine

        return self(symengine.exp(u))

    def _mul(self, args) -> int | float:
        coefficient, acc = 1.0, None
        for factor in args:
            x = self(factor)
            if isinstance(x, float):  # a number or a constant such as pi
                coefficient *= x
                continue
            acc = x if acc is None else self.emit("mul", acc, x)
        return acc if coefficient == 1 else self.emit("mul", acc, coefficient)

    def _pow(self, base, exponent) -> int:
        if type(base).__name__ == "Exp1":
            coefficient, rest = _split_coefficient(exponent)
            if coefficient in (2.0, 3.0) and rest is not None:  # exp(2u) = exp(u)², sharing exp(u) (derivatives have both)
                return self._power(self.emit_once_exp(rest), coefficient)
            return self.emit("exp", self(exponent))
        x = self(base)
        if exponent.is_Number:
            return self._power(x, float(exponent))
        return self.emit("pow", x, self(exponent))

    def _power(self, x: int, p: float) -> int:
        """Small powers by multiplication and reciprocals (exact as NumPy's ``**``); others by ``torch.pow``."""
        if p == 2:
            return self.emit("mul", x, x)
        if p == 3:
            return self.emit("mul", self.emit("mul", x, x), x)
        if p == -1:
            return self.emit("reciprocal", x)
        if p == -2:
            return self.emit("reciprocal", self.emit("mul", x, x))
        if p == 0.5:
            return self.emit("sqrt", x)
        if p == -0.5:
            return self.emit("rsqrt", x)
        return self.emit("pow", x, p)


#: bound programs kept per thread for partial blocks (lengths of the last block of a chunk)
_BOUND_LENGTHS = 8

#: marks the 0-d zero tensor operand of ``logaddexp`` in a program (torch takes no Python number there)
_ZERO = "zero"


def _split_coefficient(term: Any) -> tuple[float, Any]:
    """``(c, rest)`` with ``term = c * rest``; ``rest`` None for a number."""
    if term.is_Number:
        return float(term), None
    if type(term).__name__ == "Mul" and term.args[0].is_Number:
        coefficient, *rest = term.args
        return float(coefficient), rest[0] if len(rest) == 1 else type(term)(*rest)
    return 1.0, term


def _factors(e: Any) -> tuple:
    return tuple(e.args) if type(e).__name__ == "Mul" else (e,)


#: an operand: ``("b", buffer)`` or ``("c", constant)``; an instruction: ``(op, operands, kwargs, buffer)``
_Operand = tuple[str, Any]
_Instruction = tuple[str, tuple[_Operand, ...], dict[str, Any], int]


def _assign_buffers(code: list[tuple[str, tuple[Any, ...], dict[str, Any], int]], n: int, outputs: list[int | float]
                    ) -> tuple[list[_Instruction], list[_Operand], int]:
    """Give each instruction's result a buffer, reusing those whose value is dead (linear scan)."""
    last_use: dict[int, int] = {}
    for k, (_, operands, _, _) in enumerate(code):
        for o in operands:
            if isinstance(o, int):
                last_use[o] = k
    for o in outputs:
        if isinstance(o, int):
            last_use[o] = len(code)
    free: list[int] = []
    where: dict[int, int] = {k: k for k in range(n)}  # input columns: buffers 0..n-1
    count = n
    program: list[_Instruction] = []
    for k, (name, operands, kwargs, slot) in enumerate(code):
        args = tuple(("b", where[o]) if isinstance(o, int) else ("z", o) if o == _ZERO else ("c", o) for o in operands)
        for o in set(o for o in operands if isinstance(o, int)):
            if last_use.get(o) == k and o >= n:
                free.append(where[o])
        if free:
            where[slot] = free.pop()
        else:
            where[slot], count = count, count + 1
        program.append((name, args, kwargs, where[slot]))
    targets: list[_Operand] = [("b", where[o]) if isinstance(o, int) else ("c", o) for o in outputs]
    return program, targets, count


class TorchTape:
    """Expressions in ``symbols`` compiled to a torch program; ``tape(X, out)`` fills ``out[:, k]`` with entry ``k``.

    ``X`` is a C-contiguous float64 ``(N, n)`` array and ``out`` a C-contiguous
    float64 ``(N, len(exprs))`` array. Raises :class:`FastPathUnavailable` for
    an expression with an operation it has no torch rule for.
    """

    def __init__(self, symbols: list[Any], exprs: list[Any]):
        import symengine

        replacements, reduced = symengine.cse([fuse(e) for e in exprs])
        compiler = _Compiler(list(symbols))
        constants: dict[Any, Any] = {}  # CSE names of constants (sqrt(2)) go back in: the compiler sees numbers
        for name, value in replacements:
            value = value.subs(constants) if constants else value
            if value.free_symbols:
                compiler.memo[name] = compiler(value)
            else:
                constants[name] = value
        outputs = [compiler(e.subs(constants) if constants else e) for e in reduced]
        self.n: int = len(symbols)
        self.size: int = len(exprs)
        self.program: list[_Instruction]
        self.targets: list[_Operand]
        self.buffers: int
        self.program, self.targets, self.buffers = _assign_buffers(compiler.code, self.n, outputs)
        self._local = threading.local()

    @property
    def transcendental_share(self) -> float:
        """The share of the program's operations that are exp, log, sin, ... (vectorized by torch): where it pays."""
        return sum(name in TRANSCENDENTAL for name, _, _, _ in self.program) / max(1, len(self.program))

    def _workspace(self, torch: Any) -> tuple[Any, dict[int, list]]:
        """This thread's buffers (``BLOCK`` points each) and its programs bound to them, by block length.

        Binding costs ~3 µs per instruction under the GIL, so a program bound for a
        partial block (the last one of a chunk) is kept too: the same batch size
        cuts the same chunks on every call. A few lengths are kept at most.
        """
        space = getattr(self._local, "space", None)
        if space is None:
            memory = torch.empty((self.buffers, BLOCK), dtype=torch.float64)
            space = self._local.space = (memory, {BLOCK: self._bind(torch, memory)})
        return space

    def _program(self, torch: Any, memory: Any, programs: dict[int, list], m: int) -> list:
        """The program bound to the first ``m`` points of each buffer (cached per length)."""
        program = programs.get(m)
        if program is None:
            if len(programs) > _BOUND_LENGTHS:
                for length in [length for length in programs if length != memory.shape[1]]:
                    del programs[length]
            program = programs[m] = self._bind(torch, memory[:, :m])
        return program

    def _bind(self, torch: Any, views: Any) -> list[tuple[Any, tuple, dict]]:
        """``(function, operands, keywords)`` per instruction, operands and ``out=`` as views of the buffers."""
        rows = list(views)
        zero = torch.zeros((), dtype=torch.float64)
        bound = []
        for name, args, kwargs, result in self.program:
            operands = tuple(rows[value] if kind == "b" else zero if kind == "z" else value for kind, value in args)
            bound.append((getattr(torch, name), operands, {**kwargs, "out": rows[result]}))  # no-eval: ok -- names come from UNARY and literals in _Compiler, never from text
        return bound

    def __call__(self, X: np.ndarray, out: np.ndarray) -> None:
        import torch

        threads = torch.get_num_threads()  # OpenMP's count is per calling thread: this is set and restored for ours
        if threads != 1:
            torch.set_num_threads(1)
        try:
            self._run(torch, X, out)
        finally:
            if threads != 1:
                torch.set_num_threads(threads)

    def _run(self, torch: Any, X: np.ndarray, out: np.ndarray) -> None:
        memory, programs = self._workspace(torch)
        buffers = memory.numpy()  # the same memory: NumPy's strided copies are the fastest way in and out
        n, block = self.n, memory.shape[1]
        for start in range(0, len(X), block):
            stop = min(start + block, len(X))
            m = stop - start
            program = self._program(torch, memory, programs, m)
            np.copyto(buffers[:n, :m], X[start:stop].T)
            for fn, operands, kwargs in program:
                fn(*operands, **kwargs)
            rows = out[start:stop]
            for k, (kind, value) in enumerate(self.targets):
                if kind == "b":
                    np.copyto(rows[:, k], buffers[value, :m])
                else:
                    rows[:, k] = value
