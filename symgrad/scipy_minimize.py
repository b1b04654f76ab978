"""``symgrad.minimize``: :func:`scipy.optimize.minimize`, fed with exact derivatives.

The signature, the options and the result are SciPy's own, so code written for
SciPy runs unchanged; what symgrad adds is where the derivatives come from and
a record of the run:

* ``fun`` may be a :class:`~symgrad.Function`, text (``"(1-x)^2 + 100*(y-x^2)^2"``)
  or a SymPy expression. Its gradient (``jac``) and Hessian (``hess``) are then
  derived symbolically and compiled (:meth:`symgrad.Function.compile`), and each
  method gets the derivatives it uses (the table :data:`SCIPY_METHODS`). A plain
  Python callable is passed to SciPy as it is.
* ``args``: with a symbolic ``fun``, extra values bind to the function's
  *parameters* (its free symbols that are not variables), in natural name order;
  the count must match.
* Constraints given as dicts may give ``"fun"`` as text or an expression of the
  same variables; its Jacobian is derived the same way.
* ``jac=True`` means, as in SciPy, "``fun`` returns ``(value, gradient)``": with a
  symbolic ``fun`` symgrad provides that pair.
* The result is SciPy's ``OptimizeResult`` with one more key, ``trace``: a
  :class:`~symgrad.Trace` of the iterates (the points SciPy's ``callback`` sees).

Method names are matched without regard to case (``"l-bfgs-b"``), and the default
method is SciPy's (BFGS, L-BFGS-B with bounds, SLSQP with constraints).
"""

from __future__ import annotations

import inspect
import warnings
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import sympy

from .errors import InputError
from .function import Function, as_function
from .trace import Trace

if TYPE_CHECKING:  # scipy.optimize takes a second to import: only when minimize runs
    from scipy.optimize import OptimizeResult

__all__ = ["minimize", "SCIPY_METHODS"]

#: SciPy method -> the derivatives symgrad hands it (the rest of SciPy's methods use none)
SCIPY_METHODS: dict[str, tuple[str, ...]] = {
    "Nelder-Mead": (), "Powell": (), "COBYLA": (), "COBYQA": (),
    "CG": ("jac",), "BFGS": ("jac",), "L-BFGS-B": ("jac",), "TNC": ("jac",), "SLSQP": ("jac",),
    "Newton-CG": ("jac", "hess"), "trust-constr": ("jac", "hess"), "dogleg": ("jac", "hess"),
    "trust-ncg": ("jac", "hess"), "trust-exact": ("jac", "hess"), "trust-krylov": ("jac", "hess"),
}

_BY_LOWER_NAME = {name.lower(): name for name in SCIPY_METHODS}
_DEPRECATED = "symgrad.minimize(%s=...) is deprecated; use SciPy's name %s (it will be removed in symgrad 0.3)"


def minimize(
    fun: Any,
    x0: Any = None,
    args: tuple[Any, ...] = (),
    method: str | Callable[..., Any] | None = None,
    jac: Any = None,
    hess: Any = None,
    hessp: Any = None,
    bounds: Any = None,
    constraints: Any = (),
    tol: float | None = None,
    callback: Callable[..., Any] | None = None,
    options: dict[str, Any] | None = None,
    *,
    backend: str = "numpy",
    start: Any = None,
    max_steps: int | None = None,
    **legacy_options: Any,
) -> OptimizeResult:
    """Minimise ``fun`` from ``x0`` with :func:`scipy.optimize.minimize` and symgrad's derivatives.

    Arguments:
        fun: a :class:`~symgrad.Function`, text, a SymPy expression, or a Python callable.
        x0: the start point (any sequence of numbers, exact ones included).
        args, method, jac, hess, hessp, bounds, constraints, tol, callback, options:
            as in :func:`scipy.optimize.minimize`; a ``jac``/``hess`` you give wins over the derived one.
        backend: the compiled backend of the derivatives (``"numpy"`` or ``"torch"``).
        start, max_steps, other keywords: the names of symgrad 0.1 (deprecated): ``x0``,
            ``options["maxiter"]`` and entries of ``options``.

    Returns:
        SciPy's ``OptimizeResult``; ``result.trace`` is a :class:`~symgrad.Trace` of the iterates.

    Example:
        >>> import symgrad as sg
        >>> res = sg.minimize("(1 - x)^2 + 100*(y - x^2)^2", [-1.2, 1], method="trust-exact")
        >>> [round(float(v), 6) for v in res.x], res.trace.stop_reason
        ([1.0, 1.0], 'gradient_tolerance')
    """
    from scipy import optimize as so

    x0, options = _legacy_arguments(x0, start, max_steps, options, legacy_options)
    objective = _Objective.build(fun, args, backend)
    x0 = objective.start(x0)
    name = _method_name(method, bounds, constraints)
    kwargs = objective.derivatives(SCIPY_METHODS[name] if isinstance(name, str) else ())
    kwargs.update({key: value for key, value in {"jac": jac, "hess": hess}.items() if value is not None})
    if jac is True:
        kwargs["jac"] = True
        fun_for_scipy = objective.value_and_gradient if objective.symbolic else objective.fun
    else:
        fun_for_scipy = objective.fun
    if hessp is not None:
        kwargs.pop("hess", None)
        kwargs["hessp"] = hessp
    points = [np.array(x0, dtype=float)]
    record = _Recorder(points, callback, name)
    result = so.minimize(fun_for_scipy, x0, args=objective.scipy_args, method=name, bounds=bounds,
                         constraints=objective.constraints(constraints), tol=tol, callback=record,
                         options=options, **kwargs)
    result["trace"] = objective.trace(points, result, name)
    return result


