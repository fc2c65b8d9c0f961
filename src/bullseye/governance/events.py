"""Events a person records because they change the market: a launch, a pricing change, a category
shift. Kept in ``strategy/events.yaml`` (reviewable in git) and raised as triggers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TypeGuard, get_args

import pandas as pd
import yaml
from pydantic import BaseModel, ConfigDict, Field

from bullseye.errors import InvalidInputError
from bullseye.results import Result
from bullseye.yamlio import load_model

__all__ = [
    "MarketEvent",
    "EventLog",
    "EVENTS_FILE",
    "load_events",
    "add_event",
    "event_triggers",
    "Events",
    "EventAdded",
    "record_event",
    "EVENT_KINDS",
]

if TYPE_CHECKING:
    from bullseye.workspace import Workspace

EVENTS_FILE = "strategy/events.yaml"
EventKind = Literal["launch", "pricing", "category", "competitor", "other"]
EVENT_KINDS = get_args(EventKind)


class MarketEvent(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, description="What happened, e.g. 'pricing change'.")
    date: date
    kind: EventKind = "other"
    note: str = ""
    recorded_by: str = ""


class EventLog(BaseModel):
    model_config = ConfigDict(extra="forbid")

    events: list[MarketEvent] = Field(default_factory=list)


def load_events(root: Path) -> EventLog:
    path = root / EVENTS_FILE
    return load_model(EventLog, path) if path.exists() else EventLog()


def add_event(root: Path, event: MarketEvent) -> tuple[EventLog, bool]:
    """Append ``event`` unless the same name, date and kind are already there; (log, added)."""
    log = load_events(root)
    same = any(
        e.name.casefold() == event.name.casefold() and e.date == event.date and e.kind == event.kind for e in log.events
    )
    if not same:
        log.events.append(event)
        path = root / EVENTS_FILE
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(
            "# Market events recorded with `bullseye event add`; each raises a trigger.\n"
            + yaml.safe_dump(log.model_dump(mode="json"), sort_keys=False, allow_unicode=True),
            encoding="utf-8",
        )
    return log, not same


def event_triggers(log: EventLog) -> pd.DataFrame:
    rows = [
        {
            "kind": "market_event",
            "raised_at": e.date,
            "subject": f"{e.kind}: {e.name}",
            "detail": e.note or f"{e.kind} recorded by {e.recorded_by or 'someone'}",
            "evidence": [],
        }
        for e in log.events
    ]
    return pd.DataFrame(rows, columns=["kind", "raised_at", "subject", "detail", "evidence"])


@dataclass(repr=False)
class Events(Result):
    """The recorded market events, oldest first as recorded."""

    log: EventLog

    def to_dict(self) -> dict[str, Any]:
        return self.log.model_dump(mode="json")


@dataclass(repr=False)
class EventAdded(Result):
    """``event`` recorded (``added``), or already there; ``triggers_new``: triggers it raised that were not stored yet."""

    event: MarketEvent
    added: bool
    triggers_new: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "event": self.event.model_dump(mode="json"),
            "added": self.added,
            "triggers_new": self.triggers_new,
            "file": EVENTS_FILE,
        }


def _is_event_kind(kind: str) -> TypeGuard[EventKind]:
    return kind in EVENT_KINDS


def record_event(
    ws: Workspace, name: str, on: date | None = None, kind: str = "other", note: str = "", by: str | None = None
) -> EventAdded:
    """Record a market event (``on``: default today) in ``strategy/events.yaml`` and raise it as a trigger."""
    from bullseye.governance.triggers import record_triggers
    from bullseye.strategy.versions import default_publisher

    if not _is_event_kind(kind):
        raise InvalidInputError(f"unknown event kind '{kind}'; the kinds are {', '.join(EVENT_KINDS)}")
    if not name.strip():
        raise InvalidInputError("an event needs a name saying what happened, e.g. 'pricing change'")
    event = MarketEvent(name=name, date=on or date.today(), kind=kind, note=note, recorded_by=by or default_publisher())
    log, added = add_event(ws.root, event)
    new = record_triggers(ws, event_triggers(log), source="event")
    return EventAdded(event, added, new)
