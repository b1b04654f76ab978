"""The ``explain`` entries: one worked derivation per kind of question.

Each entry takes functions, points and numbers in any form symgrad accepts
(text, SymPy objects, :class:`~symgrad.function.Function`; points as
sequences, mappings or keywords; ``"0.1"`` stays exactly ``1/10``) and returns
a :class:`~symgrad.steps.core.Derivation` whose steps follow the wording and
order of the course chapter's workouts. The variables keep the user's names.

The mathematics is not decided here. Verdicts, roots, critical points, Taylor
terms, level sets and changes of the loss come from :mod:`symgrad.analysis`
(``convexity``, ``critical_points``, ``non_differentiable_points``,
``taylor_terms``, ``level_set``, ``gradient_orthogonal_to_level_set``,
``loss_change``, ``eigenvalues``), gradient-descent steps and runs from
:func:`symgrad.optimize.gradient_descent`; an entry lays them out as the
chapter does. Every number shown is still checked by
:class:`~symgrad.steps.core.Checker` (compiled float code, torch autograd or
finite differences) before the derivation is returned.

Every entry runs within ``Limits.total_timeout`` seconds (keyword ``limits=``,
see :func:`symgrad.analysis._common.bounded`) and raises
:class:`~symgrad.errors.Timeout` past it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import sympy

from .. import analysis
from ..analysis._common import bounded
from ..analysis.linalg import minor_form
from ..analysis.taylor import in_powers_of_shift
from ..analysis._text import APPROX_DECIMALS, approx_text
from ..errors import InputError, VerificationError
from ..function import Function, as_function, to_sympy_number
from ..optimize import gradient_descent
from . import matrix as matrix_steps
from ._support import (
    _data_latex,
    _data_text,
    _eigen_steps,
    _chain_rule_form,
    _factored,
    _is_chapter_quadratic,
    _latex_text,
    _matrix,
    _new_vector,
    _ordinal,
    _pairs,
    _plain,
    _point_text,
    _set_text,
    _shape,
    _sub,
    _tuple_display,
    _tuple_text,
)
from . import backprop, jacobian, nonsmooth, textbook
from .core import (
    UE, Apply, Ascending, Check, Checker, Deriv, Derivation, Grad, Math, Name, Row, Step, eq, powers_evaluated,
    substituted, to_float,
)

__all__ = ["explain", "Explain"]

ETA = Name("η", r"\eta")


def _args(point: dict, f: Function) -> tuple:
    return tuple(point[v] for v in f.variables)


def _value_chain(f: Function, point: dict, name: str) -> tuple:
    """``L(3, 4) = 2(3)² + 3(4)² = 2(9) + 3(16) = 66`` as parts."""
    shown = substituted(f.expr, point)
    return (Apply(name, _args(point, f)), shown, powers_evaluated(shown), f.at(point))


def _column(values: Sequence[Any]) -> sympy.ImmutableMatrix:
    return sympy.ImmutableMatrix(list(values))


def _number(value: Any, what: str) -> sympy.Expr:
    number = to_sympy_number(value)
    if not isinstance(number, sympy.Expr) or number.free_symbols or not number.is_number:
        raise InputError(f"{what} must be a number, got {value!r}")
    return number


def _point(f: Function, at: Any) -> dict:
    if isinstance(at, Mapping) or (isinstance(at, Sequence) and not isinstance(at, str)) or hasattr(at, "shape"):
        return f.point(at)
    return f.point([at])


class Explain:
    """Worked derivations, one method per kind of question (``sg.explain.gradient(...)``)."""

    def entries(self) -> dict[str, Callable[..., Derivation]]:
        """The table of entries by name (``"gd_step"`` → :meth:`gd_step`, ...), for commands that pick one."""
        return {"loss": self.loss, "derivative_step": self.derivative_step, "gradient": self.gradient,
                "gd_step": self.gd_step, "workout": self.workout, "descent": self.descent,
                "loss_change": self.loss_change, "hessian": self.hessian, "eigenvalues": self.eigenvalues,
                "convexity": self.convexity, "critical_points": self.critical_points, "taylor": self.taylor,
                "level_set": self.level_set, "backprop": self.backprop, "accumulation": self.accumulation,
                "jacobian": self.jacobian}

    def entry(self, name: str) -> Callable[..., Derivation]:
        """The entry called ``name``; an :class:`InputError` listing the names if there is none."""
        table = self.entries()
        if name not in table:
            raise InputError(f"there is no explain entry {name!r}; the entries are {', '.join(table)}")
        return table[name]

    # -- §12.3–12.5 backpropagation (steps/backprop.py) ----------------------------
    @bounded
    def backprop(self, f: Any, at: Any, *, wrt: Any = None, name: str = "L") -> Derivation:
        """Backpropagation on the computational graph (chapter §12.3); see :func:`symgrad.steps.backprop.backprop`.

        Example:
            >>> explain.backprop("(w*x + b - y)^2", {"w": 2, "x": 3, "b": 1, "y": 4}, wrt=["w", "b"]).result.T
            Matrix([[18, 6]])
        """
        return backprop.backprop(f, at, wrt=wrt, name=name)

    @bounded
    def accumulation(self, f: Any = "w^2", at: Any = 2, *, repeats: int = 2, name: str = "L") -> Derivation:
        """Why ``.grad`` must be zeroed (chapter §12.5); see :func:`symgrad.steps.backprop.accumulation`."""
        return backprop.accumulation(f, at, repeats=repeats, name=name)

    @bounded
    def jacobian(self, f: Any, at: Any = None, *, name: str = "F") -> Derivation:
        """The Jacobian of a vector-valued function with the chain rule; see :func:`symgrad.steps.jacobian.jacobian`.

        Example:
            >>> explain.jacobian("[r*cos(theta), r*sin(theta)]", [2, 0]).result
            Matrix([
            [1, 0],
            [0, 2]])
        """
        return jacobian.jacobian(f, at, name=name)

    # -- §4.2 loss of a model on a dataset ------------------------------------------
    @bounded
    def loss(self, model: Any, data: Sequence[Sequence[Any]], params: Mapping[Any, Any], *,
             x: str = "x", name: str = "L") -> Derivation:
        """The loss table: predictions, squared errors, total (chapter §4.2).

        Arguments:
            model: the prediction as an expression of the input and the parameters, e.g. ``"w*x + b"``.
            data: pairs ``(x_i, y_i)``.
            params: the parameter values, e.g. ``{"w": 1.5, "b": 1.0}``.
            x: the name of the input variable.
        Returns:
            a Derivation whose result is the total squared error.
        Example:
            >>> explain.loss("w*x + b", [(1, 3), (2, 5)], {"w": "1.5", "b": 1}).result  # exact: 1.25
            5/4
        """
        f = as_function(model)
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

    # -- §7.2 derivative and a 1D gradient-descent step -------------------------------
    @bounded
    def derivative_step(self, f: Any, at: Any, lr: Any, *, name: str = "L") -> Derivation:
        """The derivative and one gradient-descent step in one variable (chapter §7.2).

        Example:
            >>> explain.derivative_step("w^2", 3, "0.1").result  # exact: 0.1 is read as 1/10
            12/5
        """
        f = as_function(f)
        if f.n != 1:
            raise InputError(f"derivative_step needs a function of one variable; {f.expr} has {f.n}: use gd_step")
        (w,) = f.variables
        point, eta = _point(f, at), _number(lr, "the learning rate")
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

    # -- §9.1/§9.4 partial derivatives and the gradient -----------------------------
    @bounded
    def gradient(self, f: Any, at: Any = None, *, name: str = "L", shapes: Mapping[str, Any] | None = None,
                 wrt: Any = None) -> Derivation:
        """Partial derivatives and the gradient, optionally at a point (chapter §9.1, §9.4 steps 1–2).
        Vectors and matrices (``shapes=`` or a shaped Function): :mod:`symgrad.steps.matrix`.

        Example:
            >>> explain.gradient("2*w0^2 + 3*w1^2", [3, 4]).result.T
            Matrix([[12, 24]])
        """
        if matrix_steps.is_shaped(f, shapes):
            return matrix_steps.matrix_gradient_derivation(f, wrt, shapes=shapes, name=name, at=at)
        f = as_function(f)
        checker = Checker(f)
        steps = list(self._gradient_steps(f, None if at is None else _point(f, at), name, checker))
        given = [eq(Apply(name, f.variables), f.expr, label="Function")]
        if at is not None:
            point = _point(f, at)
            given.append(eq(_tuple_display(f.variables), _tuple_display(_args(point, f)), label="Point"))
        return Derivation("gradient", "Partial derivatives and the gradient", tuple(given), tuple(steps),
                          steps[-1].result, "", (), tuple(checker.log))

    def _gradient_steps(self, f: Function, point: dict | None, name: str, checker: Checker) -> list[Step]:
        lines, named, forms, shown = [], {}, [], []
        known = textbook.probabilities(f.expr)
        for v in f.variables:
            partial = f.partial(v)
            form = textbook.textbook_partial(partial, v, known) if known else None
            lead: tuple = ()
            if form is not None:
                lead, partial = (form[0],), minor_form(partial)
                named.update({q.symbol: q.expr for q in form[1]})
            forms.append(lead[0] if lead else partial)
            shown.append(partial)
            if point is None:
                lines.append(eq(Deriv(name, (v,)), *lead, partial))
            else:
                value = partial.xreplace(point)
                lines.append(eq(Deriv(name, (v,)), *lead, partial, substituted(partial, point), value))
        remark = ("where " + ", ".join(f"{_plain(k)} = {_plain(e)}" for k, e in named.items())
                  + " (each form proven equal by SymPy)") if named else ""
        if point is None:
            checker.symbolic(f"∇{name}", f.gradient())
            vector = (_column(forms), _column(shown)) if named else (f.gradient(),)
            return [Step("Compute partial derivatives", tuple(lines), vector[-1], remark),
                    Step("Form gradient", (eq(Grad(name), *vector),), vector[-1],
                         f"with {', '.join(_plain(k) for k in named)} as in step 1" if named else "")]
        grad = f.gradient_at(point)
        checker.gradient(f"∇{name} at the point", grad, point)
        return [Step("Compute partial derivatives", tuple(lines), grad, remark),
                Step("Form gradient", (eq(Grad(name, _args(point, f)), grad),), grad)]

    # -- §9.4 a gradient-descent step with the improvement verified ------------------
    @bounded
    def gd_step(self, f: Any, at: Any, lr: Any, *, name: str = "L", hessian: bool = False) -> Derivation:
        """One gradient-descent step, improvement verified (chapter §9.4); ``hessian=True`` adds the Hessian.

        Example:
            >>> explain.gd_step("2*w0^2 + 3*w1^2", [3, 4], "0.1").result.T
            Matrix([[9/5, 8/5]])
        """
        f = as_function(f)
        if f.n == 1 and not hessian:
            return self.derivative_step(f, at, lr, name=name)
        point, eta = _point(f, at), _number(lr, "the learning rate")
        checker = Checker(f)
        steps = self._gradient_steps(f, point, name, checker)
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

    # -- §8.2 change in loss for given displacements ---------------------------------
    @bounded
    def loss_change(self, f: Any, at: Any, displacements: Sequence[Any], *, name: str = "L") -> Derivation:
        """The change in loss for each displacement, with the first-order estimate ∇L·Δw (chapter §8.2).

        The numbers come from :func:`symgrad.analysis.loss_change` (exact change, first- and
        second-order estimates); each is re-checked in floats before it is shown.

        Example:
            >>> d = explain.loss_change("2*w0^2 + 3*w1^2", [3, 4], [["0.0003", "0.0004"]])
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
            checker.close(f"change {k}", change.exact, f.compile("numpy").value(self._x(f, new_point))
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

    @staticmethod
    def _x(f: Function, point: dict) -> np.ndarray:
        return np.array([to_float(point[v]) for v in f.variables], dtype=float)

    # -- §11.5 the Hessian -------------------------------------------------------------
    @bounded
    def hessian(self, f: Any, at: Any = None, *, name: str = "L") -> Derivation:
        """First derivatives, second derivatives and the Hessian matrix (chapter §11.5).

        Example:
            >>> explain.hessian("2*w0^2 + 3*w1^2").result
            Matrix([
            [4, 0],
            [0, 6]])
        """
        f = as_function(f)
        if not f.is_scalar:
            raise InputError(f"the Hessian is for a scalar function (a loss), but {f.expr} is vector-valued; its first "
                             "derivatives form the Jacobian: use explain.jacobian (symgrad derive jacobian), or the "
                             "Hessian of one component")
        checker = Checker(f)
        first = [eq(Deriv(name, (v,)), f.partial(v)) for v in f.variables]
        second = [eq(Deriv(name, (v, v)), f.hessian()[i, i]) for i, v in enumerate(f.variables)]
        for i, vi in enumerate(f.variables):
            for j, vj in enumerate(f.variables):
                if i != j and (i < j or f.n == 2):
                    second.append(eq(Deriv(name, (vi, vj)), f.hessian()[i, j]))
        H = f.hessian()
        steps = [Step("First derivatives", tuple(first), f.gradient()),
                 Step("Second derivatives", tuple(second), H)]
        result = H
        if at is not None:
            point = _point(f, at)
            result = f.hessian_at(point)
            checker.hessian("Hessian at the point", result, point)
            steps.append(Step("Hessian matrix", (eq(Name("H", "H"), H, result),), result))
        else:
            checker.symbolic("∇" + name, f.gradient())
            checker.symbolic("Hessian", H, "hessian")
            steps.append(Step("Hessian matrix", (eq(Name("H", "H"), H),), H))
        off = [result[i, j] for i in range(f.n) for j in range(f.n) if i != j]
        conclusion = ("With one variable the Hessian is the 1×1 matrix of the second derivative: the curvature."
                      if f.n == 1 else
                      "Diagonal elements: curvature along each axis; off-diagonal elements: coupling between "
                      "variables" + (" (here none: the off-diagonal entries are 0)." if off and all(
                          e == 0 for e in off) else "."))
        given = (eq(Apply(name, f.variables), f.expr, label="Function"),)
        return Derivation("hessian", "The Hessian matrix", given, tuple(steps), result, conclusion, (),
                          tuple(checker.log))

    # -- §13.5 step 4: eigenvalues through the characteristic polynomial ---------------
    @bounded
    def eigenvalues(self, matrix: Any) -> Derivation:
        """Eigenvalues of a symmetric matrix through its characteristic polynomial (chapter §13.5 step 4).

        Example:
            >>> explain.eigenvalues([[2, 2], [2, 6]]).result
            [4 - 2*sqrt(2), 2*sqrt(2) + 4]
        """
        H = _matrix(matrix)
        checker = Checker()
        steps = list(_eigen_steps(H, checker))
        return Derivation("eigenvalues", "Eigenvalues through the characteristic polynomial",
                          (eq(Name("H", "H"), H, label="Matrix"),), tuple(steps), steps[-1].result, "", (),
                          tuple(checker.log))

    # -- §13.2 / §13.5 convexity ---------------------------------------------------------
    @bounded
    def convexity(self, f: Any, *, name: str = "f", domain: Any = None) -> Derivation:
        """A convexity test laid out as the chapter does it (§13.2, §13.5); the verdict is
        :func:`symgrad.analysis.convexity`'s.

        The steps show the derivatives and the Hessian, then the argument the analysis used:
        the sign of ``f''`` (one variable), the eigenvalues of a constant Hessian through the
        characteristic polynomial, the principal minors, a composition rule, or a chord that
        lies below the graph (a counterexample, checked exactly and here again in floats).

        Arguments:
            f: the function (text, SymPy expression or Function).
            name: its name in the derivation.
            domain: optional domain (see :func:`symgrad.analysis.convexity`).
        Returns:
            a Derivation whose result is the verdict: ``"strictly convex"``, ``"convex"``,
            ``"strictly concave"``, ``"concave"``, ``"neither"`` or ``"unknown"``.
        Example:
            >>> explain.convexity("w0^2 + 2*w0*w1 + 3*w1^2").result
            'strictly convex'
        """
        f = as_function(f)
        verdict = analysis.convexity(f, domain, name=name)
        checker = Checker(f)
        given = (eq(Apply(name, f.variables), f.expr, label="Function"),)
        if not verdict.domain.is_everything:
            given += (Math((Name(verdict.domain.describe(), _latex_text(verdict.domain.describe())),),
                           label="Domain"),)
        smooth = verdict.method in _HESSIAN_METHODS or any(label.startswith(("second", "Hessian"))
                                                            for label, _ in verdict.steps)
        steps = self._second_derivative_steps(f, name, checker) if smooth else []
        if f.n == 1 and smooth:
            steps += self._sign_of_second_derivative(f, name, verdict)
        elif smooth and not f.hessian().free_symbols & set(f.variables):
            eigen = _eigen_steps(f.hessian(), checker)
            steps.append(Step("Compute eigenvalues", tuple(m for s in eigen for m in s.math), eigen[-1].result))
        elif smooth:
            steps.append(self._minors_step(verdict))
        signs_shown = any(s.text == "Check the sign of the second derivative" for s in steps)
        if verdict.counterexample is not None:
            steps += self._counterexample_steps(f, name, verdict.counterexample, checker,
                                                verdict.concavity_counterexample, dict(verdict.steps), signs_shown)
        if verdict.method == "composition" or verdict.verdict == "unknown" or not steps:
            reason = verdict.reason.split(" It is not strictly")[0] if verdict.straight_chord is not None else verdict.reason
            steps.append(Step("Apply the rules of convex analysis" if verdict.method == "composition"
                              else "Decide on each piece of the domain" if verdict.pieces else "Decide",
                              (), verdict.verdict, reason))
        if verdict.straight_chord is not None:
            steps.append(_chord_step(f, name, verdict.straight_chord, "on", checker))
        conclusion = _convexity_conclusion(f, verdict)
        return Derivation("convexity", "Convexity test", given, tuple(steps), verdict.verdict, conclusion, (),
                          tuple(checker.log))

    def _second_derivative_steps(self, f: Function, name: str, checker: Checker) -> list[Step]:
        if f.n == 1:
            (x,) = f.variables
            d1, d2 = f.partial(x), f.partial(x, 2)
            checker.symbolic(f"d{name}/d{x.name}", sympy.ImmutableMatrix([d1]))
            checker.symbolic(f"d²{name}/d{x.name}²", sympy.ImmutableMatrix([[d2]]), "hessian")
            return [Step("Compute the first and second derivatives",
                         (eq(Deriv(name, (x,), True), d1), eq(Deriv(name, (x, x), True), d2)), d2)]
        H = f.hessian()
        checker.symbolic("∇" + name, f.gradient())
        checker.symbolic("Hessian", H, "hessian")
        second = [eq(Deriv(name, (v, v)), H[i, i]) for i, v in enumerate(f.variables)]
        second += [eq(Deriv(name, (vi, vj)), H[i, j]) for i, vi in enumerate(f.variables)
                   for j, vj in enumerate(f.variables) if i < j]
        return [Step("Compute partial derivatives", tuple(eq(Deriv(name, (v,)), f.partial(v)) for v in f.variables),
                     f.gradient()),
                Step("Compute second partial derivatives", tuple(second), H),
                Step("Form Hessian", (eq(Name("H", "H"), H),), H)]

    def _sign_of_second_derivative(self, f: Function, name: str, verdict: Any) -> list[Step]:
        """``f'' ≥ 0 for all x`` when the analysis proved it (with the isolated zeros it found)."""
        if verdict.method not in ("second-derivative", "hessian-constant") or verdict.is_convex is None:
            return []
        (x,) = f.variables
        d2 = f.partial(x, 2)
        zeros = dict(verdict.steps).get("where f'' = 0")
        upward = verdict.is_convex
        relation = (">" if upward else "<") if zeros is None and verdict.verdict.startswith("strictly") else (
            "≥" if upward else "≤")
        where = f" (equal to 0 only at {_where_text(x, zeros)})" if zeros is not None else ""
        label = f"For all {_plain(x)}" if verdict.domain.is_everything else f"For all {verdict.domain.describe()}"
        math = (Math((d2, sympy.Integer(0)), (relation,), label=label,
                     suffix=("✓" if upward else "(concave)") + where),)
        return [Step("Check the sign of the second derivative", math, sympy.true)]

    @staticmethod
    def _second_derivative_signs(f: Function, name: str, facts: Mapping[str, Any], checker: Checker) -> Step:
        """``For x > 0: 6x > 0 (convex)``, ``For x < 0: 6x < 0 (concave)`` from the analysis's sign sets,
        each checked in floats at a point of its set."""
        (x,) = f.variables
        d2 = f.partial(x, 2)
        lines = []
        for key, relation, word in (("where f'' > 0", ">", "convex"), ("where f'' < 0", "<", "concave")):
            region = facts.get(key)
            if region is None or region is sympy.S.EmptySet:
                continue
            sample = _inside(region)
            if sample is not None:
                checker.hessian(f"second derivative {relation} 0 at {_plain(x)} = {_plain(sample)}",
                                sympy.ImmutableMatrix([[d2.xreplace({x: sample})]]), {x: sample})
            lines.append(Math((d2, sympy.Integer(0)), (relation,), label=f"For {_condition_text(region, x)}",
                              suffix=f"({word})"))
        return Step("Check the sign of the second derivative", tuple(lines), sympy.false)

    def _minors_step(self, verdict: Any) -> Step:
        found = dict(verdict.steps)
        lines = tuple(Math((Name(label, _latex_text(label)), sympy.Tuple(*value)), ("=",))
                      for label, value in found.items() if "minors" in label)
        return Step("Check the Hessian is positive semi-definite everywhere", lines, verdict.verdict, verdict.reason)

    def _counterexample_steps(self, f: Function, name: str, found: Any, checker: Checker,
                              other: Any = None, facts: Mapping[str, Any] | None = None,
                              signs_shown: bool = False) -> list[Step]:
        """The analysis's counterexample, every value re-checked in floats: where the second derivative
        is positive and where negative (one variable, chapter §13.2), or a negative Hessian eigenvalue
        at a point, and a chord below the graph."""
        facts = facts or {}
        steps = []
        if f.n == 1 and "where f'' < 0" in facts:
            steps.append(self._second_derivative_signs(f, name, facts, checker))
        elif found.hessian_point is not None and not signs_shown:
            point = found.hessian_point
            H = f.hessian_at(point)
            checker.hessian("Hessian at the counterexample point", H, point)
            if f.n == 1:
                (x,) = f.variables
                lines = []
                if other is not None and other.hessian_point is not None:  # where f'' > 0: the chapter's other side
                    up = other.hessian_point
                    checker.hessian("second derivative where f is not concave", f.hessian_at(up), up)
                    lines.append(Math((Deriv(name, (x, x), True, ((x, up[x]),)), f.hessian_at(up)[0, 0],
                                       sympy.Integer(0)), ("=", ">"), suffix="(convex there)"))
                line = Math((Deriv(name, (x, x), True, ((x, point[x]),)), H[0, 0], sympy.Integer(0)), ("=", "<"),
                            suffix="(concave there)")
            else:
                checker.close("smallest eigenvalue there", found.eigenvalue,
                              np.min(np.linalg.eigvalsh(np.array(H.tolist(), dtype=float))), "numpy.linalg.eigvalsh")
                line = Math((Name("λ_min", r"\lambda_{\min}"), found.eigenvalue, sympy.Integer(0)), ("=", "<"),
                            label=f"Smallest eigenvalue of H{_tuple_text(_args(point, f))}",
                            suffix=f"(direction {_tuple_text(found.direction)})")
            shown = (*lines, line) if f.n == 1 else (eq(Name("H", "H"), H, label=f"At {_tuple_text(_args(point, f))}"),
                                                      line)
            steps.append(Step("Check the sign of the second derivative" if f.n == 1 else
                              "Find a point where the Hessian has a negative eigenvalue", shown, H))
        steps.append(_chord_step(f, name, found, "below", checker))
        if other is not None:
            steps.append(_chord_step(f, name, other, "above", checker))
        return steps

    # -- §9.5 critical points -----------------------------------------------------------
    @bounded
    def critical_points(self, f: Any, *, name: str = "L", domain: Any = None) -> Derivation:
        """Where the gradient is zero or does not exist, each classified (chapter §9.5).

        The points and their kinds come from :func:`symgrad.analysis.critical_points`
        (exact solving, kinks proven by one-sided limits, global certificates); the
        steps lay them out and re-check every value.

        Example:
            >>> explain.critical_points("sqrt(w0^2 + w1^2)").result
            [{w0: 0, w1: 0}]
        """
        f = as_function(f)
        if domain is None and f.is_scalar:
            piecewise = nonsmooth.piecewise_critical_points(f, name)
            if piecewise is not None:
                return piecewise
        checker = Checker(f)
        found = analysis.critical_points(f, domain=domain)
        stationary = [p for p in found if p.kind != "non-differentiable"]
        kinks = [p for p in found if p.kind == "non-differentiable"]
        grad = sympy.ImmutableMatrix([sympy.simplify(g) for g in f.gradient()])
        checker.symbolic("∇" + name, grad)
        slope = Deriv(name, f.variables, True) if f.n == 1 else Grad(name)
        shown = grad[0] if f.n == 1 else grad
        steps = [Step("Compute the gradient" if f.n > 1 else "Compute the derivative",
                      (eq(slope, shown, *(_factored(grad) if f.n > 1 else ())),), grad)]
        solutions = tuple(p.point for p in stationary)
        labels = _root_labels(f, stationary)
        steps.append(_zero_step(f, slope, grad, stationary, labels, checker))
        for p in stationary:
            for sample in _instances(p.point):
                checker.gradient(f"∇{name} at a critical point", grad.xreplace(sample), sample)
        for p in kinks:
            full = {v: p.point.get(v, v) for v in f.variables}  # a kink line such as x = 0 leaves y free
            for sample in _instances(full):
                checker.value(f"{name} at the non-differentiable point", p.value.xreplace(sample), sample)
            lines = [eq(Apply(name, _args(full, f)), p.value)]
            for variable, (left, right) in p.one_sided.items():
                lines.append(Math((Deriv(name, (f.variable(variable),)),
                                   Row((Name("left", r"\text{left}"), left), ("=",)),
                                   Row((Name("right", r"\text{right}"), right), ("=",))), (":", ","),
                                  label="One-sided difference quotients"))
            free = [v for v in f.variables if v not in p.point]
            where = _point_text(p.point, f) if not free else (
                ", ".join(f"{_plain(v)} = {_plain(p.point[v])}" for v in f.variables if v in p.point)
                + f" (for every {', '.join(_plain(v) for v in free)})")
            remark = f"∇{name} does not exist at {where}: the one-sided difference quotients disagree."
            if p.extremum == "global minimum":
                remark += (f" The point is still the minimum: {name} ≥ {_plain(p.value)} = "
                           f"{name}{_tuple_text(_args(full, f))} everywhere.")
            steps.append(Step("Check where the gradient does not exist", tuple(lines), p.point, remark))
        if f.n == 1 and any(not _is_set(p.point, f) for p in stationary):
            second_derivative = _second_derivative(f)
            steps.append(Step("Compute the second derivative", (eq(Deriv(name, f.variables * 2, True),
                                                                      second_derivative),), second_derivative))
        for p in stationary:
            steps.append(_classify_step(f, p, name, labels, checker))
        comparison = _global_step(f, stationary + kinks, name, labels, checker)
        if comparison is not None:
            steps.append(comparison)
        notes = ()
        if kinks and not stationary:
            notes = (f"The chapter (§9.5) sets ∇{name} = 0 and reports the solution w₀ = 0, w₁ = 0, but the gradient "
                     "w/‖w‖ has length 1 wherever it exists and never vanishes; it does not exist at the origin. "
                     "The minimum is at the origin because the function is ≥ 0 and equals 0 there.",) \
                if _is_norm(f) else ()
        return Derivation("critical-points", "Critical points", (eq(Apply(name, f.variables), f.expr,
                                                                       label="Function"),),
                          tuple(steps), [p.point for p in found], "", notes, tuple(checker.log))

    # -- §11.2 / exercise 5 Taylor approximation ----------------------------------------
    @bounded
    def taylor(self, f: Any, at: Any = 0, order: int = 2, *, name: str = "f", in_variables: bool = False) -> Derivation:
        """A Taylor approximation: the derivatives at the point, then each truncation (chapter §11.2).

        The terms come from :func:`symgrad.analysis.taylor_terms`; the polynomial is checked
        against ``sympy.series`` (one variable) and the value, gradient and Hessian at the
        point against compiled code and autograd. In several variables the result is a
        polynomial in the displacements ``Δw`` (chapter §11.3); ``in_variables=True`` adds a
        step that substitutes ``Δw = w − a`` and expands, and returns that polynomial in ``w``
        (one variable: the result is always in ``x``).

        Example:
            >>> explain.taylor("exp(x)", 0, 3).result
            x**3/6 + x**2/2 + x + 1
        """
        f = as_function(f)
        if isinstance(order, bool) or not isinstance(order, int) or order < 0 or order > 12:
            raise InputError(f"the order must be a whole number from 0 to 12, got {order!r}")
        if f.n != 1:
            return self._taylor_nd(f, at, order, name, in_variables)
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

    def _taylor_nd(self, f: Function, at: Any, order: int, name: str, in_variables: bool) -> Derivation:
        point = _point(f, at)
        checker = Checker(f)
        shown = {d: sympy.Symbol(f"Delta_{v.name}", real=True)  # Δw0 has no ASCII LaTeX spelling; Delta_w0 has
                 for v, d in zip(f.variables, analysis.displacement_symbols(f))}
        terms = [term.xreplace(shown) for term in analysis.taylor_terms(f, point, order, in_displacement=True)]
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
        plain = analysis.taylor_terms(f, point, order, in_displacement=True)
        in_powers = in_powers_of_shift(plain, f, point)
        if any(point[v] != 0 for v in f.variables):
            shifts = ", ".join(f"{_plain(d)} = {_plain(v)} − {_plain(point[v])}" for v, d in zip(f.variables, shown.values())
                               if point[v] != 0)
            steps.append(Step(f"In the variables {', '.join(_plain(v) for v in f.variables)} ({shifts})",
                              (Math((Apply(name, f.variables), Ascending(in_powers)), ("≈",)),), in_powers))
        steps += _tangent_step(f, point, plain, name)
        if in_variables:
            steps.append(self._taylor_in_variables(f, point, shown, approximation, name))
            approximation = steps[-1].result
        given = (eq(Apply(name, f.variables), f.expr, label="Function"),
                 eq(_tuple_display(f.variables), _tuple_display(_args(point, f)), label="Around"))
        return Derivation("taylor", f"Taylor approximation of order {order}", given, tuple(steps), approximation,
                          "", (), tuple(checker.log))

    @staticmethod
    def _taylor_in_variables(f: Function, point: dict, shown: dict, approximation: sympy.Expr, name: str) -> Step:
        """``Δw = w − a`` substituted into the assembled polynomial and expanded."""
        deltas = {symbol: v - point[v] for v, symbol in zip(f.variables, shown.values())}
        expanded = sympy.expand(approximation.xreplace(deltas))
        column = sympy.ImmutableMatrix(list(deltas.values()))
        return Step("Substitute Δw = w − a and expand", (
            eq(Name("Δw", r"\Delta \vec{w}"), column),
            Math((Apply(name, f.variables), Ascending(expanded)), ("≈",))), expanded)

    # -- §10 level sets ------------------------------------------------------------------
    @bounded
    def level_set(self, f: Any, values: Sequence[Any] = (1, 2, 5), *, at: Any = None,
                  name: str = "L") -> Derivation:
        """Level contours ``f = c`` and, at a point, the gradient's orthogonality to them (chapter §10).

        The equations come from :func:`symgrad.analysis.level_set`, the tangents and the
        orthogonality check from :func:`symgrad.analysis.gradient_orthogonal_to_level_set`.

        Example:
            >>> explain.level_set("sqrt(w0^2 + w1^2)", [1, 2]).steps[1].math[0].parts[0]
            w0**2 + w1**2
        """
        f = as_function(f)
        c = sympy.Symbol("c", positive=True)
        general = analysis.level_set(f, c)
        levels = [(cv, analysis.level_set(f, cv)) for cv in (_number(v, "a level") for v in values)]
        shapes = [_shape(equation.lhs, f) if isinstance(equation, sympy.Eq) else None for _, equation in levels]
        shape = shapes[0] if shapes and all(s == shapes[0] for s in shapes) else None
        steps = [Step("Level contours", (Math((general.lhs, general.rhs), ("=",),
                                               suffix=f"({shape[1]})" if shape else ""),), general)]
        lines = []
        for (cv, equation), this in zip(levels, shapes):
            if equation is sympy.false:
                lines.append(Math((Name("∅", r"\emptyset"),), label=f"c = {_plain(cv)}", suffix="(empty: no point has "
                                  "this value)"))
                continue
            radius = sympy.sqrt(equation.rhs)
            words = f"({this[0].lower()} of radius {_plain(radius)} centered at origin)" if this else ""
            lines.append(Math((equation.lhs, equation.rhs), ("=",), label=f"c = {_plain(cv)}", suffix=words))
        steps.append(Step("The contours for each level", tuple(lines), tuple(e for _, e in levels)))
        checker = Checker(f)
        grad = f.gradient()
        checker.symbolic("∇" + name, grad)
        steps.append(Step("Gradient", (eq(Grad(name), grad, *_factored(grad)),), grad))
        if at is not None:
            steps.append(self._orthogonality_step(f, _point(f, at), name, checker))
        return Derivation("level-set", "Level sets", (eq(Apply(name, f.variables), f.expr, label="Function"),),
                          tuple(steps), general,
                          "The gradient is perpendicular to the level contour through each point.", (),
                          tuple(checker.log))

    def _orthogonality_step(self, f: Function, point: dict, name: str, checker: Checker) -> Step:
        check = analysis.gradient_orthogonal_to_level_set(f, point)
        checker.gradient("gradient on the contour", check.gradient, point)
        g = np.array([to_float(v) for v in check.gradient], dtype=float)
        lines = [eq(Grad(name, _args(point, f)), check.gradient)]
        for k, (tangent, dot) in enumerate(zip(check.tangents, check.dots), start=1):
            scale = sympy.ilcm(*[sympy.fraction(t)[1] for t in tangent]) if all(t.is_Rational for t in tangent) else 1
            tangent, dot = sympy.ImmutableMatrix(tangent * scale), dot * scale  # the same direction, whole numbers
            checker.close(f"∇{name}·t{k}", dot, float(g @ np.array([to_float(t) for t in tangent])), "float dot product")
            t_name = Name("t" if len(check.tangents) == 1 else f"t{_sub(k)}", "t" if len(check.tangents) == 1
                          else f"t_{k}")
            lines.append(eq(t_name, tangent, label="Tangent to the contour"))
            lines.append(eq(Row((Grad(name), t_name), ("·",)), dot,
                            suffix="(perpendicular ✓)" if dot == 0 else "(not perpendicular ✗)"))
        if check.ok:
            checker.log.append(Check("rate of change along the tangents", str(list(check.rates)), "0",
                                     "SymPy limit of the difference quotient of f"))
        return Step(f"Gradient against the contour through {_tuple_text(_args(point, f))}", tuple(lines),
                    check.dots[0] if len(check.dots) == 1 else check.dots, "" if check.ok else _sentence(check.reason))

    # -- programming exercise 1: a whole run of gradient descent -------------------------
    @bounded
    def descent(self, f: Any, start: Any, lr: Any, *, max_steps: int = 100, tol: Any = "0.001",
                loss_threshold: Any = None, name: str = "L", head: int = 5, tail: int = 3) -> Derivation:
        """A full run of gradient descent (:func:`symgrad.optimize.gradient_descent`): a table of
        the steps and why it stopped (programming exercise 1 of the chapter).

        Exact start and learning rate give an exact run; each row shown is re-computed by an
        independent float loop over compiled code. Long runs show the first ``head`` and the
        last ``tail`` rows.

        Example:
            >>> d = explain.descent("(x - 3)^2", 0, "0.1", name="f")
            >>> d.steps[-1].result, len(d.steps[2].math)
            ('gradient_tolerance', 9)
        """
        f = as_function(f)
        point, eta = _point(f, start), _number(lr, "the learning rate")
        checker = Checker(f)
        trace = self._run(f, point, eta, max_steps, tol, loss_threshold, checker)
        given = (eq(Apply(name, f.variables), f.expr, label="Function"),
                 eq(_tuple_display(f.variables), _tuple_display(_args(point, f)), label="Start"),
                 eq(ETA, eta, label="Learning rate"))
        steps = (self._slope_step(f, name, checker), self._update_rule(f, name, loss_threshold),
                 _run_table(f, trace, name, head, tail, checker),
                 _stop_step(f, trace, name, tol, loss_threshold))
        final = trace.points[-1][0] if f.n == 1 else sympy.ImmutableMatrix(trace.points[-1])
        return Derivation("descent", "Gradient descent, run to the end", given, steps, final,
                          "", (), tuple(checker.log))

    @staticmethod
    def _slope_step(f: Function, name: str, checker: Checker) -> Step:
        checker.symbolic("∇" + name, f.gradient())
        if f.n == 1:
            (x,) = f.variables
            return Step("Compute derivative", (eq(Deriv(name, (x,), True), *_derivative_forms(f, x)),), f.partial(x))
        return Step("Compute gradient", (eq(Grad(name), f.gradient()),), f.gradient())

    @staticmethod
    def _update_rule(f: Function, name: str, loss_threshold: Any = None) -> Step:
        slope = Deriv(name, f.variables, True) if f.n == 1 else Grad(name)
        variables = _tuple_display(f.variables)
        until = "the gradient is about 0" if loss_threshold is None else (
            f"the gradient is about 0 or {name} ≤ {_plain(_number(loss_threshold, 'the loss threshold'))}")
        return Step(f"Repeat the update until {until}",
                    (Math((variables, Row((variables, Row((ETA, slope), (" ",))), ("−",))), (":=",)),))

    def _run(self, f: Function, point: dict, eta: Any, max_steps: int, tol: Any, loss_threshold: Any,
             checker: Checker) -> Any:
        tol_value = to_float(_number(tol, "the tolerance"))
        threshold = None if loss_threshold is None else to_float(_number(loss_threshold, "the loss threshold"))
        trace = gradient_descent(f, _args(point, f), eta, max_steps, tol=tol_value, loss_threshold=threshold)
        x = np.array([to_float(v) for v in _args(point, f)], dtype=float)
        compiled, rate = f.compile("numpy"), to_float(eta)
        for k, p in enumerate(trace.points):
            checker.close(f"point after {k} steps", list(p), x, "float loop over compiled NumPy code",
                          rtol=1e-7)
            x = x - rate * np.asarray(compiled.gradient(x), dtype=float).reshape(-1)
        return trace

    @bounded
    def workout(self, f: Any, at: Any, lr: Any, *, name: str = "L", max_steps: int = 100,
                tol: Any = "0.001") -> Derivation:
        """Gradient, one gradient-descent step with the improvement verified, the Hessian, and then the
        whole run of :func:`symgrad.optimize.gradient_descent` from the same point (table and stop reason).

        Example:
            >>> explain.workout("2*w0^2 + 3*w1^2", [3, 4], "0.1").steps[-1].result
            'gradient_tolerance'
        """
        step = self.gd_step(f, at, lr, name=name, hessian=True)
        run = self.descent(f, at, lr, max_steps=max_steps, tol=tol, name=name)
        return Derivation("workout", "A gradient-descent workout", step.given, step.steps + run.steps[1:],
                          step.result, "", step.notes, step.checks + run.checks)


# -- helpers of the entries above ---------------------------------------------------------
_CHORD_WORDS = {
    "below": ("A chord below the graph: {name} is not convex", ">",
              "the graph lies above the chord, so {name} is not convex"),
    "above": ("A chord above the graph: {name} is not concave", "<",
              "the graph lies below the chord, so {name} is not concave"),
    "on": ("A chord that meets the graph: {name} is not strictly convex", "=",
           "the graph meets the chord at the midpoint: {name} is straight there, so not strictly convex"),
}
"""Where the chord lies -> the step's sentence, the relation between f(midpoint) and the chord, the verdict."""


def _tangent_step(f: Function, point: dict, terms: list, name: str) -> tuple[Step, ...]:
    """The tangent line (one variable) or plane (two) from the terms of order 0 and 1, stated and multiplied out."""
    if len(terms) < 2 or f.n > 2:
        return ()
    linear = in_powers_of_shift(terms[:2], f, point)
    expanded = sympy.expand(linear.doit())
    what, height = ("line", Name("y", "y")) if f.n == 1 else ("plane", Name("z", "z"))
    return (Step(f"The tangent {what} at the point (the first-order approximation)",
                 (eq(height, Ascending(linear), Ascending(expanded)),), expanded),)


def _chord_step(f: Function, name: str, found: Any, where: str, checker: Checker) -> Step:
    """Both ends of a chord, its midpoint, the chord's height there (``½(−8 + 0) = −4``) and the comparison;
    every value checked in floats. ``found`` is a :class:`~symgrad.analysis.Counterexample` (values of ``f``)."""
    title, relation, verdict = (w.format(name=name) for w in _CHORD_WORDS[where])
    x1, x2 = found.x1, found.x2
    middle = {v: (x1[v] + x2[v]) / 2 for v in f.variables}
    f1, f2 = f.at(x1), f.at(x2)
    for label, value, point in (("f at x₁", f1, x1), ("f at x₂", f2, x2), ("f at the midpoint", found.value_between,
                                                                             middle)):
        checker.value(label, value, point)
    checker.close("chord value", found.chord_value, (to_float(f1) + to_float(f2)) / 2, "float arithmetic")
    if where != "on":
        gap = to_float(found.value_between) - to_float(found.chord_value)
        if not (gap > 0 if relation == ">" else gap < 0):
            raise VerificationError(f"the chord does not lie {where} the graph in floats ({gap!r})")
    chord = Name(f"½({name}(x₁) + {name}(x₂))", rf"\tfrac{{1}}{{2}}({name}(x_1) + {name}(x_2))")
    from ..rendering import latex_of

    both = sympy.Add(UE(f1), UE(f2), evaluate=False)
    half_sum = Name(f"½({_plain(both)})", rf"\tfrac{{1}}{{2}}\left({latex_of(both)}\right)")
    lines = [eq(Apply(name, _args(x1, f)), f1, *_approx_parts(f1, checker, "f at x₁"), label=f"x₁ = {_point_value(x1)}"),
             eq(Apply(name, _args(x2, f)), f2, *_approx_parts(f2, checker, "f at x₂"), label=f"x₂ = {_point_value(x2)}"),
             eq(Apply(name, _args(middle, f)), found.value_between,
                *_approx_parts(found.value_between, checker, "f at the midpoint"),
                label=f"Midpoint ½(x₁ + x₂) = {_point_value(middle)}"),
             eq(chord, half_sum, *((found.chord_value,) if isinstance(found.chord_value, sympy.Rational) else ()),
                *_approx_parts(found.chord_value, checker, "chord value"), label="Chord at the midpoint")]
    exact = where == "on" or (isinstance(found.value_between, sympy.Rational)
                              and isinstance(found.chord_value, sympy.Rational))
    numbers = ((found.value_between, found.chord_value) if exact else
               (Name(approx_text(found.value_between).replace("-", "−"), approx_text(found.value_between)),
                Name(approx_text(found.chord_value).replace("-", "−"), approx_text(found.chord_value))))
    lines.append(Math((Apply(name, _args(middle, f)), *numbers), ("=" if exact else "≈", relation),
                      label="Compare", suffix=("✗ " if where != "on" else "") + f"({verdict})"))
    return Step(title, tuple(lines), sympy.false)


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


def _approx_parts(value: Any, checker: Checker, what: str) -> tuple:
    """``(≈ 0.9093,)`` for a value that is not a plain rational (``sin(2)``), checked to the decimals shown; else ()."""
    if isinstance(value, sympy.Rational):
        return ()
    shown = approx_text(value)
    checker.approx(what, float(shown), to_float(value), APPROX_DECIMALS, "mpmath to 30 digits")
    return (Name(f"≈ {shown}".replace("-", "−"), rf"\approx {shown}"),)


def _point_value(point: dict) -> str:
    values = list(point.values())
    return _plain(values[0]) if len(values) == 1 else _tuple_text(values)


_HESSIAN_METHODS = {"hessian-constant", "second-derivative", "sylvester", "counterexample-hessian"}

_KIND_WORDS = {"minimum": "A minimum", "maximum": "A maximum", "saddle": "A saddle point",
               "degenerate": "Not decided", "unknown": "Not decided"}
"""CriticalPoint.kind -> the headline of its classification step."""

_VERDICT_WORDS = {
    "strictly convex": ("✓", "the function is strictly convex"),
    "convex": ("✓", "the function is convex"),
    "strictly concave": ("✗", "the function is strictly concave, not convex"),
    "concave": ("✗", "the function is concave, not convex"),
    "neither": ("✗", "the function is not convex (and not concave either)"),
    "unknown": ("", "symgrad could not decide whether the function is convex"),
}
"""ConvexityVerdict.verdict -> the end of the chapter-style conclusion."""

_TAYLOR_CHECKS = (
    lambda checker, what, shown, point: checker.value(what, shown, point),
    lambda checker, what, shown, point: checker.gradient(what, shown, point),
    lambda checker, what, shown, point: checker.hessian(what, shown, point),
)
"""Independent checks of f(a), f'(a), f''(a) (orders 0, 1, 2 of a Taylor polynomial)."""

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


def _one_step(f: Function, point: dict, eta: Any) -> tuple:
    """One update of :func:`symgrad.optimize.gradient_descent` (exact for exact input)."""
    trace = gradient_descent(f, _args(point, f), eta, 1, tol=0.0)
    return tuple(trace.points[-1])


def _method_lead(f: Function, verdict: Any) -> str:
    """The first half of the conclusion: the argument the analysis used, in the chapter's words."""
    methods = set(verdict.method.split("+"))
    word = verdict.verdict
    if "hessian-constant" in methods and f.n > 1:
        which = "Both eigenvalues" if f.n == 2 else "All eigenvalues"
        return {"strictly convex": f"{which} are positive", "convex": f"{which} are ≥ 0 (one is 0)",
                "strictly concave": f"{which} are negative", "concave": f"{which} are ≤ 0"}.get(
            word, "The eigenvalues have both signs")
    if methods & {"second-derivative", "hessian-constant"}:
        x = _plain(f.variables[0]) if verdict.domain.is_everything else verdict.domain.describe()
        zeros = "where f'' = 0" in dict(verdict.steps)
        if word == "strictly convex":
            return (f"The second derivative is ≥ 0 for all {x} and 0 only at isolated points" if zeros
                    else f"The second derivative is > 0 for all {x}")
        return {"convex": f"The second derivative is ≥ 0 for all {x}",
                "strictly concave": f"The second derivative is < 0 for all {x}",
                "concave": f"The second derivative is ≤ 0 for all {x}"}.get(word, "The second derivative")
    if f.n == 1 and "where f'' < 0" in dict(verdict.steps):
        return "The second derivative is negative for some x" if "where f'' > 0" not in dict(verdict.steps) else \
            "The second derivative changes sign"
    if methods & {"counterexample-hessian", "counterexample-chord"}:
        return "A chord lies below the graph"
    if "sylvester" in methods:
        return ("The Hessian is positive semi-definite everywhere (its principal minors are ≥ 0)"
                if verdict.is_convex else "The Hessian's principal minors decide it")
    if "composition" in methods:
        return "The composition rules of convex analysis apply"
    return "The tests do not decide it"


def _convexity_conclusion(f: Function, verdict: Any) -> str:
    if verdict.pieces:
        each = " and ".join(f"{p.verdict} on {p.domain.describe()}" for p in verdict.pieces)
        return (f"The domain {verdict.domain.describe()} is not an interval, so there is no single answer: "
                f"the function is {each}.")
    mark, words = _VERDICT_WORDS[verdict.verdict]
    text = f"{_method_lead(f, verdict)}{' ' + mark if mark else ''}, so {words}"
    if not verdict.domain.is_everything:
        text += f" on {verdict.domain.describe()}"
    return text + "."


def _derivative_forms(f: Function, x: sympy.Symbol) -> tuple:
    """``2(x − 3), 2x − 6``: the chain-rule form first where it differs from the expanded derivative."""
    chain = _chain_rule_form(f.expr, x)
    return (f.partial(x),) if chain is None else (chain, f.partial(x))


def _where_text(x: sympy.Symbol, points: sympy.Set) -> str:
    """``{0}`` → ``w = 0``; ``{−1, 1}`` → ``x = −1 and x = 1``; any other set → ``x ∈ S``."""
    if not isinstance(points, sympy.FiniteSet) or not points:
        return f"{_plain(x)} ∈ {_set_text(points)}"
    equalities = [f"{_plain(x)} = {_plain(p)}" for p in sorted(points, key=to_float)]
    return equalities[0] if len(equalities) == 1 else ", ".join(equalities[:-1]) + " and " + equalities[-1]


def _condition_text(region: sympy.Set, x: sympy.Symbol) -> str:
    """``Interval.open(0, oo)`` → ``x > 0``; a union → ``x < -1 or x > 1``."""
    pieces = region.args if isinstance(region, sympy.Union) else (region,)
    if all(isinstance(p, sympy.Interval) for p in pieces):
        return " or ".join(_interval_condition(p, x) for p in pieces)
    condition = region.as_relational(x) if hasattr(region, "as_relational") else None
    if condition is None:
        return f"{_plain(x)} ∈ {_set_text(region)}"
    return _plain(_variable_first(condition, x))


def _interval_condition(interval: sympy.Interval, x: sympy.Symbol) -> str:
    """``(−1, 2)`` → ``−1 < x < 2``; ``(0, ∞)`` → ``x > 0``; ``(−∞, 1]`` → ``x ≤ 1``."""
    low = None if interval.start == -sympy.oo else (_plain(interval.start), "<" if interval.left_open else "≤")
    high = None if interval.end == sympy.oo else (_plain(interval.end), "<" if interval.right_open else "≤")
    name = _plain(x)
    if low and high:
        return f"{low[0]} {low[1]} {name} {high[1]} {high[0]}"
    if low:
        return f"{name} {'>' if low[1] == '<' else '≥'} {low[0]}"
    if high:
        return f"{name} {high[1]} {high[0]}"
    return f"every {name}"


def _variable_first(condition: sympy.Basic, x: sympy.Symbol) -> sympy.Basic:
    """``0 < x`` → ``x > 0`` (also inside ``And``/``Or``)."""
    if isinstance(condition, (sympy.And, sympy.Or)):
        return condition.func(*(_variable_first(c, x) for c in condition.args), evaluate=False)
    if isinstance(condition, sympy.core.relational.Relational) and condition.rhs == x and condition.lhs != x:
        return condition.reversed
    return condition


def _inside(region: sympy.Set) -> sympy.Expr | None:
    """A simple number inside a set of reals (an interval or a union of them), for a float check."""
    piece = region.args[0] if isinstance(region, sympy.Union) else region
    if not isinstance(piece, sympy.Interval):
        return None
    lo, hi = piece.inf, piece.sup
    if lo.is_finite and hi.is_finite:
        return (lo + hi) / 2
    return lo + 1 if lo.is_finite else hi - 1 if hi.is_finite else sympy.Integer(0)


def _sentence(text: str) -> str:
    """A clause of the analysis module as a sentence: capital first letter, final period."""
    text = text.strip()
    if not text:
        return text
    first = text[0].upper() if text[:2].isalpha() or text[:2] == "a " else text[0]  # "the" → "The"; "f − f(p)" stays
    return first + text[1:] + ("" if text.endswith((".", "!", "?")) else ".")


def _instances(point: dict) -> list[dict]:
    """The point itself, or two members (n = 0, 1) of a periodic family ``x = π/2 + 2πn``."""
    family = {s for v in point.values() for s in v.free_symbols}
    if not family:
        return [point]
    return [{k: v.xreplace({s: value for s in family}) for k, v in point.items()} for value in (0, 1)]



# -- critical points: layout helpers -----------------------------------------------------------
_ROOT_DECIMALS = 4


def _is_set(point: dict, f: Function) -> bool:
    """A critical set such as ``w₀ = w₁`` (a value holds a variable), not one point or a periodic family."""
    return any(v.free_symbols & set(f.variables) for v in point.values())


def _root_labels(f: Function, stationary: list) -> dict:
    """``{root: x₁}`` when a root of f' has no closed form (``CRootOf``): such roots are named and shown ≈."""
    if f.n != 1 or not any(p.point[f.variables[0]].has(sympy.CRootOf) for p in stationary):
        return {}
    x = f.variables[0]
    stem = x.name if x.name.isalpha() else "r"
    return {p.point[x]: sympy.Symbol(f"{stem}{k}", real=True) for k, p in enumerate(stationary, 1)}


def _rounded_root(value: Any) -> Name:
    """A root shown to 4 decimals, trailing zeros kept (``1.3200``)."""
    shown = f"{to_float(value):.{_ROOT_DECIMALS}f}"
    return Name(shown.replace("-", "−"), shown)


def _root_float(value: Any) -> float:
    return float(f"{to_float(value):.{_ROOT_DECIMALS}f}")


def _critical_set_text(point: dict, f: Function) -> str:
    free = [v for v in f.variables if point[v] == v]
    equations = " and ".join(f"{_plain(v)} = {_plain(point[v])}" for v in f.variables if point[v] != v)
    shape = {1: "a line", 2: "a plane"}.get(len(free), f"a set of dimension {len(free)}")
    return f"every point with {equations or 'any coordinates'} ({shape})"


def _solutions_text(f: Function, stationary: list, labels: dict) -> str:
    if not stationary:
        return "No solution: the gradient is never 0."
    if f.n == 1:
        x = f.variables[0]
        parts = [f"{_plain(labels[p.point[x]])} ≈ {_plain(_rounded_root(p.point[x]))}" if p.point[x] in labels
                 else f"{_plain(x)} = {_plain(p.point[x])}" for p in stationary]
        families = any(p.point[x].free_symbols for p in stationary)
        return "Solution: " + ", ".join(parts) + (" for every integer n." if families else ".")
    sets = [p for p in stationary if _is_set(p.point, f)]
    points = [p for p in stationary if not _is_set(p.point, f)]
    pieces = [_critical_set_text(p.point, f) for p in sets]
    if points:
        pieces.append(_tuple_text(f.variables) + " = " + " or ".join(_tuple_text(_args(p.point, f)) for p in points))
    return "Solution: " + "; ".join(pieces) + "."


def _zero_step(f: Function, slope: Any, grad: sympy.ImmutableMatrix, stationary: list, labels: dict,
               checker: Checker) -> Step:
    """``f' = 0``, factored or divided by its content; roots without a closed form named and rounded."""
    solutions = tuple(p.point for p in stationary)
    remark = _solutions_text(f, stationary, labels)
    if any(not p.exact for p in stationary):
        remark += " (numeric roots, SciPy)"
    if f.n > 1:
        return Step("Set equal to zero", (eq(slope, sympy.zeros(f.n, 1)),), solutions, remark)
    x = f.variables[0]
    derivative = grad[0]
    lines = [eq(slope, sympy.Integer(0))] if not derivative.is_polynomial(x) else [
        Math((derivative, sympy.Integer(0)), ("=",))]
    if derivative.is_polynomial(x) and derivative.free_symbols:
        content, factors = sympy.factor_list(derivative, x)
        primitive = sympy.Mul(*[g**k for g, k in factors])
        if len(factors) > 1 or any(k > 1 for _, k in factors):
            lines.append(Math((sympy.factor(derivative), sympy.Integer(0)), ("=",), label="Factor"))
        elif content not in (1, -1):
            lines.append(Math((sympy.expand(primitive), sympy.Integer(0)), ("=",), label=f"Divide by {_plain(content)}"))
        if labels:
            numeric = np.sort(np.roots([float(c) for c in sympy.Poly(derivative, x).all_coeffs()]))
            real = [r.real for r in numeric if abs(r.imag) < 1e-7]
            if len(real) != len(stationary):
                raise VerificationError(f"{len(stationary)} real roots found, numpy.roots finds {len(real)}")
            rows = []
            for p, independent in zip(stationary, real):
                checker.approx(f"root {_plain(labels[p.point[x]])}", _root_float(p.point[x]), independent,
                               _ROOT_DECIMALS, "numpy.roots")
                rows.append(Row((labels[p.point[x]], _rounded_root(p.point[x])), ("≈",)))
            lines.append(Math(tuple(rows), (",",) * (len(rows) - 1), label="Roots"))
            remark = _why_numeric(derivative, x, len(rows))
    return Step("Set equal to zero", tuple(lines), solutions, remark)


def _why_numeric(derivative: sympy.Expr, x: sympy.Symbol, count: int) -> str:
    """Why the roots are shown to 4 decimals."""
    poly = sympy.Poly(derivative, x)
    if poly.degree() == 3 and count == 3 and poly.is_irreducible:
        return (f"The cubic has three real roots and no rational one; such roots have no expression in real "
                f"radicals, so they are shown to {_ROOT_DECIMALS} decimals (computed exactly, checked by numpy.roots).")
    return f"The roots have no simple closed form; they are shown to {_ROOT_DECIMALS} decimals (checked by numpy.roots)."


def _second_derivative(f: Function) -> sympy.Expr:
    second = sympy.diff(f.expr, f.variables[0], 2)
    return sympy.expand(second) if second.is_polynomial(f.variables[0]) else second


def _clause(text: str) -> str:
    """A clause after a colon: as it is, with a final period."""
    text = text.strip()
    return text + ("" if text.endswith((".", "!", "?")) else ".")


def _approx_value(value: Any) -> tuple[sympy.Float, int]:
    """A value rounded for display with 4 significant digits at least 2 decimals, and its decimals."""
    number = to_float(value)
    magnitude = int(np.floor(np.log10(abs(number)))) if number else 0
    decimals = max(2, 3 - magnitude)
    return sympy.Float(round(number, decimals)), decimals


def _relation(kind: str) -> tuple[str, str]:
    return {"minimum": (">", "> 0"), "maximum": ("<", "< 0")}.get(kind, ("=", "= 0"))


def _classify_step(f: Function, p: Any, name: str, labels: dict, checker: Checker) -> Step:
    """The second-derivative test at one critical point (one variable), or the Hessian (several)."""
    words = _KIND_WORDS.get(p.kind, p.kind)
    remark = f"{words}: {_clause(p.reason)}"
    if p.global_note and not (p.kind == "minimum" and f.n == 1 and labels):  # the comparison step says it
        remark += f" {_sentence(p.global_note)}"
    if _is_set(p.point, f):
        return Step("Classify the " + _critical_set_text(p.point, f).split("(a ")[-1].rstrip(")") + " of critical points",
                    (), p.kind, _sentence(p.reason))
    family = any(v.free_symbols for v in p.point.values())
    if f.n > 1:
        H = f.hessian_at(p.point)
        for sample in _instances(p.point):
            checker.hessian("Hessian at a critical point", H.xreplace(sample), sample)
        return Step(f"Classify {_point_text(p.point, f)} with the Hessian", (eq(Name("H", "H"), H),), H, remark)
    x = f.variables[0]
    a = p.point[x]
    second = _second_derivative(f)
    value = sympy.simplify(second.xreplace(p.point))
    for sample in _instances(p.point):
        checker.hessian("second derivative at a critical point", sympy.ImmutableMatrix([[value.xreplace(sample)]]), sample)
    sign, _ = _relation(p.kind)
    if p.kind in ("minimum", "maximum") and p.reason.startswith("f'' ") and not p.reason.startswith("f'' = 0"):
        side = "positive" if p.kind == "minimum" else "negative"
        remark = f"{words}: the second derivative is {side} there, so this is a strict local {p.kind}."
        if p.global_note and not (p.kind == "minimum" and labels):
            remark += f" {_sentence(p.global_note)}"
    if a in labels:
        label = labels[a]
        shown, decimals = _approx_value(value)
        checker.approx(f"{name}'' at {_plain(label)}", shown, f.compile("numpy").hessian(np.array([to_float(a)])),
                       decimals, "compiled NumPy float64 Hessian")
        at = Deriv(name, (x, x), True, ((x, label),))
        line = Math((at, second.xreplace({x: label}), shown, sympy.Integer(0)), ("=", "≈", sign))
        title = f"Classify {_plain(label)} ≈ {_plain(_rounded_root(a))}"
    else:
        at = Deriv(name, (x, x), True, ((x, a),))
        parts = [at, substituted(second, {x: a}) if second.free_symbols else second, value]
        kept = [parts[0]] + [q for k, q in enumerate(parts[1:], 1) if _plain(q) != _plain(parts[k - 1])]
        line = Math((*kept, sympy.Integer(0)), ("=",) * (len(kept) - 1) + (sign,))
        title = f"Classify {_plain(x)} = {_plain(a)}"
        if family:
            remark += " This holds for every integer n."
    return Step(title + " with the second derivative", (line,), sympy.ImmutableMatrix([[value]]), remark)


def _global_step(f: Function, points: list, name: str, labels: dict, checker: Checker) -> Step | None:
    """In one variable: the values at the local minima side by side, and which one is global."""
    best = [p for p in points if p.extremum == "global minimum" and p.global_note]
    minima = [p for p in points if p.kind in ("minimum", "non-differentiable") and p.value is not None]
    if f.n != 1 or not best or len(minima) < 2:
        return None
    x = f.variables[0]
    lines = []
    for p in minima:
        a = p.point[x]
        if a in labels:
            shown, decimals = _approx_value(p.value)
            checker.approx(f"{name} at {_plain(labels[a])}", shown, f.compile("numpy").value(np.array([to_float(a)])),
                           decimals, "compiled NumPy float64")
            lines.append(Math((Apply(name, (labels[a],)), shown), ("≈",)))
        else:
            checker.value(f"{name} at a local minimum", p.value, p.point)
            lines.append(eq(Apply(name, (a,)), p.value))
    (winner,) = best
    title = "Compare the minima: which one is global"
    shown = {id(p): _plain(labels.get(p.point[x], p.point[x])) for p in minima}
    others = ", ".join(f"{name}({shown[id(p)]})" for p in minima if p is not winner)
    where = labels.get(winner.point[x])
    at = f"{_plain(where)} ≈ {_plain(_rounded_root(winner.point[x]))}" if where is not None else f"{_plain(x)} = {_plain(winner.point[x])}"
    remark = (f"{name} → ∞ as {_plain(x)} → ±∞ and {name} is continuous, so its smallest value is taken at a critical "
              f"point. {name}({shown[id(winner)]}) < {others} (compared exactly), so the global minimum is at {at}.")
    return Step(title, tuple(lines), winner.point, remark)

def _is_norm(f: Function) -> bool:
    return isinstance(f.expr, sympy.Pow) and f.expr.exp == sympy.Rational(1, 2) and _shape(f.expr.base, f) is not None


def _rounded(value: Any) -> tuple[Any, str]:
    """A number to show in a table row, with ``=`` if exact as shown, ``≈`` if rounded to 6 digits."""
    from ..rendering import decimal_text

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
        checker.value(f"loss after {k} steps", loss, point)
        x = np.array([to_float(v) for v in trace.points[k]], dtype=float)
        norm = _exact_norm(f, point) if trace.exact else trace.gradient_norms[k]
        checker.close(f"gradient norm after {k} steps", norm,
                      float(np.linalg.norm(np.asarray(compiled.gradient(x), dtype=float))), "compiled NumPy gradient")
        coordinates = [_row_item(v, c) for v, c in zip(f.variables, trace.points[k])]
        parts = (Row((Name("k", "k"), sympy.Integer(k)), ("=",)), *coordinates,
                 _row_item(Name(name, name), loss),
                 _row_item(_norm_name(f, name), norm))
        lines.append(Math(parts, (",",) * (len(parts) - 1)))
    return Step(f"Run: {trace.steps} steps", tuple(lines), tuple(trace.points[-1]))


def _exact_norm(f: Function, point: dict) -> sympy.Expr:
    gradient = f.gradient_at(point)
    return sympy.Abs(gradient[0]) if f.n == 1 else sympy.sqrt(sum(g**2 for g in gradient))


def _stop_step(f: Function, trace: Any, name: str, tol: Any, threshold: Any) -> Step:
    loss = trace.exact_losses[-1] if trace.exact_losses is not None else trace.losses[-1]
    reason = "max_steps_rising" if trace.stop_reason == "max_steps" and trace.advice else trace.stop_reason
    words = _STOP_WORDS[reason].format(
        name=name, norm=_norm_name(f, name).text, g=f"{trace.gradient_norms[-1]:.3g}", tol=_plain(_number(tol, "the tolerance")),
        loss=_plain(_rounded(loss)[0]), threshold="" if threshold is None else _plain(_number(threshold, "a level")),
        advice=trace.advice or "")
    return Step("Why it stopped", (), trace.stop_reason,
                f"It stopped after {trace.steps} step{'s' if trace.steps != 1 else ''}: {words.rstrip('.')}.")


explain = Explain()
