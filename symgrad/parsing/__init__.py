"""Text → SymPy: the only place in symgrad where untrusted text is read.

The pipeline is three small stages, each its own module, and nothing else::

    text --tokens.py--> tokens --grammar.py--> parse tree --build.py--> SymPy object

* :mod:`~symgrad.parsing.tokens` classifies every character through tables
  (operators, Unicode look-alikes, superscripts, Greek letters, LaTeX commands)
  and refuses anything else;
* :mod:`~symgrad.parsing.grammar` is a hand-written recursive-descent parser over
  a fixed set of node types (numbers, names, + - * / ^, calls of whitelisted
  functions, brackets, matrices);
* :mod:`~symgrad.parsing.build` turns those nodes into SymPy objects, checking
  number sizes before SymPy computes anything.

Notation that is easy to misread (``d/dx``, ``σ(...)``, ``x^T``, ``‖v‖``, ``⊙``)
is recognised first by :mod:`~symgrad.parsing.notation`; with ``shapes=``,
:mod:`~symgrad.parsing.matrix` builds vectors and matrices (the representation of
:mod:`symgrad.matexpr`) and :mod:`~symgrad.parsing.rows` rewrites ``Σ_i`` over
data rows in matrix form.

No stage calls ``eval``, ``exec``, ``sympify`` or ``parse_expr`` (a test scans
the source), so no text can run code. Every size is bounded by a
:class:`~symgrad.limits.Limits`, and :func:`parse` converts *any* failure,
including ``RecursionError`` and ``MemoryError``, into an
:class:`~symgrad.errors.InputError`. The accepted notation is documented in
``docs/notation.md``.
"""

from __future__ import annotations

import re
from enum import Enum
from typing import Any, Iterable, Mapping

import sympy

from symgrad.errors import InputError, InputTooLarge, ParseError
from symgrad.limits import DEFAULT_LIMITS, Limits
from symgrad.parsing.build import build
from symgrad.parsing.grammar import Parser
from symgrad.parsing.matrix import declare_shapes
from symgrad.parsing.tokens import EXAMPLE, tokenize

__all__ = ["parse", "parse_answer", "Verdict"]

SYNTAXES = ("auto", "text", "latex")
_SYMBOL_NAME = re.compile(r"[A-Za-z][A-Za-z0-9]*\Z")


class Verdict(str, Enum):
    """A worded answer: a convexity verdict, the kind of a critical point, or yes/no.

    :func:`parse_answer` recognises these case-insensitively, with or without a
    final period and with lead-ins such as "it is", "f is", "a", "the":

    ============================  =========================================================
    member (value)                phrasings
    ============================  =========================================================
    ``CONVEX`` "convex"           convex, it is convex
    ``STRICTLY_CONVEX``           strictly convex
    ``CONCAVE`` "concave"         concave
    ``STRICTLY_CONCAVE``          strictly concave
    ``NOT_CONVEX`` "not convex"   not convex, non-convex, nonconvex, isn't convex
    ``NOT_CONCAVE``               not concave, non-concave
    ``NEITHER`` "neither"         neither, neither convex nor concave, none
    ``MINIMUM`` "minimum"         minimum, min, local/global minimum, minimizer
    ``MAXIMUM`` "maximum"         maximum, max, local/global maximum, maximizer
    ``SADDLE`` "saddle point"     saddle, saddle point
    ``YES``/``NO``                yes, no
    ``TRUE``/``FALSE``            true, false
    ============================  =========================================================

    A ``Verdict`` is a ``str``: ``Verdict.CONVEX == "convex"``.
    """

    CONVEX = "convex"
    STRICTLY_CONVEX = "strictly convex"
    CONCAVE = "concave"
    STRICTLY_CONCAVE = "strictly concave"
    NOT_CONVEX = "not convex"
    NOT_CONCAVE = "not concave"
    NEITHER = "neither"
    MINIMUM = "minimum"
    MAXIMUM = "maximum"
    SADDLE = "saddle point"
    YES = "yes"
    NO = "no"
    TRUE = "true"
    FALSE = "false"

    def __str__(self) -> str:
        return self.value


