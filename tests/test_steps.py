"""Worked derivations: the chapter's numbers, exactness, user names, and the refusal to show unchecked numbers.

Expected values are written out by hand from the chapter (or, where the chapter is
wrong, from the mathematics, with the reason), never computed by the code under test.
"""

import numpy as np
import pytest
import sympy
from hypothesis import given
from hypothesis import strategies as st

import symgrad.steps.core as core
from symgrad.errors import InputError, VerificationError
from symgrad.function import Function
from symgrad.limits import Limits
from symgrad.steps import WORKOUTS, Derivation, explain

R = sympy.Rational
CHAPTER_DATA = [("1.0", "3.0"), ("2.0", "5.0"), ("3.0", "7.0"), ("4.0", "9.0"), ("5.0", "11.0")]


def sym(name):
    return sympy.Symbol(name, real=True)


# -- the chapter's numbers ---------------------------------------------------------------
def test_loss_table_totals_13_75_and_predictions_match_chapter():
    d = explain.loss("w*x + b", CHAPTER_DATA, {"w": "1.5", "b": "1.0"})
    assert d.result == R(55, 4)  # 13.75
    assert list(d.steps[0].result) == [R(5, 2), 4, R(11, 2), 7, R(17, 2)]
    assert list(d.steps[1].result) == [R(1, 4), 1, R(9, 4), 4, R(25, 4)]
    assert "Σ(e⁽ⁱ⁾)²" in d.notes[0]  # the slide's double square is documented


def test_loss_at_the_optimum_is_zero():
    assert explain.loss("w*x + b", CHAPTER_DATA, {"w": 2, "b": 1}).result == 0


def test_derivative_step_gives_2_4_and_5_76():
    d = explain.derivative_step("w^2", 3, "0.1")
    assert d.result == R(12, 5)
    assert d.steps[0].result == 6
    assert d.steps[-1].result == R(576, 100) - 9  # ΔL = 5.76 − 9 = −3.24


def test_loss_change_is_66_0132_and_66_0120_to_the_chapters_four_decimals():
    d = explain.loss_change("2*w0^2 + 3*w1^2", [3, 4], [["0.0003", "0.0004"], ["0.0004", "0.0003"]])
    # exact: 2(3.0003)² + 3(4.0004)² = 66.01320066; 2(3.0004)² + 3(4.0003)² = 66.01200059
    assert list(d.result) == [R(1320066, 10**8), R(1200059, 10**8)]
    assert [round(float(66 + c), 4) for c in d.result] == [66.0132, 66.0120]
    # the chapter's ΔL₁ = 0.0132 and ΔL₂ = 0.0120 are the first-order estimates ∇L·Δw, not the exact changes
    estimates = [step.math[-1].parts[-1] for step in d.steps[1:]]
    assert estimates == [R(132, 10**4), R(120, 10**4)]
    assert "first-order" in d.notes[0]


def test_partials_of_the_quadratic():
    w0, w1 = sym("w0"), sym("w1")
    assert list(explain.gradient("2*w0^2 + 3*w1^2").result) == [4 * w0, 6 * w1]


def test_gd_step_gives_exactly_1_8_1_6_and_14_16():
    d = explain.gd_step("2*w0^2 + 3*w1^2", {"w0": 3, "w1": 4}, "0.1")
    assert list(d.result) == [R(9, 5), R(8, 5)]
    assert all(isinstance(v, sympy.Rational) for v in d.result)
    assert list(d.steps[1].result) == [12, 24]
    verify = d.steps[-1]
    assert verify.math[1].parts[-1] == R(1416, 100)
    assert verify.result == R(5184, 100)


def test_convexity_eigenvalues_are_4_plus_minus_2_sqrt_2():
    d = explain.convexity("w0^2 + 2*w0*w1 + 3*w1^2")
    assert d.result == "strictly convex"
    assert d.steps[-1].result == [4 - 2 * sympy.sqrt(2), 4 + 2 * sympy.sqrt(2)]


def test_eigenvalues_entry_takes_a_matrix():
    assert explain.eigenvalues([[4, 0], [0, 6]]).result == [4, 6]


