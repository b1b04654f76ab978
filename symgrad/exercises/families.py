"""The exercise families of the course chapter, one small builder per family, in the table :data:`FAMILIES`.

Each builder ``build(rng, difficulty) -> Draft`` draws integer parameters from
``rng`` (a :class:`random.Random`), so that the work is doable by hand
(integer coefficients, answers that are integers, simple fractions or simple
surds), asks :mod:`symgrad.steps` for the worked solution, lists the typical
mistakes with the diagnosis code :mod:`symgrad.checking` reports for them, and
supplies an independent numeric check (:mod:`.numeric`). A draw that makes a
poor exercise raises :class:`~.core.Degenerate` and is drawn again.

Difficulty levels (1, 2, 3) grow the number of variables and the kinds of
functions; each family states its levels in its :class:`~.core.Family` row.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

import numpy as np
import sympy

import symgrad.analysis as analysis
import symgrad.exercises.numeric as nm

from ..errors import VerificationError
from ..function import Function
from ..steps import Apply, Derivation, Grad, Math, Name, Row, Step, explain
from ..steps.core import eq
from .core import Degenerate, Draft, Family, Mistake, Prompt
from .matrix import MATRIX_FAMILY

__all__ = ["FAMILIES"]

R = sympy.Rational
W = tuple(sympy.Symbol(f"w{i}", real=True) for i in range(3))
X = sympy.Symbol("x", real=True)
WS = sympy.Symbol("w", real=True)
ETA = Name("η", r"\eta")


# -- drawing helpers ---------------------------------------------------------------------------
def _nonzero(rng: random.Random, low: int, high: int) -> int:
    return rng.choice([k for k in range(low, high + 1) if k != 0])


def _point(rng: random.Random, n: int, low: int = -3, high: int = 3) -> tuple[int, ...]:
    return tuple(rng.randint(low, high) for _ in range(n))


def _column(values: Any) -> sympy.ImmutableMatrix:
    return sympy.ImmutableMatrix([sympy.nsimplify(v) if isinstance(v, float) else v for v in values])


def _given_function(f: Function, name: str = "L") -> Math:
    return eq(Apply(name, f.variables), f.expr, label="Function")


def _given_point(point: tuple, label: str = "Point", symbol: str = "w") -> Math:
    return eq(Name(symbol, rf"\vec{{{symbol}}}"), _column(point), label=label)


def _context(question: str | None, f: Function, point: tuple | None = None, lr: Any = None) -> dict[str, Any]:
    ctx: dict[str, Any] = {"function": f.expr, "variables": [v.name for v in f.variables]}
    if question:
        ctx["question"] = question
    if point is not None:
        ctx["point"] = list(point)
    if lr is not None:
        ctx["learning_rate"] = lr
    return ctx


def _floats(point: tuple) -> np.ndarray:
    return np.array([float(v) for v in point], dtype=float)


def _quadratic(rng: random.Random, n: int, *, cross: bool, linear: bool) -> sympy.Expr:
    """``Σ aᵢ wᵢ² (+ b wᵢwⱼ) (+ cᵢ wᵢ)`` with small integer coefficients and positive squares."""
    v = W[:n]
    expr = sum((rng.randint(1, 4) * v[i] ** 2 for i in range(n)), sympy.S.Zero)
    if cross:
        i, j = sorted(rng.sample(range(n), 2))
        expr += _nonzero(rng, -3, 3) * v[i] * v[j]
    if linear:
        expr += sum((rng.randint(-3, 3) * v[i] for i in range(n)), sympy.S.Zero)
    return expr


# -- 1. gradient at a point (study guide exercise 1, §9.4) -------------------------------------------
def build_gradient(rng: random.Random, level: int) -> Draft:
    if level == 1:
        f = Function(_quadratic(rng, 2, cross=True, linear=False), W[:2])
    elif level == 2:
        a, b, c, d = _nonzero(rng, -3, 3), _nonzero(rng, -3, 3), rng.randint(1, 4), rng.randint(-4, 4)
        f = Function(a * W[0] ** 3 + b * W[0] ** 2 * W[1] + c * W[1] ** 2 + d * W[0], W[:2])
    else:
        p, q, r = rng.choice([2, 3]), rng.choice([-3, -2, 2, 3]), rng.randint(-3, 3)
        s, t = rng.randint(1, 3), _nonzero(rng, -2, 2)
        f = Function((p * W[0] + q * W[1] - r) ** 2 + s * W[2] ** 2 + t * W[1] * W[2], W)
    point = _point(rng, f.n)
    grad = f.gradient_at(list(point))
    if all(g == 0 for g in grad) or any(g == 0 for g in grad) and level < 3:
        raise Degenerate("a zero gradient component makes a poor exercise")
    first = next(i for i, g in enumerate(grad) if g != 0)
    flipped = grad.as_mutable()
    flipped[first] = -flipped[first]
    mistakes = [Mistake("sign_error", sympy.ImmutableMatrix(flipped), f"the sign of ∂L/∂{f.variables[first]} flipped")]
    swapped = tuple(reversed(point))
    if swapped != point and f.gradient_at(list(swapped)) not in (grad, sympy.ImmutableMatrix(list(reversed(grad)))):
        mistakes.append(Mistake("wrong_point", f.gradient_at(list(swapped)), "evaluated at the point with coordinates swapped"))
    if level == 3:
        inner = p * W[0] + q * W[1] - r
        chainless = f.gradient().as_mutable()
        chainless[0] = 2 * inner + 0
        chainless[1] = 2 * inner + t * W[2]
        wrong = chainless.xreplace(dict(zip(f.variables, point)))
        if wrong != grad:
            mistakes.append(Mistake("missing_chain_factor", sympy.ImmutableMatrix(wrong),
                                    "the inner derivative of the square left out"))
    value = nm.value_fn(f)

    def verify() -> list[str]:
        return [nm.agree("gradient", grad, nm.fd_gradient(value, _floats(point)), "central finite differences")]

    prompt = Prompt("Gradient at a point", (_given_function(f), _given_point(point)),
                    "Compute the gradient ∇L at the given point.")
    return Draft(prompt, grad, "gradient_at", explain.gradient(f, list(point)), tuple(mistakes), f.variables, verify,
                 _context("gradient_at", f, point), {"function": str(f.expr), "point": list(point)})


# -- 2. one gradient-descent step (study guide exercise 2, §7.2, §9.4) ---------------------------------
_RATES = (R(1, 10), R(1, 5), R(1, 4), R(1, 20))


def _descent_function(rng: random.Random, level: int) -> Function:
    if level == 1:
        a, c = rng.randint(1, 3), rng.randint(-3, 3)
        return Function(a * (WS - c) ** 2 if c else a * WS ** 2, [WS])
    if level == 2:
        return Function(_quadratic(rng, 2, cross=False, linear=False), W[:2])
    return Function(_quadratic(rng, 2, cross=True, linear=True), W[:2])


def build_gd_step(rng: random.Random, level: int) -> Draft:
    f = _descent_function(rng, level)
    point = _point(rng, f.n, -4, 4)
    eta = rng.choice(_RATES)
    grad = f.gradient_at(list(point))
    if any(g == 0 for g in grad):
        raise Degenerate("a zero gradient component: the step does not move that coordinate")
    start = _column(point)
    new = start - eta * grad
    if not f.at(list(new)) < f.at(list(point)):
        raise Degenerate("the step does not decrease the loss")
    mistakes = (Mistake("gradient_ascent", start + eta * grad, "stepped along +∇L (ascent)"),
                Mistake("wrong_learning_rate", start - grad, "the learning rate left out (η = 1)"))
    value = nm.value_fn(f)

    def verify() -> list[str]:
        x = _floats(point)
        g = nm.fd_gradient(value, x)
        stepped = x - float(eta) * g
        done = [nm.agree("new point", new, stepped, "w − η·(finite-difference gradient)")]
        if not value(stepped) < value(x):
            raise VerificationError("the loss does not decrease numerically")
        return done + ["the loss decreases (float64)"]

    solution = explain.derivative_step(f, point[0], eta) if f.n == 1 else explain.gd_step(f, list(point), eta)
    prompt = Prompt("One gradient-descent step",
                    (_given_function(f), _given_point(point, "Current point"), eq(ETA, eta, label="Learning rate")),
                    "Perform one gradient-descent update w ← w − η∇L(w) and give the new point.")
    return Draft(prompt, new, "gd_step", solution, mistakes, f.variables, verify,
                 _context("gd_step", f, point, eta),
                 {"function": str(f.expr), "point": list(point), "learning_rate": str(eta)})


# -- 3. several steps with the loss verified (§5.2, §9.4 step 5) --------------------------------------
def build_gd_steps(rng: random.Random, level: int) -> Draft:
    steps_count = 2 if level < 3 else 3
    f = _descent_function(rng, level)
    point = _point(rng, f.n, -4, 4)
    eta = rng.choice(_RATES[:3])
    points, losses, grads = [_column(point)], [f.at(list(point))], []
    for _ in range(steps_count):
        g = f.gradient_at(list(points[-1]))
        if any(c == 0 for c in g):
            raise Degenerate("a zero gradient component along the way")
        grads.append(g)
        points.append(points[-1] - eta * g)
        losses.append(f.at(list(points[-1])))
    if not all(b < a for a, b in zip(losses, losses[1:])):
        raise Degenerate("the loss does not decrease at every step")
    if any(len(str(v)) > 7 for v in points[-1]):
        raise Degenerate("the numbers grow too long for work by hand")
    answer = points[-1]
    ascent = [points[0]]
    for _ in range(steps_count):
        ascent.append(ascent[-1] + eta * f.gradient_at(list(ascent[-1])))
    mistakes = (Mistake(None, ascent[-1], "every step taken along +∇L (ascent)"),
                Mistake(None, points[1], "stopped after the first step"))
    value = nm.value_fn(f)

    def verify() -> list[str]:
        x = _floats(point)
        floats = [value(x)]
        for _ in range(steps_count):
            x = x - float(eta) * nm.fd_gradient(value, x)
            floats.append(value(x))
        done = [nm.agree(f"point after {steps_count} steps", answer, x, "a float64 descent with finite differences"),
                nm.agree("losses", losses, floats, "float64 values along the descent")]
        if not all(b < a for a, b in zip(floats, floats[1:])):
            raise VerificationError("the loss does not decrease at every step numerically")
        return done + ["the loss decreases at every step (float64)"]

    solution = _descent_derivation(f, points, grads, losses, eta)
    prompt = Prompt("Several gradient-descent steps",
                    (_given_function(f), _given_point(point, "Start"), eq(ETA, eta, label="Learning rate")),
                    f"Perform {steps_count} gradient-descent steps, check that the loss decreases at every step, "
                    f"and give the point after step {steps_count}.")
    return Draft(prompt, answer, "vector", solution, mistakes, f.variables, verify, _context(None, f),
                 {"function": str(f.expr), "point": list(point), "learning_rate": str(eta), "steps": steps_count,
                  "losses": [str(v) for v in losses]})


def _descent_derivation(f: Function, points: list, grads: list, losses: list, eta: Any) -> Derivation:
    name = Name("w", r"\vec{w}")
    steps = [Step("Gradient", (eq(Grad("L"), f.gradient()),), f.gradient())]
    for t, g in enumerate(grads):
        args = tuple(points[t])
        new_name = Name(f"w{t + 1}", rf"\vec{{w}}^{{({t + 1})}}")
        steps.append(Step(f"Step {t + 1}", (
            eq(Grad("L", args), g),
            eq(new_name, Row((points[t], eta, g), ("−", "")), points[t + 1]),
            eq(Apply("L", tuple(points[t + 1])), losses[t + 1], label="New loss"),
        ), points[t + 1]))
    table = tuple(eq(Apply("L", tuple(p)), v, label=f"after step {t}" if t else "start")
                  for t, (p, v) in enumerate(zip(points, losses)))
    steps.append(Step("Verify the loss decreased at every step", table, losses[-1],
                      " > ".join(str(v) for v in losses) + " ✓"))
    given = (_given_function(f), eq(name, points[0], label="Start"), eq(ETA, eta, label="Learning rate"))
    return Derivation("gd-steps", "Gradient descent, step by step", given, tuple(steps), points[-1],
                      "The loss decreased at every step ✓")


# -- 4. Hessian (study guide exercise 3, §11.5) ----------------------------------------------------
def build_hessian(rng: random.Random, level: int) -> Draft:
    point = None
    if level == 1:
        f = Function(_quadratic(rng, 2, cross=True, linear=True), W[:2])
    elif level == 2:
        f = Function(_quadratic(rng, 3, cross=True, linear=False) + _nonzero(rng, -2, 2) * W[1] * W[2], W)
    else:
        a, b, c = _nonzero(rng, -2, 2), _nonzero(rng, -3, 3), _nonzero(rng, -3, 3)
        f = Function(a * W[0] ** 3 + b * W[0] * W[1] ** 2 + c * W[1] ** 2, W[:2])
        point = _point(rng, 2)
    H = f.hessian() if point is None else f.hessian_at(list(point))
    if H.det() == 0 or all(H[i, j] == 0 for i in range(f.n) for j in range(f.n) if i != j):
        raise Degenerate("a singular or diagonal Hessian makes a poor exercise")
    mistakes = [Mistake("dropped_factor", H / 2, "the coefficient matrix (H/2) instead of the Hessian")]
    if point is not None:
        mistakes.append(Mistake("not_evaluated", f.hessian(), "the general Hessian, not evaluated at the point"))
        swapped = tuple(reversed(point))
        if swapped != point and f.hessian_at(list(swapped)) != H:
            mistakes.append(Mistake("wrong_point", f.hessian_at(list(swapped)), "evaluated at the swapped point"))
    value = nm.value_fn(f)
    at = point if point is not None else (0,) * f.n

    def verify() -> list[str]:
        return [nm.agree("Hessian", H, nm.fd_hessian(value, _floats(at)), "central second differences",
                         rtol=1e-5, atol=1e-4)]

    given = (_given_function(f),) + ((_given_point(point),) if point is not None else ())
    question = "Compute the Hessian matrix" + (" at the given point." if point is not None else ".")
    return Draft(Prompt("Hessian matrix", given, question), H, "hessian_at" if point else "hessian",
                 explain.hessian(f, list(point) if point else None), tuple(mistakes), f.variables, verify,
                 _context("hessian_at" if point else "hessian", f, point),
                 {"function": str(f.expr), "point": list(point) if point else None})


# -- 5. eigenvalues of a Hessian (§13.2, §13.5 step 4) ------------------------------------------------
def _eigen_quadratic(rng: random.Random, level: int) -> sympy.Expr:
    """``p w0² + b w0w1 + q w1² (+ r w2²)``: Hessian ``[[2p, b], [b, 2q]]`` with nice eigenvalues."""
    if level == 2:  # surds: (p − q)² + b² not a square
        p, q, b = rng.randint(1, 4), rng.randint(1, 4), _nonzero(rng, -4, 4)
        if sympy.sqrt((p - q) ** 2 + b ** 2).is_Integer:
            raise Degenerate("the eigenvalues are integers; level 2 asks for surds")
    else:  # integers: (p − q, b) a Pythagorean pair or p = q
        p = rng.randint(1, 5)
        d, b = rng.choice([(0, 1), (0, 2), (0, 3), (3, 4), (4, 3), (-3, 4), (-4, 3)])
        b *= rng.choice([1, -1])
        q = p - d
        if q < 1:
            raise Degenerate("keep both squares positive")
    expr = p * W[0] ** 2 + b * W[0] * W[1] + q * W[1] ** 2
    if level == 3:
        expr += rng.randint(1, 5) * W[2] ** 2
    return expr


def build_eigenvalues(rng: random.Random, level: int) -> Draft:
    f = Function(_eigen_quadratic(rng, level), W[: 3 if level == 3 else 2])
    H = f.hessian()
    eigen = sorted(H.eigenvals(multiple=True), key=lambda e: float(e))
    if len(set(eigen)) < len(eigen) or any(e == 0 for e in eigen):
        raise Degenerate("repeated or zero eigenvalues")
    answer = list(eigen)
    diagonal = sorted((H[i, i] for i in range(f.n)), key=float)
    mistakes = [Mistake(None, [-e for e in answer], "the signs in the characteristic polynomial flipped"),
                Mistake(None, [e / 2 for e in answer], "the eigenvalues of the coefficient matrix (H/2)")]
    if diagonal != answer:
        mistakes.append(Mistake(None, diagonal, "the diagonal entries, ignoring the coupling"))

    def verify() -> list[str]:
        hf = nm.fd_hessian(nm.value_fn(f), np.zeros(f.n))
        return [nm.agree("eigenvalues", answer, np.linalg.eigvalsh((hf + hf.T) / 2), "numpy.linalg.eigvalsh of a "
                         "finite-difference Hessian", rtol=1e-5, atol=1e-4)]

    hess, eig = explain.hessian(f), explain.eigenvalues(H)
    solution = Derivation("eigenvalues", "Eigenvalues of the Hessian", hess.given, hess.steps + eig.steps,
                          eig.result, "", (), hess.checks + eig.checks)
    prompt = Prompt("Eigenvalues of a Hessian", (_given_function(f),),
                    "Compute the Hessian and its eigenvalues (exact values).")
    return Draft(prompt, answer, "eigenvalues", solution, tuple(mistakes), f.variables, verify, _context(None, f),
                 {"function": str(f.expr)})


# -- 6. convexity (study guide exercise 4, §13.1, §13.2, §13.5) -----------------------------------------
def _convexity_pool(level: int) -> list[Callable[[random.Random], tuple[Function, str]]]:
    """Each entry draws ``(function, verdict)``; the worked solution is :func:`symgrad.steps.explain.convexity`'s."""
    w = WS
    if level == 1:
        return [
            lambda r: (Function(r.randint(1, 4) * w ** 2 + r.randint(-4, 4) * w, [w]), "convex"),
            lambda r: (Function(r.randint(1, 3) * w ** 4, [w]), "convex"),
            lambda r: (Function(r.randint(1, 3) * w ** 4 + r.randint(1, 3) * w ** 2, [w]), "convex"),
            lambda r: (Function(sympy.exp(r.randint(1, 3) * w) + r.randint(-3, 3) * w, [w]), "convex"),
            lambda r: (Function(w ** 3 + r.randint(-3, 3) * w, [w]), "not convex"),
            lambda r: (Function(r.randint(1, 2) * w ** 4 - r.randint(1, 5) * w ** 2, [w]), "not convex"),
            lambda r: (Function(-r.randint(1, 3) * w ** 2 + r.randint(-3, 3) * w, [w]), "not convex"),
        ]
    if level == 2:
        return [
            lambda r: (Function(r.randint(1, 3) * sympy.Abs(w - r.randint(-3, 3)), [w]), "convex"),
            lambda r: (Function(sympy.Max(0, r.randint(1, 3) * w - r.randint(-3, 3)), [w]), "convex"),
            lambda r: (Function(r.randint(1, 3) * sympy.Abs(w) + r.randint(1, 3) * w ** 2, [w]), "convex"),
            lambda r: (Function(-r.randint(1, 3) * sympy.Abs(w) + r.randint(-2, 2) * w, [w]), "not convex"),
            lambda r: (Function(sympy.Abs(w ** 2 - r.randint(1, 4) ** 2), [w]), "not convex"),
            lambda r: (Function(sympy.Min(w, -r.randint(1, 3) * w), [w]), "not convex"),
        ]
    return [
        lambda r: _quadratic_form(r, psd=True),
        lambda r: _quadratic_form(r, psd=False),
        lambda r: (Function(r.randint(1, 3) * sympy.Abs(W[0]) + r.randint(1, 3) * sympy.Abs(W[1]), W[:2]),
                   "convex"),
        lambda r: (Function(sympy.sqrt(W[0] ** 2 + W[1] ** 2) + r.randint(0, 3) * W[0], W[:2]), "convex"),
        lambda r: (Function(_nonzero(r, -3, 3) * W[0] * W[1] + r.randint(0, 2) * W[0] ** 2, W[:2]), "not convex"),
    ]


