"""Characters → tokens: the first and only pass over untrusted text.

The lexer walks the text once, character by character, and classifies every
character through tables (ASCII operators, Unicode look-alikes of operators,
superscripts and subscripts, vulgar fractions, Greek letters, LaTeX commands).
Anything not in a table is an error that names the character and its column.
Positions always refer to the text as the user gave it, so a caret can point at
the offending character.

Words (runs of Latin letters and digits) are resolved here too, by
:func:`resolve_word`: a known function (``sin``), a constant (``e``, ``pi``), a
spelled-out Greek letter (``eta``, ``theta1``), a name the caller declared with
``symbols=``, a letter with digits (``w0``) — and any other word is read as a
product of single letters (``xy`` → ``x*y``), refusing words that hide a known
name (``cost``) because those are ambiguous.
"""

from __future__ import annotations

import difflib
import keyword
import re
import unicodedata
from dataclasses import dataclass

from symgrad.errors import ParseError
from symgrad.limits import Limits

# --------------------------------------------------------------------------- tables

#: Function names a word may spell, mapped to the canonical name used by the builder.
FUNCTION_NAMES: dict[str, str] = {
    "sin": "sin", "cos": "cos", "tan": "tan", "sec": "sec", "csc": "csc", "cot": "cot",
    "asin": "asin", "acos": "acos", "atan": "atan", "arcsin": "asin", "arccos": "acos", "arctan": "atan",
    "sinh": "sinh", "cosh": "cosh", "tanh": "tanh",
    "exp": "exp", "log": "log", "ln": "ln", "log2": "log2", "log10": "log10",
    "sqrt": "sqrt", "cbrt": "cbrt", "root": "root", "abs": "abs", "Abs": "abs",
    "max": "max", "min": "min", "Max": "max", "Min": "min",
    "sigmoid": "sigmoid", "relu": "relu", "factorial": "factorial",
    "sech": "sech", "csch": "csch", "coth": "coth", "cosec": "csc", "asinh": "asinh", "acosh": "acosh",
    "atanh": "atanh", "arcsinh": "asinh", "arccosh": "acosh", "arctanh": "atanh", "arsinh": "asinh",
    "arcosh": "acosh", "artanh": "atanh", "acot": "acot", "asec": "asec", "acsc": "acsc", "arccot": "acot",
    "binomial": "binomial", "sign": "sign", "signum": "sign", "sgn": "sign", "floor": "floor",
    "ceil": "ceiling", "ceiling": "ceiling",
}

#: words that name a constant (SymPy prints Euler's number as E and infinity as oo)
CONSTANT_WORDS: dict[str, str] = {"e": "e", "pi": "pi", "E": "e", "oo": "oo", "inf": "oo", "infty": "oo",
                                  "infinity": "oo", "Infinity": "oo"}

#: words that act as operators in an answer: "x = 2 or x = -2", "x in (-1, 1)"
WORD_OPERATORS: dict[str, str] = {"or": ",", "and": ",", "in": "∈"}

#: calls that only wrap their argument: SymPy prints a matrix as Matrix([[2, 2], [2, 6]])
TRANSPARENT_CALLS: frozenset[str] = frozenset({"Matrix", "ImmutableMatrix"})

