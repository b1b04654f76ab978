"""Result objects show themselves (issue 17): one short line in a terminal, Markdown in Jupyter,
figures as PNG without ``%matplotlib inline``; checked by executing a notebook with nbclient."""

import os

import pytest

import symgrad as sg
from symgrad import exercises

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _results():
    trace = sg.gradient_descent("x^2 + 3*y^2", (1.0, 1.0), 0.1)
    compiled = sg.Function("x^2*y").compile()
    return {
        "CheckResult": sg.check("x^2", "2*x"),
        "Exercise": exercises.generate("gradient", seed=1),
        "Trace": trace,
        "ConvexityVerdict": sg.convexity("x^2 + y^2"),
        "EigenResult": sg.eigenvalues([[2, 1], [1, 2]]),
        "CriticalPoint": sg.critical_points("x^2 - y^2")[0],
        "CompiledFunction": compiled,
    }


def test_every_result_has_a_short_repr_and_a_markdown_display():
    for kind, obj in _results().items():
        line = repr(obj)
        assert line.startswith(f"<{kind} ") and "\n" not in line and len(line) <= 110, line
        markdown = obj._repr_markdown_()
        assert markdown.startswith(f"**{kind}**"), kind


def test_what_each_display_shows():
    shown = {kind: obj._repr_markdown_() for kind, obj in _results().items()}
    assert "| status | incorrect |" in shown["CheckResult"] and "| evidence |" in shown["CheckResult"]
    assert "| feedback |" in shown["CheckResult"]
    exercise = shown["Exercise"]
    assert exercise.index("Compute the gradient") < exercise.index("<details><summary>Solution</summary>")
    assert "**Answer:**" in exercise.split("<details>")[1]  # the answer only behind the click
    assert "| stopped by | gradient_tolerance |" in shown["Trace"] and "| steps | 86 |" in shown["Trace"]
    assert "strictly convex" in shown["ConvexityVerdict"] and "| eigenvalues | 1, 3 |" in shown["EigenResult"]
    assert "saddle" in shown["CriticalPoint"]


def test_trace_repr_does_not_list_every_point():
    trace = sg.gradient_descent("x^2 + 3*y^2", (1.0, 1.0), 0.1)
    assert trace.steps > 50 and repr(trace).count(",") < 8


def test_verify_report_display():
    pytest.importorskip("torch")
    report = sg.verify("x^2*y", examples=5)
    assert repr(report) == "<VerifyReport PASS x**2*y against torch autograd>"
    assert "| gradient error |" in report._repr_markdown_()


def test_figures_have_a_png_display_and_still_save_headless(tmp_path):
    pytest.importorskip("matplotlib")
    from symgrad import plot

    figure = plot.descent(sg.gradient_descent("x^2 + 3*y^2", (1.0, 1.0), 0.1), save=tmp_path / "descent.png")
    assert figure._repr_png_().startswith(b"\x89PNG") and (tmp_path / "descent.png").read_bytes().startswith(b"\x89PNG")


NOTEBOOK_CELLS = {
    "check": "import symgrad as sg\nsg.check('x^2', '2*x')",
    "derivation": "sg.explain.gradient('x^2*y', [1, 2])",
    "exercise": "from symgrad import exercises\nexercises.generate('gradient', seed=1)",
    "trace": "trace = sg.gradient_descent('x^2 + 3*y^2', (1.0, 1.0), 0.1)\ntrace",
    "convexity": "sg.convexity('x^2 + y^2')",
    "eigen": "sg.eigenvalues([[2, 1], [1, 2]])",
    "critical": "sg.critical_points('x^2 - y^2')[0]",
    "compiled": "sg.Function('x^2*y').compile()",
    "figure": "from symgrad import plot\nplot.descent(trace)",
    "no pyplot": "import sys\n'matplotlib.pyplot' in sys.modules",
}


def test_a_notebook_shows_markdown_and_figures_without_magic():
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    pytest.importorskip("matplotlib")
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(src) for src in NOTEBOOK_CELLS.values()])
    nbclient.NotebookClient(notebook, timeout=300, kernel_name="python3",
                            resources={"metadata": {"path": ROOT}}).execute()
    outputs = {name: cell.outputs for name, cell in zip(NOTEBOOK_CELLS, notebook.cells)}
    for name, cell_outputs in outputs.items():
        results = [o for o in cell_outputs if o.output_type == "execute_result"]
        assert len(results) == 1, (name, cell_outputs)
        expected = {"figure": "image/png", "no pyplot": "text/plain"}.get(name, "text/markdown")
        assert expected in results[0].data, (name, list(results[0].data))
    assert "<details>" in outputs["exercise"][0].data["text/markdown"]
    assert "text/latex" in outputs["derivation"][0].data
    assert outputs["no pyplot"][0].data["text/plain"] == "False"  # the PNG is symgrad's _repr_png_, not pyplot's
