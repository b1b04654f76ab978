"""Worked derivations with symgrad: the chapter's gradient-descent workout, then your own problem.

Run:  python examples/worked_derivations.py
Each derivation prints as terminal text; in Jupyter, leaving one as the last
expression of a cell shows it as Markdown with rendered mathematics.
"""

from symgrad.rendering import render
from symgrad.steps import explain

# §9.4 of the chapter: 2w0² + 3w1² at (3, 4), η = 0.1 -- "0.1" stays exactly 1/10.
step = explain.gd_step("2*w0^2 + 3*w1^2", {"w0": 3, "w1": 4}, "0.1", hessian=True)
print(step)
print("exact new point:", list(step.result))          # [9/5, 8/5]

# §13.5: convexity through the characteristic polynomial.
print(explain.convexity("w0^2 + 2*w0*w1 + 3*w1^2"))

# Programming exercise 1: gradient descent on (x - 3)^2, run until |f'| <= 0.001, with the table of steps.
run = explain.descent("(x - 3)^2", 0, "0.1", name="f")
print(run)
print("stopped because:", run.steps[-1].result)     # gradient_tolerance, after 39 steps

# A student's own homework, with their own names: theta instead of w, J instead of L.
homework = explain.gradient("theta1^2 + 4*theta1*theta2 + theta2^4", {"theta1": 1, "theta2": "0.5"}, name="J")
print(render(homework, "md"))                          # paste into notes or a notebook
