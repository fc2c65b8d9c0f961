"""One account's score taken apart: every feature's points (50 plus their sum is the unclipped fit
score), in the words ``bullseye score`` uses for its reasons, and the disqualifier that caught the
account with the evidence behind it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from bullseye.errors import NotFoundError
from bullseye.results import Result
from bullseye.scoring.features import Feature
from bullseye.scoring.scorecard import BASE_SCORE, ScoreCard, disqualifier_reason
from bullseye.scoring.tiers import cut_rule

if TYPE_CHECKING:
    from bullseye.workspace import Workspace

__all__ = ["AccountExplanation", "explain_account", "explain_in_use", "tier_cut"]


@dataclass(repr=False)
class AccountExplanation(Result):
    """``contributions``: one record per scorecard feature, largest effect first,
    ``{"feature", "kind", "level", "points", "reason"}``; ``base + sum(points)`` is ``raw_score``,
    clipped to 0-100 it is the fit score. ``disqualifier``: None or
    ``{"id", "label", "reason", "evidence": [records]}``. ``name``: the account's name when the
    CRM has one; ``version``: the ICP version whose scorecard gave the points (``draft`` before
    any publish). ``tier``: A-D as ``bullseye score`` gives it (the scorecard's stored cuts, so no
    other account is scored); ``tier_cut``: what put it there, ``{"basis", "value", "by", "cut",
    "amount", "disqualifier"}`` (see :func:`tier_cut`)."""

    account_id: str
    base: float
    raw_score: float
    fit_score: float
    contributions: list[dict[str, Any]] = field(default_factory=list)
    disqualifier: dict[str, Any] | None = None
    name: str | None = None
    version: str = "draft"
    tier: str | None = None
    tier_cut: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        from bullseye.render.encoder import jsonable

        return jsonable(
            {
                "account_id": self.account_id,
                "name": self.name,
                "version": self.version,
                "base": self.base,
                "raw_score": self.raw_score,
                "fit_score": self.fit_score,
                "tier": self.tier,
                "tier_cut": self.tier_cut,
                "contributions": self.contributions,
                "disqualifier": self.disqualifier,
            }
        )


def explain_account(
    card: ScoreCard, accounts: pd.DataFrame, account_id: str, version: str = "draft"
) -> AccountExplanation:
    """The points of every feature of ``card`` (of ICP ``version``) for account ``account_id`` of ``accounts``."""
    found = np.flatnonzero(accounts["account_id"].astype(str).to_numpy() == str(account_id))
    if not len(found):
        raise NotFoundError(f"no account with id '{account_id}'")
    row = accounts.iloc[found[:1]]
    points = card.explain(row).iloc[0]
    contributions: list[dict[str, Any]] = []
    for feature in card.features_:
        level = int(feature.codes(row, {})[0])
        reason = str(feature.learned("reasons")[level])
        contributions.append(
            {
                "feature": feature.name,
                "kind": feature.kind,
                "level": _words(feature, level),
                "points": float(points[feature.name]),
                "reason": reason,
            }
        )
    contributions.sort(key=lambda c: -abs(c["points"]))
    raw = BASE_SCORE + float(points.sum())
    name = row["name"].iloc[0] if "name" in row.columns else None
    scored = card.score(row, n_reasons=0).iloc[0]
    return AccountExplanation(
        account_id=str(account_id),
        name=None if pd.isna(name) else str(name),
        version=version,
        base=float(BASE_SCORE),
        raw_score=raw,
        fit_score=round(float(np.clip(raw, 0, 100)), 1),
        contributions=contributions,
        disqualifier=_disqualifier(card, scored["disqualified_by"]),
        tier=str(scored["tier"]),
        tier_cut=tier_cut(card, scored, raw),
    )


def tier_cut(card: ScoreCard, scored: pd.Series, raw: float) -> dict[str, Any]:
    """What put a scored account (a row of ``card.score``) in its tier. ``basis``: fit_score or
    expected_value, ``value``: the account's on it; ``by``: quantile, capacity or fixed (the cut of
    its tier A-C, ``amount`` the share, accounts or score set), below (tier D: under C's cut) or
    disqualifier (a "loses more" rule, ``disqualifier`` its id, forced it to D); ``cut``: the cut
    the value was compared with."""
    basis = card.tier_basis_
    value = float(scored["expected_value"]) if basis == "expected_value" else float(np.clip(raw, 0, 100))
    out: dict[str, Any] = {
        "basis": basis,
        "value": value,
        "by": None,
        "cut": None,
        "amount": None,
        "disqualifier": None,
    }
    tier, cuts = str(scored["tier"]), card.tier_cuts_
    if tier in cuts:
        by, amount = cut_rule(card.icp.tiers, tier)
        return out | {"by": by, "amount": amount, "cut": float(cuts[tier])}
    by_rule = scored["disqualified_by"]
    index = next((i for i, d in enumerate(card.icp.disqualifiers) if d.id == by_rule), None)
    if index is not None and card.outcomes_[index] == "win":
        return out | {"by": "disqualifier", "disqualifier": by_rule}
    return out | {"by": "below", "cut": float(cuts["C"])}


def _words(feature: Feature, level: int) -> str:
    """The account's level of ``feature`` in words; a rule says whether it holds (``describe`` names the rule only)."""
    if feature.kind == "disqualifier":
        return feature.describe(level) if level else f"{feature.flag_rule.label}: not disqualified"
    if feature.kind in ("criterion", "segment"):
        return f"{feature.describe(level)}: {'met' if level else 'not met'}"
    return feature.describe(level)


def _disqualifier(card: ScoreCard, by: str | None) -> dict[str, Any] | None:
    rule = next((d for d in card.icp.disqualifiers if d.id == by), None)
    if rule is None:
        return None
    return {
        "id": rule.id,
        "label": rule.label,
        "reason": disqualifier_reason(rule),
        "evidence": [e.model_dump(exclude_none=True) for e in rule.evidence],
    }


def explain_in_use(ws: Workspace, account_id: str) -> AccountExplanation:
    """Account ``account_id`` of the CRM explained by the scorecard in use (as ``bullseye score`` scores it)."""
    from bullseye.scoring.scores import _in_use

    data, card, version, _ = _in_use(ws)
    return explain_account(card, data.accounts, account_id, version.label if version is not None else "draft")
