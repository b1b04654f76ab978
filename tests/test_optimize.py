"""Optimizers against torch autograd, exact arithmetic, stopping criteria, divergence and step predictions."""

import math

import numpy as np
import pytest
import sympy as sp
from hypothesis import example, given, strategies as st

from symgrad import Function, InputError
from symgrad.optimize import (
    STOP_REASONS, Trace, gradient_descent, minimize, momentum, newton, predicted_steps, stable_learning_rate,
)

torch = pytest.importorskip("torch")

w0, w1, w, b = sp.symbols("w0 w1 w b", real=True)
BOWL = Function(2 * w0**2 + 3 * w1**2)


def torch_descent(expr, variables, start, lr, steps, beta=None):
    """The same loop written with torch autograd and torch.optim.SGD (the oracle)."""
    fn = sp.lambdify(variables, expr, modules="torch")
    params = [torch.tensor(float(v), dtype=torch.float64, requires_grad=True) for v in start]
    opt = torch.optim.SGD(params, lr=lr, momentum=beta or 0.0)
    path = [[p.item() for p in params]]
    for _ in range(steps):
        opt.zero_grad()
        fn(*params).backward()
        opt.step()
        path.append([p.item() for p in params])
    return np.array(path)


def test_one_exact_step_from_3_4_with_eta_one_tenth():
    trace = gradient_descent(BOWL, (3, 4), sp.Rational(1, 10), max_steps=1, tol=0)
    assert trace.exact and trace.points[1] == (sp.Rational(9, 5), sp.Rational(8, 5))
    assert trace.exact_losses[0] == 66 and trace.losses[0] == 66.0


def test_chapter_parabola_step_is_exact():
    trace = gradient_descent(Function(w**2), [3], "0.1", max_steps=1)
    assert trace.points[1] == (sp.Rational(12, 5),)
    assert trace.exact_losses[1] == sp.Rational(144, 25)  # 5.76


def test_float_start_gives_floats():
    trace = gradient_descent(BOWL, (3.0, 4.0), 0.1, max_steps=3)
    assert not trace.exact and all(isinstance(c, float) for c in trace.final)


@given(st.floats(-5, 5), st.floats(-5, 5), st.floats(0.01, 0.3))
def test_gradient_descent_matches_torch_autograd(x0, x1, lr):
    expr = sp.log(1 + w0**2) + (w1 - 1) ** 2 + sp.Rational(1, 2) * w0 * w1
    ours = gradient_descent(Function(expr), (x0, x1), lr, 40, tol=0).path
    theirs = torch_descent(expr, (w0, w1), (x0, x1), lr, len(ours) - 1)
    np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-12)


@given(st.floats(-5, 5), st.floats(-5, 5), st.sampled_from([0.5, 0.9]))
def test_momentum_matches_torch_sgd_momentum(x0, x1, beta):
    expr = 2 * w0**2 + 3 * w1**2 + w0 * w1
    ours = momentum(Function(expr), (x0, x1), 0.05, beta, 60, tol=0).path
    theirs = torch_descent(expr, (w0, w1), (x0, x1), 0.05, len(ours) - 1, beta=beta)
    np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-12)


def test_torch_backend_gives_the_numpy_trajectory():
    a = gradient_descent(BOWL, (3.0, 4.0), 0.1, 20, tol=0)
    c = gradient_descent(BOWL, (3.0, 4.0), 0.1, 20, tol=0, backend="torch")
    np.testing.assert_allclose(a.path, c.path, rtol=1e-12)


def test_stopping_criteria():
    assert gradient_descent(BOWL, (3.0, 4.0), 0.1, 5).stop_reason == "max_steps"
    t = gradient_descent(BOWL, (3.0, 4.0), 0.1, 1000, loss_threshold=1e-3)
    assert t.stop_reason == "loss_threshold" and t.losses[-1] <= 1e-3 < t.losses[-2]
    t = gradient_descent(BOWL, (3.0, 4.0), 0.1, 1000, tol=1e-6)
    assert t.stop_reason == "gradient_tolerance" and t.gradient_norms[-1] <= 1e-6 < t.gradient_norms[-2]
    assert t.steps == len(t.losses) - 1 == len(t.points) - 1 and t.path.shape == (t.steps + 1, 2)
    assert set(t.to_dict()) >= {"points", "losses", "stop_reason"} and t.stop_reason in STOP_REASONS


