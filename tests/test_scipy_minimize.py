"""sg.minimize is scipy.optimize.minimize with symbolic derivatives (issue 17).

The oracle is SciPy itself: the examples of SciPy's own documentation (the
``minimize`` docstring and the optimisation tutorial) are run once with SciPy's
functions (``rosen``, ``rosen_der``, ``rosen_hess``, lambdas) and once through
symgrad with the same functions written as text; both must land on SciPy's
documented answers.
"""

import pickle
import warnings

import numpy as np
import pytest
from scipy import optimize as so
from scipy.optimize import Bounds, LinearConstraint, NonlinearConstraint, OptimizeResult, rosen, rosen_der, rosen_hess

import symgrad as sg
from symgrad import InputError


def rosen_text(n: int) -> str:
    return " + ".join(f"100*(x{i + 1} - x{i}^2)^2 + (1 - x{i})^2" for i in range(n - 1))


X0 = [1.3, 0.7, 0.8, 1.9, 1.2]  # SciPy tutorial's start point
ROSEN5 = sg.Function(rosen_text(5))


def test_returns_scipy_optimize_result_with_a_trace():
    res = sg.minimize(ROSEN5, X0)
    assert isinstance(res, OptimizeResult) and isinstance(res.trace, sg.Trace)
    assert np.allclose(res.trace.path[0], X0) and np.allclose(res.trace.path[-1], res.x)
    assert np.isclose(res.trace.losses[-1], rosen(res.x)) and np.isclose(res.trace.losses[0], rosen(np.array(X0)))


def test_tutorial_nelder_mead_matches_scipy():
    ours = sg.minimize(ROSEN5, X0, method="nelder-mead", tol=1e-6)
    theirs = so.minimize(rosen, X0, method="Nelder-Mead", tol=1e-6)
    assert ours.success and np.allclose(ours.x, np.ones(5), atol=1e-4)
    assert np.allclose(ours.x, theirs.x, atol=1e-6) and abs(ours.nit - theirs.nit) <= 5
    assert ours.trace.stop_reason == "converged" and ours.trace.converged


def test_tutorial_bfgs_with_gtol_option():
    ours = sg.minimize(ROSEN5, X0, method="BFGS", options={"gtol": 1e-6})
    theirs = so.minimize(rosen, X0, method="BFGS", jac=rosen_der, options={"gtol": 1e-6})
    assert ours.success and np.allclose(ours.x, np.ones(5), atol=1e-5)
    assert np.linalg.norm(rosen_der(ours.x)) < 1e-5 and abs(ours.nit - theirs.nit) <= 3
    assert ours.trace.steps == ours.nit


@pytest.mark.parametrize(("method", "options"), [("Newton-CG", {"xtol": 1e-8}), ("trust-ncg", {"gtol": 1e-8}),
                                                 ("trust-krylov", {"gtol": 1e-8}), ("trust-exact", {"gtol": 1e-8})])
def test_tutorial_second_order_methods(method, options):
    ours = sg.minimize(ROSEN5, X0, method=method.upper(), options=options)
    theirs = so.minimize(rosen, X0, method=method, jac=rosen_der, hess=rosen_hess, options=options)
    assert ours.success, ours.message
    assert np.allclose(ours.x, np.ones(5), atol=1e-5) and np.allclose(ours.x, theirs.x, atol=1e-4)
    assert ours.trace.stop_reason == "gradient_tolerance"


def test_dogleg_on_a_convex_quadratic():
    res = sg.minimize("3*x^2 + x*y + 2*y^2 - x", [4.0, -3.0], method="DogLeg")
    assert res.success and np.allclose(res.x, np.linalg.solve([[6, 1], [1, 4]], [1, 0]))


def test_powell_is_available():
    res = sg.minimize(ROSEN5, X0, method="POWELL", options={"xtol": 1e-8, "ftol": 1e-10})
    assert res.success and np.allclose(res.x, np.ones(5), atol=1e-3)


