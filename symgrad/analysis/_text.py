"""The one-line Unicode printer for SymPy objects, shared by the analysis reasons and :mod:`symgrad.rendering`.

Sentences of :mod:`symgrad.analysis` quote formulas (``f'' = 12w² ≥ 0``); the
worked derivations of :mod:`symgrad.steps` print the same formulas through
:func:`symgrad.rendering.text_of`. Both use :class:`TextPrinter` from here, so a
formula reads the same in a verdict's reason and in a derivation. The module
sits at stage 3 (it needs only SymPy) because analysis must not import render
(stage 8); render imports the printer from here and adds layout and LaTeX.

How it prints: :class:`TextPrinter` is a SymPy ``StrPrinter`` with Unicode
symbols (``w₀``, ``η``, ``π``, ``x²``, ``√(…)``, ``≥``); terminating fractions
print as decimals (``9/5`` → ``1.8``, the chapter's style) while the data stays
exact; numbers substituted into an expression (``UnevaluatedExpr``) print in
parentheses (``4(3)``). :func:`tidy_text` then turns ``*`` into implicit
products where that is unambiguous (``4w₀``, ``2πn``, ``w₀w₁``) and ``·`` elsewhere.
"""

from __future__ import annotations

import re
from typing import Any

import sympy
from sympy.printing.str import StrPrinter
from ._matrix_text import MatrixTextRules

__all__ = ["TextPrinter", "NumberRules", "text", "ascending_text", "print_order_terms", "ascending_terms", "tidy_text", "symbol_text", "decimal_text", "float_text", "approx_text",
           "APPROX_DECIMALS", "SUPERSCRIPTS"]

UE = sympy.UnevaluatedExpr

_GREEK = {"alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ε", "eta": "η", "theta": "θ",
          "lambda": "λ", "mu": "μ", "sigma": "σ", "phi": "φ", "rho": "ρ", "tau": "τ", "omega": "ω", "pi": "π",
          "Delta": "Δ", "nabla": "∇"}
_SUB = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")
SUPERSCRIPTS = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")


def decimal_text(r: sympy.Rational) -> str | None:
    """``9/5`` → ``"1.8"``; None unless the decimal expansion terminates (denominator 2ᵃ5ᵇ)."""
    q, twos, fives = int(r.q), 0, 0
    while q % 2 == 0:
        q, twos = q // 2, twos + 1
    while q % 5 == 0:
        q, fives = q // 5, fives + 1
    if q != 1:
        return None
    digits = max(twos, fives)
    scaled = abs(int(r.p)) * 10**digits // int(r.q)
    whole, frac = divmod(scaled, 10**digits)
    return ("-" if r < 0 else "") + f"{whole}.{frac:0{digits}d}"


def float_text(f: sympy.Float, latex: bool = False) -> str:
    """A float in at most 10 significant digits; a power of ten as ``6.87·10⁻⁷`` (``latex=True``:
    ``6.87 \\cdot 10^{-7}``), never ``6.87e-07``."""
    shown = format(float(f), ".10g")
    if "e" not in shown:
        return shown
    mantissa, exponent = shown.split("e")
    power = str(int(exponent))
    return mantissa + (rf" \cdot 10^{{{power}}}" if latex else "·10" + power.translate(SUPERSCRIPTS))


APPROX_DECIMALS = 4
"""Decimals of a number shown as ``≈`` (a root with no closed form, a value computed from one)."""


def approx_text(value: Any, decimals: int = APPROX_DECIMALS) -> str:
    """A real number rounded for display: ``CRootOf(2x³ − 5x + 2, 0)`` → ``"-1.7523"`` (``decimals`` places;
    very large or very small magnitudes in 5 significant digits, ``1.2346·10⁻⁷``). The minus stays ASCII here;
    :func:`tidy_text` turns it into ``−``.

    Example:
        >>> approx_text(sympy.sqrt(2))
        '1.4142'
    """
    number = float(sympy.N(value, 30)) if isinstance(value, sympy.Basic) else float(value)
    if number != 0 and (abs(number) >= 1e6 or abs(number) < 10.0 ** (1 - decimals)):
        return float_text(sympy.Float(float(format(number, ".5g"))))
    shown = f"{number:.{decimals}f}"
    return "0." + "0" * decimals if float(shown) == 0 else shown