# -- arguments ------------------------------------------------------------------------------------
def _legacy_arguments(x0: Any, start: Any, max_steps: int | None, options: dict | None,
                      legacy: dict[str, Any]) -> tuple[Any, dict[str, Any] | None]:
    """Map symgrad 0.1's ``start``, ``max_steps`` and loose option keywords onto SciPy's names, with a warning."""
    if start is not None:
        warnings.warn(_DEPRECATED % ("start", "x0"), DeprecationWarning, stacklevel=3)
        if x0 is not None:
            raise InputError("give the start point once, as x0 (start= is its deprecated name)")
        x0 = start
    if x0 is None:
        raise InputError("minimize needs a start point x0, e.g. minimize(f, [0.0, 0.0])")
    options = dict(options or {})
    if max_steps is not None:
        warnings.warn(_DEPRECATED % ("max_steps", 'options={"maxiter": ...}'), DeprecationWarning, stacklevel=3)
        options.setdefault("maxiter", int(max_steps))
    if legacy:
        names = ", ".join(sorted(legacy))
        warnings.warn(_DEPRECATED % (names, f'options={{"{sorted(legacy)[0]}": ...}}'), DeprecationWarning,
                      stacklevel=3)
        options = {**legacy, **options}
    return x0, options or None


def _method_name(method: str | Callable[..., Any] | None, bounds: Any, constraints: Any) -> str | Callable[..., Any]:
    """SciPy's spelling of ``method`` (any case), or SciPy's default for these bounds and constraints."""
    if method is None:
        has_constraints = bool(constraints) if not isinstance(constraints, dict) else True
        return "SLSQP" if has_constraints else ("L-BFGS-B" if bounds is not None else "BFGS")
    if callable(method):
        return method
    if not isinstance(method, str) or method.lower() not in _BY_LOWER_NAME:
        raise InputError(f"unknown method {method!r}; choose one of {', '.join(SCIPY_METHODS)}")
    return _BY_LOWER_NAME[method.lower()]


