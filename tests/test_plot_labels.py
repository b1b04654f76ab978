"""What a reader sees in the figures' words: round contour levels, a key for the arrows, how a descent was run.

Expected values are written by hand; the rounding rule is checked against its definition
(mantissa from a fixed list, nearest such number) on Hypothesis-drawn values.
"""

import math

import numpy as np
import pytest
import sympy
from hypothesis import given
from hypothesis import strategies as st

from symgrad import Function
from symgrad.optimize import gradient_descent

matplotlib = pytest.importorskip("matplotlib")  # the 'plot' extra; CI installs it

import symgrad.plot as plot  # noqa: E402
from symgrad.plot._grid import NICE_MANTISSAS, contour_levels, round_to_nice  # noqa: E402

w0, w1 = sympy.symbols("w0 w1", real=True)
BOWL = Function(2 * w0**2 + 3 * w1**2)
DPI = 50


def _is_nice(value: float) -> bool:
    if value == 0:
        return True
    mantissa = abs(value) / 10.0 ** math.floor(math.log10(abs(value)))
    return any(math.isclose(mantissa, m, rel_tol=1e-9) for m in list(NICE_MANTISSAS) + [1.0])


def test_the_levels_the_issue_found_odd_become_round_numbers():
    assert [round_to_nice(v) for v in (86.2, 65.8, 0.741)] == [80.0, 70.0, 0.7]


@given(st.floats(min_value=1e-6, max_value=1e6), st.booleans())
def test_a_rounded_level_is_the_nearest_nice_number_of_its_decade(value, negative):
    value = -value if negative else value
    rounded = round_to_nice(value)
    assert _is_nice(rounded) and math.copysign(1, rounded) == math.copysign(1, value)
    decade = 10.0 ** math.floor(math.log10(abs(value)))
    candidates = [m * decade for m in NICE_MANTISSAS]
    assert math.isclose(abs(rounded), min(candidates, key=lambda c: abs(c - abs(value))), rel_tol=1e-9)


def test_every_contour_label_of_the_chapters_bowl_is_a_round_number():
    ax = plot.contours(BOWL, arrows=True, dpi=DPI, resolution=60).axes[0]
    labels = [float(text.get_text()) for text in ax.texts if text.get_text().replace(".", "").isdigit()]
    assert len(labels) >= 5 and all(_is_nice(v) for v in labels)


def test_contour_labels_sit_above_the_arrows_so_no_arrow_hides_them():
    ax = plot.contours(BOWL, arrows=True, dpi=DPI, resolution=60).axes[0]
    quiver = next(c for c in ax.collections if isinstance(c, matplotlib.quiver.Quiver))
    labels = [t for t in ax.texts if t.get_text().replace(".", "").isdigit()]
    assert labels and all(t.get_zorder() > quiver.get_zorder() and t.get_bbox_patch() is not None for t in labels)


def test_the_arrows_have_a_key_saying_they_show_the_direction_of_the_gradient():
    figure = plot.contours(BOWL, arrows=True, dpi=DPI, resolution=40, name="L")
    keys = [a for a in figure.axes[0].get_children() if isinstance(a, matplotlib.quiver.QuiverKey)]
    assert len(keys) == 1 and r"\nabla L" in keys[0].text.get_text() and "unit length" in keys[0].text.get_text()


def test_without_arrows_there_is_no_key():
    figure = plot.contours(BOWL, arrows=False, dpi=DPI, resolution=40)
    assert not [a for a in figure.axes[0].get_children() if isinstance(a, matplotlib.quiver.QuiverKey)]


def test_the_descent_title_states_the_learning_rate_and_the_start():
    trace = gradient_descent(BOWL, [3.0, 4.0], 0.1, max_steps=5, tol=0)
    title = plot.descent(trace, dpi=DPI).axes[0].get_title()
    assert "η = 0.1" in title and "from (3, 4)" in title


def test_round_levels_still_lie_on_level_sets():
    values = np.linspace(0.0, 100.0, 1001)
    levels = contour_levels(values, 10)
    assert np.all(np.diff(levels) > 0) and all(_is_nice(v) for v in levels)
