"""Claims of sections 7-11 and 13 and exercises 1-5 of the chapter, as tests of symgrad.analysis.

Expected values are computed by hand here (the arithmetic is in the comments), never by the code under test.
"""

import math
from fractions import Fraction as F

import pytest
import sympy
from sympy import Abs, Interval, Max, Rational, exp, log, oo, sin, sqrt

from symgrad.analysis import (
    classify_point, convexity, critical_points, definiteness, eigenvalues, gradient_orthogonal_to_level_set,
    level_set, loss_change, non_differentiable_points, steepest_descent, taylor, taylor_error, taylor_terms,
)
from symgrad.analysis.taylor import displacement_symbols
from symgrad.errors import InputError
from symgrad.function import Function

x, w = sympy.symbols("x w", real=True)
w0, w1, w2 = sympy.symbols("w0 w1 w2", real=True)
L = 2 * w0**2 + 3 * w1**2


def same(a, b):
    return sympy.simplify(sympy.expand(a - b)) == 0


# --------------------------------------------------------------------- section 7: one dimension
def test_linear_loss_change_is_exactly_m_times_step():
    m, c, dw = Rational(5), Rational(2), Rational(3, 7)
    change = loss_change(m * w + c, [1], [dw])
    assert change.exact == m * dw and change.first_order == m * dw


def test_parabola_step_from_3_with_rate_one_tenth():
    # w = 3, dL/dw = 6, w_new = 3 - 0.1*6 = 2.4, L: 9 -> 5.76, change -3.24
    change = loss_change(w**2, [3], [-Rational(6, 10)])
    assert change.new_point[0] == Rational(24, 10)
    assert change.value == 9 and change.new_value == Rational(576, 100)
    assert change.exact == -Rational(324, 100)


# --------------------------------------------------------------------- section 8: same step length, other direction
def test_same_step_length_different_direction_gives_different_change():
    one = loss_change(L, [3, 4], [F(3, 10000), F(4, 10000)])
    two = loss_change(L, [3, 4], [F(4, 10000), F(3, 10000)])
    # 2*3.0003^2 + 3*4.0004^2 = 18.00360018 + 48.00960048 = 66.01320066 (the chapter rounds to 66.0132)
    assert one.exact == Rational(1320066, 10**8)
    # 2*3.0004^2 + 3*4.0003^2 = 18.00480032 + 48.00720027 = 66.01200059 (chapter: 66.0120)
    assert two.exact == Rational(1200059, 10**8)
    assert one.step_length == two.step_length == Rational(1, 2000)  # ||dw|| = 0.0005
    # first order: 12*0.0003 + 24*0.0004 = 0.0132 ; 12*0.0004 + 24*0.0003 = 0.0120
    assert one.first_order == Rational(132, 10**4) and two.first_order == Rational(120, 10**4)
    # L is quadratic, so the second-order form is exact
    assert one.second_order == one.exact and two.second_order == two.exact


def test_chapter_example_with_python_floats_keeps_the_digits():
    change = loss_change(L, [3, 4], [0.0003, 0.0004])
    assert abs(float(change.exact) - 0.01320066) < 1e-15
    assert round(float(change.new_value), 4) == 66.0132


# --------------------------------------------------------------------- section 9
def test_gradient_step_from_3_4():
    # grad = (12, 24); w_new = (3, 4) - 0.1*(12, 24) = (1.8, 1.6); L: 66 -> 14.16, improvement 51.84
    change = loss_change(L, [3, 4], [-Rational(12, 10), -Rational(24, 10)])
    assert list(change.new_point) == [Rational(18, 10), Rational(16, 10)]
    assert change.new_value == Rational(1416, 100) and change.exact == -Rational(5184, 100)


def test_steepest_descent_is_minus_normalized_gradient():
    result = steepest_descent(L, [3, 4])
    # ||(12, 24)|| = sqrt(720) = 12 sqrt(5)
    assert result.rate == -12 * sqrt(5)
    assert same(result.direction[0], -1 / sqrt(5)) and same(result.direction[1], -2 / sqrt(5))