# -- the objective, symbolic or a callable -----------------------------------------------------------
class _Objective:
    """What SciPy calls: compiled value and derivatives of a symbolic function, or a user's callable."""

    symbolic = True

    @staticmethod
    def build(fun: Any, args: tuple[Any, ...], backend: str) -> _Objective:
        if callable(fun) and not isinstance(fun, (Function, sympy.Basic)):
            return _CallableObjective(fun, args)
        return _Objective(as_function(fun), tuple(args), backend)

    def __init__(self, function: Function, args: tuple[Any, ...], backend: str):
        if not function.is_scalar:
            raise InputError("minimize needs a scalar function, but this one is vector-valued")
        self.function = function
        self.variables = function.variables
        self.n = function.n
        self.backend = backend
        parameters = _parameters(function)
        if len(parameters) != len(args):
            names = ", ".join(p.name for p in parameters) or "none"
            raise InputError(
                f"{function.expr} has {len(parameters)} parameter(s) ({names}) besides its variables, "
                f"but args gives {len(args)} value(s); args binds values to the parameters in this order"
            )
        self.parameters = parameters
        whole = Function(function.expr, (*function.variables, *parameters)) if parameters else function
        self.compiled = whole.compile(backend)
        self._bound = _Bound(self.compiled, self.n) if parameters else None
        self.scipy_args = tuple(float(a) for a in args)

    def start(self, x0: Any) -> np.ndarray:
        return np.array([float(v) for v in self.function.vector(x0)], dtype=float)

    @property
    def fun(self) -> Callable[..., Any]:
        return self._bound.fun if self._bound else self.compiled.fun

    @property
    def value_and_gradient(self) -> Callable[..., Any]:
        return self._bound.fun_and_jac if self._bound else _FunAndJac(self.compiled)

    def derivatives(self, names: Sequence[str]) -> dict[str, Callable[..., Any]]:
        source = self._bound or self.compiled
        return {name: getattr(source, name) for name in names}  # no-eval: ok -- names from the SCIPY_METHODS table

    def constraints(self, constraints: Any) -> Any:
        """Dict constraints whose ``fun`` is text or an expression get compiled ``fun`` and ``jac``."""
        if isinstance(constraints, dict):
            return self._constraint(constraints)
        if isinstance(constraints, (list, tuple)):
            return [self._constraint(c) if isinstance(c, dict) else c for c in constraints]
        return constraints

    def _constraint(self, constraint: dict) -> dict:
        fun = constraint.get("fun")
        if callable(fun) and not isinstance(fun, (Function, sympy.Basic)):
            return constraint
        g = Function(as_function(fun).expr, self.variables)
        return {**constraint, "fun": _ConstraintFunction(g.compile(self.backend) if g.is_scalar else None, g)}

    def trace(self, points: list[np.ndarray], result: OptimizeResult, method: Any) -> Trace:
        path = np.array(points, dtype=float)
        args = np.broadcast_to(np.array(self.scipy_args, dtype=float), (len(path), len(self.scipy_args)))
        full = np.concatenate([path, args], axis=1)
        losses = np.asarray(self.compiled.value(full), dtype=float).reshape(len(path))
        norms = np.linalg.norm(np.asarray(self.compiled.gradient(full), dtype=float)[:, : self.n], axis=1)
        return _scipy_trace(self.function, self.variables, path, losses, norms, result, method)


class _CallableObjective:
    """A user's Python callable: passed to SciPy unchanged, evaluated again only for the trace."""

    symbolic = False

    def __init__(self, fun: Callable, args: tuple[Any, ...]):
        self.fun = fun
        self.scipy_args = tuple(args)
        self.n: int | None = None

    def start(self, x0: Any) -> np.ndarray:
        x = np.asarray(x0, dtype=float).reshape(-1)
        self.n = x.size
        return x

    def derivatives(self, names: Sequence[str]) -> dict[str, Callable[..., Any]]:
        return {}

    def constraints(self, constraints: Any) -> Any:
        listed = [constraints] if isinstance(constraints, dict) else constraints
        if any(isinstance(c, dict) and not callable(c.get("fun")) for c in listed or ()):
            raise InputError("a constraint given as text needs fun as text or a Function too, so that both "
                             "name the same variables; with a Python callable fun, give constraints as callables")
        return constraints

    def trace(self, points: list[np.ndarray], result: OptimizeResult, method: Any) -> Trace:
        path = np.array(points, dtype=float)
        value = self.fun(path[0], *self.scipy_args)
        returns_pair = isinstance(value, tuple)
        losses = np.array([float(self.fun(p, *self.scipy_args)[0] if returns_pair else self.fun(p, *self.scipy_args))
                           for p in path])
        norms = np.array([float(np.linalg.norm(self.fun(p, *self.scipy_args)[1])) if returns_pair else np.nan
                          for p in path])
        variables = tuple(sympy.Symbol(f"x{i}") for i in range(path.shape[1]))
        return _scipy_trace(self.fun, variables, path, losses, norms, result, method)


def _parameters(function: Function) -> tuple[sympy.Symbol, ...]:
    """The free symbols that are not variables, in natural order (``a2`` before ``a10``)."""
    extra = function.expr.free_symbols - set(function.variables)
    return Function(sum(extra, sympy.Integer(0))).variables if extra else ()


