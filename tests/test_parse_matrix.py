"""Issue 13, item 1: vector and matrix notation with ``shapes=`` → the matexpr representation.

Expected objects are built by hand from SymPy's matrix expressions and
:mod:`symgrad.matexpr` (the contract in MATRIX_CONTRACT / docs/design.md); every
spelling in a row (text, Unicode, LaTeX) must give that same object. Sums over
data rows are checked against a NumPy loop over the rows.
"""

from __future__ import annotations

import numpy as np
import pytest
import sympy
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from sympy import (Determinant, HadamardPower, HadamardProduct, Inverse, MatPow, OneMatrix, Symbol, Trace,
                   exp, log, sqrt)
from sympy.matrices.expressions.diagonal import DiagMatrix

from symgrad.errors import InputError, InputTooLarge, ParseError
from symgrad.limits import Limits
from symgrad.matexpr import Elementwise, LogSumExp, ScalarOf, Softmax, SumOf, declare
from symgrad.matrix import evaluate
from symgrad.parsing import parse, parse_answer

SHAPES = {"X": ("N", "d"), "w": "d", "x": "d", "u": "d", "y": "N", "A": ("d", "d"), "z": "K", "W1": ("h", "d"),
          "Sigma": ("d", "d")}
X, w, x, u, y, A, z, W1, Sigma = (declare(name, shape) for name, shape in SHAPES.items())
N, d = X.shape
b, lam = Symbol("b", real=True), Symbol("lambda", real=True)
r = X * w - y


def read(text, **kwargs):
    return parse(text, shapes=SHAPES, **kwargs)


