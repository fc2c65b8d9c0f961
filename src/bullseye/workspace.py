"""The Workspace: the one object every command, the web app and notebooks use."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import ibis.expr.types as ir

from bullseye.config import PRESET_NAMES, SETTINGS_FILE, Settings
from bullseye.core.schema import TABLES
from bullseye.core.warehouse import Warehouse
from bullseye.errors import (
    ConflictError,
    InvalidInputError,
    MissingTableError,
    NotFoundError,
    WorkspaceNotFound,
)
from bullseye.paths import contained, workspace_glob
from bullseye.yamlio import dump_model, load_model

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from datetime import date

    import pandas as pd

    from bullseye.discover.engine import DiscoveryResult
    from bullseye.ingest.quarantine import Quarantine
    from bullseye.outcomes.summary import OutcomeSummary
    from bullseye.pipeline import MainJob

    from bullseye.ingest.loader import LoadReport
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
    - people: ``committee``, ``themes``, ``personas``, ``cards``
    - market: ``industries``, ``match``, ``size``, ``signals``
    - lifecycle: ``preview``, ``publish``, ``history``, ``diff``, ``rollback``, ``restore_draft``,
      ``status``, ``check``, ``triggers``, ``events``, ``add_event``
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
        self.warehouse = Warehouse(self.state_dir / "warehouse.duckdb", self.settings.memory_limit)

    # -- construction -------------------------------------------------------------------------
    @classmethod
    def init(cls, path: Path | str, name: str | None = None, exist_ok: bool = False) -> Workspace:
        root = Path(path)
        settings_file = root / SETTINGS_FILE
        if settings_file.exists() and not exist_ok:
            raise ConflictError(f"{settings_file} already exists; this is already a workspace")
        if root.exists() and not root.is_dir():
            raise ConflictError(f"{root} exists and is not a directory")
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

    def load(self, files: list[Path] | None = None, preset: str | None = None,
             mapping: Path | None = None, progress=None) -> LoadReport:
        """Load exports (default: the ``load.files`` globs of bullseye.yaml) into the canonical tables;
        every row is loaded or quarantined, and the LoadReport's counts reconcile (see
        :mod:`bullseye.ingest.loader`); a failed load leaves the warehouse as it was.

        Example::

            report = ws.load(["data/accounts.csv", "data/deals.csv"], preset="hubspot")
            report.reconciles, report.table_rows
        """
        from bullseye.ingest.loader import load_files

        check_preset(preset)
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
        return load_files(self, [Path(f) for f in files], preset=preset or load_settings.preset,
                          mapping_file=mapping, progress=progress)

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
                return (f"the mapping {mapping} is outside the workspace, so it was not saved in {SETTINGS_FILE}; "
                        f"move it into the workspace to have `bullseye load` use it by default")
            relative = resolved.relative_to(self.root).as_posix()
            if relative != current.mapping:
                update["mapping"] = relative
        if not update:
            return None
        self.settings = self.settings.model_copy(update={"load": current.model_copy(update=update)})
        dump_model(self.settings, self.root / SETTINGS_FILE)
        said = ", ".join(f"load.{key}: {value}" for key, value in update.items())
        return f"Saved {said} in {SETTINGS_FILE}; the next plain `bullseye load` reads the exports the same way."

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

    def discover(self, outcome: str | Sequence[str] = "all", max_depth: int = 3, min_support: int | None = None,
                 top: int = 10, target: str | None = None, until: date | str | None = None,
                 progress: Callable[[str], None] | None = None) -> DiscoveryResult:
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
        settings = DiscoverySettings(outcomes=outcomes, max_depth=max_depth, min_support=min_support, top=top,
                                     until=_as_date(until, "until"))
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

    def backtest(self, icp: ICP | None = None, margin: float = 1.0, chart: Path | str | None = None) -> Backtest:
        """The ICP (default: the draft) against the rest on the holdout; ``chart``: a PNG path to write.

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

    # -- market ------------------------------------------------------------------------------------

    # -- lifecycle: versions, reviews, triggers, drift ---------------------------------------------

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
        self.warehouse.close()


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
