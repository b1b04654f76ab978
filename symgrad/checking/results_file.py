"""The results file of a grading run: append-only, durable, resumable, safe to open in a spreadsheet.

:func:`symgrad.checking.grade` writes one result row per submission row; this
module owns the file. The mechanism, once:

* **Append, then sync.** Each finished batch of rows is encoded first and then
  written with ``os.write`` on an unbuffered descriptor and ``fsync``-ed, so a
  row on disk stays there; nothing is buffered in Python that a later ``close``
  could try (and fail) to write again. A failed write (a full disk) is an
  :class:`~symgrad.errors.InputError` that says how to resume.
* **Open = recover.** Opening an existing results file scans it record by record
  (a CSV record may span lines: an error message keeps its line breaks).
  A last record without its line end or with too few fields is the torn end of
  an interrupted write: it is cut off. Records that cannot be read, second
  copies of a row, and rows whose note is in :data:`RETRIED_ON_RESUME` (their
  input row is graded again) are dropped by rewriting the file to a temporary
  file, syncing it and renaming it over the old one, so a crash leaves either
  the old or the new file, never a mixture.
* **Spreadsheet-safe CSV.** A text cell that starts with ``=``, ``+``, ``-``,
  ``@``, a tab or a carriage return is a formula to a spreadsheet; such a cell
  (and one starting with ``'``, so that reading back is exact) gets a leading
  ``'`` (OWASP's rule for CSV injection). Reading a CSV results file back
  removes it again. JSON Lines keeps every value verbatim.

A file that is not a results file (another header, JSON lines without the
result columns) is refused, never repaired.
"""

from __future__ import annotations

import csv
import io
import json
import os
import stat
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..errors import InputError

__all__ = ["RESULT_FIELDS", "RETRIED_ON_RESUME", "ResultsFile", "Recovery", "row_key", "neutralize", "restore",
           "is_jsonl"]

#: columns of a result row, in order
RESULT_FIELDS: tuple[str, ...] = (
    "row", "id", "student", "question", "status", "correct", "score", "diagnosis", "note", "feedback",
    "wrong_components", "read_as", "warnings", "evidence", "error", "seconds",
)

#: notes of rows that a rerun can change: graded again when a run resumes (a fixed key, more time, a
#: process that died, a symgrad bug fixed since)
RETRIED_ON_RESUME: frozenset[str] = frozenset({
    "invalid:bad_key", "invalid:unknown_question", "invalid:timeout", "invalid:worker_crashed",
    "invalid:internal_error",
})

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "'")


def row_key(row: Mapping[str, Any]) -> tuple[str, str, str]:
    """The stable key of an input row and of its result row: ``(row number, id, question)`` as text."""
    def text(value: Any) -> str:
        return "" if value is None else str(value)

    return text(row.get("row")), text(row.get("id")), text(row.get("question"))


def is_jsonl(path: str) -> bool:
    """Whether a file name means JSON Lines (``.jsonl``, ``.ndjson``, ``.json``) rather than CSV."""
    return path.lower().endswith((".jsonl", ".ndjson", ".json"))


def neutralize(value: Any) -> Any:
    """A CSV cell a spreadsheet shows as text: ``'=cmd|...`` for ``=cmd|...`` (see the module docstring).

    Example:
        >>> neutralize("=1+1"), neutralize("x + 1"), neutralize(0.5)
        ("'=1+1", 'x + 1', 0.5)
    """
    return "'" + value if isinstance(value, str) and value.startswith(_FORMULA_START) else value


def restore(cell: str) -> str:
    """The value :func:`neutralize` was given for a cell read back from CSV.

    Example:
        >>> restore(neutralize("=1+1"))
        '=1+1'
    """
    return cell[1:] if cell.startswith("'") else cell


@dataclass
class Recovery:
    """What opening an existing results file found.

    Attributes:
        done: row keys of the rows kept (not graded again).
        retried: earlier note -> rows dropped to be graded again (:data:`RETRIED_ON_RESUME`).
        repaired: damaged records dropped: a torn last record, unreadable records, second copies.
    """

    done: set[tuple[str, str, str]] = field(default_factory=set)
    retried: Counter[str] = field(default_factory=Counter)
    repaired: int = 0