NOTATION = [
    # (spellings, expected object)
    (["X w", "Xw", "X*w", "X @ w", r"X \cdot w", "X·w"], X * w),
    (["w^T x", "wᵀx", "w'x", "w^Tx", r"w^\top x", r"w^{\top} x", "w.T*x", "w^{T}x", r"w^\intercal x", "w′x",
      "w·x", r"w \cdot x", "w⋅x"], ScalarOf(w.T * x)),
    (["w^T x + b", "b + wᵀx", r"w^{T} x + b"], ScalarOf(w.T * x) + b),
    (["x^T A x", "xᵀAx", r"x^\top A x", "x'*A*x", "x.T @ A @ x"], ScalarOf(x.T * A * x)),
    (["||X w - y||^2", "‖Xw − y‖²", r"\|X w - y\|^2", r"\left\| X w - y \right\|^2", "||Xw - y||_2^2",
      r"\lVert Xw - y\rVert_2^2", "norm(X w - y)^2", "(X w - y)^T (X w - y)", "∥Xw − y∥²"], ScalarOf(r.T * r)),
    (["||w||", "‖w‖", "||w||_2", "norm(w)", r"\|w\|_{2}", "sqrt(w^T w)"], sqrt(ScalarOf(w.T * w))),
    (["||A||_F", "‖A‖_F", r"\|A\|_{F}"], sqrt(Trace(A.T * A))),
    (["||w||_1", "‖w‖_1", r"\|w\|_{1}"], SumOf(Elementwise("abs", w))),
    (["x ⊙ u", "x .* u", r"x \odot u", r"x \circ u", "x ∘ u"], HadamardProduct(x, u)),
    (["exp(X w)", "e^(X w)", r"\exp(Xw)"], Elementwise("exp", X * w)),
    (["σ(X w)", r"\sigma(Xw)", "sigmoid(X w)", "sigma(X w)", "σ Xw"], Elementwise("sigmoid", X * w)),
    (["log(u)", "ln(u)", r"\log u"], Elementwise("log", u)),
    (["tanh(u)", r"\tanh(u)"], Elementwise("tanh", u)),
    (["relu(X w)"], Elementwise("relu", X * w)),
    (["softplus(X w)"], Elementwise("softplus", X * w)),
    (["softmax(z)", r"\operatorname{softmax}(z)", r"\mathrm{softmax}(z)"], Softmax(z)),
    (["logsumexp(z)", r"\operatorname{logsumexp}(z)", "LSE(z)"], LogSumExp(z)),
    (["sum(u)", r"\sum u", "1^T u", "ones(d)^T u", "u^T ones(d)", r"\operatorname{sum}(u)",
      r"\mathbf{1}^T u", r"\mathbb{1}^\top u", "𝟏ᵀu"], SumOf(u)),
    (["tr(A)", "trace(A)", r"\operatorname{tr}(A)", r"\mathrm{tr}(A)", "Tr(A)"], Trace(A)),
    (["det(A)", r"\det(A)", r"\det A"], Determinant(A)),
    (["inv(A)", "A^{-1}", "A^-1", "A⁻¹", "A**(-1)"], Inverse(A)),
    (["diag(w)", r"\operatorname{diag}(w)"], DiagMatrix(w)),
    (["A^2", "A²"], MatPow(A, 2)),
    (["X w + b", "b + X w", "Xw + b*ones(N)", "X w + b ones(N)"], X * w + b * OneMatrix(N, 1)),
    (["1 + u", "u + 1", "u + ones(d)"], u + OneMatrix(d, 1)),
    (["x^T diag(w) x + b", r"x^\top \operatorname{diag}(w) x + b"], ScalarOf(x.T * DiagMatrix(w) * x) + b),
    (["(X^T X)^{-1} X^T y", "inv(X'X) X'y", r"\left(X^\top X\right)^{-1} X^\top y"], Inverse(X.T * X) * X.T * y),
    (["W1 x", "W1x", "W1*x"], W1 * x),
    (["x^T Sigma x", "x^T Σ x", r"x^T \Sigma x"], ScalarOf(x.T * Sigma * x)),
    (["log(1 + x^T x)", "ln(1 + ‖x‖²)"], log(1 + ScalarOf(x.T * x))),
    (["log(1 + exp(w^T x))"], log(1 + exp(ScalarOf(w.T * x)))),
    (["(w^T x)^2"], ScalarOf(w.T * x) ** 2),
    (["w/2", "(1/2) w", r"\frac{1}{2} w", "0.5w"], w / 2),
    (["-X w", "-(X w)"], -X * w),
    (["X^T (σ(X w) - y)", "Xᵀ(σ(Xw) − y)"], X.T * (Elementwise("sigmoid", X * w) - y)),
    ([r"\frac{1}{2}\|Xw - y\|^2 + \frac{\lambda}{2}\|w\|^2", "1/2 ||X w - y||^2 + λ/2 ||w||^2"],
     ScalarOf(r.T * r) / 2 + lam * ScalarOf(w.T * w) / 2),
]


@pytest.mark.parametrize("spellings, expected", NOTATION, ids=[row[0][0] for row in NOTATION])
def test_every_spelling_reads_to_the_same_object(spellings, expected):
    results = [read(text) for text in spellings]
    if expected is not None:
        assert results[0] == expected, (spellings[0], results[0], expected)
    for text, result in zip(spellings, results):
        assert result == results[0], (text, result, results[0])


def test_inner_products_and_broadcasting():
    assert read("x·w") == ScalarOf(x.T * w)
    assert read("Xw - y + 2") == X * w - y + 2 * OneMatrix(N, 1)
    assert read("X·w") == X * w  # a matrix and a vector: the ordinary product


def test_scalars_are_scalars_and_vectors_are_matrix_expressions():
    assert isinstance(read("w^T x + b"), sympy.Expr)
    assert read("X w").shape == (N, 1)
    assert read("x x^T").shape == (d, d)
    assert read("X^T X").shape == (d, d)
    assert read("w^T x w") == ScalarOf(w.T * x) * w  # a scalar times a vector


def test_multi_letter_declared_names_are_whole_names():
    shapes = {"W1": ("h", "d"), "b1": "h", "x": "d", "W2": (1, "h")}
    expected = declare("W2", (1, "h")) * Elementwise("relu", declare("W1", ("h", "d")) * declare("x", "d")
                                                     + declare("b1", "h"))
    assert parse("W2 relu(W1x + b1)", shapes=shapes) == ScalarOf(expected)


