"""The matrix engine through Function: the issue's examples, the chapter's models, evaluation, refusals."""

import numpy as np
import pytest
import sympy

import symgrad as sg
from symgrad.errors import InputError, VerificationError
from symgrad.matexpr import DiagMatrix, Elementwise, ScalarOf, declare, text
from symgrad.matrix import Kernel, certify, evaluate, matrix_gradient, matrix_hessian
from symgrad.function import MatrixFunction
from symgrad.models import HypersphereModel, least_squares_loss, logistic_loss

torch = pytest.importorskip("torch")

SHAPES = {"X": ("N", "d"), "w": "d", "y": "N"}
rng = np.random.default_rng(7)
X, W, Y = rng.standard_normal((7, 3)), rng.standard_normal(3), rng.standard_normal(7)
LABELS = (rng.random(7) > 0.5).astype(float)


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def test_least_squares_end_to_end():
    f = sg.Function("||X w - y||^2", shapes=SHAPES, variables=["w"])
    assert isinstance(f, MatrixFunction) and isinstance(f, sg.Function)
    assert text(f.gradient("w")) == "2*X.T*(X*w - y)"
    assert text(f.hessian("w")) == "2*X.T*X"
    # hand-written NumPy closed forms (the oracle)
    np.testing.assert_allclose(f.at(X=X, w=W, y=Y), np.sum((X @ W - Y) ** 2))
    np.testing.assert_allclose(f.gradient_at(X=X, w=W, y=Y), 2 * X.T @ (X @ W - Y))
    np.testing.assert_allclose(f.hessian_at(X=X, w=W, y=Y), 2 * X.T @ X)


def test_logistic_loss_gradient_and_hessian_are_the_textbook_forms():
    f = sg.Function("sum(log(1 + exp(X w))) - y^T X w", shapes=SHAPES, variables=["w"])
    assert text(f.gradient()) == "X.T*(σ(X*w) - y)"
    assert text(f.hessian()) == "X.T*diag(σ(X*w) ⊙ (1 - σ(X*w)))*X"
    p = sigmoid(X @ W)
    np.testing.assert_allclose(f.gradient_at(X=X, w=W, y=LABELS), X.T @ (p - LABELS))
    np.testing.assert_allclose(f.hessian_at(X=X, w=W, y=LABELS), X.T @ ((p * (1 - p))[:, None] * X))


def test_jacobian_of_sigmoid_of_Xw():
    f = sg.Function("σ(X w)", shapes=SHAPES, variables=["w"])
    assert text(f.jacobian("w")) == "diag(σ(X*w) ⊙ (1 - σ(X*w)))*X"
    p = sigmoid(X @ W)
    np.testing.assert_allclose(f.jacobian_at(X=X, w=W), (p * (1 - p))[:, None] * X)


def test_softmax_cross_entropy_is_p_minus_y():
    f = sg.Function("logsumexp(z) - t^T z", shapes={"z": "K", "t": "K"}, variables=["z"])
    assert text(f.gradient()) == "softmax(z) - t"
    z, t = np.array([1.0, -2.0, 0.5]), np.array([0.0, 1.0, 0.0])
    np.testing.assert_allclose(f.gradient_at(z=z, t=t), np.exp(z) / np.exp(z).sum() - t)


def test_gradient_with_respect_to_a_matrix():
    f = sg.Function("||X W - Y||_F^2", shapes={"X": ("N", "d"), "W": ("d", "K"), "Y": ("N", "K")}, variables=["W"])
    assert text(f.gradient("W")) == "2*X.T*(X*W - Y)"
    Wm, Ym = rng.standard_normal((3, 2)), rng.standard_normal((7, 2))
    np.testing.assert_allclose(f.gradient_at(X=X, W=Wm, Y=Ym), 2 * X.T @ (X @ Wm - Ym))
    with pytest.raises(InputError, match="vectors only"):
        f.hessian("W")


def test_two_layer_network_gradient_matches_torch():
    """L(V, u) = ‖tanh(X Vᵀ) u − y‖² differentiated w.r.t. the hidden-layer matrix V and the output vector u."""
    Xs, V, u = declare("X", ("N", "d")), declare("V", ("h", "d")), declare("u", "h")
    ys = declare("y", "N")
    r = Elementwise("tanh", Xs * V.T) * u - ys
    f = sg.Function(ScalarOf(r.T * r), variables=["V", "u"])
    Vv, uv = rng.standard_normal((4, 3)), rng.standard_normal(4)
    Vt, ut = torch.tensor(Vv, requires_grad=True), torch.tensor(uv, requires_grad=True)
    loss = ((torch.tanh(torch.tensor(X) @ Vt.T) @ ut - torch.tensor(Y)) ** 2).sum()
    loss.backward()
    np.testing.assert_allclose(f.gradient_at(variables="V", X=X, V=Vv, u=uv, y=Y), Vt.grad.numpy(), rtol=1e-10)
    np.testing.assert_allclose(f.gradient_at(variables="u", X=X, V=Vv, u=uv, y=Y), ut.grad.numpy(), rtol=1e-10)


