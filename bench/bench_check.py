"""Benchmark of answer checking: time per check on a realistic mix, and class-grading throughput.

The mix is the hand-written case table ``tests/cases/check_cases.py`` (every
notation and kind, right and wrong answers, the chapter's exercises, hostile
inputs) plus the answer-test table ``tests/cases/answer_tests.jsonl`` (rows in
the spirit of STACK's answer-test fixtures). Before timing, every check is
compared with the verdict the table expects (a benchmark of wrong verdicts is
worthless). Reported: median, 99th percentile and maximum seconds per check
(targets: < 10 ms, < 300 ms, and no check longer than its time limit), then
rows per second when grading 10,000 submissions over all cores (``--smoke``:
200) with the same mix.

Run: ``PYTHONPATH=. python bench/bench_check.py [--smoke]``.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir))

from bench.common import parse_args, write_json  # noqa: E402
from symgrad.checking import check, grade  # noqa: E402
from symgrad.limits import DEFAULT_LIMITS, worker_cpu_time  # noqa: E402
from tests.cases.check_cases import CASES as _CASES  # noqa: E402


def _table_rows() -> list[tuple]:
    """The answer-test table as (expected, answer, verdict, diagnosis, options) rows."""
    import json

    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "tests", "cases", "answer_tests.jsonl")
    with open(path, encoding="utf-8") as rows:
        table = [json.loads(line) for line in rows if line.strip()]
    return [(r["key"], r["answer"], r["expect"], r.get("diagnosis"), r.get("options", {})) for r in table]


CASES = list(_CASES) + _table_rows()


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def time_checks(repeats: int) -> dict[str, float]:
    """Seconds per check over the whole mix, ``repeats`` times after one warm-up pass."""
    for expected, answer, verdict, _, options in CASES:  # warm-up + agreement with the table
        status = check(answer, expected, **options).status
        if status != verdict:
            raise SystemExit(f"check({answer!r}, {expected!r}) gave {status}, the table says {verdict}")
    times, cpu = [], []
    for _ in range(repeats):
        for expected, answer, _, _, options in CASES:
            start, start_cpu, worker = time.perf_counter(), time.process_time(), worker_cpu_time()
            check(answer, expected, **options)
            times.append(time.perf_counter() - start)
            after = worker_cpu_time()  # a worker killed on a time-out restarts from 0
            cpu.append(time.process_time() - start_cpu + (after - worker if after >= worker else after))
    return {"checks": len(times), "median_s": statistics.median(times), "p99_s": _percentile(times, 0.99),
            "max_s": max(times), "mean_s": statistics.fmean(times), "cpu_median_s": statistics.median(cpu),
            "cpu_p99_s": _percentile(cpu, 0.99), "cpu_max_s": max(cpu)}


def _submissions(n: int) -> tuple[list[dict], dict]:
    key = {f"q{i}": {"expected": expected, **options} for i, (expected, _, _, _, options) in enumerate(CASES)}
    rows = [{"id": str(k), "student": f"s{k // len(CASES)}", "question": f"q{k % len(CASES)}",
             "answer": CASES[k % len(CASES)][1]} for k in range(n)]
    return rows, key


def time_grading(n: int, workers: int | None) -> dict[str, float]:
    rows, key = _submissions(n)
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "results.jsonl")
        start = time.perf_counter()
        summary = grade(rows, key, out=out, workers=workers, chunk_size=50)
        seconds = time.perf_counter() - start
    if summary.graded != n:
        raise SystemExit(f"grading lost rows: {summary.graded} of {n}")
    expected_status = {f"q{i}": c[2] for i, c in enumerate(CASES)}
    disagreements = sum(r["status"] != expected_status[r["question"]] for r in summary.rows)
    if disagreements:
        raise SystemExit(f"{disagreements} graded rows disagree with the table")
    return {"submissions": n, "workers": workers or os.cpu_count(), "seconds": seconds, "rows_per_s": n / seconds}


def main(argv=None) -> int:
    args = parse_args(argv, "time per check and class-grading throughput")
    per_check = time_checks(args.repeats)
    n = 200 if args.smoke else 10_000
    parallel = time_grading(n, None)
    serial = time_grading(min(n, 400), 1)
    rows = [
        {"workload": "check, realistic mix", "size": f"{per_check['checks']} checks", "system": "symgrad",
         "median_ms": per_check["median_s"] * 1e3, "p99_ms": per_check["p99_s"] * 1e3, "max_ms": per_check["max_s"] * 1e3},
        {"workload": "grade, all cores", "size": f"{parallel['submissions']} submissions", "system": "symgrad",
         "seconds": parallel["seconds"], "rows_per_s": parallel["rows_per_s"], "workers": parallel["workers"]},
        {"workload": "grade, 1 process", "size": f"{serial['submissions']} submissions", "system": "symgrad",
         "seconds": serial["seconds"], "rows_per_s": serial["rows_per_s"], "workers": 1},
    ]
    limit = DEFAULT_LIMITS.timeout
    summary = {
        "median_ms": per_check["median_s"] * 1e3, "p99_ms": per_check["p99_s"] * 1e3, "max_ms": per_check["max_s"] * 1e3,
        "cpu_median_ms": per_check["cpu_median_s"] * 1e3, "cpu_p99_ms": per_check["cpu_p99_s"] * 1e3,
        "cpu_max_ms": per_check["cpu_max_s"] * 1e3,
        "time_limit_s": limit, "within_limit": per_check["cpu_max_s"] <= limit + 0.25,
        "targets_met": per_check["median_s"] < 0.010 and per_check["p99_s"] < 0.3,
        "grading_rows_per_s": parallel["rows_per_s"], "parallel_speedup": parallel["rows_per_s"] / serial["rows_per_s"],
    }
    if not args.quiet:
        print(f"| workload | size | median | p99 | max | throughput |\n|---|---|---|---|---|---|")
        print(f"| check, realistic mix | {per_check['checks']} checks | {summary['median_ms']:.1f} ms | "
              f"{summary['p99_ms']:.1f} ms | {summary['max_ms']:.1f} ms | |")
        print(f"| check, CPU time (this process + worker) | {per_check['checks']} checks | "
              f"{summary['cpu_median_ms']:.1f} ms | {summary['cpu_p99_ms']:.1f} ms | {summary['cpu_max_ms']:.1f} ms | |")
        print(f"| grade, {parallel['workers']} processes | {n} submissions | | | | "
              f"{parallel['rows_per_s']:.0f} rows/s ({parallel['seconds']:.1f} s) |")
        print(f"| grade, 1 process | {serial['submissions']} submissions | | | | {serial['rows_per_s']:.0f} rows/s |")
        print(f"targets (median < 10 ms, p99 < 300 ms): {'met' if summary['targets_met'] else 'NOT met'}; "
              f"every check within its {limit:g} s CPU limit: {summary['within_limit']}; "
              f"speed-up over 1 process: {summary['parallel_speedup']:.2f}x")
    path = write_json("check", rows, smoke=args.smoke, summary=summary)
    if not args.quiet:
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