@pytest.mark.parametrize("factor", [1.05, 1.5, 3.0])
def test_divergence_above_two_over_lambda_max(factor):
    # λ = 4 and 6, so 2/λmax = 1/3
    t = gradient_descent(BOWL, (3.0, 4.0), factor / 3, 2000)
    assert t.stop_reason == "diverged" and t.diverged_at is not None
    assert "2/λmax = 0.3333" in t.advice


@pytest.mark.parametrize("factor", [0.5, 0.9, 0.99])
def test_no_divergence_below_two_over_lambda_max(factor):
    t = gradient_descent(BOWL, (3.0, 4.0), factor / 3, 5000)
    assert t.stop_reason == "gradient_tolerance" and t.diverged_at is None and t.advice is None


def test_overflow_is_divergence_with_the_step_where_it_began():
    t = gradient_descent(Function(sp.exp(w0**2)), [2.0], 1.0, 50)
    assert t.stop_reason == "diverged" and t.diverged_at == 0


def test_unbounded_loss_advice_mentions_curvature():
    t = gradient_descent(Function(-(w0**2)), [1.0], 0.1, 500)
    assert t.stop_reason == "diverged" and "no upward curvature" in t.advice


def test_stable_learning_rate_is_exact_for_quadratics():
    assert stable_learning_rate(BOWL) == sp.Rational(1, 3)
    f = Function(w0**2 + w0 * w1 + w1**2)  # eigenvalues 1 and 3
    assert stable_learning_rate(f) == sp.Rational(2, 3)


def test_stable_learning_rate_needs_a_point_when_the_curvature_varies():
    with pytest.raises(InputError, match="at="):
        stable_learning_rate(Function(w0**4))
    assert stable_learning_rate(Function(w0**4), at=[1]) == pytest.approx(2 / 12)


@pytest.mark.parametrize("lr", [0.01, 0.1, 0.3])
def test_predicted_steps_match_the_run(lr):
    f = Function(2 * w0**2 + 3 * w1**2)
    p = predicted_steps(f, lr, tol=1e-6)
    t = gradient_descent(f, (1.0, 1.0), lr, 100000, tol=0)
    # coordinate i shrinks by |1 - lr λ_i| per step (independent oracle: the run itself)
    k = p.steps
    err = np.abs(t.path[k])
    assert np.all(err <= 1e-6 * (1 + 1e-9)) and np.any(np.abs(t.path[k - 1]) > 1e-6)


def test_predicted_steps_name_the_unstable_direction():
    p = predicted_steps(BOWL, 0.34, tol=1e-3)
    assert p.steps is None and "w1" in p.reason and p.stable_lr == pytest.approx(1 / 3)


def test_newton_lands_on_the_minimum_of_a_quadratic_in_one_step():
    t = newton(Function((w0 - 1) ** 2 + 3 * (w1 + 2) ** 2 + w0 * w1), (5, 5))
    assert t.steps == 1 and t.exact and t.stop_reason == "gradient_tolerance"
    grad = Function((w0 - 1) ** 2 + 3 * (w1 + 2) ** 2 + w0 * w1).gradient_at(t.final)
    assert grad == sp.zeros(2, 1)


def test_newton_on_a_singular_hessian_is_an_input_error():
    with pytest.raises(InputError, match="singular"):
        newton(Function((w0 + w1) ** 2 + w0), (1.0, 1.0))


@pytest.mark.parametrize("method", ["BFGS", "Newton-CG", "trust-exact"])
def test_scipy_bridge_returns_a_trace(method):
    rosen = Function((1 - w0) ** 2 + 100 * (w1 - w0**2) ** 2)
    res = minimize(rosen, (-1.2, 1.0), method=method)
    assert res.success and np.allclose(res.x, [1, 1], atol=1e-4)
    trace = res.trace
    assert isinstance(trace, Trace) and trace.path.shape[1] == 2 and np.allclose(trace.path[-1], res.x)
    assert trace.losses[-1] < trace.losses[0]


def test_bad_inputs_are_explained():
    with pytest.raises(InputError, match="learning rate"):
        gradient_descent(BOWL, (1, 1), 0)
    with pytest.raises(InputError, match="coordinates"):
        gradient_descent(BOWL, (1, 1, 1), 0.1)
    with pytest.raises(InputError, match="β"):
        momentum(BOWL, (1.0, 1.0), 0.1, beta=1.5)