def test_norm_gradient_does_not_exist_at_origin_so_it_is_not_a_zero_gradient_point():
    f = sqrt(w0**2 + w1**2)
    points = critical_points(f)
    assert len(points) == 1
    (origin,) = points
    assert origin.point == {w0: 0, w1: 0}
    assert origin.kind == "non-differentiable"
    assert "does not exist" in origin.reason
    assert origin.extremum == "global minimum" and origin.value == 0


# --------------------------------------------------------------------- section 10: level sets
def test_level_contours_of_the_norm_are_circles_and_spheres():
    assert level_set(sqrt(w0**2 + w1**2), 1) == sympy.Eq(w0**2 + w1**2, 1)
    assert level_set(sqrt(w0**2 + w1**2), 5) == sympy.Eq(w0**2 + w1**2, 25)
    assert level_set(sqrt(w0**2 + w1**2 + w2**2), 2) == sympy.Eq(w0**2 + w1**2 + w2**2, 4)
    assert level_set(sqrt(w0**2 + w1**2), -1) is sympy.false


def test_gradient_is_perpendicular_to_the_circle():
    check = gradient_orthogonal_to_level_set(w0**2 + w1**2, [3, 4])
    assert check.ok and list(check.gradient) == [6, 8]
    (tangent,) = check.tangents
    # tangent of the circle at (3, 4) is parallel to (-4, 3)
    assert tangent[0] * 3 - tangent[1] * (-4) == 0


def test_orthogonality_refuses_zero_gradient():
    with pytest.raises(InputError, match="zero"):
        gradient_orthogonal_to_level_set(w0**2 + w1**2, [0, 0])


# --------------------------------------------------------------------- section 11: Taylor
@pytest.mark.parametrize("order, expected", [
    (0, 1), (1, 1 + x), (2, 1 + x + x**2 / 2), (3, 1 + x + x**2 / 2 + x**3 / 6),
])
def test_truncated_exponential_series(order, expected):
    assert same(taylor(exp(x), 0, order), expected)


def test_second_order_form_of_the_chapter():
    value, linear, quadratic = taylor_terms(L, [3, 4], 2)
    d0, d1 = displacement_symbols(L)
    assert value == 66
    assert same(linear, 12 * d0 + 24 * d1)  # grad^T dw
    assert same(quadratic, Rational(1, 2) * (4 * d0**2 + 6 * d1**2))  # 1/2 dw^T H dw, H = diag(4, 6)


def test_displacement_symbols_print_as_delta():
    (d,) = displacement_symbols(x**2)
    assert str(d) == "Δx" and sympy.pretty(displacement_symbols(L)[0]) == "Δw₀"


def test_taylor_error_of_exp():
    # e^0.1 - (1 + 0.1 + 0.005)
    assert same(taylor_error(exp(x), 0, [F(1, 10)], 2), exp(Rational(1, 10)) - Rational(221, 200))


def test_taylor_refuses_a_kink():
    with pytest.raises(InputError, match="not differentiable"):
        taylor(Abs(x), 0)


# --------------------------------------------------------------------- section 13: convexity
@pytest.mark.parametrize("f, verdict", [
    (x**2, "strictly convex"), (exp(x), "strictly convex"), (Abs(x), "convex"),
    (x**3, "neither"), (sin(x), "neither"), (x**4 - 5 * x**2 + 4 * x, "neither"),
    (w**4, "strictly convex"), (L, "strictly convex"), (sqrt(w0**2 + w1**2), "convex"), (-x**2, "strictly concave"),
])
def test_chapter_convexity_examples(f, verdict):
    assert convexity(f).verdict == verdict


def test_minus_log_is_convex_on_positive_axis_and_says_so():
    result = convexity(-log(x))
    assert result.verdict == "strictly convex"
    assert result.domain.interval(x) == Interval.open(0, oo)
    assert "x > 0" in str(result)


