"""The preview's comparison of two scores on the same outcomes: ROC AUC of each and a paired
bootstrap interval for their difference.

A bootstrap replicate resamples rows with replacement, which is the same as weighting every row
by how many times it was drawn. The AUC of a weighted sample is the Mann-Whitney statistic: for
every (won, lost) pair the won row scoring higher counts 1, a tie 1/2. With the rows sorted by
score once, that is a cumulative sum over the score's distinct values, for all replicates at once
as arrays. The counts are integers, so the sum is exact and each AUC is the correctly rounded
value of what scikit-learn's ``roc_auc_score`` computes on the resampled rows, one replicate at a
time (its trapezoids can round differently in the last bits, nothing more).
"""

from __future__ import annotations

import numpy as np

__all__ = ["auc_difference", "weighted_auc", "BOOTSTRAP_ROUNDS"]

BOOTSTRAP_ROUNDS = 1000
_CHUNK = 100  # replicates per block of arrays: rows x 100 counts at a time bounds the memory


def weighted_auc(won: np.ndarray, score: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """ROC AUC of ``score`` for the outcomes ``won`` (0/1) under each row of ``counts`` (how many
    times each row is in that sample): one AUC per row of ``counts``."""
    order = np.argsort(score, kind="mergesort")
    ranked = score[order]
    starts = np.flatnonzero(np.r_[True, ranked[1:] != ranked[:-1]])  # the distinct scores, low to high
    yes = won[order].astype(bool)
    weights = counts[:, order].astype(float)
    positive = np.add.reduceat(np.where(yes, weights, 0.0), starts, axis=1)
    negative = np.add.reduceat(np.where(yes, 0.0, weights), starts, axis=1)
    below = np.cumsum(negative, axis=1) - negative  # lost rows scoring strictly lower
    pairs = np.sum(positive * (below + 0.5 * negative), axis=1)
    return pairs / (positive.sum(axis=1) * negative.sum(axis=1))


def auc_difference(won: np.ndarray, first: np.ndarray, second: np.ndarray, seed: int = 0) -> dict[str, float]:
    """ROC AUC of two scores on the same outcomes, and the difference (second - first) with a
    paired bootstrap 95% interval (resampling the same rows for both; a resample with one outcome
    only is skipped)."""
    from sklearn.metrics import roc_auc_score

    won = np.asarray(won, dtype=int)
    first, second = np.asarray(first, dtype=float), np.asarray(second, dtype=float)
    if len(np.unique(won)) < 2:
        nan = float("nan")
        return {"first": nan, "second": nan, "difference": nan, "low": nan, "high": nan, "n": int(len(won))}
    rng = np.random.default_rng(seed)
    n = len(won)
    differences = []
    for start in range(0, BOOTSTRAP_ROUNDS, _CHUNK):
        picks = [rng.integers(0, n, n) for _ in range(min(_CHUNK, BOOTSTRAP_ROUNDS - start))]
        picks = [pick for pick in picks if won[pick].min() != won[pick].max()]
        if not picks:
            continue
        counts = np.stack([np.bincount(pick, minlength=n) for pick in picks])
        differences.append(weighted_auc(won, second, counts) - weighted_auc(won, first, counts))
    a, b = roc_auc_score(won, first), roc_auc_score(won, second)
    spread = np.concatenate(differences) if differences else np.zeros(0)
    low, high = np.percentile(spread, [2.5, 97.5]) if len(spread) else (float("nan"), float("nan"))
    return {
        "first": float(a),
        "second": float(b),
        "difference": float(b - a),
        "low": float(low),
        "high": float(high),
        "n": int(len(won)),
    }
