"""``bullseye status`` and ``bullseye check``: what is due, overdue and why; and the cron-friendly
round of load, rescore, triggers and notifications that keeps the ICP honest between reviews."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

import pandas as pd

from bullseye.results import Result

if TYPE_CHECKING:
    from bullseye.workspace import Workspace

__all__ = [
    "Due",
    "Status",
    "workspace_status",
    "CheckResult",
    "run_check",
    "evaluate_after_load",
    "EVIDENCE_MAX_AGE_DAYS",
]

#: Evidence measured on data that ended longer ago than this is stale.
EVIDENCE_MAX_AGE_DAYS = 365
LAST_LOAD_FILE = "last-check-load.json"


@dataclass
class Due:
    level: str  # overdue, due, ok
    what: str
    why: str

    def to_dict(self) -> dict[str, str]:
        return self.__dict__.copy()


@dataclass(repr=False)
class Status(Result):
    """What needs the owner's attention: the version in use, dated items, open triggers."""

    today: date
    version: dict[str, Any] | None
    draft_changed: bool
    items: list[Due]
    open_triggers: pd.DataFrame
    drift: list[dict[str, Any]] = field(default_factory=list)

    @property
    def attention(self) -> list[Due]:
        return [i for i in self.items if i.level != "ok"]

    def to_dict(self) -> dict[str, Any]:
        from bullseye.governance.triggers import as_records

        return {
            "today": self.today.isoformat(),
            "version": self.version,
            "draft_changed": self.draft_changed,
            "items": [i.to_dict() for i in self.items],
            "open_triggers": as_records(self.open_triggers),
            "drift": self.drift,
        }


def _date_due(what: str, due: date | None, today: date, never: str) -> Due:
    if due is None:
        return Due("due", what, never)
    if due < today:
        return Due("overdue", what, f"was due {due.isoformat()} ({(today - due).days} days ago)")
    if due <= today + timedelta(days=7):
        return Due("due", what, f"due {due.isoformat()}")
    return Due("ok", what, f"next on {due.isoformat()}")


def _stale_evidence(icp, today: date) -> list[str]:
    stale = []
    for rule in [*icp.criteria, *icp.disqualifiers, *icp.signals]:
        ends = [e.date_range[1] for e in rule.evidence if e.date_range]
        if ends and (today - max(ends)).days > EVIDENCE_MAX_AGE_DAYS:
            stale.append(f"'{rule.id}' rests on data up to {max(ends).isoformat()}")
    return stale


def _stale_personas(ws: Workspace, today: date) -> list[str]:
    from bullseye.strategy.persona import load_personas

    try:
        personas = load_personas(ws.root)
    except Exception:  # noqa: BLE001 - a broken persona file is reported by the persona commands
        return []
    stale = []
    for persona in personas:
        ends = [d for d in _backing_dates(persona.model_dump())]
        if ends and (today - max(ends)).days > EVIDENCE_MAX_AGE_DAYS:
            stale.append(f"persona '{persona.id}': newest evidence {max(ends).isoformat()}")
    return stale


def _backing_dates(node: Any):
    if isinstance(node, dict):
        if isinstance(node.get("date_range"), list) and len(node["date_range"]) == 2:
            yield node["date_range"][1]
        for value in node.values():
            yield from _backing_dates(value)
    elif isinstance(node, list):
        for value in node:
            yield from _backing_dates(value)


def workspace_status(ws: Workspace, today: date | None = None) -> Status:
    """What needs the owner's attention, in a few items."""
    from bullseye.governance.triggers import list_triggers
    from bullseye.strategy.icp import load_icp
    from bullseye.strategy.versions import VersionStore

    today = today or date.today()
    store = VersionStore(ws.root)
    current = store.current()
    items: list[Due] = []
    has_draft = (ws.root / "strategy" / "icp.yaml").exists()
    if current is None:
        items.append(
            Due(
                "due",
                "publish",
                "no version is published: scores use the unpublished draft"
                if has_draft
                else "no ICP yet: run `bullseye discover`",
            )
        )
    icp = current.icp() if current is not None else (load_icp(ws.root) if has_draft else None)
    draft_changed = bool(current is not None and has_draft and store.draft_hash() != current.hash)
    if draft_changed and current is not None:
        items.append(Due("due", "publish", f"the draft differs from {current.label}: review and publish it"))
    if icp is not None:
        if not icp.owner:
            items.append(Due("overdue", "owner", "the ICP has no owner"))
        items.append(_date_due("review", icp.review_date, today, "no review date set"))
        review = icp.review
        published = current.published_at.date() if current is not None else None
        for what, last, every in (
            ("monthly hygiene check", review.last_hygiene, review.hygiene_every_days),
            ("quarterly strategic review", review.last_strategic, review.strategic_every_days),
        ):
            start = last or published
            items.append(
                _date_due(
                    what,
                    start + timedelta(days=every) if start else None,
                    today,
                    "never done: set review.last_hygiene / last_strategic when done",
                )
            )
        for text in _stale_evidence(icp, today):
            items.append(Due("due", "stale evidence", text))
    for text in _stale_personas(ws, today):
        items.append(Due("due", "stale persona", text))
    triggers = list_triggers(ws)
    open_triggers = triggers[triggers["status"].isin(["open", "acknowledged"])]
    if len(open_triggers):
        items.append(
            Due(
                "due",
                "triggers",
                f"{len(open_triggers)} open trigger(s): "
                + "; ".join(f"{r.kind} {r.subject}" for r in open_triggers.head(3).itertuples()),
            )
        )
    from bullseye.governance.triggers import as_records

    return Status(
        today,
        current.to_dict() if current else None,
        draft_changed,
        items,
        open_triggers.reset_index(drop=True),
        drift=as_records(open_triggers[open_triggers["kind"] == "drift"]),  # the open drift alarms
    )


