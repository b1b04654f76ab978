"""The chapter's matrix-form models are derived from their typed formulas (issue 13, item 5): the hand-written
closed forms below are what the derived value, gradient and Hessian must equal."""

import numpy as np
import pytest
from scipy.special import expit

from symgrad.models import LinearClassifier, MatrixLoss, least_squares_loss, logistic_loss
from symgrad.models.matrix import FORMULAS
from symgrad.errors import InputError

RNG = np.random.default_rng(11)
X = RNG.standard_normal((40, 5))
THETA = RNG.standard_normal(6)


def _hand_least_squares(X, y, theta):
    w, b = theta[:-1], theta[-1]
    r = X @ w + b - y
    grad = np.append(2 * X.T @ r, 2 * r.sum())
    A = np.hstack([X, np.ones((len(y), 1))])
    return r @ r, grad, 2 * A.T @ A


def _hand_logistic(X, y, theta):
    w, b = theta[:-1], theta[-1]
    z = X @ w + b
    p = expit(z)
    value = np.sum(np.logaddexp(0, z) - y * z)
    A = np.hstack([X, np.ones((len(y), 1))])
    return value, A.T @ (p - y), A.T @ (A * (p * (1 - p))[:, None])


@pytest.mark.parametrize("make, hand, y", [
    (least_squares_loss, _hand_least_squares, RNG.standard_normal(40)),
    (logistic_loss, _hand_logistic, (RNG.random(40) > 0.5).astype(float)),
])
@pytest.mark.parametrize("reduction", ["sum", "mean"])
def test_derived_loss_equals_the_hand_written_closed_form(make, hand, y, reduction):
    L = make(X, y, reduction)
    value, grad, hess = hand(X, y, THETA)
    scale = 1 / len(y) if reduction == "mean" else 1
    got_value, got_grad = L.value_and_gradient(THETA)
    assert got_value == pytest.approx(value * scale, rel=1e-12)
    np.testing.assert_allclose(got_grad, grad * scale, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(L.hessian(THETA), hess * scale, rtol=1e-10, atol=1e-12)
    assert L.largest_curvature(THETA) == pytest.approx(np.linalg.eigvalsh(hess * scale).max(), rel=1e-5)


def test_the_models_come_from_their_typed_formulas():
    assert FORMULAS == {"least_squares": "||X w + b - y||^2",
                        "logistic": "sum(softplus(X w + b)) - y^T (X w + b)"}
    L = logistic_loss(X, np.zeros(40))
    assert str(L.gradient_expr) == "X.T*(σ(b*1 + X*w) - y)"
    assert L.to_dict()["formula"] == FORMULAS["logistic"]
    assert least_squares_loss(X, np.zeros(40)).constant_curvature and not L.constant_curvature


def test_float32_data_stays_float32():
    L = least_squares_loss(X.astype(np.float32), np.zeros(40, dtype=np.float32))
    assert L.gradient(THETA.astype(np.float32)).dtype == np.float32


def test_classifier_trained_on_the_derived_loss_separates_two_clusters():
    data = np.vstack([RNG.normal(-1, 0.3, (30, 4)), RNG.normal(1, 0.3, (30, 4))])
    labels = [0] * 30 + [1] * 30
    assert LinearClassifier(max_steps=60).fit(data, labels).score(data, labels) == 1.0


def test_an_unknown_loss_names_the_formulas():
    with pytest.raises(InputError, match="least_squares, logistic"):
        MatrixLoss("hinge", X, np.zeros(40))


@pytest.mark.parametrize("n", [1, 2, 5])
def test_hypersphere_model_is_derived_from_x_diag_w_x_plus_b(n):
    import sympy

    from symgrad.models import HypersphereModel
    from symgrad.models.scalar import HYPERSPHERE

    assert HYPERSPHERE == "x^T diag(w) x + b"
    ws = [sympy.Symbol(f"w{i}", real=True) for i in range(n)]
    xs = [sympy.Symbol(f"x{i}", real=True) for i in range(n)]
    hand = sum(w * x**2 for w, x in zip(ws, xs)) + sympy.Symbol("b", real=True)  # the hand-written form
    model = HypersphereModel(n)
    assert sympy.expand(model.expr - hand) == 0
    assert [str(p) for p in model.parameters] == [*map(str, ws), "b"]


def test_hypersphere_model_refuses_a_bad_size():
    from symgrad.models import HypersphereModel

    with pytest.raises(InputError, match="whole number of inputs"):
        HypersphereModel(0)