def test_scalar_parameters_stay_symbolic_and_bias_gradients_work():
    f = sg.Function("||X w + b - y||^2", shapes=SHAPES, variables=["w", "b"])
    r = X @ W + 0.5 - Y
    np.testing.assert_allclose(f.gradient_at(variables="b", X=X, w=W, y=Y, b=0.5), 2 * r.sum())
    np.testing.assert_allclose(f.gradient_at(variables="w", X=X, w=W, y=Y, b=0.5), 2 * X.T @ r)


# -- the chapter's models: their hand-written closed forms are what the derived ones must equal -----------------
@pytest.mark.parametrize("kind", ["least_squares", "logistic"])
def test_derived_losses_equal_the_hand_written_models(kind):
    text_of = {"least_squares": "||X w + b - y||^2", "logistic": "sum(softplus(X w + b)) - y^T (X w + b)"}
    f = sg.Function(text_of[kind], shapes=SHAPES, variables=["w", "b"])
    y = LABELS if kind == "logistic" else Y
    model = (least_squares_loss if kind == "least_squares" else logistic_loss)(X, y)
    theta = np.append(W, 0.3)
    value, grad = model.value_and_gradient(theta)
    data = {"X": X, "w": W, "b": 0.3, "y": y}
    np.testing.assert_allclose(f.at(**data), value)
    np.testing.assert_allclose(f.gradient_at(variables="w", **data), grad[:3])
    np.testing.assert_allclose(f.gradient_at(variables="b", **data), grad[3])
    np.testing.assert_allclose(f.hessian_at(variables="w", **data), model.hessian(theta)[:3, :3])


def test_hypersphere_model_derived_from_x_diag_w_x_plus_b():
    f = sg.Function("x^T diag(w) x + b", shapes={"x": "d", "w": "d"}, variables=["w", "b"])
    assert text(f.gradient("w")) == "x^∘2"
    model = HypersphereModel(3)
    x = np.array([0.5, -2.0, 1.5])
    symbolic = {str(v): sympy.diff(model.expr, v) for v in model.parameters[:3]}
    hand = [float(symbolic[f"w{i}"].subs({sympy.Symbol(f"x{i}", real=True): x[i]})) for i in range(3)]
    np.testing.assert_allclose(f.gradient_at(variables="w", x=x, w=W, b=1.0), hand)
    assert f.gradient("b") == 1


# -- evaluation and compiled kernels ------------------------------------------------------------------------
def test_torch_kernels_keep_dtype_and_are_differentiable():
    c = sg.Function("sum(log(1 + exp(X w))) - y^T X w", shapes=SHAPES, variables=["w"]).compile("torch")
    Xt = torch.tensor(X, dtype=torch.float32)
    wt = torch.tensor(W, dtype=torch.float32, requires_grad=True)
    yt = torch.tensor(LABELS, dtype=torch.float32)
    g = c.gradient(X=Xt, w=wt, y=yt)
    assert g.dtype == torch.float32 and g.shape == (3,)
    (auto,) = torch.autograd.grad(c.value(X=Xt, w=wt, y=yt), wt, create_graph=True)
    torch.testing.assert_close(g, auto)
    h_auto = torch.autograd.functional.hessian(lambda v: c.value(X=Xt, w=v, y=yt), wt.detach())
    torch.testing.assert_close(c.hessian(X=Xt, w=wt, y=yt), h_auto)


def test_numpy_kernels_take_data_by_name_and_keep_float32():
    c = sg.Function("||X w - y||^2", shapes=SHAPES, variables=["w"]).compile("numpy")
    g = c.gradient(X=X.astype(np.float32), w=W.astype(np.float32), y=Y.astype(np.float32))
    assert g.dtype == np.float32
    np.testing.assert_allclose(g, 2 * X.T @ (X @ W - Y), rtol=1e-4)


def test_diag_products_never_build_an_n_by_n_matrix(monkeypatch):
    Xs, s = declare("X", ("N", "d")), declare("s", "N")
    kernel = Kernel(Xs.T * DiagMatrix(s) * Xs, "numpy")

    def refuse(v):
        raise AssertionError("diag(s) was materialised")

    monkeypatch.setitem(kernel.ops, "diagflat", refuse)
    sv = rng.random(7)
    np.testing.assert_allclose(kernel({"X": X, "s": sv}), X.T @ np.diag(sv) @ X)


