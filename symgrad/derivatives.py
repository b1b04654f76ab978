"""Derivatives of SymPy expressions: the sparse, rule-table core behind :class:`symgrad.Function`.

This module works on plain SymPy expressions and ordered variables, not on
``Function`` objects, so the compile backends (:mod:`symgrad.backends`) use it
without importing :mod:`symgrad.function` (which imports them for ``compile``).

* :func:`first_derivative` -- sum, product, power and chain rules from a table;
* :func:`gradient_entries` / :func:`hessian_matrix` -- a gradient filed by terms,
  a Hessian from its upper triangle (only the entries a variable occurs in);
* :class:`QuadraticForm` and :class:`SymEngineDerivatives` -- the exact fast
  sources ``engine="auto"`` picks for large functions.

Example:
    >>> x, y = sympy.symbols("x y", real=True)
    >>> gradient_entries(x**2 * y + y, [x, y])
    [2*x*y, x**2 + 1]
    >>> hessian_matrix(x**2 * y + y, [x, y])
    Matrix([
    [2*y, 2*x],
    [2*x,   0]])
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import cached_property
from typing import Any

import numpy as np
import sympy

__all__ = ["ENGINES", "QuadraticForm", "SymEngineDerivatives", "first_derivative", "gradient_entries",
           "hessian_matrix", "quadratic_form", "quadratic_source", "symengine_kernel_source",
           "symengine_source"]


def first_derivative(expr: sympy.Expr, var: sympy.Symbol) -> sympy.Expr:
    """``d expr / d var`` by the sum, product, power and chain rules, skipping absent variables.

    Gives the same expression as ``sympy.diff(expr, var)`` for sums, products,
    powers and the elementary functions of :data:`_CHAIN_RULE_FUNCTIONS`; any
    other node (``Abs``, ``Piecewise``, user functions...) goes to SymPy's own
    ``diff``. It avoids the general machinery of ``Derivative`` (the Leibniz
    rule for n-th derivatives of products and its assumption queries), which
    dominates the cost of first derivatives of large functions.

    >>> x, y = sympy.symbols("x y", real=True)
    >>> first_derivative(x**2 * sympy.sin(y) + y, x)
    2*x*sin(y)
    """
    if not expr.has_free(var):
        return sympy.S.Zero
    rule = _FIRST_DERIVATIVE_RULES.get(type(expr))
    if rule is None and type(expr) in _CHAIN_RULE_FUNCTIONS:
        rule = _chain_rule
    return rule(expr, var) if rule is not None else sympy.diff(expr, var)


def _derivative_of_symbol(expr: sympy.Symbol, var: sympy.Symbol) -> sympy.Expr:
    return sympy.S.One if expr == var else sympy.S.Zero


def _derivative_of_sum(expr: sympy.Add, var: sympy.Symbol) -> sympy.Expr:
    return sympy.Add(*[first_derivative(a, var) for a in expr.args if a.has_free(var)])


def _derivative_of_product(expr: sympy.Mul, var: sympy.Symbol) -> sympy.Expr:
    args = expr.args
    terms = []
    for i, factor in enumerate(args):
        if factor.has_free(var):
            d = first_derivative(factor, var)
            if d != 0:
                terms.append(sympy.Mul(*args[:i], d, *args[i + 1 :]))
    return sympy.Add(*terms)


def _derivative_of_power(expr: sympy.Pow, var: sympy.Symbol) -> sympy.Expr:
    base, exponent = expr.args
    if exponent.has_free(var):
        return sympy.diff(expr, var)
    return exponent * base ** (exponent - 1) * first_derivative(base, var)


def _chain_rule(expr: sympy.Function, var: sympy.Symbol) -> sympy.Expr:
    return expr.fdiff(1) * first_derivative(expr.args[0], var)


#: first-derivative rules by node type (rules as a table; everything else goes to sympy.diff)
_FIRST_DERIVATIVE_RULES = {
    sympy.Symbol: _derivative_of_symbol,
    sympy.Add: _derivative_of_sum,
    sympy.Mul: _derivative_of_product,
    sympy.Pow: _derivative_of_power,
}

#: one-argument functions whose derivative is ``f'(u) * du`` with SymPy's own ``fdiff``
_CHAIN_RULE_FUNCTIONS = frozenset(
    {sympy.exp, sympy.log, sympy.sin, sympy.cos, sympy.tan, sympy.sinh, sympy.cosh, sympy.tanh,
     sympy.asin, sympy.acos, sympy.atan}
)


class _TermIndex:
    """The terms of a sum filed under the variables they contain.

    ``d/dv`` of a sum is the sum of ``d/dv`` of the terms that contain ``v``;
    filing the terms once makes each partial cost what its own terms cost,
    not what the whole sum costs.

    >>> x, y = sympy.symbols("x y")
    >>> _TermIndex(x**2 + x*y + 3).diff(y)
    x
    """

    def __init__(self, expr: sympy.Expr):
        terms = expr.args if isinstance(expr, sympy.Add) else (expr,)
        self.by_symbol: dict[sympy.Symbol, list[sympy.Expr]] = {}
        for term in terms:
            for symbol in term.free_symbols:
                self.by_symbol.setdefault(symbol, []).append(term)

    def diff(self, var: sympy.Symbol) -> sympy.Expr:
        terms = self.by_symbol.get(var)
        if not terms:
            return sympy.S.Zero
        return sympy.Add(*[first_derivative(term, var) for term in terms])

    def gradient(self, variables: Sequence[sympy.Symbol]) -> list[sympy.Expr]:
        return [self.diff(v) for v in variables]


def _upper_hessian(gradient: list[sympy.Expr], variables: Sequence[sympy.Symbol]) -> dict[tuple[int, int], sympy.Expr]:
    """``{(i, j): d²f/dx_i dx_j}`` for ``j >= i`` where the entry is not exactly zero."""
    upper: dict[tuple[int, int], sympy.Expr] = {}
    for i, entry in enumerate(gradient):
        index = _TermIndex(entry)
        for j in range(i, len(variables)):
            if variables[j] in index.by_symbol:
                value = index.diff(variables[j])
                if value != 0:
                    upper[i, j] = value
    return upper


def gradient_entries(expr: sympy.Expr, variables: Sequence[sympy.Symbol]) -> list[sympy.Expr]:
    """The partial derivatives of ``expr`` in variable order, each from the terms holding its variable."""
    return _TermIndex(expr).gradient(variables)


def hessian_matrix(expr: sympy.Expr, variables: Sequence[sympy.Symbol], *,
                   upper: dict[tuple[int, int], sympy.Expr] | None = None,
                   gradient: Sequence[sympy.Expr] | None = None) -> sympy.ImmutableMatrix:
    """The symmetric ``(n, n)`` Hessian from its upper triangle (``upper``, else derived from ``gradient``)."""
    n = len(variables)
    if upper is None:
        upper = _upper_hessian(list(gradient if gradient is not None else gradient_entries(expr, variables)), variables)
    flat = [upper.get((min(i, j), max(i, j)), sympy.S.Zero) for i in range(n) for j in range(n)]
    return sympy.ImmutableMatrix(n, n, flat)


# -- choosing the symbolic engine ---------------------------------------------------------
ENGINES = ("auto", "sympy", "symengine")

#: with ``engine="auto"``, SymEngine takes over from this many variables or tree nodes on
_SYMENGINE_MIN_VARIABLES = 8
_SYMENGINE_MIN_NODES = 300


def quadratic_source(expr: sympy.Expr, variables: Sequence[sympy.Symbol], engine: str) -> QuadraticForm | None:
    """The coefficients when ``expr`` is a large polynomial of degree <= 2 and ``engine="auto"``, else None."""
    if engine != "auto" or not _is_large(expr, len(variables)):
        return None
    return quadratic_form(expr, variables)


def _termwise_gradient(se, f, xs: list) -> list:
    """``[df/dx for x in xs]``; a sum is differentiated term by term, each term only by the variables it contains.

    ``f.diff(x)`` visits every term of a sum for every variable (n² work for
    Rosenbrock's n - 1 terms); a term holds a few variables, so indexing the
    terms by variable first makes the gradient linear in the size of ``f``.
    """
    if type(f).__name__ != "Add":
        return [f.diff(x) for x in xs]
    containing: dict = {x: [] for x in xs}
    for term in f.args:
        for x in term.free_symbols:
            if x in containing:
                containing[x].append(term)
    return [se.Add(*[t.diff(x) for t in containing[x]]) if containing[x] else se.Integer(0) for x in xs]


def symengine_source(expr: sympy.Expr, variables: Sequence[sympy.Symbol], engine: str) -> SymEngineDerivatives | None:
    """Gradient and upper-triangle Hessian kept as SymEngine objects when ``engine`` wants them, else None."""
    if not _wants_symengine(expr, len(variables), engine):
        return None
    return _symengine_derivatives(expr, variables)


def _wants_symengine(expr: sympy.Expr, n: int, engine: str) -> bool:
    if engine == "sympy":
        return False
    if _symengine() is None or not _symengine_supports(expr):
        return False
    return engine == "symengine" or _is_large(expr, n)


def _is_large(expr: sympy.Expr, n: int) -> bool:
    """Large enough for the fast paths of ``engine="auto"`` (many variables or a large tree)."""
    return n >= _SYMENGINE_MIN_VARIABLES or _tree_size_at_least(expr, _SYMENGINE_MIN_NODES)


def _tree_size_at_least(expr: sympy.Basic, limit: int) -> bool:
    for count, _ in enumerate(sympy.preorder_traversal(expr), start=1):
        if count >= limit:
            return True
    return False



# -- SymEngine: the optional fast engine ---------------------------------------------------
#: SymPy node types SymEngine differentiates exactly as SymPy does (no assumptions needed)
_SYMENGINE_SAFE = (
    sympy.Add, sympy.Mul, sympy.Pow, sympy.Symbol, sympy.Integer, sympy.Rational, sympy.Float,
    sympy.exp, sympy.log, sympy.sin, sympy.cos, sympy.tan, sympy.sinh, sympy.cosh, sympy.tanh,
    sympy.asin, sympy.acos, sympy.atan,
    type(sympy.pi), type(sympy.E), type(sympy.S.Half), type(sympy.S.One), type(sympy.S.NegativeOne), type(sympy.S.Zero),
)


def _symengine():
    """The ``symengine`` module, or None when the optional extra is not installed."""
    try:
        import symengine
    except ImportError:
        return None
    return symengine


def _to_symengine(expr):
    """A SymPy object as a SymEngine one (a structural conversion; no text is parsed)."""
    from symengine.lib.symengine_wrapper import sympy2symengine

    return sympy2symengine(expr, raise_error=True)


def _symengine_supports(expr: sympy.Expr) -> bool:
    """True when every node is one SymEngine handles like SymPy, and symbol names are unique."""
    names: dict[str, sympy.Symbol] = {}
    for node in sympy.preorder_traversal(expr):
        if not isinstance(node, _SYMENGINE_SAFE):
            return False
        if isinstance(node, sympy.Symbol) and names.setdefault(node.name, node) != node:
            return False
    return True


class SymEngineDerivatives:
    """The gradient and nonzero upper-triangle Hessian entries of one function, as SymEngine objects.

    Compiled NumPy kernels are built from these directly (``symengine.Lambdify``);
    SymPy objects with the original symbols (and their assumptions, put back by
    name) are made only when asked for (:attr:`gradient`, :attr:`upper_hessian`).

    Attributes:
        expr: the function as a SymEngine expression.
        symbols: the variables as SymEngine symbols, in order.
        se_gradient: ``[df/dx_i]`` (SymEngine).
        se_upper: ``{(i, j): d²f/dx_i dx_j}`` for ``j >= i`` where nonzero (SymEngine).
    """

    def __init__(self, expr: Any, symbols: Sequence[Any], se_gradient: Sequence[Any],
                 se_upper: dict[tuple[int, int], Any], originals: dict[sympy.Symbol, sympy.Symbol]):
        self.expr: Any = expr
        self.symbols: Sequence[Any] = symbols
        self.se_gradient: Sequence[Any] = se_gradient
        self.se_upper: dict[tuple[int, int], Any] = se_upper
        self._originals = originals

    def _back(self, e) -> sympy.Expr:
        if "_to_sympy" not in self.__dict__:  # one converter (and memo) for every entry: shared subexpressions once
            from .from_symengine import SymPyConverter

            self._to_sympy = SymPyConverter({s.name: s for s in self._originals.values()})
        return self._to_sympy(e)

    @cached_property
    def gradient(self) -> list[sympy.Expr]:
        """The gradient entries as SymPy expressions in the original symbols."""
        return [self._back(g) for g in self.se_gradient]

    @cached_property
    def upper_hessian(self) -> dict[tuple[int, int], sympy.Expr]:
        """The nonzero upper-triangle Hessian entries as SymPy expressions."""
        return {key: self._back(h) for key, h in self.se_upper.items()}


def _symengine_derivatives(expr: sympy.Expr, variables: Sequence[sympy.Symbol]) -> SymEngineDerivatives | None:
    """The gradient and the nonzero upper-triangle Hessian entries, derived by SymEngine.

    Returns None when SymEngine cannot convert the expression, so the caller
    falls back to SymPy.
    """
    se = _symengine()
    try:
        f = _to_symengine(expr)
        xs = [se.Symbol(v.name) for v in variables]
        gradient = _termwise_gradient(se, f, xs)
        upper = {}
        for i, g in enumerate(gradient):
            present = g.free_symbols
            for j in range(i, len(xs)):
                if xs[j] in present:
                    h = g.diff(xs[j])
                    if h != 0:
                        upper[i, j] = h
    except Exception:  # anything SymEngine cannot take falls back to SymPy
        return None
    originals = {sympy.Symbol(s.name): s for s in expr.free_symbols | set(variables) if isinstance(s, sympy.Symbol)}
    return SymEngineDerivatives(f, xs, gradient, upper, originals)


def symengine_kernel_source(expr: sympy.Expr, variables: Sequence[sympy.Symbol]) -> SymEngineDerivatives | None:
    """SymEngine derivatives of a scalar ``expr`` for compiled kernels, or None (no SymEngine, or it cannot represent it)."""
    if _symengine() is None or not _symengine_supports(expr):
        return None
    return _symengine_derivatives(expr, variables)


# -- polynomials of degree <= 2: derivatives by reading coefficients -----------------------
class QuadraticForm:
    """``f = c + Σ b_i x_i + Σ_{i<=j} q_ij x_i x_j`` with constant coefficients.

    The gradient is ``∂f/∂x_k = b_k + 2 q_kk x_k + Σ_{j≠k} q_kj x_j`` and the
    Hessian is constant (``2 q_kk`` on the diagonal, ``q_ij`` off it), so both
    are read off the coefficients in one pass over the terms -- no
    differentiation, and compiled kernels are matrix products
    (:mod:`symgrad.backends`). The SymPy results are the expressions
    ``sympy.diff`` gives.

    Attributes:
        variables: the variables, in order.
        quadratic: ``{(i, j): [q_ij terms]}`` for ``i <= j`` (SymPy numbers or constants; kept as
            separate terms, as the expression has them, so results match ``diff`` term for term).
        linear: ``{i: [b_i terms]}``.
        constant: ``c``.
    """

    def __init__(self, variables: Iterable[sympy.Symbol], quadratic: dict[tuple[int, int], list[sympy.Expr]],
                 linear: dict[int, list[sympy.Expr]], constant: sympy.Expr):
        self.variables: tuple[sympy.Symbol, ...] = tuple(variables)
        self.quadratic = quadratic
        self.linear = linear
        self.constant = constant

    @cached_property
    def gradient(self) -> list[sympy.Expr]:
        """``[∂f/∂x_k]`` as SymPy expressions."""
        terms: list[list[sympy.Expr]] = [[] for _ in self.variables]
        xs = self.variables
        for (i, j), coefficients in self.quadratic.items():
            for q in coefficients:
                if i == j:
                    terms[i].append(2 * q * xs[i])
                else:
                    terms[i].append(q * xs[j])
                    terms[j].append(q * xs[i])
        for i, coefficients in self.linear.items():
            terms[i].extend(coefficients)
        return [sympy.Add(*t) for t in terms]

    @cached_property
    def upper_hessian(self) -> dict[tuple[int, int], sympy.Expr]:
        """``{(i, j): H_ij}`` for ``i <= j`` where nonzero (constants)."""
        upper = {}
        for (i, j), coefficients in self.quadratic.items():
            entry = sympy.Add(*[2 * q if i == j else q for q in coefficients])
            if entry != 0:
                upper[i, j] = entry
        return upper

    def arrays(self) -> tuple[np.ndarray, np.ndarray, float]:
        """``(H, b, c)`` as float64 arrays, so ``f(x) = c + b·x + ½ xᵀHx``; TypeError if not real."""
        n = len(self.variables)
        H = np.zeros((n, n))
        for (i, j), h in self.upper_hessian.items():
            H[i, j] = H[j, i] = float(h)
        b = np.zeros(n)
        for i, coefficients in self.linear.items():
            b[i] = float(sympy.Add(*coefficients))
        return H, b, float(self.constant)


def quadratic_form(expr: sympy.Expr, variables: Sequence[sympy.Symbol]) -> QuadraticForm | None:
    """The coefficients of ``expr`` if it is an expanded polynomial of degree <= 2 in ``variables``.

    Every term must be a constant (no free symbols) times at most two variables
    (``x_i``, ``x_i**2`` or ``x_i*x_j``); anything else (``(x+1)**2``,
    ``sin(x)``, a parameter ``a*x``) returns None and the caller derives as usual.

    >>> x, y = sympy.symbols("x y", real=True)
    >>> q = quadratic_form(3*x**2 + 2*x*y - y + 5, (x, y))
    >>> q.gradient, q.upper_hessian
    ([6*x + 2*y, 2*x - 1], {(0, 0): 6, (0, 1): 2})
    """
    index = {v: i for i, v in enumerate(variables)}
    quadratic: dict[tuple[int, int], list[sympy.Expr]] = {}
    linear: dict[int, list[sympy.Expr]] = {}
    constants: list[sympy.Expr] = []
    for term in expr.args if isinstance(expr, sympy.Add) else (expr,):
        split = _monomial(term, index)
        if split is None:
            return None
        coefficient, positions = split
        if not positions:
            constants.append(coefficient)
        elif len(positions) == 1:
            linear.setdefault(positions[0], []).append(coefficient)
        else:
            quadratic.setdefault((min(positions), max(positions)), []).append(coefficient)
    return QuadraticForm(variables, quadratic, linear, sympy.Add(*constants))


def _monomial(term: sympy.Expr, index: dict[sympy.Symbol, int]) -> tuple[sympy.Expr, list[int]] | None:
    """``(constant coefficient, [variable positions])`` of a term of degree <= 2, else None."""
    coefficient, rest = term.as_coeff_Mul()
    factors = rest.args if isinstance(rest, sympy.Mul) else (rest,)
    constant, positions = [coefficient], []
    for factor in factors:
        base, power = factor.as_base_exp() if isinstance(factor, sympy.Pow) else (factor, sympy.S.One)
        if base in index and power.is_Integer and 1 <= int(power) <= 2:
            positions.extend([index[base]] * int(power))
        elif factor.free_symbols:
            return None
        else:
            constant.append(factor)
    if len(positions) > 2:
        return None
    return sympy.Mul(*constant), positions