def test_worked_example_13_5_eigenvalues_from_the_characteristic_polynomial():
    result = convexity(w0**2 + 2 * w0 * w1 + 3 * w1**2)
    assert result.verdict == "strictly convex" and result.method == "hessian-constant"
    steps = dict(result.steps)
    lam = sympy.Symbol("lambda")
    assert sympy.expand(steps["characteristic polynomial det(H - λI)"] - (lam**2 - 8 * lam + 8)) == 0
    values = steps["eigenvalues (roots of the characteristic polynomial)"]
    assert {sympy.nsimplify(v) for v in values} == {4 - 2 * sqrt(2), 4 + 2 * sqrt(2)}
    assert [round(float(v), 2) for v in values] == [1.17, 6.83]


def test_eigenvalues_of_the_diagonal_hessian():
    assert eigenvalues([[4, 0], [0, 6]]).values == (4, 6)


def test_w4_second_derivative_is_only_nonnegative_but_still_strict():
    result = convexity(w**4)
    assert result.method == "second-derivative" and "12w² ≥ 0" in result.reason and "isolated" in result.reason


def test_x_cubed_counterexample_breaks_the_chord_inequality():
    cx = convexity(x**3).counterexample
    a, b = cx.x1[x], cx.x2[x]
    assert ((a + b) / 2) ** 3 > (a**3 + b**3) / 2


def test_non_convex_quartic_has_two_minima():
    kinds = [p.kind for p in critical_points(x**4 - 5 * x**2 + 4 * x)]
    assert kinds == ["minimum", "maximum", "minimum"]


def test_composition_rules_cover_max_and_affine_norms():
    assert convexity(Max(x, 0)).verdict == "convex"
    assert convexity(sqrt((w0 - 1) ** 2 + (2 * w1 + w0) ** 2 + 1)).is_convex is True
    assert convexity(log(1 + exp(w0 + w1))).is_convex is True


def test_unknown_is_reported_for_a_non_box_domain():
    result = convexity(1 / x)
    assert result.verdict == "unknown" and result.is_convex is None
    assert convexity(1 / x, domain=Interval.open(0, oo)).verdict == "strictly convex"


# --------------------------------------------------------------------- critical points and kinks
def test_w4_at_zero_is_a_minimum_by_the_fourth_derivative():
    (point,) = critical_points(w**4)
    assert point.kind == "minimum" and "order 4" in point.reason


def test_x_cubed_at_zero_is_neither():
    assert classify_point(x**3, [0]).kind == "saddle"


def test_classify_point_refuses_non_critical_points():
    with pytest.raises(InputError, match="not a critical point"):
        classify_point(L, [3, 4])


def test_abs_kink_is_found_and_differentiable_abs_cube_is_not():
    (kink,) = non_differentiable_points(Abs(x))
    assert kink.point == {x: 0} and kink.one_sided["x"] == (-1, 1)
    assert non_differentiable_points(Abs(x) ** 3) == []


def test_periodic_critical_points_of_sin():
    points = critical_points(sin(x))
    n = [s for p in points for s in p.point[x].free_symbols][0]
    assert n.is_integer
    assert {p.kind for p in points} == {"minimum", "maximum"}


# A line of critical points that SymPy cannot solve for: the numeric search must not list its samples.
px, py = sympy.symbols("x y", real=True)
LINE_AT_ZERO = sin(px * exp(py)) ** 3 + sympy.atan(px * py) ** 5 + px**7 * py  # the audit's example


def _central_gradient(expr, at, h=sympy.Rational(1, 10**10)):
    """Central differences at 50 digits (error about h^2 f'''): an oracle independent of symgrad's derivatives."""
    values = {px: at[0], py: at[1]}
    return [float((expr.subs({**values, v: values[v] + h}).evalf(50) - expr.subs({**values, v: values[v] - h}).evalf(50))
                  / (2 * h)) for v in (px, py)]


def test_a_line_of_critical_points_is_reported_once_as_a_set_not_as_samples():
    # by hand: d/dx = 3 sin^2(x e^y) cos(x e^y) e^y + 5 atan^4(xy) y/(1 + x^2 y^2) + 7 x^6 y and
    # d/dy = 3 sin^2(x e^y) cos(x e^y) x e^y + 5 atan^4(xy) x/(1 + x^2 y^2) + x^7: both 0 when x = 0, for every y
    for y_value in (-3, Rational(-1, 2), Rational(1, 4), 2):
        assert all(abs(g) < 1e-12 for g in _central_gradient(LINE_AT_ZERO, (0, y_value)))
    points = critical_points(LINE_AT_ZERO)
    assert len(points) == 1, [p.point for p in points]  # it was 50 numeric points, all with x ≈ 0
    (line,) = points
    assert line.point == {px: 0, py: py} and line.exact and line.value == 0
    assert "not isolated" in line.reason and "proven by substitution" in line.reason


