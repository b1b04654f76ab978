"""Symbolic pipeline: gradient + Hessian + compile, symgrad beside plain SymPy, SymEngine and torch.

Workloads (``n`` variables):

* ``rosenbrock``: ``sum 100 (x_{i+1} - x_i^2)^2 + (1 - x_i)^2`` -- sparse, tridiagonal Hessian;
* ``quadratic``: ``xᵀAx + bᵀx`` with a dense integer ``A`` -- ``n²`` terms, constant Hessian.

Each system goes from the expression to compiled value, gradient and Hessian
and evaluates them once at a point (so lazy compilation is paid):

* ``symgrad``: ``Function(f, xs).compile("numpy").evaluate(x)`` -- derives the gradient and Hessian
  (SymEngine objects, or the coefficients of a quadratic) and compiles them; no SymPy matrices are built;
* ``symgrad (+ SymPy matrices)``: the same, then ``gradient()`` and ``hessian()`` as SymPy matrices;
* ``sympy (jacobian²)``: ``Matrix([f]).jacobian(xs)``, its Jacobian, ``lambdify`` (the best plain route);
* ``sympy (hessian)``: ``sympy.hessian`` + ``lambdify`` (the obvious route; small sizes only);
* ``symengine``: ``diff`` for the gradient, ``diff`` of each entry for the Hessian, ``Lambdify(cse=True)``;
* ``torch.func``: ``grad`` and ``hessian`` at the point -- numbers only, nothing symbolic to read.

SymPy's global cache is cleared before every repeat, so each repeat is a cold run.
Run: ``python -m bench.bench_symbolic [--smoke]``.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import sympy
from sympy.core.cache import clear_cache

try:
    from bench.common import Row, assert_same_numbers, growth_exponent, measure_once, parse_args, table, write_json
except ImportError:  # run as a script from bench/
    from common import Row, assert_same_numbers, growth_exponent, measure_once, parse_args, table, write_json

TOPIC = "symbolic"
SIZES = {"rosenbrock": [2, 10, 50, 100, 200], "quadratic": [2, 10, 50, 100]}
SMOKE_SIZES = {"rosenbrock": [3], "quadratic": [3]}
#: largest n at which a slow system is still run (beyond it the cell says why it is missing)
LIMITS = {"sympy (hessian)": 50, "sympy (jacobian²)": 100}
#: sizes where a system is so slow that it is timed once instead of five times
ONE_REPEAT_FROM = {"sympy (jacobian²)": 100, "sympy (hessian)": 50}


# -- workloads ------------------------------------------------------------------------------
def rosenbrock(n: int) -> tuple[sympy.Expr, tuple[sympy.Symbol, ...]]:
    xs = sympy.symbols(f"x0:{n}", real=True)
    return sympy.Add(*[100 * (xs[i + 1] - xs[i] ** 2) ** 2 + (1 - xs[i]) ** 2 for i in range(n - 1)]), xs


def quadratic(n: int) -> tuple[sympy.Expr, tuple[sympy.Symbol, ...]]:
    xs = sympy.symbols(f"x0:{n}", real=True)
    rng = np.random.default_rng(n)
    A = rng.integers(-5, 6, (n, n))
    b = rng.integers(-5, 6, n)
    quad = [int(A[i, j]) * xs[i] * xs[j] for i in range(n) for j in range(n)]
    return sympy.Add(*quad, *[int(b[i]) * xs[i] for i in range(n)]), xs


WORKLOADS = {"rosenbrock": rosenbrock, "quadratic": quadratic}


# -- systems: each returns (value, gradient, Hessian) at the point ------------------------------
def run_symgrad(f, xs, point):
    from symgrad.function import Function

    return Function(f, xs).compile("numpy").evaluate(point)


def run_symgrad_sympy(f, xs, point):
    from symgrad.function import Function

    F = Function(f, xs)
    result = F.compile("numpy").evaluate(point)
    F.gradient(), F.hessian()
    return result


def run_sympy_jacobian(f, xs, point):
    g = sympy.Matrix([f]).jacobian(xs)
    H = g.jacobian(xs)
    fn = sympy.lambdify(xs, [f, g, H], modules="numpy")
    return fn(*point)


def run_sympy_hessian(f, xs, point):
    g = [sympy.diff(f, x) for x in xs]
    H = sympy.hessian(f, xs)
    fn = sympy.lambdify(xs, [f, g, H], modules="numpy")
    return fn(*point)


def run_symengine(f, xs, point, sympy_matrices=False):
    """SymEngine's diff + Lambdify; with ``sympy_matrices`` also its gradient and Hessian handed back as SymPy matrices."""
    import symengine as se

    F = se.sympify(f)
    X = [se.Symbol(x.name) for x in xs]
    g = [F.diff(x) for x in X]
    H = [gi.diff(x) for gi in g for x in X]
    fn = se.Lambdify(X, [F, *g, *H], cse=True, backend="lambda")
    out = np.asarray(fn(np.asarray(point, dtype=float)))
    n = len(xs)
    if sympy_matrices:
        originals = {sympy.Symbol(x.name): x for x in xs}
        se.DenseMatrix(n, 1, g)._sympy_().xreplace(originals), se.DenseMatrix(n, n, H)._sympy_().xreplace(originals)
    return out[0], out[1 : 1 + n], out[1 + n :].reshape(n, n)