def test_hessian_of_the_quadratic():
    assert explain.hessian("2*w0^2 + 3*w1^2").result == sympy.Matrix([[4, 0], [0, 6]])


def test_taylor_of_exp_to_third_order():
    x = sym("x")
    assert sympy.expand(explain.taylor("exp(x)", 0, 3).result - (1 + x + x**2 / 2 + x**3 / 6)) == 0


def test_one_dimensional_convexity_examples():
    assert explain.convexity("x^2").result == "strictly convex"
    d = explain.convexity("x^3")
    assert d.result == "neither"  # f''(−1) = −6 < 0 and f''(1) = 6 > 0: neither convex nor concave
    # the counterexample, worked by hand: x₁ = −2, x₂ = 0, f(−1) = −1 > (−8 + 0)/2 = −4
    below = next(s for s in d.steps if s.text.startswith("A chord below the graph"))
    chord = below.math[-1]
    assert chord.parts[1:3] == (-1, -4) and chord.relations[:2] == ("=", ">")
    assert below.math[3].parts[-1] == -4  # ½(f(x₁) + f(x₂)) = ½(−8 + 0) = −4
    # §13.2: "For x > 0: 6x > 0 (convex); for x < 0: 6x < 0 (concave)"
    x = sym("x")
    signs = d.steps[1].math
    assert [(m.label, m.parts[0], m.relations[0], m.suffix) for m in signs] == [
        ("For x > 0", 6 * x, ">", "(convex)"), ("For x < 0", 6 * x, "<", "(concave)")]
    assert d.conclusion.startswith("The second derivative changes sign")


def test_taylor_in_two_variables_can_be_expanded_in_the_variables():
    # the second-order polynomial along the segment from (1, −1) to w, by SymPy's series in t, at t = 1
    w0, w1 = sym("w0"), sym("w1")
    f = w0**2 * w1 + w0 * w1
    d = explain.taylor(f, [1, -1], 2, in_displacement=False)
    t = sympy.Symbol("t")
    by_series = sympy.series(f.xreplace({w0: 1 + t * (w0 - 1), w1: -1 + t * (w1 + 1)}), t, 0, 3).removeO().subs(t, 1)
    assert sympy.expand(d.result - by_series) == 0 and d.steps[-1].text.startswith("Substitute")


def test_critical_points_show_the_one_sided_limits_of_a_kink():
    d = explain.critical_points("abs(x)", name="f")
    kink = next(s for s in d.steps if s.text.startswith("One-sided derivatives"))
    assert kink.result == ((-1, 1),)


# -- the chapter's error in §9.5 ------------------------------------------------------------
def test_norm_has_no_zero_gradient_and_its_minimum_is_found_where_the_gradient_does_not_exist():
    # ∇√(w₀²+w₁²) = w/‖w‖ has length 1 wherever it exists, so "∇L = 0" has no solution;
    # the chapter's "solution w₀ = w₁ = 0" is the point where the gradient does not exist.
    d = explain.critical_points("sqrt(w0^2 + w1^2)")
    assert d.steps[1].result == ()
    assert d.result == [{sym("w0"): 0, sym("w1"): 0}]
    assert "does not exist" in d.steps[2].remark and "minimum" in d.steps[2].remark
    # one-sided difference quotients of ∂L/∂w₀ and ∂L/∂w₁ at the origin: −1 from the left, 1 from the right
    quotients = [(m.parts[1].items[1], m.parts[2].items[1]) for m in d.steps[2].math[1:]]
    assert quotients == [(-1, 1), (-1, 1)]
    assert "§9.5" in d.notes[0]


def test_critical_point_of_a_smooth_quadratic_is_classified():
    d = explain.critical_points("2*w0^2 + 3*w1^2")
    assert d.result == [{sym("w0"): 0, sym("w1"): 0}]
    assert "minimum" in d.steps[-1].remark


# -- study-guide exercises (answers worked by hand) -------------------------------------------
def test_exercise_1_gradient_at_1_2_is_4_9():
    assert list(explain.gradient("w0^2 + w0*w1 + 2*w1^2", [1, 2]).result) == [4, 9]


