"""Checking answers and grading a class: ``check``, ``CheckResult``, ``grade``.

:func:`check` judges one answer against a key and returns a
:class:`CheckResult` (status, score, feedback, diagnosis, interpretation and
the evidence an instructor can audit); :func:`grade` runs it over a whole file
of submissions, in parallel, resumable, one result row per submission.

The package, in data-flow order:

* :mod:`.result` -- ``CheckResult`` and the documented vocabularies (``STATUSES``,
  ``DIAGNOSES``, ``METHODS``);
* :mod:`.reading` -- answers and keys into comparable :class:`~.reading.Value` s;
* :mod:`.equivalence` -- the equivalence tests (run in the time-limited worker);
* :mod:`.diagnose` -- the table of mistake rules that reproduce wrong answers;
* :mod:`.feedback` -- the sentences shown to students;
* :mod:`.core` -- :func:`check`, which ties them together;
* :mod:`.grade` -- batch grading over a ``concurrent.futures.Executor``;
* :mod:`.results_file` -- its results file: durable appends, torn-row recovery, rows retried on resume.
"""

from .core import check
from .diagnose import RULES, Context
from .grade import GradeSummary, grade
from .reading import KINDS, QUESTION_KINDS, VERDICT_WORDS
from .result import DIAGNOSES, INVALID_REASONS, METHODS, STATUSES, CheckResult, Evidence, Interpretation

__all__ = [
    "check", "CheckResult", "Evidence", "Interpretation", "Context", "grade", "GradeSummary",
    "DIAGNOSES", "STATUSES", "METHODS", "INVALID_REASONS", "KINDS", "QUESTION_KINDS", "VERDICT_WORDS", "RULES",
]
