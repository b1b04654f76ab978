"""Tests of symgrad.plot: every figure renders headless to a file we can inspect without eyes.

Pixel checks read the saved PNG back with Pillow; expected positions come from the
trace's numbers through matplotlib's own data->pixel transform, and expected
directions and boundaries are derived by hand in the tests.
"""

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import sympy

from symgrad import Function
from symgrad.errors import BackendUnavailable, InputError
from symgrad.models import cluster_in_ring, two_clusters

matplotlib = pytest.importorskip("matplotlib")  # the 'plot' extra; CI installs it
from PIL import Image  # noqa: E402  (pillow comes with the plot extra)

import symgrad.plot as plot  # noqa: E402
from symgrad.optimize import gradient_descent  # noqa: E402

w0, w1, x, x0, x1 = sympy.symbols("w0 w1 x x0 x1", real=True)
BOWL = Function(2 * w0**2 + 3 * w1**2)  # the chapter's running example
DPI = 50


def _trace(f=BOWL, start=(3.0, 4.0), lr=0.1, steps=12):
    return gradient_descent(f, list(start), lr, max_steps=steps, tol=0)


def _png(tmp_path, name="figure.png"):
    return tmp_path / name


def _pixels(path) -> np.ndarray:
    return np.asarray(Image.open(path).convert("RGB"), dtype=int)


def _assert_not_blank(path):
    pixels = _pixels(path)
    colours = np.unique(pixels.reshape(-1, 3), axis=0)
    assert len(colours) > 20, f"{path} looks blank: {len(colours)} distinct colours"
    assert pixels.std() > 10


def _clusters():
    return two_clusters(seed=0, size=20)


def _rings():
    return cluster_in_ring(seed=0, size=20)


# -- every plot renders to a file of the expected size -----------------------------------------------
PLOTS = {
    "surface": lambda save: plot.surface(Function(w0**2 + 3 * w1**2), save=save, dpi=DPI, resolution=40),
    "surface_1d": lambda save: plot.surface(Function(x**2), save=save, dpi=DPI),
    "contours": lambda save: plot.contours(BOWL, arrows=True, save=save, dpi=DPI, resolution=80),
    "descent": lambda save: plot.descent(_trace(), save=save, dpi=DPI),
    "descent_1d": lambda save: plot.descent(_trace(Function(x**2), [3.0], 0.1, 10), save=save, dpi=DPI),
    "loss_curve": lambda save: plot.loss_curve(_trace(), save=save, dpi=DPI),
    "taylor_1d": lambda save: plot.taylor(Function(sympy.exp(x)), at=0, orders=(1, 2), save=save, dpi=DPI),
    "taylor_2d": lambda save: plot.taylor(Function(sympy.sin(w0) * sympy.cos(w1)), at=[0.5, 0.5], save=save, dpi=DPI),
    "linear_boundary": lambda save: plot.decision_boundary(2 * x0 + x1 + 0.5, _clusters(), save=save, dpi=DPI),
    "circular_boundary": lambda save: plot.decision_boundary(x0**2 + x1**2 - 4, _rings(), save=save, dpi=DPI),
}


@pytest.mark.parametrize("name", sorted(PLOTS))
def test_each_plot_renders_a_png_of_the_figure_size_that_is_not_blank(name, tmp_path):
    path = _png(tmp_path)
    figure = PLOTS[name](path)
    assert isinstance(figure, matplotlib.figure.Figure)
    width, height = figure.get_size_inches() * DPI
    assert Image.open(path).size == (round(width), round(height))
    _assert_not_blank(path)


@pytest.mark.parametrize("extension, magic", [(".svg", b"<svg"), (".pdf", b"%PDF")])
def test_figures_save_as_svg_and_pdf_by_extension(extension, magic, tmp_path):
    path = tmp_path / f"contours{extension}"
    plot.contours(BOWL, save=path, dpi=DPI, resolution=40)
    assert magic in path.read_bytes()[:400]


