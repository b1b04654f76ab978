"""The exception hierarchy of symgrad.

Two families, kept apart on purpose:

* :class:`InputError` -- the *user* gave something symgrad cannot use (text that
  does not parse, an answer too large to judge, work that ran past its time
  limit). Its message is written for a student: what is wrong, where, and an
  example of what works. Catch ``InputError`` around anything that touches
  untrusted text; nothing else escapes :func:`symgrad.parse`.
* :class:`SymgradError` subclasses that are not input errors -- symgrad itself
  could not do what was asked (a backend is not installed, an independent check
  of a derived number failed). These are for the developer, not the student.

Every ``InputError`` is also a :class:`ValueError`, so code that already guards
``ValueError`` keeps working.
"""

from __future__ import annotations

__all__ = [
    "SymgradError",
    "InputError",
    "ParseError",
    "InputTooLarge",
    "Timeout",
    "BackendUnavailable",
    "VerificationError",
]


class SymgradError(Exception):
    """Base class of every exception symgrad raises on purpose."""


class InputError(SymgradError, ValueError):
    """Input that symgrad cannot use; the message is meant for the person who typed it."""


class ParseError(InputError):
    """Text that is not a valid expression.

    Attributes:
        text: the input as given.
        position: 0-based index of the offending character, or ``None``.
        hint: a short example of what would work, or ``""``.
    """

    def __init__(self, message: str, text: str = "", position: int | None = None, hint: str = ""):
        self.text = text
        self.position = position
        self.hint = hint
        super().__init__(_with_caret(message, text, position, hint))


class InputTooLarge(InputError):
    """Input that exceeds a documented limit (length, nesting, number size, exponent...)."""


class Timeout(InputError):
    """Work on an input ran past its time limit and was stopped."""


class BackendUnavailable(SymgradError, ImportError):
    """An optional dependency (torch, matplotlib) is needed but not installed."""


class VerificationError(SymgradError, AssertionError):
    """A result failed its independent check; symgrad refuses to show it."""


def _with_caret(message: str, text: str, position: int | None, hint: str) -> str:
    """Format ``message`` with the input quoted and a caret under ``position``."""
    lines = [message]
    if text and len(text) <= 200 and "\n" not in text:
        lines.append(f"    {text}")
        if position is not None and 0 <= position <= len(text):
            lines.append("    " + " " * position + "^")
    if hint:
        lines.append(hint)
    return "\n".join(lines)


class FastPathUnavailable(Exception):
    """Internal, never raised to users: a fast kernel (``kernels``, ``kernels_torch``) cannot take this
    function after all, and the caller falls back to the SymPy route."""