@dataclass(repr=False)
class CheckResult(Result):
    """One round of ``check``: what was loaded and scored, the new triggers, who was told."""

    loaded: bool
    load_summary: str
    scored: int
    new_triggers: pd.DataFrame
    deliveries: list = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        from bullseye.governance.triggers import as_records

        return {
            "loaded": self.loaded,
            "load": self.load_summary,
            "scored": self.scored,
            "new_triggers": as_records(self.new_triggers),
            "deliveries": [d.to_dict() for d in self.deliveries],
            "notes": self.notes,
        }


def _exports_fingerprint(ws: Workspace) -> tuple[str, list]:
    from bullseye.paths import workspace_glob

    files = sorted(
        {p for pattern in ws.settings.load.files for p in workspace_glob(ws.root, pattern, "bullseye.yaml: load.files")}
    )
    listing = [[str(p.relative_to(ws.root)), p.stat().st_size, p.stat().st_mtime_ns] for p in files]
    return hashlib.sha256(json.dumps(listing).encode()).hexdigest(), files


def run_check(ws: Workspace, notify: bool = True) -> CheckResult:
    """Load new exports (only when the files changed since the last check), rescore with the
    published version, evaluate the trigger rules, drift and recorded events, and notify about new
    triggers. Safe to run every hour: nothing is loaded, stored or sent twice."""
    marker = ws.state_dir / LAST_LOAD_FILE
    fingerprint, files = _exports_fingerprint(ws)
    previous = json.loads(marker.read_text()) if marker.exists() else {}
    loaded, summary = False, "no export changed since the last check"
    if files and previous.get("fingerprint") != fingerprint:
        report = ws.load(files)
        loaded = True
        summary = (
            f"loaded {sum(f.loaded for f in report.files):,} rows, quarantined "
            f"{sum(f.quarantined for f in report.files):,}"
        )
        marker.write_text(json.dumps({"fingerprint": fingerprint}), encoding="utf-8")
    result = evaluate_after_load(ws, notify=notify, rescore=True)
    result.loaded, result.load_summary = loaded, summary
    return result


def evaluate_after_load(ws: Workspace, notify: bool = True, rescore: bool = False) -> CheckResult:
    """What every load and check does once the data is in: (optionally) rescore with the version
    in use, evaluate the trigger rules, drift and recorded events, store new triggers once, and
    push them to the teams."""
    from bullseye.core.dataset import build_dataset
    from bullseye.governance.drift import drift_check, drift_triggers
    from bullseye.governance.events import event_triggers, load_events
    from bullseye.governance.published import published_card
    from bullseye.governance.rules import evaluate_rules
    from bullseye.governance.triggers import list_triggers, record_triggers
    from bullseye.strategy.icp import load_icp
    from bullseye.strategy.versions import VersionStore

    notes = []
    current = VersionStore(ws.root).current()
    scored = 0
    data = build_dataset(ws) if ws.has_table("deals") else None
    if current is not None:
        icp = current.icp()
        since = date.fromisoformat(current.data["as_of"]) if current.data.get("as_of") else current.published_at.date()
        if data is not None and rescore:
            scores = published_card(current).score(data.accounts)
            scored = len(scores)
            _write_scores(ws, scores)
    elif (ws.root / "strategy" / "icp.yaml").exists():
        icp = load_icp(ws.root)
        since = (data.as_of if data is not None else date.today()) - timedelta(days=90)
        notes.append("no published version: the draft's trigger rules were checked over the last 90 days")
    else:
        icp, since = None, None
    before = set(list_triggers(ws)["trigger_id"])
    found = [event_triggers(load_events(ws.root))]
    if icp is not None and since is not None:
        found.append(evaluate_rules(ws, icp, since, data=data))
    if current is not None and data is not None and icp is not None and since is not None:  # set with current
        report = drift_check(ws, icp, since, data.as_of, published_card(current))
        found.append(drift_triggers(report))
        notes.append(
            f"drift check of month {report.look} since {current.label} (data through "
            f"{report.through.isoformat()}): {len(report.alarms)} alarm(s) at a false-alarm rate of "
            f"{report.alpha:.3g}"
            if report.look
            else "drift: less than a month since publication"
        )
    found = [f for f in found if not f.empty]
    if found:
        record_triggers(ws, pd.concat(found, ignore_index=True), source="check")
    stored = list_triggers(ws)
    new = stored[~stored["trigger_id"].isin(before)].reset_index(drop=True)
    deliveries = []
    if notify and len(new):
        from bullseye.governance.notify import Message, record_deliveries, send

        settings = ws.settings.notify
        if settings.webhooks or settings.email is not None:
            lines = [f"- {r.kind}: {r.subject} ({r.raised_at}): {r.detail}" for r in new.itertuples()]
            deliveries = send(
                settings, Message("trigger", f"{len(new)} new ICP trigger(s) in {ws.settings.name}", "\n".join(lines))
            )
            record_deliveries(ws, deliveries)
    return CheckResult(False, "", scored, new, deliveries, notes)


def _write_scores(ws: Workspace, scores: pd.DataFrame) -> None:
    from bullseye.io import write_csv

    ranked = scores.sort_values("fit_score", ascending=False, kind="stable")
    ws.reports_dir.mkdir(parents=True, exist_ok=True)
    write_csv(ranked, ws.reports_dir / "scores.csv")