def _quadratic_form(rng: random.Random, *, psd: bool) -> tuple[Function, str]:
    a, c = rng.randint(1, 4), rng.randint(1, 4)
    b = _nonzero(rng, -5, 5)
    if (b * b <= 4 * a * c) != psd or b * b == 4 * a * c:
        raise Degenerate("draw again for the other case")
    return Function(a * W[0] ** 2 + b * W[0] * W[1] + c * W[1] ** 2, W[:2]), "convex" if psd else "not convex"


_ANSWER_OF_VERDICT = {"strictly convex": "convex", "convex": "convex", "strictly concave": "not convex",
                      "concave": "not convex", "neither": "not convex", "unknown": "undecided"}
"""The verdict of :func:`symgrad.analysis.convexity` -> the answer the exercise asks for."""


def build_convexity(rng: random.Random, level: int) -> Draft:
    f, verdict = rng.choice(_convexity_pool(level))(rng)
    value = nm.value_fn(f)
    smooth = not f.expr.has(sympy.Abs, sympy.Max, sympy.Min)
    counter = None if verdict == "convex" else _counterexample(f)
    if verdict != "convex" and counter is None:
        raise VerificationError(f"no integer chord shows that {f.expr} is not convex")
    solution = explain.convexity(f)
    if _ANSWER_OF_VERDICT.get(solution.result, "undecided") == "undecided":
        raise Degenerate(f"the worked solution cannot settle the convexity of {f.expr} ({solution.result!r})")
    if _ANSWER_OF_VERDICT[solution.result] != verdict:
        raise VerificationError(f"explain.convexity says {solution.result!r}, the family says {verdict!r}")
    other = "not convex" if verdict == "convex" else "convex"
    flat_somewhere = verdict == "convex" and analysis.convexity(f).singular_somewhere is True
    code = "semidefinite_confusion" if flat_somewhere else "wrong_verdict"
    mistakes = (Mistake(code, other, f"the verdict '{other}'" + (" (a singular Hessian at a point is allowed)" if flat_somewhere
                                                                  else "")),)
    seed = int.from_bytes(str(f.expr).encode("utf-8")[:8].ljust(8, b"\0"), "big")

    def verify() -> list[str]:
        found = nm.chord_violation(value, f.n, np.random.default_rng(seed))
        if verdict == "convex" and found is not None:
            raise VerificationError(f"{f.expr} is called convex but a random chord passes below it: {found}")
        if verdict == "not convex":
            a_, b_, alpha = counter
            mid = value(_floats(tuple(alpha * p + (1 - alpha) * q for p, q in zip(a_, b_))))
            if not mid > float(alpha) * value(_floats(a_)) + (1 - float(alpha)) * value(_floats(b_)):
                raise VerificationError("the counterexample chord does not pass below the function numerically")
            return ["the counterexample chord passes below the function (float64)"]
        return ["no violation among 400 random chords in [-4, 4]^n (float64)"]

    prompt = Prompt("Convexity test", (_given_function(f, "f"),),
                    "Is f convex on all of its domain? Answer 'convex' or 'not convex' and justify.")
    return Draft(prompt, verdict, "convexity", solution, mistakes, f.variables, verify, _context("convexity", f),
                 {"function": str(f.expr), "smooth": smooth})


