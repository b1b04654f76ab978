"""Critical points of non-smooth losses (``|x|``, relu, ``max``, hinge and their sums), piece by piece.

How it works, once. For a function of one variable whose only kinks come from
``|u|``, ``max``, ``min``, ``sign`` and steps, the kinks are the real roots of
each ``u`` (each difference of ``max`` arguments). Between two consecutive
kinks every block has a fixed sign or a fixed winner, so ``f`` *is* a smooth
formula there (``|x − 1| + |x + 1| = 2`` on ``(−1, 1)``): the *pieces*. Then

* on a piece, ``f′ = 0`` is solved exactly, and a piece where ``f′ ≡ 0`` is
  *flat*: every point of it is critical, with the same value;
* at a kink the one-sided derivatives ``f′(a⁻)`` and ``f′(a⁺)`` are the
  derivatives of the two neighbouring pieces there; the gradient does not
  exist, and the condition replacing ``f′ = 0`` is the subgradient condition
  ``0 ∈ [f′(a⁻), f′(a⁺)]`` (a minimum) or ``0 ∈ [f′(a⁺), f′(a⁻)]`` (a maximum);
* a flat piece joins its end kinks when their values agree: the minimising
  *set* is the closed interval (``every x ∈ [−1, 1]``);
* a local minimum is global when ``f`` is convex (:func:`.convexity.convexity`),
  or when ``f → +∞`` at both ends and its value is the least, compared exactly.

A sum of such functions of one variable each (``|x| + |y|``) is minimised
variable by variable; its minimisers are the products of theirs.
Nothing here samples a grid: a point is reported only when it is proven critical.
Reasons name the function ``ƒ`` (:data:`NAME`); a caller puts its own name in.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import sympy

from ..function import Function
from ._common import attempt
from ._text import text

__all__ = ["Piece", "Kink", "CriticalSet", "PiecewiseAnalysis", "piecewise_analysis", "separable_parts"]

NAME = "ƒ"
_RESOLVABLE = (sympy.Abs, sympy.Max, sympy.Min, sympy.sign, sympy.Heaviside)


@dataclass(frozen=True)
class Piece:
    """``f`` on an open interval between kinks, written without ``|·|``/``max``/``min``, and its derivative."""

    interval: sympy.Interval
    expr: sympy.Expr
    derivative: sympy.Expr

    @property
    def flat(self) -> bool:
        return self.derivative == 0


@dataclass(frozen=True)
class Kink:
    """A kink ``a`` with ``f(a)`` and the one-sided derivatives ``f′(a⁻)``, ``f′(a⁺)``."""

    point: sympy.Expr
    value: sympy.Expr
    left: sympy.Expr
    right: sympy.Expr

    @property
    def differentiable(self) -> bool:
        return self.left == self.right


@dataclass(frozen=True)
class CriticalSet:
    """A point or an interval of critical points of one variable.

    Attributes:
        region: a ``FiniteSet`` of one point or a closed/half-open ``Interval``.
        kind: ``"minimum"``, ``"maximum"`` or ``"unknown"``.
        value: ``f`` on the region.
        how: ``"stationary"`` (``f′ = 0``), ``"kink"`` (``0 ∈ ∂f``) or ``"flat"`` (``f′ ≡ 0`` on an interval).
        reason: the argument in one or two sentences.
        extremum: ``"global minimum"`` / ``"global maximum"`` when shown, else None.
        one_sided: ``(f′(a⁻), f′(a⁺))`` at a kink, else None.
    """

    region: sympy.Set
    kind: str
    value: sympy.Expr
    how: str
    reason: str
    extremum: str | None = None
    one_sided: tuple[sympy.Expr, sympy.Expr] | None = None


@dataclass(frozen=True)
class PiecewiseAnalysis:
    """Pieces, kinks and critical sets of a non-smooth function of one variable, and why extrema are global."""

    variable: sympy.Symbol
    pieces: tuple[Piece, ...]
    kinks: tuple[Kink, ...]
    critical: tuple[CriticalSet, ...]
    global_note: str = ""
    convex: bool = False
    not_critical: tuple[Kink, ...] = field(default=())


def separable_parts(fn: Function) -> dict[sympy.Symbol, sympy.Expr] | None:
    """``{variable: its part}`` when ``f`` is a sum of functions of one variable each (constants go to the first)."""
    terms = sympy.Add.make_args(fn.expr)
    parts: dict[sympy.Symbol, sympy.Expr] = {v: sympy.S.Zero for v in fn.variables}
    constant = sympy.S.Zero
    for term in terms:
        used = term.free_symbols & set(fn.variables)
        if len(used) > 1:
            return None
        if not used:
            constant += term
            continue
        (v,) = used
        parts[v] += term
    first = fn.variables[0]
    parts[first] += constant
    return parts


def piecewise_analysis(expr: sympy.Expr, variable: sympy.Symbol, timeout: float | None = None,
                       convex: bool = False, allow_smooth: bool = False) -> PiecewiseAnalysis | None:
    """The pieces, kinks and critical sets of ``expr`` in ``variable``; None when it does not split into pieces.

    ``convex=True`` (shown by the caller) makes every local minimum global; ``allow_smooth=True`` accepts a
    smooth ``expr`` (one piece), for the smooth parts of a separable sum.

    Example:
        >>> x = sympy.Symbol("x", real=True)
        >>> a = piecewise_analysis(abs(x - 1) + abs(x + 1), x, convex=True)
        >>> [(c.region, c.value, c.extremum) for c in a.critical]
        [(Interval(-1, 1), 2, 'global minimum')]
    """
    blocks = [node for node in sympy.preorder_traversal(expr) if isinstance(node, _RESOLVABLE) and node.free_symbols]
    if (not blocks and not allow_smooth) or expr.free_symbols != {variable} or _other_kinks(expr):
        return None
    kinks = _kink_points(blocks, variable, timeout)
    if kinks is None or len(kinks) > 20:
        return None
    pieces = [_piece(expr, variable, interval) for interval in _intervals(kinks)]
    if any(p is None for p in pieces):
        return None
    kink_data = tuple(Kink(a, expr.xreplace({variable: a}), _at(pieces[i].derivative, variable, a),
                           _at(pieces[i + 1].derivative, variable, a)) for i, a in enumerate(kinks))
    found: list[CriticalSet] = []
    for k, piece in enumerate(pieces):
        if piece.flat:
            found.append(_flat(piece, variable, kink_data, k))
        else:
            stationary = _stationary(piece, variable, timeout)
            if stationary is None:
                return None
            found += stationary
        if k < len(kink_data):
            found += _kink_critical(kink_data[k])
    critical, note = _decide_global(_merged(found), pieces, variable, convex, timeout)
    not_critical = tuple(k for k in kink_data if not _subgradient_kind(k))
    return PiecewiseAnalysis(variable, tuple(pieces), kink_data, tuple(critical), note, convex, not_critical)


# --------------------------------------------------------------------------- pieces
def _other_kinks(expr: sympy.Expr) -> bool:
    """Kinks this module does not split at (roots such as √(x²))."""
    from .smoothness import kink_expressions

    return any(not isinstance(node, _RESOLVABLE) for node, _ in kink_expressions(expr))


def _kink_points(blocks, variable, timeout) -> list[sympy.Expr] | None:
    points: set[sympy.Expr] = set()
    for block in blocks:
        args = block.args
        zeros = [args[0]] if not isinstance(block, (sympy.Max, sympy.Min)) else [
            a - b for i, a in enumerate(args) for b in args[i + 1:]]
        for u in zeros:
            roots = attempt(sympy.solveset, u, variable, sympy.S.Reals, timeout=timeout)
            if roots is None or not isinstance(roots, sympy.FiniteSet):
                if roots is sympy.S.EmptySet:
                    continue
                return None
            if any(not r.is_real or not r.is_number for r in roots):
                return None
            points.update(roots)
    return sorted(points, key=lambda r: float(r))


def _intervals(kinks: list[sympy.Expr]) -> list[sympy.Interval]:
    ends = [sympy.S.NegativeInfinity, *kinks, sympy.S.Infinity]
    return [sympy.Interval.open(a, b) for a, b in zip(ends, ends[1:])]


def _inside(interval: sympy.Interval) -> sympy.Expr:
    lo, hi = interval.inf, interval.sup
    if lo.is_infinite and hi.is_infinite:
        return sympy.S.Zero
    if lo.is_infinite:
        return hi - 1
    if hi.is_infinite:
        return lo + 1
    return (lo + hi) / 2


def _piece(expr: sympy.Expr, variable: sympy.Symbol, interval: sympy.Interval) -> Piece | None:
    t = _inside(interval)

    def sign_at(u: sympy.Expr) -> int:
        value = sympy.nsimplify(u.xreplace({variable: t}))
        return 1 if value > 0 else -1

    def best(args, pick):
        values = [a.xreplace({variable: t}) for a in args]
        return args[values.index(pick(values))]

    resolved = expr.replace(sympy.Abs, lambda u: u * sign_at(u))
    resolved = resolved.replace(sympy.sign, lambda u: sympy.Integer(sign_at(u)))
    resolved = resolved.replace(sympy.Heaviside, lambda u, *rest: sympy.Integer(1 if sign_at(u) > 0 else 0))
    resolved = resolved.replace(sympy.Max, lambda *args: best(args, max))
    resolved = resolved.replace(sympy.Min, lambda *args: best(args, min))
    if resolved.has(*_RESOLVABLE):
        return None
    resolved = sympy.expand(resolved) if resolved.is_polynomial(variable) else resolved
    return Piece(interval, resolved, sympy.simplify(sympy.diff(resolved, variable)))


def _at(derivative: sympy.Expr, variable: sympy.Symbol, a: sympy.Expr) -> sympy.Expr:
    return sympy.simplify(derivative.xreplace({variable: a}))


# --------------------------------------------------------------------------- critical sets
def _stationary(piece: Piece, variable: sympy.Symbol, timeout) -> list[CriticalSet] | None:
    roots = attempt(sympy.solveset, piece.derivative, variable, piece.interval, timeout=timeout)
    if roots is None or not isinstance(roots, sympy.FiniteSet):
        return None if roots is not sympy.S.EmptySet else []
    found = []
    for r in sorted(roots, key=float):
        second = sympy.simplify(sympy.diff(piece.derivative, variable).xreplace({variable: r}))
        kind = "minimum" if second > 0 else "maximum" if second < 0 else "unknown"
        found.append(CriticalSet(sympy.FiniteSet(r), kind, sympy.simplify(piece.expr.xreplace({variable: r})),
                                 "stationary", f"{text(variable)} = {text(r)} solves f′ = {text(piece.derivative)} = 0 "
                                 f"and f″ = {text(second)} there."))
    return found


def _subgradient_kind(kink: Kink) -> str | None:
    if kink.differentiable:
        return None
    if kink.left <= 0 <= kink.right:
        return "minimum"
    if kink.right <= 0 <= kink.left:
        return "maximum"
    return None


def _kink_critical(kink: Kink) -> list[CriticalSet]:
    kind = _subgradient_kind(kink)
    if kind is None:
        return []
    low, high = sorted([kink.left, kink.right], key=float)
    reason = (f"{NAME}′({text(kink.point)}⁻) = {text(kink.left)} and {NAME}′({text(kink.point)}⁺) = {text(kink.right)} "
              f"differ, so the derivative does not exist; 0 ∈ [{text(low)}, {text(high)}] = ∂{NAME}({text(kink.point)}), "
              f"so it is a "
              f"local {kind}.")
    return [CriticalSet(sympy.FiniteSet(kink.point), kind, kink.value, "kink", reason, None, (kink.left, kink.right))]


def _flat(piece: Piece, variable: sympy.Symbol, kinks: tuple[Kink, ...], k: int) -> CriticalSet:
    """A flat piece: its kind from the slopes just outside it (minimum if f rises on both sides)."""
    before = kinks[k - 1].left if k > 0 else sympy.S.Zero
    after = kinks[k].right if k < len(kinks) else sympy.S.Zero
    kind = "minimum" if before <= 0 <= after else "maximum" if after <= 0 <= before else "unknown"
    reason = f"On {text(piece.interval)} {NAME} = {text(piece.expr)} is constant: {NAME}′ = 0 at every point."
    return CriticalSet(piece.interval, kind, piece.expr, "flat", reason)


def _merged(found: list[CriticalSet]) -> list[CriticalSet]:
    """A flat interval swallows its end kinks of the same value and kind: (−1, 1) with −1 and 1 is [−1, 1]."""
    merged: list[CriticalSet] = []
    for item in found:
        if merged and _touch(merged[-1], item):
            last = merged.pop()
            region = sympy.Union(last.region, item.region)
            reason = " ".join(dict.fromkeys([last.reason, item.reason]))
            merged.append(CriticalSet(region, last.kind, last.value, "flat", reason))
        else:
            merged.append(item)
    return merged


def _touch(a: CriticalSet, b: CriticalSet) -> bool:
    if "flat" not in (a.how, b.how) or a.kind != b.kind or sympy.simplify(a.value - b.value) != 0:
        return False
    return a.region.sup == b.region.inf


def _decide_global(found: list[CriticalSet], pieces, variable, convex: bool, timeout) -> tuple[list[CriticalSet], str]:
    minima = [c for c in found if c.kind == "minimum"]
    if convex and minima:
        note = f"{NAME} is convex, so every local minimum is a global minimum."
        return [_with(c, "global minimum") if c.kind == "minimum" else c for c in found], note
    ends = (attempt(sympy.limit, pieces[0].expr, variable, sympy.S.NegativeInfinity, timeout=timeout),
            attempt(sympy.limit, pieces[-1].expr, variable, sympy.S.Infinity, timeout=timeout))
    for kind, infinity, pick, word in (("minimum", sympy.S.Infinity, min, "least"),
                                       ("maximum", sympy.S.NegativeInfinity, max, "largest")):
        extrema = [c for c in found if c.kind == kind]
        if extrema and all(e is infinity for e in ends):
            best = pick((c.value for c in extrema), key=float)
            note = (f"{NAME} → {text(infinity)} as {text(variable)} → ±∞, so the {word} value among the local {kind}s"
                    f", {text(best)}, is the global {kind}.")
            return [_with(c, f"global {kind}") if c.kind == kind and sympy.simplify(c.value - best) == 0 else c
                    for c in found], note
    return found, ""


def _with(c: CriticalSet, extremum: str) -> CriticalSet:
    return CriticalSet(c.region, c.kind, c.value, c.how, c.reason, extremum, c.one_sided)


def describe_region(region: sympy.Set, variable: sympy.Symbol) -> str:
    """``x = 1`` for a point, ``every x ∈ [−1, 1]`` for an interval."""
    if isinstance(region, sympy.FiniteSet):
        return f"{text(variable)} = {text(next(iter(region)))}"
    return f"every {text(variable)} ∈ {text(region)}"


def as_dict(c: CriticalSet) -> dict[str, Any]:
    return {"region": str(c.region), "kind": c.kind, "value": str(c.value), "how": c.how, "reason": c.reason,
            "extremum": c.extremum, "one_sided": None if c.one_sided is None else [str(v) for v in c.one_sided]}