def test_exercise_2_step_from_2_3_is_1_3_1_6():
    # ∇L(2, 3) = (2·2 + 3, 2 + 4·3) = (7, 14); (2, 3) − 0.1(7, 14) = (1.3, 1.6); L: 28 → 8.89
    d = explain.gd_step("w0^2 + w0*w1 + 2*w1^2", [2, 3], "0.1")
    assert list(d.result) == [R(13, 10), R(8, 5)]
    assert d.steps[-1].result == 28 - R(889, 100)


def test_exercise_3_hessian():
    assert explain.hessian("w0^2 + w1^2 + w2^2 + w0*w1").result == sympy.Matrix([[2, 1, 0], [1, 2, 0], [0, 0, 2]])


def test_exercise_4_w4_is_convex_although_its_second_derivative_vanishes_at_0():
    d = explain.convexity("w^4")
    assert d.result == "strictly convex"  # 12w² ≥ 0, zero only at the isolated point w = 0
    assert "only at w = 0" in d.steps[-1].math[0].suffix and "strictly" in d.conclusion


def test_exercise_5_second_order_taylor_of_sin_is_x():
    assert explain.taylor("sin(x)", 0, 2).result == sym("x")


def test_level_sets_of_the_norm_are_circles_and_the_gradient_is_perpendicular():
    d = explain.level_set("w0^2 + w1^2", [1], at=[3, 4])
    assert d.steps[-1].result == 0
    assert "circle" in d.steps[1].math[0].suffix
    w0, w1 = sym("w0"), sym("w1")
    circles = explain.level_set("sqrt(w0^2 + w1^2)", [1, 2, 5]).steps[1].math
    assert [(m.parts[0], m.parts[1]) for m in circles] == [(w0**2 + w1**2, r) for r in (1, 4, 25)]


def test_critical_points_classify_a_cubic_by_hand():
    # f' = 3x² − 3 = 0 at x = ±1; f'' = 6x: −6 at −1 (maximum), 6 at 1 (minimum)
    d = explain.critical_points("x^3 - 3*x", name="f")
    assert d.result == [{sym("x"): -1}, {sym("x"): 1}]
    assert d.steps[-2].remark.startswith("A maximum") and d.steps[-1].remark.startswith("A minimum")


def test_a_saddle_is_not_convex_and_the_chord_is_shown():
    d = explain.convexity("w0^2 - w1^2")
    assert d.result == "neither"
    assert d.steps[3].result == [-2, 2]  # eigenvalues of [[2, 0], [0, −2]]


def test_taylor_in_several_variables_has_the_chapters_terms():
    # 2w0² + 3w1² at (3, 4): 66 + 12Δw0 + 24Δw1 + 2Δw0² + 3Δw1²
    d = explain.taylor("2*w0^2 + 3*w1^2", [3, 4], 2)
    a, b = sympy.Symbol("Delta_w0", real=True), sympy.Symbol("Delta_w1", real=True)
    assert sympy.expand(d.result - (66 + 12 * a + 24 * b + 2 * a**2 + 3 * b**2)) == 0


def test_eigenvalues_of_exercise_3_hessian():
    # det(H − λI) = (2 − λ)((2 − λ)² − 1) → λ = 1, 2, 3
    assert explain.eigenvalues([[2, 1, 0], [1, 2, 0], [0, 0, 2]]).result == [1, 2, 3]


def test_descent_runs_to_the_end_and_says_why_it_stopped():
    # x_k = 3(1 − 0.8^k); |f'(x_k)| = 6·0.8^k ≤ 0.001 first at k = 39 (6·0.8^38 ≈ 0.00125)
    d = explain.descent("(x - 3)^2", 0, "0.1", name="f")
    assert d.steps[-1].result == "gradient_tolerance" and "39 steps" in d.steps[-1].remark
    assert d.result == 3 * (1 - R(4, 5) ** 39)
    rows = d.steps[2].math
    assert rows[1].parts[1].items[1] == R(3, 5) and rows[1].parts[2].items[1] == R(576, 100)
    limited = explain.descent("(x - 3)^2", 0, "0.1", max_steps=3, name="f")
    assert limited.steps[-1].result == "max_steps" and limited.result == R(1464, 1000)


