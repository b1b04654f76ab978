"""Tests for the fused engine (symgrad.kernels_fused) and the ``engine="auto"`` tier-up, against independent oracles.

Oracles: hand-written NumPy closed forms of the softplus of issue 18, and mpmath
at 50 digits where ``e^{w0 w1}`` overflows float64. Compiling with Inductor
takes seconds and starts threads, so the real compilations run once, in a
child process (``_run_child``; later tests fork, and a process with compiler
threads should not); the rules around it (when to tier up, what a failed
compilation does) are tested here with a stand-in kernel. The affine
gradient of quadratics is checked against hand-written gradients.
"""

import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest
import sympy

from symgrad import kernels as _kernels
from symgrad import kernels_fused as _fused
from symgrad.errors import BackendUnavailable, InputError
from symgrad.function import Function

pytest.importorskip("symengine")
torch = pytest.importorskip("torch")

w0, w1 = sympy.symbols("w0 w1", real=True)
SOFTPLUS = sympy.log(1 + sympy.exp(w0 * w1)) + sympy.sin(w0) * w1**2
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _hand_softplus(X):
    a, b = X[..., 0], X[..., 1]
    s = 1 / (1 + np.exp(-a * b))
    ds = s * (1 - s)
    grad = np.stack((b * s + np.cos(a) * b**2, a * s + 2 * np.sin(a) * b), -1)
    h01 = s + a * b * ds + 2 * np.cos(a) * b
    hess = np.stack((np.stack((b**2 * ds - np.sin(a) * b**2, h01), -1), np.stack((h01, a**2 * ds + 2 * np.sin(a)), -1)), -2)
    return grad, hess


# -- the real compilation, in a child process ------------------------------------------------------
CHILD = textwrap.dedent(
    """
    import json, sys
    import numpy as np, torch
    import symgrad as sg
    from symgrad import kernels
    text = "log(1 + exp(w0*w1)) + sin(w0)*w1^2"
    X = np.random.default_rng(0).uniform(-2, 2, (70_000, 2))
    big = np.array([[30.0, 30.0], [-30.0, 29.0], [27.0, -27.0], [26.7, 26.6], [0.5, 1.5]])
    threads = torch.get_num_threads()
    fused = sg.Function(text).compile("numpy", engine="fused")
    g, h = fused.gradient(X), fused.hessian(X[:1000])
    out = {"gradient": g.tolist()[:2000], "g_shape": list(g.shape), "g_contiguous": g.flags.c_contiguous,
           "hessian": h.tolist(), "batched": fused.gradient(X[:600].reshape(20, 30, 2)).shape,
           "big_gradient": fused.gradient(np.tile(big, (20, 1)))[:5].tolist(),
           "big_hessian": fused.hessian(np.tile(big, (20, 1)))[:5].tolist(),
           "threads_kept": torch.get_num_threads() == threads}
    kernels.FUSE_AFTER_SECONDS = 1e-9  # the tape's first call counts: the second one tiers up
    auto = sg.Function(text).compile("numpy")
    slots = auto._fast._kernel("g")
    seen = []
    for _ in range(3):
        result = auto.gradient(X)
        seen.append(sorted(name for name in slots._built if name in ("torch", "fused")))
    out["tiering"] = seen
    out["auto_gradient"] = result.tolist()[:2000]
    out["fused_error"] = slots.fused_error
    json.dump(out, sys.stdout)
    """
)


@pytest.fixture(scope="module")
def child():
    if not _fused.can_fuse():
        pytest.skip("no C++ compiler for torch.compile on this machine (engine='fused' refuses, tested below)")
    env = {**os.environ, "PYTHONPATH": ROOT + os.pathsep + os.environ.get("PYTHONPATH", "")}
    done = subprocess.run([sys.executable, "-c", CHILD], capture_output=True, text=True, env=env, timeout=600, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout)


def test_fused_engine_matches_the_hand_written_softplus(child):
    X = np.random.default_rng(0).uniform(-2, 2, (70_000, 2))
    grad, hess = _hand_softplus(X)
    assert child["g_shape"] == [70_000, 2] and child["g_contiguous"]
    np.testing.assert_allclose(child["gradient"], grad[:2000], rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(child["hessian"], hess[:1000], rtol=1e-12, atol=1e-12)
    assert child["batched"] == [20, 30, 2]
    assert child["threads_kept"]


def test_fused_engine_is_exact_where_the_written_quotient_overflows(child):
    """w0·w1 up to ±900: e^u/(1+e^u) is inf/inf in float64; the fused program computes σ(u) (mpmath at 50 digits)."""
    mpmath = pytest.importorskip("mpmath")
    big = [[30.0, 30.0], [-30.0, 29.0], [27.0, -27.0], [26.7, 26.6], [0.5, 1.5]]
    with mpmath.workdps(50):
        for (a, b), gk, hk in zip(big, child["big_gradient"], child["big_hessian"]):
            a, b = mpmath.mpf(a), mpmath.mpf(b)
            s = 1 / (1 + mpmath.exp(-a * b))
            ds = s * (1 - s)
            grad = [b * s + mpmath.cos(a) * b**2, a * s + 2 * mpmath.sin(a) * b]
            h01 = s + a * b * ds + 2 * mpmath.cos(a) * b
            hess = [[b**2 * ds - mpmath.sin(a) * b**2, h01], [h01, a**2 * ds + 2 * mpmath.sin(a)]]
            scale = float(1 + a**2 + b**2 + abs(a * b))
            np.testing.assert_allclose(gk, [float(v) for v in grad], rtol=1e-12, atol=1e-12 * scale)
            np.testing.assert_allclose(hk, [[float(v) for v in row] for row in hess], rtol=1e-12, atol=1e-12 * scale)


def test_auto_tiers_up_from_the_tape_to_the_fused_kernel(child):
    """First call on the tape; once its time passes FUSE_AFTER_SECONDS, the fused kernel serves, with the same numbers."""
    assert child["tiering"] == [["torch"], ["fused", "torch"], ["fused", "torch"]]
    assert child["fused_error"] is None
    X = np.random.default_rng(0).uniform(-2, 2, (70_000, 2))
    np.testing.assert_allclose(child["auto_gradient"], _hand_softplus(X)[0][:2000], rtol=1e-12, atol=1e-12)


# -- the rules around it, with a stand-in kernel (no compilation) ----------------------------------
class _Refuses:
    def __init__(self, tape):
        raise RuntimeError("no Python.h\ncompiler output ...")


def _softplus_slots(engine="auto"):
    return Function(SOFTPLUS, (w0, w1)).compile("numpy", engine=engine)


def test_auto_stays_on_the_tape_until_it_has_spent_fuse_after_seconds(monkeypatch):
    monkeypatch.setattr(_fused, "can_fuse", lambda: True)
    slots = _softplus_slots()._fast._kernel("g")
    big = _kernels.TORCH_MIN_POINTS
    assert slots.backend_for(big) == "torch"
    slots.tape_seconds = _kernels.FUSE_AFTER_SECONDS
    assert slots.backend_for(big) == "fused"
    assert slots.backend_for(big - 1) == "llvm"  # small batches never leave LLVM
    monkeypatch.setattr(_fused, "can_fuse", lambda: False)
    assert slots.backend_for(big) == "torch"  # no compiler: the tape for good
    assert _softplus_slots("torch")._fast._kernel("g").backend_for(big) == "torch"  # pinned engines never tier up


def test_a_kernel_that_cannot_be_compiled_leaves_auto_on_the_tape(monkeypatch):
    monkeypatch.setattr(_fused, "can_fuse", lambda: True)
    monkeypatch.setattr(_fused, "FusedKernel", _Refuses)
    monkeypatch.setattr(_kernels, "TORCH_MIN_POINTS", 64)
    c = _softplus_slots()
    slots = c._fast._kernel("g")
    slots.tape_seconds = _kernels.FUSE_AFTER_SECONDS
    X = np.random.default_rng(2).uniform(-2, 2, (300, 2))
    np.testing.assert_allclose(c.gradient(X), _hand_softplus(X)[0], rtol=1e-12, atol=1e-12)
    assert slots.fused_error == "RuntimeError: no Python.h"
    assert slots.backend_for(300) == "torch"  # it is not tried again
    np.testing.assert_allclose(c.gradient(X), _hand_softplus(X)[0], rtol=1e-12, atol=1e-12)


def test_engine_fused_says_why_it_cannot_compile(monkeypatch):
    monkeypatch.setattr(_fused, "can_fuse", lambda: True)
    tries = []
    monkeypatch.setattr(_fused, "FusedKernel", lambda tape: tries.append(1) or _Refuses(tape))
    monkeypatch.setenv("CXX", "/nonexistent/g++")
    c = _softplus_slots("fused")
    for _ in range(2):  # the second call repeats the reason without compiling again
        with pytest.raises(BackendUnavailable,
                           match=r"engine='fused' could not compile.*no Python.h.*CXX='/nonexistent/g\+\+'.*engine='torch'"):
            c.gradient(np.zeros((100, 2)))
    assert len(tries) == 1
    np.testing.assert_allclose(c.gradient(np.zeros(2)), [0.0, 0.0])  # one point: SymEngine's lambda kernel
    monkeypatch.setattr(_fused, "can_fuse", lambda: False)
    with pytest.raises(BackendUnavailable, match="no C.. compiler was found"):
        _softplus_slots("fused")
    with pytest.raises(InputError, match="fused"):
        _softplus_slots("fastest")


# -- affine gradients ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "expr, hand",
    [
        (2 * w0**2 + 3 * w1**2, lambda a, b: (4 * a, 6 * b)),
        (w0**2 + sympy.Rational(3, 2) * w1**2 - 2 * w0 + 7, lambda a, b: (2 * a - 2, 3 * b)),
        ((w0 - 2 * w1 + 1) ** 2 + w1**2 + 3 * w0, lambda a, b: (2 * (a - 2 * b + 1) + 3, -4 * (a - 2 * b + 1) + 2 * b)),
        (5 * w0 - w1, lambda a, b: (5 + 0 * a, -1 + 0 * b)),
    ],
)
def test_affine_gradients_on_batches_match_hand_written_ones(expr, hand):
    c = Function(expr, (w0, w1)).compile("numpy")
    for shape in [(100, 2), (4, 25, 2), (10_000, 2)]:
        X = np.random.default_rng(len(shape)).uniform(-3, 3, shape)
        g = c.gradient(X)
        expected = np.stack(hand(X[..., 0], X[..., 1]), -1)
        np.testing.assert_allclose(g, expected, rtol=1e-14, atol=1e-13)
        assert g.shape == shape
    point = c.gradient(np.array([1.0, 2.0]))
    np.testing.assert_allclose(point, np.stack(hand(np.array(1.0), np.array(2.0)), -1), rtol=1e-14)


