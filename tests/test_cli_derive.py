"""The ``symgrad derive`` and ``symgrad demo`` commands, through the entry point declared in pyproject.toml."""

import json
import os
import subprocess
import sys
import tomllib
from importlib import import_module

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
QUICKSTART = ["derive", "workout", "2*w0^2 + 3*w1^2", "--at", "w0=3,w1=4", "--lr", "0.1"]


def entry_point():
    with open(os.path.join(ROOT, "pyproject.toml"), "rb") as fh:
        target = tomllib.load(fh)["project"]["scripts"]["symgrad"]
    module, function = target.split(":")
    return getattr(import_module(module), function)


def run(argv, capsys):
    code = entry_point()(argv)
    out, err = capsys.readouterr()
    return code, out, err


def test_quickstart_command_shows_gradient_step_and_hessian(capsys):
    code, out, _ = run(QUICKSTART, capsys)
    assert code == 0
    for fragment in ("∂L/∂w₀ = 4w₀ = 4(3) = 12", "∇L(3, 4) = ⎡12⎤", "⎡1.8⎤", "= 14.16", "51.84 ✓", "H = ⎡4  0⎤"):
        assert fragment in out


def test_workout_is_the_gd_step_with_hessian_then_the_whole_run(capsys):
    _, workout, _ = run(QUICKSTART, capsys)
    code, out, _ = run(["derive", "gd-step", "2*w0^2 + 3*w1^2", "--at", "3,4", "--lr", "0.1", "--hessian"], capsys)
    assert code == 0
    body = out.split("\n", 2)[2]  # the steps of the gd-step, without its title
    assert body.rstrip("\n") in workout and "Why it stopped" in workout and "Why it stopped" not in out


def test_descent_kind_shows_the_table_and_the_stop(capsys):
    code, out, _ = run(["derive", "descent", "(x - 3)^2", "--at", "0", "--lr", "0.1", "--name", "f"], capsys)
    assert code == 0 and "k = 1, x = 0.6, f = 5.76" in out and "after 39 steps" in out
    code, out, _ = run(["derive", "descent", "(x - 3)^2", "--at", "0", "--lr", "0.1", "--steps", "2"], capsys)
    assert code == 0 and "step limit" in out


@pytest.mark.parametrize("kind,extra", [
    ("gradient", ["--at", "w0=3,w1=4"]),
    ("hessian", []),
    ("convexity", []),
    ("critical-points", []),
    ("level-set", ["--levels", "1,2"]),
    ("loss-change", ["--at", "3,4", "--displacement", "0.0003,0.0004"]),
])
def test_each_kind_runs_in_every_format(kind, extra, capsys):
    for fmt in ("text", "md", "latex", "json"):
        code, out, _ = run(["derive", kind, "2*w0^2 + 3*w1^2", *extra, "--format", fmt], capsys)
        assert code == 0, (kind, fmt)
        if fmt == "json":
            assert json.loads(out)["steps"]
        if fmt == "latex":
            assert out.startswith(r"\documentclass")


def test_one_variable_and_matrix_kinds(capsys):
    assert "2.4" in run(["derive", "derivative-step", "w^2", "--at", "3", "--lr", "0.1"], capsys)[1]
    assert "≈ x" in run(["derive", "taylor", "sin(x)", "--at", "x=0", "--order", "2"], capsys)[1]
    assert "4 ± 2√2" in run(["derive", "eigenvalues", "2,2;2,6"], capsys)[1]
    out = run(["derive", "loss", "w*x + b", "--data", "1,3;2,5;3,7;4,9;5,11", "--params", "w=1.5,b=1.0"], capsys)[1]
    assert "= 13.75" in out


def test_out_writes_a_file(tmp_path, capsys):
    target = tmp_path / "step.md"
    code, out, err = run([*QUICKSTART, "--format", "md", "--out", str(target)], capsys)
    assert code == 0 and out == "" and str(target) in err
    assert "$$" in target.read_text(encoding="utf-8")


