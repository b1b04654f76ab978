"""The exercise family ``matrix_gradient``: gradients in matrix notation (quadratic forms, least squares, ridge,
logistic regression, softmax cross-entropy), with verified solutions and per-student variants.

Each draw picks a template of its level and small integer coefficients from the
seeded stream, then

* derives the worked solution with :func:`symgrad.steps.matrix.matrix_gradient_derivation`,
  whose result (the engine's gradient with a common factor in front, certified against
  torch autograd) is the answer;
* lists the typical mistakes -- the transpose (``transposed_entries``), the missing
  factor 2 (``dropped_factor``), the sign (``sign_error``), and mistakes with no code
  (assuming ``A`` symmetric, forgetting the ridge term or the labels);
* verifies the answer independently: a hand-written NumPy loss of the template,
  differentiated by central finite differences at random concrete sizes, must equal
  the answer evaluated there (no symgrad code computes the oracle's side).

Then :func:`symgrad.exercises.generate` checks with ``sg.check(..., shapes=...)``
that the answer is correct and each mistake wrong with its diagnosis.

Example:
    >>> from symgrad import exercises
    >>> ex = exercises.generate("matrix_gradient", seed=4, difficulty=2)
    >>> ex.kind, sorted(ex.context["shapes"])
    ('matrix_gradient', ['X', 'w', 'y'])
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy
from scipy.special import logsumexp

from ..errors import VerificationError
from ..matexpr import Elementwise, Shape, Softmax, matrix_symbols
from ..matrix import evaluate
from ..steps.matrix import matrix_gradient_derivation, read_shaped
from .core import Draft, Family, Mistake, Prompt

__all__ = ["MATRIX_FAMILY", "TEMPLATES", "build_matrix_gradient"]

LSQ: dict[str, Shape] = {"X": ("N", "d"), "w": "d", "y": "N"}
QUAD: dict[str, Shape] = {"A": ("d", "d"), "x": "d", "b": "d"}
SOFTMAX: dict[str, Shape] = {"W": ("K", "d"), "x": "d", "y": "K"}

#: concrete sizes of the independent numeric check
SIZES = {"N": 6, "d": 3, "K": 4}


@dataclass(frozen=True)
class Template:
    """One kind of loss: its terms (a drawn coefficient ``c`` or ``k`` and a text each), shapes, variable,
    a NumPy loss (the oracle) and its typical mistakes."""

    name: str
    terms: tuple[tuple[str, str], ...]
    shapes: Mapping[str, Shape]
    wrt: str
    loss: Callable[..., float]  # NumPy, by keyword: the oracle of the finite differences
    mistakes: Callable[[sympy.Basic, Mapping[str, sympy.Basic], Mapping[str, int]], list[Mistake]]
    labels: str = ""  # "binary": y in {0, 1}; "onehot": y a one-hot vector


def _transposed(g: sympy.Basic) -> Mistake:
    return Mistake("transposed_entries", g.T, "the transpose: a row where the gradient is a column "
                   "(the shape of the variable)")


def _negated(g: sympy.Basic) -> Mistake:
    return Mistake("sign_error", -g, "the sign flipped (the residual taken the other way round)")


def _quadratic_mistakes(g, m, k) -> list[Mistake]:
    A, x, b = m["A"], m["x"], m["b"]
    return [_transposed(g), _negated(g),
            Mistake(None, 2 * k["c"] * A * x + k["k"] * b, "A taken as symmetric: 2Ax instead of (A + Aᵀ)x")]


def _least_squares_mistakes(g, m, k) -> list[Mistake]:
    return [_transposed(g), Mistake("dropped_factor", g / 2, "the factor 2 of the square is missing"), _negated(g)]


def _ridge_mistakes(g, m, k) -> list[Mistake]:
    X, w, y = m["X"], m["w"], m["y"]
    return [_transposed(g), Mistake(None, 2 * k["c"] * X.T * (X * w - y), "the gradient of the ridge term is missing"),
            _negated(g)]


def _logistic_mistakes(g, m, k) -> list[Mistake]:
    X, w = m["X"], m["w"]
    return [_transposed(g), _negated(g),
            Mistake(None, k["c"] * X.T * Elementwise("sigmoid", X * w), "the labels y are missing")]


def _softmax_mistakes(g, m, k) -> list[Mistake]:
    W, x = m["W"], m["x"]
    return [_transposed(g), _negated(g), Mistake(None, k["c"] * Softmax(W * x) * x.T, "the labels y are missing")]


def _np_least_squares(c, k, X, w, y):
    return c * np.sum((X @ w - y) ** 2) + k * np.sum(w * w)


def _np_logistic(c, k, X, w, y):
    z = X @ w
    return c * (np.sum(np.logaddexp(0, z)) - y @ z)


def _np_softmax(c, k, W, x, y):
    z = W @ x
    return c * (logsumexp(z) - y @ z)


def _np_quadratic(c, k, A, x, b):
    return c * x @ A @ x + k * b @ x


TEMPLATES: dict[int, tuple[Template, ...]] = {
    1: (Template("quadratic form", (("c", "x^T A x"), ("k", "b^T x")), QUAD, "x", _np_quadratic,
                 _quadratic_mistakes),),
    2: (Template("least squares", (("c", "||X w - y||^2"),), LSQ, "w", _np_least_squares, _least_squares_mistakes),
        Template("ridge", (("c", "||X w - y||^2"), ("k", "||w||^2")), LSQ, "w", _np_least_squares, _ridge_mistakes)),
    3: (Template("logistic regression", (("c", "sum(softplus(X w)) - y^T X w"),), LSQ, "w", _np_logistic,
                 _logistic_mistakes, "binary"),
        Template("softmax cross-entropy", (("c", "logsumexp(W x) - y^T W x"),), SOFTMAX, "W", _np_softmax,
                 _softmax_mistakes, "onehot")),
}


# -- the independent check -------------------------------------------------------------------------------------------
def _concrete(shapes: Mapping[str, Any], labels: str, rng: np.random.Generator) -> dict[str, np.ndarray]:
    values = {}
    for name, shape in shapes.items():
        dims = shape if isinstance(shape, tuple) else (shape,)
        values[name] = rng.standard_normal(tuple(SIZES[d] for d in dims))
    if labels == "binary":
        values["y"] = rng.integers(0, 2, values["y"].shape).astype(float)
    elif labels == "onehot":
        values["y"] = np.eye(values["y"].shape[0])[int(rng.integers(0, values["y"].shape[0]))]
    return values


def _finite_differences(loss: Callable[[np.ndarray], float], at: np.ndarray, h: float = 1e-6) -> np.ndarray:
    out = np.zeros_like(at)
    for index in np.ndindex(at.shape):
        step = np.zeros_like(at)
        step[index] = h
        out[index] = (loss(at + step) - loss(at - step)) / (2 * h)
    return out


def _verifier(template: Template, coefficients: Mapping[str, int], answer: sympy.Basic) -> Callable[[], list[str]]:
    def verify() -> list[str]:
        rng = np.random.default_rng(0)
        values = _concrete(template.shapes, template.labels, rng)
        c, k = coefficients["c"], coefficients.get("k", 0)

        def loss(v: np.ndarray) -> float:
            return template.loss(c, k, **{**values, template.wrt: v})

        oracle = _finite_differences(loss, values[template.wrt])
        shown = np.asarray(evaluate(answer, values), dtype=float).reshape(oracle.shape)
        if not np.allclose(shown, oracle, rtol=1e-5, atol=1e-5):
            raise VerificationError(f"the answer {answer} disagrees with finite differences of the NumPy loss "
                                    f"{template.name} at sizes {SIZES}")
        sizes = ", ".join(f"{d}={SIZES[d]}" for d in sorted(_dims(template.shapes)))
        return [f"the answer equals central finite differences of a hand-written NumPy {template.name} loss "
                f"at sizes {sizes}"]

    return verify


def _dims(shapes: Mapping[str, Any]) -> set[str]:
    return {d for s in shapes.values() for d in (s if isinstance(s, tuple) else (s,))}


# -- the builder -------------------------------------------------------------------------------------------------------
def _coefficients(rng: random.Random, template: Template) -> dict[str, int]:
    drawn = {"c": rng.randint(1, 3)}
    if any(name == "k" for name, _ in template.terms):
        drawn["k"] = rng.choice([-3, -2, -1, 1, 2, 3]) if template.name == "quadratic form" else rng.randint(1, 4)
    return drawn


def _typed(template: Template, coefficients: Mapping[str, int]) -> str:
    """The loss as a student types it: ``3(sum(softplus(X w)) - y^T X w)``, ``x^T A x - 2 b^T x``."""
    out = ""
    for name, term in template.terms:
        c = coefficients[name]
        body = f"({term})" if abs(c) != 1 and _is_sum(term) else term
        scaled = body if abs(c) == 1 else f"{abs(c)} {body}"
        out += (f" {'-' if c < 0 else '+'} " if out else ("-" if c < 0 else "")) + scaled
    return out


def _is_sum(term: str) -> bool:
    """True for ``a - b`` at the top level (not inside ``(...)`` or ``||...||``)."""
    top = re.sub(r"\|\|[^|]*\|\||\([^()]*\)", "", term)
    return " - " in top or " + " in top


def build_matrix_gradient(rng: random.Random, level: int) -> Draft:
    """One draw of the family (see the module docstring)."""
    template = rng.choice(TEMPLATES[level])
    coefficients = _coefficients(rng, template)
    expr, (wrt,) = read_shaped(_typed(template, coefficients), template.shapes, template.wrt)
    solution = matrix_gradient_derivation(expr, wrt)
    answer = solution.result  # textbook_gradient (a common factor in front), certified inside the derivation
    mistakes = tuple(template.mistakes(answer, matrix_symbols(expr), coefficients))
    prompt = Prompt(f"Gradient in matrix notation: {template.name}", solution.given,
                    f"Compute ∇_{wrt.name} L in matrix notation (an expression of shape {_shape(wrt)}).")
    context = {"question": "matrix_gradient", "shapes": dict(template.shapes), "function": expr,
               "variables": [wrt.name]}
    metadata = {"template": template.name, "function": _typed(template, coefficients), "coefficients": coefficients,
                "shapes": {k: list(v) if isinstance(v, tuple) else v for k, v in template.shapes.items()},
                "wrt": wrt.name}
    return Draft(prompt, answer, "matrix_gradient", solution, mistakes, (wrt,), _verifier(template, coefficients, answer),
                 context, metadata)


def _shape(m: sympy.MatrixSymbol) -> str:
    return " × ".join(str(d) for d in m.shape)


MATRIX_FAMILY = Family("matrix_gradient", "Gradients in matrix notation", "§9 in vectors and matrices (issue 13)",
                       {1: "quadratic form xᵀAx + bᵀx", 2: "least squares and ridge",
                        3: "logistic regression and softmax cross-entropy (a matrix variable)"},
                       build_matrix_gradient)