#: characters of answer notation: relations, intervals, plus-minus (``+-`` and ``+/-`` too)
ANSWER_CHARS: dict[str, str] = {
    "<": "<", ">": ">", "≤": "<=", "≥": ">=", "⩽": "<=", "⩾": ">=", "∈": "∈", "∪": "∪", "±": "±",
    "⟨": "(", "⟩": ")", "〈": "(", "〉": ")",
}
ANSWER_PAIRS: dict[str, str] = {"<=": "<=", ">=": ">=", "=<": "<=", "=>": ">=", "+-": "±", "+/-": "±"}
CONSTANT_CHARS: dict[str, str] = {"∞": "oo", "∅": "emptyset"}
#: superscript letters: symgrad prints e^x as eˣ
SUPERSCRIPT_LETTERS: dict[str, str] = {"ˣ": "x", "ʸ": "y", "ⁿ": "n", "ᵗ": "t", "ᵏ": "k", "ᵃ": "a", "ᵇ": "b", "ᶻ": "z"}
LATEX_ANSWER: dict[str, tuple[str, str]] = {
    "infty": ("const", "oo"), "emptyset": ("const", "emptyset"), "varnothing": ("const", "emptyset"),
    "pm": ("op", "±"), "in": ("op", "∈"), "cup": ("op", "∪"), "le": ("op", "<="), "leq": ("op", "<="),
    "ge": ("op", ">="), "geq": ("op", ">="), "lt": ("op", "<"), "gt": ("op", ">"), "leqslant": ("op", "<="),
    "geqslant": ("op", ">="), "langle": ("op", "("), "rangle": ("op", ")"), "coth": ("func", "coth"),
}
#: vector and matrix functions (built by symgrad.parsing.matrix; refused on undeclared scalars)
MATRIX_FUNCTION_NAMES: dict[str, str] = {
    "norm": "norm", "tr": "tr", "trace": "tr", "Tr": "tr", "det": "det", "inv": "inv", "diag": "diag",
    "softmax": "softmax", "logsumexp": "logsumexp", "LSE": "logsumexp", "softplus": "softplus",
    "sum": "sum", "ones": "ones",
}
FUNCTION_NAMES.update(MATRIX_FUNCTION_NAMES)

GREEK_LETTERS: dict[str, str] = {
    "α": "alpha", "β": "beta", "γ": "gamma", "δ": "delta", "ε": "epsilon", "ϵ": "epsilon",
    "ζ": "zeta", "η": "eta", "θ": "theta", "ϑ": "theta", "ι": "iota", "κ": "kappa",
    "λ": "lambda", "μ": "mu", "µ": "mu", "ν": "nu", "ξ": "xi", "ρ": "rho", "σ": "sigma",
    "ς": "sigma", "τ": "tau", "υ": "upsilon", "φ": "phi", "ϕ": "phi", "χ": "chi", "ψ": "psi",
    "ω": "omega", "Γ": "Gamma", "Δ": "Delta", "Θ": "Theta", "Λ": "Lambda", "Ξ": "Xi",
    "Σ": "Sigma", "Φ": "Phi", "Ψ": "Psi", "Ω": "Omega",
}
GREEK_NAMES: frozenset[str] = frozenset(GREEK_LETTERS.values())

#: Characters that look like Latin letters but are not; refused with a clear message.
LOOKALIKES: dict[str, str] = {
    "а": "a", "е": "e", "о": "o", "р": "p", "с": "c", "х": "x", "у": "y", "і": "i", "ј": "j",
    "ѕ": "s", "ԁ": "d", "һ": "h", "ԛ": "q", "ԝ": "w", "А": "A", "В": "B", "Е": "E", "К": "K",
    "М": "M", "Н": "H", "О": "O", "Р": "P", "С": "C", "Т": "T", "Х": "X", "ο": "o", "Α": "A",
    "Β": "B", "Ε": "E", "Ζ": "Z", "Η": "H", "Ι": "I", "Κ": "K", "Μ": "M", "Ν": "N", "Ο": "O",
    "Ρ": "P", "Τ": "T", "Υ": "Y", "Χ": "X", "ı": "i", "ℓ": "l",
}

#: Single characters that stand for an ASCII operator.
OPERATOR_CHARS: dict[str, str] = {
    "+": "+", "-": "-", "*": "*", "/": "/", "^": "^", "(": "(", ")": ")", "[": "[", "]": "]",
    "{": "{", "}": "}", ",": ",", ";": ";", "|": "|", "!": "!", "=": "=", "_": "_", "&": "&",
    "−": "-", "–": "-", "‐": "-", "‒": "-", "﹣": "-", "·": "*", "⋅": "*", "×": "*", "∗": "*",
    "∙": "*", "÷": "/", "⁄": "/", "∣": "|", "│": "|",
}
#: vector and matrix notation (symgrad.parsing.notation): norm bars, primes (transpose), Hadamard product
OPERATOR_CHARS.update({"‖": "‖", "∥": "‖", "'": "'", "′": "'", "ᵀ": "'", "⊙": "⊙", "∘": "⊙", "@": "@"})
#: subscript letters: ``xᵢ`` is ``x_i`` (the index of a sum over rows, ``Σᵢ``)
SUBSCRIPT_LETTERS: dict[str, str] = {"ᵢ": "i", "ⱼ": "j", "ₖ": "k", "ₙ": "n", "ₘ": "m", "ₜ": "t"}
#: two-character operators of NumPy/MATLAB text: ``.*`` (entrywise), ``.T`` (transpose)
DOTTED_OPERATORS: dict[str, str] = {".*": "⊙", ".T": "'"}

