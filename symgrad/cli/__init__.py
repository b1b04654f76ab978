"""The ``symgrad`` command: a thin layer over the library.

Each subcommand lives in its own module of this package and exposes two
functions: ``add_parser(subparsers)`` (declares its arguments) and
``run(args) -> int`` (calls the library, prints, returns the exit code).
:data:`COMMANDS` is the table of subcommands; :mod:`._io` holds what they share
(``-`` for stdin/stdout, the exit codes, the JSON schema, printable output).

Exit codes (:data:`._io.EXIT_CODES`): 0 success, 1 a check or verification
failed, 2 bad usage (argparse), 3 bad input (the message is printed, no traceback).

Options are all long (``--at``) except ``-h``, so a word that starts with one
``-`` is an expression or a value (``symgrad derive convexity "-log(x)"``,
``--at -1,2``) and ``-`` alone is stdin or stdout; ``--`` also ends the options.

Command modules must stay light to import: ``symgrad --help`` never imports
torch, matplotlib or the mathematics.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from ..errors import SymgradError
from ._io import BAD_INPUT, EXIT_CODES, OK, printable_streams

__all__ = ["main", "build_parser", "COMMANDS"]

#: subcommand name -> module (relative to this package) that implements it
COMMANDS: dict[str, str] = {
    "derive": ".derive",
    "check": ".check",
    "demo": ".demo",
    "verify": ".verify",
    "grade": ".grade",
    "exercises": ".exercises",
}


class _Parser(argparse.ArgumentParser):
    """argparse, except that a word with one leading ``-`` that is not an option is an argument."""

    def _parse_optional(self, arg_string):  # type: ignore[no-untyped-def]
        if arg_string.startswith("-") and not arg_string.startswith("--") and arg_string not in self._option_string_actions:
            return None
        return super()._parse_optional(arg_string)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every available subcommand."""
    from .. import __version__

    parser = _Parser(
        prog="symgrad",
        description="Readable, runnable, trustworthy derivatives: worked derivations,\n"
        "answer checking and exercise generation for the mathematics of machine learning.",
        epilog="Run 'symgrad COMMAND --help' for the options of one command. Use - for stdin or stdout.\n\n"
        "exit codes:\n" + "\n".join(f"  {code}  {meaning}" for code, meaning in EXIT_CODES.items()),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
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
    parser.set_defaults(subcommands=subparsers.choices)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``symgrad`` command; returns the exit code."""
    with printable_streams():
        parser = build_parser()
        args, unknown = parser.parse_known_args(sys.argv[1:] if argv is None else list(argv))
        if not getattr(args, "command", None):
            if unknown:
                parser.error(f"unrecognized arguments: {' '.join(unknown)}")
            parser.print_help()
            return OK
        if unknown:  # the subcommand's own usage, as pytest and ruff do
            args.subcommands[args.command].error(f"unrecognized arguments: {' '.join(unknown)}")
        try:
            return int(args.run(args) or 0)
        except SymgradError as error:
            print(f"symgrad: error: {error}", file=sys.stderr)
            return BAD_INPUT
        except KeyboardInterrupt:
            return 130
        except BrokenPipeError:  # the reader went away (`| head`): stop quietly, as Unix tools do
            _silence_stdout()
            return 141


def _silence_stdout() -> None:
    """Point stdout at /dev/null so Python's exit-time flush cannot raise BrokenPipeError again."""
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass
