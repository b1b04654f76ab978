"""``symgrad derive KIND EXPR``: a worked derivation, step by step, in text, Markdown, LaTeX or JSON.

KIND names an entry of :data:`symgrad.steps.explain` (table :data:`KINDS`);
numbers stay exact (``--lr 0.1`` is 1/10). Imports of the library happen in
:func:`run`, so ``symgrad --help`` stays fast.
"""

from __future__ import annotations

import argparse
from typing import Any

from ._io import read_argument, write_output

#: derive KIND -> (explain method, one-line help)
KINDS: dict[str, tuple[str, str]] = {
    "gradient": ("gradient", "partial derivatives and the gradient (at --at if given)"),
    "gd-step": ("gd_step", "one gradient-descent step with the improvement verified (--at, --lr; --hessian)"),
    "workout": ("workout", "gradient, one gradient-descent step, the Hessian, then the whole run (--at, --lr)"),
    "descent": ("descent", "a full run of gradient descent: table of steps, why it stopped (--at, --lr; --steps, --tol)"),
    "derivative-step": ("derivative_step", "derivative and a 1D gradient-descent step (--at, --lr)"),
    "hessian": ("hessian", "second derivatives and the Hessian (at --at if given)"),
    "eigenvalues": ("eigenvalues", 'eigenvalues via the characteristic polynomial; EXPR is a matrix "2,2;2,6"'),
    "convexity": ("convexity", "convexity test: second derivative or Hessian eigenvalues"),
    "critical-points": ("critical_points", "where the gradient is zero or does not exist"),
    "taylor": ("taylor", "Taylor approximation around --at of order --order"),
    "loss-change": ("loss_change", "change in loss for each --displacement at --at"),
    "level-set": ("level_set", "level contours for --levels (and the gradient at --at)"),
    "loss": ("loss", 'loss table of a model: --data "1,3;2,5" --params w=1.5,b=1'),
    "backprop": ("backprop", "computational graph, forward pass, local derivatives, backward pass (--at; --wrt)"),
    "jacobian": ("jacobian", 'Jacobian of a vector-valued function "[r*cos(theta), r*sin(theta)]" (at --at if given)'),
    "zero-grad": ("accumulation", "why .grad must be zeroed: backward() twice gives 4, then 8 (EXPR w^2, --at 2)"),
}

EXAMPLES = """examples:
  symgrad derive workout "2*w0^2 + 3*w1^2" --at w0=3,w1=4 --lr 0.1
  symgrad derive gradient "2*w0^2 + 3*w1^2" --at w0=3,w1=4
  symgrad derive descent "(x - 3)^2" --at 0 --lr 0.1 --tol 0.001
  symgrad derive gd-step "2*w0^2 + 3*w1^2" --at 3,4 --lr 0.1 --format md
  symgrad derive convexity "w0^2 + 2*w0*w1 + 3*w1^2" --format latex --out convexity.tex
  symgrad derive taylor "sin(x)" --at x=0 --order 2
  symgrad derive eigenvalues "2,2;2,6"
  symgrad derive loss "w*x + b" --data "1,3;2,5;3,7;4,9;5,11" --params w=1.5,b=1.0
  symgrad derive backprop "(w*x + b - y)^2" --at w=2,x=3,b=1,y=4 --wrt w,b
  symgrad derive zero-grad "w^2" --at 2
  symgrad derive jacobian "[r*cos(theta), r*sin(theta)]" --at r=2,theta=0
  symgrad derive gradient "||X w - y||^2" --shape X=N,d --shape w=d --shape y=N --wrt w
"""