def _counterexample(f: Function) -> tuple[tuple, tuple, Any] | None:
    """Integer endpoints whose midpoint lies above the chord (exact arithmetic), or None."""
    grid = range(-3, 4)
    halves = [R(k, 2) for k in range(-6, 7)]
    pairs = ([((p,), (q,)) for p in halves for q in halves if p < q] if f.n == 1 else
             [((p0, p1), (q0, q1)) for p0 in grid for p1 in grid for q0 in grid for q1 in grid
              if (p0, p1) < (q0, q1) and abs(p0 - q0) + abs(p1 - q1) <= 4]
             + [((d0, d1), (-d0, -d1)) for d0 in range(0, 7) for d1 in range(-6, 7) if (d0, d1) > (0, 0)])
    half = R(1, 2)
    for a, b in pairs:
        mid = tuple(half * (p + q) for p, q in zip(a, b))
        if f.at(list(mid)) > half * (f.at(list(a)) + f.at(list(b))):
            return a, b, half
    return None


# -- 7. second-order Taylor approximation (study guide exercise 5, §11.1-11.3) ---------------------------
def build_taylor(rng: random.Random, level: int) -> Draft:
    if level == 1:
        k = rng.randint(1, 3)
        f = Function(rng.choice([sympy.cos(k * X), sympy.exp(k * X), sympy.log(1 + k * X), 1 / (1 - k * X),
                                 sympy.exp(-k * X)]), [X])
        center: tuple = (0,)
    elif level == 2:
        choice = rng.randrange(3)
        if choice == 0:
            a, b = _nonzero(rng, -3, 3), rng.randint(-3, 3)
            f, center = Function(X ** 3 + a * X ** 2 + b * X, [X]), (_nonzero(rng, -2, 2),)
        elif choice == 1:
            f, center = Function(sympy.log(X), [X]), (rng.choice([1, 2]),)
        else:
            f, center = Function(sympy.sqrt(X), [X]), (rng.choice([1, 4, 9]),)
    else:
        a, b = _nonzero(rng, -2, 2), _nonzero(rng, -2, 2)
        f = Function(W[0] ** 2 * W[1] + a * W[1] ** 3 + b * W[0] * W[1], W[:2])
        center = _point(rng, 2, -2, 2)
    at = dict(zip(f.variables, center))
    delta = [v - c for v, c in zip(f.variables, center)]
    g, H = f.gradient_at(list(center)), f.hessian_at(list(center))
    d = sympy.ImmutableMatrix(delta)
    first = f.at(list(center)) + (g.T * d)[0, 0]
    second_term = (d.T * H * d)[0, 0]
    if sympy.expand(second_term) == 0 or all(c == 0 for c in g):
        raise Degenerate("the second-order term (or the gradient) vanishes: the mistakes would coincide")
    answer = sympy.expand(first + second_term / 2)
    mistakes = (Mistake("taylor_missing_half", sympy.expand(first + second_term), "the Hessian term not halved"),
                Mistake("taylor_first_order_only", sympy.expand(first), "the second-order term left out"))
    value = nm.value_fn(f)
    T = Function(answer, f.variables)

    def verify() -> list[str]:
        x = _floats(center)
        return [nm.agree("value at the centre", T.at(list(center)), value(x), "float64 value of f"),
                nm.agree("slope at the centre", T.gradient_at(list(center)), nm.fd_gradient(value, x),
                         "finite differences of f"),
                nm.agree("curvature at the centre", T.hessian_at(list(center)), nm.fd_hessian(value, x),
                         "second differences of f", rtol=1e-4, atol=1e-4)]

    solution = explain.taylor(f, list(center), 2, in_displacement=False)
    if sympy.expand(solution.result - answer) != 0:
        raise VerificationError(f"explain.taylor gives {solution.result}, the family computed {answer}")
    around = eq(Name("a", "a"), center[0] if f.n == 1 else _column(center), label="Around")
    prompt = Prompt("Second-order Taylor approximation", (_given_function(f, "f"), around),
                    "Write the second-order Taylor approximation of f around the given point, expanded in the "
                    "variable" + ("" if f.n == 1 else "s") + ".")
    return Draft(prompt, answer, "taylor2", solution, mistakes, f.variables, verify,
                 _context("taylor2", f, center), {"function": str(f.expr), "center": [str(c) for c in center]})


