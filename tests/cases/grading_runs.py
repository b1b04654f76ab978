"""A small class to grade in a subprocess, for the tests that kill and resume `symgrad grade`."""

import csv
import json
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

KEY = {
    "grad": {"expected": "[4, 9]", "kind": "gradient_at",
             "context": {"function": "w0^2 + w0*w1 + 2*w1^2", "point": [1, 2]}},
    "num": {"expected": "1/3"},
    "convex": {"expected": "convex", "kind": "convexity", "context": {"function": "w^4"}},
}

#: (question, answer) patterns: right, wrong, unreadable, too large, hostile
ANSWERS = [
    ("grad", "[4, 9]"), ("grad", "[-4, -9]"), ("grad", "[9, 4]"), ("num", "2/6"), ("num", "0.333"),
    ("num", "((("), ("num", "9^9^9^9^9"), ("convex", "convex"), ("convex", "concave"),
    ("num", "__import__('os')"), ("missing", "1"),
]


def write_class(folder, size):
    """``(submissions.csv, key.csv)`` paths in ``folder`` for ``size`` rows; some ids start with ``=``."""
    subs, key = os.path.join(folder, "subs.csv"), os.path.join(folder, "key.csv")
    with open(key, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["question", "expected", "kind", "context"])
        for question, entry in KEY.items():
            writer.writerow([question, entry["expected"], entry.get("kind", ""),
                             json.dumps(entry["context"]) if "context" in entry else ""])
    with open(subs, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["id", "student", "question", "answer"])
        for n in range(size):
            question, answer = ANSWERS[n % len(ANSWERS)]
            ident = f"=cmd|' /C calc'!A{n}" if n % 7 == 3 else str(n)
            writer.writerow([ident, f"s{n % 13}", question, answer])
    return subs, key


def grader_command(subs, key, out, workers=1, chunk_size=4):
    return [sys.executable, "-m", "symgrad", "grade", subs, "--key", key, "--out", out,
            "--workers", str(workers), "--chunk-size", str(chunk_size), "--no-progress"]


def read_results(path):
    """The complete rows of a results CSV (a torn last line, being written, is not counted)."""
    try:
        with open(path, encoding="utf-8", newline="") as fh:
            text = fh.read()
    except OSError:
        return []
    rows = list(csv.DictReader(text[: text.rfind("\n") + 1].splitlines(keepends=True)))
    return [r for r in rows if None not in r and r.get("seconds") not in (None, "")]