def test_docstring_slsqp_example_with_constraints_as_text():
    # scipy.optimize.minimize docstring: the answer is (1.4, 1.7)
    fun = "(x - 1)^2 + (y - 2.5)^2"
    cons = ({"type": "ineq", "fun": "x - 2*y + 2"}, {"type": "ineq", "fun": "-x - 2*y + 6"},
            {"type": "ineq", "fun": "-x + 2*y + 2"})
    bnds = ((0, None), (0, None))
    res = sg.minimize(fun, (2, 0), method="SLSQP", bounds=bnds, constraints=cons)
    assert res.success and np.allclose(res.x, [1.4, 1.7], atol=1e-6)
    default = sg.minimize(fun, (2, 0), bounds=bnds, constraints=cons)  # SciPy's default with constraints: SLSQP
    assert default.trace.method == "scipy:SLSQP" and np.allclose(default.x, [1.4, 1.7], atol=1e-6)
    lambdas = ({"type": "ineq", "fun": lambda x: x[0] - 2 * x[1] + 2},
               {"type": "ineq", "fun": lambda x: -x[0] - 2 * x[1] + 6},
               {"type": "ineq", "fun": lambda x: -x[0] + 2 * x[1] + 2})
    assert np.allclose(sg.minimize(fun, (2, 0), method="SLSQP", bounds=bnds, constraints=lambdas).x, [1.4, 1.7])


def test_tutorial_trust_constr_example():
    # SciPy tutorial, "Trust-Region Constrained Algorithm": x = [0.41494531, 0.17010937]
    bounds = Bounds([0, -0.5], [1.0, 2.0])
    linear = LinearConstraint([[1, 2], [2, 1]], [-np.inf, 1], [1, 1])
    nonlinear = NonlinearConstraint(lambda x: [x[0] ** 2 + x[1], x[0] ** 2 - x[1]], -np.inf, 1)
    calls = []
    res = sg.minimize(rosen_text(2), [0.5, 0], method="Trust-Constr", constraints=[linear, nonlinear],
                      bounds=bounds, options={"verbose": 0}, callback=lambda xk, state: calls.append(state.nit))
    assert np.allclose(res.x, [0.41494531, 0.17010937], atol=1e-5)
    assert calls and res.trace.steps == len(calls)


def test_text_constraints_with_a_callable_objective_are_refused():
    with pytest.raises(InputError, match="constraint given as text"):
        sg.minimize(rosen, [0.0, 0.0], constraints=[{"type": "ineq", "fun": "x0 - 1"}])


def test_l_bfgs_b_bounds_with_jac_true():
    res = sg.minimize("(x - 5)^2 + (y + 1)^2", [0.0, 0.0], method="L-BFGS-B", jac=True, bounds=[(2, 3), (None, None)])
    assert res.success and np.allclose(res.x, [3, -1], atol=1e-6)
    assert sg.minimize("(x - 5)^2 + (y + 1)^2", [0.0, 0.0], bounds=[(2, 3), (None, None)]).trace.method == "scipy:L-BFGS-B"


def test_maxiter_option_is_honoured():
    res = sg.minimize(ROSEN5, X0, method="BFGS", options={"maxiter": 3})
    assert res.nit == 3 and res.trace.steps == 3 and not res.success
    assert res.trace.stop_reason == "max_steps"


@pytest.mark.parametrize("spelling", ["bfgs", "Bfgs", "l-bfgs-b", "CG", "cg", "TNC", "slsqp", "cobyla"])
def test_method_names_ignore_case(spelling):
    res = sg.minimize("(x - 1)^2 + (y - 2)^2", [0, 0], method=spelling)
    assert np.allclose(res.x, [1, 2], atol=1e-3)


def test_unknown_method_is_refused_with_the_list():
    with pytest.raises(InputError, match="Nelder-Mead"):
        sg.minimize("x^2", [1.0], method="adam")


