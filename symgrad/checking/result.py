"""What a check returns: :class:`CheckResult` and the fixed vocabularies it uses.

Three tables here are the contract with instructors and class statistics:

* :data:`STATUSES` -- ``correct``, ``incorrect`` and ``invalid``. ``invalid``
  means the answer could not be read or judged (it does not parse, it is too
  large, it timed out, or symgrad could not decide); it never counts as a wrong
  attempt.
* :data:`DIAGNOSES` -- the codes of the mistakes symgrad can recognise, each
  with one line of meaning. A code is only ever reported when the student's
  answer was *reproduced* from the right one by the rule of that code.
* :data:`METHODS` -- how a verdict was decided (``evidence.method``).

``note`` is the stable machine-readable summary for statistics:
``"<status>"`` or ``"<status>:<code>"`` (``"incorrect:sign_error"``,
``"correct:unsimplified"``, ``"invalid:timeout"``).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from ..display import Display, Displayed, count_of

__all__ = ["CheckResult", "Evidence", "Interpretation", "DIAGNOSES", "STATUSES", "METHODS", "INVALID_REASONS"]

#: status -> meaning
STATUSES: dict[str, str] = {
    "correct": "the answer is equivalent to the key (under the stated tolerance and domain)",
    "incorrect": "the answer is not equivalent to the key; evidence.witness shows where they differ",
    "invalid": "the answer could not be read or judged; not counted as an attempt (see note)",
}

#: reason codes of an ``invalid`` result (``note == "invalid:<reason>"``)
INVALID_REASONS: dict[str, str] = {
    "unparseable": "the text is not an expression, vector, matrix, set, equation or verdict symgrad can read",
    "too_large": "the answer exceeds a documented input limit (symgrad.limits.Limits)",
    "timeout": "judging the answer ran past its time limit",
    "undecided": "neither a proof nor a counterexample was found within the limits",
    "empty": "no answer was given",
    "undefined": "the answer is nan or complex infinity (0*inf, inf - inf), not a value; oo and -oo are values",
    "numeric_error": "evaluating the answer failed (a number too large for the arithmetic, a division by zero...)",
}

#: diagnosis code -> what the student did (the documented vocabulary)
DIAGNOSES: dict[str, str] = {
    "sign_error": "the answer (or a component) is the negative of the right one",
    "missing_chain_factor": "the derivative of an inner function (chain rule factor) is missing",
    "dropped_factor": "a constant factor is missing (the answer is the right one divided by a constant)",
    "doubled_factor": "a constant factor is counted twice (the answer is a constant multiple of the right one)",
    "transposed_entries": "the right entries in the wrong places (transposed matrix, swapped components)",
    "gradient_ascent": "the gradient step was added instead of subtracted",
    "wrong_learning_rate": "a gradient step with a different learning rate than the one given",
    "wrong_point": "the right formula evaluated at a different point",
    "not_evaluated": "the general formula was given instead of its value at the point",
    "taylor_missing_half": "the Hessian term of the Taylor approximation is not halved",
    "taylor_first_order_only": "the second-order (Hessian) term of the Taylor approximation is missing",
    "semidefinite_confusion": "convexity needs a positive SEMI-definite Hessian; a zero eigenvalue somewhere is allowed",
    "wrong_verdict": "the other verdict word than the right one",
    "inexact_decimal": "a rounded decimal where an exact value was asked for",
    "wrong_shape": "a vector or matrix of the wrong size, or the wrong number of values",
    "wrong_kind": "a different kind of answer (a number for a vector, an expression for an equation...)",
    "unexpected_variable": "the answer uses a variable that the question does not have",
    "unsimplified": "correct, but not simplified (the answer is still marked correct)",
}

#: evidence.method -> how the verdict was reached
METHODS: dict[str, str] = {
    "identical": "the answer and the key are the same expression after reading",
    "symbolic": "answer - key was proved to be 0 by rewriting (expand, cancel, trig, log) under the time limit",
    "exact_points": "rational functions compared at random rational points with exact arithmetic "
    "(Schwartz-Zippel identity test); a difference is exact",
    "numeric": "compared at random points where the key is real with 30-digit arithmetic (constants: their "
               "difference below 1e-100 by error-bounded evaluation); no symbolic proof within the limits",
    "tolerance": "compared numerically with the stated rtol/atol",
    "words": "verdict words compared after normalising synonyms",
    "none": "not compared (the answer could not be read or has the wrong shape)",
}


@dataclass(frozen=True)
class Interpretation:
    """How the answer was read, echoed back in canonical form.

    Attributes:
        kind: the kind the answer was read as (``expression``, ``number``, ``vector``...).
        canonical: the answer in canonical plain-text form (empty when unreadable).
        latex: the same in LaTeX.
        warnings: sentences such as ``"0.5 read as 1/2"`` or ``"assumed x > 0"``.
    """

    kind: str
    canonical: str = ""
    latex: str = ""
    warnings: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "warnings": list(self.warnings)}


@dataclass(frozen=True)
class Evidence:
    """What the verdict rests on, so that an instructor can audit it.

    Attributes:
        method: a key of :data:`METHODS`.
        points: how many points were compared (0 for symbolic or identical).
        rtol, atol: the tolerances used (``None`` for an exact comparison).
        seed: the seed of the random points (the check is reproducible).
        witness: when not equivalent, the first place they differ:
            ``{"component": ..., "point": {name: value}, "answer": ..., "expected": ...}``.
            It names the key's value there, so it is for the instructor, never
            shown to the student by :attr:`CheckResult.feedback`.
        detail: one sentence on how the decision was made.
    """

    method: str
    points: int = 0
    rtol: float | None = None
    atol: float | None = None
    seed: int = 0
    witness: dict[str, Any] | None = None
    detail: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def summary(self) -> str:
        """The method and how many points it compared, as shown to an instructor.

        >>> Evidence("numeric", 1).summary(), Evidence("numeric", 24).summary(), Evidence("symbolic").summary()
        ('numeric (1 point)', 'numeric (24 points)', 'symbolic')
        """
        return self.method + (f" ({count_of(self.points, 'point')})" if self.points else "")


@dataclass(frozen=True, repr=False)
class CheckResult(Displayed):
    """The verdict on one answer.

    Attributes:
        status: ``"correct"``, ``"incorrect"`` or ``"invalid"`` (see :data:`STATUSES`).
        correct: ``status == "correct"``.
        score: 0 to 1; the fraction of right components for vectors, matrices and sets.
        feedback: a sentence for the student that never reveals the key.
        feedback_latex: the same sentence with mathematics in LaTeX.
        diagnosis: a code of :data:`DIAGNOSES`, or ``None``.
        wrong_components: 0-based indices of wrong components; ``(i, j)`` for matrices.
        interpretation: how the answer was read (:class:`Interpretation`).
        evidence: what the verdict rests on (:class:`Evidence`).
        note: ``"<status>"`` or ``"<status>:<code>"``, stable for statistics.
        kind: the kind of answer the key asks for.

    Example:
        >>> import sympy, symgrad as sg
        >>> x = sympy.Symbol("x", real=True)
        >>> sg.check(sympy.sin(x)**2 + sympy.cos(x)**2, 1).status
        'correct'

    Truthiness: a result is true only when the answer is correct, so
    ``if sg.check(answer, key):`` accepts right answers only (``incorrect`` and
    ``invalid`` are both false, as :class:`~symgrad.VerifyReport` is false when
    a check fails):

        >>> bool(sg.check("x^2", "2*x"))
        False
    """

    status: str
    score: float
    feedback: str
    feedback_latex: str
    diagnosis: str | None
    wrong_components: tuple[Any, ...]
    interpretation: Interpretation
    evidence: Evidence
    note: str
    kind: str
    correct: bool = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "correct", self.status == "correct")

    def __bool__(self) -> bool:
        """True only for a correct answer (see the class docstring)."""
        return self.correct

    @property
    def counts_as_attempt(self) -> bool:
        """False for ``invalid`` results: they must not cost the student an attempt."""
        return self.status != "invalid"

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data (tuples become lists)."""
        return {
            "status": self.status,
            "correct": self.correct,
            "score": self.score,
            "feedback": self.feedback,
            "feedback_latex": self.feedback_latex,
            "diagnosis": self.diagnosis,
            "wrong_components": [list(c) if isinstance(c, tuple) else c for c in self.wrong_components],
            "interpretation": self.interpretation.to_dict(),
            "evidence": self.evidence.to_dict(),
            "note": self.note,
            "kind": self.kind,
        }

    def _display(self) -> Display:
        evidence = self.evidence.summary()
        rows = [("status", self.status), ("score", f"{self.score:g}"), ("feedback", self.feedback),
                *([("diagnosis", self.diagnosis)] if self.diagnosis else []),
                ("read as", self.interpretation.canonical or "-"),
                ("evidence", evidence + (f": {self.evidence.detail}" if self.evidence.detail else "")),
                ("note", self.note)]
        return Display("CheckResult", f"{self.status}: {self.feedback}", rows)

    def __str__(self) -> str:
        return f"{self.status} ({self.score:g}): {self.feedback}"
