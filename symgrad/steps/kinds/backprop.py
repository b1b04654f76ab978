"""Backpropagation worked on a computational graph (chapter §12.3–12.5), as derivations.

* :func:`backprop` -- the graph of a loss (one node per operation, from
  :mod:`.graph`), the forward pass with every node's value, the local
  derivative on every edge, the backward pass adding ``∂L/∂node · ∂node/∂input``
  into each input node by node, and the gradient, checked against what torch's
  ``loss.backward()`` leaves in ``.grad``.
* :func:`accumulation` -- §12.5: ``.grad`` holds 4, then 8 after a second
  ``backward()`` without ``zero_()``; run in torch and explained.

Every number is checked by an independent route before it is shown: each
forward value against the whole subexpression evaluated at the point, each
local derivative against a central difference of its operation, each adjoint
against a central difference of the forward pass with that node nudged, and
the gradient against torch autograd (finite differences when torch is absent).
"""

from __future__ import annotations

import importlib.util
from typing import Any

import sympy

from ..._deprecation import renamed
from ...analysis._common import bounded
from ...analysis._text import approx_text, text
from ...errors import BackendUnavailable, InputError
from ...function import as_function
from ..core import Apply, Checker, Deriv, Derivation, Grad, Math, Name, Row, Step, eq, substituted, to_float
from ..graph import ComputationalGraph, Contribution, Edge, GraphNode, computational_graph


__all__ = ["backprop", "accumulation"]


_PRECISION = 40
_H = sympy.Rational(1, 10**12)


@renamed(wrt="variables")
@bounded
def backprop(f: Any, at: Any, *, variables: Any = None, name: str = "L") -> Derivation:
    """Backpropagation on the computational graph of ``f`` at ``at`` (chapter §12.3).

    Arguments:
        f: a scalar loss (text, SymPy expression or Function), e.g. ``"(w*x + b - y)^2"``.
        at: a value for every variable (data and parameters).
        variables: the parameters (``requires_grad=True`` in torch); default all variables (was ``wrt``).
        name: the loss's name.

    Returns:
        a :class:`Derivation` whose ``result`` is the gradient over ``variables`` (a column).

    Example:
        >>> d = backprop("(w*x + b - y)^2", {"w": 2, "x": 3, "b": 1, "y": 4}, variables=["w", "b"])
        >>> d.result.T
        Matrix([[18, 6]])
    """
    graph = computational_graph(f, at, wrt=variables, name=name)
    checker = Checker(graph.function)
    steps = (_graph_step(graph), _forward_step(graph, checker), _local_step(graph, checker),
             _backward_step(graph, checker), _gradient_step(graph, checker))
    fn, point = graph.function, graph.point
    given = [eq(Apply(name, fn.variables), fn.expr, label="Loss"),
             Math(tuple(Row((v, point[v]), ("=",)) for v in fn.variables), (",",) * (fn.n - 1), label="Point")]
    if set(graph.wrt) != set(fn.variables):
        given.append(Math((Name(", ".join(text(v) for v in graph.wrt), ", ".join(sympy.latex(v) for v in graph.wrt)),),
                          label="Parameters (requires_grad)"))
    conclusion = (f"The backward pass visits each node once and reuses ∂{name}/∂node for all of its inputs: "
                  f"the gradient costs about as much as one forward pass, however many parameters there are.")
    return Derivation("backprop", "Backpropagation on the computational graph", tuple(given), steps, graph.gradient,
                      conclusion, (), tuple(checker.log))


# --------------------------------------------------------------------------- the steps
def _graph_step(graph: ComputationalGraph) -> Step:
    lines = tuple(eq(n.symbol, _operation_display(n)) for n in graph.operations())
    leaves = ", ".join(text(n.symbol) for n in graph.nodes if n.kind == "variable")
    return Step("Build the computational graph: one node per operation", lines, len(lines),
                f"Leaves: {leaves}. Each node is computed from the nodes named on its right.")


