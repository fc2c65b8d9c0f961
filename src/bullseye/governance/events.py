"""Events a person records because they change the market: a launch, a pricing change, a category
shift. Kept in ``strategy/events.yaml`` (reviewable in git) and raised as triggers."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Literal

import pandas as pd
import yaml
from pydantic import BaseModel, ConfigDict, Field

from bullseye.yamlio import load_model

__all__ = ["MarketEvent", "EventLog", "EVENTS_FILE", "load_events", "add_event", "event_triggers"]

EVENTS_FILE = "strategy/events.yaml"
EventKind = Literal["launch", "pricing", "category", "competitor", "other"]


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
    same = any(e.name.casefold() == event.name.casefold() and e.date == event.date and e.kind == event.kind
               for e in log.events)
    if not same:
        log.events.append(event)
        path = root / EVENTS_FILE
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("# Market events recorded with `bullseye event add`; each raises a trigger.\n"
                        + yaml.safe_dump(log.model_dump(mode="json"), sort_keys=False, allow_unicode=True),
                        encoding="utf-8")
    return log, not same


def event_triggers(log: EventLog) -> pd.DataFrame:
    rows = [{"kind": "market_event", "raised_at": e.date, "subject": f"{e.kind}: {e.name}",
             "detail": e.note or f"{e.kind} recorded by {e.recorded_by or 'someone'}", "evidence": []}
            for e in log.events]
    return pd.DataFrame(rows, columns=["kind", "raised_at", "subject", "detail", "evidence"])
