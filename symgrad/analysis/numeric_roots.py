"""The numeric search for critical points, used when SymPy cannot solve ``∇f = 0``.

SciPy ``root`` runs from a grid of starts inside the domain, with the Hessian as Jacobian; a root
counts when ``‖∇f‖ < 1e-8`` there, once (roots within 1e-6 are the same). A search sampling a set of
critical points that is not isolated (the line ``x = 0`` of ``sin(x*e^y)^3 + x^7*y``) lands on a
different point of it from each start. So roots that share a simple exact coordinate (a fraction or a
fraction of π, ``x ≈ 0``) at three or more places are a guess, ``x = 0``, that is then proven or
dropped: substituted into the gradient, every component must simplify to 0 for all values of the
other variables. A proven set is returned once, as ``{x: 0, y: y}`` (a free variable maps to itself,
as the exact solver writes sets), in place of the roots on it.

Example:
    >>> from symgrad.analysis._common import resolve_domain
    >>> fn = Function("sin(x*exp(y))^3 + x^7*y")
    >>> numeric_stationary(fn, resolve_domain(fn, None))
    [{x: 0, y: y}]
"""

from __future__ import annotations

from itertools import combinations, product
from typing import Any

import numpy as np
import sympy

from ..function import Function
from ._common import Domain, attempt, number_sign

__all__ = ["numeric_stationary", "gradient_vanishes", "looks_non_isolated", "eigenvalue_margin", "PROBE_STEPS"]

_STARTS = tuple(sympy.Rational(v, 2) for v in range(-8, 9, 2)) + (sympy.Rational(1, 3), sympy.Rational(-1, 3))
ON_SET = 1e-5            # a root this close to a proven set is taken as a point of it (∇f is tiny near it)
MIN_ROOTS_FOR_A_SET = 3  # fewer roots sharing a coordinate are no evidence of a set
MAX_FAMILY_VARIABLES = 4
PROBE_STEPS = (0.05, 0.01)  # distances at which looks_non_isolated looks for more roots
ROOT_ACCURACY = 1e-7     # relative: how far a SciPy root may be from the true one (hybr's xtol is 1.5e-8), at least
MARGIN_SAFETY = 10.0     # eigenvalues must clear this many times their change within the root's accuracy
ROUNDOFF = 1e-9          # relative to the Hessian's largest eigenvalue: below this an eigenvalue is rounding


def numeric_stationary(fn: Function, dom: Domain) -> list[dict[sympy.Symbol, sympy.Expr]]:
    """Proven sets of critical points (exact, with free coordinates) first, then the numeric roots off them."""
    roots = _numeric_roots(fn, dom)
    families = _proven_families(fn, roots)
    isolated = [x for x in roots if not any(_lies_on(x, fn.variables, family) for family in families)]
    return families + [{v: sympy.Float(float(c)) for v, c in zip(fn.variables, x)} for x in isolated]


def _numeric_roots(fn: Function, dom: Domain) -> list[np.ndarray]:
    compiled = fn.compile("numpy")
    starts = [np.array(p, dtype=float) for p in product(*[[float(v) for v in dom.sample(var, _STARTS)] for var in fn.variables])]
    found: list[np.ndarray] = []
    for start in starts[:400]:
        solution = _solve(compiled, start)
        if solution is not None and not any(np.allclose(solution, other, atol=1e-6) for other in found):
            found.append(solution)
    return sorted(found, key=tuple)


def _solve(compiled, start: np.ndarray) -> np.ndarray | None:
    """SciPy's ``root`` on ∇f = 0 from ``start`` (Hessian as Jacobian); None unless ``‖∇f‖ < 1e-8`` there."""
    from scipy.optimize import root

    with np.errstate(all="ignore"):
        solution = root(lambda w: np.asarray(compiled.gradient(w), dtype=float), start,
                        jac=lambda w: np.asarray(compiled.hessian(w), dtype=float), method="hybr")
        residual = np.linalg.norm(np.asarray(compiled.gradient(solution.x), dtype=float)) if solution.success else np.inf
    return solution.x if residual < 1e-8 else None


def looks_non_isolated(fn: Function, point: dict[sympy.Symbol, Any]) -> bool:
    """Do roots of ∇f = 0 sit at every distance tried from ``point`` along the Hessian's null directions?

    From an isolated root, a start a step ``h`` away along a null direction converges back to it; on a
    curve of roots it stops on the curve, about ``h`` away. Both steps ``PROBE_STEPS`` must find such a
    root, in some null direction, for the point to look like a sample of a set. Evidence, not a proof.
    """
    compiled = fn.compile("numpy")
    x = np.array([float(point[v]) for v in fn.variables])
    with np.errstate(all="ignore"):
        values, vectors = np.linalg.eigh(np.asarray(compiled.hessian(x), dtype=float))
    if not np.all(np.isfinite(values)):
        return False
    null = vectors[:, np.abs(values) <= 1e-6 * max(1.0, float(np.max(np.abs(values))))]
    return any(all(_root_at_distance(compiled, x, sign * h * direction, h) for h in PROBE_STEPS)
               for direction in null.T for sign in (1, -1))


