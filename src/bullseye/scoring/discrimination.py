"""How well two scores rank the same outcomes: the ROC AUC of each and DeLong's paired test of
their difference (DeLong, DeLong & Clarke-Pearson 1988, in Sun & Xu's midrank form, 2014).

The AUC is the chance that a won deal outranks a lost one (ties count half). Each won deal's
placement is the share of lost deals it outranks, each lost deal's the share of won deals that
outrank it; the AUC is their mean, and the covariance of the two scores' placements gives the
variance of the difference without resampling. Both scores are measured on the same deals, so
the test is paired: a difference much smaller than either AUC's own interval can still be clear.

Example::

    comparison = compare_auc(y, bullseye_p, boosted_trees_p)
    comparison.line()   # 'AUC 0.805 vs 0.809: -0.004 (95% CI -0.010 to +0.002, p = 0.19)'
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.stats import norm, rankdata

from bullseye.errors import InvalidInputError

__all__ = ["AucComparison", "compare_auc", "placements"]


def placements(y: np.ndarray, scores: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(per won row, the share of lost rows it outranks; per lost row, the share of won rows that
    outrank it), ties counting half. Their means are both the AUC."""
    y = np.asarray(y).astype(bool)
    scores = np.asarray(scores, float)
    won, lost = scores[y], scores[~y]
    m, n = len(won), len(lost)
    if m == 0 or n == 0:
        raise InvalidInputError(f"an AUC needs both outcomes; there are {m:,} won and {n:,} lost")
    combined = rankdata(np.r_[won, lost])
    won_places = (combined[:m] - rankdata(won)) / n
    lost_places = 1.0 - (combined[m:] - rankdata(lost)) / m
    return won_places, lost_places


@dataclass(frozen=True)
class AucComparison:
    """Two AUCs on the same rows, their difference (first minus second), its 95% interval, the
    two-sided p-value of DeLong's test and the difference's standard error (to pool several)."""

    auc: float
    other: float
    difference: float
    low: float
    high: float
    p_value: float
    se: float = 0.0

    def line(self) -> str:
        return (
            f"AUC {self.auc:.3f} vs {self.other:.3f}: {self.difference:+.3f} "
            f"(95% CI {self.low:+.3f} to {self.high:+.3f}, p = {self.p_value:.2g})"
        )


def compare_auc(y: np.ndarray, first: np.ndarray, second: np.ndarray, level: float = 0.95) -> AucComparison:
    """DeLong's paired comparison of the AUCs of ``first`` and ``second`` on outcomes ``y``."""
    if not len(y) == len(first) == len(second):
        raise InvalidInputError(f"the outcomes and scores differ in length: {len(y)}, {len(first)}, {len(second)}")
    won_a, lost_a = placements(y, first)
    won_b, lost_b = placements(y, second)
    auc_a, auc_b = float(won_a.mean()), float(won_b.mean())
    m, n = len(won_a), len(lost_a)

    def covariance(a: np.ndarray, b: np.ndarray, size: int) -> np.ndarray:
        return np.cov(np.vstack([a, b])) / size if size > 1 else np.zeros((2, 2))

    s = covariance(won_a, won_b, m) + covariance(lost_a, lost_b, n)
    variance = max(float(s[0, 0] + s[1, 1] - 2 * s[0, 1]), 0.0)
    difference = auc_a - auc_b
    if variance == 0.0:
        return AucComparison(auc_a, auc_b, difference, difference, difference, 1.0 if difference == 0 else 0.0)
    se = math.sqrt(variance)
    z = float(norm.ppf(0.5 + level / 2))
    p = float(2 * norm.sf(abs(difference) / se))
    return AucComparison(auc_a, auc_b, difference, difference - z * se, difference + z * se, p, se)
