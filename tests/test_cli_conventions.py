"""The command line behaves like ruff's and pytest's (issue 17), driven through ``python -m symgrad``.

The console script in the shared venv points at the main checkout, so these
tests run the package on PYTHONPATH with ``python -m symgrad``: the same
``symgrad.cli:main`` the ``[project.scripts]`` entry names.
"""

import json
import os
import subprocess
import sys

import io

import pytest

from symgrad.cli import main
from symgrad.cli._io import EXIT_CODES

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def symgrad(*argv, stdin=None):
    """The command in a fresh interpreter, as a user runs it (a few tests: each start costs a second)."""
    environment = {**os.environ, "PYTHONPATH": ROOT, "PYTHONIOENCODING": "utf-8"}
    return subprocess.run([sys.executable, "-m", "symgrad", *argv], input=stdin, env=environment,
                          capture_output=True, text=True, encoding="utf-8", timeout=120)


class Result:
    def __init__(self, returncode, stdout, stderr):
        self.returncode, self.stdout, self.stderr = returncode, stdout, stderr


@pytest.fixture
def cli(capsys, monkeypatch):
    """The same entry point, in this process (usage errors exit through SystemExit, as in the shell)."""

    def run(*argv, stdin=None):
        if stdin is not None:
            monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        try:
            code = main(list(argv))
        except SystemExit as stop:
            code = stop.code
        out, err = capsys.readouterr()
        return Result(code, out, err)

    return run


def test_bare_symgrad_prints_help_and_exits_0():
    result = symgrad()
    assert result.returncode == 0 and "usage: symgrad" in result.stdout and "derive" in result.stdout
    assert "exit codes" in result.stdout and "3  bad input" in result.stdout


def test_exit_codes_through_the_entry_point():
    assert sorted(EXIT_CODES) == [0, 1, 2, 3, 130, 141, 143]
    assert symgrad("check", "x^2", "2*x").returncode == 1
    assert symgrad("derive", "nonsense", "x").returncode == 2
    bad = symgrad("derive", "gradient", "x^2 +* y")
    assert bad.returncode == 3 and bad.stderr.startswith("symgrad: error:") and "Traceback" not in bad.stderr
    out = symgrad("derive", "gradient", "-", "--at", "-1,2", stdin="x^2*y\n")
    assert out.returncode == 0 and "∇L(−1, 2)" in out.stdout


def test_exit_code_0_and_1_for_check(cli):
    assert cli("check", "2*x", "2*x").returncode == 0
    assert cli("check", "x^2", "2*x").returncode == 1
    assert cli("check", "x +", "2*x").returncode == 1  # invalid is not correct


def test_a_subcommands_unknown_option_prints_that_subcommands_usage(cli):
    result = cli("derive", "gradient", "x^2", "--bogus")
    assert result.returncode == 2
    assert result.stderr.startswith("usage: symgrad derive") and "unrecognized arguments: --bogus" in result.stderr


def test_leading_minus_expressions_and_values(cli):
    out = cli("derive", "gradient", "-x^2*y", "--at", "-1,2").stdout
    assert "−2xy" in out and "∇L(−1, 2)" in out
    assert "−2x" in cli("derive", "gradient", "--", "-x^2").stdout
    assert cli("check", "-2*x", "-(2*x)").returncode == 0
    assert cli("derive", "descent", "x^2", "--at", "-1", "--lr", "-0.1").returncode == 3  # a value, refused by the library


def test_parse_error_caret_points_at_the_offending_character(cli):
    err = cli("derive", "gradient", "x^2 +* y").stderr
    assert "found '*' at column 6" in err
    shown, caret = err.splitlines()[1:3]
    assert shown.strip() == "x^2 +* y" and shown[caret.index("^")] == "*"


