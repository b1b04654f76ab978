"""Batch grading: one row per submission, hostile rows, resume, executors, the CLI."""

import csv
import json
import os
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool

import pytest

from symgrad.check import grade
from symgrad.cli import main

HERE = os.path.dirname(__file__)
EXAMPLES = os.path.join(HERE, os.pardir, "examples", "grading")

KEY = {
    "grad": {"expected": "[4, 9]", "kind": "gradient_at",
             "context": {"function": "w0^2 + w0*w1 + 2*w1^2", "point": [1, 2]}},
    "convex": {"expected": "convex", "kind": "convexity", "context": {"function": "w^4"}},
    "num": "1/3",
}

HOSTILE = [
    "(" * 3000, "9^9^9^9^9^9", "x" * 20000, "__import__('os').system('echo hi')", "\\x00\\x01", "[[[[[[[[",
    "x^(10^100)", "factorial(100000)", "1e999999999", "lambda: 0", "[" + "1," * 5000 + "1]",
]


def _rows():
    rows = [
        {"id": "1", "student": "ada", "question": "grad", "answer": "[4, 9]"},
        {"id": "2", "student": "ada", "question": "convex", "answer": "convex"},
        {"id": "3", "student": "bob", "question": "grad", "answer": "[-4, -9]"},
        {"id": "4", "student": "bob", "question": "num", "answer": "0.333"},
        {"id": "5", "student": "cy", "question": "missing", "answer": "1"},
        {"id": "6", "student": "cy", "question": "grad"},
        {"id": "7", "student": "cy", "question": None, "answer": "1"},
    ]
    rows += [{"id": str(100 + i), "student": "eve", "question": "num", "answer": h} for i, h in enumerate(HOSTILE)]
    return rows


def _read(path):
    with open(path, encoding="utf-8") as fh:
        if path.endswith(".jsonl"):
            return [json.loads(line) for line in fh]
        return list(csv.DictReader(fh))


@pytest.mark.parametrize("suffix", [".csv", ".jsonl"])
def test_hostile_and_malformed_rows_each_get_one_result_row(tmp_path, suffix):
    out = str(tmp_path / f"results{suffix}")
    rows = _rows()
    summary = grade(rows, KEY, out=out, workers=1, chunk_size=4)
    written = _read(out)
    assert sorted(r["id"] for r in written) == sorted(r["id"] for r in rows)
    assert summary.graded == len(rows) == summary.total
    by_id = {r["id"]: r for r in written}
    assert by_id["1"]["note"] == "correct" and by_id["3"]["note"] == "incorrect:sign_error"
    assert by_id["4"]["note"] == "incorrect:inexact_decimal"
    assert by_id["5"]["note"] == "invalid:unknown_question" and by_id["6"]["note"] == "invalid:empty"
    for i in range(len(HOSTILE)):
        assert by_id[str(100 + i)]["status"] in ("invalid", "incorrect")


def test_interrupted_run_resumes_without_regrading(tmp_path):
    out = str(tmp_path / "results.jsonl")
    rows = _rows()
    grade(rows[:3], KEY, out=out, workers=1)
    summary = grade(rows, KEY, out=out, workers=1)
    assert summary.skipped == 3 and summary.graded == len(rows) - 3
    ids = [r["id"] for r in _read(out)]
    assert sorted(ids) == sorted(r["id"] for r in rows)  # each exactly once


def test_any_executor_gives_the_same_rows(tmp_path):
    rows = _rows()[:5]
    serial = grade(rows, KEY, workers=1)
    with ThreadPoolExecutor(max_workers=2) as pool:
        threaded = grade(rows, KEY, executor=pool, chunk_size=2)
    notes = lambda s: sorted((r["id"], r["note"]) for r in s.rows)  # noqa: E731
    assert notes(serial) == notes(threaded)


class CrashingExecutor(ThreadPoolExecutor):
    """Every task holding row id 3 dies the way a killed process pool reports it."""

    def submit(self, fn, *args, **kwargs):
        rows = args[0]
        if any(r["id"] == "3" for r in rows):
            future = Future()
            future.set_exception(BrokenProcessPool("a worker died"))
            return future
        return super().submit(fn, *args, **kwargs)


def test_a_crashing_worker_costs_only_its_row(tmp_path):
    rows = _rows()[:5]
    with CrashingExecutor(max_workers=2) as pool:
        summary = grade(rows, KEY, executor=pool, chunk_size=5)
    by_id = {r["id"]: r for r in summary.rows}
    assert sorted(by_id) == sorted(r["id"] for r in rows)
    assert by_id["3"]["note"] == "invalid:worker_crashed"
    assert by_id["1"]["note"] == "correct"


def test_process_pool_grades_the_example_files(tmp_path):
    out = str(tmp_path / "results.csv")
    summary = grade(os.path.join(EXAMPLES, "submissions.csv"), os.path.join(EXAMPLES, "key.csv"),
                    out=out, workers=2, chunk_size=4)
    written = _read(out)
    assert len(written) == summary.total == len(_read(os.path.join(EXAMPLES, "submissions.csv")))
    notes = {r["id"]: r["note"] for r in written}
    assert notes["1"] == "correct" and notes["10"] == "incorrect:gradient_ascent"
    assert notes["12"] == "incorrect:semidefinite_confusion"


def test_cli_grade(tmp_path, capsys):
    out = str(tmp_path / "results.jsonl")
    code = main(["grade", os.path.join(EXAMPLES, "submissions.csv"), "--key", os.path.join(EXAMPLES, "key.csv"),
                 "--out", out, "--workers", "1", "--no-progress"])
    assert code == 0
    assert "graded" in capsys.readouterr().out
    assert len(_read(out)) == len(_read(os.path.join(EXAMPLES, "submissions.csv")))
    code = main(["grade", os.path.join(EXAMPLES, "submissions.csv"), "--key", os.path.join(EXAMPLES, "key.csv"),
                 "--out", out, "--workers", "1", "--no-progress", "--format", "json"])
    assert json.loads(capsys.readouterr().out)["graded"] == 0  # all resumed


def test_malformed_jsonl_lines_still_get_rows(tmp_path):
    src = tmp_path / "subs.jsonl"
    src.write_text('{"id": "a", "question": "num", "answer": "1/3"}\nnot json at all\n[1, 2]\n', encoding="utf-8")
    summary = grade(str(src), KEY, workers=1)
    assert summary.total == 3
    notes = sorted(r["note"] for r in summary.rows)
    assert notes == ["correct", "invalid:malformed", "invalid:malformed"]
