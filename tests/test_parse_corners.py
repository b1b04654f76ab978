"""Issue 16, fault 8: operator names, non-real constants and combined exponents are refused, never misread."""

import pytest
import sympy as sp

from symgrad import parse
from symgrad.errors import InputTooLarge, ParseError


@pytest.mark.parametrize("text, name", [(r"\operatorname{re}(x)", "re"), (r"\mathrm{re}(x)", "re"),
                                        (r"\operatorname{foo}(x)", "foo"), (r"\operatorname{foo} x", "foo"),
                                        (r"\text{foo}(x)", "foo")])
def test_a_wrapped_unknown_name_is_an_unknown_function(text, name):
    with pytest.raises(ParseError, match=f"unknown function '{name}'"):
        parse(text)


def test_wrapped_known_names_still_read():
    x = sp.Symbol("x", real=True)
    assert parse(r"\operatorname{sin}(x)") == sp.sin(x)
    assert parse(r"\mathrm{d}x") == sp.Symbol("d", real=True) * x


@pytest.mark.parametrize("text", ["sqrt(-3)", "log(-1)", "asin(2)", "acos(-3)", "(-1)^(1/2)", "cbrt(-8)",
                                  "(-8)^(1/3)", "log(-2, 2)", "x + sqrt(-2)*y", "[1, sqrt(-1)]", "sqrt(-x^2)",
                                  # SymPy folds these to real numbers; each has a part that is not real
                                  "sqrt(-3)^2", "sqrt(-1)^2", "x*sqrt(-1)^2", "sqrt(-4)*sqrt(-4)", "exp(log(-2))",
                                  "abs(log(-1))", "|asin(2)|", "max(x, sqrt(-3))", "max(x, log(log(0.5)))"])
def test_numbers_that_are_not_real_are_refused(text):
    with pytest.raises(ParseError, match="not a real number") as caught:
        parse(text)
    assert "i as an ordinary variable" in str(caught.value)


def test_real_constants_and_symbols_named_i_still_read():
    i, x = sp.Symbol("i", real=True), sp.Symbol("x", real=True)
    assert parse("i^2") == i**2 and parse("sqrt(3)^2") == 3 and parse("-cbrt(8)") == -2
    assert parse("asin(1/2)") == sp.pi / 6 and parse("log(-x)") == sp.log(-x)
    for text in ("sqrt(2) + log(3)", "i*x + 1", "(-8)^3"):
        value = parse(text)
        assert not value.has(sp.I) and parse(str(value)) == value  # reads back as itself


@pytest.mark.parametrize("text", ["(loss)^{60000}", "(x^2)^60000", "x^60000*x^60000", "exp(1000)*exp(1000)",
                                  "((3x)^1000)^1000", "(((3x)^1000)^1000)^1000", "(x^(1/999))^(1/999)"])
def test_combined_powers_are_bounded_like_written_ones(text):
    # written powers of expressions are bounded by max_symbolic_exponent (100000), of numbers by max_exponent
    with pytest.raises(InputTooLarge, match="max_(symbolic_exponent|exponent|digits)"):
        parse(text)


@pytest.mark.parametrize("text", ["(loss)^{500}", "(x^2)^500", "x^999*x", "(x*y^2)^3", "(2x)^1000",
                                  "(loss)^{1000}", "(x^2)^600", "x^1000*x^1000", "(x-a)^6000"])
def test_every_accepted_power_reads_back_from_its_printed_form(text):
    value = parse(text)
    assert parse(str(value)) == value
