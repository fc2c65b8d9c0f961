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
from scipy import stats

from bullseye.core.dataset import PERIOD
from bullseye.core.units import Units
from bullseye.errors import InvalidInputError, NotEnoughDataError, NotFoundError
from bullseye.market.event_links import link_workspace_events
from bullseye.market.signal_events import read_events, signal_masks
from bullseye.people.titles import workspace_title_vocabulary
from bullseye.results import Result
from bullseye.stats import holm, wilson_interval
from bullseye.strategy.icp import ICP, Evidence, Signal, SignalFilters

if TYPE_CHECKING:
    from bullseye.core.dataset import Dataset
    from bullseye.discover.findings import Measure
    from bullseye.workspace import Workspace

__all__ = [
    "SignalTest",
    "SignalReport",
    "measure_signals",
    "propose_signals",
    "candidate_signals",
    "mantel_haenszel",
    "odds_ratio",
    "difference_interval",
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


# -- statistics -------------------------------------------------------------------------------------
def odds_ratio(a: float, b: float, c: float, d: float, confidence: float = 0.95) -> tuple[float, float, float]:
    """Odds ratio of the 2x2 table [[a, b], [c, d]] with Woolf's (log) interval; 0.5 is added to
    every cell when one is empty (Haldane), so the ratio stays finite."""
    if min(a, b, c, d) == 0:
        a, b, c, d = a + 0.5, b + 0.5, c + 0.5, d + 0.5
    log_or = math.log(a * d / (b * c))
    half = float(stats.norm.isf((1 - confidence) / 2)) * math.sqrt(1 / a + 1 / b + 1 / c + 1 / d)
    return math.exp(log_or), math.exp(log_or - half), math.exp(log_or + half)


def difference_interval(k1: int, n1: int, k2: int, n2: int, confidence: float = 0.95) -> tuple[float, float, float]:
    """p1 - p2 with Newcombe's hybrid score interval (from the two Wilson intervals)."""
    if not n1 or not n2:
        return math.nan, math.nan, math.nan
    p1, p2 = k1 / n1, k2 / n2
    (l1, l2), (u1, u2) = (np.asarray(v, float) for v in wilson_interval([k1, k2], [n1, n2], confidence))
    diff = p1 - p2
    return diff, diff - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2), diff + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)


def mantel_haenszel(tables: Any, confidence: float = 0.95) -> dict[str, float]:
    """Mantel-Haenszel odds ratio over 2x2 tables ``[[a, b], [c, d]]`` (one per stratum), its
    Robins-Breslow-Greenland interval, and the Cochran-Mantel-Haenszel test of no association
    (chi-square, 1 df, no continuity correction; two-sided p-value). Strata with fewer than two
    rows carry no information and are left out."""
    t = np.asarray(tables, dtype=float).reshape(-1, 2, 2)
    n = t.sum(axis=(1, 2))
    t, n = t[n > 1], n[n > 1]
    a, b, c, d = t[:, 0, 0], t[:, 0, 1], t[:, 1, 0], t[:, 1, 1]
    r, s = a * d / n, b * c / n
    R, S = r.sum(), s.sum()
    out = {"odds_ratio": math.nan, "low": math.nan, "high": math.nan, "statistic": math.nan, "p_value": math.nan}
    if R > 0 and S > 0:
        p, q = (a + d) / n, (b + c) / n
        var = (p * r).sum() / (2 * R * R) + (p * s + q * r).sum() / (2 * R * S) + (q * s).sum() / (2 * S * S)
        half = float(stats.norm.isf((1 - confidence) / 2)) * math.sqrt(var)
        out.update(odds_ratio=R / S, low=math.exp(math.log(R / S) - half), high=math.exp(math.log(R / S) + half))
    expected = (a + b) * (a + c) / n
    variance = ((a + b) * (c + d) * (a + c) * (b + d) / (n * n * (n - 1))).sum()
    if variance > 0:
        statistic = float((a.sum() - expected.sum()) ** 2 / variance)
        out.update(statistic=statistic, p_value=float(stats.chi2.sf(statistic, 1)))
    return out


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