def test_undeclared_names_stay_real_scalars():
    result = read("w^T x + b c")
    assert Symbol("c", real=True) in result.free_symbols and b in result.free_symbols


def test_sigma_and_sum_declared_as_matrices_are_names():
    assert read("Σ") == Sigma
    assert read("Σ x") == Sigma * x
    assert read(r"\sum u") == SumOf(u)  # \sum is always the sum
    assert parse("Σ v", shapes={"v": "n"}) == SumOf(declare("v", "n"))


# --------------------------------------------------------------------------- shape errors


@pytest.mark.parametrize("text, shapes_named", [
    ("X u + y", None), ("X y", ("(N, d)", "(N, 1)")), ("X + w", ("(N, d)", "(d, 1)")), ("X w + w", ("(N, 1)", "(d, 1)")),
    ("w x", ("(d, 1)", "(d, 1)")), ("x ⊙ y", ("(d, 1)", "(N, 1)")), ("w·y", ("(d, 1)", "(N, 1)")),
    ("x^T y", ("(1, d)", "(N, 1)")),
])
def test_shape_errors_name_both_shapes(text, shapes_named):
    if shapes_named is None:
        assert read(text) == X * u + y
        return
    with pytest.raises(ParseError) as info:
        read(text)
    for shape in shapes_named:
        assert shape in str(info.value), (text, str(info.value))


@pytest.mark.parametrize("text, fragment", [
    ("w^2", "squared norm"), ("2/w", "cannot divide"), ("|w|", "‖v‖"), ("tr(X)", "square"), ("det(w)", "square"),
    ("X^{-1}", "square"), ("‖A‖", "Frobenius"), ("softmax(X)", "column vector"), ("diag(A)", "diagonal matrix"),
    ("sin(w)^2", "squared norm"), ("max(w)", "not applied entrywise"), ("2^(X w)", "Only e"),
    ("d/dx (x^T x)", "gradient"), ("w^T x ⊙ u", "ambiguous"), ("2 ⊙ u", "ambiguous"), ("1^T", "1^T must be followed"), ("ones(0)", "dimension"), ("w!", "factorial"),
])
def test_operations_that_need_other_shapes_are_refused_clearly(text, fragment):
    with pytest.raises(InputError, match=fragment.replace("^", "\\^")):
        read(text)


@pytest.mark.parametrize("shapes", [{"x": (1, 2, 3)}, {"x": 0}, {"x": "n m"}, {"x y": "n"}, {"x": True}])
def test_bad_shape_declarations_are_input_errors(shapes):
    with pytest.raises((InputError, ValueError)):
        parse("x", shapes=shapes)


def test_shapes_must_be_a_mapping():
    with pytest.raises(TypeError):
        parse("x", shapes="x")  # type: ignore[arg-type]


def test_answers_read_matrix_notation_with_the_same_shapes():
    assert parse_answer("2X^T(Xw - y)", shapes=SHAPES) == 2 * X.T * (X * w - y)
    assert parse_answer("2X^TXw - 2X^Ty", shapes=SHAPES) == 2 * X.T * X * w - 2 * X.T * y
    assert parse_answer("2(Xw - y)^T X", shapes=SHAPES).shape == (1, d)


def test_limits_still_hold_with_shapes():
    with pytest.raises(InputTooLarge):
        read("||" * 40 + "w" + "||" * 40)
    with pytest.raises(InputTooLarge):
        read("X w + " * 10, limits=Limits(max_length=20))
    with pytest.raises(InputTooLarge, match="max_matrix_entries"):
        read("ones(1000000)^T u")
    assert read("ones(N)").shape == (N, 1)  # a named dimension has no size to check


# --------------------------------------------------------------------------- sums over data rows

