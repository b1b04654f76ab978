"""The answer-test table (``tests/cases/answer_tests.jsonl``): every row's verdict, explained.

The rows follow the ideas of STACK's answer-test fixtures (``idea`` names the STACK test and section
the row comes from, or the issue) and are written for symgrad's notation; each has its expected
``status``, optionally its ``diagnosis``, and a one-line reason worked out by hand. A second test
runs a slice of the table while two other CPU-bound processes run: the verdicts must not change,
because the time budget of a check is CPU time (``symgrad.checking.core._Budget``).
"""

from __future__ import annotations

import json
import multiprocessing
from pathlib import Path

import pytest

from symgrad.checking import STATUSES, check

ROWS = [json.loads(line) for line in
        (Path(__file__).parent / "cases" / "answer_tests.jsonl").read_text(encoding="utf-8").splitlines()
        if line.strip()]


def _verdict(row: dict):
    result = check(row["answer"], row["key"], **row.get("options", {}))
    return result.status, result.diagnosis, result


@pytest.mark.parametrize("row", ROWS, ids=[row["id"] for row in ROWS])
def test_answer_table_row(row):
    status, diagnosis, result = _verdict(row)
    assert status == row["expect"], (row["why"], result.note, result.feedback, result.evidence)
    if "diagnosis" in row:
        assert diagnosis == row["diagnosis"], (row["why"], result.note, result.evidence)


def test_table_is_large_explained_and_covers_every_status():
    assert len(ROWS) >= 300
    assert len({row["id"] for row in ROWS}) == len(ROWS)
    assert all(row["why"].strip() and row["expect"] in STATUSES for row in ROWS)
    assert {row["expect"] for row in ROWS} == set(STATUSES)


def _spin(stop) -> None:  # a CPU-bound process for the load test
    while not stop.is_set():
        sum(i * i for i in range(10_000))


def test_verdicts_do_not_change_under_cpu_load():
    sample = ROWS[::24]  # a slice across the sections, to keep the test short
    idle = [_verdict(row)[:2] for row in sample]
    context = multiprocessing.get_context("spawn")
    stop = context.Event()
    spinners = [context.Process(target=_spin, args=(stop,), daemon=True) for _ in range(2)]
    for spinner in spinners:
        spinner.start()
    try:
        busy = [_verdict(row)[:2] for row in sample]
    finally:
        stop.set()
        for spinner in spinners:
            spinner.join(5)
    assert busy == idle
    assert [status for status, _ in idle] == [row["expect"] for row in sample]
