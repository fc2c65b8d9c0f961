"""What changed between two versions of the ICP: rules, evidence, points, tiers, backtest, and the
accounts that move tier."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd

from bullseye.errors import NotFoundError
from bullseye.governance.published import (
    accounts_moving,
    backtest_headline,
    moves_as_dict,
    published_card,
    tier_labels,
    tier_moves,
)
from bullseye.results import Result
from bullseye.strategy.icp import ICP

if TYPE_CHECKING:
    from bullseye.strategy.versions import Version
    from bullseye.workspace import Workspace

__all__ = ["RuleChange", "VersionDiff", "rule_changes", "diff_versions", "compare_versions", "backtest_headline"]


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


@dataclass(repr=False)
class VersionDiff(Result):
    """What changed from version ``before`` to version ``after``."""

    before: Version
    after: Version
    rules: list[RuleChange]
    settings: dict[str, tuple[Any, Any]]  # owner, review date, tiers ... that changed
    points: pd.DataFrame  # feature, level, points before, points after
    backtest: dict[str, tuple[Any, Any]]  # headline measures side by side
    tier_moves: pd.DataFrame = field(default_factory=pd.DataFrame)

    def to_dict(self) -> dict[str, Any]:
        return {
            "before": self.before.to_dict(),
            "after": self.after.to_dict(),
            "rules": [r.to_dict() for r in self.rules],
            "settings": {k: {"before": a, "after": b} for k, (a, b) in self.settings.items()},
            "points": self.points.to_dict(orient="records"),
            "backtest": {k: {"before": a, "after": b} for k, (a, b) in self.backtest.items()},
            "tier_moves": moves_as_dict(self.tier_moves),
            "accounts_moving": self.moved,
        }

    @property
    def moved(self) -> int:
        return accounts_moving(self.tier_moves)


def _points(version: Version) -> pd.DataFrame:
    card = version.artefact("scorecard") or {}
    rows = [
        {"feature": f["name"], "level": level, "points": points}
        for f in card.get("features", [])
        for level, points in zip(f.get("levels", []), f.get("points", []))
    ]
    return pd.DataFrame(rows, columns=["feature", "level", "points"])


def _headline(version: Version) -> dict[str, Any]:
    return backtest_headline(version.artefact("backtest"), version.artefact("scorecard"))


def diff_versions(ws: Workspace, before: Version, after: Version, frame: pd.DataFrame | None = None) -> VersionDiff:
    """Compare two published versions; ``frame`` (default: the CRM accounts) is scored under both
    stored scorecards to count the accounts that move tier."""
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
        moves = tier_moves(
            tier_labels(published_card(before).score(frame)), tier_labels(published_card(after).score(frame))
        )
    return VersionDiff(before, after, rule_changes(old, new), settings, points.reset_index(drop=True), backtest, moves)


def compare_versions(ws: Workspace, before: str | int | None = None, after: str | int | None = None) -> VersionDiff:
    """The diff of two published versions named by number or hash; ``after`` defaults to the
    version in use and ``before`` to the one published before ``after``."""
    from bullseye.strategy.versions import VersionStore

    store = VersionStore(ws.root)
    versions = store.versions()
    second = store.get(after) if after is not None else (versions[-1] if versions else None)
    if second is None:
        raise NotFoundError('no published version yet; publish one with `bullseye publish -m "why"`')
    first = (
        store.get(before)
        if before is not None
        else next((v for v in reversed(versions) if v.number < second.number), None)
    )
    if first is None:
        raise NotFoundError(f"{second.label} is the first version; there is nothing before it to compare with")
    return diff_versions(ws, first, second)
