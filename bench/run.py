"""Run every benchmark and gather the results into one table.

Discovers ``bench/bench_*.py`` modules that expose ``main(argv)``, runs each in
this process with the same flags (``--smoke``: tiny sizes, one repeat), then
reads their JSON from ``bench/results/`` and writes one Markdown table to
``bench/results/summary.md`` (``summary.smoke.md`` in smoke mode).

Run: ``python -m bench.run [--smoke] [--only symbolic,compiled]`` or ``python bench/run.py``.
"""

from __future__ import annotations

import argparse
import glob
import importlib
import json
import os
import sys
import time
import traceback
from typing import Any

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
if ROOT not in sys.path:  # `python bench/run.py` from anywhere
    sys.path.insert(0, ROOT)

from bench.common import RESULTS_DIR, machine, table  # noqa: E402


def discover() -> list[str]:
    """Topics of the ``bench/bench_<topic>.py`` modules, sorted."""
    return sorted(os.path.basename(p)[len("bench_") : -len(".py")] for p in glob.glob(os.path.join(HERE, "bench_*.py")))


def run_one(topic: str, flags: list[str]) -> tuple[bool, float, str]:
    """Import ``bench.bench_<topic>`` and call its ``main(flags)``; return (ok, seconds, error)."""
    start = time.perf_counter()
    try:
        module = importlib.import_module(f"bench.bench_{topic}")
        if not callable(getattr(module, "main", None)):
            return False, 0.0, "no main(argv)"
        code = module.main(flags)
        if isinstance(code, int) and code != 0:
            return False, time.perf_counter() - start, f"main returned {code}"
    except (Exception, SystemExit):  # one broken benchmark must not hide the others
        return False, time.perf_counter() - start, traceback.format_exc(limit=3)
    return True, time.perf_counter() - start, ""


def gather(topics: list[str], smoke: bool) -> str:
    """One Markdown document: a section per topic with its table and summary."""
    parts = [f"Machine: `{json.dumps(machine())}`", ""]
    for topic in topics:
        path = os.path.join(RESULTS_DIR, f"{topic}{'.smoke' if smoke else ''}.json")
        if not os.path.exists(path):
            path = os.path.join(RESULTS_DIR, f"{topic}.json")
        if not os.path.exists(path):
            continue
        with open(path, encoding="utf-8") as fh:
            data = json.load(fh)
        rows = data.get("rows", []) if isinstance(data, dict) else []
        reference = next((r.get("system") for r in rows if str(r.get("system", "")).startswith("symgrad")), "symgrad")
        try:
            parts += [f"### {topic}", "", table(rows, reference=reference), ""]
        except (KeyError, TypeError, AttributeError) as error:  # a module with its own row schema
            parts += [f"### {topic}", "", f"(rows not in bench.common's schema: {error!r}; see {path})", ""]
        if data.get("summary"):
            parts += ["```json", json.dumps(data["summary"], indent=1, default=str), "```", ""]
    return "\n".join(parts)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="run every bench/bench_*.py and gather one table")
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, one repeat (CI)")
    parser.add_argument("--only", default="", help="comma-separated topics, e.g. symbolic,compiled")
    args = parser.parse_args(argv)
    topics = discover()
    if args.only:
        wanted = set(args.only.split(","))
        topics = [t for t in topics if t in wanted]
    flags = ["--smoke"] if args.smoke else []
    status = {}
    for topic in topics:
        ok, seconds, error = run_one(topic, flags)
        status[topic] = ok
        print(f"{'ok ' if ok else 'FAIL'} bench_{topic} ({seconds:.1f} s)" + (f"\n{error}" if error else ""), flush=True)
    document = gather([t for t in topics if status[t]], args.smoke)
    os.makedirs(RESULTS_DIR, exist_ok=True)
    out = os.path.join(RESULTS_DIR, f"summary{'.smoke' if args.smoke else ''}.md")
    with open(out, "w", encoding="utf-8") as fh:
        fh.write(document)
    print(document)
    print(f"wrote {out}")
    return 0 if all(status.values()) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
