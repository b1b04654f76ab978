"""Property tests of symgrad.analysis against independent oracles.

* a verdict of convex (concave) is never contradicted by a random chord, evaluated with SymPy;
* a counterexample really breaks the chord inequality (checked here with exact SymPy arithmetic);
* Taylor polynomials of order k have the derivatives of f up to order k at the point (torch autograd);
* critical points have zero gradient and their classification holds at random nearby points.
"""

import math

import numpy as np
import pytest
import sympy
from hypothesis import assume, given
from hypothesis import strategies as st

from symgrad.analysis import convexity, critical_points, taylor

x, y = sympy.symbols("x y", real=True)

ATOMS = [x**2, x**4, sympy.exp(x), sympy.Abs(x), x**3, sympy.sin(x), x * y, (x - y) ** 2,
         sympy.sqrt(x**2 + y**2), sympy.Max(x, y), y**2, sympy.Abs(x - 2 * y), sympy.exp(x + y), sympy.cos(y)]

functions = st.lists(st.tuples(st.sampled_from(ATOMS), st.integers(-2, 2)), min_size=1, max_size=3).map(
    lambda terms: sympy.Add(*[c * a for a, c in terms])).filter(lambda e: e.free_symbols)


def _value(expr, point):
    return float(expr.xreplace(point).evalf(30))


@given(functions, st.lists(st.floats(-3, 3), min_size=4, max_size=4), st.floats(0.05, 0.95))
def test_convex_verdict_is_never_contradicted_by_a_random_chord(expr, coords, alpha):
    verdict = convexity(expr)
    variables = sorted(expr.free_symbols, key=lambda s: s.name)
    a = dict(zip(variables, coords[:2]))
    b = dict(zip(variables, coords[2:]))
    between = {v: alpha * a[v] + (1 - alpha) * b[v] for v in variables}
    gap = _value(expr, between) - (alpha * _value(expr, a) + (1 - alpha) * _value(expr, b))
    scale = 1e-9 * (1 + abs(_value(expr, a)) + abs(_value(expr, b)))
    if verdict.is_convex:
        assert gap <= scale, (expr, verdict.reason)
    if verdict.is_concave:
        assert gap >= -scale, (expr, verdict.reason)


@given(functions)
def test_counterexamples_really_break_the_chord_inequality(expr):
    verdict = convexity(expr)
    for cx, sign in ((verdict.counterexample, 1), (verdict.concavity_counterexample, -1)):
        if cx is None:
            continue
        mid = {v: cx.alpha * cx.x1[v] + (1 - cx.alpha) * cx.x2[v] for v in cx.x1}
        gap = expr.xreplace(mid) - (cx.alpha * expr.xreplace(cx.x1) + (1 - cx.alpha) * expr.xreplace(cx.x2))
        assert sympy.N(sign * gap, 50) > 0, (expr, cx)


SMOOTH = [x**2, x**3, sympy.exp(x), sympy.sin(x), sympy.cos(x * y), x * y, sympy.exp(x - y), y**3, x**2 * y]


@given(st.lists(st.tuples(st.sampled_from(SMOOTH), st.integers(-3, 3)), min_size=1, max_size=3),
       st.lists(st.integers(-4, 4), min_size=2, max_size=2), st.integers(1, 3))
def test_taylor_polynomial_matches_torch_derivatives(terms, point, order):
    torch = pytest.importorskip("torch")
    expr = sympy.Add(*[c * a for a, c in terms]) + x + y  # keep both variables
    a = [sympy.Rational(p, 4) for p in point]
    poly = taylor(expr, a, order)
    modules = [{"exp": torch.exp, "sin": torch.sin, "cos": torch.cos}, "math"]
    fn_torch = sympy.lambdify((x, y), expr, modules=modules)
    poly_fn = sympy.lambdify((x, y), poly.evalf(30), modules=modules)  # constants such as cos(1) as floats
    rng = np.random.default_rng(abs(hash((str(expr), tuple(point)))) % 2**32)
    for _ in range(2):
        v = rng.normal(size=2)
        for k in range(0, order + 1):
            # d^k/dt^k g(a + t v) at t = 0, by torch autograd, for g = f and g = the Taylor polynomial
            derivs = [_directional_derivative(torch, g, [float(c) for c in a], v, k) for g in (fn_torch, poly_fn)]
            assert math.isclose(derivs[0], derivs[1], rel_tol=1e-7, abs_tol=1e-7), (expr, a, k, derivs)


def _directional_derivative(torch, g, a, v, k):
    t = torch.zeros((), dtype=torch.float64, requires_grad=True)
    out = g(*[torch.tensor(a[i], dtype=torch.float64) + t * float(v[i]) for i in range(2)])
    out = torch.as_tensor(out, dtype=torch.float64) + 0 * t
    for _ in range(k):
        if not out.requires_grad:  # a constant: every further derivative is 0
            return 0.0
        (out,) = torch.autograd.grad(out, t, create_graph=True, allow_unused=True)
        out = torch.zeros((), dtype=torch.float64) + 0 * t if out is None else out
    return float(out.detach())


POLY_TERMS = [x**2, y**2, x * y, x**3, y**3, x, y, x**4, y**4, x**2 * y]


@given(st.lists(st.tuples(st.sampled_from(POLY_TERMS), st.integers(-3, 3)), min_size=2, max_size=4),
       st.lists(st.floats(-1, 1), min_size=16, max_size=16))
def test_critical_points_have_zero_gradient_and_their_kind_holds_nearby(terms, noise):
    expr = sympy.Add(*[c * a for a, c in terms])
    assume(expr.free_symbols == {x, y})
    points = critical_points(expr, numeric_fallback=False)
    gradient = [sympy.diff(expr, v) for v in (x, y)]
    for cp in points:
        if not cp.exact or any(v.free_symbols for v in cp.point.values()):
            continue
        for g in gradient:
            assert abs(sympy.N(g.xreplace(cp.point), 40)) < 1e-30
        center = [sympy.N(cp.point[v], 40) for v in (x, y)]
        base = sympy.N(expr.xreplace(cp.point), 40)
        radius = sympy.Rational(1, 10**4)
        deltas = [(noise[i], noise[i + 1]) for i in range(0, 16, 2)]
        values = [sympy.N(expr.xreplace({x: center[0] + radius * dx, y: center[1] + radius * dy}), 40) - base
                  for dx, dy in deltas if (dx, dy) != (0, 0)]
        if cp.kind == "minimum":
            assert all(v >= -1e-30 for v in values), (expr, cp)
        if cp.kind == "maximum":
            assert all(v <= 1e-30 for v in values), (expr, cp)
        if cp.kind == "saddle" and cp.eigenvalues and all(e.is_number for e in cp.eigenvalues):
            eig = [float(e) for e in cp.eigenvalues]
            if min(eig) < -1e-9 < 1e-9 < max(eig):  # nondegenerate saddle: check along the eigenvectors
                hessian = sympy.hessian(expr, (x, y)).xreplace(cp.point)
                _, vectors = np.linalg.eigh(np.array(hessian.evalf().tolist(), dtype=float))
                along = [sympy.N(expr.xreplace({x: center[0] + radius * float(vectors[0, i]),
                                                y: center[1] + radius * float(vectors[1, i])}), 40) - base for i in (0, 1)]
                assert along[0] < 0 < along[1], (expr, cp)