def test_a_line_at_a_fraction_is_recognised_too():
    from symgrad.analysis._common import resolve_domain
    from symgrad.analysis.numeric_roots import numeric_stationary

    fn = Function(LINE_AT_ZERO.xreplace({px: 13 * px - 1}), [px, py])  # the same function moved to x = 1/13
    assert numeric_stationary(fn, resolve_domain(fn, None)) == [{px: Rational(1, 13), py: py}]


def test_isolated_numeric_roots_sharing_a_coordinate_stay_isolated():
    # x^2 + cos(y) + y^2/10: gradient (2x, y/5 - sin(y)); on x = 0 the second part is not 0 for every y,
    # so the three roots with x = 0 (y = 0 and y = ±2.5957..., where sin(y) = y/5) are points, not a line
    points = critical_points(px**2 + sympy.cos(py) + py**2 / 10)
    assert len(points) == 3 and not any(p.exact or "isolated" in p.reason for p in points)
    for p in points:
        y_value = float(p.point[py])
        assert abs(float(p.point[px])) < 1e-9 and abs(y_value / 5 - math.sin(y_value)) < 1e-9


def test_two_crossing_lines_are_both_found():
    # atan(g)^3 with g = x*y*e^(x+y): ∇f = 3 atan(g)^2 ∇g/(1 + g^2) vanishes wherever g = 0, i.e. on x = 0 and on
    # y = 0; besides, ∇g = e^(x+y) (y(1 + x), x(1 + y)) = 0 at (-1, -1)
    points = critical_points(sympy.atan(px * py * exp(px + py)) ** 3)
    sets = [p.point for p in points if any(p.point[v] == v for v in (px, py))]
    assert {px: 0, py: py} in sets and {px: px, py: 0} in sets and len(sets) == 2
    # (-1, -1) comes from SymPy's solve when it finishes within the time limit, else from the numeric search
    (other,) = [p for p in points if p.point not in sets]
    assert abs(float(other.point[px]) + 1) < 1e-6 and abs(float(other.point[py]) + 1) < 1e-6


def test_a_curve_of_roots_that_cannot_be_proven_is_said_to_look_like_one():
    # sin((x - y^2) e^y)^3 + (x - y^2)^7 y: the gradient vanishes on the parabola x = y^2 (every term
    # carries (x - y^2)^2 at least), not a constant coordinate, so no substitution proves it: the samples say so
    points = critical_points(sin((px - py**2) * exp(py)) ** 3 + (px - py**2) ** 7 * py)
    sampled = [p for p in points if "looks like one point of a curve" in p.reason]
    assert len(sampled) >= 3
    assert all(abs(float(p.point[px]) - float(p.point[py]) ** 2) < 1e-4 for p in sampled)


def test_isolated_degenerate_roots_do_not_say_they_look_like_a_curve():
    # cos(s) + s^2/10 + atan(d)^4 with s = x + y, d = x - y: ∂x ± ∂y give s/5 = sin(s) and atan(d)^3 = 0, so the
    # roots are d = 0 with s = 0 or ±2.5957...: three isolated points, two with a singular Hessian (atan(d)^4)
    points = critical_points(sympy.cos(px + py) + (px + py) ** 2 / 10 + sympy.atan(px - py) ** 4)
    assert len(points) == 3
    assert sum(p.kind == "degenerate" for p in points) == 2 and not any("looks like" in p.reason for p in points)


