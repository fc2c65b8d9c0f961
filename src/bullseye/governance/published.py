"""What a published version scores with, and how two scorecards are compared: the pieces that both
the lifecycle (preview, publish) and the diff of two versions use.

Scoring under a published version never refits: the version stores its fitted scorecard, so the
same account and version give the same score forever.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from bullseye.errors import InvalidInputError
from bullseye.strategy.versions import Version, VersionStore

if TYPE_CHECKING:
    from bullseye.core.dataset import Dataset
    from bullseye.scoring.scorecard import ScoreCard
    from bullseye.workspace import Workspace

__all__ = [
    "TIER_ORDER",
    "TIERS_WITH_DISQUALIFIED",
    "published_card",
    "scorecard_in_use",
    "stamp",
    "tier_labels",
    "tier_moves",
    "accounts_moving",
    "moves_as_dict",
    "backtest_headline",
]

TIER_ORDER = ("A", "B", "C", "D")
#: Tiers from best to worst, a disqualified account last.
TIERS_WITH_DISQUALIFIED = (*TIER_ORDER, "disqualified")


def published_card(version: Version) -> ScoreCard:
    """The scorecard stored with ``version`` (no fit)."""
    from bullseye.scoring.scorecard import ScoreCard

    icp = version.icp()
    stored = version.artefact("scorecard")
    if stored is None:
        raise InvalidInputError(f"{version.folder}: no stored scorecard; publish again to store one")
    return ScoreCard.from_artefact(icp, stored)


def scorecard_in_use(ws: Workspace, data: Dataset | None = None) -> tuple[ScoreCard, Version | None]:
    """The published version's stored scorecard (no fit), or, before any publish, the draft
    ICP's scorecard fitted on the workspace data."""
    from bullseye.scoring.scorecard import fit_scorecard
    from bullseye.strategy.icp import load_icp

    current = VersionStore(ws.root).current()
    if current is not None:
        return published_card(current), current
    return fit_scorecard(ws, load_icp(ws.root), dataset=data), None


def stamp(scores: pd.DataFrame, version: Version | None) -> pd.DataFrame:
    """Name the version that produced ``scores`` in a ``version`` column ('draft' before any publish)."""
    return scores.assign(version=f"v{version.number}-{version.hash}" if version is not None else "draft")


def tier_labels(scores: pd.DataFrame) -> pd.Series:
    """Each scored account's tier, 'disqualified' for a disqualified one."""
    tier = scores["tier"].astype(str)
    return tier.where(~scores["disqualified"].astype(bool), "disqualified") if "disqualified" in scores else tier


def tier_moves(before: pd.Series, after: pd.Series) -> pd.DataFrame:
    """Accounts by tier before (rows, ``from``) and after (columns, ``to``), every tier present."""
    order = list(TIERS_WITH_DISQUALIFIED)
    moves = pd.crosstab(pd.Categorical(before, order), pd.Categorical(after, order), dropna=False)
    moves.index.name, moves.columns.name = "from", "to"
    return moves


def accounts_moving(moves: pd.DataFrame) -> int:
    """Accounts off the diagonal of a from x to table of tiers."""
    if moves.empty:
        return 0
    values = moves.to_numpy()
    return int(values.sum() - np.trace(values))


def moves_as_dict(moves: pd.DataFrame) -> dict[str, dict[str, int]]:
    """A from x to table of tiers as JSON-ready numbers: {from: {to: accounts}}."""
    return {str(k): {str(t): int(n) for t, n in row.items()} for k, row in moves.to_dict("index").items()}


def backtest_headline(backtest: dict[str, Any] | None, scorecard: dict[str, Any] | None = None) -> dict[str, Any]:
    """The measures a reviewer compares, from a backtest's and a scorecard's stored dicts."""
    out: dict[str, Any] = {}
    for group, measures in (backtest or {}).get("groups", {}).items():
        for measure in ("win_rate", "acv", "retention", "lifetime_years", "ltv"):
            value = measures.get(measure)
            if isinstance(value, dict):
                value = value.get("value")
            out[f"{group}: {measure.replace('_', ' ')}"] = value
    if scorecard and "tier_cuts" in scorecard:
        out["tier cuts"] = scorecard["tier_cuts"]
    return out
