"""Issue 13, item 1 (scalar side): notation that used to be silently misread as a product.

Every case the issue lists is here: ``σ(w x + b)`` was ``sigma*(b + w*x)``,
``d/dx (x^3 + 2x)`` was ``x*(x**3 + 2*x)``, ``x^T A x`` was ``A*x*x**T``,
``w^T x + b`` was ``b + w**T*x``; norms were refused without saying why.
Expected values are written by hand with SymPy constructors.
"""

from __future__ import annotations

import pytest
from sympy import Abs, Max, Rational, Symbol, exp, log

import symgrad as sg
from symgrad.errors import InputError, ParseError
from symgrad.parsing import parse, parse_answer

b, w, x, y, r, sigma, T = (Symbol(n, real=True) for n in ("b", "w", "x", "y", "r", "sigma", "T"))
a, c, d, f = (Symbol(n, real=True) for n in ("a", "c", "d", "f"))
t = Symbol("t", real=True)


def sigmoid(z):
    return 1 / (1 + exp(-z))


# --------------------------------------------------------------------------- σ is the sigmoid


@pytest.mark.parametrize("text", [
    "σ(w x + b)", r"\sigma(w x + b)", r"\sigma\left(w x + b\right)", "sigma(w x + b)", "sigmoid(w x + b)",
    "σ (w*x + b)", r"$\sigma(wx+b)$",
])
def test_sigma_followed_by_an_argument_is_the_sigmoid(text):
    assert parse(text) == sigmoid(w * x + b)


@pytest.mark.parametrize("text, expected", [
    ("σ x", sigmoid(x)), ("σ 2x", sigmoid(2 * x)), ("2σ(x)", 2 * sigmoid(x)), ("σ(x)^2", sigmoid(x) ** 2),
    ("y σ(x)", y * sigmoid(x)), ("σ(x)(1 - σ(x))", sigmoid(x) * (1 - sigmoid(x))),
])
def test_sigmoid_reads_like_other_functions(text, expected):
    assert parse(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("σ", sigma), ("σ^2", sigma**2), ("σ²", sigma**2), ("2σ", 2 * sigma), ("x/σ", x / sigma),
    ("(x - y)/σ", (x - y) / sigma), ("σ*x", sigma * x), ("σ + 1", sigma + 1), ("σ_1", Symbol("sigma1", real=True)),
])
def test_sigma_without_an_argument_stays_a_symbol(text, expected):
    assert parse(text) == expected


@pytest.mark.parametrize("text", ["σ^2 x", "σ² x", "σ^{2}(x)"])
def test_a_power_between_sigma_and_its_argument_is_refused(text):
    with pytest.raises(ParseError, match="ambiguous") as info:
        parse(text)
    assert "sigmoid(x)^2" in str(info.value) and "σ^2*x" in str(info.value)


def test_function_of_sigmoid_is_differentiated_as_the_sigmoid():
    f = sg.Function("σ(w x + b)", variables=["w"])
    assert (f.gradient()[0] - x * sigmoid(w * x + b) * (1 - sigmoid(w * x + b))).simplify() == 0


# --------------------------------------------------------------------------- d/dx is the derivative


@pytest.mark.parametrize("text", [
    "d/dx (x^3 + 2x)", "d/dx(x^3 + 2x)", r"\frac{d}{dx}(x^3 + 2x)", r"\frac{d}{dx}\left(x^3 + 2x\right)",
    r"\dfrac{d}{dx} (x^3 + 2x)", "∂/∂x (x^3 + 2x)", r"\frac{\partial}{\partial x}(x^3 + 2x)", "d/d x (x^3+2x)",
    "d/dx [x^3 + 2x]",
])
def test_d_by_dx_is_the_derivative_not_a_product(text):
    assert parse(text) == 3 * x**2 + 2


