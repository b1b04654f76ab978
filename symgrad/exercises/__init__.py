"""Exercise generation: seeded, personalised, self-verifying problems from the course chapter.

* :mod:`.core` -- :class:`Exercise`, the seeding rule and the verification against ``symgrad.check``;
* :mod:`.numeric` -- the independent numeric routes (finite differences, eigvalsh, chords, simulated descent);
* :mod:`.families` -- one builder per family, in the table :data:`FAMILIES`;
* :mod:`.sheets` -- the rendering side: problem sheets and answer keys (Markdown, LaTeX, JSON) and
  the key file ``symgrad grade`` reads (imports :mod:`symgrad.rendering`).

Example:
    >>> from symgrad import exercises
    >>> ex = exercises.generate("gd_step", seed=7, difficulty=2)
    >>> ex.kind, ex.family, ex.difficulty
    ('gd_step', 'gd_step', 2)
    >>> exercises.for_student("gd_step", "s001", "hw1") == exercises.for_student("gd_step", "s001", "hw1")
    True
"""

from __future__ import annotations

import dataclasses
from typing import Any

from ..errors import InputError, VerificationError
from .core import (
    MAX_DRAWS, Ambiguous, Degenerate, Draft, Exercise, Family, Mistake, Prompt, check_answers, seed_material, stream,
    student_seed,
)
from .families import FAMILIES

__all__ = ["generate", "for_student", "generate_many", "FAMILIES", "Exercise", "Family", "Prompt", "Mistake",
           "student_seed", "seed_material"]


def generate(family: str, seed: Any = 0, difficulty: int = 1, *, verify: bool = True) -> Exercise:
    """One verified exercise of ``family``, a pure function of ``(family, seed, difficulty)``.

    Arguments:
        family: a key of :data:`FAMILIES` (``"gradient"``, ``"gd_step"``, ...).
        seed: an int or a text; the same seed gives the same exercise on every machine.
        difficulty: a level of the family (1, 2 or 3).
        verify: run the independent numeric check and the ``symgrad.check`` checks (default True).

    Returns:
        an :class:`Exercise` whose ``verification`` lists the checks that passed.

    Raises:
        InputError: unknown family or difficulty.
        VerificationError: the answer failed an independent check (a bug, never an unlucky draw).

    Example:
        >>> generate("hessian", seed=3).kind
        'hessian'
    """
    spec = _family(family)
    level = _level(spec, difficulty)
    rng = stream(spec.name, seed, level)
    for _ in range(MAX_DRAWS):
        try:
            draft = spec.build(rng, level)
        except Degenerate:
            continue
        exercise = _exercise(spec.name, seed, level, draft)
        if not verify:
            return exercise
        try:
            done = draft.verify() + check_answers(draft, exercise)
        except Ambiguous:
            continue
        return dataclasses.replace(exercise, verification=tuple(done))
    raise VerificationError(f"no usable {spec.name} exercise in {MAX_DRAWS} draws (seed {seed!r}, level {level})")


def for_student(family: str, student_id: str, assignment: str, difficulty: int = 1, *,
                verify: bool = True) -> Exercise:
    """The personal variant of ``family`` for one student in one assignment.

    The seed is :func:`student_seed` ``(student_id, assignment, family)``: 16 hex digits of a SHA-256.

    >>> for_student("loss", "ada", "week3").seed == student_seed("ada", "week3", "loss")
    True
    """
    return generate(family, student_seed(student_id, assignment, family), difficulty, verify=verify)


def generate_many(families: list[str] | tuple[str, ...], count: int, seed: Any = 0, difficulty: int = 1) -> list[Exercise]:
    """``count`` exercises of each family, seeds ``f"{seed}-{i}"`` (a problem set)."""
    return [generate(name, f"{seed}-{i}", difficulty) for name in families for i in range(count)]


# -- helpers ----------------------------------------------------------------------------------
def _exercise(family: str, seed: Any, level: int, draft: Draft) -> Exercise:
    return Exercise(family, seed, level, draft.prompt, draft.answer, draft.kind, draft.solution, draft.mistakes,
                    draft.variables, dict(draft.context), dict(draft.metadata))


def _family(name: str) -> Family:
    if name not in FAMILIES:
        raise InputError(f"unknown exercise family {name!r}; choose one of {', '.join(FAMILIES)}")
    return FAMILIES[name]


def _level(spec: Family, difficulty: Any) -> int:
    try:
        level = int(difficulty)
    except (TypeError, ValueError):
        level = -1
    if level not in spec.levels:
        raise InputError(f"difficulty {difficulty!r} is not a level of {spec.name}; use one of "
                         f"{', '.join(map(str, spec.difficulties))}")
    return level
