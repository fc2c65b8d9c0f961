"""Browse what loads set aside: counts per table and reason, then the rows, a page at a time.

Reasons that name a line ("duplicate key, first seen on line 12") are counted and filtered as one
reason ("... on an earlier line"), as the load summary counts them. Filters are compared as values
in Ibis expressions; no SQL is built from them.

Example::

    page = browse_quarantine(ws, table="deals", page=2)
    page.to_dict()["rows"][0]   # {'table': 'deals', 'file': 'deals.csv', 'line': 14, ...}
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import ibis
import ibis.expr.types as ir

from bullseye.errors import NotFoundError
from bullseye.results import Result

__all__ = ["browse_quarantine", "quarantine_rows", "QuarantinePage", "PER_PAGE"]

PER_PAGE = 50
_LINE_IN_REASON = r"line \d+$"


def quarantine_rows(workspace, table: str | None = None, reason: str | None = None) -> ir.Table | None:
    """The quarantine (with ``reason`` generalised) filtered by table and reason, in file and line
    order; None when nothing was ever loaded."""
    if not workspace.has_table("quarantine"):
        return None
    issues = workspace.warehouse.con.table("quarantine")
    issues = issues.mutate(
        reason=issues["reason"].re_replace(_LINE_IN_REASON, "an earlier line"), detail=issues["reason"]
    )
    if table:
        issues = issues.filter(issues["table_name"] == table)
    if reason:
        issues = issues.filter(issues["reason"] == reason)
    return issues.order_by(["table_name", "file", "line", "column"])


@dataclass(repr=False)  # Result's repr renders it
class QuarantinePage(Result):
    counts: list[dict[str, Any]]  # table, reason, action, rows: every reason of every table
    table: str | None
    reason: str | None
    matching: int
    page: int
    pages: int
    rows: list[dict[str, Any]]

    @property
    def total(self) -> int:
        return sum(c["rows"] for c in self.counts)

    def to_dict(self) -> dict[str, Any]:
        tables: dict[str, int] = {}
        for count in self.counts:
            tables[count["table"]] = tables.get(count["table"], 0) + count["rows"]
        return {
            "total": self.total,
            "tables": tables,
            "counts": self.counts,
            "table": self.table,
            "reason": self.reason,
            "matching": self.matching,
            "page": self.page,
            "pages": self.pages,
            "per_page": PER_PAGE,
            "rows": self.rows,
        }


def browse_quarantine(
    workspace, table: str | None = None, reason: str | None = None, page: int = 1, per_page: int = PER_PAGE
) -> QuarantinePage:
    """Counts per (table, reason, action) and the ``page``-th page of the rows matching the filters."""
    every = quarantine_rows(workspace)
    if every is None:
        return QuarantinePage([], table, reason, 0, 1, 1, [])
    grouped = (
        every.group_by(["table_name", "reason", "action"])
        .agg(rows=every.count())
        .order_by(["table_name", ibis.desc("rows"), "reason"])
        .to_pyarrow()
        .to_pylist()
    )
    counts = [
        {"table": g["table_name"] or "", "reason": g["reason"], "action": g["action"], "rows": int(g["rows"])}
        for g in grouped
    ]
    chosen = quarantine_rows(workspace, table, reason)
    if chosen is None:  # the table was there a moment ago (``every``)
        raise NotFoundError("the quarantine table disappeared while it was read: load again")
    matching = int(chosen.count().execute())
    pages = max(1, math.ceil(matching / per_page))
    page = min(max(1, page), pages)
    shown = chosen.limit(per_page, offset=(page - 1) * per_page).to_pyarrow().to_pylist()
    rows = [
        {
            "table": r["table_name"],
            "file": Path(r["file"]).name if r["file"] else "",
            "line": r["line"],
            "column": r["column"],
            "value": r["value"],
            "reason": r["detail"],
            "action": r["action"],
        }
        for r in shown
    ]
    return QuarantinePage(counts, table, reason, matching, page, pages, rows)
