"""Building blocks for terminal renderers laid out for 80 columns: numbers never wrap, text
columns wrap at word boundaries, and long explanations sit indented on their own lines under what
they belong to."""

from __future__ import annotations

import re
from typing import Any

from rich import box
from rich.console import Group
from rich.padding import Padding
from rich.table import Column, Table
from rich.text import Text

from bullseye.render.inert import visible_controls

__all__ = ["plain", "titled_table", "number", "under"]

#: Notes longer than this are broken at condition boundaries (" and ", " or ", "; ") before wrapping.
NOTE_WIDTH = 56
_BOUNDARY = re.compile(r"(?<=;) | (?=(?:and|or) )")


def plain(value: Any) -> str:
    """``value`` as text for a Rich ``Text`` (no markup is parsed there): control characters made visible."""
    return visible_controls(str(value))


def titled_table(title: str, *columns: Column) -> Table:
    """A table with its title on the left and no side padding (two more columns for the data)."""
    return Table(*columns, title=title, title_justify="left", box=box.SIMPLE_HEAVY, pad_edge=False)


def number(header: str) -> Column:
    """A right-aligned column that never wraps."""
    return Column(header, justify="right", no_wrap=True)


def under(label: Text | str, *lines: str | None) -> Group | Text:
    """``label`` with ``lines`` under it, dim and indented; a long line is broken at condition
    boundaries first, so a rule reads one condition per line."""
    head = label if isinstance(label, Text) else Text(plain(label))
    shown = []
    for line in lines:
        if line:
            text = plain(line)
            shown.append("\n".join(_BOUNDARY.split(text)) if len(text) > NOTE_WIDTH else text)
    if not shown:
        return head
    return Group(head, Padding(Text("\n".join(shown), style="dim"), (0, 0, 0, 2)))
