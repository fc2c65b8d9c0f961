"""What changed between two versions of the ICP: rules, evidence, points, tiers, backtest, and the
accounts that move tier."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd

from bullseye.strategy.icp import ICP

if TYPE_CHECKING:
    from bullseye.strategy.versions import Version
    from bullseye.workspace import Workspace

__all__ = ["RuleChange", "VersionDiff", "rule_changes", "diff_versions", "backtest_headline"]


@dataclass
class RuleChange:
    kind: str  # criterion, disqualifier, signal
    id: str
    change: str  # added, removed, changed
    before: str | None
    after: str | None
    evidence_before: str | None = None
    evidence_after: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return self.__dict__.copy()


def _label(rule: Any) -> str:
    if hasattr(rule, "label"):
        return rule.label
    return f"{rule.event_type} ({', '.join(f'{k}={v}' for k, v in rule.filters.model_dump(exclude_none=True).items())})"


def _evidence(rule: Any) -> str | None:
    if getattr(rule, "assumption", False) and not rule.evidence:
        return "assumption"
    parts = []
    for item in rule.evidence:
        text = item.summary or " ".join(str(x) for x in (item.metric, item.lift) if x is not None)
        if text:
            parts.append(str(text))
    return "; ".join(parts) or None


def rule_changes(old: ICP | None, new: ICP) -> list[RuleChange]:
    """Rules added, removed or changed (conditions or evidence), by id."""
    changes = []
    for kind, attr in (("criterion", "criteria"), ("disqualifier", "disqualifiers"), ("signal", "signals")):
        before = {r.id: r for r in getattr(old, attr)} if old is not None else {}
        after = {r.id: r for r in getattr(new, attr)}
        for rid in [*before, *(i for i in after if i not in before)]:
            a, b = before.get(rid), after.get(rid)
            if a is None:
                changes.append(RuleChange(kind, rid, "added", None, _label(b), None, _evidence(b)))
            elif b is None:
                changes.append(RuleChange(kind, rid, "removed", _label(a), None, _evidence(a), None))
            elif a.model_dump() != b.model_dump():
                changes.append(RuleChange(kind, rid, "changed", _label(a), _label(b), _evidence(a), _evidence(b)))
    return changes


@dataclass
class VersionDiff:
    before: Version
    after: Version
    rules: list[RuleChange]
    settings: dict[str, tuple[Any, Any]]  # owner, review date, tiers ... that changed
    points: pd.DataFrame  # feature, level, points before, points after
    backtest: dict[str, tuple[Any, Any]]  # headline measures side by side
    tier_moves: pd.DataFrame = field(default_factory=pd.DataFrame)

    def to_dict(self) -> dict[str, Any]:
        return {"before": self.before.to_dict(), "after": self.after.to_dict(),
                "rules": [r.to_dict() for r in self.rules],
                "settings": {k: {"before": a, "after": b} for k, (a, b) in self.settings.items()},
                "points": self.points.to_dict(orient="records"),
                "backtest": {k: {"before": a, "after": b} for k, (a, b) in self.backtest.items()},
                "tier_moves": {str(k): {str(t): int(n) for t, n in row.items()}
                               for k, row in self.tier_moves.to_dict("index").items()}}


def _points(version: Version) -> pd.DataFrame:
    card = version.artefact("scorecard") or {}
    rows = [{"feature": f["name"], "level": level, "points": points}
            for f in card.get("features", []) for level, points in zip(f.get("levels", []), f.get("points", []))]
    return pd.DataFrame(rows, columns=["feature", "level", "points"])


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


def _headline(version: Version) -> dict[str, Any]:
    return backtest_headline(version.artefact("backtest"), version.artefact("scorecard"))


def diff_versions(ws: Workspace, before: Version, after: Version, frame: pd.DataFrame | None = None) -> VersionDiff:
    """Compare two published versions; ``frame`` (default: the CRM accounts) is scored under both
    stored scorecards to count the accounts that move tier."""
    from bullseye.governance.lifecycle import TIER_ORDER, _tiers_frame, published_card

    old, new = before.icp(), after.icp()
    settings = {}
    for key in ("owner", "review_date", "tiers", "review", "triggers", "description"):
        a, b = getattr(old, key), getattr(new, key)
        a = a.model_dump(mode="json") if hasattr(a, "model_dump") else a
        b = b.model_dump(mode="json") if hasattr(b, "model_dump") else b
        if a != b:
            settings[key] = (a, b)
    points = _points(before).merge(_points(after), on=["feature", "level"], how="outer", suffixes=("_before", "_after"))
    points = points[points["points_before"].fillna(-1e9) != points["points_after"].fillna(-1e9)]
    first, second = _headline(before), _headline(after)
    backtest = {k: (first.get(k), second.get(k)) for k in dict.fromkeys([*first, *second])}
    moves = pd.DataFrame()
    if frame is None and ws.has_table("accounts"):
        from bullseye.core.dataset import build_dataset

        frame = build_dataset(ws).accounts
    if frame is not None and before.artefact("scorecard") and after.artefact("scorecard"):
        order = [*TIER_ORDER, "disqualified"]
        a = _tiers_frame(published_card(before).score(frame))
        b = _tiers_frame(published_card(after).score(frame))
        moves = pd.crosstab(pd.Categorical(a, order), pd.Categorical(b, order), dropna=False)
        moves.index.name, moves.columns.name = "from", "to"
    return VersionDiff(before, after, rule_changes(old, new), settings, points.reset_index(drop=True), backtest, moves)
