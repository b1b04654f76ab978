"""Fault injection: kill `symgrad grade` at random moments, tear its last write, resume; the result is
exactly one row per submission row, with the verdicts of an uninterrupted run (issue 16)."""

import os
import random
import signal
import subprocess
import time

from cases.grading_runs import ROOT, grader_command, read_results, write_class

from symgrad.checking import grade
from symgrad.checking.results_file import restore

ROWS = 36
ENV = {**os.environ, "PYTHONPATH": ROOT}


def _wait_for(condition, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and not condition():
        time.sleep(0.01)
    return condition()


def _kill_at_a_random_moment(rng, subs, key, out, workers, sig):
    """Start the grader, let it write a random number of further rows (plus a random fraction of a
    row's time), then send ``sig``; returns whether the grader was stopped before it finished."""
    target = len(read_results(out)) + rng.randint(1, 6)
    process = subprocess.Popen(grader_command(subs, key, out, workers=workers, chunk_size=2), cwd=ROOT, env=ENV,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        _wait_for(lambda: process.poll() is not None or len(read_results(out)) >= target, 120)
        time.sleep(rng.uniform(0, 0.03))  # somewhere inside the next chunk, or inside a write
        stopped = process.poll() is None
        if stopped:
            process.send_signal(sig)  # the grader only: its processes must end by themselves
        process.wait(60)
        return stopped
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def _tear(rng, out):
    """Cut a few bytes off the end, as a power loss during the last write would."""
    size = os.path.getsize(out)
    with open(out, "r+b") as fh:
        fh.truncate(max(size - rng.randint(1, 60), 0))


def test_random_kills_and_torn_writes_then_resume_give_the_uninterrupted_results(tmp_path):
    subs, key = write_class(str(tmp_path), ROWS)
    reference = sorted((int(r["row"]), r["id"], r["note"]) for r in grade(subs, key, workers=1).rows)
    out = str(tmp_path / "results.csv")
    rng = random.Random(16)
    kills = 0
    for workers, sig, tear in [(2, signal.SIGKILL, True), (1, signal.SIGKILL, False), (2, signal.SIGTERM, True)]:
        kills += _kill_at_a_random_moment(rng, subs, key, out, workers, sig)
        if tear:
            _tear(rng, out)
    assert kills == 3  # the faults really happened mid-run
    final = subprocess.run(grader_command(subs, key, out, workers=1), cwd=ROOT, env=ENV, capture_output=True,
                           timeout=600)
    assert final.returncode == 0, final.stderr.decode()
    written = read_results(out)
    assert len(written) == ROWS  # exactly one result row per submission row ...
    assert sorted((int(r["row"]), restore(r["id"]), r["note"]) for r in written) == reference  # ... same verdicts
