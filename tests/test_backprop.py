"""Backpropagation on a computational graph (chapter §12.3–12.5), compared with torch written out by hand."""

import numpy as np
import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

import symgrad as sg
from symgrad.errors import InputError
from symgrad.rendering import render
from symgrad.steps.graph import computational_graph
from symgrad.strategies import functions, points

torch = pytest.importorskip("torch")

CHAPTER = "(w*x + b - y)^2"
CHAPTER_AT = {"w": 2, "x": 3, "b": 1, "y": 4}
NETWORK = "(v1*tanh(w11*x1 + w12*x2 + b1) + v2*tanh(w21*x1 + w22*x2 + b2) + c - y)^2"
NETWORK_AT = {"w11": "0.5", "w12": -1, "w21": 1, "w22": "0.5", "b1": "0.25", "b2": "-0.5", "v1": 1, "v2": -1,
              "c": "0.1", "x1": 1, "x2": 2, "y": 1}
NETWORK_PARAMETERS = ["w11", "w12", "b1", "w21", "w22", "b2", "v1", "v2", "c"]


def by_name(matrix, names):
    return dict(zip(names, (float(v) for v in matrix)))


def test_chapter_graph_has_one_node_per_operation():
    g = computational_graph(CHAPTER, CHAPTER_AT)
    shown = [(str(n.symbol), [str(i) for i in n.inputs], n.operator or str(n.operation), n.value) for n in g.operations()]
    assert shown == [("u1", ["w", "x"], "·", 6), ("u2", ["u1", "b"], "+", 7), ("u3", ["u2", "y"], "−", 3),
                     ("L", ["u3"], "u3**2", 9)]


def test_chapter_backward_pass_equals_loss_backward_grad():
    d = sg.explain.backprop(CHAPTER, CHAPTER_AT, variables=["w", "b"])
    w = torch.tensor(2.0, dtype=torch.float64, requires_grad=True)
    b = torch.tensor(1.0, dtype=torch.float64, requires_grad=True)
    x, y = torch.tensor(3.0, dtype=torch.float64), torch.tensor(4.0, dtype=torch.float64)
    loss = (w * x + b - y) ** 2
    loss.backward()
    assert by_name(d.result, ["w", "b"]) == {"w": w.grad.item(), "b": b.grad.item()} == {"w": 18.0, "b": 6.0}


def test_chapter_derivation_shows_forward_local_and_backward_steps():
    out = render(sg.explain.backprop(CHAPTER, CHAPTER_AT, variables=["w", "b"]), "text")
    for fragment in ("u₁ = w · x = 2 · 3 = 6", "L = u₃² = 3² = 9", "∂u₁/∂w = x = 3", "∂L/∂u₃ = 2u₃ = 2(3) = 6",
                     "∂L/∂u₂ = ∂L/∂u₃ · ∂u₃/∂u₂ = 6 · 1 = 6", "∂L/∂w = ∂L/∂u₁ · ∂u₁/∂w = 6 · 3 = 18",
                     "w.grad = 18", "b.grad = 6"):
        assert fragment in out, fragment
    assert "Piecewise" not in out


def test_a_variable_used_twice_accumulates_both_paths():
    g = computational_graph("x*exp(x*y)", [1, 0])
    into_x = [c for c in g.backward if str(c.edge.source) == "x"]
    assert len(into_x) == 2 and into_x[1].before == into_x[0].total
    assert g.adjoints[sympy.Symbol("x", real=True)] == 1  # d/dx x e^{xy} = e^{xy}(1 + xy) = 1 at (1, 0)
    assert "(+=: x feeds more than one node)" in render(sg.explain.backprop("x*exp(x*y)", [1, 0]), "text")


