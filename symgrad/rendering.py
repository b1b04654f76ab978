"""Derivations → terminal text, Markdown, LaTeX and JSON.

How it works, once. A :class:`~symgrad.steps.Derivation` holds lines of
mathematics whose parts are SymPy objects or small display atoms
(``Deriv``, ``Grad``, ``Apply``, ``Name``, ``Row``). Each output format has

* a **printer** for SymPy objects -- :class:`TextPrinter` (one-line Unicode:
  ``w₀``, ``η``, ``x²``, ``√(…)``, implicit products ``4w₀`` and ``4(3)``) or
  :class:`ChapterLatexPrinter`. Both print terminating fractions the way the
  chapter does (``9/5`` → ``1.8``) while the data stays exact, and show
  numbers substituted into an expression (``UnevaluatedExpr``) in parentheses;
* a **table of atom printers** (``_TEXT_ATOMS``, ``_LATEX_ATOMS``: type → function);
* a **layout**: text lays parts out as blocks of lines so column vectors print
  as columns; Markdown wraps LaTeX in ``$…$``/``$$…$$``; the LaTeX document is
  standalone (``amsmath``, ``amssymb``) and ASCII-only so pdflatex compiles it.

:func:`render` dispatches on the format name (:data:`FORMATS`).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from typing import Any

import sympy
from sympy.printing.latex import LatexPrinter

from .analysis._matrix_text import MatrixLatexRules
from .analysis._text import SUPERSCRIPTS as _SUP
from .analysis._text import (NumberRules, TextPrinter, approx_text, ascending_text, decimal_text, float_text,
                             symbol_text, text, tidy_text)
from .schema import JSON_SCHEMA
from .steps import Apply, Ascending, Deriv, Derivation, Grad, Math, Name, Row, Step

__all__ = ["render", "FORMATS", "text_of", "latex_of", "math_text", "render_latex_body", "derivation_to_dict", "step_to_dict",
           "render_report", "TextPrinter", "ChapterLatexPrinter"]

UE = sympy.UnevaluatedExpr
class ChapterLatexPrinter(MatrixLatexRules, NumberRules, LatexPrinter):
    """LaTeX as the chapter writes it: ``1.8`` for 9/5, ``4(3)`` for a substituted 3;
    ``ascending=True`` prints polynomials in ascending powers (``1 + x + \\frac{x^{2}}{2}``)."""

    _default_settings = {**LatexPrinter._default_settings, "ascending": False}

    def __init__(self, settings: dict | None = None):
        super().__init__({"mul_symbol": None, "order": "grlex", **(settings or {})})

    def _paren(self, s: str) -> str:
        return f"({s})"

    def _join(self, parts: list[str]) -> str:
        return " ".join(parts) if not (parts and re.match(r"^-?[\d.]+$", parts[-1])) else r" \cdot ".join(parts)

    def _factor(self, f: sympy.Basic) -> str:
        return self.parenthesize(f, sympy.printing.precedence.PRECEDENCE["Mul"])

    def _power(self, base: str, exp: sympy.Expr) -> str:
        return f"{base}^{{{self._print(exp)}}}"

    def _print_Float(self, expr: sympy.Float) -> str:
        return float_text(expr, latex=True)

    def _print_Symbol(self, expr: sympy.Symbol, style: str = "plain") -> str:
        if expr.name.startswith("Delta_"):
            return r"\Delta " + self._print(sympy.Symbol(expr.name[6:]))
        return super()._print_Symbol(expr, style)

    def _print_ImmutableDenseMatrix(self, m: sympy.MatrixBase) -> str:
        rows = r" \\ ".join(" & ".join(self._print(e) for e in row) for row in m.tolist())
        return r"\begin{bmatrix} " + rows + r" \end{bmatrix}"

    _print_MutableDenseMatrix = _print_ImmutableDenseMatrix

    def _print_Tuple(self, t: sympy.Tuple) -> str:
        return "(" + ", ".join(self._print(e) for e in t) + ")"

    def _print_ComplexRootOf(self, expr: sympy.CRootOf) -> str:
        r"""A root with no closed form, by its value: ``\approx -1.7523`` alone, ``(-1.7523\ldots)`` inside."""
        shown = approx_text(expr)
        if expr is self._outermost:
            return r"\approx " + shown
        return rf"({shown}\ldots)" if shown.startswith("-") else rf"{shown}\ldots"

    def _print_Relational(self, expr: sympy.core.relational.Relational) -> str:
        if expr.rel_op == "==" and isinstance(expr.rhs, sympy.CRootOf):
            return rf"{self._print(expr.lhs)} \approx {approx_text(expr.rhs)}"
        return super()._print_Relational(expr)


_LATEX_PRINTER = ChapterLatexPrinter()
_ASCENDING_LATEX_PRINTER = ChapterLatexPrinter({"ascending": True})


# -- atoms ------------------------------------------------------------------------------
def _args_text(args: tuple, keywords: tuple) -> str:
    items = [text_of(a) for a in args] + [f"{text_of(k)} = {text_of(v)}" for k, v in keywords]
    return "(" + ", ".join(items) + ")"


def _args_latex(args: tuple, keywords: tuple) -> str:
    items = [latex_of(a) for a in args] + [f"{latex_of(k)} = {latex_of(v)}" for k, v in keywords]
    return r"(" + ", ".join(items) + ")"


def _deriv_parts(d: Deriv, symbol: str, sup: Callable[[int], str], var: Callable[[Any], str]) -> tuple[str, str]:
    order = len(d.wrt)
    counts: list[tuple[Any, int]] = []
    for v in d.wrt:
        if counts and counts[-1][0] == v:
            counts[-1] = (v, counts[-1][1] + 1)
        else:
            counts.append((v, 1))
    top = symbol + (sup(order) if order > 1 else "")
    bottom = "".join(symbol + var(v) + (sup(k) if k > 1 else "") for v, k in counts)
    return top, bottom


def _deriv_text(d: Deriv) -> str:
    symbol = "d" if d.total else "∂"
    top, bottom = _deriv_parts(d, symbol, lambda k: str(k).translate(_SUP), text_of)
    text = f"{top}{d.of}/{bottom}"
    if d.at:
        text += "|" + ",".join(f"{text_of(v)}={text_of(a)}" for v, a in d.at)
    return text


def _deriv_latex(d: Deriv) -> str:
    symbol = "d" if d.total else r"\partial"
    top, bottom = _deriv_parts(d, symbol, lambda k: f"^{{{k}}}", lambda v: " " + latex_of(v))
    bottom = bottom.replace(r"\partial", r" \partial").strip()
    frac = rf"\frac{{{top} {d.of}}}{{{bottom}}}" if not d.total else rf"\frac{{{top}{d.of}}}{{{bottom}}}"
    if d.at:
        at = ", ".join(f"{latex_of(v)}={latex_of(a)}" for v, a in d.at)
        return rf"\left. {frac} \right|_{{{at}}}"
    return frac


_TEXT_ATOMS: dict[type, Callable[[Any], str]] = {
    Name: lambda n: n.text,
    Apply: lambda a: a.name + _args_text(a.args, a.keywords),
    Grad: lambda g: "∇" + g.of + (_args_text(g.args, ()) if g.args else ""),
    Deriv: _deriv_text,
    Ascending: lambda a: ascending_text(a.expr),
}
_LATEX_ATOMS: dict[type, Callable[[Any], str]] = {
    Name: lambda n: n.latex,
    Apply: lambda a: a.name + _args_latex(a.args, a.keywords),
    Grad: lambda g: r"\nabla " + g.of + (_args_latex(g.args, ()) if g.args else ""),
    Deriv: _deriv_latex,
    Ascending: lambda a: _ASCENDING_LATEX_PRINTER.doprint(a.expr),
}


def text_of(obj: Any) -> str:
    """One-line Unicode text of a SymPy object, display atom, or plain value."""
    if type(obj) in _TEXT_ATOMS:
        return _TEXT_ATOMS[type(obj)](obj)
    if isinstance(obj, Row):
        return "\n".join(_row_block(obj))
    if isinstance(obj, str):
        return obj
    if isinstance(obj, dict):
        return "{" + ", ".join(f"{text_of(k)}: {text_of(v)}" for k, v in obj.items()) + "}"
    if isinstance(obj, (list, tuple)):
        return "[" + ", ".join(text_of(v) for v in obj) + "]"
    return text(obj)


def latex_of(obj: Any) -> str:
    """LaTeX of a SymPy object, display atom, or plain value (no ``$``)."""
    if type(obj) in _LATEX_ATOMS:
        return _LATEX_ATOMS[type(obj)](obj)
    if isinstance(obj, Row):
        return _row_latex(obj)
    if isinstance(obj, str):
        return math_text(obj)
    if isinstance(obj, dict):
        return r"\{" + ", ".join(f"{latex_of(k)} = {latex_of(v)}" for k, v in obj.items()) + r"\}"
    if isinstance(obj, (list, tuple)):
        return ", ".join(latex_of(v) for v in obj)
    if isinstance(obj, int):
        obj = sympy.Integer(obj)
    return _LATEX_PRINTER.doprint(obj)


def _row_latex(row: Row) -> str:
    out = latex_of(row.items[0])
    for op, item in zip(row.ops, row.items[1:]):
        piece = latex_of(item)
        if op == "/":
            out = rf"\frac{{{out}}}{{{piece}}}"
        elif op == "_":
            out = rf"{{{out}}}_{{{piece}}}"
        elif op in ("", " "):
            out = f"{out} {piece}"
        else:
            out = f"{out} {_LATEX_OPS.get(op, op)} {piece}"
    return out


_LATEX_OPS = {"⇒": r"\Rightarrow", "−": "-", "·": r"\cdot", "≈": r"\approx", "±": r"\pm", "≥": r"\geq", "≤": r"\leq", ",": ","}


# -- text blocks (columns print as columns) ------------------------------------------------
Block = list[str]


def _block(obj: Any) -> Block:
    if isinstance(obj, sympy.MatrixBase) and obj.rows > 1:
        return _matrix_block(obj)
    if isinstance(obj, Row):
        return _row_block(obj)
    return [text_of(obj)]


def _matrix_block(m: sympy.MatrixBase) -> Block:
    cells = [[text_of(e) for e in row] for row in m.tolist()]
    widths = [max(len(cells[i][j]) for i in range(m.rows)) for j in range(m.cols)]
    lines = ["  ".join(c.rjust(w) for c, w in zip(row, widths)) for row in cells]
    left = ["⎡"] + ["⎢"] * (m.rows - 2) + ["⎣"]
    right = ["⎤"] + ["⎥"] * (m.rows - 2) + ["⎦"]
    return [f"{a}{line}{b}" for a, line, b in zip(left, lines, right)]


def _hjoin(blocks: list[Block], seps: list[str]) -> Block:
    height = max(len(b) for b in blocks)
    middle = (height - 1) // 2
    out = [""] * height
    for k, block in enumerate(blocks):
        top = middle - (len(block) - 1) // 2
        width = max(len(s) for s in block)
        for i in range(height):
            j = i - top
            out[i] += block[j].ljust(width) if 0 <= j < len(block) else " " * width
        if k < len(seps):
            sep = seps[k]
            for i in range(height):
                out[i] += sep if i == middle else " " * len(sep)
    return [line.rstrip() for line in out]


def _row_block(row: Row) -> Block:
    blocks, seps = [], []
    for k, item in enumerate(row.items):
        block = _block(item)
        if isinstance(item, Row) and k + 1 < len(row.items) and row.ops[k] == "/":
            block = _hjoin([["("], block, [")"]], ["", ""])
        blocks.append(block)
    for op in row.ops:
        seps.append({"": "", " ": " ", "/": "/", "_": "_", ",": ", "}.get(op, f" {op} "))
    return _hjoin(blocks, seps)


def _approximate_part(relation: str, shown: str, mark: str) -> tuple[str, str]:
    """``= ≈ −1.75`` (a part that prints as an approximation after ``=``) → ``≈ −1.75``."""
    if relation == "=" and shown.startswith(mark):
        return "≈", shown[len(mark):].lstrip()
    return relation, shown


def _math_block(m: Math) -> Block:
    blocks = [_block(p) for p in m.parts]
    relations = list(m.relations)
    for k, r in enumerate(relations):
        if len(blocks[k + 1]) == 1:
            relations[k], blocks[k + 1][0] = _approximate_part(r, blocks[k + 1][0], "≈")
    seps = [{",": ", ", ":": ": "}.get(r, f" {r} ") for r in relations]
    if m.suffix:
        blocks.append([m.suffix])
        seps.append(" ")
    return _hjoin(blocks, seps)


def _math_latex(m: Math) -> str:
    out = latex_of(m.parts[0])
    for r, part in zip(m.relations, m.parts[1:]):
        r, shown = _approximate_part(r, latex_of(part), r"\approx")
        out += {",": r",\quad ", ":": r"\colon\ "}.get(r, f" {_LATEX_OPS.get(r, r)} ") + shown
    if m.suffix:
        out += r" \quad " + _suffix_latex(m.suffix)
    return out


_SUFFIX_MARKS = {"✓": r"\checkmark", "✗": r"\times"}


def _suffix_latex(s: str) -> str:
    """A short remark after a formula: marks in math mode, words in ``\\text{}``."""
    pieces = re.split("([✓✗])", s)
    return " ".join(_SUFFIX_MARKS[p] if p in _SUFFIX_MARKS else math_text(p) for p in pieces if p.strip())


# -- formats ---------------------------------------------------------------------------------
def _render_text(d: Derivation) -> str:
    lines = [d.title, "=" * len(d.title)]
    for m in d.given:
        lines += _labelled_block(m, "")
    for i, step in enumerate(d.steps, 1):
        lines += ["", f"Step {i}: {step.text}"]
        for m in step.math:
            lines += _labelled_block(m, "    ")
        if step.remark:
            lines.append("    " + step.remark)
    if d.conclusion:
        lines += ["", d.conclusion]
    for note in d.notes:
        lines += ["", "Note: " + note]
    return "\n".join(lines) + "\n"


def _labelled_block(m: Math, indent: str) -> list[str]:
    block = _math_block(m)
    if not m.label:
        return [indent + line for line in block]
    prefix = f"{m.label}: "
    if len(block) == 1:
        return [indent + prefix + block[0]]
    middle = (len(block) - 1) // 2
    return [indent + (prefix if i == middle else " " * len(prefix)) + line for i, line in enumerate(block)]


def _render_markdown(d: Derivation, heading: str = "###") -> str:
    lines = [f"{heading} {d.title}", ""]
    for m in d.given:
        lines += [f"**{m.label}:** ${_math_latex(m)}$" if m.label else f"${_math_latex(m)}$", ""]
    for i, step in enumerate(d.steps, 1):
        lines += [f"**Step {i}:** {step.text}", ""]
        for m in step.math:
            if m.label:
                lines.append(f"- {m.label}: ${_math_latex(m)}$")
            else:
                lines += [f"$${_math_latex(m)}$$"]
            lines.append("")
        if step.remark:
            lines += [step.remark, ""]
    if d.conclusion:
        lines += [f"**Conclusion:** {d.conclusion}", ""]
    for note in d.notes:
        lines += [f"> **Note.** {note}", ""]
    return "\n".join(lines).rstrip() + "\n"


def render_latex_body(d: Derivation) -> str:
    """The derivation as LaTeX text (no preamble), for ``_repr_latex_`` and documents."""
    out = [rf"\subsection*{{{latex_text(d.title)}}}"]
    for m in d.given:
        out.append(rf"\noindent\textbf{{{latex_text(m.label)}:}} ${_math_latex(m)}$\par" if m.label
                   else rf"\noindent ${_math_latex(m)}$\par")
    for i, step in enumerate(d.steps, 1):
        # a display heading of its own (a run-in \paragraph ran into the first line of the step's math)
        out.append(rf"\subsubsection*{{Step {i}: {latex_text(step.text)}}}")
        for m in step.math:
            if m.label:
                out.append(rf"\noindent {latex_text(m.label)}: ${_math_latex(m)}$\par")
            else:
                out.append(r"\[ " + _math_latex(m) + r" \]")
        if step.remark:
            out.append(latex_text(step.remark) + r"\par")
    if d.conclusion:
        out.append(r"\medskip\noindent\textbf{Conclusion:} " + latex_text(d.conclusion) + r"\par")
    for note in d.notes:
        out.append(r"\medskip\noindent\textbf{Note.} " + latex_text(note) + r"\par")
    return "\n".join(out) + "\n"


_PREAMBLE = r"""\documentclass[11pt]{article}
\usepackage{amsmath,amssymb}
\usepackage[margin=2.5cm]{geometry}
\providecommand{\checkmark}{\ensuremath{\surd}}
\begin{document}
"""


def _render_latex(d: Derivation) -> str:
    return _PREAMBLE + render_latex_body(d) + "\\end{document}\n"


def _render_json(d: Derivation) -> str:
    return json.dumps({"schema": JSON_SCHEMA, **derivation_to_dict(d)}, indent=2, ensure_ascii=False) + "\n"


FORMATS: dict[str, Callable[[Derivation], str]] = {
    "text": _render_text,
    "md": _render_markdown,
    "markdown": _render_markdown,
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
            parts += [f"## {heading}", "", _render_markdown(d, "###")]
        return "\n".join(parts)
    parts = [title, "#" * len(title), ""]
    for heading, d in sections:
        parts += [heading, "-" * len(heading), "", _render_text(d)]
    return "\n".join(parts)


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
    return {"label": m.label, "text": "\n".join(_math_block(m)), "latex": _math_latex(m),
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


# -- Unicode sentences → LaTeX ----------------------------------------------------------------
_LATEX_CHARS = {
    "✓": r"$\checkmark$", "✗": r"$\times$", "≥": r"$\geq$", "≤": r"$\leq$", "≈": r"$\approx$", "→": r"$\rightarrow$",
    "‖": r"$\|$", "Δ": r"$\Delta$", "∇": r"$\nabla$", "η": r"$\eta$", "λ": r"$\lambda$", "θ": r"$\theta$",
    "√": r"$\surd$", "−": "-", "±": r"$\pm$", "·": r"$\cdot$", "∞": r"$\infty$", "∪": r"$\cup$", "∅": r"$\emptyset$",
    "Σ": r"$\Sigma$", "ŷ": r"$\hat{y}$", "ȳ": r"$\bar{y}$", "′": "'", "–": "--", "—": "---", "ᵀ": r"$^T$",
    "ℝ": r"$\mathbb{R}$", "ˣ": r"$^x$", "∂": r"$\partial$", "α": r"$\alpha$", "β": r"$\beta$", "μ": r"$\mu$",
    "σ": r"$\sigma$", "§": r"\S{}", "∈": r"$\in$", "×": r"$\times$", "π": r"$\pi$", "≠": r"$\neq$",
}
"""Single characters of prose; runs of superscripts (``⁽ⁱ⁾``, ``²``) and subscripts (``₀``) are handled as runs
by :func:`latex_text`, so ``e⁽ⁱ⁾`` becomes one superscript ``e$^{(i)}$``."""

_LATEX_SPECIAL = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "#": r"\#", "_": r"\_", "{": r"\{", "}": r"\}",
                  "$": r"\$", "^": r"\^{}", "~": r"\~{}"}


_SUP_CHARS, _SUB_CHARS = "⁰¹²³⁴⁵⁶⁷⁸⁹⁽⁾ⁱ⁻", "₀₁₂₃₄₅₆₇₈₉ᵢ"
_SUP_RUN = re.compile(f"[{_SUP_CHARS}]+")
_SUB_RUN = re.compile(f"[{_SUB_CHARS}]+")
_FROM_SUP = str.maketrans(_SUP_CHARS, "0123456789()i-")
_FROM_SUB = str.maketrans(_SUB_CHARS, "0123456789i")


def latex_text(s: str, in_text: bool = False) -> str:
    """Unicode prose → ASCII LaTeX text (``✓`` → ``$\\checkmark$``, ``w₀`` → ``w$_{0}$``)."""
    out = []
    for match in _TOKEN.finditer(s):
        token = match.group(0)
        if token[0] in _SUP_CHARS:
            out.append("$^{" + token.translate(_FROM_SUP) + "}$")
        elif token[0] in _SUB_CHARS:
            out.append("$_{" + token.translate(_FROM_SUB) + "}$")
        elif token in _LATEX_SPECIAL:
            out.append(_LATEX_SPECIAL[token])
        elif token in _LATEX_CHARS:
            out.append(_LATEX_CHARS[token])
        else:
            out.append(token if token.isascii() else "?")
    return "".join(out).replace("$$", "")


_MATH_PIECE = re.compile(r"\$([^$]*)\$")


def math_text(s: str) -> str:
    """Unicode words for use *inside* math mode: words in ``\\text{}``, symbols as math, and never a
    ``$`` (a ``$`` inside ``$…$`` ends the formula early in Markdown/MathJax).

    Example:
        >>> print(math_text("(equal to 0 only at w ∈ {0})"))
        \\text{(equal to 0 only at w } \\in \\text{ \\{0\\})}
    """
    out, position, ascii_text = [], 0, latex_text(s)
    for match in _MATH_PIECE.finditer(ascii_text):
        if match.start() > position:
            out.append(r"\text{" + ascii_text[position:match.start()] + "}")
        out.append(match.group(1))
        position = match.end()
    if position < len(ascii_text):
        out.append(r"\text{" + ascii_text[position:] + "}")
    return " ".join(out)


_TOKEN = re.compile(f"[{_SUP_CHARS}]+|[{_SUB_CHARS}]+|.", re.S)