SUPERSCRIPTS: dict[str, str] = {
    "⁰": "0", "¹": "1", "²": "2", "³": "3", "⁴": "4", "⁵": "5", "⁶": "6", "⁷": "7", "⁸": "8",
    "⁹": "9", "⁻": "-", "⁺": "+",
}
SUBSCRIPTS: dict[str, str] = {chr(0x2080 + d): str(d) for d in range(10)}

VULGAR_FRACTIONS: dict[str, tuple[int, int]] = {
    "½": (1, 2), "⅓": (1, 3), "⅔": (2, 3), "¼": (1, 4), "¾": (3, 4), "⅕": (1, 5), "⅖": (2, 5),
    "⅗": (3, 5), "⅘": (4, 5), "⅙": (1, 6), "⅚": (5, 6), "⅐": (1, 7), "⅛": (1, 8), "⅜": (3, 8),
    "⅝": (5, 8), "⅞": (7, 8), "⅑": (1, 9), "⅒": (1, 10),
}

#: LaTeX commands, by what they become. Everything else after a backslash is refused.
LATEX_FUNCTIONS: dict[str, str] = {
    "sin": "sin", "cos": "cos", "tan": "tan", "sec": "sec", "csc": "csc", "cot": "cot",
    "arcsin": "asin", "arccos": "acos", "arctan": "atan", "sinh": "sinh", "cosh": "cosh",
    "tanh": "tanh", "exp": "exp", "ln": "ln", "log": "log", "max": "max", "min": "min",
}
LATEX_OPERATORS: dict[str, str] = {"cdot": "*", "times": "*", "ast": "*", "div": "/",
                                   "vert": "|", "lvert": "|", "rvert": "|", "mid": "|"}
LATEX_IGNORED: frozenset[str] = frozenset({
    "left", "right", "big", "Big", "bigg", "Bigg", "bigl", "bigr", "Bigl", "Bigr", "biggl",
    "biggr", "displaystyle", "textstyle", "quad", "qquad", "limits", "nolimits",
})
LATEX_FUNCTIONS.update({"det": "det", "Tr": "tr", "tr": "tr"})
LATEX_OPERATORS.update({"Vert": "‖", "lVert": "‖", "rVert": "‖", "odot": "⊙", "circ": "⊙", "top": "'",
                        "intercal": "'", "prime": "'"})
LATEX_GREEK: dict[str, str] = {name: name for name in GREEK_NAMES}
LATEX_GREEK.update({"varepsilon": "epsilon", "vartheta": "theta", "varphi": "phi",
                    "varsigma": "sigma", "varrho": "rho"})
LATEX_STRUCTURE: frozenset[str] = frozenset({"frac", "dfrac", "tfrac", "sqrt", "begin", "end"})
#: LaTeX commands that become one token of their own: (kind, value)
LATEX_NAMED_TOKENS: dict[str, tuple[str, str]] = {"partial": ("partial", "∂"), "sum": ("name", "Sigma"),
                                                   "nabla": ("nabla", "∇")}
#: LaTeX decorations of a letter: ``\vec{w}`` is the name w, ``\bar{y}`` the name ybar (suffix)
LATEX_DECORATIONS: dict[str, str] = {"vec": "", "boldsymbol": "", "bm": "", "mathsf": "", "mathbf": "",
                                     "mathbb": "", "bar": "bar", "hat": "hat", "tilde": "tilde"}
LATEX_WORD_WRAPPERS: frozenset[str] = frozenset({"operatorname", "mathrm", "mathit", "text", "textrm", "mathbf"})
LATEX_KNOWN: tuple[str, ...] = tuple(sorted(
    set(LATEX_FUNCTIONS) | set(LATEX_OPERATORS) | LATEX_IGNORED | set(LATEX_GREEK)
    | LATEX_STRUCTURE | LATEX_WORD_WRAPPERS | {"pi"} | set(LATEX_ANSWER)
))
LATEX_KNOWN = tuple(sorted(set(LATEX_KNOWN) | set(LATEX_NAMED_TOKENS) | set(LATEX_DECORATIONS)))

