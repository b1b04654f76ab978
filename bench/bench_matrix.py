"""Benchmark of the matrix engine: gradient + Hessian derived from the typed formula vs hand-written code.

Workloads (issue 13): least squares ``‖Xw − y‖²`` and the logistic loss
``sum(log(1 + exp(Xw))) − yᵀXw`` at N = 2000, d = 1000 (``--smoke``: N = 60, d = 12).
Systems, all checked to compute the same numbers first:

* ``symgrad (derived)`` -- ``Function(text, shapes=..., variables=["w"]).compile("numpy")``:
  the gradient and Hessian kernels of the certified closed forms, data passed by name;
* ``hand NumPy (BLAS)`` -- the closed forms written by hand (``2Xᵀ(Xw − y)``, ``2XᵀX``;
  ``Xᵀ(σ − y)``, ``(Xᵀ ⊙ s) X``);
* ``torch.func.hessian`` (+ ``torch.func.grad``) of the loss written in torch.

Also: the chapter's classifier on rasterized 224×224 images (50,176 features, N = 500, float32) from the
derived torch kernels vs torch autograd -- one full-batch gradient step, and an epoch run of the chapter's
training loop (5 full-batch GD epochs; ``nn.Linear`` + ``BCEWithLogitsLoss`` + ``optim.SGD``), repeats
interleaved, paired ratios symgrad ÷ torch on the wall and CPU clocks; and, cold: parse + derive + certify + compile of the two losses and of Cookbook identities
(targets: ≤ 1.25× hand NumPy, ≥ 20× faster than torch.func.hessian, a Cookbook identity under 1 s).

Run: ``PYTHONPATH=. python bench/bench_matrix.py [--smoke]`` (``SYMGRAD_BENCH_MATRIX_ONLY=classifier``: that
workload alone).
"""

from __future__ import annotations

import os
import statistics
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir))

from bench.common import (Row, Timing, assert_same_numbers, format_seconds, interleaved_samples,  # noqa: E402
                          measure, measure_once, paired_ratio, parse_args, table, write_json)

SHAPES = {"X": ("N", "d"), "w": "d", "y": "N"}
LOSSES = {
    "least_squares": "||X w - y||^2",
    "logistic": "sum(log(1 + exp(X w))) - y^T X w",
}
COOKBOOK = [
    ("x^T A x", {"x": "n", "A": ("n", "n")}, "x", "hessian"),
    ("tr(A X B)", {"A": ("n", "n"), "X": ("n", "n"), "B": ("n", "n")}, "X", "gradient"),
    ("log(det(X))", {"X": ("n", "n")}, "X", "gradient"),
    ("a^T inv(X) b", {"a": "n", "b": "n", "X": ("n", "n")}, "X", "gradient"),
    ("logsumexp(z) - t^T z", {"z": "K", "t": "K"}, "z", "hessian"),
]


def _derived(text: str, shapes: dict, wrt: str, kind: str):
    import symgrad as sg

    f = sg.Function(text, shapes=shapes, variables=[wrt])
    getattr(f, kind)(wrt)
    return f.compile("numpy")


def matrix_losses(rows, repeats, N, d):
    import torch

    import symgrad as sg

    rng = np.random.default_rng(0)
    X = rng.standard_normal((N, d))
    w = 0.01 * rng.standard_normal(d)
    for kind, text in LOSSES.items():
        y = (rng.random(N) > 0.5).astype(float) if kind == "logistic" else rng.standard_normal(N)
        c = sg.Function(text, shapes=SHAPES, variables=["w"]).compile("numpy")
        c.hessian(X=X, w=w, y=y)

        def symgrad_both(c=c, y=y):
            return c.gradient(X=X, w=w, y=y), c.hessian(X=X, w=w, y=y)

        def hand(y=y, kind=kind):
            if kind == "least_squares":
                return 2 * (X.T @ (X @ w - y)), 2 * (X.T @ X)
            s = 1 / (1 + np.exp(-(X @ w)))
            return X.T @ (s - y), (X.T * (s * (1 - s))) @ X

        Xt, yt, wt = torch.tensor(X), torch.tensor(y), torch.tensor(w)

        def loss(v, kind=kind, yt=yt):
            z = Xt @ v
            if kind == "least_squares":
                return torch.sum((z - yt) ** 2)
            return torch.sum(torch.nn.functional.softplus(z)) - yt @ z

        def torch_both():
            return torch.func.grad(loss)(wt), torch.func.hessian(loss)(wt)

        assert_same_numbers({"symgrad": symgrad_both(), "hand": hand(), "torch": torch_both()}, rtol=1e-8, atol=1e-8,
                            what=kind)
        size = f"N={N}, d={d}"
        rows.append(Row(f"grad+hess {kind}", size, "symgrad (derived)", measure(symgrad_both, repeats=repeats),
                        "compiled from the typed formula"))
        rows.append(Row(f"grad+hess {kind}", size, "hand NumPy (BLAS)", measure(hand, repeats=repeats),
                        "closed form written by hand"))
        rows.append(Row(f"grad+hess {kind}", size, "torch.func.hessian", measure(torch_both, repeats=repeats),
                        "+ torch.func.grad"))
        rows.append(Row(f"derive+certify+compile {kind}", "symbolic", "symgrad (derived)",
                        measure_once(lambda text=text: _derived(text, SHAPES, "w", "hessian"), repeats=repeats),
                        "parse, gradient + Hessian, certificates, kernels"))


EPOCHS = 5  # full-batch GD epochs timed as one run of the chapter's training loop


