"""Every workout of the course chapter (Chapter 3, "Classifiers and Vector Calculus"), in order.

:data:`WORKOUTS` is a table: an id, the chapter section it reproduces, and the
call of :data:`~symgrad.steps.explain.explain` that works it. Decimals are
given as text so they stay exact (``"0.1"`` is ``1/10``). ``symgrad demo`` and
the golden-file tests walk this table.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .core import Derivation
from .explain import explain

__all__ = ["Workout", "WORKOUTS", "chapter_workouts"]

CHAPTER_DATA = [("1.0", "3.0"), ("2.0", "5.0"), ("3.0", "7.0"), ("4.0", "9.0"), ("5.0", "11.0")]
QUADRATIC = "2*w0^2 + 3*w1^2"
CHAPTER_GRAPH = ("(w*x + b - y)^2", {"w": 2, "x": 3, "b": 1, "y": 4})
"""§12.3's loss L = (wx + b − y)² with one data point (x, y) = (3, 4) and parameters w = 2, b = 1."""


@dataclass(frozen=True)
class Workout:
    """One workout of the chapter: ``id``, ``section`` title, and ``make()`` → Derivation."""

    id: str
    section: str
    make: Callable[[], Derivation]


WORKOUTS: tuple[Workout, ...] = (
    Workout("loss-table", "§4.2 Detailed workout example: the loss of y = wx + b",
            lambda: explain.loss("w*x + b", CHAPTER_DATA, {"w": "1.5", "b": "1.0"})),
    Workout("loss-at-optimum", "§4.2 Verification at the optimal solution w = 2, b = 1",
            lambda: explain.loss("w*x + b", CHAPTER_DATA, {"w": "2.0", "b": "1.0"})),
    Workout("derivative-step", "§7.2 Parabolic loss function: L(w) = w² at w = 3, η = 0.1",
            lambda: explain.derivative_step("w^2", 3, "0.1")),
    Workout("loss-change", "§8.2 Example: 2D loss function, two displacements of the same length",
            lambda: explain.loss_change(QUADRATIC, [3, 4], [["0.0003", "0.0004"], ["0.0004", "0.0003"]])),
    Workout("partials", "§9.1 Partial derivatives",
            lambda: explain.gradient(QUADRATIC)),
    Workout("gd-step", "§9.4 Workout example: a gradient-descent step",
            lambda: explain.gd_step(QUADRATIC, [3, 4], "0.1")),
    Workout("critical-points", "§9.5 The gradient is zero at the minimum?",
            lambda: explain.critical_points("sqrt(w0^2 + w1^2)")),
    Workout("level-sets", "§10.1 Level contours of √(w₀² + w₁²)",
            lambda: explain.level_set("sqrt(w0^2 + w1^2)", [1, 2, 5])),
    Workout("level-set-gradient", "§10.3 The gradient is perpendicular to the level contours of w₀² + w₁²",
            lambda: explain.level_set("w0^2 + w1^2", [1], at=[3, 4])),
    Workout("taylor-exp", "§11.2 Example: Taylor series of eˣ around x = 0",
            lambda: explain.taylor("exp(x)", 0, 3)),
    Workout("hessian", "§11.5 Example: the Hessian of a 2D quadratic function",
            lambda: explain.hessian(QUADRATIC)),
    Workout("backprop", "§12.3 Autograd: the computational graph of L = (wx + b − y)² and its backward pass",
            lambda: explain.backprop(*CHAPTER_GRAPH, variables=["w", "b"])),
    Workout("zero-grad", "§12.5 Why zero gradients? .grad accumulates: 4, then 8",
            lambda: explain.accumulation("w^2", 2)),
    Workout("convexity-x2", "§13.2 One-dimensional test, example 1: f(x) = x²",
            lambda: explain.convexity("x^2")),
    Workout("convexity-x3", "§13.2 One-dimensional test, example 2: f(x) = x³",
            lambda: explain.convexity("x^3")),
    Workout("convexity-quadratic", "§13.2 Multidimensional test: f(w₀, w₁) = 2w₀² + 3w₁²",
            lambda: explain.convexity(QUADRATIC)),
    Workout("convexity-coupled", "§13.5 Worked example: analyzing convexity",
            lambda: explain.convexity("w0^2 + 2*w0*w1 + 3*w1^2")),
    Workout("exercise-1-gradient", "Study guide, exercise 1: ∇L of w₀² + w₀w₁ + 2w₁² at (1, 2)",
            lambda: explain.gradient("w0^2 + w0*w1 + 2*w1^2", [1, 2])),
    Workout("exercise-2-gd-step", "Study guide, exercise 2: one step from (2, 3) with η = 0.1",
            lambda: explain.gd_step("w0^2 + w0*w1 + 2*w1^2", [2, 3], "0.1")),
    Workout("exercise-3-hessian", "Study guide, exercise 3: the Hessian of w₀² + w₁² + w₂² + w₀w₁",
            lambda: explain.hessian("w0^2 + w1^2 + w2^2 + w0*w1")),
    Workout("exercise-4-convexity", "Study guide, exercise 4: is f(w) = w⁴ convex?",
            lambda: explain.convexity("w^4")),
    Workout("exercise-5-taylor", "Study guide, exercise 5: second-order Taylor approximation of sin(x) at 0",
            lambda: explain.taylor("sin(x)", 0, 2)),
    Workout("programming-1-descent", "Programming exercise 1: gradient descent from scratch on f(x) = (x − 3)²",
            lambda: explain.descent("(x - 3)^2", 0, "0.1", name="f")),
)


def chapter_workouts() -> list[tuple[Workout, Derivation]]:
    """Every workout of the chapter with its derivation, in the chapter's order."""
    return [(w, w.make()) for w in WORKOUTS]
