"""What every ``symgrad`` command shares: ``-`` for stdin/stdout, printable output, exit codes, JSON documents.

* :data:`EXIT_CODES` -- the documented exit statuses (``symgrad --help`` prints them).
* :func:`read_argument` -- an argument that is ``-`` is read from stdin (one text, stripped).
* :func:`write_output` -- write to ``--out FILE``, or to stdout when ``--out`` is absent or ``-``.
* :func:`printable_streams` -- output in the terminal's encoding: UTF-8 where it can,
  else the same text in ASCII spellings (``∂`` as ``d``, ``⎡`` as ``[``) so a
  ``cp1252`` console never raises ``UnicodeEncodeError``.
* :func:`json_document` -- every ``--format json`` output is one object whose first
  key is ``"schema": "symgrad/1"``; numbers in it are JSON numbers.
"""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import Iterator
from typing import Any, TextIO

from ..errors import InputError
from ..schema import JSON_SCHEMA

__all__ = ["EXIT_CODES", "OK", "FAILED", "USAGE", "BAD_INPUT", "JSON_SCHEMA", "read_argument", "write_output",
           "printable_streams", "json_document", "ascii_spelling"]

OK, FAILED, USAGE, BAD_INPUT = 0, 1, 2, 3
#: exit status -> meaning (shown by ``symgrad --help``)
EXIT_CODES: dict[int, str] = {
    OK: "success (check: the answer is correct; verify: symbolic and autograd agree)",
    FAILED: "a check or verification failed (the answer is not correct; the derivatives disagree)",
    USAGE: "bad usage: an unknown command or option, a missing or malformed argument",
    BAD_INPUT: "bad input: text symgrad cannot read, a file it cannot read or write, a missing extra",
    130: "interrupted (Ctrl-C); grade keeps the rows written so far",
    141: "the output pipe closed early (e.g. | head); nothing more is printed",
    143: "terminated (SIGTERM); grade keeps the rows written so far",
}


_STDIO = "-"


def read_argument(value: str, what: str = "input") -> str:
    """``value`` itself, or the text on stdin when it is ``-``."""
    if value != _STDIO:
        return value
    text = sys.stdin.read().strip()
    if not text:
        raise InputError(f"the {what} was '-' (read from stdin), but stdin is empty")
    return text


def write_output(text: str, out: str | None) -> None:
    """Write ``text`` to the file ``out``; to stdout when ``out`` is ``None`` or ``-``."""
    if out in (None, _STDIO):
        sys.stdout.write(text)
        return
    try:
        with open(out, "w", encoding="utf-8") as handle:
            handle.write(text)
    except OSError as error:
        raise InputError(f"cannot write {out}: {error.strerror or error}") from None
    print(f"wrote {out}", file=sys.stderr)


def json_document(payload: dict[str, Any]) -> str:
    """``payload`` as indented JSON text with ``"schema"`` first."""
    return json.dumps({"schema": JSON_SCHEMA, **payload}, indent=2, ensure_ascii=False) + "\n"


# -- printable output ---------------------------------------------------------------------------------
_ASCII_SPELLINGS = {
    "∂": "d", "∇": "grad ", "η": "eta", "λ": "lambda", "θ": "theta", "α": "alpha", "β": "beta", "μ": "mu",
    "σ": "sigma", "Σ": "sum", "Δ": "Delta", "π": "pi", "≈": "~", "≠": "!=", "≤": "<=", "≥": ">=", "→": "->",
    "✓": "ok", "✗": "x", "·": "*", "×": "x", "−": "-", "±": "+/-", "√": "sqrt", "∞": "oo", "‖": "||", "ᵀ": "^T",
    "ℝ": "R", "∈": " in ", "∪": " U ", "∅": "{}", "′": "'", "–": "-", "—": "--", "§": "S", "…": "...",
    "⎡": "[", "⎤": "]", "⎣": "[", "⎦": "]", "⎢": "[", "⎥": "]", "⎛": "(", "⎞": ")", "⎝": "(", "⎠": ")",
    "⎜": "|", "⎟": "|", "│": "|", "─": "-", "ŷ": "y_hat", "ȳ": "y_bar",
    **{sub: digit for sub, digit in zip("₀₁₂₃₄₅₆₇₈₉ᵢ", "0123456789i")},
    **{sup: f"^{digit}" for sup, digit in zip("⁰¹²³⁴⁵⁶⁷⁸⁹ⁱ", "0123456789i")},
    "⁽": "^(", "⁾": ")", "⁻": "^-",
}
_ASCII_TABLE = str.maketrans(_ASCII_SPELLINGS)


def ascii_spelling(text: str) -> str:
    """``text`` with symgrad's mathematical characters spelled in ASCII (``∂L/∂w₀`` -> ``dL/dw0``)."""
    return text.translate(_ASCII_TABLE)


class _AsciiFallback:
    """A text stream that cannot encode symgrad's characters, written to in ASCII spellings."""

    def __init__(self, stream: TextIO):
        self._stream = stream

    def write(self, text: str) -> int:
        encoding = getattr(self._stream, "encoding", None) or "ascii"
        try:
            text.encode(encoding)
        except UnicodeEncodeError:
            text = _spell_lines(text, encoding).encode(encoding, errors="replace").decode(encoding)
        return self._stream.write(text)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)  # no-eval: ok -- delegates attribute access to the wrapped stream


def _spell_lines(text: str, encoding: str) -> str:
    """Spell what ``encoding`` lacks (cp1252 keeps ², ·, ±), keeping multi-line blocks aligned.

    ``∇L = ⎡12⎤`` over ``       ⎣24⎦`` becomes ``grad L = [12]`` over ``           [24]``: an
    indented line below gets the spaces its block's first line grew by, up to its indent.
    """
    out: list[str] = []
    growth: list[int] = []  # growth[c]: characters added before column c of the block's first line
    head_indent = 0
    for line in text.split("\n"):
        indent = len(line) - len(line.lstrip(" "))
        spelled, added = [], [0]
        for c in line:
            piece = c if _encodes(c, encoding) else ascii_spelling(c)
            spelled.append(piece)
            added.append(added[-1] + len(piece) - 1)
        shift = growth[min(indent, len(growth) - 1)] if growth and indent > head_indent else 0
        if shift:  # a continuation line: shift it as far as its block's head grew
            out.append(" " * shift + "".join(spelled))
        else:
            out.append("".join(spelled))
            growth, head_indent = added, indent
    return "\n".join(out)


def _encodes(character: str, encoding: str) -> bool:
    try:
        character.encode(encoding)
    except UnicodeEncodeError:
        return False
    return True


def _can_print_mathematics(stream: TextIO) -> bool:
    encoding = getattr(stream, "encoding", None)
    if not encoding:
        return True  # an in-memory stream (tests, notebooks) takes any text
    try:
        "∂∇⎡✓≈η₀".encode(encoding)
    except (UnicodeEncodeError, LookupError):
        return False
    return True


@contextlib.contextmanager
def printable_streams() -> Iterator[None]:
    """While inside, stdout and stderr accept any text symgrad prints (ASCII spellings where needed)."""
    saved = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = (stream if _can_print_mathematics(stream) else _AsciiFallback(stream)  # type: ignore[assignment]
                              for stream in saved)
    try:
        yield
    finally:
        sys.stdout, sys.stderr = saved
