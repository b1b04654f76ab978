"""Worked derivations in matrix notation (issue 13, item 4): golden text, and every shown result re-checked here
against an independent oracle (NumPy finite differences of the loss, a hand-written closed form, numpy.linalg.solve)."""

import json

import numpy as np
import pytest
import sympy

import symgrad as sg
from symgrad.errors import InputError
from symgrad.matexpr import ScalarOf, declare
from symgrad.matrix import evaluate
from symgrad.rendering import render
from symgrad.steps.matrix import matrix_gradient_derivation

LSQ = {"X": ("N", "d"), "w": "d", "y": "N"}
CASES = {
    "least-squares": ("||X w - y||^2", LSQ, "w"),
    "ridge": ("||X w - y||^2 + lambda ||w||^2", LSQ, "w"),
    "logistic": ("sum(softplus(X w)) - y^T X w", LSQ, "w"),
    "quadratic-form": ("1/2 x^T A x - b^T x", {"A": ("d", "d"), "x": "d", "b": "d"}, "x"),
    "softmax-ce": ("logsumexp(W x) - y^T W x", {"W": ("K", "d"), "x": "d", "y": "K"}, "W"),
}


@pytest.fixture(scope="module")
def derivations():
    return {name: matrix_gradient_derivation(text, wrt, shapes=shapes) for name, (text, shapes, wrt) in CASES.items()}


@pytest.mark.parametrize("name", list(CASES))
@pytest.mark.parametrize("fmt", ["txt", "md"])
def test_matrix_derivations_match_golden_files(derivations, golden, name, fmt):
    golden(f"derivations/matrix-{name}.{fmt}", render(derivations[name], "text" if fmt == "txt" else "md"))


def test_least_squares_shows_the_course_steps(derivations):
    text = render(derivations["least-squares"], "text")
    for line in ("dr = X dw", "d(‖r‖²) = 2rᵀ dr = 2(Xw − y)ᵀX dw", "dL = 2(Xw − y)ᵀX dw ⇒ ∇_w L = 2Xᵀ(Xw − y)",
                 "∇²_w L = 2XᵀX", "Normal equations: XᵀXw = Xᵀy", "w* = (XᵀX)⁻¹Xᵀy", "columns of X are linearly independent"):
        assert line in text


def test_ridge_normal_equations_add_lambda_identity(derivations):
    text = render(derivations["ridge"], "text")
    assert "(XᵀX + λI)w = Xᵀy" in text and "w* = (XᵀX + λI)⁻¹Xᵀy" in text and "every λ > 0" in text


def test_logistic_says_there_is_no_closed_form(derivations):
    d = derivations["logistic"]
    assert d.steps[-1].result is None
    assert "no closed-form solution" in d.steps[-1].remark and "Newton" in d.steps[-1].remark
    assert "For logistic regression none exists in closed form" in d.steps[-1].remark
    assert "∇_w L = Xᵀ(σ(Xw) − y)" in render(d, "text")


def _data(rng, n=7, d=3):
    return rng.standard_normal((n, d)), rng.standard_normal(n)


def _fd_gradient(loss, w, h=1e-6):
    return np.array([(loss(w + h * e) - loss(w - h * e)) / (2 * h) for e in np.eye(len(w))])


def _at(expr, **values):
    return np.asarray(evaluate(expr, values), dtype=float)


@pytest.mark.parametrize("lam", [0.0, 0.7])
def test_shown_gradient_hessian_and_solution_agree_with_independent_numbers(derivations, lam):
    d = derivations["ridge"] if lam else derivations["least-squares"]
    grad, hess, solution = d.steps[1].result, d.steps[2].result, d.steps[3].result
    rng = np.random.default_rng(5)
    X, y = _data(rng)
    w = rng.standard_normal(3)
    values = {"X": X, "y": y, "w": w, "lambda": lam}

    def loss(v):
        return float(np.sum((X @ v - y) ** 2) + lam * v @ v)

    assert np.allclose(_at(grad, **values).ravel(), _fd_gradient(loss, w), rtol=1e-6, atol=1e-6)
    assert np.allclose(_at(hess, **values), 2 * X.T @ X + 2 * lam * np.eye(3))
    assert np.allclose(_at(solution, **values).ravel(), np.linalg.solve(X.T @ X + lam * np.eye(3), X.T @ y))


def test_quadratic_form_stationary_point_solves_the_linear_system(derivations):
    d = derivations["quadratic-form"]
    rng = np.random.default_rng(2)
    A, b = rng.standard_normal((4, 4)) + 4 * np.eye(4), rng.standard_normal(4)
    x_star = _at(d.steps[-1].result, A=A, b=b).ravel()
    assert np.allclose(0.5 * (A + A.T) @ x_star, b)


def test_softmax_cross_entropy_gradient_with_respect_to_a_matrix(derivations):
    d = derivations["softmax-ce"]
    rng = np.random.default_rng(3)
    W, x = rng.standard_normal((4, 3)), rng.standard_normal(3)
    y = np.eye(4)[1]
    p = np.exp(W @ x) / np.exp(W @ x).sum()
    assert np.allclose(_at(d.result, W=W, x=x, y=y), np.outer(p - y, x))
    assert len(d.steps) == 2  # no Hessian or stationary point for a matrix variable
    assert "tr(" in render(d, "text")