@dataclass
class _Record:
    raw: bytes
    row: dict[str, Any] | None  # None: the record cannot be read as a result row


class ResultsFile:
    """A CSV or JSON Lines results file opened for appending; see the module docstring."""

    def __init__(self, path: str):
        self.path = path
        self.jsonl: bool = is_jsonl(path)
        self.fd: int | None = None
        self.sync: bool = True  # fsync after each write (a pipe or /dev/null cannot be synced, and need not be)
        self.written: int = 0

    # -------------------------------------------------------------------------------- opening
    @classmethod
    def open(cls, path: str, input_keys: Iterable[tuple[str, str, str]]) -> tuple["ResultsFile", Recovery]:
        """Recover ``path`` (see the module docstring) and open it for appending.

        ``input_keys``: row keys of the current submissions; a retried row is dropped only
        when its input row is there to be graded again.
        """
        results = cls(path)
        recovery = Recovery()
        fresh = True
        if _is_regular_file(path):
            data = results._read()
            header, records, torn = _scan(data, results.jsonl, path)
            recovery = _recover(records, set(input_keys), torn)
            kept = [r.raw for r in records if r.row is not None and row_key(r.row) in recovery.done]
            if len(kept) != len(records):
                results._replace(header + b"".join(kept))
            elif torn:
                results._truncate(len(data) - len(torn))
            fresh = not header and not kept
        results._open_for_append()
        if fresh and not results.jsonl:
            try:
                results._append(_csv_text([dict(zip(RESULT_FIELDS, RESULT_FIELDS))]).encode("utf-8"), rows=0)
            except BaseException:
                results.close()
                raise
        return results, recovery

    def _read(self) -> bytes:
        try:
            with open(self.path, "rb") as fh:
                return fh.read()
        except OSError as error:
            raise InputError(f"cannot read the results file {self.path!r}: {error.strerror or error}") from None

    def _replace(self, content: bytes) -> None:
        """Write ``content`` to a temporary file next to ``path``, sync it, and rename it over ``path``."""
        temporary = f"{self.path}.symgrad-tmp"
        try:
            fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, stat.S_IMODE(os.stat(self.path).st_mode))
            try:
                _write_all(fd, content)
                os.fsync(fd)
            finally:
                os.close(fd)
            os.replace(temporary, self.path)
            _sync_folder(self.path)
        except OSError as error:
            _remove_quietly(temporary)
            raise self._write_error(error, "while repairing it") from None

    def _truncate(self, size: int) -> None:
        try:
            with open(self.path, "r+b") as fh:
                fh.truncate(size)
                os.fsync(fh.fileno())
        except OSError as error:
            raise self._write_error(error, "while cutting off its torn last row") from None

    def _open_for_append(self) -> None:
        try:
            self.fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o666)
            self.sync = stat.S_ISREG(os.fstat(self.fd).st_mode)
        except OSError as error:
            raise InputError(f"cannot write the results to {self.path!r}: {error.strerror or error}; "
                             f"choose another --out file") from None

    # -------------------------------------------------------------------------------- writing
    def write(self, rows: list[dict[str, Any]]) -> None:
        """Append ``rows`` and sync them to disk; a failure is an InputError that says how to resume."""
        if not rows:
            return
        text = "".join(json.dumps(r, ensure_ascii=False, default=str) + "\n" for r in rows) if self.jsonl \
            else _csv_text(rows)
        self._append(text.encode("utf-8"), rows=len(rows))

    def _append(self, data: bytes, rows: int) -> None:
        try:
            _write_all(self.fd, data)
            if self.sync:
                os.fsync(self.fd)
        except OSError as error:
            raise self._write_error(error, f"after {self.written} result rows of this run") from None
        self.written += rows

    def _write_error(self, error: OSError, when: str) -> InputError:
        return InputError(f"cannot write the results to {self.path!r} {when}: {error.strerror or error}; "
                          f"free some space (or fix the problem) and run the same command again: the rows already "
                          f"written are kept and the rest are graded")

    def close(self) -> None:
        """Close the file; never raises (every row was synced when it was written)."""
        if self.fd is not None:
            try:
                os.close(self.fd)
            except OSError:
                pass
            self.fd = None


