"""Tests of symgrad.exercises: every family verifies, checks, diagnoses its mistakes and is reproducible."""

import csv
import hashlib
import json
import shutil
import subprocess

import numpy as np
import pytest
import sympy
from hypothesis import given, settings, strategies as st

from symgrad import exercises
from symgrad.checking import check
from symgrad.errors import InputError
from symgrad.exercises import FAMILIES, sheets

COMBOS = [(name, level) for name, family in FAMILIES.items() for level in family.difficulties]


def _assert_sound(ex):
    assert ex.verification, "an exercise must record the checks it passed"
    assert check(ex.answer, ex).correct
    for mistake in ex.mistakes:
        result = check(mistake.answer, ex)
        assert not result.correct, mistake.description
        if mistake.code is not None:
            assert result.diagnosis == mistake.code, mistake.description


@pytest.mark.parametrize("family,level", COMBOS)
def test_every_family_and_level_generates_a_sound_exercise(family, level):
    ex = exercises.generate(family, seed=11, difficulty=level)
    assert (ex.family, ex.difficulty, ex.seed) == (family, level, 11)
    _assert_sound(ex)


@given(st.sampled_from(COMBOS), st.integers(min_value=0, max_value=10**9))
@settings(deadline=None)
def test_any_seed_gives_a_sound_reproducible_exercise(combo, seed):
    family, level = combo
    ex = exercises.generate(family, seed=seed, difficulty=level)
    _assert_sound(ex)
    again = exercises.generate(family, seed=seed, difficulty=level)
    assert again == ex and json.dumps(again.to_dict(), default=str) == json.dumps(ex.to_dict(), default=str)


def test_gradient_answers_agree_with_torch_autograd():
    torch = pytest.importorskip("torch")
    for level in (1, 2, 3):
        for seed in range(4):
            ex = exercises.generate("gradient", seed=seed, difficulty=level)
            x = torch.tensor([float(c) for c in ex.metadata["point"]], dtype=torch.float64, requires_grad=True)
            _torch_eval(ex, x).backward()
            assert np.allclose(x.grad.numpy(), [float(g) for g in ex.answer]), ex.metadata


def _torch_eval(ex, x):
    """The function re-read from its text and evaluated by torch (autograd differentiates it)."""
    from symgrad.function import Function
    from symgrad.parsing import parse

    return Function(parse(ex.metadata["function"]), [v.name for v in ex.variables]).compile("torch").value(x)


def test_eigenvalues_agree_with_numpy_eigvalsh():
    for level in (1, 2, 3):
        ex = exercises.generate("eigenvalues", seed=5, difficulty=level)
        H = np.array(ex.solution.steps[1].result.tolist(), dtype=float)
        assert np.allclose(sorted(float(e) for e in ex.answer), np.linalg.eigvalsh(H))


def test_gd_step_matches_the_chapter_update_rule_by_hand():
    ex = exercises.generate("gd_step", seed=3, difficulty=2)
    from symgrad.parsing import parse

    f = parse(ex.metadata["function"]).xreplace({sympy.Symbol(v.name, real=True): v for v in ex.variables})
    w = [sympy.Integer(c) for c in ex.metadata["point"]]
    eta = sympy.Rational(ex.metadata["learning_rate"])
    at = dict(zip(ex.variables, w))
    expected = [wi - eta * sympy.diff(f, v).subs(at) for wi, v in zip(w, ex.variables)]
    assert list(ex.answer) == expected


def test_student_seed_is_sha256_of_assignment_student_family():
    expected = hashlib.sha256(b"hw1:s001:gradient").hexdigest()[:16]
    assert exercises.student_seed("s001", "hw1", "gradient") == expected
    a = exercises.for_student("gradient", "s001", "hw1")
    assert a == exercises.for_student("gradient", "s001", "hw1")
    assert a.seed == expected


def test_different_students_get_different_variants():
    variants = {str(exercises.for_student("gd_step", f"s{i}", "hw1", 2).answer) for i in range(8)}
    assert len(variants) > 4


def test_unknown_family_and_level_are_input_errors():
    with pytest.raises(InputError, match="unknown exercise family"):
        exercises.generate("gradiant")
    with pytest.raises(InputError, match="not a level"):
        exercises.generate("gradient", difficulty=7)


@pytest.mark.parametrize("fmt,ext", [("md", "md"), ("latex", "tex"), ("json", "json")])
def test_golden_sheets(golden, fmt, ext):
    items = [(f"q{k}", exercises.generate(name, seed=2024, difficulty=1 + k % 3))
             for k, name in enumerate(FAMILIES, 1)]
    golden(f"exercises/sheet.{ext}", sheets.sheet(items, fmt, title="Chapter 3 practice"))
    golden(f"exercises/key.{ext}", sheets.sheet(items, fmt, title="Chapter 3 practice", answers=True))


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="no TeX engine installed")
def test_latex_sheet_and_key_compile(tmp_path):
    items = [(f"q{k}", exercises.generate(name, seed=7, difficulty=1 + k % 3)) for k, name in enumerate(FAMILIES, 1)]
    for name, answers in (("sheet", False), ("key", True)):
        (tmp_path / f"{name}.tex").write_text(sheets.sheet(items, "latex", answers=answers), encoding="utf-8")
        run = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", f"{name}.tex"],
                             cwd=tmp_path, capture_output=True, timeout=120)
        assert run.returncode == 0, run.stdout.decode(errors="replace")[-2000:]
        assert (tmp_path / f"{name}.pdf").exists()


