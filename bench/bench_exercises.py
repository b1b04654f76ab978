"""Time to generate and verify exercises across all families (target: 1,000 in under 60 s).

Each exercise is generated *and verified* (independent numeric check, ``symgrad.check``
on the answer and on every typical mistake). Before timing, the same seeds are
generated twice and compared (same seed, same exercise). Prints a table of
time per family and the total for ``--n`` exercises; writes
``bench/results/exercises.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

RESULTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results")


def _run(families, n: int, offset: int):
    from symgrad import exercises

    per_family = {name: 0.0 for name in families}
    count = 0
    start = time.perf_counter()
    while count < n:
        for name in families:
            if count >= n:
                break
            level = 1 + count % 3
            t = time.perf_counter()
            exercises.generate(name, seed=offset + count, difficulty=level)
            per_family[name] += time.perf_counter() - t
            count += 1
    return time.perf_counter() - start, per_family


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--smoke", action="store_true", help="tiny size, one repeat (CI)")
    parser.add_argument("--n", type=int, default=1000, help="exercises per repeat (default 1000)")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args(argv)
    n, repeats = (24, 1) if args.smoke else (args.n, max(5, args.repeats))
    from symgrad import exercises

    families = list(exercises.FAMILIES)
    # same numbers: the same seed gives the same exercise
    for name in families:
        if exercises.generate(name, seed=0) != exercises.generate(name, seed=0):
            raise SystemExit(f"{name}: regenerating seed 0 gave a different exercise")
    _run(families, len(families), 10**6)  # warm-up: imports, torch, the check worker
    totals, per = [], []
    for r in range(repeats):
        total, per_family = _run(families, n, r * n)
        totals.append(total)
        per.append(per_family)
    median = statistics.median(totals)
    print(f"{'family':18}{'s per exercise (median repeat)':>32}")
    shares = {name: statistics.median(p[name] for p in per) / (n / len(families)) for name in families}
    for name, s in shares.items():
        print(f"{name:18}{s * 1000:>29.1f} ms")
    print(f"\n{n} exercises generated and verified: median {median:.1f} s (min {min(totals):.1f}, "
          f"max {max(totals):.1f}) over {repeats} repeat(s); target < 60 s for 1000 -> "
          f"{'met' if median * 1000 / n < 60 else 'NOT met'} ({median * 1000 / n:.1f} s per 1000)")
    os.makedirs(RESULTS, exist_ok=True)
    with open(os.path.join(RESULTS, "exercises.smoke.json" if args.smoke else "exercises.json"), "w",
              encoding="utf-8") as fh:
        json.dump({"n": n, "repeats": repeats, "median_s": median, "min_s": min(totals), "max_s": max(totals),
                   "per_exercise_s": shares, "smoke": args.smoke}, fh, indent=2)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
