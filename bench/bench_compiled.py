"""Compiled code on batches: the gradient of ``2 w0² + 3 w1²`` at N points, symgrad beside its peers.

Systems (all given the same ``(N, 2)`` float64 array, all returning ``(N, 2)``):

* ``symgrad numpy``: ``Function(...).compile("numpy").gradient(X)``;
* ``symgrad numpy (engine=symengine)``: ``compile("numpy", engine="symengine")``: SymEngine's LLVM kernel
  run over chunks on every core (what ``engine="auto"`` picks too when SymEngine is installed);
* ``symgrad torch``: ``compile("torch").gradient(T)``;
* ``sympy lambdify``: ``lambdify`` of the gradient, stacked with ``np.stack``;
* ``symengine llvm``: ``Lambdify(..., backend="llvm")`` (``"lambda"`` if LLVM is missing);
* ``torch autograd``: ``f(T).sum().backward()``; ``torch.func vmap(grad)``;
* ``hand numpy (columns)``: ``np.stack((4*X[:, 0], 6*X[:, 1]), axis=1)`` -- the formulas typed in;
* ``hand numpy (broadcast)``: ``X * [4, 6]`` -- the trick a person sees for this linear gradient.

Throughput is reported as points per second. Run: ``python -m bench.bench_compiled [--smoke]``.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

import numpy as np
import sympy

try:
    from bench.common import Row, assert_same_numbers, growth_exponent, measure, parse_args, table, write_json
except ImportError:  # run as a script from bench/
    from common import Row, assert_same_numbers, growth_exponent, measure, parse_args, table, write_json

TOPIC = "compiled"
SIZES = [10**4, 10**5, 10**6]
SMOKE_SIZES = [100]


def systems() -> dict[str, Callable[[np.ndarray], Callable[[], Any]]]:
    """name → (X → a no-argument callable computing the gradient at every row of X)."""
    from symgrad.function import Function

    w0, w1 = sympy.symbols("w0 w1", real=True)
    expr = 2 * w0**2 + 3 * w1**2
    f = Function(expr, (w0, w1))
    c_np = f.compile("numpy")
    out: dict[str, Callable[[np.ndarray], Callable[[], Any]]] = {
        "symgrad numpy": lambda X: lambda: c_np.gradient(X),
    }
    try:
        import symengine  # noqa: F401

        # engine="symengine": the kernel builder of symgrad.kernels, asked for by name
        c_se = Function(expr, (w0, w1)).compile("numpy", engine="symengine")
        out["symgrad numpy (engine=symengine)"] = lambda X: lambda: c_se.gradient(X)
    except ImportError:
        pass
    grad_fn = sympy.lambdify((w0, w1), [sympy.diff(expr, w0), sympy.diff(expr, w1)], modules="numpy")
    out["sympy lambdify"] = lambda X: lambda: np.stack(grad_fn(X[:, 0], X[:, 1]), axis=1)
    try:
        import symengine as se

        a, b = se.symbols("w0 w1")
        se_expr = 2 * a**2 + 3 * b**2
        try:
            lam = se.Lambdify([a, b], [se_expr.diff(a), se_expr.diff(b)], backend="llvm")
            name = "symengine llvm"
        except (RuntimeError, ValueError, TypeError):
            lam = se.Lambdify([a, b], [se_expr.diff(a), se_expr.diff(b)], backend="lambda")
            name = "symengine lambda"
        out[name] = lambda X: lambda: lam(X)
    except ImportError:
        pass
    out["hand numpy (columns)"] = lambda X: lambda: np.stack((4 * X[:, 0], 6 * X[:, 1]), axis=1)
    scale = np.array([4.0, 6.0])
    out["hand numpy (broadcast)"] = lambda X: lambda: X * scale
    try:
        import torch
        from torch.func import grad, vmap

        c_t = f.compile("torch")
        out["symgrad torch"] = lambda X: (lambda T: lambda: c_t.gradient(T))(torch.from_numpy(X))

        def loss(x):
            return 2 * x[..., 0] ** 2 + 3 * x[..., 1] ** 2

        def autograd(T):
            def run():
                leaf = T.detach().requires_grad_(True)
                loss(leaf).sum().backward()
                return leaf.grad

            return run

        out["torch autograd"] = lambda X: autograd(torch.from_numpy(X))
        batched = vmap(grad(loss))
        out["torch.func vmap(grad)"] = lambda X: (lambda T: lambda: batched(T))(torch.from_numpy(X))
    except ImportError:
        pass
    return out


def main(argv: list[str] | None = None) -> dict[str, Any]:
    args = parse_args(argv, __doc__.splitlines()[0])
    sizes = SMOKE_SIZES if args.smoke else SIZES
    rows: list[Row] = []
    made = systems()
    for N in sizes:
        X = np.random.default_rng(N).standard_normal((N, 2))
        calls = {name: build(X) for name, build in made.items()}
        expected = np.stack((4 * X[:, 0], 6 * X[:, 1]), axis=1)
        assert_same_numbers({"formula": expected, **{n: c() for n, c in calls.items()}}, what=f"gradient N={N}")
        for name, call in calls.items():
            timing = measure(call, repeats=args.repeats, warmup=0 if args.smoke else 2)
            rows.append(Row("gradient 2w0²+3w1²", f"N={N:.0e}", name, timing, note=f"{N / timing.median_s / 1e9:.3g} G points/s"))
    summary: dict[str, Any] = {"g_points_per_s": {}, "growth_exponent": {}}
    for name in made:
        pts = [(int(float(r.size[2:])), r.timing.median_s) for r in rows if r.system == name]
        summary["g_points_per_s"][name] = {f"{n:.0e}": n / t / 1e9 for n, t in pts}
        summary["growth_exponent"][name] = growth_exponent([n for n, _ in pts], [t for _, t in pts])
    if not args.smoke:
        largest = [r for r in rows if r.size == f"N={sizes[-1]:.0e}"]
        t = {r.system: r.timing.median_s for r in largest}
        summary["targets"] = {
            "hand_columns_over_symgrad (target >= 1)": t["hand numpy (columns)"] / t["symgrad numpy"],
            "hand_broadcast_over_symgrad": t["hand numpy (broadcast)"] / t["symgrad numpy"],
        }
    path = write_json(TOPIC, rows, smoke=args.smoke, summary=summary)
    if not args.quiet:
        print(table(rows, reference="symgrad numpy"))
        print(summary.get("targets", ""))
        print(f"wrote {path}")
    return summary


if __name__ == "__main__":
    main(sys.argv[1:])
