"""Parse tree → SymPy objects, one small builder per node type, with the number limits.

:class:`Builder` dispatches on the node's type through ``Builder.rules`` (a
dict, like SymPy's ``_print_<Class>``). Numbers are checked *before* SymPy
computes them: a numeric power ``b^n`` is refused when ``|n|`` exceeds
``max_exponent`` or when the result would have more than ``max_digits`` digits,
a factorial when its argument exceeds ``max_factorial``, and a product of
numbers when it would exceed ``max_digits``. Functions come from the table
:data:`FUNCTIONS`: canonical name → (builder, fewest arguments, most arguments).
"""

from __future__ import annotations

import math
from typing import Any, Callable

import sympy

from symgrad.errors import InputTooLarge, ParseError
from symgrad.limits import Limits
from symgrad.parse import grammar as g
from symgrad.parse.matrix import MatrixRules, is_symbolic_matrix
from symgrad.parse.tokens import error


def _log(x: sympy.Expr, base: sympy.Expr | None = None) -> sympy.Expr:
    return sympy.log(x) if base is None else sympy.log(x, base)


def _sigmoid(x: sympy.Expr) -> sympy.Expr:
    return 1 / (1 + sympy.exp(-x))


#: canonical function name → (builder, fewest arguments, most arguments or None for any number)
FUNCTIONS: dict[str, tuple[Callable[..., Any], int, int | None]] = {
    "sin": (sympy.sin, 1, 1), "cos": (sympy.cos, 1, 1), "tan": (sympy.tan, 1, 1),
    "sec": (sympy.sec, 1, 1), "csc": (sympy.csc, 1, 1), "cot": (sympy.cot, 1, 1),
    "asin": (sympy.asin, 1, 1), "acos": (sympy.acos, 1, 1), "atan": (sympy.atan, 1, 1),
    "sinh": (sympy.sinh, 1, 1), "cosh": (sympy.cosh, 1, 1), "tanh": (sympy.tanh, 1, 1),
    "exp": (sympy.exp, 1, 1), "log": (_log, 1, 2), "ln": (sympy.log, 1, 1),
    "log2": (lambda x: sympy.log(x, 2), 1, 1), "log10": (lambda x: sympy.log(x, 10), 1, 1),
    "sqrt": (sympy.sqrt, 1, 1), "cbrt": (sympy.cbrt, 1, 1), "abs": (sympy.Abs, 1, 1),
    "max": (sympy.Max, 1, None), "min": (sympy.Min, 1, None),
    "sigmoid": (_sigmoid, 1, 1), "relu": (lambda x: sympy.Max(0, x), 1, 1),
}


def _digits(number: sympy.Rational) -> float:
    """Decimal digits of the larger of numerator and denominator (an estimate, never computed as text)."""
    big = max(abs(int(number.p)), abs(int(number.q)), 1)
    return big.bit_length() * math.log10(2)


