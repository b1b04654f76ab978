"""symgrad.parse: the benign and hostile corpora, the conventions, and the error messages.

Expected values in ``tests/corpus/*.jsonl`` are SymPy-constructor source evaluated
*here*, in the test, in a namespace of SymPy constructors where every other name
is ``Symbol(name, real=True)`` -- never by calling the parser under test.
"""

from __future__ import annotations

import builtins
import json
import time
from pathlib import Path

import pytest
import sympy

from symgrad.errors import InputError, InputTooLarge, ParseError
from symgrad.limits import Limits
from symgrad.parsing import Verdict, parse, parse_answer

CORPUS = Path(__file__).parent / "corpus"


class _Namespace(dict):
    """SymPy constructors by name; any other name is a real Symbol."""

    def __missing__(self, key: str) -> sympy.Symbol:
        return sympy.Symbol(key, real=True)


def expected_value(source: str):
    names = ("Rational Integer sqrt exp log sin cos tan sec csc cot asin acos atan sinh cosh tanh Abs Max "
             "Min factorial root pi E Eq FiniteSet").split()
    ns = _Namespace({name: getattr(sympy, name) for name in names})
    ns.update(Matrix=sympy.ImmutableMatrix, Symbol=sympy.Symbol, Verdict=Verdict)
    return eval(source, {"__builtins__": {}}, ns)  # trusted corpus text, in the test only


def load(name: str) -> list[dict]:
    return [json.loads(line) for line in (CORPUS / name).read_text(encoding="utf-8").splitlines() if line.strip()]


def hostile_text(entry: dict) -> str:
    if "repeat" in entry:
        return "".join(part * count for part, count in entry["repeat"])
    return entry["input"]


BENIGN = load("benign.jsonl")
ANSWERS = load("answers.jsonl")
HOSTILE = load("hostile.jsonl")


def test_corpora_are_large_enough():
    assert len(BENIGN) >= 150
    assert len(HOSTILE) >= 150


# --------------------------------------------------------------------------- benign inputs


@pytest.mark.parametrize("entry", BENIGN, ids=[e["input"][:40] for e in BENIGN])
def test_benign_input_parses_to_its_expected_value(entry):
    expected = expected_value(entry["expected"])
    result = parse(entry["input"], syntax=entry.get("syntax", "auto"), symbols=entry.get("symbols"))
    assert type(result) is type(expected) or isinstance(result, type(expected)), (result, expected)
    assert result == expected, f"{entry['input']!r} gave {result!r}, expected {expected!r}"
    if isinstance(result, sympy.Basic):
        for symbol in result.free_symbols:
            assert symbol.is_real is True, f"{symbol} is not real"


@pytest.mark.parametrize("entry", ANSWERS, ids=[e["input"][:40] for e in ANSWERS])
def test_answer_input_parses_to_its_expected_value(entry):
    expected = expected_value(entry["expected"])
    result = parse_answer(entry["input"])
    assert type(result) is type(expected), (result, expected)
    assert result == expected


@pytest.mark.parametrize("entry", BENIGN[:60], ids=[e["input"][:40] for e in BENIGN[:60]])
def test_parse_answer_reads_every_plain_expression_like_parse(entry):
    if entry["input"].strip().lower() in ("e", "i", "pi"):
        return
    kwargs = {"syntax": entry.get("syntax", "auto"), "symbols": entry.get("symbols")}
    assert parse_answer(entry["input"], **kwargs) == parse(entry["input"], **kwargs)


# --------------------------------------------------------------------------- hostile inputs


@pytest.fixture
def canary(monkeypatch):
    """A builtin that records being called, and spies on eval/exec/compile seeing user text."""
    calls: list[str] = []
    monkeypatch.setattr(builtins, "__canary__", lambda *a: calls.append("canary"), raising=False)
    for name in ("eval", "exec", "compile"):
        original = getattr(builtins, name)

        def spy(source, *args, _original=original, _name=name, **kwargs):
            if isinstance(source, str) and ("canary" in source or "__import__" in source):
                calls.append(_name)
            return _original(source, *args, **kwargs)

        monkeypatch.setattr(builtins, name, spy)
    return calls


@pytest.mark.parametrize("entry", HOSTILE, ids=[hostile_text(e)[:30] + f"#{i}" for i, e in enumerate(HOSTILE)])
def test_hostile_input_raises_an_input_error_quickly(entry, canary):
    text = hostile_text(entry)
    functions = [parse] if entry.get("only") == "parse" else [parse, parse_answer]
    for function in functions:
        start = time.perf_counter()
        with pytest.raises(InputError) as info:
            function(text, syntax=entry.get("syntax", "auto"))
        elapsed = time.perf_counter() - start
        assert elapsed < 1.0, f"{text[:40]!r} took {elapsed:.2f} s"
        wanted = {"ParseError": ParseError, "InputTooLarge": InputTooLarge, "InputError": InputError}[entry["error"]]
        assert isinstance(info.value, wanted), (text[:60], info.value)
        message = str(info.value)
        assert message.strip()
        if isinstance(info.value, ParseError) and text.strip() and len(text) <= 200 and "\n" not in text:
            assert text in message, "the message quotes the input"
    assert canary == [], "user text reached eval/exec/compile or ran code"


