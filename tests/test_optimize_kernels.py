"""Gradient descent, momentum and Newton on the compiled kernels (symgrad.kernels), against torch autograd loops.

Non-quadratic functions are stepped with the compiled one-point kernel
(SymEngine's CSE'd value-and-gradient); the oracle is the same loop written in
torch with autograd gradients. Quadratics keep the lambdified kernel of the
chunked affine path, and ``engine="sympy"`` keeps SymPy throughout.
"""

import numpy as np
import pytest
import sympy

import symgrad.optimize as _optimize
from symgrad.function import Function
from symgrad.optimize import gradient_descent, momentum, newton

pytest.importorskip("symengine")
torch = pytest.importorskip("torch")

w0, w1 = sympy.symbols("w0 w1", real=True)
SOFTPLUS = sympy.log(1 + sympy.exp(w0 * w1)) + sympy.sin(w0) * w1**2
ROSENBROCK = (1 - w0) ** 2 + 100 * (w1 - w0**2) ** 2


def _torch_softplus(w):
    return torch.log(1 + torch.exp(w[0] * w[1])) + torch.sin(w[0]) * w[1] ** 2


def _torch_rosenbrock(w):
    return (1 - w[0]) ** 2 + 100 * (w[1] - w[0] ** 2) ** 2


def _torch_path(f, start, lr, steps, beta=0.0):
    w = torch.tensor(start, dtype=torch.float64, requires_grad=True)
    v = torch.zeros(2, dtype=torch.float64)
    path = [w.detach().clone()]
    for _ in range(steps):
        (g,) = torch.autograd.grad(f(w), w)
        with torch.no_grad():
            v = beta * v + g
            w -= lr * v
        path.append(w.detach().clone())
    return torch.stack(path).numpy()


@pytest.mark.parametrize("expr, f, start, lr", [(SOFTPLUS, _torch_softplus, [0.7, -1.2], 0.05),
                                                (ROSENBROCK, _torch_rosenbrock, [-1.2, 1.0], 1e-3)])
def test_descent_steps_on_the_compiled_kernel_like_torch(expr, f, start, lr):
    F = Function(expr, (w0, w1))
    objective = _optimize._objective(F, start, lr, None, False)
    assert objective._point is not None  # the compiled kernel, not a lambdified SymPy gradient
    ours = gradient_descent(F, start, lr, 200, tol=0).path
    np.testing.assert_allclose(ours, _torch_path(f, start, lr, 200), rtol=1e-10, atol=1e-12)
    heavy = momentum(F, start, lr, beta=0.5, max_steps=100, tol=0).path
    np.testing.assert_allclose(heavy, _torch_path(f, start, lr, 100, beta=0.5), rtol=1e-10, atol=1e-12)


def test_newton_uses_the_compiled_hessian_and_converges_like_the_closed_form():
    trace = newton(Function(ROSENBROCK, (w0, w1)), [-1.2, 1.0], max_steps=50)
    np.testing.assert_allclose(trace.final, [1.0, 1.0], atol=1e-10)


def test_quadratics_and_sympy_functions_keep_their_kernels():
    quadratic = Function(2 * w0**2 + 3 * w1**2 - w0 * w1)
    assert _optimize._objective(quadratic, [1.0, 1.0], 0.1, None, False)._point is None
    plain = Function(SOFTPLUS, (w0, w1), engine="sympy")
    assert _optimize._objective(plain, [1.0, 1.0], 0.1, None, False)._point is None
    np.testing.assert_allclose(gradient_descent(plain, [0.7, -1.2], 0.05, 50, tol=0).path,
                               _torch_path(_torch_softplus, [0.7, -1.2], 0.05, 50), rtol=1e-10, atol=1e-12)


def test_one_point_and_stacked_points_give_the_same_numbers():
    point = Function(SOFTPLUS, (w0, w1)).compile("numpy")._fast.point_value_and_gradient()
    X = np.random.default_rng(0).uniform(-2, 2, (30, 2))
    values, grads = point(X)
    for k in range(len(X)):
        v, g = point(X[k])
        assert v == values[k] and np.array_equal(g, grads[k])  # bit for bit: batching does not change a step
    T = torch.from_numpy(X).requires_grad_(True)
    (expected,) = torch.autograd.grad(torch.vmap(_torch_softplus)(T).sum(), T)
    np.testing.assert_allclose(grads, expected.numpy(), rtol=1e-12, atol=1e-12)
    v, g = point(X[::3, ::-1][:, ::-1])  # a strided view: copied to a contiguous array first
    np.testing.assert_array_equal(g, grads[::3])
