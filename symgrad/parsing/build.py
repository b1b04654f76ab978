"""Parse tree → SymPy objects, one small builder per node type, with the number limits.

:class:`Builder` dispatches on the node's type through ``Builder.rules`` (a
dict, like SymPy's ``_print_<Class>``). Numbers are checked *before* SymPy
computes them: a numeric power ``b^n`` is refused when ``|n|`` exceeds
``max_exponent`` or when the result would have more than ``max_digits`` digits
-- counting the powers SymPy combines (``(x^2)^600`` is ``x^1200``, ``(loss)^1000``
has ``s^2000``), so every accepted expression's printed form reads back --,
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
import symgrad.parsing.grammar as g
from symgrad.parsing.matrix import MatrixRules, is_symbolic_matrix
from symgrad.parsing.tokens import error


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
    "sech": (sympy.sech, 1, 1), "csch": (sympy.csch, 1, 1), "coth": (sympy.coth, 1, 1),
    "asinh": (sympy.asinh, 1, 1), "acosh": (sympy.acosh, 1, 1), "atanh": (sympy.atanh, 1, 1),
    "acot": (sympy.acot, 1, 1), "asec": (sympy.asec, 1, 1), "acsc": (sympy.acsc, 1, 1),
    "sign": (sympy.sign, 1, 1), "floor": (sympy.floor, 1, 1), "ceiling": (sympy.ceiling, 1, 1),
    "binomial": (sympy.binomial, 2, 2),
}

#: constant name -> SymPy value
CONSTANTS: dict[str, Any] = {"e": sympy.E, "pi": sympy.pi, "oo": sympy.oo, "emptyset": sympy.EmptySet}

#: inequality operator -> SymPy relation
RELATIONS: dict[str, Callable[..., Any]] = {"<": sympy.StrictLessThan, "<=": sympy.LessThan,
                                            ">": sympy.StrictGreaterThan, ">=": sympy.GreaterThan}


def _digits(number: sympy.Rational) -> float:
    """Decimal digits of the larger of numerator and denominator (an estimate, never computed as text)."""
    big = max(abs(int(number.p)), abs(int(number.q)), 1)
    return big.bit_length() * math.log10(2)


def _about(digits: int) -> str:
    return f"about {digits}" if digits < 10**12 else "more than 10^12"


_EXACT_TENS = 100_000  # powers of 10 up to 10^100000 as a base are recognised exactly


def _power_digits(base: sympy.Rational, exponent: int) -> int:
    """Decimal digits of the larger of numerator and denominator of ``base**exponent``, without computing it.

    ``floor(exponent * log10 |b|) + 1`` for ``b`` the larger of numerator and denominator; exact for a
    power of 10 (``10^999`` has 1000 digits), otherwise the float rounding can matter only when the
    product is within ~1e-12 of an integer.

    >>> _power_digits(sympy.Integer(10), 999), _power_digits(sympy.Integer(2), 3000), _power_digits(sympy.Rational(1, 3), 5)
    (1000, 904, 3)
    """
    big = max(abs(int(base.p)), abs(int(base.q)), 1)
    if big == 1 or exponent == 0:
        return 1
    tens = round(math.log10(big))
    if tens <= _EXACT_TENS and 10 ** tens == big:  # a power of 10: exact in integers
        return exponent * tens + 1
    if exponent.bit_length() > 1000:  # beyond a float (2^(10^500)): far over any limit anyway
        return exponent
    return math.floor(exponent * math.log10(big)) + 1


class Builder(MatrixRules):
    """Build SymPy objects from a parse tree under ``limits``.

    ``matrices`` maps declared names to their ``MatrixSymbol`` (``shapes=``); the
    vector and matrix rules are the :class:`~symgrad.parsing.matrix.MatrixRules` mixin.
    """

    def __init__(self, text: str, limits: Limits, matrices: dict[str, sympy.MatrixSymbol] | None = None):
        self.matrices: dict[str, sympy.MatrixSymbol] = dict(matrices or {})
        self.text = text
        self.limits = limits
        self.symbols: dict[str, sympy.Symbol] = {}
        self.rules: dict[type[Any], Callable[[Any], Any]] = {
            g.Num: self.num, g.Sym: self.sym, g.Const: self.const, g.Add: self.add, g.Mul: self.mul,
            g.Neg: self.neg, g.Pow: self.pow, g.Call: self.call, g.Factorial: self.factorial,
            g.AbsValue: self.abs, g.Root: self.root, g.Matrix: self.matrix, g.Relation: self.relation,
            g.SetOf: self.set_of, g.Answers: self.answers, g.PlusMinus: self.plus_minus,
            g.Interval: self.interval, g.SetUnion: self.set_union, g.Inequality: self.inequality,
            g.Membership: self.membership,
        }
        self.sign = 1  # the branch of ± being built (+1, then -1)
        self.saw_plus_minus: bool = False

    def build(self, node: g.Node) -> Any:
        value = (self.rules.get(type(node)) or self.notation_rules()[type(node)])(node)
        # each part as it is built, the result included: SymPy folds sqrt(-1)^2 to -1, |log(-1)| to pi
        # and 1/(1/0) to 0, which a check of the result alone would miss
        refuse_undefined(value, self.text)
        refuse_non_real(value, self.text)
        return value

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
        return CONSTANTS[node.name]

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
        if isinstance(exponent, sympy.Integer):  # SymPy multiplies it into the base's own powers
            for factor in sympy.Mul.make_args(base):
                inner = factor.exp if isinstance(factor, sympy.Pow) else sympy.Integer(1)
                self.check_power(factor.base if isinstance(factor, sympy.Pow) else factor, inner * exponent, node.pos)
        return sympy.Pow(base, exponent)

    def check_power(self, base: sympy.Expr, exponent: sympy.Expr, pos: int) -> None:
        if not isinstance(exponent, sympy.Rational):
            self.check_constant(exponent, self.limits.max_exponent, "max_exponent",
                                f"the exponent at column {pos + 1}")
            return
        size = max(abs(int(exponent.p)), int(exponent.q))
        if not base.is_number:  # (x - a)^6000 costs nothing until expanded, and expansions are time-limited
            self.limits.check("max_symbolic_exponent", size,
                              f"the exponent {_short(exponent)} at column {pos + 1} is too large")
            base = base.as_coeff_Mul()[0]  # SymPy computes (c*x)^n as c^n * x^n: c^n is bounded below
            if base in (1, -1) or not exponent.is_integer:
                return
        if isinstance(base, sympy.Rational) and exponent.is_integer:  # the cost is the result's size
            digits = _power_digits(base, abs(int(exponent.p)))
            if digits > self.limits.max_digits:
                self.limits.check("max_digits", digits,
                                  f"the power {_short(base)}^{_short(exponent)} at column {pos + 1} "
                                  f"would have {_about(digits)} digits")
            return
        if size > self.limits.max_exponent:
            self.limits.check("max_exponent", size, f"the exponent {_short(exponent)} at column {pos + 1} is too large")

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
            if value > self.limits.max_factorial:  # the default, 450, keeps n! under 1000 digits
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
        if node.function == "binomial":
            self.check_binomial(*args, pos=node.pos)
        return builder(*args)

    def check_binomial(self, n: sympy.Expr, k: sympy.Expr, pos: int) -> None:
        """binomial(n, k) of numbers: refused when the result would exceed ``max_digits`` digits."""
        if not (n.is_number and k.is_number):
            return
        try:
            top, pick = float(n), float(k)
            digits = (math.lgamma(top + 1) - math.lgamma(pick + 1) - math.lgamma(top - pick + 1)) / math.log(10) \
                if 0 <= pick <= top else 0.0
        except (TypeError, ValueError, OverflowError):
            digits = float("inf")
        if digits > self.limits.max_digits:
            self.limits.check("max_digits", int(min(digits, 1e18)),
                              f"binomial at column {pos + 1} would have about {digits:.3g} digits")

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

    def set_of(self, node: g.SetOf) -> sympy.Set:
        self.limits.check("max_matrix_entries", len(node.items), f"the set at column {node.pos + 1} has {len(node.items)} elements")
        return sympy.FiniteSet(*[self.element(item) for item in node.items])

    def element(self, node: g.Node) -> sympy.Basic:
        """A set's element: a scalar, or a point written (0, 0) -- a set inside a set is refused."""
        value = self.build(node)
        if isinstance(value, sympy.MatrixBase) and 1 in value.shape:
            return sympy.Tuple(*value)
        if isinstance(value, sympy.Set):
            raise ParseError("a set inside a set is not read", text=self.text,
                             hint="Write the elements of one set, {1, 2}, or points as {(0, 0), (1, 1)}.")
        return self.scalar(node, "inside a set") if not isinstance(value, sympy.Expr) else value

    def answers(self, node: g.Answers) -> Any:
        """``w0 = 1.3, w1 = 1.6`` -> a tuple of equations; ``1, 3`` (a bare list) -> a Python list of values."""
        if all(isinstance(item, g.Relation) for item in node.items):
            return tuple(self.relation(item) for item in node.items)  # type: ignore[arg-type]
        if any(isinstance(item, (g.Relation, g.Inequality, g.Membership, g.Interval)) for item in node.items):
            raise error("a list of answers must be all equations or all values", self.text, node.pos,
                        "Example: w0 = 1.3, w1 = 1.6 -- or 1, 3 -- or x = 2 or x = -2.")
        return [self.element(item) for item in node.items]

    def plus_minus(self, node: g.PlusMinus) -> sympy.Expr:
        if self.saw_plus_minus:
            raise error("only one '±' is read in an answer", self.text, node.pos,
                        "Write all the values as a set, e.g. {6, 2, 0, -4}.")
        self.saw_plus_minus = True
        return self.sign * self.scalar(node.operand, "after ±")

    def interval(self, node: g.Interval) -> sympy.Set:
        low, high = self.scalar(node.low, "as an end of an interval"), self.scalar(node.high, "as an end of an interval")
        if low.is_number and high.is_number and bool(low > high):
            raise error("an interval's left end must not exceed its right end", self.text, node.pos, "Example: [0, 1)")
        return sympy.Interval(low, high, node.left_open or low == -sympy.oo, node.right_open or high == sympy.oo)

    def set_union(self, node: g.SetUnion) -> sympy.Set:
        return sympy.Union(*[self.build(part) for part in node.parts])

    def inequality(self, node: g.Inequality) -> sympy.Basic:
        sides = [self.scalar(side, "in an inequality") for side in node.sides]
        parts = [RELATIONS[op](a, b, evaluate=False) for op, a, b in zip(node.ops, sides, sides[1:])]
        return parts[0] if len(parts) == 1 else sympy.And(*parts, evaluate=False)

    def membership(self, node: g.Membership) -> sympy.Basic:
        within = self.build(node.within)
        if not isinstance(within, sympy.Set):
            raise error("'∈' must be followed by an interval or a set", self.text, node.pos, "Example: x ∈ (-1, 1]")
        return sympy.Contains(self.scalar(node.element, "before ∈"), within, evaluate=False)


