"""Issue 16, fault 3: killing `symgrad grade` (SIGKILL or SIGTERM) leaves no process of it running.

Each run starts the grader in a session of its own, waits until it has written a
row (its pool and the pool's time-limit workers are then running), kills the
grader itself, and then watches /proc until no process of that session is left.
"""

import os
import signal
import subprocess
import time

import pytest

from cases.grading_runs import ROOT, grader_command, read_results, write_class

pytestmark = pytest.mark.skipif(not os.path.isdir("/proc/self"), reason="needs /proc (Linux)")


def _session(sid):
    """Live processes whose session is ``sid`` (fields of /proc/PID/stat after the command name)."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as fh:
                stat = fh.read()
        except OSError:
            continue
        state, _ppid, _pgrp, session = stat[stat.rindex(")") + 2:].split()[:4]
        if int(session) == sid and state not in ("Z", "X"):
            found.append(int(entry))
    return found


def _wait_for(condition, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def _start(tmp_path, workers):
    subs, key = write_class(tmp_path, 400)
    out = str(tmp_path / "results.csv")
    process = subprocess.Popen(grader_command(subs, key, out, workers=workers, chunk_size=2), cwd=ROOT,
                               start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               env={**os.environ, "PYTHONPATH": ROOT})
    return process, out


@pytest.mark.parametrize("sig, workers", [(signal.SIGKILL, 2), (signal.SIGTERM, 2), (signal.SIGKILL, 1)])
def test_killing_the_grader_leaves_no_process_behind(tmp_path, sig, workers):
    process, out = _start(tmp_path, workers)
    try:
        # the grader has written rows, and its children (pool, forkserver, time-limit workers) are running
        expected = 5 if workers == 2 else 2
        assert _wait_for(lambda: len(read_results(out)) >= 2 and len(_session(process.pid)) >= expected, 120), \
            process.stderr.read().decode() if process.poll() is not None else "the grader did not start its pool"
        assert process.poll() is None, "the run ended before it could be killed"
        os.kill(process.pid, sig)
        code = process.wait(60)
        if sig == signal.SIGTERM:
            assert code == 143 and b"terminated" in process.stderr.read()
        assert _wait_for(lambda: not _session(process.pid), 30), f"still running: {_session(process.pid)}"
    finally:
        for pid in _session(process.pid):  # never leave them to the rest of the suite
            os.kill(pid, signal.SIGKILL)
        if process.poll() is None:
            process.kill()
            process.wait()
        process.stderr.close()
