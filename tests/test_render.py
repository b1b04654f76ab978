"""Rendering: golden files of every chapter workout, JSON validity, LaTeX that compiles, chapter-style printing."""

import json
import re
import shutil
import subprocess

import pytest
import sympy

from symgrad.rendering import decimal_text, latex_of, latex_text, render, render_latex_body, text_of
from symgrad.steps import WORKOUTS, explain

DERIVATIONS = {w.id: w.make() for w in WORKOUTS}


@pytest.mark.parametrize("workout_id", list(DERIVATIONS))
def test_markdown_and_text_match_golden_files(workout_id, golden):
    d = DERIVATIONS[workout_id]
    golden(f"derivations/{workout_id}.md", render(d, "md"))
    golden(f"derivations/{workout_id}.txt", render(d, "text"))


def test_golden_text_shows_the_chapters_numbers():
    # the numbers the chapter prints, as the chapter prints them
    expected = {
        "loss-table": ["= 13.75"],
        "derivative-step": ["= 2.4", "L(2.4) = 5.76", "= −3.24"],
        "loss-change": ["66.01320066", "66.01200059", "= 0.0132", "= 0.012"],
        "gd-step": ["⎡1.8⎤", "⎣1.6⎦", "= 14.16", "= 51.84 ✓"],
        "convexity-coupled": ["λ² − 8λ + 8 = 0", "4 ± 2√2", "λ₁ ≈ 6.83, λ₂ ≈ 1.17"],
        "exercise-1-gradient": ["⎡4⎤", "⎣9⎦"],
        "exercise-2-gd-step": ["⎡1.3⎤", "= 8.89"],
    }
    for workout_id, fragments in expected.items():
        text = render(DERIVATIONS[workout_id], "text")
        for fragment in fragments:
            assert fragment in text, (workout_id, fragment)


@pytest.mark.parametrize("workout_id", list(DERIVATIONS))
def test_json_is_valid_and_keeps_exact_results(workout_id):
    d = DERIVATIONS[workout_id]
    data = json.loads(render(d, "json"))
    assert data["kind"] == d.kind and len(data["steps"]) == len(d.steps)
    assert data["checks"], "every derivation records its checks"


def test_json_result_of_the_gd_step_is_exact():
    data = json.loads(render(DERIVATIONS["gd-step"], "json"))
    assert data["result"]["sympy"] == "Matrix([[9/5], [8/5]])"
    assert "Rational(9, 5)" in data["result"]["srepr"]
    assert data["result"]["latex"] == r"\begin{bmatrix} 1.8 \\ 1.6 \end{bmatrix}"


def test_chapter_style_printing():
    w0, eta = sympy.Symbol("w0", real=True), sympy.Symbol("eta", real=True)
    assert text_of(2 * w0**2) == "2w₀²"
    assert text_of(eta) == "η"
    assert text_of(sympy.Rational(9, 5)) == "1.8" and text_of(sympy.Rational(1, 3)) == "1/3"
    assert latex_of(sympy.Rational(354, 25)) == "14.16"
    assert decimal_text(sympy.Rational(-81, 25)) == "-3.24" and decimal_text(sympy.Rational(2, 3)) is None


def test_column_vectors_print_as_columns_in_text():
    text = render(DERIVATIONS["gd-step"], "text")
    assert "∇L(3, 4) = ⎡12⎤\n" in text and "⎣24⎦" in text


def test_jupyter_rich_display():
    d = DERIVATIONS["gd-step"]
    assert d._repr_markdown_().startswith("### ") and "$$" in d._repr_markdown_()
    assert d._repr_latex_() == render_latex_body(d)
    assert str(d) == render(d, "text")


def test_latex_is_ascii_and_standalone():
    for d in DERIVATIONS.values():
        tex = render(d, "latex")
        assert tex.startswith(r"\documentclass") and tex.rstrip().endswith(r"\end{document}")
        assert tex.isascii(), d.title


def _engine():
    return shutil.which("pdflatex") or shutil.which("lualatex") or shutil.which("xelatex")