def _short(number: sympy.Expr) -> str:
    text = str(number)
    return text if len(text) <= 24 else f"{text[:10]}...({len(text)} characters)"


def refuse_undefined(value: Any, text: str) -> None:
    """Refuse a value that is undefined (``1/0`` is ``zoo``, ``0/0`` is ``nan``)."""
    if isinstance(value, sympy.Basic) and value.has(sympy.zoo, sympy.nan):
        raise ParseError("the expression is undefined (it divides by zero, or is a form such as 0*inf "
                         "or inf - inf)", text=text, hint="Check the denominators; e.g. 1/x is fine, 1/0 is not.")


def refuse_non_real(value: Any, text: str) -> None:
    """Refuse a number that is not real (``sqrt(-3)``, ``log(-1)``, ``asin(2)``, ``(-8)^(1/3)``).

    symgrad reads ``i`` as an ordinary real symbol, so SymPy's imaginary unit in a
    value could only be a misreading: it would print as ``I`` and read back as a symbol.
    """
    if not isinstance(value, sympy.Expr):
        return
    if value.has(sympy.I) or (value.is_number and value.is_extended_real is False):  # sqrt(-x^2) is I*|x|
        raise ParseError(
            "the expression has a value that is not a real number (a square root or another even root of "
            "a negative number, the logarithm of a negative number, or asin/acos outside [-1, 1]); "
            "symgrad works with real numbers and reads i as an ordinary variable, not as √-1", text=text,
            hint="Check the sign under the root or logarithm; for the real cube root of a negative number "
                 "write -cbrt(8), not cbrt(-8).")


def build(tree: g.Node, text: str, limits: Limits, matrices: dict[str, sympy.MatrixSymbol] | None = None) -> Any:
    """SymPy object for ``tree``. Raises ParseError or InputTooLarge.

    A tree with ``±`` is built twice, once per sign: ``4 ± 2√2`` is the set {4 + 2√2, 4 - 2√2} and
    ``x = 4 ± 2√2`` the two equations ``x = 4 + 2√2, x = 4 - 2√2``.
    """
    result = _build_each_sign(tree, text, limits, matrices)
    _check_combined_powers(result, limits)
    return result


def _build_each_sign(tree: g.Node, text: str, limits: Limits, matrices: dict[str, sympy.MatrixSymbol] | None) -> Any:
    builder = Builder(text, limits, matrices)
    first = builder.build(tree)
    if not builder.saw_plus_minus:
        return first
    minus = Builder(text, limits, matrices)
    minus.sign = -1
    second = minus.build(tree)
    if isinstance(first, sympy.Equality) and isinstance(second, sympy.Equality):
        return (first, second)
    if isinstance(first, sympy.Expr) and isinstance(second, sympy.Expr):
        return sympy.FiniteSet(first, second)
    raise ParseError("'±' is read in a single value or equation only", text=text,
                     hint="Example: 4 ± 2*sqrt(2), or x = 4 ± 2*sqrt(2); or write the set {..., ...}.")