# -- 8. loss of a model on a small dataset (§4.2, §12.6) ----------------------------------------------
def build_loss(rng: random.Random, level: int) -> Draft:
    b_, w_, v_ = (sympy.Symbol(n, real=True) for n in ("b", "w", "v"))
    count = 3 if level == 1 else 4
    xs = sorted(rng.sample(range(0, 6), count))
    if level < 3:
        true_w, true_b = rng.randint(-3, 3), rng.randint(-3, 3)
        ys = [true_w * x + true_b + rng.randint(-1, 1) for x in xs]
        w0 = rng.randint(-3, 3) if level == 1 else R(rng.randint(-7, 7), 2)
        params = {w_: w0, b_: rng.randint(-3, 3)}
        model = w_ * X + b_
    else:
        ys = [x * x - x + 2 + rng.randint(-1, 1) for x in xs]
        params = {v_: rng.randint(0, 2), w_: rng.randint(-2, 1), b_: rng.randint(0, 3)}
        model = v_ * X ** 2 + w_ * X + b_
    predict = model.xreplace(params)
    total = sum(((predict.xreplace({X: x}) - y) ** 2 for x, y in zip(xs, ys)), sympy.S.Zero)
    if total == 0:
        raise Degenerate("a perfect fit: the loss is 0")
    errors = sum((predict.xreplace({X: x}) - y for x, y in zip(xs, ys)), sympy.S.Zero)
    mistakes = [Mistake(None, total / count, "the mean instead of the sum of squared errors")]
    if errors != total:
        mistakes.append(Mistake(None, errors, "the errors summed without squaring"))

    def verify() -> list[str]:
        coefficients = [float(params.get(s, 0)) for s in (v_, w_, b_)]
        x_arr, y_arr = np.array(xs, dtype=float), np.array(ys, dtype=float)
        predictions = np.polyval(coefficients, x_arr)
        return [nm.agree("total loss", total, np.sum((predictions - y_arr) ** 2), "numpy.polyval and a sum")]

    solution = explain.loss(model, list(zip(xs, ys)), params)
    loss_fn = Function(sum(((model - y) ** 2).xreplace({X: x}) for x, y in zip(xs, ys)), list(params))
    data_line = Math((Name(", ".join(f"({x}, {y})" for x, y in zip(xs, ys)),
                           ", ".join(f"({x}, {y})" for x, y in zip(xs, ys))),), label="Data (x, ȳ)")
    prompt = Prompt("Loss of a model on a dataset",
                    (eq(Name("y", "y"), model, label="Model"), data_line,
                     Math(tuple(Row((p, v), ("=",)) for p, v in params.items()), (",",) * (len(params) - 1),
                          label="Parameters")),
                    "Compute the predictions, the squared errors and the total loss L = Σ(ŷᵢ − ȳᵢ)².")
    return Draft(prompt, total, "value_at", solution, tuple(mistakes), loss_fn.variables, verify,
                 _context("value_at", loss_fn, tuple(params[v] for v in loss_fn.variables)),
                 {"model": str(model), "data": [[x, y] for x, y in zip(xs, ys)],
                  "parameters": {str(k): str(v) for k, v in params.items()}})


