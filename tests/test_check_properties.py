"""Property tests of ``symgrad.check``: rewrites are equivalent, perturbations are not.

The oracle is independent of the checker: a rewrite is produced by SymPy's own
expand / factor / together, reordering, or scaling numerator and denominator by
the same factor (all identities by construction); a perturbation adds a
nonzero term or scales by a constant != 1 (never an identity for a nonzero
expression, which SymPy evaluation at a point confirms before the check runs).
"""

import sympy
from hypothesis import assume, given, strategies as st

from symgrad.checking import check

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


# ------------------------------------------------------------------------ huge terms cannot hide a constant
_BASES = (
    lambda v: sympy.sin(v[0]) * v[2],
    lambda v: sympy.exp(v[0]) + v[1] ** 2,
    lambda v: sympy.log(v[2] ** 2 + 1) * v[1],
    lambda v: sympy.sqrt(v[0] ** 2 + 1) - sympy.cos(v[1]),
    lambda v: v[0] * v[1] + 3 * v[2],
    lambda v: sympy.atan(v[0]) / (v[1] ** 2 + 2),
)
_HUGE = (sympy.Integer(1), sympy.exp(30), sympy.exp(50), sympy.Integer(10) ** 30, sympy.pi ** 40,
         sympy.exp(200) * sympy.sqrt(3))
_CONSTANTS = (sympy.Integer(1), sympy.Rational(-1, 3), sympy.sqrt(2), sympy.exp(-3), sympy.log(3),
              sympy.Rational(1, 10**6), sympy.pi / 7)


@given(base=st.sampled_from(_BASES), huge=st.sampled_from(_HUGE), constant=st.sampled_from(_CONSTANTS),
       sign=st.sampled_from([1, -1]), grouped=st.booleans())
def test_a_constant_added_to_huge_terms_is_never_correct(base, huge, constant, sign, grouped):
    """check(E*K, E*K + c) with c != 0 is incorrect, however large K is (the audit's exp(50)*x vs exp(50)*x + 1).

    Oracle: the difference is c (or K*(c/K)) by construction, and c is a nonzero constant.
    ``grouped`` writes the key as K*(E + c/K), which SymPy does not collect, so the numeric stage must
    resolve the cancellation itself.
    """
    c = sign * constant
    assert c.evalf() != 0
    expr = base(X)
    answer = huge * expr
    expected = huge * (expr + c / huge) if grouped and huge != 1 else huge * expr + c
    result = check(answer, expected)
    assert result.status == "incorrect", (answer, expected, result.note, result.evidence)
