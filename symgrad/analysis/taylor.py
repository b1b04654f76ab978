"""Taylor polynomials, the change of the loss for a step, and the direction of steepest descent.

Mechanism: the Taylor polynomial of order ``k`` of ``f`` at ``a`` is built from
the one-variable function ``g(t) = f(a + t Δw)`` along a symbolic displacement
``Δw``: the term of order ``j`` is ``g⁽ʲ⁾(0) / j!``, a homogeneous polynomial of
degree ``j`` in ``Δw``. For ``j = 1`` it is ``∇f(a)ᵀ Δw`` and for ``j = 2`` it is
``½ Δwᵀ H(a) Δw`` -- the chapter's first- and second-order forms -- and in
general it equals the sum over multi-indices ``Σ_{|α|=j} ∂^α f(a) Δw^α / α!``.
Setting ``t = 1`` and, unless ``in_displacement=True``, ``Δw = w - a`` gives
the polynomial in the variables.

Displacement symbols are named ``Δ`` + the variable name, real:
``Symbol("Δw0", real=True)`` prints as ``Δw₀`` (``sympy.pretty``), ``Δw0``
(``str``) and ``Δw_{0}`` (``sympy.latex``; MathJax and unicode-math typeset
the ``Δ``). :func:`displacement_symbols` returns them.

Expanding at a kink (``|x|`` at 0) is refused with an :class:`InputError`:
the rules would give ``sign(0) = 0`` and a polynomial with no meaning.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sympy

from ..errors import InputError, InputTooLarge
from ..function import Function
from ._common import bounded, scalar_function, settle
from ._text import text
from .smoothness import smooth_at

__all__ = [
    "taylor", "taylor_terms", "taylor_error", "displacement_symbols",
    "LossChange", "loss_change", "SteepestDescent", "steepest_descent", "MAX_TAYLOR_ORDER",
]

MAX_TAYLOR_ORDER = 30
"""Highest order accepted by :func:`taylor` (each order costs one more derivative)."""


def displacement_symbols(f: Any) -> tuple[sympy.Symbol, ...]:
    """The displacement symbols ``Δw0, Δw1, ...`` of a function's variables (real, printed ``Δw₀``)."""
    fn = scalar_function(f, "displacement_symbols")
    return tuple(sympy.Symbol("Δ" + v.name, real=True) for v in fn.variables)


def _check_order(order: Any) -> int:
    if isinstance(order, bool) or not isinstance(order, int) or order < 0:
        raise InputError(f"the order of a Taylor polynomial must be a whole number 0, 1, 2, ..., got {order!r}")
    if order > MAX_TAYLOR_ORDER:
        raise InputTooLarge(f"order={order} is above the limit of {MAX_TAYLOR_ORDER}; ask for a lower order")
    return order


def _expansion_point(fn: Function, at: Any) -> dict[sympy.Symbol, sympy.Expr]:
    point = fn.point(at)
    ok, why = smooth_at(fn.expr, point)
    if not ok:
        raise InputError(f"cannot expand {fn.expr} in a Taylor series at {_fmt(point)}: {why}; expand at another point")
    return point


def _fmt(point: dict) -> str:
    return "(" + ", ".join(f"{text(k)} = {text(v)}" for k, v in point.items()) + ")"


