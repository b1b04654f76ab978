"""How result objects show themselves: a one-line ``repr`` and a Markdown summary in Jupyter.

A result class describes itself once, in a method ``_display()`` returning a
:class:`Display` (a headline, a few labelled rows, and optionally a section
shown collapsed), and takes its ``__repr__`` and ``_repr_markdown_`` from
:class:`Displayed` (a dataclass says ``repr=False`` so that its generated repr
does not hide the mixin's)::

    @dataclass(repr=False)
    class CheckResult(Displayed):
        def _display(self) -> Display:
            return Display("CheckResult", "incorrect", rows=(("feedback", self.feedback),))

Jupyter then shows the Markdown (a bold headline, a two-column table, a
``<details>`` block that opens on a click); a terminal shows the one line
``<CheckResult incorrect>``. Nothing here imports beyond the standard library.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["Display", "Displayed", "display_repr", "display_markdown", "short_number", "markdown_cell", "count_of"]

_REPR_WIDTH = 100


@dataclass(frozen=True)
class Display:
    """What a result shows: ``kind`` (the class), a ``headline``, ``(label, value)`` rows, and
    ``details``: ``(summary, Markdown body)`` shown collapsed, or ``None``."""

    kind: str
    headline: str
    rows: Sequence[tuple[str, str]] = ()
    details: tuple[str, str] | None = None
    intro: str = ""


class Displayed:
    """Mixin: a class that defines ``_display()`` shows as one line in a terminal and as Markdown in Jupyter.

    Example:
        >>> class Run(Displayed):
        ...     def _display(self) -> Display:
        ...         return Display("Run", "3 steps", rows=(("loss", "0.25"),))
        >>> Run()
        <Run 3 steps>
        >>> print(Run()._repr_markdown_())
        **Run**: 3 steps
        <BLANKLINE>
        | | |
        |---|---|
        | loss | 0.25 |
    """

    __slots__ = ()

    def _display(self) -> Display:
        raise NotImplementedError(f"{type(self).__name__} must define _display()")

    def __repr__(self) -> str:
        return display_repr(self)

    def _repr_markdown_(self) -> str:
        return display_markdown(self)


def display_repr(obj: Any) -> str:
    """``<Kind headline>`` on one line, cut to 100 characters."""
    shown = obj._display()
    headline = " ".join(shown.headline.split())
    if len(headline) > _REPR_WIDTH:
        headline = headline[: _REPR_WIDTH - 1] + "…"
    return f"<{shown.kind} {headline}>"


def display_markdown(obj: Any) -> str:
    """The headline in bold, the rows as a table, the details collapsed (Jupyter's ``text/markdown``)."""
    shown = obj._display()
    parts = [f"**{shown.kind}**: {markdown_cell(shown.headline)}"]
    if shown.intro:
        parts.append(shown.intro)
    if shown.rows:
        table = ["| | |", "|---|---|"] + [f"| {label} | {markdown_cell(value)} |" for label, value in shown.rows]
        parts.append("\n".join(table))
    if shown.details is not None:
        summary, body = shown.details
        parts.append(f"<details><summary>{summary}</summary>\n\n{body}\n\n</details>")
    return "\n\n".join(parts)


def markdown_cell(text: Any) -> str:
    """``text`` safe inside one Markdown table cell (no pipes, no line breaks)."""
    return " ".join(str(text).split()).replace("|", "&#124;")


def count_of(n: int, noun: str) -> str:
    """``n`` and the noun, plural unless ``n`` is 1 (regular plurals only).

    >>> count_of(1, "point"), count_of(0, "point"), count_of(12, "point")
    ('1 point', '0 points', '12 points')
    """
    return f"{n} {noun}" + ("" if n == 1 else "s")


def short_number(value: Any) -> str:
    """A number in at most 4 significant digits; exact numbers stay exact when short (``1/3``)."""
    text = str(value)
    if len(text) <= 12 and not isinstance(value, float):
        return text
    try:
        return f"{float(value):.4g}"
    except (TypeError, ValueError):
        return text