@pytest.mark.parametrize("text, expected", [
    ("d/dx x^2", 2 * x), ("d/dx x", 1), ("d/dy (x y^2)", 2 * x * y), (r"\frac{\partial}{\partial y} x^2 y", x**2),
    ("d^2/dx^2 (x^4)", 12 * x**2), (r"\frac{d^2}{dx^2}(x^4)", 12 * x**2), ("d²/dx² (x^4)", 12 * x**2),
    ("2 d/dx (x^2)", 4 * x), ("d/dx (x^2) + 1", 2 * x + 1), ("d/dw (log(1 + e^(-w x)))", -x * exp(-w * x) / (1 + exp(-w * x))),
    ("d/dθ (θ^2)", 2 * Symbol("theta", real=True)), ("d/dw_1 (w_1^2)", 2 * Symbol("w1", real=True)),
])
def test_derivative_forms(text, expected):
    assert (parse(text) - expected).simplify() == 0


def test_function_of_a_derivative_is_that_derivative():
    """The issue: Function("d/dx (x^3+2x)").gradient() was 4x³+4x (the product d·x/d)."""
    f = sg.Function("d/dx (x^3+2x)")
    assert f.expr == 3 * x**2 + 2
    assert f.gradient()[0] == 6 * x


@pytest.mark.parametrize("text", ["dy/dx", "df/dx", r"\frac{df}{dx}", r"\frac{dy}{dx}", "d(x^2)/dx", "∂f/∂x",
                                  r"\frac{\partial f}{\partial x}", "dy/dx + 1"])
def test_a_derivative_written_as_a_quotient_is_refused_with_what_to_type(text):
    with pytest.raises(ParseError, match="quotient") as info:
        parse(text)
    assert "d/dx (x^3 + 2x)" in str(info.value)


@pytest.mark.parametrize("text", ["d f/d x", "d f / d x", "d y/d x", "d x/d t", "d f/dx", "d x/d t + 1", "2 d f/d x",
                                  r"\mathrm{d}f/\mathrm{d}x", r"\mathrm{d} f/\mathrm{d} x", r"\frac{d f}{d x}",
                                  "d sin(x)/d x", "d x^2/d x", "d f_1/d x", "d θ/d t", "∂ f/∂ x"])
def test_a_spaced_quotient_derivative_is_refused_not_read_as_a_product(text):
    """Issue 13: parse("d f/d x") was f*x and parse("d x/d t") t*x, a silent misreading."""
    with pytest.raises(ParseError, match="quotient") as info:
        parse(text)
    assert "d/dx (x^3 + 2x)" in str(info.value) and "Function(" in str(info.value)


@pytest.mark.parametrize("text", ["d f(x, y)/dx", "d(f(x, y))/dx", "d g(x, y)/d x", r"d \\{x\\}/dx"])
def test_a_comma_inside_the_numerators_brackets_does_not_hide_the_quotient(text):
    """_CLOSERS was defined twice; the second (with ',' ';' '=' '&') closed a bracket at its comma, so
    parse("d f(x, y)/dx") was the vector (f*x^2, f*x*y): d cancelled against the d of dx, silently."""
    with pytest.raises(ParseError, match="quotient"):
        parse(text)


@pytest.mark.parametrize(("text", "expected"), [("[d/dx x^2, 3]", ["2*x", "3"]), ("[d/dx x^3; 1]", ["3*x**2", "1"])])
def test_a_bare_operand_after_d_dx_still_ends_at_a_comma_or_semicolon(text, expected):
    assert [str(e) for e in parse(text)] == expected


@pytest.mark.parametrize("text", ["(dx)/(dt)", "(d y)/(d x)", "(dy)/(dx)", "(d)/(dx)(x^2)", "(d)/(dx) (x^2)",
                                  "(d)/(d x) sin(x)", "(d^2)/(dx^2)(x^4)", "(d^2 y)/(d x^2)", "(d sin(x))/(d x)",
                                  "(dy)/dx", "dy/(dx)", "d/(dx) (x^2)", "d/(dx)", "2*(dx)/(dt)", "(dx)/(dt) + 1",
                                  "(∂f)/(∂x)", "[dx]/[dt]", "{dx}/{dt}"])