#: normalised phrase → Verdict (after lower-casing, trimming punctuation and lead-ins)
VERDICT_PHRASES: dict[str, Verdict] = {
    "convex": Verdict.CONVEX, "strictly convex": Verdict.STRICTLY_CONVEX,
    "concave": Verdict.CONCAVE, "strictly concave": Verdict.STRICTLY_CONCAVE,
    "not convex": Verdict.NOT_CONVEX, "non-convex": Verdict.NOT_CONVEX, "nonconvex": Verdict.NOT_CONVEX,
    "non convex": Verdict.NOT_CONVEX,
    "not concave": Verdict.NOT_CONCAVE, "non-concave": Verdict.NOT_CONCAVE, "nonconcave": Verdict.NOT_CONCAVE,
    "non concave": Verdict.NOT_CONCAVE,
    "neither": Verdict.NEITHER, "neither convex nor concave": Verdict.NEITHER,
    "neither concave nor convex": Verdict.NEITHER, "none": Verdict.NEITHER,
    "minimum": Verdict.MINIMUM, "min": Verdict.MINIMUM, "local minimum": Verdict.MINIMUM,
    "local min": Verdict.MINIMUM, "global minimum": Verdict.MINIMUM, "minimizer": Verdict.MINIMUM,
    "local minimizer": Verdict.MINIMUM, "minimum point": Verdict.MINIMUM, "minimiser": Verdict.MINIMUM,
    "maximum": Verdict.MAXIMUM, "max": Verdict.MAXIMUM, "local maximum": Verdict.MAXIMUM,
    "local max": Verdict.MAXIMUM, "global maximum": Verdict.MAXIMUM, "maximizer": Verdict.MAXIMUM,
    "local maximizer": Verdict.MAXIMUM, "maximum point": Verdict.MAXIMUM, "maximiser": Verdict.MAXIMUM,
    "saddle": Verdict.SADDLE, "saddle point": Verdict.SADDLE, "saddlepoint": Verdict.SADDLE,
    "yes": Verdict.YES, "no": Verdict.NO, "true": Verdict.TRUE, "false": Verdict.FALSE,
}
_LEAD_IN = re.compile(
    r"^(?:(?:it|this|that|f|f\(x\)|the function|the point|the critical point|this point|answer)\s*"
    r"(?:is|'s|’s|:)\s+)?(?:(?:a|an|the)\s+)?")


def parse(text: str, *, syntax: str = "auto", limits: Limits | None = None,
          symbols: Iterable[str] | None = None,
          shapes: Mapping[str, Any] | None = None) -> sympy.Expr | sympy.ImmutableMatrix | sympy.MatrixExpr:
    """Read a mathematical expression, vector or matrix from text.

    Arguments:
        text: what the user typed: calculator/Python text, Unicode, or LaTeX.
        syntax: ``"auto"`` (default) and ``"latex"`` accept plain text and LaTeX
            alike; ``"text"`` refuses LaTeX commands (backslashes).
        limits: size limits; ``None`` means :data:`~symgrad.limits.DEFAULT_LIMITS`.
        symbols: multi-letter names to read as one symbol (``symbols=["loss"]``);
            other multi-letter words are products of letters (``xy`` = x*y).
        shapes: vectors and matrices, ``{name: shape}``: a shape is a dimension
            (an int or a name such as ``"d"``: a column vector) or a 2-tuple
            (``("N", "d")``). Declared names are ``sympy.MatrixSymbol`` and may be
            multi-letter; see docs/notation.md for the vector and matrix notation.

    Returns:
        A ``sympy.Expr`` whose symbols are all ``Symbol(name, real=True)``, or a
        ``sympy.ImmutableMatrix`` (vectors are ``(n, 1)`` columns), or with
        ``shapes`` a ``sympy.MatrixExpr`` (scalars such as ``w^T x`` are wrapped in
        :class:`symgrad.matexpr.ScalarOf`).

    Raises:
        ParseError: the text is not a valid expression (the message quotes the
            input, points at the column and shows an example that works).
        InputTooLarge: the text exceeds a limit; the message names it.

    Example:
        >>> from symgrad.parsing import parse
        >>> parse("2w0^2 + 3w1^2")
        2*w0**2 + 3*w1**2
        >>> parse(r"\\begin{bmatrix} 4w_0 \\\\ 6w_1 \\end{bmatrix}").shape
        (2, 1)
        >>> parse("||X w - y||^2", shapes={"X": ("N", "d"), "w": "d", "y": "N"})
        (w.T*X.T - y.T)*(X*w - y)
    """
    return _run(text, syntax, limits, symbols, answer=False, shapes=shapes)


