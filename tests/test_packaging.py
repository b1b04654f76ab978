"""Packaging metadata and the typed public API (issue 17)."""

import os
import tomllib
import typing

import sympy

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _project():
    with open(os.path.join(ROOT, "pyproject.toml"), "rb") as fh:
        return tomllib.load(fh)


def test_license_is_an_spdx_string_with_the_mit_text_shipped():
    data = _project()
    assert data["project"]["license"] == "MIT" and data["project"]["license-files"] == ["LICENSE"]
    with open(os.path.join(ROOT, "LICENSE"), encoding="utf-8") as fh:
        text = fh.read()
    assert text.startswith("MIT License") and "WITHOUT WARRANTY OF ANY KIND" in text


def test_classifiers_name_the_audience_and_the_python_versions():
    classifiers = _project()["project"]["classifiers"]
    assert "Typing :: Typed" in classifiers and "Intended Audience :: Education" in classifiers
    assert not any(c.startswith("License ::") for c in classifiers)  # the SPDX string replaces them


def test_the_readme_test_command_runs_the_doctests():
    options = _project()["tool"]["pytest"]["ini_options"]
    assert "--doctest-modules" in options["addopts"].split() and "symgrad" in options["testpaths"]


def test_notebook_test_dependencies_are_in_the_dev_extra():
    dev = " ".join(_project()["project"]["optional-dependencies"]["dev"])
    assert all(name in dev for name in ("nbclient", "nbformat", "ipykernel"))


def test_compile_minimize_and_stable_learning_rate_have_real_return_types():
    from scipy.optimize import OptimizeResult

    from symgrad import optimize, scipy_minimize
    from symgrad.backends import CompiledFunction
    from symgrad.function import Function

    names = {"CompiledFunction": CompiledFunction, "OptimizeResult": OptimizeResult}
    assert typing.get_type_hints(Function.compile, localns=names)["return"] is CompiledFunction
    assert typing.get_type_hints(scipy_minimize.minimize, localns=names)["return"] is OptimizeResult
    assert typing.get_type_hints(optimize.stable_learning_rate)["return"] == sympy.Expr | float
