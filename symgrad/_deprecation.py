"""Renamed keyword arguments keep working for one release, with a warning that names the new spelling.

The public API speaks one vocabulary (``docs/design.md``, "One vocabulary"); when a
parameter is renamed to fit it, the old keyword is still accepted through
:func:`renamed` and emits :class:`DeprecationWarning`.
"""

from __future__ import annotations

import functools
import inspect
import sys
import warnings
from typing import Any, Callable, TypeVar

F = TypeVar("F", bound=Callable[..., Any])


def renamed(**old_to_new: str | tuple[str, Callable[[Any], Any]]) -> Callable[[F], F]:
    """Accept each old keyword as its new name, warning once per call.

    A value ``(new, convert)`` renames a keyword whose meaning was turned around:
    ``renamed(in_variables=("in_displacement", operator.not_))`` passes
    ``in_displacement=not in_variables``.

    >>> @renamed(at="start")
    ... def descend(f, start=0):
    ...     return start
    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     descend("x^2", at=3), str(caught[0].message)
    (3, 'descend(): `at` is now `start`; the old spelling will be removed in a later release')
    """

    def decorate(function: F) -> F:
        @functools.wraps(function)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            for old, spelling in old_to_new.items():
                if old not in kwargs:
                    continue
                new, convert = (spelling, None) if isinstance(spelling, str) else spelling
                if new in kwargs:
                    raise TypeError(f"{function.__name__}() got both `{old}` and its new spelling `{new}`; pass `{new}` only")
                meaning = "" if convert is None else f" (`{new}={convert.__name__}({old})`)"
                warnings.warn(f"{function.__name__}(): `{old}` is now `{new}`{meaning}; the old spelling will be removed "
                              "in a later release", DeprecationWarning, stacklevel=2)
                value = kwargs.pop(old)
                kwargs[new] = value if convert is None else convert(value)
            return function(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorate


def moved(old: str, new: str, *args: Any, **kwargs: Any) -> Any:
    """Call the public function ``symgrad.<new>`` for a deprecated spelling ``old``, with a warning.

    A method of a lower stage that moved to a higher one (``f.critical_points()`` is
    now ``sg.critical_points(f)``) keeps working for one release through this. The
    function is found in the package's public table at call time: the package is
    loaded before any of its modules, so no stage imports a higher one.

    >>> import symgrad as sg, warnings
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     moved("f.level_set(c)", "level_set", sg.Function("x^2 + y^2"), 1), str(caught[0].message)
    (Eq(x**2 + y**2, 1), 'f.level_set(c) is deprecated: call sg.level_set(f, ...); it will be removed in a later release')
    """
    warnings.warn(f"{old} is deprecated: call sg.{new}(f, ...); it will be removed in a later release",
                  DeprecationWarning, stacklevel=3)
    package = sys.modules[__name__.rpartition(".")[0]]
    return getattr(package, new)(*args, **kwargs)  # no-eval: ok -- new is a constant in the caller (function.py)


def keyword_only(*names: str) -> Callable[[F], F]:
    """Accept the now keyword-only ``names`` positionally for one release, with a warning.

    >>> @keyword_only("domain")
    ... def convexity(f, *, domain=None):
    ...     return domain
    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     convexity("x^2", "x > 0"), str(caught[0].message)
    ('x > 0', 'convexity(): pass `domain` by keyword (domain=...); passing it by position will be removed in a later release')
    """

    def decorate(function: F) -> F:
        kinds = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
        positional = sum(p.kind in kinds for p in inspect.signature(function).parameters.values())

        @functools.wraps(function)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            extra = args[positional:]
            if len(extra) > len(names):
                raise TypeError(f"{function.__name__}() takes {positional} positional arguments; pass "
                                f"{', '.join(f'{n}=' for n in names)} by keyword")
            for name, value in zip(names, extra):
                if name in kwargs:
                    raise TypeError(f"{function.__name__}() got `{name}` both by position and by keyword")
                warnings.warn(f"{function.__name__}(): pass `{name}` by keyword ({name}=...); passing it by position "
                              "will be removed in a later release", DeprecationWarning, stacklevel=2)
                kwargs[name] = value
            return function(*args[:positional], **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorate
