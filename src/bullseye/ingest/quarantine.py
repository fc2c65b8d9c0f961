"""What the loads set aside, read back: the result of ``Workspace.quarantine``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd

from bullseye.results import Result

if TYPE_CHECKING:
    from bullseye.workspace import Workspace

__all__ = ["Quarantine", "quarantine_issues"]


@dataclass(repr=False)
class Quarantine(Result):
    """Issues (``frame``: load_id, table_name, file, line, column, value, reason, action), ordered by
    file and line; ``total`` counts every issue matching ``table`` and ``reason``, not only those returned."""

    frame: pd.DataFrame
    total: int
    table: str | None = None
    reason: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "table": self.table,
            "reason": self.reason,
            "total": self.total,
            "issues": self.frame.to_dict(orient="records"),
        }


def quarantine_issues(
    ws: Workspace, table: str | None = None, reason: str | None = None, limit: int | None = None
) -> Quarantine:
    """The quarantine table filtered in the warehouse: ``table`` exactly, ``reason`` as a
    case-insensitive substring; at most ``limit`` rows come back."""
    issues = ws.table("quarantine", needed_for="`bullseye quarantine`")
    if table:
        issues = issues.filter(issues.table_name == table)
    if reason:
        issues = issues.filter(issues.reason.lower().contains(reason.lower()))
    total = int(issues.count().execute())
    ordered = issues.order_by(["file", "line"])
    frame = (ordered.limit(limit) if limit is not None else ordered).execute()
    frame = frame.astype(object).where(frame.notna(), None)
    return Quarantine(frame=frame, total=total, table=table, reason=reason)
