"""The ``matrix_gradient`` exercise family (issue 13, item 6): every generated answer re-verified here against
torch autograd of a hand-written torch loss, the worked solution against the answer, the mistakes against
``sg.check`` with the family's shapes, and per-student variants."""

import numpy as np
import pytest
import torch

import symgrad as sg
from symgrad import exercises
from symgrad.matrix import evaluate

SIZES = {"N": 7, "d": 3, "K": 5}


def _torch_loss(template, c, k, v):
    """The losses written by hand in torch (independent of symgrad's parser, engine and evaluator)."""
    if template == "quadratic form":
        return c * v["x"] @ v["A"] @ v["x"] + k * v["b"] @ v["x"]
    if template in ("least squares", "ridge"):
        return c * torch.sum((v["X"] @ v["w"] - v["y"]) ** 2) + k * torch.sum(v["w"] ** 2)
    if template == "logistic regression":
        z = v["X"] @ v["w"]
        return c * (torch.sum(torch.nn.functional.softplus(z)) - v["y"] @ z)
    z = v["W"] @ v["x"]
    return c * (torch.logsumexp(z, 0) - v["y"] @ z)


def _values(shapes, rng):
    out = {}
    for name, shape in shapes.items():
        dims = shape if isinstance(shape, list) else [shape]
        out[name] = rng.standard_normal(tuple(SIZES[d] for d in dims))
    return out


def _autograd(ex, values):
    meta = ex.metadata
    c, k = meta["coefficients"]["c"], meta["coefficients"].get("k", 0)
    tensors = {n: torch.tensor(a, dtype=torch.float64, requires_grad=(n == meta["wrt"])) for n, a in values.items()}
    (grad,) = torch.autograd.grad(_torch_loss(meta["template"], c, k, tensors), tensors[meta["wrt"]])
    return grad.numpy()


CASES = [(level, seed) for level in (1, 2, 3) for seed in range(4)]


@pytest.fixture(scope="module")
def generated():
    return {case: exercises.generate("matrix_gradient", seed=case[1], difficulty=case[0]) for case in CASES}


@pytest.mark.parametrize("case", CASES)
def test_answer_equals_torch_autograd_of_a_hand_written_loss(generated, case):
    ex = generated[case]
    values = _values(ex.metadata["shapes"], np.random.default_rng(case[1]))
    want = _autograd(ex, values)
    got = np.asarray(evaluate(ex.answer, values), dtype=float).reshape(want.shape)
    assert np.allclose(got, want, rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("case", CASES)
def test_typed_function_is_the_loss_and_the_solution_derives_the_answer(generated, case):
    ex = generated[case]
    shapes = {k: tuple(v) if isinstance(v, list) else v for k, v in ex.metadata["shapes"].items()}
    typed = sg.parse(ex.metadata["function"], shapes=shapes)
    values = _values(ex.metadata["shapes"], np.random.default_rng(9))
    assert np.isclose(float(evaluate(typed, values)), float(evaluate(ex.context["function"], values)))
    assert np.allclose(np.asarray(evaluate(ex.solution.result, values), dtype=float),
                       np.asarray(evaluate(ex.answer, values), dtype=float))


@pytest.mark.parametrize("case", CASES)
def test_answer_checks_correct_and_every_mistake_wrong_with_its_code(generated, case):
    ex = generated[case]
    assert sg.check(ex.answer, ex).correct
    for mistake in ex.mistakes:
        r = sg.check(mistake.answer, ex)
        assert not r.correct
        assert mistake.code is None or r.diagnosis == mistake.code


def test_the_three_levels_cover_the_five_kinds_of_loss():
    seen = {exercises.generate("matrix_gradient", seed=s, difficulty=lvl, verify=False).metadata["template"]
            for lvl in (1, 2, 3) for s in range(12)}
    assert seen == {"quadratic form", "least squares", "ridge", "logistic regression", "softmax cross-entropy"}


def test_student_variants_are_reproducible_and_differ():
    a = exercises.for_student("matrix_gradient", "ada", "hw5", difficulty=2)
    assert a == exercises.for_student("matrix_gradient", "ada", "hw5", difficulty=2)
    variants = {exercises.for_student("matrix_gradient", s, "hw5", difficulty=2, verify=False).metadata["function"]
                for s in ("ada", "bob", "cy", "dee", "eve", "fay")}
    assert len(variants) > 1


def test_a_student_answer_typed_as_text_is_checked_against_the_exercise():
    ex = exercises.generate("matrix_gradient", seed=1, difficulty=2)
    c = ex.metadata["coefficients"]["c"]
    assert ex.metadata["template"] == "least squares"
    assert sg.check(f"{2 * c} X^T X w - {2 * c} X^T y", ex).correct
    assert sg.check(f"{c} X^T (X w - y)", ex).diagnosis == "dropped_factor"
    assert sg.check(f"{2 * c} (X w - y)^T X", ex).diagnosis == "transposed_entries"


def test_sheet_json_has_the_prompt_and_verification():
    ex = exercises.generate("matrix_gradient", seed=0, difficulty=3)
    data = ex.to_dict()
    assert data["kind"] == "matrix_gradient" and "∇_" in data["prompt"]["question"]
    assert any("finite differences" in v for v in data["verification"])