ROW_SUMS = [
    (["Σ_i (w^T x_i + b - y_i)^2", r"\sum_{i=1}^{N} (w^\top x_i + b - y_i)^2", "Σ_i (x_i^T w + b - y_i)²",
      "Σᵢ (wᵀxᵢ + b − yᵢ)²"],
     lambda Xv, wv, yv, bv: sum((wv @ row + bv - t) ** 2 for row, t in zip(Xv, yv))),
    ([r"\sum_i \log(1 + \exp(-y_i w^T x_i))"],
     lambda Xv, wv, yv, bv: sum(np.log1p(np.exp(-t * (wv @ row))) for row, t in zip(Xv, yv))),
    (["Σ_i σ(w^T x_i)"], lambda Xv, wv, yv, bv: sum(1 / (1 + np.exp(-(wv @ row))) for row in Xv)),
    (["Σ_i x_i^T diag(w) x_i + b"], lambda Xv, wv, yv, bv: sum(row @ np.diag(wv) @ row for row in Xv) + bv),
    (["Σ_i relu(w^T x_i) y_i"], lambda Xv, wv, yv, bv: sum(max(0.0, wv @ row) * t for row, t in zip(Xv, yv))),
]


DATA = {"X": ("N", "d"), "w": "d", "y": "N", "A": ("d", "d")}


@pytest.mark.parametrize("spellings, loop", ROW_SUMS, ids=[row[0][0] for row in ROW_SUMS])
def test_sums_over_rows_equal_a_loop_over_the_rows(spellings, loop):
    rng = np.random.default_rng(0)
    Xv, wv, yv, bv = rng.normal(size=(5, 3)), rng.normal(size=3), rng.normal(size=5), 0.7
    for text in spellings:
        expr = parse(text, shapes=DATA)
        assert not expr.has(Symbol("y_i", real=True))
        value = evaluate(expr, {"X": Xv, "w": wv, "y": yv, "b": bv})
        assert np.isclose(float(value), loop(Xv, wv, yv, bv)), text


def test_the_chapters_latex_reads_with_shapes():
    """The course chapter writes \\vec{w}, \\vec{x}_i, \\bar{y}_i and \\sum_{i=1}^n."""
    shapes = {"X": ("n", "d"), "w": "d", "x": "d", "ybar": "n"}
    Xn, wn, xn, ybar = (declare(name, shape) for name, shape in shapes.items())
    assert parse(r"\vec{w}^T \vec{x} + b", shapes=shapes) == ScalarOf(wn.T * xn) + b
    assert parse(r"\vec{x}^T \operatorname{diag}(\vec{w}) \vec{x} + b", shapes=shapes) == \
        ScalarOf(xn.T * DiagMatrix(wn) * xn) + b
    rows = {"X": ("n", "d"), "w": "d", "ybar": "n"}
    residual = Xn * wn + b * OneMatrix(Xn.shape[0], 1) - ybar
    assert parse(r"\sum_{i=1}^n (\vec{w}^T \vec{x}_i + b - \bar{y}_i)^2", shapes=rows) == ScalarOf(residual.T * residual)


def test_least_squares_over_rows_is_the_squared_norm():
    assert parse("Σ_i (w^T x_i - y_i)^2", shapes=DATA) == parse("||X w - y||^2", shapes=DATA)


def test_an_entry_of_a_declared_vector_is_an_entry():
    assert parse("Σ_i y_i", shapes=DATA) == SumOf(y)
    assert parse("Σ_i x_i", shapes={"x": "d"}) == SumOf(x)  # x is declared a vector here: x_i is its entry


@pytest.mark.parametrize("text", ["Σ_i (x_i^T x_i)^(y_i)", "Σ_i (x_i^T A x_i) (w^T x_i)^(1/3)", "Σ_j y_i", "Σ_i 1"])
def test_row_sums_that_cannot_be_stacked_are_refused_with_the_matrix_form(text):
    with pytest.raises(ParseError, match="matrix form"):
        parse(text, shapes=DATA)


def test_a_row_sum_of_a_vector_is_refused():
    with pytest.raises(ParseError, match="Σ_i of the vector"):
        parse("Σ_i x_i", shapes=DATA)


# --------------------------------------------------------------------------- printed expressions read back


