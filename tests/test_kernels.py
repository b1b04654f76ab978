"""Tests for symgrad.kernels: SymEngine LLVM kernels over chunks, against independent oracles.

Oracles: SymPy's own derivatives (``sympy.diff``) evaluated by mpmath at 30
digits, torch autograd (``torch.func.grad`` / ``hessian``) on the same points,
and a hand-written closed form for the quadratic. Issue 18's
``compile("numpy", engine="symengine")`` case is a regression test here.
"""

import pickle

import numpy as np
import pytest
import sympy
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from symgrad import kernels as _kernels
from symgrad.errors import InputError
from symgrad.function import Function

pytest.importorskip("symengine")

w0, w1 = sympy.symbols("w0 w1", real=True)
SOFTPLUS = sympy.log(1 + sympy.exp(w0 * w1)) + sympy.sin(w0) * w1**2


def _swell(depth):
    f = w0 * w1 + w0
    for _ in range(depth):
        f = sympy.sin(f) * f
    return f


#: functions of (w0, w1) and their SymPy derivatives, the oracle
CASES = {
    "softplus": SOFTPLUS,
    "swell depth 2": _swell(2),
    "rational": (w0**2 + 1) / (w1**2 + 2) + sympy.atan(w0 - w1),
    "quadratic": 2 * w0**2 + 3 * w1**2 - w0 * w1 + 5,
}


_ORACLES: dict = {}


def _oracle(expr, X):
    """Value, gradient and Hessian by sympy.diff, evaluated by mpmath at 30 digits at every row of ``X`` (N, 2)."""
    import mpmath

    if expr not in _ORACLES:
        grad = [sympy.diff(expr, v) for v in (w0, w1)]
        hess = [sympy.diff(g, v) for g in grad for v in (w0, w1)]
        _ORACLES[expr] = sympy.lambdify((w0, w1), [expr, *grad, *hess], modules="mpmath")
    with mpmath.workdps(30):
        rows = np.array([[float(v) for v in _ORACLES[expr](mpmath.mpf(a), mpmath.mpf(b))] for a, b in X])
    return rows[:, 0], rows[:, 1:3], rows[:, 3:].reshape(-1, 2, 2)


_COMPILED: dict = {}


def _compiled(name):
    if name not in _COMPILED:
        _COMPILED[name] = Function(CASES[name], (w0, w1)).compile("numpy", engine="symengine")
    return _COMPILED[name]


batches = arrays(np.float64, st.tuples(st.integers(1, 6), st.just(2)), elements=st.floats(-1.5, 1.5))


