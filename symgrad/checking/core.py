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

from ..display import count_of
from ..errors import InputError, InputTooLarge, Timeout
from ..limits import DEFAULT_LIMITS, Limits, run_with_timeout, worker_cpu_time
from .diagnose import Context, diagnose_job, singular_hessian_somewhere
from .equivalence import (
    Judgement, Settings, close_pairs, judge_pairs, normalized_pairs, prove_pairs, real_solutions, same_region,
)
from .feedback import feedback_for, invalid_feedback, where_text
from .matrix import check_matrix, question_shapes
from .reading import (
    DOMAIN_WORDS, KINDS, QUESTION_KINDS, VERDICT_AGREES, EmptyAnswer, Value, WrongKind, as_kind, coerce, decimal_warnings,
    domain_spec, kind_of, read, without_label,
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
        answer: the student's answer: text in any notation :func:`symgrad.parsing.parse_answer`
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
    deadline = _Budget(limits.timeout or 3600.0)
    key, ctx = _resolve_key(expected, kind, context, variables)
    settings = Settings(rtol=rtol, atol=atol, domain=domain_spec(domain), seed=seed)
    names = _variable_names(variables, ctx)
    warnings = _domain_warnings(settings)
    text, label_warnings = without_label(answer, key.kind)
    warnings += label_warnings
    try:
        raw = read(text, limits=limits, symbols=names or None)
    except EmptyAnswer as error:
        return _invalid("empty", key, str(error), answer)
    except Timeout as error:
        return _invalid("timeout", key, str(error), answer)
    except InputTooLarge as error:
        return _invalid("too_large", key, str(error), answer)
    except InputError as error:
        return _invalid("unparseable", key, str(error), answer)
    if _undefined(raw):
        return _invalid("undefined", key, "it is an undefined form such as 0*inf or inf - inf", answer)
    warnings += decimal_warnings(answer)
    try:
        key = _disjunction_against_equation(raw, key, deadline)
        raw = _solved(raw, key, deadline)
    except Timeout as error:
        return _invalid("timeout", key, str(error), answer)
    except InputError as error:
        return _invalid("unparseable", key, str(error), answer)
    try:
        value, read_warnings = coerce(raw, key, names, lenient=kind is not None or hasattr(expected, "answer"))
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
        audit = Evidence("none", detail=f"{type(error).__name__}: {str(error)[:200]}")  # for the instructor only
        return _invalid("numeric_error", key, _numeric_error_text(error), answer, interpretation, audit)


#: exceptions of numeric evaluation that become an ``invalid:numeric_error`` result instead of escaping
_NUMERIC_ERRORS = (OverflowError, ZeroDivisionError, ArithmeticError, ValueError, RecursionError)


def _numeric_error_text(error: BaseException) -> str:
    """A sentence for the student; Python's own message (``sys.set_int_max_str_digits``...) is never shown."""
    if isinstance(error, ZeroDivisionError):
        return "it divides by zero somewhere"
    if isinstance(error, RecursionError):
        return "it is nested too deeply"
    return "its numbers grow too large for exact arithmetic"


def _undefined(raw: Any) -> bool:
    """True when the answer is (or contains) nan or complex infinity (``0*oo``, ``oo - oo``): not a value."""
    parts = list(raw) if isinstance(raw, (tuple, list)) else [raw]
    bad = (sympy.nan, sympy.zoo)  # oo and -oo are values: an answer "oo" is compared
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
    key = _solutions_key(kind_of(read(expected)))
    if kind is not None:
        key = as_kind(key, kind)
    ctx = _build_context(context if context is not None else exercise_context, question, variables)
    return key, ctx


def _solutions_key(key: Value) -> Value:
    """``x = 2 or x = -2`` (one variable named twice or more) is a set of solutions, not a system."""
    if key.kind != "equation" or len(key.data) < 2:
        return key
    names = {lhs for lhs, _ in key.data}
    if len(names) == 1 and isinstance(next(iter(names)), sympy.Symbol):
        return Value("set", tuple(rhs for _, rhs in key.data))
    return key


def _solved(raw: Any, key: Value, deadline: "_Budget") -> Any:
    """An equation answer to a set-of-solutions key: ``x^2 = 4`` becomes its real solutions {-2, 2}."""
    equations = raw if isinstance(raw, tuple) else (raw,)
    if key.kind != "set" or not equations or not all(isinstance(e, sympy.Equality) for e in equations):
        return raw
    if all(isinstance(e.lhs, sympy.Symbol) and not e.rhs.free_symbols for e in equations):
        return raw  # already x = value, x = value
    return deadline.run(real_solutions, equations)


def _disjunction_against_equation(raw: Any, key: Value, deadline: "_Budget") -> Value:
    """``x = 2 or x = -2`` against the key ``x^2 = 4``: the key becomes its set of real solutions."""
    if key.kind != "equation" or len(key.data) != 1 or _solutions_key(kind_of(raw)).kind != "set" \
            or not isinstance(raw, tuple):
        return key
    lhs, rhs = key.data[0]
    return Value("set", tuple(deadline.run(real_solutions, (sympy.Eq(lhs, rhs),))))


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
    if key.kind == "interval":
        return _compare_intervals(value, key, settings, interpretation, deadline)
    pairs = _pairs(value, key, deadline)
    judgements = _judge(pairs, settings, deadline)
    wrong_flat = [i for i, j in enumerate(judgements) if j.equal is False]
    undecided = [i for i, j in enumerate(judgements) if j.equal is None]
    shape_index = _index_names(key)
    evidence = _evidence(judgements, settings, wrong_flat, shape_index)
    if undecided:
        return _invalid("undecided", key, "", None, interpretation, evidence)
    interpretation = _domain_warning(interpretation, judgements) if wrong_flat else interpretation
    total = len(judgements)
    score = (total - len(wrong_flat)) / total if total else 0.0
    if not wrong_flat:
        interpretation = _numeric_warning(interpretation, judgements)
        code = "unsimplified" if _unsimplified(value, key) else None
        return _result("correct", 1.0, code, (), key, interpretation, evidence)
    diagnosis = _diagnose(value, key, ctx, settings, wrong_flat, names, deadline)
    wrong = tuple(shape_index[i] for i in wrong_flat)
    detail = ", ".join(_unexpected_variables(value, key, names)) if diagnosis == "unexpected_variable" else ""
    return _result("incorrect", score, diagnosis, wrong, key, interpretation, evidence, detail)


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
    if deadline is None:
        return run_with_timeout(normalized_pairs, raw)
    return deadline.run(normalized_pairs, raw)


class _Budget:
    """The time budget of one check, in CPU seconds: this process's and the worker's.

    CPU time, not wall time, is what the budget means: the same answer gets the same amount of
    computation on an idle machine and on one running other CPU-bound work, so a verdict does not
    depend on the load. Every worker call runs with ``clock="cpu"`` and what it used is counted.
    """

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.spent = 0.0  # worker CPU seconds
        self.start = time.process_time()

    def left(self) -> float:
        left = self.seconds - self.spent - (time.process_time() - self.start)
        if left <= 0.01:
            raise Timeout("checking this answer ran past its time limit and was stopped; write it in a simpler form")
        return left

    def run(self, fn: Any, *args: Any, cap: float | None = None) -> Any:
        """``fn(*args)`` in the worker under what is left of the budget (at most ``cap`` CPU seconds)."""
        given = self.left() if cap is None else min(cap, self.left())
        before = worker_cpu_time()
        try:
            result = run_with_timeout(fn, *args, timeout=given, clock="cpu")
        except Timeout:
            self.spent += given
            raise
        after = worker_cpu_time()
        self.spent += after - before if after >= before else after  # a fresh worker starts from 0
        return result


def _remaining(deadline: "_Budget") -> float:
    return deadline.left()


def _judge(pairs, settings, deadline) -> list[Judgement]:
    judgements = deadline.run(judge_pairs, pairs, settings)
    open_ = [i for i, j in enumerate(judgements) if j.equal is None]
    if not open_:
        return judgements
    found = [judgements[i].extra.get("signs", ()) for i in open_]
    settled = all(_overwhelming(judgements[i]) for i in open_)  # a failed proof would not change the verdict
    try:
        proofs = deadline.run(prove_pairs, [pairs[i] for i in open_], settings, found,
                              cap=_PROOF_CPU_SECONDS if settled else None)
    except Timeout:
        proofs = [False] * len(open_)
    for i, proved in zip(open_, proofs):
        j = judgements[i]
        if proved:
            judgements[i] = Judgement(True, "symbolic", j.points, extra=j.extra)
        elif _overwhelming(j):
            judgements[i] = Judgement(True, "numeric", j.points, extra=j.extra)
    return judgements


#: CPU seconds a proof may take when the numeric evidence already decides the verdict (its own bound)
_PROOF_CPU_SECONDS = 0.2


def _overwhelming(j: Judgement) -> bool:
    """Agreement at enough real points (or to ~100 digits for a constant): correct even without a proof.

    Not when the answer was not real at some points of the key: equality on the common part then needs a proof.
    """
    return j.probable and not j.extra.get("answer_skipped") and (j.points >= _OVERWHELMING_POINTS or bool(j.extra.get("constant")))


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
        if first.extra.get("too_few_common"):
            detail = first.extra["difference"] + "; not real at the witness point"
        return Evidence(first.method, max(j.points for j in judgements), settings.rtol, settings.atol,
                        settings.seed, witness, detail)
    method = max((j.method for j in judgements), key=lambda m: _METHOD_RANK.get(m, 5))
    points = max(j.points for j in judgements)
    undecided = any(j.equal is None for j in judgements)
    detail = ("no proof and no counterexample within the limits" if undecided else
              f"equal by the '{method}' test" + (f" at {count_of(points, 'point')}" if points else ""))
    return Evidence(method, points, settings.rtol, settings.atol, settings.seed, None, detail)


def _numeric_warning(interpretation: Interpretation, judgements) -> Interpretation:
    if any(j.method == "numeric" and j.extra.get("constant") for j in judgements):
        interpretation = _with_warning(interpretation, "decided numerically: the difference evaluated with "
                                       "error-bounded adaptive precision (mpmath) is below 1e-100, but no exact proof "
                                       "was found within the time limit")
    elif any(j.method == "numeric" for j in judgements):
        interpretation = _with_warning(interpretation, "decided numerically: equal to 20 digits at every test point, "
                                                       "but no symbolic proof was found within the time limit")
    return _domain_warning(interpretation, judgements)


def _domain_warning(interpretation: Interpretation, judgements) -> Interpretation:
    """Say so when the comparison held only where the key is real (a part of the real line)."""
    restricted = [j for j in judgements if j.extra.get("restricted")]
    if not restricted:
        return interpretation
    signs = dict(s for j in restricted for s in j.extra.get("signs", ()))
    where = ", ".join(f"{name} {DOMAIN_WORDS[word]}" for name, word in sorted(signs.items()))
    both = any(j.extra.get("answer_skipped") for j in restricted)
    said = "equal where both are real" if both else "compared where the expected answer is real"
    return _with_warning(interpretation, said + (f" ({where})" if where else ""))


def _with_warning(interpretation: Interpretation, warning: str) -> Interpretation:
    return Interpretation(interpretation.kind, interpretation.canonical, interpretation.latex,
                          interpretation.warnings + (warning,))


def _unsimplified(value: Value, key: Value) -> bool:
    ops_answer = sum(sympy.count_ops(c) for c in value.components() if isinstance(c, sympy.Basic))
    ops_key = sum(sympy.count_ops(c) for c in key.components() if isinstance(c, sympy.Basic))
    return ops_answer > 1.5 * ops_key + 2


# ------------------------------------------------------------------------------------------ sets and verdicts
def _element_pairs(answer: Any, expected: Any) -> list[tuple[Any, Any]] | None:
    """The scalar pairs to compare for two set elements (coordinates of points); None when the shapes differ."""
    if isinstance(answer, sympy.Tuple) or isinstance(expected, sympy.Tuple):
        if isinstance(answer, sympy.Tuple) and isinstance(expected, sympy.Tuple) and len(answer) == len(expected):
            return list(zip(answer, expected))
        return None
    return [(answer, expected)]


def _set_equalities(answers, keys, settings, deadline) -> tuple[set[tuple[int, int]], list[Judgement]]:
    """Which (answer element, key element) pairs are equal; all scalar comparisons go to the worker at once."""
    flat, owners = [], []
    shapes_differ = set()
    for i, a in enumerate(answers):
        for k, e in enumerate(keys):
            parts = _element_pairs(a, e)
            if parts is None:
                shapes_differ.add((i, k))
                continue
            flat += parts
            owners += [(i, k)] * len(parts)
    judgements = _judge(flat, settings, deadline) if flat else []
    unequal = {owner for owner, j in zip(owners, judgements) if not j.equal} | shapes_differ
    equal = {(i, k) for i in range(len(answers)) for k in range(len(keys))} - unequal
    return equal, judgements


def _compare_sets(value, key, settings, interpretation, deadline) -> CheckResult:
    answers, keys = list(value.data), list(key.data)
    equal, judgements = _set_equalities(answers, keys, settings, deadline)
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
                        None, f"{len(matched_keys)} of {count_of(len(keys), 'value')} matched")
    if not unmatched_answers and len(matched_keys) == len(keys):
        return _result("correct", 1.0, None, (), key, interpretation, evidence)
    diagnosis = "wrong_shape" if len(answers) != len(keys) else None
    if diagnosis is None and not settings.numeric:
        missing = [keys[k] for k in range(len(keys)) if k not in matched_keys]
        diagnosis = _rounded_elements([answers[i] for i in unmatched_answers], missing, deadline)
    detail = f"{len(keys)} value{'s' if len(keys) != 1 else ''} are expected, your answer has {len(answers)}"
    return _result("incorrect", score, diagnosis, tuple(unmatched_answers), key, interpretation, evidence, detail)


