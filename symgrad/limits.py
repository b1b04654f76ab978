"""Documented limits on untrusted input, and a hard time limit for costly work.

Two things live here.

**Limits.** :class:`Limits` is a frozen dataclass of the bounds the parser
enforces before any SymPy object is built (input length, tokens, nesting,
digits, exponents, power towers, factorials, matrix size) plus ``timeout``, the
number of seconds costly symbolic work on that input may take. Every bound has
a documented default in :data:`DEFAULT_LIMITS`; override per call with
``Limits(max_length=2000)`` or ``DEFAULT_LIMITS.replace(timeout=0.5)``. A bound
that is exceeded raises :class:`~symgrad.errors.InputTooLarge` whose message
names the bound and its value, e.g. ``"... the limit is max_exponent=1000"``.

**The time limit.** :func:`run_with_timeout` runs a picklable callable in a
*worker process* and kills that process when time runs out. A signal-based
alarm is not enough: SymPy spends its time in long C-level big-integer
operations and in code that catches broad exceptions, so an alarm may fire
late or be swallowed. Killing the process always works. The mechanism:

* one long-lived worker per interpreter, started on first use with the
  ``"fork"`` start method where the platform has it (fast: the child inherits
  the already imported SymPy) and ``"spawn"`` elsewhere;
* the caller sends ``(fn, args, kwargs)`` over a pipe and polls for the answer
  for at most ``timeout`` seconds; the worker replies ``("ok", value)`` or
  ``("err", exception)`` and the exception is re-raised in the caller with its
  own type;
* on time-out the worker is killed (``SIGKILL``), reaped, and
  :class:`~symgrad.errors.Timeout` is raised; the next call starts a fresh
  worker, so a time-out never poisons later calls;
* with ``clock="cpu"`` the worker also stops the job itself when its CPU
  budget is spent (a ``SIGPROF`` interval timer, ``ITIMER_PROF``, raises an
  exception no ``except Exception`` swallows) and stays alive, keeping its
  imports and SymPy's caches; the kill remains the guarantee, a little later
  (:data:`CPU_KILL_GRACE`), for work that does not stop;
* a replacement worker is forked only after the parent imported the modules
  registered with :func:`preload_in_workers` (SymPy imports some of its own
  modules on first use, ≈ 0.7 s that every fresh worker would pay again);
* a lock serialises callers from several threads, and an ``atexit`` hook stops
  the worker when the interpreter exits.

**Worker lifetime.** A worker never outlives the process that started it, even
when that process is killed with ``SIGKILL`` and no ``atexit`` hook runs: the
forked worker closes its copy of the parent's end of the pipe (so the parent's
death is an end of file, not a silent hang), asks the kernel to kill it when
the forking thread dies (``PR_SET_PDEATHSIG`` on Linux, used only when the
main thread forks it, since the signal follows the thread), and watches its
parent's sentinel from a thread (:func:`exit_with_parent`, which process pools
of :func:`symgrad.checking.grade` run in their workers too).

A round trip costs well under a millisecond once the worker runs, which keeps
answer checking (a median budget of about 20 ms per check) cheap.
"""

from __future__ import annotations

import atexit
import ctypes
import dataclasses
import functools
import multiprocessing
import multiprocessing.connection
import os
import signal
import sys
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable

from symgrad.errors import InputTooLarge, SymgradError, Timeout

__all__ = ["Limits", "DEFAULT_LIMITS", "run_with_timeout", "run_bounded", "shutdown_worker", "exit_with_parent",
           "worker_cpu_time", "preload_in_workers"]


