"""Derivations → terminal text, Markdown, LaTeX and JSON documents.

How it works, once. A :class:`~symgrad.steps.Derivation` holds lines of
mathematics whose parts are SymPy objects or small display atoms
(``Deriv``, ``Grad``, ``Apply``, ``Name``, ``Row``). The derivation stage
prints them itself (:mod:`symgrad.steps.printing`: one-line Unicode text and
the chapter's LaTeX) and lays a derivation out (:mod:`symgrad.steps.layout`:
text, Markdown, a LaTeX body, a dictionary), so ``str(d)`` and Jupyter need
nothing from here. This module is the stage above it:

* :func:`render` dispatches on the format name (:data:`FORMATS`);
* the LaTeX document is standalone (``amsmath``, ``amssymb``) and ASCII-only
  so pdflatex compiles it; JSON carries the schema version;
* :func:`render_report` puts several derivations into one document.

The printers and layouts are re-exported here (``text_of``, ``latex_of``, ...).
Rendering imports the derivation stage, never the reverse.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from .analysis._text import TextPrinter, decimal_text
from .schema import JSON_SCHEMA
from .steps import Derivation, Step
from .steps.layout import derivation_to_dict as _derivation_dict
from .steps.layout import json_number, latex_body, markdown_layout, step_to_dict as _step_dict, text_layout
from .steps.printing import ChapterLatexPrinter, latex_of, latex_text, math_text, text_of

__all__ = ["render", "FORMATS", "text_of", "latex_of", "math_text", "latex_text", "render_latex_body",
           "derivation_to_dict", "step_to_dict", "render_report", "json_number", "decimal_text", "TextPrinter",
           "ChapterLatexPrinter"]


def render_latex_body(d: Derivation) -> str:
    """The derivation as LaTeX text (no preamble), for ``_repr_latex_`` and documents."""
    return latex_body(d)


def step_to_dict(step: Step) -> dict[str, Any]:
    """A JSON-ready dictionary of one step."""
    return _step_dict(step)


def derivation_to_dict(d: Derivation) -> dict[str, Any]:
    """A JSON-ready dictionary of a derivation (``json.dumps`` works on it)."""
    return _derivation_dict(d)


_PREAMBLE = r"""\documentclass[11pt]{article}
\usepackage{amsmath,amssymb}
\usepackage[margin=2.5cm]{geometry}
\providecommand{\checkmark}{\ensuremath{\surd}}
\begin{document}
"""


def _render_latex(d: Derivation) -> str:
    return _PREAMBLE + latex_body(d) + "\\end{document}\n"


def _render_json(d: Derivation) -> str:
    return json.dumps({"schema": JSON_SCHEMA, **derivation_to_dict(d)}, indent=2, ensure_ascii=False) + "\n"


FORMATS: dict[str, Callable[[Derivation], str]] = {
    "text": text_layout,
    "md": markdown_layout,
    "markdown": markdown_layout,
    "latex": _render_latex,
    "json": _render_json,
}


def render(d: Derivation, fmt: str = "text") -> str:
    """Render a derivation: ``fmt`` is ``"text"``, ``"md"``, ``"latex"`` (a standalone document) or ``"json"``.

    >>> import symgrad as sg
    >>> print(render(sg.explain.gradient("2*w0^2 + 3*w1^2", [3, 4]), "text"))  # doctest: +ELLIPSIS
    Partial derivatives and the gradient
    ...
    """
    try:
        return FORMATS[fmt](d)
    except KeyError:
        from .errors import InputError

        raise InputError(f"unknown format {fmt!r}; use one of {', '.join(sorted(FORMATS))}") from None


def render_report(sections: list[tuple[str, Derivation]], title: str, fmt: str = "md") -> str:
    """Several derivations in one Markdown or text document, each under its heading."""
    if fmt == "md":
        parts = [f"# {title}", ""]
        for heading, d in sections:
            parts += [f"## {heading}", "", markdown_layout(d, "###")]
        return "\n".join(parts)
    parts = [title, "#" * len(title), ""]
    for heading, d in sections:
        parts += [heading, "-" * len(heading), "", text_layout(d)]
    return "\n".join(parts)
