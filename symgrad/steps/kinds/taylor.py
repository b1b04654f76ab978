"""The Taylor kind: the derivatives at the point, then each truncation (chapter §11.2, §11.3, exercise 5).

The terms are :func:`symgrad.analysis.taylor_terms`'; the polynomial is checked against ``sympy.series``
(one variable) or against the checked value, gradient and Hessian (several).
"""

from __future__ import annotations

from typing import Any

import operator

import sympy

import symgrad.analysis as analysis
from ..._deprecation import renamed
from ...analysis._common import bounded
from ...analysis.taylor import in_powers_of_shift
from ...errors import InputError, VerificationError
from ...function import Function, as_function
from .._support import _ordinal, _plain, _tuple_display
from ..core import Apply, Ascending, Check, Checker, Deriv, Derivation, Grad, Math, Name, Step, eq
from ._shared import _args, _point


__all__ = ["taylor"]


_TAYLOR_CHECKS = (
    lambda checker, what, shown, point: checker.value(what, shown, point),
    lambda checker, what, shown, point: checker.gradient(what, shown, point),
    lambda checker, what, shown, point: checker.hessian(what, shown, point),
)
"""Independent checks of f(a), f'(a), f''(a) (orders 0, 1, 2 of a Taylor polynomial)."""


@renamed(in_variables=("in_displacement", operator.not_))
@bounded
def taylor(f: Any, at: Any = 0, order: int = 2, *, name: str = "f", in_displacement: bool = True) -> Derivation:
    """A Taylor approximation: the derivatives at the point, then each truncation (chapter §11.2).

    The terms come from :func:`symgrad.analysis.taylor_terms`; the polynomial is checked
    against ``sympy.series`` (one variable) and the value, gradient and Hessian at the
    point against compiled code and autograd. In several variables the result is a
    polynomial in the displacements ``Δw`` (chapter §11.3); ``in_displacement=False`` adds a
    step that substitutes ``Δw = w − a`` and expands, and returns that polynomial in ``w``
    (one variable: the result is always in ``x``).

    Example:
        >>> taylor("exp(x)", 0, 3).result
        x**3/6 + x**2/2 + x + 1
    """
    f = as_function(f)
    if isinstance(order, bool) or not isinstance(order, int) or order < 0 or order > 12:
        raise InputError(f"the order must be a whole number from 0 to 12, got {order!r}")
    if f.n != 1:
        return _taylor_nd(f, at, order, name, in_displacement)
    (x,) = f.variables
    point = _point(f, at)
    a = point[x]
    terms = analysis.taylor_terms(f, point, order, in_displacement=True)
    (dx,) = analysis.displacement_symbols(f)
    checker = Checker(f)
    derivative_lines, truncations = [], []
    approximation = sympy.Integer(0)
    for k, term in enumerate(terms):
        value = sympy.simplify(term.coeff(dx, k) * sympy.factorial(k)) if k else term
        derivative_lines.append(eq(Deriv(name, (x,) * k, True, ((x, a),)) if k else Apply(name, (a,)), value))
        approximation = in_powers_of_shift(terms[:k + 1], f, point)
        truncations.append(Math((Apply(name, (x,)), Ascending(approximation)), ("≈",),
                                label=f"{_ordinal(k)} order"))
    for k, (check, line) in enumerate(zip(_TAYLOR_CHECKS, derivative_lines)):
        check(checker, f"{_ordinal(k)} derivative at the point" if k else "value at the point",
              sympy.ImmutableMatrix([[line.parts[-1]]]) if k == 2 else line.parts[-1], point)
    reference = sympy.series(f.expr, x, a, order + 1).removeO()
    if sympy.simplify(reference - approximation) != 0:
        raise VerificationError(f"Taylor polynomial {approximation} disagrees with sympy.series {reference}")
    checker.log.append(Check("Taylor polynomial", str(approximation), str(reference), "sympy.series"))
    steps = (Step(f"Compute the derivatives at {_plain(x)} = {_plain(a)}", tuple(derivative_lines)),
             Step("Truncated approximations" + (f", in powers of ({_plain(x)} − {_plain(a)})" if a != 0 else ""),
                  tuple(truncations), approximation)) + _tangent_step(f, point, terms, name)
    given = (eq(Apply(name, (x,)), f.expr, label="Function"), eq(x, a, label="Around"))
    conclusion = "Accuracy improves with more terms and closer to the expansion point."
    if order > 0 and terms[-1] == 0:
        conclusion = (f"The order-{order} term is 0 here, so {_plain(f.expr)} ≈ {_plain(Ascending(approximation))} "
                      f"to order "
                      f"{order}. " + conclusion)
    return Derivation("taylor", f"Taylor approximation of order {order}", given, steps, approximation,
                      conclusion, (), tuple(checker.log))


