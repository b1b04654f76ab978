"""``symgrad derive KIND EXPR``: a worked derivation, step by step, in text, Markdown, LaTeX or JSON.

KIND names an entry of the table of kinds, :data:`symgrad.steps.explain.KINDS`
(here :data:`KINDS`: the spelling on the command line, the entry, its help);
:data:`CALLS` turns the options into that entry's arguments, one line per kind.
Numbers stay exact (``--lr 0.1`` is 1/10). Options mirror the library's names:
``--start`` for the iterative kinds (``--at`` is accepted there as its alias),
``--variables`` (alias ``--wrt``), ``--max-steps`` (alias ``--steps``), ``--tol``.
Imports of the library happen in :func:`run`, so ``symgrad --help`` stays fast.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ._io import read_argument, write_output

if TYPE_CHECKING:
    from ..steps import Derivation

#: derive KIND -> (explain method, one-line help)
KINDS: dict[str, tuple[str, str]] = {
    "gradient": ("gradient", "partial derivatives and the gradient (at --at if given)"),
    "gd-step": ("gd_step", "one gradient-descent step with the improvement verified (--start, --lr; --hessian)"),
    "workout": ("workout", "gradient, one gradient-descent step, the Hessian, then the whole run (--start, --lr)"),
    "descent": ("descent", "a full run of gradient descent: table of steps, why it stopped (--start, --lr; "
                "--max-steps, --tol)"),
    "derivative-step": ("derivative_step", "derivative and a 1D gradient-descent step (--start, --lr)"),
    "hessian": ("hessian", "second derivatives and the Hessian (at --at if given)"),
    "eigenvalues": ("eigenvalues", 'eigenvalues via the characteristic polynomial; EXPR is a matrix "2,2;2,6"'),
    "convexity": ("convexity", "convexity test: second derivative or Hessian eigenvalues"),
    "critical-points": ("critical_points", "where the gradient is zero or does not exist"),
    "taylor": ("taylor", "Taylor approximation around --at of order --order"),
    "loss-change": ("loss_change", "change in loss for each --displacement at --at"),
    "level-set": ("level_set", "level contours for --levels (and the gradient at --at)"),
    "loss": ("loss", 'loss table of a model: --data "1,3;2,5" --params w=1.5,b=1'),
    "backprop": ("backprop", "computational graph, forward pass, local derivatives, backward pass (--at; --variables)"),
    "jacobian": ("jacobian", 'Jacobian of a vector-valued function "[r*cos(theta), r*sin(theta)]" (at --at if given)'),
    "zero-grad": ("accumulation", "why .grad must be zeroed: backward() twice gives 4, then 8 (EXPR w^2, --start 2)"),
}

#: the kinds that iterate from a point: they take --start (--at is accepted as its alias)
ITERATIVE = frozenset({"gd-step", "workout", "descent", "derivative-step", "zero-grad"})

EXAMPLES = """examples:
  symgrad derive workout "2*w0^2 + 3*w1^2" --at w0=3,w1=4 --lr 0.1
  symgrad derive gradient "2*w0^2 + 3*w1^2" --at w0=3,w1=4
  symgrad derive descent "(x - 3)^2" --start 0 --lr 0.1 --tol 0.001
  symgrad derive gd-step "2*w0^2 + 3*w1^2" --start 3,4 --lr 0.1 --format md
  symgrad derive convexity "w0^2 + 2*w0*w1 + 3*w1^2" --format latex --out convexity.tex
  symgrad derive taylor "sin(x)" --at x=0 --order 2
  symgrad derive eigenvalues "2,2;2,6"
  symgrad derive loss "w*x + b" --data "1,3;2,5;3,7;4,9;5,11" --params w=1.5,b=1.0
  symgrad derive backprop "(w*x + b - y)^2" --at w=2,x=3,b=1,y=4 --variables w,b
  symgrad derive zero-grad "w^2" --start 2
  symgrad derive jacobian "[r*cos(theta), r*sin(theta)]" --at r=2,theta=0
  symgrad derive gradient "||X w - y||^2" --shape X=N,d --shape w=d --shape y=N --variables w
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
    parser.add_argument("--at", metavar="POINT", help="the point: w0=3,w1=4 or 3,4 (for the iterative kinds "
                        "gd-step, workout, descent, derivative-step, zero-grad: the same as --start)")
    parser.add_argument("--start", metavar="POINT", help="gd-step, workout, descent, derivative-step, zero-grad: "
                        "the point the iteration starts from, w0=3,w1=4 or 3,4")
    parser.add_argument("--lr", metavar="ETA", help="the learning rate η (exact: 0.1 is 1/10)")
    parser.add_argument("--hessian", action="store_true", help="gd-step: add the Hessian at the point")
    parser.add_argument("--order", type=int, default=2, help="taylor: the order (default 2)")
    parser.add_argument("--max-steps", "--steps", dest="max_steps", type=int, default=100,
                        help="descent, workout: the step limit (default 100; --steps is the old spelling)")
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
    parser.add_argument("--variables", "--wrt", dest="variables", metavar="NAMES",
                        help="backprop: the parameters (requires_grad; default all variables); gradient with --shape: "
                        "the variable(s) to differentiate with respect to; e.g. w or w,b (--wrt is the old spelling)")
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


