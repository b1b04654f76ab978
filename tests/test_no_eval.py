"""No module in symgrad/ can turn text into code: an AST scan of every .py file.

Refused: calls of ``eval``, ``exec``, ``compile`` (the builtin), ``__import__``,
``sympify``/``parse_expr`` (however reached), ``S(...)`` of a string, and
``getattr`` with a name that is not a constant string. ``sympy.lambdify`` is
allowed: it runs generated code from SymPy trees, never user text.

A line that needs ``getattr`` with a computed name, ``S(...)`` of a variable, or
``symengine.sympify`` of SymPy objects may say so with a pragma comment that
gives a reason: ``# no-eval: ok -- iterates a constant tuple of attribute
names``. The pragma never excuses eval/exec/compile/__import__/parse_expr or
``sympy.sympify``. ``getattr`` over a literal tuple of names needs no pragma.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "symgrad"
FORBIDDEN_CALLS = {"eval", "exec", "compile", "__import__", "sympify", "parse_expr", "parse_latex"}


def _called_name(func: ast.expr) -> str | None:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        if func.attr in {"sympify", "parse_expr", "parse_latex", "__import__"}:
            return func.attr
        if func.attr in {"eval", "exec", "compile"} and isinstance(func.value, ast.Name) \
                and func.value.id in {"builtins", "__builtins__"}:
            return func.attr
    return None


PRAGMA = re.compile(r"#\s*no-eval:\s*ok\b\W*(\w+\W+){2,}")  # "ok" and a reason of at least a few words


def _literal_names(tree: ast.AST) -> set[str]:
    """Loop variables that iterate a literal tuple/list/set of string constants."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.For, ast.comprehension)) and isinstance(node.target, ast.Name) \
                and isinstance(node.iter, (ast.Tuple, ast.List, ast.Set)) \
                and all(isinstance(e, ast.Constant) and isinstance(e.value, str) for e in node.iter.elts):
            names.add(node.target.id)
    return names


def _excusable(node: ast.Call, lines: list[str]) -> bool:
    end = getattr(node, "end_lineno", node.lineno) or node.lineno
    return any(PRAGMA.search(lines[i - 1]) for i in range(node.lineno, end + 1) if i - 1 < len(lines))


def violations(source: str, filename: str) -> list[str]:
    """Every forbidden construct in ``source``, as ``file:line: what``."""
    found = []
    tree = ast.parse(source, filename)
    lines = source.splitlines()
    literal_names = _literal_names(tree)
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = _called_name(node.func)
            via_sympy = isinstance(node.func, ast.Attribute) and isinstance(node.func.value, ast.Name) \
                and node.func.value.id in {"sympy", "sp"}
            if name in FORBIDDEN_CALLS:
                if name == "sympify" and not via_sympy and isinstance(node.func, ast.Attribute) \
                        and _excusable(node, lines):
                    continue  # e.g. symengine.sympify(sympy_expr), with a stated reason
                found.append(f"{filename}:{node.lineno}: call of {name}")
            if name == "getattr" and (len(node.args) < 2 or not (
                    isinstance(node.args[1], ast.Constant) and isinstance(node.args[1].value, str))):
                if not (isinstance(node.args[1], ast.Name) and node.args[1].id in literal_names) \
                        and not _excusable(node, lines):
                    found.append(f"{filename}:{node.lineno}: getattr with a non-constant name")
            if (name == "S" or (isinstance(node.func, ast.Attribute) and node.func.attr == "S")) and node.args \
                    and not (isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, (int, float))):
                if isinstance(node.args[0], (ast.Constant, ast.JoinedStr)) or not _excusable(node, lines):
                    found.append(f"{filename}:{node.lineno}: S(...) of something that is not a number literal")
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            names = {alias.name for alias in node.names}
            module = getattr(node, "module", None) or ""
            if names & {"sympify", "parse_expr", "parse_latex"} or "sympy.parsing" in module \
                    or any(n.startswith("sympy.parsing") for n in names):
                found.append(f"{filename}:{node.lineno}: imports a string parser")
    return found


def package_files() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def test_the_scan_finds_files():
    assert any(path.parent.name == "parsing" for path in package_files())


@pytest.mark.parametrize("path", package_files(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_module_never_evaluates_text(path):
    assert violations(path.read_text(encoding="utf-8"), str(path.relative_to(PACKAGE))) == []


@pytest.mark.parametrize("snippet", [
    "eval(text)", "exec(code)", "compile(text, '<s>', 'eval')", "__import__('os')", "sympy.sympify(text)",
    "sympify(text)", "parse_expr(text)", "from sympy.parsing.sympy_parser import parse_expr",
    "from sympy import sympify", "getattr(sympy, name)", "sympy.S(text)", "S(text)", "S('x')", "sympy.S(f'{x}')", "builtins.eval(text)",
    "import sympy.parsing.latex",
])
def test_the_scanner_catches_each_forbidden_construct(snippet):
    assert violations(snippet, "<snippet>")


@pytest.mark.parametrize("snippet", [
    "sympy.lambdify(args, expr, 'numpy')", "getattr(fn, '__name__', None)", "sympy.S(1)", "x.evalf()",
    "re.compile(r'x')", "pattern.compile",
])
def test_the_scanner_allows_safe_lookalikes(snippet):
    assert violations(snippet, "<snippet>") == []


@pytest.mark.parametrize("snippet", [
    "for n in ('a', 'b'):\n    getattr(obj, n)",
    "{n: getattr(obj, n) for n in ('a', 'b')}",
    "getattr(obj, name)  # no-eval: ok -- name comes from a constant table",
    "sympy.S(b) / 2  # no-eval: ok -- b is a SymPy integer",
    "symengine.sympify(e)  # no-eval: ok -- e is a SymPy expression",
])
def test_reasoned_pragmas_and_literal_loops_excuse_computed_names(snippet):
    assert violations(snippet, "<snippet>") == []


@pytest.mark.parametrize("snippet", [
    "getattr(obj, name)  # no-eval: ok",
    "eval(text)  # no-eval: ok -- trust me on this one",
    "sympy.sympify(text)  # no-eval: ok -- it is only a SymPy object",
    "sympy.S('x')  # no-eval: ok -- a constant string",
    "for n in names:\n    getattr(obj, n)",
])
def test_pragmas_never_excuse_code_evaluation_or_come_without_a_reason(snippet):
    assert violations(snippet, "<snippet>")