def test_an_unknown_extension_is_refused_with_the_ones_that_work(tmp_path):
    with pytest.raises(InputError, match=r"\.png, \.svg, \.pdf"):
        plot.loss_curve(_trace(), save=tmp_path / "curve.jpg")


# -- headless, lazy, optional ---------------------------------------------------------------------------
def test_symgrad_plot_imports_without_matplotlib_and_never_touches_pyplot(tmp_path):
    script = (
        "import sys, sympy\n"
        "import symgrad, symgrad.plot\n"
        "assert 'matplotlib' not in sys.modules, 'imported at import time'\n"
        "w0, w1 = sympy.symbols('w0 w1', real=True)\n"
        f"symgrad.plot.contours(symgrad.Function(w0**2 + w1**2), save={str(tmp_path / 'c.png')!r}, dpi=30)\n"
        "assert 'matplotlib.pyplot' not in sys.modules, 'pyplot was imported'\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "MPLBACKEND"}
    env["PYTHONPATH"] = os.pathsep.join([str(Path(__file__).resolve().parent.parent), env.get("PYTHONPATH", "")])
    env.pop("DISPLAY", None)  # headless
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=120)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "c.png").exists()


def test_missing_matplotlib_raises_backend_unavailable_with_the_pip_command(monkeypatch):
    for module in [m for m in sys.modules if m == "matplotlib" or m.startswith("matplotlib.")]:
        monkeypatch.setitem(sys.modules, module, None)
    with pytest.raises(BackendUnavailable, match=r"pip install 'symgrad\[plot\]'"):
        plot.contours(BOWL)


# -- the descent path lies where the trace says ----------------------------------------------------------
def _centroid_of_colour(pixels, colour, region, exclude, tolerance=40):
    """Mean (column, row) of pixels close to ``colour`` inside ``region`` and outside ``exclude`` boxes."""
    rows, columns = np.mgrid[0 : pixels.shape[0], 0 : pixels.shape[1]]
    close = np.abs(pixels - np.array(colour)).sum(axis=-1) < tolerance
    (c0, r0, c1, r1) = region
    inside = (columns >= c0) & (columns <= c1) & (rows >= r0) & (rows <= r1)
    for (e0, f0, e1, f1) in exclude:
        inside &= ~((columns >= e0) & (columns <= e1) & (rows >= f0) & (rows <= f1))
    mask = close & inside
    assert mask.sum() > 5, f"no pixels of colour {colour} in the map"
    return columns[mask].mean(), rows[mask].mean()


def _box_in_pixels(extent, height):
    return (extent.x0, height - extent.y1, extent.x1, height - extent.y0)


@pytest.mark.parametrize("start", [(3.0, 4.0), (-2.5, 1.0)])
def test_the_path_starts_and_ends_on_the_pixels_of_the_traces_first_and_last_points(start, tmp_path):
    trace = _trace(start=start, lr=0.05, steps=15)
    path = _png(tmp_path)
    figure = plot.descent(trace, save=path, dpi=80)
    pixels = _pixels(path)
    height = pixels.shape[0]
    ax = figure.axes[0]
    region = _box_in_pixels(ax.get_window_extent(), height)
    legend = _box_in_pixels(ax.get_legend().get_window_extent(), height)
    start_colour = matplotlib.colors.to_rgb(plot._base.START_STYLE["color"])
    end_colour = matplotlib.colors.to_rgb(plot._base.END_STYLE["color"])
    for point, colour in [(trace.path[0], start_colour), (trace.path[-1], end_colour)]:
        expected_x, expected_y = ax.transData.transform(point)
        found = _centroid_of_colour(pixels, [255 * c for c in colour], region, [legend])
        assert found == pytest.approx((expected_x, height - expected_y), abs=2.5)
    assert list(trace.path[0]) == list(start)