def test_a_one_step_run_says_one_step():
    one = explain.descent("(x - 3)^2", 0, "0.1", max_steps=1, name="f")
    text = str(one)
    assert one.steps[2].text == "Run: 1 step" and "stopped after 1 step:" in text and "1 steps" not in text
    assert "point after 1 step" in [c.what for c in one.checks]


def test_workout_ends_with_the_whole_run():
    d = explain.workout("2*w0^2 + 3*w1^2", [3, 4], "0.1")
    assert list(d.result) == [R(9, 5), R(8, 5)]
    assert d.steps[-1].result == "gradient_tolerance"


def test_every_chapter_workout_builds_and_records_checks():
    for workout in WORKOUTS:
        d = workout.make()
        assert isinstance(d, Derivation) and d.steps
        assert d.checks, f"{workout.id} shows numbers without a recorded check"


# -- forms of input, names -----------------------------------------------------------------------
def test_point_and_function_forms_agree():
    w0, w1 = sym("w0"), sym("w1")
    expected = sympy.Matrix([R(9, 5), R(8, 5)])
    for f in ("2*w0^2 + 3*w1^2", 2 * w0**2 + 3 * w1**2, Function("2*w0^2 + 3*w1^2")):
        for at in ([3, 4], (3, 4), {"w0": 3, "w1": 4}, {w0: 3, w1: 4}, np.array([3, 4])):
            assert explain.gd_step(f, at, R(1, 10)).result == expected


def test_user_names_are_kept():
    d = explain.gradient("theta1^2 + theta2^2", {"theta1": 1, "theta2": 2}, name="J")
    assert [v.name for v in d.result.free_symbols] == []
    assert "∂J/∂θ₁" in str(d) and "θ₂" in str(d)


def test_bad_input_raises_input_error():
    with pytest.raises(InputError):
        explain.derivative_step("w0^2 + w1^2", [1, 2], "0.1")
    with pytest.raises(InputError):
        explain.gd_step("w0^2 + w1^2", [1, 2], "w0")
    with pytest.raises(InputError):
        explain.loss("w*x + b", [(1, 2, 3)], {"w": 1, "b": 0})


# -- checks ------------------------------------------------------------------------------------------
INLINE = Limits(total_timeout=0)  # a fault patched into this process needs the entry to run here, not in the worker


def test_a_wrong_gradient_is_refused_not_printed(monkeypatch):
    monkeypatch.setattr(Function, "gradient_at", lambda self, *a, **k: sympy.ImmutableMatrix([13, 24]))
    with pytest.raises(VerificationError):
        explain.gd_step("2*w0^2 + 3*w1^2", [3, 4], "0.1", limits=INLINE)


def test_a_wrong_gradient_is_refused_without_torch_too(monkeypatch):
    real_find_spec = core.importlib.util.find_spec
    monkeypatch.setattr(core.importlib.util, "find_spec", lambda name: None if name == "torch" else real_find_spec(name))
    monkeypatch.setattr(Function, "gradient_at", lambda self, *a, **k: sympy.ImmutableMatrix([12, 25]))
    with pytest.raises(VerificationError, match="complex-step"):
        explain.gradient("2*w0^2 + 3*w1^2", [3, 4], limits=INLINE)


def test_a_wrong_value_is_refused(monkeypatch):
    original = Function.at
    monkeypatch.setattr(Function, "at", lambda self, *a, **k: original(self, *a, **k) + R(1, 100))
    with pytest.raises(VerificationError):
        explain.gd_step("2*w0^2 + 3*w1^2", [3, 4], "0.1", limits=INLINE)


@given(a=st.integers(1, 9), b=st.integers(-5, 5), c=st.integers(1, 9), x=st.integers(-5, 5), y=st.integers(-5, 5),
       lr=st.sampled_from(["0.1", "0.05", "0.25"]))
def test_gd_step_matches_float_arithmetic(a, b, c, x, y, lr):
    w0, w1 = sym("w0"), sym("w1")
    d = explain.gd_step(a * w0**2 + b * w0 * w1 + c * w1**2, [x, y], lr)
    gradient = np.array([2 * a * x + b * y, b * x + 2 * c * y], dtype=float)  # by hand
    expected = np.array([x, y], dtype=float) - float(lr) * gradient
    assert np.allclose([float(v) for v in d.result], expected)


