"""The iterative kinds: a derivative and one step in one variable (chapter §7.2), one gradient-descent step
with the improvement verified (§9.4), a whole run of gradient descent (programming exercise 1), and the
workout that chains them.

Every update is :func:`symgrad.optimize.gradient_descent`'s (exact for exact input); every row of a run
is re-computed by an independent float loop over compiled code before it is shown.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import sympy

from ..._deprecation import renamed
from ...analysis._common import bounded
from ...analysis._text import APPROX_DECIMALS, approx_text, decimal_text
from ...display import count_of
from ...errors import InputError
from ...function import Function, as_function
from ...optimize import gradient_descent
from .._support import _chain_rule_form, _new_vector, _plain, _tuple_display
from ..core import UE, Apply, Checker, Deriv, Derivation, Grad, Math, Name, Row, Step, eq, substituted, to_float
from ._shared import _args, _value_chain, _number, _point
from .gradient import _gradient_steps


__all__ = ["derivative_step", "gd_step", "descent", "workout"]


ETA = Name("η", r"\eta")


_STOP_WORDS = {
    "gradient_tolerance": "the gradient is about 0 ({norm} = {g} ≤ {tol}): a minimum, to this tolerance",
    "loss_threshold": "the loss is below the threshold ({name} = {loss} ≤ {threshold})",
    "max_steps": "the step limit was reached with {norm} = {g} > {tol}: allow more steps or use a larger η",
    "diverged": "the run diverged: {advice}",
    "oscillating": "the run oscillates and will not settle: {advice}",
    "max_steps_rising": "the step limit was reached while {advice}",
    "failed": "the optimizer gave up without reaching a minimum: {advice}",
}
"""Trace.stop_reason -> why the run stopped, in words."""


@renamed(at="start")
@bounded
def derivative_step(f: Any, start: Any, lr: Any, *, name: str = "L") -> Derivation:
    """The derivative and one gradient-descent step in one variable (chapter §7.2).

    Example:
        >>> derivative_step("w^2", 3, "0.1").result  # exact: 0.1 is read as 1/10
        12/5
    """
    f = as_function(f)
    if f.n != 1:
        raise InputError(f"derivative_step needs a function of one variable; {f.expr} has {f.n}: use gd_step")
    (w,) = f.variables
    point, eta = _point(f, start), _number(lr, "the learning rate")
    w0 = point[w]
    checker = Checker(f)
    derivative = f.partial(w)
    slope = f.gradient_at(point)[0]
    checker.gradient("dL/dw at the point", slope, point)
    (new,) = _one_step(f, point, eta)
    checker.close("updated parameter", new, to_float(w0) - to_float(eta) * to_float(slope), "float arithmetic")
    old_loss, new_loss = f.at(point), f.at([new])
    checker.value("old loss", old_loss, point)
    checker.value("new loss", new_loss, {w: new})
    change = new_loss - old_loss
    d = Deriv(name, (w,), total=True)
    word = "decreased" if change < 0 else "did not decrease"
    steps = (
        Step("Compute derivative", (eq(d, *_derivative_forms(f, w)),
                                    eq(Deriv(name, (w,), True, ((w, w0),)), substituted(derivative, point), slope,
                                       label=f"At {w.name} = {_plain(w0)}")), slope),
        Step("Choose learning rate", (eq(ETA, eta),), eta),
        Step("Update parameter", (eq(Name(f"{w.name}_new", rf"{sympy.latex(w)}_{{\text{{new}}}}"),
                                     Row((w, Row((ETA, d), (" ",))), ("−",)),
                                     sympy.Add(UE(w0), -eta * UE(slope), evaluate=False), new),), new),
        Step("Verify loss decreased", (
            eq(Apply(name, (w0,)), old_loss, label=""),
            eq(Apply(name, (new,)), new_loss, label=""),
            _numeric_chain(checker, f"Δ{name}", (Name(f"Δ{name}", rf"\Delta {name}"),
                           sympy.Add(UE(new_loss), -UE(old_loss), evaluate=False), change),
                           suffix=f"{'✓' if change < 0 else '✗'} ({word})"),
        ), change),
    )
    given = (eq(Apply(name, (w,)), f.expr, label="Function"), eq(w, w0, label="Current position"))
    return Derivation("derivative-step", "Derivative and a gradient-descent step", given, steps, new,
                      f"Repeat until the derivative is about 0 (a minimum).", (), tuple(checker.log))


@renamed(at="start")
@bounded
def gd_step(f: Any, start: Any, lr: Any, *, name: str = "L", hessian: bool = False) -> Derivation:
    """One gradient-descent step from ``start`` with learning rate ``lr``, the improvement verified (chapter §9.4);
    ``hessian=True`` adds the Hessian. One variable without the Hessian: :func:`derivative_step`.

    Example:
        >>> gd_step("2*w0^2 + 3*w1^2", [3, 4], "0.1").result.T
        Matrix([[9/5, 8/5]])
    """
    f = as_function(f)
    if f.n == 1 and not hessian:
        return derivative_step(f, start, lr, name=name)
    point, eta = _point(f, start), _number(lr, "the learning rate")
    checker = Checker(f)
    steps = _gradient_steps(f, point, name, checker)
    grad = steps[-1].result
    old = f.vector(point)
    new = sympy.ImmutableMatrix(_one_step(f, point, eta))
    checker.close("updated parameters", new, [to_float(o) - to_float(eta) * to_float(g) for o, g in zip(old, grad)],
                  "float arithmetic")
    new_point = dict(zip(f.variables, new))
    old_loss, new_loss = f.at(point), f.at(new_point)
    checker.value("old loss", old_loss, point)
    checker.value("new loss", new_loss, new_point)
    improvement = old_loss - new_loss
    mark = "✓" if improvement > 0 else "✗ (the loss did not decrease: try a smaller η)"
    steps += [
        Step("Choose learning rate", (eq(ETA, eta),), eta),
        Step("Update parameters", (eq(_new_vector(f),
                                      Row((old, Row((eta, grad), ("",))), ("−",)), new),), new),
        Step("Verify improvement", (
            eq(*_value_chain(f, point, name), label="Old loss"),
            eq(*_value_chain(f, new_point, name), label="New loss"),
            _numeric_chain(checker, "improvement", (sympy.Add(UE(old_loss), -UE(new_loss), evaluate=False),
                           improvement), label="Improvement", suffix=mark),
        ), improvement),
    ]
    if hessian:
        H = f.hessian_at(point)
        checker.hessian(f"Hessian at the point", H, point)
        steps.append(Step("Compute the Hessian (the curvature)", (eq(Name("H", "H"), f.hessian(), H),), H))
    given = (eq(Apply(name, f.variables), f.expr, label="Function"),
             eq(_tuple_display(f.variables), _tuple_display(_args(point, f)), label="Point"),
             eq(ETA, eta, label="Learning rate"))
    return Derivation("gd-step", "A gradient-descent step", given, tuple(steps), new,
                      "", (), tuple(checker.log))


@bounded
def descent(f: Any, start: Any, lr: Any, *, max_steps: int = 100, tol: float | str | sympy.Expr = 1e-3,
            loss_threshold: Any = None, name: str = "L", head: int = 5, tail: int = 3) -> Derivation:
    """A full run of gradient descent (:func:`symgrad.optimize.gradient_descent`): a table of
    the steps and why it stopped (programming exercise 1 of the chapter).

    Exact start and learning rate give an exact run; each row shown is re-computed by an
    independent float loop over compiled code. Long runs show the first ``head`` and the
    last ``tail`` rows.

    Arguments:
        f: the loss (text, SymPy expression or Function).
        start: the point the run begins from.
        lr: the learning rate η (``"0.1"`` is exactly 1/10).
        max_steps: the step limit.
        tol: stop when the gradient norm is at most this; a float is read through its decimal
            string (``1e-3`` is exactly 1/1000), so the run stays exact.
        loss_threshold: stop when the loss is at most this.

    Example:
        >>> d = descent("(x - 3)^2", 0, "0.1", name="f")
        >>> d.steps[-1].result, len(d.steps[2].math)
        ('gradient_tolerance', 9)
    """
    f = as_function(f)
    point, eta = _point(f, start), _number(lr, "the learning rate")
    checker = Checker(f)
    trace = _run(f, point, eta, max_steps, tol, loss_threshold, checker)
    given = (eq(Apply(name, f.variables), f.expr, label="Function"),
             eq(_tuple_display(f.variables), _tuple_display(_args(point, f)), label="Start"),
             eq(ETA, eta, label="Learning rate"))
    steps = (_slope_step(f, name, checker), _update_rule(f, name, loss_threshold),
             _run_table(f, trace, name, head, tail, checker),
             _stop_step(f, trace, name, tol, loss_threshold))
    final = trace.points[-1][0] if f.n == 1 else sympy.ImmutableMatrix(trace.points[-1])
    return Derivation("descent", "Gradient descent, run to the end", given, steps, final,
                      "", (), tuple(checker.log))


@renamed(at="start")
@bounded
def workout(f: Any, start: Any, lr: Any, *, name: str = "L", max_steps: int = 100,
            tol: float | str | sympy.Expr = 1e-3) -> Derivation:
    """Gradient, one gradient-descent step with the improvement verified, the Hessian, and then the
    whole run of :func:`symgrad.optimize.gradient_descent` from the same point (table and stop reason).

    Example:
        >>> workout("2*w0^2 + 3*w1^2", [3, 4], "0.1").steps[-1].result
        'gradient_tolerance'
    """
    step = gd_step(f, start, lr, name=name, hessian=True)
    run = descent(f, start, lr, max_steps=max_steps, tol=tol, name=name)
    return Derivation("workout", "A gradient-descent workout", step.given, step.steps + run.steps[1:],
                      step.result, "", step.notes, step.checks + run.checks)


def _tolerance(tol: Any) -> sympy.Expr:
    """The tolerance as an exact number: a float by its decimal string (``1e-3`` is 1/1000, as ``"0.001"`` is)."""
    return _number(repr(tol) if isinstance(tol, float) else tol, "the tolerance")


def _one_step(f: Function, point: dict, eta: Any) -> tuple:
    """One update of :func:`symgrad.optimize.gradient_descent` (exact for exact input)."""
    trace = gradient_descent(f, _args(point, f), eta, 1, tol=0.0)
    return tuple(trace.points[-1])


def _derivative_forms(f: Function, x: sympy.Symbol) -> tuple:
    """``2(x − 3), 2x − 6``: the chain-rule form first where it differs from the expanded derivative."""
    chain = _chain_rule_form(f.expr, x)
    return (f.partial(x),) if chain is None else (chain, f.partial(x))


def _numeric_chain(checker: Checker, what: str, parts: tuple, *, label: str = "", suffix: str = "") -> Math:
    """``parts = … = value``, ending ``≈ 0.2190`` (checked to the decimals shown) when the value is not a plain
    rational, so that a sign asserted after it (✓ decreased) is visible as a number."""
    value = parts[-1]
    line = eq(*parts, label=label, suffix=suffix)
    if isinstance(value, sympy.Rational) or not isinstance(value, sympy.Basic) or value.free_symbols:
        return line
    shown = approx_text(value)
    checker.approx(what, float(shown), to_float(value), APPROX_DECIMALS, "mpmath to 30 digits")
    return Math(line.parts + (Name(shown.replace("-", "−"), shown),), line.relations + ("≈",), label, suffix)


def _slope_step(f: Function, name: str, checker: Checker) -> Step:
    checker.symbolic("∇" + name, f.gradient())
    if f.n == 1:
        (x,) = f.variables
        return Step("Compute derivative", (eq(Deriv(name, (x,), True), *_derivative_forms(f, x)),), f.partial(x))
    return Step("Compute gradient", (eq(Grad(name), f.gradient()),), f.gradient())


def _update_rule(f: Function, name: str, loss_threshold: Any = None) -> Step:
    slope = Deriv(name, f.variables, True) if f.n == 1 else Grad(name)
    variables = _tuple_display(f.variables)
    until = "the gradient is about 0" if loss_threshold is None else (
        f"the gradient is about 0 or {name} ≤ {_plain(_number(loss_threshold, 'the loss threshold'))}")
    return Step(f"Repeat the update until {until}",
                (Math((variables, Row((variables, Row((ETA, slope), (" ",))), ("−",))), (":=",)),))


def _run(f: Function, point: dict, eta: Any, max_steps: int, tol: Any, loss_threshold: Any,
         checker: Checker) -> Any:
    tol_value = to_float(_tolerance(tol))
    threshold = None if loss_threshold is None else to_float(_number(loss_threshold, "the loss threshold"))
    trace = gradient_descent(f, _args(point, f), eta, max_steps, tol=tol_value, loss_threshold=threshold)
    x = np.array([to_float(v) for v in _args(point, f)], dtype=float)
    compiled, rate = f.compile("numpy"), to_float(eta)
    for k, p in enumerate(trace.points):
        checker.close(f"point after {count_of(k, 'step')}", list(p), x, "float loop over compiled NumPy code",
                      rtol=1e-7)
        x = x - rate * np.asarray(compiled.gradient(x), dtype=float).reshape(-1)
    return trace


def _rounded(value: Any) -> tuple[Any, str]:
    """A number to show in a table row, with ``=`` if exact as shown, ``≈`` if rounded to 6 digits."""
    number = value if isinstance(value, sympy.Basic) else sympy.Float(float(value))
    if isinstance(number, sympy.Integer) or (isinstance(number, sympy.Rational)
                                             and len(decimal_text(number) or "x" * 99) <= 10):
        return number, "="
    return sympy.Float(float(f"{to_float(number):.6g}")), "≈"


def _row_item(name: Any, value: Any) -> Row:
    shown, relation = _rounded(value)
    return Row((name, shown), (relation,))


def _norm_name(f: Function, name: str) -> Name:
    if f.n == 1:
        return Name(f"|{name}′|", rf"|{name}'|")
    return Name(f"‖∇{name}‖", rf"\|\nabla {name}\|")


def _run_rows(count: int, head: int, tail: int) -> list[int | None]:
    """Indices of the rows to show; ``None`` marks the gap of a long run."""
    if count <= head + tail + 1:
        return list(range(count))
    return list(range(head)) + [None] + list(range(count - tail, count))


def _run_table(f: Function, trace: Any, name: str, head: int, tail: int, checker: Checker) -> Step:
    """The rows of a run: step k, the point, the loss and the gradient norm, each re-checked."""
    compiled = f.compile("numpy")
    lines = []
    for k in _run_rows(len(trace.points), head, tail):
        if k is None:
            lines.append(Math((Name("⋮", r"\vdots"),)))
            continue
        point = dict(zip(f.variables, trace.points[k]))
        loss = trace.exact_losses[k] if trace.exact_losses is not None else trace.losses[k]
        checker.value(f"loss after {count_of(k, 'step')}", loss, point)
        x = np.array([to_float(v) for v in trace.points[k]], dtype=float)
        norm = _exact_norm(f, point) if trace.exact else trace.gradient_norms[k]
        checker.close(f"gradient norm after {count_of(k, 'step')}", norm,
                      float(np.linalg.norm(np.asarray(compiled.gradient(x), dtype=float))), "compiled NumPy gradient")
        coordinates = [_row_item(v, c) for v, c in zip(f.variables, trace.points[k])]
        parts = (Row((Name("k", "k"), sympy.Integer(k)), ("=",)), *coordinates,
                 _row_item(Name(name, name), loss),
                 _row_item(_norm_name(f, name), norm))
        lines.append(Math(parts, (",",) * (len(parts) - 1)))
    return Step(f"Run: {count_of(trace.steps, 'step')}", tuple(lines), tuple(trace.points[-1]))


def _exact_norm(f: Function, point: dict) -> sympy.Expr:
    gradient = f.gradient_at(point)
    return sympy.Abs(gradient[0]) if f.n == 1 else sympy.sqrt(sum(g**2 for g in gradient))


def _stop_step(f: Function, trace: Any, name: str, tol: Any, threshold: Any) -> Step:
    loss = trace.exact_losses[-1] if trace.exact_losses is not None else trace.losses[-1]
    reason = "max_steps_rising" if trace.stop_reason == "max_steps" and trace.advice else trace.stop_reason
    words = _STOP_WORDS[reason].format(
        name=name, norm=_norm_name(f, name).text, g=f"{trace.gradient_norms[-1]:.3g}", tol=_plain(_tolerance(tol)),
        loss=_plain(_rounded(loss)[0]), threshold="" if threshold is None else _plain(_number(threshold, "a level")),
        advice=trace.advice or "")
    return Step("Why it stopped", (), trace.stop_reason,
                f"It stopped after {count_of(trace.steps, 'step')}: {words.rstrip('.')}.")
