"""The teaching layer's structure (issue 17, "Names and structure"): one table of kinds behind explain and
``symgrad derive``, one small module per kind, no import of the rendering stage from the derivation stage,
and one vocabulary for the entries' parameters (old spellings still work, with a DeprecationWarning)."""

from __future__ import annotations

import ast
import inspect
import pathlib
import warnings

import pytest
import sympy

import symgrad as sg
from symgrad.cli import derive as derive_cli
from symgrad.cli import main
from symgrad.errors import InputError
from symgrad.steps.explain import KINDS

STEPS = pathlib.Path(sg.__file__).parent / "steps"
QUADRATIC = "2*w0^2 + 3*w1^2"
GRAPH = ("(w*x + b - y)^2", {"w": 2, "x": 3, "b": 1, "y": 4})
LSQ = {"X": ("N", "d"), "w": ("d",), "y": ("N",)}


# -- one table of kinds -----------------------------------------------------------------------------------------
def test_every_kind_the_cli_offers_is_an_entry_of_the_table_and_every_entry_is_offered():
    offered = {entry for entry, _ in derive_cli.KINDS.values()}
    assert offered == set(KINDS)
    assert set(derive_cli.CALLS) == set(derive_cli.KINDS)


def test_explain_attributes_entries_and_entry_are_the_table():
    assert sg.explain.entries() == KINDS
    for name, builder in KINDS.items():
        assert getattr(sg.explain, name) is builder is sg.explain.entry(name)
    assert set(KINDS) <= set(dir(sg.explain))


def test_a_kind_not_in_the_table_is_a_clear_error_listing_the_kinds():
    with pytest.raises(InputError) as info:
        sg.explain.entry("gradients")
    assert "'gradients'" in str(info.value) and all(kind in str(info.value) for kind in KINDS)
    with pytest.raises(AttributeError, match="the entries are loss, derivative_step, gradient"):
        sg.explain.gradients  # noqa: B018 - the lookup is the test


def test_derive_with_an_unknown_kind_exits_2_naming_the_kinds(capsys):
    with pytest.raises(SystemExit) as info:
        main(["derive", "gradients", "x^2"])
    err = capsys.readouterr().err
    assert info.value.code == 2 and "gradients" in err and "gd-step" in err and "zero-grad" in err


# -- one small module per kind; the derivation stage below rendering ------------------------------------------------
def test_no_module_of_the_derivation_stage_is_past_400_lines():
    sizes = {str(p.relative_to(STEPS)): len(p.read_text(encoding="utf-8").splitlines()) for p in STEPS.rglob("*.py")}
    assert sizes and {name: n for name, n in sizes.items() if n > 400} == {}


def _imported_modules(source: str, package: str) -> list[str]:
    """Every module an import statement of ``source`` (a module of ``package``) names, at any depth (function bodies
    too), resolved to an absolute name; ``from . import x`` gives both the package and ``package.x``."""
    parts = package.split(".")
    names = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = parts[: len(parts) - node.level + 1] if node.level else []
            module = ".".join(base + ([node.module] if node.module else []))
            names += [module] + [f"{module}.{alias.name}" for alias in node.names]
    return names


def _package_of(path: pathlib.Path) -> str:
    return ".".join(["symgrad", *path.relative_to(STEPS.parent).parent.parts])


def _imports_rendering(source: str, package: str) -> bool:
    return any(name == "symgrad.rendering" or name.startswith("symgrad.rendering.")
               for name in _imported_modules(source, package))


def test_the_derivation_stage_never_imports_rendering():
    modules = list(STEPS.rglob("*.py"))
    assert len(modules) > 20
    assert [str(p.relative_to(STEPS)) for p in modules
            if _imports_rendering(p.read_text(encoding="utf-8"), _package_of(p))] == []


@pytest.mark.parametrize("source, package", [
    ("def f():\n    from ...rendering import text_of\n", "symgrad.steps.kinds"),
    ("from ..rendering import render\n", "symgrad.steps"),
    ("from .. import rendering\n", "symgrad.steps"),
    ("import symgrad.rendering as r\n", "symgrad.steps"),
    ("from symgrad.rendering import latex_of\n", "symgrad.steps.kinds"),
])
def test_the_import_scan_sees_every_spelling_of_an_import_of_rendering(source, package):
    assert _imports_rendering(source, package)
    assert not _imports_rendering("from ..printing import text_of\n", "symgrad.steps.kinds")


def test_derivations_print_themselves_without_the_rendering_module():
    from symgrad.rendering import render

    d = sg.explain.gradient(QUADRATIC, [3, 4])
    assert str(d) == render(d, "text") and d._repr_markdown_() == render(d, "md")
    assert d.to_dict()["result"]["value"] == [[12], [24]]


# -- one vocabulary --------------------------------------------------------------------------------------------
ITERATIVE = ("derivative_step", "gd_step", "descent", "workout", "accumulation")


@pytest.mark.parametrize("kind", ITERATIVE)
def test_iterative_kinds_start_from_start(kind):
    parameters = list(inspect.signature(KINDS[kind]).parameters)
    assert parameters[:2] == ["f", "start"]


def test_no_entry_keeps_an_old_spelling_and_names_are_keyword_only():
    for kind, builder in KINDS.items():
        parameters = inspect.signature(builder).parameters
        assert not {"wrt", "in_variables", "model"} & set(parameters), kind
        for keyword in ("name", "domain", "shapes", "variables"):
            if keyword in parameters:
                assert parameters[keyword].kind is inspect.Parameter.KEYWORD_ONLY, (kind, keyword)


