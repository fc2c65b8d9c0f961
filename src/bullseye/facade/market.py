"""The facade's market methods: industries, matching the universe to the CRM, sizing, and the
"why now" signals."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from bullseye.errors import NotFoundError
from bullseye.facade.base import FacadeBase

if TYPE_CHECKING:
    from bullseye.market.draft_market import DraftMarket
    from bullseye.market.industries import IndustryMapping
    from bullseye.market.matching import MatchResult
    from bullseye.market.signal_evidence import SignalReport
    from bullseye.market.signals import SignalRanking
    from bullseye.market.sizing import MarketSize
    from bullseye.market.snapshots import SnapshotComparison

__all__ = ["MarketMixin"]


class MarketMixin(FacadeBase):
    """The Workspace's market methods; see :class:`bullseye.workspace.Workspace`."""

    # -- market ------------------------------------------------------------------------------------
    def industries(self) -> IndustryMapping:
        """How the industries of ``accounts`` and ``universe`` map onto the taxonomy or your segments."""
        from bullseye.market.industries import workspace_industries

        return workspace_industries(self._ws)

    def match(self, out: Path | None = None) -> MatchResult:
        """Universe companies matched to CRM accounts (by domain, then name); the match list is
        written to ``out`` (CSV) only when given."""
        from bullseye.market.matching import match_workspace

        result = match_workspace(self._ws)
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
        from bullseye.strategy.icp import ICP_FILE

        in_use = self._ws.strategy_in_use()
        if in_use is None:
            raise NotFoundError(
                f"{self.root / ICP_FILE} does not exist yet and nothing is published; "
                "draft one with `bullseye discover`"
            )
        data = build_dataset(self._ws)  # once, for the scorecard and the CRM's customers
        result = size_market(
            self._ws, in_use.audience or Audience(), in_use.icp, in_use.scorecard(self._ws, data), data
        )
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

        return draft_market(self._ws)

    def signals(self, days: int = 30, as_of=None, limit: int | None = 20, out: Path | None = None) -> SignalRanking:
        """Companies with a fresh "why now" signal of the ICP in use, ranked by fit times signal;
        ``limit`` rows are kept (None: all); the whole ranking is written to ``out`` (.csv or
        .parquet) only when given."""
        from bullseye.market.signals import signal_ranking

        ranking = signal_ranking(self._ws, days=days, as_of=as_of, limit=None if out is not None else limit)
        if out is not None:
            ranking.write(Path(out))
            ranking.rows = ranking.rows.head(limit) if limit else ranking.rows
        return ranking

    def signal_evidence(self, as_of=None) -> SignalReport:
        """Every candidate "why now" signal measured on the deal history, fit held constant by the
        tiers of the ICP in use."""
        from bullseye.market.signal_evidence import measure_signals

        in_use = self._ws.strategy_in_use()
        return measure_signals(self._ws, icp=in_use.icp if in_use is not None else None, as_of=as_of)

    def snapshot_events(
        self, old: Path, new: Path, *, key: str, old_date: str, new_date: str, out: Path | None = None, **options
    ) -> SnapshotComparison:
        """Events found between two snapshots of a company list (see
        :func:`bullseye.market.snapshots.snapshot_events`); written to ``out`` only when given."""
        from bullseye.market.snapshots import snapshot_events

        return snapshot_events(old, new, key=key, old_date=old_date, new_date=new_date, out=out, **options)
