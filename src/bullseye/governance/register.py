"""The warehouse's record of the lifecycle: published versions (mirrored from
``strategy/history``) and the triggers a version answers."""

from __future__ import annotations

from typing import TYPE_CHECKING

import ibis
import ibis.expr.datatypes as dt
import pandas as pd

from bullseye.governance.fits import lifecycle_write

if TYPE_CHECKING:
    from bullseye.strategy.versions import Version
    from bullseye.workspace import Workspace

__all__ = ["VERSIONS_TABLE", "mirror_version", "resolve_open_triggers"]

VERSIONS_TABLE = "versions"
VERSION_COLUMNS = {
    "number": dt.int64,
    "hash": dt.string,
    "published_at": dt.timestamp,
    "published_by": dt.string,
    "message": dt.string,
    "forced": dt.string,
    "rollback_of": dt.int64,
    "as_of": dt.string,
    "generation": dt.int64,
}


def mirror_version(ws: Workspace, version: Version) -> None:
    """Add ``version`` to the warehouse table ``versions`` (once)."""
    row = pd.DataFrame(
        [
            {
                "number": version.number,
                "hash": version.hash,
                "published_at": version.published_at.replace(tzinfo=None),
                "published_by": version.published_by,
                "message": version.message,
                "forced": version.forced,
                "rollback_of": version.rollback_of,
                "as_of": version.data.get("as_of"),
                "generation": version.data.get("generation"),
            }
        ]
    )
    table = ibis.memtable(row, schema=ibis.schema(VERSION_COLUMNS))
    with lifecycle_write(ws) as con:  # no data table: the fits stay valid
        if VERSIONS_TABLE not in con.list_tables():
            con.create_table(VERSIONS_TABLE, table)
            return
        stored = con.table(VERSIONS_TABLE)
        if int(stored.filter(stored["number"] == version.number).count().execute()) == 0:
            con.insert(VERSIONS_TABLE, table)


def resolve_open_triggers(ws: Workspace, version: Version) -> int:
    """Open and acknowledged triggers are answered by a new version; returns how many."""
    from bullseye.governance.triggers import list_triggers, set_trigger_status

    stored = list_triggers(ws)
    pending = stored[stored["status"].isin(["open", "acknowledged"])]["trigger_id"].tolist()
    if pending:
        set_trigger_status(ws, pending, "resolved", resolved_by=version.number)
    return len(pending)