def test_the_descent_window_contains_the_whole_path_and_the_minimum():
    trace = _trace(start=(-6.0, 5.0), lr=0.05, steps=20)
    ax = plot.descent(trace, dpi=DPI).axes[0]
    (xlo, xhi), (ylo, yhi) = ax.get_xlim(), ax.get_ylim()
    for px, py in [*trace.path, (0.0, 0.0)]:
        assert xlo < px < xhi and ylo < py < yhi


# -- the animation ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("steps, cap, frames", [(6, 40, 7), (60, 10, 10)])
def test_the_gif_has_one_frame_per_step_up_to_the_cap(steps, cap, frames, tmp_path):
    path = tmp_path / "descent.gif"
    plot.animate_descent(_trace(steps=steps, lr=0.02), path, max_frames=cap, dpi=30)
    assert Image.open(path).n_frames == frames


def test_frames_keep_the_first_and_last_step_and_are_evenly_spread():
    chosen = plot.frame_steps(100, max_frames=40)
    assert len(chosen) == 40 and chosen[0] == 0 and chosen[-1] == 100
    assert np.all(np.diff(chosen) >= 2) and np.all(np.diff(chosen) <= 3)
    assert list(plot.frame_steps(5, 40)) == [0, 1, 2, 3, 4, 5]


def test_an_animation_must_be_written_as_a_gif(tmp_path):
    with pytest.raises(InputError, match=r"\.gif"):
        plot.animate_descent(_trace(), tmp_path / "descent.mp4")


# -- contours and gradient arrows -------------------------------------------------------------------------------
def _only(ax, kind):
    found = [c for c in ax.collections if isinstance(c, kind)]
    assert len(found) == 1
    return found[0]


def test_gradient_arrows_point_along_the_hand_derived_gradient_and_cross_contours_at_right_angles():
    ax = plot.contours(BOWL, arrows=True, dpi=DPI, resolution=60).axes[0]
    quiver = _only(ax, matplotlib.quiver.Quiver)
    tails = quiver.get_offsets()
    arrows = np.column_stack([quiver.U, quiver.V])
    gradient = np.column_stack([4 * tails[:, 0], 6 * tails[:, 1]])  # ∇(2w0² + 3w1²) by hand
    tangent = np.column_stack([-gradient[:, 1], gradient[:, 0]])  # along the level curve through the tail
    cosine_with_gradient = np.sum(arrows * gradient, axis=1) / np.linalg.norm(arrows, axis=1) / np.linalg.norm(gradient, axis=1)
    cosine_with_tangent = np.sum(arrows * tangent, axis=1) / np.linalg.norm(arrows, axis=1) / np.linalg.norm(tangent, axis=1)
    assert np.all(cosine_with_gradient > 1 - 1e-9)
    assert np.all(np.abs(cosine_with_tangent) < 1e-9)
    assert quiver.angles == "xy" and ax.get_aspect() == 1.0  # so the right angles look right


def test_contour_lines_lie_on_level_sets():
    ax = plot.contours(BOWL, arrows=False, dpi=DPI, resolution=120).axes[0]
    contour_set = _only(ax, matplotlib.contour.ContourSet)
    for level, path in zip(contour_set.levels, contour_set.get_paths()):
        vertices = path.vertices
        if len(vertices):
            values = 2 * vertices[:, 0] ** 2 + 3 * vertices[:, 1] ** 2
            assert np.allclose(values, level, rtol=0.02, atol=0.02)


def test_axes_are_labelled_with_the_users_variable_names_in_latex():
    ax = plot.contours(Function(sympy.Symbol("theta1", real=True) ** 2 + sympy.Symbol("b", real=True) ** 2), dpi=DPI,
                       resolution=30).axes[0]
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("$b$", r"$\theta_{1}$")