class Builder(MatrixRules):
    """Build SymPy objects from a parse tree under ``limits``.

    ``matrices`` maps declared names to their ``MatrixSymbol`` (``shapes=``); the
    vector and matrix rules are the :class:`~symgrad.parse.matrix.MatrixRules` mixin.
    """

    def __init__(self, text: str, limits: Limits, matrices: dict[str, sympy.MatrixSymbol] | None = None):
        self.matrices = dict(matrices or {})
        self.text = text
        self.limits = limits
        self.symbols: dict[str, sympy.Symbol] = {}
        self.rules: dict[type, Callable[[Any], Any]] = {
            g.Num: self.num, g.Sym: self.sym, g.Const: self.const, g.Add: self.add, g.Mul: self.mul,
            g.Neg: self.neg, g.Pow: self.pow, g.Call: self.call, g.Factorial: self.factorial,
            g.AbsValue: self.abs, g.Root: self.root, g.Matrix: self.matrix, g.Relation: self.relation,
            g.SetOf: self.set_of, g.Answers: self.answers,
        }

    def build(self, node: g.Node) -> Any:
        return (self.rules.get(type(node)) or self.notation_rules()[type(node)])(node)

    def scalar(self, node: g.Node, where: str) -> sympy.Expr:
        return self.check_scalar(self.build(node), where)

    def check_scalar(self, value: Any, where: str) -> sympy.Expr:
        if is_symbolic_matrix(value):
            raise self.matrix_where_scalar(value, where)
        if isinstance(value, sympy.MatrixBase):
            raise ParseError(f"a vector or matrix cannot be used {where}", text=self.text,
                             hint="Vectors may be added, negated and multiplied by numbers: 2*[1, 2] + [x, y].")
        if not isinstance(value, sympy.Expr):
            raise ParseError(f"{type(value).__name__} cannot be used {where}", text=self.text)
        if value.has(sympy.zoo, sympy.nan):
            raise ParseError("the expression is undefined (it divides by zero)", text=self.text,
                             hint="Check the denominators and logarithms; e.g. 1/x is fine, 1/0 and log(0) are not.")
        return value

    # ----------------------------------------------------------------- leaves
    def num(self, node: g.Num) -> sympy.Rational:
        return sympy.Rational(node.numerator, node.denominator)

    def sym(self, node: g.Sym) -> sympy.Basic:
        if node.name in self.matrices:
            return self.matrices[node.name]
        if node.name not in self.symbols:
            self.symbols[node.name] = sympy.Symbol(node.name, real=True)
        return self.symbols[node.name]

    def const(self, node: g.Const) -> sympy.Expr:
        return sympy.E if node.name == "e" else sympy.pi

    # ----------------------------------------------------------------- arithmetic
    def add(self, node: g.Add) -> Any:
        terms = [self.build(t) for t in node.terms]
        if any(is_symbolic_matrix(t) for t in terms):
            return self.matrix_sum(terms)
        if any(isinstance(t, sympy.MatrixBase) for t in terms):
            return self.matrix_arithmetic(terms, "+")
        return sympy.Add(*terms)

    def neg(self, node: g.Neg) -> Any:
        value = self.build(node.operand)
        return -value

    def mul(self, node: g.Mul) -> Any:
        return self.multiply([(divide, self.build(child)) for divide, child in node.factors])

    def multiply(self, built: list[tuple[bool, Any]]) -> Any:
        """The product of already built factors ``(is_divisor, value)``, left to right."""
        if any(is_symbolic_matrix(value) for _, value in built):
            return self.matrix_product(built)
        factors = []
        for divide, value in built:
            if divide:
                if isinstance(value, sympy.MatrixBase):
                    raise ParseError("cannot divide by a vector or matrix", text=self.text)
                value = sympy.Pow(value, -1)
            factors.append(value)
        numbers = [f for f in factors if isinstance(f, sympy.Rational)]
        if len(numbers) > 1:
            size = sum(_digits(f) for f in numbers)
            if size > self.limits.max_digits:
                self.limits.check("max_digits", int(size), f"a product of numbers would have about {int(size)} digits")
        if any(isinstance(f, sympy.MatrixBase) for f in factors):
            return self.matrix_arithmetic(factors, "*")
        return sympy.Mul(*factors)

    def matrix_arithmetic(self, values: list[Any], op: str) -> Any:
        result = values[0]
        for value in values[1:]:
            try:
                result = result + value if op == "+" else result * value
            except (TypeError, ValueError, sympy.ShapeError) as exc:
                word = "add" if op == "+" else "multiply"
                raise ParseError(f"cannot {word} these: {exc}", text=self.text,
                                 hint="Vectors and matrices must have matching shapes; a number can scale one.") from None
        return result

    def pow(self, node: g.Pow) -> Any:
        base = self.build(node.base)
        if is_symbolic_matrix(base):
            return self.matrix_power(base, node)
        base = self.check_scalar(base, "as the base of a power")
        exponent = self.build(node.exponent)
        if is_symbolic_matrix(exponent):
            return self.matrix_exponent(base, exponent, node)
        exponent = self.check_scalar(exponent, "as an exponent")
        self.check_power(base, exponent, node.pos)
        return sympy.Pow(base, exponent)

    def check_power(self, base: sympy.Expr, exponent: sympy.Expr, pos: int) -> None:
        if not isinstance(exponent, sympy.Rational):
            self.check_constant(exponent, self.limits.max_exponent, "max_exponent",
                                f"the exponent at column {pos + 1}")
            return
        size = max(abs(int(exponent.p)), int(exponent.q))
        if size > self.limits.max_exponent:
            self.limits.check("max_exponent", size, f"the exponent {_short(exponent)} at column {pos + 1} is too large")
        if isinstance(base, sympy.Rational) and exponent.is_integer:
            digits = abs(int(exponent.p)) * _digits(base)
            if digits > self.limits.max_digits:
                self.limits.check("max_digits", int(digits),
                                  f"the power {_short(base)}^{_short(exponent)} at column {pos + 1} "
                                  f"would have about {int(digits)} digits")

    def check_constant(self, value: sympy.Expr, bound: int, name: str, what: str) -> None:
        """Refuse a constant (no variables, not a plain rational) whose size exceeds ``bound``.

        ``exp(exp(1000))`` or ``2^(e^1000)``: the argument is evaluated to 15 digits
        (cheap: towers are already bounded by ``max_power_tower``) and compared with the bound.
        """
        if isinstance(value, sympy.Rational) or not value.is_number:
            return
        try:
            size = abs(complex(value.evalf(15)))
        except (TypeError, ValueError, OverflowError, ArithmeticError):
            size = float("inf")
        if size > bound:
            shown = f"about {size:.3g}" if size != float("inf") else "more than 1e308"
            self.limits.check(name, bound + 1, f"{what} is {shown}, which is too large")

    def root(self, node: g.Root) -> sympy.Expr:
        radicand = self.scalar(node.operand, "under a root")
        index = self.scalar(node.index, "as the index of a root")
        if index == 0:
            raise error("the index of a root cannot be 0", self.text, node.pos, "Example: \\sqrt[3]{x}")
        if isinstance(index, sympy.Rational):
            self.check_power(radicand, 1 / index, node.pos)
        return sympy.Pow(radicand, 1 / index)

    def factorial(self, node: g.Factorial) -> sympy.Expr:
        value = self.scalar(node.operand, "in a factorial")
        self.check_constant(value, self.limits.max_factorial, "max_factorial",
                            f"the argument of the factorial at column {node.pos + 1}")
        if isinstance(value, sympy.Integer):
            if value > self.limits.max_factorial:
                self.limits.check("max_factorial", int(value) if _digits(value) < 20 else 10**20,
                                  f"the factorial {_short(value)}! at column {node.pos + 1} is too large")
            if value < 0:
                raise error("the factorial of a negative integer is undefined", self.text, node.pos, "Example: 5!")
        return sympy.factorial(value)

    def abs(self, node: g.AbsValue) -> sympy.Expr:
        return sympy.Abs(self.scalar(node.operand, "inside |...|"))

    # ----------------------------------------------------------------- functions
    def call(self, node: g.Call) -> sympy.Expr:
        if node.function == "factorial":
            return self.factorial(g.Factorial(node.args[0], node.pos)) if len(node.args) == 1 else \
                self._arity(node, 1, 1)
        if node.function == "root" or node.function == "cbrt":
            wanted = (2, 2) if node.function == "root" else (1, 1)
            if len(node.args) not in range(wanted[0], wanted[1] + 1):
                return self._arity(node, *wanted)
            index = node.args[1] if node.function == "root" else g.Num(3, 1, node.pos)
            return self.root(g.Root(node.args[0], index, node.pos))
        if node.function in self.matrix_calls:
            return self.matrix_call(node, [self.build(a) for a in node.args])
        builder, fewest, most = FUNCTIONS[node.function]
        if len(node.args) < fewest or (most is not None and len(node.args) > most):
            return self._arity(node, fewest, most)
        built = [self.build(a) for a in node.args]
        if any(is_symbolic_matrix(v) for v in built):
            return self.matrix_call(node, built)
        args = [self.check_scalar(v, f"as the argument of {node.function}") for v in built]
        if node.function in ("exp", "sinh", "cosh"):
            self.check_power(sympy.E, args[0], node.pos)
        if node.function == "log" and len(args) == 2:
            self.check_log_base(args[1], node.pos)
        if node.function == "sqrt":
            self.check_power(args[0], sympy.Rational(1, 2), node.pos)
        return builder(*args)

    def check_log_base(self, base: sympy.Expr, pos: int) -> None:
        """A logarithm's base must be positive and not 1 (``log(x, 0)`` would silently be 0)."""
        if not base.is_number:
            return
        if base.is_positive is False or base.is_real is False:
            raise error(f"the base of a logarithm must be positive, not {_short(base)}", self.text, pos,
                        "Example: log(x, 2) or \\log_2 x; log(x) is the natural logarithm.")
        if base == 1:
            raise error("the base of a logarithm cannot be 1", self.text, pos,
                        "Example: log(x, 2) or \\log_2 x; log(x) is the natural logarithm.")

    def _arity(self, node: g.Call, fewest: int, most: int | None) -> sympy.Expr:
        wanted = f"{fewest}" if fewest == most else f"{fewest} or more" if most is None else f"{fewest} to {most}"
        example = {"log": "log(x) or log(x, 2)", "root": "root(x, 3)"}.get(node.function, f"{node.function}(x)")
        raise error(f"{node.function} takes {wanted} argument{'s' if most != 1 else ''}, "
                    f"got {len(node.args)}", self.text, node.pos, f"Example: {example}")

    # ----------------------------------------------------------------- structures
    def matrix(self, node: g.Matrix) -> sympy.ImmutableMatrix:
        entries = sum(len(row) for row in node.rows)
        self.limits.check("max_matrix_entries", entries,
                          f"the matrix at column {node.pos + 1} has {entries} entries")
        rows = [[self.scalar(cell, "inside a matrix") for cell in row] for row in node.rows]
        return sympy.ImmutableMatrix(rows)

    def relation(self, node: g.Relation) -> sympy.Equality:
        lhs = self.scalar(node.lhs, "in an equation")
        rhs = self.scalar(node.rhs, "in an equation")
        return sympy.Eq(lhs, rhs, evaluate=False)

    def set_of(self, node: g.SetOf) -> sympy.FiniteSet:
        self.limits.check("max_matrix_entries", len(node.items), f"the set at column {node.pos + 1} has {len(node.items)} elements")
        return sympy.FiniteSet(*[self.scalar(item, "inside a set") for item in node.items])

    def answers(self, node: g.Answers) -> tuple[sympy.Equality, ...]:
        if not all(isinstance(item, g.Relation) for item in node.items):
            raise error("a list of answers must all be equations", self.text, node.pos,
                        "Example: w0 = 1.3, w1 = 1.6 -- or write {1, 2} for a set, [1, 2] for a vector.")
        return tuple(self.relation(item) for item in node.items)  # type: ignore[arg-type]


def _short(number: sympy.Expr) -> str:
    text = str(number)
    return text if len(text) <= 24 else f"{text[:10]}...({len(text)} characters)"


def build(tree: g.Node, text: str, limits: Limits, matrices: dict[str, sympy.MatrixSymbol] | None = None) -> Any:
    """SymPy object for ``tree``. Raises ParseError or InputTooLarge."""
    return Builder(text, limits, matrices).build(tree)


__all__ = ["FUNCTIONS", "Builder", "build", "InputTooLarge"]