# -- 9. directional change in loss (§8.2, §9.2) -------------------------------------------------------
_TRIPLES = ((3, 4, 5), (4, 3, 5), (5, 12, 13), (12, 5, 13), (6, 8, 10))


def build_directional(rng: random.Random, level: int) -> Draft:
    f = Function(_quadratic(rng, 2, cross=level > 1, linear=level > 1), W[:2])
    point = _point(rng, 2, -4, 4)
    g = f.gradient_at(list(point))
    if level < 3:
        scale = R(1, 10000) if level == 1 else R(1, 100)
        direction = _column([_nonzero(rng, -4, 4) * scale, _nonzero(rng, -4, 4) * scale])
        label, question = "Displacement Δw", ("Estimate the change in loss ΔL ≈ ∇L(w)·Δw for the displacement "
                                              "(first-order approximation).")
        answer = (g.T * direction)[0, 0]
        unscaled = None
    else:
        p, q, r = rng.choice(_TRIPLES)
        p, q = p * rng.choice([1, -1]), q * rng.choice([1, -1])
        direction = _column([R(p, r), R(q, r)])
        unscaled = _column([p, q])
        label, question = "Direction v", "Compute the rate of change of L at w along the unit vector u = v/‖v‖."
        answer = (g.T * direction)[0, 0]
    if answer == 0:
        raise Degenerate("no first-order change")
    mistakes = [Mistake("sign_error", -answer, "the sign flipped")]
    if unscaled is not None:
        mistakes.append(Mistake(None, (g.T * unscaled)[0, 0], "v not normalised to unit length"))
    swapped = tuple(reversed(point))
    if swapped != point:
        wrong = (f.gradient_at(list(swapped)).T * direction)[0, 0]
        if wrong not in (answer, -answer):
            mistakes.append(Mistake(None, wrong, "the gradient at the swapped point"))
    value = nm.value_fn(f)

    def verify() -> list[str]:
        x, d = _floats(point), nm.as_floats(direction)
        h = 1e-4 / max(1e-12, float(np.max(np.abs(d))))
        slope = (value(x + h * d) - value(x - h * d)) / (2 * h)
        return [nm.agree("first-order change", answer, slope, "a central difference of L along the direction",
                         rtol=1e-6, atol=1e-9)]

    grad_solution = explain.gradient(f, list(point))
    shown = unscaled if unscaled is not None else direction
    extra = []
    if unscaled is not None:
        extra.append(Step("Normalise the direction", (
            eq(Name("‖v‖", r"\lVert v \rVert"), sympy.sqrt(sum(c ** 2 for c in unscaled))),
            eq(Name("u", r"\vec{u}"), direction)), direction))
    extra.append(Step("Dot product with the gradient", (
        eq(Name("ΔL" if unscaled is None else "D_u L", r"\Delta L" if unscaled is None else r"D_{\vec u} L"),
           Row((g.T, direction), ("",)), answer),), answer))
    solution = Derivation("directional-change", "Directional change in loss", grad_solution.given + (
        eq(Name("v" if unscaled is not None else "Δw", "v" if unscaled is not None else r"\Delta \vec{w}"), shown),),
        grad_solution.steps + tuple(extra), answer, "", (), grad_solution.checks)
    prompt = Prompt("Directional change in loss",
                    (_given_function(f), _given_point(point, "Current point"), eq(Name("v", "v"), shown, label=label)),
                    question)
    return Draft(prompt, answer, "number", solution, tuple(mistakes), f.variables, verify, _context(None, f),
                 {"function": str(f.expr), "point": list(point), "direction": [str(c) for c in shown]})