@dataclass(frozen=True)
class Limits:
    """Bounds on one piece of untrusted input; each one raises ``InputTooLarge``.

    Arguments:
        max_length: characters in the input text (checked first, before anything
            else is read).
        max_tokens: tokens (numbers, names, operators) in the input.
        max_depth: nesting of brackets, groups and function calls.
        max_digits: digits of a number, both as written (``123...``, ``1e400``)
            and as computed from numbers in the input (``99^1000``; the digits of
            ``b^n`` are ``floor(n log10 |b|) + 1``, without computing it).
        max_exponent: magnitude of a numeric exponent of a number that is not an
            integer power of a rational (``e^1001``, ``2^(3001/2)`` are refused with the
            default; ``x^n`` with a symbol ``n`` is fine). An integer power of a rational
            is bounded by the digits of its result instead (``max_digits``): ``2^3000``
            (904 digits) is read, ``10^1000`` (1001 digits) is refused.
        max_symbolic_exponent: magnitude of a numeric exponent of an expression with
            variables (``(x - a)^6000`` is read: it costs nothing until expanded, and
            every expansion runs under the time limit).
        max_power_tower: height of a tower of powers (``a^b^c^d`` is 4).
        max_factorial: largest integer whose factorial ``n!`` is computed (450! has
            about 1000 digits, the default ``max_digits``).
        max_matrix_entries: entries in one vector or matrix.
        timeout: seconds that costly symbolic work on the input (simplify,
            equivalence tests) may take in :func:`run_with_timeout`.
        total_timeout: seconds one whole analysis or derivation (convexity,
            critical points, Taylor, a level set, an ``explain`` entry) may take
            in :func:`run_bounded`; past it the answer is *unknown* or a ``Timeout``.

    Example:
        >>> from symgrad.limits import Limits, DEFAULT_LIMITS
        >>> Limits(max_length=2000).max_length
        2000
        >>> DEFAULT_LIMITS.replace(timeout=0.5).timeout
        0.5
    """

    max_length: int = 5000
    max_tokens: int = 2000
    max_depth: int = 64
    max_digits: int = 1000
    max_exponent: int = 1000
    max_symbolic_exponent: int = 100_000
    max_power_tower: int = 4
    max_factorial: int = 450
    max_matrix_entries: int = 400
    timeout: float = 2.0
    total_timeout: float = 60.0

    def __post_init__(self) -> None:
        for name, value in vars(self).items():
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
                raise ValueError(f"Limits.{name} must be a non-negative number, got {value!r}")

    def replace(self, **changes: Any) -> "Limits":
        """Return a copy with some bounds changed: ``DEFAULT_LIMITS.replace(max_depth=10)``."""
        return dataclasses.replace(self, **changes)

    def check(self, name: str, value: int | float, what: str) -> None:
        """Raise ``InputTooLarge`` if ``value`` exceeds the bound ``name``.

        ``what`` describes the measured thing for the message, e.g. ``"the input
        has 6000 characters"``.
        """
        bound = vars(self)[name]
        if value > bound:
            raise InputTooLarge(
                f"{what}; the limit is {name}={bound}. "
                f"Pass limits=Limits({name}=...) to allow more."
            )


DEFAULT_LIMITS = Limits()
"""The limits used when a call passes ``limits=None``."""


# --------------------------------------------------------------------------- the worker process


def _context() -> multiprocessing.context.BaseContext:
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if "fork" in methods else "spawn")


_in_worker = False
#: set while ``run_bounded`` runs a call here with ``total_timeout=0``: nested bounded calls run here too
_unbounded = threading.local()


def exit_with_parent() -> None:
    """End this process as soon as its parent process dies (a daemon thread waits on the parent's sentinel).

    For processes started by :mod:`multiprocessing` (a pool's ``initializer``, the
    time-limit worker); does nothing in a process that has no such parent.
    """
    parent = multiprocessing.parent_process()
    if parent is None or parent.sentinel is None:
        return

    def watch() -> None:
        multiprocessing.connection.wait([parent.sentinel])
        os._exit(1)  # no cleanup to run: the parent that wanted the work is gone

    threading.Thread(target=watch, name="symgrad-exit-with-parent", daemon=True).start()


def _die_with_forking_thread(parent_pid: int) -> None:
    """Ask Linux to SIGKILL this process when the thread that forked it dies (``PR_SET_PDEATHSIG``)."""
    if not sys.platform.startswith("linux"):
        return
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # 1 = PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return
    if os.getppid() != parent_pid:  # the parent died before the request took effect
        os._exit(1)


