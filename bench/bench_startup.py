"""Start-up: what a user waits for at the shell, in fresh interpreters (issue 17: derive <= 1.0 s wall).

Each workload is a new ``python`` process timed from start to exit (wall clock, and the CPU seconds it used, which do not grow with
the load of a shared machine),
so imports are included: that is the cost a user pays per command. Python's own
start (``python -c pass``) is the reference floor. Before timing, each command is
run once and its output checked (the derive prints ∇L(1, 2) = (4, 1)).

Usage::

    python bench/bench_startup.py            # 5 repeats, writes bench/results/startup.json
    python bench/bench_startup.py --smoke    # one repeat (CI); times mean nothing
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from bench.common import Row, measure_once, parse_args, table, write_json  # noqa: E402

#: workload -> (argv after ``python``, a fragment its output must contain)
WORKLOADS: dict[str, tuple[list[str], str]] = {
    "python -c pass (floor)": (["-c", "pass"], ""),
    "import symgrad": (["-c", "import symgrad"], ""),
    "symgrad --help": (["-m", "symgrad", "--help"], "usage: symgrad"),
    'symgrad derive gradient "x^2*y" --at 1,2': (["-m", "symgrad", "derive", "gradient", "x^2*y", "--at", "1,2"],
                                                 "⎡4⎤"),
    'symgrad check "2*x*y" "2*y*x"': (["-m", "symgrad", "check", "2*x*y", "2*y*x"], "correct"),
}

TARGET_S = {'symgrad derive gradient "x^2*y" --at 1,2': 1.0}


def _run(argv: list[str]) -> str:
    env = {**os.environ, "PYTHONPATH": ROOT, "PYTHONIOENCODING": "utf-8"}
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # as on a user's machine: the first run caches bytecode
    done = subprocess.run([sys.executable, *argv], env=env, capture_output=True, text=True, encoding="utf-8",
                          timeout=300)
    if done.returncode != 0:
        raise RuntimeError(f"{argv} exited {done.returncode}: {done.stderr[-500:]}")
    return done.stdout


def _child_cpu_seconds() -> float:
    """User + system CPU of finished child processes: unlike wall time, it does not grow with the machine's load."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv, __doc__.splitlines()[0])
    rows = []
    chosen = {name: WORKLOADS[name] for name in TARGET_S} if args.smoke else WORKLOADS  # smoke: the target only
    for name, (command, expected) in chosen.items():
        output = _run(command)
        if expected not in output:
            raise AssertionError(f"{name}: expected {expected!r} in the output, got {output[:300]!r}")
        before = _child_cpu_seconds()
        timing = measure_once(lambda: _run(command), repeats=args.repeats)
        cpu = (_child_cpu_seconds() - before) / args.repeats
        target = TARGET_S.get(name)
        note = f"CPU {cpu:.2f} s" + (f"; target ≤ {target:g} s wall: {'met' if timing.median_s <= target else 'NOT met'}"
                                     if target else "")
        rows.append(Row(name, "cold process", "symgrad", timing, note, {"cpu_seconds": cpu}))
    if not args.quiet:
        print(table(rows))
    write_json("startup", rows, smoke=args.smoke, summary={"target_s": TARGET_S})
    return 0


if __name__ == "__main__":
    sys.exit(main())
