"""Expression swell: ``f_{k+1} = sin(f_k)·f_k`` from ``f_0 = w0·w1 + w0``, where symbolic Hessians explode.

Each derivative of a product doubles the tree; a depth-``k`` Hessian written
out has thousands of nodes, but shares almost all of them. The workload times
derive + compile + evaluate the Hessian on 10⁴ points, for:

* ``symgrad``: ``Function(f).hessian()`` + ``compile("numpy").hessian(X)`` (one CSE over all entries);
* ``sympy (no cse)``: ``sympy.hessian`` + ``lambdify`` (the tree is printed as is);
* ``sympy (cse)``: the same with ``lambdify(cse=True)``;
* ``symengine``: ``diff`` twice + ``Lambdify(cse=True)``;
* ``torch.func``: ``vmap(hessian(f))`` on the batch (numbers only).

The note column gives the Hessian's operation count (``count_ops``, tree
size as printed without CSE). Run: ``python -m bench.bench_swell [--smoke]``.
"""

from __future__ import annotations

import sys
from typing import Any

import numpy as np
import sympy
from sympy.core.cache import clear_cache

try:
    from bench.common import Row, assert_same_numbers, growth_exponent, measure_once, parse_args, table, write_json
except ImportError:  # run as a script from bench/
    from common import Row, assert_same_numbers, growth_exponent, measure_once, parse_args, table, write_json

TOPIC = "swell"
DEPTHS = [1, 2, 3, 4]
SMOKE_DEPTHS = [1]
POINTS = 10_000


def swell(depth: int) -> tuple[sympy.Expr, tuple[sympy.Symbol, sympy.Symbol]]:
    w0, w1 = sympy.symbols("w0 w1", real=True)
    f = w0 * w1 + w0
    for _ in range(depth):
        f = sympy.sin(f) * f
    return f, (w0, w1)


def torch_swell(depth: int):
    import torch

    def f(w):  # one point (n,) or a batch (N, n)
        g = w[..., 0] * w[..., 1] + w[..., 0]
        for _ in range(depth):
            g = torch.sin(g) * g
        return g

    return f


def run_symgrad(f, xs, X):
    from symgrad.function import Function

    return Function(f, xs).compile("numpy").hessian(X)


def run_sympy(f, xs, X, cse: bool):
    H = sympy.hessian(f, xs)
    fn = sympy.lambdify(xs, H, modules="numpy", cse=cse)
    out = fn(X[:, 0], X[:, 1])  # a (2, 2) object-free array of (N,) columns
    return np.stack([np.stack([np.broadcast_to(out[i, j], X.shape[:1]) for j in range(2)], -1) for i in range(2)], -2)


def run_symengine(f, xs, X):
    import symengine as se

    F = se.sympify(f)
    S = [se.Symbol(x.name) for x in xs]
    H = [F.diff(a).diff(b) for a in S for b in S]
    return se.Lambdify(S, H, cse=True, backend="lambda")(X).reshape(-1, 2, 2)


def run_torch(depth, X):
    import torch
    from torch.func import hessian, vmap

    return vmap(hessian(torch_swell(depth)))(torch.from_numpy(X))


def systems(depth, f, xs) -> dict[str, Any]:
    out = {
        "symgrad": lambda X: run_symgrad(f, xs, X),
        "sympy (no cse)": lambda X: run_sympy(f, xs, X, cse=False),
        "sympy (cse)": lambda X: run_sympy(f, xs, X, cse=True),
    }
    try:
        import symengine  # noqa: F401

        out["symengine"] = lambda X: run_symengine(f, xs, X)
    except ImportError:
        pass
    try:
        import torch  # noqa: F401

        out["torch.func (numbers only)"] = lambda X: run_torch(depth, X)
    except ImportError:
        pass
    return out


def main(argv: list[str] | None = None) -> dict[str, Any]:
    args = parse_args(argv, __doc__.splitlines()[0])
    depths = SMOKE_DEPTHS if args.smoke else DEPTHS
    X = np.random.default_rng(1).uniform(-0.9, 0.9, (100 if args.smoke else POINTS, 2))
    rows: list[Row] = []
    for depth in depths:
        f, xs = swell(depth)
        ops = sympy.count_ops(sympy.hessian(f, xs))
        made = systems(depth, f, xs)
        results = {name: run(X) for name, run in made.items()}
        assert_same_numbers(results, rtol=1e-8, atol=1e-8, what=f"swell depth {depth}")
        for name, run in made.items():
            def cold(run=run):
                clear_cache()
                return run(X)

            timing = measure_once(cold, repeats=args.repeats)
            rows.append(Row("swell Hessian, 10⁴ points", f"depth={depth}", name, timing, note=f"{ops} ops in H"))
    summary = {"growth_exponent_in_depth": {}}
    for name in {r.system for r in rows}:
        pts = [(int(r.size.split("=")[1]), r.timing.median_s) for r in rows if r.system == name]
        # cost against depth is exponential for trees; report log2 growth per level
        if len(pts) >= 2:
            summary["growth_exponent_in_depth"][name] = float(np.polyfit([d for d, _ in pts], np.log2([t for _, t in pts]), 1)[0])
    path = write_json(TOPIC, rows, smoke=args.smoke, summary=summary)
    if not args.quiet:
        print(table(rows))
        print("cost doubling per depth level (log2 slope):", summary["growth_exponent_in_depth"])
        print(f"wrote {path}")
    return summary


if __name__ == "__main__":
    main(sys.argv[1:])
