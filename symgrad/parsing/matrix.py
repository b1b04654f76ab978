"""Vectors and matrices with declared shapes: what the notation nodes and matrix operands mean.

``parse(text, shapes={"X": ("N", "d"), "w": "d"})`` declares ``X`` and ``w``
as :class:`~sympy.MatrixSymbol` (through :func:`symgrad.matexpr.declare`); every
other name stays a real scalar. :class:`MatrixRules` is a mixin of the builder
(:class:`~symgrad.parsing.build.Builder`) that builds the objects of the shared
representation (``docs/design.md``, :mod:`symgrad.matexpr`):

* products left to right with shape checks; a 1×1 result becomes a scalar
  ``ScalarOf`` (``w^T x``), so ``w^T x + b`` is ``ScalarOf(w.T*x) + b``;
* sums with shape checks; a scalar added to a vector broadcasts (``b*OneMatrix``);
* ``^T``/``'`` → ``Transpose``, ``^{-1}`` → ``Inverse``, ``·`` → ``ScalarOf(x.T*y)``,
  ``⊙`` → ``HadamardProduct``, ``‖·‖`` → ``sqrt(ScalarOf(v.T*v))`` or
  ``sqrt(Trace(A.T*A))``, the functions of :data:`MATRIX_CALLS`, and scalar
  functions applied to a vector → ``Elementwise``.

Everything that needs a shape and has none is refused with the message
"declare its shape" and the exact ``shapes=``/``--shape`` to type: a transpose,
a norm, ``⊙``, ``norm(x)`` of a name never declared is not guessed at.
"""

from __future__ import annotations

from typing import Any, Callable, Mapping

import sympy
from sympy.matrices.expressions.diagonal import DiagMatrix

from symgrad.errors import ParseError
from symgrad.limits import Limits, run_with_timeout
from symgrad.matexpr import ELEMENTWISE, Elementwise, LogSumExp, ScalarOf, Softmax, SumOf, declare, dimension
import symgrad.parsing.grammar as g
import symgrad.parsing.notation as n
from symgrad.parsing.notation import is_one
from symgrad.parsing.rows import RowSum, row_leaves
from symgrad.parsing.tokens import error

__all__ = ["MatrixRules", "declare_shapes", "is_symbolic_matrix", "shape_text", "MATRIX_CALLS"]

#: d/dx of an expression of n nodes, order k, runs in this process when n**k is at most this; else in
#: the worker process of :func:`~symgrad.limits.run_with_timeout`, stopped after ``Limits.timeout``
IN_PROCESS_DERIVATIVE_SIZE = 20_000

#: parse-function names (tokens.FUNCTION_NAMES values) applied entrywise to a vector → ELEMENTWISE key
ENTRYWISE = {"exp": "exp", "log": "log", "ln": "log", "sigmoid": "sigmoid", "tanh": "tanh", "relu": "relu",
             "softplus": "softplus", "sqrt": "sqrt", "abs": "abs", "sin": "sin", "cos": "cos"}


def is_symbolic_matrix(value: Any) -> bool:
    """A vector or matrix expression with symbols (not an explicit ``ImmutableMatrix`` of entries)."""
    return isinstance(value, sympy.MatrixExpr) and not isinstance(value, sympy.MatrixBase)


def _is_array(value: Any) -> bool:
    return isinstance(value, sympy.MatrixExpr)


def _has_matrix(value: Any) -> bool:
    return isinstance(value, sympy.Basic) and bool(value.atoms(sympy.MatrixSymbol))


def shape_text(value: Any) -> str:
    """``"w (shape (d, 1))"`` for messages."""
    rows, cols = value.shape
    return f"{sympy.sstr(value)} (shape ({rows}, {cols}))"


def declare_shapes(shapes: Mapping[str, Any] | None) -> dict[str, sympy.MatrixSymbol]:
    """``{name: shape}`` → ``{name: MatrixSymbol}``; a shape is an int, a name, or a 1- or 2-tuple of them.

    Example:
        >>> declare_shapes({"X": ("N", "d"), "w": "d"})["X"].shape
        (N, d)
    """
    if shapes is None:
        return {}
    if not isinstance(shapes, Mapping):
        raise TypeError(f"shapes must be a mapping such as {{'X': ('N', 'd'), 'w': 'd'}}, got {type(shapes).__name__}")
    return {name: declare(name, shape) for name, shape in shapes.items()}


