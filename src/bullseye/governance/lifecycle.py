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

import copy
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

import pandas as pd

from bullseye.errors import ConflictError, InvalidInputError
from bullseye.governance.auc import auc_difference
from bullseye.governance.published import (
    TIERS_WITH_DISQUALIFIED,
    accounts_moving,
    backtest_headline,
    moves_as_dict,
    published_card,
    scorecard_in_use,
    stamp,
    tier_labels,
    tier_moves,
)
from bullseye.results import Result
from bullseye.strategy.drafts import (
    check_draft,
    draft_conflict,
    draft_lock,
    draft_write,
)
from bullseye.strategy.icp import ICP, ICP_FILE
from bullseye.strategy.versions import Version, VersionStore, default_publisher

if TYPE_CHECKING:
    from bullseye.core.dataset import Dataset
    from bullseye.governance.fits import FitMemo
    from bullseye.workspace import Workspace

__all__ = [
    "Preview",
    "PublishResult",
    "History",
    "RestoredDraft",
    "preview",
    "publish",
    "rollback",
    "history",
    "restore_draft",
    "published_card",
    "scorecard_in_use",
    "stamp",
    "auc_difference",
    "PublishRefused",
    "default_publisher",
]


class PublishRefused(ConflictError):
    """The publish gate found reasons not to publish."""

    def __init__(self, reasons: list[str], result: Preview) -> None:
        super().__init__(
            "not published: "
            + "; ".join(reasons)
            + '. Fix the draft, or publish anyway with --force "the reason" (recorded).'
        )
        self.reasons, self.preview = reasons, result


@dataclass(repr=False)
class Preview(Result):
    """What publishing the draft would change."""

    draft_hash: str
    current: Version | None
    refusals: list[str]
    comparison: dict[str, Any]  # holdout AUC of both, their difference with a bootstrap interval
    tier_moves: pd.DataFrame  # from (current tier) x to (draft tier): accounts
    pipeline_moves: dict[str, float]  # open pipeline of accounts moving up / down
    fitted_card: Any = None  # the draft's fitted ScoreCard, kept as fitted (see ``draft_card``)
    data: dict[str, Any] = field(default_factory=dict)
    draft_backtest: dict[str, Any] | None = None
    texts: dict[str, str] = field(default_factory=dict)  # the draft files exactly as previewed

    @property
    def draft_card(self) -> Any:
        """The draft's fitted ScoreCard, a copy: a preview is shared by every caller of one state of
        the data (and published as it is), so what one caller does to its card stays its own."""
        return copy.deepcopy(self.fitted_card)

    @property
    def moved(self) -> int:
        return accounts_moving(self.tier_moves)

    def to_dict(self) -> dict[str, Any]:
        return {
            "draft_hash": self.draft_hash,
            "current": self.current.to_dict() if self.current else None,
            "refusals": self.refusals,
            "comparison": self.comparison,
            "tier_moves": moves_as_dict(self.tier_moves),
            "accounts_moving": self.moved,
            "pipeline_moves": self.pipeline_moves,
            "data": self.data,
        }


@dataclass(repr=False)
class PublishResult(Result):
    """A version published (or rolled back to), with what the preview found and who was told."""

    version: Version
    preview: Preview | None
    deliveries: list = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": self.version.to_dict(),
            "preview": self.preview.to_dict() if self.preview else None,
            "deliveries": [d.to_dict() for d in self.deliveries],
        }


@dataclass(repr=False)
class History(Result):
    """The published versions, newest first, and the hash of the draft (None without a draft)."""

    versions: list[Version]
    draft_hash: str | None

    def to_dict(self) -> dict[str, Any]:
        return {"draft_hash": self.draft_hash, "versions": [v.to_dict() for v in self.versions]}


@dataclass(repr=False)
class RestoredDraft(Result):
    """The draft files now say what ``version`` says."""

    version: Version
    draft_hash: str

    def to_dict(self) -> dict[str, Any]:
        return {"version": self.version.to_dict(), "draft_hash": self.draft_hash}


# -- comparing ------------------------------------------------------------------------------------
def _holdout(data: Dataset) -> pd.DataFrame:
    from bullseye.scoring.scorecard import new_business

    return new_business(data.deals_in("holdout"), data.deals)


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


