"""symgrad.limits: every limit triggers with a message naming it; run_with_timeout really stops work."""

from __future__ import annotations

import os
import threading
import time

import pytest
import sympy

from symgrad.errors import InputTooLarge, Timeout
from symgrad.limits import DEFAULT_LIMITS, Limits, run_with_timeout, shutdown_worker
from symgrad.parsing import parse

# --------------------------------------------------------------------------- the Limits dataclass

#: limit name → (input over the default limit, a per-call override that lets it through)
OVER_THE_LIMIT = {
    "max_length": ("x+" * 3000 + "x", {"max_length": 10_000, "max_tokens": 10_000}),
    "max_tokens": ("+".join(["x"] * 1100), {"max_tokens": 5000}),
    "max_depth": ("(" * 70 + "x" + ")" * 70, {"max_depth": 100}),
    "max_digits": ("1" * 1001, {"max_digits": 2000}),
    "max_exponent": ("e^1001", {"max_exponent": 2000}),  # 2^1001 is read: bounded by its digits
    "max_symbolic_exponent": ("x^100001", {"max_symbolic_exponent": 200_000}),
    "max_power_tower": ("x^x^x^x^x", {"max_power_tower": 5}),
    "max_factorial": ("451!", {"max_factorial": 500, "max_digits": 2000}),
    "max_matrix_entries": ("[" + ", ".join(["1"] * 401) + "]", {"max_matrix_entries": 500}),
}


def test_every_parse_limit_is_covered():
    assert set(OVER_THE_LIMIT) | {"timeout", "total_timeout"} == set(vars(DEFAULT_LIMITS))


@pytest.mark.parametrize("name", sorted(OVER_THE_LIMIT))
def test_each_limit_raises_input_too_large_naming_the_limit_and_its_value(name):
    text, _ = OVER_THE_LIMIT[name]
    with pytest.raises(InputTooLarge) as info:
        parse(text)
    assert f"{name}={vars(DEFAULT_LIMITS)[name]}" in str(info.value)


@pytest.mark.parametrize("name", sorted(OVER_THE_LIMIT))
def test_each_limit_can_be_raised_per_call(name):
    text, override = OVER_THE_LIMIT[name]
    result = parse(text, limits=Limits(**override))
    assert isinstance(result, (sympy.Expr, sympy.MatrixBase))


@pytest.mark.parametrize("name", sorted(OVER_THE_LIMIT))
def test_each_limit_can_be_lowered_per_call(name):
    lowered = Limits(max_length=3, max_tokens=2, max_depth=1, max_digits=1, max_exponent=1,
                     max_symbolic_exponent=1, max_power_tower=1, max_factorial=1, max_matrix_entries=1)
    small = {"max_length": "xxxx", "max_tokens": "x+y", "max_depth": "((x))", "max_digits": "12",
             "max_exponent": "e^2", "max_symbolic_exponent": "x^2", "max_power_tower": "x^2", "max_factorial": "2!", "max_matrix_entries": "[1,2]"}[name]
    keep = {k: v for k, v in vars(DEFAULT_LIMITS).items() if k != name}
    with pytest.raises(InputTooLarge, match=f"{name}="):
        parse(small, limits=Limits(**keep, **{name: vars(lowered)[name]}))


def test_limits_are_frozen_validated_and_replaceable():
    with pytest.raises(Exception):
        DEFAULT_LIMITS.max_length = 1  # type: ignore[misc]
    with pytest.raises(ValueError, match="max_depth"):
        Limits(max_depth=-1)
    assert DEFAULT_LIMITS.replace(timeout=0.5).timeout == 0.5
    assert DEFAULT_LIMITS.timeout == Limits().timeout


@pytest.mark.parametrize("text", ["9^9^9^9", "10^10^10", "99999!", "2^(2^(2^(2^2)))", "(" * 10_000 + ")" * 10_000,
                                  "x" * 1_000_000, "(2^1000)^1000", "10^999*10^999*10^999"])
def test_huge_inputs_fail_instantly(text):
    start = time.perf_counter()
    with pytest.raises(InputTooLarge):
        parse(text)
    assert time.perf_counter() - start < 1.0