def test_roster_sheets_and_key_grade_end_to_end(tmp_path):
    from symgrad.cli import main

    roster = tmp_path / "roster.csv"
    roster.write_text("student,name\ns001,Ada\ns002,Bob\n", encoding="utf-8")
    out = tmp_path / "out"
    assert main(["exercises", "--family", "gradient", "--family", "convexity", "--family", "taylor",
                 "--students", str(roster), "--assignment", "hw1", "--out", str(out)]) == 0
    for student in ("s001", "s002"):
        assert (out / f"{student}.md").exists() and (out / f"{student}.key.md").exists()
    key = json.loads((out / "grading_key.json").read_text(encoding="utf-8"))
    assert set(key) == {f"{s}:q{k}" for s in ("s001", "s002") for k in (1, 2, 3)}
    # each student's key entry is that student's personal variant
    ex = exercises.for_student("gradient", "s002", "hw1")
    assert key["s002:q1"]["expected"] == "(" + ", ".join(str(c) for c in ex.answer) + ")"
    wrong = exercises.for_student("gradient", "s001", "hw1").mistakes[0]
    rows = [{"id": "1", "student": "s001", "question": "s001:q1",
             "answer": "(" + ", ".join(str(c) for c in wrong.answer) + ")"}]
    rows += [{"id": str(i + 2), "student": q.split(":")[0], "question": q, "answer": entry["expected"]}
             for i, (q, entry) in enumerate(key.items())]
    submissions = tmp_path / "subs.csv"
    with open(submissions, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=["id", "student", "question", "answer"])
        writer.writeheader()
        writer.writerows(rows)
    results = tmp_path / "results.jsonl"
    assert main(["grade", str(submissions), "--key", str(out / "grading_key.json"), "--out", str(results),
                 "--workers", "1", "--no-progress"]) == 0
    graded = {r["id"]: r for r in map(json.loads, results.read_text(encoding="utf-8").splitlines())}
    assert graded["1"]["status"] == "incorrect" and graded["1"]["diagnosis"] == wrong.code
    assert all(graded[str(i + 2)]["correct"] for i in range(len(key)))


def test_cli_writes_sheet_key_and_grading_key(tmp_path, capsys):
    from symgrad.cli import main

    assert main(["exercises", "--family", "hessian", "--count", "2", "--seed", "5", "--format", "json",
                 "--out", str(tmp_path)]) == 0
    data = json.loads((tmp_path / "key.json").read_text(encoding="utf-8"))
    assert [q["question"] for q in data["questions"]] == ["q1", "q2"]
    assert "answer" not in json.loads((tmp_path / "sheet.json").read_text(encoding="utf-8"))["questions"][0]
    assert main(["exercises", "--list"]) == 0
    assert "stable-lr" in capsys.readouterr().out  # one spelling printed (gd-step, stable-lr)


def test_answer_key_shows_the_level_contours_of_two_variable_level_set_exercises(tmp_path):
    pytest.importorskip("matplotlib")
    from symgrad.cli import main

    assert main(["exercises", "--family", "level_set", "--family", "gradient", "--seed", "3", "--out", str(tmp_path)]) == 0
    key = (tmp_path / "key.md").read_text(encoding="utf-8")
    sheet = (tmp_path / "sheet.md").read_text(encoding="utf-8")
    assert "](q1-contours.png)" in key and (tmp_path / "q1-contours.png").stat().st_size > 5_000
    assert "contours.png" not in sheet  # the picture belongs to the key
    assert not (tmp_path / "q2-contours.png").exists()  # only the level-set family gets one
    assert main(["exercises", "--family", "level_set", "--seed", "3", "--format", "latex", "--out", str(tmp_path / "tex")]) == 0
    tex = (tmp_path / "tex" / "key.tex").read_text(encoding="utf-8")
    assert r"\includegraphics" in tex and "graphicx" in tex
    assert "graphicx" not in (tmp_path / "tex" / "sheet.tex").read_text(encoding="utf-8")


def test_convexity_draws_the_worked_solution_cannot_settle_are_drawn_again():
    from symgrad import exercises

    for seed in range(30):  # seeds 1, 5 and 16 once drew |w² − k²|, which the analysis answers "unknown"
        ex = exercises.generate("convexity", seed=seed, difficulty=2)
        assert ex.solution.result != "unknown"