def test_canary_proves_it_would_notice_code_running(canary):
    eval("__canary__()")  # what an eval-based parser would do with the hostile corpus
    assert canary


# --------------------------------------------------------------------------- conventions

w0, w1, x, y, z = sympy.symbols("w0 w1 x y z", real=True)


@pytest.mark.parametrize("text", ["w0", "w_0", "w_{0}", "w₀", r"w_{0}", "$w_0$"])
def test_subscript_spellings_are_all_the_same_real_symbol(text):
    assert parse(text) == sympy.Symbol("w0", real=True)


@pytest.mark.parametrize("text", ["η", "eta", r"\eta"])
def test_greek_letters_are_spelled_out(text):
    assert parse(text) == sympy.Symbol("eta", real=True)


def test_e_is_eulers_number_and_i_is_a_symbol():
    assert parse("e") == sympy.E
    assert parse("e^x") == sympy.exp(x)
    assert parse("i") == sympy.Symbol("i", real=True)
    assert parse("i^2") != -1


def test_decimals_are_exact_rationals():
    assert parse("0.1") == sympy.Rational(1, 10)
    assert parse("1.5e-3") == sympy.Rational(3, 2000)
    assert isinstance(parse("0.1 + 0.2"), sympy.Rational)
    assert parse("0.1 + 0.2") == sympy.Rational(3, 10)


def test_powers_are_right_associative_and_bind_tighter_than_unary_minus():
    assert parse("2^3^2") == 512
    assert parse("-x^2") == -(x**2)
    assert parse("-2^2") == -4


def test_implicit_multiplication_binds_like_explicit_multiplication():
    assert parse("1/2x") == x / 2
    assert parse("x/2y") == x * y / 2


def test_multi_letter_words_are_products_unless_declared():
    assert parse("xy") == x * y
    loss = sympy.Symbol("loss", real=True)
    assert parse("loss", symbols=["loss"]) == loss
    assert parse("l o s s".replace(" ", "")) == sympy.Mul(*sympy.symbols("l o s s", real=True))


def test_words_hiding_a_function_name_are_refused_not_guessed():
    with pytest.raises(ParseError, match="contains 'cos'"):
        parse("cost")
    assert parse("cost", symbols=["cost"]) == sympy.Symbol("cost", real=True)


def test_bare_function_argument_extends_over_a_side_by_side_product():
    assert parse("sin 2x") == sympy.sin(2 * x)
    assert parse("sin x y") == sympy.sin(x * y)
    assert parse("sin x cos y") == sympy.sin(x) * sympy.cos(y)
    assert parse("sin x + y") == sympy.sin(x) + y
    assert parse("sin x*y") == sympy.sin(x) * y


def test_e_to_a_bare_product_takes_only_the_first_factor():
    assert parse("e^2x") == sympy.exp(2) * x
    assert parse("e^-x") == sympy.exp(-x)


def test_matrices_are_immutable_and_vectors_are_columns():
    vector = parse("[4*w0, 6*w1]")
    assert isinstance(vector, sympy.ImmutableMatrix)
    assert vector.shape == (2, 1)
    assert parse(r"\begin{bmatrix} 1 & 2 \end{bmatrix}").shape == (1, 2)


def test_text_syntax_refuses_latex_and_auto_accepts_it():
    with pytest.raises(ParseError, match="LaTeX"):
        parse(r"\frac{1}{2}", syntax="text")
    assert parse(r"\frac{1}{2}", syntax="latex") == sympy.Rational(1, 2)
    assert parse("x^2", syntax="text") == x**2


def test_bad_syntax_and_symbols_arguments_are_developer_errors():
    with pytest.raises(ValueError, match="syntax"):
        parse("x", syntax="python")
    with pytest.raises(ValueError, match="symbol names"):
        parse("x", symbols=["a b"])
    with pytest.raises(TypeError):
        parse("x", symbols="loss")


def test_non_string_input_is_an_input_error():
    with pytest.raises(ParseError, match="str"):
        parse(3)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- messages


def test_unknown_function_names_column_and_suggests_the_closest():
    with pytest.raises(ParseError) as info:
        parse("sn(x)")
    assert str(info.value).startswith("unknown function 'sn' at column 1; did you mean 'sin'?")
    assert info.value.position == 0
    assert info.value.hint


def test_error_message_quotes_input_and_puts_a_caret_under_the_column():
    with pytest.raises(ParseError) as info:
        parse("x + (y * 2")
    lines = str(info.value).splitlines()
    assert lines[1] == "    x + (y * 2"
    assert lines[2] == "    " + " " * 10 + "^"
    assert "column 5" in lines[0] or "column 11" in lines[0]


