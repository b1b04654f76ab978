"""Printing the parts of a derivation: SymPy objects and display atoms → one-line Unicode text or LaTeX.

How it works, once. Each format has

* a **printer** for SymPy objects -- :class:`~symgrad.analysis._text.TextPrinter`
  (one-line Unicode: ``w₀``, ``η``, ``x²``, ``√(…)``, implicit products ``4w₀``
  and ``4(3)``) or :class:`ChapterLatexPrinter`. Both print terminating
  fractions the way the chapter does (``9/5`` → ``1.8``) while the data stays
  exact, and show numbers substituted into an expression (``UnevaluatedExpr``)
  in parentheses;
* a **table of atom printers** (``_TEXT_ATOMS``, ``_LATEX_ATOMS``: atom type →
  function) for the atoms of :mod:`symgrad.steps.atoms`;
* text **blocks**: parts laid out as lists of lines, so column vectors print as
  columns (:func:`math_block`); LaTeX is one string (:func:`math_latex`).

Sentences in Unicode become ASCII LaTeX through :func:`latex_text` (prose) and
:func:`math_text` (words inside a formula). This module belongs to the
derivation stage, so derivations print themselves without importing
:mod:`symgrad.rendering`; rendering re-exports these names.

Example:
    >>> import sympy
    >>> w0 = sympy.Symbol("w0")
    >>> text_of(Deriv("L", (w0,))), latex_of(4 * w0**2)
    ('∂L/∂w₀', '4 w_{0}^{2}')
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import sympy
from sympy.printing.latex import LatexPrinter

from ..analysis._matrix_text import MatrixLatexRules
from ..analysis._text import SUPERSCRIPTS as _SUP
from ..analysis._text import NumberRules, TextPrinter, approx_text, ascending_text, float_text, text
from .atoms import Apply, Ascending, Deriv, Grad, Math, Name, Row

__all__ = ["text_of", "latex_of", "math_text", "latex_text", "math_block", "math_latex", "TextPrinter",
           "ChapterLatexPrinter"]

UE = sympy.UnevaluatedExpr


class ChapterLatexPrinter(MatrixLatexRules, NumberRules, LatexPrinter):
    """LaTeX as the chapter writes it: ``1.8`` for 9/5, ``4(3)`` for a substituted 3;
    ``ascending=True`` prints polynomials in ascending powers (``1 + x + \\frac{x^{2}}{2}``)."""

    _default_settings = {**LatexPrinter._default_settings, "ascending": False}

    def __init__(self, settings: dict[str, Any] | None = None):
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


def math_block(m: Math) -> Block:
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


def math_latex(m: Math) -> str:
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
