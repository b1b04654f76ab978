"""explain.jacobian and derive jacobian: polar coordinates, softmax, sin(Ax + b) with the chain rule."""

import numpy as np
import pytest
import sympy

import symgrad as sg
from symgrad.errors import InputError
from symgrad.rendering import render

torch = pytest.importorskip("torch")
r, theta = sympy.symbols("r theta", real=True)

POLAR = "[r*cos(theta), r*sin(theta)]"
SOFTMAX = "[exp(z1)/(exp(z1)+exp(z2)+exp(z3)), exp(z2)/(exp(z1)+exp(z2)+exp(z3)), exp(z3)/(exp(z1)+exp(z2)+exp(z3))]"
AFFINE_SIN = "[sin(2*x1 + 3*x2 + 1), sin(x1 - x2 + 2)]"


def test_polar_jacobian_and_its_determinant_r():
    d = sg.explain.jacobian(POLAR)
    assert d.result == sympy.Matrix([[sympy.cos(theta), -r * sympy.sin(theta)], [sympy.sin(theta), r * sympy.cos(theta)]])
    assert "det J = r" in render(d, "text")


def test_polar_jacobian_at_a_point_equals_torch_jacobian():
    d = sg.explain.jacobian(POLAR, [2, "0.5"])
    polar = lambda v: torch.stack([v[0] * torch.cos(v[1]), v[0] * torch.sin(v[1])])  # noqa: E731
    expected = torch.autograd.functional.jacobian(polar, torch.tensor([2.0, 0.5], dtype=torch.float64))
    assert np.allclose(np.array(d.result, dtype=float), expected.numpy(), rtol=1e-12)


def test_softmax_jacobian_is_shown_as_p_i_times_delta_minus_p_j():
    out = render(sg.explain.jacobian(SOFTMAX), "text")
    assert "∂pᵢ/∂zⱼ = pᵢ(δᵢⱼ − pⱼ)" in out and "p₁·(1 − p₁)" in out and "−p₁p₂" in out
    z = torch.tensor([0.3, -1.0, 2.0], dtype=torch.float64)
    expected = torch.autograd.functional.jacobian(lambda v: torch.softmax(v, 0), z).numpy()
    at = sg.explain.jacobian(SOFTMAX, ["0.3", -1, 2]).result
    assert np.allclose(np.array(at.evalf(), dtype=float), expected, rtol=1e-12)


def test_sin_of_an_affine_map_shows_the_chain_rule_diag_cos_times_A():
    d = sg.explain.jacobian(AFFINE_SIN, [0, 0])
    chain = next(s for s in d.steps if s.text.startswith("Chain rule"))
    A = sympy.Matrix([[2, 3], [1, -1]])
    u = sympy.Matrix([1, 2])  # A·0 + b
    assert chain.result.xreplace({sympy.Symbol("x1", real=True): 0, sympy.Symbol("x2", real=True): 0}) == \
        sympy.diag(sympy.cos(1), sympy.cos(2)) * A
    assert d.result == sympy.diag(*[sympy.cos(v) for v in u]) * A


def test_hessian_of_a_vector_valued_function_is_refused_naming_the_jacobian():
    with pytest.raises(InputError, match="jacobian"):
        sg.Function(POLAR).hessian()
    with pytest.raises(InputError, match="explain.jacobian"):
        sg.explain.hessian(POLAR)
    with pytest.raises(InputError, match="explain.gradient"):
        sg.explain.jacobian("x^2 + y^2")


def test_derive_jacobian_command(capsys):
    from symgrad.cli import main

    assert main(["derive", "jacobian", POLAR, "--at", "r=2,theta=0"]) == 0
    out = capsys.readouterr().out
    assert "J(2, 0) = ⎡1  0⎤" in out and "det J = r" in out