# --------------------------------------------------------------------- eigen / definiteness
@pytest.mark.parametrize("matrix, expected", [
    ([[2, 2], [2, 6]], "positive definite"), ([[1, 0], [0, -1]], "indefinite"),
    ([[1, 1], [1, 1]], "positive semidefinite"), ([[-2, 0], [0, -1]], "negative definite"),
    ([[-1, 0], [0, 0]], "negative semidefinite"), ([[1.0, 0.5], [0.5, 1.0]], "positive definite"),
])
def test_definiteness(matrix, expected):
    assert definiteness(matrix) == expected


def test_float_eigenvalues_are_marked_numeric():
    result = eigenvalues([[1.0, 2.0], [2.0, 1.0]])
    assert result.exact is False and [round(v, 12) for v in result.numeric] == [-1.0, 3.0]


# --------------------------------------------------------------------- study guide exercises 1-5
def test_exercise_1_gradient_at_1_2():
    f = Function(w0**2 + w0 * w1 + 2 * w1**2)
    assert list(f.gradient_at([1, 2])) == [4, 9]  # (2*1 + 2, 1 + 4*2)


def test_exercise_2_one_descent_step_from_2_3():
    # grad at (2, 3) = (2*2 + 3, 2 + 12) = (7, 14); w_new = (2 - 0.7, 3 - 1.4) = (1.3, 1.6)
    f = w0**2 + w0 * w1 + 2 * w1**2
    result = steepest_descent(f, [2, 3])
    step = -Rational(1, 10) * result.gradient
    assert list(loss_change(f, [2, 3], list(step)).new_point) == [Rational(13, 10), Rational(16, 10)]


def test_exercise_3_hessian_eigenvalues():
    f = Function(w0**2 + w1**2 + w2**2 + w0 * w1)
    assert f.hessian() == sympy.Matrix([[2, 1, 0], [1, 2, 0], [0, 0, 2]])
    assert eigenvalues(f.hessian()).values == (1, 2, 3)  # 2 +- 1 and 2


def test_exercise_4_w4_is_convex_for_all_w():
    result = convexity(w**4)
    assert result.is_convex is True and result.domain.is_everything


def test_exercise_5_second_order_taylor_of_sin_is_x():
    assert taylor(sin(x), 0, 2) == x  # sin 0 = 0, cos 0 = 1, -sin 0 = 0


def test_verdict_to_dict_is_plain_data():
    data = convexity(Abs(x)).to_dict()
    assert data["verdict"] == "convex" and data["method"] == "composition"


def test_reasons_print_formulas_as_the_chapter_writes_them():
    # plain SymPy str would give 12*w**2 and >=; the reasons use the same Unicode printer as the derivations
    assert "f″(w) = 12w² ≥ 0" in convexity(w**4).reason
    assert "|x|" in convexity(sympy.Abs(x) + x**2).reason


def test_level_set_uses_the_assumptions_of_a_symbolic_level():
    # §10.1: √(w0² + w1²) = c with c > 0 is the circle w0² + w1² = c²
    c = sympy.Symbol("c", positive=True)
    assert level_set(sympy.sqrt(w0**2 + w1**2), c) == sympy.Eq(w0**2 + w1**2, c**2)
    assert level_set(sympy.sqrt(w0**2 + w1**2), sympy.Symbol("c", real=True)).lhs == sympy.sqrt(w0**2 + w1**2)
    assert level_set(sympy.sqrt(w0**2 + w1**2), sympy.Symbol("c", negative=True)) is sympy.false


def test_cubic_records_where_its_second_derivative_is_positive_and_negative():
    # §13.2 example 2: f'' = 6x > 0 for x > 0 and < 0 for x < 0
    facts = dict(convexity(x**3).steps)
    assert facts["where f'' > 0"] == sympy.Interval.open(0, sympy.oo)
    assert facts["where f'' < 0"] == sympy.Interval.open(-sympy.oo, 0)


@pytest.mark.parametrize("expr, singular", [(w**4, True), (3 * w**2 + 2 * w, False), (sympy.exp(w), False),
                                            (w0**4 + w1**2, True), ((w0 + w1)**2, True), (w0**2 + w1**2, False),
                                            (sympy.Abs(w), None), (-w**2, None)])
def test_singular_somewhere_marks_convex_functions_with_a_flat_hessian(expr, singular):
    assert convexity(expr).singular_somewhere is singular


