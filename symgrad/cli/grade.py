"""``symgrad grade SUBMISSIONS --key KEY --out RESULTS``: grade a whole class."""

from __future__ import annotations

import argparse
import json
import sys


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "grade",
        help="grade a file of submissions against a key (CSV or JSON Lines)",
        description="Check every submission (columns: id, student, question, answer) against the key "
        "(columns: question, expected, and optionally kind, rtol, atol, domain, variables, context) and "
        "append one result row per submission to RESULTS (.csv or .jsonl). Rows already in RESULTS are "
        "skipped, so an interrupted run resumes where it stopped. Unreadable, too large or timed-out "
        "answers get an 'invalid' row; none is dropped.",
    )
    parser.add_argument("submissions", help="submissions file (.csv or .jsonl)")
    parser.add_argument("--key", required=True, help="answer key (.csv, .jsonl or .json)")
    parser.add_argument("--out", required=True, help="results file to append to (.csv or .jsonl)")
    parser.add_argument("--workers", type=int, default=None, help="processes (default: all cores; 1 = no pool)")
    parser.add_argument("--chunk-size", type=int, default=20, help="rows per task (default 20)")
    parser.add_argument("--timeout", type=float, default=None, help="seconds allowed per answer (default 2)")
    parser.add_argument("--progress", dest="progress", action="store_true", default=None, help="show a progress bar")
    parser.add_argument("--no-progress", dest="progress", action="store_false", help="hide the progress bar")
    parser.add_argument("--format", choices=["text", "json"], default="text", help="format of the summary")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from ..check import grade
    from ..limits import DEFAULT_LIMITS

    limits = DEFAULT_LIMITS.replace(timeout=args.timeout) if args.timeout is not None else None
    progress = sys.stderr.isatty() if args.progress is None else args.progress
    summary = grade(args.submissions, args.key, out=args.out, workers=args.workers,
                    chunk_size=args.chunk_size, progress=progress, limits=limits)
    if args.format == "json":
        print(json.dumps(summary.to_dict(), indent=2))
    else:
        print(f"graded {summary.graded} of {summary.total} submissions in {summary.seconds:.1f} s "
              f"({summary.skipped} already in {args.out}); results in {args.out}")
        for note, count in sorted(summary.counts.items(), key=lambda kv: (-kv[1], kv[0])):
            print(f"  {note:40} {count}")
    return 0
