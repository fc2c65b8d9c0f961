"""Evidence for "why now" signals, from history: did new-business deals whose account had a fresh
event (within ``lookback_days`` before the deal was created) win more, or close faster, than
comparable deals without one?

Every candidate (each event type; for titled events also each normalised function x seniority)
is measured at each lookback (30, 90 and 180 days) on the closed new-business deals:

- win rates with and without the signal, with Wilson intervals, and their difference with
  Newcombe's interval (hybrid Wilson score);
- the crude odds ratio (Woolf interval) and the Mantel-Haenszel odds ratio across strata that hold
  fit constant (the scorecard's fit tiers of the ICP, else industry), with the Robins-Breslow-
  Greenland interval and the Cochran-Mantel-Haenszel test;
- median days to close of won deals with and without, with a Mann-Whitney test;
- the same plain-words strength as discovery (:func:`bullseye.discover.engine.evidence_words`):
  measured on the older deals, confirmed on the newer ones (the holdout), with the p-value on all
  deals Holm-adjusted for every candidate and lookback tested.

One candidate at one lookback is measured in :mod:`bullseye.market.signal_measure`.

Example::

    report = measure_signals(ws)               # every candidate, stratified by fit tier
    report.table()                             # one row per candidate and lookback
    propose_signals(ws)                        # Signal definitions for those that hold up
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from bullseye.errors import InvalidInputError, NotEnoughDataError, NotFoundError
from bullseye.market.event_links import link_workspace_events
from bullseye.market.signal_events import read_events, signal_masks
from bullseye.market.signal_measure import SignalTest, mantel_haenszel, measure_candidate, stratified_tables
from bullseye.people.titles import workspace_title_vocabulary
from bullseye.results import Result
from bullseye.stats import holm
from bullseye.strategy.icp import ICP, Signal, SignalFilters

if TYPE_CHECKING:
    from bullseye.core.dataset import Dataset
    from bullseye.workspace import Workspace

__all__ = [
    "SignalReport",
    "measure_signals",
    "propose_signals",
    "candidate_signals",
    "LOOKBACKS",
    "MIN_EVENTS",
    "MIN_DEALS",
    "ALPHA",
]

#: The lookbacks every candidate is tested at (days before the deal's creation).
LOOKBACKS = (30, 90, 180)
#: A title group (function x seniority) with fewer events is not a candidate of its own.
MIN_EVENTS = 20
#: A candidate with fewer deals with the signal (at a lookback) is reported, not tested: it could
#: never be significant, and counting it would only weaken the correction for the others.
MIN_DEALS = 10
#: Family-wise level for "significant" (as in discovery).
ALPHA = 0.05
EVENT_NAMES = {
    "funding": "Funding round",
    "exec_hire": "New executive",
    "headcount_change": "Headcount change",
    "layoff": "Layoffs",
    "tech_adopted": "Technology adopted",
    "tech_dropped": "Technology dropped",
    "job_posting": "Job posting",
    "exec_departure": "Executive left",
}


# -- candidates -------------------------------------------------------------------------------------
def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", str(text).lower()).strip("-") or "signal"


def candidate_signals(events: pd.DataFrame, min_events: int = MIN_EVENTS) -> list[tuple[Signal, str | None]]:
    """(candidate, parent id) for each event type with ``min_events`` events and, for event types
    whose titles are mostly recognised, each function x seniority of their titles."""
    out: list[tuple[Signal, str | None]] = []
    for kind, group in events.groupby("event_type", sort=True):
        if len(group) < min_events:
            continue
        name = EVENT_NAMES.get(kind, str(kind).replace("_", " ").capitalize())
        out.append((Signal(id=f"signal-{_slug(kind)}", name=name, event_type=kind, assumption=True), None))
        titled = group.dropna(subset=["title_function", "title_seniority"])
        if len(titled) < 0.5 * group["title"].notna().sum() or group["title"].notna().sum() < min_events:
            continue
        for (function, seniority), size in titled.groupby(["title_function", "title_seniority"]).size().items():
            if size >= min_events:
                out.append(
                    (
                        Signal(
                            id=f"signal-{_slug(kind)}-{_slug(function)}-{_slug(seniority)}",
                            name=f"{name}: {function} ({seniority})",
                            event_type=kind,
                            assumption=True,
                            filters=SignalFilters(title_function=function, title_seniority=seniority),
                        ),
                        f"signal-{_slug(kind)}",
                    )
                )
    return out


# -- the report -------------------------------------------------------------------------------------
@dataclass(repr=False)
class SignalReport(Result):
    """Every candidate at every lookback, and which signals hold up."""

    as_of: dt.date
    cutoff: dt.date | None  # None: no holdout part (the data has no date to split at)
    deals: int  # closed new-business deals measured
    strata: str  # what was held constant
    tests: list[SignalTest]
    date_range: tuple[dt.date, dt.date] | None
    explained: dict[str, str] = field(default_factory=dict)  # parent id -> why it is not proposed
    notes: list[str] = field(default_factory=list)

    def table(self) -> pd.DataFrame:
        return pd.DataFrame([t.row() for t in self.tests])

    def best(self) -> list[SignalTest]:
        """Per candidate, the lookback with the smallest adjusted p-value (the shorter on a tie)."""
        chosen: dict[str, SignalTest] = {}
        for test in self.tests:
            kept = chosen.get(test.signal.id)
            if kept is None or (test.p_adjusted, test.p_value) < (kept.p_adjusted, kept.p_value):
                chosen[test.signal.id] = test
        return sorted(chosen.values(), key=lambda t: (t.p_adjusted, t.p_value))

    def holding_up(self) -> list[SignalTest]:
        """The best lookback of each candidate that holds up, without parents explained by a child."""
        return [t for t in self.best() if t.holds_up and t.signal.id not in self.explained]

    def to_dict(self) -> dict[str, Any]:
        table = self.table()
        return {
            "as_of": self.as_of.isoformat(),
            "cutoff": self.cutoff.isoformat() if self.cutoff else None,
            "deals": self.deals,
            "strata": self.strata,
            "tests": len(self.tests),
            "explained": self.explained,
            "notes": self.notes,
            "holding_up": [t.signal.id for t in self.holding_up()],
            "candidates": table.astype(object).where(table.notna(), None).to_dict(orient="records"),
        }


def _days(values: pd.Series) -> np.ndarray:
    return pd.to_datetime(values).to_numpy(dtype="datetime64[D]").astype(np.int64)


class _Pairs:
    """Each (deal, event at its account up to ``widest`` days before its creation) pair."""

    def __init__(self, deals: pd.DataFrame, events: pd.DataFrame, widest: int) -> None:
        left = pd.DataFrame(
            {
                "deal": np.arange(len(deals)),
                "account_id": deals["account_id"].astype(str).to_numpy(),
                "created": _days(deals["created_at"]),
            }
        )
        right = pd.DataFrame(
            {
                "event": np.arange(len(events)),
                "account_id": events["company"].astype(str).to_numpy(),
                "occurred": _days(events["occurred_at"]),
            }
        )
        pairs = left.merge(right[(events["kind"] == "account").to_numpy()], on="account_id")
        lag = (pairs["created"] - pairs["occurred"]).to_numpy()
        keep = (lag >= 0) & (lag <= widest)
        self.deal, self.event, self.lag = pairs["deal"].to_numpy()[keep], pairs["event"].to_numpy()[keep], lag[keep]
        self.n_deals = len(deals)

    def flags(self, event_mask: np.ndarray, lookback: int) -> np.ndarray:
        flag = np.zeros(self.n_deals, dtype=bool)
        flag[self.deal[event_mask[self.event] & (self.lag <= lookback)]] = True
        return flag


def _strata(
    deals: pd.DataFrame, ws: Workspace, icp: ICP | None, by: str | None, data: Dataset
) -> tuple[np.ndarray, str]:
    """Stratum code of every deal, and what the strata are."""
    from bullseye.scoring.scorecard import fit_scorecard

    if by is None:
        by = "tier" if icp is not None else ("industry" if "industry" in deals.columns else "none")
    if by == "none":
        return np.zeros(len(deals), dtype=np.int64), "nothing (one stratum)"
    if by == "tier":
        if icp is None:
            raise NotFoundError(
                "holding fit constant by tier needs an ICP (strategy/icp.yaml); run `bullseye discover`"
            )
        tiers = fit_scorecard(ws, icp, dataset=data).score(deals)["tier"]
        return pd.factorize(tiers)[0].astype(np.int64), "ICP fit tier (A-D)"
    if by not in deals.columns:
        raise InvalidInputError(
            f"cannot hold '{by}' constant: the deals' accounts have no such attribute; "
            f"use 'tier', 'none' or one of: {', '.join(data.attributes)}"
        )
    codes = pd.factorize(deals[by].astype(str), use_na_sentinel=False)[0]
    return codes.astype(np.int64), by


def measure_signals(
    ws: Workspace,
    icp: ICP | None = None,
    as_of: object = None,
    strata: str | None = None,
    lookbacks: tuple[int, ...] = LOOKBACKS,
    candidates: list[tuple[Signal, str | None]] | None = None,
    dataset: Dataset | None = None,
    min_events: int = MIN_EVENTS,
) -> SignalReport:
    """Measure every candidate signal at every lookback (see the module docstring). ``icp``: the
    fit tiers to hold constant (default: strategy/icp.yaml when it exists); ``strata``: 'tier',
    'none' or an account attribute (default: 'tier' with an ICP, else 'industry')."""
    from bullseye.core.dataset import build_dataset
    from bullseye.discover.engine import evidence_words
    from bullseye.scoring.scorecard import new_business
    from bullseye.strategy.icp import ICP_FILE, load_icp

    if icp is None and (ws.root / ICP_FILE).exists() and strata in (None, "tier"):
        icp = load_icp(ws.root)
    data = dataset if dataset is not None else build_dataset(ws, as_of=as_of)
    deals = new_business(data.deals)
    deals = deals[deals["created_at"].notna()].reset_index(drop=True)
    # Events that only name their company count once the matcher links them to an account.
    linked = link_workspace_events(ws, universe=False, needed_for="measuring why-now signals").events
    events = read_events(linked, data.as_of, workspace_title_vocabulary(ws))
    candidates = candidate_signals(events, min_events) if candidates is None else candidates
    if deals.empty or not candidates:
        raise NotEnoughDataError(
            "no signals to measure: "
            + (
                "no closed new-business deals"
                if deals.empty
                else f"no event type has {min_events} events up to {data.as_of}"
            )
        )
    codes, what = _strata(deals, ws, icp, strata, data)
    pairs = _Pairs(deals, events, max(lookbacks))
    masks = dict(zip((s.id for s, _ in candidates), signal_masks([s for s, _ in candidates], events)))
    k = int(codes.max()) + 1
    tests = [
        measure_candidate(signal, parent, lookback, pairs.flags(masks[signal.id], lookback), deals, codes, k)
        for signal, parent in candidates
        for lookback in lookbacks
    ]
    family = [t for t in tests if t.deals_with >= MIN_DEALS]  # fewer could never be significant
    for test, p in zip(family, holm([t.p_value for t in family]) if family else []):
        test.p_adjusted = float(p)
    for test in tests:
        test.strength = (
            evidence_words("win", test.discovery, test.holdout, test.p_adjusted, ALPHA)
            if test.deals_with >= MIN_DEALS
            else f"not enough data: {test.deals_with} deal{'' if test.deals_with == 1 else 's'} with the signal"
        )
    timed = [(t, t.days_discovery) for t in family if t.days_p_value is not None and t.days_discovery is not None]
    for (test, found), p in zip(timed, holm([t.days_p_value for t, _ in timed]) if timed else []):
        test.days_p_adjusted = float(p)
        test.velocity_strength = evidence_words("days_to_close", found, test.days_holdout, test.days_p_adjusted, ALPHA)
    report = SignalReport(data.as_of, data.cutoff, len(deals), what, tests, data.date_range)
    _explain_parents(report, pairs, masks, deals, codes, k)
    return report


def _explain_parents(
    report: SignalReport, pairs: _Pairs, masks: dict[str, np.ndarray], deals: pd.DataFrame, codes: np.ndarray, k: int
) -> None:
    """A parent (e.g. any executive hire) whose children hold up is proposed only if its other
    events still show an effect on their own (CMH p <= ALPHA, unadjusted): otherwise the
    children say it better."""
    best = {t.signal.id: t for t in report.best()}
    for parent in [t for t in best.values() if t.parent is None and t.holds_up]:
        children = [t for t in best.values() if t.parent == parent.signal.id and t.holds_up]
        if not children:
            continue
        rest = masks[parent.signal.id].copy()
        without_children = np.ones(len(deals), dtype=bool)
        for child in children:
            rest &= ~masks[child.signal.id]
            without_children &= ~pairs.flags(masks[child.signal.id], child.lookback_days)
        won = deals["won"].to_numpy(np.int64)[without_children]
        flag = pairs.flags(rest, parent.lookback_days)[without_children]
        p = mantel_haenszel(stratified_tables(flag, won, codes[without_children], k))["p_value"]
        if math.isnan(p) or p > ALPHA:
            names = ", ".join(f"'{c.signal.name}'" for c in children)
            report.explained[parent.signal.id] = (
                f"its effect comes from {names}: without those events it shows none (p = {p:.2g})"
            )


def propose_signals(
    ws: Workspace,
    icp: ICP | None = None,
    as_of: object = None,
    dataset: Dataset | None = None,
    report: SignalReport | None = None,
) -> list[Signal]:
    """Signal definitions, with their evidence, for the candidates that hold up (strongest first)."""
    report = report if report is not None else measure_signals(ws, icp, as_of=as_of, dataset=dataset)
    return [test.to_signal(report.date_range) for test in report.holding_up()]
