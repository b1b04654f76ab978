"""The shared matrix representation (symgrad.matexpr): shapes, nodes, printing, explicit entries."""

import pytest
import sympy

from symgrad.errors import InputError
from symgrad.matexpr import (ELEMENTWISE, Elementwise, LogSumExp, ScalarOf, Softmax, SumOf, declare, dimension,
                             is_matrix, matrix_symbols)


def test_shapes_from_declarations():
    assert declare("w", "d").shape == (sympy.Symbol("d", integer=True, positive=True), 1)
    assert declare("X", ("N", 3)).shape[1] == 3
    assert declare("v", (4,)).shape == (4, 1)
    assert dimension("N").is_integer and dimension("N").is_positive


@pytest.mark.parametrize("bad", [0, -2, "2x", (1, 2, 3), True, 1.5])
def test_bad_shapes_are_input_errors(bad):
    with pytest.raises(InputError):
        declare("X", bad)


def test_nodes_keep_shapes_and_kinds():
    X, w = declare("X", ("N", "d")), declare("w", "d")
    assert Elementwise("sigmoid", X * w).shape == (X.shape[0], 1)
    assert is_matrix(Softmax(X * w)) and not is_matrix(LogSumExp(X * w)) and not is_matrix(SumOf(X))
    assert set(matrix_symbols(ScalarOf(w.T * X.T * X * w))) == {"X", "w"}


def test_refusals():
    w, X = declare("w", 3), declare("X", (3, 3))
    with pytest.raises(InputError, match="1×1"):
        ScalarOf(w)
    with pytest.raises(InputError, match="column vector"):
        Softmax(X)
    with pytest.raises(InputError, match="no entrywise"):
        Elementwise("gamma", w)
    with pytest.raises(InputError, match="scalar"):
        Elementwise("exp", sympy.Symbol("t"))


def test_printing_text_and_latex():
    X, w, y = declare("X", ("N", "d")), declare("w", "d"), declare("y", "N")
    g = X.T * (Elementwise("sigmoid", X * w) - y)
    assert str(g) == "X.T*(σ(X*w) - y)"
    assert sympy.latex(Elementwise("sigmoid", X * w)) == r"\sigma\left(X w\right)"
    s = ScalarOf(w.T * w)
    assert str(s ** 2) == "(w.T*w)**2"
    assert str(sympy.log(1 + sympy.exp(s))) == "log(exp(w.T*w) + 1)"
    assert str(Softmax(X * w)) == "softmax(X*w)" and str(LogSumExp(y)) == "logsumexp(y)"


def test_transpose_moves_inside_elementwise():
    X, w = declare("X", ("N", "d")), declare("w", "d")
    assert Elementwise("exp", X * w).T == Elementwise("exp", w.T * X.T)


def test_explicit_entries_match_the_scalar_functions():
    """At a concrete size the nodes expand entrywise; compare with the scalar formulas written by hand."""
    v = declare("v", 2)
    a, b = v[0, 0], v[1, 0]
    assert sympy.simplify(Softmax(v).as_explicit()[0, 0] - sympy.exp(a) / (sympy.exp(a) + sympy.exp(b))) == 0
    sig = Elementwise("sigmoid", v).as_explicit()
    assert sympy.simplify(sig[1, 0] - sympy.exp(b) / (1 + sympy.exp(b))) == 0
    assert set(ELEMENTWISE) >= {"exp", "log", "sigmoid", "tanh", "relu", "softplus", "sqrt", "abs", "sin", "cos"}
