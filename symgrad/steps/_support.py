"""Helpers of the ``explain`` entries: the display of eigenvalues (computed by :mod:`symgrad.analysis`)
and small formatting of numbers in sentences. No mathematics is decided here: verdicts, roots and
critical points come from :mod:`symgrad.analysis`; these helpers lay them out and check them."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

import numpy as np
import sympy

from ..analysis import eigenvalues
from ..analysis.linalg import LAMBDA
from ..errors import InputError, VerificationError
from ..function import Function, to_sympy_number
from .core import UE, Check, Checker, Math, Name, Row, Step, to_float
from .printing import latex_of, math_text, text_of

_SUBSCRIPTS = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def _sub(i: int) -> str:
    return str(i).translate(_SUBSCRIPTS)


def _plain(value: Any) -> str:
    return text_of(value)


def _tuple_text(values: Sequence[Any]) -> str:
    return "(" + ", ".join(_plain(v) for v in values) + ")"


def _tuple_display(values: Sequence[Any]) -> Any:
    return values[0] if len(values) == 1 else sympy.Tuple(*values)


def _point_text(point: dict, f: Function) -> str:
    return ", ".join(f"{_plain(v)} = {_plain(point[v])}" for v in f.variables)


def _pairs(data: Any) -> list[tuple[Any, Any]]:
    try:
        pairs = [tuple(row) for row in data]
    except TypeError as error:
        raise InputError(f"data must be pairs (x, y), got {data!r}") from error
    if not pairs or any(len(p) != 2 for p in pairs):
        raise InputError(f"data must be a non-empty list of pairs (x, y), got {data!r}")
    return pairs


def _data_text(rows: list) -> str:
    return "; ".join(f"({_plain(a)}, {_plain(b)})" for a, b in rows)


def _data_latex(rows: list) -> str:
    return r";\ ".join(f"({latex_of(a)}, {latex_of(b)})" for a, b in rows)


def _new_vector(f: Function) -> Any:
    column = sympy.ImmutableMatrix(f.variables)
    return Row((column, Name("new", r"\text{new}")), ("_",))


def _is_chapter_quadratic(f: Function) -> bool:
    return f.n == 2 and sympy.expand(f.expr - 2 * f.variables[0] ** 2 - 3 * f.variables[1] ** 2) == 0


def _matrix(matrix: Any) -> sympy.ImmutableMatrix:
    """A square matrix of numbers from rows, a SymPy matrix, or text: ``"2,2;2,6"`` or any matrix notation
    :func:`symgrad.parse` reads (``[[2,2],[2,6]]``, ``[2 2; 2 6]``, a LaTeX ``bmatrix``)."""
    if isinstance(matrix, str):
        matrix = _matrix_from_text(matrix)
    try:
        H = sympy.ImmutableMatrix([[to_sympy_number(e) for e in row] for row in _rows(matrix)])
    except (TypeError, ValueError) as error:
        raise InputError(f"expected a square matrix of numbers, got {matrix!r}") from error
    if H.rows != H.cols or H.rows == 0:
        raise InputError(f"expected a square matrix, got shape {H.shape}")
    if H.free_symbols:
        names = ", ".join(sorted(str(s) for s in H.free_symbols))
        raise InputError(f"the matrix contains {names}; eigenvalues need a matrix of numbers")
    return H


def _matrix_from_text(text: str) -> Any:
    from ..parsing import parse

    if any(mark in text for mark in "[(\\"):
        parsed = parse(text)
        if not isinstance(parsed, sympy.MatrixBase):
            raise InputError(f"expected a square matrix of numbers, got {text!r}; write it as 2,2;2,6 or [[2,2],[2,6]]")
        return parsed
    rows = [[parse(entry) for entry in row.split(",")] for row in text.split(";") if row.strip()]
    if not rows or len({len(row) for row in rows}) > 1:
        raise InputError(f"expected a square matrix of numbers, got {text!r}; write it as 2,2;2,6 or [[2,2],[2,6]]")
    return rows


def _rows(matrix: Any) -> list:
    if isinstance(matrix, sympy.MatrixBase):
        return matrix.tolist()
    return [list(row) for row in matrix]


def _eigen_steps(H: sympy.ImmutableMatrix, checker: Checker) -> list[Step]:
    """The chapter's display of :func:`symgrad.analysis.eigenvalues`: characteristic equation, roots, approximations.

    The eigenvalues and the characteristic polynomial come from the analysis module; this
    function only lays them out, and checks them against ``numpy.linalg`` and by putting
    each root back into the polynomial.
    """
    found = eigenvalues(H)
    n = H.rows
    values = list(found.values)
    lines: list[Math] = []
    if found.charpoly is not None:
        poly = sympy.expand((-1) ** n * found.charpoly)  # det(H − λI) = (−1)ⁿ det(λI − H)
        lines.append(Math((Name("det(H − λI)", r"\det(H - \lambda I)"), sympy.Integer(0)), ("=",),
                          label="Characteristic equation"))
        if n == 2:
            lines.append(Math((_product_form(H), sympy.Integer(0)), ("=",)))
        lines.append(Math((poly, sympy.Integer(0)), ("=",)))
        for value in values if found.exact else ():
            if sympy.simplify(poly.xreplace({LAMBDA: value})) != 0:
                raise VerificationError(f"λ = {value} is not a root of the characteristic polynomial {poly}")
        if found.exact:
            checker.log.append(Check("eigenvalues are roots of det(H − λI)", str(values), "0", "exact substitution"))
    if found.exact and n == 2 and len(set(values)) == 2 and any(not e.is_Rational for e in values):
        lines.extend(_quadratic_formula(sympy.expand((-1) ** n * found.charpoly), values))
    else:
        lines.append(Math(tuple(Row((Name(f"λ{_sub(i)}", rf"\lambda_{i}"), e), ("=" if found.exact else "≈",))
                                for i, e in enumerate(values, 1)), (",",) * (n - 1), label="Eigenvalues"))
    checker.close("eigenvalues", values, _numeric_eigenvalues(H), "numpy.linalg")
    return [Step("Compute eigenvalues", tuple(lines), values)]


def _product_form(H: sympy.ImmutableMatrix) -> sympy.Expr:
    """``(a − λ)(d − λ) − bc`` with the entries of a 2×2 matrix kept in place."""
    lam = LAMBDA
    product = sympy.Mul(UE(H[0, 0] - lam), UE(H[1, 1] - lam), evaluate=False)
    if H[0, 1] * H[1, 0] == 0:
        return product
    return sympy.Add(product, -UE(H[0, 1] * H[1, 0]), evaluate=False)


def _quadratic_formula(poly: sympy.Expr, values: list) -> list[Math]:
    """``λ = (b ± √(b² − 4c))/2 = ...`` and the rounded roots, for λ² − bλ + c."""
    lam = LAMBDA
    _, minus_b, c = sympy.Poly(poly, lam).all_coeffs()
    b = -minus_b
    disc = b**2 - 4 * c
    radical = sympy.sqrt(sympy.Add(UE(b**2), -UE(4 * c), evaluate=False), evaluate=False)
    approx = [sympy.Float(round(to_float(e), 2)) for e in reversed(values)]
    return [Math((lam,
                  Row((Row((b, radical), ("±",)), 2), ("/",)),
                  Row((Row((b, sympy.sqrt(disc, evaluate=False)), ("±",)), 2), ("/",)),
                  Row((b / 2, sympy.sqrt(disc) / 2), ("±",))), ("=", "=", "=")),
            Math((Row((Name("λ₁", r"\lambda_1"), approx[0]), ("≈",)),
                  Row((Name("λ₂", r"\lambda_2"), approx[1]), ("≈",))), (",",))]


def _numeric_eigenvalues(H: sympy.ImmutableMatrix) -> np.ndarray:
    array = np.array(H.evalf().tolist(), dtype=float)
    if np.allclose(array, array.T):
        return np.sort(np.linalg.eigvalsh(array))
    values = np.linalg.eigvals(array)
    if np.max(np.abs(values.imag)) > 1e-12:
        raise InputError(f"the matrix {H.tolist()} has complex eigenvalues; explain.eigenvalues shows real ones only")
    return np.sort(values.real)



def _latex_text(s: str) -> str:
    return math_text(s)


def _set_text(s: sympy.Set) -> str:
    return text_of(s)


def _ordinal(k: int) -> str:
    return {0: "0th", 1: "1st", 2: "2nd", 3: "3rd"}.get(k, f"{k}th")


def _factored(column: sympy.ImmutableMatrix) -> tuple:
    """``[2w₀; 2w₁] → (2 [w₀; w₁],)``: the column with a common factor taken out, if there is one."""
    try:
        common = functools.reduce(sympy.gcd, list(column))
    except (sympy.PolynomialError, TypeError, ValueError):  # pragma: no cover - gcd of exotic entries
        return ()
    if common in (0, 1, -1) or not common.free_symbols and not common.is_Rational:
        return ()
    common = sympy.factor(common)  # 2w₀ − 2w₁ → 2(w₀ − w₁), never a bare sum before the column
    if isinstance(common, sympy.Add):
        return ()
    return (Row((common, sympy.ImmutableMatrix(column.applyfunc(lambda e: sympy.simplify(e / common)))), ("",)),)


def _shape(lhs: sympy.Expr, f: Function) -> tuple[str, str] | None:
    squares = sum(v**2 for v in f.variables)
    if sympy.expand(lhs - squares) == 0:
        return {2: ("Circle", "concentric circles"), 3: ("Sphere", "concentric spheres")}.get(
            f.n, ("Hypersphere", "concentric hyperspheres"))
    return None


def _chain_rule_form(expr: sympy.Expr, x: sympy.Symbol) -> sympy.Expr | None:
    """The derivative of ``c·g(x)ⁿ`` (``g`` linear) as the chain rule writes it, ``n·c·g′·gⁿ⁻¹`` unevaluated:
    ``(x − 3)²`` → ``2(x − 3)`` (SymPy's ``diff`` distributes it to ``2x − 6``). None for any other shape,
    or when the form prints no differently. The form is checked against ``diff`` before it is returned.
    """
    coefficient, rest = expr.as_independent(x, as_Add=False)
    if not (isinstance(rest, sympy.Pow) and isinstance(rest.base, sympy.Add) and rest.exp.is_Integer
            and rest.exp >= 2):
        return None
    inner, n = rest.base, rest.exp
    inner_slope = sympy.diff(inner, x)
    if inner_slope.has(x):  # a product of three factors reads no better than SymPy's own form
        return None
    form = sympy.Mul(n * coefficient * inner_slope, inner if n == 2 else inner ** (n - 1), evaluate=False)
    derivative = sympy.diff(expr, x)
    if sympy.expand(form.doit() - derivative) != 0 or _plain(form) == _plain(derivative):
        return None
    return form