# -- 10. critical points and their classification (§9.5, §13.4) ----------------------------------------
def build_critical_points(rng: random.Random, level: int) -> Draft:
    if level == 1:
        p, q = _point(rng, 2, -2, 2)
        a, c, b = rng.choice([1, 2, 3, -1, -2]), rng.choice([1, 2, 3, -1, -2]), rng.randint(-2, 2)
        if 4 * a * c - b * b == 0:
            raise Degenerate("a singular Hessian")
        u, v = W[0] - p, W[1] - q
        f = Function(sympy.expand(a * u ** 2 + b * u * v + c * v ** 2), W[:2])
    elif level == 2:
        r1, r2 = sorted(rng.sample(range(-3, 4), 2))
        s = rng.choice([1, -1])
        f = Function(s * (2 * X ** 3 - 3 * (r1 + r2) * X ** 2 + 6 * r1 * r2 * X), [X])
    else:
        a, c, q = rng.randint(1, 2), _nonzero(rng, -3, 3), rng.randint(-2, 2)
        f = Function(sympy.expand(W[0] ** 3 - 3 * a ** 2 * W[0] + c * (W[1] - q) ** 2), W[:2])
    solutions = sympy.solve(list(f.gradient()), list(f.variables), dict=True)
    points = sorted((tuple(s[v] for v in f.variables) for s in solutions), key=lambda t: [float(c) for c in t])
    kinds = [_classify(f.hessian_at(list(p))) for p in points]
    if level == 1:  # one point: a vector
        answer, kind = _column(points[0]), "vector"
        negated = -answer
        code = "sign_error" if list(negated) != list(reversed(list(answer))) else None
    elif level == 2:  # one variable: the set of roots
        answer, kind = [p[0] for p in points], "critical_points"
        negated, code = [-p[0] for p in points], None
    else:  # several points in the plane: one row per point, ordered by w0
        answer, kind = sympy.ImmutableMatrix([list(p) for p in points]), "matrix"
        negated, code = -answer, None
    mistakes = []
    if (negated != answer) if not isinstance(answer, list) else set(negated) != set(answer):
        mistakes.append(Mistake(code, negated, "the signs of the critical points flipped"))
    if len(points) > 1:
        missed = answer[:1] if isinstance(answer, list) else answer[:1, :]
        mistakes.append(Mistake(None, missed, "a critical point missed"))
    value = nm.value_fn(f)

    def verify() -> list[str]:
        done = []
        for p, kind in zip(points, kinds):
            x = _floats(p)
            done.append(nm.agree(f"gradient at {p}", [0] * f.n, nm.fd_gradient(value, x), "finite differences",
                                 atol=1e-6))
            eig = np.linalg.eigvalsh(nm.fd_hessian(value, x))
            numeric_kind = "minimum" if eig.min() > 1e-6 else "maximum" if eig.max() < -1e-6 else "saddle"
            if numeric_kind != kind:
                raise VerificationError(f"{p} is called a {kind} but the numeric Hessian says {numeric_kind}")
        found = _numeric_critical_points(value, f.n)
        missing = [r for r in found if not any(np.allclose(r, _floats(p), atol=1e-5) for p in points)]
        if missing:
            raise VerificationError(f"a numeric search finds critical points not in the answer: {missing}")
        return done + ["classification agrees with eigvalsh of finite-difference Hessians",
                       "a root search from a grid of starts finds no other critical point"]

    solution = explain.critical_points(f)
    listing = "; ".join(f"{_point_text(p)} {k}" for p, k in zip(points, kinds))
    solution = Derivation(solution.kind, solution.title, solution.given, solution.steps, answer,
                          "Critical points: " + listing + ".", solution.notes, solution.checks)
    prompt = Prompt("Critical points", (_given_function(f),),
                    "Find every critical point (where ∇L = 0) and classify each as a minimum, maximum or saddle. "
                    + {1: "Give the critical point as a vector.", 2: "Give the set of critical points.",
                       3: "Give the critical points as the rows of a matrix, ordered by w₀."}[level])
    return Draft(prompt, answer, kind, solution, tuple(mistakes), f.variables, verify, _context(None, f),
                 {"function": str(f.expr), "classification": {_point_text(p): k for p, k in zip(points, kinds)}})


