"""Helpers shared by the analysis modules: time-limited SymPy calls, domains, sign proofs.

Three mechanisms live here:

* :func:`bounded` makes a whole analysis (or derivation) an entry that stops after
  ``Limits.total_timeout`` seconds: it runs in the worker process of
  :func:`symgrad.limits.run_bounded`, which is killed when time is up, and
  raises :class:`~symgrad.errors.Timeout`; every decorated entry takes ``limits=``.
* :func:`attempt` runs one costly SymPy step on user input through
  :func:`symgrad.limits.run_with_timeout` and turns "could not decide" (a time-out,
  ``NotImplementedError``, a solver that gives up) into ``None``. Callers treat
  ``None`` as *unknown*, never as *no*.
* :class:`Domain` is a box: one interval per variable. It comes from the user
  (an ``Interval``, a dict of intervals, or inequalities) intersected with the
  function's *natural* domain (``log(u)`` needs ``u > 0``, ``u**(1/2)`` needs
  ``u >= 0``). Conditions that are not a box are kept in ``unresolved``.
* :func:`prove_sign` proves the sign of an expression on a domain: the interval
  of each variable is written with positive helper symbols (``x in (0, oo)``
  becomes ``x = t``, ``t > 0``), then SymPy's assumption rules, factoring, and for
  one variable an exact inequality solve are tried in turn.
"""

from __future__ import annotations

import functools
import importlib
import io
import pickle
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Callable, TypeVar

import sympy

from ..errors import InputError, InputTooLarge, Timeout
from ..function import Function, as_function, to_sympy_number
from ..limits import Limits, run_bounded, run_with_timeout
from ._text import text
from .polynomial_sign import polynomial_sign_sets

__all__ = ["bounded", "attempt", "scalar_function", "Domain", "resolve_domain", "prove_sign", "number_sign", "assumed_sign", "settle",
           "limit_at_infinity"]


# --------------------------------------------------------------------------- time-limited SymPy calls
_Entry = TypeVar("_Entry", bound=Callable[..., Any])
_BOUNDED: dict[tuple[str, str], Callable[..., Any]] = {}


class _BoundedCall:
    """A picklable reference to a decorated entry (the module attribute is the wrapper, not the function)."""

    def __init__(self, key: tuple[str, str]) -> None:
        self.key = key
        self.__name__ = key[1].rsplit(".", 1)[-1]

    def __call__(self, *args: Any, **kwargs: Any) -> bytes:
        importlib.import_module(self.key[0])
        return pickle.dumps(_BOUNDED[self.key](*args, **kwargs))


def _kept_as_built(kind: type) -> type:
    """A stand-in class whose construction builds ``kind(*args, evaluate=False)``."""

    class Kept:
        def __new__(cls, *args: Any) -> Any:
            return kind(*args, evaluate=False)

    return Kept


_AS_BUILT = {("sympy.core.add", "Add"): _kept_as_built(sympy.Add), ("sympy.core.mul", "Mul"): _kept_as_built(sympy.Mul),
             ("sympy.core.power", "Pow"): _kept_as_built(sympy.Pow)}


class _AsBuiltUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        return _AS_BUILT.get((module, name)) or super().find_class(module, name)


def _unpickle_as_built(data: bytes) -> Any:
    """Unpickle sums, products and powers without re-evaluating them: a derivation's ``1 + 4(2)`` keeps its order.

    A pickled ``Add`` is rebuilt by calling ``Add(*args)``, which would sort and
    combine terms built with ``evaluate=False``; the args of evaluated objects
    are already canonical, so rebuilding them unevaluated gives the same object.
    """
    return _AsBuiltUnpickler(io.BytesIO(data)).load()


