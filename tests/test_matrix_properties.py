"""Property tests: random matrix expressions at random sizes; symgrad's gradient and Hessian vs torch autograd.

Expressions are drawn from a small grammar over x (n), a (n), A (n×n), M (m×n): products, sums, entrywise
functions, softmax, quadratic forms, traces and scalar SymPy around them; a drawn seed picks the concrete sizes
and values. The oracle is torch autograd on the value expression (``certify``).
"""

import pytest
import sympy
from hypothesis import given, settings, strategies as st

from symgrad.matexpr import Elementwise, LogSumExp, ScalarOf, Softmax, SumOf, declare
from symgrad.matrix import certify, derive_gradient, derive_hessian

pytest.importorskip("torch")

x, a = declare("x", "n"), declare("a", "n")
A, M = declare("A", ("n", "n")), declare("M", ("m", "n"))
SMOOTH = ["tanh", "sigmoid", "sin", "softplus", "exp"]


def vectors(depth: int = 2):
    """Column vectors of length n that contain x."""
    base = st.just(x)
    if depth == 0:
        return base
    inner = vectors(depth - 1)
    return st.one_of(
        base,
        inner.map(lambda v: A * v),
        inner.map(lambda v: v + a),
        inner.map(lambda v: M.T * (M * v)),
        st.tuples(st.sampled_from(SMOOTH), inner).map(lambda p: Elementwise(p[0], p[1] / 3)),
        inner.map(lambda v: sympy.HadamardProduct(v, a)),
        st.tuples(st.integers(-3, 3).filter(bool), inner).map(lambda p: p[0] * p[1]),
        inner.map(Softmax),
    )


def scalars(v):
    return st.sampled_from([
        ScalarOf(a.T * v), ScalarOf(v.T * v), ScalarOf(v.T * A * v), SumOf(Elementwise("tanh", v)),
        LogSumExp(v), sympy.log(1 + ScalarOf(v.T * v)), sympy.sqrt(1 + ScalarOf(v.T * v)),
        ScalarOf(v.T * v) ** 2, ScalarOf(a.T * v) * ScalarOf(v.T * v),
    ])


functions = vectors().flatmap(scalars)
shallow_functions = vectors(1).flatmap(scalars)  # Hessians of deep softmax chains take seconds to tidy


seeds = st.integers(0, 2**32 - 1)  # the seed draws the concrete sizes (2..5 per dimension) and values


@settings(max_examples=25)
@given(functions, seeds)
def test_gradient_matches_torch_autograd(f, seed):
    certify(f, derive_gradient(f, x), x, "gradient", trials=1, seed=seed, explicit_check=False)


@settings(max_examples=12)
@given(shallow_functions, seeds)
def test_hessian_matches_torch_autograd(f, seed):
    certify(f, derive_hessian(f, x), x, "hessian", trials=1, seed=seed, explicit_check=False)


matrix_functions = st.sampled_from([
    sympy.Trace(A * A.T), ScalarOf(a.T * A * x), LogSumExp(A * x), SumOf(Elementwise("sigmoid", A * x)),
    sympy.log(sympy.Determinant(A)), sympy.Trace(sympy.Inverse(A) * A.T), ScalarOf(x.T * A * A * x),
    ScalarOf(Softmax(A * x).T * a),
])


@settings(max_examples=10)
@given(matrix_functions, seeds)
def test_gradient_with_respect_to_a_matrix_matches_torch_autograd(f, seed):
    certify(f, derive_gradient(f, A), A, "gradient", trials=1, seed=seed, explicit_check=False)


@settings(max_examples=8)
@given(functions, seeds)
def test_small_cases_match_the_explicit_elementwise_expansion(f, seed):
    """The second oracle: SymPy's scalar diff of the expanded expression at size 2 (no matrix rule shared)."""
    certify(f, derive_gradient(f, x), x, "gradient", trials=1, seed=seed, explicit_check=True)