def _forward_step(graph: ComputationalGraph, checker: Checker) -> Step:
    lines = []
    for node in graph.operations():
        exact = node.expression.xreplace(graph.point)
        checker.close(f"forward value of {node.symbol}", node.value, [to_float(exact)],
                      "the whole subexpression evaluated at the point")
        lines.append(_chain((node.symbol, _operation_display(node), _substituted(node, graph)), node.value))
    return Step("Forward pass: evaluate the nodes in order", tuple(lines), graph.output.value)


def _local_step(graph: ComputationalGraph, checker: Checker) -> Step:
    lines = []
    for edge in graph.edges:
        node = graph.node(edge.target)
        nudged = _central_difference(lambda t: _operation_value(node, graph, {edge.source: t}), _value(graph, edge.source))
        checker.close(f"local derivative ∂{edge.target}/∂{edge.source}", edge.local_value, [nudged],
                      "central difference of the node's operation")
        parts = [_local_name(edge), edge.local]
        if edge.local.free_symbols and not edge.local.is_Symbol:
            parts.append(_substituted_expr(edge.local, graph))
        lines.append(_chain(tuple(parts), edge.local_value))
    return Step("Local derivatives: one on every edge", tuple(lines), len(lines),
                "Each is the derivative of one node's operation with respect to one of its inputs, at the forward values.")


def _backward_step(graph: ComputationalGraph, checker: Checker) -> Step:
    name = graph.name
    lines = [eq(Deriv(name, (graph.output.symbol,)), sympy.S.One, suffix="(start)")]
    for contribution in graph.backward:
        edge = contribution.edge
        nudged = _central_difference(lambda t: _forward_output(graph, {edge.source: t}), _value(graph, edge.source)) \
            if _completed(graph, contribution) else None
        if nudged is not None:
            checker.close(f"∂{name}/∂{edge.source}", contribution.total, [nudged],
                          "central difference of the forward pass with the node nudged")
        lines.append(_contribution_line(graph, contribution))
    return Step(f"Backward pass: from ∂{name}/∂{name} = 1, multiply by the local derivative along each edge "
                f"and add into the input", tuple(lines), graph.gradient,
                "A node used by several operations receives one term per path (marked “+=”): the chain rule sums over paths.")


def _gradient_step(graph: ComputationalGraph, checker: Checker) -> Step:
    gradient = graph.gradient
    values, method = _torch_grad(graph)
    checker.close(f"∇{graph.name}", gradient, values, method)
    checker.gradient(f"∇{graph.name} from the symbolic partial derivatives", _full_gradient(graph), graph.point)
    lines = [Math((Grad(graph.name), gradient), ("=",), suffix="= the adjoints of " + ", ".join(text(v) for v in graph.wrt))]
    lines += [eq(Name(f"{v.name}.grad", rf"\texttt{{{v.name}.grad}}"), value,
                 suffix="(torch: loss.backward())" if method.startswith("torch") else "")
              for v, value in zip(graph.wrt, gradient)]
    return Step("The gradient: read the adjoints of the parameters", tuple(lines), gradient,
                f"Checked against {method}.")


# --------------------------------------------------------------------------- display helpers
def _operation_display(node: GraphNode) -> Any:
    if node.operator:
        return Row(node.inputs, (node.operator,))
    return node.operation


def _number(value: sympy.Expr, inner: bool = True) -> Any:
    """A value as shown: exact when rational, else rounded; negative numbers in parentheses ``inner`` a formula."""
    if value.is_Rational:
        return Name(f"({text(value)})", f"({sympy.latex(value)})") if value < 0 and inner else value
    shown = approx_text(value).replace("-", "−")
    wrapped = f"({shown})" if shown.startswith("−") and inner else shown
    return Name(wrapped, wrapped.replace("−", "-"))


def _substituted(node: GraphNode, graph: ComputationalGraph) -> Any:
    if node.operator:
        return Row(tuple(_number(_value(graph, i)) for i in node.inputs), (node.operator,))
    return _substituted_expr(node.operation, graph)