# -- refusals and certification -------------------------------------------------------------------------
def test_refusals_are_input_errors():
    f = sg.Function("||X w - y||^2", shapes=SHAPES, variables=["w"])
    with pytest.raises(InputError, match="not a variable"):
        f.gradient("X2")
    with pytest.raises(InputError, match="declared shape"):
        f.at(X=X, w=np.ones(4), y=Y)
    with pytest.raises(InputError, match="no value"):
        f.at(X=X, w=W)
    with pytest.raises(InputError, match="does not occur"):
        sg.Function("||X w - y||^2", shapes=SHAPES, variables=["v"])
    with pytest.raises(InputError, match="by name"):
        f.at([1, 2, 3])
    with pytest.raises(InputError, match="not an array of numbers"):
        f.at(X="abc", w=W, y=Y)


def test_a_wrong_result_is_never_returned():
    Xs, w, y = declare("X", ("N", "d")), declare("w", "d"), declare("y", "N")
    loss = ScalarOf((Xs * w - y).T * (Xs * w - y))
    with pytest.raises(VerificationError, match="withheld"):
        certify(loss, Xs.T * (Xs * w - y), w)  # the missing factor 2
    with pytest.raises(VerificationError):
        certify(loss, Xs.T * Xs, w, "hessian")


def test_scalar_functions_stay_on_the_scalar_path():
    f = sg.Function("2*w0^2 + 3*w1^2")
    assert type(f) is sg.Function
    assert f.gradient().T.tolist() == [[4 * sympy.Symbol("w0", real=True), 6 * sympy.Symbol("w1", real=True)]]


def test_engine_functions_certify_by_default():
    x, A = declare("x", "n"), declare("A", ("n", "n"))
    assert matrix_hessian(ScalarOf(x.T * A * x), x) == A + A.T
    assert matrix_gradient(ScalarOf(x.T * x), x) == 2 * x
    assert evaluate(ScalarOf(x.T * x), {"x": [3.0, 4.0]}) == 25.0


# -- comparing answers in matrix notation (the engine side of checking) -------------------------------------
def test_compare_answers_in_matrix_notation():
    from symgrad.matrix import compare

    shapes = SHAPES
    key = sg.parse("2X^T(Xw - y)", shapes=shapes)
    same = compare(sg.parse("2X^TXw - 2X^Ty", shapes=shapes), key)
    assert same.equal
    transposed = compare(sg.parse("2(Xw - y)^T X", shapes=shapes), key)
    assert not transposed.equal and transposed.diagnosis == "transpose" and transposed.sizes
    half = compare(sg.parse("X^T(Xw - y)", shapes=shapes), key)
    assert not half.equal and half.diagnosis == "factor" and half.factor == 0.5
    assert "N=" in half.message and "d=" in half.message  # the sizes are stated in the evidence
    wrong = compare(sg.parse("X^T X w", shapes=shapes), key)
    assert not wrong.equal and wrong.diagnosis is None


def test_without_torch_certification_uses_finite_differences(monkeypatch):
    import importlib

    from symgrad.errors import BackendUnavailable

    cert = importlib.import_module("symgrad.matrix.certify")  # the module (the package exports the function)

    def missing():
        raise BackendUnavailable("no torch here")

    monkeypatch.setattr(cert, "_torch", missing)
    Xs, w, y = declare("X", ("N", "d")), declare("w", "d"), declare("y", "N")
    loss = sympy.log(1 + ScalarOf((Xs * w - y).T * (Xs * w - y)))
    good = matrix_gradient(loss, w, check=False)
    assert cert.certify(loss, good, w).oracles[0] == "central finite differences"
    assert cert.certify(loss, matrix_hessian(loss, w, check=False), w, "hessian").oracles[0].startswith("central")
    with pytest.raises(VerificationError, match="finite differences"):
        cert.certify(loss, 2 * good, w, explicit_check=False)


def test_softmax_cross_entropy_of_a_two_layer_network_wrt_both_matrices():
    shapes = {"U": ("h", "d"), "V": ("K", "h"), "x": "d", "t": "K"}
    f = sg.Function("logsumexp(V tanh(U x)) - t^T V tanh(U x)", shapes=shapes, variables=["U", "V"])
    assert text(f.gradient("U")) == "((V.T*(softmax(V*tanh(U*x)) - t)) ⊙ (1 - tanh(U*x)^∘2))*x.T"
    U, V, x = rng.standard_normal((4, 3)), rng.standard_normal((2, 4)), rng.standard_normal(3)
    t = np.array([0.0, 1.0])
    Ut, Vt = torch.tensor(U, requires_grad=True), torch.tensor(V, requires_grad=True)
    logits = Vt @ torch.tanh(Ut @ torch.tensor(x))
    torch.nn.functional.cross_entropy(logits[None], torch.tensor([1])).backward()  # the torch loss, by hand
    np.testing.assert_allclose(f.gradient_at(variables="U", U=U, V=V, x=x, t=t), Ut.grad.numpy(), rtol=1e-10)
    np.testing.assert_allclose(f.gradient_at(variables="V", U=U, V=V, x=x, t=t), Vt.grad.numpy(), rtol=1e-10)