def _rounded_elements(answers: list[Any], missing: list[Any], deadline: float) -> str | None:
    """``inexact_decimal`` when every unmatched answer is a rounded decimal of a missing key element."""
    if not answers or not all(_looks_decimal(a) for a in answers):
        return None
    numbers = [e for e in missing if isinstance(e, sympy.Expr) and e.is_number]
    pairs = [(a, e) for a in answers for e in numbers]
    try:
        close = deadline.run(close_pairs, pairs, 5e-3) if pairs else []
    except (Timeout, InputError):
        return None
    hits = {i // len(numbers) for i, ok in enumerate(close) if ok}
    return "inexact_decimal" if len(hits) == len(answers) else None


def _compare_intervals(value, key, settings, interpretation, deadline) -> CheckResult:
    same, detail = deadline.run(same_region, value.data, key.data)
    evidence = Evidence("symbolic", detail=detail)
    if same:
        return _result("correct", 1.0, None, (), key, interpretation, evidence)
    return _result("incorrect", 0.0, None, (), key, interpretation, evidence)


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
        if not all(isinstance(lhs, sympy.Symbol) for lhs, _ in key.data):
            return None  # an equation times -1 or 2 is the same equation: sign and factor rules say nothing
        pairs = _pairs(value, key, deadline)  # named equations (w0 = 1.8): compare the values
        value, key = Value("vector", tuple(a for a, _ in pairs)), Value("vector", tuple(e for _, e in pairs))
    if not settings.numeric and _all_numbers(value, key, wrong_flat):
        pairs = [(value.components()[i], key.components()[i]) for i in wrong_flat]
        try:
            if all(deadline.run(close_pairs, pairs, 5e-3)):
                return "inexact_decimal"
        except (Timeout, InputError):
            return None
    try:
        return deadline.run(diagnose_job, value, key, ctx, wrong_flat, settings)
    except (Timeout, InputError):
        return None


def _all_numbers(value: Value, key: Value, indices) -> bool:
    """The wrong components are decimals in the answer and numbers in the key (a rounding can be diagnosed)."""
    a, e = value.components(), key.components()
    return all(_looks_decimal(a[i]) and isinstance(e[i], sympy.Expr) and e[i].is_number for i in indices)


def _looks_decimal(value: Any) -> bool:
    """A float, or a rational whose denominator is 2^a 5^b (a decimal such as 1.4142 is read exactly as 14142/10000)."""
    if isinstance(value, sympy.Float):
        return True
    if not isinstance(value, sympy.Rational):
        return False
    q = int(value.q)
    for prime in (2, 5):
        while q % prime == 0:
            q //= prime
    return q == 1 and value.q > 1


def _unexpected_variables(value: Value, key: Value, names: list[str]) -> list[str]:
    allowed = set(names) | {s.name for c in key.components() if isinstance(c, sympy.Basic) for s in c.free_symbols}
    used = {s.name for c in value.components() if isinstance(c, sympy.Basic) for s in c.free_symbols}
    return sorted(used - allowed)


# ------------------------------------------------------------------------------------------ results
def _interpretation(value: Value, warnings: list[str]) -> Interpretation:
    try:
        return _echo(value, warnings)
    except ValueError:  # an integer too long for str() (sys.get_int_max_str_digits): never shown as an error
        return Interpretation(value.kind, "(a number too long to show)", "", tuple(dict.fromkeys(warnings)))


def _echo(value: Value, warnings: list[str]) -> Interpretation:
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
