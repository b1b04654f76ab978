"""The data of a worked derivation, and the independent checks behind its numbers.

A :class:`Derivation` is what an instructor writes on the board: a title, the
*given* (function, point, learning rate), numbered :class:`Step` s and a
conclusion. Every step has a short sentence, display lines of mathematics
(:class:`Math`: a chain ``part = part = part`` with an optional label) and its
result as a SymPy object. Parts are SymPy objects (printed by
:mod:`symgrad.steps.printing`) or the small display atoms of :mod:`symgrad.steps.atoms`, for notation SymPy
has no object for: ``∂L/∂w₀`` (:class:`Deriv`), ``∇L(3, 4)`` (:class:`Grad`),
``L(3, 4)`` (:class:`Apply`), ``w_new`` (:class:`Name`), and ``a − 0.1 b``
(:class:`Row`, parts side by side with operators between them).

Substituted forms such as ``4(3)`` or ``2(9) + 3(16)`` are SymPy expressions
whose numbers are wrapped in ``UnevaluatedExpr`` (see :func:`substituted`).

No number reaches a Derivation unchecked: :class:`Checker` re-evaluates every
value, gradient, Hessian and update by an independent route (compiled float
code, torch autograd where torch is installed, finite differences) and raises
:class:`symgrad.errors.VerificationError` on disagreement. The checks made are
kept in ``Derivation.checks``.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import sympy

from ..analysis._text import print_order_terms
from ..errors import VerificationError
from ..function import Function
from .atoms import Apply, Ascending, Deriv, Grad, Math, Name, Row, eq
from .layout import derivation_to_dict, latex_body, markdown_layout, step_to_dict, text_layout

__all__ = ["Derivation", "Step", "Math", "Ascending", "Apply", "Deriv", "Grad", "Name", "Row", "Checker", "substituted",
           "powers_evaluated", "to_float"]

UE = sympy.UnevaluatedExpr


@dataclass(frozen=True)
class Step:
    """One numbered step: a short sentence, its mathematics, and its result (a SymPy object)."""

    text: str
    math: tuple[Math, ...] = ()
    result: Any = None
    remark: str = ""

    def to_dict(self) -> dict[str, Any]:
        return step_to_dict(self)


@dataclass(frozen=True)
class Check:
    """One independent check that passed: what, the shown value, the independent value."""

    what: str
    shown: str
    independent: str
    method: str


@dataclass(frozen=True)
class Derivation:
    """A worked derivation: given data, ordered steps, the final result, checks made.

    ``result`` is the final answer as a SymPy object; ``steps[i].result`` the result
    of each step. ``str(d)`` is the terminal text and Jupyter shows Markdown
    (:mod:`symgrad.steps.layout`); :func:`symgrad.rendering.render` gives every format.
    """

    kind: str
    title: str
    given: tuple[Math, ...]
    steps: tuple[Step, ...]
    result: Any
    conclusion: str = ""
    notes: tuple[str, ...] = ()
    checks: tuple[Check, ...] = field(default=(), compare=False)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dictionary (SymPy objects as ``str``, ``srepr`` and LaTeX)."""
        return derivation_to_dict(self)

    def __str__(self) -> str:
        return text_layout(self)

    def _repr_markdown_(self) -> str:
        return markdown_layout(self)

    def _repr_latex_(self) -> str:
        return latex_body(self)


# -- substituted forms -------------------------------------------------------------
def substituted(expr: sympy.Expr, point: dict[sympy.Symbol, Any]) -> sympy.Expr:
    """``expr`` with each variable replaced by its value, kept unevaluated and in the printed order of
    ``expr``: ``w₀ + 4w₁`` at (1, 2) is ``1 + 4(2)``, not SymPy's re-sorted ``4(2) + 1``.

    The sums and products are rebuilt unevaluated in the order the printers show ``expr``
    (:func:`symgrad.analysis._text.print_order_terms`), so the numbers line up with the formula printed above them.

    Example:
        >>> w0, w1 = sympy.symbols("w0 w1", real=True)
        >>> from symgrad.steps.printing import text_of
        >>> text_of(substituted(w0 + 4*w1, {w0: 1, w1: 2}))
        '1 + 4(2)'
    """
    values = {v: UE(value) for v, value in point.items()}
    return _in_print_order(expr, values)


def _in_print_order(expr: Any, values: dict) -> Any:
    if not isinstance(expr, sympy.Basic) or not expr.free_symbols & set(values):
        return expr
    if expr in values:
        return values[expr]
    if isinstance(expr, sympy.Add):
        return sympy.Add(*[_in_print_order(t, values) for t in print_order_terms(expr)], evaluate=False)
    if isinstance(expr, sympy.Mul):
        return sympy.Mul(*[_in_print_order(f, values) for f in expr.as_ordered_factors()], evaluate=False)
    if isinstance(expr, sympy.Pow):
        return sympy.Pow(_in_print_order(expr.base, values), _in_print_order(expr.exp, values), evaluate=False)
    return expr.xreplace(values)


