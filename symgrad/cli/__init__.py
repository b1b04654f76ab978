"""The ``symgrad`` command: a thin layer over the library.

Each subcommand lives in its own module of this package and exposes two
functions: ``add_parser(subparsers)`` (declares its arguments) and
``run(args) -> int`` (calls the library, prints, returns the exit code).
:data:`COMMANDS` is the table of subcommands. Exit codes: 0 success, 1 bad
input (the message is printed, no traceback), 2 bad usage (argparse).

Command modules must stay light to import: ``symgrad --help`` never imports
torch or matplotlib.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from ..errors import InputError, SymgradError

__all__ = ["main", "build_parser", "COMMANDS"]

#: subcommand name -> module (relative to this package) that implements it
COMMANDS: dict[str, str] = {
    "derive": ".derive",
    "demo": ".demo",
    "verify": ".verify",
    "grade": ".grade",
    "exercises": ".exercises",
}


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every available subcommand."""
    parser = argparse.ArgumentParser(
        prog="symgrad",
        description="Readable, runnable, trustworthy derivatives: worked derivations, "
        "answer checking and exercise generation for the mathematics of machine learning.",
        epilog="Run 'symgrad COMMAND --help' for the options of one command.",
    )
    from .. import __version__

    parser.add_argument("--version", action="version", version=f"symgrad {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, module_name in COMMANDS.items():
        try:
            module = importlib.import_module(module_name, __name__)
        except ModuleNotFoundError as error:
            if error.name and error.name.startswith(__name__):
                continue  # a command not written yet
            raise
        module.add_parser(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``symgrad`` command; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(_shield_leading_minus(sys.argv[1:] if argv is None else list(argv)))
    if not getattr(args, "command", None):
        parser.print_help()
        return 2
    try:
        return int(args.run(args) or 0)
    except InputError as error:
        print(f"symgrad: error: {error}", file=sys.stderr)
        return 1
    except SymgradError as error:
        print(f"symgrad: error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


def _shield_leading_minus(argv: list[str]) -> list[str]:
    """Let ``symgrad derive convexity "-log(x)"`` and ``--at -1,2`` work.

    symgrad's options are all long (``--at``) except ``-h``, so a word that starts with a
    single ``-`` is an expression or a value, never an option. argparse would read it as an
    option; a leading space hides the dash from argparse, and the parser ignores the space.
    """
    return [f" {word}" if word.startswith("-") and not word.startswith("--") and word != "-h" else word
            for word in argv]