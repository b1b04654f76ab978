"""``Function``: a SymPy expression with an ordered tuple of variables.

Everything later in symgrad -- analysis, compiled backends, optimizers,
derivations, answer checking -- takes a :class:`Function`. It holds the exact
expression and the order of its variables, and derives partial derivatives,
the gradient, the Jacobian and the Hessian from one core, :meth:`Function.jacobian`
of a list of expressions, with results cached:

* the gradient is the Jacobian of the scalar (transposed to a column),
* the Hessian is the Jacobian of the gradient, computed on the upper triangle
  only (it is symmetric) and only for the variables an entry contains (the
  rest are exactly zero).

Derivatives scale with the size of the function because of three rules:

* **Sparsity by terms.** A sum is split into its terms once, and each term is
  filed under the variables it contains (:class:`_TermIndex`). ``d/dx_j`` then
  differentiates only the terms that contain ``x_j`` -- for Rosenbrock, 3 terms
  out of 200 -- instead of asking every term. The result is the same ``Add``
  SymPy's own ``diff`` builds.
* **Symmetry.** Only the ``n(n+1)/2`` upper-triangle Hessian entries are derived.
* **An optional faster engine.** With ``engine="auto"`` (the default) and the
  optional ``symengine`` package installed (``pip install 'symgrad[fast]'``),
  large functions (many variables or a large tree) of elementary functions are
  differentiated by SymEngine and converted back to SymPy objects with the
  original symbols, so users see no difference. ``engine="sympy"`` forces the
  pure-SymPy path, which is always the fallback.

Points can be given in every form a user has to hand: ``f.at(3, 4)``,
``f.at([3, 4])``, ``f.at(w0=3, w1=4)``, ``f.at({"w0": 3, w1: 4})``. Exact
inputs (ints, fractions, SymPy numbers, decimal text) give exact results.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from fractions import Fraction
from functools import cached_property
from numbers import Integral, Real
from typing import TYPE_CHECKING, Any, Union

import numpy as np
import sympy

from .errors import InputError

if TYPE_CHECKING:  # a higher stage: imported for the annotation only
    from .backends import CompiledFunction

__all__ = ["Function", "as_function", "natural_order", "to_sympy_number"]

ExprLike = Union[str, sympy.Expr, Sequence[Any], sympy.MatrixBase]
PointLike = Union[Sequence[Any], Mapping[Any, Any], sympy.MatrixBase, np.ndarray]


class Function:
    """A scalar or vector-valued function of ordered variables.

    Arguments:
        expr: text (parsed by :func:`symgrad.parse`), a SymPy expression, or a
            sequence / column matrix of those for a vector-valued function.
        variables: the variables in order, as Symbols or names. By default the
            free symbols in natural order (``w2`` before ``w10``).
        engine: ``"auto"`` (SymEngine for large functions when installed),
            ``"sympy"`` (always pure SymPy) or ``"symengine"`` (always, when it
            can represent the function; SymPy otherwise). Results are SymPy
            objects either way.

    Example:
        >>> f = Function("2*w0^2 + 3*w1^2")
        >>> f.variables
        (w0, w1)
        >>> f.gradient().T
        Matrix([[4*w0, 6*w1]])
        >>> f.at(w0=3, w1=4)
        66
    """

    def __new__(cls, expr: Any = None, variables: Any = None, *, shapes: Mapping[str, Any] | None = None,
                engine: str = "auto"):
        # vectors and matrices (shapes=, or a SymPy matrix expression) go to the matrix engine
        if cls is Function and (shapes is not None or _is_shaped(expr)):
            from .matrix.function import MatrixFunction

            return super().__new__(MatrixFunction)
        return super().__new__(cls)

    def __init__(self, expr: ExprLike | Function, variables: Iterable[Any] | None = None, *,
                 shapes: Mapping[str, Any] | None = None, engine: str = "auto"):
        if isinstance(expr, Function):
            variables = expr.variables if variables is None else variables
            expr = expr.expr
        if engine not in ENGINES:
            raise InputError(f"unknown engine {engine!r}; choose one of {', '.join(ENGINES)}")
        self._expr = _to_expression(expr)
        self._variables = _resolve_variables(self._expr, variables)
        self._engine = engine
        self._partials: dict[tuple[sympy.Symbol, int], sympy.Expr] = {}
        self._compiled: dict[str, Any] = {}

    # -- identity ---------------------------------------------------------------
    @property
    def expr(self) -> sympy.Expr | sympy.ImmutableMatrix:
        """The expression: a SymPy ``Expr``, or an ``(m, 1)`` matrix if vector-valued."""
        return self._expr

    @property
    def variables(self) -> tuple[sympy.Symbol, ...]:
        """The variables, in the order used for gradients, Hessians and points."""
        return self._variables

    @property
    def n(self) -> int:
        """Number of variables."""
        return len(self._variables)

    @property
    def is_scalar(self) -> bool:
        """True for a scalar function, False for a vector-valued one."""
        return not isinstance(self._expr, sympy.MatrixBase)

    def __repr__(self) -> str:
        names = ", ".join(v.name for v in self._variables)
        return f"Function({self._expr}, variables=({names}))"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Function):
            return NotImplemented
        return self._expr == other._expr and self._variables == other._variables

    def __hash__(self) -> int:
        return hash((self._expr, self._variables))

    def __getstate__(self) -> dict[str, Any]:  # pickle the definition; derivatives and kernels are rebuilt
        return {"expr": self._expr, "variables": self._variables, "engine": self._engine}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["expr"], state["variables"], engine=state["engine"])  # type: ignore[misc]

    def _repr_latex_(self) -> str:
        return f"$\\displaystyle {sympy.latex(self._expr)}$"

    # -- derivatives ------------------------------------------------------------
    def variable(self, var: sympy.Symbol | str | int) -> sympy.Symbol:
        """The variable named by a Symbol, a name or a 0-based index."""
        if isinstance(var, Integral) and not isinstance(var, bool):
            if not 0 <= int(var) < self.n:
                raise InputError(f"variable index {var} is out of range: this function has {self.n} variables")
            return self._variables[int(var)]
        name = var.name if isinstance(var, sympy.Symbol) else str(var)
        name = _canonical_name(name)
        for v in self._variables:
            if v.name == name:
                return v
        known = ", ".join(v.name for v in self._variables)
        raise InputError(f"'{name}' is not a variable of this function; its variables are ({known})")

    def partial(self, var: sympy.Symbol | str | int, order: int = 1) -> sympy.Expr:
        """The partial derivative with respect to one variable, of any order.

        >>> Function("2*w0^2 + 3*w1^2").partial("w0")
        4*w0
        """
        self._require_scalar("partial")
        if order < 0:
            raise InputError(f"the order of a derivative must be 0 or more, not {order}")
        symbol = self.variable(var)
        key = (symbol, order)
        if key not in self._partials:
            self._partials[key] = sympy.diff(self._expr, symbol, order) if order else self._expr
        return self._partials[key]

    def jacobian(self) -> sympy.ImmutableMatrix:
        """The ``(m, n)`` Jacobian; a scalar function gives the ``(1, n)`` row of partials."""
        return self._jacobian

    @cached_property
    def _jacobian(self) -> sympy.ImmutableMatrix:
        rows = list(self._expr) if not self.is_scalar else [self._expr]
        fast = self._fast_derivatives if self.is_scalar else None
        if fast is not None:
            return sympy.ImmutableMatrix([fast.gradient])
        return sympy.ImmutableMatrix([_TermIndex(row).gradient(self._variables) for row in rows])

    @cached_property
    def _quadratic_form(self) -> QuadraticForm | None:
        """The coefficients when this is a large polynomial of degree <= 2 (``engine="auto"``), else None."""
        if not self.is_scalar or self._engine != "auto" or not _is_large(self._expr, self.n):
            return None
        return quadratic_form(self._expr, self._variables)

    @cached_property
    def _symengine_derivatives(self) -> SymEngineDerivatives | None:
        """Gradient and upper-triangle Hessian kept as SymEngine objects, or None to use SymPy."""
        if not self.is_scalar or not _wants_symengine(self._expr, self.n, self._engine):
            return None
        return _symengine_derivatives(self._expr, self._variables)

    @property
    def _fast_derivatives(self) -> QuadraticForm | SymEngineDerivatives | None:
        """The fastest exact source of derivatives: coefficients of a quadratic, then SymEngine, else None."""
        return self._quadratic_form or self._symengine_derivatives

    def gradient(self) -> sympy.ImmutableMatrix:
        """The gradient as an ``(n, 1)`` column of partial derivatives."""
        self._require_scalar("gradient", "use jacobian() for a vector-valued function")
        return self._gradient

    @cached_property
    def _gradient(self) -> sympy.ImmutableMatrix:
        return self._jacobian.T

    def hessian(self) -> sympy.ImmutableMatrix:
        """The ``(n, n)`` symmetric matrix of second partial derivatives."""
        self._require_scalar("hessian", "its first derivatives form the Jacobian: use jacobian(), or the Hessian "
                                        "of one component, Function(f.expr[i], f.variables).hessian()")
        return self._hessian

    @cached_property
    def _hessian(self) -> sympy.ImmutableMatrix:
        n = self.n
        fast = self._fast_derivatives
        if fast is not None:
            upper = fast.upper_hessian
        else:
            upper = _upper_hessian(list(self._gradient), self._variables)
        flat = [upper.get((min(i, j), max(i, j)), sympy.S.Zero) for i in range(n) for j in range(n)]
        return sympy.ImmutableMatrix(n, n, flat)

    def directional_derivative(self, direction: PointLike, *, normalize: bool = False) -> sympy.Expr:
        """``∇f · v``: the rate of change along ``direction``.

        With ``normalize=True`` the direction is scaled to unit length first, so the
        result is the slope per unit distance (the textbook ``D_u f``).
        """
        vector = self.vector(direction)
        if normalize:
            norm = sympy.sqrt(sum(c**2 for c in vector))
            if norm == 0:
                raise InputError("the direction must not be the zero vector")
            vector = vector / norm
        return (self.gradient().T * vector)[0, 0]

    # -- points and evaluation --------------------------------------------------
    def vector(self, values: PointLike) -> sympy.ImmutableMatrix:
        """A point or direction as an exact ``(n, 1)`` column, in variable order."""
        mapping = self.point(values)
        return sympy.ImmutableMatrix([mapping[v] for v in self._variables])

    def point(self, *args: Any, **named: Any) -> dict[sympy.Symbol, sympy.Expr]:
        """``{variable: value}`` from any accepted point form (see the module docstring)."""
        if named and args:
            raise InputError("give the point either by position or by name, not both")
        if named:
            given: Mapping[Any, Any] = named
        elif len(args) == 1 and isinstance(args[0], Mapping):
            given = args[0]
        elif len(args) == 1 and _is_sequence(args[0]):
            given = dict(zip(self._variables, _flatten(args[0], self.n)))
        else:
            given = dict(zip(self._variables, _flatten(args, self.n)))
        result = {self.variable(k): to_sympy_number(v) for k, v in given.items()}
        missing = [v.name for v in self._variables if v not in result]
        if missing:
            raise InputError(f"the point has no value for {', '.join(missing)}")
        return result

    def at(self, *args: Any, **named: Any) -> sympy.Expr | sympy.ImmutableMatrix:
        """The value at a point: exact when the point is exact."""
        return _substitute(self._expr, self.point(*args, **named))

    def gradient_at(self, *args: Any, **named: Any) -> sympy.ImmutableMatrix:
        """The gradient at a point, as an ``(n, 1)`` column."""
        return _substitute(self.gradient(), self.point(*args, **named))

    def hessian_at(self, *args: Any, **named: Any) -> sympy.ImmutableMatrix:
        """The Hessian at a point."""
        return _substitute(self.hessian(), self.point(*args, **named))

    def jacobian_at(self, *args: Any, **named: Any) -> sympy.ImmutableMatrix:
        """The Jacobian at a point."""
        return _substitute(self.jacobian(), self.point(*args, **named))

    def __call__(self, *args: Any, **named: Any) -> sympy.Expr | sympy.ImmutableMatrix:
        return self.at(*args, **named)

    # -- analysis (conveniences over symgrad.analysis) -----------------------------
    def taylor(self, at: PointLike, order: int = 2, **options: Any) -> sympy.Expr:
        """The Taylor polynomial at ``at``; see :func:`symgrad.analysis.taylor`."""
        from .analysis import taylor

        return taylor(self, at, order, **options)

    def loss_change(self, at: PointLike, displacement: PointLike):
        """Exact and approximate change for a displacement; see :func:`symgrad.analysis.loss_change`."""
        from .analysis import loss_change

        return loss_change(self, at, displacement)

    def critical_points(self, **options: Any):
        """Critical points with their classification; see :func:`symgrad.analysis.critical_points`."""
        from .analysis import critical_points

        return critical_points(self, **options)

    def convexity(self, domain: Any = None):
        """A convexity verdict with its reason; see :func:`symgrad.analysis.convexity`."""
        from .analysis import convexity

        return convexity(self, domain)

    def level_set(self, c: Any) -> sympy.Eq:
        """The level set ``f = c`` as an equation; see :func:`symgrad.analysis.level_set`."""
        from .analysis import level_set

        return level_set(self, c)

    # -- compilation ------------------------------------------------------------
    def compile(self, backend: str = "numpy", **options: Any) -> CompiledFunction:
        """Compile value, gradient and Hessian into vectorized callables.

        Arguments:
            backend: ``"numpy"`` or ``"torch"`` (see :mod:`symgrad.backends`).
            options: ``engine`` (``"auto"``, ``"symengine"`` or ``"sympy"``: who
                builds the float64 NumPy kernels), ``cse``, ``torch_compile``;
                see :class:`symgrad.backends.CompiledFunction`.

        Returns:
            a :class:`symgrad.backends.CompiledFunction`; ``c.value(X)``,
            ``c.gradient(X)``, ``c.hessian(X)`` take one point ``(n,)`` or a batch
            ``(..., n)``; ``c.fun``, ``c.jac``, ``c.hess`` fit ``scipy.optimize.minimize``.
        """
        from .backends import compile_function

        # the kernels follow a Function made with engine="sympy" unless compile(engine=...) says otherwise
        options.setdefault("engine", "sympy" if self._engine == "sympy" else "auto")
        key = backend + repr(sorted(options.items()))
        if key not in self._compiled:
            self._require_scalar("compile", "compile each component separately")
            # SymPy matrices are handed over lazily: the fast kernels never need them
            self._compiled[key] = compile_function(
                self._expr, self._variables, backend, gradient=self.gradient,
                hessian=self.hessian, fast=self._fast_derivatives, **options
            )
        return self._compiled[key]

    def _require_scalar(self, what: str, advice: str = "") -> None:
        if not self.is_scalar:
            raise InputError(f"{what} needs a scalar function, but this one is vector-valued" + (f"; {advice}" if advice else ""))


def _is_shaped(expr: Any) -> bool:
    """A SymPy object holding vectors or matrices (not an explicit ``Matrix`` of scalars)."""
    if isinstance(expr, Function):
        return not isinstance(expr.expr, sympy.MatrixBase) and _is_shaped(expr.expr)
    return (isinstance(expr, sympy.Basic) and not isinstance(expr, sympy.MatrixBase)
            and (isinstance(expr, sympy.MatrixExpr) or bool(expr.atoms(sympy.MatrixSymbol))))


def as_function(f: Function | ExprLike, variables: Iterable[Any] | None = None) -> Function:
    """Return ``f`` if it is already a :class:`Function`, else build one."""
    if isinstance(f, Function) and variables is None:
        return f
    return Function(f, variables)


# -- numbers ------------------------------------------------------------------------
def to_sympy_number(value: Any) -> sympy.Expr:
    """An exact SymPy number where the input is exact; a ``Float`` for Python floats.

    Accepts ints, ``fractions.Fraction``, floats, NumPy scalars, SymPy
    expressions, and text (parsed safely, so ``"0.1"`` is ``1/10``).
    """
    if isinstance(value, sympy.Basic):
        return value
    if isinstance(value, bool):
        raise InputError(f"expected a number, got {value!r}")
    if isinstance(value, Integral):
        return sympy.Integer(int(value))
    if isinstance(value, Fraction):
        return sympy.Rational(value.numerator, value.denominator)
    if isinstance(value, np.generic) and np.issubdtype(value.dtype, np.floating):
        return sympy.Float(float(value))
    if isinstance(value, Real):
        return sympy.Float(float(value))
    if isinstance(value, str):
        from .parsing import parse

        parsed = parse(value)
        if not isinstance(parsed, sympy.Expr) or parsed.free_symbols:
            raise InputError(f"expected a number, got {value!r}; write values like 3, -1/2, 0.1 or sqrt(2)")
        return parsed
    if hasattr(value, "item") and getattr(value, "ndim", 1) == 0:  # torch / numpy 0-d
        return to_sympy_number(value.item())
    raise InputError(f"expected a number, got {value!r} of type {type(value).__name__}")


# -- helpers ------------------------------------------------------------------------
_NAME_PARTS = re.compile(r"(\d+)")


def natural_order(symbols: Iterable[sympy.Symbol]) -> tuple[sympy.Symbol, ...]:
    """Symbols sorted so that ``w2`` comes before ``w10`` (and ``b`` after ``a``)."""

    def key(symbol: sympy.Symbol):
        return [int(part) if part.isdigit() else part for part in _NAME_PARTS.split(symbol.name)]

    return tuple(sorted(symbols, key=lambda s: (key(s), s.name)))


def _to_expression(expr: ExprLike) -> sympy.Expr | sympy.ImmutableMatrix:
    if isinstance(expr, str):
        from .parsing import parse

        return _to_expression(parse(expr))
    if isinstance(expr, sympy.MatrixBase):
        if expr.shape[1] != 1 and expr.shape[0] == 1:
            expr = expr.T
        if expr.shape[1] != 1:
            raise InputError(f"a vector-valued function needs a column of expressions, got shape {expr.shape}")
        return sympy.ImmutableMatrix(expr)
    if isinstance(expr, (list, tuple)):
        return sympy.ImmutableMatrix([_scalar(e) for e in expr])
    return _scalar(expr)


def _scalar(expr: Any) -> sympy.Expr:
    if isinstance(expr, str):
        from .parsing import parse

        expr = parse(expr)
    if isinstance(expr, sympy.Expr):
        return expr
    if isinstance(expr, (Integral, Real, Fraction)):
        return to_sympy_number(expr)
    raise InputError(f"expected an expression, got {type(expr).__name__}: {expr!r}")


def _canonical_name(name: str) -> str:
    """``w_0``, ``w_{0}`` and ``w₀`` name the same variable as ``w0``."""
    subscripts = str.maketrans("₀₁₂₃₄₅₆₇₈₉", "0123456789")
    name = name.translate(subscripts).replace("{", "").replace("}", "")
    return re.sub(r"_(?=\d+$)", "", name)


def _resolve_variables(expr: sympy.Basic, variables: Iterable[Any] | None) -> tuple[sympy.Symbol, ...]:
    present = expr.free_symbols
    free = {s.name: s for s in present if isinstance(s, sympy.Symbol)}
    if variables is None:
        return natural_order(free.values())
    resolved = []
    for v in variables:
        if isinstance(v, sympy.Symbol):
            resolved.append(free.get(v.name, v) if v not in present else v)
        elif isinstance(v, str):
            name = _canonical_name(v.strip())
            if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", name):
                raise InputError(f"'{v}' is not a valid variable name; use names like w0, x, eta")
            resolved.append(free.get(name, sympy.Symbol(name, real=True)))
        else:
            raise InputError(f"variables must be Symbols or names, got {v!r}")
    if len(set(resolved)) != len(resolved):
        raise InputError("a variable is listed twice in variables=")
    return tuple(resolved)


def _diff_if_present(expr: sympy.Expr, var: sympy.Symbol) -> sympy.Expr:
    """``d expr / d var``, skipping the work when ``var`` does not occur."""
    return sympy.diff(expr, var) if var in expr.free_symbols else sympy.S.Zero


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


# -- choosing the symbolic engine ---------------------------------------------------------
ENGINES = ("auto", "sympy", "symengine")

#: with ``engine="auto"``, SymEngine takes over from this many variables or tree nodes on
_SYMENGINE_MIN_VARIABLES = 8
_SYMENGINE_MIN_NODES = 300


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


def _substitute(obj, point: dict[sympy.Symbol, sympy.Expr]):
    value = obj.xreplace(point)
    if isinstance(value, sympy.MatrixBase):
        return sympy.ImmutableMatrix(value.applyfunc(_settle))
    return _settle(value)


def _settle(value: sympy.Expr) -> sympy.Expr:
    """Tidy an evaluated number: exact results stay exact, floats are evaluated."""
    if value.has(sympy.Float):
        return value.evalf()
    return value.doit() if value.has(sympy.Derivative) else value


def _is_sequence(value: Any) -> bool:
    return isinstance(value, (list, tuple, np.ndarray, sympy.MatrixBase)) or (
        hasattr(value, "tolist") and hasattr(value, "shape")
    )


def _flatten(values: Any, n: int) -> list[Any]:
    if isinstance(values, sympy.MatrixBase):
        items = list(values)
    elif hasattr(values, "tolist") and not isinstance(values, (list, tuple)):
        items = np.asarray(values.detach().cpu() if hasattr(values, "detach") else values).reshape(-1).tolist()
    else:
        items = list(values)
        if len(items) == 1 and _is_sequence(items[0]):
            items = _flatten(items[0], n)
    if len(items) != n:
        raise InputError(f"the point has {len(items)} coordinates but the function has {n} variables")
    return items


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

    def __init__(self, expr, symbols, se_gradient, se_upper, originals: dict[sympy.Symbol, sympy.Symbol]):
        self.expr = expr
        self.symbols = symbols
        self.se_gradient = se_gradient
        self.se_upper = se_upper
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

    def __init__(self, variables, quadratic: dict[tuple[int, int], list[sympy.Expr]],
                 linear: dict[int, list[sympy.Expr]], constant: sympy.Expr):
        self.variables = tuple(variables)
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