# -- one candidate at one lookback ------------------------------------------------------------------
@dataclass
class SignalTest:
    """One candidate signal at one lookback, measured on the closed new-business deals."""

    signal: Signal
    parent: str | None
    lookback_days: int
    deals_with: int
    won_with: int
    deals_without: int
    won_without: int
    accounts_with: int
    win_rate_with: float
    win_rate_with_interval: tuple[float, float]
    win_rate_without: float
    win_rate_without_interval: tuple[float, float]
    difference: tuple[float, float, float]  # difference, low, high
    crude_odds_ratio: tuple[float, float, float]
    odds_ratio: float  # Mantel-Haenszel across the strata
    odds_ratio_interval: tuple[float, float]
    p_value: float  # CMH, two-sided
    days_with: float | None  # median days to close of won deals
    days_without: float | None
    days_p_value: float | None  # Mann-Whitney, two-sided
    discovery: Measure
    holdout: Measure | None
    days_discovery: Measure | None = None
    days_holdout: Measure | None = None
    p_adjusted: float = 1.0
    days_p_adjusted: float | None = None
    strength: str = ""
    velocity_strength: str = ""

    @property
    def direction(self) -> str:
        return "negative" if self.odds_ratio < 1 else "positive"

    @property
    def holds_up(self) -> bool:
        return self.strength in ("strong", "suggestive") or (
            self.velocity_strength in ("strong", "suggestive") and (self.days_with or 0) < (self.days_without or 0)
        )

    def sentence(self) -> str:
        low, high = self.win_rate_with_interval
        text = (
            f"Deals created within {self.lookback_days} days after '{self.signal.name}' won "
            f"{self.win_rate_with:.0%} (95% CI {low:.0%}-{high:.0%}, {self.deals_with} deals) vs "
            f"{self.win_rate_without:.0%} without ({self.deals_without} deals); odds ratio "
            f"{self.odds_ratio:.2f} ({self.odds_ratio_interval[0]:.2f}-{self.odds_ratio_interval[1]:.2f}) "
            f"with fit held constant; adjusted p = {self.p_adjusted:.2g}; evidence: {self.strength}."
        )
        return text.replace("nan%", "–")

    def evidence(self, date_range=None) -> list[Evidence]:
        """The measurements as ``Evidence`` for the ICP: win rate, and days to close when measured."""

        def words(text: str):
            return (
                text
                if text in ("strong", "suggestive", "weak")
                else ("not enough data" if text.startswith("not enough") else "weak")
            )

        def num(x: float | None) -> float | None:
            return None if x is None or not math.isfinite(x) else float(f"{x:.4g}")

        def interval(bounds: tuple[float, float]) -> list[float] | None:
            low, high = num(bounds[0]), num(bounds[1])
            return None if low is None or high is None else [low, high]  # an infinite bound: no interval

        dates = list(date_range) if date_range else None
        rows = [
            Evidence(
                outcome="win",
                metric="win rate with a fresh signal",
                segment=num(self.win_rate_with),
                base=num(self.win_rate_without),
                lift=num(self.win_rate_with / self.win_rate_without) if self.win_rate_without else None,
                interval=interval(self.win_rate_with_interval) if self.deals_with else None,
                accounts=self.accounts_with,
                deals=self.deals_with,
                p_value=num(self.p_adjusted),
                strength=words(self.strength),
                measured_on="all",
                date_range=dates,
                summary=self.sentence(),
                odds_ratio=num(self.odds_ratio),
                odds_ratio_interval=interval(self.odds_ratio_interval) if math.isfinite(self.odds_ratio) else None,
            )
        ]
        if self.days_with is not None and self.days_p_adjusted is not None and self.days_discovery is not None:
            rows.append(
                Evidence(
                    outcome="velocity",
                    metric="days to close with a fresh signal (median, won deals)",
                    segment=num(self.days_with),
                    base=num(self.days_without),
                    p_value=num(self.days_p_adjusted),
                    deals=self.days_discovery.units + (self.days_holdout.units if self.days_holdout else 0),
                    strength=words(self.velocity_strength),
                    measured_on="all",
                    date_range=dates,
                    summary=f"Won deals with the signal closed in {self.days_with:.0f} days (median) vs "
                    f"{self.days_without:.0f} without; adjusted p = {self.days_p_adjusted:.2g}.",
                )
            )
        return rows

    def to_signal(self, date_range=None) -> Signal:
        """The candidate as a definition: weight = |log odds ratio| (what a fresh event adds to the
        log-odds of winning), half-life = half the lookback."""
        weight = (
            round(abs(math.log(self.odds_ratio)), 2) if math.isfinite(self.odds_ratio) and self.odds_ratio > 0 else 0.1
        )
        return self.signal.model_copy(
            update={
                "lookback_days": self.lookback_days,
                "half_life_days": self.lookback_days / 2,
                "weight": max(weight, 0.05),
                "direction": self.direction,
                "assumption": False,
                "evidence": self.evidence(date_range),
            }
        )

    def row(self) -> dict[str, Any]:
        return {
            "signal": self.signal.id,
            "name": self.signal.name,
            "lookback_days": self.lookback_days,
            "deals_with": self.deals_with,
            "win_rate_with": self.win_rate_with,
            "win_rate_with_low": self.win_rate_with_interval[0],
            "win_rate_with_high": self.win_rate_with_interval[1],
            "deals_without": self.deals_without,
            "win_rate_without": self.win_rate_without,
            "difference": self.difference[0],
            "difference_low": self.difference[1],
            "difference_high": self.difference[2],
            "crude_odds_ratio": self.crude_odds_ratio[0],
            "odds_ratio": self.odds_ratio,
            "odds_ratio_low": self.odds_ratio_interval[0],
            "odds_ratio_high": self.odds_ratio_interval[1],
            "p_value": self.p_value,
            "p_adjusted": self.p_adjusted,
            "strength": self.strength,
            "days_with": self.days_with,
            "days_without": self.days_without,
            "days_p_adjusted": self.days_p_adjusted,
            "velocity_strength": self.velocity_strength,
            "holds_up": self.holds_up,
        }


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


