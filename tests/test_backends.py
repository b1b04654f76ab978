"""Tests for symgrad.backends: compiled NumPy / torch against SymPy evaluation.

Oracles: SymPy's exact evaluation of the same expression (``subs`` + ``evalf``),
pointwise calls for batches, torch autograd (``gradcheck``) for the torch path,
and scipy's optimizer reaching the known Rosenbrock minimum.
"""

import numpy as np
import pytest
import sympy
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from symgrad.backends import compile_function, prepare_for_numerics
from symgrad.errors import InputError
from symgrad.function import Function

x, y = sympy.symbols("x y", real=True)
EXPR = sympy.sin(x) * y**2 + sympy.exp(x * y) / 3 + x**3


ORACLE_GRADIENT = [sympy.diff(EXPR, v) for v in (x, y)]
ORACLE_HESSIAN = sympy.hessian(EXPR, (x, y)).tolist()
COMPILED = {cse: Function(EXPR, (x, y)).compile("numpy", cse=cse) for cse in ("sympy", "symengine", "none")}


def sympy_oracle(point):
    """Plain SymPy: the derivatives by sympy.diff / sympy.hessian, evaluated by substitution."""
    subs = {x: sympy.Float(point[0]), y: sympy.Float(point[1])}
    value = float(EXPR.evalf(subs=subs))
    grad = np.array([float(e.evalf(subs=subs)) for e in ORACLE_GRADIENT])
    hess = np.array([[float(e.evalf(subs=subs)) for e in row] for row in ORACLE_HESSIAN])
    return value, grad, hess


points = arrays(np.float64, 2, elements=st.floats(-2, 2))


@pytest.mark.parametrize("cse", ["sympy", "symengine", "none"])
@given(point=points)
def test_numpy_matches_sympy_evaluation(point, cse):
    c = COMPILED[cse]
    value, grad, hess = c.evaluate(point)
    v, g, h = sympy_oracle(point)
    assert np.allclose(value, v) and np.allclose(grad, g) and np.allclose(hess, h)
    assert np.allclose(c.value(point), v) and np.allclose(c.gradient(point), g) and np.allclose(c.hessian(point), h)


@given(batch=arrays(np.float64, (4, 3, 2), elements=st.floats(-2, 2)))
def test_batched_equals_pointwise(batch):
    c = COMPILED["symengine"]
    values, grads, hessians = c.evaluate(batch)
    assert values.shape == (4, 3) and grads.shape == (4, 3, 2) and hessians.shape == (4, 3, 2, 2)
    for idx in np.ndindex(4, 3):
        v, g, h = c.evaluate(batch[idx])
        assert np.allclose(values[idx], v) and np.allclose(grads[idx], g) and np.allclose(hessians[idx], h)
    assert np.allclose(c.gradient(batch), grads) and np.allclose(c.hessian(batch), hessians)
    assert np.allclose(c.value_and_gradient(batch)[1], grads)


def test_constant_hessian_broadcasts_to_the_batch():
    c = Function(w := 2 * x**2 + 3 * y**2, (x, y)).compile("numpy")
    H = c.hessian(np.zeros((5, 2)))
    assert H.shape == (5, 2, 2)
    assert np.array_equal(H, np.broadcast_to([[4.0, 0.0], [0.0, 6.0]], (5, 2, 2)))
    assert c.gradient([3, 4]).tolist() == [12.0, 24.0] and c.value([3, 4]) == float(w.subs({x: 3, y: 4}))


def test_long_sums_compile_without_recursion_errors():
    xs = sympy.symbols("x0:40", real=True)
    A = (np.arange(1600).reshape(40, 40) % 7) - 3
    expr = sympy.Add(*[int(A[i, j]) * xs[i] * xs[j] for i in range(40) for j in range(40)])
    point = np.linspace(-1, 1, 40)
    assert np.isclose(compile_function(expr, xs).value(point), point @ A @ point)


def test_constant_folding_and_dirac_delta():
    assert prepare_for_numerics(sympy.sin(2) * x) == sympy.Float(float(sympy.sin(2)), 17) * x or np.isclose(
        float(prepare_for_numerics(sympy.sin(2) * x).subs(x, 1)), np.sin(2)
    )
    assert prepare_for_numerics(sympy.DiracDelta(x) + x) == x


