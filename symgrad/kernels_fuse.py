"""Logistic patterns of a SymEngine expression rewritten as single, overflow-free torch kernels.

Why: the derivatives of ``log(1 + e^u)`` (softplus, logistic and softmax
losses) are quotients ``e^{ku} / (1 + e^u)^m``. Run as written they cost an
``exp``, an add, a reciprocal and a multiply per factor, and overflow to
``inf/inf = nan`` once ``u > 709``. As the logistic sigmoid ``s = σ(u)`` they are
``s^k σ(-u)^{m-k}`` -- one ``torch.sigmoid`` per sign, exact for every ``u``
(``σ(-u)`` is computed as such, never as ``1 - s``, which cancels to 0 where
``s ≈ 1``). :func:`fuse` rewrites the expressions *before* CSE, into
SymEngine function symbols that :data:`FUSED` maps to torch:

* ``e^{ku} / (1 + e^u)^m`` → ``σ(u)^k σ(-u)^{m-k}`` (``0 ≤ k ≤ m``), ``σ(u)^m e^{(k-m)u}`` (``k > m``);
* ``1 / (1 + e^{-u})`` is the case ``k = 0`` of ``v = -u``: ``σ(u)``;
* ``log(1 + e^u)`` → ``softplus(u)``, evaluated as ``logaddexp(u, 0)`` (exact where ``e^u`` overflows).

Example:
    >>> import symengine as se
    >>> u = se.Symbol("u")
    >>> fuse(se.exp(2*u) / (1 + se.exp(u))**3)
    sigmoid(-u)*sigmoid(u)**2
    >>> fuse(se.log(1 + se.exp(u)))
    softplus(u)
"""

from __future__ import annotations

from typing import Any

__all__ = ["FUSED", "elementary", "fuse"]

#: the function symbols :func:`fuse` introduces → the torch function computing each (one tensor argument)
FUSED = {"sigmoid": "sigmoid", "softplus": "logaddexp"}


def fuse(e: Any) -> Any:
    """``e`` with every logistic pattern of the module docstring replaced by ``sigmoid``/``softplus`` symbols."""
    return _Fuser()(e) if _has_exp(e) else e


class _Rewriter:
    """A bottom-up rewrite of a SymEngine DAG, each distinct subexpression rewritten once (memo)."""

    def __init__(self) -> None:
        self.memo: dict[Any, Any] = {}

    def __call__(self, e: Any) -> Any:
        if e not in self.memo:
            self.memo[e] = e if not e.args or not e.free_symbols else self._rewrite(e)
        return self.memo[e]

    def _rewrite(self, e: Any) -> Any:
        raise NotImplementedError


class _Fuser(_Rewriter):
    def _rewrite(self, e: Any) -> Any:
        kind = type(e).__name__
        # a power inside a product is fused with its partner e^{ku} there, not on its own
        args = [self._unfused(a) if kind == "Mul" and type(a).__name__ == "Pow" else self(a) for a in e.args]
        if kind == "log" and _exp_argument_of_one_plus(args[0]) is not None:
            return _function("softplus", _exp_argument_of_one_plus(args[0]))
        if kind in ("Mul", "Pow"):
            factors = args if kind == "Mul" else [_rebuilt(e, args)]
            fused = _fuse_factors(factors)
            if fused is not None:
                return fused
        return _rebuilt(e, args)

    def _unfused(self, power: Any) -> Any:
        return _rebuilt(power, [self(a) for a in power.args])


def _rebuilt(e: Any, args: list[Any]) -> Any:
    """``e`` with ``args``; ``e`` itself when nothing changed (the DAG CSE sees stays as it was)."""
    return e if args == list(e.args) else e.func(*args)


def _function(name: str, argument: Any) -> Any:
    import symengine

    return symengine.Function(name)(argument)


def _exp_argument_of_one_plus(e: Any) -> Any:
    """``u`` when ``e`` is ``1 + e^u``, else None."""
    if type(e).__name__ != "Add" or len(e.args) != 2:
        return None
    one, other = sorted(e.args, key=lambda a: not a.is_Number)
    if not (one.is_Number and one == 1):
        return None
    return _exp_argument(other)