def _classify(H: sympy.ImmutableMatrix) -> str:
    eig = [float(e) for e in H.eigenvals(multiple=True)]
    if min(eig) == 0 or max(eig) == 0:
        raise Degenerate("a singular Hessian at a critical point")
    return "minimum" if min(eig) > 0 else "maximum" if max(eig) < 0 else "saddle"


def _point_text(p: tuple) -> str:
    return "(" + ", ".join(str(c) for c in p) + ")" if len(p) > 1 else f"x = {p[0]}"


def _numeric_critical_points(value: Callable, n: int) -> list[np.ndarray]:
    from scipy.optimize import root

    found: list[np.ndarray] = []
    starts = np.linspace(-4, 4, 7)
    grid = [np.array([s]) for s in starts] if n == 1 else [np.array([s, t]) for s in starts[::2] for t in starts[::3]]
    for start in grid:
        sol = root(lambda x: nm.fd_gradient(value, x, 1e-6), start, tol=1e-12)
        if sol.success and np.max(np.abs(sol.x)) < 6 and np.max(np.abs(nm.fd_gradient(value, sol.x))) < 1e-6:
            if not any(np.allclose(sol.x, r, atol=1e-5) for r in found):
                found.append(sol.x)
    return found


# -- 11. level sets (§10.1-10.3) ------------------------------------------------------------------------
def build_level_set(rng: random.Random, level: int) -> Draft:
    n = 3 if level == 3 else 2
    v = W[:n]
    weights = [1] * n if level == 1 else [rng.randint(1, 4) for _ in range(n)]
    if level > 1 and len(set(weights)) == 1:
        raise Degenerate("equal weights: a circle, not an ellipse")
    c = rng.randint(2, 6)
    f = Function(sympy.sqrt(sum(a * x ** 2 for a, x in zip(weights, v))), v)
    axes = [c / sympy.sqrt(a) for a in weights]
    answer = c if level == 1 else _column(axes)
    mistakes = [Mistake(None, c ** 2 if level == 1 else _column([c ** 2 / a for a in weights]),
                        "c² instead of c (the square of the radius)")]
    if level > 1:
        mistakes.append(Mistake(None, _column([c / a for a in weights]), "divided by a instead of √a"))
    value = nm.value_fn(f)

    def verify() -> list[str]:
        r = nm.as_floats(axes)
        worst = 0.0
        for theta in np.linspace(0, 2 * np.pi, 13):
            phi = theta / 2
            unit = (np.array([np.cos(theta), np.sin(theta)]) if n == 2 else
                    np.array([np.cos(theta) * np.sin(phi + 0.3), np.sin(theta) * np.sin(phi + 0.3), np.cos(phi + 0.3)]))
            point = r * unit
            worst = max(worst, abs(value(point) - c))
            normal = point / r ** 2  # the outward normal of the ellipse through the point
            gradient = nm.fd_gradient(value, point)
            if np.linalg.norm(np.cross(np.pad(gradient, (0, 3 - n)), np.pad(normal, (0, 3 - n)))) > 1e-5 * (
                    np.linalg.norm(gradient) * np.linalg.norm(normal)):
                raise VerificationError("the gradient is not perpendicular to the claimed level set")
        if worst > 1e-9:
            raise VerificationError(f"points on the claimed level set have L ≠ {c} (off by {worst})")
        return ["points sampled on the claimed contour have L = c (float64)",
                "the finite-difference gradient is normal to the contour at every sample"]

    base = explain.level_set(f, [c])
    lines = tuple(eq(Name(f"r{i}", f"r_{i}"), sympy.Mul(c, 1 / sympy.sqrt(a), evaluate=False) if a != 1 else c, ax)
                  for i, (a, ax) in enumerate(zip(weights, axes)))
    shape = {1: "a circle", 2: "an ellipse", 3: "an ellipsoid"}[level]
    steps = base.steps + (Step(f"Read off the semi-axes: {shape} centred at the origin, rᵢ = c/√aᵢ", lines, answer),)
    solution = Derivation("level-set", "Level sets", base.given, steps, answer, base.conclusion, base.notes, base.checks)
    ask = ("Describe the level contour L = c: write it without the square root and give its radius." if level == 1
           else "Describe the level set L = c: write it without the square root and give its semi-axes "
                "along each coordinate axis, as a vector.")
    prompt = Prompt("Level sets", (_given_function(f), eq(Name("c", "c"), c, label="Level")), ask)
    return Draft(prompt, answer, "number" if level == 1 else "vector", solution, tuple(mistakes), f.variables, verify,
                 _context(None, f), {"function": str(f.expr), "level": c, "weights": weights})


