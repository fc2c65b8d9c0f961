"""The definitions in use: the published version's ICP, audience and stored scorecard.

Sizing, "why now" and everything else that reports on the market read these, never the draft
silently: an exploratory ``bullseye discover`` rewrites ``strategy/icp.yaml`` (the draft), and a
market sized on that draft collapses without a word. Before anything is published the draft is
used, and ``note`` says so in one line.

Example:
    >>> from bullseye.strategy.in_use import DRAFT_NOTE
    >>> "publish" in DRAFT_NOTE
    True
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from bullseye.strategy.audience import AUDIENCE_FILE, Audience
from bullseye.strategy.icp import ICP, load_icp
from bullseye.strategy.versions import Version, VersionStore
from bullseye.yamlio import load_model

if TYPE_CHECKING:
    from bullseye.core.dataset import Dataset
    from bullseye.scoring.scorecard import ScoreCard
    from bullseye.workspace import Workspace

__all__ = ["StrategyInUse", "strategy_in_use", "DRAFT_NOTE"]

DRAFT_NOTE = (
    "nothing is published yet, so this uses the draft strategy/icp.yaml; "
    'publish it with `bullseye publish -m "why"` to fix what the market numbers use'
)


@dataclass
class StrategyInUse:
    """The ICP and audience that reports use, the version they come from (None: the draft) and,
    when the draft stands in, a one-line note saying so."""

    icp: ICP
    audience: Audience | None  # None: no audience file (the whole universe is the audience)
    version: Version | None
    note: str | None

    @property
    def label(self) -> str:
        """``v3 (1a2b3c4d5e6f)`` or ``draft``."""
        return self.version.label if self.version is not None else "draft"

    def scorecard(self, ws: Workspace, data: Dataset | None = None) -> ScoreCard:
        """The version's stored scorecard (no fit), or the draft's fitted on the workspace data."""
        if self.version is not None:
            from bullseye.governance.lifecycle import published_card

            return published_card(self.version)
        from bullseye.scoring.scorecard import fit_scorecard

        return fit_scorecard(ws, self.icp, dataset=data)


def strategy_in_use(ws: Workspace) -> StrategyInUse:
    """The published version's definitions, or the draft's with a note when nothing is published."""
    current = VersionStore(ws.root).current()
    if current is not None:
        audience_file = current.folder / "audience.yaml"
        audience = load_model(Audience, audience_file) if audience_file.is_file() else None
        return StrategyInUse(current.icp(), audience, current, None)
    draft_audience = ws.root / AUDIENCE_FILE
    audience = load_model(Audience, draft_audience) if draft_audience.is_file() else None
    return StrategyInUse(load_icp(ws.root), audience, None, DRAFT_NOTE)
