"""Tests for symgrad.function: the Function API of docs/design.md and its fast paths.

The chapter's numbers are unit tests; the fast derivative paths (term index,
first-derivative rules, SymEngine) are checked against plain ``sympy.diff`` /
``sympy.hessian`` on expressions drawn by Hypothesis.
"""

from fractions import Fraction

import numpy as np
import pytest
import sympy
from hypothesis import given
from hypothesis import strategies as st

from symgrad.errors import InputError
from symgrad.derivatives import first_derivative
from symgrad.function import Function, as_function, natural_order, to_sympy_number

w0, w1, w2, w10 = sympy.symbols("w0 w1 w2 w10", real=True)
x, y, z = sympy.symbols("x y z", real=True)


def M(rows):
    return sympy.ImmutableMatrix(rows)


# -- the chapter's numbers -------------------------------------------------------------
def test_partial_of_2w0sq_plus_3w1sq_is_4w0():
    assert Function(2 * w0**2 + 3 * w1**2).partial("w0") == 4 * w0


def test_gradient_at_3_4_is_12_24():
    assert Function(2 * w0**2 + 3 * w1**2).gradient_at(3, 4) == M([[12], [24]])


def test_hessian_of_2w0sq_plus_3w1sq():
    assert Function(2 * w0**2 + 3 * w1**2).hessian() == M([[4, 0], [0, 6]])


def test_hessian_with_cross_term():
    assert Function(w0**2 + 2 * w0 * w1 + 3 * w1**2).hessian() == M([[2, 2], [2, 6]])


def test_gradient_of_w0sq_w0w1_2w1sq_at_1_2_is_4_9():
    assert Function(w0**2 + w0 * w1 + 2 * w1**2).gradient_at([1, 2]) == M([[4], [9]])


def test_value_at_3_4_is_66():
    assert Function(2 * w0**2 + 3 * w1**2).at(w0=3, w1=4) == 66


# -- variables and points ----------------------------------------------------------------
def test_natural_order_puts_w2_before_w10():
    assert Function(w10 + w2 + w1).variables == (w1, w2, w10)
    assert natural_order([w10, w2]) == (w2, w10)


def test_explicit_variables_by_name_keep_the_expression_symbols():
    f = Function(x * y, ["y", "x"])
    assert f.variables == (y, x)
    assert f.gradient() == M([[x], [y]])


def test_every_point_form_gives_the_same_value():
    f = Function(2 * w0**2 + 3 * w1**2)
    forms = [f.at(3, 4), f.at([3, 4]), f.at(w0=3, w1=4), f.at({"w0": 3, w1: 4}), f.at(np.array([3, 4])), f.at(M([3, 4]))]
    assert all(v == 66 for v in forms)


def test_exact_inputs_give_exact_results_and_floats_give_floats():
    f = Function(w0**2)
    assert f.at(Fraction(1, 3)) == sympy.Rational(1, 9)
    assert isinstance(f.at(0.5), sympy.Float)
    assert to_sympy_number(Fraction(2, 4)) == sympy.Rational(1, 2)


def test_point_errors_name_the_problem():
    f = Function(w0 + w1)
    with pytest.raises(InputError, match="w1"):
        f.at(w0=1)
    with pytest.raises(InputError, match="2 variables"):
        f.at([1, 2, 3])
    with pytest.raises(InputError, match="not a variable"):
        f.partial("q")


def test_vector_valued_jacobian():
    f = Function([x * y, x + y**2])
    assert f.jacobian() == M([[y, x], [1, 2 * y]])
    with pytest.raises(InputError, match="jacobian"):
        f.gradient()


def test_directional_derivative_normalized():
    f = Function(2 * w0**2 + 3 * w1**2)
    assert sympy.simplify(f.directional_derivative([3, 4], normalize=True) - (12 * w0 + 24 * w1) / 5) == 0


def test_as_function_returns_the_same_object():
    f = Function(x)
    assert as_function(f) is f


def test_unknown_engine_is_refused():
    with pytest.raises(InputError, match="engine"):
        Function(x, engine="maple")


def test_hessian_is_symmetric_and_skips_absent_variables():
    f = Function(sympy.sin(x) * y + z**3)
    H = f.hessian()
    assert H == H.T
    assert H[0, 2] == 0 and H[1, 2] == 0 and H[1, 1] == 0


# -- fast paths against plain SymPy --------------------------------------------------------
SYMBOLS = (x, y, z)
UNARY = (sympy.sin, sympy.cos, sympy.exp, sympy.tanh, sympy.atan)
leaves = st.sampled_from(SYMBOLS) | st.integers(-3, 3).map(sympy.Integer) | st.just(sympy.Rational(1, 2))
expressions = st.recursive(
    leaves,
    lambda sub: st.one_of(
        st.tuples(sub, sub).map(lambda ab: ab[0] + ab[1]),
        st.tuples(sub, sub).map(lambda ab: ab[0] * ab[1]),
        st.tuples(sub, st.integers(2, 3)).map(lambda ab: ab[0] ** ab[1]),
        st.tuples(st.sampled_from(UNARY), sub).map(lambda fa: fa[0](fa[1])),
        sub.map(lambda a: sympy.Abs(a)),
    ),
    max_leaves=8,
)


def _same(a, b) -> bool:
    return a == b or sympy.simplify(a - b) == 0


@given(expressions, st.sampled_from(SYMBOLS))
def test_first_derivative_matches_sympy_diff(expr, var):
    assert _same(first_derivative(expr, var), sympy.diff(expr, var))


