"""``symgrad check ANSWER EXPECTED``: is one answer right? Exit 0 when correct, 1 when not.

The verdict is :func:`symgrad.check`'s: correct, incorrect or invalid, with
feedback that never reveals the key and the evidence it rests on. ``-`` as
ANSWER (or EXPECTED) reads it from stdin, so ``echo "2*x" | symgrad check - "2*x"``
works in scripts: ``if symgrad check "$ans" "$key"; then ...``.
"""

from __future__ import annotations

import argparse

from ._io import FAILED, OK, json_document, read_argument
from .shapes import add_shape_option, shapes_from

EXAMPLES = """examples:
  symgrad check "2*x*cos(x^2)" "cos(x^2)*2x"         (equivalent forms are correct)
  symgrad check "(1.8, 1.6)" "(9/5, 8/5)" --kind gd_step
  symgrad check "2X^TXw - 2X^Ty" "2X^T(Xw - y)" --shape X=N,d --shape w=d --shape y=N
  symgrad check "x^2" "2*x" --format json
  echo "convex" | symgrad check - "convex"
"""


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Declare ``symgrad check``."""
    parser = subparsers.add_parser(
        "check",
        help="check one answer against the expected one (exit 0 correct, 1 not)",
        description="Judge ANSWER against EXPECTED: equivalent expressions, vectors, matrices, sets, equations or "
        "verdict words count as correct. Prints the status, the feedback and what the verdict rests on.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("answer", metavar="ANSWER", help="the answer to check (quote it); - reads stdin")
    parser.add_argument("expected", metavar="EXPECTED", help="the right answer (the key); - reads stdin")
    parser.add_argument("--variables", help="the variables in order, e.g. w0,w1 (default: those of the key)")
    parser.add_argument("--kind", help="the kind of answer or question: expression, vector, matrix, gd-step...")
    parser.add_argument("--rtol", type=float, help="relative tolerance (default: exact comparison)")
    parser.add_argument("--atol", type=float, help="absolute tolerance (default: exact comparison)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the random comparison points (default 0)")
    add_shape_option(parser)
    parser.add_argument("--format", choices=["text", "json"], default="text", help="output format (default text)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from ..checking import check

    if args.answer == "-" and args.expected == "-":
        from ..errors import InputError

        raise InputError("only one of ANSWER and EXPECTED can be read from stdin (-)")
    answer, expected = read_argument(args.answer, "answer"), read_argument(args.expected, "expected answer")
    variables = [v.strip() for v in args.variables.split(",") if v.strip()] if args.variables else None
    kind = args.kind.strip().replace("-", "_") if args.kind else None  # one spelling: gd-step and gd_step
    shapes = shapes_from(args.shape) or None
    result = check(answer, expected, variables=variables, kind=kind, rtol=args.rtol, atol=args.atol, seed=args.seed,
                   shapes=shapes)
    if args.format == "json":
        print(json_document(result.to_dict()), end="")
    else:
        print(_text(result))
    return OK if result else FAILED


def _text(result) -> str:
    lines = [f"{result.status}: {result.feedback}"]
    if result.diagnosis:
        lines.append(f"  diagnosis: {result.diagnosis}")
    if result.interpretation.canonical:
        lines.append(f"  read as: {result.interpretation.canonical}")
    lines.extend(f"  note: {warning}" for warning in result.interpretation.warnings)
    evidence = result.evidence
    lines.append(f"  evidence: {evidence.summary()}" + (f"; {evidence.detail}" if evidence.detail else ""))
    return "\n".join(lines)
