"""Regenerate the gallery of the chapter's figures in docs/gallery/ (see docs/gallery.md).

Every picture is made by symgrad.plot from the chapter's own examples:

    python examples/gallery.py            # writes docs/gallery/*.png and descent.gif
    python examples/gallery.py --out /tmp/gallery --dpi 100

Needs the plot extra: pip install 'symgrad[plot]'.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable

import numpy as np
import sympy

import symgrad.plot as plot
from symgrad import Function
from symgrad.models import HypersphereModel, cluster_in_ring, two_clusters
from symgrad.optimize import gradient_descent

w, x, w0, w1, x0, x1 = sympy.symbols("w x w0 w1 x0 x1", real=True)
NETWORK = "(v1*tanh(w11*x1 + w12*x2 + b1) + v2*tanh(w21*x1 + w22*x2 + b2) + c - y)^2"
"""Two inputs, two tanh hidden units, one output, squared error."""
NETWORK_AT = {"w11": "0.5", "w12": -1, "w21": 1, "w22": "0.5", "b1": 0, "b2": 0, "v1": 1, "v2": -1, "c": 0,
              "x1": 1, "x2": 2, "y": 1}
NETWORK_PARAMETERS = ["w11", "w12", "b1", "w21", "w22", "b2", "v1", "v2", "c"]
HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_OUT = os.path.join(HERE, os.pardir, "docs", "gallery")


def figures(dpi: float) -> dict[str, Callable[[str], object]]:
    """File name -> function that writes it."""
    bowl = Function(2 * w0**2 + 3 * w1**2)  # sections 8.2, 9.4, 11.5
    chapter_run = gradient_descent(bowl, [3.0, 4.0], 0.1, max_steps=15, tol=0)  # 9.4: (3, 4) -> (1.8, 1.6)
    slow_run = gradient_descent(bowl, [3.0, 4.0], 0.03, max_steps=60, tol=0)
    parabola_run = gradient_descent(Function(w**2), [3.0], 0.1, max_steps=12, tol=0)  # 7.2: 3 -> 2.4
    return {
        "surface.png": lambda p: plot.surface(Function(w0**2 + 3 * w1**2), save=p, dpi=dpi),  # exercise 3
        "contours.png": lambda p: plot.contours(bowl, arrows=True, save=p, dpi=dpi),
        "descent.png": lambda p: plot.descent(chapter_run, save=p, dpi=dpi),
        "descent.gif": lambda p: plot.animate_descent(slow_run, p, max_frames=40, dpi=50),  # exercise 5
        "descent_1d.png": lambda p: plot.descent(parabola_run, save=p, dpi=dpi),
        "taylor_1d.png": lambda p: plot.taylor(Function(sympy.exp(x)), at=0, orders=(1, 2), save=p, dpi=dpi),
        "taylor_2d.png": lambda p: plot.taylor(Function(sympy.log(1 + w0**2 + w1**2)), at=[1, 0.5], orders=(1, 2),
                                               save=p, dpi=dpi),
        "boundary_linear.png": lambda p: plot.decision_boundary(2 * x0 + x1 + sympy.Rational(1, 2), two_clusters(), save=p, dpi=dpi),
        "boundary_circle.png": lambda p: plot.decision_boundary(HypersphereModel(), cluster_in_ring(), theta=[1, 1, -4], save=p, dpi=dpi),
        "graph.png": lambda p: plot.graph("(w*x + b - y)^2", {"w": 2, "x": 3, "b": 1, "y": 4}, variables=["w", "b"],
                                          save=p, dpi=dpi),  # 12.3
        "graph_network.png": lambda p: plot.graph(NETWORK, NETWORK_AT, variables=NETWORK_PARAMETERS, save=p,
                                                  dpi=dpi),
        "nonfinite.png": lambda p: plot.contours(Function(sympy.log(w0) + w1**2), bounds=[(-2, 3), (-2.5, 2.5)], save=p, dpi=dpi),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=DEFAULT_OUT, help="folder for the images (default: docs/gallery)")
    parser.add_argument("--dpi", type=float, default=72, help="resolution of the PNGs")
    parser.add_argument("--only", nargs="*", help="file names to make (default: all)")
    args = parser.parse_args(argv)
    os.makedirs(args.out, exist_ok=True)
    for name, make in figures(args.dpi).items():
        if args.only and name not in args.only:
            continue
        path = os.path.join(args.out, name)
        make(path)
        print(f"{os.path.getsize(path) / 1024:7.1f} KiB  {os.path.relpath(path)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
