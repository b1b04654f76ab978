"""The data of an exercise, the seeding rule, and the self-verifying generation loop.

An exercise family (see :mod:`.families`) is a function ``build(rng, difficulty)``
that draws the parameters of one problem from a :class:`random.Random` and
returns a :class:`Draft`: the prompt, the reference answer and its kind, the
worked solution (a :class:`~symgrad.steps.Derivation`), the family's typical
wrong answers (:class:`Mistake`) and an *independent* numeric check of the
answer. :func:`generate` turns a draft into an :class:`Exercise` only after

1. the independent check passes (finite differences, ``numpy.linalg``,
   random chords, a simulated descent -- never the SymPy call that produced the
   answer);
2. :func:`symgrad.checking.check` marks the answer as correct;
3. every typical mistake is marked wrong, with its diagnosis code where it has one.

A failure of any of these raises :class:`~symgrad.errors.VerificationError`:
it means a bug, never an unlucky draw. Unlucky draws (a zero gradient where a
step is asked, a repeated eigenvalue where two are wanted...) raise
:class:`Degenerate` inside the family and are simply drawn again from the same
stream, so the result is still a pure function of the seed.

**Seeding.** The stream is ``random.Random(n)`` where ``n`` comes from the
SHA-256 of the family, the difficulty and the seed (:func:`seed_material`),
never Python's salted ``hash()``; families draw integers and choices only (no
floats), so the same seed gives the same exercise on every machine and run.
:func:`student_seed` derives a per-student seed from
``"{assignment}:{student_id}:{family}"``.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import sympy

from ..display import Display, Displayed
from ..errors import InputError, VerificationError

__all__ = ["Exercise", "Prompt", "Mistake", "Draft", "Family", "Degenerate", "Ambiguous", "seed_material", "student_seed",
           "MAX_DRAWS"]

#: how many draws a family may reject before generation gives up
MAX_DRAWS = 200


class Degenerate(Exception):
    """Raised by a family for a draw that makes a poor exercise; the family draws again."""


class Ambiguous(Degenerate):
    """A typical mistake of this draw is also explained by another diagnosis (e.g. a swap that is a sign flip)."""


@dataclass(frozen=True)
class Prompt:
    """What the student reads: a title, the given data (display lines) and the question.

    ``given`` holds :class:`symgrad.steps.Math` lines, exactly like ``Derivation.given``,
    so the prompt renders like the top of a derivation.
    """

    title: str
    given: tuple[Any, ...]
    question: str

    def to_dict(self) -> dict[str, Any]:
        return {"title": self.title, "question": self.question,
                "given": [{"text": math_text(m), "latex": math_latex(m)} for m in self.given]}


@dataclass(frozen=True)
class Mistake:
    """A typical wrong answer: the diagnosis code ``symgrad.check`` must report, and why it is wrong.

    ``code`` is a key of ``symgrad.checking.DIAGNOSES`` or ``None`` when the mistake
    only has to be marked wrong.
    """

    code: str | None
    answer: Any
    description: str

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "answer": _plain(self.answer), "description": self.description}


@dataclass(frozen=True)
class Draft:
    """What a family's builder returns; :func:`generate` verifies it into an :class:`Exercise`.

    ``verify()`` recomputes the answer by an independent numeric route and
    returns one sentence per check made (raising VerificationError on disagreement).
    ``context`` is passed to ``symgrad.check`` (function, point, learning rate...) so
    it can reproduce diagnoses.
    """

    prompt: Prompt
    answer: Any
    kind: str
    solution: Any
    mistakes: tuple[Mistake, ...]
    variables: tuple[sympy.Symbol, ...]
    verify: Callable[[], list[str]]
    context: Mapping[str, Any] = field(default_factory=dict)
    metadata: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, repr=False)
class Exercise(Displayed):
    """One verified exercise.

    Attributes:
        family, seed, difficulty: what was asked for (``seed`` as given: an int or text).
        prompt: the :class:`Prompt` (title, given lines, question).
        answer: the reference answer, a SymPy object (a verdict is a word).
        kind: the question kind ``symgrad.check`` reads (``gradient_at``, ``gd_step``, ``hessian``...).
        solution: the worked solution, a :class:`symgrad.steps.Derivation`.
        mistakes: typical wrong answers, each marked wrong by ``check`` (with its diagnosis).
        variables: the variables of the answer, in order.
        context: extra data for ``check`` (function, point, learning rate).
        metadata: family-specific data (the function, the point ...), as plain values.
        verification: one sentence per independent check that passed.

    Example:
        >>> from symgrad import exercises
        >>> ex = exercises.generate("gradient", seed=1)
        >>> ex.kind
        'gradient_at'
        >>> ex == exercises.generate("gradient", seed=1)
        True
    """

    family: str
    seed: Any
    difficulty: int
    prompt: Prompt
    answer: Any
    kind: str
    solution: Any
    mistakes: tuple[Mistake, ...]
    variables: tuple[sympy.Symbol, ...]
    context: Mapping[str, Any] = field(default_factory=dict, compare=False)
    metadata: Mapping[str, Any] = field(default_factory=dict, compare=False)
    verification: tuple[str, ...] = field(default=(), compare=False)

    @property
    def id(self) -> str:
        """A stable identifier: ``family-d<difficulty>-<seed>``."""
        return f"{self.family}-d{self.difficulty}-{self.seed}"

    def to_dict(self, *, solution: bool = True) -> dict[str, Any]:
        """JSON-ready data (SymPy objects as text and LaTeX); ``solution=False`` leaves the key out."""
        data: dict[str, Any] = {
            "id": self.id, "family": self.family, "seed": self.seed, "difficulty": self.difficulty,
            "kind": self.kind, "prompt": self.prompt.to_dict(),
            "variables": [v.name for v in self.variables], "metadata": dict(self.metadata),
        }
        if solution:
            data["answer"] = {"text": _plain(self.answer), "latex": _latex(self.answer)}
            data["mistakes"] = [m.to_dict() for m in self.mistakes]
            data["verification"] = list(self.verification)
            data["solution"] = self.solution.to_dict()
        return data

    def _display(self) -> Display:
        """The prompt, then the answer and the worked solution behind a click (``<details>``)."""
        given = "\n\n".join(f"$${math_latex(m)}$$" for m in self.prompt.given)
        solution = f"**Answer:** ${_latex(self.answer)}$\n\n{self.solution._repr_markdown_()}"
        return Display("Exercise", f"{self.prompt.title} ({self.id})", intro=f"{given}\n\n{self.prompt.question}",
                       details=("Solution", solution))


@dataclass(frozen=True)
class Family:
    """One exercise family: its name, the chapter section, its difficulty levels and its builder."""

    name: str
    title: str
    source: str
    levels: Mapping[int, str]
    build: Callable[[random.Random, int], Draft]

    @property
    def difficulties(self) -> tuple[int, ...]:
        return tuple(sorted(self.levels))


# -- seeding -----------------------------------------------------------------------------
def seed_material(*parts: Any) -> int:
    """A 64-bit integer from the SHA-256 of the parts, the same on every machine.

    >>> seed_material("gradient", 1, 0) == seed_material("gradient", 1, 0)
    True
    """
    text = "\x1f".join(str(p) for p in parts)
    return int(hashlib.sha256(text.encode("utf-8")).hexdigest()[:16], 16)


def student_seed(student_id: str, assignment: str, family: str) -> str:
    """The seed of one student's variant: 16 hex digits of ``sha256("{assignment}:{student_id}:{family}")``."""
    if not str(student_id).strip():
        raise InputError("a student id must not be empty")
    return hashlib.sha256(f"{assignment}:{student_id}:{family}".encode("utf-8")).hexdigest()[:16]


