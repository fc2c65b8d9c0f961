"""Events from two snapshots of the same company list: headcount changes and status changes.

A directory scraped twice (the YC directory on 2023-02-27 and 2024-05-11) says what changed, not
when: every derived event is dated on the newer snapshot, and its description names the window
it happened in. Sizes of 0 or missing are unknown, not "no employees", so they give no event.

Some status changes are edits of the directory, not things that happened to the company: a
company does not come back from an acquisition or a shutdown. Those (``DIRECTORY_RELABELS``) are
set aside with the reason and counted, never turned into events.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from bullseye.errors import InvalidInputError
from bullseye.ingest.readers import open_reader
from bullseye.results import Result

__all__ = [
    "DIRECTORY_RELABELS",
    "EVENT_COLUMNS",
    "SnapshotComparison",
    "compare_snapshots",
    "snapshot_events",
    "events_from_snapshots",
    "read_snapshot",
]

#: (old status, new status) pairs, lower case, that read as a directory edit rather than an event.
DIRECTORY_RELABELS = frozenset({("acquired", "active"), ("inactive", "active"), ("public", "active")})

#: Columns of the events CSV: the canonical events columns, then attributes that keep the evidence.
EVENT_COLUMNS = (
    "event_id",
    "company_id",
    "company_name",
    "event_type",
    "occurred_at",
    "value",
    "description",
    "source",
    "window_start",
    "size_before",
    "size_after",
    "status_before",
    "status_after",
)

NAME_COLUMNS = ("company_name", "name")


@dataclass(repr=False)
class SnapshotComparison(Result):
    """What changed between two snapshots: the events, the status changes set aside, and counts."""

    events: pd.DataFrame
    excluded: pd.DataFrame
    counts: dict[str, int] = field(default_factory=dict)
    files: dict[str, Any] = field(default_factory=dict)  # what was written on request: the events

    def to_dict(self) -> dict:
        return {
            "counts": self.counts,
            "events_by_type": self.events["event_type"].value_counts().to_dict(),
            "excluded": self.excluded.to_dict(orient="records"),
            "files": {k: str(v) for k, v in self.files.items()},
        }

    def write(self, path: Path) -> Path:
        """Write the events as CSV (the events table's columns) to ``path``."""
        from bullseye.io import write_csv

        path.parent.mkdir(parents=True, exist_ok=True)
        write_csv(self.events, path)
        self.files["events"] = path
        return path


def _as_date(value: str | dt.date, name: str) -> dt.date:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise InvalidInputError(f"{name} '{value}' is not a date; use YYYY-MM-DD") from None


def _prepare(
    frame: pd.DataFrame, which: str, key: str, size: str | None, status: str | None, name: str | None
) -> tuple[pd.DataFrame, int]:
    """One row per key with clean size (float, NaN when unknown), status and name; and the repeats dropped."""
    for column, role in ((key, "key"), (size, "size"), (status, "status"), (name, "name")):
        if column is not None and column not in frame.columns:
            raise InvalidInputError(
                f"{which} snapshot has no {role} column '{column}'; its columns are: "
                f"{', '.join(map(str, frame.columns))}"
            )
    keys = frame[key].astype("string").str.strip()
    present = keys.notna() & (keys != "")
    out = pd.DataFrame({"key": keys[present]})
    if size is not None:
        sizes = pd.to_numeric(frame.loc[present, size], errors="coerce")
        out["size"] = sizes.where(sizes > 0)  # 0 is what the directory shows when it does not know
    if status is not None:
        out["status"] = frame.loc[present, status].astype("string").str.strip().replace({"": pd.NA})
    if name is not None:
        out["name"] = frame.loc[present, name].astype("string").str.strip().replace({"": pd.NA})
    repeated = int(out["key"].duplicated().sum())
    return out.drop_duplicates("key", keep="first").set_index("key"), repeated


def _whole(sizes: pd.Series):
    """Headcounts as whole numbers when they are (a CSV then says 30, not 30.0)."""
    whole = bool((sizes.dropna() % 1 == 0).all())
    return (sizes.round().astype("Int64") if whole else sizes).array


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def compare_snapshots(
    old: pd.DataFrame,
    new: pd.DataFrame,
    *,
    key: str,
    old_date: str | dt.date,
    new_date: str | dt.date,
    size: str | None = "employees",
    status: str | None = "status",
    name: str | None = None,
    growth_threshold: float = 0.2,
    source: str | None = None,
    relabels: frozenset[tuple[str, str]] = DIRECTORY_RELABELS,
) -> SnapshotComparison:
    """Compare two snapshots of one company list (see :func:`events_from_snapshots`)."""
    start, end = _as_date(old_date, "old date"), _as_date(new_date, "new date")
    if start >= end:
        raise InvalidInputError(f"the old snapshot's date ({start}) must come before the new one's ({end})")
    if growth_threshold < 0:
        raise InvalidInputError(f"growth threshold must be 0 or more, not {growth_threshold}")
    if name is None:
        name = next((c for c in NAME_COLUMNS if c in new.columns and c in old.columns), None)
    before, repeated_old = _prepare(old, "old", key, size, status, name)
    after, repeated_new = _prepare(new, "new", key, size, status, name)
    both = before.join(after, how="inner", lsuffix="_before", rsuffix="_after")
    window = f"between {start} and {end}"
    source = source or f"snapshots {start}..{end}"
    counts = {
        "old_rows": len(old),
        "new_rows": len(new),
        "repeated_keys_old": repeated_old,
        "repeated_keys_new": repeated_new,
        "in_both": len(both),
        "only_old": int((~before.index.isin(after.index)).sum()),
        "only_new": int((~after.index.isin(before.index)).sum()),
    }
    parts = []
    if size is not None:
        headcount, size_counts = _headcount_events(both, growth_threshold, window)
        parts.append(headcount)
        counts |= size_counts
    excluded = pd.DataFrame(columns=["company_id", "status_before", "status_after", "reason"])
    if status is not None:
        changes, excluded, status_counts = _status_events(both, relabels, window)
        parts.append(changes)
        counts |= status_counts
    events = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=EVENT_COLUMNS)
    names = both["name_after"].fillna(both["name_before"]) if name is not None else pd.Series(pd.NA, both.index)
    events = events.assign(
        event_id=events["company_id"] + "-" + events["event_type"] + "-" + end.isoformat(),
        company_name=names.reindex(events["company_id"]).to_numpy(),
        occurred_at=end.isoformat(),  # the change happened some time in the window; the snapshot saw it then
        window_start=start.isoformat(),
        source=source,
    )
    for column in EVENT_COLUMNS:
        if column not in events.columns:
            events[column] = pd.NA
    counts["events"] = len(events)
    return SnapshotComparison(
        events[list(EVENT_COLUMNS)].reset_index(drop=True), excluded.reset_index(drop=True), counts
    )