@pytest.mark.skipif(_engine() is None, reason="no TeX engine (pdflatex/lualatex/xelatex) installed")
def test_latex_compiles(tmp_path):
    single = render(DERIVATIONS["gd-step"], "latex")
    whole = single.replace(render_latex_body(DERIVATIONS["gd-step"]),
                           "".join(render_latex_body(d) for d in DERIVATIONS.values()))
    for name, tex in {"single.tex": single, "all.tex": whole}.items():
        (tmp_path / name).write_text(tex, encoding="ascii")
        result = subprocess.run([_engine(), "-interaction=nonstopmode", "-halt-on-error", name], cwd=tmp_path,
                                capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, result.stdout[-3000:]
        assert (tmp_path / name.replace(".tex", ".pdf")).exists()


def test_unknown_format_is_an_input_error():
    from symgrad.errors import InputError

    with pytest.raises(InputError, match="unknown format"):
        render(explain.hessian("x^2"), "html")


def test_products_with_pi_and_symbols_read_as_written():
    n = sympy.Symbol("n", integer=True)
    assert text_of(2 * sympy.pi * n + sympy.pi / 2) == "2πn + π/2"
    assert text_of(sympy.Symbol("bias", real=True) * sympy.Symbol("x", real=True)) == "bias·x"  # not "biasx"


def test_a_superscript_note_compiles_as_one_superscript():
    # e⁽ⁱ⁾ must not become $^($$^i$$^)$ (a double superscript for pdflatex)
    assert latex_text("Σ(e⁽ⁱ⁾)²") == r"$\Sigma$(e$^{(i)}$)$^{2}$"


def test_subtracting_a_negative_number_is_parenthesized_in_text_and_latex():
    UE = sympy.UnevaluatedExpr
    difference = sympy.Add(UE(32), -UE(sympy.Rational(-27, 50)), evaluate=False)  # 32 − (−0.54)
    assert text_of(difference) == "32 − (−0.54)" and latex_of(difference) == "32 - (-0.54)"


def test_words_inside_a_formula_never_contain_a_dollar():
    from symgrad.rendering import math_text

    assert math_text("(x ∈ {0} ✓)") == r"\text{(x } \in \text{ \{0\} } \checkmark \text{)}"
    for workout_id, d in DERIVATIONS.items():
        markdown = render(d, "md")
        assert "$" not in "".join(re.findall(r"\\text\{[^}]*\}", markdown)), workout_id
    # the old suffix "(equal to 0 only at w ∈ {0})" put "$\in$" inside \text{} inside $…$
    assert "$" not in "".join(re.findall(r"\\text\{[^}]*\}", render(explain.convexity("x^4 + 1"), "md")))


def test_small_floats_are_powers_of_ten_in_latex():
    assert latex_of(sympy.Float(6.87195e-07)) == r"6.87195 \cdot 10^{-7}"
    assert text_of(sympy.Float(6.87195e-07)) == "6.87195·10⁻⁷"


def test_a_leftover_crootof_prints_as_its_rounded_value():
    import sympy

    from symgrad.rendering import latex_of, text_of

    x = sympy.Symbol("x", real=True)
    root = sympy.Poly(2 * x**3 - 5 * x + 2, x).real_roots()[0]  # ≈ −1.75233 (numpy.roots)
    assert text_of(root) == "≈ −1.7523" and latex_of(root) == r"\approx -1.7523"
    assert text_of(sympy.Eq(x, root)) == "x ≈ −1.7523"
    assert "CRootOf" not in text_of(12 * root**2 - 10) and "CRootOf" not in latex_of(12 * root**2 - 10)


# representative convexity derivations beyond the chapter: kinks, a restricted domain, a norm, a saddle, pieces
CONVEXITY_EXTRA = {"convexity-abs": "abs(x)", "convexity-neg-log": "-log(x)", "convexity-norm": "sqrt(w0^2 + w1^2)",
                   "convexity-saddle": "w0^2 - w1^2", "convexity-reciprocal": "1/x", "convexity-sine": "sin(x)"}


@pytest.mark.parametrize("golden_id", list(CONVEXITY_EXTRA))
def test_convexity_derivations_match_golden_files(golden_id, golden):
    d = explain.convexity(CONVEXITY_EXTRA[golden_id])
    golden(f"derivations/{golden_id}.md", render(d, "md"))
    golden(f"derivations/{golden_id}.txt", render(d, "text"))


def test_convexity_text_is_plain_mathematics():
    # no SymPy spellings, the derivation's own name in every sentence, the domain stated
    for expr in ("max(x, 0)", "-log(x)", "1/x", "abs(w0) + 2*abs(w1)", "-sqrt(x)"):
        text = render(explain.convexity(expr, name="L"), "text")
        for raw in ("Max(", "**", "··", ">=", "CRootOf", " f ", "f''", "F''"):
            assert raw not in text, (expr, raw)
    assert "For all x > 0: 1/x² > 0" in render(explain.convexity("-log(x)"), "text")
    assert "strictly convex on x > 0 and strictly concave on x < 0" in render(explain.convexity("1/x"), "text")


def test_latex_step_headings_are_headings_of_their_own_not_run_into_the_first_line():
    body = render_latex_body(DERIVATIONS["gd-step"])
    assert r"\paragraph" not in body
    headings = re.findall(r"\\subsubsection\*\{Step (\d+): ([^}]*)\}\n", body)
    assert [int(i) for i, _ in headings] == list(range(1, len(DERIVATIONS["gd-step"].steps) + 1))
    assert ("5", "Verify improvement") in headings
