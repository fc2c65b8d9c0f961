"""The facade's data methods: load the exports, preview a mapping, read the quarantine, and the
outcomes and funnel metrics measured on what was loaded."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from bullseye.config import SETTINGS_FILE
from bullseye.errors import NotFoundError
from bullseye.facade.base import FacadeBase, as_date, check_preset
from bullseye.paths import contained, is_inside, workspace_glob
from bullseye.yamlio import dump_model

if TYPE_CHECKING:
    from datetime import date

    from bullseye.ingest.loader import LoadReport
    from bullseye.ingest.mapping import MappingFile
    from bullseye.ingest.preview import MappingPreview
    from bullseye.ingest.quarantine import Quarantine
    from bullseye.outcomes.funnel import FunnelMetrics
    from bullseye.outcomes.summary import OutcomeSummary

__all__ = ["DataMixin"]


class DataMixin(FacadeBase):
    """The Workspace's data methods; see :class:`bullseye.workspace.Workspace`."""

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
        paths = self._export_paths(files)
        if not paths:
            raise NotFoundError(f"no files to load: nothing matches {', '.join(load_settings.files)} in {self.root}")
        from bullseye.ingest.loader import load_files

        return load_files(
            self._ws,
            paths,
            preset=preset or load_settings.preset,
            mapping_file=mapping if mapping is not None else self._mapping_in_use(),
            progress=progress,
        )

    def _export_paths(self, files: list[Path] | None) -> list[Path]:
        """The exports given, or (none given) those matching ``load.files`` of bullseye.yaml."""
        if files:
            return [Path(f) for f in files]
        source = f"{self.root / SETTINGS_FILE}: load.files"
        return sorted({p for pattern in self.settings.load.files for p in workspace_glob(self.root, pattern, source)})

    def _mapping_in_use(self) -> Path | None:
        """``load.mapping`` of bullseye.yaml, which must be inside the workspace; None when unset."""
        if not self.settings.load.mapping:
            return None
        return contained(self.root / self.settings.load.mapping, [self.root], f"{SETTINGS_FILE}: load.mapping")

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
        if mapping is None:
            mapping = self._mapping_in_use()
        return preview_mapping(self._ws, self._export_paths(files), preset or self.settings.load.preset, mapping, rows)

    def quarantine(
        self, table: str | None = None, reason: str | None = None, limit: int | None = None, page: int = 1
    ) -> Quarantine:
        """What the loads set aside: file, line, column, value and reason, with counts per table and
        reason; ``table`` and ``reason`` (a part of the reason, any case) narrow it, and ``limit`` rows
        come back, page ``page`` of them (no limit: all; 0: only the counts). ``total`` counts all
        that match. The CLI shows the first page, the web's Data page browses them.

        Example: ``ws.quarantine(table="deals", reason="not a date", limit=50, page=2).frame``
        """
        from bullseye.ingest.quarantine import quarantine_issues

        return quarantine_issues(self._ws, table=table, reason=reason, limit=limit, page=page)

    # -- outcomes ------------------------------------------------------------------
    def outcomes(self, by: str | None = None, as_of: date | str | None = None) -> OutcomeSummary:
        """Win rate, days to close, discount, ACV, ARR, churn, NRR, usage and NPS, overall and ``by``
        an account attribute, as of a date (default: the latest date in the data).

        Example::

            summary = ws.outcomes(by="industry")
            summary.overall["win_rate"], summary.to_frame()
        """
        from bullseye.outcomes.summary import outcome_summary

        return outcome_summary(self._ws, by=by, as_of=as_date(as_of, "as_of"))

    # -- funnel metrics --------------------------------------------------------------------------
    def funnel(self, as_of: object = None, by: str | None = None) -> FunnelMetrics:
        """Conversion per funnel stage, CAC by channel (and by ``by``), LTV, LTV:CAC and payback
        months, each with its interval and assumptions; see :mod:`bullseye.outcomes.funnel`.

        Example: ``ws.funnel(by="industry").to_dict()["ltv_to_cac"]``
        """
        from bullseye.outcomes.funnel import funnel_metrics

        return funnel_metrics(self._ws, as_of=as_of, by=by)
