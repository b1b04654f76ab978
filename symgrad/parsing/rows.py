"""``Σ_i (wᵀx_i + b − y_i)²``: a sum over data rows, rewritten in matrix form.

With ``X`` declared ``(N, d)`` and ``y`` declared ``N``, ``x_i`` is the i-th row
of ``X`` (a column vector of length d) and ``y_i`` the i-th entry of ``y``. The
body is built once with ``x_i``/``y_i`` as per-row leaves, then
:meth:`RowSum.stack` rewrites it, node by node through the table
:attr:`RowSum.rules`, into the (N, 1) vector of its values on all rows:

==========================  ==============================================
per row                     stacked over the rows
==========================  ==============================================
``y_i``                     ``y``
``wᵀx_i``, ``x_iᵀw``        ``X w``
``x_iᵀ A x_i``              ``(X A ⊙ X) 1``
a sum, a product            ``+`` (scalars broadcast), ``⊙``
``(...)^k``, ``sqrt``       ``HadamardPower``, entrywise ``sqrt``
``exp log tanh σ relu ...`` ``Elementwise``
==========================  ==============================================

and ``Σ_i`` becomes ``SumOf`` of that vector (``Σ_i r_i²`` is ``ScalarOf(rᵀr)``,
the squared norm). Anything else (a row inside a matrix product it cannot
stack, a power with a per-row exponent) is refused with the matrix form to type.
"""

from __future__ import annotations

from typing import Any, Callable

import sympy

from symgrad.errors import ParseError
from symgrad.matexpr import Elementwise, ScalarOf, SumOf

__all__ = ["RowSum", "row_leaves"]

MATRIX_FORM_HINT = ("Write the sum in matrix form instead, e.g. Σ_i (w^T x_i + b - y_i)^2 as ||X w + b - y||^2 "
                    "with shapes={'X': ('N', 'd'), 'w': 'd', 'y': 'N'}.")

#: SymPy scalar function → entrywise name (symgrad.matexpr.ELEMENTWISE)
FUNCTIONS = {sympy.exp: "exp", sympy.log: "log", sympy.tanh: "tanh", sympy.sin: "sin", sympy.cos: "cos",
             sympy.Abs: "abs"}


def row_leaves(matrices: dict[str, sympy.MatrixSymbol], index: str) -> tuple[dict[str, Any], dict[Any, Any]]:
    """The per-row names for index ``i``: ``x_i``/``X_i`` (a row of ``X``), ``y_i`` (an entry of ``y``).

    Returns (names to declare while the body is built, per-row leaf → stacked matrix).
    """
    declare: dict[str, Any] = {}
    stacks: dict[Any, Any] = {}
    for name, matrix in matrices.items():
        rows, cols = matrix.shape
        if cols == 1:
            leaf = sympy.Symbol(f"{name}_{index}", real=True)
            stacks[leaf] = matrix
            continue
        for spelled in {name, name.lower()}:
            if spelled != name and spelled in matrices:
                continue
            row = sympy.MatrixSymbol(f"{spelled}_{index}", cols, 1)
            declare[row.name] = row
            stacks[row] = matrix
    return declare, stacks


