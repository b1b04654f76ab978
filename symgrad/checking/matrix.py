"""Checking answers in matrix notation: ``2Xᵀ(Xw − y)`` against ``2XᵀXw − 2Xᵀy``, with the shapes declared.

``sg.check(answer, key, shapes={"X": ("N", "d"), "w": "d", "y": "N"})`` comes here.
Both are read by :func:`symgrad.parsing.parse` with the same ``shapes``; the
mathematics is the matrix engine's :func:`symgrad.matrix.compare` (symbolic proof
by matrix algebra, else random concrete sizes and values, with the transposed key
and a constant multiple of the key recognised). This module turns its verdict into
a :class:`~.result.CheckResult` with the documented codes of :data:`.result.DIAGNOSES`
(table :data:`MATRIX_RULES`) and the evidence an instructor audits: the method, the
number of trials and the concrete sizes of each.

* ``2(Xw − y)ᵀX`` for ``2Xᵀ(Xw − y)`` (shape ``1 × d`` against ``d × 1``):
  ``transposed_entries``; any other shape: ``wrong_shape``;
* ``c·key``: ``c = −1`` ``sign_error``; ``0 < c < 1`` ``dropped_factor`` ("divided by 2");
  ``c > 1`` ``doubled_factor``;
* a scalar or matrix name the key does not have: ``unexpected_variable``;
* unreadable text (including shapes that do not agree): ``invalid:unparseable`` with
  the parser's message; no proof within ``limits.timeout``: ``invalid:timeout``.

Example:
    >>> S = {"X": ("N", "d"), "w": "d", "y": "N"}
    >>> check_matrix("2X^TXw - 2X^Ty", "2X^T(Xw - y)", shapes=S).note
    'correct'
    >>> check_matrix("2(Xw - y)^T X", "2X^T(Xw - y)", shapes=S).note
    'incorrect:transposed_entries'
    >>> check_matrix("X^T(Xw - y)", "2X^T(Xw - y)", shapes=S).note
    'incorrect:dropped_factor'
"""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction
from typing import Any, Callable

import sympy

from ..analysis._text import text
from ..errors import InputError, InputTooLarge, Timeout
from ..limits import DEFAULT_LIMITS, Limits, run_with_timeout
from ..matexpr import ScalarOf, is_matrix, matrix_symbols
from ..matrix.compare import MatrixComparison, compare
from .result import CheckResult, Evidence, Interpretation

__all__ = ["check_matrix", "question_shapes", "MATRIX_RULES", "TRIALS"]

#: random concrete instantiations when no symbolic proof is found
TRIALS = 5
#: the relative tolerance of :func:`symgrad.matrix.compare`
_RTOL = 1e-9


def question_shapes(expected: Any, shapes: Mapping[str, Any] | None = None) -> Mapping[str, Any] | None:
    """The ``shapes`` of a matrix-notation question: given, or those of an exercise's context; else None.

    >>> question_shapes("2*x", None) is None, question_shapes("2 w", {"w": "d"})
    (True, {'w': 'd'})
    """
    if shapes:
        return shapes
    context = getattr(expected, "context", None)
    return context.get("shapes") if isinstance(context, Mapping) else None


# -- reading ---------------------------------------------------------------------------------------------------
def _read(value: Any, shapes: Mapping[str, Any], limits: Limits) -> sympy.Basic:
    if isinstance(value, str):
        from ..parsing import parse

        value = parse(value, shapes=shapes, limits=limits)
    if not isinstance(value, sympy.Basic):
        raise InputError(f"expected text or a SymPy matrix expression, got {type(value).__name__}")
    if is_matrix(value) and value.shape == (1, 1):
        return ScalarOf(value)
    return value


def _shape(e: sympy.Basic) -> tuple:
    return tuple(e.shape) if is_matrix(e) else (1, 1)


def _shape_text(shape: tuple) -> str:
    return " × ".join(str(d) for d in shape)


# -- the engine's comparison, turned into a verdict with a documented diagnosis ---------------------------------------
def _ratio_code(c: Fraction) -> str | None:
    if c == -1:
        return "sign_error"
    if 0 < c < 1:
        return "dropped_factor"
    if c > 1:
        return "doubled_factor"
    return None


def _ratio_feedback(c: Fraction) -> str:
    if c == -1:
        return "Your answer has the wrong sign: it is the negative of the right expression."
    if 0 < c < 1:
        return f"A constant factor is missing: your answer is the right expression divided by {1 / c}."
    return f"A constant factor is counted too often: your answer is {c} times the right expression."


def _simple_fraction(value: float) -> Fraction | None:
    c = Fraction(value).limit_denominator(12)
    return c if abs(float(c) - value) <= 1e-9 * max(1.0, abs(value)) else None


def _by_factor(answer, key, comparison: MatrixComparison) -> tuple[str, str] | None:
    c = _simple_fraction(comparison.factor) if comparison.factor is not None else None
    code = _ratio_code(c) if c is not None else None
    return (code, _ratio_feedback(c)) if code else None


def _by_transpose(answer, key, comparison: MatrixComparison) -> tuple[str, str] | None:
    a, k = _shape(answer), _shape(key)
    if a == k:
        return "transposed_entries", "Your answer is the transpose of the right matrix."
    return "transposed_entries", (f"Your answer has shape {_shape_text(a)}, the right one {_shape_text(k)}: it is the "
                                  "transpose (a gradient has the shape of its variable).")