def test_wrong_shape_and_foreign_symbols_are_input_errors():
    c = Function(EXPR, (x, y)).compile("numpy")
    with pytest.raises(InputError, match="2 coordinates"):
        c.value(np.zeros(3))
    z = sympy.Symbol("z", real=True)
    with pytest.raises(InputError, match="z"):
        compile_function(x * z, [x]).value([1.0])


def test_scipy_minimize_converges_on_rosenbrock():
    from scipy.optimize import minimize

    xs = sympy.symbols("x0:4", real=True)
    expr = sympy.Add(*[100 * (xs[i + 1] - xs[i] ** 2) ** 2 + (1 - xs[i]) ** 2 for i in range(3)])
    c = Function(expr, xs).compile("numpy")
    result = minimize(c.fun, np.zeros(4), jac=c.jac, hess=c.hess, method="trust-exact")
    assert result.success and np.allclose(result.x, 1.0, atol=1e-3)


# -- torch ------------------------------------------------------------------------------------
torch = pytest.importorskip("torch")


@given(point=points)
def test_torch_equals_numpy(point):
    f = Function(EXPR, (x, y))
    numpy_out = f.compile("numpy").evaluate(point)
    torch_out = f.compile("torch").evaluate(torch.from_numpy(point))
    for a, b in zip(numpy_out, torch_out):
        assert np.allclose(a, b.detach().numpy())


def test_torch_keeps_dtype_and_is_differentiable():
    c = Function(EXPR, (x, y)).compile("torch")
    X = torch.tensor([[0.3, -0.7], [1.1, 0.2]], dtype=torch.float32)
    assert c.gradient(X).dtype == torch.float32 and c.hessian(X).dtype == torch.float32
    X64 = torch.tensor([[0.3, -0.7], [1.1, 0.2]], dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda t: c.value(t), (X64,))
    assert torch.autograd.gradcheck(lambda t: c.gradient(t), (X64,))
    assert torch.autograd.gradcheck(lambda t: c.hessian(t), (X64,))
    # the compiled gradient is torch autograd's gradient of the compiled value
    leaf = X64.detach().clone().requires_grad_(True)
    c.value(leaf).sum().backward()
    assert torch.allclose(leaf.grad, c.gradient(X64).detach())


@pytest.mark.slow  # torch.compile builds C++ kernels: about a minute on 2 cores
def test_torch_compile_option_gives_the_same_numbers():
    f = Function(EXPR, (x, y))
    X = torch.tensor([[0.3, -0.7], [1.1, 0.2]], dtype=torch.float64)
    try:
        fast = f.compile("torch", torch_compile=True).gradient(X)
    except Exception as error:  # torch.compile needs a working C++ toolchain
        pytest.skip(f"torch.compile unavailable here: {type(error).__name__}")
    assert torch.allclose(fast, f.compile("torch").gradient(X))


def test_torch_compile_needs_the_torch_backend():
    with pytest.raises(InputError, match="torch"):
        Function(EXPR, (x, y)).compile("numpy", torch_compile=True)


# -- fast NumPy evaluators: SymEngine Lambdify kernels and quadratic forms against the SymPy route -------
from symgrad import backends as _backends  # noqa: E402
from symgrad import kernels as _kernels  # noqa: E402

XS = sympy.symbols("x0:9", real=True)
FAST_EXPR = sympy.Add(*[100 * (XS[i + 1] - XS[i] ** 2) ** 2 + sympy.sin(XS[i]) * XS[i + 1] + sympy.exp(XS[i] / 4)
                        for i in range(8)])
QUAD_EXPR = sympy.Add(*[sympy.Rational(i - 2 * j + 1, 3) * XS[i] * XS[j] for i in range(9) for j in range(i, 9)],
                      *[(k - 4) * XS[k] for k in range(9)], 7)


def _fast_and_plain(expr):
    fast = Function(expr, XS).compile("numpy")
    plain = Function(expr, XS, engine="sympy").compile("numpy", cse="sympy")
    return fast, plain


FAST_PAIRS = {}


def _pair(kind):
    if kind not in FAST_PAIRS:
        FAST_PAIRS[kind] = _fast_and_plain(FAST_EXPR if kind == "symengine" else QUAD_EXPR)
    return FAST_PAIRS[kind]


