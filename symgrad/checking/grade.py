"""Batch grading: every submission of a class against a key, one result row each.

``grade(submissions, key, out=...)`` reads submissions (CSV or JSON Lines, or
an iterable of dicts with ``student``, ``question``, ``answer`` and an optional
``id``), checks each against the key's entry for its question, and writes one
row per submission.

**Columns.** Submissions need an ``answer`` column (aliases ``response``,
``submission``) and a ``question`` column (``question_id``, ``exercise``,
``problem``); ``student`` (``student_id``, ``user``, ``name``) and ``id``
(``submission_id``, ``row_id``) are optional. The key needs ``question`` and
``expected`` (alias ``answer``), optionally ``kind``, ``rtol``, ``atol``,
``domain``, ``variables``, ``context``; a question may appear only once. Files
are UTF-8 (a byte-order mark is accepted). **Roster keys**: a key written by
``symgrad exercises --students`` names its questions ``<student>:q<k>``; a
submission with ``student=s1, question=q1`` is looked up as ``s1:q1`` when
``q1`` itself is not in the key.

How the guarantees are kept:

* **No row is dropped.** Each row is checked inside ``try``; an unknown
  question, a missing answer, a hostile input or an internal error becomes an
  ``invalid`` row with ``error`` filled in. Costly work already runs in the
  killable worker of :func:`symgrad.limits.run_with_timeout`; if a whole
  executor process dies anyway, its rows are retried one at a time in a fresh
  pool, and a row that kills its process twice is written as
  ``invalid:worker_crashed``.
* **Resumable, exactly one result per row.** Rows are appended to ``out`` as
  chunks finish and synced to disk (:mod:`symgrad.checking.results_file`); a rerun
  first repairs ``out`` (a torn last row from a kill or a full disk is cut off,
  rows whose note is in :data:`RETRIED_ON_RESUME` are taken out to be graded
  again) and then skips the input rows already there. A result is matched to
  its input row by the row key ``(row, id, question)``, where ``row`` is the
  input row number (the line of a JSONL file, the record after the header of a
  CSV file, the position in an iterable), so duplicated ids never hide an
  ungraded row and every input row gets exactly one result row. Grading itself
  is at-least-once: a row graded when the run was killed, before its result
  was written, is graded again.
* **No process outlives the run.** Pool processes end when the grading process
  dies, even by ``SIGKILL`` (:func:`symgrad.limits.exit_with_parent`); an
  interrupted run (an exception, ``SIGINT``, or ``SIGTERM`` in the CLI) kills
  its pool at once instead of waiting for the running chunks.
* **Parallel through a standard interface.** Chunks of rows are submitted to a
  :class:`concurrent.futures.Executor`: by default a ``ProcessPoolExecutor``
  over the machine's cores; a Dask ``client.get_executor()`` or any other
  ``Executor`` runs the same grading on a cluster.
"""

from __future__ import annotations

import csv
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
from .results_file import RESULT_FIELDS, RETRIED_ON_RESUME, ResultsFile, is_jsonl, row_key

__all__ = ["grade", "GradeSummary", "read_rows", "read_key", "row_key", "RESULT_FIELDS", "RETRIED_ON_RESUME"]

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
        graded: rows graded in this run (including the regraded ones).
        skipped: rows already in ``out`` and kept (a resumed run).
        counts: ``note`` -> number of rows graded in this run.
        regraded: rows of ``out`` graded again because their note is in :data:`RETRIED_ON_RESUME`.
        retried: the earlier note -> how many of those rows.
        repaired: damaged records removed from ``out`` (a torn last row, an unreadable row, a second copy).
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
    regraded: int = 0
    retried: dict[str, int] = field(default_factory=dict)
    repaired: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {"total": self.total, "graded": self.graded, "skipped": self.skipped,
                "regraded": self.regraded, "retried": dict(self.retried), "repaired": self.repaired,
                "counts": dict(self.counts), "seconds": self.seconds, "out": self.out}


