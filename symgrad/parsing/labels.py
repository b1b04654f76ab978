"""Labels students write before an answer: ``∇f = (2x, 2y)``, ``f'(x) = 2x``, ``∂L/∂w = 2w``.

A label names the quantity; it is not part of the value. :func:`split_label`
recognises the common ones with one regular expression on the text (nothing is
evaluated) and returns ``(label, rest)``; the caller decides whether a label is
allowed (an answer whose key is an equation keeps its left-hand side).

Recognised labels (each followed by ``=``)::

    ∇f   ∇f(x, y)   ∇²f   grad f   \\nabla f    -- gradients and Hessians
    f'(x)   f''   y′                           -- derivatives with primes
    ∂L/∂w   ∂²f/∂x²   df/dx   dL/dw0   d/dx f   -- derivatives as quotients
    f(x)   L(w0, w1)   H   H_f   Hf(x, y)      -- a function of named variables, a Hessian

``y = 2x + 1`` has no label: ``y`` alone is a variable, and the answer is an equation.

Example:
    >>> split_label("∇f = (2x, 2y)")
    ('∇f', '(2x, 2y)')
    >>> split_label("f'(x) = 3x^2")
    ("f'(x)", '3x^2')
    >>> split_label("y = 2x + 1")
    (None, 'y = 2x + 1')
"""

from __future__ import annotations

import re

__all__ = ["split_label"]

_NAME = r"[A-Za-zα-ωΑ-Ω][A-Za-z0-9_₀-₉]*"
_ARGS = r"(?:\s*\(\s*" + _NAME + r"(?:\s*,\s*" + _NAME + r")*\s*\))"
_D = r"(?:∂|d|\\partial\s*|𝜕)"
_LABELS = (
    r"(?:∇²?|∇\^2|\\nabla(?:\^2)?\s*|grad\s+|Hess\s+)\s*" + _NAME + _ARGS + "?",  # ∇f, grad f
    _NAME + r"\s*(?:'|′|″|‴)+" + _ARGS + "?",  # f'(x)
    _D + r"[²³]?\s*" + _NAME + r"\s*/\s*" + _D + r"\s*" + _NAME + r"[²³]?" + _ARGS + "?",  # ∂L/∂w, df/dx
    r"\\frac\{\s*" + _D + r"[^{}]*\}\{\s*" + _D + r"[^{}]*\}",  # \frac{\partial L}{\partial w}
    r"d/d" + _NAME + r"\s*" + _NAME + _ARGS + "?",  # d/dx f(x)
    r"[A-Za-z]" + _ARGS,  # f(x), L(w0, w1)
    r"H(?:_\{?" + _NAME + r"\}?|" + _NAME + r")?" + _ARGS + "?",  # H, H_f, Hf(x, y)
)
_LABEL = re.compile(r"^\s*(?P<label>" + "|".join(_LABELS) + r")\s*=(?!=)(?P<rest>.*)\Z", re.DOTALL)


def split_label(text: str) -> tuple[str | None, str]:
    """``(label, rest)`` when ``text`` starts with a recognised label and ``=``, else ``(None, text)``."""
    if len(text) > 5000:
        return None, text
    match = _LABEL.match(text)
    if match is None or not match.group("rest").strip() or "=" in match.group("rest"):
        return None, text
    return match.group("label").strip(), match.group("rest").strip()
