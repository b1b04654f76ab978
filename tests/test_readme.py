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


def test_every_exit_status_the_docs_name_is_the_one_the_cli_returns():
    """The README's "Worked derivations" section said 1 meant bad input; the CLI returns 3 (cli/_io.py)."""
    from symgrad.cli._io import BAD_INPUT, EXIT_CODES, FAILED, USAGE

    meaning = {"bad input": BAD_INPUT, "bad usage": USAGE, "usage": USAGE, "check": FAILED, "a check": FAILED,
               "check/verify failed": FAILED}
    docs = [README, *sorted((README.parent / "docs").glob("*.md"))]
    seen = 0
    for path in docs:
        text = " ".join(path.read_text(encoding="utf-8").split())
        for listing in re.findall(r"[Ee]xit codes:? (.*?)(?:\.|;|$)", text):
            for code, words in re.findall(r"(\d+) ([a-z /]+?)(?=,| \(|$| and )", listing):
                key = next((k for k in sorted(meaning, key=len, reverse=True) if words.startswith(k)), None)
                if key is not None:
                    seen += 1
                    assert int(code) == meaning[key], f"{path.name}: exit code {code} '{words}' (the CLI uses {meaning[key]})"
        for code in re.findall(r"unwritable `--out` ends with .*?\(exit status (\d+)\)", text):
            seen += 1
            assert int(code) == BAD_INPUT and "a file it cannot read or write" in EXIT_CODES[BAD_INPUT]
    assert seen >= 8  # three listings (README twice, docs/design.md) and the grader's table