def _substituted_expr(expr: sympy.Expr, graph: ComputationalGraph) -> sympy.Expr:
    values = {s: _value(graph, s) if _value(graph, s).is_Rational else sympy.Float(approx_text(_value(graph, s)))
              for s in expr.free_symbols}
    return substituted(expr, values)


def _chain(parts: tuple, value: sympy.Expr) -> Math:
    """``parts = ... = value``, ending in ``≈ value`` when the value has no short exact form."""
    if value.is_Rational:
        return eq(*parts, value)
    return Math(tuple(parts) + (_number(value, inner=False),), ("=",) * (len(parts) - 1) + ("≈",))


def _local_name(edge: Edge) -> Name:
    return Name(f"∂{text(edge.target)}/∂{text(edge.source)}",
                rf"\frac{{\partial {sympy.latex(edge.target)}}}{{\partial {sympy.latex(edge.source)}}}")


def _contribution_line(graph: ComputationalGraph, c: Contribution) -> Math:
    name, edge = graph.name, c.edge
    product = Row((Deriv(name, (edge.target,)), _local_name(edge)), ("·",))
    numbers = Row((_number(c.upstream), _number(edge.local_value)), ("·",))
    if c.before is None:
        return _chain((Deriv(name, (edge.source,)), product, numbers), c.total)
    line = _chain((Deriv(name, (edge.source,)), Row((_number(c.before), product), ("+",)),
                   Row((_number(c.before), numbers), ("+",))), c.total)
    return Math(line.parts, line.relations, suffix=f"(+=: {text(edge.source)} feeds more than one node)")


# --------------------------------------------------------------------------- independent checks
def _value(graph: ComputationalGraph, symbol: sympy.Symbol) -> sympy.Expr:
    return graph.node(symbol).value


def _operation_value(node: GraphNode, graph: ComputationalGraph, override: dict) -> sympy.Expr:
    values = {i: override.get(i, _value(graph, i)) for i in node.inputs}
    return node.operation.xreplace(values)


def _forward_output(graph: ComputationalGraph, override: dict) -> sympy.Expr:
    """The loss from a forward pass in which the nodes of ``override`` take the given values."""
    values: dict[sympy.Symbol, sympy.Expr] = {}
    for node in graph.nodes:
        if node.symbol in override:
            values[node.symbol] = override[node.symbol]
        elif node.kind == "operation":
            values[node.symbol] = node.operation.xreplace({i: values[i] for i in node.inputs})
        else:
            values[node.symbol] = node.value
    return values[graph.output.symbol]


def _central_difference(g, at: sympy.Expr) -> float:
    upper = sympy.N(g(at + _H), _PRECISION)
    lower = sympy.N(g(at - _H), _PRECISION)
    return to_float((upper - lower) / (2 * _H))


def _completed(graph: ComputationalGraph, c: Contribution) -> bool:
    """True when ``c`` is the last contribution to its source, so the adjoint shown is final."""
    later = graph.backward[graph.backward.index(c) + 1:]
    return not any(other.edge.source == c.edge.source for other in later)


def _full_gradient(graph: ComputationalGraph) -> sympy.ImmutableMatrix:
    return sympy.ImmutableMatrix([graph.adjoints[v] for v in graph.function.variables])


def _torch_grad(graph: ComputationalGraph) -> tuple[list[float], str]:
    """What ``loss.backward()`` leaves in ``.grad`` of each parameter (the data need no gradient)."""
    if importlib.util.find_spec("torch") is None:
        forward = [_central_difference(lambda t: _forward_output(graph, {v: t}), graph.point[v]) for v in graph.wrt]
        return forward, "central finite differences (torch is not installed)"
    import torch

    leaves = {v: torch.tensor(to_float(graph.point[v]), dtype=torch.float64, requires_grad=v in graph.wrt)
              for v in graph.function.variables}
    loss = graph.function.compile("torch").value(torch.stack([leaves[v] for v in graph.function.variables]))
    loss.backward()
    return [float(leaves[v].grad) for v in graph.wrt], "torch autograd (loss.backward(), then .grad)"