def test_args_bind_to_parameters_in_order():
    f = sg.Function("a*(x - b)^2 + c", variables=["x"])
    res = sg.minimize(f, [0.0], args=(2.0, 3.0, 7.0), method="Newton-CG")
    assert np.allclose(res.x, [3.0]) and np.isclose(res.fun, 7.0)
    with pytest.raises(InputError, match="parameter"):
        sg.minimize(f, [0.0], args=(2.0,))


def test_callback_old_and_new_style_and_stop_iteration():
    seen_x, seen_results = [], []
    sg.minimize(ROSEN5, X0, callback=lambda xk: seen_x.append(xk))
    assert seen_x and all(isinstance(x, np.ndarray) and x.shape == (5,) for x in seen_x)

    def stop_after_two(intermediate_result):
        seen_results.append(intermediate_result)
        if len(seen_results) == 2:
            raise StopIteration

    res = sg.minimize(ROSEN5, X0, callback=stop_after_two)
    assert isinstance(seen_results[0], OptimizeResult) and res.nit == 2 and res.trace.steps == 2


def test_a_python_callable_is_passed_through():
    res = sg.minimize(rosen, X0, jac=rosen_der, method="BFGS")
    assert res.success and np.allclose(res.x, np.ones(5), atol=1e-4) and res.trace.steps == res.nit


def test_old_keyword_names_still_work_with_a_deprecation_warning():
    with pytest.warns(DeprecationWarning, match="x0"):
        res = sg.minimize("(x - 1)^2", start=[0.0])
    assert np.allclose(res.x, [1.0])
    with pytest.warns(DeprecationWarning, match="maxiter"):
        res = sg.minimize(ROSEN5, X0, max_steps=2)
    assert res.nit == 2
    with pytest.warns(DeprecationWarning, match="gtol"):
        res = sg.minimize("(x - 1)^2", [0.0], gtol=1e-10)
    assert np.allclose(res.x, [1.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        sg.minimize("(x - 1)^2", [0.0], options={"maxiter": 50})


# -- pickling: SciPy workers and joblib send functions to other processes ----------------------------------
def test_function_compiled_function_and_trace_pickle_round_trip():
    f = sg.Function("exp(-x^2) * sin(y) + x*y")
    c = f.compile("numpy")
    X = np.array([[0.3, -1.2], [1.5, 0.25]])
    before = c.value(X), c.gradient(X), c.hessian(X)
    f2, c2 = pickle.loads(pickle.dumps(f)), pickle.loads(pickle.dumps(c))
    assert f2 == f and f2.gradient() == f.gradient()
    for a, b in zip(before, (c2.value(X), c2.gradient(X), c2.hessian(X))):
        np.testing.assert_array_equal(a, b)
    trace = sg.gradient_descent(f, (0.1, 0.2), 0.01, max_steps=5)
    trace2 = pickle.loads(pickle.dumps(trace))
    assert trace2.points == trace.points and np.array_equal(trace2.losses, trace.losses) and trace2.function == f
    assert pickle.loads(pickle.dumps(sg.minimize(f, [0.1, 0.2], options={"maxiter": 3}))).trace.steps == 3


def test_a_large_function_with_fast_kernels_pickles():
    f = sg.Function(" + ".join(f"x{i}^2*x{i + 1}" for i in range(40)))
    c = f.compile()
    X = np.linspace(-1, 1, 41)
    c.gradient(X)
    np.testing.assert_allclose(pickle.loads(pickle.dumps(c)).gradient(X), c.gradient(X), rtol=1e-14)


def test_differential_evolution_with_two_workers():
    c = sg.Function("(x - 1)^2 + (y + 2)^2").compile()
    res = so.differential_evolution(c.fun, [(-5, 5), (-5, 5)], workers=2, updating="deferred", maxiter=30,
                                    popsize=6, seed=1, polish=False)
    assert np.allclose(res.x, [1, -2], atol=0.1)
