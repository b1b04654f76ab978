"""The computational graph of an expression, its forward pass and its backward pass (chapter §12.3).

How it works, once. :func:`computational_graph` walks the SymPy tree of a
scalar expression from the leaves up and gives every *operation* its own node
(``u₁ = w·x``, ``u₂ = u₁ + b``, ``u₃ = u₂ − y``, ``L = u₃²`` for the chapter's
``L = (wx + b − y)²``): an n-ary sum or product becomes a chain of binary
nodes in the order the formula is printed, a term ``−y`` in a sum becomes a
subtraction, a factor ``1/v`` a division. A subexpression that occurs twice is
one node with two outgoing edges.

Each node keeps its operation as a SymPy expression in the symbols of its
inputs, so the *local derivative* on each edge is ``diff(operation, input)``
(no table of rules to keep in step with SymPy). The forward pass evaluates the
nodes in order; the backward pass starts from ``∂L/∂L = 1`` and walks the
nodes in reverse, adding ``∂L/∂node · ∂node/∂input`` into each input's
adjoint: an input used twice receives two contributions, which is the chain
rule's sum over paths. Values stay exact (SymPy numbers).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sympy

from ..analysis._text import print_order_terms
from ..errors import InputError
from ..function import Function, as_function

__all__ = ["GraphNode", "Edge", "ComputationalGraph", "Contribution", "computational_graph"]


@dataclass(frozen=True)
class Edge:
    """``source → target`` with the local derivative ``∂target/∂source`` (formula and value)."""

    source: sympy.Symbol
    target: sympy.Symbol
    local: sympy.Expr
    local_value: sympy.Expr


@dataclass(frozen=True)
class GraphNode:
    """One node: a leaf (a variable or a constant) or one operation on earlier nodes.

    Attributes:
        symbol: the node's name (the variable itself for a leaf, ``u₁, u₂, ...`` or the loss's name otherwise).
        operation: the operation in the symbols of its inputs (``w·x``); for a leaf the leaf itself.
        inputs: the symbols of the input nodes, in order.
        value: the forward value (exact).
        kind: ``"variable"``, ``"constant"`` or ``"operation"``.
        expression: the subexpression of the loss this node computes, in the original variables.
        operator: ``"+"``, ``"−"``, ``"·"`` or ``"/"`` for a binary operation (shown ``a op b`` in input
            order), ``""`` for a function of its inputs (``u²``, ``tanh(u)``) or a leaf.
    """

    symbol: sympy.Symbol
    operation: sympy.Expr
    inputs: tuple[sympy.Symbol, ...]
    value: sympy.Expr
    kind: str
    expression: sympy.Expr
    operator: str = ""


@dataclass(frozen=True)
class Contribution:
    """One term of the backward pass: ``∂L/∂source += ∂L/∂target · ∂target/∂source``."""

    edge: Edge
    upstream: sympy.Expr
    amount: sympy.Expr
    before: sympy.Expr | None
    total: sympy.Expr


@dataclass(frozen=True)
class ComputationalGraph:
    """Nodes in forward order (leaves first, the loss last), edges, adjoints and the backward pass.

    ``adjoints[node]`` is ``∂L/∂node``; ``backward`` lists the contributions in the
    order the backward pass adds them; ``gradient`` is ``∂L/∂v`` for each variable of ``wrt``.
    """

    function: Function
    name: str
    point: dict[sympy.Symbol, sympy.Expr]
    nodes: tuple[GraphNode, ...]
    edges: tuple[Edge, ...]
    adjoints: dict[sympy.Symbol, sympy.Expr]
    backward: tuple[Contribution, ...]
    wrt: tuple[sympy.Symbol, ...]

    @property
    def output(self) -> GraphNode:
        return self.nodes[-1]

    @property
    def gradient(self) -> sympy.ImmutableMatrix:
        return sympy.ImmutableMatrix([self.adjoints[v] for v in self.wrt])

    def node(self, symbol: sympy.Symbol) -> GraphNode:
        return next(n for n in self.nodes if n.symbol == symbol)

    def operations(self) -> list[GraphNode]:
        return [n for n in self.nodes if n.kind == "operation"]


def computational_graph(f: Any, at: Any, *, wrt: Any = None, name: str = "L") -> ComputationalGraph:
    """Build the graph of ``f``, run the forward pass at ``at`` and the backward pass from the output.

    Arguments:
        f: a scalar Function, SymPy expression or text.
        at: a value for every variable (sequence in variable order, or mapping).
        wrt: the variables whose gradient is wanted (the parameters: default all of them);
            the others are data, as tensors without ``requires_grad``.
        name: the output's name.

    Example:
        >>> g = computational_graph("(w*x + b - y)^2", {"w": 2, "x": 3, "b": 1, "y": 4})
        >>> [(str(n.symbol), n.inputs, n.operator or str(n.operation)) for n in g.operations()]
        [('u1', (w, x), '·'), ('u2', (u1, b), '+'), ('u3', (u2, y), '−'), ('L', (u3,), 'u3**2')]
        >>> g.wrt, g.gradient.T
        ((b, w, x, y), Matrix([[6, 18, 12, -6]]))
    """
    fn = as_function(f)
    if not fn.is_scalar:
        raise InputError(f"a computational graph needs a scalar loss, but {fn!r} is vector-valued")
    point = fn.point(at)
    wanted = fn.variables if wrt is None else tuple(_variable(fn, v) for v in (wrt if isinstance(wrt, (list, tuple)) else [wrt]))
    if fn.expr.is_Atom:
        raise InputError(f"{fn.expr} has no operation to differentiate through; give a loss such as (w*x + b - y)^2")
    builder = _Builder(fn, point, name)
    builder.node_of(fn.expr, output=True)
    nodes = tuple(builder.nodes)
    edges = tuple(_edges(nodes, builder.values))
    adjoints, backward = _backward(nodes, edges)
    for variable in fn.variables:  # a variable the loss does not use: its gradient is 0
        adjoints.setdefault(variable, sympy.S.Zero)
    return ComputationalGraph(fn, name, point, nodes, edges, adjoints, backward, wanted)


def _variable(fn: Function, v: Any) -> sympy.Symbol:
    for variable in fn.variables:
        if variable.name == str(v):
            return variable
    raise InputError(f"{v!r} is not a variable of {fn!r}; its variables are {', '.join(map(str, fn.variables))}")


class _Builder:
    """Gives every operation of the expression a node, leaves first (one node per distinct subexpression)."""

    def __init__(self, fn: Function, point: dict, name: str) -> None:
        self.point, self.name = point, name
        taken = {v.name for v in fn.variables}
        self.prefix = next(p for p in ("u", "v", "z", "node") if not any(t.startswith(p) for t in taken))
        self.nodes: list[GraphNode] = []
        self.values: dict[sympy.Symbol, sympy.Expr] = {}
        self.seen: dict[sympy.Expr, sympy.Symbol] = {}

    def node_of(self, expr: sympy.Expr, output: bool = False) -> sympy.Symbol:
        if expr in self.seen:
            return self.seen[expr]
        if expr.is_Symbol:
            return self._leaf(expr, "variable", self.point[expr])
        if expr.is_number:
            return self._leaf(sympy.Symbol(_number_label(expr), real=True), "constant", expr, expr)
        operation, inputs, operator = _OPERATIONS.get(type(expr), _generic)(self, expr)
        return self._operation(expr, operation, inputs, output, operator)

    def _leaf(self, symbol: sympy.Symbol, kind: str, value: sympy.Expr, expr: sympy.Expr | None = None) -> sympy.Symbol:
        expr = symbol if expr is None else expr
        self.nodes.append(GraphNode(symbol, expr if kind == "constant" else symbol, (), value, kind, expr))
        self.values[symbol] = value
        self.seen[expr] = symbol
        return symbol

    def _operation(self, expr, operation, inputs, output, operator: str = "") -> sympy.Symbol:
        count = sum(n.kind == "operation" for n in self.nodes) + 1
        symbol = sympy.Symbol(self.name if output else f"{self.prefix}{count}", real=True)
        value = operation.xreplace({i: self.values[i] for i in inputs})
        self.nodes.append(GraphNode(symbol, operation, tuple(inputs), value, "operation", expr, operator))
        self.values[symbol] = value
        self.seen[expr] = symbol
        return symbol

    def chain(self, parts: list[tuple[str, sympy.Expr]]) -> tuple[sympy.Expr, tuple, str]:
        """``a op b op c``: binary nodes for all but the last operation, which is returned for the caller's node."""
        (_, first), rest = parts[0], parts[1:]
        left = self.node_of(first)
        for index, (op, term) in enumerate(rest):
            right = self.node_of(term)
            operation = _BINARY[op](left, right)
            if index == len(rest) - 1:
                return operation, (left, right), op
            left = self._operation(_BINARY_VALUE[op](self.node(left).expression, self.node(right).expression),
                                   operation, (left, right), False, op)
        raise AssertionError("a chain has at least two parts")

    def node(self, symbol: sympy.Symbol) -> GraphNode:
        return next(n for n in self.nodes if n.symbol == symbol)


