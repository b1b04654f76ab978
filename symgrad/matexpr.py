"""Vector and matrix expressions: the one representation the parser builds and the matrix engine reads.

Vectors and matrices are SymPy matrix expressions (:class:`~sympy.MatrixSymbol`,
``MatMul``, ``MatAdd``, ``Transpose``, ``Inverse``, ``HadamardProduct``,
``DiagMatrix``, ``OneMatrix`` ...). SymPy lacks a few nodes a course writes, so
they are defined here, with shapes and printing but **no derivative rules**
(those are tables in :mod:`symgrad.matrix`):

* :class:`ScalarOf` -- a scalar wrapping a 1×1 matrix expression (``wᵀx``), so it
  can be added to scalars (``ScalarOf(w.T*x) + b``) without SymPy expanding
  ``M[0, 0]`` into an indexed sum.
* :class:`Elementwise` -- a scalar function applied entrywise (``σ(Xw)``); its
  name is a key of :data:`ELEMENTWISE`.
* :class:`Softmax` (a column vector), :class:`LogSumExp` and :class:`SumOf`
  (scalars).

Shapes are declared with :func:`declare`; a dimension is an ``int`` or a name
(:func:`dimension`). Stage 1: imports only SymPy.

Example:
    >>> X, w, y = declare("X", ("N", "d")), declare("w", "d"), declare("y", "N")
    >>> r = X * w - y
    >>> ScalarOf(r.T * r)
    (w.T*X.T - y.T)*(X*w - y)
    >>> Elementwise("sigmoid", X * w)
    σ(X*w)
    >>> X.T * (Elementwise("sigmoid", X * w) - y)
    X.T*(σ(X*w) - y)
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any, Callable, TypeVar, Union

import sympy
from sympy.core.symbol import Str
from sympy.matrices.expressions.diagonal import DiagMatrix
from sympy.printing.latex import LatexPrinter
from sympy.printing.precedence import PRECEDENCE, precedence
from sympy.printing.str import StrPrinter

from .errors import InputError

__all__ = [
    "ELEMENTWISE", "ElementwiseFunction", "ScalarOf", "Elementwise", "Softmax", "LogSumExp", "SumOf",
    "DiagMatrix", "dimension", "declare", "is_matrix", "matrix_symbols", "text", "latex",
]

Dim = Union[int, str, sympy.Expr]
Shape = Union[Dim, tuple[Dim, ...]]


# -- shapes ---------------------------------------------------------------------------------------------
def dimension(spec: Dim) -> sympy.Expr:
    """A matrix dimension: an ``int`` becomes ``Integer``, a name a positive integer ``Symbol``.

    >>> dimension(3), dimension("N"), dimension("N").is_positive
    (3, N, True)
    """
    if isinstance(spec, bool):
        raise InputError(f"a dimension is a positive integer or a name such as 'N', not {spec!r}")
    if isinstance(spec, (int, sympy.Integer)):
        if int(spec) < 1:
            raise InputError(f"a dimension must be at least 1, got {spec}")
        return sympy.Integer(int(spec))
    if isinstance(spec, sympy.Symbol):
        return sympy.Symbol(spec.name, integer=True, positive=True)
    if isinstance(spec, str) and spec.isidentifier():
        return sympy.Symbol(spec, integer=True, positive=True)
    if isinstance(spec, str) and spec.strip().isdigit():
        return dimension(int(spec))
    raise InputError(f"a dimension is a positive integer or a name such as 'N', not {spec!r}")


def declare(name: str, shape: Shape) -> sympy.MatrixSymbol:
    """The :class:`~sympy.MatrixSymbol` ``name`` of ``shape``.

    A single dimension (``"d"`` or ``3``, or a 1-tuple) is a column vector ``(d, 1)``;
    a 2-tuple is a matrix.

    >>> declare("w", "d").shape, declare("X", ("N", 3)).shape
    ((d, 1), (N, 3))
    """
    if not (isinstance(name, str) and name.isidentifier()):
        raise InputError(f"a vector or matrix name must be a plain name such as 'X', got {name!r}")
    if isinstance(shape, (list, tuple)):
        if len(shape) == 1:
            return declare(name, shape[0])
        if len(shape) != 2:
            raise InputError(f"shape of {name!r} must be one dimension (a column vector) or two, got {shape!r}; "
                             "e.g. shapes={'X': ('N', 'd'), 'w': 'd'}")
        return sympy.MatrixSymbol(name, dimension(shape[0]), dimension(shape[1]))
    return sympy.MatrixSymbol(name, dimension(shape), sympy.Integer(1))


def is_matrix(expr: sympy.Basic) -> bool:
    """True for a vector or matrix expression, False for a scalar.

    >>> is_matrix(declare("w", 3)), is_matrix(ScalarOf(declare("w", 3).T * declare("w", 3)))
    (True, False)
    """
    return isinstance(expr, sympy.MatrixExpr)


def matrix_symbols(expr: sympy.Basic) -> dict[str, sympy.MatrixSymbol]:
    """The matrix symbols in ``expr`` by name.

    >>> sorted(matrix_symbols(ScalarOf(declare("w", 3).T * declare("x", 3))))
    ['w', 'x']
    """
    try:
        return dict(_cached_matrix_symbols(expr))
    except TypeError:  # unhashable (a mutable Matrix): no cache
        return dict(_matrix_symbols(expr))


def _matrix_symbols(expr: sympy.Basic) -> tuple[tuple[str, sympy.MatrixSymbol], ...]:
    return tuple((m.name, m) for m in sorted(expr.atoms(sympy.MatrixSymbol), key=lambda m: m.name))  # a fixed order: seeded draws repeat


_cached_matrix_symbols = functools.lru_cache(maxsize=4096)(_matrix_symbols)
"""Found once per expression: certification and evaluation ask about the same few expressions thousands of times."""


# -- the entrywise function table -------------------------------------------------------------------------
@dataclass(frozen=True)
class ElementwiseFunction:
    """One scalar function usable entrywise: its SymPy scalar form and how it prints."""

    name: str
    scalar: Callable[[sympy.Expr], sympy.Expr]
    text: str
    latex: str


def _sigmoid(z: sympy.Expr) -> sympy.Expr:
    return 1 / (1 + sympy.exp(-z))


ELEMENTWISE: dict[str, ElementwiseFunction] = {
    f.name: f
    for f in (
        ElementwiseFunction("exp", sympy.exp, "exp", r"\exp"),
        ElementwiseFunction("log", sympy.log, "log", r"\log"),
        ElementwiseFunction("sigmoid", _sigmoid, "σ", r"\sigma"),
        ElementwiseFunction("tanh", sympy.tanh, "tanh", r"\tanh"),
        ElementwiseFunction("relu", lambda z: sympy.Max(0, z), "relu", r"\operatorname{relu}"),
        ElementwiseFunction("softplus", lambda z: sympy.log(1 + sympy.exp(z)), "softplus",
                            r"\operatorname{softplus}"),
        ElementwiseFunction("sqrt", sympy.sqrt, "sqrt", r"\sqrt"),
        ElementwiseFunction("abs", sympy.Abs, "abs", r"\operatorname{abs}"),
        ElementwiseFunction("sin", sympy.sin, "sin", r"\sin"),
        ElementwiseFunction("cos", sympy.cos, "cos", r"\cos"),
        ElementwiseFunction("step", lambda z: sympy.Heaviside(z, 0), "step", r"\theta"),
        ElementwiseFunction("sign", sympy.sign, "sign", r"\operatorname{sign}"),
    )
}


def _need_matrix(arg: sympy.Basic, what: str) -> sympy.MatrixExpr:
    if not isinstance(arg, sympy.MatrixExpr):
        raise InputError(f"{what} takes a vector or matrix, got the scalar {arg}")
    return arg


def _need_column(arg: sympy.Basic, what: str) -> sympy.MatrixExpr:
    arg = _need_matrix(arg, what)
    if arg.shape[1] != 1:
        raise InputError(f"{what} takes a column vector, got {arg} of shape {arg.shape}")
    return arg


def _call_latex(printer, name: str, arg: sympy.Basic) -> str:
    return rf"{name}\left({printer._print(arg)}\right)"


# -- nodes ---------------------------------------------------------------------------------------------
class ScalarOf(sympy.Expr):
    """The scalar held by a 1×1 matrix expression (``wᵀx``, ``rᵀr``); prints as the matrix expression.

    >>> w, x = declare("w", "d"), declare("x", "d")
    >>> ScalarOf(w.T * x) + sympy.Symbol("b")
    b + w.T*x
    >>> sympy.latex(ScalarOf(w.T * x) ** 2)
    '\\\\left(w^{T} x\\\\right)^{2}'
    """

    is_commutative = True
    is_real = True

    def __new__(cls, matrix: sympy.Basic) -> ScalarOf:
        matrix = _need_matrix(matrix, "ScalarOf")
        if matrix.shape != (1, 1):
            raise InputError(f"ScalarOf takes a 1×1 matrix expression, got {matrix} of shape {matrix.shape}")
        return super().__new__(cls, matrix)

    @property
    def arg(self) -> sympy.MatrixExpr:
        return self.args[0]

    @property
    def precedence(self) -> int:
        inner = precedence(self.arg)
        return PRECEDENCE["Mul"] if inner >= PRECEDENCE["Mul"] and not isinstance(self.arg, sympy.MatrixSymbol) \
            and inner != PRECEDENCE["Atom"] else inner

    def _eval_transpose(self) -> ScalarOf:
        return self

    def _sympystr(self, printer) -> str:
        return printer._print(self.arg)

    def _latex(self, printer) -> str:
        return printer._print(self.arg)

    def _pretty(self, printer) -> Any:
        return printer._print(self.arg)


class Elementwise(sympy.MatrixExpr):
    """``f`` applied to every entry of ``A`` (``σ(Xw)``, ``exp(v)``); ``f`` is a key of :data:`ELEMENTWISE`.

    >>> w = declare("w", 3)
    >>> e = Elementwise("tanh", w)
    >>> e.shape, e.name, e.T
    ((3, 1), 'tanh', tanh(w.T))
    >>> sympy.latex(Elementwise("sigmoid", declare("X", ("N", "d")) * w))
    '\\\\sigma\\\\left(X w\\\\right)'
    """

    def __new__(cls, name: str | Str, arg: sympy.Basic) -> Elementwise:
        name = name.name if isinstance(name, Str) else name
        if name not in ELEMENTWISE:
            raise InputError(f"no entrywise function {name!r}; known: {', '.join(ELEMENTWISE)}")
        return super().__new__(cls, Str(name), _need_matrix(arg, name))

    @property
    def name(self) -> str:
        return self.args[0].name

    @property
    def function(self) -> ElementwiseFunction:
        return ELEMENTWISE[self.name]

    @property
    def arg(self) -> sympy.MatrixExpr:
        return self.args[1]

    @property
    def shape(self) -> tuple[sympy.Expr, sympy.Expr]:
        return self.arg.shape

    def _entry(self, i, j, **kwargs) -> sympy.Expr:
        return self.function.scalar(self.arg._entry(i, j, **kwargs))

    def _eval_transpose(self) -> Elementwise:
        return Elementwise(self.name, self.arg.T)

    def _sympystr(self, printer) -> str:
        return f"{self.function.text}({printer._print(self.arg)})"

    def _latex(self, printer) -> str:
        return _call_latex(printer, self.function.latex, self.arg)


class Softmax(sympy.MatrixExpr):
    """``softmax(v) = exp(v) / Σ exp(v)`` for a column vector ``v``; a column vector of ``v``'s shape.

    >>> Softmax(declare("z", "K")).shape
    (K, 1)
    """

    def __new__(cls, arg: sympy.Basic) -> Softmax:
        return super().__new__(cls, _need_column(arg, "softmax"))

    @property
    def arg(self) -> sympy.MatrixExpr:
        return self.args[0]

    @property
    def shape(self) -> tuple[sympy.Expr, sympy.Expr]:
        return self.arg.shape

    def _entry(self, i, j, **kwargs) -> sympy.Expr:
        n = self.arg.shape[0]
        if not n.is_Integer:
            raise InputError("softmax entries need a concrete length")
        total = sympy.Add(*(sympy.exp(self.arg._entry(k, 0, **kwargs)) for k in range(int(n))))
        return sympy.exp(self.arg._entry(i, 0, **kwargs)) / total

    def _sympystr(self, printer) -> str:
        return f"softmax({printer._print(self.arg)})"

    def _latex(self, printer) -> str:
        return _call_latex(printer, r"\operatorname{softmax}", self.arg)


_S = TypeVar("_S", bound="_ScalarFunctionOfMatrix")


class _ScalarFunctionOfMatrix(sympy.Expr):
    """A scalar computed from a whole matrix expression (shared shape checks and printing)."""

    is_commutative = True
    is_real = True
    _text = ""
    _latex_name = ""
    _column_only = False

    def __new__(cls: type[_S], arg: sympy.Basic) -> _S:
        check = _need_column if cls._column_only else _need_matrix
        return super().__new__(cls, check(arg, cls._text))

    @property
    def arg(self) -> sympy.MatrixExpr:
        return self.args[0]

    def _eval_transpose(self) -> _ScalarFunctionOfMatrix:
        return self

    def _sympystr(self, printer) -> str:
        return f"{self._text}({printer._print(self.arg)})"

    def _latex(self, printer) -> str:
        return _call_latex(printer, self._latex_name, self.arg)


class LogSumExp(_ScalarFunctionOfMatrix):
    """``log Σ_k exp(v_k)`` of a column vector ``v`` (a scalar).

    >>> LogSumExp(declare("z", "K")) - 1
    logsumexp(z) - 1
    """

    _text = "logsumexp"
    _latex_name = r"\operatorname{logsumexp}"
    _column_only = True


class SumOf(_ScalarFunctionOfMatrix):
    """The sum of all entries of a vector or matrix (``sum(v)``, ``Σ v``, ``1ᵀv``).

    >>> sympy.latex(SumOf(declare("v", "n")))
    '\\\\operatorname{sum}\\\\left(v\\\\right)'
    """

    _text = "sum"
    _latex_name = r"\operatorname{sum}"


# -- the course's notation for the matrix nodes SymPy prints by class name ---------------------------------------
class _CourseStr(StrPrinter):
    """``diag(v)``, ``a ⊙ b``, ``a^∘2`` instead of ``DiagMatrix(v)``, ``HadamardProduct(a, b)``..."""

    def _print_DiagMatrix(self, expr):
        return f"diag({self._print(expr.args[0])})"

    def _print_HadamardProduct(self, expr):
        return " ⊙ ".join(self.parenthesize(a, PRECEDENCE["Mul"]) for a in expr.args)

    def _print_HadamardPower(self, expr):
        return f"{self.parenthesize(expr.base, PRECEDENCE['Atom'] - 1)}^∘{self.parenthesize(expr.exp, PRECEDENCE['Atom'] - 1)}"

    def _print_DiagonalOf(self, expr):
        return f"diagonal({self._print(expr.args[0])})"

    def _print_MatAdd(self, expr):
        """Terms without a leading minus first: ``1 - σ(Xw)``, not ``-σ(Xw) + 1``."""
        terms = [self._print(t) for t in expr.args]
        terms = [t for t in terms if not t.startswith("-")] + [t for t in terms if t.startswith("-")]
        out = terms[0]
        for t in terms[1:]:
            out += f" - {t[1:]}" if t.startswith("-") else f" + {t}"
        return out

    def _print_Trace(self, expr):
        return f"tr({self._print(expr.arg)})"

    def _print_Determinant(self, expr):
        return f"det({self._print(expr.arg)})"


class _CourseLatex(LatexPrinter):
    def _print_DiagMatrix(self, expr):
        return rf"\operatorname{{diag}}\left({self._print(expr.args[0])}\right)"

    def _print_DiagonalOf(self, expr):
        return rf"\operatorname{{diagonal}}\left({self._print(expr.args[0])}\right)"


def text(expr: sympy.Basic) -> str:
    """Plain text in the notation a course prints (``diag``, ``⊙``, ``tr``, ``det``).

    >>> w, X = declare("w", "d"), declare("X", ("N", "d"))
    >>> s = Elementwise("sigmoid", X * w)
    >>> text(DiagMatrix(sympy.HadamardProduct(s, sympy.OneMatrix(X.rows, 1) - s)) * X)
    'diag(σ(X*w) ⊙ (1 - σ(X*w)))*X'
    """
    return _CourseStr().doprint(expr)


def latex(expr: sympy.Basic) -> str:
    r"""LaTeX in the same notation (``\operatorname{diag}``; SymPy's ``\circ`` for ⊙).

    >>> print(latex(DiagMatrix(declare("w", "d"))))
    \operatorname{diag}\left(w\right)
    """
    return _CourseLatex().doprint(expr)
