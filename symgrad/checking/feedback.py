"""Feedback sentences for the student: one template per outcome, plain text and LaTeX.

Templates never mention the key's value; they name the mistake and where it is
(``{where}`` becomes "in component 2" or "in entry (1, 2)", counted from 1 for
students). Instructors see the key's value only in ``evidence.witness``.
"""

from __future__ import annotations

from typing import Any

__all__ = ["FEEDBACK", "INVALID_FEEDBACK", "feedback_for", "where_text"]

#: outcome -> (plain text, LaTeX); ``{where}`` and ``{detail}`` are filled in
FEEDBACK: dict[str, tuple[str, str]] = {
    "correct": ("Correct.", "Correct."),
    "unsimplified": ("Correct, though your answer can still be simplified.",
                     "Correct, though your answer can still be simplified."),
    "incorrect": ("Not quite: your answer is not equivalent to the expected one{where}.",
                  "Not quite: your answer is not equivalent to the expected one{where}."),
    "sign_error": ("Check your signs{where}: a sign seems to be flipped.",
                   "Check your signs{where}: a sign seems to be flipped."),
    "missing_chain_factor": ("Check the chain rule{where}: the derivative of the inner function seems to be missing.",
                             "Check the chain rule{where}: the factor $\\frac{{du}}{{dw}}$ of the inner function $u$ seems to be missing."),
    "dropped_factor": ("Check the constant factors{where}: a constant factor seems to be missing (for example from the power rule).",
                       "Check the constant factors{where}: a constant factor seems to be missing (for example from the power rule)."),
    "doubled_factor": ("Check the constant factors{where}: a constant factor seems to be counted more than once.",
                       "Check the constant factors{where}: a constant factor seems to be counted more than once."),
    "transposed_entries": ("The right values seem to be in the wrong places: check the order of the components, rows and columns.",
                           "The right values seem to be in the wrong places: check the order of the components, rows and columns."),
    "gradient_ascent": ("Gradient descent moves against the gradient: check whether you added or subtracted the step.",
                        "Gradient descent moves against the gradient, $w - \\eta \\nabla L(w)$: check whether you added or subtracted the step."),
    "wrong_learning_rate": ("Check the learning rate: your step seems to use a different one from the question's.",
                            "Check the learning rate $\\eta$: your step seems to use a different one from the question's."),
    "wrong_point": ("Your formula looks right, but check the point where you evaluated it.",
                    "Your formula looks right, but check the point where you evaluated it."),
    "not_evaluated": ("Evaluate your formula at the given point: numbers are expected{where}.",
                      "Evaluate your formula at the given point: numbers are expected{where}."),
    "taylor_missing_half": ("Check the second-order term: the Hessian term of a Taylor approximation carries a factor 1/2.",
                            "Check the second-order term: it is $\\frac{{1}}{{2}}\\,\\Delta w^T H \\,\\Delta w$."),
    "taylor_first_order_only": ("A second-order approximation also needs the quadratic (Hessian) term.",
                                "A second-order approximation also needs the quadratic term $\\frac{{1}}{{2}}\\,\\Delta w^T H \\,\\Delta w$."),
    "semidefinite_confusion": ("Convexity needs the Hessian to be positive SEMI-definite: a second derivative (eigenvalue) of 0 at some points is allowed.",
                               "Convexity needs $H \\succeq 0$ (positive semi-definite): an eigenvalue of $0$ at some points is allowed."),
    "wrong_verdict": ("That verdict is not right: look again at the signs of the second derivative or of the Hessian's eigenvalues.",
                      "That verdict is not right: look again at the signs of the second derivative or of the eigenvalues of $H$."),
    "inexact_decimal": ("Close, but not exact{where}: give the exact value (a fraction or an expression) or enough digits.",
                        "Close, but not exact{where}: give the exact value (a fraction or an expression) or enough digits."),
    "wrong_shape": ("Wrong size: {detail}.", "Wrong size: {detail}."),
    "wrong_kind": ("Wrong kind of answer: {detail}.", "Wrong kind of answer: {detail}."),
    "unexpected_variable": ("Your answer uses {detail}, which the question does not have.",
                            "Your answer uses ${detail}$, which the question does not have."),
}

#: invalid reason -> plain text (the same text serves as LaTeX)
INVALID_FEEDBACK: dict[str, str] = {
    "unparseable": "Your answer could not be read: {detail} This attempt does not count.",
    "too_large": "Your answer is too large to check ({detail}). This attempt does not count.",
    "timeout": "Your answer took too long to check; write it in a simpler form. This attempt does not count.",
    "undecided": "Your answer could not be checked automatically; your instructor will look at it. This attempt does not count.",
    "empty": "No answer was given. This attempt does not count.",
    "undefined": "Your answer is not a number (it is undefined: {detail}) This attempt does not count.",
    "numeric_error": "Your answer could not be evaluated ({detail}) Write it in a simpler form. "
                     "This attempt does not count.",
}


def where_text(kind: str, wrong: tuple[Any, ...], total: int) -> str:
    """``" in component 2"``, ``" in entries (1, 2) and (2, 1)"``, or ``""`` when all or none are wrong."""
    if not wrong or total <= 1 or len(wrong) == total:
        return ""
    if kind == "matrix":
        names = [f"({i + 1}, {j + 1})" for i, j in wrong]
        noun = "entry" if len(names) == 1 else "entries"
    elif kind == "set":
        return ""
    else:
        names = [str(i + 1) for i in wrong]
        noun = "component" if len(names) == 1 else "components"
    listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    return f" in {noun} {listed}"


def feedback_for(outcome: str, *, where: str = "", detail: str = "") -> tuple[str, str]:
    """The (plain, LaTeX) sentences for ``outcome`` (a diagnosis code, ``correct`` or ``incorrect``)."""
    plain, latex = FEEDBACK.get(outcome, FEEDBACK["incorrect"])
    return plain.format(where=where, detail=detail), latex.format(where=where, detail=detail)


def invalid_feedback(reason: str, detail: str = "") -> tuple[str, str]:
    """The sentences for an ``invalid`` result."""
    text = INVALID_FEEDBACK[reason].format(detail=_one_line(detail))
    return text, text


#: longest detail a student is shown; a longer one is cut at a word, never inside one
MAX_DETAIL = 400


def _one_line(text: str) -> str:
    """The first line of ``text`` as one sentence, cut at a word boundary (with "…") when very long.

    Example:
        >>> _one_line("a " * 300).endswith("a …")
        True
    """
    first = str(text).strip().splitlines()[0] if str(text).strip() else ""
    if len(first) > MAX_DETAIL:
        first = first[:MAX_DETAIL].rsplit(" ", 1)[0] + " …"
        return first
    return first if first.endswith(".") else first + "."
