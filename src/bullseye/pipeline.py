"""The main job: load -> outcomes -> discover -> draft ICP -> backtest -> score -> people -> market -> why now.

One function that ``bullseye demo``, the tests, notebooks and the web workspace share. Each step's
result is kept on the returned :class:`MainJob`; a step whose tables are not loaded is skipped with
a note instead of failing the job. The job writes the definitions it drafts (the draft ICP and the
personas, as ``discover`` and ``personas suggest`` do); reports (the discovery page, the scores,
the whitespace list, the funnel chart) only when asked with ``reports=True``.

Example::

    from bullseye import Workspace

    job = Workspace("demo-workspace").run_all()
    job.scores.frame.head()
    job.to_dict()["steps"]
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bullseye.results import Result

if TYPE_CHECKING:
    from bullseye.workspace import Workspace

__all__ = ["MainJob", "run_all", "STEPS"]

#: The steps in order: (attribute of MainJob, what the step is called on screen).
STEPS = (
    ("load", "Load"),
    ("outcomes", "Outcomes"),
    ("discovery", "Discovery: who should buy"),
    ("icp", "The draft ICP"),
    ("backtest", "Backtest of the draft ICP on newer deals"),
    ("scores", "Scored accounts"),
    ("committee", "The buying committee of the ICP's deals"),
    ("themes", "What they say: themes in the notes"),
    ("personas", "Personas drafted from the evidence"),
    ("market", "The market: from the universe to the customers"),
    ("why_now", "Why now: the accounts to call this week"),
)

#: ``progress(step, result)``: called with ``result=None`` when a step starts and with its result when it ends.
Progress = Callable[[str, Any], None]


@dataclass(repr=False)
class MainJob(Result):
    """Every step's result (None: skipped, see ``notes``) and the files the job wrote."""

    load: Any = None
    outcomes: Any = None
    discovery: Any = None
    icp: Any = None
    backtest: Any = None
    scores: Any = None
    committee: Any = None
    themes: Any = None
    personas: list[Path] = field(default_factory=list)
    market: Any = None
    why_now: Any = None
    notes: list[str] = field(default_factory=list)
    written: list[Path] = field(default_factory=list)

    def steps(self) -> list[tuple[str, str, Any]]:
        """(name, title, result) of the steps that ran, in order."""
        return [(name, title, getattr(self, name)) for name, title in STEPS if getattr(self, name) not in (None, [])]

    def to_dict(self) -> dict[str, Any]:
        from bullseye.render.encoder import jsonable

        return {
            "steps": [name for name, _, _ in self.steps()],
            "notes": self.notes,
            "written": [str(p) for p in self.written],
            **{name: jsonable(result) for name, _, result in self.steps()},
        }


def run_all(
    ws: Workspace,
    progress: Progress | None = None,
    *,
    by: str | None = "industry",
    top: int = 5,
    force: bool = False,
    owner: str | None = None,
    reports: bool = False,
) -> MainJob:
    """Run the main job on ``ws`` (see the module docstring). ``by``: the attribute the outcome
    summary breaks down by (when the accounts have it); ``top``: segments reported per outcome and
    direction; ``force``: replace a hand-edited draft ICP and personas; ``owner``: the draft ICP's
    owner; ``reports``: also write the reports into ``reports/``."""
    from bullseye.discover.stored import keep_run

    job = MainJob()
    step = _Stepper(job, progress)
    step("load", ws.load)
    attributes = _account_attributes(ws)
    step("outcomes", lambda: ws.outcomes(by=by if by in attributes else None))
    generation, started_at = ws.warehouse.generation, dt.datetime.now().isoformat(timespec="seconds")
    discovery = step("discovery", lambda: ws.discover(top=top))
    keep_run(ws, discovery, generation, by="the main job", started_at=started_at)  # for the Discovery page
    if reports:
        job.written.append(_write_discovery_report(ws, discovery))
    icp = step("icp", lambda: _draft(ws, job, discovery, force, owner))
    if icp is None:
        return job
    step("backtest", lambda: ws.backtest(icp))
    scores = step("scores", lambda: _scores(ws, icp, discovery))
    if reports:
        job.written.append(scores.write(ws.reports_dir / "scores.csv"))
    if _has(ws, job, ("contacts", "deal_contacts"), "the buying committee and personas"):
        _people(ws, job, step, icp, force)
    if _has(ws, job, ("universe",), "market sizing") and _audience(ws, job):
        _market(ws, job, step, reports)
    if icp.signals and _has(ws, job, ("events",), "the why-now ranking"):
        step("why_now", lambda: ws.signals(days=30, limit=10))
    return job


