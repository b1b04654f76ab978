"""``symgrad demo`` draws every kind of chapter figure when the plot extra is installed."""

import pytest

from symgrad.cli import main

FIGURES = ["contours.png", "level-sets.png", "taylor-exp.png", "surface.png", "descent.png", "descent.gif",
           "boundary-linear.png", "boundary-circle.png", "graph.png"]


def test_demo_report_links_every_figure_it_draws(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    from PIL import Image

    assert main(["demo", "--out", str(tmp_path), "--quiet"]) == 0
    assert f"{len(FIGURES)} figures" in capsys.readouterr().out
    report = (tmp_path / "chapter-workouts.md").read_text(encoding="utf-8")
    for name in FIGURES:
        path = tmp_path / name
        assert path.stat().st_size > 5_000, name
        assert f"]({name})" in report, name
        with Image.open(path) as image:
            colours = image.convert("RGB").getcolors(maxcolors=1 << 20) or []
            assert len(colours) > 20, f"{name} looks blank"
    with Image.open(tmp_path / "descent.gif") as gif:
        assert gif.n_frames == 16  # the start and 15 steps of the §9.4 descent


def test_demo_trained_classifier_separates_the_clusters():
    from symgrad.cli.demo import _fitted_hypersphere, _trained_linear_classifier
    from symgrad.models import two_clusters

    points, names = two_clusters()
    predicted = _trained_linear_classifier().predict(points)
    assert ((predicted > 0) == (names == "giraffe")).all()
    model, (ring_points, ring_names), theta = _fitted_hypersphere()
    inside = ring_points[:, 0] ** 2 * float(theta["w0"]) + ring_points[:, 1] ** 2 * float(theta["w1"]) + float(theta["b"])
    assert ((inside < 0) == (ring_names == "horse")).all()


def test_demo_includes_the_computational_graph_and_its_backward_pass(tmp_path, capsys):
    assert main(["demo", "--out", str(tmp_path), "--quiet", "--no-figures"]) == 0
    report = (tmp_path / "chapter-workouts.txt").read_text(encoding="utf-8")
    assert "§12.3 Autograd: the computational graph" in report
    assert "∂L/∂w = ∂L/∂u₁ · ∂u₁/∂w = 6 · 3 = 18" in report and "w.grad = 4 + 4 = 8" in report
