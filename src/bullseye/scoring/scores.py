"""Scores under the ICP in use: the result of ``Workspace.score`` and ``Workspace.scorecard``.

The ICP in use is the published version's (its stored scorecard scores without a refit); before
any publish it is the draft ``strategy/icp.yaml`` fitted on the workspace data. Every score names
the version that produced it. Rendering lives in :mod:`bullseye.render.scoring`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from bullseye.results import Result

if TYPE_CHECKING:
    from bullseye.core.dataset import Dataset
    from bullseye.scoring.scorecard import ScoreCard
    from bullseye.strategy.icp import ICP
    from bullseye.strategy.versions import Version
    from bullseye.workspace import Workspace

__all__ = ["Scores", "ScorecardInUse", "scorecard_result", "score_companies", "write_scores", "DRAFT"]

#: The ``version`` of scores made before any publish.
DRAFT = "draft"
TIERS = ("A", "B", "C", "D")


@dataclass(repr=False)
class ScorecardInUse(Result):
    """The fitted scorecard of the ICP in use and the version it belongs to (None: the draft)."""

    card: ScoreCard
    version: Version | None = None
    split_line: str = ""
    warnings: list[str] = field(default_factory=list)

    @property
    def version_label(self) -> str:
        return f"v{self.version.number}-{self.version.hash}" if self.version is not None else DRAFT

    def to_dict(self) -> dict[str, Any]:
        card = self.card
        return {
            "icp_version": card.icp.content_hash(),
            "version": self.version_label,
            "points": card.summary.to_dict(orient="records"),
            "tiering": {
                "basis": card.tier_basis_,
                "cuts": card.tier_cuts_,
                "shares": card.icp.tiers.shares,
                "notes": card.tier_notes_,
            },
            "holdout": {
                "ece": card.ece_,
                "monotone": card.monotone_,
                "order": card.order_,
                "empty_tiers": card.empty_tiers_,
                "tiers": card.tier_table_.to_dict(orient="records"),
                "reliability": card.calibration_.to_dict(orient="records"),
            },
            "disqualifiers": [{k: v for k, v in e.items() if k != "what"} for e in card.disqualifier_effects_],
            "value_notes": list(card.value_.notes_),
            "dropped_criteria": card.dropped_criteria_,
            "warnings": self.warnings,
        }


@dataclass(repr=False)
class Scores(ScorecardInUse):
    """Every scored account (``frame``: fit score, tier, win probability, reasons, why now and the
    ``version`` that produced them) with the scorecard behind them; ``top`` is how many of the
    best accounts ``to_dict`` and the renderers list (0: all)."""

    frame: pd.DataFrame = field(default_factory=pd.DataFrame)
    top: int = 20
    out: Path | None = None

    @property
    def best(self) -> pd.DataFrame:
        """The accounts shown: best fit score first, ``top`` of them (all when ``top`` is 0)."""
        ranked = self.frame.sort_values("fit_score", ascending=False, kind="stable")
        return ranked if not self.top else ranked.head(self.top)

    def tier_counts(self) -> dict[str, int]:
        return {t: int((self.frame["tier"] == t).sum()) for t in TIERS}

    def write(self, path: Path | str) -> Path:
        """Write every score, best first (Parquet for .parquet/.pq, CSV otherwise); the path written."""
        self.out = write_scores(self.frame, path)
        return self.out

    def to_dict(self) -> dict[str, Any]:
        card = super().to_dict()
        return {
            "icp_version": card["icp_version"],
            "version": self.version_label,
            "scored": len(self.frame),
            "out": str(self.out) if self.out else None,
            "tier_counts": self.tier_counts(),
            "disqualified": int(self.frame["disqualified"].sum()),
            **{
                k: card[k]
                for k in ("tiering", "holdout", "disqualifiers", "value_notes", "dropped_criteria", "warnings")
            },
            "scores": self.best.to_dict(orient="records"),
        }


def write_scores(scores: pd.DataFrame, path: Path | str) -> Path:
    """Every score, best first: Parquet for a .parquet/.pq name, CSV otherwise."""
    from bullseye.io import write_table

    write_table(scores.sort_values("fit_score", ascending=False, kind="stable"), Path(path))
    return Path(path)


def _in_use(ws: Workspace, data: Dataset | None = None):
    from bullseye.core.dataset import build_dataset
    from bullseye.governance.lifecycle import scorecard_in_use
    from bullseye.strategy.icp import load_icp
    from bullseye.strategy.icp_warnings import icp_warnings
    from bullseye.strategy.versions import VersionStore

    if VersionStore(ws.root).current() is None:
        load_icp(ws.root)  # a broken draft is one line before any data is read
    data = data if data is not None else build_dataset(ws)
    card, version = scorecard_in_use(ws, data)  # a published version scores with its stored scorecard: no fit
    return data, card, version, icp_warnings(card.icp, data.accounts)


def scorecard_result(ws: Workspace) -> ScorecardInUse:
    """The scorecard in use (see the module docstring)."""
    data, card, version, warnings = _in_use(ws)
    return ScorecardInUse(card=card, version=version, split_line=data.split_line, warnings=warnings)


def score_companies(
    ws: Workspace,
    companies: pd.DataFrame | Path | str | None = None,
    top: int = 20,
    data: Dataset | None = None,
    icp: ICP | None = None,
) -> Scores:
    """Score ``companies`` (a frame with account columns, a file read by
    :func:`bullseye.scoring.inputs.read_companies`, or None: every CRM account) under the ICP in
    use, or under ``icp`` (fitted now, version 'draft') when given; ``data`` reuses a dataset
    already built for the workspace."""
    from bullseye.governance.lifecycle import stamp
    from bullseye.market.signals import add_why_now
    from bullseye.scoring.inputs import read_companies

    if icp is None:
        data, card, version, warnings = _in_use(ws, data)
    else:
        from bullseye.core.dataset import build_dataset
        from bullseye.scoring.scorecard import fit_scorecard
        from bullseye.strategy.icp_warnings import icp_warnings

        data = data if data is not None else build_dataset(ws)
        card, version = fit_scorecard(ws, icp, dataset=data), None
        warnings = icp_warnings(icp, data.accounts)
    if companies is None:
        frame = data.accounts
    elif isinstance(companies, pd.DataFrame):
        frame = companies
    else:
        frame = read_companies(companies, ws)
    scored = stamp(add_why_now(ws, card.score(frame), card.icp), version)
    return Scores(card=card, version=version, split_line=data.split_line, warnings=warnings, frame=scored, top=top)