def _check_combined_powers(result: Any, limits: Limits) -> None:
    """Refuse a result whose own printed form would be refused: SymPy merges ``x^1000*x^1000`` into
    ``x**2000`` and ``exp(1000)*exp(1000)`` into ``exp(2000)`` after each part passed its check.

    The same limits as for written powers: ``max_exponent`` for powers of numbers,
    ``max_symbolic_exponent`` for powers of expressions with variables.
    """
    parts = result if isinstance(result, tuple) else (result,)
    for part in (p for p in parts if isinstance(p, sympy.Basic)):
        for node in sympy.preorder_traversal(part):
            if isinstance(node, sympy.Pow) and isinstance(node.exp, sympy.Rational):
                size = max(abs(int(node.exp.p)), int(node.exp.q))
                name, bound = (("max_symbolic_exponent", limits.max_symbolic_exponent) if node.base.free_symbols
                               else ("max_exponent", limits.max_exponent))
                if size > bound:
                    limits.check(name, size, f"the expression contains {_short(node)}, whose exponent "
                                             f"{_short(node.exp)} is too large")
            elif isinstance(node, sympy.exp) and isinstance(node.args[0], sympy.Rational):
                if abs(node.args[0]) > limits.max_exponent:
                    limits.check("max_exponent", limits.max_exponent + 1,
                                 f"the expression contains {_short(node)}, whose exponent is too large")


__all__ = ["FUNCTIONS", "Builder", "build", "InputTooLarge"]
