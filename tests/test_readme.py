"""The README's Python examples run as written (the README example is the first test).

Every ```python block is executed in order in one namespace, in a temporary
directory, except a block preceded by an ``<!-- norun: reason -->`` line.
"""

import os
import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"
BLOCK = re.compile(r"(<!-- norun[^>]*-->\s*\n)?```python\n(.*?)```", re.S)


def _blocks() -> list[tuple[int, str]]:
    text = README.read_text(encoding="utf-8")
    return [(text[: m.start()].count("\n") + 1, m.group(2)) for m in BLOCK.finditer(text) if not m.group(1)]


def test_readme_has_python_examples():
    assert len(_blocks()) >= 6


def test_readme_python_examples_run(tmp_path, monkeypatch):
    pytest.importorskip("torch")
    pytest.importorskip("matplotlib")
    monkeypatch.chdir(tmp_path)
    namespace: dict = {}
    for line, code in _blocks():
        try:
            exec(compile(code, f"README.md:{line}", "exec"), namespace)  # trusted: our own README
        except Exception as error:  # pragma: no cover - the message is the point
            pytest.fail(f"README example at line {line} failed: {type(error).__name__}: {error}")
    assert os.path.exists("contours.png") and os.path.exists("descent.gif")
