"""The gradient kind: partial derivatives and the gradient, at a point if one is given (chapter §9.1, §9.4).

Scalar functions of named variables are differentiated one partial at a time,
in the chapter's words; textbook forms (a softmax probability ``p``) are named
when SymPy proves them equal. Vectors and matrices (``shapes=`` or a shaped
Function) go to :mod:`symgrad.steps.matrix`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..._deprecation import renamed
from ...analysis._common import bounded
from ...analysis.linalg import minor_form
from ...function import Function, as_function
from .._support import _plain, _tuple_display
from ..core import Apply, Checker, Deriv, Derivation, Grad, Step, eq, substituted
from ..matrix import is_shaped, matrix_gradient_derivation
from ..textbook import probabilities, textbook_partial
from ._shared import _args, _column, _point


__all__ = ["gradient"]


@renamed(wrt="variables")
@bounded
def gradient(f: Any, at: Any = None, *, name: str = "L", shapes: Mapping[str, Any] | None = None,
             variables: Any = None) -> Derivation:
    """Partial derivatives and the gradient, optionally at a point (chapter §9.1, §9.4 steps 1–2).
    Vectors and matrices (``shapes=`` or a shaped Function): :mod:`symgrad.steps.matrix`, differentiating
    with respect to ``variables`` (a name or names, e.g. ``"w"``; the old spelling ``wrt=`` still works).

    Example:
        >>> gradient("2*w0^2 + 3*w1^2", [3, 4]).result.T
        Matrix([[12, 24]])
    """
    if is_shaped(f, shapes):
        return matrix_gradient_derivation(f, variables, shapes=shapes, name=name, at=at)
    f = as_function(f)
    checker = Checker(f)
    steps = list(_gradient_steps(f, None if at is None else _point(f, at), name, checker))
    given = [eq(Apply(name, f.variables), f.expr, label="Function")]
    if at is not None:
        point = _point(f, at)
        given.append(eq(_tuple_display(f.variables), _tuple_display(_args(point, f)), label="Point"))
    return Derivation("gradient", "Partial derivatives and the gradient", tuple(given), tuple(steps),
                      steps[-1].result, "", (), tuple(checker.log))


def _gradient_steps(f: Function, point: dict | None, name: str, checker: Checker) -> list[Step]:
    lines, named, forms, shown = [], {}, [], []
    known = probabilities(f.expr)
    for v in f.variables:
        partial = f.partial(v)
        form = textbook_partial(partial, v, known) if known else None
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