def test_the_chapter_classifier_on_rasterized_images_trains_on_the_derived_gradient():
    """LinearClassifier's hand-written loss (mean logistic over rasterized 8×8 images) = the derived one / N."""
    from symgrad.models import LinearClassifier

    images = rng.standard_normal((24, 8, 8))
    labels = np.array([0, 1] * 12)
    images[labels == 1] += 0.8
    clf = LinearClassifier(max_steps=20).fit(images, labels)
    data, targets = clf.loss_.X, clf.loss_.y
    theta = np.asarray(clf.trace_.final)
    f = sg.Function("sum(softplus(X w + b)) - y^T (X w + b)", shapes=SHAPES, variables=["w", "b"])
    values = {"X": data, "y": targets, "w": theta[:-1], "b": float(theta[-1])}
    n = data.shape[0]
    np.testing.assert_allclose(f.gradient_at(variables="w", **values) / n, clf.loss_.gradient(theta)[:-1], atol=1e-12)
    np.testing.assert_allclose(f.gradient_at(variables="b", **values) / n, clf.loss_.gradient(theta)[-1], atol=1e-12)


def test_gradients_of_several_variables_from_one_evaluation_equal_torch_autograd():
    """c.gradients(...) shares Xw + b between ∇w and ∂b; the oracle is loss.backward() on the same data."""
    import torch

    f = sg.Function("sum(softplus(X w + b)) - y^T (X w + b)", shapes={"X": ("N", "d"), "w": "d", "y": "N"},
                    variables=["w", "b"])
    rng = np.random.default_rng(3)
    X, y = torch.tensor(rng.standard_normal((7, 4))), torch.tensor((rng.random(7) > 0.5).astype(float))
    w, b = torch.tensor(rng.standard_normal(4), requires_grad=True), torch.tensor(0.3, dtype=torch.float64, requires_grad=True)
    torch.nn.functional.binary_cross_entropy_with_logits(X @ w + b, y, reduction="sum").backward()
    c = f.compile("torch")
    gw, gb = c.gradients(X=X, w=w.detach(), b=b.detach(), y=y)
    assert torch.allclose(gw, w.grad) and torch.allclose(gb, b.grad)
    (only_b,) = c.gradients(X=X, w=w.detach(), b=b.detach(), y=y, variables=["b"])
    assert torch.allclose(only_b, b.grad)


def test_classifier_gradients_stay_float32_on_both_backends_and_match_torch_autograd():
    """Matrix × column products run as gemv (``Xᵀr`` on the transposed view); float32 in gives float32 out,
    and the values equal loss.backward() on the same float32 data (the oracle)."""
    import torch

    f = sg.Function("sum(softplus(X w + b)) - y^T (X w + b)", shapes={"X": ("N", "d"), "w": "d", "y": "N"},
                    variables=["w", "b"])
    rng = np.random.default_rng(5)
    X = rng.standard_normal((9, 6), dtype=np.float32)
    y = (rng.random(9) > 0.5).astype(np.float32)
    w = rng.standard_normal(6).astype(np.float32)
    wt = torch.tensor(w, requires_grad=True)
    bt = torch.tensor(0.25, dtype=torch.float32, requires_grad=True)
    torch.nn.functional.binary_cross_entropy_with_logits(torch.from_numpy(X) @ wt + bt, torch.from_numpy(y),
                                                         reduction="sum").backward()
    gw, gb = f.compile("torch").gradients(X=torch.from_numpy(X), w=torch.from_numpy(w), b=torch.tensor(0.25), y=torch.from_numpy(y))
    assert gw.dtype == torch.float32 and gw.shape == (6,)
    assert torch.allclose(gw, wt.grad, atol=1e-5) and torch.allclose(gb, bt.grad, atol=1e-5)
    nw, nb = f.compile("numpy").gradients(X=X, w=w, b=np.float32(0.25), y=y)
    assert nw.dtype == np.float32 and nw.shape == (6,)
    np.testing.assert_allclose(nw, wt.grad.numpy(), atol=1e-5)
    np.testing.assert_allclose(nb, bt.grad.numpy(), atol=1e-5)