def run_torch(f_torch: Callable, point):
    import torch
    from torch.func import grad, hessian

    x = torch.as_tensor(point, dtype=torch.float64)
    return f_torch(x), grad(f_torch)(x), hessian(f_torch)(x)


def torch_function(workload: str, n: int) -> Callable:
    """The same function written for torch by hand."""
    import torch

    if workload == "rosenbrock":
        return lambda x: torch.sum(100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)
    rng = np.random.default_rng(n)
    A = torch.as_tensor(rng.integers(-5, 6, (n, n)), dtype=torch.float64)
    b = torch.as_tensor(rng.integers(-5, 6, n), dtype=torch.float64)
    return lambda x: x @ A @ x + b @ x


def systems(workload: str, n: int, f, xs) -> dict[str, Callable[[np.ndarray], Any]]:
    table_ = {
        "symgrad": lambda p: run_symgrad(f, xs, p),
        "symgrad (+ SymPy matrices)": lambda p: run_symgrad_sympy(f, xs, p),
        "sympy (jacobian²)": lambda p: run_sympy_jacobian(f, xs, p),
        "sympy (hessian)": lambda p: run_sympy_hessian(f, xs, p),
    }
    try:
        import symengine  # noqa: F401

        table_["symengine"] = lambda p: run_symengine(f, xs, p)
    except ImportError:
        pass
    try:
        f_torch = torch_function(workload, n)
        table_["torch.func (numbers only)"] = lambda p: run_torch(f_torch, p)
    except ImportError:
        pass
    return table_


def _normalise(result) -> list[np.ndarray]:
    value, gradient, hessian = result
    as_np = [np.asarray(v.detach() if hasattr(v, "detach") else v, dtype=float) for v in (value, gradient, hessian)]
    return [as_np[0].reshape(()), as_np[1].reshape(-1), as_np[2].reshape(-1)]


def cold(fn: Callable[[], Any]) -> Callable[[], Any]:
    def run():
        clear_cache()
        return fn()

    return run


def bench(workload: str, n: int, repeats: int, smoke: bool) -> list[Row]:
    f, xs = WORKLOADS[workload](n)
    point = np.random.default_rng(0).uniform(-1, 1, n)
    rows = []
    results = {}
    for name, fn in systems(workload, n, f, xs).items():
        if not smoke and n > LIMITS.get(name, 10**9):
            rows.append(Row(workload, f"n={n}", name, None, note=f"skipped: over n={LIMITS[name]} it takes minutes"))
            continue
        start = time.perf_counter()
        try:
            results[name] = _normalise(cold(lambda: fn(point))())  # untimed agreement run (also a warm-up of imports)
        except (RecursionError, NotImplementedError, MemoryError) as error:
            rows.append(Row(workload, f"n={n}", name, None, note=f"fails: {type(error).__name__} ({str(error)[:60]})"))
            continue
        first = time.perf_counter() - start
        assert_same_numbers({"symgrad": results.get("symgrad", results[name]), name: results[name]}, rtol=1e-9, atol=1e-8, what=f"{workload} n={n}")
        reps = 1 if n >= ONE_REPEAT_FROM.get(name, 10**9) or first > 5 else repeats
        timing = measure_once(cold(lambda: fn(point)), repeats=reps)
        rows.append(Row(workload, f"n={n}", name, timing, note="1 repeat (slow)" if reps == 1 and not smoke else ""))
    return rows


def summarise(rows: list[Row]) -> dict[str, Any]:
    """Growth exponents per system and the n = 100 target ratios."""
    summary: dict[str, Any] = {"growth_exponent": {}, "targets": {}}
    for workload in WORKLOADS:
        per_system: dict[str, list[tuple[int, float]]] = {}
        for r in rows:
            if r.workload == workload and r.timing:
                per_system.setdefault(r.system, []).append((int(r.size[2:]), r.timing.median_s))
        summary["growth_exponent"][workload] = {
            s: growth_exponent([n for n, _ in pts if n >= 10], [t for n, t in pts if n >= 10]) for s, pts in per_system.items()
        }
        at = {r.system: r.timing.median_s for r in rows if r.workload == workload and r.size == "n=100" and r.timing}
        if "symgrad" in at:
            sympy_best = min((at[s] for s in ("sympy (jacobian²)", "sympy (hessian)") if s in at), default=None)
            summary["targets"][workload] = {
                "symgrad_s": at["symgrad"],
                "speedup_vs_best_sympy (target >= 20)": sympy_best / at["symgrad"] if sympy_best else None,
                "symgrad_over_symengine (target <= 2)": at["symgrad"] / at["symengine"] if "symengine" in at else None,
            }
    return summary


def main(argv: list[str] | None = None) -> dict[str, Any]:
    args = parse_args(argv, __doc__.splitlines()[0])
    sizes = SMOKE_SIZES if args.smoke else SIZES
    rows = [row for workload, ns in sizes.items() for n in ns for row in bench(workload, n, args.repeats, args.smoke)]
    summary = summarise(rows)
    path = write_json(TOPIC, rows, smoke=args.smoke, summary=summary)
    if not args.quiet:
        print(table(rows))
        print(summary)
        print(f"wrote {path}")
    return summary


if __name__ == "__main__":
    main(sys.argv[1:])
