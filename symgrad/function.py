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
  filed under the variables it contains (:class:`symgrad.derivatives._TermIndex`). ``d/dx_j`` then
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
from collections.abc import Callable, Iterable, Mapping, Sequence
from fractions import Fraction
from functools import cached_property
from numbers import Integral, Real
from typing import TYPE_CHECKING, Any, NoReturn, Union

import numpy as np
import sympy

from ._deprecation import keyword_only, moved, renamed
from .derivatives import (ENGINES, QuadraticForm, SymEngineDerivatives, gradient_entries, hessian_matrix,
                          quadratic_source, symengine_source)
from .errors import InputError
from .matexpr import is_matrix, latex, matrix_symbols, text

if TYPE_CHECKING:
    from typing_extensions import Self
if TYPE_CHECKING:  # imported when compile() is first called (a lower stage, but numerical machinery)
    from .backends import CompiledFunction

__all__ = ["Function", "MatrixFunction", "as_function", "natural_order", "to_sympy_number"]

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
                engine: str = "auto") -> Self:
        # vectors and matrices (shapes=, or a SymPy matrix expression) go to the matrix engine
        if cls is Function and (shapes is not None or _is_shaped(expr)):
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

    def jacobian(self, variables: Iterable[Any] | None = None) -> sympy.ImmutableMatrix:
        """The ``(m, n)`` Jacobian; a scalar function gives the ``(1, n)`` row of partials.

        ``variables`` (names, Symbols or indices) picks and orders the columns; by default all variables.
        """
        return self._jacobian if variables is None else self._jacobian[:, self._indices(variables)]

    @cached_property
    def _jacobian(self) -> sympy.ImmutableMatrix:
        rows = list(self._expr) if not self.is_scalar else [self._expr]
        fast = self._fast_derivatives if self.is_scalar else None
        if fast is not None:
            return sympy.ImmutableMatrix([fast.gradient])
        return sympy.ImmutableMatrix([gradient_entries(row, self._variables) for row in rows])

    @cached_property
    def _quadratic_form(self) -> QuadraticForm | None:
        """The coefficients when this is a large polynomial of degree <= 2 (``engine="auto"``), else None."""
        return quadratic_source(self._expr, self._variables, self._engine) if self.is_scalar else None

    @cached_property
    def _symengine_derivatives(self) -> SymEngineDerivatives | None:
        """Gradient and upper-triangle Hessian kept as SymEngine objects, or None to use SymPy."""
        return symengine_source(self._expr, self._variables, self._engine) if self.is_scalar else None

    @property
    def _fast_derivatives(self) -> QuadraticForm | SymEngineDerivatives | None:
        """The fastest exact source of derivatives: coefficients of a quadratic, then SymEngine, else None."""
        return self._quadratic_form or self._symengine_derivatives

    def gradient(self, variables: Iterable[Any] | None = None) -> sympy.ImmutableMatrix:
        """The gradient as an ``(n, 1)`` column of partial derivatives.

        ``variables`` (names, Symbols or indices) picks and orders the entries; by default all variables.

        >>> Function("x^2*y + y").gradient(["y"])
        Matrix([[x**2 + 1]])
        """
        self._require_scalar("gradient", "use jacobian() for a vector-valued function")
        return self._gradient if variables is None else self._gradient[self._indices(variables), :]

    @cached_property
    def _gradient(self) -> sympy.ImmutableMatrix:
        return self._jacobian.T

    def hessian(self, variables: Iterable[Any] | None = None) -> sympy.ImmutableMatrix:
        """The ``(n, n)`` symmetric matrix of second partial derivatives (``variables`` picks and orders rows and columns)."""
        self._require_scalar("hessian", "its first derivatives form the Jacobian: use jacobian(), or the Hessian "
                                        "of one component, Function(f.expr[i], f.variables).hessian()")
        if variables is None:
            return self._hessian
        indices = self._indices(variables)
        return self._hessian[indices, indices]

    def _indices(self, variables: Iterable[Any] | str) -> list[int]:
        chosen = [variables] if isinstance(variables, (str, sympy.Symbol, Integral)) else list(variables)
        return [self._variables.index(self.variable(v)) for v in chosen]

    @cached_property
    def _hessian(self) -> sympy.ImmutableMatrix:
        fast = self._fast_derivatives
        if fast is not None:
            return hessian_matrix(self._expr, self._variables, upper=fast.upper_hessian)
        return hessian_matrix(self._expr, self._variables, gradient=list(self._gradient))

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

    # -- analyses moved to their stage (symgrad.analysis); these spellings work for one release ----
    def taylor(self, at: PointLike, order: int = 2, **options: Any) -> sympy.Expr:
        """Deprecated: ``sg.taylor(f, at, order)``."""
        return moved("f.taylor(at)", "taylor", self, at, order, **options)

    def loss_change(self, at: PointLike, displacement: PointLike) -> Any:
        """Deprecated: ``sg.loss_change(f, at, displacement)``."""
        return moved("f.loss_change(at, displacement)", "loss_change", self, at, displacement)

    def critical_points(self, **options: Any) -> Any:
        """Deprecated: ``sg.critical_points(f)``."""
        return moved("f.critical_points()", "critical_points", self, **options)

    @keyword_only("domain")
    def convexity(self, *, domain: Any = None) -> Any:
        """Deprecated: ``sg.convexity(f, domain=...)``."""
        return moved("f.convexity()", "convexity", self, domain=domain)

    def level_set(self, c: Any) -> sympy.Eq:
        """Deprecated: ``sg.level_set(f, c)``."""
        return moved("f.level_set(c)", "level_set", self, c)

    # -- compilation ------------------------------------------------------------
    def compile(self, backend: str = "numpy", **options: Any) -> CompiledFunction:
        """Compile value, gradient and Hessian into vectorized callables.

        Arguments:
            backend: ``"numpy"`` or ``"torch"`` (see :mod:`symgrad.backends`).
            options: ``engine`` (``"auto"``, ``"symengine"``, ``"torch"``,
                ``"fused"`` or ``"sympy"``: who builds the float64 NumPy
                kernels), ``cse``, ``torch_compile``;
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


class MatrixFunction(Function):
    """A scalar (or column-vector) function of vector, matrix and scalar symbols.

    Example:
        >>> import numpy as np
        >>> f = Function("||X w - y||^2", shapes={"X": ("N", "d"), "w": "d", "y": "N"}, variables=["w"])
        >>> f.gradient("w")
        2*X.T*(X*w - y)
        >>> f.hessian("w")
        2*X.T*X
        >>> X, y = np.array([[1.0, 0.0], [0.0, 2.0], [1.0, 1.0]]), np.array([1.0, 2.0, 3.0])
        >>> f.gradient_at(X=X, y=y, w=np.zeros(2))
        array([ -8., -14.])
    """

    def __init__(self, expr: Any, variables: Iterable[Any] | None = None, *, shapes: Mapping[str, Any] | None = None,
                 engine: str = "auto"):
        if isinstance(expr, Function):
            expr, variables = expr.expr, expr.variables if variables is None else variables
        from .matrix.shaped import read_function

        self._expr, self._variables = read_function(expr, variables, shapes)
        self._engine = engine
        self._derived: dict[tuple[str, str], sympy.Basic] = {}
        self._compiled: dict[str, Any] = {}

    @property
    def is_scalar(self) -> bool:
        return not is_matrix(self._expr)

    @property
    def shapes(self) -> dict[str, tuple[sympy.Expr, sympy.Expr]]:
        """``{name: shape}`` of the vectors and matrices in the expression."""
        return {k: m.shape for k, m in sorted(matrix_symbols(self._expr).items())}

    def __repr__(self) -> str:
        return f"Function({text(self._expr)}, variables=({', '.join(v.name for v in self._variables)}))"

    def _repr_latex_(self) -> str:
        return f"$\\displaystyle {latex(self._expr)}$"

    def variable(self, var: Any = None) -> sympy.Symbol | sympy.MatrixSymbol:
        """The variable named ``var`` (its name or symbol); may be omitted when there is one variable."""
        if var is None:
            if len(self._variables) != 1:
                names = ", ".join(v.name for v in self._variables)
                raise InputError(f"say which variable: this function has several ({names}), e.g. gradient('w')")
            return self._variables[0]
        name = var if isinstance(var, str) else getattr(var, "name", str(var))
        for v in self._variables:
            if v.name == name:
                return v
        raise InputError(f"'{name}' is not a variable of this function; its variables are "
                         f"({', '.join(v.name for v in self._variables)})")

    # -- derivatives (certified, cached) -------------------------------------------------------------
    def _derive(self, kind: str, var: Any) -> sympy.Basic:
        from .matrix.shaped import derive

        v = self.variable(var)
        if (kind, v.name) not in self._derived:
            self._derived[kind, v.name] = derive(self._expr, kind, v)
        return self._derived[kind, v.name]

    @renamed(var="variables")
    def gradient(self, variables: Any = None) -> sympy.Basic:
        """``∇_w f`` in closed form, of ``w``'s shape (certified); ``variables`` names ``w`` (the only one by default)."""
        return self._derive("gradient", variables)

    @renamed(var="variables")
    def hessian(self, variables: Any = None) -> sympy.MatrixExpr:
        """The ``(n, n)`` Hessian with respect to the vector ``variables`` names (certified)."""
        return self._derive("hessian", variables)

    @renamed(var="variables")
    def jacobian(self, variables: Any = None) -> sympy.MatrixExpr:
        """The ``(m, n)`` Jacobian of a vector-valued ``f`` with respect to the vector ``variables`` names (certified)."""
        return self._derive("jacobian", variables)

    def partial(self, var: Any = None, order: int = 1) -> sympy.Basic:
        if order != 1:
            raise InputError("for vectors and matrices use gradient() and hessian()")
        return self.gradient(var)

    # -- values ------------------------------------------------------------------------------------------------
    def _evaluate(self, expr: sympy.Basic, values: Mapping[str, Any], backend: str = "numpy") -> Any:
        from .matrix.evaluate import Kernel

        return Kernel(expr, backend, (self._expr,))(values)

    def at(self, *args: Any, **values: Any) -> Any:
        """The value with NumPy arrays (or numbers) for every symbol, by name."""
        return self._evaluate(self._expr, _named_values(args, values))

    @renamed(wrt="variables")
    def gradient_at(self, *args: Any, variables: Any = None, **values: Any) -> Any:
        """The gradient with respect to ``variables`` (the only variable by default), evaluated."""
        return self._evaluate(self.gradient(variables), _named_values(args, values))

    @renamed(wrt="variables")
    def hessian_at(self, *args: Any, variables: Any = None, **values: Any) -> Any:
        return self._evaluate(self.hessian(variables), _named_values(args, values))

    @renamed(wrt="variables")
    def jacobian_at(self, *args: Any, variables: Any = None, **values: Any) -> Any:
        return self._evaluate(self.jacobian(variables), _named_values(args, values))

    def __call__(self, *args: Any, **values: Any) -> Any:
        return self.at(*args, **values)

    def point(self, *args: Any, **named: Any) -> NoReturn:
        raise InputError("a function of vectors and matrices takes its values by name: f.at(X=..., w=...)")

    vector: Callable[..., NoReturn] = point
    directional_derivative: Callable[..., NoReturn] = point

    def compile(self, backend: str = "numpy", **options: Any) -> Any:
        """Kernels for the value, gradients and Hessians that take the data by name (BLAS products)."""
        if options:
            raise InputError(f"compile options {sorted(options)} do not apply to functions of matrices")
        if backend not in self._compiled:
            from .matrix.shaped import CompiledMatrixFunction

            self._compiled[backend] = CompiledMatrixFunction(self, backend)
        return self._compiled[backend]


def _named_values(args: tuple, values: Mapping[str, Any]) -> dict[str, Any]:
    from .matrix.shaped import named_values

    return named_values(args, values)


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
