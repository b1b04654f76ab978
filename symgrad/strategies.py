"""Hypothesis strategies for random differentiable expressions and points.

symgrad tests itself with these, and they are public so users can property-test
their own code the same way::

    from hypothesis import given
    import symgrad.strategies as sgs

    @given(sgs.functions(max_variables=3), sgs.data())
    def test_my_gradient(f, data):
        x = data.draw(sgs.points(f.n))
        ...

Expressions are built bottom-up from the variables and small integers with
``+``, ``-``, ``*`` and integer powers, then wrapped in functions that stay
finite on the default box ``[-2, 2]^n``: ``sin``, ``cos``, ``tanh``,
``exp(u/4)``, ``log(1 + u²)``, ``sqrt(1 + u²)`` and the rational ``u / (1 + v²)``.
So every drawn expression is smooth (C^∞) on the whole box, and values,
gradients and Hessians are moderate there -- good for comparing two
implementations with a relative tolerance.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import sympy
from hypothesis import strategies as st
from hypothesis.strategies import data  # re-exported for convenience in the example above

from .function import Function

__all__ = ["symbols", "expressions", "functions", "points", "batches", "data", "SMOOTH_WRAPPERS"]


def symbols(n: int, prefix: str = "w") -> tuple[sympy.Symbol, ...]:
    """``n`` real symbols ``w0 … w{n-1}`` as the parser would create them."""
    return tuple(sympy.Symbol(f"{prefix}{i}", real=True) for i in range(n))


#: unary wrappers that keep an expression smooth and moderate on [-2, 2]^n; users may extend
SMOOTH_WRAPPERS: dict[str, Callable[[sympy.Expr], sympy.Expr]] = {
    "sin": sympy.sin,
    "cos": sympy.cos,
    "tanh": sympy.tanh,
    "exp": lambda u: sympy.exp(u / 4),
    "log": lambda u: sympy.log(1 + u**2),
    "sqrt": lambda u: sympy.sqrt(1 + u**2),
}


def _leaves(variables: Sequence[sympy.Symbol]) -> st.SearchStrategy[sympy.Expr]:
    constants = st.integers(-3, 3).map(sympy.Integer)
    return st.one_of(st.sampled_from(list(variables)), st.sampled_from(list(variables)), constants)


def _monomial(variables: Sequence[sympy.Symbol]) -> st.SearchStrategy[sympy.Expr]:
    return st.builds(
        lambda c, v, k: c * v**k,
        st.integers(-3, 3).filter(bool).map(sympy.Integer),
        st.sampled_from(list(variables)),
        st.integers(1, 3),
    )


@st.composite
def expressions(
    draw,
    variables: Sequence[sympy.Symbol] | None = None,
    *,
    max_variables: int = 3,
    max_depth: int = 3,
    wrappers: Sequence[str] | None = None,
    rational: bool = True,
) -> sympy.Expr:
    """A random expression that is smooth on ``[-2, 2]^n`` and contains at least one variable.

    Arguments:
        variables: the symbols to use; by default ``w0 … w{k-1}`` with ``k`` drawn in ``1..max_variables``.
        max_depth: how deeply operations and wrappers nest.
        wrappers: names from :data:`SMOOTH_WRAPPERS` to use (default: all).
        rational: also build rational functions ``u / (1 + v²)``.
    """
    if variables is None:
        variables = symbols(draw(st.integers(1, max_variables)))
    names = list(wrappers) if wrappers is not None else list(SMOOTH_WRAPPERS)
    base = st.one_of(_leaves(variables), _monomial(variables))

    def extend(children: st.SearchStrategy[sympy.Expr]) -> st.SearchStrategy[sympy.Expr]:
        options = [
            st.builds(sympy.Add, children, children),
            st.builds(lambda a, b: a - b, children, children),
            st.builds(sympy.Mul, children, children),
            st.builds(lambda a, k: a**k, children, st.integers(2, 3)),
        ]
        if names:
            options.append(st.builds(lambda name, a: SMOOTH_WRAPPERS[name](a), st.sampled_from(names), children))
        if rational:
            options.append(st.builds(lambda a, b: a / (1 + b**2), children, children))
        return st.one_of(*options)

    expr = draw(st.recursive(base, extend, max_leaves=2 ** max(max_depth, 1)))
    if not expr.free_symbols & set(variables):
        expr = expr + draw(_monomial(variables))
    return expr


@st.composite
def functions(draw, *, max_variables: int = 3, max_depth: int = 3, wrappers: Sequence[str] | None = None) -> Function:
    """A :class:`symgrad.Function` over ``w0 … w{k-1}`` built from :func:`expressions`."""
    variables = symbols(draw(st.integers(1, max_variables)))
    expr = draw(expressions(variables, max_depth=max_depth, wrappers=wrappers))
    return Function(expr, variables)


def points(n: int, *, min_value: float = -2.0, max_value: float = 2.0) -> st.SearchStrategy[np.ndarray]:
    """A float64 point of shape ``(n,)`` in the box ``[min_value, max_value]^n``."""
    coordinate = st.floats(min_value, max_value, allow_nan=False, allow_infinity=False)
    return st.lists(coordinate, min_size=n, max_size=n).map(lambda xs: np.array(xs, dtype=np.float64))


def batches(n: int, *, max_size: int = 8, min_value: float = -2.0, max_value: float = 2.0) -> st.SearchStrategy[np.ndarray]:
    """A float64 batch of shape ``(k, n)`` with ``1 <= k <= max_size``."""
    return st.lists(points(n, min_value=min_value, max_value=max_value), min_size=1, max_size=max_size).map(np.stack)
