"""Interaction features of the scorecard: a planted pair that the additive points cannot carry is
found and gets points; additive data gets none (the score test is corrected for every pair tried)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression

from bullseye.scoring.segments import learn_segments


def _data(rng, n: int, interaction: float):
    frame = pd.DataFrame(
        {
            "channel": rng.choice(["web", "event", "partner"], n),
            "plan": rng.choice(["basic", "pro"], n),
            "region": rng.choice(["north", "south", "east", "west"], n),
            "size": rng.lognormal(3, 1, n).round(),
        }
    )
    logit = -1.5 + 0.4 * (frame["plan"] == "pro") + 0.3 * (frame["region"] == "east")
    logit += interaction * ((frame["channel"] == "event") & (frame["plan"] == "pro"))
    won = (rng.random(n) < 1 / (1 + np.exp(-logit.to_numpy(float)))).astype(int)
    X = pd.get_dummies(frame[["channel", "plan", "region"]]).to_numpy(float)
    predicted = LogisticRegression(max_iter=1000).fit(X, won).predict_proba(X)[:, 1]
    return frame, won, predicted


def test_a_planted_interaction_gets_a_feature_of_its_own():
    frame, won, predicted = _data(np.random.default_rng(1), 6000, 1.5)
    segments = learn_segments(frame, won, predicted, list(frame.columns))
    assert segments, "the planted pair was not found"
    first = segments[0]
    assert {c.attribute for c in first.conditions} == {"channel", "plan"}, first.name
    assert first.evidence[0].segment > 0 and first.evidence[0].measured_on == "discovery"


def test_additive_data_gets_no_interaction():
    found = sum(bool(learn_segments(*_args(seed))) for seed in range(10))
    assert found <= 1, f"{found} of 10 additive datasets got an interaction feature"


def _args(seed: int):
    frame, won, predicted = _data(np.random.default_rng(100 + seed), 3000, 0.0)
    return frame, won, predicted, list(frame.columns)
