"""One vocabulary (issue 17, docs/design.md "One vocabulary"): the same idea has the same name and position in
every public signature, and the retired spellings still work for one release with a DeprecationWarning.

The signatures are read by introspection, so a new public function is checked without being listed here.
"""

from __future__ import annotations

import inspect
import warnings

import pytest
import sympy

import symgrad as sg
from symgrad.function import MatrixFunction

RETIRED = {"point", "wrt", "in_variables"}
#: functions that begin an iteration: their point is `start`, never `at`
ITERATIVE = {"gradient_descent", "momentum", "newton", "descent", "workout", "gd_step", "derivative_step",
             "accumulation"}
KEYWORD_ONLY = {"domain", "timeout", "limits", "name", "seed", "shapes"}


def _callables_of(owner, names, prefix):
    for name in names:
        value = getattr(owner, name)
        if callable(value) and not inspect.isclass(value) and not inspect.ismodule(value):
            yield f"{prefix}{name}", name, value


def _public_methods(cls, prefix):
    return [(f"{prefix}{n}", n, m) for n, m in inspect.getmembers(cls, inspect.isfunction) if not n.startswith("_")]


def _package_functions():
    import symgrad.plot as plot

    found = list(_callables_of(sg, sg.__all__, "sg."))
    found += list(_callables_of(plot, [n for n in dir(plot) if not n.startswith("_")], "sg.plot."))
    found += _public_methods(sg.Function, "Function.") + _public_methods(MatrixFunction, "MatrixFunction.")
    return [f for f in found if not f[0].startswith("sg.plot.") or inspect.getmodule(f[2]).__name__.startswith("symgrad")]


def _explain_entries():
    return [(f"explain.{n}", n, entry) for n, entry in sg.explain.entries().items()]


def _violations(label: str, short: str, fn) -> list[str]:
    try:
        parameters = inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return []
    found = []
    for p in parameters.values():
        if p.name in RETIRED:
            found.append(f"{label}: retired spelling `{p.name}`")
        if p.name == "at" and short in ITERATIVE:
            found.append(f"{label}: an iteration begins at `start`, not `at`")
        if p.name in KEYWORD_ONLY and p.kind is not inspect.Parameter.KEYWORD_ONLY:
            found.append(f"{label}: `{p.name}` must be keyword-only")
        if p.name == "tol" and isinstance(p.default, str):
            found.append(f"{label}: `tol` defaults to the string {p.default!r}; a number is the default")
    return found


def test_the_checker_sees_each_kind_of_violation():
    def bad(f, point, at, domain=None, *, tol="0.001", wrt=None):  # noqa: ARG001
        return f

    assert len(_violations("bad", "gd_step", bad)) == 5
    assert _violations("good", "gd_step", lambda f, start, *, domain=None, tol=1e-3: f) == []


def test_the_public_api_is_read_widely():
    labels = {label for label, _, _ in _package_functions()}
    assert {"sg.taylor", "sg.convexity", "sg.classify_point", "sg.gradient_descent", "sg.minimize", "sg.check",
            "sg.grade", "sg.verify", "Function.gradient", "MatrixFunction.gradient_at", "sg.plot.graph"} <= labels


def test_every_public_function_speaks_one_vocabulary():
    found = [v for label, short, fn in _package_functions() for v in _violations(label, short, fn)]
    assert found == []


def test_every_explain_entry_speaks_one_vocabulary():
    found = [v for label, short, fn in _explain_entries() for v in _violations(label, short, fn)]
    assert found == []


# -- the old spellings still work, with a warning naming the new one (one release) --------------------------------
def _warns(call, new: str):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        value = call()
    messages = [str(w.message) for w in caught if issubclass(w.category, DeprecationWarning)]
    assert any(new in m for m in messages), messages
    return value


def test_classify_point_takes_at_and_still_reads_point():
    assert sg.classify_point("x^3 - 3*x", at=[1]).kind == "minimum"  # f'' = 6 > 0 at x = 1
    assert _warns(lambda: sg.classify_point("x^3 - 3*x", point=[-1]), "`at`").kind == "maximum"
    with pytest.raises(TypeError, match="both"):
        sg.classify_point("x^2", point=[0], at=[0])


def test_convexity_domain_is_keyword_only_and_positional_still_works_with_a_warning():
    positive = sympy.Interval.open(0, sympy.oo)
    assert sg.convexity("1/x", domain=positive).verdict == "strictly convex"
    assert sg.convexity("1/x").verdict != "strictly convex"  # not convex on its whole domain x ≠ 0
    assert _warns(lambda: sg.convexity("1/x", positive), "domain=").verdict == "strictly convex"
    with pytest.raises(TypeError, match="by keyword"):
        sg.convexity("1/x", positive, positive)
    with pytest.raises(TypeError, match="both"):
        sg.convexity("1/x", positive, domain=positive)


@pytest.mark.parametrize("method, stage, args", [
    ("taylor", "taylor", ([1, 2],)),
    ("loss_change", "loss_change", ([1, 2], [1, 0])),
    ("critical_points", "critical_points", ()),
    ("level_set", "level_set", (5,)),
])
def test_function_analyses_moved_to_their_stage_and_forward_with_a_warning(method, stage, args):
    f = sg.Function("x^2 + x*y + y^2")
    old = _warns(lambda: getattr(f, method)(*args), f"sg.{stage}(f")
    assert old == getattr(sg, stage)(f, *args)


def test_function_convexity_forwards_its_domain_as_a_keyword():
    f = sg.Function("1/x")
    positive = sympy.Interval.open(0, sympy.oo)
    assert _warns(lambda: f.convexity(domain=positive), "sg.convexity(f").verdict == "strictly convex"
    assert _warns(lambda: f.convexity(positive), "domain=").verdict == "strictly convex"


def test_function_derivatives_take_variables():
    x, y, z = sympy.symbols("x y z", real=True)
    expr = x**2 * y + sympy.sin(y) * z
    f = sg.Function(expr)
    # the oracle: SymPy's own diff, entry by entry, in the order asked
    assert f.gradient(["z", "x"]) == sympy.Matrix([sympy.diff(expr, z), sympy.diff(expr, x)])
    assert f.gradient("y") == sympy.Matrix([sympy.diff(expr, y)])
    assert f.hessian([y, x]) == sympy.Matrix([[sympy.diff(expr, a, b) for b in (y, x)] for a in (y, x)])
    assert f.jacobian([2]) == sympy.Matrix([[sympy.diff(expr, z)]])
    assert f.gradient() == sympy.Matrix([sympy.diff(expr, v) for v in (x, y, z)])


def test_matrix_function_variables_replace_wrt():
    import numpy as np

    f = sg.Function("||X w - y||^2", shapes={"X": (3, 2), "w": 2, "y": 3}, variables=["w"])
    X, w, y = np.array([[1.0, 0.0], [0.0, 2.0], [1.0, 1.0]]), np.array([0.5, -1.0]), np.array([1.0, 2.0, 3.0])
    hand = 2 * X.T @ (X @ w - y)  # the closed form of ∇‖Xw − y‖²
    np.testing.assert_allclose(f.gradient_at(variables="w", X=X, w=w, y=y), hand)
    np.testing.assert_allclose(_warns(lambda: f.gradient_at(wrt="w", X=X, w=w, y=y), "`variables`"), hand)
    c = f.compile("numpy")
    np.testing.assert_allclose(c.gradient(X=X, w=w, y=y, variables="w"), hand)
    np.testing.assert_allclose(_warns(lambda: c.gradient(X=X, w=w, y=y, wrt="w"), "`variables`"), hand)
