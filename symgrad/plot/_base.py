"""Shared plumbing: importing matplotlib lazily, making headless figures, labels, saving.

Figures are built as :class:`matplotlib.figure.Figure` objects attached to an
Agg canvas. pyplot is never imported, so the user's backend and pyplot's list
of open figures are left alone, and everything runs without a display. They are
:class:`NotebookFigure` objects: a Figure with ``_repr_png_``, so Jupyter shows
the picture (not ``<Figure size 640x480>``) without ``%matplotlib inline``.
"""

from __future__ import annotations

import io
import os
from types import ModuleType
from typing import TYPE_CHECKING, Any

import sympy

from ..errors import BackendUnavailable, InputError

if TYPE_CHECKING:
    from matplotlib.figure import Figure

#: Colour map for values: viridis gets lighter monotonically, so it reads in greyscale
#: (dark = low loss, bright = high loss, as in the chapter's heat maps).
VALUE_CMAP = "viridis"
#: Colour for regions where the function is not finite (log of a negative number, 1/0).
UNDEFINED_COLOUR = "#d9d9d9"
#: Markers and colours that differ in shape as well as hue, so they survive greyscale printing.
START_STYLE = {"marker": "o", "color": "#d62728", "markeredgecolor": "black", "markersize": 9}
END_STYLE = {"marker": "*", "color": "#ff7f0e", "markeredgecolor": "black", "markersize": 14}
PATH_COLOUR = "white"
#: File formats that ``save=`` accepts, by extension.
SAVE_FORMATS = {".png": "png", ".svg": "svg", ".pdf": "pdf"}
PIP_COMMAND = "pip install 'symgrad[plot]'"


def import_matplotlib() -> ModuleType:
    """Import matplotlib, or raise :class:`BackendUnavailable` with the install command."""
    try:
        import matplotlib
        from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: F401
        from matplotlib.figure import Figure  # noqa: F401
    except ImportError as error:  # pragma: no cover - depends on the environment
        raise BackendUnavailable(f"plotting needs matplotlib, which is not installed; install it with {PIP_COMMAND}") from error
    return matplotlib


def new_figure(width: float = 6.4, height: float = 4.8, dpi: float = 100) -> Figure:
    """A headless Figure on an Agg canvas (no pyplot, no display needed)."""
    import_matplotlib()
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = _notebook_figure_class()(figsize=(width, height), dpi=dpi, layout="constrained")
    FigureCanvasAgg(figure)
    return figure


_CLASSES: dict[str, type] = {}


def _notebook_figure_class() -> type:
    """:class:`matplotlib.figure.Figure` with ``_repr_png_``, built once matplotlib is imported."""
    if "NotebookFigure" not in _CLASSES:
        from matplotlib.figure import Figure

        def _repr_png_(self) -> bytes:
            buffer = io.BytesIO()
            self.savefig(buffer, format="png")
            return buffer.getvalue()

        _CLASSES["NotebookFigure"] = type("NotebookFigure", (Figure,), {
            "__module__": __name__, "__doc__": "A Figure that Jupyter shows as a PNG.", "_repr_png_": _repr_png_})
    return _CLASSES["NotebookFigure"]


def __getattr__(name: str) -> Any:  # pickle finds NotebookFigure here
    if name == "NotebookFigure":
        import_matplotlib()
        return _notebook_figure_class()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def save_figure(figure: Figure, path: str | os.PathLike[str] | None, dpi: float | None = None) -> None:
    """Write ``figure`` to ``path`` as PNG, SVG or PDF (chosen by the extension); ``None`` does nothing."""
    if path is None:
        return
    extension = os.path.splitext(os.fspath(path))[1].lower()
    if extension not in SAVE_FORMATS:
        known = ", ".join(SAVE_FORMATS)
        raise InputError(f"cannot save a figure as '{os.fspath(path)}': use one of the extensions {known}")
    figure.savefig(path, format=SAVE_FORMATS[extension], dpi=dpi or figure.dpi)


def math_text(expr: Any, fallback: str | None = None) -> str:
    """``$latex$`` for a SymPy object if matplotlib's mathtext can draw it, else plain text."""
    if isinstance(expr, str):
        latex = expr
    else:
        latex = sympy.latex(expr)
    text = f"${latex}$"
    if _mathtext_can_draw(text):
        return text
    return fallback if fallback is not None else str(expr)


def _mathtext_can_draw(text: str) -> bool:
    from matplotlib.mathtext import MathTextParser

    try:
        MathTextParser("path").parse(text)
    except (ValueError, RuntimeError):
        return False
    return True


def function_title(expr: sympy.Expr, name: str = "L", max_chars: int = 70) -> str:
    """``$L = 2 w_0^2 + 3 w_1^2$``, or just ``$L$`` when the formula is too long to read."""
    latex = sympy.latex(expr)
    if len(latex) > max_chars:
        return f"${name}$"
    return math_text(f"{name} = {latex}", fallback=f"{name} = {expr}")
