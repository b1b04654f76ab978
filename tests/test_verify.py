"""symgrad.verify and the core property: symbolic derivatives equal torch autograd.

The oracle is torch autograd applied to the *value* code alone (torch.func.grad and
torch.func.hessian), independent of the symbolic derivatives under test.
"""

import numpy as np
import pytest
import sympy
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import symgrad.strategies as sgs
from symgrad.function import Function
from symgrad.verification import VerifyReport, verify

torch = pytest.importorskip("torch", reason="torch extra not installed")  # CI installs it; see .ci/run

w0, w1 = sympy.symbols("w0 w1", real=True)


@given(sgs.functions(max_variables=6, max_depth=3))
@settings(max_examples=25, suppress_health_check=[HealthCheck.nested_given, HealthCheck.too_slow])
def test_symbolic_gradient_and_hessian_equal_torch_autograd(f):
    report = verify(f, examples=15, rtol=1e-6, atol=1e-8)
    assert report.points_used > 0
    assert report.passed, str(report)


@given(sgs.functions(max_variables=4), st.data())
def test_hessian_is_symmetric_and_compiled_numpy_equals_torch_equals_sympy(f, data):
    x = data.draw(sgs.points(f.n))
    exact = {v: sympy.Float(float(c), 30) for v, c in zip(f.variables, x)}
    numpy_c, torch_c = f.compile("numpy"), f.compile("torch")
    value, gradient, hessian = numpy_c.evaluate(x)
    t_value, t_gradient, t_hessian = (a.numpy() for a in torch_c.evaluate(torch.tensor(x, dtype=torch.float64)))
    sympy_gradient = np.array([float(g.xreplace(exact)) for g in f.gradient()])
    sympy_hessian = np.array(f.hessian().xreplace(exact).evalf(), dtype=float)
    np.testing.assert_allclose(hessian, hessian.T, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(value, float(f.expr.xreplace(exact)), rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(gradient, sympy_gradient, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(hessian, sympy_hessian, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(t_value, value, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(t_gradient, gradient, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(t_hessian, hessian, rtol=1e-12, atol=1e-12)


@given(sgs.functions(max_variables=3), st.data())
def test_batched_evaluation_equals_pointwise(f, data):
    batch = data.draw(sgs.batches(f.n, max_size=5))
    c = f.compile("numpy")
    value, gradient, hessian = c.evaluate(batch)
    for k, x in enumerate(batch):
        v, g, h = c.evaluate(x)
        np.testing.assert_allclose(value[k], v, rtol=1e-12)
        np.testing.assert_allclose(gradient[k], g, rtol=1e-12)
        np.testing.assert_allclose(hessian[k], h, rtol=1e-12)


def test_report_for_the_chapter_function_passes_and_reads_well():
    report = verify(Function(2 * w0**2 + 3 * w1**2), examples=20)
    assert isinstance(report, VerifyReport)
    assert report.passed and bool(report)
    assert report.points_used == report.points_tried == 20
    assert report.max_abs_error_gradient == 0.0
    assert "PASS" in str(report)
    assert report.to_dict()["variables"] == ("w0", "w1")


def test_a_wrong_symbolic_gradient_is_caught():
    f = Function(w0**2 * w1)
    f._gradient = sympy.ImmutableMatrix([2 * w0 * w1, w0**2 + 1])  # sabotage: +1 in d/dw1
    f.__dict__.pop("_hessian", None)
    report = verify(f, examples=20)
    assert not report.passed
    assert report.max_abs_error_gradient == pytest.approx(1.0)
    assert "FAIL" in str(report)


def test_points_outside_the_domain_are_skipped_not_failed():
    report = verify(Function(sympy.log(w0) + sympy.sqrt(w1)), examples=60)
    assert report.points_skipped > 0
    assert report.points_used > 0
    assert report.passed


def test_nothing_in_domain_is_reported_not_passed():
    report = verify(Function(sympy.log(-w0**2 - 1)), examples=10)
    assert report.points_used == 0
    assert not report.passed
    assert "nothing was compared" in str(report)


def test_same_seed_gives_same_points():
    f = Function(sympy.sin(w0) * w1)
    assert verify(f, examples=10, seed=3).worst_point == verify(f, examples=10, seed=3).worst_point

