"""The facade's discovery methods: find the segments, propose and save the draft ICP, backtest it,
and score companies with the scorecard in use."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from bullseye.facade.base import FacadeBase, as_date

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from datetime import date

    import pandas as pd

    from bullseye.discover.engine import DiscoveryResult
    from bullseye.discover.segments import AddedToDraft, SegmentAccounts
    from bullseye.scoring.backtest import Backtest
    from bullseye.scoring.explain import AccountExplanation
    from bullseye.scoring.scores import ScorecardInUse, Scores
    from bullseye.strategy.icp import ICP
    from bullseye.strategy.in_use import StrategyInUse

__all__ = ["DiscoveryMixin"]


class DiscoveryMixin(FacadeBase):
    """The Workspace's discovery, ICP and scoring methods; see :class:`bullseye.workspace.Workspace`."""

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
            outcomes=outcomes, max_depth=max_depth, min_support=min_support, top=top, until=as_date(until, "until")
        )
        return discover(self._ws, settings, progress=progress)

    def propose(self, discovery: DiscoveryResult) -> ICP:
        """The draft ICP the findings support (criteria, disqualifiers, signals); nothing is written."""
        from bullseye.discover.propose import propose_icp

        return propose_icp(discovery, ws=self._ws)

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

    def strategy_in_use(self) -> StrategyInUse | None:
        """The definitions scores, sizing and the web use: the published version's ICP, audience and
        stored scorecard, else the draft's with a note saying so; None with neither a version nor a draft."""
        from bullseye.strategy.icp import ICP_FILE
        from bullseye.strategy.in_use import strategy_in_use
        from bullseye.strategy.versions import VersionStore

        if VersionStore(self.root).current() is None and not (self.root / ICP_FILE).exists():
            return None
        return strategy_in_use(self._ws)

    def backtest(self, icp: ICP | None = None, margin: float = 1.0, chart: Path | str | bool | None = None) -> Backtest:
        """The ICP (default: the draft) against the rest on the holdout; ``chart``: a PNG path to write
        (True: reports/icp-churn-km.png).

        Example::

            result = ws.backtest()
            result.groups["ICP"]["win_rate"].value
        """
        from bullseye.scoring.backtest import backtest

        return backtest(self._ws, icp, margin=margin, chart=chart)

    def segment_accounts(self, discovery: DiscoveryResult, key: str, page: int = 1) -> SegmentAccounts:
        """The accounts in segment ``key`` of a discovery result (``win.better.0``), one page of them."""
        from bullseye.discover.segments import segment_accounts

        return segment_accounts(discovery, key, page=page)

    def add_to_draft(
        self, discovery: DiscoveryResult, key: str, as_disqualifier: bool = False, expected_hash: str | None = None
    ) -> AddedToDraft:
        """Add segment ``key`` of ``discovery`` to the draft ICP as a criterion (or a disqualifier);
        with ``expected_hash`` a draft changed since it was read is refused (ConflictError)."""
        from bullseye.discover.segments import add_to_draft

        return add_to_draft(self.root, discovery, key, as_disqualifier, expected_hash, owner=self.settings.owner)

    def scorecard(self) -> ScorecardInUse:
        """The fitted scorecard in use: the published version's stored one, or the draft's fitted now."""
        from bullseye.scoring.scores import scorecard_result

        return scorecard_result(self._ws)

    def explain(self, account_id: str) -> AccountExplanation:
        """CRM account ``account_id``'s score taken apart by the scorecard in use: every feature's
        points (50 plus their sum is the fit score before clipping) and its disqualifier with the evidence."""
        from bullseye.scoring.explain import explain_in_use

        return explain_in_use(self._ws, account_id)

    def score(self, companies: pd.DataFrame | Path | str | None = None, top: int = 20) -> Scores:
        """Score ``companies`` (a frame, a CSV/Parquet/Excel file, or None: every CRM account) under
        the ICP in use; ``top`` is how many of the best the result lists (0: all).

        Example::

            scores = ws.score("new-companies.csv")
            scores.frame[["account_id", "fit_score", "tier"]]
            scores.write("scores.csv")
        """
        from bullseye.scoring.scores import score_companies

        return score_companies(self._ws, companies, top=top)
