"""``symgrad demo``: walk through every workout of the chapter and write a report to a folder.

The report is ``chapter-workouts.md`` (Markdown with ``$…$`` mathematics) and
``chapter-workouts.txt`` (terminal text), plus PNG figures when the plotting
extra (matplotlib) is installed.
"""

from __future__ import annotations

import argparse
import os
import sys

REPORT_TITLE = "Chapter 3 workouts, worked by symgrad"


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Declare ``symgrad demo``."""
    parser = subparsers.add_parser(
        "demo",
        help="work every example of the chapter and write a report (Markdown, text, figures)",
        description="Work every workout of the course chapter (loss table, derivatives, gradient-descent steps, "
        "Hessians, eigenvalues, backpropagation on a computational graph, convexity, critical points, Taylor, "
        "level sets, study-guide exercises), "
        "check every number, and write the report to a folder.",
    )
    parser.add_argument("--out", default="symgrad-demo", metavar="DIR",
                        help="folder for the report (default ./symgrad-demo)")
    parser.add_argument("--no-figures", action="store_true", help="skip the figures even if matplotlib is installed")
    parser.add_argument("--quiet", action="store_true", help="print only where the report is")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Work the chapter, write the report, print where it is."""
    from ..rendering import render_report
    from ..steps import chapter_workouts

    os.makedirs(args.out, exist_ok=True)
    sections = [(w.section, d) for w, d in chapter_workouts()]
    figures = [] if args.no_figures else _figures(args.out)
    markdown = render_report(sections, REPORT_TITLE, "md")
    if figures:
        markdown += "\n## Figures\n\n" + "\n".join(f"![{title}]({name})\n" for name, title in figures)
    paths = {"chapter-workouts.md": markdown, "chapter-workouts.txt": render_report(sections, REPORT_TITLE, "text")}
    for name, text in paths.items():
        with open(os.path.join(args.out, name), "w", encoding="utf-8") as handle:
            handle.write(text)
    if not args.quiet:
        for heading, _ in sections:
            print(f"  ✓ {heading}")
    report = os.path.join(args.out, "chapter-workouts.md")
    print(f"{len(sections)} workouts, every number checked; report: {report}"
          + (f" ({len(figures)} figures)" if figures else " (no figures: install symgrad[plot] for them)"
             if not args.no_figures else ""))
    return 0


def _chapter_run():
    from ..optimize import gradient_descent

    return gradient_descent("2*w0^2 + 3*w1^2", [3.0, 4.0], 0.1, max_steps=15, tol=0)


def _trained_linear_classifier():
    import numpy as np

    from ..models import LinearClassifier, two_clusters

    points, names = two_clusters()
    return LinearClassifier().fit(points, np.where(names == "car", -1.0, 1.0))


def _fitted_hypersphere():
    """A cluster ("horse") inside a ring ("zebra"), figure 3.1b, and xᵀdiag(w)x + b fitted to ±1 labels."""
    import numpy as np

    from ..models import HypersphereModel, cluster_in_ring, least_squares

    points, names = cluster_in_ring()
    model = HypersphereModel()
    return model, (points, names), least_squares(model, points, np.where(names == "horse", -1.0, 1.0))


def _draw_hypersphere(plot, path: str):
    model, data, theta = _fitted_hypersphere()
    return plot.decision_boundary(model, data, theta=theta, save=path)


def _draw_graph(plot, path: str):
    from ..steps.chapter import CHAPTER_GRAPH

    return plot.graph(*CHAPTER_GRAPH, variables=["w", "b"], save=path)


def _figures(folder: str) -> list[tuple[str, str]]:
    """Draw the chapter's figures if matplotlib is installed; [] otherwise."""
    import importlib.util

    if importlib.util.find_spec("matplotlib") is None:
        return []
    from .. import plot
    from ..errors import BackendUnavailable
    from ..models import two_clusters

    drawings = [
        ("contours.png", "Level contours and gradient arrows of 2w₀² + 3w₁²",
         lambda path: plot.contours("2*w0^2 + 3*w1^2", save=path)),
        ("level-sets.png", "Level contours of √(w₀² + w₁²)",
         lambda path: plot.contours("sqrt(w0^2 + w1^2)", save=path)),
        ("taylor-exp.png", "eˣ and its Taylor approximations around 0",
         lambda path: plot.taylor("exp(x)", [0], orders=(1, 2, 3), name="f", save=path)),
        ("surface.png", "The loss surface of w₀² + 3w₁² (programming exercise 3)",
         lambda path: plot.surface("w0^2 + 3*w1^2", save=path)),
        ("descent.png", "Gradient descent on 2w₀² + 3w₁² from (3, 4) with η = 0.1 (§9.4), and the loss per step",
         lambda path: plot.descent(_chapter_run(), save=path)),
        ("descent.gif", "The same descent, animated (programming exercise 5)",
         lambda path: plot.animate_descent(_chapter_run(), path)),
        ("graph.png", "§12.3 The computational graph of L = (wx + b − y)²: forward values, local derivatives, "
         "and the gradients of the backward pass", lambda path: _draw_graph(plot, path)),
        ("boundary-linear.png", "A linear classifier trained by symgrad separates two clusters (§2.2, hyperplane)",
         lambda path: plot.decision_boundary(_trained_linear_classifier(), two_clusters(), save=path)),
        ("boundary-circle.png", "A hypersphere classifier fitted by least squares separates a cluster from a ring "
         "(§2.2, hypersphere)", lambda path: _draw_hypersphere(plot, path)),
    ]
    made = []
    for name, title, draw in drawings:
        try:
            figure = draw(os.path.join(folder, name))
        except BackendUnavailable:
            return made
        del figure
        made.append((name, title))
    return made
