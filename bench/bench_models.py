"""Models benchmark: symgrad's symbolic gradients against torch autograd, side by side.

Workloads (each checked for agreement before it is timed):

1. ``small fit``: the chapter's 1000-step gradient descent of ``y = wx + b`` on 100
   points (mean squared error, lr 0.001) -- symgrad (sufficient statistics, one
   lambdified scalar kernel) vs the chapter's torch autograd loop (float64).
2. ``grad+hess``: gradient and Hessian of least-squares and logistic losses with
   N = 2000 samples and d up to 1000 -- symgrad's closed matrix forms vs
   ``torch.func.hessian`` (plus ``torch.func.grad``). Least squares is timed twice:
   cold (``2XᵀX`` computed) and at a new point (the Hessian is symbolically
   constant, so it is reused).
3. ``classifier epoch``: one full-batch gradient step of the logistic loss of a
   linear classifier on 224×224 inputs (d = 50,176) -- symgrad vs a torch autograd loop (float32).

Run: python -m bench.bench_models [--smoke]
"""

from __future__ import annotations

import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from bench.common import Row, assert_same_numbers, measure, parse_args, table, write_json  # noqa: E402


def small_fit(rows, repeats, steps=1000):
    import torch

    from symgrad.models import LinearModel, squared_error
    from symgrad.optimize import gradient_descent

    g = torch.Generator().manual_seed(0)
    x = 10 * torch.randn(100, generator=g, dtype=torch.float64)
    y = 1.5 * x + 2.73 + 0.5 * torch.randn(100, generator=g, dtype=torch.float64)
    start = [0.3, -0.7]

    def symgrad_run():
        L = squared_error(LinearModel(), x.numpy(), y.numpy(), reduction="mean")
        return gradient_descent(L, start, 0.001, steps, tol=0).final

    L = squared_error(LinearModel(), x.numpy(), y.numpy(), reduction="mean")
    L.compile("numpy")

    def symgrad_loop():  # loss already built (as a user would, once)
        return gradient_descent(L, start, 0.001, steps, tol=0).final

    def torch_run():
        w = torch.tensor([start[0]], dtype=torch.float64, requires_grad=True)
        b = torch.tensor([start[1]], dtype=torch.float64, requires_grad=True)
        for _ in range(steps):
            loss = torch.mean((w * x + b - y) ** 2)
            loss.backward()
            with torch.no_grad():
                w -= 0.001 * w.grad
                b -= 0.001 * b.grad
                w.grad.zero_()
                b.grad.zero_()
        return [w.item(), b.item()]

    assert_same_numbers({"symgrad": symgrad_loop(), "torch": torch_run()}, rtol=1e-9, what="small fit")
    size = f"N=100, {steps} steps"
    rows.append(Row("small fit", size, "symgrad", measure(symgrad_loop, repeats=repeats), "GD loop"))
    rows.append(Row("small fit", size, "symgrad (build loss + GD)", measure(symgrad_run, repeats=repeats), "incl. statistics, derivation, lambdify"))
    rows.append(Row("small fit", size, "torch autograd", measure(torch_run, repeats=repeats), "chapter 12.4 loop"))


