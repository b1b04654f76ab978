"""Golden derivations of the cases of issue 14 (regenerate with ``pytest --update-golden`` and review the diff)."""

import pytest

from symgrad.rendering import render
from symgrad.steps import explain

NETWORK = "(v1*tanh(w11*x1 + w12*x2 + b1) + v2*tanh(w21*x1 + w22*x2 + b2) + c - y)^2"
NETWORK_AT = {"w11": "0.5", "w12": -1, "w21": 1, "w22": "0.5", "b1": 0, "b2": 0, "v1": 1, "v2": -1, "c": 0,
              "x1": 1, "x2": 2, "y": 1}

CASES = {
    "backprop-network": lambda: explain.backprop(NETWORK, NETWORK_AT,
                                                 variables=["w11", "w12", "b1", "w21", "w22", "b2", "v1", "v2", "c"]),
    "backprop-shared-variable": lambda: explain.backprop("x*exp(x*y)", [1, 0]),
    "critical-points-abs-sum": lambda: explain.critical_points("abs(x-1) + abs(x+1)"),
    "critical-points-l1": lambda: explain.critical_points("abs(x) + abs(y)"),
    "critical-points-hinge": lambda: explain.critical_points("max(0, 1 - x)"),
    "critical-points-line": lambda: explain.critical_points("(w0 - w1)^2"),
    "taylor-x4-at-1": lambda: explain.taylor("x^4", 1, 4),
    "taylor-plane": lambda: explain.taylor("x*exp(x*y)", [1, 0], 1),
    "gd-step-logistic": lambda: explain.gd_step("log(1 + exp(-w))", 0, 1),
    "convexity-log-sum-exp": lambda: explain.convexity("log(exp(x) + exp(y))"),
    "jacobian-polar": lambda: explain.jacobian("[r*cos(theta), r*sin(theta)]", [2, 0]),
    "jacobian-softmax": lambda: explain.jacobian("[exp(z1)/(exp(z1)+exp(z2)), exp(z2)/(exp(z1)+exp(z2))]"),
    "jacobian-sin-affine": lambda: explain.jacobian("[sin(2*x1 + 3*x2 + 1), sin(x1 - x2 + 2)]"),
    "gradient-softmax-cross-entropy": lambda: explain.gradient("-log(exp(z1)/(exp(z1)+exp(z2)))", [0, 0]),
    "gradient-logistic": lambda: explain.gradient("log(1 + exp(-(w*x + b)))"),
    "zero-grad-three-times": lambda: explain.accumulation("w^2", 2, repeats=3),
}


@pytest.mark.parametrize("case", list(CASES))
def test_golden_derivation(case, golden):
    pytest.importorskip("torch")
    d = CASES[case]()
    golden(f"derivations/{case}.md", render(d, "md"))
    golden(f"derivations/{case}.txt", render(d, "text"))
