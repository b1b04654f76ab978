"""Renamed keyword arguments keep working for one release, with a warning that names the new spelling.

The public API speaks one vocabulary (``docs/design.md``, "One vocabulary"); when a
parameter is renamed to fit it, the old keyword is still accepted through
:func:`renamed` and emits :class:`DeprecationWarning`.
"""

from __future__ import annotations

import functools
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