_BINARY = {"+": lambda a, b: sympy.Add(a, b, evaluate=False), "−": lambda a, b: sympy.Add(a, -b, evaluate=False),
           "·": lambda a, b: sympy.Mul(a, b, evaluate=False), "/": lambda a, b: sympy.Mul(a, sympy.Pow(b, -1), evaluate=False)}
_BINARY_VALUE = {"+": lambda a, b: a + b, "−": lambda a, b: a - b, "·": lambda a, b: a * b, "/": lambda a, b: a / b}


def _number_label(value: sympy.Expr) -> str:
    return str(value)


def _add(builder: _Builder, expr: sympy.Add):
    parts = []
    for term in print_order_terms(expr):
        negative = term.could_extract_minus_sign() and parts
        parts.append(("−", -term) if negative else ("+", term))
    if len(parts) == 1:
        return _generic(builder, expr)
    return builder.chain(parts)


def _mul(builder: _Builder, expr: sympy.Mul):
    coefficient, rest = expr.as_coeff_Mul()
    if coefficient == -1:
        inner = builder.node_of(rest)
        return -inner, (inner,), ""
    factors = ([("·", coefficient)] if coefficient != 1 else []) + [("·", f) for f in rest.as_ordered_factors()]
    numerator = [p for p in factors if not _reciprocal(p[1])]
    denominator = [("/", 1 / p[1]) for p in factors if _reciprocal(p[1])]
    if not numerator:
        numerator = [("·", sympy.S.One)]
    parts = numerator + denominator
    if len(parts) == 1:
        return _generic(builder, expr)
    return builder.chain(parts)