def _worker_main(conn: Any, inherited: Any = None, parent_pid: int | None = None) -> None:
    """Loop in the worker: receive a job, run it, send the outcome back.

    ``inherited``: the parent's end of the pipe, copied by ``fork``; closed first, so
    that the pipe reports end of file once the parent is gone. ``parent_pid``: set when
    the parent's main thread forked this worker (see :func:`_die_with_forking_thread`).
    """
    global _in_worker
    _in_worker = True
    if inherited is not None:
        inherited.close()
    if parent_pid is not None:
        _die_with_forking_thread(parent_pid)
    exit_with_parent()
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError, KeyboardInterrupt):
            return
        if job is None:
            return
        fn, args, kwargs, cpu_limit = job
        try:
            outcome = ("ok", _call_within_cpu(fn, args, kwargs, cpu_limit))
        except _CpuBudgetSpent:
            outcome = ("cpu", None)
        except BaseException as exc:  # noqa: BLE001 - shipped to the caller, re-raised there
            outcome = ("err", exc)
        try:
            conn.send(outcome)
        except Exception as exc:  # the value or exception would not pickle
            conn.send(("err", SymgradError(f"the result could not be sent back from the worker: {exc!r}")))


class _CpuBudgetSpent(BaseException):
    """Raised in the worker by ``SIGPROF`` when a job's CPU budget is spent (a ``BaseException``: SymPy's broad
    ``except Exception`` clauses do not swallow it)."""


def _cpu_budget_spent(signum: int, frame: Any) -> None:
    raise _CpuBudgetSpent()


def _call_within_cpu(fn: Callable[..., Any], args: tuple, kwargs: dict, cpu_limit: float | None) -> Any:
    """``fn(*args, **kwargs)``, stopped by :class:`_CpuBudgetSpent` after ``cpu_limit`` CPU seconds of this process."""
    if cpu_limit is None or not hasattr(signal, "ITIMER_PROF"):
        return fn(*args, **kwargs)
    previous = signal.signal(signal.SIGPROF, _cpu_budget_spent)
    signal.setitimer(signal.ITIMER_PROF, cpu_limit)
    try:
        return fn(*args, **kwargs)
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.signal(signal.SIGPROF, previous)


_preloads: list[str] = []


def preload_in_workers(*modules: str) -> None:
    """Modules the parent imports before it forks a replacement worker, so the new one starts with them.

    A stage registers the modules its worker jobs import lazily, e.g. answer checking registers those
    ``sympy.simplify`` imports on first use; the first worker imports them as it needs them.
    """
    _preloads.extend(m for m in modules if m not in _preloads)


def _import_preloads() -> None:
    import importlib

    for name in _preloads:
        try:
            importlib.import_module(name)
        except ImportError:
            continue


_workers_started = 0


def _new_worker() -> "_Worker":
    """A fresh worker; a replacement (after a time-out or a crash) first gets the preloaded modules."""
    global _workers_started
    if _workers_started and _context().get_start_method() == "fork":
        _import_preloads()
    _workers_started += 1
    return _Worker()


class _Worker:
    """One persistent worker process and the pipe to it."""

    def __init__(self) -> None:
        ctx = _context()
        self.conn, child = ctx.Pipe(duplex=True)
        forked = ctx.get_start_method() == "fork"
        main_thread = threading.current_thread() is threading.main_thread()
        args = (child, self.conn if forked else None, os.getpid() if forked and main_thread else None)
        self.process = ctx.Process(target=_worker_main, args=args, daemon=True, name="symgrad-worker")
        self.process.start()
        child.close()

    def alive(self) -> bool:
        return self.process.is_alive()

    def stop(self, kill: bool = False) -> None:
        if self.process.is_alive() and not kill:
            try:
                self.conn.send(None)
            except OSError:
                kill = True
            self.process.join(0.5)
        if self.process.is_alive():
            self.process.kill()
        self.process.join(2.0)
        self.conn.close()


_lock = threading.Lock()
_worker: _Worker | None = None


def shutdown_worker() -> None:
    """Stop the worker process now (it is restarted on the next call). Runs at exit."""
    global _worker
    with _lock:
        if _worker is not None:
            _worker.stop()
            _worker = None


atexit.register(shutdown_worker)


