"""``symgrad exercises``: generate verified problem sheets, answer keys and the grading key.

Without ``--students`` it writes one sheet (``sheet.<ext>``) and its answer key
(``key.<ext>``) for ``--count`` exercises of each ``--family``. With
``--students roster.csv`` (a column ``student``, ``student_id``, ``id`` or
``name``) it writes one personalised sheet per student (``<student>.<ext>``),
one answer key per student (``<student>.key.<ext>``), and ``grading_key.json``,
which ``symgrad grade SUBMISSIONS --key DIR/grading_key.json`` reads. Question
ids are ``q1, q2, ...`` on a plain sheet and ``<student>:q1, ...`` in roster mode,
so submissions name the question the student saw.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re

_EXTENSIONS = {"md": "md", "latex": "tex", "json": "json"}


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Declare ``symgrad exercises``."""
    parser = subparsers.add_parser(
        "exercises",
        help="generate verified exercise sheets, answer keys and a grading key",
        description="Generate seeded exercises (each verified before it is written), a problem sheet and "
        "its answer key; with --students, one personalised sheet per student plus the key 'symgrad grade' reads.",
    )
    parser.add_argument("--family", action="append", default=None, type=family_name,
                        help="an exercise family (repeat for several; default: all). Use --list to see them "
                        "(gd-step and gd_step are the same name).")
    parser.add_argument("--count", type=int, default=1, help="exercises per family (default 1)")
    parser.add_argument("--seed", default="0", help="seed of the sheet (default 0)")
    parser.add_argument("--difficulty", type=int, default=1, help="difficulty level 1-3 (default 1)")
    parser.add_argument("--format", choices=sorted(_EXTENSIONS), default="md", help="sheet format (default md)")
    parser.add_argument("--out", default=None, help="output folder (default, or -: print the sheet)")
    parser.add_argument("--students", default=None, help="roster CSV: one personalised sheet per student")
    parser.add_argument("--assignment", default="assignment", help="assignment name (part of each student's seed)")
    parser.add_argument("--title", default=None, help="sheet title")
    parser.add_argument("--list", action="store_true", help="list the families and their levels, then exit")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from .. import exercises
    from ..errors import InputError
    from ..exercises import sheets

    if args.list:
        for name, family in exercises.FAMILIES.items():
            levels = "; ".join(f"{k}: {v}" for k, v in family.levels.items())
            print(f"{name.replace('_', '-'):16} {family.title} ({family.source}) -- {levels}")
        return 0
    families = args.family or list(exercises.FAMILIES)
    args.out = None if args.out == "-" else args.out
    if args.count < 1:
        raise InputError(f"--count must be at least 1, got {args.count}")
    ext = _EXTENSIONS[args.format]
    title = args.title or (args.assignment if args.students else "Problem sheet")
    if args.students:
        if not args.out:
            raise InputError("roster mode writes one file per student: give --out DIR")
        return _roster(args, families, ext, title)
    items = [(f"q{k}", ex) for k, ex in enumerate(
        exercises.generate_many(families, args.count, args.seed, args.difficulty), 1)]
    if not args.out:
        print(sheets.sheet(items, args.format, title=title), end="")
        return 0
    os.makedirs(args.out, exist_ok=True)
    _write(os.path.join(args.out, f"sheet.{ext}"), sheets.sheet(items, args.format, title=title))
    figures = sheets.draw_figures(items, args.out) if args.format != "json" else {}
    _write(os.path.join(args.out, f"key.{ext}"),
           sheets.sheet(items, args.format, title=title, answers=True, figures=figures))
    _write(os.path.join(args.out, "grading_key.json"), json.dumps(sheets.grading_key(items), indent=2) + "\n")
    print(f"wrote {len(items)} verified exercises to {args.out} (sheet.{ext}, key.{ext}, grading_key.json)")
    return 0


def family_name(text: str) -> str:
    """The library's name of a family: ``gd-step`` and ``gd_step`` are both ``gd_step`` (printed ``gd-step``)."""
    return text.strip().lower().replace("-", "_")


def _roster(args: argparse.Namespace, families: list[str], ext: str, title: str) -> int:
    from .. import exercises
    from ..exercises import sheets

    students = read_roster(args.students)
    os.makedirs(args.out, exist_ok=True)
    key: dict[str, dict] = {}
    for student in students:
        items = []
        for family in families:
            for i in range(args.count):
                assignment = args.assignment if args.count == 1 else f"{args.assignment}#{i + 1}"
                items.append(exercises.for_student(family, student, assignment, args.difficulty))
        numbered = [(f"{student}:q{k}", ex) for k, ex in enumerate(items, 1)]
        stem = _safe(student)
        _write(os.path.join(args.out, f"{stem}.{ext}"), sheets.sheet(numbered, args.format, title=title, student=student))
        figures = sheets.draw_figures(numbered, args.out) if args.format != "json" else {}
        _write(os.path.join(args.out, f"{stem}.key.{ext}"),
               sheets.sheet(numbered, args.format, title=title, answers=True, student=student, figures=figures))
        key.update(sheets.grading_key(numbered))
    _write(os.path.join(args.out, "grading_key.json"), json.dumps(key, indent=2) + "\n")
    print(f"wrote personalised sheets for {len(students)} students and grading_key.json ({len(key)} questions) "
          f"to {args.out}")
    return 0


def read_roster(path: str) -> list[str]:
    """Student ids from a CSV roster (column ``student``, ``student_id``, ``id`` or ``name``; else the first)."""
    from ..errors import InputError

    try:
        with open(path, encoding="utf-8", newline="") as fh:
            rows = list(csv.DictReader(fh))
    except OSError as error:
        raise InputError(f"cannot read the roster {path!r}: {error.strerror}") from None
    if not rows:
        raise InputError(f"the roster {path!r} has no students (expected a header line such as 'student')")
    column = next((c for c in ("student", "student_id", "id", "name") if c in rows[0]), next(iter(rows[0])))
    students = [str(r[column]).strip() for r in rows if str(r.get(column) or "").strip()]
    if len(set(students)) != len(students):
        raise InputError(f"the roster {path!r} lists a student twice")
    return students


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", name) or "student"


def _write(path: str, text: str) -> None:
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(text)