def test_the_window_is_placed_around_a_shifted_minimum():
    ax = plot.contours(Function((w0 - 5) ** 2 + (w1 + 3) ** 2), dpi=DPI, resolution=30).axes[0]
    (xlo, xhi), (ylo, yhi) = ax.get_xlim(), ax.get_ylim()
    assert xlo < 5 < xhi and ylo < -3 < yhi and xhi - xlo < 20


def test_a_function_of_three_variables_needs_the_others_fixed():
    w2 = sympy.Symbol("w2", real=True)
    with pytest.raises(InputError, match="fix="):
        plot.contours(Function(w0**2 + w1**2 + w2**2))
    ax = plot.contours(Function(w0**2 + w1**2 + w2**2), fix={"w2": 1}, dpi=DPI, resolution=30).axes[0]
    assert ax.get_xlabel() == "$w_{0}$"


# -- non-finite regions -----------------------------------------------------------------------------------------
NON_FINITE = {
    "log_and_pole_contours": lambda save: plot.contours(Function(sympy.log(w0) + 1 / w1), save=save, dpi=DPI, resolution=60),
    "pole_curve": lambda save: plot.surface(Function(1 / x), save=save, dpi=DPI),
    "log_surface": lambda save: plot.surface(Function(sympy.log(w0 * w1)), save=save, dpi=DPI, resolution=30),
    "sqrt_taylor": lambda save: plot.taylor(Function(sympy.sqrt(x)), at=1, save=save, dpi=DPI),
    "diverging_descent": lambda save: plot.descent(_trace(lr=0.5, steps=8), save=save, dpi=DPI),
}


@pytest.mark.parametrize("name", sorted(NON_FINITE))
def test_functions_with_non_finite_regions_render_without_crashing(name, tmp_path):
    path = _png(tmp_path)
    NON_FINITE[name](path)
    _assert_not_blank(path)


def test_where_the_function_is_undefined_the_map_is_grey_and_has_no_arrows(tmp_path):
    path = _png(tmp_path)
    figure = plot.contours(Function(sympy.log(w0) + w1**2), save=path, dpi=80, resolution=80,
                           bounds=[(-2, 2), (-2, 2)])
    ax = figure.axes[0]
    assert np.all(_only(ax, matplotlib.quiver.Quiver).get_offsets()[:, 0] > 0)
    pixels = _pixels(path)
    column, row = ax.transData.transform((-1.0, -1.5))
    grey = np.array(matplotlib.colors.to_rgb(plot._base.UNDEFINED_COLOUR)) * 255
    assert np.abs(pixels[round(pixels.shape[0] - row), round(column)] - grey).max() < 3


# -- loss curve ---------------------------------------------------------------------------------------------------
def test_the_loss_curve_shows_every_step_and_uses_a_log_scale_across_decades():
    trace = _trace(steps=12)
    ax = plot.loss_curve(trace, dpi=DPI).axes[0]
    line = ax.get_lines()[0]
    assert list(line.get_xdata()) == list(range(13))
    assert np.allclose(line.get_ydata(), [2 * a**2 + 3 * b**2 for a, b in trace.path])
    assert ax.get_yscale() == "log"
    flat = plot.loss_curve(_trace(lr=0.001, steps=5), dpi=DPI).axes[0]
    assert flat.get_yscale() == "linear"


# -- Taylor approximations -----------------------------------------------------------------------------------------
def test_the_taylor_lines_of_exp_at_zero_are_the_hand_derived_polynomials():
    ax = plot.taylor(Function(sympy.exp(x)), at=0, orders=(1, 2), dpi=DPI).axes[0]
    tangent, quadratic = [line for line in ax.get_lines() if "order" in line.get_label()]
    xs = tangent.get_xdata()
    assert np.allclose(tangent.get_ydata(), 1 + xs, equal_nan=True) and np.isfinite(tangent.get_ydata()).sum() > 100
    xs = quadratic.get_xdata()
    assert np.allclose(quadratic.get_ydata(), 1 + xs + xs**2 / 2, equal_nan=True)


