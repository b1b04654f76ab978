"""Regenerate the README's notebook screenshots from examples/tour.ipynb.

A documentation-maintenance tool, not part of symgrad: nothing in the package or in CI imports it.
It executes the tour notebook with nbclient (so every output is what symgrad shows today), renders it
to HTML with nbconvert, opens the page in a headless Chromium driven by Playwright, waits for MathJax
to typeset the formulas, and saves one PNG per group of cells under docs/images/.

What it needs besides symgrad's ``plot`` and ``dev`` extras (install by hand, never as a dependency)::

    pip install nbconvert playwright
    python -m playwright install chromium     # or a system Chromium: apt-get install chromium
    apt-get install libjs-mathjax             # optional: MathJax from disk instead of its CDN

Run it from the repository root::

    PYTHONPATH=. python docs/make_screenshot.py            # writes docs/images/notebook-*.png

Options: ``--browser PATH`` picks the Chromium executable (default: Playwright's own, else
``chromium`` on PATH); ``--mathjax URL`` the MathJax 2 script (default: the Debian package's file
when present, else nbconvert's CDN default); ``--html FILE`` also keeps the rendered page.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "examples" / "tour.ipynb"
IMAGES = ROOT / "docs" / "images"
LOCAL_MATHJAX = Path("/usr/share/javascript/mathjax/MathJax.js")
# each image: its file name and the code cells it shows (0-based among the notebook's code cells)
SHOTS = {"notebook-derivation-check.png": (0, 1), "notebook-figure.png": (2,)}
WIDTH = 860  # CSS pixels: a README column at GitHub's width, text still legible without zooming
SCALE = 2  # device pixels per CSS pixel: sharp on high-density screens, each PNG still under 400 KB


def execute(path: Path):
    """The notebook with fresh outputs, run in the repository root by a python3 kernel."""
    import nbclient
    import nbformat

    notebook = nbformat.read(path, as_version=4)
    nbclient.NotebookClient(notebook, timeout=300, kernel_name="python3",
                            resources={"metadata": {"path": str(ROOT)}}).execute()
    return notebook


def to_html(notebook, mathjax_url: str | None) -> str:
    """JupyterLab-styled HTML; the math is typeset by MathJax in the browser."""
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(template_name="lab")
    if mathjax_url:
        exporter.mathjax_url = mathjax_url
    body, _ = exporter.from_notebook_node(notebook)
    return body


def default_mathjax() -> str | None:
    if LOCAL_MATHJAX.exists():
        return LOCAL_MATHJAX.as_uri() + "?config=TeX-AMS_CHTML-full,Safe"
    return None


def default_browser() -> str | None:
    """None lets Playwright use the Chromium it installed; else a system Chromium on PATH."""
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


WAIT_FOR_MATHJAX = """() => new Promise(resolve => {
    if (!window.MathJax || !MathJax.Hub) { resolve(false); return; }
    MathJax.Hub.Queue(() => resolve(true));
})"""


def screenshot(html_file: Path, browser_path: str | None, out: Path) -> list[Path]:
    """One PNG per entry of SHOTS: the bounding box of those code cells, inputs and outputs."""
    from playwright.sync_api import sync_playwright

    written = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=browser_path) if browser_path else p.chromium.launch()
        page = browser.new_page(viewport={"width": WIDTH, "height": 800}, device_scale_factor=SCALE)
        page.goto(html_file.as_uri())
        page.wait_for_load_state("networkidle")
        if not page.evaluate(WAIT_FOR_MATHJAX):
            raise SystemExit("MathJax did not load: pass --mathjax with a reachable MathJax 2 URL")
        cells = page.locator(".jp-CodeCell")
        for name, indices in SHOTS.items():
            boxes = [cells.nth(i).bounding_box() for i in indices]
            top, bottom = min(b["y"] for b in boxes), max(b["y"] + b["height"] for b in boxes)
            left, right = min(b["x"] for b in boxes), max(b["x"] + b["width"] for b in boxes)
            clip = {"x": left, "y": top, "width": right - left, "height": bottom - top}
            target = out / name
            page.screenshot(path=str(target), clip=clip, full_page=True)
            written.append(target)
        browser.close()
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--browser", default=default_browser(), help="Chromium executable")
    parser.add_argument("--mathjax", default=default_mathjax(), help="MathJax 2 script URL")
    parser.add_argument("--html", type=Path, help="also keep the rendered HTML here")
    parser.add_argument("--out", type=Path, default=IMAGES, help="folder for the PNG files")
    args = parser.parse_args(argv)
    html = to_html(execute(NOTEBOOK), args.mathjax)
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        page = Path(args.html or Path(folder) / "tour.html")
        page.write_text(html, encoding="utf-8")
        for path in screenshot(page.resolve(), args.browser, args.out):
            print(f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}: {path.stat().st_size // 1024} KiB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