@pytest.mark.parametrize("kind", ["symengine", "quadratic"])
@given(batch=arrays(np.float64, st.sampled_from([(9,), (3, 9), (2, 2, 9)]), elements=st.floats(-2, 2)))
def test_fast_evaluators_match_the_sympy_route(kind, batch):
    if kind == "symengine":
        pytest.importorskip("symengine")
    fast, plain = _pair(kind)
    assert fast._fast is not None and plain._fast is None  # the two routes really differ
    for method in ("value", "gradient", "hessian", "value_and_gradient", "evaluate"):
        ours, theirs = getattr(fast, method)(batch), getattr(plain, method)(batch)
        for a, b in zip(ours if isinstance(ours, tuple) else (ours,), theirs if isinstance(theirs, tuple) else (theirs,)):
            assert np.shape(a) == np.shape(b)
            np.testing.assert_allclose(a, b, rtol=1e-11, atol=1e-9)


def test_large_batches_switch_to_llvm_with_the_same_numbers(monkeypatch):
    pytest.importorskip("symengine")
    monkeypatch.setattr(_kernels, "LLVM_MIN_POINTS", 8)
    fast, plain = _fast_and_plain(FAST_EXPR)
    X = np.random.default_rng(1).uniform(-1, 1, (50, 9))
    np.testing.assert_allclose(fast.gradient(X), plain.gradient(X), rtol=1e-11, atol=1e-9)
    np.testing.assert_allclose(fast.hessian(X), plain.hessian(X), rtol=1e-11, atol=1e-9)


def test_other_dtypes_take_the_sympy_route():
    pytest.importorskip("symengine")
    fast, plain = _fast_and_plain(FAST_EXPR)
    X32 = np.full((2, 9), 0.5, dtype=np.float32)
    assert fast.gradient(X32).dtype == plain.gradient(X32).dtype
    np.testing.assert_array_equal(fast.gradient(X32), plain.gradient(X32))  # the very same kernel
    Xc = np.full(9, 0.5 + 0.1j)
    np.testing.assert_allclose(fast.gradient(Xc), plain.gradient(Xc))
    Xi = np.ones((2, 9), dtype=int)  # integers are promoted to float64 and take the fast route
    np.testing.assert_allclose(fast.gradient(Xi), plain.gradient(Xi), rtol=1e-12)


def test_fast_route_keeps_the_shape_error():
    fast, _ = _pair("quadratic")
    with pytest.raises(InputError, match="9 coordinates"):
        fast.gradient(np.ones(3))


def test_a_parameter_still_refuses_to_compile_on_the_fast_route():
    pytest.importorskip("symengine")
    a = sympy.Symbol("a", real=True)
    c = Function(FAST_EXPR + a * XS[0], XS).compile("numpy")
    with pytest.raises(InputError, match="a, which are not variables"):
        c.gradient(np.ones(9))


def test_torch_backend_handles_max_min_relu_and_their_heaviside_derivatives():
    torch = pytest.importorskip("torch")
    from symgrad import Function

    X = torch.tensor([[1.0, 2.0], [3.0, -1.0], [-2.0, 0.5]], dtype=torch.float64)
    for text in ["max(x, y)", "min(x^2, 1) + y", "relu(x - 1)*y", "max(x, 0)^2 + min(y, 0)"]:
        f = Function(text)
        numpy_c, torch_c = f.compile("numpy"), f.compile("torch")
        for method in ("value", "gradient", "hessian"):
            expected = getattr(numpy_c, method)(X.numpy())  # the NumPy route is the oracle here
            got = getattr(torch_c, method)(X)
            np.testing.assert_allclose(got.numpy(), expected, rtol=1e-12, err_msg=f"{text}: {method}")


def test_numpy_backend_keeps_float32_input_in_float32():
    from symgrad import Function

    c = Function("2*w0^2 + 3*w1^2 + sin(w0)").compile("numpy")
    for X in (np.ones((3, 2), dtype=np.float32), np.ones(2, dtype=np.float32)):
        assert c.value(X).dtype == c.gradient(X).dtype == c.hessian(X).dtype == np.float32
        np.testing.assert_allclose(c.gradient(X), c.gradient(X.astype(np.float64)), rtol=1e-6)
    assert c.gradient(np.ones((3, 2))).dtype == np.float64
