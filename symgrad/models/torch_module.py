"""A symbolic model as a ``torch.nn.Module`` whose backward pass is the symbolic derivative.

:func:`to_torch_module` registers one ``nn.Parameter`` per parameter symbol and
evaluates the expression with lambdified torch code. Its backward pass is a
``torch.autograd.Function`` that multiplies the incoming gradient by the
lambdified *symbolic* partial derivatives ``∂φ/∂θ_j`` and ``∂φ/∂x_k`` (summed
over the batch for the scalar parameters), so any ``torch.optim`` optimizer
trains it from symgrad's derivatives rather than from a recorded tape.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import sympy

from ..backends import import_torch, prepare_for_numerics
from ..errors import InputError
from ..function import Function

if TYPE_CHECKING:
    from torch.nn import Module

__all__ = ["to_torch_module"]


def _symbols(given: Sequence[Any] | None, expr: sympy.Expr, what: str) -> tuple[sympy.Symbol, ...]:
    free = {s.name: s for s in expr.free_symbols}
    out = []
    for item in given or ():
        name = item.name if isinstance(item, sympy.Symbol) else str(item)
        if name not in free:
            raise InputError(f"{what} {name!r} does not occur in {expr}; its symbols are {', '.join(sorted(free))}")
        out.append(free[name])
    return tuple(out)


def to_torch_module(expr: Any, parameters: Sequence[Any] | None = None, inputs: Sequence[Any] | None = None,
                    init: Mapping[str, float] | None = None, dtype: Any = None) -> Module:
    """``φ(x; θ)`` as a ``torch.nn.Module`` with one scalar ``nn.Parameter`` per parameter.

    Arguments:
        expr: a SymPy expression, a :class:`~symgrad.Function`, or a :class:`~symgrad.models.Model`
            (whose ``parameters`` and ``inputs`` are then the defaults).
        parameters: the trainable symbols (or names).
        inputs: the input symbols, in the order ``forward`` takes them; ``forward(X)`` with
            ``X`` of shape ``(N, len(inputs))`` is also accepted.
        init: initial values by parameter name (default 0).
        dtype: the parameters' dtype (default ``torch.get_default_dtype()``).

    Returns:
        a module; ``module(x)`` gives ``φ`` per sample, ``module.symbolic`` the expression.

    Example:
        >>> from symgrad.models import LinearModel
        >>> m = to_torch_module(LinearModel(), init={"w": 2.0, "b": 1.0})
        >>> import torch; m(torch.tensor([1.0, 2.0])).tolist()
        [3.0, 5.0]
    """
    torch = import_torch()
    nn = torch.nn
    if hasattr(expr, "parameters") and hasattr(expr, "inputs") and not isinstance(expr, sympy.Basic):
        parameters = parameters if parameters is not None else expr.parameters
        inputs = inputs if inputs is not None else expr.inputs
        expr = expr.expr
    if isinstance(expr, Function):
        expr = expr.expr
    if not isinstance(expr, sympy.Expr):
        raise InputError(f"to_torch_module needs a SymPy expression, a Function or a Model, got {type(expr).__name__}")
    params = _symbols(parameters, expr, "parameter")
    xs = _symbols(inputs, expr, "input")
    missing = expr.free_symbols - set(params) - set(xs)
    if missing:
        raise InputError(f"{', '.join(sorted(s.name for s in missing))} is neither a parameter nor an input; list it in one")
    args = [*xs, *params]
    value_fn = sympy.lambdify(args, prepare_for_numerics(expr), modules="torch")
    partial_fns = [sympy.lambdify(args, prepare_for_numerics(sympy.diff(expr, a)), modules="torch") for a in args]
    apply = _autograd_function(torch, value_fn, partial_fns).apply
    initial = dict(init or {})
    unknown = set(initial) - {p.name for p in params}
    if unknown:
        raise InputError(f"init names {', '.join(sorted(unknown))}, which are not parameters ({', '.join(p.name for p in params)})")

    class SymbolicModule(nn.Module):
        symbolic = expr
        parameter_symbols = params
        input_symbols = xs

        def __init__(self):
            super().__init__()
            kind = dtype or torch.get_default_dtype()
            for p in params:
                self.register_parameter(p.name, nn.Parameter(torch.tensor(float(initial.get(p.name, 0.0)), dtype=kind)))

        def forward(self, *inputs_):
            if len(inputs_) == 1 and len(xs) > 1:
                inputs_ = tuple(inputs_[0].unbind(-1))
            if len(inputs_) != len(xs):
                raise InputError(f"this module takes {len(xs)} input(s) ({', '.join(x.name for x in xs)}), got {len(inputs_)}")
            return apply(*inputs_, *(self._parameters[p.name] for p in params))

        def extra_repr(self) -> str:
            return f"{expr}"

    return SymbolicModule()


def _autograd_function(torch, value_fn, partial_fns):
    """A ``torch.autograd.Function`` whose backward multiplies by the symbolic partials."""

    def as_tensor(value, like):
        return value if isinstance(value, torch.Tensor) else torch.as_tensor(value, dtype=like.dtype, device=like.device)

    class Symbolic(torch.autograd.Function):
        @staticmethod
        def forward(ctx, *args):
            ctx.save_for_backward(*args)
            shape = torch.broadcast_shapes(*(a.shape for a in args))
            return torch.broadcast_to(as_tensor(value_fn(*args), args[0]), shape).clone()

        @staticmethod
        def backward(ctx, grad_out):
            args = ctx.saved_tensors
            grads = []
            for i, (arg, fn) in enumerate(zip(args, partial_fns)):
                if not ctx.needs_input_grad[i]:
                    grads.append(None)
                    continue
                g = grad_out * as_tensor(fn(*args), grad_out)
                grads.append(g.sum() if arg.dim() == 0 else g.sum_to_size(arg.shape))
            return tuple(grads)

    return Symbolic
