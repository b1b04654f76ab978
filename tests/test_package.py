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