def powers_evaluated(expr: sympy.Expr) -> sympy.Expr:
    """Evaluate the powers of substituted numbers, keeping the order of terms: ``2(3)² → 2(9)``."""
    if isinstance(expr, sympy.Pow) and isinstance(expr.base, UE) and expr.exp.is_Integer and expr.exp > 1:
        return UE(expr.base.args[0] ** expr.exp)
    if isinstance(expr, (sympy.Add, sympy.Mul)):
        return type(expr)(*[powers_evaluated(a) for a in expr.args], evaluate=False)
    return expr


def settled(expr: Any) -> Any:
    """The value of an expression with its ``UnevaluatedExpr`` wrappers removed."""
    return expr.doit() if isinstance(expr, sympy.Basic) else expr


def to_float(value: Any) -> float:
    """A real SymPy number as a Python float (raises VerificationError if not real)."""
    number = complex(sympy.N(value, 30))
    if abs(number.imag) > 1e-12 * max(1.0, abs(number.real)):
        raise VerificationError(f"expected a real number, got {value}")
    return number.real


# -- checks --------------------------------------------------------------------------
class Checker:
    """Independent re-evaluation of the numbers a derivation shows.

    Values and gradients are recomputed from float code compiled from the
    expression (:mod:`symgrad.backends`). Gradients are checked by complex-step
    differentiation of the compiled *value* code (exact to rounding, for analytic
    functions) or central finite differences (kinks: ``abs``, ``max``...); Hessians
    the same way from the compiled gradient. ``autograd = "torch"`` (the class
    default, or ``symgrad derive --check-with torch``) uses torch autograd of the
    value code instead; importing torch costs seconds, so it is used only where asked.
    Every passed check is recorded in :attr:`log`.
    """

    autograd = "numpy"

    def __init__(self, function: Function | None = None, *, rtol: float = 1e-9, atol: float = 1e-9):
        self.function = function
        self.rtol: float = rtol
        self.atol: float = atol
        self.log: list[Check] = []

    # generic comparison
    def close(self, what: str, shown: Any, independent: Any, method: str, *, rtol: float | None = None) -> None:
        """Raise VerificationError unless ``shown`` (exact) equals ``independent`` (floats) within tolerance."""
        a = np.atleast_1d(np.asarray([to_float(v) for v in _flat(shown)], dtype=float))
        b = np.atleast_1d(np.asarray(independent, dtype=float)).reshape(-1)
        rtol = self.rtol if rtol is None else rtol
        if a.shape != b.shape or not np.allclose(a, b, rtol=rtol, atol=self.atol):
            raise VerificationError(
                f"{what}: the derived value {a.tolist()} disagrees with the independent check "
                f"{b.tolist()} ({method}); it is not shown"
            )
        self.log.append(Check(what, _short(a), _short(b), method))

    def approx(self, what: str, shown: float, independent: Any, decimals: int, method: str) -> None:
        """Raise VerificationError unless ``shown`` (a number displayed as ``≈`` with ``decimals`` places) is the
        ``independent`` value rounded to that precision: ``|shown − independent| ≤ ½·10⁻ᵈ``."""
        b = float(np.asarray(independent, dtype=float).reshape(-1)[0])
        if not abs(float(shown) - b) <= 0.5 * 10.0 ** -decimals * (1 + 1e-9) + 1e-12 * abs(b):
            raise VerificationError(f"{what}: the shown value {shown} is not {b!r} ({method}) to {decimals} decimals; "
                                    "it is not shown")
        self.log.append(Check(what, f"≈ {shown}", _short(np.array([b])), f"{method}, to {decimals} decimals"))

    def _x(self, point: dict[sympy.Symbol, Any]) -> np.ndarray:
        return np.array([to_float(point[v]) for v in self.function.variables], dtype=float)

    def value(self, what: str, shown: Any, point: dict[sympy.Symbol, Any]) -> None:
        """Check ``f(point)`` against compiled float code."""
        compiled = self.function.compile("numpy")
        self.close(what, shown, compiled.value(self._x(point)), "compiled NumPy float64")

    def gradient(self, what: str, shown: Any, point: dict[sympy.Symbol, Any]) -> None:
        """Check ``∇f(point)`` against torch autograd (or finite differences)."""
        x = self._x(point)
        independent, method = self._autograd(x, "grad")
        self.close(what, shown, independent, method, rtol=1e-6 if "finite" in method else None)

    def hessian(self, what: str, shown: Any, point: dict[sympy.Symbol, Any]) -> None:
        """Check the Hessian at ``point`` against torch autograd (or finite differences)."""
        independent, method = self._autograd(self._x(point), "hessian")
        self.close(what, shown, independent, method, rtol=1e-5 if "finite" in method else None)

    def symbolic(self, what: str, derivative: sympy.MatrixBase, which: str = "grad") -> None:
        """Check a symbolic gradient (``which="grad"``) or Hessian at three fixed sample points."""
        rng = np.random.default_rng(0)
        for x in rng.uniform(0.5, 2.0, size=(3, self.function.n)):
            point = dict(zip(self.function.variables, (sympy.Float(v, 17) for v in x)))
            shown = derivative.xreplace(point).evalf(17)
            independent, method = self._autograd(x, which)
            self.close(f"{what} at {np.round(x, 3).tolist()}", shown, independent, method,
                       rtol=1e-5 if "finite" in method else 1e-8)

    def _autograd(self, x: np.ndarray, which: str) -> tuple[np.ndarray, str]:
        if self.autograd != "torch" or importlib.util.find_spec("torch") is None:
            return _numpy_derivative(self.function, x, which)
        import torch

        value = self.function.compile("torch").value
        operator = torch.func.grad if which == "grad" else torch.func.hessian
        result = operator(value)(torch.as_tensor(x, dtype=torch.float64))
        return result.detach().numpy().reshape(-1), "torch autograd"