# --------------------------------------------------------------------------- powers of numbers (issue 15)
@pytest.mark.parametrize("text, value", [("10^999", 10**999), ("2^3000", 2**3000), ("(1/2)^3000", sympy.Rational(1, 2**3000)),
                                         ("2^-3000", sympy.Rational(1, 2**3000)), ("(10^3)^333", 10**999),
                                         ("(-1)^(10^500)", 1), ("1^(10^900)", 1)])
def test_a_power_of_a_number_within_max_digits_is_read_whatever_its_exponent(text, value):
    assert parse(text) == value  # the oracle: Python's own integers


def test_a_large_power_of_a_number_times_a_variable_is_read():
    value = parse("(2x)^3000")
    (x,) = value.free_symbols  # the parser's own symbol (it carries assumptions)
    assert value == 2**3000 * x**3000


@pytest.mark.parametrize("text, digits", [("10^1000", 1001), ("2^3500", len(str(2**3500))), ("(10^3)^334", 1003),
                                          ("7^1200", len(str(7**1200))), ("(1/3)^2100", len(str(3**2100)))])
def test_a_power_of_a_number_over_max_digits_is_refused_with_its_exact_digit_count(text, digits):
    with pytest.raises(InputTooLarge, match="max_digits=1000") as info:
        parse(text)
    assert f"would have about {digits} digits" in str(info.value)  # 10^999 used to say about 1202


def test_an_astronomical_power_is_refused_instantly_with_a_readable_count():
    started = time.perf_counter()
    with pytest.raises(InputTooLarge, match="more than 10\\^12 digits; the limit is max_digits=1000"):
        parse("2^(10^500)")
    assert time.perf_counter() - started < 30  # generous: only the message is checked, never timing in earnest


def test_exponents_of_other_numbers_stay_bounded_by_max_exponent():
    for text in ("e^1001", "2^(3001/2)", "sqrt(2)^1001"):
        with pytest.raises(InputTooLarge, match="max_exponent=1000"):
            parse(text)
    assert parse("2^(3001/2)", limits=Limits(max_exponent=4000)) == 2**1500 * sympy.sqrt(2)


# --------------------------------------------------------------------------- run_with_timeout


def spin_forever() -> None:
    while True:
        pass


def add(a, b, *, scale=1):
    return (a + b) * scale


def fail_with_key_error():
    raise KeyError("missing")


def process_id() -> int:
    return os.getpid()


def test_run_with_timeout_returns_the_value_and_passes_arguments():
    assert run_with_timeout(add, 2, 3, scale=10, timeout=5) == 50
    x = sympy.Symbol("x", real=True)
    assert run_with_timeout(sympy.simplify, sympy.sin(x) ** 2 + sympy.cos(x) ** 2, timeout=10) == 1


def test_run_with_timeout_runs_in_another_process():
    assert run_with_timeout(process_id, timeout=5) != os.getpid()


def test_worker_persists_between_calls():
    first = run_with_timeout(process_id, timeout=5)
    assert run_with_timeout(process_id, timeout=5) == first


def test_infinite_loop_is_stopped_within_timeout_plus_one_second_and_next_call_works():
    run_with_timeout(add, 1, 1, timeout=5)  # worker started outside the measured time
    before = run_with_timeout(process_id, timeout=5)
    start = time.perf_counter()
    with pytest.raises(Timeout, match="timeout=0.5"):
        run_with_timeout(spin_forever, timeout=0.5)
    assert time.perf_counter() - start < 1.5
    assert run_with_timeout(add, 1, 2, timeout=5) == 3
    assert run_with_timeout(process_id, timeout=5) != before, "a fresh worker replaced the killed one"


def test_exceptions_propagate_with_their_type():
    with pytest.raises(KeyError, match="missing"):
        run_with_timeout(fail_with_key_error, timeout=5)
    with pytest.raises(ZeroDivisionError):
        run_with_timeout(divmod, 1, 0, timeout=5)
    assert run_with_timeout(add, 2, 2, timeout=5) == 4


def test_timeout_zero_runs_inline_and_none_uses_the_default():
    assert run_with_timeout(process_id, timeout=0) == os.getpid()
    assert run_with_timeout(add, 1, 1, timeout=None) == 2
    with pytest.raises(ValueError, match="timeout"):
        run_with_timeout(add, 1, 1, timeout=-1)


