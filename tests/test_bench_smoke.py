"""The benchmark suite runs end to end in smoke mode (tiny sizes, one repeat), so it never rots.

No timing is asserted: only that every benchmark ran, checked its systems agree
and wrote its JSON, and that bench.common's helpers behave.
"""

import json
import os
import sys

import numpy as np
import pytest

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # the repository root holds bench/
from bench import common, run  # noqa: E402


def test_every_benchmark_runs_in_smoke_mode():
    assert run.main(["--smoke"]) == 0
    for topic in run.discover():
        path = os.path.join(common.RESULTS_DIR, f"{topic}.smoke.json")
        if not os.path.exists(path):  # modules that do not separate smoke results
            path = os.path.join(common.RESULTS_DIR, f"{topic}.json")
        with open(path, encoding="utf-8") as fh:
            data = json.load(fh)
        assert data, topic


def test_same_numbers_detects_disagreement():
    assert common.same_numbers(np.array([1.0, 2.0]), [1.0, 2.0 + 1e-12])
    assert not common.same_numbers(np.array([1.0, 2.0]), [1.0, 2.1])
    with pytest.raises(AssertionError, match="b disagree"):
        common.assert_same_numbers({"a": [1.0], "b": [2.0]})


def test_measure_reports_median_and_spread():
    t = common.measure(lambda: sum(range(50)), repeats=5)
    assert t.repeats == 5 and t.min_s <= t.median_s <= t.max_s


def test_growth_exponent_of_a_quadratic_cost_is_two():
    assert common.growth_exponent([10, 100, 1000], [1e-4, 1e-2, 1.0]) == pytest.approx(2.0)