class NumberRules:
    """Shared rules: terminating fractions as decimals; substituted numbers in parentheses;
    with the setting ``ascending``, the outermost sum in ascending powers."""

    _outermost: Any = None

    def doprint(self, expr: Any) -> str:
        self._outermost = expr
        return super().doprint(expr)  # type: ignore[misc]

    def _print_Rational(self, expr: sympy.Rational) -> str:
        if expr.q == 1:
            return str(expr.p)
        return decimal_text(expr) or super()._print_Rational(expr)  # type: ignore[misc]

    def _print_Float(self, expr: sympy.Float) -> str:
        return float_text(expr)

    def _print_UnevaluatedExpr(self, expr: UE) -> str:
        return self._print(expr.args[0])

    def _substituted_factor(self, arg: sympy.Basic) -> str:
        inner = self._print(arg.args[0])
        return self._paren(inner)

    def _print_Mul(self, expr: sympy.Mul) -> str:
        if not any(isinstance(a, UE) or _is_substituted_power(a) for a in expr.args):
            return super()._print_Mul(expr)  # type: ignore[misc]
        coefficient, factors = expr.as_coeff_mul()
        bare_first = coefficient in (1, -1)  # 2(3): the first substituted number leads without parentheses
        parts = []
        for k, f in enumerate(factors):
            if isinstance(f, UE) and k == 0 and bare_first and _plain_number(f.args[0]):
                parts.append(self._print(f.args[0]))
            elif isinstance(f, UE):
                parts.append(self._substituted_factor(f))
            elif _is_substituted_power(f):
                parts.append(self._power(self._paren(self._print(f.base.args[0])), f.exp))
            else:
                parts.append(self._factor(f))
        body = self._join(parts)
        if coefficient == 1:
            return body
        if coefficient == -1:
            return "-" + body
        return self._join([self._print(coefficient), body])

    def _print_Pow(self, expr: sympy.Pow) -> str:
        if isinstance(expr.base, UE):
            inner = self._print(expr.base.args[0])
            return self._power(inner if _plain_number(expr.base.args[0]) and expr.base.args[0].is_Integer
                               else self._paren(inner), expr.exp)
        return super()._print_Pow(expr)  # type: ignore[misc]

    def _print_Add(self, expr: sympy.Add, order: str | None = None) -> str:
        if expr.has(UE):  # substituted: keep the order of terms, plain numbers last; 32 − (−0.54)
            terms = negatives_last([a for a in expr.args if not a.is_Number] + [a for a in expr.args if a.is_Number])
            out = ""
            for k, term in enumerate(terms):
                shown = self._print(term)  # type: ignore[attr-defined]
                if k == 0:
                    out = shown
                else:
                    out += " - " + shown[1:] if shown.startswith("-") else " + " + shown
            return out
        if self._settings.get("ascending") and expr is self._outermost and expr.is_polynomial():  # type: ignore[attr-defined]
            terms = ascending_terms(expr)
        else:
            terms = negatives_last(self._as_ordered_terms(expr, order=order))  # type: ignore[attr-defined]
        return super()._print_Add(sympy.Add(*terms, evaluate=False), order="none")  # type: ignore[misc]


def negatives_last(terms: list[sympy.Expr]) -> list[sympy.Expr]:
    """``[−λ, 2]`` → ``[2, −λ]`` (``2 − λ``, not ``−λ + 2``) unless every term is negative."""
    if terms and terms[0].could_extract_minus_sign() and not all(t.could_extract_minus_sign() for t in terms):
        return [t for t in terms if not t.could_extract_minus_sign()] + [
            t for t in terms if t.could_extract_minus_sign()]
    return list(terms)


def print_order_terms(expr: sympy.Add) -> list[sympy.Expr]:
    """The terms of a sum in the order the printers show them: graded lexicographic
    (``w₀² + w₀w₁ + 2w₁²``, ``2w₀ + w₁``), negative terms after the positive ones."""
    return negatives_last(expr.as_ordered_terms(order="grlex"))


def ascending_terms(expr: sympy.Add) -> list[sympy.Expr]:
    """The terms of a polynomial in ascending total degree, as the chapter writes Taylor polynomials:
    ``1 + x + x²/2 + x³/6``, ``66 + 12Δw₀ + 24Δw₁ + 2Δw₀² + 3Δw₁²`` (terms of one degree in graded order)."""
    symbols = sorted(expr.free_symbols, key=lambda s: s.sort_key())

    def degree(term: sympy.Expr) -> int:
        return int(sympy.Poly(term, *symbols).total_degree()) if symbols else 0

    return sorted(print_order_terms(expr), key=degree)


def _is_substituted_power(e: Any) -> bool:
    return isinstance(e, sympy.Pow) and isinstance(e.base, UE)


def _plain_number(value: Any) -> bool:
    """A nonnegative number that needs no parentheses when it leads a product."""
    return isinstance(value, sympy.Number) and value >= 0


