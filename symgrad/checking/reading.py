"""Reading answers and keys into one comparable form, :class:`Value`.

An answer arrives as text (read by :func:`symgrad.parsing.parse_answer`, the only
place untrusted text is read) or as a SymPy / Python object. It becomes a
:class:`Value` of one *kind* -- the keys of :data:`KINDS` -- and is then
*coerced* to the kind the key asks for: a row, a column, a tuple and a list are
all the same vector; equations ``w0 = 1.8, w1 = 1.6`` are a vector when the
variables are known; a single expression is the right-hand side of a one-line
equation. What cannot be coerced is a wrong-kind or wrong-shape answer, not an
error. Symbols are matched **by name**: every symbol becomes
``Symbol(name, real=True)``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from numbers import Integral, Real
from typing import Any

import sympy

from ..errors import InputError

__all__ = ["Value", "KINDS", "QUESTION_KINDS", "VERDICT_WORDS", "read", "coerce", "WrongKind", "decimal_warnings"]

#: answer kind -> what it is
KINDS: dict[str, str] = {
    "expression": "a scalar expression in the variables",
    "number": "a single number",
    "vector": "an ordered tuple of scalars (row, column or tuple notation)",
    "matrix": "a matrix of scalars",
    "set": "values in any order (eigenvalues, roots)",
    "equation": "one or more equations such as w0 = 1.8",
    "interval": "a part of the real line: x > 2, -1 < x <= 1, [0, 1), x ∈ (-oo, -1) ∪ (1, oo)",
    "verdict": "a verdict word: convex / not convex / concave; minimum / maximum / saddle; positive definite...",
}

#: question kinds (as exercises name them) -> the answer kind they ask for
QUESTION_KINDS: dict[str, str] = {
    "gradient": "vector",
    "gradient_at": "vector",
    "gd_step": "vector",
    "hessian": "matrix",
    "hessian_at": "matrix",
    "derivative": "expression",
    "partial": "expression",
    "value_at": "number",
    "taylor1": "expression",
    "taylor2": "expression",
    "convexity": "verdict",
    "classify": "verdict",
    "eigenvalues": "set",
    "critical_points": "set",
}

#: (key word, answer word) pairs that agree although the words differ ("is f convex?" -- "yes")
VERDICT_AGREES: frozenset[tuple[str, str]] = frozenset({
    ("convex", "yes"), ("convex", "strictly convex"), ("not convex", "no"),
    ("concave", "strictly concave"),
})

#: accepted spellings -> canonical verdict word
VERDICT_WORDS: dict[str, str] = {
    "convex": "convex", "is convex": "convex", "yes": "yes", "true": "yes", "no": "no", "false": "no",
    "not convex": "not convex", "nonconvex": "not convex", "non-convex": "not convex",
    "non convex": "not convex", "is not convex": "not convex",
    "concave": "concave", "strictly convex": "strictly convex", "strictly concave": "strictly concave",
    "not concave": "not concave",
    "minimum": "minimum", "min": "minimum", "local minimum": "minimum", "local min": "minimum",
    "maximum": "maximum", "max": "maximum", "local maximum": "maximum", "local max": "maximum",
    "saddle": "saddle", "saddle point": "saddle", "neither": "neither", "none": "neither",
    **{f"{sign} {strict}definite": f"{sign} {strict}definite" for sign in ("positive", "negative")
       for strict in ("", "semi-", "semi ", "semi")},
    "indefinite": "indefinite", "not definite": "indefinite",
}
for _phrase in [p for p in VERDICT_WORDS if "semi" in p]:  # "semi definite", "semidefinite" -> "semi-definite"
    VERDICT_WORDS[_phrase] = _phrase.replace("semi ", "semi-").replace("semidefinite", "semi-definite")
for _phrase in ("positive definite", "negative definite", "positive semi-definite", "negative semi-definite"):
    VERDICT_WORDS[_phrase.replace(" ", "-", 1)] = _phrase  # "positive-definite"
    VERDICT_WORDS[f"the matrix is {_phrase}"] = VERDICT_WORDS[f"it is {_phrase}"] = _phrase


class WrongKind(Exception):
    """An answer that cannot be coerced to the kind of the key (carries a diagnosis code)."""

    def __init__(self, code: str, message: str):
        self.code = code
        super().__init__(message)


@dataclass(frozen=True)
class Value:
    """A read answer or key.

    ``data`` by kind: ``expression``/``number`` -> Expr; ``vector``/``set`` ->
    tuple of Expr; ``matrix`` -> ImmutableMatrix; ``equation`` -> tuple of
    ``(lhs, rhs)`` pairs; ``verdict`` -> canonical word.
    """

    kind: str
    data: Any

    def components(self) -> list[Any]:
        """The scalar entries, in order (row-major for matrices)."""
        if self.kind in ("vector", "set"):
            return list(self.data)
        if self.kind == "matrix":
            return list(self.data)
        if self.kind == "equation":
            return [lhs - rhs for lhs, rhs in self.data]
        return [self.data]


# ------------------------------------------------------------------------------------------ reading
def read(obj: Any, *, limits: Any = None, symbols: Any = None) -> Any:
    """Text -> SymPy via :func:`symgrad.parsing.parse_answer`; objects pass through (symbols renamed)."""
    if isinstance(obj, str):
        word = _verdict_word(obj)
        if word is not None:
            return word
        if not obj.strip():
            raise EmptyAnswer("no answer was given")
        from ..parsing import parse_answer

        obj = parse_answer(obj, limits=limits, symbols=symbols)
    return _canonical(obj)


def without_label(answer: Any, key_kind: str) -> tuple[Any, list[str]]:
    """``"∇f = (2x, 2y)"`` -> ``("(2x, 2y)", ["read '∇f =' as a label"])`` unless the key is an equation."""
    if not isinstance(answer, str) or key_kind == "equation":
        return answer, []
    from ..parsing.labels import split_label

    label, rest = split_label(answer)
    return (rest, [f"read '{label} =' as a label of the answer"]) if label else (answer, [])


class EmptyAnswer(InputError):
    """The answer is empty."""


def _verdict_word(text: str) -> str | None:
    key = " ".join(text.strip().lower().replace("_", " ").split()).rstrip(".")
    return VERDICT_WORDS.get(key)


def _canonical(obj: Any) -> Any:
    """Symbols renamed to ``Symbol(name, real=True)``; Python containers and numbers to SymPy."""
    if isinstance(obj, str):
        return obj
    if hasattr(obj, "value") and isinstance(getattr(obj, "value"), str) and not isinstance(obj, sympy.Basic):
        word = _verdict_word(obj.value)  # a parse.Verdict (a str Enum)
        return word if word is not None else obj.value
    if isinstance(obj, bool):
        raise InputError(f"expected a mathematical answer, got {obj!r}")
    if isinstance(obj, (Integral, Fraction)) and not isinstance(obj, sympy.Basic):
        return sympy.Rational(Fraction(obj))
    if isinstance(obj, Real) and not isinstance(obj, sympy.Basic):
        return sympy.Float(float(obj))
    if isinstance(obj, sympy.MatrixBase):
        return sympy.ImmutableMatrix(obj.applyfunc(_rename))
    if isinstance(obj, (sympy.Eq, sympy.Equality)):
        return sympy.Eq(_rename(obj.lhs), _rename(obj.rhs), evaluate=False)
    if isinstance(obj, sympy.FiniteSet):
        return sympy.FiniteSet(*[_canonical(v) for v in obj])
    if isinstance(obj, sympy.Basic):
        return _rename(obj)
    if isinstance(obj, (list, tuple)):
        items = [_canonical(v) for v in obj]
        if items and all(isinstance(v, sympy.MatrixBase) for v in items):
            return items  # rows given as vectors; coerce() decides
        return tuple(items) if isinstance(obj, tuple) else items
    if hasattr(obj, "tolist") and hasattr(obj, "shape"):  # NumPy arrays
        return _canonical(obj.tolist())
    if hasattr(obj, "expr") and hasattr(obj, "variables"):  # a Function
        return _canonical(obj.expr)
    raise InputError(f"cannot read an answer of type {type(obj).__name__}: {obj!r}")


def _rename(expr: Any) -> Any:
    if not isinstance(expr, sympy.Basic):
        return _canonical(expr)
    mapping = {s: sympy.Symbol(s.name, real=True) for s in expr.free_symbols if isinstance(s, sympy.Symbol)}
    return expr.xreplace(mapping) if mapping else expr


# ------------------------------------------------------------------------------------------ kinds
def kind_of(obj: Any) -> Value:
    """The natural kind of a read object (used for keys)."""
    if isinstance(obj, str):
        return Value("verdict", obj)
    if isinstance(obj, sympy.MatrixBase):
        rows, cols = obj.shape
        if cols == 1 or rows == 1:
            return Value("vector", tuple(obj))
        return Value("matrix", sympy.ImmutableMatrix(obj))
    if isinstance(obj, (sympy.FiniteSet, type(sympy.EmptySet))):
        return Value("set", tuple(obj))
    if isinstance(obj, sympy.Equality):
        return Value("equation", ((obj.lhs, obj.rhs),))
    if isinstance(obj, sympy.Contains) and isinstance(obj.args[1], sympy.FiniteSet):
        return Value("set", tuple(obj.args[1]))  # x ∈ {2, -2}: the solutions
    if isinstance(obj, (sympy.Contains, sympy.Set, sympy.core.relational.Relational, sympy.And)):
        return Value("interval", obj)
    if isinstance(obj, list) and any(isinstance(v, sympy.Tuple) for v in obj):
        return Value("set", tuple(obj))  # (0, 0), (1, 1): a bare list of points
    if isinstance(obj, (list, tuple)):
        if obj and all(isinstance(v, sympy.Equality) for v in obj):
            return Value("equation", tuple((v.lhs, v.rhs) for v in obj))
        if obj and all(isinstance(v, (list, tuple, sympy.MatrixBase)) for v in obj):
            return Value("matrix", _matrix_from_rows(obj))
        return Value("vector", tuple(_scalar(v) for v in obj))
    if isinstance(obj, sympy.Expr):
        return Value("number" if not obj.free_symbols else "expression", obj)
    raise WrongKind("wrong_kind", f"cannot use {type(obj).__name__} here")


def _scalar(v: Any) -> sympy.Expr:
    if isinstance(v, sympy.Expr):
        return v
    if isinstance(v, sympy.MatrixBase) and v.shape == (1, 1):
        return v[0, 0]
    raise WrongKind("wrong_kind", "expected a single value in each component")


def _matrix_from_rows(rows: Sequence[Any]) -> sympy.ImmutableMatrix:
    lists = [list(r) for r in rows]
    if len({len(r) for r in lists}) != 1:
        raise WrongKind("wrong_shape", "the rows of the matrix have different lengths")
    return sympy.ImmutableMatrix(lists)


def coerce(obj: Any, key: Value, variables: Sequence[str] = (), lenient: bool = False) -> tuple[Value, list[str]]:
    """Read ``obj`` as the kind of ``key``; returns the value and reading warnings.

    The kinds are strict (see :data:`COERCIONS`): a value is not an equation, a number is not a
    one-element set, a scalar is not a vector. ``lenient=True`` (the caller named the kind, e.g.
    ``kind="eigenvalues"`` or ``kind="gd_step"``) also accepts the readings that kind makes
    unambiguous: one value for a one-element list or a one-component vector, a vector or matrix
    entries as a list of values, values in order for named equations.

    Raises :class:`WrongKind` (with code ``wrong_kind`` or ``wrong_shape``) when impossible.
    """
    return _COERCERS[key.kind](obj, key, list(variables), lenient)


#: (answer kind, key kind) -> when the answer is read as the key's kind (the README's table of kinds)
COERCIONS: dict[tuple[str, str], str] = {
    ("vector", "vector"): "always (row, column, tuple or bare list 1, 3)",
    ("equation", "vector"): "always, when each equation names one variable (w0 = 1.3, w1 = 1.6)",
    ("expression", "vector"): "only a one-component vector and only with an explicit kind (kind='gd_step')",
    ("vector", "set"): "bare lists 1, 3 always; bracketed vectors only with an explicit kind (kind='eigenvalues')",
    ("equation", "set"): "always when every equation names the same variable (x = 2 or x = -2)",
    ("expression", "set"): "only with an explicit kind: one value as a one-element list",
    ("vector", "matrix"): "a flat list when the key is a row or column of that length",
}


def _to_scalar(obj, key, variables, lenient=False):
    natural = kind_of(obj)
    if natural.kind in ("expression", "number"):
        return Value(key.kind, natural.data), []
    if natural.kind == "vector" and len(natural.data) == 1 and lenient:
        return Value(key.kind, natural.data[0]), ["a one-component vector read as a single value"]
    raise WrongKind("wrong_kind", f"a single {_NOUNS[key.kind]} is expected, but the answer is {_NOUNS_A[natural.kind]}")


#: kind -> noun used in wrong-kind messages
_NOUNS = {"expression": "expression", "number": "number", "vector": "vector", "matrix": "matrix",
          "set": "set of values", "equation": "equation", "verdict": "verdict word", "interval": "interval"}
_NOUNS_A = {k: ("an " if v[0] in "aeiou" else "a ") + v for k, v in _NOUNS.items()}


def _to_vector(obj, key, variables, lenient=False):
    n = len(key.data)
    natural = kind_of(obj)
    warnings: list[str] = []
    if natural.kind == "equation":
        natural, warnings = _equations_to_vector(natural, variables), ["equations read as the components in variable order"]
    elif natural.kind in ("set", "interval"):
        raise WrongKind("wrong_kind", f"a vector (ordered, in brackets) is expected, not {_NOUNS_A[natural.kind]}")
    elif natural.kind == "matrix":
        raise WrongKind("wrong_shape", f"a vector with {n} components is expected, not a matrix")
    elif natural.kind in ("expression", "number"):
        if n != 1 or not lenient:
            raise WrongKind("wrong_kind", f"a vector with {n} component{'s' if n != 1 else ''} is expected, "
                            "but the answer is a single value")
        natural = Value("vector", (natural.data,))
    elif natural.kind == "verdict":
        raise WrongKind("wrong_kind", "a vector is expected, not a word")
    if len(natural.data) != n:
        raise WrongKind("wrong_shape", f"a vector with {n} components is expected, but the answer has {len(natural.data)}")
    return Value("vector", tuple(natural.data)), warnings


def _equations_to_vector(value: Value, variables: list[str]) -> Value:
    names = [_name(lhs) for lhs, _ in value.data]
    if None in names:
        raise WrongKind("wrong_kind", "equations must have one variable on the left, like w0 = 1.8")
    order = variables or sorted(names, key=_natural_key)
    missing = [v for v in order if v not in names]
    if missing or len(set(names)) != len(names):
        raise WrongKind("wrong_shape", f"give one equation for each of {', '.join(order)}")
    by_name = {name: rhs for name, (_, rhs) in zip(names, value.data)}
    return Value("vector", tuple(by_name[v] for v in order))


def _name(expr: Any) -> str | None:
    return expr.name if isinstance(expr, sympy.Symbol) else None


def _natural_key(name: str):
    return [int(p) if p.isdigit() else p for p in re.split(r"(\d+)", name)]


def _to_matrix(obj, key, variables, lenient=False):
    natural = kind_of(obj)
    shape = key.data.shape
    if natural.kind == "matrix":
        if natural.data.shape != shape:
            raise WrongKind("wrong_shape", f"a {shape[0]}x{shape[1]} matrix is expected, but the answer is "
                            f"{natural.data.shape[0]}x{natural.data.shape[1]}")
        return natural, []
    if natural.kind == "vector" and 1 in shape and len(natural.data) == shape[0] * shape[1]:
        return Value("matrix", sympy.ImmutableMatrix(shape[0], shape[1], list(natural.data))), []
    raise WrongKind("wrong_shape" if natural.kind == "vector" else "wrong_kind",
                    f"a {shape[0]}x{shape[1]} matrix is expected, but the answer is a {natural.kind}")


def _to_set(obj, key, variables, lenient=False):
    natural = kind_of(obj)
    if natural.kind == "set" or (natural.kind == "vector" and (lenient or isinstance(obj, list))):
        return Value("set", tuple(natural.data)), []
    if natural.kind in ("expression", "number") and lenient:
        return Value("set", (natural.data,)), []
    if natural.kind == "matrix" and lenient:
        return Value("set", tuple(natural.data)), ["matrix entries read as a list of values"]
    if natural.kind == "equation":
        names = {_name(lhs) for lhs, _ in natural.data}
        if len(names) == 1 and None not in names:
            return Value("set", tuple(rhs for _, rhs in natural.data)), [f"read as the solutions {names.pop()} = ..."]
        if lenient:
            return Value("set", tuple(rhs for _, rhs in natural.data)), ["read the right-hand sides of the equations"]
    raise WrongKind("wrong_kind", f"a set of values such as {{1, 3}} (or 1, 3) is expected, "
                    f"but the answer is {_NOUNS_A[natural.kind]}")


def _to_equation(obj, key, variables, lenient=False):
    natural = kind_of(obj)
    if natural.kind == "equation":
        if len(natural.data) != len(key.data):
            raise WrongKind("wrong_shape", f"{len(key.data)} equation(s) are expected, but the answer has {len(natural.data)}")
        return natural, []
    lhs_names = [_name(lhs) for lhs, _ in key.data]
    if lenient and all(lhs_names) and natural.kind == "vector" and len(natural.data) == len(key.data):
        return (Value("equation", tuple((lhs, v) for (lhs, _), v in zip(key.data, natural.data))),
                [f"read as values of {', '.join(lhs_names)} in that order"])
    raise WrongKind("wrong_kind", f"an equation such as {lhs_names[0] or 'y'} = ... is expected, "
                    f"but the answer is {_NOUNS_A[natural.kind]}")


def _to_interval(obj, key, variables, lenient=False):
    natural = kind_of(obj)
    if natural.kind != "interval":
        raise WrongKind("wrong_kind", "a part of the real line is expected, such as x > 2, -1 < x <= 1 or "
                        f"x ∈ [0, 1), but the answer is {_NOUNS_A[natural.kind]}")
    return natural, []


def _to_verdict(obj, key, variables, lenient=False):
    if isinstance(obj, str):
        return Value("verdict", obj), []
    raise WrongKind("wrong_kind", "a verdict word is expected (for example: convex, not convex, minimum, saddle)")


_COERCERS = {
    "expression": _to_scalar,
    "number": _to_scalar,
    "vector": _to_vector,
    "matrix": _to_matrix,
    "set": _to_set,
    "equation": _to_equation,
    "interval": _to_interval,
    "verdict": _to_verdict,
}


def as_kind(value: Value, kind: str) -> Value:
    """Re-label a key read naturally as ``kind`` (a 1-component key asked for as a number...)."""
    if value.kind == kind:
        return value
    if kind in ("expression", "number") and value.kind in ("expression", "number"):
        return Value(kind, value.data)
    if kind == "set" and value.kind in ("vector", "expression", "number"):
        return Value("set", tuple(value.components()))
    if kind == "vector" and value.kind in ("expression", "number"):
        return Value("vector", (value.data,))
    if kind == "matrix" and value.kind == "vector":
        return Value("matrix", sympy.ImmutableMatrix(len(value.data), 1, list(value.data)))
    raise InputError(f"the key is a {value.kind}, which cannot be read as kind={kind!r}")


# ------------------------------------------------------------------------------------------ warnings
_DECIMAL = re.compile(r"(?<![\w.])(\d*\.\d+|\d+\.\d*)(?![\w.])")


def decimal_warnings(text: Any, limit: int = 5) -> list[str]:
    """``"0.5 read as 1/2"`` for each decimal literal in the answer text (no evaluation involved)."""
    if not isinstance(text, str) or len(text) > 2000:
        return []
    warnings = []
    for literal in _DECIMAL.findall(text)[:limit]:
        if len(literal) > 30:
            continue
        fraction = Fraction(literal)
        shown = str(fraction.numerator) if fraction.denominator == 1 else f"{fraction.numerator}/{fraction.denominator}"
        warnings.append(f"{literal} read as {shown}")
    return warnings


def domain_spec(domain: Any) -> tuple[tuple[str, float, float, str], ...]:
    """``domain=`` -> ``((name, low, high, assumption), ...)`` for :class:`~.equivalence.Settings`.

    Accepts a mapping ``{name: "positive" | "nonnegative" | "negative" | "nonpositive" | "real" | (low, high)}``.
    """
    if domain is None:
        return ()
    if not isinstance(domain, Mapping):
        raise InputError(f"domain must be a mapping such as {{'x': 'positive'}} or {{'x': (0, 5)}}, got {domain!r}")
    ranges = {"positive": (0.05, 3.0), "nonnegative": (0.0, 3.0), "negative": (-3.0, -0.05),
              "nonpositive": (-3.0, 0.0), "real": (-2.0, 2.0)}
    spec = []
    for name, rule in domain.items():
        name = name.name if isinstance(name, sympy.Symbol) else str(name)
        if isinstance(rule, str):
            if rule not in ranges:
                raise InputError(f"unknown domain {rule!r} for {name}; use one of {', '.join(ranges)} or (low, high)")
            spec.append((name, *ranges[rule], rule))
        elif isinstance(rule, (tuple, list)) and len(rule) == 2:
            low, high = float(rule[0]), float(rule[1])
            if not low < high:
                raise InputError(f"the domain of {name} must have low < high, got {rule!r}")
            assumption = "positive" if low > 0 else "nonnegative" if low == 0 else \
                "negative" if high < 0 else "nonpositive" if high == 0 else "real"
            spec.append((name, low, high, assumption))
        else:
            raise InputError(f"the domain of {name} must be a word or (low, high), got {rule!r}")
    return tuple(spec)


DOMAIN_WORDS = {"positive": "> 0", "nonnegative": ">= 0", "negative": "< 0", "nonpositive": "<= 0"}