# ------------------------------------------------------------------------------------------ reading files
def read_rows(source: str | os.PathLike[str] | Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Submissions as dicts with ``row``, ``id``, ``student``, ``question``, ``answer``.

    ``source`` is a CSV or JSONL file or an iterable of dicts. ``row`` is the input
    row number (JSONL line, CSV record after the header, or 1-based position). A
    row without an id gets the id ``row<N>``; a line of a JSONL file that is not
    JSON becomes a row whose ``error`` says so (it still gets a result row).

    Raises:
        InputError: the file cannot be read, is not UTF-8, or has no ``answer`` or
            ``question`` column (the message lists the columns found).

    Example:
        >>> read_rows([{"question": "q1", "answer": "2*x"}])[0]["id"]
        'row1'
    """
    if isinstance(source, (str, os.PathLike)):
        path = os.fspath(source)
        raw = list(_read_file(path, "submissions file", errors="replace"))
    else:
        path = None
        raw = [(position, dict(r)) for position, r in enumerate(source, start=1)]
    _require_columns(raw, ("answer", "question"), "submissions", path)
    rows = []
    for position, row in raw:
        clean = {"row": position, **{name: _field(row, name) for name in _ALIASES}}
        clean["id"] = str(clean["id"]) if clean["id"] not in (None, "") else f"row{position}"
        if "_error" in row:
            clean["error"] = row["_error"]
        rows.append(clean)
    return rows


def _require_columns(raw: list[tuple[int, dict[str, Any]]], names: tuple[str, ...], what: str,
                     path: str | None) -> None:
    """Raise InputError when no row has any alias of one of ``names`` (a missing column, a damaged header)."""
    readable = [row for _, row in raw if "_error" not in row]
    if not readable:
        return
    found = sorted({str(c) for row in readable for c in row})
    for name in names:
        if not any(alias in row for row in readable for alias in _ALIASES[name]):
            where = f" {path!r}" if path else ""
            raise InputError(f"the {what}{where} has no {name!r} column (columns found: {', '.join(found) or 'none'}); "
                             f"name one of them {' or '.join(repr(a) for a in _ALIASES[name])}")


def _field(row: Mapping[str, Any], name: str) -> Any:
    for alias in _ALIASES[name]:
        if alias in row and row[alias] is not None:
            return row[alias]
    return None


def _read_file(path: str, what: str, errors: str = "strict") -> list[tuple[int, dict[str, Any]]]:
    """``(row number, row)`` pairs of a CSV or JSONL file; OS and decoding errors become InputError.

    A UTF-8 byte-order mark is skipped (``utf-8-sig``). With ``errors="strict"`` a
    file that is not UTF-8 is refused; with ``"replace"`` bad bytes become U+FFFD.
    """
    try:
        with open(path, encoding="utf-8-sig", errors=errors, newline="") as fh:
            return list(_parse_jsonl(fh) if is_jsonl(path) else _parse_csv(fh))
    except UnicodeDecodeError as error:
        raise InputError(f"the {what} {path!r} is not UTF-8 text (byte {error.start}: {error.reason}); "
                         f"save it as UTF-8 (e.g. 'CSV UTF-8' in a spreadsheet) and try again") from None
    except OSError as error:
        raise InputError(f"cannot read the {what} {path!r}: {error.strerror or error}") from None
    except csv.Error as error:
        raise InputError(f"the {what} {path!r} is not valid CSV: {error}") from None


def _parse_jsonl(fh) -> Iterator[tuple[int, dict[str, Any]]]:
    for number, line in enumerate(fh, start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            yield number, item if isinstance(item, dict) else {"_error": f"line {number} is not a JSON object"}
        except json.JSONDecodeError as error:
            yield number, {"_error": f"line {number} is not valid JSON: {error.msg}"}


def _parse_csv(fh) -> Iterator[tuple[int, dict[str, Any]]]:
    csv.field_size_limit(1 << 24)
    yield from enumerate(csv.DictReader(fh), start=1)


def read_key(source: Any) -> dict[str, dict[str, Any]]:
    """The key as ``{question: {"expected": ..., "kind": ..., ...}}``.

    Accepts a CSV/JSONL file (columns ``question``, ``expected`` and optional
    ``kind``, ``rtol``, ``atol``, ``domain``, ``variables``, ``context``; JSON in
    the last three), a JSON file holding such a mapping, or a mapping whose values
    are the expected answer, an exercise, or such a dict.

    Raises:
        InputError: the file cannot be read or is not UTF-8 (a byte-order mark is
            fine), a column is missing, a question appears twice, or an entry has
            no expected answer.

    Example:
        >>> read_key({"q1": "2*x"})
        {'q1': {'expected': '2*x'}}
    """
    if isinstance(source, (str, os.PathLike)):
        path = os.fspath(source)
        source = _read_json_key(path) if path.lower().endswith(".json") else _key_rows(path)
    if not isinstance(source, Mapping):
        raise InputError("the key must be a file or a mapping {question: expected answer}")
    return {str(q): _key_entry(str(q), entry) for q, entry in source.items()}


def _read_json_key(path: str) -> Any:
    try:
        with open(path, encoding="utf-8-sig") as fh:
            return json.load(fh)
    except UnicodeDecodeError as error:
        raise InputError(f"the key {path!r} is not UTF-8 text (byte {error.start}: {error.reason})") from None
    except OSError as error:
        raise InputError(f"cannot read the key {path!r}: {error.strerror or error}") from None
    except json.JSONDecodeError as error:
        raise InputError(f"the key {path!r} is not valid JSON: {error.msg} (line {error.lineno})") from None


def _key_rows(path: str) -> dict[str, dict[str, Any]]:
    raw = _read_file(path, "key")
    bad = next(((n, r["_error"]) for n, r in raw if "_error" in r), None)
    if bad is not None:
        raise InputError(f"the key {path!r} is damaged: {bad[1]}")
    rows = [row for _, row in raw]
    if rows and not any("question" in row for row in rows):
        found = ", ".join(sorted({str(c) for row in rows for c in row})) or "none"
        raise InputError(f"the key {path!r} has no 'question' column (columns found: {found}); "
                         f"it needs the columns 'question' and 'expected'")
    entries: dict[str, dict[str, Any]] = {}
    for number, row in raw:
        question = str(row.get("question") or "").strip()
        if not question:
            raise InputError(f"row {number} of the key {path!r} has no question id")
        if question in entries:
            raise InputError(f"the key {path!r} lists question {question!r} twice; each question may appear once")
        entries[question] = row
    return entries


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
        try:
            if name in ("domain", "context") and isinstance(value, str):
                value = json.loads(value)
            elif name == "variables" and isinstance(value, str):
                value = value.replace(",", " ").split()
            elif name in ("rtol", "atol"):
                value = float(value)
        except (ValueError, TypeError) as error:
            raise InputError(f"the key's {name!r} for question {question!r} is not usable ({value!r}): {error}; "
                             f"{name} is a number" if name in ("rtol", "atol") else
                             f"the key's {name!r} for question {question!r} is not valid JSON ({value!r})") from None
        options[name] = value
    return options


# ------------------------------------------------------------------------------------------ one chunk
def grade_rows(rows: list[dict[str, Any]], key: dict[str, dict[str, Any]], limits: Any = None) -> list[dict[str, Any]]:
    """Grade a chunk of rows (runs in an executor process); never raises."""
    return [_grade_row(row, key, limits) for row in rows]


def _grade_row(row: dict[str, Any], key: dict[str, dict[str, Any]], limits: Any) -> dict[str, Any]:
    from .core import check

    started = time.perf_counter()
    base = {"row": row.get("row"), "id": row.get("id"), "student": row.get("student"),
            "question": row.get("question")}
    if row.get("error"):
        return _error_row(base, "malformed", row["error"], started)
    question = _key_question(row, key)
    if question is None:
        return _error_row(base, "unknown_question", f"question {row.get('question')!r} is not in the key", started)
    answer = row.get("answer")
    if answer is None:
        return _error_row(base, "empty", "the row has no answer", started)
    entry = dict(key[question])
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


def _key_question(row: Mapping[str, Any], key: Mapping[str, Any]) -> str | None:
    """The key's question id for a row: the plain id, else ``<student>:<question>`` (a roster key)."""
    question = row.get("question")
    if question in (None, ""):
        return None
    if str(question) in key:
        return str(question)
    student = row.get("student")
    personal = f"{student}:{question}"
    return personal if student not in (None, "") and personal in key else None


def _error_row(base: dict[str, Any], reason: str, message: str, started: float | None = None) -> dict[str, Any]:
    return {
        **base, "status": "invalid", "correct": False, "score": 0.0, "diagnosis": None,
        "note": f"invalid:{reason}", "feedback": "This answer could not be graded; it does not count as an attempt.",
        "wrong_components": [], "read_as": "", "warnings": [], "evidence": "none", "error": str(message)[:500],
        "seconds": round(time.perf_counter() - started, 6) if started else 0.0,
    }


# ------------------------------------------------------------------------------------------ grade
def grade(
    submissions: str | os.PathLike[str] | Iterable[Mapping[str, Any]],
    key: Any,
    *,
    out: str | os.PathLike[str] | None = None,
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
        out: CSV or JSONL file to append result rows to; input rows already there
            (matched by :func:`row_key`: row number, id and question) are skipped, so an
            interrupted run resumes without skipping any row or writing one twice; rows whose
            note is in :data:`RETRIED_ON_RESUME` are graded again (see the module docstring).
        executor: any :class:`concurrent.futures.Executor` (a Dask
            ``client.get_executor()``...). Default: a ``ProcessPoolExecutor`` with
            ``workers`` processes (default: all cores); ``workers=1`` grades in this process.
        chunk_size: rows per task sent to the executor.
        progress: draw a progress bar (tqdm) on stderr; it also works without a terminal.
        limits: :class:`symgrad.limits.Limits` for every answer.

    Returns:
        a :class:`GradeSummary` (its ``rows`` are the rows graded in this run).

    Example:
        >>> summary = grade([{"student": "ada", "question": "q1", "answer": "2*x"}], {"q1": "2*x"}, workers=1)
        >>> summary.rows[0]["status"]
        'correct'
    """
    started = time.perf_counter()
    _check_settings(workers, chunk_size, out)
    answer_key = read_key(key)
    rows = read_rows(submissions)
    out_path = os.fspath(out) if out is not None else None
    results, recovery = ResultsFile.open(out_path, map(row_key, rows)) if out_path is not None else (None, None)
    done = recovery.done if recovery is not None else set()
    todo = [r for r in rows if row_key(r) not in done]
    bar = _progress_bar(len(todo), progress)
    graded: list[dict[str, Any]] = []

    def emit(batch: list[dict[str, Any]]) -> None:
        if results is not None:
            results.write(batch)
        graded.extend(batch)
        bar.update(len(batch))

    try:
        if executor is None and (workers == 1 or len(todo) <= chunk_size):
            for chunk in _chunks(todo, chunk_size):
                emit(grade_rows(chunk, answer_key, limits))
        else:
            _grade_parallel(todo, answer_key, limits, executor, workers, chunk_size, emit)
    finally:
        if results is not None:
            results.close()
        bar.close()
    counts = Counter(r["note"] for r in graded)
    retried = dict(recovery.retried) if recovery is not None else {}
    return GradeSummary(len(rows), len(graded), len(rows) - len(todo), dict(counts),
                        time.perf_counter() - started, out_path, graded, regraded=sum(retried.values()),
                        retried=retried, repaired=recovery.repaired if recovery is not None else 0)


def _progress_bar(total: int, enabled: bool):
    """A tqdm bar on stderr (``disable`` makes every call a no-op)."""
    from tqdm import tqdm

    return tqdm(total=total, disable=not enabled or total == 0, desc="grading", unit="row", file=sys.stderr,
                dynamic_ncols=True)


def _check_settings(workers: int | None, chunk_size: int, out: Any) -> None:
    if workers is not None and workers < 1:
        raise InputError(f"workers must be at least 1, got {workers}")
    if chunk_size < 1:
        raise InputError(f"chunk_size must be at least 1, got {chunk_size}")
    if out is not None and os.path.isdir(os.fspath(out)):
        raise InputError(f"--out {os.fspath(out)!r} is a folder; give a results file such as results.csv")


def _new_pool(workers: int | None) -> ProcessPoolExecutor:
    """A process pool whose processes start clean ("forkserver" where available, else "spawn").

    Plain ``fork`` would copy this process's time-limit worker handle into every
    child, and two processes must never share one worker pipe.
    """
    import multiprocessing

    from ..limits import exit_with_parent

    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")
    return ProcessPoolExecutor(max_workers=workers or os.cpu_count() or 1, mp_context=context,
                               initializer=exit_with_parent)


def _kill_pool(pool: ProcessPoolExecutor) -> None:
    """Stop a pool of ours now: cancel queued chunks and kill its processes instead of waiting for them."""
    kill = getattr(pool, "kill_workers", None)  # Python 3.14+
    processes = list((getattr(pool, "_processes", None) or {}).values())  # before 3.14: no public way
    pool.shutdown(wait=False, cancel_futures=True)
    if kill is not None:
        kill()
        return
    for process in processes:
        try:
            process.kill()
        except (OSError, ValueError, AttributeError):
            pass


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
                    emit([_error_row({k: row.get(k) for k in ("row", "id", "student", "question")}, "worker_crashed",
                                     "the grading process died twice on this answer")])
                    if own:
                        pool.shutdown(wait=False, cancel_futures=True)
                        pool = _new_pool(workers)
    except BaseException:  # interrupted, or the results cannot be written: do not wait for running chunks
        if own:
            _kill_pool(pool)
        raise
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