def _taylor_nd(f: Function, at: Any, order: int, name: str, in_displacement: bool) -> Derivation:
    point = _point(f, at)
    checker = Checker(f)
    shown = {d: sympy.Symbol(f"Delta_{v.name}", real=True)  # Δw0 has no ASCII LaTeX spelling; Delta_w0 has
             for v, d in zip(f.variables, analysis.displacement_symbols(f))}
    plain = analysis.taylor_terms(f, point, order, in_displacement=True)
    terms = [term.xreplace(shown) for term in plain]
    value, grad = f.at(point), f.gradient_at(point)
    checker.value("value", value, point)
    checker.gradient("gradient", grad, point)
    steps = [Step("Value and gradient at the point", (eq(Apply(name, _args(point, f)), value),
                                                      eq(Grad(name, _args(point, f)), grad)), grad)]
    if order >= 2:
        H = f.hessian_at(point)
        checker.hessian("Hessian", H, point)
        steps.append(Step("Hessian at the point", (eq(Name("H", "H"), H),), H))
    deltas = sympy.ImmutableMatrix(list(shown.values()))
    by_hand = [value, (grad.T * deltas)[0, 0]] + ([(deltas.T * f.hessian_at(point) * deltas)[0, 0] / 2]
                                                  if order >= 2 else [])
    for k, (term, expected) in enumerate(zip(terms, by_hand)):
        if sympy.expand(term - expected) != 0:
            raise VerificationError(f"the order-{k} Taylor term {term} disagrees with {expected} from the "
                                    "checked value, gradient and Hessian")
    lines = tuple(Math((Name(f"{_ordinal(k)} order", f"{_ordinal(k)} order"), Ascending(term)), ("",))
                  for k, term in enumerate(terms))
    approximation = sympy.Add(*terms)
    steps.append(Step("Terms by order", lines, tuple(terms)))
    moved = ", ".join(f"{_plain(v)} + {_plain(d)}" for v, d in zip(f.variables, shown.values()))
    moved_latex = ", ".join(f"{sympy.latex(v)} + {sympy.latex(d)}" for v, d in zip(f.variables, shown.values()))
    steps.append(Step("Assemble", (Math((Name(f"{name}({moved})", f"{name}({moved_latex})"),
                                         Ascending(approximation)), ("≈",)),), approximation))
    in_powers = in_powers_of_shift(plain, f, point)
    if any(point[v] != 0 for v in f.variables):
        shifts = ", ".join(f"{_plain(d)} = {_plain(v)} − {_plain(point[v])}" for v, d in zip(f.variables, shown.values())
                           if point[v] != 0)
        steps.append(Step(f"In the variables {', '.join(_plain(v) for v in f.variables)} ({shifts})",
                          (Math((Apply(name, f.variables), Ascending(in_powers)), ("≈",)),), in_powers))
    steps += _tangent_step(f, point, plain, name)
    if not in_displacement:
        steps.append(_taylor_in_variables(f, point, shown, approximation, name))
        approximation = steps[-1].result
    given = (eq(Apply(name, f.variables), f.expr, label="Function"),
             eq(_tuple_display(f.variables), _tuple_display(_args(point, f)), label="Around"))
    return Derivation("taylor", f"Taylor approximation of order {order}", given, tuple(steps), approximation,
                      "", (), tuple(checker.log))


def _taylor_in_variables(f: Function, point: dict, shown: dict, approximation: sympy.Expr, name: str) -> Step:
    """``Δw = w − a`` substituted into the assembled polynomial and expanded."""
    deltas = {symbol: v - point[v] for v, symbol in zip(f.variables, shown.values())}
    expanded = sympy.expand(approximation.xreplace(deltas))
    column = sympy.ImmutableMatrix(list(deltas.values()))
    return Step("Substitute Δw = w − a and expand", (
        eq(Name("Δw", r"\Delta \vec{w}"), column),
        Math((Apply(name, f.variables), Ascending(expanded)), ("≈",))), expanded)


def _tangent_step(f: Function, point: dict, terms: list, name: str) -> tuple[Step, ...]:
    """The tangent line (one variable) or plane (two) from the terms of order 0 and 1, stated and multiplied out."""
    if len(terms) < 2 or f.n > 2:
        return ()
    linear = in_powers_of_shift(terms[:2], f, point)
    expanded = sympy.expand(linear.doit())
    what, height = ("line", Name("y", "y")) if f.n == 1 else ("plane", Name("z", "z"))
    return (Step(f"The tangent {what} at the point (the first-order approximation)",
                 (eq(height, Ascending(linear), Ascending(expanded)),), expanded),)