def stream(family: str, seed: Any, difficulty: int) -> random.Random:
    """The random stream of one exercise (integers and choices only are drawn from it)."""
    return random.Random(seed_material("symgrad-exercise-v1", family, difficulty, seed))


# -- verification by symgrad.check ----------------------------------------------------------
def check_answers(draft: Draft, key: Any) -> list[str]:
    """Check that the answer is correct and each mistake wrong (with its diagnosis) under ``symgrad.check``.

    ``key`` is the object handed to ``check`` as ``expected`` (an Exercise, duck-typed).
    """
    from ..checking import check

    done = []
    result = check(draft.answer, key, variables=draft.variables, context=dict(draft.context))
    if not result.correct:
        raise VerificationError(f"the reference answer {_plain(draft.answer)} does not check as correct: "
                                f"{result.note} ({result.feedback})")
    done.append("the answer checks as correct with symgrad.check")
    for mistake in draft.mistakes:
        verdict = check(mistake.answer, key, variables=draft.variables, context=dict(draft.context))
        if verdict.correct:
            raise VerificationError(f"the mistake '{mistake.description}' ({_plain(mistake.answer)}) checks as correct")
        if mistake.code is not None and verdict.diagnosis is not None and verdict.diagnosis != mistake.code:
            raise Ambiguous(f"the mistake '{mistake.description}' is also explained by {verdict.diagnosis!r}")
        if mistake.code is not None and verdict.diagnosis != mistake.code:
            raise VerificationError(f"the mistake '{mistake.description}' ({_plain(mistake.answer)}) was diagnosed "
                                    f"{verdict.diagnosis!r}, expected {mistake.code!r}")
        done.append(f"mistake checks as wrong: {mistake.description}"
                    + (f" [{mistake.code}]" if mistake.code else ""))
    return done


