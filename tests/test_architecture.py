"""The package's shape (issue 17, docs/design.md "Stages"): no import circles, lower stages never import
higher ones, and ``symgrad/__init__.py`` is only the table of re-exports.

Imports are read from the source (every ``symgrad/**/*.py``), including those inside function bodies and
under ``TYPE_CHECKING``: an import deferred into a function is still a dependency. ``from . import x`` in a
submodule depends on its own package's ``__init__`` as well as on ``x`` (the ``__init__`` runs first), so a
package ``__init__`` that imports its submodules makes that a circle.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "symgrad"
ROOT = "symgrad"

#: module prefix -> stage rank, in the order of the data: a module may import only ranks <= its own.
#: The most specific prefix wins (``symgrad.exercises.sheets`` writes documents with figures: plot's rank).
STAGES: dict[str, int] = {
    # foundations: errors, limits, result display, JSON schema, deprecation shims
    "symgrad.errors": 0, "symgrad.limits": 0, "symgrad.display": 0, "symgrad.schema": 0,
    "symgrad._deprecation": 0,
    # parse: text -> SymPy (and the matrix-expression nodes the parser builds)
    "symgrad.matexpr": 1, "symgrad.parsing": 1,
    # derivatives of SymPy expressions (scalar rules, the matrix engine)
    "symgrad.derivatives": 2, "symgrad.from_symengine": 2, "symgrad.matrix": 2,
    # compile backends: SymPy expressions -> NumPy / torch kernels
    "symgrad.kernels": 3, "symgrad.kernels_torch": 3, "symgrad.kernels_fuse": 3, "symgrad.kernels_fused": 3, "symgrad.backends": 3,
    # Function: expression + ordered variables, derivatives, evaluation, compile()
    "symgrad.function": 4,
    "symgrad.analysis": 5,
    "symgrad.trace": 6, "symgrad.optimize": 6, "symgrad.scipy_minimize": 6, "symgrad.models": 6,
    "symgrad.strategies": 7, "symgrad.verification": 7,
    # teaching layer
    "symgrad.steps": 8, "symgrad.checking": 8, "symgrad.exercises": 8,
    "symgrad.rendering": 9,
    "symgrad.plot": 10, "symgrad.exercises.sheets": 10,
    "symgrad.cli": 11, "symgrad.__main__": 11,
    # the public facade: a lazy table over every stage
    ROOT: 11,
}


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES: dict[str, Path] = {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _targets(module: str, node: ast.Import | ast.ImportFrom) -> list[tuple[str, bool]]:
    """``(imported module, is_package_of_named_submodules)`` for each symgrad module one import statement reads."""
    if isinstance(node, ast.Import):
        return [(alias.name, False) for alias in node.names if alias.name in MODULES]
    if node.level:
        base = module.split(".")
        if MODULES[module].name != "__init__.py":
            base = base[:-1]
        base = base[: len(base) - (node.level - 1)]
        target = ".".join(base + ([node.module] if node.module else []))
    else:
        target = node.module or ""
    submodules = [f"{target}.{alias.name}" for alias in node.names if f"{target}.{alias.name}" in MODULES]
    found = [(name, False) for name in submodules]
    if target in MODULES:
        found.append((target, len(submodules) == len(node.names)))
    return found


def _imports() -> dict[str, dict[str, bool]]:
    """module -> {imported module: only submodules were named from it}, from every import statement."""
    graph: dict[str, dict[str, bool]] = {m: {} for m in MODULES}
    for module, path in MODULES.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                for target, only_submodules in _targets(module, node):
                    if target != module:
                        graph[module][target] = graph[module].get(target, True) and only_submodules
    return graph


GRAPH = _imports()


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def _stage(module: str) -> int:
    prefixes = [p for p in STAGES if module == p or module.startswith(p + ".")]
    if not prefixes:
        raise AssertionError(f"{module} has no stage: add its prefix to STAGES here and to docs/design.md")
    return STAGES[max(prefixes, key=len)]


def _package(module: str) -> str:
    return ".".join(module.split(".")[:2])


def test_the_graph_is_read_from_every_module():
    # the reader itself: known edges of each import form are found
    assert "symgrad.derivatives" in GRAPH["symgrad.function"]                  # from .derivatives import ...
    assert "symgrad.backends" in GRAPH["symgrad.function"]                     # inside compile()
    assert "symgrad.plot._base" in GRAPH["symgrad.plot.approx"]                # import symgrad.plot._base as _base
    assert "symgrad.checking" in GRAPH["symgrad.cli.check"]
    assert {"symgrad.function", "symgrad.analysis", "symgrad.cli", "symgrad.matrix.shaped"} <= set(MODULES)


def test_the_cycle_finder_finds_a_circle_through_a_package_init():
    # an independent toy graph: a.x imports its package a, whose __init__ imports a.x
    graph = {"a": {"a.x"}, "a.x": {"a", "b"}, "b": set(), "c": {"d"}, "d": {"c"}}
    assert _cycles(graph) == [["a", "a.x"], ["c", "d"]]


def test_no_import_circle_among_modules():
    graph = {m: set(targets) for m, targets in GRAPH.items()}
    assert _cycles(graph) == []


def test_no_import_circle_among_packages():
    graph: dict[str, set[str]] = {}
    for module, targets in GRAPH.items():
        for target in targets:
            a, b = _package(module), _package(target)
            if a != b and ROOT not in (a, b):
                graph.setdefault(a, set()).add(b)
    assert _cycles(graph) == []


def test_every_module_has_a_stage():
    assert [m for m in MODULES if not any(m == p or m.startswith(p + ".") for p in STAGES)] == []


@pytest.mark.parametrize("module", sorted(MODULES))
def test_no_module_imports_a_higher_stage(module):
    upward = []
    for target, only_submodules in GRAPH[module].items():
        if target == ROOT and only_submodules:
            continue  # `from .. import analysis` reads the submodule; the root's __init__ imports nothing
        if _stage(target) > _stage(module):
            upward.append(f"{target} (stage {_stage(target)})")
    assert upward == [], f"{module} (stage {_stage(module)}) imports a higher stage"


def test_stage_order_follows_the_data():
    order = ["symgrad.parsing", "symgrad.derivatives", "symgrad.backends", "symgrad.function", "symgrad.analysis",
             "symgrad.optimize", "symgrad.verification", "symgrad.steps", "symgrad.rendering", "symgrad.plot",
             "symgrad.cli"]
    assert [_stage(m) for m in order] == sorted(_stage(m) for m in order)
    assert len({_stage(m) for m in order}) == len(order)


#: the only top-level statements symgrad/__init__.py may hold (names it may bind, hooks it may define)
INIT_NAMES = {"__version__", "_EXPORTS", "__all__"}
INIT_HOOKS = {"__getattr__", "__dir__"}


def _is_type_checking_imports(node: ast.stmt) -> bool:
    return (isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING" and not node.orelse
            and all(isinstance(n, (ast.Import, ast.ImportFrom)) for n in node.body))


def _init_violations(source: str) -> list[str]:
    found = []
    for i, node in enumerate(ast.parse(source).body):
        if i == 0 and isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            continue  # the docstring
        if isinstance(node, ast.ImportFrom) and (node.level or (node.module or "").startswith(ROOT)):
            found.append(f"line {node.lineno}: imports a symgrad module eagerly")
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            continue  # the standard library helpers of the hooks (importlib, typing)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names = {t.id for t in targets if isinstance(t, ast.Name)}
            if not names or not names <= INIT_NAMES:
                found.append(f"line {node.lineno}: defines {sorted(names) or ast.unparse(node)[:40]}")
        elif isinstance(node, ast.FunctionDef) and node.name in INIT_HOOKS:
            continue
        elif _is_type_checking_imports(node):
            continue  # the exports spelled as imports for type checkers; never executed
        else:
            found.append(f"line {node.lineno}: {type(node).__name__} {getattr(node, 'name', '')}".rstrip())
    return found


def test_init_defines_nothing_but_the_export_table_and_the_pep562_hooks():
    assert _init_violations((PACKAGE / "__init__.py").read_text(encoding="utf-8")) == []


def test_the_init_rule_catches_definitions():
    bad = '"""doc."""\nimport importlib\nfrom .function import Function\nX = 1\ndef helper():\n    pass\nclass C:\n    pass\n'
    assert [v.split(":")[0] for v in _init_violations(bad)] == ["line 3", "line 4", "line 5", "line 7"]
    typing_block = 'from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .function import Function as Function\n'
    assert _init_violations(typing_block) == []
    assert _init_violations(typing_block + '    X = 1\n') == ["line 2: If"]


def test_the_exported_names_resolve_to_their_stage_modules():
    import symgrad

    for name, where in symgrad._EXPORTS.items():
        module = f"{ROOT}.{name}" if where == "." else f"{ROOT}{where}"
        assert module in MODULES, f"{name} -> {where}: no such module"