def _forget_worker_after_fork() -> None:
    """A forked child must not talk to its parent's worker over the shared pipe: it starts its own.

    It also closes its copy of that pipe, so the parent's worker still sees end of file when the parent dies.
    """
    global _lock, _worker
    if _worker is not None:
        try:
            _worker.conn.close()
        except OSError:
            pass
    _lock = threading.Lock()
    _worker = None


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_worker_after_fork)


#: with ``clock="cpu"``, a job is also stopped after this many times its CPU budget in wall time (a job that waits)
CPU_WALL_FACTOR = 15.0
#: with ``clock="cpu"``, the worker stops the job itself at its budget; it is killed only past budget + this grace
#: (seconds of CPU, plus 10 % of the budget) -- the time the job needs to unwind and answer
CPU_KILL_GRACE = 0.05
_POLL_SLICE = 0.02


def worker_cpu_time() -> float:
    """CPU seconds (user + system) used so far by the current worker process; 0.0 when there is none.

    Read from ``/proc/<pid>/stat`` (Linux); elsewhere 0.0, and ``clock="cpu"`` falls back to wall time.
    """
    worker = _worker
    if worker is None or not worker.alive():
        return 0.0
    return _process_cpu(worker.process.pid) or 0.0


def _process_cpu(pid: int | None) -> float | None:
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            fields = stat.read().rsplit(b")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError, AttributeError):
        return None


def _finished_in_time(worker: "_Worker", timeout: float, clock: str) -> bool:
    """Wait for the worker's answer: ``timeout`` seconds of wall time, or of the worker's CPU time."""
    if clock != "cpu":
        return worker.conn.poll(timeout)
    start_cpu = _process_cpu(worker.process.pid)
    if start_cpu is None:
        return worker.conn.poll(timeout)
    wall_cap = time.monotonic() + timeout * CPU_WALL_FACTOR
    hard = timeout * 1.1 + CPU_KILL_GRACE  # the worker's own SIGPROF stop comes first (see _call_within_cpu)
    while not worker.conn.poll(_POLL_SLICE):
        used = (_process_cpu(worker.process.pid) or start_cpu) - start_cpu
        if used > hard or time.monotonic() > wall_cap:
            return False
    return True


def run_with_timeout(fn: Callable[..., Any], *args: Any, timeout: float | None = None, clock: str = "wall",
                     **kwargs: Any) -> Any:
    """Call ``fn(*args, **kwargs)`` in the worker process and kill it after ``timeout`` seconds.

    ``clock="cpu"`` counts the worker's CPU seconds instead of wall seconds, so the same work gets the
    same budget on an idle and on a busy machine (a wall-time cap of ``CPU_WALL_FACTOR * timeout``
    still stops a job that waits instead of computing). The worker stops such a job itself when the
    budget is spent and stays alive (caches kept); it is killed when the job does not stop.

    Arguments:
        fn: a picklable callable (a module-level function, a SymPy function...).
        *args, **kwargs: picklable arguments for ``fn``.
        timeout: seconds allowed. ``None`` means ``DEFAULT_LIMITS.timeout``
            (2 s). ``0`` means *no limit*: ``fn`` runs directly in this process
            (for trusted work and debugging only). Negative values are an error.

    Returns:
        What ``fn`` returned (pickled back from the worker).

    Raises:
        Timeout: ``fn`` ran past ``timeout``; the worker was killed and the next
            call starts a fresh one.
        InputTooLarge: the worker died while running ``fn`` (usually out of memory).
        Exception: whatever ``fn`` raised, with its own type.

    Example:
        >>> import sympy
        >>> from symgrad.limits import run_with_timeout
        >>> x = sympy.Symbol("x")
        >>> run_with_timeout(sympy.simplify, sympy.sin(x)**2 + sympy.cos(x)**2, timeout=5)
        1
    """
    global _worker
    if timeout is None:
        timeout = DEFAULT_LIMITS.timeout
    if timeout < 0:
        raise ValueError(f"timeout must be None, 0 (no limit) or a positive number of seconds, got {timeout!r}")
    if timeout == 0:
        return fn(*args, **kwargs)
    if _in_worker:
        return _run_with_alarm(fn, args, kwargs, timeout)
    job = (fn, args, kwargs, timeout if clock == "cpu" else None)
    with _lock:
        if _worker is None or not _worker.alive():
            if _worker is not None:
                _worker.stop(kill=True)
            _worker = _new_worker()
        worker = _worker
        try:
            worker.conn.send(job)
        except (BrokenPipeError, EOFError, ConnectionError):
            worker.stop(kill=True)
            _worker = worker = _new_worker()
            worker.conn.send(job)
        if not _finished_in_time(worker, timeout, clock):
            worker.stop(kill=True)
            _worker = None
            raise _stopped(fn, timeout)
        try:
            status, value = worker.conn.recv()
        except (EOFError, OSError):
            worker.stop(kill=True)
            _worker = None
            raise InputTooLarge("the worker process died while working on the input (probably out of memory)") from None
    if status == "cpu":  # the worker stopped the job at its CPU budget and lives on
        raise _stopped(fn, timeout)
    if status == "err":
        raise value
    return value


def _stopped(fn: Callable[..., Any], timeout: float) -> Timeout:
    name = getattr(fn, "__name__", type(fn).__name__)
    return Timeout(f"{name} ran longer than {timeout:g} s and was stopped; "
                   f"simplify the input or pass a larger timeout (the limit is timeout={timeout:g}).")


# --------------------------------------------------------------------------- nested limits and whole analyses


def _timeout_error(fn: Callable[..., Any], timeout: float, name: str = "timeout") -> Timeout:
    label = getattr(fn, "__name__", type(fn).__name__).strip("_")
    return Timeout(f"{label} ran longer than {timeout:g} s and was stopped; "
                   f"simplify the input or pass a larger limit (the limit is {name}={timeout:g}).")


def _run_with_alarm(fn: Callable[..., Any], args: tuple[Any, ...], kwargs: dict, timeout: float) -> Any:
    """A time limit *inside* the worker (a daemon process has no workers of its own): ``SIGALRM``.

    The alarm may fire late or be swallowed by SymPy; the outer limit of the
    call that started this work still kills the worker, so it is a best effort
    that keeps one costly step from spending the whole budget. An outer alarm
    still pending keeps its deadline.
    """
    import signal
    import time

    outer_left, _ = signal.getitimer(signal.ITIMER_REAL)
    started = time.monotonic()

    def ring(signum: int, frame: Any) -> None:
        raise _timeout_error(fn, timeout)

    previous = signal.signal(signal.SIGALRM, ring)
    signal.setitimer(signal.ITIMER_REAL, min(timeout, outer_left) if outer_left else timeout)
    try:
        return fn(*args, **kwargs)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        if outer_left:
            signal.setitimer(signal.ITIMER_REAL, max(outer_left - (time.monotonic() - started), 1e-3))


def run_bounded(fn: Callable[..., Any], *args: Any, limits: "Limits | None" = None, **kwargs: Any) -> Any:
    """Run a whole analysis or derivation within ``limits.total_timeout`` seconds.

    The call runs in the worker process, which is killed when the time is up
    (:class:`~symgrad.errors.Timeout` naming ``total_timeout``); the costly
    steps inside it keep their own limit ``limits.timeout``. Called from inside
    the worker (an analysis that uses another), ``fn`` runs directly: the outer
    limit already bounds it. ``total_timeout=0`` runs ``fn`` here, unbounded.

    Example:
        >>> from symgrad.limits import Limits, run_bounded
        >>> run_bounded(pow, 2, 10, limits=Limits(total_timeout=5))
        1024
    """
    total = (limits or DEFAULT_LIMITS).total_timeout
    if _in_worker or getattr(_unbounded, "active", False):
        return fn(*args, **kwargs)
    if total == 0:  # the analyses this one calls run here too, unbounded
        _unbounded.active = True
        try:
            return fn(*args, **kwargs)
        finally:
            _unbounded.active = False
    try:  # fn's own keywords (an analysis's ``timeout=``) travel inside the partial, apart from ours
        return run_with_timeout(functools.partial(fn, *args, **kwargs), timeout=total)
    except Timeout:
        raise _timeout_error(fn, total, "total_timeout") from None
