"""Models, losses over data, matrix-form losses, the classifier and the torch bridge, against independent oracles."""

import numpy as np
import pytest
import sympy as sp
from hypothesis import given, strategies as st

from symgrad import InputError
from symgrad.models import (
    HypersphereModel, LinearClassifier, LinearModel, MatrixLoss, PolynomialModel, fit, least_squares,
    least_squares_loss, logistic_loss, rasterize, squared_error, to_torch_module,
)
from symgrad.optimize import gradient_descent, momentum, newton

torch = pytest.importorskip("torch")

XS, YS = [1, 2, 3, 4, 5], [3, 5, 7, 9, 11]


def test_chapter_workout_loss_is_13_75_and_optimum_is_2_1():
    L = squared_error(LinearModel(), XS, YS)
    assert L.at(w=sp.Rational(3, 2), b=1) == sp.Rational(55, 4)
    assert L.at(w=2, b=1) == 0
    assert least_squares(LinearModel(), XS, YS) == {"w": 2, "b": 1}
    # the same numbers by hand, sample by sample (independent oracle)
    assert sum((1.5 * x + 1.0 - y) ** 2 for x, y in zip(XS, YS)) == 13.75


def test_float_data_give_float_loss():
    L = squared_error(LinearModel(), [1.0, 2.0, 3.0, 4.0, 5.0], [3.0, 5.0, 7.0, 9.0, 11.0])
    assert float(L.at(w=1.5, b=1.0)) == pytest.approx(13.75, rel=1e-14)


@given(st.lists(st.tuples(st.integers(-9, 9), st.integers(-9, 9)), min_size=2, max_size=8), st.integers(0, 3),
       st.sampled_from(["sum", "mean"]))
def test_statistics_loss_equals_the_sum_over_samples(data, degree, reduction):
    xs, ys = [d[0] for d in data], [d[1] for d in data]
    model = PolynomialModel(degree)
    L = squared_error(model, xs, ys, reduction)
    theta = {p: sp.Rational(k + 1, 3) for k, p in enumerate(model.parameters)}
    direct = sum((model.expr.xreplace({**theta, model.inputs[0]: x}) - y) ** 2 for x, y in zip(xs, ys))
    assert L.at({p.name: v for p, v in theta.items()}) == direct / (len(xs) if reduction == "mean" else 1)


def test_hypersphere_model_is_x_diag_w_x_plus_b():
    m = HypersphereModel(3)
    x = sp.Matrix(m.inputs)
    assert sp.expand((x.T * sp.diag(*m.parameters[:3]) * x)[0, 0] + m.parameters[3] - m.expr) == 0
    X = np.array([[1, 0, 0], [0, 2, 0], [0, 0, 1], [1, 1, 1], [2, 1, 0]])
    y = X[:, 0] ** 2 * 3 - X[:, 2] ** 2 + 2 * X[:, 1] ** 2 + 1
    assert least_squares(m, X, y) == {"w0": 3, "w1": 2, "w2": -1, "b": 1}


def test_closed_form_and_gradient_descent_agree_on_least_squares():
    rng = np.random.default_rng(1)
    x = rng.uniform(-2, 2, 50)
    y = 0.5 * x**2 - x + 2 + 0.1 * rng.standard_normal(50)
    best = least_squares(PolynomialModel(2), x, y)
    trace = fit(PolynomialModel(2), x, y, max_steps=20000, tol=1e-10)
    assert trace.stop_reason == "gradient_tolerance"
    np.testing.assert_allclose(trace.final, list(best.values()), rtol=1e-7)
    assert np.allclose(np.polyfit(x, y, 2)[::-1], list(best.values()))  # numpy's own fit as oracle
    newton_trace = fit(PolynomialModel(2), x, y, method="newton")
    np.testing.assert_allclose(newton_trace.final, list(best.values()), rtol=1e-9)
    scipy_result = fit(PolynomialModel(2), x, y, method="trust-exact")
    np.testing.assert_allclose(scipy_result.x, list(best.values()), rtol=1e-6)


def chapter_data(seed=0):
    g = torch.Generator().manual_seed(seed)
    x = 10 * torch.randn(100, generator=g, dtype=torch.float64)
    y = 1.5 * x + 2.73 + 0.5 * torch.randn(100, generator=g, dtype=torch.float64)
    return x, y


