"""The example scripts run, and the committed example sheet is what the CLI makes today."""

import filecmp
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPTS = ["fit_line.py", "worked_derivations.py", "chapter_pytorch_manual.py", "chapter_pytorch_autograd.py",
           "chapter_pytorch_nonlinear.py", "chapter_pytorch_module.py"]


@pytest.mark.parametrize("script", SCRIPTS)
def test_example_script_runs(script):
    if script.startswith("chapter_pytorch"):
        pytest.importorskip("torch")
    result = subprocess.run([sys.executable, str(ROOT / "examples" / script)], capture_output=True, text=True,
                            cwd=ROOT, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip()
    if script.startswith("chapter_pytorch"):
        out = result.stdout.lower()
        assert "chapter" in out or "as written" in out  # each shows the chapter's snippet beside symgrad's run


def test_committed_example_sheet_is_reproduced_by_the_cli(tmp_path):
    from symgrad.cli import main

    args = ["exercises", "--family", "gradient", "--family", "gd_step", "--family", "convexity", "--family", "taylor",
            "--seed", "7", "--format", "md", "--out", str(tmp_path)]
    assert main(args) == 0
    committed = ROOT / "examples" / "exercise_sheet"
    names = sorted(p.name for p in committed.iterdir())
    assert names == sorted(p.name for p in tmp_path.iterdir())
    match, mismatch, errors = filecmp.cmpfiles(committed, tmp_path, names, shallow=False)
    assert not mismatch and not errors, f"regenerate examples/exercise_sheet with: symgrad {' '.join(args[:-2])} --out examples/exercise_sheet"


def test_tour_notebook_shows_a_derivation_a_check_and_a_figure():
    """examples/tour.ipynb is what the README's screenshots show (docs/make_screenshot.py): it must run as is."""
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    pytest.importorskip("matplotlib")
    notebook = nbformat.read(ROOT / "examples" / "tour.ipynb", as_version=4)
    nbclient.NotebookClient(notebook, timeout=300, kernel_name="python3",
                            resources={"metadata": {"path": str(ROOT)}}).execute()
    results = [[o for o in cell.outputs if o.output_type == "execute_result"]
               for cell in notebook.cells if cell.cell_type == "code"]
    assert [len(r) for r in results] == [1, 1, 1]
    derivation, check, figure = (r[0].data for r in results)
    assert "Update parameters" in derivation["text/markdown"] and "text/latex" in derivation
    assert r"\begin{bmatrix} 1.8 \\ 1.6 \end{bmatrix}" in derivation["text/markdown"]  # (3, 4) - 0.1 (12, 24)
    assert "| status | incorrect |" in check["text/markdown"] and "missing_chain_factor" in check["text/markdown"]
    assert figure["image/png"]  # base64 text of symgrad's own PNG, no %matplotlib magic
