"""Critical points of non-smooth losses: pieces, one-sided derivatives, 0 ∈ ∂f, flat minimising sets."""

import numpy as np
import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

import symgrad as sg
from symgrad.rendering import render

x, y, w0, w1 = sympy.symbols("x y w0 w1", real=True)


def grid_minimum(f, lo=-4.0, hi=4.0):
    """An independent oracle: the smallest value on a fine grid, and where it is reached (within 1e-9)."""
    xs = np.linspace(lo, hi, 8001)
    values = sg.Function(f).compile("numpy").value(xs[:, None])
    best = values.min()
    return best, xs[values <= best + 1e-9]


def test_abs_sum_has_a_flat_interval_of_global_minima_with_value_2():
    (p,) = sg.critical_points("abs(x-1) + abs(x+1)")
    assert p.region == {x: sympy.Interval(-1, 1)} and p.value == 2 and p.extremum == "global minimum"
    best, where = grid_minimum("abs(x-1) + abs(x+1)")
    assert best == pytest.approx(2) and where.min() == pytest.approx(-1) and where.max() == pytest.approx(1)


def test_abs_sum_derivation_reads_as_a_course_prints_it():
    out = render(sg.explain.critical_points("abs(x-1) + abs(x+1)"), "text")
    for fragment in ("For −1 < x < 1: L = 2, dL/dx = 0", "At x = −1: L′(−1⁻) = −2, L′(−1⁺) = 0, L(−1) = 2",
                     "every x ∈ [−1, 1]: L = 2 (a flat set of global minima)", "0 ∈ [−2, 0] = ∂L(−1)",
                     "Every point with x ∈ [−1, 1] is a global minimum, with value 2."):
        assert fragment in out, fragment
    for forbidden in ("Piecewise", "DiracDelta", "inconclusive", "0.875"):
        assert forbidden not in out


def test_l1_norm_has_the_origin_as_its_global_minimum():
    (p,) = sg.critical_points("abs(x) + abs(y)")
    assert p.point == {x: 0, y: 0} and p.extremum == "global minimum" and p.value == 0
    assert p.one_sided == {"x": (-1, 1), "y": (-1, 1)}
    assert "The origin x = 0, y = 0 is the global minimum" in sg.explain.critical_points("abs(x) + abs(y)").conclusion


def test_squared_difference_has_the_line_w0_equals_w1_of_global_minima():
    (p,) = sg.critical_points("(w0 - w1)^2")
    assert p.point == {w0: w1, w1: w1} and p.extremum == "global minimum"


@pytest.mark.parametrize("text, region, value", [
    ("max(0, x)", sympy.Interval(-sympy.oo, 0), 0),          # relu
    ("max(0, 1 - x)", sympy.Interval(1, sympy.oo), 0),        # hinge
    ("max(0, 1 - x) + max(0, 1 + x)", sympy.Interval(-1, 1), 2),
])
def test_relu_and_hinge_minimise_on_a_half_line_or_interval(text, region, value):
    (p,) = sg.critical_points(text)
    assert p.region == {x: region} and p.value == value and p.extremum == "global minimum"


def test_a_kink_where_both_slopes_have_one_sign_is_not_critical():
    assert sg.critical_points("max(x, 2*x)") == []
    assert "not critical: 0 ∉ [1, 2]" in render(sg.explain.critical_points("max(x, 2*x)"), "text")


def test_minus_abs_has_a_global_maximum_at_the_kink():
    (p,) = sg.critical_points("-abs(x)")
    assert p.point == {x: 0} and p.extremum == "global maximum" and p.one_sided == {"x": (1, -1)}


def test_non_convex_kinks_are_compared_by_value():
    found = sg.critical_points("abs(x^2 - 1)")
    kinds = {p.point[x]: (p.kind, p.extremum) for p in found}
    assert kinds == {-1: ("non-differentiable", "global minimum"), 0: ("maximum", None),
                     1: ("non-differentiable", "global minimum")}


@settings(max_examples=10, deadline=None)
@given(a=st.integers(-3, 3), b=st.integers(-3, 3), c=st.integers(1, 3))
def test_least_value_of_sums_of_abs_agrees_with_a_fine_grid(a, b, c):
    text = f"abs(x - ({a})) + {c}*abs(x - ({b}))"
    found = sg.critical_points(text)
    best, where = grid_minimum(text)
    global_minima = [p for p in found if p.extremum == "global minimum"]
    assert global_minima and all(float(p.value) == pytest.approx(best, abs=1e-9) for p in global_minima)
    for p in global_minima:
        if p.region:
            region = p.region[x]
            assert where.min() == pytest.approx(float(region.inf), abs=2e-3)
            assert where.max() == pytest.approx(float(region.sup), abs=2e-3)
        else:
            assert where.min() == pytest.approx(float(p.point[x]), abs=2e-3)
