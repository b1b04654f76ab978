"""The public API is typed (issue 17): ``pyright --verifytypes symgrad --ignoreexternal`` over this checkout.

pyright is part of the ``dev`` extra (its PyPI wrapper fetches the matching npm
package on first use); the test skips only where Node.js is missing, since
pyright runs on Node.

The score is pyright's: the share of public symbols (functions, classes,
attributes of every public module, ``symgrad.*`` re-exports included) whose
type is fully known. Symbols of other packages count as known
(``--ignoreexternal``); a subclass of a SymPy class does not, since SymPy ships
no type information, so ``ScalarOf``, ``Elementwise``, ``sigmoid``... stay
unknown whatever their annotations say.
"""

import json
import os
import shutil
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

#: issue 17's target. Measured 0.993: what stays unknown are the subclasses of SymPy classes (ScalarOf,
#: Elementwise, sigmoid, the printers...) and RowSum.scalar_of, whose parameter is one of them.
MIN_COMPLETENESS = 0.98


def _verifytypes() -> dict:
    if shutil.which("node") is None:
        pytest.skip("pyright runs on Node.js, which is not installed")
    # the editable install's import hook is invisible to pyright: the checkout is put on its path explicitly
    env = {**os.environ, "PYTHONPATH": ROOT + os.pathsep + os.environ.get("PYTHONPATH", "")}
    run = subprocess.run([sys.executable, "-m", "pyright", "--verifytypes", "symgrad", "--ignoreexternal",
                          "--outputjson"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert run.stdout.strip().startswith("{"), f"pyright did not run (install the dev extra):\n{run.stderr[-2000:]}"
    return json.loads(run.stdout)


def test_public_api_type_completeness():
    report = _verifytypes()["typeCompleteness"]
    # the symgrad pyright analysed is this checkout's, not another copy on the path
    assert os.path.samefile(report["packageRootDirectory"], os.path.join(ROOT, "symgrad"))
    gaps = sorted({symbol["name"] for symbol in report["symbols"]
                   if symbol["isExported"] and not symbol["isTypeKnown"]})
    assert report["completenessScore"] >= MIN_COMPLETENESS, (
        f"type completeness {report['completenessScore']:.3f} < {MIN_COMPLETENESS}; run "
        f"`PYTHONPATH=. pyright --verifytypes symgrad --ignoreexternal` for the reasons. Not fully typed:\n"
        + "\n".join(gaps))
    # the lazy re-exports are visible to type checkers (the TYPE_CHECKING block of symgrad/__init__.py)
    names = {symbol["name"] for symbol in report["symbols"]}
    assert {"symgrad.Function", "symgrad.minimize", "symgrad.check", "symgrad.Trace"} <= names