def test_dash_is_stdin_and_stdout(cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert "∇L(1, 2)" in cli("derive", "gradient", "-", "--at", "1,2", stdin="x^2*y\n").stdout
    written = cli("derive", "gradient", "x^2", "--out", "-", "--format", "json")
    assert json.loads(written.stdout)["schema"] == "symgrad/1" and list(tmp_path.iterdir()) == []
    assert cli("check", "-", "2*x", stdin="2*x").returncode == 0
    assert cli("check", "2*x", "-", stdin="x^2").returncode == 1
    both = cli("check", "-", "-", stdin="2*x")
    assert both.returncode == 3 and "stdin" in both.stderr
    assert cli("check", "-", "2*x", stdin="").returncode == 3
    assert "# " in cli("exercises", "--family", "gradient", "--out", "-").stdout and list(tmp_path.iterdir()) == []


def test_check_command_text_and_json(cli):
    text = cli("check", "x^2", "2*x")
    assert text.stdout.startswith("incorrect:") and "evidence:" in text.stdout
    data = json.loads(cli("check", "(1.8, 1.6)", "(9/5, 8/5)", "--format", "json").stdout)
    assert data["schema"] == "symgrad/1" and data["status"] == "correct" and data["correct"] is True
    assert isinstance(data["score"], float) and data["score"] == 1.0


def test_evidence_counts_one_point_in_the_singular(cli):
    one = cli("check", "0.333", "1/3", "--rtol", "0.01")  # a number against a number: compared at one point
    assert json.loads(cli("check", "0.333", "1/3", "--rtol", "0.01", "--format", "json").stdout)["evidence"]["points"] == 1
    assert "(1 point);" in one.stdout and "at 1 point" in one.stdout and "1 points" not in one.stdout
    many = cli("check", "sin(x)^2+cos(x)^2", "1")
    points = json.loads(cli("check", "sin(x)^2+cos(x)^2", "1", "--format", "json").stdout)["evidence"]["points"]
    assert points > 1 and f"({points} points)" in many.stdout
    import symgrad as sg

    shown = sg.check("0.333", "1/3", rtol=0.01)._repr_markdown_()
    assert "(1 point)" in shown and "1 points" not in shown


def test_json_numbers_are_numbers(cli):
    data = json.loads(cli("derive", "gd-step", "2*w0^2 + 3*w1^2", "--at", "3,4", "--lr", "0.1",
                          "--format", "json").stdout)
    assert data["schema"] == "symgrad/1"
    assert data["result"]["value"] == [[1.8], [1.6]] and data["result"]["sympy"] == "Matrix([[9/5], [8/5]])"


def test_one_spelling_for_kinds_and_families(cli):
    assert cli("derive", "gd_step", "x^2", "--at", "1", "--lr", "0.1").returncode == 0
    assert cli("check", "(1.8, 1.6)", "(9/5, 8/5)", "--kind", "gd-step").returncode == 0
    listing = cli("exercises", "--list").stdout
    assert "gd-step " in listing and "gd_step" not in listing
    assert cli("exercises", "--family", "gd-step", "--seed", "1").returncode == 0


def test_cp1252_terminal_gets_ascii_spellings_not_a_crash():
    result = subprocess.run([sys.executable, "-m", "symgrad", "derive", "workout", "2*w0^2 + 3*w1^2", "--at",
                             "w0=3,w1=4", "--lr", "0.1"], env={**os.environ, "PYTHONPATH": ROOT,
                                                               "PYTHONIOENCODING": "cp1252"},
                            capture_output=True, timeout=120)
    assert result.returncode == 0, result.stderr.decode("cp1252")
    out = result.stdout.decode("cp1252")
    assert "dL/dw0 = 4w0 = 4(3) = 12" in out and "51.84 ok" in out and "2w0² + 3w1²" in out
    lines = out.splitlines()
    head = next(i for i, line in enumerate(lines) if "grad L(3, 4) = [12]" in line)
    assert lines[head].index("[12]") == lines[head + 1].index("[24]")  # the matrix stays aligned


def test_verify_without_its_extras_is_a_clean_message(cli, monkeypatch):
    from symgrad.cli import verify

    find = verify.importlib.util.find_spec
    monkeypatch.setattr(verify.importlib.util, "find_spec",
                        lambda name, *a: None if name in ("torch", "hypothesis") else find(name, *a))
    result = cli("verify", "x^2")
    assert result.returncode == 3 and "Traceback" not in result.stderr
    assert "pip install 'symgrad[torch]'" in result.stderr and "constraints.txt" not in result.stderr


def test_missing_torch_hint_does_not_mention_constraints_txt(monkeypatch):
    from symgrad import BackendUnavailable
    from symgrad.backends import import_torch

    monkeypatch.setitem(sys.modules, "torch", None)  # import torch now raises ImportError
    with pytest.raises(BackendUnavailable) as error:
        import_torch()
    assert "pip install 'symgrad[torch]'" in str(error.value) and "constraints.txt" not in str(error.value)


def test_a_reader_that_goes_away_ends_the_command_quietly_with_141():
    """`symgrad ... | head -c 0`: no BrokenPipeError traceback (an audit found one from grade's summary)."""
    import subprocess
    import sys

    command = [sys.executable, "-m", "symgrad", "derive", "gradient", "x^2*y", "--at", "1,2"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    process.stdout.close()  # the reader is gone before anything is written
    _, err = process.communicate(timeout=120)
    assert process.returncode in (0, 141) and b"Traceback" not in err and b"BrokenPipe" not in err
