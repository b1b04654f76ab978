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

import numpy as np
import sympy
from sympy import Identity, Inverse, MatAdd, MatMul, Transpose, ZeroMatrix

from ..analysis._matrix_text import matadd_terms, squared_norm_of
from ..analysis._text import text
from ..errors import InputError, VerificationError
from ..matexpr import ScalarOf, declare, is_matrix, matrix_symbols
from ..matrix import certify, matrix_gradient, matrix_hessian, matrix_jacobian
from ..matrix.certify import Certificate
from ..matrix.evaluate import Kernel
from .core import Check, Derivation, Math, Name, Row, Step, eq

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
        from ..parse import parse  # text is read by the parser alone

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


# -- display atoms ---------------------------------------------------------------------------------------------
def _d(v: Variable) -> Name:
    return Name(f"d{v.name}", rf"\mathrm{{d}}{sympy.latex(v)}")


def _grad(name: str, v: Variable, order: int = 1) -> Name:
    if isinstance(v, sympy.Symbol):
        sup = "²" if order == 2 else ""
        return Name(f"∂{sup}{name}/∂{v.name}{sup}", rf"\frac{{\partial{'^2' if order == 2 else ''} {name}}}"
                    rf"{{\partial {sympy.latex(v)}{'^2' if order == 2 else ''}}}")
    sup = "²" if order == 2 else ""
    return Name(f"∇{sup}_{v.name} {name}", rf"\nabla{'^2' if order == 2 else ''}_{{{sympy.latex(v)}}} {name}")


def _times_d(coefficient: Any, v: Variable) -> Row:
    """``gᵀ dw``, ``tr(Gᵀ dW)`` or ``g db`` as a row."""
    if isinstance(v, sympy.MatrixSymbol) and v.shape[1] != 1:
        return Row((Name("tr(", r"\operatorname{tr}\left("), coefficient, _d(v), Name(")", r"\right)")),
                   ("", " ", ""))
    if isinstance(coefficient, MatAdd):
        return Row((Name("(", r"\left("), coefficient, Name(")", r"\right)"), _d(v)), ("", "", " "))
    return Row((coefficient, _d(v)), (" ",))


def _transposed_factor(m: sympy.Basic) -> sympy.Basic:
    """A factor of a product transposed: ``(Xw − y)ᵀ`` stays bracketed; a symmetric ``A + Aᵀ`` is itself."""
    if isinstance(m, MatAdd):
        return m if Transpose(m).doit() == m else Transpose(m)
    return _transposed(m)


def _transposed(g: sympy.Basic) -> sympy.Basic:
    """``gᵀ`` kept as written: ``(2Xᵀ(Xw − y))ᵀ`` is shown as ``2(Xw − y)ᵀX``."""
    if not is_matrix(g):
        return g
    if isinstance(g, MatMul):
        coeff, matrices = g.as_coeff_mmul()
        factors = [_transposed_factor(m) for m in reversed(matrices.args if isinstance(matrices, MatMul) else (matrices,))]
        return MatMul(coeff, *factors, evaluate=False) if coeff != 1 else MatMul(*factors, evaluate=False)
    if isinstance(g, MatAdd):
        return MatAdd(*(_transposed(t) for t in matadd_terms(g)), evaluate=False)
    if isinstance(g, sympy.MatrixSymbol):
        return Transpose(g)
    if isinstance(g, Transpose):
        return g.arg
    return Transpose(g)


# -- certification, kept as evidence -----------------------------------------------------------------------------
@dataclass
class _Evidence:
    checks: list[Check]

    def certified(self, what: str, expr: sympy.Basic, result: sympy.Basic, wrt: Variable, kind: str) -> None:
        target, lifted = _liftable(expr, wrt)
        cert: Certificate = certify(target, _lift_result(result, wrt, lifted), lifted, kind)
        self.checks.append(Check(what, _text(result), _sizes_text(cert), ", ".join(cert.oracles)))

    def record(self, what: str, shown: sympy.Basic, evidence: str, method: str) -> None:
        self.checks.append(Check(what, _text(shown), evidence, method))


def _liftable(expr: sympy.Basic, wrt: Variable) -> tuple[sympy.Basic, sympy.MatrixSymbol]:
    if isinstance(wrt, sympy.MatrixSymbol):
        return expr, wrt
    lifted = sympy.MatrixSymbol(wrt.name, 1, 1)
    return expr.xreplace({wrt: ScalarOf(lifted)}), lifted


