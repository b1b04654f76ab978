"""``Function`` for expressions in vectors and matrices: closed-form derivatives, certified, evaluated by name.

``sg.Function(text_or_expr, shapes={...}, variables=[...])`` returns a
:class:`MatrixFunction` when ``shapes`` is given or the expression holds
vectors/matrices (:mod:`symgrad.matexpr`). ``variables`` names what to
differentiate with respect to; every other symbol is a parameter and stays symbolic.

* ``f.gradient("w")`` -- a matrix expression of ``w``'s shape (``2*X.T*(X*w - y)``);
  a scalar variable ``b`` gives ``∂f/∂b``;
* ``f.hessian("w")`` -- ``(d, d)`` (vector variables only); ``f.jacobian("w")`` for a vector-valued ``f``;
* ``f.at(**values)``, ``f.gradient_at(**values)``, ``f.hessian_at(...)``, ``f.jacobian_at(...)`` -- NumPy
  arrays for every symbol, by name;
* ``f.compile("numpy" | "torch")`` -- kernels that take the data by name (:class:`CompiledMatrixFunction`).

Every derivative is certified (:func:`~symgrad.matrix.certify`) before it is returned.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, NoReturn, TypeAlias

import sympy

from ..errors import InputError
from ..function import Function
from ..matexpr import ScalarOf, declare, is_matrix, latex, matrix_symbols, text
from .derive import matrix_gradient, matrix_hessian, matrix_jacobian
from .evaluate import Kernel

__all__ = ["MatrixFunction", "CompiledMatrixFunction"]

Variable: TypeAlias = "sympy.MatrixSymbol | sympy.Symbol"


def _read(expr: Any, shapes: Mapping[str, Any] | None) -> sympy.Basic:
    if isinstance(expr, str):
        from ..parsing import parse  # text is read only by the parser (stage 1)

        return parse(expr, shapes=shapes or {})
    if isinstance(expr, sympy.Basic):
        return expr
    raise InputError(f"expected text or a SymPy expression, got {type(expr).__name__}")


def _check_shapes(expr: sympy.Basic, shapes: Mapping[str, Any] | None) -> None:
    for name, shape in (shapes or {}).items():
        m = matrix_symbols(expr).get(name)
        if m is not None and m.shape != declare(name, shape).shape:
            raise InputError(f"{name} has shape {m.shape} in the expression but shapes= says {shape!r}")


def _variables(expr: sympy.Basic, variables: Iterable[Any] | None) -> tuple[Variable, ...]:
    known: dict[str, Variable] = {s.name: s for s in expr.free_symbols if isinstance(s, sympy.Symbol)}
    known.update(matrix_symbols(expr))
    if variables is None:
        return tuple(known[k] for k in sorted(known))
    resolved = []
    for v in [variables] if isinstance(variables, str) else variables:
        name = v if isinstance(v, str) else getattr(v, "name", None)
        if name not in known:
            raise InputError(f"{v!r} does not occur in {expr}; its symbols are ({', '.join(sorted(known))})")
        resolved.append(known[name])
    if len(set(resolved)) != len(resolved):
        raise InputError("a variable is listed twice in variables=")
    return tuple(resolved)


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
        read = _read(expr, shapes)
        _check_shapes(read, shapes)
        if is_matrix(read) and read.shape == (1, 1):
            read = ScalarOf(read)
        if is_matrix(read) and read.shape[1] != 1:
            raise InputError(f"a function's value must be a scalar or a column vector, got shape {read.shape}")
        self._expr = read
        self._variables = _variables(read, variables)
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

    def variable(self, var: Any = None) -> Variable:
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
        v = self.variable(var)
        key = (kind, v.name)
        if key not in self._derived:
            if kind == "jacobian":
                if self.is_scalar:
                    raise InputError("a Jacobian needs a vector-valued function; use gradient() for a scalar one")
                self._derived[key] = matrix_jacobian(self._expr, v)
            else:
                self._require_scalar(kind, "use jacobian() for a vector-valued map")
                if kind == "hessian" and isinstance(v, sympy.Symbol):
                    raise InputError(f"the matrix engine gives Hessians with respect to vectors; {v} is a scalar")
                self._derived[key] = (matrix_gradient if kind == "gradient" else matrix_hessian)(self._expr, v)
        return self._derived[key]

    def gradient(self, var: Any = None) -> sympy.Basic:
        """``∇_var f`` in closed form, of ``var``'s shape (certified)."""
        return self._derive("gradient", var)

    def hessian(self, var: Any = None) -> sympy.MatrixExpr:
        """The ``(n, n)`` Hessian with respect to the vector ``var`` (certified)."""
        return self._derive("hessian", var)

    def jacobian(self, var: Any = None) -> sympy.MatrixExpr:
        """The ``(m, n)`` Jacobian of a vector-valued ``f`` with respect to the vector ``var`` (certified)."""
        return self._derive("jacobian", var)

    def partial(self, var: Any = None, order: int = 1) -> sympy.Basic:
        if order != 1:
            raise InputError("for vectors and matrices use gradient() and hessian()")
        return self.gradient(var)

    # -- values ------------------------------------------------------------------------------------------------
    def _evaluate(self, expr: sympy.Basic, values: Mapping[str, Any], backend: str = "numpy") -> Any:
        return Kernel(expr, backend, (self._expr,))(values)

    def at(self, *args: Any, **values: Any) -> Any:
        """The value with NumPy arrays (or numbers) for every symbol, by name."""
        return self._evaluate(self._expr, _named(args, values))

    def gradient_at(self, *args: Any, wrt: Any = None, **values: Any) -> Any:
        """The gradient with respect to ``wrt`` (the only variable by default), evaluated."""
        return self._evaluate(self.gradient(wrt), _named(args, values))

    def hessian_at(self, *args: Any, wrt: Any = None, **values: Any) -> Any:
        return self._evaluate(self.hessian(wrt), _named(args, values))

    def jacobian_at(self, *args: Any, wrt: Any = None, **values: Any) -> Any:
        return self._evaluate(self.jacobian(wrt), _named(args, values))

    def __call__(self, *args: Any, **values: Any) -> Any:
        return self.at(*args, **values)

    def point(self, *args: Any, **named: Any) -> NoReturn:
        raise InputError("a function of vectors and matrices takes its values by name: f.at(X=..., w=...)")

    vector: Callable[..., NoReturn] = point
    directional_derivative: Callable[..., NoReturn] = point

    def compile(self, backend: str = "numpy", **options: Any) -> CompiledMatrixFunction:
        """Kernels for the value, gradients and Hessians that take the data by name (BLAS products)."""
        if options:
            raise InputError(f"compile options {sorted(options)} do not apply to functions of matrices")
        if backend not in self._compiled:
            self._compiled[backend] = CompiledMatrixFunction(self, backend)
        return self._compiled[backend]