def bounded(entry: _Entry) -> _Entry:
    """Decorate a public analysis or derivation so that it stops after ``limits.total_timeout`` seconds.

    The decorated entry takes one more keyword, ``limits`` (a :class:`~symgrad.limits.Limits`,
    default :data:`~symgrad.limits.DEFAULT_LIMITS`), and raises :class:`~symgrad.errors.Timeout`
    naming ``total_timeout`` when the work does not finish in time.
    """
    key = (entry.__module__, entry.__qualname__)
    _BOUNDED[key] = entry

    @functools.wraps(entry)
    def within_limits(*args: Any, limits: Limits | None = None, **kwargs: Any) -> Any:
        return _unpickle_as_built(run_bounded(_BoundedCall(key), *args, limits=limits, **kwargs))

    return within_limits  # type: ignore[return-value]


def check_timeout(timeout: float | None) -> None:
    """Refuse a ``timeout=`` that is not ``None`` or a number of seconds ``>= 0`` (an analysis's own keyword)."""
    if timeout is not None and not (isinstance(timeout, (int, float)) and timeout >= 0):
        raise InputError(f"timeout must be a number of seconds >= 0 (0: no limit), got {timeout!r}")


def attempt(fn: Callable[..., Any], *args: Any, timeout: float | None = None, **kwargs: Any) -> Any:
    """``fn(*args, **kwargs)`` under the time limit; ``None`` when SymPy cannot decide in time.

    The single call site for costly symbolic work in :mod:`symgrad.analysis`.
    A negative ``timeout`` is the caller's mistake, reported (not read as "SymPy cannot decide").
    """
    check_timeout(timeout)
    try:
        return run_with_timeout(fn, *args, timeout=timeout, **kwargs)
    except (Timeout, InputTooLarge):
        return None
    except (NotImplementedError, ValueError, TypeError, AttributeError, RecursionError, ZeroDivisionError):
        return None
    except sympy.polys.polyerrors.PolynomialError:
        return None


def scalar_function(f: Any, what: str) -> Function:
    """``as_function(f)``, refusing vector-valued functions with a message naming ``what``."""
    fn = as_function(f)
    if not fn.is_scalar:
        raise InputError(f"{what} needs a scalar function (a loss), but {fn!r} is vector-valued; analyse one component")
    return fn


def settle(value: sympy.Expr) -> sympy.Expr:
    """Evaluate floats to floats; keep exact values exact."""
    return value.evalf() if value.has(sympy.Float) else value


def assumed_sign(value: sympy.Expr) -> int | None:
    """The sign (-1, 0, 1) that SymPy's assumption rules give at once, or ``None``."""
    if value.is_zero:
        return 0
    if value.is_positive:
        return 1
    if value.is_negative:
        return -1
    return None


def number_sign(value: sympy.Expr) -> int | None:
    """The sign (-1, 0, 1) of a closed-form real number, or ``None`` if SymPy cannot decide it."""
    value = value if isinstance(value, sympy.Basic) else to_sympy_number(value)
    if value.free_symbols:
        return None
    assumed = assumed_sign(value)
    if assumed is not None:
        return assumed
    if value.has(sympy.Float):  # numeric input: its own precision decides
        number = complex(value.evalf())
        if abs(number.imag) > 1e-12 * max(1.0, abs(number.real)):
            return None
        return 0 if abs(number.real) < 1e-12 else (1 if number.real > 0 else -1)
    simpler = attempt(sympy.nsimplify, value) if value.has(sympy.I) else attempt(sympy.simplify, value)
    if simpler is not None and simpler != value:
        return number_sign(simpler)
    return None