@pytest.mark.parametrize("model_name", ["linear", "quadratic"])
def test_chapter_fits_match_torch_autograd_step_by_step(model_name):
    x, y = chapter_data()
    model = LinearModel() if model_name == "linear" else PolynomialModel(2)
    x = x / 3 if model_name == "quadratic" else x  # keep 0.001 stable for x² (λmax < 2000)
    start = [0.3, -0.7] if model_name == "linear" else [0.3, -0.7, 0.1]
    params = [torch.tensor([v], dtype=torch.float64, requires_grad=True) for v in start]
    path = [start]
    for _ in range(300):
        pred = params[0] * x + params[1] if model_name == "linear" else params[0] + params[1] * x + params[2] * x**2
        loss = torch.mean((pred - y) ** 2)
        loss.backward()
        with torch.no_grad():
            for p in params:
                p -= 0.001 * p.grad
                p.grad.zero_()
        path.append([p.item() for p in params])
    L = squared_error(model, x.numpy(), y.numpy(), reduction="mean")
    ours = gradient_descent(L, start, 0.001, 300, tol=0)
    np.testing.assert_allclose(ours.path, np.array(path), rtol=1e-9)


def test_momentum_fit_matches_torch_sgd():
    x, y = chapter_data(3)
    model = torch.nn.Linear(1, 1).double()
    with torch.no_grad():
        model.weight.fill_(0.2), model.bias.fill_(-1.0)
    opt = torch.optim.SGD(model.parameters(), lr=0.001, momentum=0.9)
    path = [[0.2, -1.0]]
    for _ in range(200):
        opt.zero_grad()
        torch.nn.functional.mse_loss(model(x[:, None]), y[:, None]).backward()
        opt.step()
        path.append([model.weight.item(), model.bias.item()])
    L = squared_error(LinearModel(), x.numpy(), y.numpy(), reduction="mean")
    np.testing.assert_allclose(momentum(L, [0.2, -1.0], 0.001, 0.9, 200, tol=0).path, path, rtol=1e-9)


@pytest.mark.parametrize("kind", ["least_squares", "logistic"])
def test_matrix_loss_gradient_and_hessian_match_torch(kind):
    rng = np.random.default_rng(2)
    X, theta = rng.standard_normal((40, 6)), rng.standard_normal(7)
    y = (rng.random(40) > 0.5).astype(float) if kind == "logistic" else rng.standard_normal(40)
    L = least_squares_loss(X, y, "mean") if kind == "least_squares" else logistic_loss(X, y, "mean")
    Xt, yt = torch.tensor(X), torch.tensor(y)

    def loss(t):
        z = Xt @ t[:6] + t[6]
        if kind == "least_squares":
            return torch.mean((z - yt) ** 2)
        return torch.nn.functional.binary_cross_entropy_with_logits(z, yt)

    t = torch.tensor(theta)
    value, grad = L.value_and_gradient(theta)
    assert value == pytest.approx(loss(t).item(), rel=1e-12)
    np.testing.assert_allclose(grad, torch.func.grad(loss)(t).numpy(), rtol=1e-10, atol=1e-13)
    np.testing.assert_allclose(L.hessian(theta), torch.func.hessian(loss)(t).numpy(), rtol=1e-10, atol=1e-13)
    H = torch.func.hessian(loss)(t).numpy()
    assert L.largest_curvature(theta) == pytest.approx(np.linalg.eigvalsh(H).max(), rel=1e-5)


def test_matrix_forms_are_the_textbook_closed_forms():
    L = least_squares_loss(np.ones((3, 2)), np.zeros(3))
    assert str(L.gradient_expr) == "2*X.T*(b*1 + X*w - y)"
    assert str(L.hessian_expr) == "2*X.T*X"
    assert L.constant_curvature
    G = logistic_loss(np.ones((3, 2)), [0, 1, 1])
    assert "σ(b*1 + X*w)" in str(G.gradient_expr) and "DiagMatrix" in str(G.hessian_expr)


def test_matrix_loss_equals_the_symbolic_scalar_sum_on_a_tiny_dataset():
    X, y = np.array([[1.0, 2.0], [3.0, -1.0], [0.5, 0.5]]), np.array([1.0, 0.0, 1.0])
    L = logistic_loss(X, y)
    w = sp.symbols("w0 w1 b", real=True)
    scalar = sum(sp.log(1 + sp.exp(X[i] @ np.array(w[:2]) + w[2])) - y[i] * (X[i] @ np.array(w[:2]) + w[2]) for i in range(3))
    point = {w[0]: 0.3, w[1]: -0.2, w[2]: 0.1}
    grad = [float(sp.diff(scalar, v).xreplace(point)) for v in w]
    np.testing.assert_allclose(L.gradient([0.3, -0.2, 0.1]), grad, rtol=1e-12)


