"""DeLong's paired AUC comparison (bench/bench_auc.py prints it): placements equal a brute-force
count over every won/lost pair, the AUC equals scikit-learn's, the variance of the difference
agrees with a paired bootstrap, and the 95% interval covers a planted zero difference about 95%
of the time over many seeds."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from bullseye.errors import BullseyeError
from bullseye.scoring.discrimination import compare_auc, placements


def _scores(seed: int, n: int, signal_a: float, signal_b: float):
    rng = np.random.default_rng(seed)
    y = rng.random(n) < 0.3
    shared = rng.normal(size=n)  # the two scores are correlated, as two models of the same deals are
    a = signal_a * y + shared + 0.7 * rng.normal(size=n)
    b = signal_b * y + shared + 0.7 * rng.normal(size=n)
    return y.astype(int), np.round(a, 1), np.round(b, 1)  # rounded: ties happen


def test_placements_equal_a_brute_force_count_with_ties_as_half():
    y, a, _ = _scores(0, 150, 0.8, 0.8)
    won_places, lost_places = placements(y, a)
    won, lost = a[y == 1], a[y == 0]
    beats = (won[:, None] > lost[None, :]) + 0.5 * (won[:, None] == lost[None, :])
    assert np.allclose(won_places, beats.mean(axis=1))
    assert np.allclose(lost_places, beats.mean(axis=0))
    assert won_places.mean() == pytest.approx(roc_auc_score(y, a), abs=1e-12)


def test_difference_and_its_variance_agree_with_a_paired_bootstrap():
    y, a, b = _scores(1, 1500, 0.9, 0.6)
    result = compare_auc(y, a, b)
    assert result.auc == pytest.approx(roc_auc_score(y, a), abs=1e-12)
    assert result.other == pytest.approx(roc_auc_score(y, b), abs=1e-12)
    rng = np.random.default_rng(2)
    diffs = []
    for _ in range(400):
        rows = rng.integers(0, len(y), len(y))
        diffs.append(roc_auc_score(y[rows], a[rows]) - roc_auc_score(y[rows], b[rows]))
    se_delong = (result.high - result.low) / (2 * 1.959964)
    assert result.se == pytest.approx(se_delong, rel=1e-6)
    assert se_delong == pytest.approx(np.std(diffs), rel=0.15)
    assert result.low < result.difference < result.high
    assert result.p_value < 0.05  # 0.9 vs 0.6 of signal on 1,500 rows is a real difference


def test_interval_covers_a_planted_zero_difference_about_95_percent_of_the_time():
    covered = [compare_auc(*_scores(seed, 400, 0.7, 0.7)) for seed in range(200)]
    share = np.mean([c.low <= 0 <= c.high for c in covered])
    assert 0.91 <= share <= 0.99


def test_one_outcome_only_is_a_clear_error():
    with pytest.raises(BullseyeError, match="needs both outcomes; there are 0 won"):
        compare_auc(np.zeros(5), np.arange(5.0), np.arange(5.0))
