"""Checking answers in matrix notation (issue 13, item 6): the issue's three cases and the other diagnoses,
the evidence (sizes and number of trials), and a Hypothesis property against an independent NumPy oracle."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import symgrad as sg
from symgrad.checking.matrix import TRIALS

S = {"X": ("N", "d"), "w": "d", "y": "N"}
KEY = "2X^T(Xw - y)"


def test_expanded_form_is_correct_by_symbolic_proof():
    r = sg.check("2X^TXw - 2X^Ty", KEY, shapes=S)
    assert r.status == "correct" and r.evidence.method == "symbolic" and r.score == 1.0


def test_transpose_is_diagnosed_with_both_shapes():
    r = sg.check("2(Xw - y)^T X", KEY, shapes=S)
    assert r.note == "incorrect:transposed_entries"
    assert "1 × d" in r.feedback and "d × 1" in r.feedback
    assert r.evidence.points == TRIALS and f"{TRIALS} random trials" in r.evidence.detail


def test_missing_factor_two_is_diagnosed():
    r = sg.check("X^T(Xw - y)", KEY, shapes=S)
    assert r.note == "incorrect:dropped_factor" and "divided by 2" in r.feedback
    assert r.evidence.method == "numeric" and r.evidence.points == TRIALS
    assert r.evidence.detail.count("N=") == TRIALS  # the sizes of every trial are stated
    assert f"{TRIALS} random trials" in r.evidence.detail


@pytest.mark.parametrize("answer, note", [
    ("-2X^T(Xw - y)", "incorrect:sign_error"),
    ("2X^T(y - Xw)", "incorrect:sign_error"),
    ("4X^T(Xw - y)", "incorrect:doubled_factor"),
    ("2X^T(Xw + y)", "incorrect"),
    ("2X^T X w", "incorrect"),
    ("2X^T(Xw - y) + lambda w", "incorrect:unexpected_variable"),
    ("2 w", "incorrect"),
    ("2X^T(Xw - y", "invalid:unparseable"),
    ("2X(Xw - y)", "invalid:unparseable"),  # shapes do not agree: refused with the parser's message
])
def test_wrong_answers_get_their_diagnosis(answer, note):
    assert sg.check(answer, KEY, shapes=S).note == note


def test_a_scalar_answer_to_a_vector_question_is_the_wrong_shape():
    r = sg.check("||Xw - y||^2", KEY, shapes=S)
    assert r.note == "incorrect:wrong_shape" and "1 × 1" in r.feedback


def test_square_matrix_transposed_and_logistic_forms():
    shapes = {"A": ("d", "d"), "x": "d"}
    assert sg.check("A^T + A", "A + A^T", shapes=shapes).note == "correct"
    assert sg.check("A^T x", "A x", shapes=shapes).note == "incorrect"
    assert sg.check("A^T", "A", shapes=shapes).note == "incorrect:transposed_entries"
    assert sg.check("X^T σ(Xw) - X^T y", "X^T(σ(Xw) - y)", shapes=S).note == "correct"
    assert sg.check("(softmax(W x) - y) x^T", "softmax(W x) x^T - y x^T",
                    shapes={"W": ("K", "d"), "x": "d", "y": "K"}).note == "correct"


def test_scalar_answers_in_matrix_notation():
    assert sg.check("2 w^T w", "2||w||^2", shapes=S).note == "correct"
    assert sg.check("w^T w", "2||w||^2", shapes=S).note == "incorrect:dropped_factor"


def test_evidence_is_reproducible_and_json_ready():
    a = sg.check("X^T(Xw - y)", KEY, shapes=S, seed=3).to_dict()
    b = sg.check("X^T(Xw - y)", KEY, shapes=S, seed=3).to_dict()
    assert a == b and len(a["evidence"]["witness"]["sizes"]) == TRIALS


def test_feedback_never_shows_the_key():
    for answer in ("X^T(Xw - y)", "2(Xw - y)^T X", "2X^T(Xw + y)"):
        assert "Xᵀ(Xw − y)" not in sg.check(answer, KEY, shapes=S).feedback


# The oracle is the construction: c·Xᵀ(Xw − y) + e·Xᵀy equals 2Xᵀ(Xw − y) exactly when (c, e) = (2, 0), and is
# c/2 times the key when e = 0.
@given(st.sampled_from([1, 2, -2, 3]), st.sampled_from([0, 1, -1]))
def test_verdict_matches_the_coefficients(c, e):
    answer = f"({c})X^T(Xw - y) + ({e})X^T y"
    r = sg.check(answer, KEY, shapes=S)
    assert r.correct == (c == 2 and e == 0)
    if e == 0 and c != 2:
        assert r.diagnosis == {1: "dropped_factor", -2: "sign_error", 3: "doubled_factor"}[c]
