"""Batch grading: every submission of a class against a key, one result row each.

``grade(submissions, key, out=...)`` reads submissions (CSV or JSON Lines, or
an iterable of dicts with ``student``, ``question``, ``answer`` and an optional
``id``), checks each against the key's entry for its question, and writes one
row per submission. How the guarantees are kept:

* **No row is dropped.** Each row is checked inside ``try``; an unknown
  question, a missing answer, a hostile input or an internal error becomes an
  ``invalid`` row with ``error`` filled in. Costly work already runs in the
  killable worker of :func:`symgrad.limits.run_with_timeout`; if a whole
  executor process dies anyway, its rows are retried one at a time in a fresh
  pool, and a row that kills its process twice is written as
  ``invalid:worker_crashed``.
* **Resumable.** Rows are appended to ``out`` as chunks finish (flushed each
  time); a rerun reads the ids already in ``out`` and skips them.
* **Parallel through a standard interface.** Chunks of rows are submitted to a
  :class:`concurrent.futures.Executor`: by default a ``ProcessPoolExecutor``
  over the machine's cores; a Dask ``client.get_executor()`` or any other
  ``Executor`` runs the same grading on a cluster.
"""

from __future__ import annotations

import csv
import io
import json
import os
import sys
import time
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from typing import Any

from ..errors import InputError

__all__ = ["grade", "GradeSummary", "read_rows", "read_key", "RESULT_FIELDS"]

#: columns of a result row, in order
RESULT_FIELDS: tuple[str, ...] = (
    "id", "student", "question", "status", "correct", "score", "diagnosis", "note", "feedback",
    "wrong_components", "read_as", "warnings", "evidence", "error", "seconds",
)

_ALIASES = {
    "id": ("id", "submission_id", "row_id"),
    "student": ("student", "student_id", "user", "name"),
    "question": ("question", "question_id", "exercise", "problem"),
    "answer": ("answer", "response", "submission"),
}
_KEY_OPTIONS = ("kind", "rtol", "atol", "domain", "variables", "context")


@dataclass(frozen=True)
class GradeSummary:
    """What a grading run did.

    Attributes:
        total: submissions read.
        graded: rows graded in this run.
        skipped: rows already in ``out`` (a resumed run).
        counts: ``note`` -> number of rows graded in this run.
        seconds: wall time of the run.
        out: where the rows were written, or ``None``.
        rows: the rows graded in this run (dicts with :data:`RESULT_FIELDS`).
    """

    total: int
    graded: int
    skipped: int
    counts: dict[str, int]
    seconds: float
    out: str | None = None
    rows: list[dict[str, Any]] = field(default_factory=list, repr=False)

    def to_dict(self) -> dict[str, Any]:
        return {"total": self.total, "graded": self.graded, "skipped": self.skipped,
                "counts": dict(self.counts), "seconds": self.seconds, "out": self.out}


