"""``symgrad verify EXPR``: compare symbolic derivatives with torch autograd."""

from __future__ import annotations

import argparse
import importlib.util

from ..errors import BackendUnavailable
from ._io import FAILED, OK, json_document, read_argument

#: what verify needs beyond symgrad's core, with the extra that installs it
NEEDS = {"torch": "symgrad[torch]", "hypothesis": "symgrad[torch]"}


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Declare ``symgrad verify``."""
    parser = subparsers.add_parser(
        "verify",
        help="check the symbolic gradient and Hessian against torch autograd",
        description="Draw points with Hypothesis and compare the symbolic gradient and Hessian of EXPR "
        "with torch autograd (float64). Exit code 0 when they agree, 1 when they do not, 3 for bad input "
        "or a missing extra (pip install 'symgrad[torch]').",
    )
    parser.add_argument("expr", help='the function, e.g. "2*w0^2 + 3*w1^2"; - reads stdin')
    parser.add_argument("--examples", type=int, default=200, help="points to draw (default 200)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the point search (default 0)")
    parser.add_argument("--format", choices=["text", "json"], default="text")
    parser.set_defaults(run=run)


def require_extras() -> None:
    """Refuse with the install command when torch or Hypothesis is missing (before importing either)."""
    missing = [name for name in NEEDS if importlib.util.find_spec(name) is None]
    if missing:
        raise BackendUnavailable(
            f"symgrad verify compares with torch autograd at points drawn by Hypothesis, and {' and '.join(missing)} "
            f"{'is' if len(missing) == 1 else 'are'} not installed; install them with: pip install 'symgrad[torch]'"
        )


def run(args: argparse.Namespace) -> int:
    require_extras()
    from ..verification import verify

    report = verify(read_argument(args.expr, "expression"), examples=args.examples, seed=args.seed)
    if args.format == "json":
        print(json_document(report.to_dict()), end="")
    else:
        print(report)
    return OK if report.passed else FAILED