def test_a_diagonal_affine_gradient_is_the_products_the_expression_writes():
    """``2 w0² + 3 w1²``: column k is exactly c_k · w_k (no rounding beyond the one product)."""
    X = np.random.default_rng(5).uniform(-2, 2, (1000, 2))
    g = Function(2 * w0**2 + 3 * w1**2, (w0, w1)).compile("numpy").gradient(X)
    np.testing.assert_array_equal(g, np.stack((4 * X[:, 0], 6 * X[:, 1]), 1))
    assert g.flags.c_contiguous and g.flags.writeable


def test_a_cxx_that_names_no_compiler_means_no_fused_kernel(monkeypatch):
    """Inductor uses $CXX when it is set, whatever else is on the PATH."""
    monkeypatch.setenv("CXX", "/nonexistent/g++")
    _fused.can_fuse.cache_clear()
    try:
        assert _fused.can_fuse() is False
        with pytest.raises(BackendUnavailable, match="set CXX to one"):
            _softplus_slots("fused")
    finally:
        monkeypatch.delenv("CXX")
        _fused.can_fuse.cache_clear()


@pytest.mark.parametrize("expr, X, hand", [
    (w0**2 + w1, [[1.0, np.inf]], [[2.0, 1.0]]),  # ∂/∂w1 = 1 has no w1 in it
    (w0 * w1 + w0**2, [[0.9, np.inf]], [[np.inf, 0.9]]),
    (2 * w0**2 + 3 * w1**2, [[np.nan, 1.0]], [[np.nan, 6.0]]),
])
def test_an_affine_gradient_keeps_non_finite_inputs_out_of_entries_without_them(expr, X, hand):
    """The per-point kernel's numbers at any batch size (``X @ H`` would give ``inf · 0 = nan``)."""
    c = Function(expr, (w0, w1)).compile("numpy")
    rows = np.concatenate([np.array(X), np.ones((99, 2))])
    with np.errstate(all="raise"):
        batch = c.gradient(rows)
    np.testing.assert_array_equal(batch[0], hand[0])
    np.testing.assert_array_equal(c.gradient(rows[0]), hand[0])