class RowSum:
    """Stack a per-row scalar expression over the rows (see the module docstring)."""

    def __init__(self, stacks: dict[Any, Any], text: str):
        self.stacks = stacks
        self.text = text
        self.rows: Any = None  # N, fixed by the first per-row leaf met
        self.rules: dict[type, Callable[[Any], Any]] = {
            sympy.Symbol: self.symbol, ScalarOf: self.scalar_of, sympy.Add: self.add, sympy.Mul: self.mul,
            sympy.Pow: self.pow, sympy.Max: self.max,
        }

    def refuse(self, why: str) -> ParseError:
        return ParseError(f"Σ over rows: {why}", text=self.text, hint=MATRIX_FORM_HINT)

    def total(self, body: Any) -> Any:
        """``Σ_i body`` in matrix form."""
        stacked = self.stack(body)
        if self.rows is None:
            raise self.refuse("the sum uses no row of declared data (x_i with X declared (N, d), y_i with y "
                              "declared N)")
        if not isinstance(stacked, sympy.MatrixExpr):
            return self.rows * stacked
        if isinstance(stacked, sympy.HadamardPower) and stacked.exp == 2:
            return ScalarOf(stacked.base.T * stacked.base)
        return SumOf(stacked)

    def depends(self, expr: Any) -> bool:
        return bool(expr.free_symbols & set(self.stacks))

    def stack(self, expr: Any) -> Any:
        """A scalar for a row-independent ``expr``, else the (N, 1) vector of its values on the rows."""
        if not self.depends(expr):
            return expr
        rule = self.rules.get(type(expr))
        if rule is None:
            for function, name in FUNCTIONS.items():
                if isinstance(expr, function) and len(expr.args) == 1:
                    return Elementwise(name, self.vector(self.stack(expr.args[0])))
            raise self.refuse(f"cannot stack {sympy.sstr(expr)} over the rows")
        return rule(expr)

    def vector(self, value: Any) -> Any:
        if isinstance(value, sympy.MatrixExpr):
            return value
        return value * sympy.OneMatrix(self.rows, 1)

    def use(self, leaf: Any) -> Any:
        matrix = self.stacks[leaf]
        if self.rows is None:
            self.rows = matrix.shape[0]
        elif matrix.shape[0] != self.rows:
            raise self.refuse(f"the rows of {matrix.name} ({matrix.shape[0]}) and of the other data ({self.rows}) "
                              "differ")
        return matrix

    # ----------------------------------------------------------------- rules
    def symbol(self, expr: sympy.Symbol) -> Any:
        return self.use(expr)

    def scalar_of(self, expr: ScalarOf) -> Any:
        """``wᵀx_i`` → ``X w``; ``x_iᵀ A x_i`` → ``(X A ⊙ X) 1``."""
        product = expr.arg
        factors = list(product.args) if isinstance(product, sympy.MatMul) else [product]
        coefficient = sympy.Mul(*[f for f in factors if not isinstance(f, sympy.MatrixExpr)])
        factors = [f for f in factors if isinstance(f, sympy.MatrixExpr)]
        first_row = isinstance(factors[0], sympy.Transpose) and factors[0].arg in self.stacks
        last_row = factors[-1] in self.stacks
        middle = factors[1 if first_row else 0:len(factors) - 1 if last_row else len(factors)]
        if any(self.depends(f) for f in middle) or not (first_row or last_row):
            raise self.refuse(f"cannot stack {sympy.sstr(product)} over the rows (a row must be the first or "
                              "last factor)")
        if first_row and last_row:
            data = self.use(factors[-1])
            if self.stacks[factors[0].arg] != data:
                raise self.refuse(f"{sympy.sstr(product)} mixes rows of different data")
            left = data * sympy.MatMul(*middle) if middle else data
            return self.scale(coefficient, sympy.HadamardProduct(left, data) * sympy.OneMatrix(data.shape[1], 1))
        if last_row:
            data = self.use(factors[-1])
            weights = sympy.MatMul(*middle).T if len(middle) > 1 else middle[0].T
        else:
            data = self.use(factors[0].arg)
            weights = sympy.MatMul(*middle) if len(middle) > 1 else middle[0]
        return self.scale(coefficient, data * weights)

    def scale(self, coefficient: Any, vector: Any) -> Any:
        """``coefficient * vector`` where the coefficient may itself change from row to row (``y_i wᵀx_i``)."""
        stacked = self.stack(coefficient)
        if isinstance(stacked, sympy.MatrixExpr):
            return sympy.HadamardProduct(stacked, vector)
        return vector if stacked == 1 else stacked * vector

    def add(self, expr: sympy.Add) -> Any:
        parts = [self.stack(term) for term in expr.args]
        vectors = [p for p in parts if isinstance(p, sympy.MatrixExpr)]
        offset = sympy.Add(*[p for p in parts if not isinstance(p, sympy.MatrixExpr)])
        if offset != 0:
            vectors.append(offset * sympy.OneMatrix(self.rows, 1))
        return sympy.MatAdd(*vectors).doit(deep=False)

    def mul(self, expr: sympy.Mul) -> Any:
        parts = [self.stack(factor) for factor in expr.args]
        vectors = [p for p in parts if isinstance(p, sympy.MatrixExpr)]
        coefficient = sympy.Mul(*[p for p in parts if not isinstance(p, sympy.MatrixExpr)])
        product = vectors[0] if len(vectors) == 1 else sympy.HadamardProduct(*vectors)
        return product if coefficient == 1 else coefficient * product

    def pow(self, expr: sympy.Pow) -> Any:
        base, exponent = expr.args
        if self.depends(exponent):
            raise self.refuse(f"the exponent of {sympy.sstr(expr)} changes from row to row")
        sigmoid = self.sigmoid_argument(expr)
        if sigmoid is not None:
            return Elementwise("sigmoid", self.vector(self.stack(sigmoid)))
        stacked = self.vector(self.stack(base))
        if exponent == sympy.Rational(1, 2):
            return Elementwise("sqrt", stacked)
        if exponent.is_Integer and exponent > 0:
            return sympy.HadamardPower(stacked, exponent)
        raise self.refuse(f"the power {sympy.sstr(expr)} cannot be written entrywise")

    @staticmethod
    def sigmoid_argument(expr: sympy.Pow) -> Any:
        """``z`` when ``expr`` is ``1/(1 + exp(-z))`` (how the parser builds ``σ(z)``), else ``None``."""
        base, exponent = expr.args
        if exponent != -1 or not isinstance(base, sympy.Add) or len(base.args) != 2 or 1 not in base.args:
            return None
        other = base.args[0] if base.args[1] == 1 else base.args[1]
        return -other.args[0] if isinstance(other, sympy.exp) else None

    def max(self, expr: sympy.Max) -> Any:
        if len(expr.args) == 2 and 0 in expr.args:
            other = expr.args[0] if expr.args[1] == 0 else expr.args[1]
            return Elementwise("relu", self.vector(self.stack(other)))
        raise self.refuse(f"cannot stack {sympy.sstr(expr)} over the rows")
