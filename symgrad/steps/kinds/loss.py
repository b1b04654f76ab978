"""The loss kinds: the loss of a model on a dataset (chapter §4.2) and the change in loss for given
displacements with its first-order estimate ∇L·Δw (chapter §8.2).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import sympy

import symgrad.analysis as analysis
from ..._deprecation import renamed
from ...analysis._common import bounded
from ...errors import InputError
from ...function import Function, as_function
from .._support import _data_latex, _data_text, _is_chapter_quadratic, _pairs, _plain, _sub
from ..core import UE, Apply, Checker, Derivation, Grad, Math, Name, Row, Step, eq, substituted, to_float
from ._shared import _args, _value_chain, _column, _number, _point


__all__ = ["loss", "loss_change"]


@renamed(model="f")
@bounded
def loss(f: Any, data: Sequence[Sequence[Any]], params: Mapping[Any, Any], *,
         x: str = "x", name: str = "L") -> Derivation:
    """The loss table: predictions, squared errors, total (chapter §4.2).

    Arguments:
        f: the model's prediction as an expression of the input and the parameters, e.g. ``"w*x + b"``.
        data: pairs ``(x_i, y_i)``.
        params: the parameter values, e.g. ``{"w": 1.5, "b": 1.0}``.
        x: the name of the input variable.
    Returns:
        a Derivation whose result is the total squared error.
    Example:
        >>> loss("w*x + b", [(1, 3), (2, 5)], {"w": "1.5", "b": 1}).result  # exact: 1.25
        5/4
    """
    f = as_function(f)
    names = {v.name: v for v in f.variables}
    if x not in names:
        raise InputError(f"the model {f.expr} does not use the input variable '{x}'; pass x='...'")
    xs = names[x]
    parameters = Function(f.expr, [v for v in f.variables if v != xs])
    values = parameters.point(dict(params)) if parameters.n else {}
    rows = [(_number(a, "an input x"), _number(b, "a target y")) for a, b in _pairs(data)]
    predictor = Function(f.expr.xreplace(values), [xs])
    checker = Checker(predictor)
    predictions, errors, prediction_lines, error_lines = [], [], [], []
    for i, (xi, yi) in enumerate(rows, start=1):
        shown = substituted(f.expr.xreplace(values), {xs: xi})
        yhat = predictor.at([xi])
        checker.value(f"prediction {i}", yhat, {xs: xi})
        predictions.append(yhat)
        prediction_lines.append(eq(Name(f"ŷ{_sub(i)}", rf"\hat{{y}}_{{{i}}}"), shown, yhat))
        err = (yhat - yi) ** 2
        checker.close(f"squared error {i}", err, (to_float(yhat) - to_float(yi)) ** 2, "float arithmetic")
        errors.append(err)
        error_lines.append(eq(Name(f"e{_sub(i)}²", rf"e_{{{i}}}^{{2}}"),
                              sympy.Pow(sympy.Add(UE(yhat), -UE(yi), evaluate=False), 2, evaluate=False),
                              err))
    total = sum(errors, sympy.S.Zero)
    checker.close("total loss", total, float(np.sum([(to_float(p) - to_float(y)) ** 2
                                                      for p, (_, y) in zip(predictions, rows)])), "NumPy sum")
    lhs = Apply(name, (), tuple(values.items()))
    sum_display = sympy.Add(*[UE(e) for e in errors], evaluate=False) if len(errors) > 1 else errors[0]
    steps = (
        Step("Predictions", tuple(prediction_lines), _column(predictions)),
        Step("Squared errors", tuple(error_lines), _column(errors)),
        Step("Total loss", (eq(lhs, sum_display, total),), total),
    )
    given = (eq(Name("y", "y"), f.expr, label="Model"),
             Math((Name(_data_text(rows), _data_latex(rows)),), label="Given data (x, ȳ)"),
             Math(tuple(Row((p, v), ("=",)) for p, v in values.items()), (",",) * (len(values) - 1),
                  label="Parameters"))
    perfect = total == 0
    notes = ("The chapter's slide writes the total loss as L = Σ(e⁽ⁱ⁾)² although e⁽ⁱ⁾ is already a squared "
             "error; the total is the sum of the squared errors, Σ(ŷᵢ − yᵢ)², as computed here.",)
    return Derivation("loss", "Loss of a model on a dataset", given, steps, total,
                      "Every prediction matches its target: the loss is 0 ✓" if perfect else "",
                      notes, tuple(checker.log))


@bounded
def loss_change(f: Any, at: Any, displacements: Sequence[Any], *, name: str = "L") -> Derivation:
    """The change in loss for each displacement, with the first-order estimate ∇L·Δw (chapter §8.2).

    The numbers come from :func:`symgrad.analysis.loss_change` (exact change, first- and
    second-order estimates); each is re-checked in floats before it is shown.

    Example:
        >>> d = loss_change("2*w0^2 + 3*w1^2", [3, 4], [["0.0003", "0.0004"]])
        >>> d.result[0], float(d.result[0])
        (660033/50000000, 0.01320066)
    """
    f = as_function(f)
    point = _point(f, at)
    checker = Checker(f)
    old_loss = f.at(point)
    checker.value("loss at the point", old_loss, point)
    grad = f.gradient_at(point)
    checker.gradient(f"∇{name} at the point", grad, point)
    g = np.array([to_float(v) for v in grad], dtype=float)
    steps = [Step("Loss at point", (eq(*_value_chain(f, point, name)),), old_loss)]
    changes, lengths = [], []
    for k, displacement in enumerate(displacements, start=1):
        change = analysis.loss_change(f, point, f.vector(displacement))
        new_point = dict(zip(f.variables, change.new_point))
        checker.value(f"new loss {k}", change.new_value, new_point)
        delta = change.displacement
        d = np.array([to_float(v) for v in delta], dtype=float)
        checker.close(f"first-order estimate {k}", change.first_order, float(g @ d), "float dot product")
        checker.close(f"change {k}", change.exact, f.compile("numpy").value(_x(f, new_point))
                      - to_float(old_loss), "compiled NumPy difference", rtol=1e-6)
        changes.append(change.exact)
        lengths.append(change.step_length)
        delta_name = Name("Δw", r"\Delta \vec{w}")
        steps.append(Step(f"Displacement {k}", (
            eq(delta_name, delta),
            eq(Name("w′", r"\vec{w}'"), change.new_point, label="New point"),
            eq(Apply(name, _args(new_point, f)), substituted(f.expr, new_point), change.new_value,
               label="New loss"),
            eq(Name(f"ΔL{_sub(k)}", rf"\Delta L_{{{k}}}"),
               sympy.Add(UE(change.new_value), -UE(old_loss), evaluate=False), change.exact, label="Change"),
            eq(Row((Grad(name), delta_name), ("·",)), Row((grad.T, delta), ("",)), change.first_order,
               label="First-order estimate"),
        ), change.exact))
    observation = ""
    if len(set(lengths)) == 1 and len(displacements) > 1:
        observation = (f"Same magnitude ‖Δw‖ = {_plain(lengths[0])}, but different directions → "
                       "different changes in loss.")
    given = (eq(Apply(name, f.variables), f.expr, label="Function"),
             eq(Name("w", r"\vec{w}"), f.vector(point), label="Current point"))
    notes = ("The chapter rounds the new losses to 66.0132 and 66.0120; the exact values are shown. "
             "The chapter's changes 0.0132 and 0.0120 are the first-order estimates ∇L·Δw; the exact "
             "changes differ from them in the eighth decimal (the second-order term ½ΔwᵀHΔw).",) \
        if _is_chapter_quadratic(f) else ()
    return Derivation("loss-change", "Change in loss for given displacements", given, tuple(steps),
                      sympy.ImmutableMatrix(changes), observation, notes, tuple(checker.log))


def _x(f: Function, point: dict) -> np.ndarray:
    return np.array([to_float(point[v]) for v in f.variables], dtype=float)
