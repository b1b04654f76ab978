"""Tests for symgrad.kernels_torch: the torch tape engine, against independent oracles.

Oracles: hand-written NumPy closed forms (the softplus of issue 18), torch
autograd (``torch.func.grad`` / ``hessian``) on functions written again in
torch, and SymPy's ``lambdify`` route (``engine="sympy"``) on drawn functions.
Blocks are shrunk (``BLOCK``) so small batches cross block and chunk boundaries.
The ``engine="auto"`` rule of docs/performance.md is checked as a rule, never by timing.
"""

import pickle

import numpy as np
import pytest
import sympy
from hypothesis import example, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from symgrad import kernels as _kernels
from symgrad import kernels_torch as _tape
from symgrad.function import Function

pytest.importorskip("symengine")
torch = pytest.importorskip("torch")

w0, w1 = sympy.symbols("w0 w1", real=True)
SOFTPLUS = sympy.log(1 + sympy.exp(w0 * w1)) + sympy.sin(w0) * w1**2


@pytest.fixture(autouse=True)
def small_blocks(monkeypatch):
    """Blocks of 37 points and the tape from 8 points: a 200-point batch is 6 blocks, the last one partial."""
    monkeypatch.setattr(_tape, "BLOCK", 37)
    monkeypatch.setattr(_kernels, "LLVM_MIN_POINTS", 8)


def _hand_softplus(X):
    a, b = X[..., 0], X[..., 1]
    s = 1 / (1 + np.exp(-a * b))
    ds = s * (1 - s)
    value = np.log1p(np.exp(a * b)) + np.sin(a) * b**2
    grad = np.stack((b * s + np.cos(a) * b**2, a * s + 2 * np.sin(a) * b), -1)
    h01 = s + a * b * ds + 2 * np.cos(a) * b
    hess = np.stack((np.stack((b**2 * ds - np.sin(a) * b**2, h01), -1), np.stack((h01, a**2 * ds + 2 * np.sin(a)), -1)), -2)
    return value, grad, hess