def test_a_bracketed_leibniz_quotient_is_refused_not_read_as_a_quotient_of_products(text):
    """The audit: parse("(dx)/(dt)") was x/t, "(d)/(dx)(x^2)" was x and "(dy)/dx" x*y, each silently."""
    with pytest.raises(ParseError, match="quotient") as info:
        parse(text)
    assert "d/dx (x^3 + 2x)" in str(info.value) and "Function(" in str(info.value)


def test_a_bracketed_leibniz_quotient_is_refused_in_an_answer_too():
    with pytest.raises(ParseError, match="quotient"):
        parse_answer("(dy)/(dx)")


@pytest.mark.parametrize("text, expected", [
    ("(d*x)/(d*t)", x / t), ("(d*f)/(d*x)", f / x), ("(dx)/(d*t)", x / t), ("(dx)/2", d * x / 2), ("(d)/c", d / c),
    ("(d x)(d t)", d**2 * x * t), ("x/(d t)", x / (d * t)), ("(d x)/(c)", d * x / c),
])
def test_brackets_with_an_explicit_product_or_no_differential_below_stay_products(text, expected):
    assert parse(text) == expected


def test_names_declared_as_symbols_are_names_in_a_bracketed_quotient():
    dx, dt = Symbol("dx", real=True), Symbol("dt", real=True)
    assert parse("(dx)/(dt)", symbols=["dx", "dt"]) == dx / dt
    assert parse("dx/dt", symbols=["dx", "dt"]) == dx / dt


@pytest.mark.parametrize("text, expected", [
    ("d*f/(d*x)", f / x), ("d*f/d*x", f * x), ("d x/c", d * x / c), ("d/c", d / c), ("a*d/c", a * d / c),
    ("(d x + 1)/c", (d * x + 1) / c),
])
def test_products_and_quotients_of_a_variable_d_stay_products(text, expected):
    assert parse(text) == expected


@pytest.mark.parametrize("text, fragment", [
    ("d/dx x^2 + 1", "Put it in brackets"), ("d/dx", "needs an expression"), ("d/dx + 1", "needs an expression"),
    ("d/dx (x^2)^2", "ambiguous"), ("d^2/dx (x^3)", "orders"), ("∂ x", "only read in a derivative"),
    ("d^20/dx^20 (x)", "order 20"),
])
def test_unclear_derivatives_are_refused(text, fragment):
    with pytest.raises(ParseError, match=fragment):
        parse(text)


def test_an_answer_must_be_the_derivative_itself():
    with pytest.raises(ParseError, match="not d/dx"):
        parse_answer("d/dx (x^3)")
    assert parse_answer("3x^2") == 3 * x**2


@pytest.mark.parametrize("text, expected", [("dx", Symbol("d", real=True) * x), ("d/2", Symbol("d", real=True) / 2),
                                            ("x/dt", x * Symbol("t", real=True) / Symbol("d", real=True))])
def test_d_that_is_not_a_derivative_is_unchanged(text, expected):
    assert parse(text) == expected


# --------------------------------------------------------------------------- transposes need a declared shape


@pytest.mark.parametrize("text, name", [
    ("x^T A x", "x"), ("w^T x + b", "w"), ("x'", "x"), ("xᵀ", "x"), (r"x^\top", "x"), ("x^{T}", "x"),
    (r"x^{\top}", "x"), ("log(1 + x^T x)", "x"), ("w^Tx", "w"), ("x.T", "x"), (r"x^\intercal", "x"), ("x′", "x"),
])
def test_a_transpose_of_an_undeclared_name_says_to_declare_its_shape(text, name):
    with pytest.raises(ParseError) as info:
        parse(text)
    message = str(info.value)
    assert "transpose" in message
    assert f"shapes={{'{name}': 'n'}}" in message and f"--shape {name}=n" in message


def test_transpose_is_never_an_exponent_t():
    for text in ("x^T A x", "w^T x + b", "(1 + r)^T"):
        with pytest.raises(InputError):
            parse(text)


@pytest.mark.parametrize("text, expected", [("x^(T)", x**T), ("e^T", exp(T)), ("2^T", 2**T), ("x**T", None)])
def test_a_power_with_exponent_t_can_still_be_written(text, expected):
    if expected is None:
        with pytest.raises(ParseError, match="transpose"):
            parse(text)  # ** is read like ^
    else:
        assert parse(text) == expected


