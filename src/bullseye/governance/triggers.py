"""A small store of triggers: things that happened and deserve a look at the ICP or the personas.

Any module can raise one (a new objection in the notes, a drift in the scores, ...). A trigger is
generic: a ``kind``, the day it was raised, a ``subject`` (what it is about), a readable ``detail``,
the ``evidence`` (ids of the rows behind it) and a ``status`` (open until someone closes it). They
live in the warehouse table ``triggers``. The id is derived from kind, subject and day, so raising
the same trigger again changes nothing, and a trigger someone closed stays closed.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

import ibis
import ibis.expr.datatypes as dt
import pandas as pd

from bullseye.errors import InvalidInputError, NotFoundError
from bullseye.governance.fits import lifecycle_write
from bullseye.results import Result

if TYPE_CHECKING:
    from bullseye.workspace import Workspace

__all__ = [
    "TRIGGERS_TABLE",
    "TRIGGER_COLUMNS",
    "STATUSES",
    "trigger_id",
    "record_triggers",
    "list_triggers",
    "set_trigger_status",
    "as_records",
    "TriggerList",
    "trigger_list",
]

TRIGGERS_TABLE = "triggers"
#: open: nobody has looked yet; acknowledged: seen, being worked on; resolved: a published version
#: answered it (``resolved_by``); closed: looked at and dismissed.
STATUSES = ("open", "acknowledged", "resolved", "closed")
TRIGGER_COLUMNS = {
    "trigger_id": dt.string,
    "kind": dt.string,
    "raised_at": dt.date,
    "subject": dt.string,
    "detail": dt.string,
    "evidence": dt.Array(dt.string),
    "source": dt.string,
    "status": dt.string,
    "recorded_at": dt.timestamp,
    "resolved_by": dt.int64,
}


def trigger_id(kind: str, subject: str, raised_at: date) -> str:
    """A stable id: the same kind, subject and day are the same trigger."""
    digest = hashlib.sha1(f"{kind}\x1f{subject}\x1f{raised_at.isoformat()}".encode()).hexdigest()
    return f"TRG-{digest[:12]}"


def _rows(found: pd.DataFrame, source: str) -> pd.DataFrame:
    missing = [c for c in ("kind", "raised_at", "subject", "detail", "evidence") if c not in found.columns]
    if missing:
        raise InvalidInputError(f"triggers need the column(s) {', '.join(missing)}")
    now = datetime.now(UTC).replace(tzinfo=None)
    raised = pd.to_datetime(found["raised_at"]).dt.date
    rows = pd.DataFrame(
        {
            "trigger_id": [trigger_id(k, s, r) for k, s, r in zip(found["kind"], found["subject"], raised)],
            "kind": found["kind"].astype(str).to_numpy(),
            "raised_at": raised.to_numpy(),
            "subject": found["subject"].astype(str).to_numpy(),
            "detail": found["detail"].astype(str).to_numpy(),
            "evidence": [[str(e) for e in ev] for ev in found["evidence"]],
            "source": source,
            "status": "open",
            "recorded_at": now,
            "resolved_by": pd.array([None] * len(found), dtype="Int64"),
        }
    )
    return rows.drop_duplicates("trigger_id").reset_index(drop=True)


def record_triggers(ws: Workspace, found: pd.DataFrame, source: str) -> int:
    """Store the triggers in ``found`` (kind, raised_at, subject, detail, evidence) that are not stored
    yet; returns how many were new. Stored triggers keep their status."""
    if found.empty:
        return 0
    rows = _rows(found, source)
    with lifecycle_write(ws) as con:  # no data table: the fits stay valid
        if TRIGGERS_TABLE in con.list_tables():
            stored = con.table(TRIGGERS_TABLE)
            if "resolved_by" not in stored.columns:  # stored before triggers could be resolved by a version
                con.create_table(TRIGGERS_TABLE, stored.mutate(resolved_by=ibis.null(dt.int64)), overwrite=True)
            known = set(con.table(TRIGGERS_TABLE).select("trigger_id").to_pandas()["trigger_id"])
            rows = rows[~rows["trigger_id"].isin(known)]
            if len(rows):
                con.insert(TRIGGERS_TABLE, ibis.memtable(rows, schema=ibis.schema(TRIGGER_COLUMNS)))
        else:
            con.create_table(TRIGGERS_TABLE, ibis.memtable(rows, schema=ibis.schema(TRIGGER_COLUMNS)))
    return int(len(rows))


def list_triggers(ws: Workspace, kind: str | None = None, status: str | None = None) -> pd.DataFrame:
    """Stored triggers, newest first (an empty frame before any was raised)."""
    if not ws.has_table(TRIGGERS_TABLE):
        return pd.DataFrame({name: pd.Series(dtype=object) for name in TRIGGER_COLUMNS})
    table = ws.table(TRIGGERS_TABLE)
    if kind is not None:
        table = table.filter(table["kind"] == kind)
    if status is not None:
        table = table.filter(table["status"] == status)
    frame = table.order_by([ibis.desc("raised_at"), "trigger_id"]).to_pandas()
    frame["evidence"] = frame["evidence"].map(lambda ev: [] if ev is None else list(ev))
    frame["raised_at"] = pd.to_datetime(frame["raised_at"]).dt.date
    return frame


def set_trigger_status(ws: Workspace, trigger_ids: list[str], status: str, resolved_by: int | None = None) -> int:
    """Set the status of stored triggers (``resolved_by``: the version that answered them); returns
    how many were found. Unknown ids are an error."""
    if status not in STATUSES:
        raise InvalidInputError(f"trigger status must be one of {', '.join(STATUSES)}, not '{status}'")
    stored = list_triggers(ws)
    unknown = sorted(set(trigger_ids) - set(stored["trigger_id"]))
    if unknown:
        raise NotFoundError(f"no trigger with id {', '.join(unknown)}")
    chosen = stored["trigger_id"].isin(trigger_ids)
    stored.loc[chosen, "status"] = status
    if "resolved_by" not in stored.columns:
        stored["resolved_by"] = pd.array([None] * len(stored), dtype="Int64")
    stored["resolved_by"] = stored["resolved_by"].astype("Int64")
    stored.loc[chosen, "resolved_by"] = resolved_by if status == "resolved" else None
    with lifecycle_write(ws) as con:  # no data table: the fits stay valid
        con.create_table(TRIGGERS_TABLE, ibis.memtable(stored, schema=ibis.schema(TRIGGER_COLUMNS)), overwrite=True)
    return len(set(trigger_ids))


def as_records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Triggers as JSON-ready dicts."""
    out = []
    for row in frame.to_dict("records"):
        row = {k: (v.isoformat() if isinstance(v, (date, datetime, pd.Timestamp)) else v) for k, v in row.items()}
        out.append(row)
    return out


@dataclass(repr=False)
class TriggerList(Result):
    """Stored triggers, newest first: the open and acknowledged ones, or all of them (``everything``)."""

    triggers: pd.DataFrame
    everything: bool = False

    def counts(self) -> dict[str, int]:
        """How many triggers listed per status."""
        counted = self.triggers["status"].value_counts()
        return {status: int(counted.get(status, 0)) for status in STATUSES}

    def to_dict(self) -> dict[str, Any]:
        return {"everything": self.everything, "counts": self.counts(), "triggers": as_records(self.triggers)}


def trigger_list(
    ws: Workspace, acknowledge: list[str] | None = None, close: list[str] | None = None, everything: bool = False
) -> TriggerList:
    """Acknowledge and close the triggers named, then list the open and acknowledged ones (all with ``everything``)."""
    if acknowledge:
        set_trigger_status(ws, acknowledge, "acknowledged")
    if close:
        set_trigger_status(ws, close, "closed")
    stored = list_triggers(ws)
    if not everything:
        stored = stored[stored["status"].isin(["open", "acknowledged"])]
    return TriggerList(stored.reset_index(drop=True), everything)
