"""Checking answers in matrix notation: ``2Xᵀ(Xw − y)`` against ``2XᵀXw − 2Xᵀy``, with the shapes declared.

``sg.check(answer, key, shapes={"X": ("N", "d"), "w": "d", "y": "N"})`` comes here.
Both are read by :func:`symgrad.parse.parse` with the same ``shapes``, then:

1. **Shapes first.** An answer of the key's shape transposed (``2(Xw − y)ᵀX`` is
   ``1 × d``, the gradient ``d × 1``) whose transpose equals the key is diagnosed
   ``transposed_entries``; any other shape is ``wrong_shape``.
2. **Symbolic proof.** ``answer − key`` expanded by SymPy's matrix algebra is the
   zero matrix (method ``symbolic``).
3. **Random concrete instantiations** otherwise: every dimension gets a random size
   (distinct sizes, so a transpose cannot hide), every symbol random float64 values,
   both sides are evaluated by the matrix engine's evaluator; the evidence states
   the number of trials and the sizes (method ``numeric``).
4. **Diagnosis of a wrong answer**, a rule only when it *reproduces* the answer:
   the answer is ``c·key`` for a constant ``c`` (``−1``: ``sign_error``; ``½``:
   ``dropped_factor``, "the factor 2 is missing"; ``2``: ``doubled_factor``), or
   the key transposed (a square result).

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
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Callable

import numpy as np
import sympy

from ..analysis._text import text
from ..errors import InputError, InputTooLarge, Timeout
from ..limits import DEFAULT_LIMITS, Limits, run_with_timeout
from ..matexpr import ScalarOf, is_matrix, matrix_symbols
from ..matrix.evaluate import evaluate
from .result import CheckResult, Evidence, Interpretation

__all__ = ["check_matrix", "MATRIX_RULES", "TRIALS"]

#: random concrete instantiations when no symbolic proof is found
TRIALS = 5
_RTOL = 1e-9


# -- reading ---------------------------------------------------------------------------------------------------
def _read(value: Any, shapes: Mapping[str, Any], limits: Limits) -> sympy.Basic:
    if isinstance(value, str):
        from ..parse import parse

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


# -- comparison at random sizes ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Trials:
    """The values of both sides at random concrete sizes (one array per trial)."""

    sizes: tuple[dict[str, int], ...]
    answer: tuple[np.ndarray, ...]
    key: tuple[np.ndarray, ...]

    def detail(self) -> str:
        sizes = "; ".join(", ".join(f"{k}={v}" for k, v in s.items()) or "fixed" for s in self.sizes)
        return f"{len(self.sizes)} random instantiations (float64 values) at sizes [{sizes}]"


def _dimensions(*exprs: sympy.Basic) -> list[sympy.Symbol]:
    dims = {d for e in exprs for m in matrix_symbols(e).values() for d in m.shape if d.is_Symbol}
    return sorted(dims, key=lambda d: d.name)


def _draw_sizes(rng: np.random.Generator, dims: list[sympy.Symbol]) -> dict[sympy.Symbol, int]:
    """Distinct sizes 2..7 per dimension, so that an answer of a transposed shape cannot be evaluated by accident."""
    sizes = rng.permutation(np.arange(2, 8))[: len(dims)]
    return {d: int(n) for d, n in zip(dims, sizes)}


def _values(rng, exprs, sizes) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for e in exprs:
        for name, m in matrix_symbols(e).items():
            shape = tuple(int(d) if d.is_Integer else sizes[d] for d in m.shape)
            values.setdefault(name, rng.standard_normal(shape))
        for s in e.free_symbols:
            if isinstance(s, sympy.Symbol) and s.name not in values:
                values[s.name] = float(rng.uniform(0.5, 1.5))
    return values


def _as_array(value: Any, shape: tuple[int, int]) -> np.ndarray:
    return np.asarray(value, dtype=float).reshape(shape)


def _evaluate_both(answer: sympy.Basic, key: sympy.Basic, seed: int, transpose_answer: bool = False) -> _Trials:
    rng = np.random.default_rng(seed)
    dims = _dimensions(answer, key)
    sizes, got, want = [], [], []
    for _ in range(TRIALS):
        concrete = _draw_sizes(rng, dims)
        values = _values(rng, (answer, key), concrete)
        shape = tuple(int(d) if getattr(d, "is_Integer", True) else concrete[d] for d in _shape(key))
        with np.errstate(all="ignore"):
            a = np.asarray(evaluate(answer, values), dtype=float)
            k = _as_array(evaluate(key, values), shape)
        a = a.reshape(shape[::-1]).T if transpose_answer else a.reshape(shape)
        sizes.append({d.name: n for d, n in concrete.items()})
        got.append(a)
        want.append(k)
    return _Trials(tuple(sizes), tuple(got), tuple(want))


def _agree(got: tuple[np.ndarray, ...], want: tuple[np.ndarray, ...], rtol: float, atol: float) -> bool:
    return all(np.allclose(g, w, rtol=rtol, atol=atol * max(1.0, float(np.max(np.abs(w))) if w.size else 1.0))
               for g, w in zip(got, want))


def _constant_ratio(trials: _Trials) -> Fraction | None:
    """``c`` when the answer is ``c·key`` at every trial, ``c`` a simple fraction; else None."""
    ratios = []
    for g, w in zip(trials.answer, trials.key):
        big = np.abs(w) > 1e-6 * max(1.0, float(np.max(np.abs(w))))
        if not big.any():
            return None
        ratios.extend((g[big] / w[big]).tolist())
    c = Fraction(float(np.median(ratios))).limit_denominator(12)
    if c in (0, 1):
        return None
    scaled = tuple(float(c) * w for w in trials.key)
    return c if _agree(trials.answer, scaled, 1e-9, 1e-12) else None


# -- the diagnosis table: each rule reproduces the answer from the key ------------------------------------------------
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


@dataclass(frozen=True)
class MatrixRule:
    """A mistake: ``applies`` sees the trials and returns ``(code, feedback)`` when it reproduces the answer."""

    name: str
    applies: Callable[[sympy.Basic, sympy.Basic, _Trials, int], tuple[str, str] | None]


def _by_ratio(answer, key, trials, seed):
    c = _constant_ratio(trials)
    code = _ratio_code(c) if c is not None else None
    return (code, _ratio_feedback(c)) if code else None


def _by_transpose(answer, key, trials, seed):
    if _shape(key)[0] != _shape(key)[1] or _shape(key) == (1, 1):
        return None
    again = _evaluate_both(answer, key, seed, transpose_answer=True)
    if _agree(again.answer, again.key, _RTOL, 1e-12):
        return "transposed_entries", "Your answer is the transpose of the right matrix."
    return None


MATRIX_RULES: tuple[MatrixRule, ...] = (
    MatrixRule("constant multiple", _by_ratio),
    MatrixRule("transpose (square result)", _by_transpose),
)


# -- results -------------------------------------------------------------------------------------------------------
def _interpretation(answer: sympy.Basic) -> Interpretation:
    from ..render import latex_of  # the one LaTeX printer

    kind = "matrix" if is_matrix(answer) and answer.shape[1] != 1 else "vector" if is_matrix(answer) else "expression"
    return Interpretation(kind, text(answer), latex_of(answer))


def _result(status: str, code: str | None, feedback: str, answer: sympy.Basic | None, evidence: Evidence,
            kind: str) -> CheckResult:
    note = status if code is None else f"{status}:{code}"
    interpretation = _interpretation(answer) if answer is not None else Interpretation("unreadable")
    from ..render import math_text

    return CheckResult(status, 1.0 if status == "correct" else 0.0, feedback, math_text(feedback), code, (),
                       interpretation, evidence, note, kind)


def _key_kind(key: sympy.Basic) -> str:
    return "matrix-expression" if is_matrix(key) else "expression"


def _wrong_shape(answer, key, seed: int) -> CheckResult:
    a, k = _shape(answer), _shape(key)
    evidence = Evidence("none", seed=seed, detail=f"shape {_shape_text(a)} against {_shape_text(k)}")
    if a == k[::-1]:
        trials = _evaluate_both(answer, key, seed, transpose_answer=True)
        if _agree(trials.answer, trials.key, _RTOL, 1e-12):
            evidence = Evidence("numeric", len(trials.sizes), _RTOL, None, seed, None,
                                f"the transpose of the answer equals the key at {trials.detail()}")
            return _result("incorrect", "transposed_entries",
                           f"Your answer has shape {_shape_text(a)}, the right one {_shape_text(k)}: "
                           "it is the transpose (a gradient has the shape of its variable).",
                           answer, evidence, _key_kind(key))
    return _result("incorrect", "wrong_shape", f"Your answer has shape {_shape_text(a)}; the answer must have shape "
                   f"{_shape_text(k)}.", answer, evidence, _key_kind(key))


def _symbolic_zero(answer: sympy.Basic, key: sympy.Basic) -> bool:
    difference = (answer - key).doit().expand()
    return difference == 0 or isinstance(difference, sympy.ZeroMatrix)


def _judge(answer: sympy.Basic, key: sympy.Basic, rtol: float, atol: float, seed: int, timeout: float) -> CheckResult:
    kind = _key_kind(key)
    if _shape(answer) != _shape(key):
        return _wrong_shape(answer, key, seed)
    extra = sorted({s.name for s in answer.free_symbols} - {s.name for s in key.free_symbols}
                   - {d.name for m in matrix_symbols(key).values() for d in m.shape if d.is_Symbol})
    if extra:
        return _result("incorrect", "unexpected_variable", f"Your answer uses {', '.join(extra)}, which the "
                       "question does not have.", answer, Evidence("none", seed=seed), kind)
    try:
        if run_with_timeout(_symbolic_zero, answer, key, timeout=timeout):
            return _result("correct", None, "Correct.", answer,
                           Evidence("symbolic", 0, None, None, seed, None,
                                    "answer − key expanded by matrix algebra is the zero matrix"), kind)
    except Timeout:
        pass  # no proof in time: decide at random concrete sizes
    trials = _evaluate_both(answer, key, seed)
    evidence = Evidence("numeric", len(trials.sizes), rtol, atol, seed, None, f"compared at {trials.detail()}")
    if _agree(trials.answer, trials.key, rtol, atol):
        return _result("correct", None, "Correct.", answer, evidence, kind)
    first = next(i for i, (g, w) in enumerate(zip(trials.answer, trials.key))
                 if not np.allclose(g, w, rtol=rtol, atol=atol))
    witness = {"sizes": trials.sizes[first], "answer": trials.answer[first].round(6).tolist(),
               "expected": trials.key[first].round(6).tolist()}
    evidence = Evidence("numeric", len(trials.sizes), rtol, atol, seed, witness, f"they differ at {trials.detail()}")
    for rule in MATRIX_RULES:
        found = rule.applies(answer, key, trials, seed)
        if found:
            return _result("incorrect", found[0], found[1], answer, evidence, kind)
    return _result("incorrect", None, "Not equal to the right expression at random sizes and values.", answer,
                   evidence, kind)


def check_matrix(answer: Any, key: Any, *, shapes: Mapping[str, Any], rtol: float | None = None,
                 atol: float | None = None, limits: Limits | None = None, seed: int = 0) -> CheckResult:
    """Judge an answer in matrix notation against a key in matrix notation (both read with ``shapes``).

    Arguments:
        answer: the student's text (or a SymPy matrix expression).
        key: the right answer, text or SymPy, read with the same ``shapes``.
        shapes: ``{name: shape}`` as for :func:`symgrad.parse.parse`.
        rtol, atol: tolerances of the random instantiations (default 1e-9 and 1e-12, relative to the key's size).
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
    key_expr = _read(key, shapes, limits)  # the key is the instructor's: errors propagate
    try:
        answer_expr = _read(answer, shapes, limits)
    except (InputTooLarge, Timeout) as error:
        return _invalid("too_large" if isinstance(error, InputTooLarge) else "timeout", str(error), key_expr, seed)
    except InputError as error:
        return _invalid("unparseable", str(error), key_expr, seed)
    return _judge(answer_expr, key_expr, _RTOL if rtol is None else rtol, 1e-12 if atol is None else atol, seed,
                  limits.timeout)


def _invalid(reason: str, message: str, key: sympy.Basic, seed: int) -> CheckResult:
    feedback = f"symgrad could not read this answer: {message}"
    return CheckResult("invalid", 0.0, feedback, feedback, None, (), Interpretation("unreadable"),
                       Evidence("none", seed=seed), f"invalid:{reason}", _key_kind(key))
