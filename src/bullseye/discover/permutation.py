"""Family-wise p-values by permuting the outcome over the whole search (Westfall-Young max-T).

Bonferroni treats the candidates of a search as unrelated, but they overlap (a segment and its
refinements, a band and its complement), so it is stricter than it needs to be. Shuffling the
outcome across units and recomputing the largest standardised statistic of the whole family gives
the exact null distribution of "the best segment of this search", however the candidates depend
on each other. The statistics are z-scores (hypergeometric for rates, conditional binomial for
churn, Welch t for numbers): the same for the observed data and every shuffle, which is all the
procedure needs. It holds every candidate's rows, so it runs where the data are small enough to
afford it (which is where the power is needed); elsewhere the caller keeps Bonferroni.
"""

from __future__ import annotations

import numpy as np

from bullseye.core.units import Units, is_binary

__all__ = [
    "binary_z",
    "welch_t",
    "rate_z",
    "family_masks",
    "candidate_statistics",
    "max_statistic_null",
    "max_statistic_null_chunked",
    "family_p_value",
    "affordable",
    "MAX_CELLS",
    "MAX_WORK",
    "CHUNK",
    "PERMUTATIONS",
]

PERMUTATIONS = 400
#: Candidates whose rows are held at once while the null is computed (bounded memory).
CHUNK = 4000
#: Work (candidates x units x permutations) beyond which the caller keeps Holm.
MAX_WORK = 8e9
MAX_CELLS = CHUNK * 50_000  # kept for callers that size their own matrices


def affordable(candidates: int, units: int) -> bool:
    return candidates * units * PERMUTATIONS <= MAX_WORK


def family_masks(candidates: np.ndarray, selector_masks: np.ndarray) -> np.ndarray:
    """Rows covered by each candidate (selector indices padded with -1) as a boolean matrix."""
    n = selector_masks.shape[1]
    stacked = np.vstack([selector_masks, np.ones((1, n), dtype=bool)])
    index = np.where(candidates < 0, len(stacked) - 1, candidates)
    masks = stacked[index[:, 0]].copy()
    for column in range(1, index.shape[1]):
        masks &= stacked[index[:, column]]
    return masks


def binary_z(n: np.ndarray, k: np.ndarray, total: int, share: float) -> np.ndarray:
    """Hypergeometric z of sets of ``n`` rows holding ``k`` positives, of ``total`` rows with a
    share ``share`` of positives (NaN where undefined)."""
    variance = n * share * (1 - share) * (total - n) / max(total - 1, 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        return (k - n * share) / np.sqrt(variance)


def welch_t(n: np.ndarray, sums: np.ndarray, squares: np.ndarray, total: int, total_sum, total_sq) -> np.ndarray:
    """Welch t of sets of ``n`` rows (their values' sum and sum of squares) against the other rows."""
    rest = total - n
    with np.errstate(divide="ignore", invalid="ignore"):
        mean_in, mean_out = sums / n, (total_sum - sums) / rest
        var_in = (squares - n * mean_in**2) / np.maximum(n - 1, 1)
        var_out = (total_sq - squares - rest * mean_out**2) / np.maximum(rest - 1, 1)
        return (mean_in - mean_out) / np.sqrt(var_in / n + var_out / rest)


def rate_z(exposure: np.ndarray, events: np.ndarray, total_events: float, total_exposure) -> np.ndarray:
    """Conditional binomial z of sets' churn events given their share of the exposure; + : fewer."""
    share = exposure / total_exposure
    with np.errstate(divide="ignore", invalid="ignore"):
        return (total_events * share - events) / np.sqrt(total_events * share * (1 - share))


def _directed(z: np.ndarray, directions: np.ndarray) -> np.ndarray:
    return np.where(np.isfinite(z), z * directions[:, None], -np.inf)


def _binary(masks: np.ndarray, y: np.ndarray, directions: np.ndarray) -> np.ndarray:
    """Hypergeometric z of each candidate (rows) for each target column of ``y`` (units x B)."""
    n = masks.sum(axis=1)[:, None].astype(float)
    k = masks.astype(np.float32) @ y.astype(np.float32)
    return _directed(binary_z(n, k, y.shape[0], float(y[:, 0].mean())), directions)


def _numeric(masks: np.ndarray, y: np.ndarray, directions: np.ndarray) -> np.ndarray:
    """Welch t of each candidate against the rest."""
    weights = masks.astype(float)
    n = weights.sum(axis=1)[:, None]
    sums, squares = weights @ y, weights @ (y * y)
    total_sum, total_sq = y.sum(axis=0)[None, :], (y * y).sum(axis=0)[None, :]
    return _directed(welch_t(n, sums, squares, y.shape[0], total_sum, total_sq), directions)


def _rates(masks: np.ndarray, durations: np.ndarray, events: np.ndarray, directions: np.ndarray) -> np.ndarray:
    """Conditional binomial z of each candidate's churn events given its exposure; +1: fewer."""
    weights = masks.astype(float)
    z = rate_z(weights @ durations, weights @ events, float(events[:, 0].sum()), durations.sum(axis=0)[None, :])
    return _directed(z, directions)


def candidate_statistics(
    outcome: str, masks: np.ndarray, units: Units, directions: np.ndarray, order: np.ndarray | None = None
) -> np.ndarray:
    """Standardised statistics of every candidate (larger: more extreme in its direction), for the
    units in ``order`` (permutations as columns) or as they are."""
    order = np.arange(len(units)) if order is None else order
    if order.ndim == 1:
        order = order[:, None]
    if is_binary(outcome):
        return _binary(masks, units.target[order], directions)
    if outcome == "retention":
        return _rates(masks, units.target[order], units.churned()[order].astype(float), directions)
    return _numeric(masks, units.target[order].astype(float), directions)


def max_statistic_null(
    outcome: str,
    masks: np.ndarray,
    units: Units,
    directions: np.ndarray,
    rng: np.random.Generator,
    permutations: int = PERMUTATIONS,
) -> np.ndarray:
    """The largest statistic of the family under ``permutations`` shuffles of the outcome."""
    orders = np.stack([rng.permutation(len(units)) for _ in range(permutations)], axis=1)
    out = np.empty(permutations)
    for start in range(0, permutations, 100):
        block = orders[:, start : start + 100]
        out[start : start + 100] = candidate_statistics(outcome, masks, units, directions, block).max(axis=0)
    return out


def max_statistic_null_chunked(
    outcome: str,
    candidates: np.ndarray,
    selector_masks: np.ndarray,
    units: Units,
    directions: np.ndarray,
    rng: np.random.Generator,
    permutations: int = PERMUTATIONS,
) -> np.ndarray:
    """:func:`max_statistic_null` for a family too large to hold: the candidates' rows are built
    ``CHUNK`` at a time and the running maximum kept per shuffle (the same shuffles for all)."""
    orders = np.stack([rng.permutation(len(units)) for _ in range(permutations)], axis=1)
    out = np.full(permutations, -np.inf)
    for start in range(0, len(candidates), CHUNK):
        masks = family_masks(candidates[start : start + CHUNK], selector_masks)
        statistics = candidate_statistics(outcome, masks, units, directions[start : start + CHUNK], orders)
        out = np.maximum(out, statistics.max(axis=0))
    return out


def family_p_value(observed: float, null: np.ndarray) -> float:
    """Share of shuffles whose best statistic reaches the observed one (counting the data itself)."""
    return float((1 + np.count_nonzero(null >= observed)) / (len(null) + 1))