@given(expressions, st.sampled_from(["sympy", "symengine"]))
def test_every_engine_gives_sympys_gradient_and_hessian(expr, engine):
    f = Function(expr, SYMBOLS, engine=engine)
    plain_gradient = [sympy.diff(expr, v) for v in SYMBOLS]
    plain_hessian = sympy.hessian(expr, SYMBOLS)
    assert all(_same(a, b) for a, b in zip(f.gradient(), plain_gradient))
    assert all(_same(a, b) for a, b in zip(f.hessian(), plain_hessian))


def test_symengine_results_are_sympy_objects_with_the_original_symbols():
    pytest.importorskip("symengine")
    xs = sympy.symbols("x0:12", real=True)
    f = Function(sympy.Add(*[(xs[i + 1] - xs[i] ** 2) ** 2 for i in range(11)]), xs, engine="symengine")
    assert f._symengine_derivatives is not None  # the fast engine really ran
    assert isinstance(f.hessian(), sympy.ImmutableMatrix)
    assert f.gradient().free_symbols <= set(xs)
    assert all(s.is_real for s in f.hessian().free_symbols)


def test_large_rosenbrock_matches_plain_sympy():
    xs = sympy.symbols("x0:30", real=True)
    expr = sympy.Add(*[100 * (xs[i + 1] - xs[i] ** 2) ** 2 + (1 - xs[i]) ** 2 for i in range(29)])
    for engine in ("sympy", "auto"):
        f = Function(expr, xs, engine=engine)
        assert f.hessian() - sympy.hessian(expr, xs) == sympy.zeros(30, 30)


# -- polynomials of degree <= 2: coefficients instead of differentiation -----------------------
from symgrad.derivatives import quadratic_form  # noqa: E402

QSYMBOLS = sympy.symbols("q0:4", real=True)
coefficients = st.one_of(st.integers(-5, 5), st.fractions(max_denominator=7).map(lambda f: sympy.Rational(f.numerator, f.denominator)),
                         st.floats(-3, 3, allow_nan=False).map(sympy.Float), st.just(sympy.pi), st.just(sympy.sqrt(2)))
monomials = st.lists(st.sampled_from(QSYMBOLS), min_size=0, max_size=2).map(lambda vs: sympy.Mul(*vs))
quadratics = st.lists(st.tuples(coefficients, monomials), min_size=1, max_size=12).map(
    lambda terms: sympy.Add(*[c * m for c, m in terms]))


@given(quadratics)
def test_quadratic_form_gives_sympys_gradient_and_hessian(expr):
    form = quadratic_form(expr, QSYMBOLS)
    assert form is not None
    assert form.gradient == [sympy.diff(expr, v) for v in QSYMBOLS]  # the same expressions, term for term
    H = sympy.hessian(expr, QSYMBOLS)
    upper = {(i, j): H[i, j] for i in range(4) for j in range(i, 4) if H[i, j] != 0}
    assert form.upper_hessian == upper


@given(quadratics, st.lists(st.floats(-3, 3), min_size=4, max_size=4))
def test_quadratic_form_arrays_evaluate_the_function(expr, point):
    H, b, c = quadratic_form(expr, QSYMBOLS).arrays()
    p = np.array(point)
    exact = float(expr.evalf(subs=dict(zip(QSYMBOLS, map(sympy.Float, point)))))
    assert np.isclose(c + b @ p + 0.5 * p @ H @ p, exact, rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("expr", [x**3 + y, sympy.sin(x) * y, (x + 1) ** 2, x * y * z, x / y, x**sympy.Rational(1, 2)])
def test_non_quadratics_are_not_read_as_quadratic_forms(expr):
    assert quadratic_form(expr, (x, y, z)) is None


def test_a_parameter_that_is_not_a_variable_is_not_a_coefficient():
    a = sympy.Symbol("a", real=True)
    assert quadratic_form(a * x**2 + y, (x, y)) is None


def test_large_quadratic_uses_the_coefficients_and_matches_plain_sympy():
    xs = sympy.symbols("x0:9", real=True)
    expr = sympy.Add(*[(i - j + 2) * xs[i] * xs[j] for i in range(9) for j in range(i, 9)], *[k * xs[k] for k in range(9)])
    f, plain = Function(expr, xs), Function(expr, xs, engine="sympy")
    assert f._quadratic_form is not None and plain._quadratic_form is None
    assert f.gradient() == plain.gradient() and f.hessian() == plain.hessian()


def test_compiling_with_symengine_builds_no_sympy_matrices():
    pytest.importorskip("symengine")
    xs = sympy.symbols("x0:10", real=True)
    expr = sympy.Add(*[100 * (xs[i + 1] - xs[i] ** 2) ** 2 + sympy.sin(xs[i]) for i in range(9)])
    f = Function(expr, xs)
    value, grad, hess = f.compile("numpy").evaluate(np.linspace(-1, 1, 10))
    assert "_gradient" not in f.__dict__ and "_hessian" not in f.__dict__  # SymPy objects only on demand
    ref = Function(expr, xs, engine="sympy").compile("numpy", cse="sympy").evaluate(np.linspace(-1, 1, 10))
    np.testing.assert_allclose(grad, ref[1], rtol=1e-12)
    np.testing.assert_allclose(hess, ref[2], rtol=1e-12, atol=1e-12)
    assert (f.gradient() - Function(expr, xs, engine="sympy").gradient()).applyfunc(sympy.expand) == sympy.zeros(10, 1)
