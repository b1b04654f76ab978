"""The computational graph of a loss with its forward values and gradients (chapter §12.3).

How it works, once: :func:`symgrad.steps.graph.computational_graph` gives the
nodes (leaves, then one per operation), the edges with their local derivatives
and the adjoints ``∂L/∂node``. Nodes are placed in columns by depth (the
longest path from a leaf), so the forward pass reads left to right and the
backward pass right to left; within a column a node sits near the mean height
of its inputs. Each box shows the node's operation and forward value (black),
the adjoint below it (red, the backward pass), and each edge its local derivative.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import sympy

from .._deprecation import renamed
from ..analysis._text import approx_text, text
from ..steps.graph import ComputationalGraph, computational_graph
from ._base import new_figure, save_figure

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["graph", "graph_layout"]

FORWARD_COLOUR = "black"
BACKWARD_COLOUR = "#c0392b"
LEAF_FACE = "#e8f0fe"
OPERATION_FACE = "#fff8e1"


@renamed(wrt="variables")
def graph(f: Any, at: Any = None, *, variables: Any = None, name: str = "L", save: str | None = None,
          title: str | None = None, dpi: float | None = None) -> Figure:
    """Draw the computational graph of ``f`` at ``at``: forward values in black, gradients ``∂L/∂·`` in red.

    Arguments:
        f: a loss (text, SymPy expression, Function) with ``at``, or a ready
            :class:`~symgrad.steps.graph.ComputationalGraph`.
        at: a value for every variable.
        variables: the parameters the gradients are drawn for (default all variables).
        name: the loss's name.
        save: a file name (``.png``, ``.svg``, ``.pdf``) to write the figure to.
        title: the figure title (default: the loss and what the colours mean).
        dpi: resolution of the saved file (default the figure's).

    Returns:
        a :class:`matplotlib.figure.Figure` (headless; no pyplot).

    Example:
        >>> fig = graph("(w*x + b - y)^2", {"w": 2, "x": 3, "b": 1, "y": 4})   # doctest: +SKIP
    """
    g = f if isinstance(f, ComputationalGraph) else computational_graph(f, at, wrt=variables, name=name)
    positions = graph_layout(g)
    columns = max(x for x, _ in positions.values()) + 1
    rows = max(y for _, y in positions.values()) + 1
    figure = new_figure(width=max(6.0, 2.3 * columns), height=max(3.5, 1.25 * rows + 1.2))
    axes = figure.add_subplot()
    axes.set_xlim(-0.6, columns - 0.4)
    axes.set_ylim(-0.8, rows - 0.2)
    axes.invert_yaxis()
    axes.axis("off")
    for edge in g.edges:
        _draw_edge(axes, positions[edge.source], positions[edge.target], edge.local_value)
    for node in g.nodes:
        _draw_node(axes, g, node, positions[node.symbol])
    loss = text(g.function.expr)
    axes.set_title(title or f"{g.name} = {loss}: forward values (black), local derivatives (blue), gradients ∂{g.name}/∂· (red)", fontsize=10)
    save_figure(figure, save, dpi)
    return figure


def graph_layout(g: ComputationalGraph) -> dict[sympy.Symbol, tuple[int, float]]:
    """``{node: (column, row)}``: column = longest path from a leaf; rows ordered by the inputs' mean row."""
    depth: dict[sympy.Symbol, int] = {}
    for node in g.nodes:
        depth[node.symbol] = 1 + max((depth[i] for i in node.inputs), default=-1)
    for node in g.nodes:  # a leaf sits just left of its first consumer: b next to w·x in (wx + b − y)²
        if not node.inputs:
            depth[node.symbol] = min((depth[n.symbol] for n in g.nodes if node.symbol in n.inputs), default=1) - 1
    positions: dict[sympy.Symbol, tuple[int, float]] = {}
    for column in range(max(depth.values()) + 1):
        members = [n for n in g.nodes if depth[n.symbol] == column]
        members.sort(key=lambda n: (bool(n.inputs) and sum(positions[i][1] for i in n.inputs) / len(n.inputs), not n.inputs))
        for row, node in enumerate(members):
            positions[node.symbol] = (column, float(row))
    return _centred(positions)


def _centred(positions: dict) -> dict:
    height = max(y for _, y in positions.values())
    counts: dict[int, int] = {}
    for x, _ in positions.values():
        counts[x] = counts.get(x, 0) + 1
    return {s: (x, y + (height + 1 - counts[x]) / 2) for s, (x, y) in positions.items()}


def _number(value: sympy.Expr) -> str:
    return text(value) if value.is_Rational else "≈ " + approx_text(value, 3).replace("-", "−")


def _draw_node(axes, g: ComputationalGraph, node, where) -> None:
    x, y = where
    if node.kind == "operation":
        head = f"{text(node.symbol)} = " + (f" {node.operator} ".join(text(i) for i in node.inputs) if node.operator
                                            else text(node.operation))
    else:
        head = text(node.symbol)
    value = _number(node.value)
    body = f"{head}\n{value}" if node.kind != "constant" else head
    face = OPERATION_FACE if node.kind == "operation" else LEAF_FACE
    axes.text(x, y, body, ha="center", va="center", fontsize=9, color=FORWARD_COLOUR, zorder=3,
              bbox={"boxstyle": "round,pad=0.35", "facecolor": face, "edgecolor": "#555555"})
    if node.kind != "constant":
        adjoint = g.adjoints[node.symbol]
        shown = _number(adjoint)
        axes.text(x, y + 0.42, f"∂{g.name}/∂{text(node.symbol)} {shown if shown.startswith('≈') else '= ' + shown}", ha="center", va="top",
                  fontsize=8, color=BACKWARD_COLOUR, zorder=3)


def _draw_edge(axes, start, end, local_value) -> None:
    axes.annotate("", xy=end, xytext=start, zorder=1,
                  arrowprops={"arrowstyle": "-|>", "color": "#777777", "shrinkA": 28, "shrinkB": 28, "lw": 1.0})
    mid_x, mid_y = (start[0] + end[0]) / 2, (start[1] + end[1]) / 2
    axes.text(mid_x, mid_y - 0.08, _number(local_value), ha="center", va="bottom", fontsize=7, color="#1f5f9f",
              zorder=2, bbox={"boxstyle": "round,pad=0.1", "facecolor": "white", "edgecolor": "none", "alpha": 0.8})