def _draft_icp(ws: Workspace, texts: dict[str, str]) -> ICP:
    """The ICP of the draft files as read (one reading, so the preview and the version agree)."""
    from pydantic import ValidationError

    from bullseye.errors import ConfigError, NotFoundError
    from bullseye.yamlio import format_validation_error, parse_yaml

    path = ws.root / ICP_FILE
    if "icp.yaml" not in texts:
        raise NotFoundError(f"{path} does not exist yet; draft one with `bullseye discover`")
    text = texts["icp.yaml"]
    data = parse_yaml(text, str(path)) or {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping of keys to values at the top level")
    try:
        return ICP.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(format_validation_error(path, exc, text)) from exc


def preview(ws: Workspace, data: Dataset | None = None, expected_hash: str | None = None) -> Preview:
    """What publishing the current draft would do (fits the draft; never writes). With
    ``expected_hash``, a ConflictError when the draft is no longer the one the caller read.

    Without ``data`` the dataset, both scorecards, both backtests and the preview itself are
    memoised on the workspace object for the current state of the data (see
    :mod:`bullseye.governance.fits`): a second preview, or a publish after one, reuses them."""
    from bullseye.governance.fits import fit_memo
    from bullseye.strategy.versions import definitions_hash

    store = VersionStore(ws.root)
    texts = store.draft_texts()  # read once: the gate, the fit and the version see the same files
    draft_hash = definitions_hash(texts)  # a broken file fails here, before any fit
    if expected_hash is not None and expected_hash != draft_hash:
        raise draft_conflict(expected_hash, draft_hash)
    icp = _draft_icp(ws, texts)
    current = store.current()
    memo = fit_memo(ws)
    if data is not None:
        return _preview(ws, _GivenData(data, memo), texts, draft_hash, icp, current)
    # the generation too: the preview names it, and a lifecycle write carries the fits over to a new one
    key = ("preview", tuple(sorted(texts.items())), current.label if current else None, ws.warehouse.generation)
    return memo.get(ws, key, lambda: _preview(ws, memo, texts, draft_hash, icp, current))


class _GivenData:
    """The fits of a preview on a dataset the caller built: the scorecards are fitted on it (not
    memoised); the backtests, on the default dataset as always, come from the memo."""

    def __init__(self, data: Dataset, memo: FitMemo) -> None:
        self._data, self._memo = data, memo
        self._cards: dict[str, Any] = {}
        self._attributes: list[str] | None = None

    def dataset(self, ws: Workspace) -> Dataset:
        return self._data

    def scorecard(self, ws: Workspace, icp: ICP) -> Any:
        from bullseye.discover.leakage import non_leaking_attributes
        from bullseye.scoring.scorecard import fit_scorecard

        if self._attributes is None:  # the leakage guard once for both fits
            self._attributes = non_leaking_attributes(ws, self._data)
        key = icp.content_hash()
        if key not in self._cards:
            self._cards[key] = fit_scorecard(ws, icp, dataset=self._data, attributes=self._attributes)
        return self._cards[key]

    def backtest(self, ws: Workspace, icp: ICP) -> dict[str, Any]:
        return self._memo.backtest(ws, icp)


def _preview(
    ws: Workspace, fits: FitMemo | _GivenData, texts: dict[str, str], draft_hash: str, icp: ICP, current: Version | None
) -> Preview:
    data = fits.dataset(ws)
    refusals = _gate(icp)
    card = fits.scorecard(ws, icp)
    holdout = _holdout(data)
    frame = data.accounts
    comparison: dict[str, Any] = {}
    moves = pd.DataFrame()
    pipeline = {"up": 0.0, "down": 0.0}
    if current is not None:
        refit = fits.scorecard(ws, current.icp())  # both fitted on the same discovery part
        rows = holdout[["account_id"]].merge(frame, on="account_id", how="left")
        comparison.update(
            auc_difference(
                holdout["won"].to_numpy(),
                refit.score(rows)["win_probability"].to_numpy(),
                card.score(rows)["win_probability"].to_numpy(),
            )
        )
        comparison["current"] = current.label
        if comparison["high"] < 0:
            refusals.append(
                f"the draft ranks the holdout's new-business opportunities worse than {current.label}: "
                f"ROC AUC {comparison['second']:.3f} vs {comparison['first']:.3f} (difference "
                f"{comparison['difference']:+.3f}, 95% interval {comparison['low']:+.3f} to "
                f"{comparison['high']:+.3f})"
            )
        before, after = tier_labels(published_card(current).score(frame)), tier_labels(card.score(frame))
        moves = tier_moves(before, after)
        rank = {t: i for i, t in enumerate(TIERS_WITH_DISQUALIFIED)}
        direction = after.map(rank).to_numpy() - before.map(rank).to_numpy()
        amounts = frame["account_id"].map(_open_pipeline(ws)).fillna(0.0).to_numpy()
        pipeline = {"up": float(amounts[direction < 0].sum()), "down": float(amounts[direction > 0].sum())}
    draft_backtest = fits.backtest(ws, icp)
    if current is not None:  # both ICPs measured on the same holdout, side by side
        current_backtest = fits.backtest(ws, current.icp())
        first, second = backtest_headline(current_backtest), backtest_headline(draft_backtest)
        comparison["backtest"] = {
            k: {"current": first.get(k), "draft": second.get(k)} for k in dict.fromkeys([*first, *second])
        }
    return Preview(
        draft_hash,
        current,
        refusals,
        comparison,
        moves,
        pipeline,
        card,
        {
            "as_of": data.as_of.isoformat(),
            "generation": ws.warehouse.generation,
            "rows": {name: int(ws.table(name).count().execute()) for name in ws.loaded_tables()},
        },
        draft_backtest,
        texts,
    )


def publish(
    ws: Workspace,
    message: str,
    by: str | None = None,
    force: str | None = None,
    data: Dataset | None = None,
    notify: bool = True,
    expected_hash: str | None = None,
) -> PublishResult:
    """Publish the draft as a new version (see the module docstring for the gate).

    ``expected_hash`` is the draft's hash when the caller read it (an editor's page, a reviewed
    preview): when the draft changed since, or changes while the preview runs, nothing is published
    and a ConflictError says so. Without it, the draft as read at the start is what is checked and
    published, and a change during the preview is still refused.
    """
    if not message.strip():
        raise InvalidInputError('a version needs a message saying why: bullseye publish -m "..."')
    store = VersionStore(ws.root)
    current = store.current()
    seen = check_draft(ws.root, expected_hash)
    if current is not None and seen == current.hash:
        raise ConflictError(f"the draft is the same as {current.label}; nothing to publish")
    result = preview(ws, data, expected_hash=seen)
    if result.refusals and not force:
        raise PublishRefused(result.refusals, result)
    artefacts = {
        "scorecard": result.draft_card.to_artefact(),
        "backtest": result.draft_backtest,
        "preview": result.to_dict(),
    }
    with draft_write(ws.root, result.draft_hash):  # edited while the preview ran: that edit was not checked
        version = store.publish(
            result.texts,
            artefacts,
            message,
            by or default_publisher(),
            result.data,
            forced=force if result.refusals else None,
        )
    return PublishResult(version, result, _after_publish(ws, version, result, "publish"))


def rollback(ws: Workspace, ref: str | int, message: str, by: str | None = None, notify: bool = True) -> PublishResult:
    """Publish an earlier version's content (definitions and scorecard, unchanged) as a new version."""
    store = VersionStore(ws.root)
    old = store.get(ref)
    current = store.current()
    if current is not None and current.hash == old.hash:
        raise ConflictError(f"{old.label} is already the version in use")
    artefacts = {name: old.artefact(name) for name in ("scorecard", "backtest") if old.artefact(name) is not None}
    version = store.publish(
        old.texts(),
        artefacts,
        message or f"rollback to {old.label}",
        by or default_publisher(),
        old.data,
        rollback_of=old.number,
    )
    with draft_lock(ws.root):
        store.restore_draft(version)
    return PublishResult(version, None, _after_publish(ws, version, None, "rollback"))


def history(ws: Workspace) -> History:
    """The published versions, newest first, and the draft's hash."""
    store = VersionStore(ws.root)
    has_draft = (ws.root / ICP_FILE).exists()
    return History(list(reversed(store.versions())), store.draft_hash() if has_draft else None)


def restore_draft(ws: Workspace, ref: str | int | None = None, expected_hash: str | None = None) -> RestoredDraft:
    """Make the draft files say what version ``ref`` (default: the version in use) says; nothing is published."""
    from bullseye.errors import NotFoundError

    store = VersionStore(ws.root)
    chosen = store.get(ref) if ref is not None else store.current()
    if chosen is None:
        raise NotFoundError("no version has been published yet, so there is no draft to restore")
    with draft_write(ws.root, expected_hash):
        store.restore_draft(chosen)
    return RestoredDraft(chosen, store.draft_hash())


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