# Module-level classes rather than closures: SciPy's workers (and joblib) pickle what they call.
class _Bound:
    """Value and derivatives of ``f(x, p)`` with the parameters ``p`` given as SciPy's ``args``."""

    def __init__(self, compiled: Any, n: int):
        self.compiled = compiled
        self.n = n

    def _full(self, x: Any, args: tuple[Any, ...]) -> np.ndarray:
        return np.concatenate([np.asarray(x, dtype=float).reshape(self.n), np.asarray(args, dtype=float)])

    def fun(self, x: Any, *args: Any) -> float:
        return self.compiled.fun(self._full(x, args))

    def jac(self, x: Any, *args: Any) -> np.ndarray:
        return self.compiled.jac(self._full(x, args))[: self.n]

    def hess(self, x: Any, *args: Any) -> np.ndarray:
        return self.compiled.hess(self._full(x, args))[: self.n, : self.n]

    def fun_and_jac(self, x: Any, *args: Any) -> tuple[float, np.ndarray]:
        return self.fun(x, *args), self.jac(x, *args)


class _FunAndJac:
    """``fun`` for SciPy's ``jac=True``: one call returns ``(value, gradient)``."""

    def __init__(self, compiled: Any):
        self.compiled = compiled

    def __call__(self, x: Any, *args: Any) -> tuple[float, np.ndarray]:
        return self.compiled.fun(x), self.compiled.jac(x)


class _ConstraintFunction:
    """A constraint's ``fun`` given as text or an expression, evaluated from its compiled form."""

    def __init__(self, compiled: Any, function: Function):
        self.compiled = compiled
        self.function = function

    def __call__(self, x: Any, *args: Any) -> Any:
        if self.compiled is not None:
            return self.compiled.fun(x)
        values = self.function.expr.xreplace(dict(zip(self.function.variables, map(sympy.Float, x))))
        return np.array([float(v) for v in values], dtype=float)


class _Recorder:
    """SciPy's callback: keeps each iterate for the trace, then calls the user's callback as SciPy would.

    SciPy hands TNC, COBYLA and COBYQA callbacks what those solvers give; the
    other methods an ``OptimizeResult``, passed on as ``callback(intermediate_result=...)``
    when that is the callback's only parameter, else as ``callback(xk)``
    (``callback(xk, state)`` for trust-constr). ``StopIteration`` ends the run, as in SciPy.
    """

    _UNWRAPPED = ("TNC", "COBYLA", "COBYQA")

    def __init__(self, points: list[np.ndarray], callback: Callable[..., Any] | None, method: Any):
        self.points = points
        self.callback = callback
        self.new_style = callback is not None and _takes_intermediate_result(callback)
        self.method = method

    def __call__(self, intermediate_result: Any) -> Any:
        x = getattr(intermediate_result, "x", intermediate_result)
        self.points.append(np.array(x, dtype=float).reshape(-1))
        if self.callback is None:
            return None
        if self.method in self._UNWRAPPED:
            return self.callback(intermediate_result)
        if self.new_style:
            return self.callback(intermediate_result=intermediate_result)
        if self.method == "trust-constr":
            return self.callback(np.copy(x), intermediate_result)
        return self.callback(np.copy(x))


def _takes_intermediate_result(callback: Callable[..., Any]) -> bool:
    try:
        return set(inspect.signature(callback).parameters) == {"intermediate_result"}
    except (TypeError, ValueError):
        return False


def _scipy_trace(function: Any, variables: tuple, path: np.ndarray, losses: np.ndarray, norms: np.ndarray,
                 result: OptimizeResult, method: Any) -> Trace:
    """A :class:`Trace` of a SciPy run; ``stop_reason`` says whether SciPy succeeded and on what."""
    name = method if isinstance(method, str) else getattr(method, "__name__", "custom")
    maxiter_hit = "iteration" in str(result.get("message", "")).lower()
    finite = bool(np.all(np.isfinite(losses)))
    if result.success:
        stop = "gradient_tolerance" if SCIPY_METHODS.get(name) else "converged"
    else:
        stop = "max_steps" if maxiter_hit else ("diverged" if not finite else "failed")
    return Trace(
        function=function, variables=tuple(variables), points=[tuple(map(float, p)) for p in path], losses=losses,
        gradient_norms=norms, steps=len(path) - 1, stop_reason=stop,
        diverged_at=None if stop != "diverged" else int(np.argmax(~np.isfinite(losses))),
        advice=None if result.success else f"scipy: {result.get('message', '')}", method=f"scipy:{name}", lr=None,
        exact=False, options={"nfev": int(result.get("nfev", 0) or 0), "njev": int(result.get("njev", 0) or 0)},
    )
