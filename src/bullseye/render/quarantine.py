"""The quarantine in the terminal (80 columns): one issue per row, where it is and why. Apart from
:mod:`bullseye.render.load` so that `bullseye quarantine` does not import the loader."""

from __future__ import annotations

from pathlib import Path

from rich import box
from rich.console import Group
from rich.table import Table
from rich.text import Text

from bullseye.ingest.quarantine import Quarantine
from bullseye.render import terminal_renderer
from bullseye.render.inert import for_terminal, visible_controls

__all__ = ["render_quarantine", "listing_table", "file_name"]


def listing_table(title: str) -> Table:
    """The table a load's counts and the quarantine's issues are listed in, titled on the left."""
    return Table(title=title, title_justify="left", box=box.SIMPLE_HEAVY, pad_edge=False)


def file_name(path: str) -> str:
    """A file's name without its directories, safe to print."""
    return for_terminal(Path(path).name)


@terminal_renderer(Quarantine)
def render_quarantine(result: Quarantine, details: bool = False) -> Group:
    """One issue per row: where it is (file, line, column), the value and, under it, the reason,
    so a long reason wraps between words instead of squeezing the columns."""
    if not result.loaded:
        return Group(Text("Nothing has been loaded yet, so nothing is set aside: load exports with `bullseye load`."))
    table = listing_table(
        f"Set aside: {len(result.frame):,} of {result.total:,} issues"
        + (f" in {for_terminal(result.table)}" if result.table else "")
        + (f" matching '{for_terminal(result.reason)}'" if result.reason else "")
        + (f", page {result.page} of {result.pages}" if result.pages > 1 and result.page > 1 else "")
    )
    table.add_column("File", ratio=1, min_width=12, overflow="fold")
    table.add_column("Line", justify="right", no_wrap=True)
    table.add_column("Column", overflow="fold")
    table.add_column("Value, and why", ratio=2, min_width=16, overflow="fold")
    table.add_column("Action", no_wrap=True)
    for row in result.frame.to_dict(orient="records"):
        value = str(row["value"] if row["value"] is not None else "")
        cell = Text(visible_controls(value if details or len(value) <= 40 else value[:40] + "…"))
        cell.append("\n" + visible_controls(str(row["reason"])), style="italic")
        table.add_row(
            file_name(row["file"]),
            "" if row["line"] is None else f"{row['line']:,}",
            for_terminal(row["column"] or ""),
            cell,
            for_terminal(row["action"]),
            end_section=True,
        )
    parts: list = [table]
    if not details and (result.frame["value"].astype(str).str.len() > 40).any():
        parts.append(Text("Values are cut at 40 characters (whole: --details or --json)."))
    return Group(*parts)