# --------------------------------------------------------------------------- domains
@dataclass(frozen=True)
class Domain:
    """A box of intervals, one per variable, plus conditions that are not a box.

    Attributes:
        intervals: ``((variable, Interval), ...)`` in variable order.
        given: True when the user named the domain, False when it is the natural one.
        unresolved: conditions the function needs that are not a box (e.g. ``x != 0``).
    """

    intervals: tuple[tuple[sympy.Symbol, sympy.Set], ...]
    given: bool = False
    unresolved: tuple[sympy.Basic, ...] = ()

    def interval(self, variable: sympy.Symbol) -> sympy.Set:
        return dict(self.intervals).get(variable, sympy.S.Reals)

    @property
    def is_everything(self) -> bool:
        return not self.unresolved and all(i == sympy.S.Reals for _, i in self.intervals)

    def contains(self, point: Mapping[sympy.Symbol, sympy.Expr]) -> bool | None:
        """True if the point lies in the box (``None`` if undecidable)."""
        for variable, interval in self.intervals:
            inside = interval.contains(point[variable]) if variable in point else sympy.true
            if inside is sympy.false:
                return False
            if inside is not sympy.true:
                return None
        return True

    def describe(self) -> str:
        """Readable text, e.g. ``"all real x"`` or ``"x > 0"``."""
        parts = [_describe_interval(v, i) for v, i in self.intervals if i != sympy.S.Reals]
        parts += [_describe_condition(c) for c in self.unresolved]
        names = ", ".join(text(v) for v, _ in self.intervals)
        return " and ".join(parts) if parts else f"all real {names}"

    def substitution(self) -> dict[sympy.Symbol, sympy.Expr]:
        """Each bounded variable written with a positive helper symbol (see the module docstring)."""
        result = {}
        for variable, interval in self.intervals:
            expr = _interval_parametrization(variable, interval)
            if expr is not None:
                result[variable] = expr
        return result

    def sample(self, variable: sympy.Symbol, candidates: tuple[Any, ...]) -> list[sympy.Expr]:
        """The candidate values that lie in this variable's interval, mapped inside when none do."""
        interval = self.interval(variable)
        inside = [c for c in candidates if interval.contains(c) is sympy.true]
        if inside:
            return inside
        lo, hi = interval.inf, interval.sup
        if lo.is_finite and hi.is_finite:
            return [lo + (hi - lo) * k / 8 for k in range(1, 8)]
        if lo.is_finite:
            return [lo + abs(c) + sympy.Rational(1, 8) for c in candidates]
        return [hi - abs(c) - sympy.Rational(1, 8) for c in candidates]

    def to_dict(self) -> dict[str, Any]:
        return {"intervals": {v.name: str(i) for v, i in self.intervals}, "given": self.given,
                "unresolved": [str(c) for c in self.unresolved], "text": self.describe()}


def _describe_condition(condition: sympy.Basic) -> str:
    return text(condition)


def _describe_interval(variable: sympy.Symbol, interval: sympy.Set) -> str:
    if isinstance(interval, sympy.Interval):
        lo, hi = interval.inf, interval.sup
        if hi is sympy.oo:
            return f"{text(variable)} {'>' if interval.left_open else '≥'} {text(lo)}"
        if lo is sympy.S.NegativeInfinity:
            return f"{text(variable)} {'<' if interval.right_open else '≤'} {text(hi)}"
    return f"{text(variable)} ∈ {text(interval)}"


def _interval_parametrization(variable: sympy.Symbol, interval: sympy.Set) -> sympy.Expr | None:
    if interval == sympy.S.Reals or not isinstance(interval, sympy.Interval):
        return None
    lo, hi = interval.inf, interval.sup
    if lo.is_finite and hi.is_finite:
        t = sympy.Dummy(f"t_{variable.name}", positive=True)
        return lo + (hi - lo) * t / (1 + t)  # the open interval; endpoints are limits
    positive = interval.left_open if lo.is_finite else interval.right_open
    t = sympy.Dummy(f"t_{variable.name}", positive=True) if positive else sympy.Dummy(f"t_{variable.name}", nonnegative=True)
    return lo + t if lo.is_finite else hi - t