def parse_answer(text: str, *, syntax: str = "auto", limits: Limits | None = None,
                 symbols: Iterable[str] | None = None, shapes: Mapping[str, Any] | None = None) -> Any:
    """Read a homework answer: everything :func:`parse` reads, plus equations, sets and verdicts.

    Returns one of: ``sympy.Expr``; ``sympy.ImmutableMatrix``; ``sympy.Eq`` for
    ``w0 = 1.8``; a tuple of ``sympy.Eq`` for ``w0 = 1.3, w1 = 1.6``; a Python
    ``list`` of values for a bare list such as ``1, 3`` (the checker reads it as
    a vector or a set, by the key); a ``sympy.FiniteSet`` for ``{1, 2}``; or a
    :class:`Verdict` for worded answers such as ``"Convex."``,
    ``"it is not convex"``, ``"saddle"``.

    Example:
        >>> from symgrad.parsing import parse_answer
        >>> parse_answer("w0 = 1.3, w1 = 1.6")
        (Eq(w0, 13/10), Eq(w1, 8/5))
        >>> parse_answer("1, 3")
        [1, 3]
        >>> parse_answer("Strictly convex.")
        <Verdict.STRICTLY_CONVEX: 'strictly convex'>
    """
    return _run(text, syntax, limits, symbols, answer=True, shapes=shapes)


def verdict(text: str) -> Verdict | None:
    """The :class:`Verdict` a short worded answer names, or ``None``."""
    phrase = " ".join(text.lower().replace("’", "'").replace("isn't", "is not").split()).strip(" .!")
    phrase = _LEAD_IN.sub("", phrase, count=1).strip(" .!")
    phrase = re.sub(r"^(?:is not|isn't|is)\s+", lambda m: "not " if "n" in m.group() else "", phrase)
    return VERDICT_PHRASES.get(phrase)


def _run(text: Any, syntax: str, limits: Limits | None, symbols: Iterable[str] | None, answer: bool,
         shapes: Mapping[str, Any] | None = None) -> Any:
    limits = DEFAULT_LIMITS if limits is None else limits
    if not isinstance(limits, Limits):
        raise TypeError(f"limits must be a symgrad.limits.Limits, got {type(limits).__name__}")
    if syntax not in SYNTAXES:
        raise ValueError(f"syntax must be one of {SYNTAXES}, got {syntax!r}")
    matrices = declare_shapes(shapes)
    declared = frozenset(_check_symbols(symbols)) | frozenset(_check_symbols(matrices))
    if not isinstance(text, str):
        raise ParseError(f"expected text (a str), got {type(text).__name__}", hint=EXAMPLE)
    limits.check("max_length", len(text), f"the input has {len(text)} characters")
    try:
        if answer and len(text) <= 100:
            found = verdict(text)
            if found is not None:
                return found
        tokens = tokenize(text, limits, declared, latex=syntax != "text")
        tree = Parser(tokens, text, limits, answer=answer, declared=frozenset(matrices)).parse()
        result = build(tree, text, limits, matrices)
        return result
    except InputError:
        raise
    except RecursionError:
        raise InputTooLarge(
            f"the input is nested too deeply to read; the limit is max_depth={limits.max_depth}") from None
    except MemoryError:
        raise InputTooLarge("the input needs too much memory to read") from None
    except Exception as exc:  # any SymPy failure on a well-formed tree
        raise ParseError(f"could not build the expression: {type(exc).__name__}: {_first_line(exc)}",
                         text=text, hint=EXAMPLE) from None


def _check_symbols(symbols: Iterable[str] | None) -> list[str]:
    if symbols is None:
        return []
    if isinstance(symbols, str):
        raise TypeError("symbols must be a list of names, e.g. symbols=['loss'], not a single string")
    names = list(symbols)
    for name in names:
        if not isinstance(name, str) or not _SYMBOL_NAME.match(name):
            raise ValueError(f"symbol names must be letters followed by letters or digits, got {name!r}")
    return names


def _first_line(exc: BaseException) -> str:
    return (str(exc).splitlines() or [""])[0][:200]