def classifier_epoch(rows, repeats, N, side, epochs=EPOCHS):
    """The chapter's classifier on rasterized images, float32: one full-batch gradient step, and ``epochs`` epochs
    of the chapter's training loop (GD over the whole dataset: one step per epoch), derived vs torch autograd.

    Repeats are interleaved (symgrad, torch, symgrad, torch, ...) and timed on the wall clock and the CPU clock;
    the rows carry the median and quartiles of the per-repeat ratios symgrad ÷ torch.
    """
    import torch

    import symgrad as sg

    rng = np.random.default_rng(1)
    d = side * side
    X = rng.standard_normal((N, d), dtype=np.float32)
    y = (rng.random(N) > 0.5).astype(np.float32)
    f = sg.Function("sum(softplus(X w + b)) - y^T (X w + b)", shapes=SHAPES, variables=["w", "b"])
    c = f.compile("torch")
    Xt, yt = torch.from_numpy(X), torch.from_numpy(y)
    w0, b0 = torch.zeros(d), torch.zeros(())
    lr = 1e-4

    def symgrad_step():
        gw, gb = c.gradients(X=Xt, w=w0, b=b0, y=yt)  # one evaluation, as one backward pass
        return w0 - lr * gw, b0 - lr * gb

    def torch_step():
        w, b = w0.clone().requires_grad_(True), b0.clone().requires_grad_(True)
        z = Xt @ w + b
        loss = torch.nn.functional.binary_cross_entropy_with_logits(z, yt, reduction="sum")
        loss.backward()
        with torch.no_grad():
            return w - lr * w.grad, b - lr * b.grad

    def symgrad_epochs():
        w, b = w0.clone(), b0.clone()
        for _ in range(epochs):
            gw, gb = c.gradients(X=Xt, w=w, b=b, y=yt)
            w.sub_(gw, alpha=lr)
            b.sub_(gb, alpha=lr)
        return w, b

    model = torch.nn.Linear(d, 1)
    criterion = torch.nn.BCEWithLogitsLoss(reduction="sum")
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    labels = yt.reshape(-1, 1)

    def chapter_loop():  # the chapter's nn.Module / SGD loop (section 12.7), from the same start
        with torch.no_grad():
            model.weight.zero_()
            model.bias.zero_()
        for _ in range(epochs):
            loss = criterion(model(Xt), labels)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        return model.weight.detach().reshape(-1), model.bias.detach().reshape(())

    assert_same_numbers({"symgrad": [t.numpy() for t in symgrad_step()], "torch": [t.detach().numpy() for t in torch_step()]},
                        rtol=1e-4, atol=1e-6, what="classifier step")
    assert_same_numbers({"symgrad": [t.numpy() for t in symgrad_epochs()],
                         "torch": [t.clone().numpy() for t in chapter_loop()]},
                        rtol=1e-3, atol=1e-6, what=f"classifier, {epochs} epochs")
    size = f"N={N}, {side}×{side} pixels"
    pairs = [("classifier step (float32)", symgrad_step, torch_step, "torch autograd",
              "∇w and ∂b from the typed loss, torch kernels", "loss.backward()"),
             (f"classifier epochs ×{epochs} (float32)", symgrad_epochs, chapter_loop, "torch nn.Linear + SGD",
              "full-batch GD, in-place updates", "the chapter's training loop")]
    for workload, ours, peer, peer_name, our_note, peer_note in pairs:
        timings = {}
        for clock_name, clock in (("wall", time.perf_counter), ("cpu", time.process_time)):
            numbers, samples = interleaved_samples({"ours": ours, "peer": peer}, repeats=max(1, 6 * repeats),
                                                   warmup=1, clock=clock)
            timings[clock_name] = (numbers, samples, paired_ratio(samples["ours"], samples["peer"]))
        numbers, samples, _ = timings["wall"]
        extra = {f"symgrad ÷ torch ({k})": v[2] for k, v in timings.items()}
        for key, name, note in (("ours", "symgrad (derived)", our_note), ("peer", peer_name, peer_note)):
            s_ = samples[key]
            cpu = statistics.median(timings["cpu"][1][key])
            rows.append(Row(workload, size, name, Timing(statistics.median(s_), min(s_), max(s_), len(s_), numbers[key]),
                            f"{note}; CPU {format_seconds(cpu)}", extra if key == "ours" else {}))


def cookbook(rows, repeats):
    for text, shapes, wrt, kind in COOKBOOK:
        rows.append(Row("derive+certify+compile identity", text, "symgrad (derived)",
                        measure_once(lambda t=text, s=shapes, v=wrt, k=kind: _derived(t, s, v, k), repeats=repeats),
                        f"{kind} w.r.t. {wrt}"))


def main(argv=None) -> int:
    args = parse_args(argv, __doc__.splitlines()[0])
    import torch

    torch.set_num_threads(os.cpu_count() or 1)
    rows: list[Row] = []
    only = os.environ.get("SYMGRAD_BENCH_MATRIX_ONLY", "")  # "classifier": that workload alone
    if only != "classifier":
        matrix_losses(rows, args.repeats, *((60, 12) if args.smoke else (2000, 1000)))
    classifier_epoch(rows, args.repeats, *((20, 16) if args.smoke else (500, 224)))
    if only != "classifier":
        cookbook(rows, args.repeats)
    if not args.quiet:
        print(table(rows, reference="symgrad (derived)"))
        for row in rows:
            for clock, r in row.extra.items():
                print(f"{row.workload}: {clock} per-repeat ratio median {r['median']} "
                      f"(quartiles {r['q1']}-{r['q3']}, range {r['min']}-{r['max']}, {r['repeats']} repeats)")
    path = write_json("matrix", rows, smoke=args.smoke)
    if not args.quiet:
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