def _lift_result(result: sympy.Basic, wrt: Variable, lifted: sympy.MatrixSymbol) -> sympy.Basic:
    if isinstance(wrt, sympy.MatrixSymbol):
        return result
    scalar = sympy.Mul(result).xreplace({wrt: ScalarOf(lifted)})
    return scalar * sympy.Identity(1) if not is_matrix(scalar) else scalar


def _sizes_text(cert: Certificate) -> str:
    sizes = "; ".join(", ".join(f"{k}={v}" for k, v in s.items()) or "fixed sizes" for s in cert.sizes)
    return f"{len(cert.sizes)} random trials at sizes [{sizes}], max relative error {cert.max_relative_error:.1e}"


def _text(obj: Any) -> str:
    return text(obj)


def _latex(obj: Any) -> str:
    from ..render import latex_of  # the one LaTeX printer (render imports steps, so on first use)

    return latex_of(obj)


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


def _d_of(expr: sympy.Basic) -> Name:
    """``d(expr)`` as a display atom."""
    return Name(f"d({_text(expr)})", rf"\mathrm{{d}}\left({_latex(expr)}\right)")


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


def _common_factor(m: sympy.MatrixExpr) -> sympy.Rational:
    terms = m.args if isinstance(m, MatAdd) else (m,)
    numbers = []
    for t in terms:
        c = t.as_coeff_mmul()[0] if isinstance(t, MatMul) else sympy.S.One
        numbers.append(abs(sympy.Mul(c).as_coeff_Mul()[0]))
    factor = numbers[0]
    for n in numbers[1:]:
        factor = sympy.gcd(factor, n)
    return factor if factor.is_Rational and factor > 0 else sympy.S.One


def _scaled(m: sympy.MatrixExpr, k: sympy.Expr) -> sympy.MatrixExpr:
    return m if k == 1 else (m * (1 / k)).doit()


@dataclass(frozen=True)
class _Condition:
    """When a matrix of the normal equations is invertible, in a course's words."""

    when: Callable[[sympy.MatrixExpr], bool]
    words: Callable[[sympy.MatrixExpr], str]


def _gram_factor(m: sympy.Basic) -> sympy.MatrixExpr | None:
    if isinstance(m, MatMul) and len(m.args) == 2 and m.args[0] == m.args[1].T:
        return m.args[1]
    return None


def _ridge_parts(m: sympy.Basic) -> tuple[sympy.MatrixExpr, sympy.Expr] | None:
    if not isinstance(m, MatAdd) or len(m.args) != 2:
        return None
    grams = [a for a in m.args if _gram_factor(a) is not None]
    rest = [a for a in m.args if _gram_factor(a) is None]
    if len(grams) != 1 or len(rest) != 1:
        return None
    coeff, core = rest[0].as_coeff_mmul() if isinstance(rest[0], MatMul) else (sympy.S.One, rest[0])
    if isinstance(core, MatMul) and len(core.args) == 1:
        core = core.args[0]
    return (_gram_factor(grams[0]), coeff) if isinstance(core, Identity) else None


INVERTIBLE: tuple[_Condition, ...] = (
    _Condition(lambda m: _gram_factor(m) is not None,
               lambda m: f"when {_text(m)} is invertible, i.e. the columns of {_text(_gram_factor(m))} are "
                         "linearly independent"),
    _Condition(lambda m: _ridge_parts(m) is not None and _ridge_parts(m)[1].is_positive is True,
               lambda m: f"for every {_text(_ridge_parts(m)[0])}: {_text(m)} is positive definite "
                         f"({_text(_gram_factor_of(m))} is positive semidefinite), hence invertible"),
    _Condition(lambda m: _ridge_parts(m) is not None,
               lambda m: f"when {_text(m)} is invertible, for instance for every {_text(_ridge_parts(m)[1])} > 0 "
                         f"({_text(_gram_factor_of(m))} is positive semidefinite)"),
)


def _gram_factor_of(m: sympy.MatrixExpr) -> sympy.MatrixExpr:
    a = _ridge_parts(m)[0]
    return a.T * a


def _invertible_words(m: sympy.MatrixExpr) -> str:
    for condition in INVERTIBLE:
        if condition.when(m):
            return condition.words(m)
    return f"when {_text(m)} is invertible"


