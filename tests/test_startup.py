"""Start-up stays light (issue 17): lazy re-exports, and derivations checked without torch unless asked.

Times live in bench/bench_startup.py; these tests check what is imported and
that the default numeric check is a real, independent check.
"""

import subprocess
import sys

import numpy as np
import pytest
import sympy

import symgrad as sg
from symgrad.errors import VerificationError
from symgrad.steps.core import Checker


def _modules_after(code: str) -> set[str]:
    out = subprocess.run([sys.executable, "-c", code + "\nimport sys; print('\\n'.join(sys.modules))"],
                         capture_output=True, text=True, check=True, timeout=120).stdout
    return set(out.split())


def test_import_symgrad_imports_no_mathematics_until_a_name_is_used():
    modules = _modules_after("import symgrad")
    assert not {"sympy", "numpy", "scipy", "torch"} & modules


def test_derive_does_not_import_torch_or_scipy_optimize():
    modules = _modules_after("import contextlib, io\nfrom symgrad.cli import main\n"
                             "with contextlib.redirect_stdout(io.StringIO()):\n"
                             "    assert main(['derive', 'gradient', 'x^2*y', '--at', '1,2']) == 0")
    assert "torch" not in modules and "scipy.optimize" not in modules


def test_lazy_names_resolve_to_the_stage_objects():
    import symgrad.checking.result  # noqa: F401
    import symgrad.verification as verify_module  # noqa: F401

    assert callable(sg.check) and sg.check.__module__ == "symgrad.checking.core"
    assert callable(sg.render) and callable(sg.parse) and callable(sg.verify)
    assert sg.analysis.__name__ == "symgrad.analysis" and set(sg.__all__) <= set(dir(sg))
    with pytest.raises(AttributeError, match="no attribute 'nonexistent'"):
        sg.nonexistent  # noqa: B018


def test_no_submodule_shares_a_name_with_an_exported_function():
    # `import symgrad.check as m` must never hand back a function (issue 17)
    import pkgutil

    submodules = {info.name for info in pkgutil.iter_modules(sg.__path__)}
    functions = {name for name, where in sg._EXPORTS.items() if where != "."}
    assert not submodules & functions


x, y = sympy.symbols("x y", real=True)


@pytest.mark.parametrize("expr", [x**2 * y, sympy.exp(x) * sympy.sin(y), sympy.log(1 + x**2 * y**2)])
def test_default_gradient_and_hessian_checks_match_the_hand_derivative(expr):
    f = sg.Function(expr, [x, y])
    point = {x: sympy.Rational(3, 4), y: sympy.Rational(-5, 4)}
    exact_gradient = [sympy.diff(expr, v).subs(point) for v in (x, y)]  # the oracle: SymPy at the point
    exact_hessian = sympy.hessian(expr, (x, y)).subs(point)
    checker = Checker(f)
    checker.gradient("gradient", exact_gradient, point)
    checker.hessian("Hessian", exact_hessian, point)
    assert all("complex-step" in c.method for c in checker.log)
    wrong = [exact_gradient[0] * (1 + sympy.Rational(1, 10**6)), exact_gradient[1]]
    with pytest.raises(VerificationError):
        checker.gradient("gradient", wrong, point)


def test_kinks_are_checked_by_finite_differences():
    f = sg.Function(sympy.Abs(x) * y + x**2, [x, y])
    checker = Checker(f)
    checker.gradient("gradient", [sympy.Rational(7, 2), 1], {x: 1, y: sympy.Rational(3, 2)})
    assert checker.log[-1].method == "central finite differences"


def test_torch_autograd_when_asked():
    pytest.importorskip("torch")
    checker = Checker(sg.Function(x**2 * y, [x, y]))
    checker.autograd = "torch"
    checker.gradient("gradient", [4, 1], {x: 1, y: 2})
    assert checker.log[-1].method == "torch autograd"
    np.testing.assert_allclose(checker._autograd(np.array([1.0, 2.0]), "grad")[0], [4.0, 1.0])