def build(args: argparse.Namespace) -> Derivation:
    """The :class:`~symgrad.steps.Derivation` the arguments ask for: the kind's entry of the table
    :data:`symgrad.steps.explain.KINDS`, called with the arguments :data:`CALLS` makes of the options."""
    from ..errors import InputError
    from ..steps import explain

    entry = explain.entry(KINDS[args.kind][0])
    _settle_start(args)
    given = vars(args)
    missing = [f"--{a}" for a in _NEEDS.get(args.kind, ()) if not given.get(a)]
    if missing:
        raise InputError(f"'derive {args.kind}' needs {' and '.join(missing)}; see symgrad derive --help")
    positional, keywords = CALLS[args.kind](args)
    if args.name:
        keywords["name"] = args.name
    keywords.update(_variables_argument(args, entry))
    keywords.update(_shapes_argument(args))
    return entry(*positional, limits=_limits(args), **keywords)


def _settle_start(args: argparse.Namespace) -> None:
    """``--start`` for the iterative kinds, with ``--at`` as its alias; refused for the others."""
    from ..errors import InputError

    if args.kind not in ITERATIVE:
        if args.start is not None:
            raise InputError(f"'derive {args.kind}' takes the point as --at; --start is for the iterative kinds "
                             f"({', '.join(sorted(ITERATIVE))})")
        return
    if args.start is not None and args.at is not None:
        raise InputError(f"'derive {args.kind}' got both --start and --at (its alias); give --start only")
    if args.start is None:
        args.start = args.at


def _point_or(text: str | None, default: Any = None) -> Any:
    return parse_point(text) if text else default


def _data(text: str) -> list[tuple[str, ...]]:
    return [tuple(pair.split(",")) for pair in text.split(";") if pair.strip()]


def _run_options(a: argparse.Namespace) -> dict[str, Any]:
    return {"max_steps": a.max_steps, "tol": a.tol}


#: the options each kind needs before anything is computed
_NEEDS: dict[str, tuple[str, ...]] = {
    "backprop": ("at",), "gd-step": ("start", "lr"), "workout": ("start", "lr"), "derivative-step": ("start", "lr"),
    "descent": ("start", "lr"), "loss-change": ("at", "displacement"), "loss": ("data", "params"),
}

#: derive KIND -> the entry's (positional, keyword) arguments made of the options
CALLS: dict[str, Callable[[argparse.Namespace], tuple[tuple[Any, ...], dict[str, Any]]]] = {
    "gradient": lambda a: ((a.expr, _point_or(a.at)), {}),
    "hessian": lambda a: ((a.expr, _point_or(a.at)), {}),
    "jacobian": lambda a: ((a.expr, _point_or(a.at)), {}),
    "backprop": lambda a: ((a.expr, _point_or(a.at)), {}),
    "gd-step": lambda a: ((a.expr, _point_or(a.start), a.lr), {"hessian": True} if a.hessian else {}),
    "derivative-step": lambda a: ((a.expr, _point_or(a.start), a.lr), {}),
    "descent": lambda a: ((a.expr, _point_or(a.start), a.lr), _run_options(a)),
    "workout": lambda a: ((a.expr, _point_or(a.start), a.lr), _run_options(a)),
    "zero-grad": lambda a: ((a.expr, _point_or(a.start, 2)), {}),
    "taylor": lambda a: ((a.expr, _point_or(a.at, 0), a.order), {}),
    "loss-change": lambda a: ((a.expr, _point_or(a.at), [parse_point(d) for d in a.displacement]), {}),
    "level-set": lambda a: ((a.expr, a.levels.split(",")), {"at": _point_or(a.at)}),
    "eigenvalues": lambda a: ((a.expr,), {}),
    "convexity": lambda a: ((a.expr,), {}),
    "critical-points": lambda a: ((a.expr,), {}),
    "loss": lambda a: ((a.expr, _data(a.data), parse_point(a.params)), {"x": a.x}),
}


def _variables_argument(args: argparse.Namespace, entry: Callable[..., Any]) -> dict[str, Any]:
    """``{"variables": [...]}`` from ``--variables`` (``--wrt``) for an entry that reads it; refused otherwise."""
    import inspect

    from ..errors import InputError

    if not args.variables:
        return {}
    if "variables" not in inspect.signature(entry).parameters:
        raise InputError(f"'derive {args.kind}' does not take --variables (--wrt); it is for 'derive backprop', and "
                         "for 'derive gradient' with --shape")
    return {"variables": [name.strip() for name in args.variables.split(",") if name.strip()]}


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