def eigenvalue_margin(fn: Function, point: dict) -> tuple[float, float]:
    """``(margin, radius)``: how far from 0 a Hessian eigenvalue at a numeric root must be for its sign to count.

    The root is only known to within ``radius``: ``ROOT_ACCURACY`` relative to its size, or the Newton
    estimate ``‖∇f‖ / min |λ|`` when that is larger (a nearly singular Hessian pins the point down badly).
    The Hessian's eigenvalues are evaluated at ``p ± radius·e_i``; the margin is ``MARGIN_SAFETY`` times the
    most any of them moves there, plus rounding (``ROUNDOFF`` of the largest). At a point where ``f`` is flat
    to third order the Hessian is proportional to the distance from the true point, so its eigenvalues are
    no larger than this change and the margin refuses them.

    >>> fn = Function("x^2 - y^2 + x^3")
    >>> margin, radius = eigenvalue_margin(fn, {fn.variables[0]: 0.0, fn.variables[1]: 0.0})
    >>> margin < 1e-5, radius
    (True, 1e-07)
    """
    compiled = fn.compile("numpy")
    x = np.array([float(point[v]) for v in fn.variables])
    with np.errstate(all="ignore"):
        values = np.linalg.eigvalsh(np.asarray(compiled.hessian(x), dtype=float))
        residual = float(np.linalg.norm(np.asarray(compiled.gradient(x), dtype=float)))
    if not (np.all(np.isfinite(values)) and np.isfinite(residual)):
        return np.inf, np.inf
    smallest = float(np.min(np.abs(values)))
    newton = 0.0 if residual == 0 else residual / smallest if smallest else np.inf
    radius = max(ROOT_ACCURACY * max(1.0, float(np.max(np.abs(x)))), newton)
    if not np.isfinite(radius) or radius > 1e-2:
        return np.inf, radius
    change = 0.0
    for step in np.vstack((np.eye(len(x)), -np.eye(len(x)))) * radius:
        with np.errstate(all="ignore"):
            moved = np.linalg.eigvalsh(np.asarray(compiled.hessian(x + step), dtype=float))
        if not np.all(np.isfinite(moved)):
            return np.inf, radius
        change = max(change, float(np.max(np.abs(moved - values))))
    return MARGIN_SAFETY * change + ROUNDOFF * max(1.0, float(np.max(np.abs(values)))), radius


def _root_at_distance(compiled, x: np.ndarray, step: np.ndarray, h: float) -> bool:
    found = _solve(compiled, x + step)
    return found is not None and h / 2 < float(np.linalg.norm(found - x)) < 2 * h


def _proven_families(fn: Function, roots: list[np.ndarray]) -> list[dict[sympy.Symbol, sympy.Expr]]:
    """Sets ``{some variables = constants}`` on which SymPy proves ``∇f ≡ 0``, guessed from the roots.

    Many roots with ``x ≈ 0`` but different ``y`` hint at the line ``x = 0``; the hint counts only once
    the gradient, with ``x = 0`` substituted, simplifies to zero for every value of the other variables.
    """
    if fn.n < 2 or fn.n > MAX_FAMILY_VARIABLES:
        return []
    gradient = list(fn.gradient())
    families: list[dict[sympy.Symbol, sympy.Expr]] = []
    for size in range(1, fn.n):
        for fixed in combinations(range(fn.n), size):
            for constants, members in _shared_constants(roots, fixed).items():
                family = {v: v for v in fn.variables} | {fn.variables[i]: c for i, c in zip(fixed, constants)}
                members = [x for x in members if not any(_lies_on(x, fn.variables, f) for f in families)]
                if len(members) >= MIN_ROOTS_FOR_A_SET and gradient_vanishes(gradient, family):
                    families.append(family)
    return families


def _shared_constants(roots: list[np.ndarray], fixed: tuple[int, ...]) -> dict[tuple[Any, ...], list[np.ndarray]]:
    """Roots grouped by the simple exact values their ``fixed`` coordinates round to."""
    groups: dict[tuple[Any, ...], list[np.ndarray]] = {}
    for x in roots:
        guess = tuple(_simple_constant(x[i]) for i in fixed)
        if None not in guess:
            groups.setdefault(guess, []).append(x)
    return groups


def _simple_constant(value: float) -> sympy.Expr | None:
    """The fraction, or fraction of π, with denominator ≤ 100 within ``ON_SET`` of ``value`` (a guess to prove)."""
    for unit in (sympy.S.One, sympy.pi):
        guess = sympy.Rational(value / float(unit)).limit_denominator(100) * unit
        if abs(float(guess) - value) < ON_SET:
            return guess
    return None


def _lies_on(x: np.ndarray, variables, family: dict[sympy.Symbol, Any]) -> bool:
    return all(abs(c - float(family[v])) < ON_SET for v, c in zip(variables, x) if family[v] != v)


def gradient_vanishes(gradient: list[sympy.Expr], point: dict[sympy.Symbol, Any]) -> bool:
    """True when every component of ``gradient`` is proven 0 at ``point`` (which may keep free variables)."""
    values = [g.xreplace(point) for g in gradient]
    if any(v.has(sympy.nan, sympy.zoo) for v in values):
        return False
    return all(v.is_zero or (not v.free_symbols and number_sign(v) == 0) or attempt(sympy.simplify, v) == 0 for v in values)
