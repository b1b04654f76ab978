"""symgrad.from_symengine: SymEngine → SymPy with the user's symbols, checked against SymEngine's own conversion.

The oracle is ``e._sympy_().xreplace(...)`` (SymPy's evaluating constructors
from scratch): the fast converter must give the *same* canonical objects
(``srepr`` equal, so equal args order and hash), on the derivatives of drawn
functions and of the workloads whose sums are distributed and collected.
"""

import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

from symgrad.derivatives import _to_symengine
from symgrad.function import Function

se = pytest.importorskip("symengine")
from symgrad.from_symengine import SymPyConverter  # noqa: E402


def _both(exprs, variables):
    originals = {sympy.Symbol(v.name): v for v in variables}
    convert = SymPyConverter({v.name: v for v in variables})
    for e in exprs:
        yield convert(e), e._sympy_().xreplace(originals)


def _derivatives(expr, variables):
    f = _to_symengine(expr)
    xs = [se.Symbol(v.name) for v in variables]
    gradient = [f.diff(x) for x in xs]
    return [f, *gradient, *[g.diff(x) for g in gradient for x in xs]]


x, y, z = sympy.symbols("x y z", real=True)

CASES = {
    "Rosenbrock": sum(100 * (b - a**2) ** 2 + (1 - a) ** 2 for a, b in ((x, y), (y, z))),
    "distributed and collected": 3 * (2 * x - y / 3 + 1) * y - 2 * (x + 1) ** 2 + 5 * (1 - x) + x * y,
    "functions and powers": sympy.log(1 + sympy.exp(x * y)) + sympy.sin(x) * y**2 + sympy.sqrt(2) * sympy.sqrt(3) * z
    + sympy.exp(x) * sympy.exp(2 * y) + (x + y) ** 3 / (1 + x**2) + sympy.Float(1.5) * (x - z),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_conversion_is_sympys_canonical_form(name):
    for ours, theirs in _both(_derivatives(CASES[name], (x, y, z)), (x, y, z)):
        assert sympy.srepr(ours) == sympy.srepr(theirs)
        assert ours.free_symbols <= {x, y, z}  # the user's symbols, assumptions and all


@settings(max_examples=40)
@given(data=st.data())
def test_conversion_matches_on_drawn_functions(data):
    from symgrad import strategies

    f = data.draw(strategies.functions(max_variables=3, max_depth=3))
    try:
        exprs = _derivatives(f.expr, f.variables)
    except Exception:  # SymEngine cannot represent it: not this converter's business
        return
    for ours, theirs in _both(exprs, f.variables):
        assert ours == theirs and sympy.srepr(ours) == sympy.srepr(theirs)


def test_large_functions_materialise_the_same_matrices_as_sympy():
    xs = sympy.symbols("x0:12", real=True)
    f = sum(100 * (xs[i + 1] - xs[i] ** 2) ** 2 + (1 - xs[i]) ** 2 for i in range(11))
    fast = Function(f, xs)  # 12 variables: SymEngine derives, the converter brings it back
    assert fast._fast_derivatives is not None
    plain = Function(f, xs, engine="sympy")
    assert (fast.gradient() - plain.gradient()).expand().is_zero_matrix  # SymPy's diff keeps (b - a²) unexpanded
    assert (fast.hessian() - plain.hessian()).expand().is_zero_matrix