#: functions without a complex extension that agrees with them: their derivatives use finite differences
_NOT_ANALYTIC = (sympy.Abs, sympy.sign, sympy.Heaviside, sympy.Max, sympy.Min, sympy.floor, sympy.ceiling,
                 sympy.re, sympy.im, sympy.conjugate, sympy.arg, sympy.Piecewise, sympy.DiracDelta)


def _numpy_derivative(function: Function, x: np.ndarray, which: str) -> tuple[np.ndarray, str]:
    """The gradient (of the value) or Hessian (of the gradient) at ``x`` by complex steps: ``Im f(x + ih e) / h``.

    A complex step has no subtraction, so no cancellation: exact to rounding for
    analytic functions. Small functions are evaluated by SymPy at 40 digits
    (milliseconds, no compilation), larger ones by compiled NumPy code; functions
    with kinks use central finite differences of the compiled code.
    """
    if function.expr.has(*_NOT_ANALYTIC):
        return _finite_difference(function.compile("numpy"), x, which), "central finite differences"
    if function.n <= 6 and sympy.count_ops(function.expr) <= 40:
        exprs = [function.expr] if which == "grad" else list(function.gradient())
        h = sympy.Float("1e-20", 40)
        rows = []
        for e in np.eye(len(x)):
            point = {v: sympy.Float(float(c), 40) + sympy.I * h * int(d) for v, c, d in zip(function.variables, x, e)}
            rows.append([float(sympy.im(expr.evalf(40, subs=point)) / h) for expr in exprs])
        result = np.array(rows, dtype=float).T.reshape(-1)
        result[np.abs(result) < 1e-25] = 0.0  # below the step's own error h²·|f⁽³⁾|/6: a zero, not 1e-40
        if np.all(np.isfinite(result)):
            return result, "complex-step differentiation, evaluated by SymPy at 40 digits"
    compiled = function.compile("numpy")
    f = compiled.value if which == "grad" else compiled.gradient
    with np.errstate(all="ignore"):
        columns = [np.asarray(f(x + 1j * 1e-30 * e)).imag / 1e-30 for e in np.eye(len(x))]
    result = np.stack(columns, axis=-1).reshape(-1)
    if np.all(np.isfinite(result)):
        return result, "complex-step differentiation of compiled NumPy code"
    return _finite_difference(compiled, x, which), "central finite differences"


def _finite_difference(compiled: Any, x: np.ndarray, which: str) -> np.ndarray:
    h = 1e-6 * max(1.0, float(np.max(np.abs(x))))
    f = compiled.value if which == "grad" else compiled.gradient
    columns = [(np.asarray(f(x + h * e)) - np.asarray(f(x - h * e))) / (2 * h) for e in np.eye(len(x))]
    return np.stack(columns, axis=-1).reshape(-1)


def _flat(value: Any) -> list[Any]:
    if isinstance(value, sympy.MatrixBase):
        return list(value)
    if isinstance(value, (list, tuple)):
        return [item for v in value for item in _flat(v)]
    return [value]


def _short(array: np.ndarray) -> str:
    values = [float(f"{v:.12g}") for v in array]
    return str(values[0]) if len(values) == 1 else str(values)