def _exp_argument(e: Any) -> Any:
    if type(e).__name__ == "Pow" and type(e.args[0]).__name__ == "Exp1":
        return e.args[1]
    return None


def _negative_integer_power(e: Any) -> tuple[Any, int] | None:
    """``(u, m)`` when ``e`` is ``(1 + e^u)^{-m}`` with ``m`` a positive integer, else None."""
    if type(e).__name__ != "Pow" or not (e.args[1].is_Integer and int(e.args[1]) < 0):
        return None
    u = _exp_argument_of_one_plus(e.args[0])
    return None if u is None else (u, -int(e.args[1]))


def _positive_multiple(w: Any, u: Any, m: int) -> int | None:
    """``k ≥ 1`` with ``w = k·u`` (sums compared expanded, ``k`` up to ``m + 2``), else None."""
    import symengine

    ratio = w / u
    if ratio.is_Integer:
        return int(ratio) if int(ratio) > 0 else None
    if type(u).__name__ != "Add":
        return None
    return next((k for k in range(1, m + 3) if symengine.expand(w - k * u) == 0), None)


def _fuse_factors(factors: list[Any]) -> Any:
    """The product of ``factors`` with each ``e^{ku} (1 + e^u)^{-m}`` as sigmoids; None when there is none."""
    import symengine

    factors = list(factors)
    changed = False
    for position, factor in enumerate(factors):
        match = _negative_integer_power(factor)
        if match is None:
            continue
        u, m = match
        k, partner = 0, None
        for other, candidate in enumerate(factors):
            w = _exp_argument(candidate)
            multiple = None if w is None else _positive_multiple(w, u, m)
            if multiple is not None:
                k, partner = multiple, other
                break
        s, s_minus = _function("sigmoid", u), _function("sigmoid", symengine.expand(-u))  # -(-a - b) as a + b
        factors[position] = s**k * s_minus ** (m - k) if k <= m else s**m * symengine.exp((k - m) * u)
        if partner is not None:
            factors[partner] = symengine.Integer(1)
        changed = True
    if not changed:
        return None
    product = symengine.Integer(1)
    for factor in factors:
        product = product * factor
    return product


def elementary(e: Any) -> Any:
    """``fuse(e)`` written back in functions every SymEngine backend has, still free of overflow.

    For SymEngine's ``lambda`` and LLVM kernels, which have no sigmoid:
    ``σ(u) = 1 / (1 + e^{-u})`` (``e^{-u} = inf`` gives ``0``, as it should) and
    ``softplus(u) = max(u, 0) + log(1 + e^{-|u|})``. So every engine gives the
    same finite numbers where ``e^u`` overflows, whatever the batch size.

    Example:
        >>> import symengine as se
        >>> u = se.Symbol("u")
        >>> elementary(se.exp(u) / (1 + se.exp(u)))
        (1 + exp(-u))**(-1)
    """
    return _Elementary()(fuse(e)) if _has_exp(e) else e


def _has_exp(e: Any) -> bool:
    """Whether ``e`` has ``e^u`` anywhere, which every logistic pattern has (SymEngine's ``has``: one C++ walk)."""
    import symengine

    return bool(e.has(symengine.E))


class _Elementary(_Rewriter):
    def _rewrite(self, e: Any) -> Any:
        args = [self(a) for a in e.args]
        if type(e).__name__ == "FunctionSymbol" and e.get_name() in _ELEMENTARY:
            return _ELEMENTARY[e.get_name()](args[0])
        return _rebuilt(e, args)


def _sigmoid(u: Any) -> Any:
    import symengine

    return 1 / (1 + symengine.exp(-u))


def _softplus(u: Any) -> Any:
    import symengine

    return symengine.Max(u, 0) + symengine.log(1 + symengine.exp(-symengine.Abs(u)))


#: the fused function symbols in elementary, overflow-free form (:func:`elementary`)
_ELEMENTARY = {"sigmoid": _sigmoid, "softplus": _softplus}