def resolve_domain(fn: Function, domain: Any = None, *, timeout: float | None = None) -> Domain:
    """The user's domain (if any) intersected with the function's natural domain.

    Arguments:
        fn: the function.
        domain: ``None``; a SymPy ``Interval`` (one variable); a dict
            ``{variable or name: Interval or (lo, hi)}``; or a relational such as
            ``x > 0`` / ``sympy.And(w0 > 0, w1 > 0)``.

    Raises:
        InputError: the domain is not a box (a union of intervals, a condition
            on two variables at once) or names an unknown variable.
    """
    check_timeout(timeout)
    box = {v: sympy.S.Reals for v in fn.variables}
    given = domain is not None
    if given:
        for variable, interval in _user_box(fn, domain).items():
            box[variable] = box[variable].intersect(interval)
    unresolved = []
    for condition in _natural_conditions(fn.expr):
        interval = _condition_as_interval(condition, fn, box, timeout)
        if interval is None:
            unresolved.append(condition)
        elif interval is not True:
            variable, values = interval
            box[variable] = box[variable].intersect(values)
    for variable, interval in box.items():
        if not isinstance(interval, sympy.Interval) and interval != sympy.S.Reals:
            if interval is sympy.S.EmptySet:
                raise InputError(f"the domain is empty for {variable}: check the bounds you gave")
            unresolved.append(sympy.Contains(variable, interval))
            box[variable] = sympy.S.Reals
    return Domain(tuple((v, box[v]) for v in fn.variables), given, tuple(unresolved))


def _user_box(fn: Function, domain: Any) -> dict[sympy.Symbol, sympy.Set]:
    if isinstance(domain, sympy.Set):
        if fn.n != 1:
            raise InputError(
                f"a single interval is a domain for a function of one variable, but this one has {fn.n}; "
                "give a dict such as {'w0': Interval(0, oo), 'w1': Interval(0, oo)}"
            )
        return {fn.variables[0]: _as_interval(domain, fn.variables[0])}
    if isinstance(domain, Mapping):
        return {fn.variable(k): _as_interval(_to_set(v), fn.variable(k)) for k, v in domain.items()}
    if isinstance(domain, sympy.Basic) and domain.is_Boolean:
        atoms = domain.args if isinstance(domain, sympy.And) else (domain,)
        box: dict[sympy.Symbol, sympy.Set] = {}
        for atom in atoms:
            free = list(atom.free_symbols)
            if len(free) != 1:
                raise InputError(f"each condition of a domain must involve one variable, got {atom}; give a box such as x > 0")
            variable = fn.variable(free[0])
            values = atom.xreplace({free[0]: variable}).as_set()
            box[variable] = box.get(variable, sympy.S.Reals).intersect(_as_interval(values, variable))
        return box
    raise InputError(
        f"cannot read the domain {domain!r}; use Interval.open(0, oo), a dict of intervals, or a condition like x > 0"
    )


def _to_set(value: Any) -> sympy.Set:
    if isinstance(value, sympy.Set):
        return value
    if isinstance(value, (tuple, list)) and len(value) == 2:
        lo, hi = (to_sympy_number(v) if v is not None else None for v in value)
        return sympy.Interval(lo if lo is not None else -sympy.oo, hi if hi is not None else sympy.oo)
    raise InputError(f"a domain entry must be an Interval or a pair (lo, hi), got {value!r}")


def _as_interval(values: sympy.Set, variable: sympy.Symbol) -> sympy.Set:
    if values == sympy.S.Reals or isinstance(values, sympy.Interval):
        return values
    raise InputError(
        f"the domain of {variable} must be one interval (convexity needs a convex domain), got {values}; "
        "split it and analyse each interval"
    )