def test_latex_decorations_are_names():
    assert parse(r"\hat{y} - \bar{y}") == Symbol("yhat", real=True) - Symbol("ybar", real=True)
    assert parse(r"\vec{w} \cdot \vec{x}") == w * x
    assert parse(r"\boldsymbol{w} + \bm{x} + \mathsf{b}") == w + x + b
    with pytest.raises(ParseError, match="not a name"):
        parse(r"\bar{xy}")


def test_subscript_letters_are_subscripts():
    assert parse("xᵢ + wⱼ") == Symbol("x_i", real=True) + Symbol("w_j", real=True)


def test_a_prime_says_how_to_write_a_derivative():
    with pytest.raises(ParseError, match="d/dx"):
        parse("f'(x)")


def test_quotes_are_still_refused():
    with pytest.raises(ParseError, match="quotes"):
        parse("'x'")


# --------------------------------------------------------------------------- norms and vector functions need shapes


@pytest.mark.parametrize("text", ["‖v‖²", "‖v‖", "||v||", "||v||^2", r"\|v\|^2", "||v||_2", "norm(v)",
                                  r"\lVert v \rVert", "∥v∥"])
def test_a_norm_of_an_undeclared_name_says_to_declare_its_shape(text):
    with pytest.raises(ParseError, match="norm") as info:
        parse(text)
    assert "shapes={'v': 'n'}" in str(info.value) and "|x|" in str(info.value)


@pytest.mark.parametrize("text", ["tr(v)", "det(v)", "inv(v)", "diag(v)", "sum(v)", "softmax(v)", "logsumexp(v)",
                                  "v ⊙ u", "v .* u", r"v \odot u"])
def test_vector_functions_of_undeclared_names_say_to_declare_shapes(text):
    with pytest.raises(ParseError, match="Declare its shape"):
        parse(text)


@pytest.mark.parametrize("text, expected", [
    ("||x|-1|", Abs(Abs(x) - 1)), ("||x| - |y||", Abs(Abs(x) - Abs(y))), ("|x||y|", Abs(x) * Abs(y)),
    ("x·y", x * y), (r"x \cdot y", x * y), ("2·3·x", 6 * x), ("softplus(x)", log(1 + exp(x))),
    ("relu(x)", Max(0, x)), ("x/2·y", x * y / 2), ("1^T", 1), ("1^(T)", 1),
])
def test_scalar_notation_is_unchanged(text, expected):
    if text == "1^T":
        with pytest.raises(ParseError, match="1\\^T must be followed"):
            parse(text)
        return
    assert parse(text) == expected


def test_sigma_capital_before_an_argument_is_a_sum_and_says_how_to_write_a_product():
    with pytest.raises(ParseError, match=r"Σ\*x"):
        parse("Σ x")
    assert parse("Σ*x") == Symbol("Sigma", real=True) * x
    assert parse("Σ") == Symbol("Sigma", real=True)


def test_matrix_function_names_are_not_split_into_letters():
    """``det``, ``sum``, ``tr`` used to be products of letters (d·e·t with e = 2.718...)."""
    for word in ("det", "sum", "tr", "norm", "inv", "diag"):
        with pytest.raises(ParseError):
            parse(word)
    assert parse("d e t", ) == Symbol("d", real=True) * exp(1) * Symbol("t", real=True)
    assert parse("3/4") == Rational(3, 4)


def test_a_derivative_that_swells_is_stopped_by_the_time_limit():
    from symgrad.errors import Timeout
    from symgrad.limits import Limits

    text = "d^10/dx^10 (" + "*".join(f"sin(x^{k})" for k in range(1, 15)) + ")"
    with pytest.raises(Timeout):
        parse(text, limits=Limits(timeout=0.3))


@pytest.mark.parametrize("text", ["∇f", r"\nabla_w L", "∇_w ‖w‖²"])
def test_a_gradient_sign_says_how_to_ask_for_a_gradient(text):
    with pytest.raises(ParseError, match="gradient"):
        parse(text)
