"""Pair tables of the scorecard and its solver: the Newton solver reaches scikit-learn's optimum
with per-column penalties; a planted interaction of a banded number and a category is ranked first
and kept by cross-validation; additive data get no pair; a pair feature scores, describes and
stores itself exactly."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from conftest import one_deal_per_account
from sklearn.linear_model import LogisticRegression

from bullseye.artefact import decode, encode
from bullseye.scoring.features import Feature
from bullseye.scoring.pairs import choose_pair_count, one_hot, pair_feature, rank_pairs
from bullseye.scoring.solver import penalised_logistic


def _data(seed: int, n: int, interaction: float):
    """Three attributes; ``interaction`` adds log-odds where the channel is 'event' and the size is
    in its top band, beyond what either gives alone."""
    rng = np.random.default_rng(seed)
    channel = rng.integers(0, 3, n)  # web, event, partner
    size = rng.integers(0, 5, n)  # five bands of a number
    region = rng.integers(0, 4, n)
    logit = -1.2 + 0.4 * (channel == 2) + 0.3 * (region == 1) + 0.2 * size
    logit += interaction * ((channel == 1) & (size == 4))
    won = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    codes, widths = [channel, size, region], [3, 5, 4]
    X = sp.hstack([one_hot(c, w) for c, w in zip(codes, widths)], format="csr")
    return X, won, codes, widths


def test_solver_matches_scikit_learn_with_a_penalty_per_column():
    X, y, _, _ = _data(0, 2000, 0.0)
    flags = np.zeros(X.shape[1], dtype=bool)
    flags[:3] = True  # a lighter penalty on the first block, as on the rule flags
    penalty = np.where(flags, 1 / 1.0, 1 / 0.05)
    intercept, coef = penalised_logistic(X, y, penalty)
    scale = np.where(flags, np.sqrt(1.0 / 0.05), 1.0)  # glmnet's penalty factors by scaling columns
    reference = LogisticRegression(C=0.05, solver="newton-cholesky", tol=1e-10, max_iter=200).fit(
        X.toarray() * scale, y
    )
    assert np.allclose(coef, reference.coef_[0] * scale, atol=1e-6)
    assert intercept == pytest.approx(reference.intercept_[0], abs=1e-6)
    # the exact optimum: the penalised gradient vanishes; an empty column keeps a coefficient of 0
    wider = sp.hstack([X, sp.csr_matrix((X.shape[0], 1))], format="csr")
    intercept2, coef2 = penalised_logistic(wider, y, np.r_[penalty, 1.0])
    assert coef2[-1] == 0 and np.allclose(coef2[:-1], coef, atol=1e-9)
    residual = 1 / (1 + np.exp(-(intercept + X @ coef))) - y
    assert np.abs(X.T @ residual + penalty * coef).max() < 1e-6 * len(y)


def _additive_fit(X, y, codes, widths):
    penalty = np.full(X.shape[1], 1.0)
    intercept, coef = penalised_logistic(X, y, penalty)
    p = 1 / (1 + np.exp(-(intercept + X @ coef)))
    return penalty, p


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_planted_pair_is_ranked_first_and_kept(seed):
    X, y, codes, widths = _data(seed, 4000, 1.5)
    penalty, p = _additive_fit(X, y, codes, widths)
    assert rank_pairs(widths, codes, y - p, p * (1 - p), 3)[0] == (0, 1)
    count, loss = choose_pair_count(X, y, penalty, codes, widths, 1.0, shuffle=True)
    assert count >= 1 and loss[count] < loss[0]


@pytest.mark.slow
def test_additive_data_get_no_pair():
    kept = 0
    for seed in range(10):
        X, y, codes, widths = _data(100 + seed, 3000, 0.0)
        penalty, _ = _additive_fit(X, y, codes, widths)
        kept += choose_pair_count(X, y, penalty, codes, widths, 1.0, shuffle=True)[0] > 0
    assert kept <= 2, f"{kept} of 10 additive datasets got a pair table"


def test_a_pair_feature_scores_describes_and_stores_its_cells():
    channel = Feature("channel", "category", ["web", "event", "(other)", "(missing)"], lookup={"web": 0, "event": 1})
    size = Feature("size", "band", ["<10", "10-99", "100+", "(missing)"], cuts=np.array([10.0, 100.0]))
    pair = pair_feature(channel, size)
    frame = pd.DataFrame({"channel": ["Event", "web", None, "fax"], "size": [150, 5, 20, np.nan]})
    codes = pair.codes(frame, {})
    assert codes.tolist() == [1 * 4 + 2, 0 * 4 + 0, 3 * 4 + 1, 2 * 4 + 3]
    assert len(pair.levels) == 16 and pair.levels[codes[0]] == "event & 100+"
    assert pair.describe(codes[0]) == "channel = event and size 100+"
    assert pair.describe(codes[2]) == "channel unknown and size 10-99"
    again = decode(encode(pair))
    assert again.codes(frame, {}).tolist() == codes.tolist() and again.describe(6) == pair.describe(6)


@pytest.fixture(scope="module")
def planted(tmp_path_factory):
    """A loaded workspace whose wins depend on channel and size together: events win far more at
    400+ employees and less under 100, beyond what channel and size give alone."""
    from bullseye.core.dataset import build_dataset

    rng = np.random.default_rng(0)
    n = 3000
    channel = rng.choice(["web", "event", "partner"], n)
    size = rng.integers(1, 500, n)
    region = rng.choice(["north", "south", "east", "west"], n)
    event = channel == "event"
    logit = -1.2 + 0.4 * (channel == "partner") + 0.3 * (region == "east") + 2.0 * (event & (size >= 400))
    logit -= 1.0 * (event & (size < 100))
    won = rng.random(n) < 1 / (1 + np.exp(-logit))
    ids = [f"a{i}" for i in range(n)]
    accounts = pd.DataFrame({"account_id": ids, "name": ids, "channel": channel, "size": size, "region": region})
    ws = one_deal_per_account(tmp_path_factory.mktemp("pairs") / "ws", accounts, won, rng)
    yield build_dataset(ws)
    ws.close()


def test_the_scorecard_keeps_the_planted_pair_and_its_points_still_add_up(planted):
    from bullseye.scoring.scorecard import BASE_SCORE, ScoreCard
    from bullseye.strategy.icp import ICP

    card = ScoreCard(ICP()).fit(planted)
    assert [f.name for f in card.features_ if f.kind == "pair"] == ["channel x size"]
    assert card.pair_loss_[0] > min(card.pair_loss_.values())  # kept because it predicts held-out deals better
    assert ScoreCard(ICP(), pairs=0).fit(planted).pair_loss_ == {}
    frame = pd.DataFrame(
        {"account_id": ["x", "y"], "channel": ["event", "event"], "size": [450, 50], "region": ["east"] * 2}
    )
    scores = card.score(frame)
    points = card.explain(frame)
    raw = BASE_SCORE + points.sum(axis=1).to_numpy()
    assert np.allclose(scores["fit_score"], np.round(np.clip(raw, 0, 100), 1))
    assert points.loc[0, "channel x size"] > 0 > points.loc[1, "channel x size"]
    assert "channel = event and size" in scores.loc[0, "reasons"]
    assert scores.loc[0, "win_probability"] > scores.loc[1, "win_probability"]
