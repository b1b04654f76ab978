"""The rendering side of exercises: problem sheets, answer keys and the grading key file.

This module imports :mod:`symgrad.rendering` (stage 8); the rest of
:mod:`symgrad.exercises` does not. A sheet is a list of ``(question_id,
Exercise)`` pairs; the same list gives

* the **problem sheet** (:func:`sheet`): numbered prompts, no answers, in
  Markdown or a standalone LaTeX document (ASCII only, so pdflatex compiles it);
* the **answer key** (:func:`sheet` with ``answers=True``): each prompt, the
  answer and the full worked solution rendered by :func:`symgrad.rendering.render`;
* **JSON** for a learning management system (:func:`sheet_json`);
* the **grading key** (:func:`grading_key`): ``{question: {"expected", "kind",
  "variables", "context"}}``, the JSON mapping ``symgrad grade --key`` reads.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from ..rendering import latex_of, latex_text, render, render_latex_body, text_of
from ..schema import JSON_SCHEMA
from .core import Exercise, _plain, math_latex, math_text

__all__ = ["sheet", "sheet_json", "grading_key", "math_text", "math_latex", "FORMATS"]

FORMATS = ("md", "latex", "json")

_PREAMBLE = r"""\documentclass[11pt]{article}
\usepackage{amsmath,amssymb}
\usepackage[margin=2.5cm]{geometry}
\providecommand{\checkmark}{\ensuremath{\surd}}
\begin{document}
"""


def sheet(items: Sequence[tuple[str, Exercise]], fmt: str = "md", *, title: str = "Problem sheet",
          answers: bool = False, student: str | None = None, figures: dict[str, str] | None = None) -> str:
    """A problem sheet (or, with ``answers=True``, its answer key) in ``"md"`` or ``"latex"``.

    ``figures`` maps a question id to an image file (made by :func:`draw_figures`) that the
    answer key shows beside the answer.

    Example:
        >>> from symgrad import exercises
        >>> text = sheet([("q1", exercises.generate("gradient", seed=1))], "md")
        >>> text.splitlines()[0]
        '# Problem sheet'
    """
    figures = figures or {}
    if fmt in ("md", "markdown"):
        return _markdown(items, title, answers, student, figures)
    if fmt == "latex":
        return _latex(items, title, answers, student, figures)
    if fmt == "json":
        return json.dumps(sheet_json(items, title=title, answers=answers, student=student), indent=2,
                          ensure_ascii=False) + "\n"
    from ..errors import InputError

    raise InputError(f"unknown sheet format {fmt!r}; use one of {', '.join(FORMATS)}")


def sheet_json(items: Sequence[tuple[str, Exercise]], *, title: str = "Problem sheet", answers: bool = False,
               student: str | None = None) -> dict[str, Any]:
    """The sheet as data for a learning management system: one entry per question."""
    return {"schema": JSON_SCHEMA, "title": title, "student": student,
            "questions": [{"question": q, **ex.to_dict(solution=answers)} for q, ex in items]}


def grading_key(items: Sequence[tuple[str, Exercise]]) -> dict[str, dict[str, Any]]:
    """The key ``symgrad grade --key`` reads: ``{question: {expected, kind, variables, context}}`` (JSON-ready)."""
    return {q: {"expected": _plain(ex.answer), "kind": ex.kind, "variables": [v.name for v in ex.variables],
                "context": _json_context(ex.context)} for q, ex in items}


def _json_context(context: Any) -> dict[str, Any]:
    return {k: (_plain(v) if k == "function" else [str(c) for c in v] if isinstance(v, (list, tuple)) else str(v))
            for k, v in dict(context).items() if k != "variables"} | (
        {"variables": list(context["variables"])} if "variables" in context else {})


# -- Markdown ------------------------------------------------------------------------------
def _markdown(items, title: str, answers: bool, student: str | None, figures: dict[str, str]) -> str:
    lines = [f"# {title}" + (" — answer key" if answers else ""), ""]
    if student:
        lines += [f"Student: **{student}**", ""]
    for number, (q, ex) in enumerate(items, 1):
        lines += [f"## {number}. {ex.prompt.title} ({q})", ""]
        for m in ex.prompt.given:
            lines += [(f"**{m.label}:** " if m.label else "") + f"${math_latex(m)}$", ""]
        lines += [ex.prompt.question, ""]
        if answers:
            lines += [f"**Answer:** ${_answer_latex(ex)}$", ""]
            if q in figures:
                lines += [f"![Level contours and gradient arrows]({figures[q]})", ""]
            lines += ["<details><summary>Worked solution</summary>", "",
                      render(ex.solution, "md").replace("\n### ", "\n#### ", 1), "</details>", ""]
        else:
            lines += ["*Answer:*", "", ""]
    return "\n".join(lines).rstrip() + "\n"


# -- LaTeX -------------------------------------------------------------------------------------
def _latex(items, title: str, answers: bool, student: str | None, figures: dict[str, str]) -> str:
    preamble = _PREAMBLE.replace(r"\usepackage{amsmath,amssymb}", r"\usepackage{amsmath,amssymb,graphicx}") if (
        answers and figures) else _PREAMBLE
    out = [preamble, rf"\section*{{{latex_text(title)}{' --- answer key' if answers else ''}}}"]
    if student:
        out.append(rf"\noindent Student: \textbf{{{latex_text(student)}}}\par\medskip")
    for number, (q, ex) in enumerate(items, 1):
        out.append(rf"\subsection*{{{number}. {latex_text(ex.prompt.title)} ({latex_text(q)})}}")
        for m in ex.prompt.given:
            label = rf"\textbf{{{latex_text(m.label)}:}} " if m.label else ""
            out.append(rf"\noindent {label}${math_latex(m)}$\par")
        out.append(r"\smallskip\noindent " + latex_text(ex.prompt.question) + r"\par")
        if answers:
            out.append(r"\medskip\noindent\textbf{Answer:} $" + _answer_latex(ex) + r"$\par")
            if q in figures:
                out.append(r"\begin{center}\includegraphics[width=0.6\linewidth]{" + figures[q] + r"}\end{center}")
            out.append(render_latex_body(ex.solution).replace(r"\subsection*", r"\subsubsection*", 1))
        else:
            out.append(r"\vspace{4cm}")
    out.append(r"\end{document}")
    return "\n".join(out) + "\n"


def _answer_latex(ex: Exercise) -> str:
    answer = ex.answer
    if isinstance(answer, str):
        return rf"\text{{{answer}}}"
    if isinstance(answer, list):
        return r"\left\{" + ", ".join(latex_of(a) for a in answer) + r"\right\}"
    return latex_of(answer)


#: families whose answer key shows a picture, and how to draw it (two-variable functions only)
FIGURE_FAMILIES = {"level_set": "contours"}


def draw_figures(items: Sequence[tuple[str, Exercise]], folder: str, prefix: str = "") -> dict[str, str]:
    """Draw the key's figures into ``folder`` when matplotlib is installed; ``{question: file name}``.

    Only families in :data:`FIGURE_FAMILIES` with a two-variable function get one (the level contours with
    gradient arrows). Without the ``plot`` extra nothing is drawn and the key has no figures.
    """
    import importlib.util
    import os

    if importlib.util.find_spec("matplotlib") is None:
        return {}
    import symgrad.plot as plot

    made = {}
    for q, ex in items:
        function = ex.context.get("function") if isinstance(ex.context, dict) else None
        if ex.family not in FIGURE_FAMILIES or function is None or len(function.free_symbols) != 2:
            continue
        name = prefix + "".join(c if c.isalnum() else "-" for c in q) + "-contours.png"
        plot.contours(function, arrows=True, save=os.path.join(folder, name))
        made[q] = name
    return made