def test_a_kink_as_critical_point_carries_its_one_sided_limits():
    (p,) = critical_points(sympy.Abs(x))
    assert p.kind == "non-differentiable" and p.one_sided == {"x": (-1, 1)}


def test_a_variable_exponent_restricts_the_natural_domain_to_a_positive_base():
    from symgrad.analysis._text import text

    verdict = convexity(x**x)
    assert verdict.verdict == "strictly convex"
    assert verdict.domain.describe() == "x > 0"  # x^x = exp(x log x) is defined for x > 0
    assert text(x**x) == "x^x" and text(2 ** (x + 1)) == "2^(x + 1)"


@pytest.mark.parametrize("text, straight_from, straight_to", [
    ("exp(x + y)", (0, 0), (1, -1)), ("(x + y)^4", (0, 1), (1, 0)), ("log(exp(x) + exp(y))", (0, 0), (1, 1)),
])
def test_a_hessian_singular_everywhere_is_never_called_strictly_convex(text, straight_from, straight_to):
    from symgrad import Function

    f = Function(text)
    a, b = f.at(*straight_from), f.at(*straight_to)
    middle = f.at(*[(p + q) / sympy.Integer(2) for p, q in zip(straight_from, straight_to)])
    assert sympy.simplify(middle - (a + b) / 2) == 0  # the graph is straight on this chord: not strictly convex
    assert convexity(f).verdict == "convex"


def _rises_and_falls_around(expr, point, radius, samples=64) -> tuple[bool, bool]:
    """Independent of symgrad: f on a circle of ``radius`` around ``point``, at 50 digits with mpmath."""
    import mpmath

    mpmath.mp.dps = 50
    f = sympy.lambdify((px, py), expr, "mpmath")
    x0, y0 = (mpmath.mpf(str(point[v])) for v in (px, py))
    centre = f(x0, y0)
    around = [f(x0 + radius * mpmath.cos(2 * mpmath.pi * k / samples), y0 + radius * mpmath.sin(2 * mpmath.pi * k / samples))
              - centre for k in range(samples)]
    return any(d > 0 for d in around), any(d < 0 for d in around)


def test_a_numeric_root_with_tiny_hessian_eigenvalues_is_not_called_an_extremum():
    # x^3 cos(y)^3 + y sin(xy)^3 is flat to third order at (±4, ±π/2) (cos y = 0, sin(xy) = 0): the Hessian is 0
    # at the true point, and SciPy's root 2e-8 away gave eigenvalues −3.7e-6 and −1.3e-7, called a strict maximum
    expr = px**3 * sympy.cos(py) ** 3 + sympy.sin(px * py) ** 3 * py
    points = critical_points(expr)
    near = [p for p in points if not p.exact and abs(abs(float(p.point[px])) - 4) < 1e-6]
    assert len(near) >= 2
    for p in near:
        assert p.kind == "degenerate" and "cannot be told apart from 0" in p.reason, (p.point, p.kind, p.reason)
    for p in points:  # every extremum or saddle claimed at a numeric root must hold up on small circles
        if p.exact or p.kind not in ("minimum", "maximum", "saddle"):
            continue
        for radius in (1e-3, 1e-4):
            rises, falls = _rises_and_falls_around(expr, p.point, radius)
            assert (rises, falls) == {"minimum": (True, False), "maximum": (False, True), "saddle": (True, True)}[p.kind]
    # the oracle on the point the issue quoted: f rises and falls around it, so "strict local maximum" was false
    assert _rises_and_falls_around(expr, {px: -4.00000002052525, py: -1.57079632114818}, 1e-4) == (True, True)


def test_a_numeric_root_with_clear_eigenvalues_keeps_its_kind():
    # the saddles of the same function have eigenvalues near ±4 and ±13: far outside the margin
    expr = px**3 * sympy.cos(py) ** 3 + sympy.sin(px * py) ** 3 * py
    saddles = [p for p in critical_points(expr) if p.kind == "saddle" and not p.exact]
    assert len(saddles) >= 4 and all(min(abs(float(e)) for e in p.eigenvalues) > 1 for p in saddles)
