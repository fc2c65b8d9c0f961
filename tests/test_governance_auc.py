"""The preview's paired AUC bootstrap, pinned against scikit-learn's roc_auc_score replicate by replicate."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from bullseye.governance.auc import BOOTSTRAP_ROUNDS, auc_difference, weighted_auc


def _scores(seed: int, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    won = rng.integers(0, 2, n)
    won[:2] = [0, 1]
    first = (rng.random(n) * (1 + won)).round(2)  # rounded: many ties, as tier-like scores have
    return won, first, (first + rng.normal(0, 0.2, n)).round(1)


@pytest.mark.parametrize("seed,n", [(0, 6), (1, 40), (2, 300)])
def test_weighted_auc_is_roc_auc_of_the_resampled_rows(seed, n):
    won, score, _ = _scores(seed, n)
    rng = np.random.default_rng(seed + 10)
    picks = [p for p in (rng.integers(0, n, n) for _ in range(50)) if won[p].min() != won[p].max()]
    counts = np.stack([np.bincount(p, minlength=n) for p in picks])
    expected = [roc_auc_score(won[p], score[p]) for p in picks]
    np.testing.assert_allclose(weighted_auc(won, score, counts), expected, rtol=0, atol=1e-14)


@pytest.mark.slow  # 2,000 reference roc_auc_score calls per case
@pytest.mark.parametrize("seed,n", [(3, 12), (4, 150)])
def test_auc_difference_matches_the_replicate_by_replicate_bootstrap(seed, n):
    won, first, second = _scores(seed, n)
    rng, differences = np.random.default_rng(7), []
    for _ in range(BOOTSTRAP_ROUNDS):  # the definition: resample rows, score both, skip one-outcome draws
        pick = rng.integers(0, n, n)
        if won[pick].min() != won[pick].max():
            differences.append(roc_auc_score(won[pick], second[pick]) - roc_auc_score(won[pick], first[pick]))
    result = auc_difference(won, first, second, seed=7)
    low, high = np.percentile(differences, [2.5, 97.5])
    assert result["low"] == pytest.approx(low, abs=1e-12) and result["high"] == pytest.approx(high, abs=1e-12)
    assert result["first"] == roc_auc_score(won, first) and result["second"] == roc_auc_score(won, second)
    assert result["difference"] == result["second"] - result["first"] and result["n"] == n
    assert result["low"] < result["difference"] < result["high"]


def test_one_outcome_has_no_auc():
    result = auc_difference(np.ones(5, dtype=int), np.arange(5.0), np.arange(5.0))
    assert np.isnan(result["first"]) and np.isnan(result["low"]) and result["n"] == 5