def _reciprocal(factor: sympy.Expr) -> bool:
    return factor.is_Pow and factor.exp.is_number and factor.exp.is_negative


def _pow(builder: _Builder, expr: sympy.Pow):
    base = builder.node_of(expr.base)
    if expr.exp.is_number:
        return sympy.Pow(base, expr.exp, evaluate=False), (base,), ""
    exponent = builder.node_of(expr.exp)
    return sympy.Pow(base, exponent, evaluate=False), (base, exponent), ""


def _exp(builder: _Builder, expr: sympy.exp):
    inner = builder.node_of(expr.args[0])
    return sympy.exp(inner, evaluate=False), (inner,), ""


def _generic(builder: _Builder, expr: sympy.Expr):
    """A function application ``g(a, b, ...)``: one node with an edge from each argument."""
    inputs = tuple(builder.node_of(a) for a in expr.args)
    return expr.func(*inputs, evaluate=False), inputs, ""


_OPERATIONS = {sympy.Add: _add, sympy.Mul: _mul, sympy.Pow: _pow, sympy.exp: _exp}


def _edges(nodes: tuple[GraphNode, ...], values: dict) -> list[Edge]:
    edges = []
    constants = {n.symbol for n in nodes if n.kind == "constant"}
    for node in nodes:
        for source in dict.fromkeys(node.inputs):
            if source in constants:  # a number needs no gradient
                continue
            local = _in_terms_of_output(sympy.diff(node.operation, source), node)
            local_value = local.xreplace(values)
            if (local.has(sympy.Piecewise, sympy.DiracDelta, sympy.Subs, sympy.Derivative) or not _finite(local_value)
                    or _at_a_kink(local, values)):
                raise InputError(f"the local derivative ∂{node.symbol}/∂{source} of {node.operation} does not exist "
                                 f"at this point (a kink or a pole); choose another point")
            edges.append(Edge(source, node.symbol, local, local_value))
    return edges


def _in_terms_of_output(local: sympy.Expr, node: GraphNode) -> sympy.Expr:
    """Write the node's own operation by its name, as backpropagation is taught: ``∂u₂/∂u₁ = 1 − u₂²`` for
    ``u₂ = tanh(u₁)``, ``e^{u₁} = u₂`` for ``u₂ = e^{u₁}``."""
    if isinstance(node.operation, sympy.Function) or isinstance(node.operation, sympy.exp):
        return local.xreplace({node.operation: node.symbol})
    return local


def _at_a_kink(local: sympy.Expr, values: dict) -> bool:
    """True when the local derivative holds ``sign(u)`` or a step at ``u = 0``: ``|u|``, ``max`` or relu at their kink,
    where the derivative does not exist (torch would silently use 0 there, one subgradient)."""
    steps = local.atoms(sympy.sign, sympy.Heaviside)
    return any(sympy.simplify(step.args[0].xreplace(values)) == 0 for step in steps)


def _finite(value: sympy.Expr) -> bool:
    try:
        number = complex(sympy.N(value, 20))
    except (TypeError, ValueError):
        return False
    return abs(number.imag) <= 1e-12 * max(1.0, abs(number.real)) and abs(number.real) != float("inf") and number == number


def _backward(nodes: tuple[GraphNode, ...], edges: tuple[Edge, ...]):
    output = nodes[-1].symbol
    adjoints: dict[sympy.Symbol, sympy.Expr] = {output: sympy.S.One}
    backward = []
    for node in reversed(nodes):
        if node.kind != "operation":
            continue
        upstream = adjoints[node.symbol]
        for edge in (e for e in edges if e.target == node.symbol):
            amount = upstream * edge.local_value
            before = adjoints.get(edge.source)
            total = amount if before is None else before + amount
            adjoints[edge.source] = total
            backward.append(Contribution(edge, upstream, amount, before, total))
    for node in nodes:
        if node.kind != "constant":
            adjoints.setdefault(node.symbol, sympy.S.Zero)
    return adjoints, tuple(backward)