# -- reading order: the numbers line up with the printed formula -------------------------
def _text(d):
    return str(d)


def test_substituted_values_keep_the_term_order_of_the_printed_formula():
    # w₀ + 4w₁ at (1, 2): the 1 stands under w₀ and 4(2) under 4w₁ (SymPy would sort it to 4(2) + 1)
    text = _text(explain.gradient("w0^2 + w0*w1 + 2*w1^2", [1, 2]))
    assert "∂L/∂w₁ = w₀ + 4w₁ = 1 + 4(2) = 9" in text
    assert "∂L/∂w₀ = 2w₀ + w₁ = 2(1) + 2 = 4" in text
    text = _text(explain.gd_step("w0^2 + w0*w1 + 2*w1^2", [2, 3], "0.1"))
    # w₀² + w₀w₁ + 2w₁² at (2, 3): 4 + 6 + 18 = 28
    assert "L(2, 3) = 2² + 2(3) + 2(3)² = 4 + 2(3) + 2(9) = 28" in text
    # at (1.3, 1.6): 1.69 + 2.08 + 5.12 = 8.89
    assert "L(1.3, 1.6) = (1.3)² + 1.3(1.6) + 2(1.6)² = 1.69 + 1.3(1.6) + 2(2.56) = 8.89" in text


def test_substituted_values_keep_the_order_in_latex_too():
    md = explain.gd_step("w0^2 + w0*w1 + 2*w1^2", [2, 3], "0.1")._repr_markdown_()
    assert r"L(2, 3) = 2^{2} + 2 (3) + 2 (3)^{2} = 4 + 2 (3) + 2 (9) = 28" in md
    assert r"w_{0} + 4 w_{1} = 2 + 4 (3) = 14" in md


def test_substituted_products_keep_the_factor_order():
    w0, w1 = sym("w0"), sym("w1")
    from symgrad.rendering import text_of

    # w₀w₁ at w₀ = 3, w₁ = 2 reads 3(2), never 2(3)
    assert text_of(core.substituted(w0 * w1 - w0, {w0: 3, w1: 2})) == "3(2) − 3"


def test_taylor_polynomials_are_written_in_ascending_powers():
    text = _text(explain.taylor("exp(x)", 0, 3))
    assert "1st order: f(x) ≈ 1 + x\n" in text
    assert "3rd order: f(x) ≈ 1 + x + x²/2 + x³/6\n" in text
    assert "so sin(x) ≈ x to order 2" in _text(explain.taylor("sin(x)", 0, 2))
    assert "f(x) ≈ x − x³/6\n" in _text(explain.taylor("sin(x)", 0, 3))
    # 2w₀² + 3w₁² at (3, 4): 66 + 12Δw₀ + 24Δw₁ + 2Δw₀² + 3Δw₁²
    text = _text(explain.taylor("2*w0^2 + 3*w1^2", [3, 4], 2))
    assert "≈ 66 + 12Δw₀ + 24Δw₁ + 2Δw₀² + 3Δw₁²" in text
    md = explain.taylor("exp(x)", 0, 2)._repr_markdown_()
    assert r"f(x) \approx 1 + x + \frac{x^{2}}{2}$" in md


def test_ascending_order_applies_to_the_outer_sum_only():
    # e + e(x − 1) + e(x − 1)²/2: the inner x − 1 keeps its usual order
    assert "f(x) ≈ e + e·(x − 1) + e·(x − 1)²/2" in _text(explain.taylor("exp(x)", 1, 2))


def test_convexity_wording():
    assert _text(explain.convexity("x^2")).rstrip().endswith("so the function is strictly convex.")
    text = _text(explain.convexity("w^4"))
    assert "(equal to 0 only at w = 0)" in text and "∈" not in text
    # f = x⁶/30 − x⁴/6 + x²/2: f'' = x⁴ − 2x² + 1 = (x² − 1)², zero only at x = −1 and x = 1
    text = _text(explain.convexity("x^6/30 - x^4/6 + x^2/2"))
    assert "(equal to 0 only at x = −1 and x = 1)" in text


