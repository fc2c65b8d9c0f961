"""The Workspace: the one object every command, the web app and notebooks use."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bullseye.config import PRESET_NAMES, SETTINGS_FILE, Settings
from bullseye.core.schema import TABLES
from bullseye.errors import (
    ConflictError,
    InvalidInputError,
    MissingTableError,
    NotFoundError,
    WorkspaceNotFound,
)
from bullseye.paths import contained, is_inside, workspace_glob
from bullseye.yamlio import dump_model, load_model

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from datetime import date

    import ibis.expr.types as ir
    import pandas as pd

    from bullseye.core.warehouse import Warehouse
    from bullseye.discover.engine import DiscoveryResult
    from bullseye.governance.diff import VersionDiff
    from bullseye.governance.events import EventAdded, Events
    from bullseye.governance.lifecycle import (
        History,
        Preview,
        PublishResult,
        RestoredDraft,
    )
    from bullseye.governance.status import CheckResult, Status
    from bullseye.governance.triggers import TriggerList
    from bullseye.ingest.loader import LoadReport
    from bullseye.ingest.mapping import MappingFile
    from bullseye.ingest.preview import MappingPreview
    from bullseye.ingest.quarantine import Quarantine
    from bullseye.ingest.quarantine_browse import QuarantinePage
    from bullseye.market.draft_market import DraftMarket
    from bullseye.market.industries import IndustryMapping
    from bullseye.market.matching import MatchResult
    from bullseye.market.signal_evidence import SignalReport
    from bullseye.market.signals import SignalRanking
    from bullseye.market.sizing import MarketSize
    from bullseye.market.snapshots import SnapshotComparison
    from bullseye.outcomes.funnel import FunnelMetrics
    from bullseye.outcomes.summary import OutcomeSummary
    from bullseye.people.cards import PersonaCards
    from bullseye.people.committee import CommitteeReport
    from bullseye.people.personas import PersonaDrafts
    from bullseye.people.themes import ThemeReport
    from bullseye.pipeline import MainJob
    from bullseye.scoring.backtest import Backtest
    from bullseye.scoring.scores import ScorecardInUse, Scores
    from bullseye.strategy.icp import ICP

__all__ = ["Workspace", "check_preset"]

STATE_DIR = ".bullseye"


class Workspace:
    """A directory with ``bullseye.yaml``, the exports in ``data/``, definitions in ``strategy/``
    and the warehouse in ``.bullseye/warehouse.duckdb``; and the facade: every feature is a method
    that returns a result holding numbers (see :mod:`bullseye.results`), rendered by
    :mod:`bullseye.render` for the terminal, HTML and JSON. The CLI, the web workspace and
    notebooks call these methods and nothing else.

    - data: ``load``, ``quarantine``, ``table``, ``loaded_tables``
    - outcomes and discovery: ``outcomes``, ``funnel``, ``discover``, ``propose``
    - the ICP and its scores: ``icp``, ``icp_in_use``, ``backtest``, ``scorecard``, ``score``
    - people: ``committee``, ``themes``, ``personas``, ``save_personas``, ``cards``
    - market: ``industries``, ``match``, ``size``, ``signals``, ``signal_evidence``, ``snapshot_events``
    - lifecycle: ``draft_hash``, ``preview``, ``publish``, ``history``, ``diff``, ``rollback``,
      ``restore_draft``, ``status``, ``check``, ``triggers``, ``events``, ``add_event``
    - the main job: ``run_all``
    """

    def __init__(self, path: Path | str) -> None:
        self.root = Path(path).resolve()
        settings_file = self.root / SETTINGS_FILE
        if not settings_file.is_file():
            raise WorkspaceNotFound(
                f"{self.root} is not a Bullseye workspace (no {SETTINGS_FILE}); create one with `bullseye init {path}`"
            )
        self.settings: Settings = load_model(Settings, settings_file)
        self._on_wait: Callable[[str], None] | None = None
        self._warehouse: Warehouse | None = None
        self._warehouse_lock = threading.Lock()  # the web app's threads may all reach for it first

    @property
    def warehouse(self) -> Warehouse:
        """The warehouse, opened on first use: DuckDB and Ibis are imported only by what needs them."""
        if self._warehouse is None:
            with self._warehouse_lock:
                if self._warehouse is None:
                    from bullseye.core.warehouse import Warehouse

                    self._warehouse = Warehouse(
                        self.state_dir / "warehouse.duckdb", self.settings.memory_limit, on_wait=self._on_wait
                    )
        return self._warehouse

    @property
    def on_wait(self) -> Callable[[str], None] | None:
        """Called with a message when the warehouse waits for another process's lock."""
        return self._on_wait

    @on_wait.setter
    def on_wait(self, callback: Callable[[str], None] | None) -> None:
        self._on_wait = callback
        if self._warehouse is not None:
            self._warehouse.on_wait = callback

    # -- construction -------------------------------------------------------------------------
    @classmethod
    def init(cls, path: Path | str, name: str | None = None, exist_ok: bool = False) -> Workspace:
        root = Path(path)
        settings_file = root / SETTINGS_FILE
        if settings_file.exists() and not exist_ok:
            raise ConflictError(f"{settings_file} already exists; this is already a workspace")
        if root.exists() and not root.is_dir():
            raise InvalidInputError(f"{root} exists and is not a directory")
        for sub in ("data", "strategy", "reports", STATE_DIR):
            (root / sub).mkdir(parents=True, exist_ok=True)
        if not settings_file.exists():
            dump_model(Settings(name=name or root.resolve().name), settings_file)
        (root / STATE_DIR / ".gitignore").write_text("*\n", encoding="utf-8")
        workspace = cls(root)
        workspace.warehouse.create_empty()
        return workspace

    @classmethod
    def find(cls, start: Path | str | None = None) -> Workspace:
        """The workspace containing ``start`` (default: the current directory), searching upwards like git."""
        here = Path(start or Path.cwd()).resolve()
        for candidate in (here, *here.parents):
            if (candidate / SETTINGS_FILE).is_file():
                return cls(candidate)
        raise WorkspaceNotFound(
            f"no {SETTINGS_FILE} in {here} or any parent directory; create a workspace with `bullseye init PATH`"
        )

    # -- layout -------------------------------------------------------------------------------
    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def strategy_dir(self) -> Path:
        return self.root / "strategy"

    @property
    def reports_dir(self) -> Path:
        return self.root / "reports"

    @property
    def state_dir(self) -> Path:
        return self.root / STATE_DIR

    # -- data ---------------------------------------------------------------------------------
    def loaded_tables(self) -> list[str]:
        """Canonical tables present in the warehouse."""
        present = set(self.warehouse.list_tables())
        return [name for name in TABLES if name in present]

    def has_table(self, name: str) -> bool:
        return name in self.warehouse.list_tables()

    def table(self, name: str, needed_for: str | None = None) -> ir.Table:
        """An Ibis table from the warehouse; a missing table is one clear error naming the feature."""
        if not self.has_table(name):
            purpose = f" {needed_for} needs it;" if needed_for else ""
            raise MissingTableError(
                f"table '{name}' has not been loaded;{purpose} load a file with `bullseye load FILE` "
                f"(see docs/tables.md for its columns)"
            )
        return self.warehouse.con.table(name)

    def load(
        self, files: list[Path] | None = None, preset: str | None = None, mapping: Path | None = None, progress=None
    ) -> LoadReport:
        """Load exports (default: the ``load.files`` globs of bullseye.yaml) into the canonical tables;
        every row is loaded or quarantined, and the LoadReport's counts reconcile (see
        :mod:`bullseye.ingest.loader`); a failed load leaves the warehouse as it was.

        Example::

            report = ws.load(["data/accounts.csv", "data/deals.csv"], preset="hubspot")
            report.reconciles, report.table_rows
        """
        check_preset(preset)  # before importing the loader: a typo is told at once
        load_settings = self.settings.load
        if not files:
            source = f"{self.root / SETTINGS_FILE}: load.files"
            files = sorted({p for pattern in load_settings.files for p in workspace_glob(self.root, pattern, source)})
            if not files:
                raise NotFoundError(
                    f"no files to load: nothing matches {', '.join(load_settings.files)} in {self.root}"
                )
        if mapping is None and load_settings.mapping:
            mapping = contained(self.root / load_settings.mapping, [self.root], f"{SETTINGS_FILE}: load.mapping")
        from bullseye.ingest.loader import load_files

        return load_files(
            self,
            [Path(f) for f in files],
            preset=preset or load_settings.preset,
            mapping_file=mapping,
            progress=progress,
        )

    def remember_load(self, preset: str | None, mapping: Path | None) -> str | None:
        """Write the preset and mapping of a successful load to ``bullseye.yaml`` (``load.preset``,
        ``load.mapping``) so the next plain ``bullseye load`` reads the exports the same way; what changed, or None."""
        current = self.settings.load
        update: dict[str, str] = {}
        if preset and preset != current.preset:
            update["preset"] = preset
        if mapping is not None:
            resolved = Path(mapping).resolve()
            if not resolved.is_relative_to(self.root):
                return (
                    f"the mapping {mapping} is outside the workspace, so it was not saved in {SETTINGS_FILE}; "
                    f"move it into the workspace to have `bullseye load` use it by default"
                )
            relative = resolved.relative_to(self.root).as_posix()
            if relative != current.mapping:
                update["mapping"] = relative
        if not update:
            return None
        self.settings = self.settings.model_copy(update={"load": current.model_copy(update=update)})
        dump_model(self.settings, self.root / SETTINGS_FILE)
        said = ", ".join(f"load.{key}: {value}" for key, value in update.items())
        return f"Saved {said} in {SETTINGS_FILE}; the next plain `bullseye load` reads the exports the same way."

    # -- data for the web workspace --------------------------------------------------------------
    def export_files(self) -> list[Path]:
        """The exports in ``data/`` a load can read (CSV, Parquet, Excel), by name."""
        from bullseye.ingest.readers import EXTENSIONS

        if not self.data_dir.is_dir():
            return []
        return sorted(
            p
            for p in self.data_dir.iterdir()
            if p.is_file() and p.suffix.lower() in EXTENSIONS and is_inside(p, [self.root])
        )

    def preview_mapping(
        self,
        files: list[Path] | None = None,
        preset: str | None = None,
        mapping: Path | MappingFile | None = None,
        rows: int = 20,
    ) -> MappingPreview:
        """The first ``rows`` rows of each export mapped onto the canonical tables, with each column's
        type and the values a load would set aside; loads nothing. Defaults as ``load``."""
        from bullseye.ingest.preview import preview_mapping

        check_preset(preset)
        load_settings = self.settings.load
        if not files:
            source = f"{self.root / SETTINGS_FILE}: load.files"
            files = sorted({p for pattern in load_settings.files for p in workspace_glob(self.root, pattern, source)})
        if mapping is None and load_settings.mapping:
            mapping = contained(self.root / load_settings.mapping, [self.root], f"{SETTINGS_FILE}: load.mapping")
        return preview_mapping(self, [Path(f) for f in files], preset or load_settings.preset, mapping, rows)

    def quarantine_page(self, table: str | None = None, reason: str | None = None, page: int = 1) -> QuarantinePage:
        """What the loads set aside, as the web's Data page browses it: counts per table and reason,
        and one page of the rows."""
        from bullseye.ingest.quarantine_browse import browse_quarantine

        return browse_quarantine(self, table, reason, page)

    def quarantine(self, table: str | None = None, reason: str | None = None, limit: int | None = None) -> Quarantine:
        """What the loads set aside: file, line, column, value and reason; ``table`` and ``reason``
        (a part of the reason, any case) narrow it, ``limit`` caps the rows returned (the count is of all)."""
        from bullseye.ingest.quarantine import quarantine_issues

        return quarantine_issues(self, table=table, reason=reason, limit=limit)

    # -- outcomes and discovery ------------------------------------------------------------------
    def outcomes(self, by: str | None = None, as_of: date | str | None = None) -> OutcomeSummary:
        """Win rate, days to close, discount, ACV, ARR, churn, NRR, usage and NPS, overall and ``by``
        an account attribute, as of a date (default: the latest date in the data).

        Example::

            summary = ws.outcomes(by="industry")
            summary.overall["win_rate"], summary.to_frame()
        """
        from bullseye.outcomes.summary import outcome_summary

        return outcome_summary(self, by=by, as_of=_as_date(as_of, "as_of"))

    def discover(
        self,
        outcome: str | Sequence[str] = "all",
        max_depth: int = 3,
        min_support: int | None = None,
        top: int = 10,
        target: str | None = None,
        until: date | str | None = None,
        progress: Callable[[str], None] | None = None,
    ) -> DiscoveryResult:
        """Find the segments that win more, close faster, pay more, stay longer and use more, and
        confirm them on newer data; writes nothing (see ``propose`` and ``save_draft``).

        Example::

            found = ws.discover("win", max_depth=2)
            draft = ws.propose(found)
            ws.save_draft(draft)
        """
        from bullseye.core.units import TARGET_PREFIX
        from bullseye.discover.engine import DiscoverySettings, discover

        outcomes = (outcome,) if isinstance(outcome, str) else tuple(outcome)
        outcomes += (f"{TARGET_PREFIX}{target}",) if target else ()
        settings = DiscoverySettings(
            outcomes=outcomes, max_depth=max_depth, min_support=min_support, top=top, until=_as_date(until, "until")
        )
        return discover(self, settings, progress=progress)

    def propose(self, discovery: DiscoveryResult) -> ICP:
        """The draft ICP the findings support (criteria, disqualifiers, signals); nothing is written."""
        from bullseye.discover.propose import propose_icp

        return propose_icp(discovery, ws=self)

    def save_draft(self, icp: ICP, force: bool = False) -> Path:
        """Write ``icp`` as the draft ``strategy/icp.yaml`` (the version in use does not change until
        it is published). A hand-edited draft is kept unless ``force``: ``IcpWriteRefused`` carries the diff."""
        from bullseye.strategy.icp import save_icp

        path, _ = save_icp(self.root, icp, force=force)
        return path

    # -- funnel metrics --------------------------------------------------------------------------
    def funnel(self, as_of: object = None, by: str | None = None) -> FunnelMetrics:
        """Conversion per funnel stage, CAC by channel (and by ``by``), LTV, LTV:CAC and payback
        months, each with its interval and assumptions; see :mod:`bullseye.outcomes.funnel`.

        Example: ``ws.funnel(by="industry").to_dict()["ltv_to_cac"]``
        """
        from bullseye.outcomes.funnel import funnel_metrics

        return funnel_metrics(self, as_of=as_of, by=by)

    # -- the ICP and its scores --------------------------------------------------------------------
    @property
    def icp(self) -> ICP:
        """The draft ICP, ``strategy/icp.yaml`` (what discovery proposes and you edit)."""
        from bullseye.strategy.icp import load_icp

        return load_icp(self.root)

    @property
    def icp_in_use(self) -> ICP | None:
        """The published version's ICP (what scores, sizing and exports use); None before any publish."""
        from bullseye.strategy.versions import VersionStore

        current = VersionStore(self.root).current()
        return current.icp() if current is not None else None

    def backtest(self, icp: ICP | None = None, margin: float = 1.0, chart: Path | str | bool | None = None) -> Backtest:
        """The ICP (default: the draft) against the rest on the holdout; ``chart``: a PNG path to write
        (True: reports/icp-churn-km.png).

        Example::

            result = ws.backtest()
            result.groups["ICP"]["win_rate"].value
        """
        from bullseye.scoring.backtest import backtest

        return backtest(self, icp, margin=margin, chart=chart)

    def scorecard(self) -> ScorecardInUse:
        """The fitted scorecard in use: the published version's stored one, or the draft's fitted now."""
        from bullseye.scoring.scores import scorecard_result

        return scorecard_result(self)

    def score(self, companies: pd.DataFrame | Path | str | None = None, top: int = 20) -> Scores:
        """Score ``companies`` (a frame, a CSV/Parquet/Excel file, or None: every CRM account) under
        the ICP in use; ``top`` is how many of the best the result lists (0: all).

        Example::

            scores = ws.score("new-companies.csv")
            scores.frame[["account_id", "fit_score", "tier"]]
            scores.write("scores.csv")
        """
        from bullseye.scoring.scores import score_companies

        return score_companies(self, companies, top=top)

    # -- people ------------------------------------------------------------------------------------
    def committee(self) -> CommitteeReport:
        """Who shows up on won and lost deals of the ICP's accounts (the draft strategy/icp.yaml, which
        the personas are drafted for; all deals before there is one), in which committee role, and
        what their presence changes."""
        from bullseye.people.committee import committee_report

        return committee_report(self, self._people_icp(required=False))

    def themes(
        self, by: str | None = None, kinds: tuple[str, ...] | None = None, since=None, min_count: int = 3, progress=None
    ) -> ThemeReport:
        """Pains, objections, goals and sources mined from the notes, with who says them and quotes;
        ``by`` (role, function...) groups them for display; ``kinds`` default to all but "other"."""
        from bullseye.people.themes import VOICE_KINDS, workspace_themes

        kinds = tuple(dict.fromkeys(kinds)) if kinds else VOICE_KINDS
        roles = None
        if self.has_table("contacts") and self.has_table("deal_contacts"):
            from bullseye.people.committee import contact_roles

            roles = contact_roles(self)  # recorded roles, and blank ones inferred from titles
        report = workspace_themes(
            self, roles=roles, since=since, min_count=min_count, kinds=kinds, progress=progress
        ).select(kinds)
        if by is not None:
            report.by_group_of(by)  # a bad dimension is an error here, not at display
        report.by = by
        return report

    def personas(self) -> PersonaDrafts:
        """A persona drafted per committee role of the ICP (and the anti-persona), every field linked
        to its evidence or marked as an assumption; nothing is written (see ``save_personas``)."""
        from bullseye.people.personas import PersonaDrafts, suggest_personas

        return PersonaDrafts(suggest_personas(self, self._people_icp(required=True)), root=self.root)

    def save_personas(self, drafts: PersonaDrafts, force: bool = False) -> PersonaDrafts:
        """Write the drafts to strategy/personas/, keeping hand edits unless ``force``."""
        from bullseye.people.personas import write_personas

        drafts.written = write_personas(self, drafts.personas, force=force)
        return drafts

    def cards(self, formats: tuple[str, ...] = ("html",), out_dir: Path | None = None) -> PersonaCards:
        """One-page persona cards of strategy/personas/ (md, html; pdf needs ``out_dir``), written
        into ``out_dir`` only when it is given."""
        from bullseye.people.cards import workspace_cards

        return workspace_cards(self, self._people_icp(required=True), tuple(formats), out_dir)

    def _people_icp(self, required: bool):
        from bullseye.errors import NotFoundError
        from bullseye.strategy.icp import ICP_FILE, load_icp

        if (self.root / ICP_FILE).exists():
            return load_icp(self.root)
        if required:
            raise NotFoundError(
                f"personas come after the ICP: {ICP_FILE} does not exist yet; draft it with "
                "`bullseye discover` (or write it) first"
            )
        return None

    # -- market ------------------------------------------------------------------------------------
    def industries(self) -> IndustryMapping:
        """How the industries of ``accounts`` and ``universe`` map onto the taxonomy or your segments."""
        from bullseye.market.industries import workspace_industries

        return workspace_industries(self)

    def match(self, out: Path | None = None) -> MatchResult:
        """Universe companies matched to CRM accounts (by domain, then name); the match list is
        written to ``out`` (CSV) only when given."""
        from bullseye.market.matching import match_workspace

        result = match_workspace(self)
        if out is not None:
            result.write(Path(out))
        return result

    def size(self, whitespace: Path | None = None, chart: Path | None = None) -> MarketSize:
        """The market from the universe down to the customers, TAM/SAM/SOM and the whitespace, for
        the ICP and audience in use (the published version; the draft, with a note, before any
        publish). The prospect list (CSV) and the funnel chart (PNG/SVG) are written only to the
        paths given.

        Example::

            sized = ws.size(whitespace=ws.reports_dir / "whitespace.csv")
            sized.sizing.set_index("name").loc["SAM", "value"]
        """
        from bullseye.core.dataset import build_dataset
        from bullseye.market.sizing import size_market
        from bullseye.strategy.audience import Audience
        from bullseye.strategy.in_use import strategy_in_use

        in_use = strategy_in_use(self)
        data = build_dataset(self)  # once, for the scorecard and the CRM's customers
        result = size_market(self, in_use.audience or Audience(), in_use.icp, in_use.scorecard(self, data), data)
        result.definitions, result.audience_file = in_use.label, in_use.audience is not None
        result.notes = [
            note
            for note in (
                in_use.note,
                None
                if in_use.audience is not None
                else "no audience definition (strategy/audience.yaml): the whole universe is the target audience",
            )
            if note
        ]
        if whitespace is not None:
            result.write_whitespace(Path(whitespace))
        if chart is not None:
            result.write_funnel_chart(Path(chart))
        return result

    def draft_market(self) -> DraftMarket:
        """The waterfall and TAM/SAM/SOM under the draft definitions beside those of the version in
        use (None before any publish): what publishing the draft would change in the market."""
        from bullseye.market.draft_market import draft_market

        return draft_market(self)

    def signals(self, days: int = 30, as_of=None, limit: int | None = 20, out: Path | None = None) -> SignalRanking:
        """Companies with a fresh "why now" signal of the ICP in use, ranked by fit times signal;
        ``limit`` rows are kept (None: all); the whole ranking is written to ``out`` (.csv or
        .parquet) only when given."""
        from bullseye.market.signals import signal_ranking

        ranking = signal_ranking(self, days=days, as_of=as_of, limit=None if out is not None else limit)
        if out is not None:
            ranking.write(Path(out))
            ranking.rows = ranking.rows.head(limit) if limit else ranking.rows
        return ranking

    def signal_evidence(self, as_of=None) -> SignalReport:
        """Every candidate "why now" signal measured on the deal history, fit held constant by the
        tiers of the ICP in use."""
        from bullseye.market.signal_evidence import measure_signals
        from bullseye.strategy.icp import ICP_FILE
        from bullseye.strategy.in_use import strategy_in_use
        from bullseye.strategy.versions import VersionStore

        defined = (self.root / ICP_FILE).exists() or VersionStore(self.root).current() is not None
        return measure_signals(self, icp=strategy_in_use(self).icp if defined else None, as_of=as_of)

    def snapshot_events(
        self, old: Path, new: Path, *, key: str, old_date: str, new_date: str, out: Path | None = None, **options
    ) -> SnapshotComparison:
        """Events found between two snapshots of a company list (see
        :func:`bullseye.market.snapshots.snapshot_events`); written to ``out`` only when given."""
        from bullseye.market.snapshots import snapshot_events

        return snapshot_events(old, new, key=key, old_date=old_date, new_date=new_date, out=out, **options)

    # -- lifecycle: versions, reviews, triggers, drift ---------------------------------------------
    # Writers of the draft take ``expected_hash``: the draft's hash when the caller read it
    # (``draft_hash()``); when another editor saved in between, they raise a ConflictError.
    def draft_hash(self) -> str:
        """The content hash of the draft definitions in ``strategy/`` (what an editor read)."""
        from bullseye.strategy.drafts import draft_hash

        return draft_hash(self.root)

    def preview(self, expected_hash: str | None = None) -> Preview:
        """What publishing the draft would change: holdout ROC AUC of the draft against the version
        in use, accounts changing tier, open pipeline moving, the gate's objections. Writes nothing."""
        from bullseye.governance.lifecycle import preview

        return preview(self, expected_hash=expected_hash)

    def publish(
        self,
        message: str,
        force: str | None = None,
        by: str | None = None,
        expected_hash: str | None = None,
        notify: bool = True,
    ) -> PublishResult:
        """Publish the draft as a new immutable version behind the gate (``force``: the reason to
        publish over its objections, recorded).

        Example: ``ws.publish("Add marketplaces: 2x win rate", expected_hash=ws.draft_hash())``
        """
        from bullseye.governance.lifecycle import publish

        return publish(self, message, by=by, force=force, notify=notify, expected_hash=expected_hash)

    def history(self) -> History:
        """The published versions, newest first (the first is in use)."""
        from bullseye.governance.lifecycle import history

        return history(self)

    def diff(self, a: str | int | None = None, b: str | int | None = None) -> VersionDiff:
        """What changed from version ``a`` (default: the one before ``b``) to ``b`` (default: the one in use)."""
        from bullseye.governance.diff import compare_versions

        return compare_versions(self, a, b)

    def rollback(self, number: str | int, message: str = "", by: str | None = None) -> PublishResult:
        """Publish version ``number``'s content again as a new version; the draft follows."""
        from bullseye.governance.lifecycle import rollback

        return rollback(self, number, message, by=by)

    def restore_draft(self, number: str | int | None = None, expected_hash: str | None = None) -> RestoredDraft:
        """Make the draft say what version ``number`` (default: the one in use) says; publishes nothing."""
        from bullseye.governance.lifecycle import restore_draft

        return restore_draft(self, number, expected_hash=expected_hash)

    def status(self, today: date | None = None) -> Status:
        """What is due and overdue for the ICP, and why: reviews, open triggers, stale evidence."""
        from bullseye.governance.status import workspace_status

        return workspace_status(self, today)

    def check(self, notify: bool = True) -> CheckResult:
        """Load changed exports, rescore with the published version, evaluate triggers, notify."""
        from bullseye.governance.status import run_check

        return run_check(self, notify=notify)

    def triggers(
        self, acknowledge: list[str] | None = None, close: list[str] | None = None, everything: bool = False
    ) -> TriggerList:
        """The open and acknowledged triggers (all with ``everything``), after acknowledging and closing those named."""
        from bullseye.governance.triggers import trigger_list

        return trigger_list(self, acknowledge, close, everything)

    def events(self) -> Events:
        """The recorded market events."""
        from bullseye.governance.events import Events, load_events

        return Events(load_events(self.root))

    def add_event(
        self, name: str, on: date | None = None, kind: str = "other", note: str = "", by: str | None = None
    ) -> EventAdded:
        """Record a market event in ``strategy/events.yaml``; it is raised as a trigger.

        Example: ``ws.add_event("pricing change", kind="pricing")``
        """
        from bullseye.governance.events import record_event

        return record_event(self, name, on, kind, note, by)

    # -- personas in the web workspace ------------------------------------------------------------
    def merge_themes(self, label_a: str, label_b: str, by: str, split: bool = False) -> dict:
        """Record that two themes are one (or, with ``split``, that they are not, undoing a merge);
        ``bullseye themes`` and the web pages apply it. Returns the decision as written.

        Example: ``ws.merge_themes("delivery delays", "atrasos nas entregas", by="ana")``
        """
        from bullseye.people.theme_merge import record_merge

        return record_merge(self.root, label_a, label_b, by, "split" if split else "merge")

    def save_persona_form(self, name: str, form: dict, expected_hash: str) -> tuple:
        """Apply edited fields (dotted paths, see :mod:`bullseye.people.persona_edit`) to
        ``strategy/personas/<name>.yaml``; refuses a file changed since ``expected_hash`` was read."""
        from bullseye.people.persona_edit import save_persona_form

        return save_persona_form(self.root, name, form, expected_hash)

    def comment(self, target: str, field: str, text: str, author: str) -> dict:
        """Add a comment on one field of a definition (``strategy/comments/<target>.yaml``).

        Example: ``ws.comment("personas-ops-director", "pains.0.text", "Heard twice this week", "ana")``
        """
        from bullseye.people.comments import add_comment

        return add_comment(self.root, target, field, text, author)

    def comments(self, target: str) -> list[dict]:
        from bullseye.people.comments import read_comments

        return read_comments(self.root, target)

    # -- the main job ------------------------------------------------------------------------------
    def run_all(self, progress: Callable[[str, Any], None] | None = None, **options: Any) -> MainJob:
        """Load -> outcomes -> discover -> draft ICP -> backtest -> score -> people -> market -> why now;
        see :func:`bullseye.pipeline.run_all` for ``progress`` and the options.

        Example::

            job = ws.run_all()
            job.backtest.groups["ICP"]["win_rate"], job.scores.tier_counts()
        """
        from bullseye.pipeline import run_all

        return run_all(self, progress, **options)

    def close(self) -> None:
        if self._warehouse is not None:  # never open a warehouse just to close it
            self._warehouse.close()


def check_preset(preset: str | None) -> None:
    """An unknown preset is an error listing the known ones, before any file is read."""
    if preset is not None and preset not in PRESET_NAMES:
        raise InvalidInputError(f"unknown preset '{preset}'; the known presets are {', '.join(PRESET_NAMES)}")


def _as_date(value: object, name: str):
    """A date argument given as a date or 'YYYY-MM-DD'; a bad string is one line naming the argument."""
    if not isinstance(value, str):
        return value
    from datetime import date

    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInputError(f"{name}: '{value}' is not a date; use YYYY-MM-DD") from None
