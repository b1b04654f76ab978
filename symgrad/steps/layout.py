"""The layout of a whole derivation: terminal text, Markdown, a LaTeX body, and a JSON-ready dictionary.

A :class:`~symgrad.steps.Derivation` is laid out as its title, the *given*
lines, the numbered steps (sentence, display lines, remark), the conclusion and
the notes. The parts of each line are printed by :mod:`symgrad.steps.printing`.
:class:`~symgrad.steps.Derivation` uses these for ``str(d)``, Jupyter's Markdown
and LaTeX, and ``to_dict()``; :mod:`symgrad.rendering` adds the format table,
the standalone LaTeX document, the versioned JSON and reports. The functions
read a derivation's fields only (``title``, ``given``, ``steps``, ...), so this
module does not import :mod:`symgrad.steps.core`, which imports it.

Example:
    >>> import sympy
    >>> from symgrad.steps.atoms import eq
    >>> x = sympy.Symbol("x")
    >>> labelled_block(eq(x**2, 9, label="Value"), "  ")
    ['  Value: x² = 9']
"""

from __future__ import annotations

import math
from typing import Any

import sympy

from .atoms import Ascending, Math
from .printing import latex_of, latex_text, math_block, math_latex, text_of

__all__ = ["text_layout", "markdown_layout", "latex_body", "derivation_to_dict", "step_to_dict", "json_number",
           "labelled_block"]

Derivation = Any
"""Any object with a derivation's fields (a :class:`symgrad.steps.Derivation`)."""

Step = Any
"""Any object with a step's fields (a :class:`symgrad.steps.Step`)."""


def text_layout(d: Derivation) -> str:
    """The derivation as terminal text: title underlined, ``Step k:`` headings, math indented below."""
    lines = [d.title, "=" * len(d.title)]
    for m in d.given:
        lines += labelled_block(m, "")
    for i, step in enumerate(d.steps, 1):
        lines += ["", f"Step {i}: {step.text}"]
        for m in step.math:
            lines += labelled_block(m, "    ")
        if step.remark:
            lines.append("    " + step.remark)
    if d.conclusion:
        lines += ["", d.conclusion]
    for note in d.notes:
        lines += ["", "Note: " + note]
    return "\n".join(lines) + "\n"


def labelled_block(m: Math, indent: str) -> list[str]:
    """The lines of one displayed formula, its label on the middle line of a tall block."""
    block = math_block(m)
    if not m.label:
        return [indent + line for line in block]
    prefix = f"{m.label}: "
    if len(block) == 1:
        return [indent + prefix + block[0]]
    middle = (len(block) - 1) // 2
    return [indent + (prefix if i == middle else " " * len(prefix)) + line for i, line in enumerate(block)]


def markdown_layout(d: Derivation, heading: str = "###") -> str:
    """The derivation as Markdown with ``$…$``/``$$…$$`` LaTeX (Jupyter, GitHub); ``heading`` marks the title."""
    lines = [f"{heading} {d.title}", ""]
    for m in d.given:
        lines += [f"**{m.label}:** ${math_latex(m)}$" if m.label else f"${math_latex(m)}$", ""]
    for i, step in enumerate(d.steps, 1):
        lines += [f"**Step {i}:** {step.text}", ""]
        for m in step.math:
            if m.label:
                lines.append(f"- {m.label}: ${math_latex(m)}$")
            else:
                lines += [f"$${math_latex(m)}$$"]
            lines.append("")
        if step.remark:
            lines += [step.remark, ""]
    if d.conclusion:
        lines += [f"**Conclusion:** {d.conclusion}", ""]
    for note in d.notes:
        lines += [f"> **Note.** {note}", ""]
    return "\n".join(lines).rstrip() + "\n"


def latex_body(d: Derivation) -> str:
    """The derivation as LaTeX text (no preamble), for ``_repr_latex_`` and documents."""
    out = [rf"\subsection*{{{latex_text(d.title)}}}"]
    for m in d.given:
        out.append(rf"\noindent\textbf{{{latex_text(m.label)}:}} ${math_latex(m)}$\par" if m.label
                   else rf"\noindent ${math_latex(m)}$\par")
    for i, step in enumerate(d.steps, 1):
        # a display heading of its own (a run-in \paragraph ran into the first line of the step's math)
        out.append(rf"\subsubsection*{{Step {i}: {latex_text(step.text)}}}")
        for m in step.math:
            if m.label:
                out.append(rf"\noindent {latex_text(m.label)}: ${math_latex(m)}$\par")
            else:
                out.append(r"\[ " + math_latex(m) + r" \]")
        if step.remark:
            out.append(latex_text(step.remark) + r"\par")
    if d.conclusion:
        out.append(r"\medskip\noindent\textbf{Conclusion:} " + latex_text(d.conclusion) + r"\par")
    for note in d.notes:
        out.append(r"\medskip\noindent\textbf{Note.} " + latex_text(note) + r"\par")
    return "\n".join(out) + "\n"


# -- JSON ------------------------------------------------------------------------------------
def _obj_dict(obj: Any) -> Any:
    if obj is None or isinstance(obj, (bool, str)):
        return obj
    if isinstance(obj, dict):
        return {"point": [{"variable": text_of(k), "value": _obj_dict(v)} for k, v in obj.items()],
                "text": text_of(obj), "latex": latex_of(obj)}
    if isinstance(obj, (list, tuple)) and not isinstance(obj, sympy.Basic):
        return [_obj_dict(v) for v in obj]
    entry = {"text": text_of(obj), "latex": latex_of(obj)}
    if isinstance(obj, Ascending):
        obj = obj.expr
    if isinstance(obj, (sympy.Basic, sympy.MatrixBase)):
        entry["sympy"] = str(obj)
        entry["srepr"] = sympy.srepr(obj)
        value = json_number(obj)
        if value is not None:
            entry["value"] = value
    return entry


def json_number(obj: Any) -> Any:
    """A real SymPy number as a JSON number (int when an integer), a matrix of them as nested lists, else None."""
    if isinstance(obj, sympy.MatrixBase):
        rows = [[json_number(obj[i, j]) for j in range(obj.cols)] for i in range(obj.rows)]
        return rows if all(v is not None for row in rows for v in row) else None
    if not isinstance(obj, sympy.Expr) or not obj.is_number or obj.is_real is not True:
        return None
    if obj.is_Integer:
        return int(obj)
    value = float(obj)
    return value if math.isfinite(value) else None


def _math_dict(m: Math) -> dict[str, Any]:
    return {"label": m.label, "text": "\n".join(math_block(m)), "latex": math_latex(m),
            "parts": [_obj_dict(p) for p in m.parts], "relations": list(m.relations), "suffix": m.suffix}


def step_to_dict(step: Step) -> dict[str, Any]:
    """A JSON-ready dictionary of one step."""
    return {"text": step.text, "math": [_math_dict(m) for m in step.math], "result": _obj_dict(step.result),
            "remark": step.remark}


def derivation_to_dict(d: Derivation) -> dict[str, Any]:
    """A JSON-ready dictionary of a derivation (``json.dumps`` works on it)."""
    return {"kind": d.kind, "title": d.title, "given": [_math_dict(m) for m in d.given],
            "steps": [step_to_dict(s) for s in d.steps], "result": _obj_dict(d.result),
            "conclusion": d.conclusion, "notes": list(d.notes),
            "checks": [{"what": c.what, "shown": c.shown, "independent": c.independent, "method": c.method}
                       for c in d.checks]}