@pytest.mark.parametrize("name", sorted(CASES))
@given(X=batches)
def test_kernels_match_sympy_evaluation(name, X):
    c = _compiled(name)
    value, grad, hess = _oracle(CASES[name], X)
    np.testing.assert_allclose(c.value(X), value, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(c.gradient(X), grad, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(c.hessian(X), hess, rtol=1e-12, atol=1e-12)
    v, g, h = c.evaluate(X)
    np.testing.assert_allclose(h, hess, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(g, grad, rtol=1e-12, atol=1e-12)
    for k in range(len(X)):  # one point at a time: the lambda backend's direct call
        np.testing.assert_allclose(c.gradient(X[k]), grad[k], rtol=1e-12, atol=1e-12)
        assert np.ndim(c.value(X[k])) == 0


def test_llvm_chunks_on_several_threads_match_the_oracle(monkeypatch):
    monkeypatch.setattr(_kernels, "PARALLEL_MIN_POINTS", 16)
    monkeypatch.setattr(_kernels, "idle_cores", lambda: 3)
    X = np.random.default_rng(3).uniform(-1.5, 1.5, (101, 2))  # 12 uneven chunks of 8 or 9 rows
    value, grad, hess = _oracle(SOFTPLUS, X)
    c = Function(SOFTPLUS, (w0, w1)).compile("numpy", engine="symengine")
    np.testing.assert_allclose(c.gradient(X), grad, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(c.hessian(X), hess, rtol=1e-12, atol=1e-12)
    v, g, _ = c.evaluate(X)
    np.testing.assert_allclose(v, value, rtol=1e-12)


def test_engine_option_reaches_the_kernel_builder():
    """Issue 18: compile("numpy", engine="symengine") raised TypeError although the README benchmarks it."""
    f = Function("2*w0^2 + 3*w1^2")
    X = np.array([[3.0, 4.0], [1.0, -1.0]])
    se = f.compile("numpy", engine="symengine")
    plain = f.compile("numpy", engine="sympy")
    assert isinstance(se._fast, _kernels.SymEngineEvaluator) and plain._fast is None
    expected = np.stack((4 * X[:, 0], 6 * X[:, 1]), axis=1)  # the formulas typed in
    np.testing.assert_array_equal(se.gradient(X), expected)
    np.testing.assert_array_equal(plain.gradient(X), expected)
    with pytest.raises(InputError, match="unknown engine 'llvm'"):
        f.compile("numpy", engine="llvm")


def test_a_sympy_function_keeps_sympy_kernels_unless_asked():
    f = Function(SOFTPLUS, (w0, w1), engine="sympy")
    assert f.compile("numpy")._fast is None
    assert isinstance(f.compile("numpy", engine="symengine")._fast, _kernels.SymEngineEvaluator)


def test_outputs_have_the_callers_layout_and_constants_are_broadcast():
    c = Function(CASES["quadratic"], (w0, w1)).compile("numpy")
    X = np.random.default_rng(0).uniform(-1, 1, (7, 3, 2))
    g = c.gradient(X)
    assert g.shape == (7, 3, 2) and g.flags.c_contiguous
    H = c.hessian(X)
    assert H.shape == (7, 3, 2, 2) and H.strides[:2] == (0, 0)  # one 2 x 2 array, never copied per point
    np.testing.assert_array_equal(H[4, 1], [[4.0, -1.0], [-1.0, 6.0]])
    np.testing.assert_array_equal(c.hessian(X[0, 0]), [[4.0, -1.0], [-1.0, 6.0]])
    assert c.hessian(X[0, 0]).flags.writeable  # one point: the caller's own array


def test_complex_constants_fall_back_to_the_sympy_route():
    c = Function(w0**2 + sympy.I * w1, (w0, w1)).compile("numpy")
    np.testing.assert_allclose(c.gradient(np.array([[1.0, 2.0]])), [[2.0, 1j]])


def test_float32_stays_float32_and_matches_float64():
    c = Function(SOFTPLUS, (w0, w1)).compile("numpy")
    X = np.random.default_rng(2).uniform(-1, 1, (200, 2))
    for method in ("value", "gradient", "hessian"):
        out32 = getattr(c, method)(X.astype(np.float32))
        assert out32.dtype == np.float32
        np.testing.assert_allclose(out32, getattr(c, method)(X), rtol=2e-5, atol=2e-5)


def test_kernels_agree_with_torch_autograd():
    torch = pytest.importorskip("torch")
    from torch.func import grad, hessian, vmap

    def f(w):
        return torch.log(1 + torch.exp(w[0] * w[1])) + torch.sin(w[0]) * w[1] ** 2

    X = np.random.default_rng(5).uniform(-2, 2, (300, 2))
    T = torch.from_numpy(X)
    c = Function(SOFTPLUS, (w0, w1)).compile("numpy")
    np.testing.assert_allclose(c.gradient(X), vmap(grad(f))(T).numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(c.hessian(X), vmap(hessian(f))(T).numpy(), rtol=1e-12, atol=1e-12)
    t = Function(SOFTPLUS, (w0, w1)).compile("torch")  # torch in, torch out: dtype kept
    out = t.gradient(T.to(torch.float32))
    assert out.dtype == torch.float32 and out.device == T.device


def test_an_evaluator_survives_pickling():
    c = Function(SOFTPLUS, (w0, w1)).compile("numpy")
    X = np.random.default_rng(4).uniform(-1, 1, (100, 2))
    expected = c.hessian(X)
    copy = pickle.loads(pickle.dumps(c._fast))
    np.testing.assert_allclose(copy.hessian(X), expected, rtol=1e-13, atol=1e-15)  # terms may be re-ordered


@given(data=st.data())
def test_kernels_match_the_lambdify_route_on_drawn_functions(data):
    """Differential: SymEngine derivatives + LLVM/lambda kernels vs SymPy derivatives + lambdify (engine="sympy")."""
    from symgrad import strategies

    f = data.draw(strategies.functions(max_variables=3, max_depth=3))
    X = data.draw(strategies.batches(f.n, max_size=5))
    ours = f.compile("numpy", engine="symengine")
    theirs = f.compile("numpy", engine="sympy")
    if ours._fast is None:  # SymEngine cannot represent it: both are the lambdify route
        return
    with np.errstate(all="ignore"):
        for method in ("value", "gradient", "hessian"):
            a, b = getattr(ours, method)(X), getattr(theirs, method)(X)
            assert np.shape(a) == np.shape(b)
            np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-9, equal_nan=True, err_msg=f"{f.expr}: {method}")


def test_engine_symengine_without_symengine_says_what_to_install(monkeypatch):
    from symgrad import backends
    from symgrad.errors import BackendUnavailable

    monkeypatch.setattr(backends, "_default_cse", lambda: "sympy")  # as if SymEngine were not installed
    with pytest.raises(BackendUnavailable, match=r"symgrad\[fast\]"):
        Function("w0^2").compile("numpy", engine="symengine")


def test_every_chunk_is_written_once_and_an_error_in_one_reaches_the_caller(monkeypatch):
    monkeypatch.setattr(_kernels, "PARALLEL_MIN_POINTS", 4)
    monkeypatch.setattr(_kernels, "idle_cores", lambda: 2)
    X = np.arange(200.0).reshape(100, 2)
    out = np.full((100, 1), np.nan)

    def double_first(rows, out):
        assert np.all(np.isnan(out))  # no row is computed twice
        out[:, 0] = 2 * rows[:, 0]

    _kernels.run_in_chunks(double_first, X, out)
    np.testing.assert_array_equal(out[:, 0], 2 * X[:, 0])

    def fail_late(rows, out):
        if rows[0, 0] > 150:
            raise FloatingPointError("chunk failed")

    with pytest.raises(FloatingPointError, match="chunk failed"):
        _kernels.run_in_chunks(fail_late, X, out)


def test_verify_checks_the_sympy_derivatives_not_the_kernels():
    """sg.verify certifies what gradient() shows; the fast kernels derive on their own, so verify must not use them."""
    pytest.importorskip("torch")
    import symgrad as sg

    f = Function(w0**2 * w1, (w0, w1))
    f.__dict__["_gradient"] = sympy.ImmutableMatrix([2 * w0 * w1, w0**2 + 1])  # a wrong SymPy gradient
    assert not sg.verify(f, examples=20, seed=0).passed
    assert sg.verify(Function(w0**2 * w1, (w0, w1)), examples=20, seed=0).passed


def test_threads_only_on_idle_cores(monkeypatch):
    monkeypatch.setattr(_kernels, "usable_cores", lambda: 4)
    for load, expected in ((0.3, 4), (1.2, 4), (2.0, 3), (3.9, 2), (12.0, 1)):  # this process counts as one
        monkeypatch.setattr(_kernels.os, "getloadavg", lambda load=load: (load, load, load))
        assert _kernels.idle_cores() == expected