class TextPrinter(MatrixTextRules, NumberRules, StrPrinter):
    """One-line Unicode for terminals: ``2w₀² + 3w₁²``, ``η``, ``√(w₀² + w₁²)``, ``4(3)``.

    The setting ``ascending=True`` prints polynomials in ascending powers (``1 + x + x²/2``).
    """

    _default_settings = {**StrPrinter._default_settings, "ascending": False}

    def _paren(self, s: str) -> str:
        return f"({s})"

    def _join(self, parts: list[str]) -> str:
        return "*".join(parts)

    def _factor(self, f: sympy.Basic) -> str:
        return self.parenthesize(f, sympy.printing.precedence.PRECEDENCE["Mul"])

    def _power(self, base: str, exp: sympy.Expr) -> str:
        if exp.is_Integer:
            return base + str(exp).translate(SUPERSCRIPTS)
        return f"{base}^({self._print(exp)})"

    def _print_Symbol(self, expr: sympy.Symbol) -> str:
        return symbol_text(expr.name)

    def _print_Pow(self, expr: sympy.Pow, rational: bool = False) -> str:
        if isinstance(expr.base, UE):
            return super()._print_Pow(expr)
        if expr.exp in (sympy.S.Half, -sympy.S.Half):
            inner = self._print(expr.base)
            root = "√" + (inner if expr.base.is_Atom else f"({inner})")
            return root if expr.exp > 0 else "1/" + root
        if expr.exp.is_Integer and expr.exp > 1:
            return self.parenthesize(expr.base, sympy.printing.precedence.PRECEDENCE["Pow"]) + str(
                expr.exp).translate(SUPERSCRIPTS)
        if expr.exp.is_Rational and expr.exp.is_negative:  # x⁻² → 1/x², (x + 1)⁻¹ → 1/(x + 1)
            if expr.exp == -1:
                return "1/" + self.parenthesize(expr.base, sympy.printing.precedence.PRECEDENCE["Pow"])
            return "1/" + self._print(sympy.Pow(expr.base, -expr.exp, evaluate=False))
        if expr.exp.is_Rational and not expr.exp.is_Integer:  # x^(1/3), never x**(1/3)
            base = self.parenthesize(expr.base, sympy.printing.precedence.PRECEDENCE["Pow"])
            return f"{base}^({expr.exp.p}/{expr.exp.q})"
        if not expr.exp.is_number:  # a variable exponent: x^x, 2^(x + 1)
            power = sympy.printing.precedence.PRECEDENCE["Pow"]
            exponent = self._print(expr.exp)
            return self.parenthesize(expr.base, power) + "^" + (
                exponent if expr.exp.is_Atom else f"({exponent})")
        return StrPrinter._print_Pow(self, expr, rational)

    def _print_Max(self, expr: sympy.Max) -> str:
        """``max(x, 0)`` as a student writes it (the variable first, constants last)."""
        return "max(" + ", ".join(self._print(a) for a in _variables_first(expr.args)) + ")"

    def _print_Min(self, expr: sympy.Min) -> str:
        return "min(" + ", ".join(self._print(a) for a in _variables_first(expr.args)) + ")"

    def _print_Exp1(self, expr: Any) -> str:
        return "e"

    def _print_ComplexRootOf(self, expr: sympy.CRootOf) -> str:
        """A root with no closed form, by its value: ``≈ −1.7523`` alone, ``(−1.7523…)`` inside a formula."""
        shown = approx_text(expr)
        if expr is self._outermost:
            return "≈ " + shown
        return f"({shown}…)" if shown.startswith("-") else f"{shown}…"

    def _print_Abs(self, expr: sympy.Abs) -> str:
        return f"|{self._print(expr.args[0])}|"

    def _print_Pi(self, expr: Any) -> str:
        return "π"

    def _print_Relational(self, expr: sympy.core.relational.Relational) -> str:
        if expr.rel_op == "==" and isinstance(expr.rhs, sympy.CRootOf):  # x ≈ −1.7523, not x = (−1.7523…)
            return f"{self._print(expr.lhs)} ≈ {approx_text(expr.rhs)}"
        return f"{self._print(expr.lhs)} {_RELATIONS.get(expr.rel_op, expr.rel_op)} {self._print(expr.rhs)}"

    def _print_And(self, expr: sympy.And) -> str:
        return " and ".join(self._print(a) for a in expr.args)

    def _print_Or(self, expr: sympy.Or) -> str:
        return " or ".join(self._print(a) for a in expr.args)

    def _print_exp(self, expr: sympy.exp) -> str:
        arg = self._print(expr.args[0])
        return "e" + ("ˣ" if arg == "x" else f"^({arg})")

    def _print_Infinity(self, expr: Any) -> str:
        return "∞"

    def _print_NegativeInfinity(self, expr: Any) -> str:
        return "-∞"

    def _print_Interval(self, i: sympy.Interval) -> str:
        left = "(" if i.left_open else "["
        right = ")" if i.right_open else "]"
        return f"{left}{self._print(i.start)}, {self._print(i.end)}{right}"

    def _print_Union(self, u: sympy.Union) -> str:
        return " ∪ ".join(self._print(a) for a in u.args)

    def _print_EmptySet(self, e: Any) -> str:
        return "∅"

    def _print_Reals(self, e: Any) -> str:
        return "ℝ"

    def _print_ImmutableDenseMatrix(self, m: sympy.MatrixBase) -> str:
        if m.cols == 1 and m.rows > 1:
            return "(" + ", ".join(self._print(e) for e in m) + ")ᵀ"
        return "[" + "; ".join(", ".join(self._print(e) for e in row) for row in m.tolist()) + "]"

    _print_MutableDenseMatrix = _print_ImmutableDenseMatrix

    def _print_BooleanTrue(self, e: Any) -> str:
        return "true"

    def _print_BooleanFalse(self, e: Any) -> str:
        return "false"


