"""The power of the search: the chance a segment of a given share and lift is found."""

from __future__ import annotations

import math

import numpy as np
from scipy import stats

__all__ = ["detection_power"]


# -- power --------------------------------------------------------------------------
def detection_power(
    n_closed: int, base_rate: float, share: float = 0.2, lift: float = 2.0, alpha: float = 0.05, n_tests: int = 1
) -> float:
    """Probability that a segment holding ``share`` of the ``n_closed`` deals, with ``lift``
    times the overall win rate ``base_rate``, passes a one-sided exact (Fisher) test at the
    Bonferroni threshold alpha / n_tests. Exact: sums over the wins inside and outside."""
    n_seg = int(round(share * n_closed))
    n_rest = n_closed - n_seg
    p_seg = lift * base_rate
    p_rest = (base_rate - share * p_seg) / (1 - share) if share < 1 else 0.0
    if not (0 <= p_seg <= 1 and 0 <= p_rest <= 1) or n_seg == 0 or n_rest == 0:
        raise ValueError("share, lift and base_rate give a rate outside [0, 1] or an empty group")
    level = alpha / n_tests

    def support(n: int, p: float) -> np.ndarray:
        sd = math.sqrt(n * p * (1 - p))
        return np.arange(max(0, int(n * p - 9 * sd - 1)), min(n, int(n * p + 9 * sd + 1)) + 1)

    ks, kr = support(n_seg, p_seg), support(n_rest, p_rest)
    w_s, w_r = stats.binom.pmf(ks, n_seg, p_seg), stats.binom.pmf(kr, n_rest, p_rest)
    power = 0.0
    for start in range(0, len(kr), max(1, 2_000_000 // len(ks))):  # bounded memory
        r = kr[start : start + max(1, 2_000_000 // len(ks))]
        p = stats.hypergeom.sf(ks[:, None] - 1, n_closed, ks[:, None] + r[None, :], n_seg)
        power += float((w_s[:, None] * w_r[None, start : start + len(r)] * (p <= level)).sum())
    return power
