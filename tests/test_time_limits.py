"""Every analysis and every explain entry returns within ``Limits.total_timeout``: a verdict, ``unknown`` or a Timeout."""

import pytest

import symgrad as sg
from symgrad.errors import Timeout
from symgrad.limits import Limits

LOGISTIC_3 = "log(1 + exp(-(w + b))) + log(1 + exp(2*w + b)) + log(1 + exp(-w + b))"
FEW_SECONDS = Limits(total_timeout=3)
TOO_SHORT = Limits(total_timeout=0.05)


def test_logistic_loss_on_three_points_returns_within_its_limit():
    verdict = sg.convexity(LOGISTIC_3, limits=FEW_SECONDS)
    assert verdict.verdict in ("convex", "unknown")
    if verdict.verdict == "unknown":
        assert "total_timeout=3" in verdict.reason


def test_logistic_loss_on_three_points_is_convex_by_the_composition_rules():
    # what convexity falls back to when the Hessian's minors take too long (no time limit involved here)
    from symgrad.analysis._common import resolve_domain
    from symgrad.analysis.composition import curvature

    f = sg.Function(LOGISTIC_3)
    shape = curvature(f.expr, f.variables, resolve_domain(f))
    assert shape.convex and any("log-sum-exp" in why for why in shape.why)


def test_convexity_past_its_limit_is_unknown_with_the_reason():
    verdict = sg.convexity(LOGISTIC_3, limits=TOO_SHORT)
    assert verdict.verdict == "unknown" and verdict.is_convex is None
    assert "time limit" in verdict.reason and "total_timeout=0.05" in verdict.reason


@pytest.mark.parametrize("call", [
    lambda: sg.critical_points(LOGISTIC_3, limits=TOO_SHORT),
    lambda: sg.taylor(LOGISTIC_3, [1, 2], 3, limits=TOO_SHORT),
    lambda: sg.explain.convexity(LOGISTIC_3, limits=TOO_SHORT),
    lambda: sg.explain.critical_points(LOGISTIC_3, limits=TOO_SHORT),
    lambda: sg.explain.taylor(LOGISTIC_3, [1, 2], 3, limits=TOO_SHORT),
], ids=["critical_points", "taylor", "explain.convexity", "explain.critical_points", "explain.taylor"])
def test_analyses_past_their_limit_raise_a_timeout_naming_it(call):
    with pytest.raises(Timeout, match="total_timeout=0.05"):
        call()


def test_a_timeout_leaves_the_next_analysis_working():
    with pytest.raises(Timeout):
        sg.critical_points(LOGISTIC_3, limits=TOO_SHORT)
    assert [p.kind for p in sg.critical_points("x^2 - 2*x")] == ["minimum"]


def test_zero_total_timeout_runs_in_this_process():
    assert sg.convexity("x^2", limits=Limits(total_timeout=0)).verdict == "strictly convex"


def test_level_set_runs_under_the_limits_too():
    assert sg.level_set("x^2 + y^2", 1, limits=FEW_SECONDS) is not None


def test_a_compiled_function_still_travels_to_the_worker():
    f = sg.Function("x^2 - 2*x")
    f.compile("numpy").value([1.0])
    assert sg.convexity(f).verdict == "strictly convex"
    assert f.compile("numpy").value([3.0]) == 3.0


def test_zero_total_timeout_runs_the_nested_analyses_here_too():
    """critical_points calls non_differentiable_points; with total_timeout=0 both run here (was a TypeError)."""
    points = sg.critical_points("2*x^3 - 3*x^2 - 12*x", limits=Limits(total_timeout=0))
    assert [(p.kind, p.point) for p in points] == [("maximum", {sg.Function("x").variables[0]: -1}),
                                                   ("minimum", {sg.Function("x").variables[0]: 2})]


@pytest.mark.parametrize("call", [
    lambda: sg.critical_points("x^2 - 2*x", timeout=5),
    lambda: sg.non_differentiable_points("abs(x) + x^2", timeout=5),
    lambda: sg.convexity("x^2", timeout=5),
], ids=["critical_points", "non_differentiable_points", "convexity"])
def test_an_analysis_takes_its_own_timeout_keyword_under_the_total_limit(call):
    """Its ``timeout=`` (each costly step) is its own, apart from the worker's ``total_timeout`` (was a TypeError)."""
    assert call()


@pytest.mark.parametrize("call", [
    lambda: sg.critical_points("x^2 - 2*x", timeout=-1),
    lambda: sg.convexity("x^4 + x^2", timeout=-1),
], ids=["critical_points", "convexity"])
def test_a_negative_timeout_is_refused_not_read_as_undecided(call):
    """It was swallowed with SymPy's own errors, so the analysis went on as if every step had timed out."""
    with pytest.raises(sg.InputError, match="timeout must be a number of seconds >= 0"):
        call()