@bounded
def taylor_terms(f: Any, at: Any, order: int = 2, *, in_displacement: bool = True) -> list[sympy.Expr]:
    """The terms of the Taylor polynomial, one per order ``0..order``.

    Arguments:
        f: a Function, SymPy expression, or text.
        at: the expansion point in any form ``Function.point`` accepts.
        order: the highest order.
        in_displacement: True (default) gives each term in ``Δw`` (so term 1 is
            ``∇f(a)ᵀ Δw`` and term 2 is ``½ Δwᵀ H Δw``); False substitutes ``Δw = w - a``.

    Returns:
        ``[f(a), ∇f(a)ᵀΔw, ½ΔwᵀH(a)Δw, ...]`` as SymPy expressions.

    Example:
        >>> w0, w1 = sympy.symbols("w0 w1", real=True)
        >>> taylor_terms(2*w0**2 + 3*w1**2, [3, 4], 2)
        [66, 12*Δw0 + 24*Δw1, 2*Δw0**2 + 3*Δw1**2]
    """
    fn = scalar_function(f, "taylor_terms")
    order = _check_order(order)
    point = _expansion_point(fn, at)
    deltas = displacement_symbols(fn)
    t = sympy.Dummy("t", real=True)
    g = fn.expr.xreplace({v: point[v] + t * d for v, d in zip(fn.variables, deltas)})
    terms = []
    for j in range(order + 1):
        derivative = g if j == 0 else sympy.diff(g, t, j)
        term = derivative.subs(t, sympy.S.Zero) / sympy.factorial(j)
        term = settle(sympy.expand(_finish(term)))
        if term.has(sympy.nan, sympy.zoo, sympy.oo, -sympy.oo):
            raise InputError(f"the derivative of order {j} of {fn.expr} is not finite at {_fmt(point)}; expand at another point")
        terms.append(term)
    if not in_displacement:
        back = {d: v - point[v] for v, d in zip(fn.variables, deltas)}
        terms = [term.xreplace(back) for term in terms]
    return terms


def _finish(term: sympy.Expr) -> sympy.Expr:
    term = term.doit() if term.has(sympy.Subs, sympy.Derivative) else term
    if term.has(sympy.DiracDelta):  # away from a kink DiracDelta(nonzero) is 0
        term = term.replace(lambda e: isinstance(e, sympy.DiracDelta) and e.args[0].is_nonzero, lambda e: sympy.S.Zero)
    return term


@bounded
def taylor(f: Any, at: Any, order: int = 2, *, in_displacement: bool = False) -> sympy.Expr:
    """The Taylor polynomial of ``f`` at ``at`` up to ``order``, for any number of variables.

    Arguments:
        f: a Function, SymPy expression, or text.
        at: the expansion point in any form ``Function.point`` accepts.
        order: the highest order (0, 1, 2, ...).
        in_displacement: False (default): a polynomial in the variables, written in
            powers of ``(w - a)`` (see :func:`in_powers_of_shift`; ``sympy.expand(p.doit())``
            multiplies it out); True: a polynomial in ``Δw0, Δw1, ...``.

    Returns:
        a SymPy expression.

    Raises:
        InputError: a negative order, or a point where ``f`` is not differentiable.

    Example:
        >>> x = sympy.Symbol("x", real=True)
        >>> taylor(sympy.exp(x), 0, 3)
        x**3/6 + x**2/2 + x + 1
    """
    if in_displacement:
        return sympy.Add(*taylor_terms(f, at, order, in_displacement=True))
    fn = scalar_function(f, "taylor")
    return in_powers_of_shift(taylor_terms(fn, at, order, in_displacement=True), fn, _expansion_point(fn, at))