def test_rasterize_is_row_major_as_in_section_1_1():
    image = np.arange(224 * 224).reshape(224, 224)
    x = rasterize(image)
    assert x.shape == (50176,) and x[223] == image[0, 223] and x[224] == image[1, 0] and x[-1] == image[223, 223]
    assert rasterize(np.stack([image, image])).shape == (2, 50176)
    with pytest.raises(InputError, match="rasterize"):
        rasterize(np.zeros(4))


def make_images(n_per_class, seed=0):
    rng = np.random.default_rng(seed)
    base = rng.uniform(0, 255, (224, 224)).astype(np.float32)
    shift = np.zeros((224, 224), np.float32)
    shift[50:150, 50:150] = 20  # class 1 is brighter in a square
    noise = rng.normal(0, 30, (2 * n_per_class, 224, 224)).astype(np.float32)
    images = base + noise
    images[n_per_class:] += shift
    labels = np.array(["giraffe"] * n_per_class + ["car"] * n_per_class)
    return images, labels


def test_classifier_separates_two_clusters_of_224x224_images():
    images, labels = make_images(60)
    order = np.random.default_rng(1).permutation(len(labels))
    train, test = order[:80], order[80:]
    clf = LinearClassifier(max_steps=30).fit(images[train], labels[train])
    assert clf.coef_.shape == (50176,) and clf.trace_.stop_reason in ("max_steps", "gradient_tolerance")
    assert clf.trace_.losses[-1] < clf.trace_.losses[0]
    assert clf.score(images[test], labels[test]) == 1.0
    assert set(clf.predict(images[test])) <= {"giraffe", "car"}


def test_classifier_with_too_large_a_rate_reports_divergence():
    rng = np.random.default_rng(0)
    X = np.vstack([rng.normal(-1, 1, (30, 5)), rng.normal(1, 1, (30, 5))])
    y = np.array([0] * 30 + [1] * 30)
    L = least_squares_loss(X, np.where(y > 0, 1.0, -1.0), "mean")
    lam = L.largest_curvature()
    assert gradient_descent(L, np.zeros(6), 2.2 / lam, 500).stop_reason == "diverged"
    assert gradient_descent(L, np.zeros(6), 1.8 / lam, 500).stop_reason != "diverged"


def test_torch_module_trains_with_torch_optim_like_autograd():
    x, y = chapter_data(5)
    for model in (LinearModel(), PolynomialModel(2), HypersphereModel(1)):
        init = {p.name: 0.1 * (k + 1) for k, p in enumerate(model.parameters)}
        module = to_torch_module(model, init=init, dtype=torch.float64)
        fn = sp.lambdify([*model.inputs, *model.parameters], model.expr, modules="torch")
        plain = [torch.tensor(init[p.name], dtype=torch.float64, requires_grad=True) for p in model.parameters]
        xs = x / 10
        opt_a = torch.optim.Adam(module.parameters(), lr=0.01)
        opt_b = torch.optim.Adam(plain, lr=0.01)
        for _ in range(50):
            for opt, out in ((opt_a, module(xs)), (opt_b, fn(xs, *plain))):
                opt.zero_grad()
                torch.mean((out - y) ** 2).backward()
                opt.step()
        np.testing.assert_allclose([getattr(module, p.name).item() for p in model.parameters],
                                   [p.item() for p in plain], rtol=1e-9)


def test_torch_module_errors_name_the_symbols():
    with pytest.raises(InputError, match="neither a parameter nor an input"):
        to_torch_module(LinearModel().expr, parameters=["w"], inputs=["x"])
    with pytest.raises(InputError, match="not parameters"):
        to_torch_module(LinearModel(), init={"q": 1.0})


def test_data_shape_errors_are_input_errors():
    with pytest.raises(InputError, match="samples"):
        squared_error(LinearModel(), [1, 2, 3], [1, 2])
    with pytest.raises(InputError, match="shape"):
        MatrixLoss("least_squares", np.zeros(3), np.zeros(3))