_RELATIONS = {"==": "=", ">=": "≥", "<=": "≤", "!=": "≠"}


def _variables_first(args: tuple) -> list:
    """The arguments of ``max``/``min`` with the ones that hold variables first: ``max(x, 0)``, not ``Max(0, x)``."""
    return [a for a in args if a.free_symbols] + [a for a in args if not a.free_symbols]


def symbol_text(name: str) -> str:
    """``w0`` → ``w₀``, ``eta`` → ``η``, ``theta1`` → ``θ₁``, ``Delta_w0`` → ``Δw₀``."""
    if name.startswith("Delta_"):
        return "Δ" + symbol_text(name[6:])
    match = re.fullmatch(r"([A-Za-z]+?)_?(\d*)", name)
    if not match:
        return name
    stem, digits = match.groups()
    return _GREEK.get(stem, stem) + digits.translate(_SUB)


_IMPLICIT = [
    (re.compile(r"(?<=[\d.)])\*(?=\()"), ""),                                  # 4(3), (a)(b)
    (re.compile(r"(?<=[\d.])\*(?=[A-Za-zα-ωΔ√e(])"), ""),                       # 4w₀, 2√2, 2π
]
_SYMBOL_TIMES_SYMBOL = re.compile(r"(?<![A-Za-zα-ω])(Δ?[A-Za-zα-ω]+)([₀-₉]*[⁰-⁹²³¹]*)\*(?=Δ?[A-Za-zα-ω](?![A-Za-z(]))")


def _juxtapose(match: re.Match) -> str:
    """``w₀*w₁`` → ``w₀w₁``, ``π*n`` → ``πn``; a name of several letters keeps its sign (``bias·w``)."""
    letters, marks = match.groups()
    return letters + marks + ("" if len(letters.lstrip("Δ")) == 1 else "*")


def tidy_text(s: str) -> str:
    """Printed ``*`` → implicit products where unambiguous, ``·`` elsewhere; ``-`` → ``−``."""
    for pattern, replacement in _IMPLICIT:
        s = pattern.sub(replacement, s)
    s = _SYMBOL_TIMES_SYMBOL.sub(_juxtapose, s)
    s = s.replace("*", "·").replace(" - ", " − ").replace("= ≈ ", "≈ ")
    return re.sub(r"(^|[\s(\[,⎡⎢⎣])-", r"\1−", s.strip())


_TEXT_PRINTER = TextPrinter({"order": "grlex"})


def text(obj: Any) -> str:
    """One-line Unicode text of a SymPy object (or a Python number).

    Example:
        >>> n = sympy.Symbol("n", integer=True)
        >>> text(2*sympy.pi*n + sympy.pi/2)
        '2πn + π/2'
    """
    if isinstance(obj, bool):
        obj = sympy.true if obj else sympy.false
    elif isinstance(obj, int):
        obj = sympy.Integer(obj)
    elif isinstance(obj, float):
        obj = sympy.Float(obj)
    return tidy_text(_TEXT_PRINTER.doprint(obj))


_ASCENDING_PRINTER = TextPrinter({"order": "grlex", "ascending": True})


def ascending_text(obj: sympy.Basic) -> str:
    """Like :func:`text`, with polynomials in ascending powers: ``1 + x + x²/2 + x³/6``.

    Example:
        >>> x = sympy.Symbol("x")
        >>> ascending_text(x**3/6 + x**2/2 + x + 1)
        '1 + x + x²/2 + x³/6'
    """
    return tidy_text(_ASCENDING_PRINTER.doprint(obj))
