"""``symgrad verify EXPR``: compare symbolic derivatives with torch autograd."""

from __future__ import annotations

import argparse
import json


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "verify",
        help="check the symbolic gradient and Hessian against torch autograd",
        description="Draw points with Hypothesis and compare the symbolic gradient and Hessian of EXPR "
        "with torch autograd (float64). Exit code 0 when they agree, 1 when they do not.",
    )
    parser.add_argument("expr", help='the function, e.g. "2*w0^2 + 3*w1^2"')
    parser.add_argument("--examples", type=int, default=200, help="points to draw (default 200)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the point search (default 0)")
    parser.add_argument("--format", choices=["text", "json"], default="text")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from ..verify import verify

    report = verify(args.expr, examples=args.examples, seed=args.seed)
    print(json.dumps(report.to_dict(), indent=2) if args.format == "json" else report)
    return 0 if report.passed else 1