# -- the quadratic fast path of gradient_descent against the step-by-step loop ---------------------------
from unittest import mock  # noqa: E402

import symgrad.optimize as _optimize  # noqa: E402

QV = sp.symbols("v0:3", real=True)


def _plain_descent(*args, **kwargs):
    with mock.patch.object(_optimize, "_quadratic_coefficients", lambda objective: None):
        return gradient_descent(*args, **kwargs)


def _assert_same_trace(fast, plain):
    assert fast.stop_reason == plain.stop_reason and fast.steps == plain.steps
    assert fast.diverged_at == plain.diverged_at and len(fast.points) == len(plain.points)
    scale = np.maximum(np.abs(plain.path), 1.0)
    assert np.all(np.abs(fast.path - plain.path) <= 1e-12 * scale)
    finite = np.isfinite(plain.losses)
    np.testing.assert_allclose(fast.losses[finite], plain.losses[finite], rtol=1e-12, atol=1e-12)
    finite = np.isfinite(plain.gradient_norms) & np.isfinite(fast.gradient_norms)
    np.testing.assert_allclose(fast.gradient_norms[finite], plain.gradient_norms[finite], rtol=1e-9, atol=1e-12)
    assert (fast.advice is None) == (plain.advice is None)


@given(
    p=st.integers(1, 3),
    diagonal=st.lists(st.floats(0.2, 4), min_size=3, max_size=3),
    coupling=st.floats(-0.1, 0.1),
    linear=st.lists(st.floats(-3, 3), min_size=3, max_size=3),
    start=st.lists(st.floats(-5, 5), min_size=3, max_size=3),
    lr=st.floats(0.01, 0.9),
    max_steps=st.integers(0, 60),
    tol=st.sampled_from([0.0, 1e-6, 1e-2]),
    threshold=st.sampled_from([None, -100.0, 0.5]),
    keep_path=st.booleans(),
)
@example(p=1, diagonal=[1.0, 1.0, 1.0], coupling=0.0, linear=[1.8807, 0.0, 0.0], start=[0.0, 0.0, 0.0], lr=0.5,
         max_steps=1, tol=0.0, threshold=None, keep_path=False)
@example(p=1, diagonal=[0.7530899522447223, 1.0, 1.0], coupling=0.0, linear=[1.0, 0.0, 0.0], start=[0.0, 0.0, 0.0],
         lr=0.625, max_steps=14, tol=0.0, threshold=None, keep_path=False)
def test_quadratic_descent_gives_the_plain_trace(p, diagonal, coupling, linear, start, lr, max_steps, tol, threshold, keep_path):
    v = QV[:p]
    expr = sum(diagonal[i] * v[i] ** 2 + linear[i] * v[i] for i in range(p)) + coupling * v[0] * v[-1]
    f = Function(expr, v)
    args = (f, [float(s) for s in start[:p]], lr, max_steps)
    kwargs = dict(tol=tol, loss_threshold=threshold, keep_path=keep_path)
    fast = gradient_descent(*args, **kwargs)
    assert _optimize._quadratic_coefficients(_optimize._objective(f, start[:p], lr, None, False)) is not None
    _assert_same_trace(fast, _plain_descent(*args, **kwargs))


def test_the_last_allowed_step_reaching_the_minimum_stops_at_the_tolerance():
    # 0.7530899522447223 needs 16 digits: the lambdified gradient once printed it with 15, so the step-by-step
    # loop saw a gradient of exactly 0 at step 14 and the fast path 3e-15 ("max_steps")
    a = 0.7530899522447223
    f = Function(a * QV[0] ** 2 + QV[0], QV[:1])
    fast, plain = gradient_descent(f, [0.0], 0.625, 14, tol=0), _plain_descent(f, [0.0], 0.625, 14, tol=0)
    x = 0.0
    for _ in range(14):  # the same steps in plain float arithmetic, the oracle
        x = x - 0.625 * (2 * a * x + 1.0)
    assert fast.path[-1, 0] == plain.path[-1, 0] == x and 2 * a * x + 1.0 == 0.0
    assert fast.stop_reason == plain.stop_reason == "gradient_tolerance" and fast.steps == plain.steps == 14
    one = gradient_descent(Function(QV[0] ** 2 + 1.8807 * QV[0], QV[:1]), [0.0], 0.5, 1, tol=0)
    assert one.stop_reason == "gradient_tolerance" and one.path[-1, 0] == -0.94035 and one.gradient_norms[-1] == 0


