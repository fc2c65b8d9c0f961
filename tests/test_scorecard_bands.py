"""How finely the scorecard cuts numbers: deciles by default; with ``bands="cv"``,
cross-validation chooses between deciles and twenty quantile bands (``BAND_GRID``). A planted shape that only twenty bands can see (the odds alternate
every 5% of the attribute, so each decile averages out) gets twenty, and ranks the holdout far
better than deciles; the cross-validated loss the choice rests on equals scikit-learn's."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from conftest import one_deal_per_account
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import log_loss as sk_log_loss
from sklearn.metrics import roc_auc_score

from bullseye.scoring.solver import cross_validated_C, folds


@pytest.fixture(scope="module")
def alternating(tmp_path_factory):
    """Wins depend on ``load`` (0-999) in 20 slices of 50, alternately higher and lower odds."""
    from bullseye.core.dataset import build_dataset

    rng = np.random.default_rng(3)
    n = 5000
    load = rng.integers(0, 1000, n)
    region = rng.choice(["north", "south", "east", "west"], n)
    logit = -0.8 + 0.3 * (region == "east") + np.where((load // 50) % 2 == 0, 0.9, -0.9)
    won = rng.random(n) < 1 / (1 + np.exp(-logit))
    ids = [f"a{i}" for i in range(n)]
    accounts = pd.DataFrame({"account_id": ids, "name": ids, "load": load, "region": region})
    ws = one_deal_per_account(tmp_path_factory.mktemp("bands") / "ws", accounts, won, rng)
    yield build_dataset(ws)
    ws.close()


def test_cross_validation_cuts_a_fine_shape_in_twenty_bands_and_it_ranks_the_holdout_better(alternating):
    from bullseye.scoring.scorecard import ScoreCard, new_business
    from bullseye.strategy.icp import ICP

    card = ScoreCard(ICP(), pairs=0, segments=0, bands="cv").fit(alternating)
    assert card.bands_ == 20
    assert card.band_loss_[20] < card.band_loss_[10]
    deciles = ScoreCard(ICP(), pairs=0, segments=0).fit(alternating)  # the default
    assert deciles.bands_ == 10 and list(deciles.band_loss_) == [10]
    assert len(next(f for f in card.features_ if f.name == "load").levels) > 15
    holdout = new_business(alternating.deals_in("holdout"), alternating.deals)
    y = holdout["won"].to_numpy(int)
    fine = roc_auc_score(y, card.score(holdout)["win_probability"])
    coarse = roc_auc_score(y, deciles.score(holdout)["win_probability"])
    assert fine > coarse + 0.1  # deciles average the alternating odds away; twenty bands see them


def test_the_cross_validated_loss_equals_scikit_learns_on_the_same_folds():
    rng = np.random.default_rng(0)
    n = 1200
    codes = rng.integers(0, 6, n)
    y = (rng.random(n) < 1 / (1 + np.exp(-(codes - 2.5) * 0.3))).astype(int)
    X = sp.csr_matrix((np.ones(n), (np.arange(n), codes)), shape=(n, 6))
    grid = (0.01, 0.1, 1.0)
    best, loss = cross_validated_C(X, y, np.zeros(6, dtype=bool), 1.0, grid)
    expected = {}
    for C in grid:
        total = 0.0
        for fit_rows, test_rows in folds(y, 5):
            model = LogisticRegression(C=C, tol=1e-10, max_iter=10_000).fit(X[fit_rows], y[fit_rows])
            total += sk_log_loss(y[test_rows], model.predict_proba(X[test_rows])[:, 1], normalize=False)
        expected[C] = total
    assert best == min(expected, key=expected.get)
    assert loss == pytest.approx(expected[best], rel=1e-5)
