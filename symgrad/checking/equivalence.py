"""Is ``answer`` the same as ``expected``? Scalar equivalence, cheapest test first.

The functions here run inside the worker process of
:func:`symgrad.limits.run_with_timeout` (they are module-level and take and
return picklable values), because everything they do touches untrusted input.
A comparison goes through these stages, and stops at the first that decides:

1. **identical** -- the two expressions are the same tree (symbols are matched
   by name before we get here). **difference** -- ``a - e``, and its cheap
   expansion when the expression is small, is a nonzero rational number
   (``exp(50)*x`` against ``exp(50)*x + 1`` gives ``-1``): different, whatever
   the size of the terms.
2. **exact points** -- if both are rational functions with rational
   coefficients, they are evaluated with exact rational arithmetic at random
   rational points inside the domain. One differing point is a proof of
   difference; agreement at every point is the Schwartz-Zippel identity test
   (a nonzero rational function of degree d vanishes at a random point of a set
   of size N with probability at most d/N, and we use several points).
3. **numeric** -- otherwise (sqrt, log, trig, exp, abs...) both are evaluated at
   random points with 30-digit arithmetic. A point where they differ by more
   than 1e-10 (relative) is a counterexample. When they look close, the
   *difference* ``a - e`` is evaluated at the point as one expression with
   SymPy's adaptive-precision ``evalf(strict=True)``, at a working precision of
   (digits of the largest term) + 50 digits, so that a large term (``exp(50)*x``)
   can never swamp an additive constant. **The rule:** the point is a
   counterexample when that evaluation resolves ``|a - e| > 1e-40``; it is an
   agreement when ``|a - e| <= 1e-40`` or when the difference cannot be told
   apart from zero at that precision (then ``|a - e|`` is below about 1e-50,
   whatever the size of the terms); when the terms are too large for the
   precision cap the point decides nothing. Agreement at every point leaves the
   pair *probably equal*, to be proved by stage 4.
4. **symbolic** -- :func:`prove_equal` rewrites ``answer - expected`` (expand,
   cancel, log and trig rewriting, then ``simplify``) under the domain's
   assumptions. It runs in its own time-limited call, so a slow proof never
   costs the evidence already gathered.

With a tolerance (``rtol``/``atol``) stage 2-4 are replaced by a numeric test
in double precision: ``|a - e| <= atol + rtol*|e|`` at every point.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from typing import Any

import sympy
from sympy.core.evalf import PrecisionExhausted

from ..display import count_of
from ..limits import preload_in_workers

__all__ = ["Settings", "Judgement", "judge_pairs", "prove_pairs", "close_pairs", "exact_rationals", "normalized_pairs",
           "same_region", "real_solutions"]

# what sympy.simplify / trigsimp import on first use (≈ 0.7 s): a worker forked after a time-out starts with them
preload_in_workers("sympy.physics.units", "sympy.combinatorics", "sympy.tensor.tensor", "sympy.sets.setexpr",
                   "sympy.assumptions.wrapper")

_DENOMINATORS = (7, 11, 13, 17, 19, 23, 29)
_EXACT_POINTS = 5
_NUMERIC_POINTS = 12
_PREC = 30
_EQUAL_REL = sympy.Float("1e-20")
_DIFFER_REL = sympy.Float("1e-10")
_EQUAL_ABS = sympy.Float("1e-40")  # a resolved |a - e| at or below this is agreement (see the module docstring)
_GUARD_DIGITS = 50  # digits of working precision beyond the largest term when resolving a - e
_MAX_RESOLVE_DIGITS = 6000  # precision cap of that evaluation (terms up to about 10^5950)
_EXPAND_MAX_OPS = 200  # only small differences are expanded in stage 1
_EXPAND_MAX_POWER = 12  # ... and only when no integer power is above this
_EXACT_MAX_POWER = 200  # exact rational evaluation only below this power (29/7 ** 200 has ~125 digits)
_PROOF_MAX_POWER = 40  # expanding rewrites are skipped above this power ((x - a)^6000 is never expanded)
_SHOW_EXACT_BITS = 200  # rationals larger than this are shown as decimals in witnesses
_CANDIDATES = 48  # points tried to find _NUMERIC_POINTS where the key is real
_WIDE_RANGE = (-20.0, 20.0)  # where the second half of the candidates is drawn (a key real only for x > 5)


@dataclass(frozen=True)
class Settings:
    """How to compare: tolerances, domain of each variable, random seed.

    ``domain`` is a tuple of ``(name, low, high, assumption)``; ``assumption`` is
    ``"positive"``, ``"nonnegative"``, ``"negative"``, ``"nonpositive"`` or ``"real"``.
    Variables not listed are sampled in ``default_range``.
    """

    rtol: float | None = None
    atol: float | None = None
    domain: tuple[tuple[str, float, float, str], ...] = ()
    default_range: tuple[float, float] = (-2.0, 2.0)
    seed: int = 0

    @property
    def numeric(self) -> bool:
        return self.rtol is not None or self.atol is not None


@dataclass(frozen=True)
class Judgement:
    """The outcome for one pair: ``equal`` is True, False or None (not decided yet)."""

    equal: bool | None
    method: str
    points: int = 0
    witness: tuple[tuple[str, str], ...] = ()
    answer_value: str = ""
    expected_value: str = ""
    probable: bool = False  # numerically equal at every point, awaiting proof
    extra: dict[str, Any] = field(default_factory=dict)


# ------------------------------------------------------------------------------------------ helpers
def exact_rationals(expr: Any) -> Any:
    """Replace every ``Float`` by the exact rational of its shortest decimal form (0.1 -> 1/10)."""
    if not isinstance(expr, sympy.Basic) or not expr.has(sympy.Float):
        return expr
    floats = expr.atoms(sympy.Float)
    return expr.xreplace({f: sympy.Rational(repr(float(f))) if abs(float(f)) != float("inf") else f for f in floats})


def _is_rational_function(expr: sympy.Expr) -> bool:
    """A quotient of polynomials with rational coefficients, of moderate degree (exact evaluation stays cheap).

    Constants count only when they are rational numbers: ``2**(1/3)`` has rational atoms but is not rational.
    """
    symbols = sorted(expr.free_symbols, key=lambda s: s.name)
    if expr.has(sympy.Float, sympy.NumberSymbol, sympy.Function) or not _integer_powers(expr):
        return False
    try:
        return bool(expr.is_rational_function(*symbols)) and _rational_coefficients(expr)
    except (TypeError, ValueError, AttributeError):
        return False


def _integer_powers(expr: sympy.Expr) -> bool:
    """Every power has an integer exponent of at most ``_EXACT_MAX_POWER`` (else exact values get huge)."""
    return all(p.exp.is_Integer and abs(int(p.exp)) <= _EXACT_MAX_POWER for p in expr.atoms(sympy.Pow))


def _rational_coefficients(expr: sympy.Expr) -> bool:
    return all(atom.is_Rational for atom in expr.atoms(sympy.Number))


def _sample_value(rng: random.Random, low: float, high: float) -> sympy.Rational:
    q = rng.choice(_DENOMINATORS)
    lo, hi = int(low * q), int(high * q)
    for _ in range(20):
        p = rng.randint(lo, hi)
        value = sympy.Rational(p, q)
        if low < value < high and value not in (0, 1, -1):
            return value
    return sympy.Rational(lo + hi, 2 * q) if lo + hi else sympy.Rational(1, q)


def sample_points(symbols: list[sympy.Symbol], settings: Settings, count: int, salt: int = 0) -> list[dict[sympy.Symbol, sympy.Rational]]:
    """``count`` points ``{Symbol: Rational}`` inside the domain, reproducible from the seed."""
    ranges = {name: (low, high) for name, low, high, _ in settings.domain}
    rng = random.Random(settings.seed * 1_000_003 + salt)
    points: list[dict[sympy.Symbol, sympy.Rational]] = []
    for _ in range(count):
        points.append({s: _sample_value(rng, *ranges.get(s.name, settings.default_range)) for s in symbols})
    return points


def _symbols_of(*exprs: sympy.Basic) -> list[sympy.Symbol]:
    found: set[sympy.Symbol] = set()
    for e in exprs:
        found |= {s for s in e.free_symbols if isinstance(s, sympy.Symbol)}
    return sorted(found, key=lambda s: s.name)


def _finite(value: sympy.Expr) -> bool:
    return bool(value.is_number) and not value.has(sympy.nan, sympy.zoo, sympy.oo, -sympy.oo)


def _numeric_value(expr: sympy.Expr, point: dict, prec: int) -> sympy.Expr | None:
    value = expr.xreplace(point) if point else expr
    if value.is_Rational:
        return value
    try:
        value = value.evalf(prec)
    except (TypeError, ValueError, ZeroDivisionError, OverflowError, ArithmeticError):
        return None
    return value if _finite(value) else None


def _magnitude(value: sympy.Expr) -> sympy.Expr:
    return abs(value).evalf(_PREC) if not value.is_Rational else abs(value)


def _show_point(point: dict) -> tuple[tuple[str, str], ...]:
    return tuple((s.name, str(v)) for s, v in sorted(point.items(), key=lambda kv: kv[0].name))


def _short(value: sympy.Expr, digits: int = 12) -> str:
    if value is None:
        return "undefined"
    if value.is_Rational and max(abs(int(value.p)), int(value.q)).bit_length() < _SHOW_EXACT_BITS:
        return str(value)
    return str(value.evalf(digits))  # a huge rational in scientific notation (str() of it may not be allowed)


# ------------------------------------------------------------------------------------------ stage 1-3
def judge_pairs(pairs: list[tuple[sympy.Expr, sympy.Expr]], settings: Settings) -> list[Judgement]:
    """Judge each ``(answer, expected)`` pair with the cheap tests (stages 1-3, or tolerance).

    Returns a :class:`Judgement` per pair; ``equal is None`` with ``probable=True``
    means "agrees numerically everywhere we looked", to be proved by :func:`prove_pairs`.
    """
    return [_judge_pair(a, e, settings, salt) for salt, (a, e) in enumerate(pairs)]


def _judge_pair(answer: sympy.Expr, expected: sympy.Expr, settings: Settings, salt: int) -> Judgement:
    if settings.numeric:
        return _judge_with_tolerance(answer, expected, settings, salt)
    answer, expected = exact_rationals(answer), exact_rationals(expected)
    if answer == expected:
        return Judgement(True, "identical")
    if _has_infinity(answer) or _has_infinity(expected):
        return Judgement(False, "identical", 0, (), str(answer), str(expected))  # oo equals only oo
    difference = answer - expected
    if difference == 0:
        return Judgement(True, "symbolic")
    constant = _constant_difference(difference)
    if constant is not None:
        return _constant_gap(answer, expected, constant, settings, salt)
    if not difference.free_symbols and _nonzero_term(difference):
        return Judgement(False, "symbolic", 1, (), _short(_numeric_value(answer, {}, _PREC)),
                         _short(_numeric_value(expected, {}, _PREC)), extra={"difference": str(difference)[:200]})
    if _is_rational_function(answer) and _is_rational_function(expected):
        return _judge_exact_points(answer, expected, settings, salt)
    return _judge_numeric(answer, expected, settings, salt)


def _constant_difference(difference: sympy.Expr) -> sympy.Rational | None:
    """The nonzero rational ``a - e`` reduces to (as is, or after a cheap ``expand``), else None."""
    if difference.is_Rational:
        return difference if difference != 0 else None
    if sympy.count_ops(difference) > _EXPAND_MAX_OPS or any(
            p.exp.is_Integer and abs(int(p.exp)) > _EXPAND_MAX_POWER for p in difference.atoms(sympy.Pow)):
        return None
    try:
        expanded = sympy.expand(difference)
    except (TypeError, ValueError, ArithmeticError, RecursionError):
        return None
    return expanded if expanded.is_Rational and expanded != 0 else None


def _nonzero_term(difference: sympy.Expr) -> bool:
    """``a - e`` expands to one term (no sum that could cancel) that SymPy knows is nonzero: ``exp(-300)``."""
    if sympy.count_ops(difference) > _EXPAND_MAX_OPS:
        return False
    try:
        expanded = sympy.expand(difference)
    except (TypeError, ValueError, ArithmeticError, RecursionError):
        return False
    return not isinstance(expanded, sympy.Add) and expanded.is_zero is False


def _constant_gap(answer, expected, constant, settings, salt) -> Judgement:
    """``answer - expected`` is the nonzero number ``constant``: different at every point; show one."""
    symbols = _symbols_of(answer, expected)
    candidates = _candidate_points(symbols, settings, salt)
    point = next((p for p in candidates if _real_value(expected, p) is not None and _real_value(answer, p) is not None),
                 candidates[0])  # a witness where both sides are real, when there is one
    e = _numeric_value(expected, point, _PREC)
    a = _numeric_value(answer, point, _PREC)
    digits = _digits_to_show(e, constant)
    a, e = _numeric_value(answer, point, digits + 5) or a, _numeric_value(expected, point, digits + 5) or e
    return Judgement(False, "symbolic", 1, _show_point(point), _short(a, digits), _short(e, digits),
                     extra={"difference": str(constant)})


def _judge_exact_points(answer, expected, settings, salt) -> Judgement:
    symbols = _symbols_of(answer, expected)
    points = sample_points(symbols, settings, _EXACT_POINTS if symbols else 1, salt)
    used = 0
    for point in points:
        a, e = answer.xreplace(point), expected.xreplace(point)
        if not (_finite(e) and e.is_Rational):
            continue  # the key is undefined here (a pole): skip the point
        used += 1
        if not (_finite(a) and a.is_Rational) or a != e:
            return Judgement(False, "exact_points", used, _show_point(point), _short(a if _finite(a) else None), _short(e))
    if used == 0:
        return _judge_numeric(answer, expected, settings, salt)
    return Judgement(True, "exact_points", used)


def _judge_numeric(answer, expected, settings, salt) -> Judgement:
    """Stage 3: compare at points where both sides are real.

    Points where the key is not a real number (``sqrt(x)`` at ``x < 0``) are skipped and more
    candidates drawn, so a witness is never a point where both sides are complex. Points where the key
    is real but the answer is not (``2 log(a) + log(b)`` at ``a < 0`` against ``log(a^2 b)``) are not
    witnesses of a difference either: they are skipped and counted in ``extra["answer_skipped"]``; the
    answer must then agree at ``_MIN_COMMON`` points or more, else it is judged different where it
    is not real (``sqrt(x - 100)`` against ``x``). When points were skipped, ``extra["restricted"]``
    says so and ``extra["signs"]`` names the variables that were positive (negative) at every point
    used: the domain found from the expressions themselves.
    """
    symbols = _symbols_of(answer, expected)
    agreed, skipped, used, not_real = 0, 0, [], []
    wanted = _NUMERIC_POINTS if symbols else 1
    def candidates():  # a second round only when the answer was not real at some points of the key, yet
        yield from _candidate_points(symbols, settings, salt)  # agreed at some: more may reach _MIN_COMMON
        if not_real and agreed and symbols:
            yield from _candidate_points(symbols, settings, salt + _SECOND_ROUND_SALT)

    for point in candidates():
        if agreed >= wanted:
            break
        e = _real_value(expected, point)
        if e is None:
            skipped += 1
            continue  # the key is undefined or not real here: not a point of the domain
        a = _real_value(answer, point)
        if a is None:
            not_real.append((point, e))
            if not agreed and len(not_real) >= _GIVE_UP_WITHOUT_COMMON:
                break  # real nowhere yet: a common part this small cannot give _MIN_COMMON points
            continue  # the answer is not real here: a point outside the common domain, no witness
        gap = _magnitude(a - e)
        scale = max(sympy.Integer(1), _magnitude(e))
        if gap > _DIFFER_REL * scale:
            return Judgement(False, "numeric", agreed + 1, _show_point(point), _short(a), _short(e))
        guard = _GUARD_DIGITS if symbols else _CONSTANT_GUARD_DIGITS
        verdict, difference = _resolve_difference(answer - expected, point, max(scale, _magnitude(a)), guard)
        if verdict is True and not symbols:
            return _algebraic_verdict(answer, expected)
        if verdict is False:
            digits = _digits_to_show(e, difference)
            a, e = _numeric_value(answer, point, digits + 5) or a, _numeric_value(expected, point, digits + 5) or e
            return Judgement(False, "numeric", agreed + 1, _show_point(point), _short(a, digits), _short(e, digits),
                             extra={"difference": _short(difference)})
        if verdict is True:
            agreed += 1
            used.append(point)
    if not_real and agreed < _MIN_COMMON:
        return _too_few_common(not_real, agreed)
    extra = {"restricted": (skipped > 0 or bool(not_real)) and bool(symbols),
             "signs": _signs(used) if skipped or not_real else (), "constant": not symbols,
             "answer_skipped": len(not_real)}
    return Judgement(None, "numeric", agreed, probable=agreed >= min(wanted, _MIN_PROBABLE), extra=extra)


def _too_few_common(not_real: list[tuple[dict, Any]], agreed: int) -> Judgement:
    """The answer is real at too few of the points where the key is: different where it is not real."""
    point, e = not_real[0]
    tried = agreed + len(not_real)
    return Judgement(False, "numeric", tried, _show_point(point), "not a real number", _short(e),
                     extra={"difference": f"the answer is real at only {agreed} of {count_of(tried, 'point')} where "
                                          f"the expected answer is real", "too_few_common": True})


def _algebraic_verdict(answer: sympy.Expr, expected: sympy.Expr) -> Judgement:
    """Two constants that agree to ~100 digits: decided exactly when both are algebraic numbers.

    The minimal polynomial of ``answer - expected`` is ``t`` exactly when the difference is 0; any
    other polynomial proves it is not (``sqrt(2) + sqrt(3)`` against ``sqrt(5 + 2 sqrt(6)) + 10^-60``).
    Transcendental constants (``atan(1/2)`` against ``pi/2 - atan(2)``) stay *probably equal*, to be
    proved or accepted on the error-bounded evaluation.
    """
    difference = answer - expected
    if difference.has(sympy.Function, sympy.NumberSymbol) or sympy.count_ops(difference) > _ALGEBRAIC_MAX_OPS:
        return Judgement(None, "numeric", 1, probable=True, extra={"constant": True})
    t = sympy.Dummy("t")
    try:
        polynomial = sympy.minimal_polynomial(difference, t)
    except (NotImplementedError, ValueError, TypeError, ArithmeticError):
        return Judgement(None, "numeric", 1, probable=True, extra={"constant": True})
    if polynomial == t:
        return Judgement(True, "symbolic", 1, extra={"constant": True})
    return Judgement(False, "symbolic", 1, (), _short(answer.evalf(_PREC)), _short(expected.evalf(_PREC)),
                     extra={"difference": "nonzero (its minimal polynomial is not t)"})


_ALGEBRAIC_MAX_OPS = 60
_CONSTANT_GUARD_DIGITS = 110  # two constants must agree to about 100 digits before a proof is tried
_MIN_PROBABLE = 8  # agreement at this many real points (or the one point of a constant) awaits a proof
_SECOND_ROUND_SALT = 15485863
_GIVE_UP_WITHOUT_COMMON = 24  # key-real points where the answer is not real, none common: stop looking
_MIN_COMMON = 8  # points where both sides are real needed when the answer is not real at some points of the key


def _candidate_points(symbols: list[sympy.Symbol], settings: Settings, salt: int) -> list[dict]:
    """Three candidates in the default range, then one in a wide one, and so on: a key real only for x > 5
    still gets points, and a difference that shows only far out (x > 5) is found."""
    if not symbols:
        return [{}]
    near = sample_points(symbols, settings, _CANDIDATES * 3 // 4, salt)
    wide = Settings(domain=settings.domain, default_range=_WIDE_RANGE, seed=settings.seed)
    far = sample_points(symbols, wide, _CANDIDATES // 4, salt + 7919)
    return [p for i in range(len(far)) for p in (*near[3 * i:3 * i + 3], far[i])]  # 3 near, 1 far, ...


def _real_value(expr: sympy.Expr, point: dict, prec: int = _PREC) -> sympy.Expr | None:
    """The value at ``point`` when it is a finite real number, else None (undefined, infinite or complex)."""
    value = _numeric_value(expr, point, prec)
    if value is None or value.is_real:
        return value
    real, imag = value.as_real_imag()
    if not (real.is_number and imag.is_number):
        return None
    return real if abs(imag) <= sympy.Float("1e-25") * max(1, abs(real)) else None


def _signs(points: list[dict]) -> tuple[tuple[str, str], ...]:
    """``(("a", "positive"), ...)`` for each variable of one sign at every point."""
    if not points:
        return ()
    found = []
    for symbol in points[0]:
        values = [p[symbol] for p in points]
        if all(v > 0 for v in values):
            found.append((symbol.name, "positive"))
        elif all(v < 0 for v in values):
            found.append((symbol.name, "negative"))
    return tuple(sorted(found))


def _has_infinity(expr: sympy.Expr) -> bool:
    return isinstance(expr, sympy.Basic) and expr.has(sympy.oo, -sympy.oo, sympy.zoo)


def _resolve_difference(difference: sympy.Expr, point: dict, scale: sympy.Expr,
                        guard: int = _GUARD_DIGITS) -> tuple[bool | None, Any]:
    """Is ``difference`` (= a - e) zero at ``point``? True, False, or None (cannot tell).

    The difference is evaluated as one expression with adaptive precision
    (``evalf(strict=True)``), allowing (digits of the largest term) + 50 digits,
    so cancellation between large terms is resolved instead of rounded away.
    """
    value = difference.xreplace(point) if point else difference
    if value.is_Rational:
        return value == 0 or abs(value) <= _EQUAL_ABS, value
    digits = guard + max(_term_digits(value), _digits_of(scale))
    if digits > _MAX_RESOLVE_DIGITS:
        return None, None
    try:
        resolved = value.evalf(_PREC, maxn=int(digits * 3.33) + 64, strict=True)
    except PrecisionExhausted:
        return True, None  # |a - e| is below the working precision: about 1e-50 or less
    except (TypeError, ValueError, ZeroDivisionError, OverflowError, ArithmeticError, RecursionError):
        return None, None
    if not _finite(resolved) or not resolved.is_real:
        return None, None
    return bool(abs(resolved) <= _EQUAL_ABS), resolved


def _term_digits(value: sympy.Expr) -> int:
    """Decimal digits of the largest term of any sum in ``value`` (how much cancellation may happen)."""
    largest = 0
    for node in sympy.preorder_traversal(value):
        if isinstance(node, sympy.Add):
            for term in node.args:
                try:
                    largest = max(largest, _digits_of(abs(term.evalf(5))))  # |numeric value|: no symbolic Abs
                except (TypeError, ValueError, ZeroDivisionError, OverflowError, ArithmeticError):
                    continue
    return largest


def _digits_of(magnitude: Any) -> int:
    """Decimal digits before the point of a number (0 for |x| <= 1 or anything not a finite number)."""
    try:
        if not getattr(magnitude, "is_number", False) or not _finite(magnitude) or not magnitude.is_real:
            return 0
        if magnitude.is_Rational:
            big = abs(int(magnitude.p)) // max(int(magnitude.q), 1)
            return len(str(big)) if big > 0 else 0
        exponent = sympy.Float(abs(magnitude))._mpf_
        mantissa, exp2 = exponent[1], exponent[2]
        bits = mantissa.bit_length() + exp2 if mantissa else 0
        return max(0, math.ceil(bits * 0.30103))
    except (TypeError, ValueError, OverflowError, AttributeError, ArithmeticError):
        return 0


def _digits_to_show(expected_value: Any, difference: Any) -> int:
    """Significant digits that make two values differing by ``difference`` print differently."""
    try:
        gap = abs(sympy.Float(difference, 15))
        if gap == 0:
            return 12
        needed = _digits_of(expected_value) - math.floor(math.log10(float(gap))) + 3 if gap < 1e300 else 12
    except (TypeError, ValueError, OverflowError, ArithmeticError):
        return 12
    return int(min(max(12, needed), 80))


def _judge_with_tolerance(answer, expected, settings, salt) -> Judgement:
    rtol = float(settings.rtol or 0.0)
    atol = float(settings.atol or 0.0)
    symbols = _symbols_of(answer, expected)
    points = sample_points(symbols, settings, _NUMERIC_POINTS if symbols else 1, salt)
    used = 0
    for point in points:
        e = _numeric_value(expected, point, 20)
        if e is None:
            continue
        used += 1
        a = _numeric_value(answer, point, 20)
        if a is None:
            return Judgement(False, "tolerance", used, _show_point(point), "undefined", _short(e))
        if float(_magnitude(a - e)) > atol + rtol * float(_magnitude(e)):
            return Judgement(False, "tolerance", used, _show_point(point), _short(a), _short(e))
    if used == 0:
        return Judgement(None, "tolerance", 0)
    return Judgement(True, "tolerance", used)


# ------------------------------------------------------------------------------------------ stage 4
_ASSUMPTIONS = {
    "positive": {"positive": True},
    "nonnegative": {"nonnegative": True},
    "negative": {"negative": True},
    "nonpositive": {"nonpositive": True},
    "real": {},
}


def _with_assumptions(expr: sympy.Expr, settings: Settings, found: tuple = ()) -> sympy.Expr:
    given = {**dict(found), **{name: assumption for name, _, _, assumption in settings.domain}}
    mapping = {
        s: sympy.Symbol(s.name, real=True, **_ASSUMPTIONS.get(given.get(s.name, "real"), {}))
        for s in expr.free_symbols
        if isinstance(s, sympy.Symbol)
    }
    return expr.xreplace(mapping)


def _rewrites(difference: sympy.Expr) -> tuple:
    """Rewrites to try, cheapest first; the expanding ones only when no power is large."""
    small = all(not (p.exp.is_Integer and abs(int(p.exp)) > _PROOF_MAX_POWER) for p in difference.atoms(sympy.Pow))
    cheap = (sympy.powsimp, lambda d: sympy.factor_terms(sympy.signsimp(d)))
    if not small:
        return cheap
    return cheap + (
        sympy.expand,
        sympy.cancel,
        lambda d: sympy.expand(sympy.expand_log(d, force=False)),
        lambda d: sympy.expand(sympy.powsimp(sympy.powdenest(d))),
        lambda d: sympy.expand(sympy.expand_trig(d)),
        sympy.trigsimp,
        sympy.simplify,
    )


def prove_pairs(pairs: list[tuple[sympy.Expr, sympy.Expr]], settings: Settings,
                found: list[tuple[tuple[str, str], ...]] | None = None) -> list[bool]:
    """For each pair, True when ``answer - expected`` rewrites to 0 under the domain's assumptions.

    ``found[i]`` adds assumptions for pair ``i`` (``(("a", "positive"),)``): the signs a variable had at every
    point where the key is real, so a proof holds on the domain the comparison used.
    """
    found = found or [()] * len(pairs)
    return [_prove(a, e, settings, signs) for (a, e), signs in zip(pairs, found)]


def _prove(answer: sympy.Expr, expected: sympy.Expr, settings: Settings, found: tuple = ()) -> bool:
    difference = _with_assumptions(exact_rationals(answer) - exact_rationals(expected), settings, found)
    if difference == 0:
        return True
    for rewrite in _rewrites(difference):
        try:
            if rewrite(difference) == 0:
                return True
        except (TypeError, ValueError, NotImplementedError, AttributeError, RecursionError, ZeroDivisionError):
            continue
    return False


# ------------------------------------------------------------------------------------------ near misses
def close_pairs(pairs: list[tuple[sympy.Expr, sympy.Expr]], rtol: float) -> list[bool]:
    """For each pair of numbers, True when they agree to ``rtol`` (used to spot rounded decimals)."""
    result = []
    for a, e in pairs:
        av, ev = _numeric_value(a, {}, 20), _numeric_value(e, {}, 20)
        if av is None or ev is None or a.free_symbols or e.free_symbols:
            result.append(False)
            continue
        gap = _magnitude(av - ev)
        result.append(float(gap) <= rtol * max(float(_magnitude(ev)), 1e-12) or _within_last_digit(a, gap))
    return result


def _within_last_digit(answer: sympy.Expr, gap: sympy.Expr) -> bool:
    """A decimal with k places (read exactly as p/10^k) within one unit of its last place: rounded or cut off."""
    if not isinstance(answer, sympy.Rational) or answer.q == 1:
        return False
    q, places = int(answer.q), 0
    while q % 10 == 0 or q % 2 == 0 or q % 5 == 0:
        if q % 10 == 0:
            q //= 10
        elif q % 2 == 0:
            q //= 2
        else:
            q //= 5
        places += 1
    return q == 1 and 0 < gap <= sympy.Rational(1, 10**places)


# ------------------------------------------------------------------------------------------ equations
def normalized_pairs(pairs: list[tuple[sympy.Expr, sympy.Expr]]) -> list[tuple[sympy.Expr, sympy.Expr]]:
    """``(A, E)`` -> ``(A, c*E)`` where ``c`` is the constant ratio ``A/E`` read at a point (``c = 1`` if none).

    The equations ``A = 0`` and ``E = 0`` are the same equation when ``A = c*E`` for a nonzero
    constant ``c``: ``y = sin(2x)`` and ``y/2 = cos(x)sin(x)`` (``c = 2``), ``(x-√a)(x+√a) = 0`` and
    ``x² = a`` (``c = 1``). The ratio is read at one point where both are real and recognised as an
    exact number; the equivalence tests then compare ``A`` with ``c*E`` everywhere, so a ratio that is
    not constant makes the pair differ, as it should.
    """
    pairs = [(_numerator(exact_rationals(a)), _numerator(exact_rationals(e))) for a, e in pairs]
    return [(a, _scaled(a, e)) for a, e in pairs]


def _numerator(side: sympy.Expr) -> sympy.Expr:
    """``1/x + 1/y - 2`` -> ``x + y - 2xy``: an equation ``A = 0`` is compared through the numerator of ``A``."""
    if sympy.count_ops(side) > _EXPAND_MAX_OPS:
        return side
    try:
        numerator, _ = sympy.fraction(sympy.together(side))
    except (TypeError, ValueError, ArithmeticError, RecursionError):
        return side
    return numerator


def _scaled(answer: sympy.Expr, expected: sympy.Expr) -> sympy.Expr:
    symbols = _symbols_of(answer, expected)
    for point in sample_points(symbols, Settings(), 12, salt=104729):
        a, e = _real_value(answer, point), _real_value(expected, point)
        if a is None or e is None or abs(e) < 1e-12 or abs(a) < 1e-12:
            continue
        ratio = sympy.nsimplify(a / e, rational=True, tolerance=1e-20)
        if ratio != 0 and abs(ratio.q) <= 1000 and abs(ratio.p) <= 1000:
            return ratio * expected
        return expected
    return expected


# ------------------------------------------------------------------------------------------ intervals
def same_region(answer: sympy.Basic, expected: sympy.Basic) -> tuple[bool, str]:
    """Do two parts of the real line agree? ``x > 2``, ``2 < x``, ``x ∈ (2, oo)`` all name one set.

    Each side becomes ``(variable or None, set)``; a bare interval ``[0, 1)`` has no variable. The
    sets are equal when their symmetric difference is empty (SymPy's set arithmetic, exact).
    """
    (va, sa), (ve, se) = _region(answer), _region(expected)
    if va is not None and ve is not None and va != ve:
        return False, f"the answer is about {va}, the key about {ve}"
    return sa.symmetric_difference(se) == sympy.EmptySet, f"the answer is {sa}"


def _region(obj: sympy.Basic) -> tuple[sympy.Symbol | None, sympy.Set]:
    from ..errors import InputError

    if isinstance(obj, sympy.Set):
        return None, obj
    if isinstance(obj, sympy.Contains):
        element, within = obj.args
        if not isinstance(element, sympy.Symbol):
            raise InputError("write the variable alone before ∈, as in x ∈ (-1, 1)")
        return element, within
    symbols = [s for s in obj.free_symbols if isinstance(s, sympy.Symbol)]
    if len(symbols) != 1:
        raise InputError("an inequality in one variable is expected, such as -1 < x <= 1")
    return symbols[0], obj.as_set()


def real_solutions(equations: tuple[sympy.Equality, ...]) -> sympy.FiniteSet:
    """The real solutions of equations in one variable, all together (``x^2 = 4`` -> {-2, 2}).

    Several equations are alternatives (``x = 2 or x^2 = 9``). Raises ``InputError`` when the
    solutions are not a finite list SymPy can give.
    """
    from ..errors import InputError

    symbols = {s for e in equations for s in e.free_symbols if isinstance(s, sympy.Symbol)}
    if len(symbols) != 1:
        raise InputError("give the solutions as x = 2 or x = -2, or as a set {2, -2}")
    (x,) = symbols
    found = sympy.Union(*[sympy.solveset(e.lhs - e.rhs, x, sympy.S.Reals) for e in equations])
    if not isinstance(found, sympy.FiniteSet):
        raise InputError("the solutions of this equation could not be listed; give them as x = 2 or x = -2")
    return found
