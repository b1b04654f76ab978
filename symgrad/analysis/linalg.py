"""Eigenvalues and definiteness of symbolic and numeric matrices, exact where possible.

Mechanism: a matrix with exact entries gets its characteristic polynomial
``det(M - λI)`` (``charpoly``) and the roots of that polynomial: first as
radicals (``sympy.roots``), else -- for a symmetric rational matrix, whose
eigenvalues are all real -- as exact ``CRootOf`` objects. A matrix with floats,
or one whose roots SymPy cannot give, falls back to NumPy (``eigvalsh`` for
symmetric matrices) and the result says ``exact=False``.

Definiteness is decided on the symmetric part ``(M + Mᵀ)/2`` (the matrix of
the quadratic form ``xᵀMx``): exactly from principal minors (Sylvester's
criterion for *definite*, all principal minors for *semidefinite*), or from
numeric eigenvalues with a relative tolerance for float matrices.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import combinations
from typing import Any

import numpy as np
import sympy

from ..display import Display, Displayed
from ..errors import InputError
from ..function import to_sympy_number
from ._common import assumed_sign, attempt, number_sign

__all__ = ["EigenResult", "eigenvalues", "definiteness", "leading_minors", "principal_minors", "LAMBDA"]

LAMBDA = sympy.Symbol("lambda")
"""The eigenvalue variable of characteristic polynomials (prints as λ)."""

NUMERIC_TOLERANCE = 1e-10
"""Relative size below which a numeric eigenvalue counts as zero."""


@dataclass(frozen=True, repr=False)
class EigenResult(Displayed):
    """Eigenvalues of a square matrix.

    Attributes:
        values: eigenvalues with repetition, ascending (real part first).
        multiplicities: ``{eigenvalue: algebraic multiplicity}``.
        exact: True when the values are exact SymPy numbers.
        charpoly: ``det(M - λI)`` as an expression in :data:`LAMBDA` (``None`` for float input).
        numeric: the values as Python floats/complexes, for display and plotting.
        steps: ``(sentence, object)`` pairs a derivation can show.
    """

    values: tuple[sympy.Expr, ...]
    multiplicities: dict[sympy.Expr, int]
    exact: bool
    charpoly: sympy.Expr | None
    numeric: tuple[complex | float, ...]
    steps: tuple[tuple[str, Any], ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        return {
            "values": [str(v) for v in self.values],
            "multiplicities": {str(k): m for k, m in self.multiplicities.items()},
            "exact": self.exact,
            "charpoly": None if self.charpoly is None else str(self.charpoly),
            "numeric": [v if isinstance(v, float) else [v.real, v.imag] for v in self.numeric],
        }

    def _display(self) -> Display:
        rows = [("eigenvalues", ", ".join(str(v) for v in self.values)),
                ("approximately", ", ".join(f"{v:.4g}" for v in self.numeric)), ("exact", str(self.exact))]
        if self.charpoly is not None:
            rows.append(("characteristic polynomial", f"{self.charpoly} = 0"))
        return Display("EigenResult", ", ".join(str(v) for v in self.values), rows)


def _floats(values) -> tuple[sympy.Expr, ...]:
    return tuple(sympy.Float(v) if isinstance(v, float) else sympy.Float(v.real) + sympy.I * sympy.Float(v.imag)
                 for v in values)


def _as_matrix(matrix: Any) -> sympy.ImmutableMatrix:
    """A square SymPy matrix; entries that are not SymPy objects go through ``to_sympy_number``."""
    try:
        if not isinstance(matrix, sympy.MatrixBase):
            rows = np.asarray(matrix, dtype=object).tolist() if isinstance(matrix, np.ndarray) else list(matrix)
            rows = [[_entry(x) for x in (row if isinstance(row, (list, tuple)) else [row])] for row in rows]
            matrix = rows
        result = sympy.ImmutableMatrix(matrix)
    except (TypeError, ValueError) as error:
        raise InputError(f"cannot read {matrix!r} as a matrix: {error}; give a list of rows") from None
    if not result.is_square:
        raise InputError(f"eigenvalues need a square matrix, got shape {result.shape}")
    return result


def _entry(value: Any) -> sympy.Expr:
    return value if isinstance(value, sympy.Basic) else to_sympy_number(value)


def _numeric_values(matrix: sympy.ImmutableMatrix) -> tuple:
    array = np.array(matrix.evalf().tolist(), dtype=complex)
    if np.allclose(array.imag, 0) and np.allclose(array.real, array.real.T):
        return tuple(float(v) for v in np.linalg.eigvalsh(array.real))
    values = np.linalg.eigvals(array)
    return tuple(sorted((complex(v) if abs(v.imag) > 1e-14 else float(v.real) for v in values),
                        key=lambda v: (complex(v).real, complex(v).imag)))


def _sort_key(value: sympy.Expr):
    number = complex(value.evalf(30)) if not value.free_symbols else 0j
    return (number.real, number.imag, str(value))


def eigenvalues(matrix: Any, *, timeout: float | None = None) -> EigenResult:
    """Eigenvalues of a square matrix, exact when they exist in closed form.

    Arguments:
        matrix: a SymPy matrix, a list of rows, or a NumPy array.
        timeout: seconds for the symbolic root finding (default: the library limit).

    Returns:
        an :class:`EigenResult`.

    Example:
        >>> eigenvalues([[2, 2], [2, 6]]).values
        (4 - 2*sqrt(2), 2*sqrt(2) + 4)
    """
    m = _as_matrix(matrix)
    if m.has(sympy.Float):
        values = _numeric_values(m)
        return EigenResult(_floats(values), {}, False, None, values,
                           (("numeric eigenvalues (the matrix has decimal entries)", values),))
    charpoly = attempt(_charpoly, m, timeout=timeout)
    if charpoly is None:
        return _numeric_result(m, None)
    steps = [("characteristic polynomial det(H - λI)", charpoly)]
    found = attempt(_exact_roots, charpoly, m.is_symmetric() and not m.free_symbols, timeout=timeout)
    if found is None or sum(found.values()) != m.rows:
        return _numeric_result(m, charpoly)
    values = tuple(v for v in sorted(found, key=_sort_key) for _ in range(found[v]))
    steps.append(("eigenvalues (roots of the characteristic polynomial)", values))
    numeric = tuple(_to_python_number(v) for v in values) if not m.free_symbols else ()
    return EigenResult(values, dict(found), True, charpoly, numeric, tuple(steps))


def _charpoly(m: sympy.ImmutableMatrix) -> sympy.Expr:
    return sympy.factor(m.charpoly(LAMBDA).as_expr()) if m.free_symbols else m.charpoly(LAMBDA).as_expr()


def _exact_roots(charpoly: sympy.Expr, real_rooted: bool) -> dict[sympy.Expr, int]:
    poly = sympy.Poly(charpoly, LAMBDA)
    found = sympy.roots(poly)
    if sum(found.values()) == poly.degree() and not any(v.has(sympy.I) and real_rooted for v in found):
        return found
    if real_rooted and poly.domain.is_QQ or poly.domain.is_ZZ:
        result: dict[sympy.Expr, int] = {}
        for root in poly.real_roots():
            result[root] = result.get(root, 0) + 1
        return result
    return found


def _to_python_number(value: sympy.Expr) -> complex | float:
    number = complex(value.evalf(30))
    return number.real if abs(number.imag) < 1e-25 else number


def _numeric_result(m: sympy.ImmutableMatrix, charpoly: sympy.Expr | None) -> EigenResult:
    if m.free_symbols:
        raise InputError(f"cannot find eigenvalues of {m} in closed form; substitute numbers for {sorted(map(str, m.free_symbols))}")
    values = _numeric_values(m)
    return EigenResult(_floats(values), {}, False, charpoly, values,
                       (("characteristic polynomial det(H - λI)", charpoly), ("numeric eigenvalues", values)))


# --------------------------------------------------------------------------- definiteness
def leading_minors(matrix: Any) -> list[sympy.Expr]:
    """The leading principal minors ``D_1, ..., D_n`` (determinants of the top-left blocks), in :func:`minor_form`."""
    m = sympy.ImmutableMatrix(matrix)
    return [minor_form(m[:k, :k].det()) for k in range(1, m.rows + 1)]


def principal_minors(matrix: Any) -> list[tuple[tuple[int, ...], sympy.Expr]]:
    """Every principal minor as ``(indices, determinant)``; ``2ⁿ - 1`` of them."""
    m = sympy.ImmutableMatrix(matrix)
    return [(rows, minor_form(m.extract(list(rows), list(rows)).det()))
            for k in range(1, m.rows + 1) for rows in combinations(range(m.rows), k)]


def minor_form(value: sympy.Expr) -> sympy.Expr:
    """A minor as a course prints it: a polynomial expanded, a fraction over one factored denominator.

    ``eˣ/(eˣ + eʸ) − e²ˣ/(eˣ + eʸ)²`` becomes ``eˣeʸ/(eˣ + eʸ)²``, whose sign ("≥ 0") is visible.

    Example:
        >>> x, y = sympy.symbols("x y", real=True)
        >>> minor_form(sympy.exp(x)/(sympy.exp(x) + sympy.exp(y)) - sympy.exp(2*x)/(sympy.exp(x) + sympy.exp(y))**2)
        exp(x)*exp(y)/(exp(x) + exp(y))**2
    """
    expanded = sympy.expand(value)
    if expanded.is_polynomial() or not expanded.free_symbols:
        return expanded
    factored = sympy.factor(sympy.together(value))
    return factored if sympy.count_ops(factored) <= sympy.count_ops(expanded) else expanded


def definiteness(matrix: Any) -> str:
    """``"positive definite"``, ``"positive semidefinite"``, ``"negative definite"``,
    ``"negative semidefinite"``, ``"indefinite"`` or ``"unknown"``.

    Decided on the symmetric part ``(M + Mᵀ)/2``. Exact matrices use principal
    minors (no rounding); float matrices use eigenvalues with a relative
    tolerance of ``1e-10``. A matrix with symbols gives ``"unknown"`` unless
    the signs of its minors follow from the symbols' assumptions. A zero
    matrix is positive semidefinite (it is also negative semidefinite).

    Example:
        >>> definiteness([[2, 2], [2, 6]])
        'positive definite'
        >>> definiteness([[1, 0], [0, -1]])
        'indefinite'
    """
    m = _as_matrix(matrix)
    m = (m + m.T) / 2
    if m.has(sympy.Float):
        return _numeric_definiteness(np.array(m.evalf().tolist(), dtype=float))
    return _exact_definiteness(m)


def _numeric_definiteness(array: np.ndarray) -> str:
    values = np.linalg.eigvalsh(array)
    scale = max(1.0, float(np.max(np.abs(values)))) if values.size else 1.0
    positive, negative = values > NUMERIC_TOLERANCE * scale, values < -NUMERIC_TOLERANCE * scale
    if positive.all():
        return "positive definite"
    if negative.all():
        return "negative definite"
    if positive.any() and negative.any():
        return "indefinite"
    return "negative semidefinite" if negative.any() else "positive semidefinite"


def _signs(values) -> list[int | None]:
    return [number_sign(v) if not v.free_symbols else assumed_sign(v) for v in values]


def _exact_definiteness(m: sympy.ImmutableMatrix) -> str:
    n = m.rows
    leading = _signs(leading_minors(m))
    if all(s == 1 for s in leading):
        return "positive definite"
    if all(s == (-1) ** (k + 1) for k, s in enumerate(leading)):
        return "negative definite"
    minors = principal_minors(m)
    signs = _signs([d for _, d in minors])
    sizes = [len(rows) for rows, _ in minors]
    if all(s is not None and s >= 0 for s in signs):
        return "positive semidefinite"
    if all(s is not None and s * (-1) ** k >= 0 for s, k in zip(signs, sizes)):
        return "negative semidefinite"
    diagonal = _signs([m[i, i] for i in range(n)])
    if 1 in diagonal and -1 in diagonal:
        return "indefinite"
    if None not in signs:
        return "indefinite"
    return "unknown"