def _headcount_events(both: pd.DataFrame, threshold: float, window: str) -> tuple[pd.DataFrame, dict[str, int]]:
    old_size, new_size = both["size_before"], both["size_after"]
    known = old_size.notna() & new_size.notna()
    change = (new_size - old_size) / old_size
    crossing = known & (change != 0) & (change.abs() >= threshold)
    rows = both.index[crossing]
    rel = change[crossing]
    verbs = np.where(rel > 0, "grew", "shrank")
    descriptions = [
        f"team {verb} {abs(r) * 100:.0f}% ({_number(a)} -> {_number(b)}) {window}"
        for verb, r, a, b in zip(verbs, rel, old_size[crossing], new_size[crossing])
    ]
    events = pd.DataFrame(
        {
            "company_id": rows.astype(str),
            "event_type": "headcount_change",
            "value": (rel * 100).round(2).to_numpy(),
            "description": descriptions,
            "size_before": _whole(old_size[crossing]),
            "size_after": _whole(new_size[crossing]),
        }
    )
    counts = {
        "size_known_both": int(known.sum()),
        "size_changed": int((known & (change != 0)).sum()),
        "size_unknown": int((~known).sum()),
        "headcount_grew": int((rel > 0).sum()),
        "headcount_shrank": int((rel < 0).sum()),
    }
    return events, counts