@given(start=st.lists(st.floats(-5, 5), min_size=2, max_size=2), lr=st.floats(0.2, 3.0))
def test_quadratic_descent_detects_divergence_like_the_plain_loop(start, lr):
    f = Function(2 * w0**2 + 3 * w1**2 - w0 * w1 + w0)
    fast, plain = gradient_descent(f, start, lr, 300, tol=0), _plain_descent(f, start, lr, 300, tol=0)
    _assert_same_trace(fast, plain)
    if plain.stop_reason == "diverged":
        assert fast.advice == plain.advice


def test_quadratic_descent_across_chunks_matches_torch(monkeypatch):
    monkeypatch.setattr(_optimize, "_FIRST_CHUNK", 7)  # several chunks, doubling, in a short run
    expr = 2 * w0**2 + 3 * w1**2 + w0 * w1 - w1
    ours = gradient_descent(Function(expr), (3.0, -4.0), 0.05, 100, tol=0)
    theirs = torch_descent(expr, (w0, w1), (3.0, -4.0), 0.05, 100)
    np.testing.assert_allclose(ours.path, theirs, rtol=1e-9, atol=1e-12)
    _assert_same_trace(ours, _plain_descent(Function(expr), (3.0, -4.0), 0.05, 100, tol=0))
    stopped = gradient_descent(Function(expr), (3.0, -4.0), 0.05, 10_000, tol=1e-8)
    _assert_same_trace(stopped, _plain_descent(Function(expr), (3.0, -4.0), 0.05, 10_000, tol=1e-8))
    assert stopped.stop_reason == "gradient_tolerance"


def test_the_chapters_fit_takes_the_fast_path_with_torchs_trajectory():
    from symgrad.models import LinearModel, squared_error

    g = torch.Generator().manual_seed(0)
    xs = 10 * torch.randn(100, generator=g, dtype=torch.float64)
    ys = 1.5 * xs + 2.73 + 0.5 * torch.randn(100, generator=g, dtype=torch.float64)
    L = squared_error(LinearModel(), xs.numpy(), ys.numpy(), reduction="mean")
    assert _optimize._quadratic_coefficients(_optimize._objective(L, [0.3, -0.7], 0.001, None, False)) is not None
    ours = gradient_descent(L, [0.3, -0.7], 0.001, 300, tol=0)
    w_, b_ = sp.symbols("w b", real=True)
    params = [torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in (0.3, -0.7)]
    opt = torch.optim.SGD(params, lr=0.001)
    path = [[0.3, -0.7]]
    for _ in range(300):
        opt.zero_grad()
        torch.mean((params[0] * xs + params[1] - ys) ** 2).backward()
        opt.step()
        path.append([p.item() for p in params])
    np.testing.assert_allclose(ours.path, np.array(path), rtol=1e-9, atol=1e-12)


def test_exact_inputs_on_a_non_rational_loss_run_in_floats_instead_of_swelling():
    import sympy

    from symgrad import gradient_descent

    trace = gradient_descent("sqrt(x^2 + 1)", [1], sympy.Rational(1, 10), max_steps=50)  # exact iterates nest radicals
    assert not trace.exact
    x = 1.0
    for _ in range(trace.steps):  # the same run by hand: x ← x − η x/√(x² + 1)
        x -= 0.1 * x / (x * x + 1) ** 0.5
    assert abs(float(trace.final[0]) - x) < 1e-12
    assert gradient_descent("2*w0^2 + 3*w1^2", [3, 4], sympy.Rational(1, 10), max_steps=1).exact


def test_a_scipy_run_that_gives_up_is_reported_as_failed_not_converged():
    from symgrad import minimize

    result = minimize("abs(x) + abs(y)", (1.0, 2.0))  # BFGS on a kink: precision loss, no success
    assert not result.success
    assert result.trace.stop_reason == "failed" and not result.trace.converged
    assert "scipy" in result.trace.advice
    assert minimize("(1 - x)^2 + 100*(y - x^2)^2", (0.0, 0.0), method="trust-exact").trace.stop_reason == "gradient_tolerance"
