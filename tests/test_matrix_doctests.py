"""The examples in the matrix modules' docstrings run as written (they double as small tests)."""

import doctest
import importlib

import pytest

MODULES = ["symgrad.matexpr", "symgrad.matrix.rules", "symgrad.matrix.reverse", "symgrad.matrix.forward",
           "symgrad.matrix.tidy", "symgrad.matrix.evaluate", "symgrad.matrix.certify", "symgrad.matrix.derive",
           "symgrad.matrix.compare", "symgrad.matrix.shaped", "symgrad.function"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    pytest.importorskip("torch")
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0