def add_parser(subparsers: Any) -> None:
    """Declare ``symgrad derive``."""
    parser = subparsers.add_parser(
        "derive",
        help="a worked derivation, step by step (gradient, gd-step, hessian, convexity, ...)",
        description="Print the worked solution of one question the way the course chapter writes it. "
        "Every number shown is checked independently first.\n\nkinds:\n"
        + "\n".join(f"  {k:<16} {h}" for k, (_, h) in KINDS.items()),
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("kind", type=kind_name, choices=list(KINDS), metavar="KIND",
                        help="what to derive (see kinds above; gd_step is read as gd-step)")
    parser.add_argument("expr", metavar="EXPR", help='the function, e.g. "2*w0^2 + 3*w1^2" (quote it); - reads stdin')
    parser.add_argument("--at", metavar="POINT", help="the point: w0=3,w1=4 or 3,4")
    parser.add_argument("--lr", metavar="ETA", help="the learning rate η (exact: 0.1 is 1/10)")
    parser.add_argument("--hessian", action="store_true", help="gd-step: add the Hessian at the point")
    parser.add_argument("--order", type=int, default=2, help="taylor: the order (default 2)")
    parser.add_argument("--steps", type=int, default=100, help="descent, workout: the step limit (default 100)")
    parser.add_argument("--tol", default="0.001",
                        help="descent, workout: stop when the gradient norm is at most this (default 0.001)")
    parser.add_argument("--displacement", action="append", metavar="DW",
                        help="loss-change: a displacement such as 0.0003,0.0004 (repeat for more)")
    _add_shape_option(parser)
    parser.add_argument("--levels", default="1,2,5", help="level-set: the levels c (default 1,2,5)")
    parser.add_argument("--data", help='loss: the pairs x,y separated by ";", e.g. "1,3;2,5"')
    parser.add_argument("--params", help="loss: the parameter values, e.g. w=1.5,b=1")
    parser.add_argument("--x", default="x", help="loss: the name of the input variable (default x)")
    parser.add_argument("--time-limit", type=float, metavar="SECONDS",
                        help="stop the derivation after this many seconds (default: Limits().total_timeout)")
    parser.add_argument("--name", help="the function's name in the derivation (default L, or f for convexity/taylor)")
    parser.add_argument("--wrt", metavar="NAMES", help="backprop: the parameters (requires_grad; default all "
                        "variables); gradient with --shape: the variable(s); e.g. w or w,b")
    parser.add_argument("--format", choices=["text", "md", "latex", "json"], default="text",
                        help="output format (default text)")
    parser.add_argument("--check-with", choices=["numpy", "torch"], default="numpy",
                        help="how shown numbers are re-checked: complex steps in SymPy/NumPy (default) or torch "
                        "autograd (slower to start)")
    parser.add_argument("--out", metavar="FILE", help="write to FILE instead of the terminal (- is stdout)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Build the derivation, render it, print or write it."""
    from ..rendering import render

    from ..steps.core import Checker

    args.expr = read_argument(args.expr, "expression")
    saved, Checker.autograd = Checker.autograd, args.check_with
    try:
        derivation = build(args)
    finally:
        Checker.autograd = saved
    write_output(render(derivation, args.format), args.out)
    return 0


def kind_name(text: str) -> str:
    """One spelling for kinds on the command line: ``gd_step`` and ``GD-Step`` are ``gd-step``."""
    return text.strip().lower().replace("_", "-")


def build(args: argparse.Namespace):
    """The :class:`~symgrad.steps.Derivation` the arguments ask for."""
    import inspect

    from ..errors import InputError
    from ..steps import explain

    entry = explain.entry(KINDS[args.kind][0])
    limits = _limits(args)

    def method(*positional, **keywords):
        return entry(*positional, limits=limits, **keywords)

    named = {"name": args.name} if args.name else {}
    needs = {"backprop": ("at",), "gd-step": ("at", "lr"), "workout": ("at", "lr"), "derivative-step": ("at", "lr"), "descent": ("at", "lr"),
             "loss-change": ("at", "displacement"), "loss": ("data", "params")}
    given = vars(args)
    missing = [f"--{a}" for a in needs.get(args.kind, ()) if not given.get(a)]
    if missing:
        raise InputError(f"'derive {args.kind}' needs {' and '.join(missing)}; see symgrad derive --help")
    if args.wrt:  # vectors and matrices: which variable(s) to differentiate with respect to
        if "wrt" not in inspect.signature(entry).parameters:
            raise InputError(f"'derive {args.kind}' does not take --wrt; it is for 'derive backprop', and for "
                             "'derive gradient' with --shape")
        named["wrt"] = [name.strip() for name in args.wrt.split(",") if name.strip()]
    at = parse_point(args.at) if args.at else None
    named.update(_shapes_argument(args))
    if args.kind in ("descent", "workout"):
        return method(args.expr, at, args.lr, max_steps=args.steps, tol=args.tol, **named)
    if args.kind in ("gd-step", "derivative-step"):
        extra = {"hessian": True} if args.kind == "gd-step" and args.hessian else {}
        return method(args.expr, at, args.lr, **named, **extra)
    if args.kind in ("gradient", "hessian", "jacobian"):
        return method(args.expr, at, **named)
    if args.kind == "taylor":
        return method(args.expr, at if at is not None else 0, args.order, **named)
    if args.kind == "loss-change":
        return method(args.expr, at, [parse_point(d) for d in args.displacement], **named)
    if args.kind == "level-set":
        return method(args.expr, args.levels.split(","), at=at, **named)
    if args.kind == "eigenvalues":
        return method(args.expr)
    if args.kind == "backprop":
        return method(args.expr, at, **named)
    if args.kind == "zero-grad":
        return method(args.expr, at if at is not None else 2, **named)
    if args.kind == "loss":
        data = [tuple(pair.split(",")) for pair in args.data.split(";") if pair.strip()]
        return method(args.expr, data, parse_point(args.params), x=args.x, **named)
    return method(args.expr, **named)


def _limits(args: argparse.Namespace):
    from ..errors import InputError
    from ..limits import DEFAULT_LIMITS

    limit = getattr(args, "time_limit", None)
    if limit is None:
        return DEFAULT_LIMITS
    if not limit > 0:
        raise InputError(f"--time-limit must be a positive number of seconds, got {limit:g}")
    return DEFAULT_LIMITS.replace(total_timeout=limit)


def parse_point(text: str) -> dict[str, str] | list[str]:
    """``"w0=3,w1=4"`` → ``{"w0": "3", "w1": "4"}``; ``"3,4"`` → ``["3", "4"]`` (values parsed later, exactly)."""
    from ..errors import InputError

    items = [item.strip() for item in text.split(",") if item.strip()]
    if not items:
        raise InputError(f"the point {text!r} is empty; write it as w0=3,w1=4 or 3,4")
    named = [item for item in items if "=" in item]
    if named and len(named) != len(items):
        raise InputError(f"the point {text!r} mixes named and unnamed values; write w0=3,w1=4 or 3,4")
    if not named:
        return items
    pairs = [item.split("=", 1) for item in items]
    return {name.strip(): value.strip() for name, value in pairs}


def _add_shape_option(parser: argparse.ArgumentParser) -> None:
    from .shapes import add_shape_option

    add_shape_option(parser)


def _shapes_argument(args: argparse.Namespace) -> dict[str, Any]:
    """``{"shapes": {...}}`` from ``--shape`` for a derivation that reads them; refused for one that does not."""
    import inspect

    from ..errors import InputError
    from ..steps import explain
    from .shapes import shapes_from

    shapes = shapes_from(args.shape)
    if not shapes:
        return {}
    if "shapes" not in inspect.signature(explain.entry(KINDS[args.kind][0])).parameters:
        raise InputError(f"'derive {args.kind}' does not read vectors and matrices (--shape) yet")
    return {"shapes": shapes}