def in_powers_of_shift(terms: list[sympy.Expr], fn: Function, point: dict[sympy.Symbol, Any]) -> sympy.Expr:
    """The Taylor polynomial written as a course does, in powers of ``(x − a)`` (and ``(y − b)``), lowest order first.

    ``terms`` are the terms in the displacements (:func:`taylor_terms`). SymPy would multiply
    ``4(x − 1)`` out and mix ``x`` with ``(x − 1)²``; each term is therefore an unevaluated
    product, and ``sympy.expand(p.doit())`` gives the ordinary polynomial. Where every ``a`` is 0
    the ordinary sum is returned.

    Example:
        >>> x = sympy.Symbol("x", real=True)
        >>> p = taylor(x**4, 1, 2)
        >>> p, sympy.expand(p.doit())
        (6*(x - 1)**2 + 4*(x - 1) + 1, 6*x**2 - 8*x + 3)
    """
    deltas = displacement_symbols(fn)
    if all(point[v] == 0 for v in fn.variables):
        return sympy.Add(*terms).xreplace(dict(zip(deltas, fn.variables)))
    shifts = [v if point[v] == 0 else sympy.Add(v, -point[v], evaluate=False) for v in fn.variables]
    pieces = []
    for term in terms:
        if term == 0:
            continue
        poly = sympy.Poly(term, *deltas)
        for exponents, coefficient in sorted(poly.terms(), key=lambda t: tuple(-e for e in t[0])):
            powers = [shift if e == 1 else sympy.Pow(shift, e, evaluate=False)
                      for shift, e in zip(shifts, exponents) if e]
            term = sympy.Mul(coefficient, *powers)
            if powers and term.is_Add:  # SymPy multiplied 4(x − 1) out: keep the product as written
                term = sympy.Mul(coefficient, *powers, evaluate=False)
            pieces.append(term)
    return sympy.Add(*pieces)


@bounded
def taylor_error(f: Any, at: Any, displacement: Any, order: int = 2) -> sympy.Expr:
    """``f(a + Δw) - T_k(a + Δw)``: the error of the order-``k`` Taylor polynomial for one step.

    Exact when ``at`` and ``displacement`` are exact, a float otherwise. The
    sign is *true minus approximation*.

    Example:
        >>> x = sympy.Symbol("x", real=True)
        >>> taylor_error(x**3, 0, 1, order=2)
        1
    """
    fn = scalar_function(f, "taylor_error")
    terms = taylor_terms(fn, at, order, in_displacement=True)
    point = fn.point(at)
    step = fn.point(displacement)
    deltas = dict(zip(displacement_symbols(fn), (step[v] for v in fn.variables)))
    approximation = sum((term.xreplace(deltas) for term in terms), sympy.S.Zero)
    true_value = fn.at({v: point[v] + step[v] for v in fn.variables})
    return settle(sympy.expand(true_value - approximation))


# --------------------------------------------------------------------------- change of the loss
@dataclass(frozen=True)
class LossChange:
    """How the loss changes for one displacement ``Δw`` from ``w``.

    Attributes:
        point, displacement, new_point: ``w``, ``Δw`` and ``w + Δw`` as ``(n, 1)`` columns.
        value, new_value: ``L(w)`` and ``L(w + Δw)``.
        exact: ``ΔL = L(w + Δw) - L(w)``.
        first_order: ``∇L(w)ᵀ Δw``.
        second_order: ``∇L(w)ᵀ Δw + ½ Δwᵀ H Δw``.
        step_length: ``‖Δw‖``.
    """

    point: sympy.ImmutableMatrix
    displacement: sympy.ImmutableMatrix
    new_point: sympy.ImmutableMatrix
    value: sympy.Expr
    new_value: sympy.Expr
    exact: sympy.Expr
    first_order: sympy.Expr
    second_order: sympy.Expr
    step_length: sympy.Expr

    @property
    def first_order_error(self) -> sympy.Expr:
        """``ΔL - ∇Lᵀ Δw``."""
        return settle(self.exact - self.first_order)

    def to_dict(self) -> dict[str, Any]:
        return {name: (str(list(value)) if isinstance(value, sympy.MatrixBase) else str(value))
                for name, value in self.__dict__.items()} | {"first_order_error": str(self.first_order_error)}


