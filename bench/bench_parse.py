"""Parse throughput: expressions per second over the benign corpus and growing sums.

Usage::

    python bench/bench_parse.py            # full run, writes bench/results/parse.json
    python bench/bench_parse.py --smoke    # tiny, one repeat (for CI)

``main(argv=None)`` is importable so a bench runner can call it.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from symgrad.errors import InputError  # noqa: E402
from symgrad.limits import Limits  # noqa: E402
from symgrad.parsing import parse  # noqa: E402

CORPUS = HERE.parent / "tests" / "corpus"


def _workloads(smoke: bool) -> dict[str, list[str]]:
    benign = [json.loads(line)["input"] for line in (CORPUS / "benign.jsonl").read_text(encoding="utf-8").splitlines()
              if line.strip() and "symbols" not in line]
    hostile = [json.loads(line).get("input") for line in (CORPUS / "hostile.jsonl").read_text(encoding="utf-8").splitlines()]
    hostile = [h for h in hostile if h is not None]
    sizes = (10, 100) if smoke else (10, 100, 500)
    loads = {
        "benign corpus": benign[:20] if smoke else benign,
        "hostile corpus (errors)": hostile[:20] if smoke else hostile,
    }
    for n in sizes:
        loads[f"sum of {n} terms"] = [" + ".join(f"{i % 7 + 1}*w{i}^2" for i in range(n))]
    return loads


def _rate(texts: list[str], repeats: int, limits: Limits) -> float:
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        for text in texts:
            try:
                parse(text, limits=limits)
            except InputError:
                pass
        best = min(best, time.perf_counter() - start)
    return len(texts) / best if best > 0 else float("inf")


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="tiny workloads, one repeat")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--output", type=Path, default=None,
                        help="where to write the JSON (default bench/results/parse.json, parse.smoke.json with --smoke)")
    args = parser.parse_args(argv)
    if args.output is None:
        args.output = HERE / "results" / ("parse.smoke.json" if args.smoke else "parse.json")
    repeats = 1 if args.smoke else args.repeats
    limits = Limits(max_length=100_000, max_tokens=10_000)
    rows = []
    for name, texts in _workloads(args.smoke).items():
        per_second = _rate(texts, repeats, limits)
        rows.append({"workload": name, "inputs": len(texts), "per_second": round(per_second, 1),
                     "ms_each": round(1000 / per_second, 3)})
    print(f"{'workload':<26} {'inputs':>6} {'parses/s':>10} {'ms each':>9}")
    for row in rows:
        print(f"{row['workload']:<26} {row['inputs']:>6} {row['per_second']:>10.1f} {row['ms_each']:>9.3f}")
    result = {"benchmark": "parse", "smoke": args.smoke, "repeats": repeats, "python": platform.python_version(),
              "machine": platform.machine(), "rows": rows}
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return result


if __name__ == "__main__":
    main()