def _grouped(value: Any) -> str:
    text = sympy.sstr(value)
    return text if text.isalnum() else f"({text})"


def _declare_hint(value: Any) -> str:
    names = sorted(s.name for s in value.free_symbols) if isinstance(value, sympy.Basic) else []
    name = names[0] if names else "v"
    return (f"Declare its shape: shapes={{'{name}': 'n'}} for a vector of length n, "
            f"shapes={{'{name}': ('m', 'n')}} for a matrix (on the command line: --shape {name}=n).")


class MatrixRules:
    """Builder mixin: the vector/matrix algebra; see the module docstring."""

    text: str
    limits: Limits
    matrices: dict[str, sympy.MatrixSymbol]
    build: Callable[[Any], Any]
    sym: Callable[[Any], Any]
    multiply: Callable[[list[tuple[bool, Any]]], Any]
    check_scalar: Callable[[Any, str], sympy.Expr]

    def notation_rules(self) -> dict[type, Callable[[Any], Any]]:
        return {n.Derivative: self.derivative, n.Transpose: self.transpose, n.Norm: self.norm,
                n.Product: self.product, n.IndexSum: self.index_sum}

    def fail(self, message: str, hint: str = "", pos: int | None = None) -> ParseError:
        return error(message, self.text, pos, hint) if pos is not None else \
            ParseError(message, text=self.text, hint=hint)

    def needs_shape(self, what: str, value: Any, pos: int | None = None) -> ParseError:
        return self.fail(f"{what} needs a vector or matrix, but {sympy.sstr(value)} was not declared one",
                         _declare_hint(value), pos)

    def matrix_where_scalar(self, value: Any, where: str) -> ParseError:
        hint = "Take a scalar of it first: ‖v‖, v^T w, sum(v), tr(A)."
        if "|" in where:
            hint = "Write ‖v‖ (or ||v||) for the norm, abs(v) for the absolute value of every entry."
        return self.fail(f"the vector or matrix {shape_text(value)} cannot be used {where}", hint)

    # ----------------------------------------------------------------- products and sums
    def matrix_product(self, built: list[tuple[bool, Any]]) -> Any:
        result: Any = None
        for divide, value in built:
            if divide:
                if _is_array(value):
                    raise self.fail(f"cannot divide by the vector or matrix {shape_text(value)}",
                                    "Divide by a scalar, or multiply by inv(A) for a square matrix A.")
                value = sympy.Pow(value, -1)
            result = value if result is None else self.times(result, value)
        return result

    def times(self, left: Any, right: Any) -> Any:
        """``left * right`` for scalars, vectors and matrices, with the shapes checked."""
        if isinstance(left, OnesRow):
            left = sympy.OneMatrix(1, self.rows_of(right, "1^T"))
        if isinstance(right, OnesRow):
            raise self.fail("1^T must be followed by the vector or matrix it sums", "Example: 1^T v")
        if not _is_array(left) or not _is_array(right):
            return left * right
        if left.shape[1] != right.shape[0]:
            hint = "Vectors and matrices multiply when the inner dimensions agree."
            if left.shape[1] == 1 and right.shape[1] == 1 and left.shape[0] == right.shape[0]:
                hint = "For the inner product write x^T y or x·y; for the entrywise product x ⊙ y."
            raise self.fail(f"cannot multiply {shape_text(left)} by {shape_text(right)}: "
                            f"{left.shape[1]} columns against {right.shape[0]} rows", hint)
        for ones, other, row in ((left, right, True), (right, left, False)):
            if isinstance(ones, sympy.OneMatrix) and ones.shape[0 if row else 1] == 1 \
                    and other.shape[1 if row else 0] == 1:
                return SumOf(other if row else other.T)  # 1^T v and v^T 1
        product = sympy.MatMul(left, right).doit() if isinstance(left, sympy.MatrixBase) and \
            isinstance(right, sympy.MatrixBase) else left * right
        return self.settle(product)

    @staticmethod
    def settle(value: Any) -> Any:
        """A 1×1 symbolic product is a scalar: ``ScalarOf``."""
        if is_symbolic_matrix(value) and value.shape == (1, 1):
            return ScalarOf(value)
        return value

    def rows_of(self, value: Any, what: str) -> Any:
        if not _is_array(value):
            raise self.fail(f"{what} must be followed by a vector or matrix", "Example: 1^T v")
        return value.shape[0]

    def matrix_sum(self, terms: list[Any]) -> Any:
        arrays = [t for t in terms if _is_array(t)]
        scalars = [t for t in terms if not _is_array(t)]
        shape = arrays[0].shape
        for other in arrays[1:]:
            if other.shape != shape:
                raise self.fail(f"cannot add {shape_text(arrays[0])} and {shape_text(other)}: the shapes differ",
                                "Only vectors or matrices of the same shape add; a scalar is added to every entry.")
        offset = sympy.Add(*scalars)
        if offset != 0:
            arrays.append(offset * sympy.OneMatrix(*shape))
        return sympy.MatAdd(*arrays).doit(deep=False)  # one pass, SymPy's canonical order

    def product(self, node: n.Product) -> Any:
        """``x·y`` (the dot product of two column vectors, else the ordinary product ``X·w``); ``x ⊙ y``."""
        left, right = self.build(node.lhs), self.build(node.rhs)
        if node.op == "⊙":
            return self.hadamard(left, right, node.pos)
        if node.op == "@":
            if not any(_is_array(v) or _has_matrix(v) for v in (left, right)):
                raise self.needs_shape("@ (the matrix product)", left, node.pos)
            return self.times(left, right)
        if _is_array(left) and _is_array(right) and left.shape == right.shape and left.shape[1] == 1:
            return ScalarOf(left.T * right)  # two column vectors: the dot product
        return self.multiply([(False, left), (False, right)])

    def hadamard(self, left: Any, right: Any, pos: int) -> Any:
        if not _is_array(left) and not _is_array(right):
            if _has_matrix(left) or _has_matrix(right):
                return left * right
            raise self.needs_shape("⊙ (the entrywise product)", right if not _has_matrix(right) else left, pos)
        if not _is_array(left) or not _is_array(right):
            scalar, array = (left, right) if _is_array(right) else (right, left)
            raise self.fail(f"⊙ between the scalar {sympy.sstr(scalar)} and {shape_text(array)} is ambiguous",
                            "⊙ multiplies two vectors or matrices of one shape, left to right like *: put brackets "
                            "around its operands, e.g. y^T ((X u) ⊙ (X w)); scale with * instead.", pos)
        if left.shape != right.shape:
            raise self.fail(f"⊙ needs two operands of the same shape, got {shape_text(left)} and "
                            f"{shape_text(right)}", pos=pos)
        return sympy.HadamardProduct(left, right)

    # ----------------------------------------------------------------- powers, transposes, norms
    def matrix_power(self, base: Any, node: Any) -> Any:
        exponent = self.build(node.exponent)
        if exponent == -1:
            return sympy.Inverse(self.square(base, "^{-1} (the inverse)"))
        if isinstance(exponent, sympy.Integer) and exponent > 0 and base.shape[0] == base.shape[1] != 1:
            return sympy.MatPow(base, exponent)
        if base.shape[1] == 1 or base.shape[0] == 1:
            raise self.fail(f"the power of the vector {shape_text(base)} is ambiguous",
                            "Write ‖v‖^2 or v^T v for the squared norm, v ⊙ v for the squares of the entries.",
                            node.pos)
        raise self.fail(f"the power ^{sympy.sstr(exponent)} of the matrix {shape_text(base)} is not supported",
                        "Supported: A^T, A^{-1}, A^2 (A square).", node.pos)

    def matrix_exponent(self, base: Any, exponent: Any, node: Any) -> Any:
        """``e^(X w)`` is ``exp`` entrywise; any other base raised to a vector is refused."""
        if base == sympy.E:
            return Elementwise("exp", exponent)
        raise self.fail(f"a power with the vector or matrix exponent {shape_text(exponent)} is not supported",
                        "Only e^(...) is read entrywise, as exp(...).", node.pos)

    def square(self, value: Any, what: str) -> Any:
        if not _is_array(value):
            raise self.needs_shape(what, value)
        if value.shape[0] != value.shape[1]:
            raise self.fail(f"{what} needs a square matrix, got {shape_text(value)}")
        return value

    def transpose(self, node: n.Transpose) -> Any:
        if is_one(node.operand):
            return OnesRow()
        value = self.build(node.operand)
        if _is_array(value):
            return value.T
        if _has_matrix(value):
            return value  # the transpose of a scalar (w^T x)^T
        other = " For a derivative write d/dx (...)." if node.prime else \
            f" For a power, write {_grouped(value)}^(T)."
        raise self.fail(f"a transpose (x^T, x', xᵀ) needs a vector or matrix, but {sympy.sstr(value)} was not "
                        "declared one", _declare_hint(value) + other, node.pos)

    def norm(self, node: n.Norm) -> Any:
        return self.norm_of(self.build(node.operand), node.kind, node.pos)

    def norm_of(self, value: Any, kind: str, pos: int | None = None) -> Any:
        if not _is_array(value):
            if _has_matrix(value):
                return sympy.Abs(value)
            raise self.fail(f"‖{sympy.sstr(value)}‖ is a norm, but {sympy.sstr(value)} was not declared a vector "
                            "or matrix", _declare_hint(value) + " For an absolute value write |x|.", pos)
        if isinstance(value, sympy.MatrixBase):
            entries = list(value)
            return sympy.Add(*map(sympy.Abs, entries)) if kind == "1" else sympy.sqrt(sympy.Add(*(e**2 for e in entries)))
        rows, cols = value.shape
        if 1 in (rows, cols):
            if kind == "1":
                return SumOf(Elementwise("abs", value))
            return sympy.sqrt(ScalarOf(value.T * value if cols == 1 else value * value.T))
        if kind == "F":
            return sympy.sqrt(sympy.Trace(value.T * value))
        raise self.fail(f"the norm of the matrix {shape_text(value)} is ambiguous",
                        "Write ‖A‖_F for the Frobenius norm (the spectral and 1-norms of a matrix are not supported).",
                        pos)

    # ----------------------------------------------------------------- functions
    @property
    def matrix_calls(self) -> dict[str, Callable[..., Any]]:
        return MATRIX_CALLS

    def matrix_call(self, node: Any, args: list[Any]) -> Any:
        name = node.function
        if name in MATRIX_CALLS:
            return MATRIX_CALLS[name](self, node, args)
        if len(args) != 1:
            raise self.fail(f"{name} of a vector or matrix takes one argument, got {len(args)}", pos=node.pos)
        if name not in ENTRYWISE:
            raise self.fail(f"{name} is not applied entrywise to the vector or matrix {shape_text(args[0])}",
                            "Entrywise: " + ", ".join(sorted(ENTRYWISE)) + ".", node.pos)
        return Elementwise(ENTRYWISE[name], args[0])

    def one_argument(self, node: Any, args: list[Any]) -> Any:
        if len(args) != 1:
            raise self.fail(f"{node.function} takes 1 argument, got {len(args)}", f"Example: {node.function}(v)",
                            node.pos)
        return args[0]

    def array_argument(self, node: Any, args: list[Any], column: bool = False) -> Any:
        value = self.one_argument(node, args)
        if not _is_array(value):
            raise self.needs_shape(f"{node.function}(...)", value, node.pos)
        if column and value.shape[1] != 1:
            raise self.fail(f"{node.function} takes a column vector, got {shape_text(value)}", pos=node.pos)
        return value

    def index_sum(self, node: n.IndexSum) -> Any:
        """``Σ_i body`` over the rows of the declared data (see :mod:`symgrad.parsing.rows`)."""
        declared, stacks = row_leaves(self.matrices, node.index)
        saved = self.matrices
        self.matrices = {**declared, **saved}
        try:
            body = self.multiply([(False, self.build(factor)) for factor in node.factors])
        finally:
            self.matrices = saved
        if _is_array(body):
            raise self.fail(f"Σ_{node.index} of the vector or matrix {shape_text(body)} is not read",
                            "Sum a scalar per row, e.g. Σ_i (w^T x_i - y_i)^2.", node.pos)
        return RowSum(stacks, self.text).total(body)

    def derivative(self, node: n.Derivative) -> Any:
        operand = self.build(node.operand)
        if _is_array(operand) or _has_matrix(operand):
            raise self.fail("d/dx of a vector or matrix expression is not read",
                            "Ask for it instead: sg.Function(text, shapes=...).gradient('w').", node.pos)
        variable = self.sym(g.Sym(node.variable, node.pos))
        if _is_array(variable):
            raise self.fail(f"d/d{node.variable} with respect to a vector or matrix is not read",
                            "Ask for it instead: sg.Function(text, shapes=...).gradient('w').", node.pos)
        size = sum(1 for _ in sympy.preorder_traversal(operand))
        if size ** node.order <= IN_PROCESS_DERIVATIVE_SIZE:
            return sympy.diff(operand, variable, node.order)
        # high orders of large expressions swell: run where the time limit really stops the work
        return run_with_timeout(sympy.diff, operand, variable, node.order, timeout=self.limits.timeout)