def test_sign_regions_read_as_inequalities():
    # f = (x² − 1)⁴: f'' = 8(x² − 1)²(7x² − 1) < 0 exactly on −1/√7 < x < 1/√7
    d = explain.convexity("(x^2 - 1)^4")
    labels = [m.label for m in d.steps[1].math]
    assert labels == ["For x < −1 or −1 < x < −√7/7 or √7/7 < x < 1 or x > 1", "For −√7/7 < x < √7/7"]


def test_workout_repeats_the_update_in_one_clear_step():
    d = explain.workout("2*w0^2 + 3*w1^2", [3, 4], "0.1")
    titles = [s.text for s in d.steps]
    assert titles[6:] == ["Repeat the update until the gradient is about 0", "Run: 19 steps", "Why it stopped"]
    text = _text(d)
    assert "symgrad" not in text and "Keep going" not in text


def test_derivative_of_a_shifted_square_shows_the_chain_rule_form():
    text = _text(explain.descent("(x - 3)^2", 0, "0.1", name="f"))
    assert "df/dx = 2(x − 3) = 2x − 6\n" in text
    # nothing to add where SymPy's form is already the chain rule's
    assert "dL/dw = 2w\n" in _text(explain.derivative_step("w^2", 3, "0.1"))


def test_small_floats_print_as_powers_of_ten():
    text = _text(explain.descent("(x - 3)^2", 0, "0.1", name="f"))
    assert "e-07" not in text and "·10⁻⁷" in text


# -- the chapter's non-convex example (§13.1): roots with no closed form, shown rounded and checked ----------
def test_quartic_roots_are_named_rounded_and_the_global_minimum_is_chosen():
    # 4x³ − 10x + 4 = 2(2x³ − 5x + 2); roots by numpy.roots: −1.75233, 0.43232, 1.32001;
    # L(−1.75233) ≈ −12.934 < L(1.32001) ≈ −0.396 (evaluated by hand in float arithmetic below)
    d = explain.critical_points("x^4 - 5*x^2 + 4*x")
    text = str(d)
    assert "CRootOf" not in text and "CRootOf" not in d._repr_markdown_()
    assert "x₁ ≈ −1.7523, x₂ ≈ 0.4323, x₃ ≈ 1.3200" in text
    assert "Divide by 2: 2x³ − 5x + 2 = 0" in text
    assert "12x₁² − 10 ≈ 26.85 > 0" in text and "≈ −7.757 < 0" in text
    f = lambda v: v**4 - 5 * v**2 + 4 * v  # noqa: E731
    assert f(-1.7523321768) < f(1.3200117334)
    assert "global minimum is at x₁ ≈ −1.7523" in d.steps[-1].remark
    assert "Hessian" not in text
    assert any("to 4 decimals" in c.method for c in d.checks)


def test_a_line_of_minima_is_described_as_a_line():
    d = explain.critical_points("(w0 - w1)^2")
    assert "every point with w₀ = w₁ (a line)" in d.steps[1].remark
    assert "none is strict" in d.steps[-1].remark and "2(w₀ − w₁)" in str(d)


def test_sine_families_are_classified_by_the_second_derivative():
    text = str(explain.critical_points("sin(x)"))
    assert "−sin(2πn + π/2) = −1 < 0" in text and "every integer n" in text


def test_two_variable_cubic_minimum_is_only_local():
    d = explain.critical_points("w0^3 - 3*w0 + w1^2")
    assert "(w₀, w₁) = (−1, 0) or (1, 0)" in d.steps[1].remark
    assert "Not a global minimum: f → −∞ as w₀ → −∞" in d.steps[-1].remark


def test_a_line_of_kinks_is_shown_for_every_value_of_the_free_variable():
    from symgrad import explain, render

    text = render(explain.critical_points("exp(y) + abs(x)"), "text")
    assert "At x = 0: L_x′(0⁻) = −1, L_x′(0⁺) = 1" in text  # no derivative on the line x = 0, for every y
    assert "L has no critical points" in text  # ∂L/∂y = eʸ > 0 everywhere


def test_eigenvalues_take_a_matrix_in_any_notation():
    from symgrad import explain

    for matrix in ("[[2,1],[1,2]]", "2,1;1,2", "[2 1; 1 2]", [[2, 1], [1, 2]]):
        assert sorted(explain.eigenvalues(matrix).result) == [1, 3]