def _natural_conditions(expr: sympy.Expr) -> list[sympy.Basic]:
    """Conditions under which the expression is defined: ``u > 0`` for ``log(u)`` and so on."""
    conditions = []
    for node in sympy.preorder_traversal(expr):
        if isinstance(node, sympy.log):
            conditions.append(sympy.StrictGreaterThan(node.args[0], 0, evaluate=False))
        elif isinstance(node, sympy.Pow) and node.exp.is_number and node.base.free_symbols:
            exponent = node.exp
            if exponent.is_integer and exponent.is_negative:
                conditions.append(sympy.Ne(node.base, 0, evaluate=False))
            elif exponent.is_Rational and not exponent.is_integer and exponent.q % 2 == 0:
                conditions.append(sympy.StrictGreaterThan(node.base, 0, evaluate=False) if exponent.is_negative
                                  else sympy.GreaterThan(node.base, 0, evaluate=False))
            elif not exponent.is_Rational:
                conditions.append(sympy.StrictGreaterThan(node.base, 0, evaluate=False))
        elif isinstance(node, sympy.Pow) and node.base.free_symbols and not node.exp.is_number:
            # a variable exponent: u**v is defined (as exp(v log u)) for u > 0, as in real analysis
            conditions.append(sympy.StrictGreaterThan(node.base, 0, evaluate=False))
    return conditions


def _condition_as_interval(condition, fn, box, timeout):
    """``True`` (always holds on the box), ``(variable, interval)``, or ``None`` (not a box)."""
    lhs = condition.lhs
    domain = Domain(tuple((v, box[v]) for v in fn.variables))
    sign = prove_sign(lhs, domain, timeout=timeout).sign
    needs = {sympy.StrictGreaterThan: ("positive",), sympy.GreaterThan: ("positive", "nonnegative", "zero"),
             sympy.Ne: ("positive", "negative")}[type(condition)]
    if sign in needs:
        return True
    free = [v for v in fn.variables if v in lhs.free_symbols]
    if len(free) != 1:
        return None
    variable = free[0]
    relation = type(condition)(lhs, 0)
    solved = attempt(sympy.solve_univariate_inequality, relation, variable, relational=False, timeout=timeout)
    if solved is None:
        return None
    solved = solved.intersect(box[variable])
    return (variable, solved) if isinstance(solved, sympy.Interval) else None


# --------------------------------------------------------------------------- sign proofs
@dataclass(frozen=True)
class SignProof:
    """``sign``: ``"positive"``, ``"nonnegative"``, ``"negative"``, ``"nonpositive"``, ``"zero"``,
    ``"mixed"`` (both signs occur, proven) or ``None`` (not decided); ``how`` says why.

    For one variable solved exactly, ``positive`` and ``negative`` are the sets (within the
    domain) where the expression is > 0 and < 0 (``6x``: ``(0, ∞)`` and ``(-∞, 0)``); else None.
    """

    sign: str | None
    how: str = ""
    positive: sympy.Set | None = None
    negative: sympy.Set | None = None


_ASSUMPTION_ORDER = (("zero", lambda e: e.is_zero), ("positive", lambda e: e.is_positive),
                     ("negative", lambda e: e.is_negative), ("nonnegative", lambda e: e.is_nonnegative),
                     ("nonpositive", lambda e: e.is_nonpositive))


def _sign_by_assumptions(expr: sympy.Expr) -> str | None:
    for name, holds in _ASSUMPTION_ORDER:
        if holds(expr) is True:
            return name
    return None


def prove_sign(expr: sympy.Expr, domain: Domain, *, timeout: float | None = None) -> SignProof:
    """Prove the sign of ``expr`` for every point of ``domain`` (see the module docstring).

    Example:
        >>> x = sympy.Symbol("x", real=True)
        >>> prove_sign(12*x**2, Domain(((x, sympy.S.Reals),))).sign
        'nonnegative'
    """
    if not expr.free_symbols:
        sign = number_sign(expr)
        return SignProof({1: "positive", 0: "zero", -1: "negative", None: None}[sign], "it is a number")
    substituted = expr.xreplace(domain.substitution())
    sign = _sign_by_assumptions(substituted)
    if sign:
        return SignProof(sign, "by SymPy's sign rules for sums, products and powers" + _on(domain))
    asked = {substituted}  # a rewrite equal to an expression already asked about gets the same answer: None
    for rewrite in (sympy.factor, sympy.cancel, sympy.expand):
        simpler = attempt(rewrite, substituted, timeout=timeout)
        if simpler is not None and simpler not in asked:
            asked.add(simpler)
            sign = _sign_by_assumptions(simpler)
            if sign:
                return SignProof(sign, f"{rewrite.__name__} gives {text(simpler)}, whose sign follows term by term" + _on(domain))
    free = [v for v, _ in domain.intervals if v in expr.free_symbols]
    if len(free) == 1 and expr.free_symbols == {free[0]} and expr.is_rational_function(free[0]):
        return _univariate_sign(expr, free[0], domain.interval(free[0]), timeout)
    return SignProof(None)