# --------------------------------------------------------------------------- §12.5 accumulation
@renamed(at="start")
@bounded
def accumulation(f: Any = "w^2", start: Any = 2, *, repeats: int = 2, name: str = "L") -> Derivation:
    """Why ``.grad`` must be zeroed (chapter §12.5): ``backward()`` *adds* into ``.grad``.

    Runs the chapter's code in torch: ``w = tensor([2.0], requires_grad=True)``, then
    ``(w**2).backward()`` ``repeats`` times; ``.grad`` holds 4, then 8; ``zero_()`` resets it.

    Example:
        >>> d = accumulation()                                     # doctest: +SKIP
        >>> [s.result for s in d.steps]                            # doctest: +SKIP
        [4, 8, 0, 4]
    """
    fn = as_function(f)
    if fn.n != 1:
        raise InputError(f"the accumulation lesson needs a loss of one parameter, such as w^2; {fn!r} has {fn.n}")
    if not isinstance(repeats, int) or not 2 <= repeats <= 10:
        raise InputError(f"repeats must be a whole number from 2 to 10, got {repeats!r}")
    if importlib.util.find_spec("torch") is None:
        raise BackendUnavailable("the accumulation lesson runs torch, which is not installed; pip install torch")
    import torch

    (w,) = fn.variables
    point = fn.point(start)
    slope = fn.partial(w).xreplace(point)
    checker = Checker(fn)
    checker.gradient(f"d{name}/d{w}", [slope], point)
    leaf = torch.tensor([to_float(point[w])], dtype=torch.float64, requires_grad=True)
    value = fn.compile("torch").value
    grads = []
    for _ in range(repeats):
        value(leaf).sum().backward()
        grads.append(float(leaf.grad))
    leaf.grad.zero_()
    zeroed = float(leaf.grad)
    shown = [slope * k for k in range(1, repeats + 1)]
    checker.close(".grad after each backward()", shown, grads, "torch: w.grad read after each loss.backward()")
    checker.close(".grad after zero_()", [0], [zeroed], "torch: w.grad after w.grad.zero_()")
    label = f"{w.name}.grad"
    grad_name = Name(label, rf"\texttt{{{w.name}.grad}}")
    steps = [Step(f"First backward(): torch stores d{name}/d{text(w)} in {label}",
                  (eq(Deriv(name, (w,), total=True), fn.partial(w), slope),
                   eq(grad_name, slope, suffix=f"(torch prints tensor([{_torch_number(grads[0])}]))")), slope)]
    for k in range(2, repeats + 1):
        steps.append(Step(f"Backward() number {k} on a new loss, without zero_(): the new gradient is *added*",
                          (eq(grad_name, Row((shown[k - 2], slope), ("+",)), shown[k - 1],
                              suffix=f"(torch prints tensor([{_torch_number(grads[k - 1])}]))"),),
                          shown[k - 1], "Accumulated, not replaced."))
    steps.append(Step(f"{label}.zero_() resets it", (eq(grad_name, 0, suffix="(torch prints tensor([0.]))"),), sympy.S.Zero))
    steps.append(Step("With zero_() after every update each backward() gives the gradient of its own loss",
                      (eq(grad_name, slope),), slope,
                      f"Without it, the k-th update would use k·{text(slope)} at this point: the step grows with k and "
                      f"gradient descent no longer follows −∇{name}."))
    given = (eq(Apply(name, (w,)), fn.expr, label="Loss"), eq(w, point[w], label="Parameter (requires_grad=True)"))
    conclusion = ("backward() adds into .grad so that gradients of several losses (mini-batches, terms of a sum) can be "
                  "summed; in a training loop call w.grad.zero_() (or optimizer.zero_grad()) after each update.")
    return Derivation("accumulation", "Why gradients must be zeroed", given, tuple(steps), sympy.ImmutableMatrix(shown),
                      conclusion, (), tuple(checker.log))


def _torch_number(value: float) -> str:
    return f"{value:g}." if float(value).is_integer() else f"{value:.4f}"
