"""Scores for the workspace's accounts: fit, score, and add each account's why-now signal."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from bullseye.core.dataset import build_dataset
from bullseye.market.signals import add_why_now
from bullseye.scoring.scorecard import ScoreCard, fit_scorecard
from bullseye.strategy.icp import ICP, load_icp

if TYPE_CHECKING:
    from bullseye.workspace import Workspace

__all__ = ["score_accounts"]


def score_accounts(
    ws: Workspace,
    icp: ICP | None = None,
    frame: pd.DataFrame | None = None,
    card: ScoreCard | None = None,
    as_of: object = None,
) -> pd.DataFrame:
    """Score ``frame`` (default: every CRM account) with a scorecard fitted on the workspace data,
    plus ``why_now`` and ``why_now_score``: the account's strongest fresh signal of the ICP as of
    ``as_of`` (see :mod:`bullseye.market.signals`; '' and 0 when there is none)."""
    if card is None or frame is None:
        icp = icp if icp is not None else (card.icp if card is not None else load_icp(ws.root))
        dataset = build_dataset(ws, as_of=as_of)
        card = card if card is not None else fit_scorecard(ws, icp, dataset=dataset)
        frame = frame if frame is not None else dataset.accounts
    return add_why_now(ws, card.score(frame), card.icp, as_of)
