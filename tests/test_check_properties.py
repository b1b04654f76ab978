"""Property tests of ``symgrad.check``: rewrites are equivalent, perturbations are not.

The oracle is independent of the checker: a rewrite is produced by SymPy's own
expand / factor / together, reordering, or scaling numerator and denominator by
the same factor (all identities by construction); a perturbation adds a
nonzero term or scales by a constant != 1 (never an identity for a nonzero
expression, which SymPy evaluation at a point confirms before the check runs).
"""

import sympy
from hypothesis import assume, given, strategies as st

from symgrad.check import check

X = [sympy.Symbol(n, real=True) for n in ("w0", "w1", "x")]


@st.composite
def polynomials_and_rationals(draw):
    """Random sums of products of small powers, optionally over a second polynomial."""
    def poly():
        terms = draw(st.lists(st.tuples(st.integers(-5, 5), st.integers(0, 3), st.integers(0, 2), st.integers(0, 2)),
                              min_size=1, max_size=4))
        return sympy.Add(*[c * X[0] ** a * X[1] ** b * X[2] ** d for c, a, b, d in terms])

    numerator = poly()
    assume(numerator != 0)
    if draw(st.booleans()):
        denominator = poly() + draw(st.integers(1, 3)) * (X[0] ** 2 + 1)
        assume(denominator != 0)
        return numerator / denominator
    return numerator


@st.composite
def transcendental(draw):
    base = draw(polynomials_and_rationals())
    wrap = draw(st.sampled_from([sympy.sin, sympy.cos, sympy.exp, lambda e: sympy.sqrt(e ** 2 + 1)]))
    return draw(st.sampled_from([wrap(base), base * wrap(X[2]), wrap(X[0]) + base]))


REWRITES = {
    "expand": sympy.expand,
    "factor": sympy.factor,
    "together": sympy.together,
    "reorder": lambda e: sympy.Add(*reversed(sympy.Add.make_args(e)), evaluate=False),
    "scale": lambda e: sympy.Mul(sympy.numer(sympy.together(e)) * (X[1] ** 2 + 3),
                                 1 / (sympy.denom(sympy.together(e)) * (X[1] ** 2 + 3)), evaluate=False),
}


@given(polynomials_and_rationals(), st.sampled_from(sorted(REWRITES)))
def test_rational_expressions_equal_their_rewrites(expr, rewrite):
    result = check(REWRITES[rewrite](expr), expr)
    assert result.status == "correct", (expr, rewrite, result.note, result.evidence)


@given(transcendental(), st.sampled_from(["expand", "reorder", "scale"]))
def test_transcendental_expressions_equal_their_rewrites(expr, rewrite):
    result = check(REWRITES[rewrite](expr), expr)
    assert result.status == "correct", (expr, rewrite, result.note, result.evidence)


@given(st.one_of(polynomials_and_rationals(), transcendental()),
       st.sampled_from(["add_term", "scale", "shift_variable"]), st.integers(1, 4))
def test_expressions_differ_from_their_perturbations(expr, perturbation, k):
    perturbed = {
        "add_term": expr + k * X[0],
        "scale": expr * sympy.Rational(k + 1, k),
        "shift_variable": expr.xreplace({X[0]: X[0] + k}),
    }[perturbation]
    # independent oracle: SymPy evaluation at a few points shows the two differ
    points = [{X[0]: sympy.Rational(p, 7), X[1]: sympy.Rational(q, 5), X[2]: sympy.Rational(r, 3)}
              for p, q, r in [(3, 2, 1), (-5, 4, 2), (9, -3, -4), (1, 1, 5)]]
    assume(any(abs(sympy.N((perturbed - expr).xreplace(p), 30)) > 1e-8 for p in points))
    result = check(perturbed, expr)
    assert result.status == "incorrect", (expr, perturbation, result.note)


@given(st.lists(st.integers(-9, 9), min_size=2, max_size=4), st.integers(0, 3))
def test_vectors_score_by_component(values, index):
    index %= len(values)
    wrong = list(values)
    wrong[index] += 1
    result = check(sympy.Matrix(wrong), sympy.Matrix(values))
    assert result.wrong_components == (index,)
    assert abs(result.score - (len(values) - 1) / len(values)) < 1e-12