def grad_hess(rows, repeats, sizes):
    import torch

    from symgrad.models import least_squares_loss, logistic_loss

    rng = np.random.default_rng(0)
    for d in sizes:
        N = 2000
        X = rng.standard_normal((N, d))
        theta = 0.1 * rng.standard_normal(d + 1)
        for kind in ("least_squares", "logistic"):
            y = (rng.random(N) > 0.5).astype(float) if kind == "logistic" else rng.standard_normal(N)
            Xt, yt, tt = torch.tensor(X), torch.tensor(y), torch.tensor(theta)

            def loss(t, Xt=Xt, yt=yt, kind=kind):
                z = Xt @ t[:-1] + t[-1]
                if kind == "least_squares":
                    return torch.sum((z - yt) ** 2)
                return torch.nn.functional.binary_cross_entropy_with_logits(z, yt, reduction="sum")

            def torch_both():
                return torch.func.grad(loss)(tt), torch.func.hessian(loss)(tt)

            def cold():
                L = (least_squares_loss if kind == "least_squares" else logistic_loss)(X, y)
                return L.gradient(theta), L.hessian(theta)

            warm_loss = (least_squares_loss if kind == "least_squares" else logistic_loss)(X, y)
            warm_loss.hessian(theta)
            shift = np.full(d + 1, 0.01)

            def new_point():
                return warm_loss.gradient(theta + shift), warm_loss.hessian(theta + shift)

            Xa = np.hstack([X, np.ones((N, 1))])

            def hand_blas(Xa=Xa, y=y, kind=kind):  # the closed form a careful user writes by hand
                z = Xa @ theta
                if kind == "least_squares":
                    return 2 * (Xa.T @ (z - y)), 2 * (Xa.T @ Xa)
                s = 1 / (1 + np.exp(-z))
                return Xa.T @ (s - y), (Xa.T * (s * (1 - s))) @ Xa

            ref = torch_both()
            assert_same_numbers({"symgrad": cold(), "torch": ref, "hand BLAS": hand_blas()}, rtol=1e-9, atol=1e-8,
                                what=f"{kind} d={d}")
            size = f"N=2000, d={d}"
            rows.append(Row(f"grad+hess {kind}", size, "symgrad", measure(cold, repeats=repeats), "from scratch"))
            note = "H = 2XᵀX is constant: reused" if kind == "least_squares" else "loss built once"
            rows.append(Row(f"grad+hess {kind}", size, "symgrad (new point)", measure(new_point, repeats=repeats), note))
            rows.append(Row(f"grad+hess {kind}", size, "hand NumPy (BLAS)", measure(hand_blas, repeats=repeats),
                            "closed form written by hand"))
            rows.append(Row(f"grad+hess {kind}", size, "torch.func.hessian", measure(torch_both, repeats=repeats), "+ torch.func.grad"))


def classifier_epoch(rows, repeats, N, side=224):
    import torch

    from symgrad.models import logistic_loss

    rng = np.random.default_rng(0)
    d = side * side
    X = rng.standard_normal((N, d), dtype=np.float32)
    y = (rng.random(N) > 0.5).astype(np.float32)
    L = logistic_loss(X, y, "mean")
    lr = 1.0 / L.largest_curvature()
    theta0 = np.zeros(d + 1, np.float32)
    Xt, yt = torch.from_numpy(X), torch.from_numpy(y)

    def symgrad_epoch(theta=theta0):
        _, g = L.value_and_gradient(theta)
        return theta - np.float32(lr) * g

    w = torch.zeros(d, requires_grad=True)
    b = torch.zeros(1, requires_grad=True)

    def torch_epoch():
        loss = torch.nn.functional.binary_cross_entropy_with_logits(Xt @ w + b, yt)
        loss.backward()
        with torch.no_grad():
            out = torch.cat([w - lr * w.grad, b - lr * b.grad])
            w.grad.zero_()
            b.grad.zero_()
        return out

    assert_same_numbers({"symgrad": symgrad_epoch(), "torch": torch_epoch()}, rtol=1e-4, atol=1e-7, what="classifier epoch")
    size = f"N={N}, d={d}, float32"
    rows.append(Row("classifier epoch", size, "symgrad", measure(symgrad_epoch, repeats=repeats), "one full-batch GD step"))
    rows.append(Row("classifier epoch", size, "torch autograd", measure(torch_epoch, repeats=repeats), "one full-batch GD step"))


def main(argv=None) -> int:
    args = parse_args(argv, __doc__.splitlines()[0])
    import torch

    torch.set_num_threads(os.cpu_count() or 1)
    rows: list[Row] = []
    small_fit(rows, args.repeats, steps=50 if args.smoke else 1000)
    grad_hess(rows, args.repeats, [20] if args.smoke else [100, 500, 1000])
    classifier_epoch(rows, args.repeats, N=20 if args.smoke else 2000, side=16 if args.smoke else 224)
    if not args.quiet:
        print(table(rows, reference="symgrad"))
    path = write_json("models", rows, smoke=args.smoke)
    if not args.quiet:
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
