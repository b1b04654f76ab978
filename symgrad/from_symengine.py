"""SymEngine expressions back into SymPy, with the user's own symbols, each distinct subexpression once.

SymEngine's ``_sympy_()`` rebuilds a tree node by node through SymPy's
evaluating constructors, and putting the user's symbols back (their
assumptions, e.g. ``real=True``) with ``xreplace`` rebuilds it all a second
time. For a gradient and Hessian whose entries share subexpressions (every
entry of Rosenbrock's mentions ``x_{i+1} - x_i²``), :class:`SymPyConverter`
instead walks the DAG once: symbols map straight to the user's symbols, and a
memo keyed by the SymEngine object converts every distinct node once across
all entries. The results are the same canonical SymPy objects (SymPy's own
constructors build them), so they compare equal to what ``_sympy_()`` gives.

Example:
    >>> import symengine as se, sympy
    >>> x = sympy.Symbol("x", positive=True)
    >>> to_sympy = SymPyConverter({"x": x})
    >>> e = to_sympy(se.exp(se.Symbol("x")) * 2 + se.sin(se.Symbol("x")) ** 2)
    >>> e == 2 * sympy.exp(x) + sympy.sin(x) ** 2, e.free_symbols == {x}
    (True, True)
"""

from __future__ import annotations

from typing import Any

import sympy
from sympy.core.basic import _args_sortkey

__all__ = ["SymPyConverter"]

#: SymEngine function names → SymPy functions (one argument each)
FUNCTIONS = {
    name: getattr(sympy, name)
    for name in ("log", "sin", "cos", "tan", "sinh", "cosh", "tanh", "asin", "acos", "atan", "exp")
}


class SymPyConverter:
    """``converter(e)`` is SymEngine ``e`` as SymPy, with symbols named in ``symbols`` replaced by those objects."""

    def __init__(self, symbols: dict[str, sympy.Symbol]):
        self.symbols = symbols
        self.memo: dict[Any, sympy.Expr] = {}

    def __call__(self, e: Any) -> sympy.Expr:
        result = self.memo.get(e)
        if result is None:
            kind = type(e).__name__
            rule = _RULES.get(kind)
            if rule is not None:
                result = rule(self, e)
            elif kind in FUNCTIONS and len(e.args) == 1:
                result = FUNCTIONS[kind](self(e.args[0]))
            else:  # numbers, constants, anything else: SymEngine's own conversion, then our symbols
                result = e._sympy_()
                if result.free_symbols:
                    result = result.xreplace({s: self.symbols.get(s.name, s) for s in result.free_symbols})
            self.memo[e] = result
        return result

    def _symbol(self, e: Any) -> sympy.Expr:
        name = e.name
        return self.symbols[name] if name in self.symbols else sympy.Symbol(name)

    def _add(self, e: Any) -> sympy.Expr:
        args = _spliced([self(a) for a in e.args])
        if args is not None and _canonical_already(args, sympy.Add):
            return sympy.Add._from_args(_sorted(args))
        return sympy.Add(*[self(a) for a in e.args])

    def _mul(self, e: Any) -> sympy.Expr:
        args = [self(a) for a in e.args]
        if len(args) == 2 and args[0].is_Rational and args[1].is_Add:  # SymPy distributes: 2*(x + y) is 2*x + 2*y
            return _distribute(args[0], args[1])
        if _canonical_already(args, sympy.Mul):
            return sympy.Mul._from_args(_sorted(args))
        return sympy.Mul(*args)

    def _pow(self, e: Any) -> sympy.Expr:
        base, exponent = e.args
        if type(base).__name__ == "Exp1":
            return sympy.exp(self(exponent))
        return sympy.Pow(self(base), self(exponent))


#: factors SymPy's Mul might merge or rewrite (powers of numbers, exp(a)*exp(b), nested products): left to Mul()
def _plain(arg: sympy.Expr, operation: type) -> bool:
    if isinstance(arg, operation) or arg.is_Number:
        return False
    if arg.is_Pow:
        return not arg.base.is_Number and arg.exp.is_Integer
    return not isinstance(arg, sympy.exp) if operation is sympy.Mul else True


def _canonical_already(args: list[sympy.Expr], operation: type) -> bool:
    """Whether SymPy's ``operation(*args)`` would only sort ``args`` (a leading number kept first).

    SymEngine keeps sums and products flattened with like terms collected and
    one numeric coefficient, as SymPy does; these arguments are then SymPy's
    canonical ones up to order. Anything else goes through SymPy's evaluating
    constructor.
    """
    start = 1 if args and args[0].is_Number else 0
    identity = sympy.S.Zero if operation is sympy.Add else sympy.S.One
    if start and (args[0] == identity or not args[0].is_finite):
        return False
    return len(args) >= 2 and len(args) > start and all(_plain(a, operation) for a in args[start:])


def _spliced(args: list[sympy.Expr]) -> list[sympy.Expr] | None:
    """The terms of a sum whose terms may be sums themselves (``2*(1 - x)`` became ``2 - 2*x``), like terms collected.

    Terms are ``coefficient * rest`` with the factors of ``rest`` in canonical
    order, so equal ``rest`` tuples are like terms; their coefficients are added.
    """
    if not any(a.is_Add for a in args):
        return args
    number, collected = sympy.S.Zero, {}
    for a in args:
        for term in a.args if a.is_Add else (a,):
            if term.is_Number:
                number += term
                continue
            if term.is_Mul and term.args[0].is_Rational:
                coefficient, rest = term.args[0], term.args[1:]
            elif term.is_Mul and not term.args[0].is_Number:
                coefficient, rest = sympy.S.One, term.args
            elif term.is_Mul:  # a float coefficient: SymPy's rules
                return None
            else:
                coefficient, rest = sympy.S.One, (term,)
            collected[rest] = collected.get(rest, sympy.S.Zero) + coefficient
    terms = [_times(k, rest) for rest, k in collected.items() if k != 0]
    return terms if number == 0 else [number, *terms]


def _times(k: sympy.Rational, rest: tuple) -> sympy.Expr:
    """``k * Mul(*rest)`` for canonical factors ``rest``, without re-evaluating them."""
    if k == 1:
        return rest[0] if len(rest) == 1 else sympy.Mul._from_args(rest)
    return sympy.Mul._from_args((k, *rest))


def _distribute(c: sympy.Rational, total: sympy.Add) -> sympy.Expr:
    """``c * total`` as SymPy's Mul leaves it: each term's coefficient times ``c``, re-sorted."""
    terms = []
    for term in total.args:
        if term.is_Number:
            terms.append(c * term)
        elif term.is_Mul and term.args[0].is_Rational:
            terms.append(_times(c * term.args[0], term.args[1:]))
        elif term.is_Mul or not _plain(term, sympy.Mul):
            return sympy.Mul(c, total)
        else:
            terms.append(sympy.Mul._from_args([c, term]))
    if not _canonical_already(terms, sympy.Add):
        return sympy.Mul(c, total)
    return sympy.Add._from_args(_sorted(terms))


def _sorted(args: list[sympy.Expr]) -> list[sympy.Expr]:
    """The order SymPy's flatten leaves: a number first, then by ``Basic.compare``."""
    start = 1 if args[0].is_Number else 0
    return args[:start] + sorted(args[start:], key=_args_sortkey)


#: SymEngine node kinds converted by rule (functions by :data:`FUNCTIONS`; the rest by SymEngine itself)
_RULES = {"Symbol": SymPyConverter._symbol, "Add": SymPyConverter._add, "Mul": SymPyConverter._mul,
          "Pow": SymPyConverter._pow}
