"""Level sets ``{w : f(w) = c}`` and the orthogonality of the gradient to them (section 10).

Mechanism: :func:`level_set` writes the equation ``f(w) = c`` and, by a small
table of inverse rules (:data:`UNWRAP`), removes an outer function when that
is an equivalence: ``sqrt(u) = c`` becomes ``u = c²`` for ``c >= 0`` (and the set
is empty for ``c < 0``); ``|u| = c`` becomes ``u² = c²``; ``exp(u) = c`` becomes
``u = log c`` for ``c > 0``. The sign of ``c`` comes from its value, or, for a
symbolic level, from its assumptions (``Symbol("c", positive=True)``), so the
general contour of ``√(w₀² + w₁²)`` reads ``w₀² + w₁² = c²`` as in the chapter (§10.1).

:func:`gradient_orthogonal_to_level_set` takes the tangent directions of the
level set at a point as a basis of the null space of ``∇f(p)ᵀ`` (the
directions of zero first-order change, implicit function theorem), computes
the dot products with the gradient, and checks them *independently* of the
gradient formula: along each tangent ``t`` the difference quotient
``(f(p + h t) - f(p)) / h`` must tend to 0 (a SymPy limit of ``f`` itself).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sympy

from ..errors import InputError
from ..function import to_sympy_number
from ._common import bounded, attempt, number_sign, scalar_function
from ._text import text
from .smoothness import smooth_at

__all__ = ["level_set", "OrthogonalityCheck", "gradient_orthogonal_to_level_set", "UNWRAP"]


def _level_sign(c: sympy.Expr) -> int | None:
    """The sign of the level ``c``: from its value, or from its assumptions when it is a symbol.

    ``Symbol("c", positive=True)`` gives 1, ``Symbol("c", nonnegative=True)`` gives 0 (meaning
    ``c >= 0``: enough for the square-root and absolute-value rules), a number its sign.
    """
    if not c.free_symbols:
        return number_sign(c)
    if c.is_positive:
        return 1
    if c.is_nonnegative:
        return 0
    if c.is_negative:
        return -1
    return None


def _unwrap_sqrt(node, c):
    if node.exp == sympy.Rational(1, 2):
        sign = _level_sign(c)
        if sign is not None and sign >= 0:
            return node.base, c**2
        if sign == -1:
            return None, None  # empty
    return node, c


def _unwrap_abs(node, c):
    sign = _level_sign(c)
    if sign is not None and sign >= 0:
        return node.args[0] ** 2, c**2
    if sign == -1:
        return None, None
    return node, c


def _unwrap_exp(node, c):
    sign = _level_sign(c)
    if sign == 1:
        return node.args[0], sympy.log(c)
    if sign == -1 or (sign == 0 and not c.free_symbols):
        return None, None
    return node, c


UNWRAP: dict[type[Any], Callable[..., Any]] = {sympy.Pow: _unwrap_sqrt, sympy.Abs: _unwrap_abs, sympy.exp: _unwrap_exp}
"""Outer function -> rule turning ``outer(u) = c`` into an equivalent equation (or ``None`` for an empty set)."""


@bounded
def level_set(f: Any, c: Any) -> sympy.Basic:
    """The equation of the level set ``f = c``, simplified by :data:`UNWRAP`.

    Arguments:
        f: the function.
        c: the level: a number, or a symbol whose assumptions give its sign
            (``Symbol("c", positive=True)``); a level of unknown sign keeps the outer function.

    Returns:
        a ``sympy.Eq``; ``sympy.false`` when the set is empty (``sqrt(u) = -1``).

    Example:
        >>> w0, w1 = sympy.symbols("w0 w1", real=True)
        >>> level_set(sympy.sqrt(w0**2 + w1**2), 2)
        Eq(w0**2 + w1**2, 4)
        >>> level_set(sympy.sqrt(w0**2 + w1**2), sympy.Symbol("c", positive=True))
        Eq(w0**2 + w1**2, c**2)
    """
    fn = scalar_function(f, "level_set")
    lhs, rhs = fn.expr, to_sympy_number(c)
    while type(lhs) in UNWRAP:
        new_lhs, new_rhs = UNWRAP[type(lhs)](lhs, rhs)
        if new_lhs is None:
            return sympy.false
        if new_lhs is lhs:
            break
        lhs, rhs = new_lhs, new_rhs
    return sympy.Eq(lhs, rhs, evaluate=False)


@dataclass(frozen=True)
class OrthogonalityCheck:
    """The gradient against the tangent directions of the level set through a point.

    Attributes:
        point, level: the point and ``c = f(point)``.
        gradient: ``∇f(point)``.
        tangents: a basis of the tangent directions (``n - 1`` vectors).
        dots: ``∇f · t`` for each tangent.
        rates: the limit of ``(f(p + h t) - c) / h`` for each tangent, from ``f`` itself.
        ok: True when every dot product and every rate is exactly 0.
        reason: one sentence.
    """

    point: dict[sympy.Symbol, sympy.Expr]
    level: sympy.Expr
    gradient: sympy.ImmutableMatrix
    tangents: tuple[sympy.ImmutableMatrix, ...]
    dots: tuple[sympy.Expr, ...]
    rates: tuple[sympy.Expr | None, ...]
    ok: bool
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {"point": {k.name: str(v) for k, v in self.point.items()}, "level": str(self.level),
                "gradient": [str(g) for g in self.gradient], "tangents": [[str(c) for c in t] for t in self.tangents],
                "dots": [str(d) for d in self.dots], "rates": [None if r is None else str(r) for r in self.rates],
                "ok": self.ok, "reason": self.reason}


@bounded
def gradient_orthogonal_to_level_set(f: Any, at: Any, *, timeout: float | None = None) -> OrthogonalityCheck:
    """Check that ``∇f`` is perpendicular to the level set of ``f`` through ``at``.

    Raises:
        InputError: the gradient does not exist or is zero at the point (no normal direction).

    Example:
        >>> w0, w1 = sympy.symbols("w0 w1", real=True)
        >>> gradient_orthogonal_to_level_set(w0**2 + w1**2, [3, 4]).ok
        True
    """
    fn = scalar_function(f, "gradient_orthogonal_to_level_set")
    point = fn.point(at)
    ok, why = smooth_at(fn.expr, point)
    if not ok:
        raise InputError(f"the gradient does not exist at this point ({why}); pick a point away from the kink")
    gradient = fn.gradient_at(point)
    if all(number_sign(g) == 0 for g in gradient):
        raise InputError(f"the gradient is zero at {dict(point)}, so the level set has no normal direction there; pick another point")
    tangents = tuple(sympy.ImmutableMatrix(t) for t in sympy.Matrix(gradient.T).nullspace())
    dots = tuple(sympy.simplify((gradient.T * t)[0, 0]) for t in tangents)
    h = sympy.Symbol("h", real=True)
    level = fn.at(point)
    rates = []
    for t in tangents:
        moved = fn.expr.xreplace({v: point[v] + h * t[i] for i, v in enumerate(fn.variables)})
        rates.append(attempt(sympy.limit, (moved - level) / h, h, 0, timeout=timeout))
    verified = all(d == 0 for d in dots) and all(r is not None and r == 0 for r in rates)
    reason = (f"the tangent directions of the level set f = {text(level)} at this point are "
              f"{_listed([_vector(t) for t in tangents])}; ∇f = {_vector(gradient)} has dot product "
              f"{_listed(dots)} with them, and f changes at rate {_listed(rates)} along them, "
              + ("so the gradient is perpendicular to the level set" if verified else "so orthogonality was not confirmed"))
    return OrthogonalityCheck(point, level, gradient, tangents, dots, tuple(rates), verified, reason)


def _vector(column: sympy.MatrixBase) -> str:
    return "(" + ", ".join(text(c) for c in column) + ")"


def _listed(values) -> str:
    return "[" + ", ".join(v if isinstance(v, str) else "undecided" if v is None else text(v) for v in values) + "]"