def _expressions():
    leaves = st.sampled_from([X * w, X * u, y, -y, Elementwise("sigmoid", X * w), Elementwise("exp", X * u)])
    vectors = st.recursive(leaves, lambda inner: st.one_of(
        st.tuples(inner, inner).map(lambda p: p[0] + p[1]),
        st.tuples(st.integers(2, 5), inner).map(lambda p: p[0] * p[1]),
        st.tuples(inner, inner).map(lambda p: HadamardProduct(p[0], p[1])),
        inner.map(lambda v: Elementwise("tanh", v)),
    ), max_leaves=4)
    return st.one_of(vectors.map(lambda v: ScalarOf(v.T * v)), vectors.map(SumOf),
                     st.tuples(vectors, vectors).map(lambda p: ScalarOf(p[0].T * p[1]) + b))


@settings(deadline=None)
@given(_expressions(), st.sampled_from(["str", "latex"]))
def test_printed_matrix_expressions_read_back_to_the_same_value(expr, printer):
    assume(not expr.has(sympy.ZeroMatrix))  # X w - X w: nothing left to read back
    assume(not expr.has(HadamardPower))  # printed as HadamardPower(...) / ^{\circ 2}: not notation people type
    assume(printer == "latex" or not expr.has(HadamardProduct))  # str() spells ⊙ as HadamardProduct(...)
    text = sympy.latex(expr) if printer == "latex" else sympy.sstr(expr)
    try:
        back = read(text)
    except ParseError as exc:  # SymPy prints y.T*(a ⊙ b) as "y^{T} a \circ b": refused, not misread
        assume("⊙ between the scalar" not in str(exc))
        raise
    rng = np.random.default_rng(1)
    values = {"X": rng.normal(size=(4, 3)), "w": rng.normal(size=3), "u": rng.normal(size=3),
              "y": rng.normal(size=4), "b": 0.3}
    assert np.isclose(float(evaluate(back, values)), float(evaluate(expr, values))), (text, back)


MATRIX_PIECES = ["X", "w", "y", "x", "A", "b", "z", "^T", "'", "ᵀ", "‖", "||", "|", "⊙", ".*", "@", "·", "Σ_i", "x_i",
                 "y_i", "σ", "d/dx", "d/dw", "(", ")", "+", "-", "*", "/", "^", "2", "-1", "{", "}", "_", "F", "norm",
                 "tr", "det", "inv", "diag", "softmax", "logsumexp", "sum", "ones", "1", "\\|", "^\\top", "\\frac",
                 "∂", " ", "exp", "log", "N", "d", ",", "[", "]", "e", "²", "Σ", "∇", ".T"]


@settings(deadline=None)
@given(st.lists(st.sampled_from(MATRIX_PIECES), max_size=20).map("".join))
def test_any_matrix_text_reads_or_is_refused_quickly(text):
    import time

    start = time.perf_counter()
    for function in (parse, parse_answer):
        try:
            result = function(text, shapes=SHAPES)
        except InputError as exc:
            assert str(exc).strip()
        else:
            if function is parse:
                assert isinstance(result, (sympy.Expr, sympy.MatrixExpr)), type(result)
    assert time.perf_counter() - start < 2.0


SQUARE = {"A": ("n", "n"), "B": ("n", "n"), "x": "n"}
An, Bn, xn = (declare(name, shape) for name, shape in SQUARE.items())


@pytest.mark.parametrize("text, expected", [
    (r"x^{\mathsf{T}} A x", ScalarOf(xn.T * An * xn)), (r"\mathbf{x}^\top \mathbf{A}\mathbf{x}", ScalarOf(xn.T * An * xn)),
    (r"\mathrm{tr}(A^T B)", Trace(An.T * Bn)), (r"\log\det(A)", log(Determinant(An))),
    (r"\log \det A", log(Determinant(An))), (r"\operatorname{tr}(A^{-1} B)", Trace(Inverse(An) * Bn)),
    (r"x^T A^{-1} x", ScalarOf(xn.T * Inverse(An) * xn)), (r"(A + B)^{-1}", Inverse(An + Bn)),
    (r"\|A\|_F^2", Trace(An.T * An)), (r"\det(A^{-1})", Determinant(Inverse(An))),
])
def test_matrix_cookbook_latex_reads(text, expected):
    assert parse(text, shapes=SQUARE) == expected
