"""``check(answer, expected)``: read, coerce, compare under the time limit, diagnose, explain.

The flow of one check (each step a small function below):

1. **The key** (:func:`_resolve_key`): text, a SymPy object or an exercise
   (anything with ``.answer`` and ``.kind``) becomes a :class:`~.reading.Value`
   of the kind asked for, plus a :class:`~.diagnose.Context` for diagnosis.
2. **The answer** (:func:`~.reading.read`): text through the safe parser; a
   parse error, an oversized input or a timeout is an ``invalid`` result, never
   an exception and never a wrong attempt.
3. **Coercion** to the key's kind: a wrong kind or size is ``incorrect`` with
   diagnosis ``wrong_kind`` / ``wrong_shape``.
4. **Comparison** in the worker process (:mod:`.equivalence`), cheap tests first,
   then a symbolic proof for what is left, all within one time budget
   (``limits.timeout``) shared by every worker call of the check.
5. **Diagnosis** of wrong components by reproducing the mistake (:mod:`.diagnose`).
6. **Feedback** from templates (:mod:`.feedback`) that never show the key.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import Any

import sympy

from ..errors import InputError, InputTooLarge, Timeout
from ..limits import DEFAULT_LIMITS, Limits, run_with_timeout
from .diagnose import Context, diagnose_job, singular_hessian_somewhere
from .equivalence import Judgement, Settings, close_pairs, judge_pairs, normalized_pairs, prove_pairs
from .feedback import feedback_for, invalid_feedback, where_text
from .matrix import check_matrix, question_shapes
from .reading import (
    DOMAIN_WORDS, KINDS, QUESTION_KINDS, VERDICT_AGREES, EmptyAnswer, Value, WrongKind, as_kind, coerce, decimal_warnings,
    domain_spec, kind_of, read,
)
from .result import CheckResult, Evidence, Interpretation

__all__ = ["check"]

_OVERWHELMING_POINTS = 10  # numeric agreement at this many 30-digit points counts when no proof is found
_METHOD_RANK = {"identical": 0, "symbolic": 1, "exact_points": 2, "numeric": 3, "tolerance": 4, "words": 0}


def check(
    answer: Any,
    expected: Any,
    *,
    variables: Sequence[Any] | None = None,
    kind: str | None = None,
    rtol: float | None = None,
    atol: float | None = None,
    domain: Mapping[Any, Any] | None = None,
    context: Mapping[str, Any] | Context | None = None,
    limits: Limits | None = None,
    seed: int = 0,
    shapes: Mapping[str, Any] | None = None,
) -> CheckResult:
    """Judge one answer against the key.

    Arguments:
        answer: the student's answer: text in any notation :func:`symgrad.parse.parse_answer`
            reads, or a SymPy object / number / list.
        expected: the key, in the same forms, or an exercise (an object with
            ``.answer`` and ``.kind``; its ``.context`` or ``.function``, ``.point``,
            ``.learning_rate`` feed the diagnosis).
        variables: the variables in order (names or Symbols); used to read
            ``w0 = 1, w1 = 2`` as a vector and to spot unexpected variables.
        kind: one of :data:`~.reading.KINDS` or a question kind of
            :data:`~.reading.QUESTION_KINDS` (``"gd_step"``...). Default: the key's own kind.
        rtol, atol: tolerances; without them the comparison is exact (decimals are exact rationals).
        domain: ``{name: "positive" | "nonnegative" | ... | (low, high)}``; the comparison holds
            only there (``sqrt(x^2)`` equals ``x`` only with ``{"x": "nonnegative"}``).
        context: for diagnosis: ``{"question": "gd_step", "function": ..., "point": ...,
            "learning_rate": ...}``.
        limits: input limits and the time budget of the whole check (``limits.timeout``).
        seed: seed of the random test points (results are reproducible).
        shapes: ``{name: shape}``: answer and key in matrix notation, judged by :mod:`.matrix`.

    Returns:
        a :class:`~.result.CheckResult`.

    Example:
        >>> import sympy, symgrad as sg
        >>> w0 = sympy.Symbol("w0", real=True)
        >>> sg.check(-2*w0, 2*w0).diagnosis
        'sign_error'
    """
    if question_shapes(expected, shapes):
        return check_matrix(answer, expected, shapes=question_shapes(expected, shapes), limits=limits, seed=seed)
    limits = limits or DEFAULT_LIMITS
    deadline = time.monotonic() + (limits.timeout or 3600.0)
    key, ctx = _resolve_key(expected, kind, context, variables)
    settings = Settings(rtol=rtol, atol=atol, domain=domain_spec(domain), seed=seed)
    names = _variable_names(variables, ctx)
    warnings = _domain_warnings(settings)
    try:
        raw = read(answer, limits=limits, symbols=names or None)
    except EmptyAnswer as error:
        return _invalid("empty", key, str(error), answer)
    except Timeout as error:
        return _invalid("timeout", key, str(error), answer)
    except InputTooLarge as error:
        return _invalid("too_large", key, str(error), answer)
    except InputError as error:
        return _invalid("unparseable", key, str(error), answer)
    if _undefined(raw):
        return _invalid("undefined", key, "it contains nan, zoo or an infinity", answer)
    warnings += decimal_warnings(answer)
    try:
        value, read_warnings = coerce(raw, key, names)
    except WrongKind as wrong:
        return _wrong_kind(wrong, key, raw, warnings, settings)
    interpretation = _interpretation(value, warnings + read_warnings)
    try:
        return _compare(value, key, ctx, settings, interpretation, names, deadline)
    except Timeout as error:
        return _invalid("timeout", key, str(error), answer, interpretation)
    except InputTooLarge as error:
        return _invalid("too_large", key, str(error), answer, interpretation)
    except _NUMERIC_ERRORS as error:  # a value too large for a float, a division by zero deep inside SymPy...
        return _invalid("numeric_error", key, f"{type(error).__name__}: {error}", answer, interpretation)


#: exceptions of numeric evaluation that become an ``invalid:numeric_error`` result instead of escaping
_NUMERIC_ERRORS = (OverflowError, ZeroDivisionError, ArithmeticError, ValueError, RecursionError)


def _undefined(raw: Any) -> bool:
    """True when the answer is (or contains) nan, complex infinity or an infinity: not a value to compare."""
    parts = list(raw) if isinstance(raw, (tuple, list)) else [raw]
    bad = (sympy.nan, sympy.zoo, sympy.oo, -sympy.oo)
    for part in parts:
        if isinstance(part, sympy.Basic) and (part in bad or part.has(*bad)):
            return True
    return False


# ------------------------------------------------------------------------------------------ the key
def _resolve_key(expected: Any, kind: str | None, context: Any, variables: Any) -> tuple[Value, Context]:
    exercise_context = None
    if hasattr(expected, "answer") and hasattr(expected, "kind") and not isinstance(expected, sympy.Basic):
        kind = kind or getattr(expected, "kind")
        exercise_context = _context_from_exercise(expected)
        expected = expected.answer
    question = None
    if kind is not None and kind not in KINDS:
        if kind not in QUESTION_KINDS:
            raise InputError(f"unknown kind {kind!r}; use one of {', '.join(KINDS)} or a question kind "
                             f"({', '.join(QUESTION_KINDS)})")
        question, kind = kind, QUESTION_KINDS[kind]
    key = kind_of(read(expected))
    if kind is not None:
        key = as_kind(key, kind)
    ctx = _build_context(context if context is not None else exercise_context, question, variables)
    return key, ctx


def _context_from_exercise(exercise: Any) -> Any:
    given = getattr(exercise, "context", None)
    if given is not None:
        return given
    found = {name: getattr(exercise, name) for name in ("function", "point", "learning_rate", "eta", "variables")
             if getattr(exercise, name, None) is not None}
    return found or None


def _build_context(context: Any, question: str | None, variables: Any) -> Context:
    if isinstance(context, Context):
        return context
    if not context:
        return Context(question=question)
    from ..function import as_function

    spec = dict(context)
    question = spec.get("question", question)
    function = spec.get("function")
    if function is None:
        return Context(question=question)
    f = as_function(read(function) if isinstance(function, str) else function, spec.get("variables", variables))
    f = as_function(_real_symbols(f.expr), [v.name for v in f.variables])
    point = spec.get("point", spec.get("center"))
    rate = spec.get("learning_rate", spec.get("eta"))
    return Context(
        question=question,
        expr=f.expr,
        variables=f.variables,
        point=tuple(f.vector(point)) if point is not None else None,
        learning_rate=read(rate) if rate is not None else None,
    )


def _real_symbols(expr: Any) -> Any:
    return expr.xreplace({s: sympy.Symbol(s.name, real=True) for s in expr.free_symbols if isinstance(s, sympy.Symbol)})


def _variable_names(variables: Any, ctx: Context) -> list[str]:
    if variables is not None:
        return [v.name if isinstance(v, sympy.Symbol) else str(v) for v in variables]
    return [v.name for v in ctx.variables]


def _domain_warnings(settings: Settings) -> list[str]:
    return [f"assumed {name} {DOMAIN_WORDS[word]}" if word in DOMAIN_WORDS else f"assumed {low:g} < {name} < {high:g}"
            for name, low, high, word in settings.domain if word != "real" or (low, high) != (-2.0, 2.0)]


# ------------------------------------------------------------------------------------------ comparing
def _compare(value, key, ctx, settings, interpretation, names, deadline) -> CheckResult:
    if key.kind == "verdict":
        return _compare_verdicts(value, key, ctx, interpretation, deadline)
    if key.kind == "set":
        return _compare_sets(value, key, settings, interpretation, deadline)
    pairs = _pairs(value, key, deadline)
    judgements = _judge(pairs, settings, deadline)
    wrong_flat = [i for i, j in enumerate(judgements) if j.equal is False]
    undecided = [i for i, j in enumerate(judgements) if j.equal is None]
    shape_index = _index_names(key)
    evidence = _evidence(judgements, settings, wrong_flat, shape_index)
    if undecided:
        return _invalid("undecided", key, "", None, interpretation, evidence)
    total = len(judgements)
    score = (total - len(wrong_flat)) / total if total else 0.0
    if not wrong_flat:
        interpretation = _numeric_warning(interpretation, judgements)
        code = "unsimplified" if _unsimplified(value, key) else None
        return _result("correct", 1.0, code, (), key, interpretation, evidence)
    diagnosis = _diagnose(value, key, ctx, settings, wrong_flat, names, deadline)
    wrong = tuple(shape_index[i] for i in wrong_flat)
    return _result("incorrect", score, diagnosis, wrong, key, interpretation, evidence)


def _pairs(value: Value, key: Value, deadline: float | None = None) -> list[tuple[sympy.Expr, sympy.Expr]]:
    if key.kind == "equation":
        return _equation_pairs(value, key, deadline)
    return list(zip(value.components(), key.components()))


def _equation_pairs(value: Value, key: Value, deadline: float | None = None) -> list[tuple[sympy.Expr, sympy.Expr]]:
    key_names = [lhs.name if isinstance(lhs, sympy.Symbol) else None for lhs, _ in key.data]
    answer_names = [lhs.name if isinstance(lhs, sympy.Symbol) else None for lhs, _ in value.data]
    if all(key_names) and sorted(key_names) == sorted(n for n in answer_names if n):
        by_name = dict(zip(answer_names, (rhs for _, rhs in value.data)))
        return [(by_name[name], rhs) for name, (_, rhs) in zip(key_names, key.data)]
    # general equations: equal when one side-difference is a nonzero constant multiple of the other;
    # the normalisation expands the student's equation, so it runs in the time-limited worker
    raw = [(al - ar, el - er) for (al, ar), (el, er) in zip(value.data, key.data)]
    timeout = _remaining(deadline) if deadline is not None else None
    return run_with_timeout(normalized_pairs, raw, timeout=timeout)


def _remaining(deadline: float) -> float:
    left = deadline - time.monotonic()
    if left <= 0.01:
        raise Timeout("checking this answer ran past its time limit and was stopped; write it in a simpler form")
    return left


def _judge(pairs, settings, deadline) -> list[Judgement]:
    judgements = run_with_timeout(judge_pairs, pairs, settings, timeout=_remaining(deadline))
    open_ = [i for i, j in enumerate(judgements) if j.equal is None]
    if not open_:
        return judgements
    try:
        proofs = run_with_timeout(prove_pairs, [pairs[i] for i in open_], settings, timeout=_remaining(deadline))
    except Timeout:
        proofs = [False] * len(open_)
    for i, proved in zip(open_, proofs):
        j = judgements[i]
        if proved:
            judgements[i] = Judgement(True, "symbolic", j.points)
        elif j.probable and j.points >= _OVERWHELMING_POINTS:
            judgements[i] = Judgement(True, "numeric", j.points)
    return judgements


def _index_names(key: Value) -> list[Any]:
    if key.kind == "matrix":
        rows, cols = key.data.shape
        return [(i, j) for i in range(rows) for j in range(cols)]
    return list(range(len(key.components())))


def _evidence(judgements, settings, wrong_flat, index_names) -> Evidence:
    if not judgements:
        return Evidence("none", rtol=settings.rtol, atol=settings.atol, seed=settings.seed)
    if wrong_flat:
        first = judgements[wrong_flat[0]]
        witness = {"component": index_names[wrong_flat[0]], "point": dict(first.witness),
                   "answer": first.answer_value, "expected": first.expected_value}
        detail = "differs at the witness point" if first.witness else "the values differ"
        return Evidence(first.method, max(j.points for j in judgements), settings.rtol, settings.atol,
                        settings.seed, witness, detail)
    method = max((j.method for j in judgements), key=lambda m: _METHOD_RANK.get(m, 5))
    points = max(j.points for j in judgements)
    undecided = any(j.equal is None for j in judgements)
    detail = ("no proof and no counterexample within the limits" if undecided else
              f"equal by the '{method}' test" + (f" at {points} points" if points else ""))
    return Evidence(method, points, settings.rtol, settings.atol, settings.seed, None, detail)


def _numeric_warning(interpretation: Interpretation, judgements) -> Interpretation:
    if any(j.method == "numeric" for j in judgements):
        return _with_warning(interpretation, "decided numerically: equal to 20 digits at every test point, "
                                             "but no symbolic proof was found within the time limit")
    return interpretation


def _with_warning(interpretation: Interpretation, warning: str) -> Interpretation:
    return Interpretation(interpretation.kind, interpretation.canonical, interpretation.latex,
                          interpretation.warnings + (warning,))


def _unsimplified(value: Value, key: Value) -> bool:
    ops_answer = sum(sympy.count_ops(c) for c in value.components() if isinstance(c, sympy.Basic))
    ops_key = sum(sympy.count_ops(c) for c in key.components() if isinstance(c, sympy.Basic))
    return ops_answer > 1.5 * ops_key + 2


# ------------------------------------------------------------------------------------------ sets and verdicts
def _compare_sets(value, key, settings, interpretation, deadline) -> CheckResult:
    answers, keys = list(value.data), list(key.data)
    pairs = [(a, e) for a in answers for e in keys]
    judgements = _judge(pairs, settings, deadline) if pairs else []
    equal = {(i // len(keys), i % len(keys)) for i, j in enumerate(judgements) if j.equal}
    matched_keys: set[int] = set()
    unmatched_answers = []
    for i in range(len(answers)):
        match = next((k for k in range(len(keys)) if (i, k) in equal and k not in matched_keys), None)
        if match is None:
            unmatched_answers.append(i)
        else:
            matched_keys.add(match)
    total = max(len(answers), len(keys))
    score = len(matched_keys) / total if total else 1.0
    evidence = Evidence(max((j.method for j in judgements), key=lambda m: _METHOD_RANK.get(m, 5), default="none"),
                        max((j.points for j in judgements), default=0), settings.rtol, settings.atol, settings.seed,
                        None, f"{len(matched_keys)} of {len(keys)} values matched")
    if not unmatched_answers and len(matched_keys) == len(keys):
        return _result("correct", 1.0, None, (), key, interpretation, evidence)
    diagnosis = "wrong_shape" if len(answers) != len(keys) else None
    detail = f"{len(keys)} value{'s' if len(keys) != 1 else ''} are expected, your answer has {len(answers)}"
    return _result("incorrect", score, diagnosis, tuple(unmatched_answers), key, interpretation, evidence, detail)


def _compare_verdicts(value, key, ctx, interpretation, deadline) -> CheckResult:
    evidence = Evidence("words", detail="verdict words compared after normalising synonyms")
    if value.data == key.data or (key.data, value.data) in VERDICT_AGREES:
        return _result("correct", 1.0, None, (), key, interpretation, evidence)
    diagnosis = "wrong_verdict"
    if key.data == "convex" and value.data in ("not convex", "no") and ctx.expr is not None:
        try:
            if singular_hessian_somewhere(ctx.expr, ctx.variables, timeout=_remaining(deadline)):  # time-limited inside
                diagnosis = "semidefinite_confusion"
        except (Timeout, InputError, NotImplementedError, ValueError, TypeError):
            pass
    return _result("incorrect", 0.0, diagnosis, (), key, interpretation, evidence)


# ------------------------------------------------------------------------------------------ diagnosis
def _diagnose(value, key, ctx, settings, wrong_flat, names, deadline) -> str | None:
    unexpected = _unexpected_variables(value, key, names)
    if unexpected and ctx.question not in ("gradient_at", "hessian_at", "value_at", "gd_step"):
        return "unexpected_variable"
    if key.kind == "equation":
        pairs = _pairs(value, key, deadline)
        value, key = Value("vector", tuple(a for a, _ in pairs)), Value("vector", tuple(e for _, e in pairs))
    if not settings.numeric and _all_numbers(value, key, wrong_flat):
        pairs = [(value.components()[i], key.components()[i]) for i in wrong_flat]
        try:
            if all(run_with_timeout(close_pairs, pairs, 5e-3, timeout=_remaining(deadline))):
                return "inexact_decimal"
        except (Timeout, InputError):
            return None
    try:
        return run_with_timeout(diagnose_job, value, key, ctx, wrong_flat, settings, timeout=_remaining(deadline))
    except (Timeout, InputError):
        return None


def _all_numbers(value: Value, key: Value, indices) -> bool:
    a, e = value.components(), key.components()
    return all(isinstance(a[i], sympy.Expr) and a[i].is_number and e[i].is_number for i in indices)


def _unexpected_variables(value: Value, key: Value, names: list[str]) -> list[str]:
    allowed = set(names) | {s.name for c in key.components() if isinstance(c, sympy.Basic) for s in c.free_symbols}
    used = {s.name for c in value.components() if isinstance(c, sympy.Basic) for s in c.free_symbols}
    return sorted(used - allowed)


# ------------------------------------------------------------------------------------------ results
def _interpretation(value: Value, warnings: list[str]) -> Interpretation:
    data = value.data
    if value.kind in ("vector", "set"):
        inner = ", ".join(str(c) for c in data)
        canonical = f"({inner})" if value.kind == "vector" else "{" + inner + "}"
        latex = sympy.latex(sympy.ImmutableMatrix(data)) if value.kind == "vector" and data else canonical
    elif value.kind == "matrix":
        canonical, latex = str(data.tolist()), sympy.latex(data)
    elif value.kind == "equation":
        canonical = ", ".join(f"{l} = {r}" for l, r in data)
        latex = ",\\ ".join(f"{sympy.latex(l)} = {sympy.latex(r)}" for l, r in data)
    elif value.kind == "verdict":
        canonical = latex = str(data)
    else:
        canonical, latex = str(data), sympy.latex(data)
    return Interpretation(value.kind, canonical, latex, tuple(dict.fromkeys(warnings)))


def _result(status, score, diagnosis, wrong, key, interpretation, evidence, detail="") -> CheckResult:
    outcome = diagnosis or status
    if status == "correct" and diagnosis is None:
        outcome = "correct"
    where = where_text(key.kind, wrong, len(key.components()) if key.kind != "verdict" else 1)
    plain, latex = feedback_for(outcome, where=where, detail=detail)
    note = status + (f":{diagnosis}" if diagnosis else "")
    return CheckResult(status, float(score), plain, latex, diagnosis, tuple(wrong), interpretation, evidence,
                       note, key.kind)


def _wrong_kind(wrong: WrongKind, key: Value, raw: Any, warnings: list[str], settings: Settings) -> CheckResult:
    try:
        natural = kind_of(raw)
        interpretation = _interpretation(natural, warnings)
    except WrongKind:
        interpretation = Interpretation("unknown", str(raw), "", tuple(warnings))
    evidence = Evidence("none", rtol=settings.rtol, atol=settings.atol, seed=settings.seed, detail=str(wrong))
    return _result("incorrect", 0.0, wrong.code, (), key, interpretation, evidence, detail=str(wrong))


def _invalid(reason, key, detail, answer, interpretation=None, evidence=None) -> CheckResult:
    plain, latex = invalid_feedback(reason, detail)
    interpretation = interpretation or Interpretation("unknown", "", "", ())
    evidence = evidence or Evidence("none", detail=str(detail).splitlines()[0][:300] if detail else reason)
    return CheckResult("invalid", 0.0, plain, latex, None, (), interpretation, evidence, f"invalid:{reason}", key.kind)