def test_torch_engine_matches_the_hand_written_softplus_across_blocks_and_threads(monkeypatch):
    monkeypatch.setattr(_kernels, "PARALLEL_MIN_POINTS", 16)
    monkeypatch.setattr(_kernels, "idle_cores", lambda: 2)  # 8 chunks shared by the caller and one pool thread
    X = np.random.default_rng(0).uniform(-2, 2, (200, 2))
    c = Function(SOFTPLUS, (w0, w1)).compile("numpy", engine="torch")
    value, grad, hess = _hand_softplus(X)
    assert c._fast._kernel("g").backend_for(len(X)) == "torch"
    np.testing.assert_allclose(c.value(X), value, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(c.gradient(X), grad, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(c.hessian(X), hess, rtol=1e-12, atol=1e-12)
    v, g, h = c.evaluate(X.reshape(20, 10, 2))  # a batch of any shape keeps it
    assert v.shape == (20, 10) and g.shape == (20, 10, 2) and h.shape == (20, 10, 2, 2)
    np.testing.assert_allclose(h.reshape(200, 2, 2), hess, rtol=1e-12, atol=1e-12)


def _t_rational(w):
    return (w[0] ** 2 + 1) / (w[1] ** 2 + 2) + torch.atan(w[0] - w[1])


#: (SymPy function, the same function written in torch, box of the points): every torch rule of the tape once
TABLE = {
    "softplus": (SOFTPLUS, lambda w: torch.log(1 + torch.exp(w[0] * w[1])) + torch.sin(w[0]) * w[1] ** 2, 2.0),
    "rational + atan": ((w0**2 + 1) / (w1**2 + 2) + sympy.atan(w0 - w1), _t_rational, 2.0),
    "tanh, cosh, sqrt": (sympy.tanh(w0 * w1) * sympy.cosh(w1) + sympy.sqrt(1 + w0**2),
                         lambda w: torch.tanh(w[0] * w[1]) * torch.cosh(w[1]) + torch.sqrt(1 + w[0] ** 2), 1.5),
    "powers": ((2 + w0**2) ** sympy.Rational(3, 2) / (1 + w1**2) ** 2 + (3 + w1) ** w0 - sympy.pi * w1**3,
               lambda w: (2 + w[0] ** 2) ** 1.5 / (1 + w[1] ** 2) ** 2 + (3 + w[1]) ** w[0] - torch.pi * w[1] ** 3, 1.5),
    "constants that are not numbers": (sympy.pi + sympy.E * w0 + sympy.exp(w1 + 2 * sympy.pi) - sympy.sqrt(2) * w0 * w1,
                                       lambda w: torch.pi + torch.e * w[0] + torch.exp(w[1] + 2 * torch.pi)
                                       - 2**0.5 * w[0] * w[1], 1.0),
    "exp of multiples": (sympy.exp(3 * w0) - sympy.exp(2 * w0 * w1) / (1 + sympy.exp(w0 * w1)) ** 3 + sympy.tan(w1 / 3),
                         lambda w: torch.exp(3 * w[0]) - torch.exp(2 * w[0] * w[1]) / (1 + torch.exp(w[0] * w[1])) ** 3
                         + torch.tan(w[1] / 3), 1.5),
    "asin, acos, sinh": (sympy.asin(w0 / 3) * sympy.sinh(w1) + sympy.acos(w1 / 3) * sympy.cos(w0 - 3),
                         lambda w: torch.asin(w[0] / 3) * torch.sinh(w[1]) + torch.acos(w[1] / 3) * torch.cos(w[0] - 3),
                         2.0),
}


@pytest.mark.parametrize("name", sorted(TABLE))
@settings(max_examples=10)
@given(seed=st.integers(0, 2**32 - 1), size=st.integers(8, 120))
def test_torch_engine_agrees_with_torch_autograd(name, seed, size):
    from torch.func import grad, hessian, vmap

    expr, f, box = TABLE[name]
    X = np.random.default_rng(seed).uniform(-box, box, (size, 2))
    T = torch.from_numpy(X)
    c = _compiled(name)
    assert c._fast._kernel("vgh").backend_for(size) == "torch"
    v, g, h = c.evaluate(X)
    np.testing.assert_allclose(v, torch.vmap(f)(T).numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(g, vmap(grad(f))(T).numpy(), rtol=1e-11, atol=1e-11)
    np.testing.assert_allclose(h, vmap(hessian(f))(T).numpy(), rtol=1e-11, atol=1e-11)


_COMPILED: dict = {}


def _compiled(name):
    if name not in _COMPILED:
        _COMPILED[name] = Function(TABLE[name][0], (w0, w1)).compile("numpy", engine="torch")
    return _COMPILED[name]


@settings(max_examples=25)
@given(data=st.data())
def test_torch_engine_matches_the_lambdify_route_on_drawn_functions(data):
    """Differential: SymEngine derivatives run on the torch tape vs SymPy derivatives + lambdify."""
    from symgrad import strategies

    f = data.draw(strategies.functions(max_variables=3, max_depth=3))
    X = data.draw(strategies.batches(f.n, max_size=12)).repeat(8, axis=0)  # at least 8 points: the tape runs
    ours = f.compile("numpy", engine="torch")
    theirs = f.compile("numpy", engine="sympy")
    with np.errstate(all="ignore"):
        for method in ("value", "gradient", "hessian"):
            a, b = getattr(ours, method)(X), getattr(theirs, method)(X)
            assert np.shape(a) == np.shape(b)
            np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-9, equal_nan=True, err_msg=f"{f.expr}: {method}")


def test_dtypes_and_devices_are_kept_on_the_torch_engine():
    c = Function(SOFTPLUS, (w0, w1)).compile("numpy", engine="torch")
    X = np.random.default_rng(2).uniform(-1, 1, (100, 2))
    _, grad, hess = _hand_softplus(X)
    g32 = c.gradient(X.astype(np.float32))
    assert g32.dtype == np.float32
    np.testing.assert_allclose(g32, grad, rtol=2e-5, atol=2e-5)
    t = Function(SOFTPLUS, (w0, w1)).compile("torch", engine="torch")
    for dtype in (torch.float32, torch.float64):
        out = t.hessian(torch.from_numpy(X).to(dtype))
        assert isinstance(out, torch.Tensor) and out.dtype == dtype and out.device.type == "cpu"
        np.testing.assert_allclose(out.numpy(), hess, rtol=1e-12 if dtype == torch.float64 else 2e-5, atol=2e-5)


def test_auto_chooses_the_engine_as_documented(monkeypatch):
    """docs/performance.md: torch from TORCH_MIN_POINTS points when torch is installed and the tape is transcendental."""
    big = _kernels.TORCH_MIN_POINTS
    softplus = Function(SOFTPLUS, (w0, w1)).compile("numpy")._fast._kernel("g")
    assert softplus.backend_for(big) == "torch"
    assert softplus.backend_for(big - 1) == "llvm"
    assert softplus.backend_for(4) == "lambda"
    assert softplus.kernel("torch").transcendental_share >= _kernels.TORCH_MIN_SHARE
    polynomial = Function(w0**3 * w1 - w1**4 + w0 * w1**2, (w0, w1)).compile("numpy")._fast._kernel("g")
    assert polynomial.backend_for(big) == "llvm"  # no exp/sin/...: SymEngine's fused arithmetic is faster
    swell = w0 * w1 + w0
    for _ in range(4):
        swell = sympy.sin(swell) * swell
    deep = Function(swell, (w0, w1)).compile("numpy")._fast._kernel("h")
    assert deep.kernel("torch").transcendental_share < _kernels.TORCH_MIN_SHARE and deep.backend_for(big) == "llvm"
    pinned = Function(SOFTPLUS, (w0, w1)).compile("numpy", engine="symengine")._fast._kernel("g")
    assert pinned.backend_for(big) == "llvm"
    monkeypatch.setattr(_kernels, "_have_llvm", lambda: False)
    assert pinned.backend_for(big) == "lambda"
    fresh = Function(SOFTPLUS, (w0, w1)).compile("numpy")._fast._kernel("g")
    monkeypatch.setattr(_tape, "have_torch", lambda: False)
    assert fresh.backend_for(big) == "lambda"  # without torch (and here without LLVM) SymEngine's lambda backend


def test_an_operation_without_a_torch_rule_is_refused_and_auto_keeps_llvm():
    import symengine as se

    a, b = se.symbols("a b")
    with pytest.raises(_kernels.FastPathUnavailable, match="no torch rule for gamma"):
        _tape.TorchTape([a, b], [se.gamma(a) * se.exp(b)])
    slots = _kernels._Slots([a, b], [se.gamma(a) * se.exp(b)])
    assert slots.backend_for(_kernels.TORCH_MIN_POINTS) == "llvm"
    X = np.random.default_rng(3).uniform(0.5, 2.5, (100, 2))
    from scipy.special import gamma

    np.testing.assert_allclose(slots(X)[:, 0], gamma(X[:, 0]) * np.exp(X[:, 1]), rtol=1e-12)


def test_the_tape_reuses_buffers_and_keeps_the_callers_thread_count():
    import symengine as se

    a, b = se.symbols("a b")
    exprs = [se.exp(a * b) * se.sin(a) + se.cos(b) ** 2 for _ in range(1)] + [a, se.Integer(3)]
    tape = _tape.TorchTape([a, b], exprs)
    assert tape.buffers < 2 + len(tape.program)  # dead values' buffers are reused
    X = np.random.default_rng(1).uniform(-1, 1, (100, 2))
    out = np.empty((100, 3))
    before = torch.get_num_threads()
    tape(X, out)
    assert torch.get_num_threads() == before
    np.testing.assert_allclose(out[:, 0], np.exp(X[:, 0] * X[:, 1]) * np.sin(X[:, 0]) + np.cos(X[:, 1]) ** 2, rtol=1e-13)
    np.testing.assert_array_equal(out[:, 1], X[:, 0])
    np.testing.assert_array_equal(out[:, 2], 3.0)
    copy = pickle.loads(pickle.dumps(Function(SOFTPLUS, (w0, w1)).compile("numpy", engine="torch")._fast))
    np.testing.assert_allclose(copy.gradient(X), _hand_softplus(X)[1], rtol=1e-12, atol=1e-12)


batches = arrays(np.float64, st.tuples(st.integers(8, 80), st.just(2)), elements=st.floats(-2, 2))


@settings(max_examples=15)
@given(X=batches)
def test_torch_engine_matches_llvm_on_drawn_batches(X):
    ours = _compiled("softplus").hessian(X)
    llvm = Function(SOFTPLUS, (w0, w1)).compile("numpy", engine="symengine").hessian(X)
    np.testing.assert_allclose(ours, _hand_softplus(X)[2], rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(ours, llvm, rtol=1e-12, atol=1e-12)


def test_engine_torch_without_torch_says_what_to_install(monkeypatch):
    from symgrad import backends
    from symgrad.errors import BackendUnavailable

    def missing():
        raise BackendUnavailable("this needs PyTorch, which is not installed; install it with pip install 'symgrad[torch]'")

    monkeypatch.setattr(backends, "import_torch", missing)
    with pytest.raises(BackendUnavailable, match=r"symgrad\[torch\]"):
        Function(SOFTPLUS, (w0, w1)).compile("numpy", engine="torch")
    assert Function(SOFTPLUS, (w0, w1)).compile("numpy")._fast is not None  # "auto" does not need torch


# -- logistic patterns fused before CSE (symgrad.kernels_fuse), against mpmath at 50 digits ----------------------
mpmath = pytest.importorskip("mpmath")


def _mp_sigmoid(u):
    with mpmath.workdps(50):
        return 1 / (1 + mpmath.exp(-mpmath.mpf(u)))


def _tape_column(expr, u_symbol, values):
    tape = _tape.TorchTape([u_symbol], [expr])
    out = np.empty((len(values), 1))
    tape(np.ascontiguousarray(np.reshape(values, (-1, 1))), out)
    return out[:, 0], tape


#: k, m of e^{ku} / (1 + e^u)^m: k ≤ m (sigmoids only), k > m (a sigmoid power times e^{(k-m)u}), k = 0
QUOTIENTS = [(1, 1), (2, 2), (1, 2), (0, 1), (0, 3), (2, 3), (3, 1)]


@pytest.mark.parametrize("k, m", QUOTIENTS)
@settings(max_examples=10)
@given(u=st.lists(st.floats(-740, 740), min_size=8, max_size=40))
def test_fused_quotients_of_exponentials_are_exact_where_naive_exp_overflows(k, m, u):
    import symengine as se

    x = se.Symbol("x")
    got, tape = _tape_column(se.exp(k * x) / (1 + se.exp(x)) ** m, x, u)
    assert "sigmoid" in {name for name, _, _, _ in tape.program}
    assert "reciprocal" not in {name for name, _, _, _ in tape.program}
    with mpmath.workdps(50):
        expected = [float(mpmath.exp(k * mpmath.mpf(v)) / (1 + mpmath.exp(mpmath.mpf(v))) ** m) for v in u]
    finite = np.isfinite(expected)  # k > m grows as e^{(k-m)u}: past float64 where that overflows
    tiny = np.finfo(np.float64).tiny  # below it float64 is subnormal (torch's SIMD exp returns 0 there)
    np.testing.assert_allclose(got[finite], np.array(expected)[finite], rtol=1e-12, atol=tiny)
    assert np.all(np.isinf(got[~finite]))


@settings(max_examples=20)
@given(u=st.lists(st.floats(-800, 800), min_size=8, max_size=40))
def test_fused_sigmoid_of_minus_u_and_softplus_are_exact(u):
    import symengine as se

    x = se.Symbol("x")
    sigmoid, _ = _tape_column(1 / (1 + se.exp(-x)), x, u)
    softplus, tape = _tape_column(se.log(1 + se.exp(x)), x, u)
    assert [name for name, _, _, _ in tape.program] == ["logaddexp"]
    with mpmath.workdps(50):
        np.testing.assert_allclose(sigmoid, [float(_mp_sigmoid(v)) for v in u], rtol=1e-12, atol=np.finfo(np.float64).tiny)
        expected = [float(mpmath.log1p(mpmath.exp(mpmath.mpf(v)))) for v in u]  # log1p: 1 + e^{-90} needs 40 digits
    np.testing.assert_allclose(softplus, expected, rtol=1e-12, atol=np.finfo(np.float64).tiny)  # subnormals: ulps


@settings(max_examples=15)
@given(X=arrays(np.float64, st.tuples(st.integers(8, 60), st.just(2)), elements=st.floats(-30, 30)))
@example(X=np.array([[30.0, 30.0], [-30.0, 29.0], [27.0, -27.0], [-28.0, -28.0], [0.5, 1.5], [30.0, 0.0], [1e-3, 2.0], [26.7, 26.6]]))
def test_softplus_derivatives_stay_exact_for_large_products(X):
    """w0·w1 up to ±900: the unfused quotient e^u/(1+e^u) would be inf/inf = nan past u = 709."""
    c = _compiled("softplus")
    g, h = c.gradient(X), c.hessian(X)
    with mpmath.workdps(50):
        for (a, b), gk, hk in zip(X.tolist(), g, h):
            a, b = mpmath.mpf(a), mpmath.mpf(b)
            s = _mp_sigmoid(a * b)
            ds = s * (1 - s)
            grad = [b * s + mpmath.cos(a) * b**2, a * s + 2 * mpmath.sin(a) * b]
            h01 = s + a * b * ds + 2 * mpmath.cos(a) * b
            hess = [[b**2 * ds - mpmath.sin(a) * b**2, h01], [h01, a**2 * ds + 2 * mpmath.sin(a)]]
            scale = float(1 + a**2 + b**2 + abs(a * b))  # s - s² is formed in float64: its error is ~1e-16 × these factors
            np.testing.assert_allclose(gk, [float(v) for v in grad], rtol=1e-12, atol=1e-12 * scale)
            np.testing.assert_allclose(hk, [[float(v) for v in row] for row in hess], rtol=1e-12, atol=1e-12 * scale)


def test_fusion_shortens_the_softplus_tapes():
    """The logistic quotients become one sigmoid: no exp, add-one, reciprocal chain is left in the programs."""
    c = Function(SOFTPLUS, (w0, w1)).compile("numpy", engine="torch")._fast
    for part in ("g", "h"):
        names = [name for name, _, _, _ in c._kernel(part).kernel("torch").program]
        assert names.count("sigmoid") == 1 and "exp" not in names and "reciprocal" not in names, names


def test_programs_bound_for_partial_blocks_are_kept_and_stay_correct():
    """Batch sizes whose last block is partial (BLOCK is 37 here), repeated and varied past the cache's bound."""
    import symengine as se

    a, b = se.symbols("a b")
    tape = _tape.TorchTape([a, b], [se.exp(a) * se.sin(b) + a * b])
    rng = np.random.default_rng(4)
    for size in [50, 45, 50, 12, 3, 40, 41, 42, 43, 44, 46, 47, 48, 49, 50, 37, 74]:
        X = rng.uniform(-1, 1, (size, 2))
        out = np.empty((size, 1))
        tape(X, out)
        np.testing.assert_allclose(out[:, 0], np.exp(X[:, 0]) * np.sin(X[:, 1]) + X[:, 0] * X[:, 1], rtol=1e-13, atol=1e-15)
        assert len(tape._local.space[1]) <= _tape._BOUND_LENGTHS + 2


def test_fusion_leaves_expressions_without_logistic_patterns_as_they_are():
    import symengine as se

    from symgrad.kernels_fuse import fuse

    a, b = se.symbols("a b")
    for e in (se.sin(a * b) * se.exp(a) + b**3 / (1 + a**2), se.exp(a) / (2 + se.exp(a)), se.log(1 + a) * se.cos(b)):
        assert fuse(e) is e


@settings(max_examples=10)
@given(seed=st.integers(0, 2**32 - 1), box=st.sampled_from([2.0, 300.0]))
def test_logistic_loss_with_a_sum_in_the_exponent_matches_its_closed_form(seed, box):
    """``e^{2u}`` with ``u`` a sum is matched as ``(e^u)²`` (expanded comparison); ``|u|`` up to 1200 at box 300.

    Oracle: the closed forms ``∇ = -σ(u) a + w/5``, ``H = σ(u) σ(-u) a aᵀ + I/5`` with SciPy's
    ``expit`` (torch autograd's double backward of ``logaddexp`` itself gives nan past |u| ≈ 700).
    """
    from scipy.special import expit

    v = sympy.symbols("v0:3", real=True)
    loss = sympy.log(1 + sympy.exp(-(v[0] + 2 * v[1] - v[2]))) + sympy.Rational(1, 10) * (v[0] ** 2 + v[1] ** 2 + v[2] ** 2)
    a = np.array([1.0, 2.0, -1.0])
    X = np.random.default_rng(seed).uniform(-box, box, (40, 3))
    u = -X @ a
    c = Function(loss, v).compile("numpy", engine="torch")
    names = [name for name, _, _, _ in c._fast._kernel("h").kernel("torch").program]
    assert "exp" not in names and "reciprocal" not in names, names
    grad = -expit(u)[:, None] * a + X / 5
    hess = (expit(u) * expit(-u))[:, None, None] * np.outer(a, a) + np.eye(3) / 5
    np.testing.assert_allclose(c.gradient(X), grad, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(c.hessian(X), hess, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("engine", ["auto", "symengine", "torch"])
def test_every_engine_and_batch_size_gives_the_same_finite_numbers_where_exp_overflows(engine):
    """log(1 + e^{w0 w1}) at w0 w1 = ±900: one point, a small batch and a large one (mpmath at 50 digits).

    Before, one point and batches under 64 went to SymEngine's lambda kernel, which evaluated
    e^u/(1 + e^u) as written: inf/inf = nan.
    """
    c = Function(sympy.log(1 + sympy.exp(w0 * w1)), (w0, w1)).compile("numpy", engine=engine)
    with mpmath.workdps(50):
        for a, b in [(30.0, 30.0), (-30.0, 30.0), (27.0, 26.0)]:
            u = mpmath.mpf(a) * b
            s = 1 / (1 + mpmath.exp(-u))
            ds = s * (1 - s)
            value = float(mpmath.log(1 + mpmath.exp(u)))
            grad = [float(b * s), float(a * s)]
            hess = [[float(b * b * ds), float(s + u * ds)], [float(s + u * ds), float(a * a * ds)]]
            for rows in (None, 1, 10, 100):
                X = np.array([a, b]) if rows is None else np.tile([a, b], (rows, 1))
                got = [np.asarray(c.value(X)).reshape(-1)[0], np.asarray(c.gradient(X)).reshape(-1, 2)[0],
                       np.asarray(c.hessian(X)).reshape(-1, 2, 2)[0]]
                np.testing.assert_allclose(got[0], value, rtol=1e-14, atol=1e-300)
                np.testing.assert_allclose(got[1], grad, rtol=1e-12, atol=1e-300)
                np.testing.assert_allclose(got[2], hess, rtol=1e-12, atol=1e-300)


def test_a_tape_call_from_a_fresh_process_leaves_torchs_thread_count_alone():
    """The pool thread's chunk sets torch's count to 1; the caller's count must come back (was 1 in 4 of 5 runs)."""
    import os
    import subprocess
    import sys
    import textwrap

    child = textwrap.dedent("""
        import numpy as np, torch, symgrad as sg, symgrad.kernels as K
        K.idle_cores = lambda: 2  # chunks shared with a pool thread, as on an idle 2-core machine
        c = sg.Function("log(1+exp(x*y)) + sin(x)").compile("numpy")
        c.gradient(np.random.default_rng(0).standard_normal((70000, 2)))
        print(torch.get_num_threads())
    """)
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env = {**os.environ, "PYTHONPATH": root, "OMP_NUM_THREADS": "2"}
    runs = [subprocess.Popen([sys.executable, "-c", child], stdout=subprocess.PIPE, text=True, env=env, cwd=root)
            for _ in range(3)]
    assert [run.communicate(timeout=300)[0].strip() for run in runs] == ["2", "2", "2"]