class _Stepper:
    """Runs one step: tells ``progress`` it starts, keeps its result on the job, tells it ended."""

    def __init__(self, job: MainJob, progress: Progress | None) -> None:
        self.job, self.progress = job, progress or (lambda name, result: None)

    def __call__(self, name: str, run: Callable[[], Any]) -> Any:
        self.progress(name, None)
        result = run()
        setattr(self.job, name, result)
        if result is not None:
            self.progress(name, result)
        return result


def _account_attributes(ws: Workspace) -> set[str]:
    return set(ws.table("accounts").columns) if ws.has_table("accounts") else set()


def _has(ws: Workspace, job: MainJob, tables: tuple[str, ...], what: str) -> bool:
    missing = [t for t in tables if not ws.has_table(t)]
    if missing:
        job.notes.append(f"Skipped {what}: {', '.join(missing)} not loaded.")
    return not missing


def _draft(ws: Workspace, job: MainJob, discovery, force: bool, owner: str | None):
    """The draft ICP the findings support, saved as strategy/icp.yaml; None (and a note) when empty."""
    from bullseye.discover.propose import empty_draft_reason

    icp = ws.propose(discovery)
    if not icp.criteria and not icp.disqualifiers:
        job.notes.append(empty_draft_reason(discovery))
        return None
    if owner:
        icp = icp.model_copy(update={"owner": owner})
    job.written.append(ws.save_draft(icp, force=force))
    return icp


def _scores(ws: Workspace, icp, discovery):
    from bullseye.scoring.scores import score_companies

    return score_companies(ws, icp=icp, data=discovery.data, top=10)


def _write_discovery_report(ws: Workspace, discovery) -> Path:
    from bullseye.render.discovery import discovery_html

    path = ws.reports_dir / "discovery.html"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(discovery_html(discovery, company=ws.settings.name), encoding="utf-8")
    return path


def _people(ws: Workspace, job: MainJob, step: _Stepper, icp, force: bool) -> None:
    """Layer three: the committee of the ICP's deals, what they say, and the personas."""
    from bullseye.governance.triggers import record_triggers
    from bullseye.people.themes import objection_triggers

    step("committee", ws.committee)
    if _has(ws, job, ("notes",), "the themes in the notes"):
        themes = step("themes", ws.themes)
        added = record_triggers(ws, objection_triggers(themes.select(("objection",))), source="themes")
        job.notes.append(f"New-objection triggers raised: {added} (see `bullseye themes --triggers`).")
    written = step("personas", lambda: [r.path for r in ws.save_personas(ws.personas(), force=force).written])
    job.written.extend(written)


def _audience(ws: Workspace, job: MainJob) -> bool:
    from bullseye.strategy.audience import AUDIENCE_FILE

    if not (ws.root / AUDIENCE_FILE).exists():
        job.notes.append(f"Skipped market sizing: no {AUDIENCE_FILE} (write one, see docs/market.md).")
        return False
    return True


def _market(ws: Workspace, job: MainJob, step: _Stepper, reports: bool) -> None:
    """Layer one: the market from the universe down, for the definitions in use (the draft just
    written, before any publish)."""
    from bullseye.market.sizing import FUNNEL_CHART

    whitespace, chart = ws.reports_dir / "whitespace.csv", ws.reports_dir / FUNNEL_CHART
    step("market", lambda: ws.size(whitespace=whitespace if reports else None, chart=chart if reports else None))
    if reports:
        job.written += [chart, whitespace]