#: Known multi-letter names; a word that contains one of them is ambiguous.
_HIDDEN_NAMES: tuple[str, ...] = tuple(sorted(
    {n for n in FUNCTION_NAMES if len(n) > 1} | GREEK_NAMES | {"pi"}, key=len, reverse=True))

#: Words that are code, not mathematics; refused instead of being read as products of letters.
CODE_WORDS: frozenset[str] = frozenset(keyword.kwlist) - {"lambda"} | {
    "exec", "eval", "print", "open", "compile", "globals", "locals", "getattr", "setattr", "os", "sys",
    "subprocess", "self", "cls", "def", "input", "system"}

EXAMPLE = "Example of what works: 2*w0^2 + 3*w1^2, sin(x)^2, e^(-x), [4*w0, 6*w1]"

_NUMBER = re.compile(r"(\d+\.?\d*|\.\d+)(?:[eE]([+-]?\d+))?")
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9]*")
_LETTERS = re.compile(r"[A-Za-z]+")


@dataclass
class Token:
    """One token. ``kind`` is one of: num, frac, name, const, func, sup, op, usqrt, cmd, begin,
    end, rowsep, eof. ``value`` is the normalised text (an operator, a name, a canonical function
    name, digits). ``raw`` is the text as written; ``pos`` its 0-based column."""

    kind: str
    value: str
    pos: int
    raw: str = ""
    space_before: bool = False
    number: tuple[int, int] | None = None  # (numerator, denominator) for num and frac


def error(message: str, text: str, pos: int | None, hint: str = EXAMPLE) -> ParseError:
    """A ParseError whose message says where (1-based column) and quotes the input."""
    where = f" at column {pos + 1}" if pos is not None else ""
    return ParseError(f"{message}{where}", text=text, position=pos, hint=hint)


def suggest(word: str, candidates: object) -> str:
    """``"; did you mean 'sin'?"`` or ``""``."""
    match = difflib.get_close_matches(word.lower(), list(candidates), n=1, cutoff=0.6)  # type: ignore[arg-type]
    return f"; did you mean '{match[0]}'?" if match else ""


# --------------------------------------------------------------------------- words


#: words for an undefined number; refused rather than read as a product of letters (n*a*n)
NOT_A_NUMBER_WORDS = frozenset({"nan"})


def resolve_word(word: str, pos: int, text: str, symbols: frozenset[str], call_follows: bool) -> list[Token]:
    """Turn one run of letters and digits into name/func/const tokens (see the module docstring)."""
    if word in symbols:
        return [Token("name", word, pos, word)]
    if word in TRANSPARENT_CALLS and call_follows:
        return []
    if word in CONSTANT_WORDS and word not in ("e", "pi"):
        return [Token("const", CONSTANT_WORDS[word], pos, word)]
    if word in WORD_OPERATORS:
        return [Token("op", WORD_OPERATORS[word], pos, word)]
    if word in FUNCTION_NAMES:
        return [Token("func", FUNCTION_NAMES[word], pos, word)]
    letters = _LETTERS.match(word).group()  # type: ignore[union-attr]
    digits = word[len(letters):]
    if digits.isdigit() or not digits:
        if not digits and letters in ("e", "pi"):
            return [Token("const", letters, pos, word)]
        if letters in GREEK_NAMES or len(letters) == 1:
            return [Token("name", word, pos, word)]
    if call_follows:
        raise _unknown_function(word, pos, text)
    if word.lower() in NOT_A_NUMBER_WORDS:
        raise error(f"'{word}' is not a number (it means an undefined value)", text, pos,
                    "Give a value or an expression; if the answer does not exist, say so in words "
                    "(e.g. 'no minimum').")
    if word in CODE_WORDS:
        raise error(f"'{word}' looks like program code, not mathematics", text, pos,
                    f"Only mathematics is read. {EXAMPLE}")
    hidden = next((n for n in _HIDDEN_NAMES if n in word), None)
    if hidden is not None:
        pieces = "*".join(_split_letters(word, symbols))
        raise error(
            f"'{word}' is not a known name and contains '{hidden}'", text, pos,
            f"Write {pieces} for a product, put a space or * around '{hidden}' "
            f"(e.g. 'x*{hidden}(y)'), or declare the name with symbols=['{word}'].")
    tokens = []
    offset = pos
    for piece in _split_letters(word, symbols):
        if piece == "e":
            tokens.append(Token("const", "e", offset, piece))
        else:
            tokens.append(Token("name", piece, offset, piece))
        offset += len(piece)
    return tokens