def _by_shape(answer, key, comparison: MatrixComparison) -> tuple[str, str] | None:
    return "wrong_shape", (f"Your answer has shape {_shape_text(_shape(answer))}; the answer must have shape "
                           f"{_shape_text(_shape(key))}.")


#: the engine's diagnosis (:class:`~symgrad.matrix.compare.MatrixComparison`) -> a code of DIAGNOSES and feedback
MATRIX_RULES: dict[str, Callable[[sympy.Basic, sympy.Basic, MatrixComparison], tuple[str, str] | None]] = {
    "factor": _by_factor,
    "transpose": _by_transpose,
    "shape": _by_shape,
}


# -- results -------------------------------------------------------------------------------------------------------
def _interpretation(answer: sympy.Basic) -> Interpretation:
    from ..steps.printing import latex_of  # the one LaTeX printer

    kind = "matrix" if is_matrix(answer) and answer.shape[1] != 1 else "vector" if is_matrix(answer) else "expression"
    return Interpretation(kind, text(answer), latex_of(answer))


def _result(status: str, code: str | None, feedback: str, answer: sympy.Basic, evidence: Evidence,
            kind: str) -> CheckResult:
    from ..steps.printing import math_text

    note = status if code is None else f"{status}:{code}"
    return CheckResult(status, 1.0 if status == "correct" else 0.0, feedback, math_text(feedback), code, (),
                       _interpretation(answer), evidence, note, kind)


def _key_kind(key: sympy.Basic) -> str:
    return "matrix-expression" if is_matrix(key) else "expression"


def _unexpected(answer: sympy.Basic, key: sympy.Basic) -> list[str]:
    dims = {d.name for m in matrix_symbols(key).values() for d in m.shape if d.is_Symbol}
    return sorted({s.name for s in answer.free_symbols} - {s.name for s in key.free_symbols} - dims)


def _evidence(comparison: MatrixComparison, rtol: float, seed: int) -> Evidence:
    method = "symbolic" if comparison.method == "symbolic" else "numeric" if comparison.sizes else "none"
    return Evidence(method, len(comparison.sizes), rtol if comparison.sizes else None, None, seed,
                    {"sizes": comparison.sizes} if comparison.sizes and not comparison.equal else None,
                    f"{comparison.message}; {len(comparison.sizes)} random trials (float64)" if comparison.sizes else comparison.message)


def _judge(answer: sympy.Basic, key: sympy.Basic, seed: int, timeout: float | None) -> CheckResult:
    kind = _key_kind(key)
    extra = _unexpected(answer, key)
    if extra:
        return _result("incorrect", "unexpected_variable", f"Your answer uses {', '.join(extra)}, which the "
                       "question does not have.", answer, Evidence("none", seed=seed), kind)
    comparison = run_with_timeout(compare, answer, key, trials=TRIALS, seed=seed, timeout=timeout)
    evidence = _evidence(comparison, _RTOL, seed)
    if comparison.equal:
        return _result("correct", None, "Correct.", answer, evidence, kind)
    found = MATRIX_RULES[comparison.diagnosis](answer, key, comparison) if comparison.diagnosis in MATRIX_RULES \
        else None
    if found:
        return _result("incorrect", found[0], found[1], answer, evidence, kind)
    return _result("incorrect", None, "Not equal to the right expression at random sizes and values.", answer,
                   evidence, kind)


def check_matrix(answer: Any, key: Any, *, shapes: Mapping[str, Any], limits: Limits | None = None,
                 seed: int = 0) -> CheckResult:
    """Judge an answer in matrix notation against a key in matrix notation (both read with ``shapes``).

    Arguments:
        answer: the student's text (or a SymPy matrix expression).
        key: the right answer, text or SymPy, read with the same ``shapes``.
        shapes: ``{name: shape}`` as for :func:`symgrad.parsing.parse`.
        limits: input limits and the time limit of the symbolic proof.
        seed: seed of the random sizes and values (reproducible).

    Returns:
        a :class:`~.result.CheckResult`; ``evidence.detail`` names the sizes and the number of trials.

    Example:
        >>> r = check_matrix("2X^T X w - 2 X^T y", "2X^T(Xw - y)", shapes={"X": ("N", "d"), "w": "d", "y": "N"})
        >>> r.status, r.evidence.method
        ('correct', 'symbolic')
    """
    limits = limits or DEFAULT_LIMITS
    key_expr = _read(getattr(key, "answer", key), shapes, limits)  # an exercise, or the key itself  # the key is the instructor's: errors propagate
    try:
        answer_expr = _read(answer, shapes, limits)
    except (InputTooLarge, Timeout) as error:
        return _invalid("too_large" if isinstance(error, InputTooLarge) else "timeout", str(error), key_expr, seed)
    except InputError as error:
        return _invalid("unparseable", str(error), key_expr, seed)
    try:
        return _judge(answer_expr, key_expr, seed, limits.timeout)
    except Timeout as error:
        return _invalid("timeout", str(error), key_expr, seed)
    except InputError as error:  # no values where both are defined
        return _invalid("undecided", str(error), key_expr, seed)


def _invalid(reason: str, message: str, key: sympy.Basic, seed: int) -> CheckResult:
    feedback = f"symgrad could not read this answer: {message}"
    return CheckResult("invalid", 0.0, feedback, feedback, None, (), Interpretation("unreadable"),
                       Evidence("none", seed=seed), f"invalid:{reason}", _key_kind(key))