# ------------------------------------------------------------------------------------------ reading files
def read_rows(source: str | os.PathLike | Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Submissions as dicts with ``id``, ``student``, ``question``, ``answer`` (CSV, JSONL, or an iterable).

    A row without an id gets its 1-based position; a line of a JSONL file that is
    not JSON becomes a row whose ``error`` says so (it still gets a result row).
    """
    if isinstance(source, (str, os.PathLike)):
        raw = list(_read_file(os.fspath(source)))
    else:
        raw = [dict(r) for r in source]
    rows = []
    for position, row in enumerate(raw, start=1):
        clean = {name: _field(row, name) for name in _ALIASES}
        clean["id"] = str(clean["id"]) if clean["id"] not in (None, "") else str(position)
        if "_error" in row:
            clean["error"] = row["_error"]
        rows.append(clean)
    return rows


def _field(row: Mapping[str, Any], name: str) -> Any:
    for alias in _ALIASES[name]:
        if alias in row and row[alias] is not None:
            return row[alias]
    return None


def _read_file(path: str) -> Iterator[dict[str, Any]]:
    with open(path, encoding="utf-8", errors="replace", newline="") as fh:
        if _is_jsonl(path):
            for number, line in enumerate(fh, start=1):
                if not line.strip():
                    continue
                try:
                    item = json.loads(line)
                    yield item if isinstance(item, dict) else {"_error": f"line {number} is not a JSON object"}
                except json.JSONDecodeError as error:
                    yield {"_error": f"line {number} is not valid JSON: {error.msg}"}
        else:
            csv.field_size_limit(1 << 24)
            yield from csv.DictReader(fh)


def _is_jsonl(path: str) -> bool:
    return path.lower().endswith((".jsonl", ".ndjson", ".json"))


def read_key(source: Any) -> dict[str, dict[str, Any]]:
    """The key as ``{question: {"expected": ..., "kind": ..., ...}}``.

    Accepts a CSV/JSONL file (columns ``question``, ``expected`` and optional
    ``kind``, ``rtol``, ``atol``, ``domain``, ``variables``, ``context``; JSON in
    the last three), a JSON file holding such a mapping, or a mapping whose values
    are the expected answer, an exercise, or such a dict.
    """
    if isinstance(source, (str, os.PathLike)):
        path = os.fspath(source)
        if path.lower().endswith(".json"):
            with open(path, encoding="utf-8") as fh:
                source = json.load(fh)
        else:
            source = {str(r.get("question")): r for r in _read_file(path)}
    if not isinstance(source, Mapping):
        raise InputError("the key must be a file or a mapping {question: expected answer}")
    return {str(q): _key_entry(str(q), entry) for q, entry in source.items()}


def _key_entry(question: str, entry: Any) -> dict[str, Any]:
    if not isinstance(entry, Mapping):
        return {"expected": entry}
    expected = entry.get("expected", entry.get("answer"))
    if expected in (None, ""):
        raise InputError(f"the key has no expected answer for question {question!r}")
    options = {"expected": expected}
    for name in _KEY_OPTIONS:
        value = entry.get(name)
        if value in (None, ""):
            continue
        if name in ("domain", "context") and isinstance(value, str):
            value = json.loads(value)
        elif name == "variables" and isinstance(value, str):
            value = value.replace(",", " ").split()
        elif name in ("rtol", "atol"):
            value = float(value)
        options[name] = value
    return options


# ------------------------------------------------------------------------------------------ one chunk
def grade_rows(rows: list[dict[str, Any]], key: dict[str, dict[str, Any]], limits: Any = None) -> list[dict[str, Any]]:
    """Grade a chunk of rows (runs in an executor process); never raises."""
    return [_grade_row(row, key, limits) for row in rows]


def _grade_row(row: dict[str, Any], key: dict[str, dict[str, Any]], limits: Any) -> dict[str, Any]:
    from .core import check

    started = time.perf_counter()
    base = {"id": row.get("id"), "student": row.get("student"), "question": row.get("question")}
    if row.get("error"):
        return _error_row(base, "malformed", row["error"], started)
    question = row.get("question")
    if question in (None, "") or str(question) not in key:
        return _error_row(base, "unknown_question", f"question {question!r} is not in the key", started)
    answer = row.get("answer")
    if answer is None:
        return _error_row(base, "empty", "the row has no answer", started)
    entry = dict(key[str(question)])
    expected = entry.pop("expected")
    try:
        result = check(answer if not isinstance(answer, (int, float)) else str(answer), expected, limits=limits, **entry)
    except InputError as error:  # the key itself is unusable for this row
        return _error_row(base, "bad_key", str(error), started)
    except Exception as error:  # noqa: BLE001 - an internal error must still give a row
        return _error_row(base, "internal_error", f"{type(error).__name__}: {error}", started)
    return {
        **base,
        "status": result.status, "correct": result.correct, "score": result.score,
        "diagnosis": result.diagnosis, "note": result.note, "feedback": result.feedback,
        "wrong_components": [list(c) if isinstance(c, tuple) else c for c in result.wrong_components],
        "read_as": result.interpretation.canonical[:500], "warnings": list(result.interpretation.warnings),
        "evidence": result.evidence.method, "error": None if result.status != "invalid" else result.evidence.detail,
        "seconds": round(time.perf_counter() - started, 6),
    }


def _error_row(base: dict[str, Any], reason: str, message: str, started: float | None = None) -> dict[str, Any]:
    return {
        **base, "status": "invalid", "correct": False, "score": 0.0, "diagnosis": None,
        "note": f"invalid:{reason}", "feedback": "This answer could not be graded; it does not count as an attempt.",
        "wrong_components": [], "read_as": "", "warnings": [], "evidence": "none", "error": str(message)[:500],
        "seconds": round(time.perf_counter() - started, 6) if started else 0.0,
    }


# ------------------------------------------------------------------------------------------ writing
class _Writer:
    """Appends rows to a CSV or JSONL file, flushing after each batch."""

    def __init__(self, path: str | None):
        self.path = path
        self.fh = None
        if path is None:
            return
        fresh = not os.path.exists(path) or os.path.getsize(path) == 0
        self.fh = open(path, "a", encoding="utf-8", newline="")
        self.jsonl = _is_jsonl(path)
        if not self.jsonl:
            self.csv = csv.DictWriter(self.fh, fieldnames=RESULT_FIELDS, extrasaction="ignore")
            if fresh:
                self.csv.writeheader()

    def write(self, rows: list[dict[str, Any]]) -> None:
        if self.fh is None:
            return
        for row in rows:
            if self.jsonl:
                self.fh.write(json.dumps(row, ensure_ascii=False, default=str) + "\n")
            else:
                self.csv.writerow({k: json.dumps(v) if isinstance(v, (list, dict)) else v for k, v in row.items()})
        self.fh.flush()
        os.fsync(self.fh.fileno())

    def close(self) -> None:
        if self.fh is not None:
            self.fh.close()


def _done_ids(path: str | None) -> set[str]:
    if path is None or not os.path.exists(path):
        return set()
    done = set()
    for row in _read_file(path):
        if "_error" not in row and row.get("id") not in (None, ""):
            done.add(str(row["id"]))
    return done


# ------------------------------------------------------------------------------------------ progress
class _Progress:
    def __init__(self, total: int, enabled: bool, stream=None):
        self.total, self.enabled, self.done = total, enabled and total > 0, 0
        self.stream = stream or sys.stderr
        self.started = time.perf_counter()

    def advance(self, n: int) -> None:
        self.done += n
        if not self.enabled:
            return
        width = 30
        filled = int(width * self.done / self.total)
        rate = self.done / max(time.perf_counter() - self.started, 1e-9)
        self.stream.write(f"\rgrading [{'#' * filled}{'.' * (width - filled)}] {self.done}/{self.total} "
                          f"({rate:.0f} rows/s)")
        self.stream.flush()

    def close(self) -> None:
        if self.enabled:
            self.stream.write("\n")
            self.stream.flush()


# ------------------------------------------------------------------------------------------ grade
def grade(
    submissions: str | os.PathLike | Iterable[Mapping[str, Any]],
    key: Any,
    *,
    out: str | os.PathLike | None = None,
    executor: Executor | None = None,
    workers: int | None = None,
    chunk_size: int = 20,
    progress: bool = False,
    limits: Any = None,
) -> GradeSummary:
    """Grade every submission against the key; one result row per submission.

    Arguments:
        submissions: a CSV or JSONL file, or an iterable of dicts with ``student``,
            ``question``, ``answer`` (and optionally ``id``).
        key: a CSV/JSONL/JSON file or a mapping (see :func:`read_key`).
        out: CSV or JSONL file to append result rows to; rows already there (by
            ``id``) are skipped, so an interrupted run resumes without regrading.
        executor: any :class:`concurrent.futures.Executor` (a Dask
            ``client.get_executor()``...). Default: a ``ProcessPoolExecutor`` with
            ``workers`` processes (default: all cores); ``workers=1`` grades in this process.
        chunk_size: rows per task sent to the executor.
        progress: draw a progress bar on stderr.
        limits: :class:`symgrad.limits.Limits` for every answer.

    Returns:
        a :class:`GradeSummary` (its ``rows`` are the rows graded in this run).

    Example:
        >>> summary = grade([{"student": "ada", "question": "q1", "answer": "2*x"}], {"q1": "2*x"}, workers=1)
        >>> summary.rows[0]["status"]
        'correct'
    """
    started = time.perf_counter()
    answer_key = read_key(key)
    rows = read_rows(submissions)
    out_path = os.fspath(out) if out is not None else None
    done = _done_ids(out_path)
    todo = [r for r in rows if r["id"] not in done]
    writer, bar = _Writer(out_path), _Progress(len(todo), progress)
    graded: list[dict[str, Any]] = []

    def emit(batch: list[dict[str, Any]]) -> None:
        writer.write(batch)
        graded.extend(batch)
        bar.advance(len(batch))

    try:
        if executor is None and (workers == 1 or len(todo) <= chunk_size):
            for chunk in _chunks(todo, chunk_size):
                emit(grade_rows(chunk, answer_key, limits))
        else:
            _grade_parallel(todo, answer_key, limits, executor, workers, chunk_size, emit)
    finally:
        writer.close()
        bar.close()
    counts = Counter(r["note"] for r in graded)
    return GradeSummary(len(rows), len(graded), len(rows) - len(todo), dict(counts),
                        time.perf_counter() - started, out_path, graded)


def _new_pool(workers: int | None) -> ProcessPoolExecutor:
    """A process pool whose processes start clean ("forkserver" where available, else "spawn").

    Plain ``fork`` would copy this process's time-limit worker handle into every
    child, and two processes must never share one worker pipe.
    """
    import multiprocessing

    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")
    return ProcessPoolExecutor(max_workers=workers or os.cpu_count() or 1, mp_context=context)


def _chunks(items: list[Any], size: int) -> list[list[Any]]:
    return [items[i:i + size] for i in range(0, len(items), max(1, size))]


def _grade_parallel(todo, key, limits, executor, workers, chunk_size, emit) -> None:
    own = executor is None
    pool = executor or _new_pool(workers)
    failed: list[dict[str, Any]] = []
    try:
        failed = _run_chunks(pool, _chunks(todo, chunk_size), key, limits, emit)
        if failed:  # a process died: retry those rows one by one, in a fresh pool if it is ours
            if own:
                pool.shutdown(wait=False, cancel_futures=True)
                pool = _new_pool(workers)
            for row in failed:
                again = _run_chunks(pool, [[row]], key, limits, emit)
                if again:
                    emit([_error_row({k: row.get(k) for k in ("id", "student", "question")}, "worker_crashed",
                                     "the grading process died twice on this answer")])
                    if own:
                        pool.shutdown(wait=False, cancel_futures=True)
                        pool = _new_pool(workers)
    finally:
        if own:
            pool.shutdown(wait=True, cancel_futures=True)


def _run_chunks(pool: Executor, chunks, key, limits, emit) -> list[dict[str, Any]]:
    """Submit chunks; emit finished rows; return the rows whose process died."""
    from concurrent.futures import as_completed

    futures: dict[Future, list[dict[str, Any]]] = {}
    failed: list[dict[str, Any]] = []
    for chunk in chunks:
        try:
            futures[pool.submit(grade_rows, chunk, key, limits)] = chunk
        except (BrokenProcessPool, RuntimeError):
            failed.extend(chunk)
    for future in as_completed(futures):
        try:
            emit(future.result())
        except Exception:  # noqa: BLE001 - BrokenProcessPool, a cluster worker lost, a pickling error
            failed.extend(futures[future])
    return failed