def _on(domain: Domain) -> str:
    return "" if domain.is_everything else f" on {domain.describe()}"


def limit_at_infinity(expr: sympy.Expr, variable: sympy.Symbol, end: sympy.Expr, *,
                      timeout: float | None = None) -> sympy.Expr | None:
    """``lim expr`` as ``variable → end`` (``oo`` or ``-oo``); ``None`` when SymPy cannot decide in time.

    A polynomial with rational coefficients goes by its leading term (``±oo``, or the constant), the
    value ``sympy.limit`` gives, without its series machinery; anything else goes to ``sympy.limit``.

    Example:
        >>> x = sympy.Symbol("x", real=True)
        >>> limit_at_infinity(3 - 2*x**3, x, -sympy.oo), limit_at_infinity(sympy.exp(x), x, -sympy.oo)
        (oo, 0)
    """
    if end in (sympy.oo, -sympy.oo) and expr.free_symbols == {variable} and expr.is_polynomial(variable):
        poly = sympy.Poly(expr, variable)
        if poly.domain in (sympy.ZZ, sympy.QQ):
            direction = 1 if end is sympy.oo else (-1) ** poly.degree()
            return poly.LC() * direction * sympy.oo if poly.degree() > 0 else poly.LC()
    return attempt(sympy.limit, expr, variable, end, timeout=timeout)


def _univariate_sign(expr, variable, interval, timeout) -> SignProof:
    """Exact sign of a rational function of one variable on an interval, by solving inequalities.

    A polynomial with rational coefficients takes the fast exact route :func:`polynomial_sign_sets`;
    other rational functions (and polynomials whose roots it would write as ``CRootOf``) go through
    ``solve_univariate_inequality``. Both routes give the same sets, written the same way.
    """
    sets = attempt(polynomial_sign_sets, expr, variable, timeout=timeout)
    if sets is not None:
        positive, negative = sets
    else:
        negative = attempt(sympy.solve_univariate_inequality, expr < 0, variable, relational=False, timeout=timeout)
        positive = attempt(sympy.solve_univariate_inequality, expr > 0, variable, relational=False, timeout=timeout)
    if negative is None or positive is None:
        return SignProof(None)
    negative, positive = negative.intersect(interval), positive.intersect(interval)
    sets = {"positive": positive, "negative": negative}
    where = "" if interval == sympy.S.Reals else f" on {text(interval)}"
    shown, x = text(expr), text(variable)
    if negative is sympy.S.EmptySet and positive is sympy.S.EmptySet:
        return SignProof("zero", f"{shown} is zero{where}", **sets)
    if negative is sympy.S.EmptySet:
        rest = interval - positive
        if rest is sympy.S.EmptySet:
            return SignProof("positive", f"{shown} > 0 for every {x}{where} (solving {shown} ≤ 0 gives no solution)", **sets)
        return SignProof("nonnegative", f"solving {shown} < 0 gives no solution{where}; it is zero only at {text(rest)}",
                         **sets)
    if positive is sympy.S.EmptySet:
        rest = interval - negative
        if rest is sympy.S.EmptySet:
            return SignProof("negative", f"{shown} < 0 for every {x}{where}", **sets)
        return SignProof("nonpositive", f"solving {shown} > 0 gives no solution{where}; it is zero only at {text(rest)}",
                         **sets)
    return SignProof("mixed", f"{shown} < 0 on {text(negative)} and > 0 on {text(positive)}", **sets)
