"""The fused engine: the torch tape's program compiled by ``torch.compile`` into one loop over the points.

Why (measured in ``python -m bench.run --only kernels``): the torch tape
(:mod:`symgrad.kernels_torch`) calls one vectorized torch kernel per operation,
so every intermediate makes a trip through the cache and every call pays
Python's dispatch; JAX's XLA fuses the whole DAG into one loop. Inductor, the
compiler behind ``torch.compile``, does the same for torch programs on the CPU:
one C++ loop with SIMD ``exp``/``log``/``sin`` (SLEEF), parallel over the
points with OpenMP. The program is the tape's (same CSE, same logistic fusion,
so the same formulas), handed to Inductor as a ``torch.fx`` graph, so nothing
is traced from Python source and each kernel has its own compiled code.

The price is compilation: a C++ compiler must be present, and the first call
takes seconds (Inductor caches the C++ build on disk, so later processes are
faster). That is why ``engine="auto"`` only *tiers up* to it after the tape has
run for a while (:data:`symgrad.kernels.FUSE_AFTER_SECONDS`; docs/design.md,
"Fused kernels and tiering up").

Example (building a kernel compiles C++, seconds, so the doctest only asks whether it could):
    >>> isinstance(can_fuse(), bool)
    True

    ``FusedKernel(TorchTape([x, y], exprs))(X)`` returns the ``(N, len(exprs))``
    array; ``tests/test_kernels_fused.py`` runs it against closed forms.
"""

from __future__ import annotations

import os
import shutil
from functools import lru_cache
from typing import Any

import numpy as np

__all__ = ["FusedKernel", "can_fuse"]


@lru_cache(maxsize=1)
def can_fuse() -> bool:
    """Whether torch is installed and a C++ compiler Inductor would use is on the PATH (checked once).

    A compiler can still fail (no Python headers, say): :class:`FusedKernel`
    raises then, and callers fall back to the tape.
    """
    try:
        import torch  # noqa: F401
        from torch._inductor import config
    except ImportError:
        return False
    if os.environ.get("CXX"):  # Inductor uses $CXX when it is set, and nothing else
        return shutil.which(os.environ["CXX"]) is not None
    configured = getattr(getattr(config, "cpp", None), "cxx", (None, "g++"))
    names = [*(configured if isinstance(configured, tuple) else (configured,)), "g++", "clang++"]
    return any(name and shutil.which(name) for name in names)


def _graph(tape: Any) -> Any:
    """The tape's program as a ``torch.fx.GraphModule`` ``(col_0, ..., col_{n-1}) -> (N, k)`` tensor.

    Buffers the tape reuses are just names here: each instruction's result
    replaces what its buffer held, in program order, so every operand is the
    node that last wrote it.
    """
    import torch
    import torch.fx

    graph = torch.fx.Graph()
    held: dict[int, Any] = {k: graph.placeholder(f"x{k}") for k in range(tape.n)}
    zero = None

    def operand(kind: str, value: Any) -> Any:
        nonlocal zero
        if kind == "b":
            return held[value]
        if kind == "z":
            if zero is None:
                zero = graph.call_function(torch.zeros_like, (held[0],))
            return zero
        return value

    for name, args, kwargs, result in tape.program:
        function = getattr(torch, name)  # no-eval: ok -- names come from kernels_torch.UNARY and literals, never from text
        held[result] = graph.call_function(function, tuple(operand(kind, value) for kind, value in args), dict(kwargs))
    columns = [held[value] if kind == "b" else graph.call_function(torch.full_like, (held[0], value))
               for kind, value in tape.targets]
    graph.output(graph.call_function(torch.stack, (columns, 1)))
    return torch.fx.GraphModule(torch.nn.Module(), graph)


class FusedKernel:
    """A :class:`symgrad.kernels_torch.TorchTape` compiled by ``torch.compile``; ``kernel(X)`` → ``(N, k)`` array.

    ``X`` is a float64 ``(N, n)`` array. Compilation happens on the first call
    (dynamic in ``N``: one compilation serves every batch size). Raises
    whatever torch raises when it cannot compile; :mod:`symgrad.kernels`
    decides what that means.
    """

    def __init__(self, tape: Any):
        import torch

        self.n: int = tape.n
        self.size: int = tape.size
        self._compiled = torch.compile(_graph(tape), dynamic=True, fullgraph=True)

    def __call__(self, X: np.ndarray, threads: int = 1) -> np.ndarray:
        import torch

        columns = torch.from_numpy(np.ascontiguousarray(X.T, dtype=np.float64))  # one contiguous column per variable
        before = torch.get_num_threads()  # OpenMP's count is per calling thread: set and restored for this call
        if threads != before:
            torch.set_num_threads(threads)
        try:
            result = self._compiled(*columns)
        finally:
            if threads != before:
                torch.set_num_threads(before)
        return result.numpy()