def _split_letters(word: str, symbols: frozenset[str]) -> list[str]:
    """``"xy2"`` → ``["x", "y2"]``; declared symbols are matched first, longest first."""
    pieces, i = [], 0
    declared = sorted(symbols, key=len, reverse=True)
    while i < len(word):
        hit = next((s for s in declared if word.startswith(s, i)), None)
        if hit is None:
            j = i + 1
            while j < len(word) and word[j].isdigit():
                j += 1
            hit = word[i:j]
        pieces.append(hit)
        i += len(hit)
    return pieces


def _function_hint(word: str) -> str:
    return ("Known functions: sin cos tan sec csc cot asin acos atan sinh cosh tanh exp log ln "
            f"sqrt abs max min sigmoid relu; for a product write {'*'.join(word)}*(...).")


def _unknown_function(word: str, pos: int, text: str) -> ParseError:
    return ParseError(f"unknown function '{word}' at column {pos + 1}{suggest(word, FUNCTION_NAMES)}",
                      text=text, position=pos, hint=_function_hint(word))


# --------------------------------------------------------------------------- the lexer


def strip_delimiters(text: str) -> str:
    """Replace surrounding ``$...$``, ``$$...$$``, ``\\(...\\)``, ``\\[...\\]`` by spaces (keeps columns)."""
    stripped = text.strip()
    lead = len(text) - len(text.lstrip())
    for open_, close in (("$$", "$$"), ("$", "$"), ("\\(", "\\)"), ("\\[", "\\]")):
        if len(stripped) >= len(open_) + len(close) and stripped.startswith(open_) and stripped.endswith(close):
            end = lead + len(stripped) - len(close)
            return text[:lead] + " " * len(open_) + text[lead + len(open_):end] + " " * len(close) + text[end + len(close):]
    return text


def _narrow(ch: str) -> str:
    """Fullwidth ASCII (``ｘ＋１``) and mathematical letters (``𝑥``) → plain ASCII, one character each."""
    code = ord(ch)
    if 0xFF01 <= code <= 0xFF5E:
        return chr(code - 0xFEE0)
    if 0x1D400 <= code <= 0x1D7FF:
        plain = unicodedata.normalize("NFKC", ch)
        return plain if len(plain) == 1 else ch
    return ch