def _stationary_step(g: sympy.Basic, h: sympy.MatrixExpr, wrt: sympy.MatrixSymbol, name: str,
                     evidence: _Evidence) -> Step:
    if wrt in h.atoms(sympy.MatrixSymbol):
        return Step("Look for a stationary point",
                    (Math((_grad(name, wrt), g, sympy.Integer(0)), ("=", "=")),), None,
                    f"The Hessian depends on {wrt.name}, so ∇{name} = 0 is a nonlinear system in {wrt.name}: it has no "
                    f"closed-form solution here. Solve it numerically (gradient descent, or Newton's method with "
                    "the Hessian above).")
    c = g.xreplace({wrt: ZeroMatrix(*wrt.shape)}).doit()
    _check_affine(g, h, c, wrt, evidence)
    k = _common_factor(h)
    m, rhs = _scaled(h, k), _scaled(-c, k)
    solution = Inverse(m) * rhs
    _check_stationary(g, solution, wrt, evidence)
    lhs = MatMul(m, wrt) if not isinstance(m, Identity) else wrt
    lines = (Math((_grad(name, wrt), g, sympy.Integer(0)), ("=", "=")),
             eq(lhs, rhs, label="Normal equations"),
             eq(Name(f"{wrt.name}*", rf"{sympy.latex(wrt)}^{{*}}"), solution))
    return Step("Set the gradient to zero: the normal equations", lines, solution,
                f"The gradient is affine in {wrt.name} (the Hessian does not depend on {wrt.name}); the stationary point "
                f"is unique {_invertible_words(m)}.")


def _random_values(exprs: tuple, rng: np.random.Generator, tall: bool) -> tuple[dict[str, Any], dict[str, int]]:
    dims: dict[sympy.Symbol, int] = {}
    values: dict[str, Any] = {}
    for e in exprs:
        for m in matrix_symbols(e).values():
            for d in m.shape:
                if d.is_Symbol and d not in dims:
                    dims[d] = int(rng.integers(2, 5))
    if tall:  # rows first: a data matrix X (N, d) with N > d has independent columns almost surely
        for d in dims:
            dims[d] += 3 * (d.name.upper() == d.name)
    for e in exprs:
        for name, m in matrix_symbols(e).items():
            shape = tuple(int(x) if x.is_Integer else dims[x] for x in m.shape)
            values.setdefault(name, rng.standard_normal(shape))
        for s in e.free_symbols:
            if isinstance(s, sympy.Symbol):
                values.setdefault(s.name, float(rng.uniform(0.5, 1.5)))
    return values, {d.name: n for d, n in dims.items()}


_TRIALS = 3


def _check_affine(g, h, c, wrt, evidence: _Evidence) -> None:
    rng = np.random.default_rng(1)
    affine = MatAdd(MatMul(h, wrt), c)
    sizes = []
    for _ in range(_TRIALS):
        values, named = _random_values((g, h, c), rng, tall=False)
        got, want = Kernel(g, "numpy")(values), Kernel(affine, "numpy", (g,))(values)
        if not np.allclose(got, want, rtol=1e-9, atol=1e-9):
            raise VerificationError(f"the gradient {g} is not {affine} at sizes {named}; the stationary point is "
                                    "not shown")
        sizes.append(named)
    evidence.record(f"∇ = ({_text(h)}){wrt.name} + ({_text(c)})", affine,
                    f"{_TRIALS} random trials at sizes {sizes}", "NumPy float64 evaluation")


def _check_stationary(g, solution, wrt, evidence: _Evidence) -> None:
    rng = np.random.default_rng(2)
    sizes = []
    for _ in range(_TRIALS):
        values, named = _random_values((g, solution), rng, tall=True)
        values[wrt.name] = np.asarray(Kernel(solution, "numpy", (g,))(values), dtype=float).reshape(-1)
        residual = np.asarray(Kernel(g, "numpy")(values), dtype=float)
        if not np.max(np.abs(residual)) <= 1e-8 * max(1.0, float(np.max(np.abs(values[wrt.name])))):
            raise VerificationError(f"the gradient does not vanish at {solution} (sizes {named}); it is not shown")
        sizes.append(named)
    evidence.record(f"∇ = 0 at {wrt.name}* = {_text(solution)}", solution,
                    f"{_TRIALS} random trials at sizes {sizes}", "gradient evaluated at the solution (NumPy)")


# -- the entry --------------------------------------------------------------------------------------------------
def matrix_gradient_derivation(f: Any, wrt: Any = None, *, shapes: Mapping[str, Any] | None = None,
                               name: str = "L", at: Any = None) -> Derivation:
    """The worked derivation of ``∇_w L`` in matrix notation, every shown result certified first.

    Arguments:
        f: text (with ``shapes``), a SymPy matrix-notation expression or a shaped ``Function``.
        wrt: the variable(s) by name; defaults to the Function's variables or the only vector.
        shapes: ``{name: shape}`` for text, as in :func:`symgrad.parse.parse`.
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
        steps.append(_stationary_step(gradients[0], steps[-1].result, variables[0], name, evidence))
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