# ------------------------------------------------------------------------------------ reading back
def _scan(data: bytes, jsonl: bool, path: str) -> tuple[bytes, list[_Record], bytes]:
    """``(header, complete records, torn tail)`` of a results file's bytes."""
    lines = data.split(b"\n")
    complete, tail = [line + b"\n" for line in lines[:-1]], lines[-1]
    if jsonl:
        records = [_Record(line, _json_row(line)) for line in complete if line.strip()]
        _require_results(path, records, lambda: "its lines are not result rows")
        return b"", records, tail
    if not complete:  # not even a whole header: a run that died at once
        return b"", [], data
    header, body = complete[0], complete[1:]
    columns = next(csv.reader([header.decode("utf-8-sig", errors="replace")]), [])
    if tuple(columns) != RESULT_FIELDS:
        raise InputError(f"{path!r} is not a symgrad results file (its columns are {', '.join(columns[:8]) or 'none'}"
                         f"{', ...' if len(columns) > 8 else ''}); choose another --out file")
    records, consumed = _csv_records(body)
    torn = b"".join(body[consumed:]) + tail
    return header, records, torn


def _require_results(path: str, records: list[_Record], why) -> None:
    if records and all(r.row is None for r in records):
        raise InputError(f"{path!r} is not a symgrad results file ({why()}); choose another --out file")


def _json_row(line: bytes) -> dict[str, Any] | None:
    try:
        row = json.loads(line.decode("utf-8", errors="replace"))
    except json.JSONDecodeError:
        return None
    return row if isinstance(row, dict) and set(RESULT_FIELDS) <= set(row) and row.get("row") not in (None, "") else None


def _csv_records(body: list[bytes]) -> tuple[list[_Record], int]:
    """Records of a CSV body (lines with their line ends) and how many lines they used; a record that the
    lines end inside (an open quote, too few fields) is left out, as part of the torn tail."""
    position = 0

    def lines() -> Iterator[str]:
        nonlocal position
        while position < len(body):
            position += 1
            yield body[position - 1].decode("utf-8", errors="replace")

    csv.field_size_limit(1 << 24)
    reader = csv.reader(lines())
    records, start = [], 0
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error:  # unreadable from here on: the rest is left to the torn tail
            break
        raw = b"".join(body[start:position])
        if len(cells) < len(RESULT_FIELDS) and position == len(body):
            break  # a last record cut short at a line break inside it
        records.append(_Record(raw, _csv_row(cells)))
        start = position
    return records, start


def _csv_row(cells: list[str]) -> dict[str, Any] | None:
    if len(cells) != len(RESULT_FIELDS):
        return None
    row = dict(zip(RESULT_FIELDS, (restore(c) for c in cells)))
    return row if row["row"].isdigit() else None


def _recover(records: list[_Record], input_keys: set, torn: bytes) -> Recovery:
    recovery = Recovery(repaired=1 if torn.strip() else 0)
    for record in records:
        if record.row is None:
            recovery.repaired += 1
            continue
        key = row_key(record.row)
        if key in recovery.done:
            recovery.repaired += 1  # a second copy of a row
        elif record.row.get("note") in RETRIED_ON_RESUME and key in input_keys:
            recovery.retried[record.row["note"]] += 1
        else:
            recovery.done.add(key)
    return recovery


# ------------------------------------------------------------------------------------ small helpers
def _csv_text(rows: list[dict[str, Any]]) -> str:
    buffer = io.StringIO(newline="")
    writer = csv.DictWriter(buffer, fieldnames=RESULT_FIELDS, extrasaction="ignore")
    for row in rows:
        writer.writerow({k: neutralize(json.dumps(v) if isinstance(v, (list, dict)) else v) for k, v in row.items()})
    return buffer.getvalue()


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _is_regular_file(path: str) -> bool:
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except OSError:
        return False


def _sync_folder(path: str) -> None:
    try:
        fd = os.open(os.path.dirname(os.path.abspath(path)), os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _remove_quietly(path: str) -> None:
    try:
        os.remove(path)
    except OSError:
        pass