class OnesRow:
    """``1^T``: a row of ones whose length the next factor gives (``1^T v``)."""


def _norm(rules: MatrixRules, node: Any, args: list[Any]) -> Any:
    return rules.norm_of(rules.one_argument(node, args), "", node.pos)


def _trace(rules: MatrixRules, node: Any, args: list[Any]) -> Any:
    value = rules.one_argument(node, args)
    if _has_matrix(value) and not _is_array(value):
        return value
    return sympy.Trace(rules.square(rules.array_argument(node, args), "tr"))


def _det(rules: MatrixRules, node: Any, args: list[Any]) -> Any:
    value = rules.one_argument(node, args)
    if _has_matrix(value) and not _is_array(value):
        return value
    return sympy.Determinant(rules.square(rules.array_argument(node, args), "det"))


def _inv(rules: MatrixRules, node: Any, args: list[Any]) -> Any:
    value = rules.one_argument(node, args)
    if _has_matrix(value) and not _is_array(value):
        return 1 / value
    return sympy.Inverse(rules.square(rules.array_argument(node, args), "inv"))


def _diag(rules: MatrixRules, node: Any, args: list[Any]) -> Any:
    value = rules.array_argument(node, args)
    if value.shape[1] != 1 and value.shape[0] != 1:
        raise rules.fail(f"diag(v) builds a diagonal matrix from a vector, got the matrix {shape_text(value)}",
                         "Example: diag(w) with shapes={'w': 'd'}.", node.pos)
    return DiagMatrix(value if value.shape[1] == 1 else value.T)


