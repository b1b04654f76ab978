"""The last step of a matrix-notation gradient derivation: ``∇L = 0``, the normal equations and ``w*``.

When the Hessian does not depend on ``w`` the gradient is affine, ``∇L = Hw + c``
(re-evaluated at random sizes before it is used), the common numeric factor is
divided out (``2XᵀXw = 2Xᵀy`` → ``XᵀXw = Xᵀy``) and ``w* = M⁻¹b`` is shown with the
condition under which ``M`` is invertible (table :data:`INVERTIBLE`); ``∇L(w*) = 0`` is
checked at random sizes. Otherwise ``∇L = 0`` is nonlinear and the step says so.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy
from sympy import Identity, Inverse, MatAdd, MatMul, ZeroMatrix

from ..errors import VerificationError
from ..matexpr import Elementwise, matrix_symbols
from ..matrix.evaluate import Kernel
from ._matrix_display import _Evidence, _grad, _text
from .core import Math, Name, Step, eq

__all__ = ["stationary_step", "INVERTIBLE"]


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


def _logistic_note(g: sympy.Basic) -> str:
    """For a gradient with σ(Xw) in it (logistic regression), what a course adds about its stationary point."""
    if not any(isinstance(n, Elementwise) and n.name == "sigmoid" for n in sympy.preorder_traversal(g)):
        return ""
    return (" For logistic regression none exists in closed form; on linearly separable data there is no "
            "minimizer at all (the loss keeps decreasing as the weights grow).")


def stationary_step(g: sympy.Basic, h: sympy.MatrixExpr, wrt: sympy.MatrixSymbol, name: str,
                     evidence: _Evidence) -> Step:
    if wrt in h.atoms(sympy.MatrixSymbol):
        return Step("Look for a stationary point",
                    (Math((_grad(name, wrt), g, sympy.Integer(0)), ("=", "=")),), None,
                    f"The Hessian depends on {wrt.name}, so ∇{name} = 0 is a nonlinear system in {wrt.name}: it has no "
                    f"closed-form solution here.{_logistic_note(g)} Solve it numerically (gradient descent, or "
                    "Newton's method with the Hessian above).")
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
        for s in sorted(e.free_symbols, key=str):  # a fixed order: the same draws in every process
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