def test_taylor_polynomials_match_the_chapters_numbers():
    point = BOWL.point([3, 4])
    assert sympy.expand(plot.taylor_polynomial(BOWL, point, 1) - (66 + 12 * (w0 - 3) + 24 * (w1 - 4))) == 0
    assert sympy.expand(plot.taylor_polynomial(BOWL, point, 2) - BOWL.expr) == 0
    sine = Function(sympy.sin(w0) * sympy.cos(w1))
    assert sympy.expand(plot.taylor_polynomial(sine, sine.point([0, 0]), 2) - w0) == 0


def test_taylor_in_two_variables_draws_one_panel_per_order():
    figure = plot.taylor(BOWL, at=[1, 1], orders=(1, 2), dpi=DPI)
    assert len([ax for ax in figure.axes if ax.name == "3d"]) == 2


# -- decision boundaries -------------------------------------------------------------------------------------------
def _boundary_vertices(ax):
    contour_set = _only(ax, matplotlib.contour.ContourSet)
    return np.vstack([p.vertices for p in contour_set.get_paths() if len(p.vertices)])


def test_a_circular_boundary_is_drawn_at_its_radius_with_the_clusters():
    points, labels = _rings()
    ax = plot.decision_boundary(x0**2 + x1**2 - 4, points, labels, dpi=DPI).axes[0]
    assert np.allclose(np.hypot(*_boundary_vertices(ax).T), 2.0, atol=0.03)
    (xlo, xhi), (ylo, yhi) = ax.get_xlim(), ax.get_ylim()
    assert np.all((points[:, 0] > xlo) & (points[:, 0] < xhi) & (points[:, 1] > ylo) & (points[:, 1] < yhi))
    assert sorted(t.get_text() for t in ax.get_legend().get_texts())[1:] == ["class horse", "class zebra"]


def test_a_linear_boundary_is_the_line_where_phi_vanishes_and_the_sides_are_shaded(tmp_path):
    path = _png(tmp_path)
    figure = plot.decision_boundary(2 * x0 + x1 + 0.5, _clusters(), save=path, dpi=80)
    ax = figure.axes[0]
    vertices = _boundary_vertices(ax)
    assert np.allclose(2 * vertices[:, 0] + vertices[:, 1] + 0.5, 0, atol=0.05)
    pixels = _pixels(path)
    negative, positive = (np.array(matplotlib.colors.to_rgb(c)) * 255 for c in plot.boundary.REGION_COLOURS)
    for point, colour in [((-3.0, 3.5), negative), ((3.5, -2.5), positive)]:
        column, row = ax.transData.transform(point)
        assert np.abs(pixels[round(pixels.shape[0] - row), round(column)] - colour).max() < 3


def test_a_model_with_parameter_values_and_an_object_with_decision_function_give_the_same_boundary():
    hypersphere = _hypersphere_model()
    points, labels = _rings()
    by_model = plot.decision_boundary(hypersphere, points, labels, theta=[1, 1, -4], dpi=DPI).axes[0]
    assert np.allclose(np.hypot(*_boundary_vertices(by_model).T), 2.0, atol=0.03)

    class Classifier:
        def decision_function(self, X):
            return X[:, 0] ** 2 + X[:, 1] ** 2 - 4

    by_method = plot.decision_boundary(Classifier(), points, labels, dpi=DPI).axes[0]
    assert np.allclose(np.hypot(*_boundary_vertices(by_method).T), 2.0, atol=0.03)
    with pytest.raises(InputError, match="theta"):
        plot.decision_boundary(hypersphere, points, labels)


def _hypersphere_model():
    try:
        from symgrad.models import HypersphereModel
    except ImportError:  # symgrad.models not complete yet: the scalar module is enough
        from symgrad.models.scalar import HypersphereModel
    return HypersphereModel()