@bounded
def loss_change(f: Any, at: Any, displacement: Any) -> LossChange:
    """The change of ``f`` for the step ``displacement`` from ``at``: exact, first- and second-order.

    Example (section 8.2 of the chapter):
        >>> from fractions import Fraction as F
        >>> w0, w1 = sympy.symbols("w0 w1", real=True)
        >>> loss_change(2*w0**2 + 3*w1**2, [3, 4], [F(3, 10000), F(4, 10000)]).exact
        660033/50000000
    """
    fn = scalar_function(f, "loss_change")
    w = fn.vector(at)
    step = fn.vector(displacement)
    point = fn.point(at)
    ok, why = smooth_at(fn.expr, point)
    if not ok:
        raise InputError(f"the gradient does not exist at {_fmt(point)} ({why}); first-order changes need a gradient")
    new = w + step
    value, new_value = fn.at(list(w)), fn.at(list(new))
    gradient = fn.gradient_at(list(w))
    hessian = fn.hessian_at(list(w))
    first = (gradient.T * step)[0, 0]
    second = first + (step.T * hessian * step)[0, 0] / 2
    length = sympy.sqrt(sum(c**2 for c in step))
    return LossChange(w, step, sympy.ImmutableMatrix(new.applyfunc(settle)), value, new_value,
                      _difference(fn, w, step, new_value - value), settle(sympy.expand(first)),
                      settle(sympy.expand(second)), settle(length))


def _difference(fn: Function, w, step, direct: sympy.Expr) -> sympy.Expr:
    """``f(w + Δw) - f(w)``; with float input the difference is expanded in ``Δw`` first, so that
    ``L(w)`` cancels exactly instead of losing digits (66.01320066 - 66)."""
    if not step.has(sympy.Float) and not w.has(sympy.Float):
        return settle(sympy.expand(direct))
    deltas = displacement_symbols(fn)
    shifted = fn.expr.xreplace({v: a + d for v, a, d in zip(fn.variables, w, deltas)})
    change = sympy.expand(shifted - fn.expr.xreplace(dict(zip(fn.variables, w))))
    return settle(change.xreplace(dict(zip(deltas, step))))


@dataclass(frozen=True)
class SteepestDescent:
    """The direction in which ``f`` decreases fastest at a point, and the rate along it.

    Attributes:
        point: ``{variable: value}``.
        gradient: ``∇f`` at the point, ``(n, 1)``.
        direction: the unit vector ``-∇f / ‖∇f‖``; ``None`` where the gradient is zero.
        rate: the directional derivative along ``direction``, ``-‖∇f‖`` (0 at a stationary point).
        reason: one sentence.
    """

    point: dict[sympy.Symbol, sympy.Expr]
    gradient: sympy.ImmutableMatrix
    direction: sympy.ImmutableMatrix | None
    rate: sympy.Expr
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {"point": {k.name: str(v) for k, v in self.point.items()}, "gradient": [str(g) for g in self.gradient],
                "direction": None if self.direction is None else [str(d) for d in self.direction],
                "rate": str(self.rate), "reason": self.reason}


@bounded
def steepest_descent(f: Any, at: Any) -> SteepestDescent:
    """Unit direction of steepest descent ``-∇f/‖∇f‖`` and the rate ``-‖∇f‖`` along it.

    Example:
        >>> w0, w1 = sympy.symbols("w0 w1", real=True)
        >>> steepest_descent(2*w0**2 + 3*w1**2, [3, 4]).rate
        -12*sqrt(5)
    """
    fn = scalar_function(f, "steepest_descent")
    point = fn.point(at)
    ok, why = smooth_at(fn.expr, point)
    if not ok:
        raise InputError(f"the gradient does not exist at {_fmt(point)} ({why}), so there is no steepest-descent direction")
    gradient = fn.gradient_at(point)
    norm = settle(sympy.sqrt(sum(g**2 for g in gradient)))
    if norm == 0:
        return SteepestDescent(point, gradient, None, sympy.S.Zero,
                               "the gradient is zero here: no direction decreases f to first order")
    direction = sympy.ImmutableMatrix((-gradient / norm).applyfunc(lambda e: settle(sympy.radsimp(e))))
    reason = (f"by the Cauchy-Schwarz inequality, ∇fᵀu ≥ -‖∇f‖ for every unit vector u, with equality only for "
              f"u = -∇f/‖∇f‖; here ‖∇f‖ = {text(norm)}")
    return SteepestDescent(point, gradient, direction, -norm, reason)
