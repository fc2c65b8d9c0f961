"""The ICP's lifecycle: preview and publish the draft behind a gate, look back, diff, roll back.

``preview`` answers what a reviewer asks before a new version goes out: how does the draft do
against the version in use on the same holdout, how many accounts change tier and in which
direction, and how much open pipeline moves with them. ``publish`` refuses (unless forced with a
reason, which is recorded) when the owner or review date is missing, when a rule has no evidence
and is not marked as an assumption, or when the draft ranks the holdout worse than the version in
use beyond noise. A published version stores its fitted scorecard, so scoring under it never
refits: the same account and version give the same score forever.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from bullseye.errors import ConflictError, InvalidInputError
from bullseye.strategy.icp import ICP
from bullseye.strategy.versions import Version, VersionStore, default_publisher

if TYPE_CHECKING:
    from bullseye.core.dataset import Dataset
    from bullseye.scoring.scorecard import ScoreCard
    from bullseye.workspace import Workspace

__all__ = ["Preview", "PublishResult", "preview", "publish", "rollback", "published_card", "scorecard_in_use", "stamp",
           "auc_difference",
           "PublishRefused", "default_publisher"]

TIER_ORDER = ("A", "B", "C", "D")
BOOTSTRAP_ROUNDS = 1000


class PublishRefused(ConflictError):
    """The publish gate found reasons not to publish."""

    def __init__(self, reasons: list[str], result: Preview) -> None:
        super().__init__("not published: " + "; ".join(reasons) +
                         ". Fix the draft, or publish anyway with --force \"the reason\" (recorded).")
        self.reasons, self.preview = reasons, result


@dataclass
class Preview:
    """What publishing the draft would change."""

    draft_hash: str
    current: Version | None
    refusals: list[str]
    comparison: dict[str, Any]  # holdout AUC of both, their difference with a bootstrap interval
    tier_moves: pd.DataFrame  # from (current tier) x to (draft tier): accounts
    pipeline_moves: dict[str, float]  # open pipeline of accounts moving up / down
    draft_card: ScoreCard | None = None
    data: dict[str, Any] = field(default_factory=dict)
    draft_backtest: dict[str, Any] | None = None

    @property
    def moved(self) -> int:
        if self.tier_moves.empty:
            return 0
        values = self.tier_moves.to_numpy()
        return int(values.sum() - np.trace(values))

    def to_dict(self) -> dict[str, Any]:
        return {"draft_hash": self.draft_hash, "current": self.current.to_dict() if self.current else None,
                "refusals": self.refusals, "comparison": self.comparison,
                "tier_moves": {str(k): {str(t): int(n) for t, n in row.items()}
                               for k, row in self.tier_moves.to_dict("index").items()},
                "accounts_moving": self.moved, "pipeline_moves": self.pipeline_moves, "data": self.data}


@dataclass
class PublishResult:
    version: Version
    preview: Preview | None
    deliveries: list = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"version": self.version.to_dict(), "preview": self.preview.to_dict() if self.preview else None,
                "deliveries": [d.to_dict() for d in self.deliveries]}


# -- scoring under a version ----------------------------------------------------------------------
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


# -- comparing ------------------------------------------------------------------------------------
def _holdout(data: Dataset) -> pd.DataFrame:
    from bullseye.scoring.scorecard import new_business

    return new_business(data.deals_in("holdout"), data.deals)


def auc_difference(won: np.ndarray, first: np.ndarray, second: np.ndarray, seed: int = 0) -> dict[str, float]:
    """ROC AUC of two scores on the same outcomes, and the difference (second - first) with a
    paired bootstrap 95% interval (resampling the same rows for both)."""
    from sklearn.metrics import roc_auc_score

    won = np.asarray(won, dtype=int)
    if len(np.unique(won)) < 2:
        return {"first": float("nan"), "second": float("nan"), "difference": float("nan"), "low": float("nan"),
                "high": float("nan"), "n": int(len(won))}
    rng = np.random.default_rng(seed)
    differences = []
    for _ in range(BOOTSTRAP_ROUNDS):
        pick = rng.integers(0, len(won), len(won))
        if won[pick].min() == won[pick].max():
            continue
        differences.append(roc_auc_score(won[pick], second[pick]) - roc_auc_score(won[pick], first[pick]))
    a, b = roc_auc_score(won, first), roc_auc_score(won, second)
    low, high = np.percentile(differences, [2.5, 97.5]) if differences else (float("nan"), float("nan"))
    return {"first": float(a), "second": float(b), "difference": float(b - a), "low": float(low),
            "high": float(high), "n": int(len(won))}


def _tiers_frame(scores: pd.DataFrame) -> pd.Series:
    tier = scores["tier"].astype(str)
    return tier.where(~scores["disqualified"].astype(bool), "disqualified") if "disqualified" in scores else tier


def _open_pipeline(ws: Workspace) -> pd.Series:
    """Open deal amount per account."""
    if not ws.has_table("deals"):
        return pd.Series(dtype=float)
    deals = ws.table("deals")
    frame = deals.filter(deals["stage"] == "open").select("account_id", "amount").to_pandas()
    return frame.groupby("account_id")["amount"].sum(min_count=1).fillna(0.0)


def _gate(icp: ICP) -> list[str]:
    reasons = []
    if not icp.owner:
        reasons.append("the ICP has no owner (set `owner:` in strategy/icp.yaml: one accountable person)")
    if icp.review_date is None:
        reasons.append("the ICP has no review date (set `review_date:` in strategy/icp.yaml)")
    elif icp.review_date < date.today():
        reasons.append(f"the review date {icp.review_date.isoformat()} has passed; set the next one")
    if not icp.criteria:
        reasons.append("the ICP has no criteria")
    for rule in [*icp.criteria, *icp.disqualifiers]:
        if not rule.evidence and not rule.assumption:
            reasons.append(f"'{rule.id}' has no evidence and is not marked as an assumption")
    return reasons


def preview(ws: Workspace, data: Dataset | None = None) -> Preview:
    """What publishing the current draft would do (fits the draft; never writes)."""
    from bullseye.core.dataset import build_dataset
    from bullseye.scoring.scorecard import fit_scorecard
    from bullseye.strategy.icp import load_icp

    store = VersionStore(ws.root)
    icp = load_icp(ws.root)
    store.draft_texts()  # reads every definition file: a broken one fails here, before any fit
    data = data if data is not None else build_dataset(ws)
    current = store.current()
    refusals = _gate(icp)
    card = fit_scorecard(ws, icp, dataset=data)
    holdout = _holdout(data)
    frame = data.accounts
    comparison: dict[str, Any] = {}
    moves = pd.DataFrame()
    pipeline = {"up": 0.0, "down": 0.0}
    if current is not None:
        refit = fit_scorecard(ws, current.icp(), dataset=data)  # both fitted on the same discovery part
        rows = holdout[["account_id"]].merge(frame, on="account_id", how="left")
        comparison = auc_difference(holdout["won"].to_numpy(), refit.score(rows)["win_probability"].to_numpy(),
                                    card.score(rows)["win_probability"].to_numpy())
        comparison["current"] = current.label
        if comparison["high"] < 0:
            refusals.append(f"the draft ranks the holdout's new-business opportunities worse than {current.label}: "
                            f"ROC AUC {comparison['second']:.3f} vs {comparison['first']:.3f} (difference "
                            f"{comparison['difference']:+.3f}, 95% interval {comparison['low']:+.3f} to "
                            f"{comparison['high']:+.3f})")
        in_use = published_card(current).score(frame)
        drafted = card.score(frame)
        before, after = _tiers_frame(in_use), _tiers_frame(drafted)
        order = [*TIER_ORDER, "disqualified"]
        moves = pd.crosstab(pd.Categorical(before, order), pd.Categorical(after, order), dropna=False)
        moves.index.name, moves.columns.name = "from", "to"
        rank = {t: i for i, t in enumerate(order)}
        direction = after.map(rank).to_numpy() - before.map(rank).to_numpy()
        amounts = frame["account_id"].map(_open_pipeline(ws)).fillna(0.0).to_numpy()
        pipeline = {"up": float(amounts[direction < 0].sum()), "down": float(amounts[direction > 0].sum())}
    from bullseye.governance.diff import backtest_headline
    from bullseye.scoring.backtest import backtest

    draft_backtest = backtest(ws, icp, chart=False).to_dict()
    if current is not None:  # both ICPs measured on the same holdout, side by side
        current_backtest = backtest(ws, current.icp(), chart=False).to_dict()
        before, after = backtest_headline(current_backtest), backtest_headline(draft_backtest)
        comparison["backtest"] = {k: {"current": before.get(k), "draft": after.get(k)}
                                  for k in dict.fromkeys([*before, *after])}
    result = Preview(store.draft_hash(), current, refusals, comparison, moves, pipeline, card,
                     {"as_of": data.as_of.isoformat(), "generation": ws.warehouse.generation,
                      "rows": {name: int(ws.table(name).count().execute()) for name in ws.loaded_tables()}})
    result.draft_backtest = draft_backtest
    return result


def publish(ws: Workspace, message: str, by: str | None = None, force: str | None = None,
            data: Dataset | None = None, notify: bool = True) -> PublishResult:
    """Publish the draft as a new version (see the module docstring for the gate)."""
    if not message.strip():
        raise InvalidInputError("a version needs a message saying why: bullseye publish -m \"...\"")
    store = VersionStore(ws.root)
    current = store.current()
    if current is not None and store.draft_hash() == current.hash:
        raise ConflictError(f"the draft is the same as {current.label}; nothing to publish")
    result = preview(ws, data)
    if result.refusals and not force:
        raise PublishRefused(result.refusals, result)
    artefacts = {"scorecard": result.draft_card.to_artefact(), "backtest": result.draft_backtest,
                 "preview": result.to_dict()}
    version = store.publish(store.draft_texts(), artefacts, message, by or default_publisher(), result.data,
                            forced=force if result.refusals else None)
    return PublishResult(version, result, _after_publish(ws, version, result, "publish"))


def rollback(ws: Workspace, ref: str | int, message: str, by: str | None = None,
             notify: bool = True) -> PublishResult:
    """Publish an earlier version's content (definitions and scorecard, unchanged) as a new version."""
    store = VersionStore(ws.root)
    old = store.get(ref)
    current = store.current()
    if current is not None and current.hash == old.hash:
        raise ConflictError(f"{old.label} is already the version in use")
    artefacts = {name: old.artefact(name) for name in ("scorecard", "backtest") if old.artefact(name) is not None}
    version = store.publish(old.texts(), artefacts, message or f"rollback to {old.label}", by or default_publisher(),
                            old.data, rollback_of=old.number)
    store.restore_draft(version)
    return PublishResult(version, None, _after_publish(ws, version, None, "rollback"))


def _after_publish(ws: Workspace, version: Version, result: Preview | None, event: str) -> list:
    """Mirror the version in the warehouse, resolve open triggers, push the brief. Never raises
    for a failed notification."""
    from bullseye.governance.brief import version_brief
    from bullseye.governance.notify import record_deliveries, send
    from bullseye.governance.register import mirror_version, resolve_open_triggers

    mirror_version(ws, version)
    resolve_open_triggers(ws, version)
    settings = ws.settings.notify
    if not settings.webhooks and settings.email is None:
        return []
    deliveries = send(settings, version_brief(ws, version, result, event))
    record_deliveries(ws, deliveries)
    return deliveries
