"""``--shape X=N,d``: declare vectors and matrices on the command line, for every command that reads formulas.

``--shape NAME=DIMS`` (repeatable) becomes the ``shapes=`` mapping of
:func:`symgrad.parse` and :class:`symgrad.Function`: one dimension is a column
vector (``--shape w=d`` → ``{"w": "d"}``), two are a matrix (``--shape X=N,d``
→ ``{"X": ("N", "d")}``); a dimension is a name or a positive whole number.
A command adds the option with :func:`add_shape_option` and reads it with
:func:`shapes_from`.
"""

from __future__ import annotations

import argparse
import re
from typing import Any, Union

from ..errors import InputError

__all__ = ["add_shape_option", "parse_shape", "shapes_from"]

Dim = Union[int, str]
_NAME = re.compile(r"[A-Za-z][A-Za-z0-9]*\Z")
_EXAMPLE = "e.g. --shape X=N,d --shape w=d --shape y=N"


def add_shape_option(parser: argparse.ArgumentParser) -> None:
    """Declare the repeatable ``--shape NAME=DIMS`` option on ``parser``."""
    parser.add_argument("--shape", action="append", metavar="NAME=DIMS", default=None,
                        help="declare a vector (w=d) or a matrix (X=N,d); repeat for each, " + _EXAMPLE)


def parse_shape(text: str) -> tuple[str, Dim | tuple[Dim, Dim]]:
    """``"X=N,d"`` → ``("X", ("N", "d"))``; ``"w=d"`` → ``("w", "d")``; ``"v=3"`` → ``("v", 3)``.

    Example:
        >>> parse_shape("X=N,d"), parse_shape("w = 3"), parse_shape("A=(2, 2)")
        (('X', ('N', 'd')), ('w', 3), ('A', (2, 2)))
    """
    name, sep, dims = text.partition("=")
    name = name.strip()
    if not sep or not _NAME.match(name):
        raise InputError(f"--shape {text!r}: write NAME=DIMS, {_EXAMPLE}")
    parts = [part.strip() for part in dims.strip().strip("()").split(",")]
    if not 1 <= len(parts) <= 2 or not all(parts):
        raise InputError(f"--shape {text!r}: give one dimension (a vector) or two (a matrix), {_EXAMPLE}")
    values = [_dimension(part, text) for part in parts]
    return name, values[0] if len(values) == 1 else (values[0], values[1])


def _dimension(part: str, text: str) -> Dim:
    if part.isdigit() and int(part) > 0:
        return int(part)
    if _NAME.match(part):
        return part
    raise InputError(f"--shape {text!r}: {part!r} is not a dimension; use a name such as N or a positive whole number")


def shapes_from(values: list[str] | None) -> dict[str, Any]:
    """The ``shapes=`` mapping of the repeated ``--shape`` values (``{}`` if none).

    Example:
        >>> shapes_from(["X=N,d", "w=d", "y=N"])
        {'X': ('N', 'd'), 'w': 'd', 'y': 'N'}
    """
    shapes: dict[str, Any] = {}
    for text in values or []:
        name, shape = parse_shape(text)
        if name in shapes:
            raise InputError(f"--shape declares {name!r} twice")
        shapes[name] = shape
    return shapes
