"""Notation that is easy to misread: derivatives, the sigmoid σ, transposes, norms, · and ⊙.

Each of these used to fall through to the ordinary grammar and come out as a
*product* (``d/dx (x^3)`` as d·x…, ``σ(x)`` as sigma·x, ``x^T`` as a power).
This module holds the parse-tree nodes for them and :class:`NotationRules`, a
mixin of :class:`~symgrad.parsing.grammar.Parser` that recognises them from the
tokens ahead, before the ordinary rules get a chance to misread them:

================================  ===========================================================
written                           node
================================  ===========================================================
``d/dx f``, ``\\frac{d}{dx} f``,   :class:`Derivative` (``d^2/dx^2``: order 2); ``dy/dx``,
``∂/∂x f``, ``\\frac{\\partial}``   ``d f/d x``, ``\\frac{df}{dx}``, ``(dy)/(dx)``, ``(d)/(dx)`` are refused
``σ(z)``, ``\\sigma z``, ``σ z``    a call of ``sigmoid``; ``σ``, ``σ^2``, ``x/σ`` stay a symbol
``x^T``, ``x'``, ``xᵀ``, ``x^\\top`` :class:`Transpose`; the builder refuses it on a scalar
``‖v‖``, ``||v||``, ``\\|v\\|_2``     :class:`Norm` (subscript ``2``, ``F`` or ``1``)
``x·y``, ``x ⊙ y``, ``x .* y``      :class:`Product` with ``op`` ``"·"`` or ``"⊙"``
``Σ v``, ``Σ_i (...)``             a call of ``sum`` / :class:`IndexSum`
================================  ===========================================================

What the nodes *mean* -- and the refusals that need to know shapes -- live in
the builder (:mod:`symgrad.parsing.matrix`). Nothing here imports the grammar
module: the mixin only calls the parser's own methods.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from symgrad.errors import ParseError
from symgrad.parsing.tokens import Token, error

#: token raws that mean the dot (inner) product rather than a plain ``*``
DOT_RAWS = frozenset({"·", "⋅", "∙", "\\cdot"})
#: brackets, and the operators that end the numerator of a quotient ``d<numerator>/dx``
_OPENERS, _CLOSERS = frozenset({"(", "[", "{", "\\{"}), frozenset({")", "]", "}", "\\}"})
_NUMERATOR_ENDS = frozenset({"+", "-", "*", "=", ",", "|", "‖"})
_MATCHING = {"(": ")", "[": "]", "{": "}"}

#: how a derivative is written, named in refusals
DERIVATIVE_HINT = "Write the derivative as d/dx (x^3 + 2x) or \\frac{d}{dx}(x^3 + 2x)."
#: the tokens that end a bare operand after ``d/dx`` (``d/dx x^2, ...`` inside a vector, ``= ...``, a matrix cell)
_OPERAND_ENDS = (*sorted(_CLOSERS), ",", ";", "=", "&")
TRANSPOSE_NAMES = frozenset({"T"})
SIGMOID_NAMES = frozenset({"sigma"})
SUM_NAMES = frozenset({"Sigma"})


@dataclass(frozen=True)
class Derivative:
    operand: Any
    variable: str
    order: int
    pos: int


@dataclass(frozen=True)
class Transpose:
    operand: Any
    pos: int
    prime: bool = False  # written x' or xᵀ rather than x^T


@dataclass(frozen=True)
class Norm:
    operand: Any
    kind: str  # "" (unsubscripted), "2", "1", "F"
    pos: int


@dataclass(frozen=True)
class Product:
    op: str  # "·" (dot product), "⊙" (elementwise) or "@" (matrix product, NumPy's spelling)
    lhs: Any
    rhs: Any
    pos: int


@dataclass(frozen=True)
class IndexSum:
    index: str
    factors: tuple[Any, ...]  # the summand: every factor up to the next + or - (functions included)
    pos: int



class NotationRules:
    """Parser mixin: look-ahead rules for the notation in the module docstring.

    It relies on these attributes and methods of the parser: ``tokens``, ``i``,
    ``text``, ``answer``, ``declared``, ``tok``, ``at``, ``advance``, ``expect``,
    ``fail``, ``enter``, ``subscript``, ``bracket``, ``power``, ``starts_factor``,
    ``bare_argument``, ``call``, ``expr``.
    """

    tokens: list[Token]
    i: int
    text: str
    answer: bool
    declared: frozenset[str]
    tok: Token
    depth: int
    abs_open: int
    at: Callable[..., bool]
    advance: Callable[[], Token]
    expect: Callable[..., Token]
    fail: Callable[..., ParseError]
    enter: Callable[[], None]
    subscript: Callable[[], str]
    starts_factor: Callable[[], bool]
    bracket: Callable[[], Any]
    power: Callable[[], Any]
    unary: Callable[[], Any]
    expr: Callable[[], Any]
    call: Callable[[], Any]
    bare_argument: Callable[[Token], Any]
    latex_argument: Callable[..., Any]

    def notation(self) -> Any:
        """The node for the notation starting here, or ``None`` to let the ordinary grammar read it."""
        token = self.tok
        if token.kind in ("name", "partial", "cmd"):
            form = self.derivative_ahead()
            if form is not None:
                return self.derivative(form)
        if token.kind == "partial":
            raise error("'∂' is only read in a derivative such as ∂/∂x (...)", self.text, token.pos, DERIVATIVE_HINT)
        if token.kind == "nabla":
            raise error("'∇' (a gradient) is not read inside an expression", self.text, token.pos,
                        "Type the function and ask for its gradient: sg.Function(text, shapes=...).gradient('w'), "
                        "or symgrad derive gradient TEXT.")
        if token.kind == "name":
            function = self.function_name_ahead()
            if function == "index_sum":
                return self.index_sum()
            if function is not None:
                return self.named_call(function)
        if token.kind == "op":
            if token.value in _MATCHING and self.bracketed_leibniz_ahead():
                self.refuse_bracketed_leibniz(token)
            if token.value == "‖":
                return self.norm()
            if token.value == "|" and self.double_bar_ahead():
                return self.norm()
            if token.value == "'":
                raise error("quotes are not allowed in an expression", self.text, token.pos,
                            "A prime after a vector or matrix is its transpose (x'); strings are not read.")
        return None

    def transposed(self, node: Any, token: Token) -> Transpose:
        """``x'``, ``xᵀ``: the prime after ``node`` (already consumed)."""
        if is_one(node) and not self.starts_factor():
            raise self.fail("1ᵀ must be followed by the vector or matrix it sums", hint="Example: 1^T v")
        return Transpose(node, token.pos, prime=True)

    # ----------------------------------------------------------------- look-ahead helpers
    def peek(self, offset: int = 0) -> Token:
        index = min(self.i + offset, len(self.tokens) - 1)
        return self.tokens[index]

    @staticmethod
    def is_d(token: Token) -> bool:
        """``d`` (a lone letter or the first letter of ``dx``) or ``∂``."""
        return (token.kind == "name" and token.value == "d") or token.kind == "partial"

    def order_at(self, offset: int) -> tuple[int, int] | None:
        """An order written after ``d``: ``^2``, ``^{2}``, ``²`` → (order, tokens used); (1, 0) if none."""
        token = self.peek(offset)
        if token.kind == "sup" and token.value.isdigit():
            return int(token.value), 1
        if token.kind == "op" and token.value == "^":
            nxt = self.peek(offset + 1)
            if nxt.kind == "num" and nxt.raw.isdigit():
                return int(nxt.raw), 2
            if nxt.kind == "op" and nxt.value == "{" and self.peek(offset + 2).kind == "num" \
                    and self.peek(offset + 3).kind == "op" and self.peek(offset + 3).value == "}":
                return int(self.peek(offset + 2).raw), 4
            return None
        return 1, 0

    def leibniz_denominator_at(self, offset: int) -> bool:
        """``dx``, ``d x``, ``∂x``, ``\\partial x``, ``dθ``: a d followed by a name."""
        return self.is_d(self.peek(offset)) and self.peek(offset + 1).kind == "name"

    def derivative_ahead(self) -> str | None:
        """``"slash"``/``"frac"`` when a derivative operator starts here, ``"quotient"`` for ``dy/dx``."""
        token = self.tok
        if token.kind == "cmd" and token.value in ("frac", "dfrac", "tfrac"):
            if self.peek(1).value != "{" or not self.is_d(self.peek(2)):
                return None
            found = self.order_at(3)
            if found is None:
                return None
            after = 3 + found[1]
            if self.peek(after).value == "}" and self.peek(after + 1).value == "{" \
                    and self.leibniz_denominator_at(after + 2):
                return "frac"
            return "quotient" if self.frac_has_d_denominator(after) else None
        if not self.is_d(token):
            return None
        found = self.order_at(1)
        if found is None:
            return None
        after = 1 + found[1]
        if self.peek(after).value == "/" and self.peek(after).kind == "op" and self.leibniz_denominator_at(after + 1):
            return "slash"
        if self.peek(after).value == "/" and self.peek(after).kind == "op" and self.differential_group_end(after + 1):
            self.refuse_bracketed_leibniz(token)
        if self.quotient_ahead(after):
            return "quotient"
        return None

    def quotient_ahead(self, offset: int) -> bool:
        """``dy/dx``, ``d f/d x``, ``d(x^2)/dx``, ``d sin(x)/d x``, ``∂f/∂x``: a numerator after d, then ``/ dx``.

        The numerator is everything up to a ``/`` outside brackets, spaced or not: read as a
        product, ``d f/d x`` would be ``f·x``, a silent misreading. An explicit ``*``, ``+`` or
        ``-`` ends it first, so ``d*f/(d*x)`` stays a product.
        """
        depth, first = 0, offset
        while True:
            token = self.peek(offset)
            if token.kind == "eof":
                return False
            if token.kind == "op" and token.value in _OPENERS:
                depth += 1
            elif token.kind == "op" and token.value in _CLOSERS:
                if depth == 0:
                    return False
                depth -= 1
            elif depth == 0 and token.kind == "op" and token.value == "/":
                return offset > first and (self.leibniz_denominator_at(offset + 1)
                                           or self.differential_group_end(offset + 1) is not None)
            elif depth == 0 and token.kind == "op" and token.value in _NUMERATOR_ENDS:
                return False
            offset += 1

    def frac_has_d_denominator(self, offset: int) -> bool:
        """``\\frac{df}{dx}``: scan the numerator's braces, then look for ``{dx``."""
        depth = 1
        while self.peek(offset).kind != "eof" and depth:
            value = self.peek(offset).value
            depth += value == "{"
            depth -= value == "}"
            offset += 1
        return self.peek(offset).value == "{" and self.leibniz_denominator_at(offset + 1)

    def differential_group_end(self, offset: int, *, numerator: bool = False) -> int | None:
        """Where ``(dx)``, ``(d x)``, ``(∂x)``, ``[d x^2]`` starting at ``offset`` ends (the index after ``)``).

        With ``numerator``, also ``(dy)``, ``(d^2 y)``, ``(d sin(x))`` and the bare operator ``(d)``. A
        bracket whose top level holds an explicit ``*``, ``+``, ``-``, ``/`` or ``,`` is no differential:
        ``(d*x)/(d*t)`` and ``(d x + 1)/c`` stay a quotient of products. None when it is not one.
        """
        opener = self.peek(offset)
        if not (opener.kind == "op" and opener.value in _MATCHING and self.is_d(self.peek(offset + 1))):
            return None
        if not numerator and self.peek(offset + 2).kind != "name":
            return None
        depth, index = 0, offset + 2
        while True:
            token = self.peek(index)
            if token.kind == "eof":
                return None
            if token.kind == "op" and token.value in "([{":
                depth += 1
            elif token.kind == "op" and token.value in ")]}":
                if depth == 0:
                    return index + 1 if token.value == _MATCHING[opener.value] else None
                depth -= 1
            elif depth == 0 and token.kind == "op" and (token.value in _NUMERATOR_ENDS or token.value == "/"):
                return None
            index += 1

    def bracketed_leibniz_ahead(self) -> bool:
        """``(dx)/(dt)``, ``(d y)/(d x)``, ``(dy)/dx``, ``(d)/(dx)``: a differential in brackets over another."""
        end = self.differential_group_end(0, numerator=True)
        if end is None or not (self.peek(end).kind == "op" and self.peek(end).value == "/"):
            return False
        return self.leibniz_denominator_at(end + 1) or self.differential_group_end(end + 1) is not None

    def refuse_bracketed_leibniz(self, start: Token) -> None:
        """Read as products, ``(dx)/(dt)`` would be x/t and ``(d)/(dx)(x^2)`` would be x: refuse both."""
        raise error("a derivative written as a quotient in brackets ((dy)/(dx), (d)/(dx) (...)) is not read: "
                    "it could be a derivative or a product of d and the variables", self.text, start.pos,
                    f"{DERIVATIVE_HINT} Write the function itself out in place of y, or type the function and ask "
                    "for its derivative: sg.Function(\"x^3 + 2x\").gradient(). For a product write the *: "
                    "(d*y)/(d*x).")

    # ----------------------------------------------------------------- derivatives
    def derivative(self, form: str) -> Derivative:
        """``d/dx f``, ``d^2/dx^2 f``, ``\\frac{d}{dx} f``, ``∂/∂x f``; refuse ``dy/dx``."""
        start = self.tok
        if form == "quotient":
            raise error("a derivative written as a quotient (dy/dx, \\frac{df}{dx}) cannot be read "
                        "without knowing the function", self.text, start.pos,
                        f"{DERIVATIVE_HINT} Write the function itself out in place of f, or type the "
                        "function and ask for its derivative: sg.Function(\"x^3 + 2x\").gradient().")
        if self.answer:
            raise error("an answer must be the result itself, not d/dx of an expression", self.text, start.pos,
                        "Differentiate first and type the result, e.g. 3x^2 + 2.")
        if form == "frac":
            self.advance()
            self.expect("{")
        self.advance()  # d or ∂
        order = self.read_order()
        if form == "frac":
            self.expect("}")
            self.expect("{")
        else:
            self.expect("/")
        self.advance()  # the d of dx
        name_token = self.advance()
        variable = name_token.value + self.subscript()
        if self.read_order() != order:
            raise error("the orders above and below the fraction differ", self.text, start.pos,
                        "Example: d^2/dx^2 (x^4)")
        if form == "frac":
            self.expect("}")
        return Derivative(self.derivative_operand(start), variable, order, start.pos)

    def read_order(self) -> int:
        found = self.order_at(0)
        count = found[1] if found else 0
        for _ in range(count):
            self.advance()
        order = found[0] if found else 1
        if not 1 <= order <= 10:
            raise error(f"a derivative of order {order} is not supported", self.text, self.tok.pos,
                        "Orders 1 to 10, e.g. d^2/dx^2 (x^4).")
        return order

    def derivative_operand(self, start: Token) -> Any:
        """A bracketed group, or a bare product that must end the expression (``d/dx x^2``)."""
        if self.at("(", "[", "{"):
            operand = self.bracket()
            if self.at("^") or self.tok.kind == "sup":
                raise self.fail("a power right after d/dx (...) is ambiguous",
                                hint="Write d/dx ((x^2)^2) to differentiate the power, "
                                     "or (d/dx (x^2))^2 to square the derivative.")
            return operand
        if self.tok.kind == "eof" or self.at(*_OPERAND_ENDS, "+", "-", "*", "/"):
            raise self.fail("d/dx needs an expression to differentiate", hint=DERIVATIVE_HINT)
        operand = self.bare_argument(start)
        if not (self.tok.kind == "eof" or self.at(*_OPERAND_ENDS)):
            raise self.fail("it is unclear where the expression after d/dx ends",
                            hint="Put it in brackets: " + DERIVATIVE_HINT.split("as ", 1)[1])
        return operand

    # ----------------------------------------------------------------- σ and Σ as functions
    def function_name_ahead(self) -> str | None:
        """``"sigmoid"`` for ``σ`` followed by an argument, ``"sum"`` for ``Σ`` followed by one."""
        token = self.tok
        if token.kind != "name" or (token.value in self.declared and token.raw != "\\sum"):
            return None
        table = {**{n: "sigmoid" for n in SIGMOID_NAMES}, **{n: "sum" for n in SUM_NAMES}}
        if token.value not in table:
            return None
        nxt = self.peek(1)
        if nxt.kind == "sup" or (nxt.kind == "op" and nxt.value == "^"):
            if table[token.value] == "sigmoid" and self.argument_after_power():
                raise error("σ with a power before its argument is ambiguous", self.text, token.pos,
                            "Write sigmoid(x)^2 for the squared sigmoid, or σ^2*x for a product.")
            return None
        if nxt.kind == "op" and nxt.value == "_":
            return "index_sum" if table[token.value] == "sum" else None
        self.i += 1
        follows = self.starts_factor() and not (nxt.kind == "op" and nxt.value == "|")
        self.i -= 1
        return table[token.value] if follows else None

    def argument_after_power(self) -> bool:
        nxt = self.peek(1)
        if nxt.kind == "sup":
            after = self.peek(2)
        else:
            exponent = self.peek(2)
            if exponent.kind == "op" and exponent.value == "{":
                depth, offset = 0, 2
                while self.peek(offset).kind != "eof":
                    depth += self.peek(offset).value == "{"
                    depth -= self.peek(offset).value == "}"
                    offset += 1
                    if depth == 0:
                        break
                after = self.peek(offset)
            else:
                after = self.peek(3)
        return after.kind in ("name", "func", "num") or (after.kind == "op" and after.value == "(")

    def named_call(self, function: str) -> Any:
        """Read ``σ ...``/``Σ ...`` exactly as the call ``sigmoid ...``/``sum ...``."""
        token = self.tok
        self.tokens[self.i] = Token("func", function, token.pos, token.raw, token.space_before)
        return self.call()

    def index_sum(self) -> IndexSum:
        """``Σ_i (...)``, ``\\sum_{i} (...)``, ``\\sum_{i=1}^{N} (...)``: a sum over data rows."""
        token = self.advance()
        self.expect("_")
        braced = self.at("{")
        if braced:
            self.advance()
        if self.tok.kind != "name":
            raise self.fail("Σ_ needs an index letter", hint="Example: Σ_i (w^T x_i - y_i)^2")
        index = self.advance().value
        if self.at("="):
            self.advance()
            self.expr()  # the lower bound: 1 or 0, the rows are all of them
        if braced:
            self.expect("}")
        if self.tok.kind == "sup":
            self.advance()
        elif self.at("^"):
            self.advance()
            self.latex_argument()  # the upper bound: N, the number of rows
        if self.tok.kind == "eof" or not self.starts_factor():
            raise self.fail("Σ_i needs a summand", hint="Example: Σ_i (w^T x_i - y_i)^2")
        factors = [self.power()]
        while self.starts_factor() or self.at("*"):
            if self.at("*"):
                self.advance()
            factors.append(self.power())
        if self.at("/"):
            raise self.fail("it is unclear where the summand of Σ ends",
                            hint="Put it in brackets: Σ_i (y_i / 2) or (Σ_i y_i) / 2.")
        return IndexSum(index, tuple(factors), token.pos)

    # ----------------------------------------------------------------- transposes and norms
    def transpose_ahead(self) -> bool:
        """Is the ``^`` here followed by ``T``, ``{T}``, ``\\top`` or ``\\intercal`` (not ``T2``, ``(T)``)?"""
        first = self.peek(1)
        if first.kind == "op" and first.value == "'":
            return True
        if first.kind == "name" and first.value in TRANSPOSE_NAMES:
            return not (self.peek(2).kind == "op" and self.peek(2).value == "_")
        if first.kind == "op" and first.value == "{":
            inner, close = self.peek(2), self.peek(3)
            return ((inner.kind == "name" and inner.value in TRANSPOSE_NAMES)
                    or (inner.kind == "op" and inner.value == "'")) and close.kind == "op" and close.value == "}"
        return False

    def transpose(self, base: Any) -> Transpose:
        """Consume ``^T``/``^{T}``/``^\\top`` after ``base``; ``1^T`` (ones) must be followed by what it sums."""
        caret = self.advance()
        braced = self.at("{")
        if braced:
            self.advance()
        self.advance()
        if braced:
            self.advance()
        if is_one(base) and not self.starts_factor():
            raise self.fail("1^T must be followed by the vector or matrix it sums", hint="Example: 1^T v")
        return Transpose(base, caret.pos)

    def norm(self) -> Norm:
        """``‖v‖``, ``\\|v\\|``, ``||v||`` with an optional subscript ``_2``, ``_F``, ``_1``."""
        bar = self.advance()
        ascii_bars = bar.value == "|"
        if ascii_bars:
            self.advance()
        saved = self.norm_open, self.abs_open
        self.norm_open, self.abs_open = True, 1 if ascii_bars else 0
        levels = 2 if ascii_bars else 1  # each ASCII bar counts as a bracket for max_depth
        for _ in range(levels):
            self.enter()
        operand = self.expr()
        self.depth -= levels
        self.norm_open, self.abs_open = saved
        if ascii_bars:
            first = self.expect("|", bar)
            second = self.tok
            if not (second.kind == "op" and second.value == "|" and second.pos == first.pos + 1):
                raise self.fail("expected '||' to close the norm", bar)
            self.advance()
        else:
            self.expect("‖", bar)
        kind = self.subscript().lstrip("_") if self.at("_") else ""
        if kind not in ("", "2", "1", "F"):
            raise error(f"the norm ‖·‖_{kind} is not supported", self.text, bar.pos,
                        "Supported: ‖v‖ = ‖v‖_2 (Euclidean), ‖v‖_1, ‖A‖_F (Frobenius).")
        return Norm(operand, kind, bar.pos)

    norm_open: bool = False

    def double_bar_ahead(self) -> bool:
        """Does ``||`` (two adjacent ASCII bars) open a norm here?

        Yes when the first bar after it (outside brackets) is again a pair ``||``:
        ``||v||``, ``||Xw - y||^2``. ``||x| - 1|`` and ``||x| - |y||`` are absolute
        values, as before. One linear scan, no backtracking.
        """
        if not self.is_bar_pair(0):
            return False
        offset, depth = 2, 0
        while self.peek(offset).kind != "eof":
            token = self.peek(offset)
            if token.kind == "op" and token.value in ("(", "[", "{", "\\{"):
                depth += 1
            elif token.kind == "op" and token.value in (")", "]", "}", "\\}"):
                depth -= 1
                if depth < 0:
                    return False
            elif depth == 0 and token.kind == "op" and token.value == "|":
                return self.is_bar_pair(offset)
            offset += 1
        return False

    def is_bar_pair(self, offset: int) -> bool:
        first, second = self.peek(offset), self.peek(offset + 1)
        return first.kind == second.kind == "op" and first.value == second.value == "|" \
            and second.pos == first.pos + 1

    def product_operator(self, left: Any) -> Product:
        """``left · rhs`` or ``left ⊙ rhs`` (the operator token is next)."""
        op = self.advance()
        kind = op.value if op.value in ("⊙", "@") else "·"
        return Product(kind, left, self.unary(), op.pos)


def is_one(node: Any) -> bool:
    """The number 1 (a grammar ``Num``): ``1^T`` is the row of ones."""
    return getattr(node, "numerator", None) == 1 and getattr(node, "denominator", None) == 1