def torch_network(values):
    t = {k: torch.tensor(float(sympy.Rational(v)), dtype=torch.float64, requires_grad=k in NETWORK_PARAMETERS)
         for k, v in values.items()}
    W = torch.stack([torch.stack([t["w11"], t["w12"]]), torch.stack([t["w21"], t["w22"]])])
    hidden = torch.tanh(W @ torch.stack([t["x1"], t["x2"]]) + torch.stack([t["b1"], t["b2"]]))
    out = torch.stack([t["v1"], t["v2"]]) @ hidden + t["c"]
    loss = (out - t["y"]) ** 2
    loss.backward()
    return {k: t[k].grad.item() for k in NETWORK_PARAMETERS}


def test_network_with_two_tanh_units_matches_a_torch_network_written_with_matrices():
    d = sg.explain.backprop(NETWORK, NETWORK_AT, variables=NETWORK_PARAMETERS)
    ours = by_name(d.result, NETWORK_PARAMETERS)
    expected = torch_network(NETWORK_AT)
    assert ours.keys() == expected.keys()
    assert np.allclose([ours[k] for k in expected], list(expected.values()), rtol=1e-12, atol=1e-12)


def test_tanh_local_derivative_is_written_with_the_nodes_output():
    out = render(sg.explain.backprop(NETWORK, NETWORK_AT, variables=NETWORK_PARAMETERS), "text")
    assert "∂u₅/∂u₄ = 1 − u₅²" in out and "tanh" in out


@settings(max_examples=15, deadline=None)
@given(f=functions(max_variables=3, max_depth=2), data=st.data())
def test_backward_pass_equals_torch_autograd_on_random_expressions(f, data):
    if f.expr.is_Atom or f.expr.has(sympy.Abs, sympy.Max, sympy.Min):
        return
    x = data.draw(points(f.n, min_value=0.3, max_value=1.5))
    at = [sympy.Rational(str(round(v, 3))) for v in x]
    try:
        g = computational_graph(f, at)
    except InputError:  # a kink or a pole at the drawn point
        return
    leaf = torch.tensor([float(v) for v in at], dtype=torch.float64, requires_grad=True)
    f.compile("torch").value(leaf).backward()
    assert np.allclose([float(v) for v in g.gradient], leaf.grad.numpy(), rtol=1e-9, atol=1e-9)


def test_accumulation_lesson_reproduces_4_then_8_then_0():
    d = sg.explain.accumulation("w^2", 2)
    assert [s.result for s in d.steps] == [4, 8, 0, 4]
    out = render(d, "text")
    assert "w.grad = 4 + 4 = 8 (torch prints tensor([8.]))" in out and "zero_()" in d.conclusion
    w = torch.tensor([2.0], requires_grad=True)  # the chapter's own code, §12.5
    (w ** 2).sum().backward()
    (w ** 2).sum().backward()
    assert w.grad.item() == float(d.steps[1].result) == 8.0


def test_backprop_refuses_a_kink_and_a_missing_value():
    with pytest.raises(InputError, match="does not exist"):
        sg.explain.backprop("abs(w - 1)", [1])
    with pytest.raises(InputError):
        sg.explain.backprop(CHAPTER, {"w": 2})
    with pytest.raises(InputError, match="not a variable"):
        sg.explain.backprop(CHAPTER, CHAPTER_AT, variables=["q"])


def test_graph_figure_renders_headless_with_a_box_per_node(tmp_path):
    pytest.importorskip("matplotlib")
    import symgrad.plot as plot

    path = tmp_path / "graph.png"
    figure = plot.graph(CHAPTER, CHAPTER_AT, variables=["w", "b"], save=path, dpi=50)
    texts = [t.get_text() for t in figure.axes[0].texts]
    assert "u₁ = w · x\n6" in texts and "L = u₃²\n9" in texts
    assert "∂L/∂w = 18" in texts and "∂L/∂b = 6" in texts
    assert path.stat().st_size > 2000


def test_graph_layout_puts_each_node_right_of_its_inputs():
    from symgrad.plot.graph import graph_layout

    g = computational_graph(NETWORK, NETWORK_AT)
    where = graph_layout(g)
    assert all(where[i][0] < where[n.symbol][0] for n in g.nodes for i in n.inputs)
