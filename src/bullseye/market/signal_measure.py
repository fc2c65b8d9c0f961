"""One candidate "why now" signal at one lookback, measured on closed new-business deals: the 2x2
statistics (odds ratios with their intervals, Newcombe's difference, Mantel-Haenszel across strata)
and the :class:`SignalTest` that holds the measurement and turns it into a definition with its
evidence. The search over candidates and lookbacks is :mod:`bullseye.market.signal_evidence`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from scipy import stats

from bullseye.core.dataset import PERIOD
from bullseye.core.units import Units
from bullseye.stats import wilson_interval
from bullseye.strategy.icp import Evidence, Signal

if TYPE_CHECKING:
    from bullseye.discover.findings import Measure

__all__ = [
    "SignalTest",
    "measure_candidate",
    "stratified_tables",
    "mantel_haenszel",
    "odds_ratio",
    "difference_interval",
]


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


def stratified_tables(flag: np.ndarray, won: np.ndarray, strata: np.ndarray, k: int) -> np.ndarray:
    cell = strata * 4 + (~flag) * 2 + (1 - won)
    return np.bincount(cell, minlength=4 * k).reshape(k, 2, 2)


def measure_candidate(
    signal: Signal, parent: str | None, lookback: int, flag: np.ndarray, deals: pd.DataFrame, strata: np.ndarray, k: int
) -> SignalTest:
    from bullseye.discover.measure import measure

    won = deals["won"].to_numpy(np.int64)
    t = stratified_tables(flag, won, strata, k)
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
