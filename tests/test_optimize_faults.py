"""Issue 16, faults 6 and 7: stable learning rates with irrational eigenvalues; bounded oscillation is not divergence."""

from unittest import mock

import numpy as np
import pytest
import sympy as sp
from hypothesis import given
from hypothesis import strategies as st

import symgrad.optimize as _optimize
from symgrad import Function, gradient_descent, parse, stable_learning_rate

CASUS = "8*w0^2 - 9*w0*w1 + 12*w0*w2 + 11/2*w1^2 - 3*w1*w2 + 29/2*w2^2"


def _numpy_rate(text):
    """2/λmax from NumPy's eigvalsh on the Hessian written out by hand from the coefficients (the oracle)."""
    expr = parse(text)
    variables = sorted(expr.free_symbols, key=lambda s: s.name)
    H = np.array([[float(sp.diff(expr, a, b)) for b in variables] for a in variables])
    return 2.0 / np.linalg.eigvalsh(H).max()


def test_stable_learning_rate_of_the_casus_irreducibilis_quadratic():
    rate = stable_learning_rate(CASUS)
    assert isinstance(rate, sp.Expr) and not rate.has(sp.I)  # exact, and real
    assert float(rate) == pytest.approx(0.05243, abs=5e-6)
    assert float(rate) == pytest.approx(_numpy_rate(CASUS), rel=1e-12)


@given(st.integers(1, 4).flatmap(
    lambda n: st.lists(st.lists(st.integers(-4, 4), min_size=n, max_size=n), min_size=n, max_size=n)))
def test_stable_learning_rate_of_random_positive_definite_quadratics(rows):
    B = sp.Matrix(rows)
    A = B.T * B + sp.eye(B.rows)  # positive definite
    w = sp.symbols(f"w0:{B.rows}", real=True)
    x = sp.Matrix(w)
    expr = sp.expand((x.T * A * x)[0] / 2)
    rate = stable_learning_rate(Function(expr, w))
    oracle = 2.0 / np.linalg.eigvalsh(np.array(A, dtype=float)).max()
    assert float(rate) == pytest.approx(oracle, rel=1e-10)


ROSENBROCK = "(1-w0)^2+100*(w1-w0^2)^2"


def _independent_rosenbrock(steps):
    """Plain gradient descent with the Rosenbrock gradient written by hand."""
    x = np.array([-1.2, 1.0])
    path, losses = [x], [(1 - x[0]) ** 2 + 100 * (x[1] - x[0] ** 2) ** 2]
    for _ in range(steps):
        grad = np.array([-2 * (1 - x[0]) - 400 * x[0] * (x[1] - x[0] ** 2), 200 * (x[1] - x[0] ** 2)])
        x = x - 0.005 * grad
        path.append(x)
        losses.append((1 - x[0]) ** 2 + 100 * (x[1] - x[0] ** 2) ** 2)
    return np.array(path), np.array(losses)


def test_rosenbrock_overshoot_is_a_bounded_two_cycle_not_divergence():
    t = gradient_descent(ROSENBROCK, [-1.2, 1], 0.005, max_steps=4000)
    assert t.stop_reason == "oscillating" and t.diverged_at is None
    assert "not divergence" in t.advice and "2/η = 400" in t.advice
    path, losses = _independent_rosenbrock(20_000)
    assert np.all(np.isfinite(losses)) and losses.max() < 250  # bounded over 20,000 steps
    # the same run (rounding differences grow chaotically after the overshoot near step 190) ...
    np.testing.assert_allclose(t.path[:150], path[:150], rtol=1e-9, atol=1e-12)
    # ... ending in the same two points that the long independent run alternates between
    ends = sorted(map(tuple, np.round(t.path[-2:], 4)))
    assert ends == sorted(map(tuple, np.round(path[-2:], 4)))
    assert sorted(np.round(t.losses[-2:], 2)) == [0.72, 0.79] == sorted(np.round(losses[-2:], 2))


def test_real_divergence_is_still_divergence_and_a_short_rising_run_says_so():
    bowl = Function(2 * sp.Symbol("w0", real=True) ** 2 + 3 * sp.Symbol("w1", real=True) ** 2)
    t = gradient_descent(bowl, (3.0, 4.0), 1.05 / 3, 2000)
    assert t.stop_reason == "diverged" and t.losses[-1] > 1e6 * t.losses[0]
    short = gradient_descent(bowl, (3.0, 4.0), 1.05 / 3, 20)
    assert short.stop_reason == "max_steps" and "may be diverging" in short.advice
    assert "2/λmax = 0.3333" in short.advice


def test_a_two_cycle_at_exactly_two_over_lambda_is_named_by_both_descent_paths():
    bowl = Function(2 * sp.Symbol("w0", real=True) ** 2 + 3 * sp.Symbol("w1", real=True) ** 2)
    fast = gradient_descent(bowl, (3.0, 4.0), 1 / 3, 5000)
    with mock.patch.object(_optimize, "_quadratic_coefficients", lambda objective: None):
        plain = gradient_descent(bowl, (3.0, 4.0), 1 / 3, 5000)
    assert fast.stop_reason == plain.stop_reason == "oscillating" and fast.steps == plain.steps < 100
    assert abs(fast.path[-1][1]) == pytest.approx(4.0) and fast.path[-1][1] == -fast.path[-2][1]
    assert fast.advice == plain.advice


def test_explained_descent_names_the_oscillation():
    from symgrad.steps.explain import explain

    step = explain.descent("2*w0^2+3*w1^2", [3, 4], "1/3", max_steps=100).steps[-1]
    assert step.result == "oscillating" and "not divergence" in step.remark