def _named(args: tuple[Any, ...], values: Mapping[str, Any]) -> dict[str, Any]:
    if len(args) == 1 and isinstance(args[0], Mapping):
        return {**{str(k): v for k, v in args[0].items()}, **values}
    if args:
        raise InputError("give vectors and matrices by name: f.at(X=X, w=w, y=y)")
    return dict(values)


class CompiledMatrixFunction:
    """``value``, ``gradient``, ``hessian``, ``jacobian`` of a :class:`MatrixFunction` as kernels.

    Each takes the data by name (``c.gradient(X=X, y=y, w=w)``); ``wrt=`` picks the variable when
    there are several. torch kernels keep the input's dtype and device and are differentiable.
    """

    function: MatrixFunction
    backend: str

    def __init__(self, f: MatrixFunction, backend: str):
        self.function, self.backend = f, backend
        self._kernels: dict[tuple[str, str], Kernel] = {}

    def _kernel(self, kind: str, wrt: Any) -> Kernel:
        name = "" if kind == "value" else self.function.variable(wrt).name
        key = (kind, name)
        if key not in self._kernels:
            expr = self.function.expr if kind == "value" else self.function._derive(kind, name)
            self._kernels[key] = Kernel(expr, self.backend, (self.function.expr,))
        return self._kernels[key]

    def value(self, values: Mapping[str, Any] | None = None, **named: Any) -> Any:
        return self._kernel("value", None)({**(values or {}), **named})

    def gradient(self, values: Mapping[str, Any] | None = None, *, wrt: Any = None, **named: Any) -> Any:
        return self._kernel("gradient", wrt)({**(values or {}), **named})

    def gradients(self, values: Mapping[str, Any] | None = None, *, wrt: Any = None, **named: Any) -> tuple[Any, ...]:
        """The gradients with respect to several variables (default: all, in order) from one evaluation.

        Shared parts (``Xw + b``, ``σ(Xw + b) − y``) are computed once, as in one backward pass:
        ``gw, gb = c.gradients(X=X, w=w, b=b, y=y)``.
        """
        names = [self.function.variable(v).name for v in (wrt if wrt is not None else self.function.variables)]
        first, *rest = [self._kernel("gradient", name) for name in names]
        return first.together({**(values or {}), **named}, *(kernel.expr for kernel in rest))

    def hessian(self, values: Mapping[str, Any] | None = None, *, wrt: Any = None, **named: Any) -> Any:
        return self._kernel("hessian", wrt)({**(values or {}), **named})

    def jacobian(self, values: Mapping[str, Any] | None = None, *, wrt: Any = None, **named: Any) -> Any:
        return self._kernel("jacobian", wrt)({**(values or {}), **named})