# -- 12. the largest stable learning rate of a quadratic (§5.2 parameters, appendix) -------------------------
def build_stable_rate(rng: random.Random, level: int) -> Draft:
    if level == 1:
        a = rng.randint(1, 6)
        f = Function(a * WS ** 2 + rng.randint(-4, 4) * WS, [WS])
        coefficients = [a]
    elif level == 2:
        a, c = rng.sample(range(1, 7), 2)
        f = Function(a * W[0] ** 2 + c * W[1] ** 2, W[:2])
        coefficients = [a, c]
    else:
        f = Function(_eigen_quadratic(rng, 1), W[:2])
        coefficients = []
    H = f.hessian()
    eigen = sorted(H.eigenvals(multiple=True), key=float)
    if eigen[0] <= 0 or (len(eigen) > 1 and eigen[0] == eigen[-1]):
        raise Degenerate("not a strictly convex quadratic with distinct curvatures")
    lam = eigen[-1]
    answer = 2 / lam
    mistakes = [Mistake("dropped_factor", 1 / lam, "1/λ_max instead of 2/λ_max")]
    if len(eigen) > 1:
        mistakes.append(Mistake(None, 2 / eigen[0], "the smallest eigenvalue instead of the largest"))
    if coefficients:
        mistakes.append(Mistake("doubled_factor", R(2, max(coefficients)), "the coefficient a used instead of the "
                                                                         "curvature 2a"))

    def verify() -> list[str]:
        hf = nm.fd_hessian(nm.value_fn(f), np.zeros(f.n))
        top = float(np.linalg.eigvalsh((hf + hf.T) / 2).max())
        done = [nm.agree("2/λ_max", answer, 2 / top, "numpy.linalg.eigvalsh of a finite-difference Hessian",
                         rtol=1e-5)]
        for factor, should_converge in ((0.95, True), (1.05, False)):
            x = np.array([1.0, 0.37, 0.21][: f.n])
            for _ in range(400):
                x = x - factor * float(answer) * (hf @ x)
            if (np.linalg.norm(x) < 1e-3) != should_converge:
                raise VerificationError(f"gradient descent with η = {factor}·η_max does not "
                                        f"{'converge' if should_converge else 'diverge'}")
        return done + ["simulated descent converges at 0.95·η_max and diverges at 1.05·η_max"]

    hess = explain.hessian(f)
    eig = explain.eigenvalues(H) if f.n > 1 else None
    rule = Step("Stability of gradient descent on a quadratic", (
        Math((Name("|1 − ηλᵢ|", r"|1 - \eta \lambda_i|"), sympy.S.One), ("<",), label="Each eigen-direction needs"),
        eq(Name("η_max", r"\eta_{\max}"), Row((sympy.Integer(2), lam), ("/",)), answer),
    ), answer, "Along the eigenvector of λᵢ the error is multiplied by (1 − ηλᵢ) at every step; the largest "
              "eigenvalue gives the tightest bound.")
    steps = hess.steps + (eig.steps if eig else ()) + (rule,)
    solution = Derivation("stable-learning-rate", "The largest stable learning rate", hess.given, steps, answer,
                          f"Gradient descent converges for 0 < η < {answer} and diverges beyond.", (), hess.checks)
    prompt = Prompt("Largest stable learning rate", (_given_function(f),),
                    "For which learning rates does gradient descent converge on L? Give the largest stable η "
                    "(the bound η_max with convergence for 0 < η < η_max).")
    return Draft(prompt, answer, "number", solution, tuple(mistakes), f.variables, verify, _context(None, f),
                 {"function": str(f.expr)})


# -- the table ------------------------------------------------------------------------------------------
FAMILIES: dict[str, Family] = {family.name: family for family in (
    Family("gradient", "Gradient at a point", "study guide ex. 1; §9.4",
           {1: "two variables, quadratic", 2: "two variables, cubic terms", 3: "three variables, chain rule"},
           build_gradient),
    Family("gd_step", "One gradient-descent step", "study guide ex. 2; §7.2, §9.4",
           {1: "one variable", 2: "two variables, separable", 3: "two variables, coupled with linear terms"},
           build_gd_step),
    Family("gd_steps", "Several gradient-descent steps, loss verified", "§5.2, §9.4",
           {1: "one variable, 2 steps", 2: "two variables, 2 steps", 3: "two variables coupled, 3 steps"},
           build_gd_steps),
    Family("hessian", "Hessian matrix", "study guide ex. 3; §11.5",
           {1: "two variables, quadratic", 2: "three variables, quadratic", 3: "two variables, cubic, at a point"},
           build_hessian),
    Family("eigenvalues", "Eigenvalues of a Hessian", "§13.2, §13.5",
           {1: "2×2, integer eigenvalues", 2: "2×2, surd eigenvalues", 3: "3×3, integer eigenvalues"},
           build_eigenvalues),
    Family("convexity", "Convexity test", "study guide ex. 4; §13.1, §13.2, §13.5",
           {1: "one variable, smooth", 2: "one variable, non-smooth (|·|, max, min)",
            3: "two variables: quadratic forms, norms, non-smooth sums"},
           build_convexity),
    Family("taylor", "Second-order Taylor approximation", "study guide ex. 5; §11.1-11.3",
           {1: "one variable around 0", 2: "one variable around a ≠ 0", 3: "two variables around a point"},
           build_taylor),
    Family("loss", "Loss of a model on a small dataset", "§4.2, §12.6",
           {1: "line, 3 points", 2: "line, 4 points, half-integer slope", 3: "quadratic model, 4 points"},
           build_loss),
    Family("directional", "Directional change in loss", "§8.2, §9.2",
           {1: "separable quadratic, tiny displacement", 2: "coupled quadratic", 3: "unit direction v/‖v‖"},
           build_directional),
    Family("critical_points", "Critical points and their classification", "§9.5, §13.4",
           {1: "two variables, quadratic", 2: "one variable, cubic", 3: "two variables, cubic (min/max/saddle)"},
           build_critical_points),
    Family("level_set", "Level sets", "§10.1-10.3",
           {1: "circle", 2: "ellipse (surd semi-axes)", 3: "ellipsoid in three variables"},
           build_level_set),
    Family("stable_lr", "Largest stable learning rate of a quadratic", "§5.2 (learning rate), appendix",
           {1: "one variable", 2: "two variables, separable", 3: "two variables, coupled"},
           build_stable_rate),
    MATRIX_FAMILY,
)}
