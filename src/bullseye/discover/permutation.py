"""Family-wise p-values by permuting the outcome over the whole search (Westfall-Young min-p).

Bonferroni treats the candidates of a search as unrelated, but they overlap (a segment and its
refinements, a band and its complement), so it is stricter than it needs to be. Shuffling the
outcome across units and recomputing the smallest p-value of the whole family gives the exact
null distribution of "the best segment of this search", however the candidates depend on each
other. That needs every candidate's rows, so it runs where the data are small enough to afford it
(which is where the power is needed); elsewhere the caller keeps Bonferroni.
"""

from __future__ import annotations

import numpy as np
from scipy import stats as sps

from bullseye.discover.units import Units, is_binary

__all__ = ["family_masks", "min_p_null", "affordable", "MAX_CELLS", "PERMUTATIONS"]

MAX_CELLS = 20_000_000  # candidates x units held as booleans at most
PERMUTATIONS = 400


def affordable(candidates: int, units: int) -> bool:
    return candidates * units <= MAX_CELLS and candidates * PERMUTATIONS <= 4_000_000


def family_masks(candidates: np.ndarray, selector_masks: np.ndarray) -> np.ndarray:
    """Rows covered by each candidate (selector indices padded with -1) as a boolean matrix."""
    n = selector_masks.shape[1]
    stacked = np.vstack([selector_masks, np.ones((1, n), dtype=bool)])
    index = np.where(candidates < 0, len(stacked) - 1, candidates)
    masks = stacked[index[:, 0]].copy()
    for column in range(1, index.shape[1]):
        masks &= stacked[index[:, column]]
    return masks


def _binary(masks: np.ndarray, y: np.ndarray, directions: np.ndarray) -> np.ndarray:
    """Mid-p of each candidate (rows) for each target column of ``y`` (units x B)."""
    n = masks.sum(axis=1)[:, None]
    k = masks.astype(np.int32) @ y.astype(np.int32)
    total, positives = y.shape[0], int(y[:, 0].sum())
    law = sps.hypergeom(total, positives, np.broadcast_to(n, k.shape))
    upper = law.sf(k) + 0.5 * law.pmf(k)
    lower = law.cdf(k - 1) + 0.5 * law.pmf(k)
    return np.where(directions[:, None] > 0, upper, lower)


def _numeric(masks: np.ndarray, y: np.ndarray, directions: np.ndarray) -> np.ndarray:
    weights = masks.astype(float)
    n = weights.sum(axis=1)[:, None]
    sums, squares = weights @ y, weights @ (y * y)
    total, total_sum, total_sq = y.shape[0], y.sum(axis=0)[None, :], (y * y).sum(axis=0)[None, :]
    rest = total - n
    with np.errstate(divide="ignore", invalid="ignore"):
        mean_in, mean_out = sums / n, (total_sum - sums) / rest
        var_in = (squares - n * mean_in**2) / np.maximum(n - 1, 1)
        var_out = (total_sq - squares - rest * mean_out**2) / np.maximum(rest - 1, 1)
        se2_in, se2_out = var_in / n, var_out / rest
        t = (mean_in - mean_out) / np.sqrt(se2_in + se2_out)
        df = (se2_in + se2_out) ** 2 / (se2_in**2 / np.maximum(n - 1, 1) + se2_out**2 / np.maximum(rest - 1, 1))
    p = np.where(directions[:, None] > 0, sps.t.sf(t, df), sps.t.cdf(t, df))
    return np.where(np.isfinite(p), p, 1.0)


def _rates(masks: np.ndarray, durations: np.ndarray, events: np.ndarray, directions: np.ndarray) -> np.ndarray:
    weights = masks.astype(float)
    exposure = weights @ durations
    d = (weights @ events).round().astype(np.int64)
    total_events = int(events[:, 0].sum())
    share = exposure / durations.sum(axis=0)[None, :]
    fewer = sps.binom.cdf(d, total_events, share)  # +1: the segment churns less than its exposure predicts
    more = sps.binom.sf(d - 1, total_events, share)
    return np.where(directions[:, None] > 0, fewer, more)


def candidate_p_values(outcome: str, masks: np.ndarray, units: Units, directions: np.ndarray,
                       order: np.ndarray | None = None) -> np.ndarray:
    """p-values of every candidate, for the units in ``order`` (a permutation) or as they are."""
    order = np.arange(len(units)) if order is None else order
    if order.ndim == 1:
        order = order[:, None]
    if is_binary(outcome):
        return _binary(masks, units.target[order], directions)
    if outcome == "retention":
        return _rates(masks, units.target[order], units.events[order].astype(float), directions)
    return _numeric(masks, units.target[order].astype(float), directions)


def min_p_null(outcome: str, masks: np.ndarray, units: Units, directions: np.ndarray,
               rng: np.random.Generator, permutations: int = PERMUTATIONS) -> np.ndarray:
    """The smallest p-value of the family under ``permutations`` shuffles of the outcome."""
    orders = np.stack([rng.permutation(len(units)) for _ in range(permutations)], axis=1)
    out = np.empty(permutations)
    for start in range(0, permutations, 50):
        block = orders[:, start:start + 50]
        out[start:start + 50] = candidate_p_values(outcome, masks, units, directions, block).min(axis=0)
    return out