def test_concurrent_callers_each_get_their_own_answer():
    results: dict[int, int] = {}

    def call(i: int) -> None:
        results[i] = run_with_timeout(add, i, i, timeout=10)

    threads = [threading.Thread(target=call, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == {i: 2 * i for i in range(8)}


def test_shutdown_then_the_next_call_restarts_the_worker():
    shutdown_worker()
    assert run_with_timeout(add, 3, 4, timeout=5) == 7


def _child_runs_its_own_worker(queue) -> None:
    import sympy

    from symgrad.limits import run_with_timeout

    queue.put(str(run_with_timeout(sympy.expand, (sympy.Symbol("x") + 1) ** 2, timeout=10)))


def test_a_forked_child_gets_its_own_worker_and_the_parent_keeps_working():
    import multiprocessing

    import sympy

    from symgrad.limits import run_with_timeout

    x = sympy.Symbol("x")
    assert run_with_timeout(sympy.expand, (x + 2) ** 2, timeout=10) == x**2 + 4 * x + 4  # parent's worker is up
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    children = [ctx.Process(target=_child_runs_its_own_worker, args=(queue,)) for _ in range(2)]
    for child in children:
        child.start()
    results = [queue.get(timeout=30) for _ in children]
    for child in children:
        child.join(10)
    assert results == ["x**2 + 2*x + 1"] * 2
    assert run_with_timeout(sympy.expand, (x + 3) ** 2, timeout=10) == x**2 + 6 * x + 9


# --------------------------------------------------------------------------- the CPU clock (issue 15)
def _busy(seconds: float) -> int:
    import time as _time

    end, n = _time.process_time() + seconds, 0
    while _time.process_time() < end:
        n += 1
    return n


def test_cpu_clock_stops_cpu_bound_work_and_lets_waiting_work_finish():
    import time as _time

    from symgrad.limits import run_with_timeout

    with pytest.raises(Timeout):
        run_with_timeout(_busy, 5.0, timeout=0.3, clock="cpu")
    assert run_with_timeout(_time.sleep, 0.4, timeout=0.2, clock="cpu") is None  # sleeping uses no CPU


def test_cpu_clock_stops_the_job_inside_the_worker_which_lives_on():
    """The worker stops a job at its CPU budget (SIGPROF) and stays up: no fork, no lost imports or caches."""
    before = run_with_timeout(process_id, timeout=5)
    started = time.process_time()
    with pytest.raises(Timeout, match="timeout=0.3"):
        run_with_timeout(_busy, 5.0, timeout=0.3, clock="cpu")
    assert run_with_timeout(process_id, timeout=5) == before
    x = sympy.Symbol("x", real=True)
    assert run_with_timeout(sympy.simplify, sympy.sin(x) ** 2 + sympy.cos(x) ** 2, timeout=10, clock="cpu") == 1
    assert time.process_time() - started < 5.0  # the caller only waited


def _swallow_every_stop(seconds: float) -> str:
    end = time.process_time() + seconds
    while time.process_time() < end:
        try:
            while time.process_time() < end:
                pass
        except BaseException:  # noqa: BLE001 - a job that ignores the worker's own stop
            continue
    return "finished"


def test_a_job_that_ignores_the_cpu_stop_is_still_killed():
    before = run_with_timeout(process_id, timeout=5)
    with pytest.raises(Timeout):
        run_with_timeout(_swallow_every_stop, 5.0, timeout=0.3, clock="cpu")
    assert run_with_timeout(process_id, timeout=5) != before, "the stubborn worker was killed and replaced"


def module_loaded(name: str) -> bool:
    import sys

    return name in sys.modules


def test_a_replacement_worker_starts_with_the_preloaded_modules(monkeypatch):
    import sys

    from symgrad import limits

    monkeypatch.delitem(sys.modules, "colorsys", raising=False)
    monkeypatch.setattr(limits, "_preloads", ["colorsys"])
    run_with_timeout(add, 1, 1, timeout=5)  # a worker is up (the first one imports nothing extra)
    with pytest.raises(Timeout):
        run_with_timeout(spin_forever, timeout=0.3)  # killed: the next call forks a replacement
    assert run_with_timeout(module_loaded, "colorsys", timeout=5)
    assert "colorsys" in sys.modules
