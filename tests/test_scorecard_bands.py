"""How finely the scorecard cuts numbers: by default (``bands="cv"``) cross-validation chooses
between deciles and twenty quantile bands (``BAND_GRID``), taking twenty only when they beat deciles
by more than one standard error of the fold-wise difference (the one-standard-error rule, which also
chooses the attribute strength and the number of pair tables). A planted shape that only twenty
bands can see (the odds alternate every 5% of the attribute, so each decile averages out) gets
twenty, and ranks the holdout far better than deciles; a linear attribute keeps deciles over several
seeds, a null one in most (the rule's price: about 1 in 5 by chance); the cross-validated losses
the choices rest on equal scikit-learn's."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from conftest import one_deal_per_account
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import log_loss as sk_log_loss
from sklearn.metrics import roc_auc_score

from bullseye.scoring.solver import cross_validated_C, cross_validated_losses, folds, one_standard_error


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

    card = ScoreCard(ICP(), pairs=0, segments=0).fit(alternating)  # the default: bands="cv"
    assert card.bands_ == 20
    assert card.band_loss_[20] < card.band_loss_[10]
    deciles = ScoreCard(ICP(), pairs=0, segments=0, bands=10).fit(alternating)
    assert deciles.bands_ == 10 and list(deciles.band_loss_) == [10]
    assert len(next(f for f in card.features_ if f.name == "load").levels) > 15
    holdout = new_business(alternating.deals_in("holdout"), alternating.deals)
    y = holdout["won"].to_numpy(int)
    fine = roc_auc_score(y, card.score(holdout)["win_probability"])
    coarse = roc_auc_score(y, deciles.score(holdout)["win_probability"])
    assert fine > coarse + 0.1  # deciles average the alternating odds away; twenty bands see them


def test_the_cross_validated_losses_equal_scikit_learns_on_the_same_folds():
    rng = np.random.default_rng(0)
    n = 1200
    codes = rng.integers(0, 6, n)
    y = (rng.random(n) < 1 / (1 + np.exp(-(codes - 2.5) * 0.3))).astype(int)
    X = sp.csr_matrix((np.ones(n), (np.arange(n), codes)), shape=(n, 6))
    grid = (0.01, 0.1, 1.0)
    losses = cross_validated_losses(X, y, np.zeros(6, dtype=bool), 1.0, grid)
    expected = np.zeros((len(grid), 5))
    for i, C in enumerate(grid):
        for fold, (fit_rows, test_rows) in enumerate(folds(y, 5)):
            model = LogisticRegression(C=C, tol=1e-10, max_iter=10_000).fit(X[fit_rows], y[fit_rows])
            expected[i, fold] = sk_log_loss(y[test_rows], model.predict_proba(X[test_rows])[:, 1], normalize=False)
    assert losses == pytest.approx(expected, rel=1e-5)
    best, loss = cross_validated_C(X, y, np.zeros(6, dtype=bool), 1.0, grid)
    chosen = one_standard_error(expected)
    assert best == grid[chosen] and loss == pytest.approx(expected[chosen].sum(), rel=1e-5)


def test_the_one_standard_error_rule_takes_the_simplest_candidate_within_noise_of_the_best():
    # rows: candidates, simplest first; columns: held-out loss per fold
    steady = np.array([[10.0, 10.0, 10.0, 10.0], [9.0, 9.0, 9.0, 9.0]])  # better in every fold
    assert one_standard_error(steady) == 1
    # 0.5 better in total, but the fold differences (+1, -1, +1, -0.5) have a standard error of
    # sqrt(4) * 1.03 = 2.06: within noise, so the simpler one
    noisy = np.array([[10.0, 10.0, 10.0, 10.0], [9.0, 11.0, 9.0, 10.5]])
    assert one_standard_error(noisy) == 0
    # the best is the simplest, or the middle one is within noise of a more complex best
    assert one_standard_error(np.array([[5.0, 5.0], [6.0, 6.0]])) == 0
    middle = np.array([[12.0, 12.0, 12.0], [10.2, 9.9, 10.1], [10.0, 10.0, 10.0]])
    assert one_standard_error(middle) == 1  # 0.2 worse in total, fold differences (+0.2, -0.1, +0.1): se 0.26
    assert one_standard_error(np.array([[10.0, 10.0], [10.0, 10.0]])) == 0  # a tie keeps the simpler


def _planted(tmp_path_factory, seed: int, shape: str):
    """5,000 accounts with one deal each whose log-odds follow ``load`` (0-999): ``fine`` alternates
    +-0.5 every 5% (deciles average it out), ``linear`` rises steadily, ``null`` is flat."""
    from bullseye.core.dataset import build_dataset

    rng = np.random.default_rng(100 + seed)
    n = 5000
    load = rng.integers(0, 1000, n)
    region = rng.choice(["north", "south", "east", "west"], n)
    effect = {
        "fine": np.where((load // 50) % 2 == 0, 0.5, -0.5),
        "linear": 1.2 * (load / 1000 - 0.5),
        "null": np.zeros(n),
    }[shape]
    won = rng.random(n) < 1 / (1 + np.exp(-(-0.8 + 0.3 * (region == "east") + effect)))
    ids = [f"a{i}" for i in range(n)]
    accounts = pd.DataFrame({"account_id": ids, "name": ids, "load": load, "region": region})
    ws = one_deal_per_account(tmp_path_factory.mktemp(f"{shape}{seed}") / "ws", accounts, won, rng)
    data = build_dataset(ws)
    ws.close()
    return data


@pytest.mark.slow
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_twenty_bands_where_the_shape_needs_them_deciles_for_a_linear_one(tmp_path_factory, seed):
    from bullseye.scoring.scorecard import ScoreCard
    from bullseye.strategy.icp import ICP

    chosen = {
        shape: ScoreCard(ICP(), pairs=0, segments=0).fit(_planted(tmp_path_factory, seed, shape)).bands_
        for shape in ("fine", "linear")
    }
    assert chosen == {"fine": 20, "linear": 10}


def _band_losses(load: np.ndarray, region: np.ndarray, y: np.ndarray) -> list[np.ndarray]:
    """Per count of ``BAND_GRID``: the cross-validated losses of ``load`` in that many bands plus ``region``."""
    from bullseye.scoring.features import _quantile_bands
    from bullseye.scoring.pairs import one_hot
    from bullseye.scoring.scorecard import BAND_GRID
    from bullseye.scoring.solver import C_GRID

    losses = []
    for count in BAND_GRID:
        cuts = np.array([up for up, _ in _quantile_bands(load.astype(float), count) if up is not None])
        codes = np.searchsorted(cuts, load, side="right")
        X = sp.hstack([one_hot(codes, len(cuts) + 1), one_hot(region, 4)], format="csr")
        losses.append(cross_validated_losses(X, y, np.zeros(X.shape[1], dtype=bool), 1.0, C_GRID))
    return losses


@pytest.mark.slow
def test_on_a_null_attribute_the_rule_keeps_deciles_in_most_seeds():
    """Where ``load`` does not matter at all, twenty bands still beat deciles by more than one
    standard error by chance in some seeds (a t statistic over 5 folds above 1: about 1 in 5);
    the rule is a guard against noise-sized wins, not a test at 5% (4 of these 12 seeds). Pinned:
    deciles in most seeds, twenty bands in at most half."""
    from bullseye.scoring.solver import choose_size_and_C

    finer = 0
    for seed in range(12):
        rng = np.random.default_rng(1000 + seed)
        load, region = rng.integers(0, 1000, 2000), rng.integers(0, 4, 2000)
        y = (rng.random(2000) < 1 / (1 + np.exp(0.8 - 0.3 * (region == 2)))).astype(int)
        finer += choose_size_and_C(_band_losses(load, region, y))[0]
    assert finer <= 6, f"twenty bands on a null attribute in {finer} of 12 seeds"
