"""Shared helpers for the benchmark suite: timing, agreement checks, tables, JSON.

Every ``bench/bench_<topic>.py`` module follows one recipe:

1. build each *system* (symgrad and its peers) for one workload and size;
2. run each once and check with :func:`same_numbers` that all of them computed
   the same numbers (a benchmark of a wrong answer is worthless);
3. time each with :func:`measure` -- warm-up calls, then the median of at least
   five repeats, with the min-max spread kept -- into a :class:`Timing`;
4. print :func:`table` of times and ratios and write :func:`write_json` to
   ``bench/results/<topic>.json``, which :mod:`bench.run` gathers.

``--smoke`` (:func:`parse_args`) means tiny sizes and one repeat: CI runs it so
the suite never rots; its times mean nothing.

Example:
    >>> t = measure(lambda: sum(range(100)), repeats=5)
    >>> t.repeats, t.median_s > 0
    (5, True)
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

__all__ = [
    "Timing",
    "Row",
    "measure",
    "measure_once",
    "measure_side_by_side",
    "same_numbers",
    "assert_same_numbers",
    "growth_exponent",
    "table",
    "format_seconds",
    "write_json",
    "parse_args",
    "machine",
    "RESULTS_DIR",
]

RESULTS_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results")


@dataclass(frozen=True)
class Timing:
    """Seconds per call: median of ``repeats`` runs, with the fastest and slowest."""

    median_s: float
    min_s: float
    max_s: float
    repeats: int
    number: int = 1  # calls per repeat (times are per call)

    def to_dict(self) -> dict[str, float | int]:
        return asdict(self)

    @property
    def spread(self) -> str:
        """``min-max`` as text, for tables."""
        return f"{format_seconds(self.min_s)}-{format_seconds(self.max_s)}"


def measure(
    fn: Callable[[], Any],
    *,
    repeats: int = 5,
    warmup: int = 1,
    number: int | None = None,
    min_time_s: float = 0.02,
) -> Timing:
    """Time ``fn()``: ``warmup`` untimed calls, then ``repeats`` timed repeats.

    Arguments:
        fn: a callable with no arguments (close over the inputs).
        repeats: timed repeats (use >= 5 outside smoke mode); the median is reported.
        warmup: untimed calls first (caches, JIT, page faults).
        number: calls per repeat; by default chosen so a repeat lasts about
            ``min_time_s`` (fast calls are looped to beat timer resolution).

    Returns:
        a :class:`Timing` with seconds *per call*.
    """
    for _ in range(warmup):
        fn()
    if number is None:
        number = _calls_per_repeat(fn, min_time_s)
    samples = []
    for _ in range(max(1, repeats)):
        start = time.perf_counter()
        for _ in range(number):
            fn()
        samples.append((time.perf_counter() - start) / number)
    return Timing(statistics.median(samples), min(samples), max(samples), len(samples), number)


def measure_once(fn: Callable[[], Any], *, repeats: int = 5) -> Timing:
    """Time a costly one-shot pipeline (e.g. derive + compile from scratch) with no warm-up.

    ``fn`` must rebuild everything it times (fresh objects, no caches shared
    between repeats), so each repeat is a cold run.
    """
    return measure(fn, repeats=repeats, warmup=0, number=1)


def measure_side_by_side(calls: dict[str, Callable[[], Any]], *, repeats: int = 5, warmup: int = 1,
                         min_time_s: float = 0.02, warmup_s: float = 0.0) -> dict[str, Timing]:
    """Time several systems on one workload with their repeats interleaved (A B C, A B C, ...).

    On a shared machine the load drifts; interleaving exposes every system to
    the same drift, so the *ratios* between them stay meaningful even when the
    absolute times do not. ``warmup_s``: every system is first called for at
    least this long (JIT engines reach their steady state: JAX's ``jit``,
    symgrad's tier-up to the fused kernel).
    """
    numbers, samples = interleaved_samples(calls, repeats=repeats, warmup=warmup, min_time_s=min_time_s,
                                           warmup_s=warmup_s)
    return {
        name: Timing(statistics.median(s), min(s), max(s), len(s), numbers[name]) for name, s in samples.items()
    }


def interleaved_samples(calls: dict[str, Callable[[], Any]], *, repeats: int = 5, warmup: int = 1,
                        min_time_s: float = 0.02, clock: Callable[[], float] = time.perf_counter,
                        warmup_s: float = 0.0) -> tuple[dict[str, int], dict[str, list[float]]]:
    """Calls per repeat and seconds per call of every repeat, systems interleaved (A B C, A B C, ...).

    Repeat ``i`` of every system ran under the same load, so ``samples[a][i] / samples[b][i]`` is a
    paired ratio (see :func:`paired_ratio`). ``clock`` may be ``time.process_time`` (CPU time).
    """
    for fn in calls.values():
        for _ in range(warmup):
            fn()
        until = time.perf_counter() + warmup_s
        while time.perf_counter() < until:
            fn()
    numbers = {name: _calls_per_repeat(fn, min_time_s) for name, fn in calls.items()}
    samples: dict[str, list[float]] = {name: [] for name in calls}
    for _ in range(max(1, repeats)):
        for name, fn in calls.items():
            start = clock()
            for _ in range(numbers[name]):
                fn()
            samples[name].append((clock() - start) / numbers[name])
    return numbers, samples


def paired_ratio(ours: Sequence[float], peer: Sequence[float]) -> dict[str, float]:
    """Median, quartiles and extremes of the per-repeat ratios ``ours[i] / peer[i]`` (≤ 1: ours no slower)."""
    ratios = sorted(a / b for a, b in zip(ours, peer))
    q1, med, q3 = (float(np.percentile(ratios, q)) for q in (25, 50, 75))
    return {"median": round(med, 3), "q1": round(q1, 3), "q3": round(q3, 3), "min": round(ratios[0], 3),
            "max": round(ratios[-1], 3), "repeats": len(ratios)}


def _calls_per_repeat(fn: Callable[[], Any], min_time_s: float) -> int:
    start = time.perf_counter()
    fn()
    once = time.perf_counter() - start
    if once >= min_time_s:
        return 1
    return int(min(10_000, math.ceil(min_time_s / max(once, 1e-7))))


# -- agreement ---------------------------------------------------------------------------------
def _to_numpy(value: Any) -> np.ndarray:
    if hasattr(value, "detach"):
        value = value.detach().cpu().numpy()
    if isinstance(value, (list, tuple)) and value and not np.isscalar(value[0]):
        return np.concatenate([_to_numpy(v).ravel() for v in value])
    return np.asarray(value, dtype=float)


def same_numbers(a: Any, b: Any, *, rtol: float = 1e-7, atol: float = 1e-9) -> bool:
    """True when ``a`` and ``b`` (arrays, tensors, SymPy matrices, tuples of those) agree numerically."""
    try:
        x, y = _to_numpy(a), _to_numpy(b)
    except (TypeError, ValueError):
        return False
    if x.size != y.size:
        return False
    return bool(np.allclose(x.ravel(), y.ravel(), rtol=rtol, atol=atol, equal_nan=True))


def assert_same_numbers(results: dict[str, Any], *, rtol: float = 1e-7, atol: float = 1e-9, what: str = "") -> None:
    """Raise ``AssertionError`` naming the systems that disagree with the first one."""
    names = list(results)
    reference = results[names[0]]
    wrong = [n for n in names[1:] if not same_numbers(reference, results[n], rtol=rtol, atol=atol)]
    if wrong:
        detail = "; ".join(f"{n}: max |diff| = {_max_diff(reference, results[n])}" for n in wrong)
        raise AssertionError(f"{what}: {', '.join(wrong)} disagree with {names[0]} ({detail})")


def _max_diff(a: Any, b: Any) -> str:
    try:
        x, y = _to_numpy(a).ravel(), _to_numpy(b).ravel()
        return f"{np.max(np.abs(x - y)):.3g}" if x.size == y.size else f"sizes {x.size} vs {y.size}"
    except (TypeError, ValueError) as error:
        return f"not comparable ({error})"


def growth_exponent(sizes: Sequence[float], seconds: Sequence[float]) -> float | None:
    """The slope ``k`` of ``log t`` against ``log n``: cost grows like ``n**k``.

    Fitted on the sizes given (use the larger ones, where overhead no longer dominates).
    """
    pairs = [(s, t) for s, t in zip(sizes, seconds) if s > 0 and t and t > 0]
    if len(pairs) < 2:
        return None
    x = np.log([p[0] for p in pairs])
    y = np.log([p[1] for p in pairs])
    return float(np.polyfit(x, y, 1)[0])


# -- presentation ------------------------------------------------------------------------------
def format_seconds(seconds: float | None) -> str:
    """``1.23 s``, ``45.6 ms``, ``7.8 µs``; ``—`` for missing."""
    if seconds is None or (isinstance(seconds, float) and math.isnan(seconds)):
        return "—"
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6)):
        if seconds >= scale:
            return f"{seconds / scale:.3g} {unit}"
    return f"{seconds * 1e9:.3g} ns"


@dataclass
class Row:
    """One measurement: a workload at a size, run by one system."""

    workload: str
    size: str
    system: str
    timing: Timing | None
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "workload": self.workload,
            "size": self.size,
            "system": self.system,
            "timing": self.timing.to_dict() if self.timing else None,
            "note": self.note,
            **({"extra": self.extra} if self.extra else {}),
        }


def table(rows: Iterable[Row | dict[str, Any]], *, reference: str = "symgrad", markdown: bool = True) -> str:
    """A table of median time, spread and ratio to ``reference`` per (workload, size).

    The ratio column is ``time / time(reference)``: above 1 means the system is
    slower than symgrad by that factor.
    """
    rows = [_row_dict(r) for r in rows]
    ref: dict[tuple[str, str], float] = {}
    for r in rows:
        if r["system"] == reference and r["timing"]:
            ref[r["workload"], r["size"]] = r["timing"]["median_s"]
    header = ["workload", "size", "system", "median", "min-max", f"÷ {reference}", "note"]
    lines = []
    for r in rows:
        t = r["timing"]
        base = ref.get((r["workload"], r["size"]))
        ratio = f"{t['median_s'] / base:.3g}×" if t and base else "—"
        spread = f"{format_seconds(t['min_s'])}–{format_seconds(t['max_s'])}" if t else "—"
        lines.append([r["workload"], r["size"], r["system"], format_seconds(t["median_s"] if t else None), spread, ratio, r.get("note", "")])
    return _markdown(header, lines) if markdown else _plain(header, lines)


def _row_dict(r: Row | dict[str, Any]) -> dict[str, Any]:
    """A row as a dict with the keys :func:`table` reads, whatever schema a module wrote."""
    if isinstance(r, Row):
        return r.to_dict()
    out = dict(r)
    if "timing" not in out:
        if "median_s" in out:
            out["timing"] = {"median_s": out["median_s"], "min_s": out.get("min_s", out["median_s"]), "max_s": out.get("max_s", out["median_s"])}
        else:
            out["timing"] = None
    for key in ("workload", "size", "system", "note"):
        out.setdefault(key, "")
    return out


def _markdown(header: list[str], lines: list[list[str]]) -> str:
    out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    out += ["| " + " | ".join(str(c) for c in line) + " |" for line in lines]
    return "\n".join(out)


def _plain(header: list[str], lines: list[list[str]]) -> str:
    widths = [max(len(str(c)) for c in col) for col in zip(header, *lines)]
    fmt = "  ".join(f"{{:<{w}}}" for w in widths)
    return "\n".join(fmt.format(*map(str, line)) for line in [header, *lines])


def machine() -> dict[str, Any]:
    """Where the numbers came from: CPU count, Python and library versions."""
    info: dict[str, Any] = {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "numpy": np.__version__,
    }
    for name in ("sympy", "symengine", "torch", "scipy"):
        module = sys.modules.get(name)
        if module is not None:
            info[name] = getattr(module, "__version__", "?")
    return info


def write_json(topic: str, rows: Iterable[Row | dict[str, Any]], *, smoke: bool = False, summary: dict[str, Any] | None = None) -> str:
    """Write ``bench/results/<topic>.json`` (``<topic>.smoke.json`` in smoke mode); return the path."""
    os.makedirs(RESULTS_DIR, exist_ok=True)
    path = os.path.join(RESULTS_DIR, f"{topic}{'.smoke' if smoke else ''}.json")
    payload = {
        "topic": topic,
        "smoke": smoke,
        "machine": machine(),
        "rows": [_row_dict(r) for r in rows],
        "summary": summary or {},
    }
    with open(path, "w", encoding="utf-8") as fh:
        json.dump(payload, fh, indent=1, default=str)
    return path


def parse_args(argv: Sequence[str] | None, description: str) -> argparse.Namespace:
    """The flags every bench module takes: ``--smoke``, ``--repeats``, ``--quiet``."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, one repeat (CI); times mean nothing")
    parser.add_argument("--repeats", type=int, default=None, help="timed repeats (default 5; 1 with --smoke)")
    parser.add_argument("--quiet", action="store_true", help="do not print the table")
    args = parser.parse_args(list(argv) if argv is not None else None)
    if args.repeats is None:
        args.repeats = 1 if args.smoke else 5
    return args
