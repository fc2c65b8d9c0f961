"""What the loads set aside, read back: the result of ``Workspace.quarantine``, which the CLI shows
(``limit`` rows) and the web's Data page browses (a page of ``limit`` rows at a time).

Reasons that name a line ("duplicate key, first seen on line 12") are counted as one reason
("... on an earlier line"), as the load summary counts them. Filters are compared as values in
Ibis expressions; no SQL is built from them.

Example::

    issues = quarantine_issues(ws, table="deals", reason="not a date", limit=50, page=2)
    issues.total, issues.frame[["file", "line", "column", "value"]]
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from bullseye.results import Result

if TYPE_CHECKING:
    import ibis.expr.types as ir

    from bullseye.workspace import Workspace

__all__ = ["Quarantine", "quarantine_issues", "quarantine_rows", "quarantine_counts", "general_reason", "PER_PAGE"]

PER_PAGE = 50  # rows per page of the web's quarantine page
_LINE_IN_REASON = r"line \d+$"
_COLUMNS = ["load_id", "table_name", "file", "line", "column", "value", "reason", "action", "line_end"]


@dataclass(repr=False)
class Quarantine(Result):
    """Issues matching ``table`` and ``reason`` (``frame``: load_id, table_name, file, line, column,
    value, reason, action, line_end), ordered by table, file, line and column: page ``page`` of ``pages`` of
    ``limit`` rows each (no limit: all of them). ``total`` counts every matching issue, not only those
    returned; ``counts`` has every stored issue per table, reason (lines generalised) and action.
    ``to_dict`` is the web page's: its ``total`` counts every stored issue, ``matching`` the filtered."""

    frame: pd.DataFrame
    total: int
    table: str | None = None
    reason: str | None = None
    limit: int | None = None
    page: int = 1
    pages: int = 1
    counts: list[dict[str, Any]] = field(default_factory=list)
    loaded: bool = True  # False: nothing was ever loaded, so there is no quarantine table

    @property
    def stored(self) -> int:
        """Every issue in the quarantine, whatever the filters."""
        return sum(c["rows"] for c in self.counts)

    def rows(self) -> list[dict[str, Any]]:
        """The returned issues with the file's name only (no server paths on a page)."""
        return [
            {
                "table": r["table_name"],
                "file": Path(r["file"]).name if r["file"] else "",
                "line": r["line"],
                "column": r["column"],
                "value": r["value"],
                "reason": r["reason"],
                "action": r["action"],
            }
            for r in self.frame.to_dict(orient="records")
        ]

    def to_dict(self) -> dict[str, Any]:
        tables: dict[str, int] = {}
        for count in self.counts:
            tables[count["table"]] = tables.get(count["table"], 0) + count["rows"]
        return {
            "total": self.stored,
            "tables": tables,
            "counts": self.counts,
            "table": self.table,
            "reason": self.reason,
            "matching": self.total,
            "page": self.page,
            "pages": self.pages,
            "per_page": self.limit,
            "rows": self.rows(),
        }


def general_reason(reason: ir.StringValue) -> ir.StringValue:
    """A reason with the line it names ("first seen on line 12") made "an earlier line", so that
    issues of one kind count as one reason."""
    return reason.re_replace(_LINE_IN_REASON, "an earlier line")


def quarantine_rows(ws: Workspace, table: str | None = None, reason: str | None = None) -> ir.Table | None:
    """The quarantine filtered in the warehouse, in table, file and line order: ``table`` exactly;
    ``reason`` is one reason as counted (what a page links to), or, when no reason is exactly that,
    a part of the reasons to keep, as written or as counted, in any case ("duplicate", "not a date").
    None when nothing was ever loaded."""
    if not ws.has_table("quarantine"):
        return None
    issues = ws.warehouse.con.table("quarantine")
    if table:
        issues = issues.filter(issues["table_name"] == table)
    if reason:
        general = general_reason(issues["reason"])
        exact = issues.filter(general == reason)
        if int(exact.count().execute()):
            issues = exact
        else:
            wanted = reason.lower()
            issues = issues.filter(issues["reason"].lower().contains(wanted) | general.lower().contains(wanted))
    return issues.order_by(["table_name", "file", "line", "column"])


def quarantine_counts(ws: Workspace) -> list[dict[str, Any]]:
    """Every stored issue counted per (table, generalised reason, action), most first per table."""
    import ibis

    issues = ws.warehouse.con.table("quarantine")
    issues = issues.mutate(reason=general_reason(issues["reason"]))
    grouped = (
        issues.group_by(["table_name", "reason", "action"])
        .agg(rows=issues.count())
        .order_by(["table_name", ibis.desc("rows"), "reason"])
        .to_pyarrow()
        .to_pylist()
    )
    return [
        {"table": g["table_name"] or "", "reason": g["reason"], "action": g["action"], "rows": int(g["rows"])}
        for g in grouped
    ]


def quarantine_issues(
    ws: Workspace, table: str | None = None, reason: str | None = None, limit: int | None = None, page: int = 1
) -> Quarantine:
    """Page ``page`` (from 1, kept within the pages there are) of ``limit`` issues matching ``table``
    and ``reason`` (see :func:`quarantine_rows`); no ``limit``: every matching issue, 0: only counts."""
    chosen = quarantine_rows(ws, table, reason)
    if chosen is None:
        empty = pd.DataFrame({name: pd.Series(dtype=object) for name in _COLUMNS})
        return Quarantine(empty, 0, table, reason, limit, loaded=False)
    total = int(chosen.count().execute())
    pages = max(1, math.ceil(total / limit)) if limit else 1
    page = min(max(1, page), pages)
    shown = chosen if limit is None else chosen.limit(limit, offset=(page - 1) * limit)
    frame = shown.execute()
    frame = frame.astype(object).where(frame.notna(), None)
    return Quarantine(frame, total, table, reason, limit, page, pages, quarantine_counts(ws))