def test_every_shown_result_was_certified_with_sizes_in_the_checks(derivations):
    checks = derivations["least-squares"].checks
    assert {"dr = J dw for r = Xw − y", "∇_w L", "∇²_w L"} <= {c.what for c in checks}
    assert all("random trials at sizes" in c.independent for c in checks)
    assert any("torch autograd" in c.method for c in checks)


def test_wrong_engine_result_is_never_shown(monkeypatch):
    import symgrad.steps.matrix as m

    X = declare("X", ("N", "d"))
    monkeypatch.setattr(m, "matrix_gradient", lambda expr, wrt, check=False: X.T * (X * wrt))
    with pytest.raises(sg.VerificationError):
        matrix_gradient_derivation("||X w - y||^2", "w", shapes=LSQ)


def test_explain_gradient_and_shaped_function_route_here():
    d = sg.explain.gradient("||X w - y||^2", shapes=LSQ, variables="w")
    assert d.kind == "matrix-gradient" and str(d.result) == "2*X.T*(X*w - y)"
    assert sg.explain.gradient("2*w0^2 + 3*w1^2", [3, 4]).kind == "gradient"  # scalar input unchanged


def test_bias_is_differentiated_as_a_scalar():
    d = matrix_gradient_derivation("||X w + b - y||^2", ["w", "b"], shapes=LSQ)
    text = render(d, "text")
    assert "∂L/∂b = 2sum(Xw + b𝟏 − y)" in text and "∇_w L = 2Xᵀ(Xw + b𝟏 − y)" in text


def test_latex_and_json_renderings():
    d = matrix_gradient_derivation("||X w - y||^2", "w", shapes=LSQ)
    latex = render(d, "latex")
    assert r"\left(X^{T} X\right)^{-1} X^{T} y" in latex and r"\Rightarrow" in latex
    data = json.loads(render(d, "json"))
    assert data["kind"] == "matrix-gradient" and data["result"]["text"] == "2Xᵀ(Xw − y)"
    assert data["result"]["srepr"].startswith("MatMul(Integer(2), Transpose(MatrixSymbol(Str('X')")
    assert "random trials at sizes" in data["checks"][0]["independent"]


def test_a_point_or_an_unknown_variable_is_refused_with_a_message():
    with pytest.raises(InputError, match="drop the point"):
        sg.explain.gradient("||X w - y||^2", [1, 2], shapes=LSQ, variables="w")
    with pytest.raises(InputError, match="does not occur"):
        matrix_gradient_derivation("||X w - y||^2", "v", shapes=LSQ)
    with pytest.raises(InputError, match="say which variable"):
        matrix_gradient_derivation("w^T x", shapes={"w": "d", "x": "d"})


def test_a_sympy_expression_is_accepted():
    X, w, y = declare("X", ("N", "d")), declare("w", "d"), declare("y", "N")
    d = matrix_gradient_derivation(ScalarOf((X * w - y).T * (X * w - y)), w)
    assert d.result == 2 * X.T * (X * w - y)
    assert isinstance(d.steps[-1].result, sympy.MatrixExpr)


# -- the command line: symgrad derive gradient ... --shape ... --wrt ... ----------------------------------------------
LSQ_ARGS = ["derive", "gradient", "||X w - y||^2", "--shape", "X=N,d", "--shape", "w=d", "--shape", "y=N", "--wrt", "w"]


def _cli(argv, capsys):
    from symgrad.cli import main

    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_derives_least_squares_in_matrix_notation(capsys, golden):
    code, out, _ = _cli(LSQ_ARGS, capsys)
    assert code == 0
    golden("derivations/matrix-least-squares.txt", out)


@pytest.mark.parametrize("fmt, fragment", [("md", r"\Rightarrow \nabla_{w} L"), ("latex", r"\documentclass"),
                                           ("json", '"kind": "matrix-gradient"')])
def test_cli_formats(capsys, fmt, fragment):
    code, out, _ = _cli(LSQ_ARGS + ["--format", fmt], capsys)
    assert code == 0 and fragment in out


def test_cli_two_variables_and_clear_errors(capsys):
    code, out, _ = _cli(["derive", "gradient", "||X w + b - y||^2", "--shape", "X=N,d", "--shape", "w=d",
                         "--shape", "y=N", "--wrt", "w,b"], capsys)
    assert code == 0 and "∂L/∂b = 2sum(Xw + b𝟏 − y)" in out
    code, _, err = _cli(LSQ_ARGS[:-1] + ["v"], capsys)
    assert code != 0 and "v does not occur in ‖Xw − y‖²" in err and "Traceback" not in err
    code, _, err = _cli(["derive", "hessian", "x^2", "--wrt", "x"], capsys)
    assert code != 0 and "does not take --variables (--wrt)" in err
