"""Issue 13, item 2: variables= names what to solve for; every other symbol is a parameter that stays symbolic.

Oracles: hand-derived closed forms, and SciPy's numeric minimiser at random parameter values.
"""

import numpy as np
import pytest
import scipy.optimize
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

import symgrad as sg

w, x, y, lam, a, b, c = sympy.symbols("w x y lambda a b c", real=True)


def test_the_ridge_stationary_point_is_a_formula_in_the_parameters_with_its_condition():
    (point,) = sg.critical_points("(y - w*x)^2 + lambda*w^2", variables=["w"])
    assert sympy.simplify(point.point[w] - x * y / (x**2 + lam)) == 0  # by hand: 2w(x² + λ) = 2xy
    assert point.conditions == (sympy.Ne(lam + x**2, 0),)
    assert sympy.simplify(point.value - lam * y**2 / (x**2 + lam)) == 0
    assert point.kind == "unknown" and "a minimum where 2(x² + λ) > 0" in point.reason


@given(st.floats(0.1, 5), st.floats(-5, 5).filter(lambda v: abs(v) > 0.1), st.floats(-5, 5))
@settings(max_examples=15, deadline=None)
def test_the_formula_is_where_scipy_finds_the_minimum(lam_value, x_value, y_value):
    (point,) = sg.critical_points("(y - w*x)^2 + lambda*w^2", variables=["w"])
    formula = float(point.point[w].subs({lam: lam_value, x: x_value, y: y_value}))
    found = scipy.optimize.minimize_scalar(lambda v: (y_value - v * x_value) ** 2 + lam_value * v**2).x
    assert formula == pytest.approx(found, rel=1e-6, abs=1e-6)


def test_curvature_that_is_positive_for_every_parameter_value_gives_a_minimum():
    (point,) = sg.critical_points("(w0 - a)^2 + 3*(w1 - b)^2 + c", variables=["w0", "w1"])
    w0, w1 = sympy.symbols("w0 w1", real=True)
    assert point.point == {w0: a, w1: b} and point.kind == "minimum" and point.value == c
    assert point.conditions == ()


def test_a_point_that_exists_only_for_a_nonzero_parameter_says_so():
    (point,) = sg.critical_points("a*w^2 + b*w", variables=["w"])
    assert point.point == {w: -b / (2 * a)} and point.conditions == (sympy.Ne(a, 0),)
    assert "a ≠ 0" in point.reason and point.kind == "unknown"


def test_without_variables_every_symbol_is_still_a_variable():
    kinds = [(p.point, p.kind) for p in sg.critical_points("x^3 - 3*x")]
    assert kinds == [({x: -1}, "maximum"), ({x: 1}, "minimum")]


def test_the_conditions_travel_in_json():
    (point,) = sg.critical_points("a*w^2 + b*w", variables=["w"])
    assert point.to_dict()["conditions"] == ["Ne(a, 0)"]