def _sum(rules: MatrixRules, node: Any, args: list[Any]) -> Any:
    value = rules.one_argument(node, args)
    if _has_matrix(value) and not _is_array(value):
        return value
    if not _is_array(value) and rules.text[node.pos:node.pos + 1] == "Σ":
        raise rules.fail(f"Σ followed by {sympy.sstr(value)} is the sum of its entries, but {sympy.sstr(value)} was "
                         "not declared a vector or matrix", _declare_hint(value) + " For the symbol Σ times it, "
                         "write Σ*x; for a sum over an index, Σ_i (...).", node.pos)
    return SumOf(rules.array_argument(node, args))


def _softmax(rules: MatrixRules, node: Any, args: list[Any]) -> Any:
    return Softmax(rules.array_argument(node, args, column=True))


def _logsumexp(rules: MatrixRules, node: Any, args: list[Any]) -> Any:
    return LogSumExp(rules.array_argument(node, args, column=True))


def _softplus(rules: MatrixRules, node: Any, args: list[Any]) -> Any:
    value = rules.one_argument(node, args)
    if _is_array(value):
        return Elementwise("softplus", value)
    return ELEMENTWISE["softplus"].scalar(rules.check_scalar(value, "as the argument of softplus"))


def _ones(rules: MatrixRules, node: Any, args: list[Any]) -> Any:
    if not 1 <= len(args) <= 2:
        raise rules.fail(f"ones takes 1 or 2 dimensions, got {len(args)}", "Example: ones(N) or ones(N, d)", node.pos)
    dims = []
    for arg in args:
        if isinstance(arg, sympy.Symbol):
            dims.append(dimension(arg.name))
        elif isinstance(arg, sympy.Integer) and arg > 0:
            dims.append(dimension(int(arg)))
        else:
            raise rules.fail(f"a dimension of ones(...) is a positive whole number or a name, not {sympy.sstr(arg)}",
                             "Example: ones(N)", node.pos)
    ones = sympy.OneMatrix(dims[0], dims[1] if len(dims) == 2 else 1)
    if all(dim.is_Integer for dim in ones.shape):
        rules.limits.check("max_matrix_entries", int(ones.shape[0] * ones.shape[1]),
                           f"ones{tuple(int(k) for k in ones.shape)} has {ones.shape[0] * ones.shape[1]} entries")
    return ones


#: matrix function (tokens.MATRIX_FUNCTION_NAMES value) → builder(rules, node, built arguments)
MATRIX_CALLS: dict[str, Callable[[MatrixRules, Any, list[Any]], Any]] = {
    "norm": _norm, "tr": _trace, "det": _det, "inv": _inv, "diag": _diag, "sum": _sum,
    "softmax": _softmax, "logsumexp": _logsumexp, "softplus": _softplus, "ones": _ones,
}