@pytest.mark.parametrize("kind", ["descent", "workout"])
def test_the_tolerance_default_is_a_number(kind):
    default = inspect.signature(KINDS[kind]).parameters["tol"].default
    assert isinstance(default, float) and default == 1e-3


def test_a_float_tolerance_is_read_by_its_decimal_string_so_the_run_is_unchanged():
    by_default = sg.explain.descent("(x - 3)^2", 0, "0.1", name="f")
    as_text = sg.explain.descent("(x - 3)^2", 0, "0.1", name="f", tol="0.001")
    assert str(by_default) == str(as_text)
    assert "≤ 0.001" in by_default.steps[-1].remark  # not 0.00100000000000000 from a binary float
    tighter = sg.explain.descent("(x - 3)^2", 0, "0.1", name="f", tol=1e-8)
    assert str(tighter) == str(sg.explain.descent("(x - 3)^2", 0, "0.1", name="f", tol="0.00000001"))
    assert tighter.checks and len(tighter.steps[2].math) == 9


def _old_and_new(call_old, call_new, old: str, new: str):
    with pytest.warns(DeprecationWarning, match=f"`{old}` is now `{new}`"):
        before = call_old()
    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)
        after = call_new()
    return before, after


@pytest.mark.parametrize("kind, positional, old, new, value", [
    ("gd_step", (QUADRATIC,), "at", "start", [3, 4]),
    ("derivative_step", ("w^2",), "at", "start", 3),
    ("workout", (QUADRATIC,), "at", "start", [3, 4]),
    ("backprop", GRAPH, "wrt", "variables", ["w", "b"]),
])
def test_an_old_keyword_warns_and_gives_the_same_derivation(kind, positional, old, new, value):
    extra = {"lr": "0.1"} if kind in ITERATIVE else {}
    before, after = _old_and_new(lambda: KINDS[kind](*positional, **{old: value}, **extra),
                                 lambda: KINDS[kind](*positional, **{new: value}, **extra), old, new)
    assert str(before) == str(after) and before.result == after.result


def test_gradient_wrt_is_variables():
    before, after = _old_and_new(lambda: sg.explain.gradient("||X w - y||^2", shapes=LSQ, wrt="w"),
                                 lambda: sg.explain.gradient("||X w - y||^2", shapes=LSQ, variables="w"),
                                 "wrt", "variables")
    assert str(before) == str(after) and str(after.result) == "2*X.T*(X*w - y)"


def test_loss_model_is_f():
    data, params = [(1, 3), (2, 5)], {"w": "1.5", "b": 1}
    before, after = _old_and_new(lambda: sg.explain.loss(model="w*x + b", data=data, params=params),
                                 lambda: sg.explain.loss(f="w*x + b", data=data, params=params), "model", "f")
    assert str(before) == str(after) and after.result == sympy.Rational(5, 4)


@pytest.mark.parametrize("in_variables", [True, False])
def test_taylor_in_variables_is_the_opposite_of_in_displacement(in_variables):
    before, after = _old_and_new(lambda: sg.explain.taylor("exp(x + y)", [0, 0], 2, in_variables=in_variables),
                                 lambda: sg.explain.taylor("exp(x + y)", [0, 0], 2, in_displacement=not in_variables),
                                 "in_variables", "in_displacement")
    assert str(before) == str(after)
    if in_variables:  # written in the variables themselves: 1 + x + y + (x + y)²/2, expanded
        assert {s.name for s in after.result.free_symbols} == {"x", "y"}
    else:  # the default: in the displacements Δx, Δy
        assert {s.name for s in after.result.free_symbols} == {"Delta_x", "Delta_y"}


def test_both_spellings_at_once_is_a_type_error():
    with pytest.raises(TypeError, match="pass `start` only"):
        sg.explain.gd_step(QUADRATIC, at=[3, 4], start=[3, 4], lr="0.1")


# -- the command line mirrors the names ---------------------------------------------------------------------------
def _derive(argv, capsys):
    code = main(["derive", *argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_start_and_its_alias_at_give_the_same_derivation(capsys):
    with_start = _derive(["gd-step", QUADRATIC, "--start", "3,4", "--lr", "0.1"], capsys)
    with_at = _derive(["gd-step", QUADRATIC, "--at", "3,4", "--lr", "0.1"], capsys)
    assert with_start[0] == with_at[0] == 0 and with_start[1] == with_at[1] and "Update parameters" in with_at[1]


def test_start_is_refused_where_the_kind_does_not_iterate_and_with_at_both_given(capsys):
    code, _, err = _derive(["gradient", "x^2", "--start", "1"], capsys)
    assert code == 3 and "takes the point as --at" in err
    code, _, err = _derive(["descent", "x^2", "--start", "1", "--at", "1", "--lr", "0.1"], capsys)
    assert code == 3 and "give --start only" in err


def test_max_steps_variables_and_their_old_spellings(capsys):
    new = _derive(["descent", "(x - 3)^2", "--start", "0", "--lr", "0.1", "--max-steps", "2"], capsys)
    old = _derive(["descent", "(x - 3)^2", "--at", "0", "--lr", "0.1", "--steps", "2"], capsys)
    assert new[0] == 0 and new[1] == old[1] and "step limit" in new[1]
    graph = [GRAPH[0], "--at", "w=2,x=3,b=1,y=4"]
    assert _derive(["backprop", *graph, "--variables", "w,b"], capsys)[1] == _derive(["backprop", *graph, "--wrt", "w,b"],
                                                                                     capsys)[1]