def test_bad_input_exits_3_with_the_parsers_message(capsys):
    code, out, err = run(["derive", "gradient", "2*w0^2 + 3*w1^", "--at", "3,4"], capsys)
    assert code == 3 and "Traceback" not in err and "^" in err and err.startswith("symgrad: error:")


def test_missing_learning_rate_exits_3(capsys):
    code, _, err = run(["derive", "gd-step", "w0^2 + w1^2", "--at", "1,1"], capsys)
    assert code == 3 and "--lr" in err


def test_bad_usage_exits_2(capsys):
    with pytest.raises(SystemExit) as info:
        entry_point()(["derive", "nonsense", "x"])
    assert info.value.code == 2
    with pytest.raises(SystemExit) as info:
        entry_point()(["derive", "gradient", "x", "--format", "pdf"])
    assert info.value.code == 2


def test_demo_writes_the_whole_chapter(tmp_path, capsys):
    code, out, _ = run(["demo", "--out", str(tmp_path), "--no-figures"], capsys)
    assert code == 0 and str(tmp_path / "chapter-workouts.md") in out
    report = (tmp_path / "chapter-workouts.md").read_text(encoding="utf-8")
    for number in ("13.75", "2.4", "66.01320066", "1.8", "14.16", r"4 \pm 2 \sqrt{2}", "1.3"):
        assert number in report
    assert (tmp_path / "chapter-workouts.txt").exists()


def test_python_dash_m_and_help_do_not_import_torch():
    env = {**os.environ, "PYTHONPATH": ROOT}
    probe = ("import sys\nfrom symgrad.cli import main\ntry:\n    main(['--help'])\nexcept SystemExit as e:\n"
             "    assert e.code == 0\nassert 'torch' not in sys.modules, 'symgrad --help imported torch'\n"
             "assert 'matplotlib' not in sys.modules\n")
    result = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    result = subprocess.run([sys.executable, "-m", "symgrad", *QUICKSTART], env=env, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0 and "⎡1.8⎤" in result.stdout
    result = subprocess.run([sys.executable, "-m", "symgrad", "derive", "--help"], env=env, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0 and "gd-step" in result.stdout and "examples:" in result.stdout


def test_user_errors_in_derive_are_messages_not_tracebacks(tmp_path, capsys):
    for argv, expected in [
        (["derive", "gradient", "x^2", "--at", "abc"], "expected a number, got 'abc'"),
        (["derive", "eigenvalues", "x,1;1,2"], "eigenvalues need a matrix of numbers"),
        (["derive", "eigenvalues", "x^2"], "eigenvalues need a matrix of numbers"),
        (["derive", "gradient", "x^2", "--at", "x=1", "--out", str(tmp_path / "missing" / "f.txt")], "cannot write"),
    ]:
        code, out, err = run(argv, capsys)
        assert code == 3, argv
        assert expected in err and "Traceback" not in err, (argv, err)


def test_eigenvalues_accept_every_matrix_notation(capsys):
    for matrix in ["2,1;1,2", "[[2,1],[1,2]]", "[2 1; 1 2]", r"\begin{bmatrix} 2 & 1 \\ 1 & 2 \end{bmatrix}"]:
        code, out, _ = run(["derive", "eigenvalues", matrix], capsys)
        assert code == 0 and "λ₁ = 1, λ₂ = 3" in out, matrix


def test_expressions_and_values_may_start_with_a_minus_sign(capsys):
    code, out, _ = run(["derive", "convexity", "-log(x)"], capsys)
    assert code == 0 and "strictly convex on x > 0" in out
    code, out, _ = run(["derive", "gradient", "x^2 + y", "--at", "-1,2"], capsys)
    assert code == 0 and "∇L(−1, 2)" in out


def test_a_one_variable_hessian_is_a_one_by_one_matrix(capsys):
    code, out, _ = run(["derive", "hessian", "x^3"], capsys)
    assert code == 0 and "ᵀ" not in out and "1×1 matrix of the second derivative" in out