# -- small helpers -------------------------------------------------------------------------
# -- display lines of a prompt ------------------------------------------------------------------
_LATEX_RELATIONS = {"≈": r"\approx", "≤": r"\le", "≥": r"\ge", "<": "<", ">": ">", "=": "=", ",": r",\quad"}


def math_text(m: Any) -> str:
    """One display line (:class:`symgrad.steps.Math`) as Unicode text."""
    from ..steps.printing import text_of

    parts = [text_of(p) for p in m.parts]
    out = parts[0]
    for r, p in zip(m.relations, parts[1:]):
        out += (", " if r == "," else f" {r} ") + p
    out = out + (f" {m.suffix}" if m.suffix else "")
    return f"{m.label}: {out}" if m.label else out


def math_latex(m: Any) -> str:
    """One display line as LaTeX (no ``$``; the label is not included)."""
    from ..steps.printing import latex_of

    out = latex_of(m.parts[0])
    for r, p in zip(m.relations, m.parts[1:]):
        out += f" {_LATEX_RELATIONS.get(r, r)} " + latex_of(p)
    return out


def _plain(value: Any) -> str:
    if isinstance(value, sympy.MatrixBase):
        if value.shape[1] == 1:
            return "(" + ", ".join(_plain(v) for v in value) + ")"
        return "[" + ", ".join("[" + ", ".join(_plain(v) for v in value.row(i)) + "]"
                               for i in range(value.rows)) + "]"
    if isinstance(value, (list, tuple)):
        return "{" + ", ".join(_plain(v) for v in value) + "}" if isinstance(value, list) else \
            "(" + ", ".join(_plain(v) for v in value) + ")"
    if isinstance(value, sympy.Equality):
        return f"{_plain(value.lhs)} = {_plain(value.rhs)}"
    if isinstance(value, sympy.Basic):
        return sympy.sstr(value).replace("**", "^")
    return str(value)


def _latex(value: Any) -> str:
    if isinstance(value, str):
        return rf"\text{{{value}}}"
    if isinstance(value, list):
        return r"\{" + ", ".join(_latex(v) for v in value) + r"\}"
    if isinstance(value, tuple):
        return r"\left(" + ", ".join(_latex(v) for v in value) + r"\right)"
    return sympy.latex(value)
