"""The package surface: what `import symgrad` exports, and that it stays light."""

import subprocess
import sys

import symgrad


def test_all_names_are_exported_and_nothing_is_defined_in_init():
    for name in symgrad.__all__:
        obj = getattr(symgrad, name)
        module = getattr(obj, "__module__", "symgrad.x")
        assert module != "symgrad", f"{name} is defined in symgrad/__init__.py; define it in a stage module"
    assert len(set(symgrad.__all__)) == len(symgrad.__all__)


def test_core_names_are_public():
    for name in ["Function", "parse", "verify", "ParseError", "InputError", "Timeout", "InputTooLarge"]:
        assert name in symgrad.__all__, name


def _imported_modules(code: str) -> set[str]:
    out = subprocess.run(
        [sys.executable, "-c", code + "\nimport sys; print('\\n'.join(sys.modules))"],
        capture_output=True, text=True, check=True,
    ).stdout
    return set(out.split())


def test_import_symgrad_does_not_import_torch_or_matplotlib():
    modules = _imported_modules("import symgrad")
    assert "torch" not in modules
    assert "matplotlib" not in modules


def test_cli_help_does_not_import_torch_or_matplotlib():
    modules = _imported_modules("import contextlib, io\nfrom symgrad.cli import build_parser\n"
                                "with contextlib.redirect_stdout(io.StringIO()): build_parser().format_help()")
    assert "torch" not in modules
    assert "matplotlib" not in modules


def test_python_m_symgrad_help_exits_zero():
    result = subprocess.run([sys.executable, "-m", "symgrad", "--help"], capture_output=True, text=True)
    assert result.returncode == 0
    assert "usage: symgrad" in result.stdout


def _type_checking_imports() -> dict[str, str]:
    """The names the ``if TYPE_CHECKING:`` block of symgrad/__init__.py imports, as ``{name: module}``."""
    import ast
    from pathlib import Path

    tree = ast.parse(Path(symgrad.__file__).read_text(encoding="utf-8"))
    blocks = [node for node in tree.body
              if isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING"]
    assert len(blocks) == 1, "symgrad/__init__.py needs exactly one `if TYPE_CHECKING:` block"
    seen: dict[str, str] = {}
    for statement in blocks[0].body:
        assert isinstance(statement, ast.ImportFrom) and statement.level == 1, ast.unparse(statement)
        for alias in statement.names:
            # `import X as X` is the spelling that marks a re-export for type checkers (PEP 484)
            assert alias.asname == alias.name, f"write `{alias.name} as {alias.name}` in: {ast.unparse(statement)}"
            seen[alias.name] = "." + (statement.module or "")
    return seen


def _import_line(name: str, where: str) -> str:
    return f"    from . import {name} as {name}" if where == "." else f"    from {where} import {name} as {name}"


def test_type_checkers_see_exactly_the_lazy_exports():
    # type checkers cannot run __getattr__: the TYPE_CHECKING imports are what they read, so they
    # must name the same objects as _EXPORTS, no more and no fewer (an import may name the submodule
    # that defines the object, e.g. `.checking.grade` for `.checking`: mypy misreads `from .checking
    # import grade` as the submodule)
    declared = _type_checking_imports()

    def same_place(where: str | None, other: str | None) -> bool:
        return where is not None and other is not None and (where == other or where.startswith(other + "."))

    missing = [_import_line(name, where) for name, where in symgrad._EXPORTS.items()
               if not same_place(declared.get(name), where)]
    extra = [_import_line(name, where) for name, where in declared.items()
             if not same_place(where, symgrad._EXPORTS.get(name))]
    assert not missing and not extra, (
        "symgrad/__init__.py: the TYPE_CHECKING block and _EXPORTS differ.\nAdd:\n" + "\n".join(missing)
        + "\nRemove:\n" + "\n".join(extra))


def test_the_type_checking_imports_name_the_objects_the_lazy_exports_return():
    import importlib

    for name, where in _type_checking_imports().items():
        module = importlib.import_module("symgrad" if where == "." else "symgrad" + where)
        assert getattr(module, name) is getattr(symgrad, name), name