def _tables(flag: np.ndarray, won: np.ndarray, strata: np.ndarray, k: int) -> np.ndarray:
    cell = strata * 4 + (~flag) * 2 + (1 - won)
    return np.bincount(cell, minlength=4 * k).reshape(k, 2, 2)


def _measure(
    signal: Signal, parent: str | None, lookback: int, flag: np.ndarray, deals: pd.DataFrame, strata: np.ndarray, k: int
) -> SignalTest:
    from bullseye.discover.measure import measure

    won = deals["won"].to_numpy(np.int64)
    t = _tables(flag, won, strata, k)
    a, b, c, d = (int(v) for v in t.sum(axis=0).ravel())
    (lw, lwo), (hw, hwo) = (np.asarray(v, float) for v in wilson_interval([a, c], [a + b, c + d]))
    mh = mantel_haenszel(t)
    discovery = (deals[PERIOD] == "discovery").to_numpy()
    rate_in = won[discovery & flag].mean() if (discovery & flag).any() else math.nan
    rate_out = won[discovery & ~flag].mean() if (discovery & ~flag).any() else math.nan
    direction = -1 if rate_in < rate_out else 1
    parts = [(Units(deals[m].reset_index(drop=True), won[m]), flag[m]) for m in (discovery, ~discovery)]
    found = measure("win", parts[0][0], parts[0][1], direction)
    held = measure("win", parts[1][0], parts[1][1], direction) if len(parts[1][1]) else None
    days = pd.to_numeric(deals["days_to_close"], errors="coerce").to_numpy(float)
    won_days = (won == 1) & np.isfinite(days)
    inside, outside = days[won_days & flag], days[won_days & ~flag]
    days_p = float(stats.mannwhitneyu(inside, outside).pvalue) if len(inside) and len(outside) else None
    test = SignalTest(
        signal=signal,
        parent=parent,
        lookback_days=lookback,
        deals_with=a + b,
        won_with=a,
        deals_without=c + d,
        won_without=c,
        accounts_with=int(deals.loc[flag, "account_id"].nunique()),
        win_rate_with=a / (a + b) if a + b else math.nan,
        win_rate_with_interval=(float(lw), float(hw)),
        win_rate_without=c / (c + d) if c + d else math.nan,
        win_rate_without_interval=(float(lwo), float(hwo)),
        difference=difference_interval(a, a + b, c, c + d),
        crude_odds_ratio=odds_ratio(a, b, c, d) if a + b and c + d else (math.nan,) * 3,
        odds_ratio=mh["odds_ratio"],
        odds_ratio_interval=(mh["low"], mh["high"]),
        p_value=1.0 if math.isnan(mh["p_value"]) else mh["p_value"],
        days_with=float(np.median(inside)) if len(inside) else None,
        days_without=float(np.median(outside)) if len(outside) else None,
        days_p_value=days_p,
        discovery=found,
        holdout=held,
    )
    if days_p is not None:
        in_d = won_days & discovery
        slower = (
            (in_d & flag).any()
            and (in_d & ~flag).any()
            and np.median(days[in_d & flag]) > np.median(days[in_d & ~flag])
        )
        faster = -1 if slower else 1
        test.days_discovery, test.days_holdout = (
            measure("days_to_close", Units(deals[m].reset_index(drop=True), days[m]), flag[m], faster)
            for m in (in_d, won_days & ~discovery)
        )
    return test


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
        _measure(signal, parent, lookback, pairs.flags(masks[signal.id], lookback), deals, codes, k)
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
        p = mantel_haenszel(_tables(flag, won, codes[without_children], k))["p_value"]
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
