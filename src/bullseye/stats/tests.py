"""One-sided tests of a segment against the rest, vectorised over segments: hypergeometric (rates),
Welch (means) and the conditional rate test (churn per exposure)."""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import stats

__all__ = ["EXACT_BELOW", "hypergeom_tail", "binary_p_values", "numeric_p_values", "rate_ratio_p_values"]


#: Below this smallest expected cell count the hypergeometric tail is summed exactly; above it the
#: normal approximation (with continuity correction) is used: exact tails get slow at large N, and
#: with every expected cell this large the two agree to well within the decisions made on them.
EXACT_BELOW = 100


def hypergeom_tail(k: Any, n: Any, K: Any, N: Any, direction: int = 1, mid: bool = False) -> np.ndarray:
    """P(X >= k) (+1) or P(X <= k) (-1) for X ~ Hypergeometric(N, K, n), vectorised; ``mid`` gives
    Lancaster's mid-p (half the probability of k itself). Exact on small cells (see EXACT_BELOW)."""
    k, n, K, N = (np.asarray(v, dtype=np.float64) for v in np.broadcast_arrays(k, n, K, N))
    with np.errstate(divide="ignore", invalid="ignore"):
        expected = np.minimum.reduce([n * K / N, n * (N - K) / N, (N - n) * K / N, (N - n) * (N - K) / N])
    large = expected >= EXACT_BELOW
    out = np.empty(k.shape, dtype=np.float64)
    small = ~large
    if small.any():
        ks, ns, Ks, Ns = (v[small].astype(np.int64) for v in (k, n, K, N))
        if direction == 1:
            tail = stats.hypergeom.sf(ks - 1, Ns, Ks, ns)
        else:
            tail = stats.hypergeom.cdf(ks, Ns, Ks, ns)
        if mid:
            tail = tail - 0.5 * stats.hypergeom.pmf(ks, Ns, Ks, ns)
        out[small] = tail
    if large.any():
        kl, nl, Kl, Nl = (v[large] for v in (k, n, K, N))
        mean = nl * Kl / Nl
        sd = np.sqrt(nl * Kl * (Nl - Kl) * (Nl - nl) / (Nl * Nl * (Nl - 1)))
        correction = 0.0 if mid else 0.5
        if direction == 1:
            out[large] = stats.norm.sf((kl - correction - mean) / sd)
        else:
            out[large] = stats.norm.cdf((kl + correction - mean) / sd)
    return np.clip(out, 0.0, 1.0)


def binary_p_values(k: Any, n: Any, K: Any, N: Any, direction: int = 1) -> np.ndarray:
    """Exact (Fisher, hypergeometric) p-value of k positives among a segment's n rows, when the
    population has K positives in N rows. +1: more positives than chance; -1: fewer. Cells whose
    expected counts are all large use the normal approximation (see EXACT_BELOW)."""
    if direction in (1, -1):
        return hypergeom_tail(k, n, K, N, direction)
    greater, less = hypergeom_tail(k, n, K, N, 1), hypergeom_tail(k, n, K, N, -1)
    return np.minimum(1.0, 2 * np.minimum(greater, less))


def numeric_p_values(n: Any, total: Any, total_sq: Any, N: Any, S: Any, SS: Any, direction: int = 1) -> np.ndarray:
    """Welch t-test of a segment (n rows, sum, sum of squares) against the rest of the population
    (N rows, sum S, sum of squares SS), from the sums alone (vectorised)."""
    n1 = np.asarray(n, dtype=float)
    s1, q1 = np.asarray(total, dtype=float), np.asarray(total_sq, dtype=float)
    n2, s2, q2 = N - n1, S - s1, SS - q1
    with np.errstate(divide="ignore", invalid="ignore"):
        m1, m2 = s1 / n1, s2 / n2
        v1 = np.maximum(q1 - s1 * m1, 0) / (n1 - 1) / n1
        v2 = np.maximum(q2 - s2 * m2, 0) / (n2 - 1) / n2
        t = (m1 - m2) / np.sqrt(v1 + v2)
        df = (v1 + v2) ** 2 / (v1**2 / (n1 - 1) + v2**2 / (n2 - 1))
    if direction == 1:
        return stats.t.sf(t, df)
    if direction == -1:
        return stats.t.cdf(t, df)
    return 2 * stats.t.sf(np.abs(t), df)


def rate_ratio_p_values(d: Any, T: Any, D: Any, T_all: Any, direction: int = 1) -> np.ndarray:
    """Exact conditional test of two Poisson rates: given all D events, the segment's d events
    are Binomial(D, T / T_all) when its rate equals the rest's. ``direction`` as in
    ``SurvivalQuality``: +1 the segment has fewer events than that (retains longer), -1 more
    (churns more), 0 two-sided."""
    d, D = np.asarray(d, dtype=np.int64), np.asarray(D, dtype=np.int64)
    share = np.asarray(T, dtype=float) / np.asarray(T_all, dtype=float)
    fewer = stats.binom.cdf(d, D, share)
    more = stats.binom.sf(d - 1, D, share)
    if direction == 1:
        return fewer
    if direction == -1:
        return more
    return np.minimum(1.0, 2 * np.minimum(fewer, more))