class Lexer:
    """Single pass over the text; see :func:`tokenize`."""

    def __init__(self, text: str, limits: Limits, symbols: frozenset[str], latex: bool):
        self.text = text
        self.src: str = "".join(map(_narrow, strip_delimiters(text)))  # same length: columns stay right
        self.limits = limits
        self.symbols = symbols
        self.latex = latex
        self.tokens: list[Token] = []
        self.depth: int = 0
        self.space: bool = False

    def emit(self, token: Token) -> None:
        token.space_before = self.space
        self.space = False
        self.tokens.append(token)
        if len(self.tokens) > self.limits.max_tokens:
            self.limits.check("max_tokens", len(self.tokens), f"the input has more than {self.limits.max_tokens} tokens")
        if token.kind == "op":
            if token.value in "([{":
                self.depth += 1
                if self.depth > self.limits.max_depth:
                    self.limits.check("max_depth", self.depth,
                                      f"brackets are nested more than {self.limits.max_depth} deep (column {token.pos + 1})")
            elif token.value in ")]}":
                self.depth -= 1

    def run(self) -> list[Token]:
        src, i, n = self.src, 0, len(self.src)
        while i < n:
            i = self.step(src[i], i)
        self.emit(Token("eof", "", len(self.text)))
        return self.tokens

    def step(self, ch: str, i: int) -> int:
        """Consume the token starting at ``i`` (whose first character is ``ch``); return the next index."""
        src, text = self.src, self.text
        if ch.isspace() or ch == "\ufeff":
            self.space = True
            return i + 1
        if ch.isdigit() and ch.isascii() or (ch == "." and i + 1 < len(src) and src[i + 1].isdigit()):
            return self.number(i)
        if ch.isascii() and ch.isalpha():
            match = _WORD.match(src, i)
            word, j = match.group(), match.end()  # type: ignore[union-attr]
            word, j = self.subscript_digits(word, j)
            call = j < len(src) and src[j] == "(" and not self.after_d_slash(word)
            for token in resolve_word(word, i, text, self.symbols, call):
                self.emit(token)
            return j
        pair = next((p for p in ANSWER_PAIRS if src.startswith(p, i)), None)
        if pair is not None:
            self.emit(Token("op", ANSWER_PAIRS[pair], i, pair))
            return i + len(pair)
        if ch in ANSWER_CHARS:
            self.emit(Token("op", ANSWER_CHARS[ch], i, ch))
            return i + 1
        if ch in CONSTANT_CHARS:
            self.emit(Token("const", CONSTANT_CHARS[ch], i, ch))
            return i + 1
        if ch in SUPERSCRIPT_LETTERS:
            if i + 1 < len(src) and src[i + 1] in SUPERSCRIPT_LETTERS:
                raise error("only one superscript letter is read", text, i, "Write e^(xy) for a longer exponent.")
            self.emit(Token("op", "^", i, ch))
            self.emit(Token("name", SUPERSCRIPT_LETTERS[ch], i, ch))
            return i + 1
        if ch in OPERATOR_CHARS:
            op = OPERATOR_CHARS[ch]
            if ch == "*" and src.startswith("**", i):
                self.emit(Token("op", "^", i, "**"))
                return i + 2
            if ch == "!" and src.startswith("!=", i):
                raise error("'!=' is not supported", text, i, "Write an equation with '=' (in an answer), e.g. w0 = 1.8.")
            if op in "&" and not self.latex:
                raise error("'&' is only used between matrix cells in LaTeX", text, i)
            self.emit(Token("op", op, i, ch))
            return i + 1
        if ch in SUPERSCRIPTS:
            j = i
            while j < len(src) and src[j] in SUPERSCRIPTS:
                j += 1
            value = "".join(SUPERSCRIPTS[c] for c in src[i:j])
            if not re.fullmatch(r"[+-]?\d+", value):
                raise error(f"superscript '{src[i:j]}' is not a whole number", text, i, "Example: x² or x⁻¹")
            self.emit(Token("sup", value, i, src[i:j]))
            return j
        if ch in VULGAR_FRACTIONS:
            self.emit(Token("frac", ch, i, ch, number=VULGAR_FRACTIONS[ch]))
            return i + 1
        if ch in GREEK_LETTERS:
            name, j = self.subscript_digits(GREEK_LETTERS[ch], i + 1)
            self.emit(Token("name", name, i, src[i:j]))
            return j
        if ch == "π":
            self.emit(Token("const", "pi", i, ch))
            return i + 1
        if ch in "√∛∜":
            self.emit(Token("usqrt", {"√": "2", "∛": "3", "∜": "4"}[ch], i, ch))
            return i + 1
        if ch in SUBSCRIPT_LETTERS:
            self.emit(Token("op", "_", i, "_"))
            self.emit(Token("name", SUBSCRIPT_LETTERS[ch], i, SUBSCRIPT_LETTERS[ch]))
            return i + 1
        if ch in ("∂", "∇"):
            self.emit(Token("partial" if ch == "∂" else "nabla", ch, i, ch))
            return i + 1
        dotted = src[i:i + 2]
        if dotted in DOTTED_OPERATORS and not (dotted == ".T" and src[i + 2:i + 3].isalnum()):
            self.emit(Token("op", DOTTED_OPERATORS[dotted], i, dotted))
            return i + 2
        if ch == "\\":
            return self.command(i)
        raise self.bad_character(ch, i)

    def after_d_slash(self, word: str) -> bool:
        """Is ``word`` the ``dx`` of ``d/dx(...)`` (so its ``(`` is not a call of a function ``dx``)?"""
        if not word.startswith("d") or len(self.tokens) < 2 or self.tokens[-1].value != "/":
            return False
        return any(t.kind == "partial" or (t.kind == "name" and t.value == "d") for t in self.tokens[-4:-1])

    def subscript_digits(self, name: str, j: int) -> tuple[str, int]:
        """Append Unicode subscript digits (``w₀`` → ``w0``)."""
        while j < len(self.src) and self.src[j] in SUBSCRIPTS:
            name += SUBSCRIPTS[self.src[j]]
            j += 1
        return name, j

    def number(self, i: int) -> int:
        match = _NUMBER.match(self.src, i)
        raw = match.group()  # type: ignore[union-attr]
        mantissa, exponent = match.group(1), int(match.group(2) or 0)  # type: ignore[union-attr]
        whole, _, frac = mantissa.partition(".")
        digits = (whole + frac).lstrip("0") or "0"
        size = len(digits) + abs(exponent)
        if len(digits) > self.limits.max_digits or abs(exponent) > self.limits.max_digits:
            self.limits.check("max_digits", size,
                              f"the number '{raw[:20]}{'...' if len(raw) > 20 else ''}' at column {i + 1} "
                              f"has about {size} digits")
        numerator, denominator = int(whole + frac or "0"), 10 ** len(frac)
        if exponent >= 0:
            numerator *= 10 ** exponent
        else:
            denominator *= 10 ** (-exponent)
        end = match.end()  # type: ignore[union-attr]
        if raw == "0" and self.src[end:end + 1] in ("x", "X", "b", "B", "o", "O") and self.src[end + 1:end + 2].isalnum():
            raise error("hexadecimal, binary and octal numbers are not supported", self.text, i,
                        "Write the number in decimal, e.g. 31.")
        self.emit(Token("num", raw, i, raw, number=(numerator, denominator)))
        return match.end()  # type: ignore[union-attr]

    def command(self, i: int) -> int:
        """A backslash: a LaTeX command, ``\\\\`` (row separator), or escaped punctuation."""
        src, text = self.src, self.text
        if not self.latex:
            raise error("LaTeX command in plain text", text, i,
                        "Pass syntax='latex' or syntax='auto', or write it as text, e.g. sqrt(x) for \\sqrt{x}.")
        nxt = src[i + 1] if i + 1 < len(src) else ""
        if nxt == "\\":
            self.emit(Token("rowsep", "\\\\", i, "\\\\"))
            return i + 2
        if nxt in ",;:! ":
            self.space = True
            return i + 2
        if nxt in "{}":
            self.emit(Token("op", "\\" + nxt, i, "\\" + nxt))
            self.depth += 1 if nxt == "{" else -1
            return i + 2
        if nxt == "|":
            self.emit(Token("op", "‖", i, "\\|"))
            return i + 2
        match = _LETTERS.match(src, i + 1)
        if match is None:
            raise error(f"'\\{nxt}' is not a LaTeX command symgrad knows", text, i)
        name, j = match.group(), match.end()
        raw = src[i:j]
        if name in LATEX_IGNORED:
            self.space = True
            if name in ("left", "right"):
                rest = src[j:].lstrip()
                if rest.startswith("."):
                    return len(src) - len(rest) + 1
            return j
        if name in LATEX_NAMED_TOKENS:
            self.emit(Token(*LATEX_NAMED_TOKENS[name], i, raw))
        elif name in LATEX_DECORATIONS:
            j = self.decorated(name, i, j)
        elif name in LATEX_OPERATORS:
            self.emit(Token("op", LATEX_OPERATORS[name], i, raw))
        elif name in LATEX_FUNCTIONS:
            self.emit(Token("func", LATEX_FUNCTIONS[name], i, raw))
        elif name == "pi":
            self.emit(Token("const", "pi", i, raw))
        elif name in LATEX_ANSWER:
            self.emit(Token(LATEX_ANSWER[name][0], LATEX_ANSWER[name][1], i, raw))
        elif name in LATEX_GREEK:
            greek, j = self.subscript_digits(LATEX_GREEK[name], j)
            self.emit(Token("name", greek, i, raw))
        elif name in ("begin", "end"):
            env, j = self.braced_word(j, raw)
            self.emit(Token(name, env, i, src[i:j]))
        elif name in LATEX_WORD_WRAPPERS:
            word, j = self.braced_word(j, raw)
            if word in FUNCTION_NAMES:
                self.emit(Token("func", FUNCTION_NAMES[word], i, src[i:j]))
            elif re.fullmatch(r"[A-Za-z][A-Za-z0-9]*", word):
                # \operatorname{re} names an operator, and a wrapped word before "(" is a call: never letters
                call = name == "operatorname" or src[j:].lstrip().startswith("(")
                for token in resolve_word(word, i, text, self.symbols, call):
                    self.emit(token)
            else:
                raise error(f"\\{name}{{{word}}} is not a name symgrad knows", text, i)
        elif name in LATEX_STRUCTURE:
            self.emit(Token("cmd", name, i, raw))
        else:
            raise error(f"unknown LaTeX command '\\{name}'{suggest(name, LATEX_KNOWN)}", text, i,
                        "Supported: \\frac \\sqrt \\cdot \\times \\left \\right \\sin \\cos \\exp \\ln \\log "
                        "\\eta \\theta \\pi \\begin{bmatrix}...\\end{bmatrix}")
        return j

    def decorated(self, name: str, i: int, j: int) -> int:
        """``\\vec{w}`` → the name ``w`` (any name, ``\\vec{W1}``); ``\\bar{y}`` → ``ybar`` (one letter)."""
        word, end = self.braced_word(j, self.src[i:j])
        suffix = LATEX_DECORATIONS[name]
        if word == "1" and not suffix:  # \mathbf{1}, \mathbb{1}: the vector of ones (1^T v, X w + b 1)
            self.emit(Token("num", "1", i, self.src[i:end], number=(1, 1)))
            return end
        if not re.fullmatch(r"[A-Za-z][A-Za-z0-9]*", word) or (suffix and not word.isalpha()) \
                or (suffix and len(word) > 1):
            raise error(f"\\{name}{{{word}}} is not a name symgrad reads", self.text, j,
                        f"Example: \\{name}{{y}}" + (" (the name y" + suffix + ")" if suffix else " (the name y)"))
        if suffix:
            self.emit(Token("name", word + suffix, i, self.src[i:end]))
        else:
            for token in resolve_word(word, i, self.text, self.symbols, False):
                self.emit(token)
        return end

    def braced_word(self, j: int, raw: str) -> tuple[str, int]:
        """Read ``{letters}`` right after a command such as ``\\begin``."""
        match = re.compile(r"\s*\{\s*([A-Za-z0-9*]*)\s*\}").match(self.src, j)
        if match is None:
            raise error(f"'{raw}' must be followed by a name in braces, e.g. {raw}{{bmatrix}}", self.text, j)
        return match.group(1), match.end()

    def bad_character(self, ch: str, i: int) -> ParseError:
        text = self.text
        name = unicodedata.name(ch, f"U+{ord(ch):04X}")
        if ch in LOOKALIKES:
            return error(f"character '{ch}' ({name}) looks like '{LOOKALIKES[ch]}' but is a different letter",
                         text, i, f"Retype it as the Latin letter '{LOOKALIKES[ch]}'.")
        category = unicodedata.category(ch)
        if category in ("Cc", "Cf", "Co", "Cs", "Cn"):
            return error(f"invisible or control character U+{ord(ch):04X}", text, i, "Delete it and retype the expression.")
        if ch in "'\"`":
            return error("quotes are not allowed in an expression", text, i, EXAMPLE)
        if ch == ".":
            return error("'.' is only allowed inside a decimal number like 0.5", text, i, EXAMPLE)
        if category.startswith("L"):
            return error(f"letter '{ch}' ({name}) is not supported", text, i,
                         "Use Latin letters, digits and spelled-out or Unicode Greek letters (eta, η).")
        return error(f"unexpected character '{ch}' ({name})", text, i, EXAMPLE)


def tokenize(text: str, limits: Limits, symbols: frozenset[str] = frozenset(), latex: bool = True) -> list[Token]:
    """Tokens of ``text``, ending with an ``eof`` token. Raises ParseError or InputTooLarge."""
    return Lexer(text, limits, symbols, latex).run()
