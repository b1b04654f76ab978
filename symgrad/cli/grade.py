"""``symgrad grade SUBMISSIONS --key KEY --out RESULTS``: grade a whole class.

Bad files (missing, a folder, not UTF-8, a missing column, a question twice in
the key, an unwritable ``--out``, a disk that fills up) end with
``symgrad: error: ...`` and exit status 1; bad option values (``--timeout -1``)
are usage errors (exit status 2). ``SIGINT`` (Ctrl-C) and ``SIGTERM`` stop the
run and its processes at once, keep every row already written, and exit with
status 130 and 143; the same command resumes.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import sys
import tempfile
from collections.abc import Iterator

_DESCRIPTION = (
    "Check every submission against the key and append one result row per submission to RESULTS "
    "(.csv or .jsonl). "
    "SUBMISSIONS (.csv or .jsonl, UTF-8) needs the columns 'question' and 'answer' "
    "(aliases: question_id/exercise/problem; response/submission); 'student' and 'id' are optional. "
    "KEY (.csv, .jsonl, or .json holding {question: entry}) needs 'question' and 'expected', each question once, "
    "and optionally kind, rtol, atol, domain, variables, context. "
    "A roster key from 'symgrad exercises --students' names its questions '<student>:q<k>': a submission with "
    "student=s1 and question=q1 is graded against 's1:q1'. "
    "Input rows already in RESULTS (matched by row number, id and question) are skipped, so an interrupted "
    "run resumes where it stopped: a torn last row is cut off and graded again, and so are rows that a rerun can "
    "change (invalid:bad_key, invalid:unknown_question, invalid:timeout, invalid:worker_crashed, "
    "invalid:internal_error); every submission row ends with exactly one result row. "
    "Unreadable, too large or timed-out answers get an 'invalid' row; none is dropped. "
    "CSV cells that a spreadsheet would run as a formula (=, +, -, @) are written with a leading '."
)


class Terminated(KeyboardInterrupt):
    """SIGTERM, turned into an exception so that the run stops the way Ctrl-C stops it."""


def _terminate(signum, frame):
    raise Terminated()


def _positive(kind):
    def convert(text: str):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a {'number' if kind is float else 'whole number'}") from None
        if not value > 0:
            raise argparse.ArgumentTypeError(f"must be greater than 0, got {text}")
        return value
    convert.__name__ = kind.__name__
    return convert


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Declare ``symgrad grade``."""
    parser = subparsers.add_parser(
        "grade",
        help="grade a file of submissions against a key (CSV or JSON Lines)",
        description=_DESCRIPTION,
    )
    parser.add_argument("submissions", help="submissions file (.csv or .jsonl) with columns question, answer "
                                            "[, student, id]; - reads them from stdin (JSON Lines if the first "
                                            "character is '{', else CSV)")
    parser.add_argument("--key", required=True, help="answer key (.csv, .jsonl or .json) with columns question, "
                                                     "expected [, kind, rtol, atol, domain, variables, context]")
    parser.add_argument("--out", required=True, help="results file to append to (.csv or .jsonl)")
    parser.add_argument("--workers", type=_positive(int), default=None,
                        help="processes (default: all cores; 1 = no pool)")
    parser.add_argument("--chunk-size", type=_positive(int), default=20, help="rows per task (default 20)")
    parser.add_argument("--timeout", type=_positive(float), default=None, help="seconds allowed per answer (default 2)")
    parser.add_argument("--progress", dest="progress", action="store_true", default=None, help="show a progress bar")
    parser.add_argument("--no-progress", dest="progress", action="store_false", help="hide the progress bar")
    parser.add_argument("--format", choices=["text", "json"], default="text", help="format of the summary")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Grade ``args.submissions`` against ``args.key`` into ``args.out``; print a summary; return 0.

    Raises InputError (shown as ``symgrad: error: ...``, exit status 3) for unusable files.
    """
    from ..checking import grade
    from ..limits import DEFAULT_LIMITS

    limits = DEFAULT_LIMITS.replace(timeout=args.timeout) if args.timeout is not None else None
    progress = sys.stderr.isatty() if args.progress is None else args.progress
    previous = _handle_sigterm()
    try:
        with _submissions_path(args.submissions) as submissions:
            summary = grade(submissions, args.key, out=args.out, workers=args.workers,
                            chunk_size=args.chunk_size, progress=progress, limits=limits)
    except KeyboardInterrupt as stop:
        terminated = isinstance(stop, Terminated)
        print(f"symgrad: {'terminated (SIGTERM)' if terminated else 'interrupted'}; the rows graded so far are in "
              f"{args.out}: run the same command again to grade the rest", file=sys.stderr)
        return 143 if terminated else 130
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
    if args.format == "json":
        print(json.dumps(summary.to_dict(), indent=2))
    else:
        print(_summary_line(summary, args.out))
        for note, count in sorted(summary.counts.items(), key=lambda kv: (-kv[1], kv[0])):
            print(f"  {note:40} {count}")
    return 0


def _handle_sigterm():
    """Install the SIGTERM handler; return the previous one (``None`` outside the main thread)."""
    try:
        return signal.signal(signal.SIGTERM, _terminate)
    except ValueError:  # not the main thread: leave signals alone
        return None


@contextlib.contextmanager
def _submissions_path(name: str) -> Iterator[str]:
    """``name`` itself, or for ``-`` a temporary copy of stdin named by its format (read like any file)."""
    if name != "-":
        yield name
        return
    text = sys.stdin.read()
    suffix = ".jsonl" if text.lstrip().startswith("{") else ".csv"
    with tempfile.TemporaryDirectory(prefix="symgrad-stdin-") as folder:
        path = os.path.join(folder, "stdin" + suffix)
        with open(path, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
        yield path


def _summary_line(summary, out: str) -> str:
    line = (f"graded {summary.graded} of {summary.total} submissions in {summary.seconds:.1f} s "
            f"({summary.skipped} already in {out}")
    if summary.regraded:
        reasons = ", ".join(f"{note} {count}" for note, count in sorted(summary.retried.items()))
        line += f"; {summary.regraded} regraded because a rerun can change them: {reasons}"
    if summary.repaired:
        line += (f"; {summary.repaired} damaged row{'s' if summary.repaired != 1 else ''} removed "
                 f"(a torn or unreadable row is graded again)")
    return line + f"); results in {out}"
