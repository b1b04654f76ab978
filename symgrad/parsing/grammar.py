"""Tokens → parse tree: a hand-written precedence-climbing parser over a whitelist of nodes.

Grammar, loosest binding first (``answer`` levels only in :func:`symgrad.parsing.parse_answer`)::

    answer   := relation ("," relation)*            relation := expr ["=" expr]
    expr     := term (("+" | "-") term)*
    term     := unary (("*" | "/") unary | implicit)*      implicit: a factor right after another,
                                                           e.g. 2x, 2(x+1), (x+1)(x-1), x y
    unary    := ("-" | "+") unary | power
    power    := postfix [superscript] ["^" exponent]       right-associative: 2^3^2 = 2^9
    exponent := ("-" | "+") exponent | power
    postfix  := primary "!"*
    primary  := number | name [subscript] | constant | function-call | "(" list ")" | "[" list "]"
              | "{" expr "}" | "|" expr "|" | "√" power | \\frac{..}{..} | \\sqrt[n]{..}
              | \\begin{bmatrix} .. \\end{bmatrix}

A function name followed by ``(`` takes the parenthesised arguments; without
parentheses it takes a *bare argument*: a product of factors written side by
side, stopping before ``*``, ``/``, ``+``, ``-`` or another function name
(``sin 2x`` = sin(2x), ``sin x cos x`` = sin(x)cos(x), ``sin x/2`` = sin(x)/2).

Every node type is a small frozen dataclass; :mod:`symgrad.parsing.build` turns
them into SymPy objects through a table keyed by node type. The parser also
enforces the nesting-depth and power-tower limits as it goes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Union

from symgrad.errors import ParseError
from symgrad.limits import Limits
from symgrad.parsing.notation import DOT_RAWS, NotationRules
from symgrad.parsing.tokens import EXAMPLE, Token, error

# --------------------------------------------------------------------------- nodes


@dataclass(frozen=True)
class Num:
    numerator: int
    denominator: int
    pos: int


@dataclass(frozen=True)
class Sym:
    name: str
    pos: int


@dataclass(frozen=True)
class Const:
    name: str  # "e" or "pi"
    pos: int


@dataclass(frozen=True)
class Add:
    terms: tuple["Node", ...]


@dataclass(frozen=True)
class Mul:
    factors: tuple[tuple[bool, "Node"], ...]  # (is_divisor, factor)


@dataclass(frozen=True)
class Neg:
    operand: "Node"


@dataclass(frozen=True)
class Pow:
    base: "Node"
    exponent: "Node"
    pos: int


@dataclass(frozen=True)
class Call:
    function: str  # canonical name from tokens.FUNCTION_NAMES
    args: tuple["Node", ...]
    pos: int


@dataclass(frozen=True)
class Factorial:
    operand: "Node"
    pos: int


@dataclass(frozen=True)
class AbsValue:
    operand: "Node"


@dataclass(frozen=True)
class Root:
    operand: "Node"
    index: "Node"
    pos: int


@dataclass(frozen=True)
class Matrix:
    rows: tuple[tuple["Node", ...], ...]
    pos: int
    column: bool = False  # written as a flat list: becomes an (n, 1) column


@dataclass(frozen=True)
class Relation:
    lhs: "Node"
    rhs: "Node"
    pos: int


@dataclass(frozen=True)
class SetOf:
    items: tuple["Node", ...]
    pos: int


@dataclass(frozen=True)
class Answers:
    items: tuple["Node", ...]
    pos: int


@dataclass(frozen=True)
class PlusMinus:
    """``± operand``: the answer stands for two values (``4 ± 2√2``)."""

    operand: "Node"
    pos: int


@dataclass(frozen=True)
class Interval:
    """``[0, 1)``, ``(−1, 1)`` after ``∈``: an interval of the real line."""

    low: "Node"
    high: "Node"
    left_open: bool
    right_open: bool
    pos: int


@dataclass(frozen=True)
class SetUnion:
    parts: tuple["Node", ...]
    pos: int


@dataclass(frozen=True)
class Inequality:
    """``x > 2``, ``-1 < x <= 1``: sides and the operators between them."""

    sides: tuple["Node", ...]
    ops: tuple[str, ...]
    pos: int


@dataclass(frozen=True)
class Membership:
    """``x ∈ (−1, 1)``, ``x ∈ {2, −2}``."""

    element: "Node"
    within: "Node"
    pos: int


Node = Union[Num, Sym, Const, Add, Mul, Neg, Pow, Call, Factorial, AbsValue, Root, Matrix, Relation, SetOf, Answers,
             PlusMinus, Interval, SetUnion, Inequality, Membership]

#: relation operators of answers (besides "=")
INEQUALITY_OPS = ("<", "<=", ">", ">=")

#: Functions whose ``^-1`` means the inverse function (``sin^-1 x`` = asin x).
INVERSES = {"sin": "asin", "cos": "acos", "tan": "atan"}

#: functions that grow like a power of e: ``exp(exp(x))`` is the tower ``e^(e^x)``, so each call
#: counts as one level of ``max_power_tower`` for everything inside its parentheses
TOWER_FUNCTIONS = frozenset({"exp", "sinh", "cosh", "factorial"})
MATRIX_ENVIRONMENTS = frozenset({"matrix", "bmatrix", "pmatrix", "Bmatrix", "smallmatrix"})
_OPENERS = {"(": ")", "[": "]", "{": "}", "\\{": "\\}"}

# --------------------------------------------------------------------------- parser


class Parser(NotationRules):
    """Recursive descent over a token list; ``parse()`` returns the tree.

    ``declared`` names vectors and matrices (``shapes=``): ``Σ`` and ``σ`` declared
    there are names, not the sum and the sigmoid (see :mod:`symgrad.parsing.notation`).
    """

    def __init__(self, tokens: list[Token], text: str, limits: Limits, answer: bool = False,
                 declared: frozenset[str] = frozenset()):
        self.declared = declared
        self.norm_open = False
        self.tokens = tokens
        self.text = text
        self.limits = limits
        self.answer = answer
        self.i: int = 0
        self.depth: int = 0
        self.towers: int = 0  # how many exponents enclose the current position
        self.abs_open: int = 0  # '|' bars opened in the current bracket level
        self.row_mode: bool = False  # inside "[a b; c d]": whitespace separates cells

    # ----------------------------------------------------------------- helpers
    @property
    def tok(self) -> Token:
        return self.tokens[self.i]

    def advance(self) -> Token:
        token = self.tokens[self.i]
        self.i += 1
        return token

    def at(self, *values: str, kind: str = "op") -> bool:
        return self.tok.kind == kind and self.tok.value in values

    def expect(self, value: str, opened: Token | None = None) -> Token:
        if self.at(value):
            return self.advance()
        shown = value.replace("\\", "\\")
        where = f" to close '{opened.raw or opened.value}' from column {opened.pos + 1}" if opened else ""
        raise self.fail(f"expected '{shown}'{where}")

    def fail(self, message: str, token: Token | None = None, hint: str = EXAMPLE) -> ParseError:
        token = token or self.tok
        found = "the end of the input" if token.kind == "eof" else f"'{token.raw or token.value}'"
        return error(f"{message}, found {found}", self.text, token.pos, hint)

    def enter(self) -> None:
        self.depth += 1
        if self.depth > self.limits.max_depth:
            self.limits.check("max_depth", self.depth,
                              f"the expression is nested more than {self.limits.max_depth} deep "
                              f"(column {self.tok.pos + 1})")

    # ----------------------------------------------------------------- top level
    def parse(self) -> Node:
        if self.tok.kind == "eof":
            raise error("the input is empty", self.text, None, EXAMPLE)
        start = self.tok.pos
        if self.answer:
            items = [self.relation()]
            while self.at(","):
                self.advance()
                items.append(self.relation())
            node: Node = items[0] if len(items) == 1 else Answers(tuple(items), start)
        else:
            node = self.expr()
            if self.at("="):
                raise self.fail("an equation is not an expression", hint="Use parse_answer for 'w0 = 1.8'.")
            if self.at(","):
                raise self.fail("a comma outside brackets",
                                hint="Write a vector in brackets: [4*w0, 6*w1] or (4*w0, 6*w1).")
        if self.tok.kind != "eof":
            raise self.fail("unexpected text after a complete expression")
        return node

    def relation(self) -> Node:
        lhs = self.expr()
        if self.at(*INEQUALITY_OPS):
            return self.inequality(lhs)
        if self.at("∈"):
            op = self.advance()
            return Membership(lhs, self.set_expression(), op.pos)
        if self.at("="):
            op = self.advance()
            rhs = self.expr()
            if self.at("="):
                raise self.fail("only one '=' is allowed in an equation", hint="Example: w0 = 1.8, w1 = 2")
            return Relation(lhs, rhs, op.pos)
        return lhs

    def inequality(self, first: Node) -> Node:
        """``a < b``, ``a <= b < c`` (a chain of one direction)."""
        sides, ops, pos = [first], [], self.tok.pos
        while self.at(*INEQUALITY_OPS):
            ops.append(self.advance().value)
            sides.append(self.expr())
        if len({op[0] for op in ops}) > 1:
            raise self.fail("a chain of inequalities must point one way", hint="Example: -1 < x <= 1")
        return Inequality(tuple(sides), tuple(ops), pos)

    def set_expression(self) -> Node:
        """After ``∈``: intervals and sets joined by ``∪`` (``(-oo, -1) ∪ (1, oo)``, ``{2, -2}``)."""
        parts = [self.interval_or_set()]
        while self.at("∪"):
            self.advance()
            parts.append(self.interval_or_set())
        return parts[0] if len(parts) == 1 else SetUnion(tuple(parts), parts[0].pos)  # type: ignore[union-attr]

    def interval_or_set(self) -> Node:
        if self.at("{", "\\{") or self.tok.kind == "const":
            return self.primary()
        if not self.at("(", "["):
            raise self.fail("expected an interval or a set after '∈'", hint="Example: x ∈ (-1, 1], x ∈ {2, -2}")
        opener = self.advance()
        self.enter()
        low = self.expr()
        self.expect(",", opener)
        high = self.expr()
        if not self.at(")", "]"):
            raise self.fail("expected ')' or ']' to close the interval", hint="Example: [0, 1)")
        closer = self.advance()
        self.depth -= 1
        return Interval(low, high, opener.value == "(", closer.value == ")", opener.pos)

    def interval_end(self, cells: list[Node], opener: Token) -> Interval | None:
        """``[0, 1)`` or ``(0, 1]``: a bracket closed by the other kind of bracket is an interval (answers only)."""
        other = {"(": "]", "[": ")"}.get(opener.value)
        if not self.answer or other is None or len(cells) != 2 or not self.at(other):
            return None
        closer = self.advance()
        return Interval(cells[0], cells[1], opener.value == "(", closer.value == ")", opener.pos)

    def starts_set(self, opener_index: int) -> bool:
        """Is the ``{`` at ``opener_index`` a set (an answer's item, or an element of a set) rather than grouping?"""
        if not self.answer:
            return False
        before = self.tokens[opener_index - 1] if opener_index > 0 else None
        return before is None or (before.kind == "op" and before.value in (",", "{", "\\{", "=", "∈", "∪"))

    # ----------------------------------------------------------------- arithmetic
    def expr(self) -> Node:
        terms = [self.term()]
        while self.at("+", "-", "±"):
            if self.row_mode and self.tok.space_before and not self.tokens[self.i + 1].space_before:
                break  # "[x -1]": a new cell starting with a sign
            op = self.advance()
            term = self.term()
            terms.append(Neg(term) if op.value == "-" else self.plus_minus(term, op) if op.value == "±" else term)
        return terms[0] if len(terms) == 1 else Add(tuple(terms))

    def term(self) -> Node:
        factors: list[tuple[bool, Node]] = [(False, self.unary())]
        while True:
            if self.at("⊙", "@") or (self.at("*") and self.tok.raw in DOT_RAWS):
                left = factors[0][1] if len(factors) == 1 else Mul(tuple(factors))
                factors = [(False, self.product_operator(left))]
            elif self.at("*", "/"):
                op = self.advance()
                factors.append((op.value == "/", self.unary()))
            elif self.starts_factor():
                if self.row_mode and self.tok.space_before:
                    break
                if self.tok.kind in ("num", "frac"):
                    raise self.fail("a number cannot follow another factor directly",
                                    hint="Put the number first (2x) or use * (x*2); for a mixed number write 2 + 1/2.")
                if self.at("[") and not self.tok.space_before and self.tokens[self.i - 1].kind == "name":
                    raise self.fail("indexing such as x[0] is not supported",
                                    hint="Write a subscript as x_0 or x0, or a product as x*[...].")
                factors.append((False, self.power()))
            else:
                break
        return factors[0][1] if len(factors) == 1 else Mul(tuple(factors))

    def starts_factor(self) -> bool:
        token = self.tok
        if token.kind in ("num", "frac", "name", "const", "func", "usqrt", "begin", "partial", "nabla"):
            return True
        if token.kind == "op" and token.value == "‖":
            return not self.norm_open
        if token.kind == "cmd":
            return token.value in ("frac", "dfrac", "tfrac", "sqrt")
        if token.kind == "op":
            if token.value == "|":
                return self.abs_open == 0
            return token.value in ("(", "[", "{")
        return False

    def unary(self) -> Node:
        if self.at("-", "+", "±"):
            self.enter()
            op = self.advance()
            operand = self.unary()
            self.depth -= 1
            return Neg(operand) if op.value == "-" else self.plus_minus(operand, op) if op.value == "±" else operand
        return self.power()

    def plus_minus(self, operand: Node, op: Token) -> Node:
        if not self.answer:
            raise self.fail("'±' gives two values; only an answer may use it", op,
                            "Write the two values as a set: {4 + 2*sqrt(2), 4 - 2*sqrt(2)}.")
        return PlusMinus(operand, op.pos)

    def power(self) -> Node:
        base = self.postfix(self.primary())
        while self.at("^") and self.transpose_ahead() and not isinstance(base, Const) \
                and not (isinstance(base, Num) and (base.numerator, base.denominator) != (1, 1)):
            base = self.postfix(self.transpose(base))
        while self.tok.kind == "sup":
            sup = self.advance()
            self.check_tower(sup)
            base = Pow(base, Num(int(sup.value), 1, sup.pos), sup.pos)
        if self.at("^"):
            op = self.advance()
            return Pow(base, self.exponent(op), op.pos)
        return base

    def exponent(self, op: Token) -> Node:
        self.check_tower(op)
        self.towers += 1
        self.enter()
        negative = self.signs()
        node = self.power()
        if negative:
            node = Neg(node)
        self.depth -= 1
        self.towers -= 1
        return node

    def signs(self) -> bool:
        """Consume a run of '+'/'-' signs; True if they amount to a minus."""
        negative = False
        while self.at("-", "+"):
            negative ^= self.advance().value == "-"
        return negative

    def check_tower(self, token: Token) -> None:
        height = self.towers + 2
        if height > self.limits.max_power_tower:
            self.limits.check("max_power_tower", height,
                              f"a tower of {height} powers at column {token.pos + 1} "
                              "(exp, sinh, cosh and factorial count as powers)")

    def postfix(self, node: Node) -> Node:
        while self.at("!", "'"):
            token = self.advance()
            node = Factorial(node, token.pos) if token.value == "!" else self.transposed(node, token)
        return node

    # ----------------------------------------------------------------- atoms
    def primary(self) -> Node:
        token = self.tok
        kind = token.kind
        special = self.notation()
        if special is not None:
            return special
        if kind in ("num", "frac"):
            self.advance()
            return Num(*token.number, token.pos)  # type: ignore[misc]
        if kind == "name":
            self.advance()
            return Sym(token.value + self.subscript(), token.pos)
        if kind == "const":
            self.advance()
            if self.at("_"):  # e_1 is a symbol, not Euler's number
                return Sym(token.raw + self.subscript(), token.pos)
            return Const(token.value, token.pos)
        if kind == "func":
            return self.call()
        if kind == "usqrt":
            self.advance()
            self.enter()
            operand = self.unary() if self.at("-") else self.power()
            self.depth -= 1
            return Root(operand, Num(int(token.value), 1, token.pos), token.pos)
        if kind == "cmd":
            return self.command()
        if kind == "begin":
            return self.environment()
        if kind == "op":
            if token.value in _OPENERS:
                return self.bracket()
            if token.value == "|":
                return self.absolute()
        if kind == "eof":
            raise self.fail("the expression ends too early")
        raise self.fail("expected a number, a name or '('")

    def subscript(self) -> str:
        """``_0``, ``_{10}``, ``_i``, ``_{ij}`` → ``"0"``, ``"10"``, ``"_i"``, ``"_ij"``; ``""`` if none."""
        if not self.at("_"):
            return ""
        under = self.advance()
        if self.at("{"):
            self.advance()
            parts = []
            while self.tok.kind in ("num", "name", "const", "func") and self.tok.raw.isalnum():
                parts.append(self.advance().raw)
            self.expect("}")
            raw = "".join(parts)
        elif self.tok.kind in ("num", "name", "const", "func") and self.tok.raw.isalnum():
            raw = self.advance().raw
        else:
            raw = ""
        if not raw:
            raise self.fail("a subscript must be digits or letters", under, "Example: w_0, w_{10}, x_i")
        if self.at("_"):
            raise self.fail("only one subscript is allowed", hint="Example: w_{12}")
        return raw if raw.isdigit() else "_" + raw

    def bracket(self) -> Node:
        """``( )``, ``[ ]``, ``{ }``, ``\\{ \\}``: grouping, a vector, a matrix, or a set."""
        is_set = self.starts_set(self.i)
        opener = self.advance()
        close = _OPENERS[opener.value]
        saved = (self.abs_open, self.row_mode)
        self.abs_open = 0
        self.row_mode = opener.value == "[" and self.looks_like_rows()
        self.enter()
        rows: list[list[Node]] = [[]]
        separators = 0
        while True:
            if self.at(close):
                break
            rows[-1].append(self.expr())
            if self.at(","):
                self.advance()
                separators += 1
            elif self.at(";") and opener.value == "[":
                self.advance()
                rows.append([])
                separators += 1
            elif not (self.row_mode and not self.at(close) and self.tok.kind != "eof"):
                break
            else:
                separators += 1
        interval = self.interval_end([cell for row in rows for cell in row], opener)
        if interval is not None:
            self.depth -= 1
            self.abs_open, self.row_mode = saved
            return interval
        self.expect(close, opener)
        self.depth -= 1
        self.abs_open, self.row_mode = saved
        cells = [cell for row in rows for cell in row]
        if not cells and is_set and opener.value in ("{", "\\{"):
            return SetOf((), opener.pos)  # {}: the empty set
        if not cells:
            raise self.fail("empty brackets", opener, "Example: (x + 1), [1, 2]")
        if opener.value in ("{", "\\{"):
            ends_item = self.tok.kind == "eof" or self.at(",", "}", "\\}")
            if separators == 0 and not (is_set and ends_item):
                return cells[0]  # {x + 1}: grouping; a lone {2} as an answer or element is a one-element set
            if not self.answer:
                raise self.fail("a set such as {1, 2} is only accepted as an answer", opener,
                                "Use parse_answer('{1, 2}'), or [1, 2] for a vector.")
            return SetOf(tuple(cells), opener.pos)
        if separators == 0:
            return cells[0]
        if len(rows) > 1 and all(rows):
            if len({len(row) for row in rows}) != 1:
                raise self.fail("matrix rows have different lengths", opener, "Example: [2 2; 2 6]")
            return Matrix(tuple(tuple(row) for row in rows), opener.pos)
        if len(rows) > 1:
            raise self.fail("a matrix row is empty", opener, "Example: [2 2; 2 6]")
        return self.list_to_matrix(rows[0], opener)

    def list_to_matrix(self, cells: list[Node], opener: Token) -> Matrix:
        """A flat list is a column; a list of lists is a matrix, one inner list per row."""
        nested = [isinstance(c, Matrix) and c.column for c in cells]
        if not any(nested):
            return Matrix(tuple((c,) for c in cells), opener.pos, column=True)
        if not all(nested):
            raise self.fail("mixing numbers and lists in one list", opener, "Example: [[2, 2], [2, 6]]")
        rows = tuple(tuple(row[0] for row in c.rows) for c in cells)  # type: ignore[union-attr]
        if len({len(r) for r in rows}) != 1:
            raise self.fail("matrix rows have different lengths", opener, "Example: [[2, 2], [2, 6]]")
        return Matrix(rows, opener.pos)

    def looks_like_rows(self) -> bool:
        """Is the ``[`` just opened a MATLAB-style matrix (``[2 2; 2 6]``, ``[1 2 3]``)?"""
        depth, commas, semicolons = 0, 0, 0
        for token in self.tokens[self.i:]:
            if token.kind == "eof":
                break
            if token.kind == "op" and token.value in ("(", "[", "{", "\\{"):
                depth += 1
            elif token.kind == "op" and token.value in (")", "]", "}", "\\}"):
                if depth == 0:
                    break
                depth -= 1
            elif depth == 0 and token.kind == "op" and token.value == ",":
                commas += 1
            elif depth == 0 and token.kind == "op" and token.value == ";":
                semicolons += 1
        return semicolons > 0 or commas == 0

    def absolute(self) -> Node:
        bar = self.advance()
        self.abs_open += 1
        self.enter()
        inner = self.expr()
        self.depth -= 1
        self.expect("|", bar)
        self.abs_open -= 1
        return AbsValue(inner)

    # ----------------------------------------------------------------- functions
    def call(self) -> Node:
        """``sin(x)``, ``sin x``, ``sin^2(x)``, ``sin^-1 x``, ``\\log_2 x``, ``log(x, 2)``, ``\\sin{x}``."""
        func = self.advance()
        name = func.value
        base: Node | None = None
        if self.at("_"):
            if name != "log":
                raise self.fail(f"only log takes a subscript (a base), not {func.raw}", hint="Example: \\log_2 x")
            self.advance()
            base = self.latex_argument()
        power: Node | None = None
        if self.tok.kind == "sup":
            sup = self.advance()
            power = Num(int(sup.value), 1, sup.pos)
        elif self.at("^"):
            self.advance()
            self.towers += 1
            power = self.latex_argument(signed=True)
            self.towers -= 1
        if power is not None and _is_minus_one(power):
            if name not in INVERSES:
                raise self.fail(f"{func.raw}^-1 is ambiguous", func, f"Write 1/{func.raw}(x) or {func.raw}(x)^(-1).")
            name, power = INVERSES[name], None
        self.enter()
        tower = name in TOWER_FUNCTIONS
        if tower:
            self.check_tower(func)
            self.towers += 1
        if self.at("("):
            opener = self.advance()
            saved = (self.abs_open, self.row_mode)
            self.abs_open, self.row_mode = 0, False
            args = [self.expr()]
            while self.at(","):
                self.advance()
                args.append(self.expr())
            self.expect(")", opener)
            self.abs_open, self.row_mode = saved
        elif self.at("{"):
            args = [self.latex_argument()]
        else:
            args = [self.bare_argument(func)]
        if tower:
            self.towers -= 1
        self.depth -= 1
        if base is not None:
            args.append(base)
        node: Node = Call(name, tuple(args), func.pos)
        if power is not None:
            node = Pow(node, power, func.pos)
        return node

    def bare_argument(self, func: Token) -> Node:
        if self.tok.kind == "eof" or self.at(")", "]", "}", ",", ";", "=", "*", "/", "^", "!"):
            raise self.fail(f"{func.raw} needs an argument", hint=f"Example: {func.raw}(x) or {func.raw} x")
        if self.at("-", "+"):
            negative = self.signs()
            inner = self.bare_argument(func)
            return Neg(inner) if negative else inner
        factors: list[tuple[bool, Node]] = [(False, self.power())]
        while self.starts_factor() and self.tok.kind != "func" and not (self.row_mode and self.tok.space_before):
            if self.tok.kind in ("num", "frac"):
                raise self.fail("a number cannot follow another factor directly", hint="Example: sin(2x)")
            factors.append((False, self.power()))
        return factors[0][1] if len(factors) == 1 else Mul(tuple(factors))

    def latex_argument(self, signed: bool = False) -> Node:
        """A LaTeX argument: ``{...}``, or one digit, letter or token (``\\frac12``, ``x^2``, ``\\log_2``)."""
        self.enter()
        try:
            if self.at("{"):
                opener = self.advance()
                saved = (self.abs_open, self.row_mode)
                self.abs_open, self.row_mode = 0, False
                node = self.expr()
                self.expect("}", opener)
                self.abs_open, self.row_mode = saved
                return node
            if signed and self.at("-", "+"):
                op = self.advance()
                inner = self.latex_argument(signed=True)
                return Neg(inner) if op.value == "-" else inner
            token = self.tok
            if token.kind == "num" and self.tokens[self.i - 1].kind == "cmd" and len(token.raw) > 1 \
                    and token.raw.isdigit():
                # \frac12: each digit is one argument
                self.tokens[self.i] = Token("num", token.raw[1:], token.pos + 1, token.raw[1:],
                                            number=(int(token.raw[1:]), 1))
                return Num(int(token.raw[0]), 1, token.pos)
            if token.kind in ("num", "name", "const", "frac"):
                return self.primary()
            if token.kind == "op" and token.value in ("(", "|"):
                return self.primary()
            raise self.fail("expected an argument in braces, e.g. {2}")
        finally:
            self.depth -= 1

    def command(self) -> Node:
        """``\\frac``, ``\\dfrac``, ``\\tfrac``, ``\\sqrt``, and a stray ``\\end``."""
        cmd = self.advance()
        if cmd.value in ("frac", "dfrac", "tfrac"):
            numerator = self.latex_argument()
            denominator = self.latex_argument()
            return Mul(((False, numerator), (True, denominator)))
        if cmd.value == "sqrt":
            index: Node = Num(2, 1, cmd.pos)
            if self.at("["):
                opener = self.advance()
                index = self.expr()
                self.expect("]", opener)
            return Root(self.latex_argument(), index, cmd.pos)
        raise self.fail(f"'\\{cmd.value}' without a matching \\begin", cmd)

    def environment(self) -> Node:
        """``\\begin{bmatrix} a & b \\\\ c & d \\end{bmatrix}`` (also pmatrix, matrix, Bmatrix)."""
        begin = self.advance()
        if begin.value not in MATRIX_ENVIRONMENTS:
            raise self.fail(f"environment '{begin.value}' is not supported", begin,
                            "Use \\begin{bmatrix} 1 & 2 \\\\ 3 & 4 \\end{bmatrix} (or pmatrix).")
        self.enter()
        saved = (self.abs_open, self.row_mode)
        self.abs_open, self.row_mode = 0, False
        rows: list[list[Node]] = [[]]
        while True:
            if self.tok.kind == "end":
                break
            if self.tok.kind == "eof":
                raise self.fail(f"\\begin{{{begin.value}}} is never closed", begin,
                                f"Finish it with \\end{{{begin.value}}}.")
            rows[-1].append(self.expr())
            if self.at("&"):
                self.advance()
            elif self.tok.kind == "rowsep":
                self.advance()
                if self.tok.kind != "end":
                    rows.append([])
            elif self.tok.kind not in ("end", "eof"):
                raise self.fail("expected '&', '\\\\' or \\end")
        end = self.advance()
        if end.value != begin.value:
            raise self.fail(f"\\end{{{end.value}}} does not match \\begin{{{begin.value}}}", end)
        self.abs_open, self.row_mode = saved
        self.depth -= 1
        if not rows[0]:
            raise self.fail("an empty matrix", begin, "Example: \\begin{bmatrix} 1 \\\\ 2 \\end{bmatrix}")
        if len({len(row) for row in rows}) != 1:
            raise self.fail("matrix rows have different lengths", begin,
                            "Each row needs the same number of '&'-separated cells.")
        return Matrix(tuple(tuple(row) for row in rows), begin.pos)


def _is_minus_one(node: Node) -> bool:
    if isinstance(node, Neg):
        return isinstance(node.operand, Num) and (node.operand.numerator, node.operand.denominator) == (1, 1)
    return isinstance(node, Num) and (node.numerator, node.denominator) == (-1, 1)
