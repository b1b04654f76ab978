"""Results printed as a course prints them: Taylor in powers of (x − a), tangent lines and planes, numbers shown."""

import re

import sympy
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import symgrad as sg
from symgrad.rendering import render, text_of

x, y = sympy.symbols("x y", real=True)


def test_taylor_of_x4_at_1_is_in_powers_of_x_minus_1():
    p = sg.taylor("x^4", 1, order=4)
    assert text_of(p) == "(x − 1)⁴ + 4(x − 1)³ + 6(x − 1)² + 4(x − 1) + 1"
    assert sympy.expand(p.doit()) == x**4


@settings(max_examples=25, deadline=None)
@given(coefficients=st.lists(st.integers(-4, 4), min_size=1, max_size=5), a=st.integers(-3, 3),
       order=st.integers(1, 5), wrap=st.sampled_from(["", "exp", "sin"]))
def test_taylor_in_powers_of_x_minus_a_equals_the_expanded_series(coefficients, a, order, wrap):
    poly = sum(c * x**k for k, c in enumerate(coefficients))
    assume(poly.has(x))
    f = getattr(sympy, wrap)(poly) if wrap else poly
    shown = sg.taylor(f, a, order)
    oracle = sympy.series(f, x, a, order + 1).removeO()  # SymPy's own series, expanded
    assert sympy.simplify(sympy.expand(shown.doit()) - sympy.expand(oracle)) == 0
    if a != 0:  # x appears only inside (x − a): no mixing of x with (x − a)
        shift = f"(x − {a})" if a > 0 else f"(x + {-a})"
        assert "x" not in text_of(shown).replace(shift, "")


def test_taylor_derivation_states_the_tangent_line_in_powers_of_x_minus_a():
    out = render(sg.explain.taylor("x^4", 1, 4), "text")
    assert "4th order: f(x) ≈ 1 + 4(x − 1) + 6(x − 1)² + 4(x − 1)³ + (x − 1)⁴" in out
    assert "y = 1 + 4(x − 1) = −3 + 4x" in out


def test_two_variable_taylor_keeps_the_users_names_and_states_the_tangent_plane():
    out = render(sg.explain.taylor("x*exp(x*y)", [1, 0], 1), "text")
    assert "w + Δw" not in out
    assert "f(x + Δx, y + Δy) ≈ 1 + Δx + Δy" in out
    assert "z = 1 + y + (x − 1) = x + y" in out


def test_gd_step_shows_the_decrease_as_a_number():
    out = render(sg.explain.gd_step("log(1 + exp(-w))", 0, 1), "text")
    assert re.search(r"ΔL = .* ≈ −0\.2191 ✓ \(decreased\)", out)
    value = float(sympy.log(1 + sympy.exp(-sympy.Rational(1, 2))) - sympy.log(2))  # by hand: w moves 0 → 1/2
    assert abs(value + 0.2191) < 5e-5


def test_log_sum_exp_minors_are_shown_over_one_factored_denominator():
    out = render(sg.explain.convexity("log(exp(x) + exp(y))"), "text")
    assert "leading principal minors of H = (eˣ·e^(y)/(eˣ + e^(y))², 0)" in out
    assert "2eˣ·e^(y)" not in out  # no expanded (eˣ + eʸ)² in a denominator
    minor = sympy.exp(x) * sympy.exp(y) / (sympy.exp(x) + sympy.exp(y)) ** 2
    H = sg.Function("log(exp(x) + exp(y))").hessian()
    assert sympy.simplify(H[0, 0] - minor) == 0  # the form shown is the (1, 1) entry, by SymPy


def test_softmax_cross_entropy_partials_are_p_minus_y():
    d = sg.explain.gradient("-log(exp(z1)/(exp(z1)+exp(z2)))", [0, 0])
    out = render(d, "text")
    assert "∂L/∂z₁ = p₁ − 1 = " in out and "∂L/∂z₂ = p₂ = " in out
    assert "p₁ = e^(z₁)/(e^(z₁) + e^(z₂))" in out
    z = torch_softmax_grad([0.0, 0.0], target=0)
    assert [float(v) for v in d.result] == z == [-0.5, 0.5]


def torch_softmax_grad(values, target):
    torch = __import__("pytest").importorskip("torch")
    z = torch.tensor(values, dtype=torch.float64, requires_grad=True)
    torch.nn.functional.cross_entropy(z[None], torch.tensor([target])).backward()
    return z.grad.tolist()


def test_sigmoid_derivative_is_sigma_times_one_minus_sigma():
    out = render(sg.explain.gradient("sigmoid(x)"), "text")
    assert "∂L/∂x = σ·(1 − σ) = " in out and "σ = 1/(1 + e^(−x))" in out


def test_logistic_loss_partials_are_sigma_minus_one_times_the_input():
    out = render(sg.explain.gradient("log(1 + exp(-(w*x + b)))"), "text")
    assert "∂L/∂w = x·(σ − 1) = " in out and "∂L/∂b = σ − 1 = " in out


def test_softmax_cross_entropy_gradient_vector_uses_the_partials_textbook_forms():
    # issue 14: step 2's ∇L printed −(e^(z₁)/S − e^(2z₁)/S²)·S·e^(−z₁) although step 1 showed p₁ − 1
    d = sg.explain.gradient("-log(exp(z1)/(exp(z1)+exp(z2)))")
    out = render(d, "text")
    step2 = out[out.index("Step 2"):]
    assert "p₁ − 1" in step2 and "p₂" in step2 and "with p₁, p₂ as in step 1" in step2
    assert "p₁ = e^(z₁)/(e^(z₁) + e^(z₂)), p₂ = e^(z₂)/(e^(z₁) + e^(z₂))" in out
    assert "e^(2z₁)" not in out and "e^(−z₁)" not in out
    z1, z2 = sympy.symbols("z1 z2", real=True)
    p1, p2 = sympy.symbols("p1 p2", real=True)
    total = sympy.exp(z1) + sympy.exp(z2)
    textbook = sympy.Matrix([sympy.exp(z1) / total - 1, sympy.exp(z2) / total])  # hand-written p − y, y = (1, 0)
    _, forms, shown = d.steps[1].math[0].parts
    assert list(forms) == [p1 - 1, p2]
    definitions = {p1: sympy.exp(z1) / total, p2: sympy.exp(z2) / total}
    assert sympy.simplify(forms.xreplace(definitions) - textbook) == sympy.zeros(2, 1)
    assert sympy.simplify(sympy.Matrix(shown) - textbook) == sympy.zeros(2, 1)
    point = {z1: sympy.Rational(3, 10), z2: -sympy.Rational(7, 10)}
    grad = torch_softmax_grad([0.3, -0.7], target=0)
    assert [float(v) for v in sympy.Matrix(shown).xreplace(point)] == __import__("pytest").approx(grad, rel=1e-12)


def test_gradient_vector_without_textbook_forms_is_unchanged():
    d = sg.explain.gradient("x^2*y + y^3")
    _, vector = d.steps[1].math[0].parts
    assert vector == sympy.Matrix([2 * x * y, x**2 + 3 * y**2])
