"""The matrix engine's side of a ``Function`` of vectors and matrices: reading, variables, compiled kernels.

``sg.Function(text_or_expr, shapes={...}, variables=[...])`` returns a
:class:`symgrad.function.MatrixFunction` when ``shapes`` is given or the expression
holds vectors/matrices (:mod:`symgrad.matexpr`). That class lives beside
``Function`` (``Function.__new__`` dispatches to it); this module holds what it
uses from the engine and never imports :mod:`symgrad.function`:
``variables`` names what to differentiate with respect to; every other symbol
is a parameter and stays symbolic.

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
from typing import Any

import sympy

from .._deprecation import renamed
from ..errors import InputError
from ..matexpr import ScalarOf, declare, is_matrix, matrix_symbols
from .derive import matrix_gradient, matrix_hessian, matrix_jacobian
from .evaluate import Kernel

__all__ = ["CompiledMatrixFunction", "DERIVATIVES", "derive", "named_values", "read_function"]

Variable = sympy.MatrixSymbol | sympy.Symbol


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


def read_function(expr: Any, variables: Iterable[Any] | None,
                  shapes: Mapping[str, Any] | None) -> tuple[sympy.Basic, tuple[Variable, ...]]:
    """The expression (a 1×1 product as a scalar) and its variables, with the declared shapes checked.

    Example:
        >>> expr, variables = read_function("||X w - y||^2", ["w"], {"X": ("N", "d"), "w": "d", "y": "N"})
        >>> variables
        (w,)
        >>> derive(expr, "gradient", variables[0])
        2*X.T*(X*w - y)
    """
    read = _read(expr, shapes)
    _check_shapes(read, shapes)
    if is_matrix(read) and read.shape == (1, 1):
        read = ScalarOf(read)
    if is_matrix(read) and read.shape[1] != 1:
        raise InputError(f"a function's value must be a scalar or a column vector, got shape {read.shape}")
    return read, _variables(read, variables)


def _jacobian(expr: sympy.Basic, v: Variable) -> sympy.Basic:
    if not is_matrix(expr):
        raise InputError("a Jacobian needs a vector-valued function; use gradient() for a scalar one")
    return matrix_jacobian(expr, v)


def _scalar_only(what: str, rule: Any) -> Callable[[sympy.Basic, Variable], sympy.Basic]:
    def derive_scalar(expr: sympy.Basic, v: Variable) -> sympy.Basic:
        if is_matrix(expr):
            raise InputError(f"{what} needs a scalar function, but this one is vector-valued; "
                             "use jacobian() for a vector-valued map")
        return rule(expr, v)

    return derive_scalar


def _hessian(expr: sympy.Basic, v: Variable) -> sympy.Basic:
    if isinstance(v, sympy.Symbol):
        raise InputError(f"the matrix engine gives Hessians with respect to vectors; {v} is a scalar")
    return matrix_hessian(expr, v)


#: derivative kind -> the engine's rule (each result is certified by the engine)
DERIVATIVES: dict[str, Callable[[sympy.Basic, Variable], sympy.Basic]] = {"gradient": _scalar_only("gradient", matrix_gradient), "hessian": _scalar_only("hessian", _hessian),
               "jacobian": _jacobian}


def derive(expr: sympy.Basic, kind: str, v: Variable) -> sympy.Basic:
    """``kind`` ("gradient", "hessian" or "jacobian") of ``expr`` with respect to ``v``, certified."""
    return DERIVATIVES[kind](expr, v)


def named_values(args: tuple[Any, ...], values: Mapping[str, Any]) -> dict[str, Any]:
    if len(args) == 1 and isinstance(args[0], Mapping):
        return {**{str(k): v for k, v in args[0].items()}, **values}
    if args:
        raise InputError("give vectors and matrices by name: f.at(X=X, w=w, y=y)")
    return dict(values)


class CompiledMatrixFunction:
    """``value``, ``gradient``, ``hessian``, ``jacobian`` of a :class:`symgrad.function.MatrixFunction` as kernels.

    Each takes the data by name (``c.gradient(X=X, y=y, w=w)``); ``variables=`` picks the variable when
    there are several. torch kernels keep the input's dtype and device and are differentiable.
    """

    def __init__(self, f: Any, backend: str):  # f: a symgrad.function.MatrixFunction
        self.function: Any = f
        self.backend: str = backend
        self._kernels: dict[tuple[str, str], Kernel] = {}

    def _kernel(self, kind: str, variable: Any) -> Kernel:
        name = "" if kind == "value" else self.function.variable(variable).name
        key = (kind, name)
        if key not in self._kernels:
            expr = self.function.expr if kind == "value" else self.function._derive(kind, name)
            self._kernels[key] = Kernel(expr, self.backend, (self.function.expr,))
        return self._kernels[key]

    def value(self, values: Mapping[str, Any] | None = None, **named: Any) -> Any:
        return self._kernel("value", None)({**(values or {}), **named})

    @renamed(wrt="variables")
    def gradient(self, values: Mapping[str, Any] | None = None, *, variables: Any = None, **named: Any) -> Any:
        return self._kernel("gradient", variables)({**(values or {}), **named})

    @renamed(wrt="variables")
    def gradients(self, values: Mapping[str, Any] | None = None, *, variables: Any = None, **named: Any) -> tuple[Any, ...]:
        """The gradients with respect to several variables (default: all, in order) from one evaluation.

        Shared parts (``Xw + b``, ``σ(Xw + b) − y``) are computed once, as in one backward pass:
        ``gw, gb = c.gradients(X=X, w=w, b=b, y=y)``.
        """
        names = [self.function.variable(v).name for v in (variables if variables is not None else self.function.variables)]
        first, *rest = [self._kernel("gradient", name) for name in names]
        return first.together({**(values or {}), **named}, *(kernel.expr for kernel in rest))

    @renamed(wrt="variables")
    def hessian(self, values: Mapping[str, Any] | None = None, *, variables: Any = None, **named: Any) -> Any:
        return self._kernel("hessian", variables)({**(values or {}), **named})

    @renamed(wrt="variables")
    def jacobian(self, values: Mapping[str, Any] | None = None, *, variables: Any = None, **named: Any) -> Any:
        return self._kernel("jacobian", variables)({**(values or {}), **named})