def test_lookalike_letter_is_named():
    with pytest.raises(ParseError, match="CYRILLIC SMALL LETTER A"):
        parse("а + 1")


def test_unknown_latex_command_suggests_a_known_one():
    with pytest.raises(ParseError, match=r"did you mean 'frac'"):
        parse(r"\farc{1}{2}")


@pytest.mark.parametrize("text", ["1/(x - x)", "1/(1/(x - x))", "1/(1/0)", "exp(-1/0)", "atan(1/0)", "0*(1/0)"])
def test_undefined_results_are_refused(text):
    """Also where SymPy folds the undefined part away (1/(1/0) is 0, exp(-1/0) is 0 to SymPy)."""
    with pytest.raises(ParseError, match="undefined"):
        parse(text)


# --------------------------------------------------------------------------- parse_answer


def test_parse_answer_return_types():
    assert isinstance(parse_answer("w0 = 1.8"), sympy.Equality)
    pair = parse_answer("w0 = 1.3, w1 = 1.6")
    assert isinstance(pair, tuple) and pair == (sympy.Eq(w0, sympy.Rational(13, 10)), sympy.Eq(w1, sympy.Rational(8, 5)))
    assert parse_answer("{1, 2}") == sympy.FiniteSet(1, 2)
    assert parse_answer("Convex.") is Verdict.CONVEX
    assert isinstance(parse_answer("[1, 2]"), sympy.ImmutableMatrix)


def test_verdict_is_a_str_enum_with_readable_values():
    assert Verdict.SADDLE == "saddle point"
    assert str(Verdict.NOT_CONVEX) == "not convex"
    assert {v.value for v in Verdict} >= {"convex", "concave", "minimum", "maximum", "yes", "no"}


def test_bare_comma_list_of_values_is_a_list_and_mixed_lists_are_refused():
    assert parse_answer("1, 2") == [1, 2]
    with pytest.raises(ParseError, match="all equations or all values"):
        parse_answer("x = 1, 2")


# --------------------------------------------------------------------------- the catch-all guard


@pytest.mark.parametrize("raised, caught", [(RecursionError, InputTooLarge), (MemoryError, InputTooLarge),
                                            (TypeError, ParseError), (ZeroDivisionError, ParseError)])
def test_internal_failures_become_input_errors(monkeypatch, raised, caught):
    import importlib

    module = importlib.import_module("symgrad.parsing")

    def explode(*args, **kwargs):
        raise raised("boom")

    monkeypatch.setattr(module, "build", explode)
    with pytest.raises(caught):
        parse("x + 1")


def test_limits_argument_is_used_by_parse():
    with pytest.raises(InputTooLarge, match="max_length=3"):
        parse("x + 1", limits=Limits(max_length=3))


# ------------------------------------------------------------------------ audit: log bases, exp towers, nan
@pytest.mark.parametrize("text", ["log(x, 0)", "\\log_0 x", "log(x, -2)", "\\log_{-3}{x}", "log(x, 1)",
                                  "log(x, 1-1)", "log(x, -e)"])
def test_a_logarithm_base_must_be_positive_and_not_one(text):
    with pytest.raises(ParseError, match="base of a logarithm"):
        parse(text)


def test_valid_logarithm_bases_still_parse():
    x = sympy.Symbol("x", real=True)
    assert parse("log(x, 2)") == sympy.log(x) / sympy.log(2)
    assert parse("\\log_{10} x") == sympy.log(x) / sympy.log(10)
    assert parse("log(x, 1/2)") == sympy.log(x, sympy.Rational(1, 2))


@pytest.mark.parametrize("text", ["exp(exp(exp(exp(1000))))", "exp(exp(exp(exp(x))))", "e^(exp(exp(exp(x))))",
                                  "cosh(sinh(exp(exp(x))))", "factorial(exp(exp(exp(x))))"])
def test_nested_exp_counts_as_a_power_tower(text):
    with pytest.raises(InputTooLarge, match="max_power_tower"):
        parse(text)


@pytest.mark.parametrize("text, limit", [("exp(exp(1000))", "max_exponent"), ("2^(exp(100))", "max_exponent"),
                                         ("exp(e^10)", "max_exponent"), ("factorial(exp(10))", "max_factorial"),
                                         ("(e^7)!", "max_factorial")])
def test_large_constant_exponents_and_factorials_are_refused(text, limit):
    with pytest.raises(InputTooLarge, match=limit):
        parse(text)


def test_modest_nested_exp_still_parses():
    x = sympy.Symbol("x", real=True)
    assert parse("exp(exp(exp(x)))") == sympy.exp(sympy.exp(sympy.exp(x)))
    assert parse("exp(exp(6))") == sympy.exp(sympy.exp(6))


@pytest.mark.parametrize("text", ["nan", "NaN", "2*nan"])
def test_nan_is_refused_not_read_as_letters(text):
    with pytest.raises(ParseError, match="not a number"):
        parse(text)
