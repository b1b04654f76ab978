"""The Jacobian of a vector-valued function, worked: components, partial derivatives, the matrix, the chain rule.

``jacobian(F, at)`` writes each component ``F_i``, its partial derivatives (row
``i`` of ``J``), the matrix ``J`` with every entry in its simplest printed form
(:func:`symgrad.analysis.linalg.minor_form`: softmax's ``−pᵢpⱼ`` entries over one
denominator), ``det J`` for a square ``J`` (``r`` for polar coordinates), and
``J`` at the point. When every component is the same function ``g`` of an
affine map, ``F = g(Ax + b)``, the chain rule is shown: ``J = diag(g′(Ax + b))·A``.
Rows at the point are checked against torch autograd (or finite differences) of
each component; the chain-rule form against the direct Jacobian.
"""

from __future__ import annotations

from typing import Any

import sympy

from ...analysis._common import bounded
from ...analysis._text import text
from ...analysis.linalg import minor_form
from ...errors import InputError, VerificationError
from ...function import Function, as_function
from ..core import Apply, Checker, Derivation, Name, Step, eq


__all__ = ["jacobian"]


@bounded
def jacobian(f: Any, at: Any = None, *, name: str = "F") -> Derivation:
    """The Jacobian of a vector-valued ``f`` (optionally at ``at``), with the chain rule for ``g(Ax + b)``.

    Example:
        >>> jacobian("[r*cos(theta), r*sin(theta)]").result
        Matrix([
        [cos(theta), -r*sin(theta)],
        [sin(theta),  r*cos(theta)]])
    """
    fn = as_function(f)
    if fn.is_scalar:
        raise InputError(f"the Jacobian is for a vector-valued function such as [r*cos(theta), r*sin(theta)]; "
                         f"{fn.expr} is scalar: use explain.gradient for it")
    components = list(fn.expr)
    J = sympy.ImmutableMatrix(fn.jacobian().rows, fn.n, [minor_form(e) for e in fn.jacobian()])
    checker = Checker(Function(components[0], fn.variables))
    steps = [Step("The components", tuple(eq(_component(name, i), c) for i, c in enumerate(components, 1)),
                  tuple(components)),
             Step("Partial derivatives: row i holds the gradient of F_i", tuple(
                 eq(_partial(name, i, v), J[i - 1, j]) for i in range(1, len(components) + 1)
                 for j, v in enumerate(fn.variables)), J),
             Step(f"The Jacobian matrix J ({J.rows}×{J.cols})", (eq(Name("J", "J"), J),), J)]
    for special in (_chain_rule(fn, components, J), _softmax_form(components, J)):
        if special is not None:
            steps.append(special)
    if J.rows == J.cols:
        det = sympy.factor(sympy.simplify(J.det()))
        steps.append(Step("Its determinant (how the map scales areas)", (eq(Name("det J", r"\det J"), det),), det))
    result = J
    if at is not None:
        point = fn.point(at)
        value = sympy.ImmutableMatrix(J.xreplace(point))
        for i, component in enumerate(components):
            row = Checker(Function(component, fn.variables))
            row.gradient(f"row {i + 1} of J at the point", list(value[i, :]), point)
            checker.log.extend(row.log)
        args = tuple(point[v] for v in fn.variables)
        steps.append(Step("At the point", (eq(Apply("J", args), value),), value))
        result = value
    given = (eq(Apply(name, fn.variables), sympy.ImmutableMatrix(components), label="Function"),)
    return Derivation("jacobian", "The Jacobian matrix", given, tuple(steps), result,
                      "Row i of J is ∇F_iᵀ; for a composition the Jacobians multiply (chain rule).", (),
                      tuple(checker.log))


def _component(name: str, i: int) -> Name:
    return Name(f"{name}{_subscript(i)}", f"{name}_{{{i}}}")


def _partial(name: str, i: int, v: sympy.Symbol) -> Name:
    return Name(f"∂{name}{_subscript(i)}/∂{text(v)}", rf"\frac{{\partial {name}_{{{i}}}}}{{\partial {sympy.latex(v)}}}")


def _subscript(i: int) -> str:
    return str(i).translate(str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉"))


def _softmax_form(components: list, J: sympy.ImmutableMatrix) -> Step | None:
    """Softmax: with ``pᵢ = Fᵢ``, ``J = diag(p) − p pᵀ``, i.e. ``∂pᵢ/∂zⱼ = pᵢ(δᵢⱼ − pⱼ)`` (checked by SymPy)."""
    n = len(components)
    if n < 2 or J.rows != J.cols:
        return None
    p = sympy.ImmutableMatrix(components)
    if any(sympy.simplify(e) != 0 for e in (J - (sympy.diag(*components) - p * p.T))):
        return None
    symbols = [sympy.Symbol(f"p{i}", real=True) for i in range(1, n + 1)]
    shown = sympy.ImmutableMatrix(n, n, lambda i, j: symbols[i] * ((1 if i == j else 0) - symbols[j]))
    names = ", ".join(f"p{_subscript(i)} = F{_subscript(i)}" for i in range(1, n + 1))
    return Step(f"In terms of the outputs ({names}): ∂pᵢ/∂zⱼ = pᵢ(δᵢⱼ − pⱼ), J = diag(p) − p pᵀ",
                (eq(Name("J", "J"), shown),), shown,
                "Checked: J − (diag(p) − p pᵀ) simplifies to 0. The diagonal pᵢ(1 − pᵢ) is the sigmoid's σ(1 − σ).")


def _chain_rule(fn: Function, components: list, J: sympy.ImmutableMatrix) -> Step | None:
    """``F = g(Ax + b)`` with one unary ``g``: the chain rule ``J = diag(g′(u))·A`` with ``u = Ax + b``."""
    heads = {type(c) for c in components}
    if len(heads) != 1 or not all(isinstance(c, sympy.Function) and len(c.args) == 1 for c in components):
        return None
    inner = [c.args[0] for c in components]
    if not all(sympy.Poly(u, *fn.variables).total_degree() <= 1 for u in inner if u.free_symbols):
        return None
    A = sympy.ImmutableMatrix([[sympy.diff(u, v) for v in fn.variables] for u in inner])
    b = sympy.ImmutableMatrix([u.xreplace({v: 0 for v in fn.variables}) for u in inner])
    t = sympy.Dummy("t")
    outer = components[0].func
    derivative = sympy.diff(outer(t), t)
    diagonal = sympy.diag(*[derivative.xreplace({t: u}) for u in inner])
    product = sympy.ImmutableMatrix(diagonal * A)
    if sympy.simplify(product - J) != sympy.zeros(*J.shape):
        raise VerificationError(f"the chain-rule form {product} disagrees with the direct Jacobian {J}")
    shown = text(derivative.xreplace({t: sympy.Symbol("t", real=True)}))
    return Step(f"Chain rule: F = g(u) with g = {outer.__name__} applied to each entry and u = Ax + b", (
        eq(Name("A", "A"), A), eq(Name("b", "b"), b),
        eq(Name("J", "J"), Name("diag(g′(u))·A", r"\operatorname{diag}(g'(u))\,A"), product)), product,
        f"g′(t) = {shown}: the Jacobian of the entrywise map is diagonal, the Jacobian of u = Ax + b is A, "
        "and the chain rule multiplies them.")
