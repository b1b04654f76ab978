"""Worked derivations in matrix notation: differential → gradient → Hessian → stationary point.

A course derives ``∇_w ‖Xw − y‖²`` in four moves, and :func:`matrix_gradient_derivation`
writes the same four as a :class:`~symgrad.steps.core.Derivation`:

1. **Differential, term by term** -- ``r = Xw − y``, ``dr = X dw``, ``d(rᵀr) = 2rᵀ dr =
   2(Xw − y)ᵀX dw``. Terms of a known shape (a squared norm, a quadratic form) are
   taken apart by the rules in :data:`DIFFERENTIAL_RULES`; any other term shows its
   differential ``gᵀ dw`` from the engine's gradient.
2. **Read off the gradient** -- ``dL = (∇_w L)ᵀ dw ⇒ ∇_w L = 2Xᵀ(Xw − y)``
   (for a matrix ``W``: ``dL = tr(Gᵀ dW) ⇒ ∇_W L = G``).
3. **Hessian** -- the Jacobian of the gradient (vector variables only).
4. **Stationary point** -- when the Hessian does not depend on ``w`` the gradient is
   affine, ``∇L = Hw + c``, and ``∇L = 0`` is a linear system: the normal equations
   ``XᵀX w = Xᵀy`` and ``w* = (XᵀX)⁻¹Xᵀy`` when ``XᵀX`` is invertible. Otherwise
   (logistic regression) ``∇L = 0`` is nonlinear and the derivation says it is
   solved numerically, not in closed form.

Nothing is shown unchecked: every gradient, Jacobian and Hessian is certified by
:func:`symgrad.matrix.certify` (torch autograd at random concrete sizes, and the
explicit elementwise expansion at size 2), the affine decomposition and the
stationary point are re-evaluated at random sizes and values; the certificates
(sizes and trials) are kept in ``Derivation.checks``.

Example:
    >>> d = matrix_gradient_derivation("||X w - y||^2", shapes={"X": ("N", "d"), "w": "d", "y": "N"}, wrt="w")
    >>> d.result
    2*X.T*(X*w - y)
    >>> print(d.steps[-1].math[-1].parts[-1])
    (X.T*X)**(-1)*X.T*y
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import sympy
from sympy import Identity, MatAdd, MatMul, Transpose

from ..analysis._matrix_text import squared_norm_of
from ..analysis._text import text
from ..errors import InputError
from ..matexpr import ScalarOf, declare, is_matrix, matrix_symbols
from ..matrix import matrix_gradient, matrix_hessian, matrix_jacobian
from ._matrix_display import _d, _d_of, _Evidence, _grad, _text, _times_d, _transposed
from .core import Derivation, Math, Name, Row, Step, eq
from .matrix_stationary import stationary_step

__all__ = ["matrix_gradient_derivation", "is_shaped", "DIFFERENTIAL_RULES", "read_shaped", "textbook_gradient"]

Variable = sympy.MatrixSymbol | sympy.Symbol


# -- input ---------------------------------------------------------------------------------------------------
def is_shaped(f: Any, shapes: Mapping[str, Any] | None = None) -> bool:
    """True when ``f`` is a function of vectors or matrices (it goes to this module, not the scalar explainer).

    >>> is_shaped("x^2"), is_shaped("w^T w", {"w": 3})
    (False, True)
    """
    if shapes:
        return True
    expr = getattr(f, "expr", f)
    return isinstance(expr, sympy.Basic) and bool(matrix_symbols(expr))


def read_shaped(f: Any, shapes: Mapping[str, Any] | None, wrt: Any) -> tuple[sympy.Basic, tuple[Variable, ...]]:
    """The expression and the variables to differentiate with respect to, from text, SymPy or a Function."""
    expr = getattr(f, "expr", f)
    if isinstance(expr, str):
        from ..parsing import parse  # text is read by the parser alone

        expr = parse(expr, shapes=shapes or {})
    if not isinstance(expr, sympy.Basic):
        raise InputError(f"expected text, a SymPy expression or a Function, got {type(f).__name__}")
    if is_matrix(expr):
        if expr.shape != (1, 1):
            raise InputError(f"a gradient needs a scalar function; {expr} has shape {expr.shape} (use a Jacobian)")
        expr = ScalarOf(expr)
    known: dict[str, Variable] = {s.name: s for s in expr.free_symbols if isinstance(s, sympy.Symbol)}
    known.update(matrix_symbols(expr))
    names = _wrt_names(f, wrt, known)
    missing = [n for n in names if n not in known]
    if missing:
        raise InputError(f"{', '.join(missing)} does not occur in {text(expr)}; its symbols are "
                         f"{', '.join(sorted(known))}")
    return expr, tuple(known[n] for n in names)


def _wrt_names(f: Any, wrt: Any, known: Mapping[str, Variable]) -> list[str]:
    if wrt is None:
        variables = getattr(f, "variables", None)
        if variables:
            return [v.name for v in variables]
        vectors = sorted(n for n, m in known.items() if isinstance(m, sympy.MatrixSymbol) and m.shape[1] == 1)
        if len(vectors) == 1:
            return vectors
        raise InputError(f"say which variable to differentiate with respect to, e.g. wrt='w' "
                         f"(symbols: {', '.join(sorted(known))})")
    items = [wrt] if isinstance(wrt, (str, sympy.Basic)) else list(wrt)
    return [i if isinstance(i, str) else i.name for i in items]


def textbook_gradient(expr: sympy.Basic, wrt: Variable) -> sympy.Basic:
    """The engine's gradient with a common numeric factor kept in front, as a course prints it: ``6Xᵀ(Xw − y)`` for
    ``3‖Xw − y‖²`` (not ``2Xᵀ(3Xw − 3y)``). Not certified here: callers certify it against ``expr``.

    >>> textbook_gradient(read_shaped("3||X w - y||^2", {"X": ("N", "d"), "w": "d", "y": "N"}, "w")[0],
    ...                   declare("w", "d"))
    6*X.T*(X*w - y)
    """
    content, rest = expr.as_content_primitive() if not is_matrix(expr) else (sympy.S.One, expr)
    if not (content.is_Rational and content > 0):
        content, rest = sympy.S.One, expr
    g = matrix_gradient(rest, wrt, check=False)
    return g if content == 1 else content * g


# -- step 1: the differential, one rule per kind of term ------------------------------------------------------------
def _squared_norm(term: sympy.Basic, wrt: sympy.MatrixSymbol) -> sympy.MatrixExpr | None:
    """``r`` when ``term`` is ``rᵀr`` (``‖r‖²``) with ``r`` depending on ``wrt``, else None."""
    r = squared_norm_of(term)
    return r if r is not None and wrt in r.atoms(sympy.MatrixSymbol) else None


def _norm_lines(coeff: sympy.Expr, r: sympy.MatrixExpr, wrt: sympy.MatrixSymbol, evidence: _Evidence,
                index: int) -> tuple[Math, ...] | None:
    label = _d_of(coeff * ScalarOf(r.T * r))
    if r == wrt:
        return (eq(label, _times_d(MatMul(2 * coeff, wrt.T, evaluate=False), wrt)),)
    jac = matrix_jacobian(r, wrt, check=False)
    evidence.certified(f"dr = J d{wrt.name} for r = {_text(r)}", r, jac, wrt, "jacobian")
    rname = declare("r" if index == 0 else f"r{index}", r.shape[0])
    dr = Name(f"d{rname.name}", rf"\mathrm{{d}}{rname.name}")
    two_c = 2 * coeff
    final = MatMul(two_c, Transpose(r), jac, evaluate=False) if not isinstance(jac, Identity) else \
        MatMul(two_c, Transpose(r), evaluate=False)
    return (
        eq(rname, r),
        eq(dr, _times_d(jac, wrt) if not isinstance(jac, Identity) else _d(wrt)),
        eq(_d_of(coeff * ScalarOf(rname.T * rname)),
           Row((MatMul(two_c, rname.T, evaluate=False) if two_c != 1 else rname.T, dr), (" ",)),
           _times_d(final, wrt)),
    )


def _quadratic_form(term: sympy.Basic, wrt: sympy.MatrixSymbol) -> sympy.MatrixExpr | None:
    """``A`` when ``term`` is ``wᵀAw`` with ``A`` free of ``w``, else None."""
    if not isinstance(term, ScalarOf) or not isinstance(term.arg, MatMul):
        return None
    factors = term.arg.args
    if len(factors) < 3 or factors[0] != wrt.T or factors[-1] != wrt:
        return None
    middle = MatMul(*factors[1:-1])
    return None if wrt in middle.atoms(sympy.MatrixSymbol) else middle


def _quadratic_lines(coeff: sympy.Expr, a: sympy.MatrixExpr, wrt: sympy.MatrixSymbol, evidence: _Evidence,
                     index: int) -> tuple[Math, ...]:
    dw = _d(wrt)
    form = ScalarOf(wrt.T * a * wrt)
    both = Row((Row((dw, Name("ᵀ", "^{T}")), ("",)), MatMul(a, wrt), Name("+", "+"), MatMul(wrt.T, a), dw),
               ("", " ", " ", " "))
    lines = [eq(_d_of(form), both, _times_d(MatMul(wrt.T, MatAdd(a, a.T), evaluate=False), wrt))]
    if coeff != 1:
        lines.append(eq(_d_of(coeff * form), _times_d(MatMul(coeff, wrt.T, MatAdd(a, a.T), evaluate=False), wrt)))
    return tuple(lines)


@dataclass(frozen=True)
class DifferentialRule:
    """A kind of term with a textbook differential: ``match`` finds its part, ``lines`` writes the steps."""

    name: str
    match: Callable[[sympy.Basic, sympy.MatrixSymbol], Any]
    lines: Callable[..., tuple[Math, ...] | None]


DIFFERENTIAL_RULES: tuple[DifferentialRule, ...] = (
    DifferentialRule("squared norm", _squared_norm, _norm_lines),
    DifferentialRule("quadratic form", _quadratic_form, _quadratic_lines),
)


def _coefficient_and_core(term: sympy.Basic, wrt: Variable) -> tuple[sympy.Expr, sympy.Basic]:
    """``(c, t)`` with ``term = c·t``: ``½xᵀAx`` → ``(½, xᵀAx)``, also when the ½ sits inside the matrix product."""
    if is_matrix(term):
        return sympy.S.One, term
    coeff, core = term.as_independent(wrt, as_Add=False)
    if isinstance(core, ScalarOf) and isinstance(core.arg, MatMul):
        inner, matrices = core.arg.as_coeff_mmul()
        if inner != 1:
            coeff, core = coeff * inner, ScalarOf(matrices if not isinstance(matrices, MatMul) or
                                                  len(matrices.args) > 1 else matrices.args[0])
    return coeff, core


def _term_lines(term: sympy.Basic, wrt: Variable, evidence: _Evidence, index: int) -> tuple[Math, ...]:
    """The differential of one term: by a rule of :data:`DIFFERENTIAL_RULES`, else ``gᵀ dw`` from the engine."""
    coeff, core = _coefficient_and_core(term, wrt)
    if isinstance(wrt, sympy.MatrixSymbol) and wrt.shape[1] == 1:
        for rule in DIFFERENTIAL_RULES:
            part = rule.match(core, wrt)
            if part is not None:
                lines = rule.lines(coeff, part, wrt, evidence, index)
                if lines:
                    return lines
    g = matrix_gradient(term, wrt, check=False)
    evidence.certified(f"gradient of the term {_text(term)}", term, g, wrt, "gradient")
    label = _d_of(term)
    return (eq(label, _times_d(_transposed(g), wrt)),)


def _named_residual(term: sympy.Basic, wrt: Variable) -> bool:
    """A squared norm ``‖r‖²`` whose residual gets a name ``r`` in the display (``r`` is not ``wrt`` itself)."""
    if not isinstance(wrt, sympy.MatrixSymbol):
        return False
    r = _squared_norm(_coefficient_and_core(term, wrt)[1], wrt)
    return r is not None and r != wrt


def _terms(expr: sympy.Basic, wrt: Variable) -> tuple[list[sympy.Basic], list[sympy.Basic]]:
    terms = list(expr.args) if isinstance(expr, sympy.Add) else [expr]
    depends = [t for t in terms if wrt in t.free_symbols or wrt in getattr(t, "atoms", lambda *_: set())(
        sympy.MatrixSymbol)]
    return depends, [t for t in terms if t not in depends]


def _differential_step(expr: sympy.Basic, wrt: Variable, name: str, evidence: _Evidence) -> Step:
    depends, constant = _terms(expr, wrt)
    lines: list[Math] = []
    named = [t for t in depends if _named_residual(t, wrt)]
    for term in depends:
        lines.extend(_term_lines(term, wrt, evidence, named.index(term) + 1 if len(named) > 1 and term in named else 0))
    text = "Take the differential term by term (chain rule)" if len(depends) > 1 else \
        "Take the differential (chain rule)"
    remark = ""
    if constant:
        remark = f"The terms {', '.join(_text(t) for t in constant)} do not depend on {wrt.name}: their differential is 0."
    return Step(text, tuple(lines), None, remark)


# -- steps 2-4 -------------------------------------------------------------------------------------------------
def _gradient_step(expr: sympy.Basic, wrt: Variable, name: str, evidence: _Evidence) -> Step:
    g = textbook_gradient(expr, wrt)
    evidence.certified(f"{_grad(name, wrt).text}", expr, g, wrt, "gradient")
    dL = Name(f"d{name}", rf"\mathrm{{d}}{name}")
    read = Math((dL, _times_d(_transposed(g), wrt), _grad(name, wrt), g), ("=", "⇒", "="))
    if isinstance(wrt, sympy.MatrixSymbol) and wrt.shape[1] != 1:
        text = f"Read off the gradient: dL = tr(Gᵀ d{wrt.name}) means ∇_{wrt.name} {name} = G"
    elif isinstance(wrt, sympy.MatrixSymbol):
        text = f"Read off the gradient: d{name} = (∇_{wrt.name} {name})ᵀ d{wrt.name}"
    else:
        text = f"Read off the derivative: d{name} = (∂{name}/∂{wrt.name}) d{wrt.name}"
    return Step(text, (read,), g)


def _hessian_step(g: sympy.Basic, expr: sympy.Basic, wrt: sympy.MatrixSymbol, name: str,
                  evidence: _Evidence) -> Step:
    h = matrix_hessian(expr, wrt, check=False)
    evidence.certified(_grad(name, wrt, 2).text, expr, h, wrt, "hessian")
    dg = Name(f"d(∇_{wrt.name} {name})", rf"\mathrm{{d}}\left(\nabla_{{{sympy.latex(wrt)}}} {name}\right)")
    return Step("Differentiate the gradient again: the Hessian",
                (Math((dg, _times_d(h, wrt), _grad(name, wrt, 2), h), ("=", "⇒", "=")),), h)


# -- the entry --------------------------------------------------------------------------------------------------
def matrix_gradient_derivation(f: Any, wrt: Any = None, *, shapes: Mapping[str, Any] | None = None,
                               name: str = "L", at: Any = None) -> Derivation:
    """The worked derivation of ``∇_w L`` in matrix notation, every shown result certified first.

    Arguments:
        f: text (with ``shapes``), a SymPy matrix-notation expression or a shaped ``Function``.
        wrt: the variable(s) by name; defaults to the Function's variables or the only vector.
        shapes: ``{name: shape}`` for text, as in :func:`symgrad.parsing.parse`.
        name: the function's name in the display (``L``).

    Returns:
        A :class:`Derivation` (``kind="matrix-gradient"``); ``result`` is the gradient (the
        stationary point is the last step's result when there is one).

    Example:
        >>> S = {"X": ("N", "d"), "w": "d", "y": "N"}
        >>> d = matrix_gradient_derivation("||X w - y||^2 + lambda ||w||^2", "w", shapes=S)
        >>> d.steps[-1].result
        (lambda*I + X.T*X)**(-1)*X.T*y
    """
    if at is not None:
        raise InputError("a derivation in matrix notation is symbolic: drop the point (evaluate with "
                         "Function(...).gradient_at(X=..., w=...) instead)")
    expr, variables = read_shaped(f, shapes, wrt)
    evidence = _Evidence([])
    given = (eq(Row((Name(name, name), Name(f"({', '.join(v.name for v in variables)})",
                                            "(" + ", ".join(sympy.latex(v) for v in variables) + ")")), ("",)),
                expr, label="Function"),
             Math((Name(_shapes_text(expr), _shapes_latex(expr)),), label="Shapes"))
    steps: list[Step] = []
    gradients = []
    for v in variables:
        steps.append(_differential_step(expr, v, name, evidence))
        steps.append(_gradient_step(expr, v, name, evidence))
        gradients.append(steps[-1].result)
    single = len(variables) == 1 and isinstance(variables[0], sympy.MatrixSymbol) and variables[0].shape[1] == 1
    if single:
        steps.append(_hessian_step(gradients[0], expr, variables[0], name, evidence))
        steps.append(stationary_step(gradients[0], steps[-1].result, variables[0], name, evidence))
    result = gradients[0] if len(gradients) == 1 else tuple(gradients)
    conclusion = "; ".join(f"{_grad(name, v).text} = {_text(g)}" for v, g in zip(variables, gradients))
    return Derivation("matrix-gradient", "The gradient in matrix notation", given, tuple(steps), result,
                      conclusion, (), tuple(evidence.checks))


def _shapes_text(expr: sympy.Basic) -> str:
    return ", ".join(f"{n} ∈ ℝ^{_dims(m, ' × ')}" for n, m in sorted(matrix_symbols(expr).items()))


def _shapes_latex(expr: sympy.Basic) -> str:
    times = r" \times "
    return ", ".join(rf"{n} \in \mathbb{{R}}^{{{_dims(m, times, latex=True)}}}"
                     for n, m in sorted(matrix_symbols(expr).items()))


def _dims(m: sympy.MatrixSymbol, sep: str, latex: bool = False) -> str:
    rows, cols = m.shape
    show = sympy.latex if latex else str
    return show(rows) if cols == 1 else f"{show(rows)}{sep}{show(cols)}"
