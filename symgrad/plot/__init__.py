"""Pictures of the chapter: loss surfaces, contour maps with gradient arrows, descent paths,
Taylor approximations and decision boundaries.

How it works, once: every function samples a :class:`~symgrad.Function` on a
grid with its compiled NumPy callable (``f.compile("numpy").value(X)`` on an
``(..., n)`` batch; see :mod:`symgrad.plot._grid`), chooses the window around
the points that matter (critical points, the descent path, the expansion
point), and draws on a :class:`matplotlib.figure.Figure` attached to an Agg
canvas. pyplot is never imported, so this runs headless and leaves the user's
backend alone. Every function returns the Figure and writes PNG, SVG or PDF
when given ``save="file.png"`` (the format follows the extension).

matplotlib is an optional extra (``pip install 'symgrad[plot]'``): it is
imported inside the functions, and a missing install raises
:class:`~symgrad.errors.BackendUnavailable` with that command.

=========================  ==================================================
chapter figure             function
=========================  ==================================================
3D loss surface            :func:`surface` (``surface(w0**2 + 3*w1**2)``)
heat map, contours, ∇      :func:`contours` (``arrows=True``)
path of descent            :func:`descent` (path over contours + loss curve)
animation (exercise 5)     :func:`animate_descent` (GIF, ≤ 40 frames)
loss per step              :func:`loss_curve`
tangent / quadratic        :func:`taylor` (``orders=(1, 2)``, 1D or 2D)
clusters and boundary      :func:`decision_boundary` (lines and circles)
computational graph §12.3  :func:`graph` (forward values, local derivatives, gradients)
=========================  ==================================================
"""

from ._base import PIP_COMMAND, import_matplotlib, save_figure
from .approx import taylor, taylor_polynomial
from .boundary import decision_boundary, decision_values
from .descent import animate_descent, descent, frame_steps, loss_curve, read_trace
from .graph import graph
from .landscape import contours, surface

__all__ = [
    "surface",
    "contours",
    "descent",
    "loss_curve",
    "animate_descent",
    "taylor",
    "decision_boundary",
    "graph",
    "save_figure",
    "import_matplotlib",
    "taylor_polynomial",
    "decision_values",
    "read_trace",
    "frame_steps",
    "PIP_COMMAND",
]
