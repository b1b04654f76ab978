"""The fast exact sign of a polynomial (``polynomial_sign_sets``) against SymPy's inequality solver.

``prove_sign`` proves the sign of a polynomial in one variable from its exact real roots and the sign
at a rational point between each two (fast), where it used to solve ``p < 0`` and ``p > 0`` with
``solve_univariate_inequality`` (about a tenth of a second each). The solver is the oracle here: on
integer-coefficient polynomials of degree at most 5 -- repeated roots, irrational roots, no real
roots -- both routes give the same sets, written the same way, and ``prove_sign`` the same proof.
``limit_at_infinity`` (a polynomial's leading term) is checked against ``sympy.limit`` the same way.
"""

import mpmath
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

from symgrad.analysis import _common
from symgrad.analysis._common import Domain, limit_at_infinity, prove_sign
from symgrad.analysis.polynomial_sign import polynomial_sign_sets

x = sympy.Symbol("x", real=True)

linear = st.tuples(st.integers(-4, 4), st.sampled_from([1, 1, 2, 3]), st.integers(1, 3))  # (root p/q, multiplicity)
quadratic = st.tuples(st.integers(-4, 4), st.integers(-4, 4))  # x² + b x + c: two, one or no real roots


@st.composite
def factored(draw):
    """c · Π (q x - p)^m · Π (x² + b x + c), degree 1 to 5, expanded or not."""
    lead = draw(st.sampled_from([-3, -2, -1, 1, 2, 3]))
    factors, degree = [], 0
    for p, q, m in draw(st.lists(linear, max_size=3)):
        if degree + m <= 5:
            factors.append((q * x - p) ** m)
            degree += m
    for b, c in draw(st.lists(quadratic, max_size=2)):
        if degree + 2 <= 5:
            factors.append(x**2 + b * x + c)
            degree += 2
    if degree == 0:
        factors.append(x - draw(st.integers(-3, 3)))
    product = lead * sympy.Mul(*factors)
    return sympy.expand(product) if draw(st.booleans()) else product


coefficients = st.lists(st.integers(-5, 5), min_size=2, max_size=6).filter(lambda cs: cs[-1] != 0)
dense = coefficients.map(lambda cs: sympy.Add(*[c * x**k for k, c in enumerate(cs)]))


def _solved(expr):
    """The oracle: SymPy's inequality solver, ``(expr > 0, expr < 0)``."""
    return (sympy.solve_univariate_inequality(expr > 0, x, relational=False),
            sympy.solve_univariate_inequality(expr < 0, x, relational=False))


@settings(max_examples=12)
@given(factored())
def test_sign_sets_of_a_product_of_linear_and_quadratic_factors_are_the_solvers(expr):
    fast = polynomial_sign_sets(expr, x)
    assert fast is not None, f"{expr}: its roots are rational or square roots, the fast route must take it"
    assert fast == _solved(expr)


@settings(max_examples=20)
@given(st.one_of(dense, factored()))
def test_sign_sets_of_a_dense_polynomial_agree_with_its_numeric_roots(expr):
    """Oracle: mpmath's roots of the square-free part at 50 digits, and the sign between them (the solver gives
    up on many of these, e.g. x⁴ + x³ + 1, which has no real root)."""
    fast = polynomial_sign_sets(expr, x)
    if fast is None:  # left to the solver only when a root is a CRootOf (the solver writes it its own way)
        assert any(isinstance(r, sympy.CRootOf) for r in sympy.Poly(expr, x).real_roots())
        return
    positive, negative = fast
    coefficients = [int(c) for c in sympy.Poly(expr, x).all_coeffs()]
    simple = [int(c) for c in sympy.Poly(expr, x).sqf_part().all_coeffs()]  # same roots, each once: converges
    with mpmath.workdps(50):
        found = mpmath.polyroots(simple, maxsteps=200, extraprec=200) if len(simple) > 1 else []
        reals = sorted({float(r.real) for r in found if abs(r.imag) < 1e-20})  # repeated roots once
        ends = sorted({float(e) for s in fast for i in _pieces(s) for e in (i.inf, i.sup) if e.is_finite})
        assert len(ends) == len(reals) and all(abs(a - b) < 1e-9 for a, b in zip(ends, reals))
        cuts = [-1e3] + reals + [1e3]
        for lo, hi in zip(cuts, cuts[1:]):
            middle = (lo + hi) / 2
            value = mpmath.polyval(coefficients, mpmath.mpf(middle))
            expected = positive if value > 0 else negative
            assert expected.contains(middle) is sympy.true, f"{expr} at {middle} is {value}"


def _pieces(s):
    return s.args if isinstance(s, sympy.Union) else (s,) if isinstance(s, sympy.Interval) else ()


@settings(max_examples=8)
@given(factored())
def test_prove_sign_gives_the_same_proof_with_and_without_the_fast_route(expr):
    domain = Domain(((x, sympy.S.Reals),))
    fast = prove_sign(expr, domain, timeout=0)  # timeout=0: inline, so the patch below is seen
    original = _common.polynomial_sign_sets
    _common.polynomial_sign_sets = lambda *args: None
    try:
        solved = prove_sign(expr, domain, timeout=0)
    finally:
        _common.polynomial_sign_sets = original
    assert fast == solved


@settings(max_examples=20)
@given(st.one_of(dense, factored()), st.sampled_from([sympy.oo, -sympy.oo]))
def test_limit_of_a_polynomial_at_infinity_is_sympys_limit(expr, end):
    assert limit_at_infinity(expr, x, end, timeout=0) == sympy.limit(expr, x, end)


def test_examples_with_repeated_roots_no_real_roots_and_touching_isolating_intervals():
    open_ = sympy.Interval.open
    assert polynomial_sign_sets((x - 1) ** 2 * (x + 2), x) == (
        sympy.Union(open_(-2, 1), open_(1, sympy.oo)), open_(-sympy.oo, -2))
    assert polynomial_sign_sets(x**2 + 1, x) == (sympy.S.Reals, sympy.S.EmptySet)
    assert polynomial_sign_sets(-(x**4) - 2, x) == (sympy.S.EmptySet, sympy.S.Reals)
    r2 = sympy.sqrt(2)  # Poly.intervals gives [1, 1] and [1, 2] here: they touch and are refined
    assert polynomial_sign_sets((x - 1) ** 2 * (x**2 - 2), x) == (
        sympy.Union(open_(-sympy.oo, -r2), open_(r2, sympy.oo)), sympy.Union(open_(-r2, 1), open_(1, r2)))
    assert polynomial_sign_sets(x**3 - 3 * x + 1, x) is None  # three CRootOf roots: the solver's case
    assert polynomial_sign_sets(1 / (x + 1), x) is None
    assert polynomial_sign_sets(sympy.Float(0.5) * x - 1, x) is None