def _status_events(
    both: pd.DataFrame, relabels: frozenset[tuple[str, str]], window: str
) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, int]]:
    old_status, new_status = both["status_before"], both["status_after"]
    known = old_status.notna() & new_status.notna()
    changed = known & (old_status.str.lower() != new_status.str.lower())
    pairs = pd.Series(list(zip(old_status.str.lower(), new_status.str.lower())), index=both.index)
    relabel = changed & pairs.isin(relabels)
    kept = changed & ~relabel
    events = pd.DataFrame(
        {
            "company_id": both.index[kept].astype(str),
            "event_type": "status_change",
            "description": [
                f"status changed from {a} to {b} {window}" for a, b in zip(old_status[kept], new_status[kept])
            ],
            "status_before": old_status[kept].to_numpy(),
            "status_after": new_status[kept].to_numpy(),
        }
    )
    excluded = pd.DataFrame(
        {
            "company_id": both.index[relabel].astype(str),
            "status_before": old_status[relabel].to_numpy(),
            "status_after": new_status[relabel].to_numpy(),
            "reason": [
                f"{a} -> {b}: a company does not come back from this; a directory edit, not an event"
                for a, b in zip(old_status[relabel], new_status[relabel])
            ],
        }
    )
    counts = {
        "status_changed": int(changed.sum()),
        "status_events": int(kept.sum()),
        "status_relabels_excluded": int(relabel.sum()),
    }
    return events, excluded, counts


def events_from_snapshots(
    old: pd.DataFrame,
    new: pd.DataFrame,
    *,
    key: str,
    old_date: str | dt.date,
    new_date: str | dt.date,
    size: str | None = "employees",
    status: str | None = "status",
    growth_threshold: float = 0.2,
) -> pd.DataFrame:
    """Events in the shape of the events table from two snapshots of one company list.

    - ``headcount_change``: the size moved by at least ``growth_threshold`` (0.2 = 20%) either way;
      ``value`` is the change in percent, like every ``headcount_change`` (33.33 = grew by a third).
    - ``status_change``: the status differs, except the relabels in :data:`DIRECTORY_RELABELS`.

    Every event is dated ``new_date``: when in the window it happened is unknown, and the
    description says so ("team grew 33% (30 -> 40) between 2023-02-27 and 2024-05-11").
    ``compare_snapshots`` gives the same events with the relabels set aside and the counts.
    """
    return compare_snapshots(
        old,
        new,
        key=key,
        old_date=old_date,
        new_date=new_date,
        size=size,
        status=status,
        growth_threshold=growth_threshold,
    ).events


def read_snapshot(path) -> tuple[pd.DataFrame, int]:
    """A snapshot file as text columns named like the loader names them (``Team Size`` ->
    ``team_size``), read by the loader's reader (any encoding, delimiter, Excel or Parquet); and the
    number of records it could not read (wrong number of fields)."""
    reader = open_reader(path)
    frames, rejected = [], 0
    for batch in reader.batches():
        frames.append(pd.DataFrame({name: column.to_pandas() for name, column in batch.columns.items()}))
        rejected += len(batch.rejects)
    frame = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=reader.header)
    return frame, rejected


def snapshot_events(
    old: Path,
    new: Path,
    *,
    key: str,
    old_date: str | dt.date,
    new_date: str | dt.date,
    out: Path | None = None,
    size: str | None = "employees",
    status: str | None = "status",
    name: str | None = None,
    threshold: float = 0.2,
) -> SnapshotComparison:
    """Read two snapshot files and compare them (see :func:`compare_snapshots`); column names are
    read the way the loader names columns (``Team Size`` -> ``team_size``); the events are written
    to ``out`` (CSV, which ``bullseye load`` reads) only when given. The counts include the records
    each file could not read."""
    from bullseye.ingest.readers import normalise_header

    def column(option: str | None) -> str | None:
        return normalise_header(option) if option else None

    if not key:
        raise InvalidInputError("name the key column that identifies a company in both snapshots")
    (old_frame, old_rejected), (new_frame, new_rejected) = read_snapshot(old), read_snapshot(new)
    result = compare_snapshots(
        old_frame,
        new_frame,
        key=normalise_header(key),
        old_date=old_date,
        new_date=new_date,
        size=column(size),
        status=column(status),
        name=column(name),
        growth_threshold=threshold,
    )
    result.counts |= {"unreadable_records_old": old_rejected, "unreadable_records_new": new_rejected}
    if out is not None:
        result.write(Path(out))
    return result
