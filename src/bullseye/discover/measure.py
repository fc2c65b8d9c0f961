"""Measure one segment on one outcome: its value, the base, a 95% interval and a one-sided test.

Rates get Wilson intervals and an exact (hypergeometric) test; heavy-tailed numbers (ACV, days,
discount, usage) use the median with an order-statistic interval and a Mann-Whitney test, so a
handful of outliers cannot make a segment; churn uses the hazard ratio of the segment against the
rest with an exact conditional interval and test for two Poisson rates.
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from bullseye.core.units import Units, is_binary
from bullseye.discover.findings import Measure, metric
from bullseye.errors import InvalidInputError
from bullseye.stats import hypergeom_tail, wilson_interval

__all__ = ["measure", "measure_values", "better_sign"]


def better_sign(outcome: str) -> int:
    """+1 when a higher value is better for the company, -1 when lower is better."""
    return metric(outcome)[1]


def measure(outcome: str, units: Units, mask: np.ndarray, direction: int) -> Measure:
    """``direction`` +1 tests that the segment is better than the rest, -1 that it is worse."""
    return measure_values(outcome, units.target, units.events, mask, direction)


def measure_values(
    outcome: str, target: np.ndarray, events: np.ndarray | None, mask: np.ndarray, direction: int
) -> Measure:
    """:func:`measure` on the target (and churn events) alone, without the rows."""
    mask = np.asarray(mask, dtype=bool)
    if is_binary(outcome):
        return _rate(target, mask, direction)
    if outcome == "retention":
        if events is None:
            raise InvalidInputError("the retention outcome needs churn events (1 = churned, 0 = still a customer)")
        return _hazard(target, events, mask, direction)
    return _median(target, mask, direction * better_sign(outcome))


def _rate(target: np.ndarray, mask: np.ndarray, direction: int) -> Measure:
    n, k = int(mask.sum()), int(target[mask].sum())
    total, positives = len(target), int(target.sum())
    base = positives / total if total else None
    if n == 0:
        return Measure(0, None, base)
    low, high = wilson_interval(np.array([k]), np.array([n]))
    # Lancaster's mid-p: the exact test without the conservatism of counting the observed table whole.
    p = float(hypergeom_tail(k, n, positives, total, direction, mid=True))
    return Measure(n, k / n, base, float(low[0]), float(high[0]), float(p), events=min(k, n - k))


def _median_interval(values: np.ndarray, confidence: float = 0.95) -> tuple[float | None, float | None]:
    """Distribution-free interval for a median from order statistics (binomial)."""
    n = len(values)
    if n < 6:
        return None, None
    ordered = np.sort(values)
    low_rank = int(stats.binom.ppf((1 - confidence) / 2, n, 0.5))
    high_rank = int(stats.binom.isf((1 - confidence) / 2, n, 0.5))
    return float(ordered[max(low_rank - 1, 0)]), float(ordered[min(high_rank, n - 1)])


def _median(values: np.ndarray, mask: np.ndarray, higher: int) -> Measure:
    inside, outside = values[mask], values[~mask]
    base = float(np.median(values)) if len(values) else None
    if len(inside) == 0:
        return Measure(0, None, base)
    low, high = _median_interval(inside)
    p = None
    if len(outside) and len(inside):
        alternative = "greater" if higher > 0 else "less"
        p = float(stats.mannwhitneyu(inside, outside, alternative=alternative).pvalue)
    return Measure(len(inside), float(np.median(inside)), base, low, high, p, events=len(inside))


def _hazard(durations: np.ndarray, events: np.ndarray, mask: np.ndarray, direction: int) -> Measure:
    """Hazard ratio of the segment vs the rest (exponential model); ``direction`` +1 = churns less."""
    d_in, d_out = int(events[mask].sum()), int(events[~mask].sum())
    t_in, t_out = float(durations[mask].sum()), float(durations[~mask].sum())
    n = int(mask.sum())
    if n == 0 or t_in == 0 or t_out == 0:
        return Measure(n, None, 1.0, events=d_in)
    ratio = (d_in / t_in) / (d_out / t_out) if d_out else None
    total = d_in + d_out
    share = t_in / (t_in + t_out)  # expected share of events inside under no difference
    low = high = None
    p = None
    if total:
        # Exact conditional (Clopper-Pearson) interval on the share of events inside, mapped to a ratio.
        lo_share = stats.beta.ppf(0.025, d_in, total - d_in + 1) if d_in else 0.0
        hi_share = stats.beta.ppf(0.975, d_in + 1, total - d_in) if d_in < total else 1.0
        odds = t_out / t_in
        low = float(lo_share / (1 - lo_share) * odds) if lo_share < 1 else None
        high = float(hi_share / (1 - hi_share) * odds) if hi_share < 1 else None
        test = stats.binomtest(d_in, total, share, alternative="less" if direction > 0 else "greater")
        p = float(test.pvalue)
    return Measure(n, ratio, 1.0, low, high, p, events=d_in)
