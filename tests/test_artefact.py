"""A fitted scorecard stored as JSON scores exactly as the one fitted."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import yaml
from conftest import TRUTH_ICP, demo_workspace

from bullseye.artefact import decode, encode
from bullseye.core.dataset import build_dataset
from bullseye.errors import BullseyeError, InvalidInputError
from bullseye.scoring.scorecard import ScoreCard, fit_scorecard
from bullseye.strategy.icp import ICP


def test_plain_values_round_trip_through_strict_json():
    value = {
        "a": np.array([1.5, np.nan, np.inf]),
        "b": (1, "x"),
        3: {"nested": [np.int64(4), None]},
        "frame": pd.DataFrame({"x": [1, 2], "y": ["a", None]}),
        "when": pd.Timestamp("2026-01-02").date(),
    }
    back = decode(json.loads(json.dumps(encode(value), allow_nan=False)))
    assert np.array_equal(back["a"], value["a"], equal_nan=True) and back["b"] == (1, "x")
    assert back[3] == {"nested": [4, None]} and back["when"] == value["when"]
    pd.testing.assert_frame_equal(back["frame"], value["frame"])


def test_unknown_classes_are_refused_both_ways():
    class Stranger:
        pass

    with pytest.raises(InvalidInputError, match="cannot store"):
        encode(Stranger())
    with pytest.raises(InvalidInputError, match="does not know"):
        decode({"$object": "os.system", "fields": {}})


def test_a_stored_scorecard_scores_exactly_like_the_fitted_one(tmp_path_factory):
    ws = demo_workspace(tmp_path_factory, 3000, 0)
    icp = ICP.model_validate(yaml.safe_load(TRUTH_ICP))
    data = build_dataset(ws)
    card = fit_scorecard(ws, icp, dataset=data)
    stored = json.loads(json.dumps(card.to_artefact(), allow_nan=False))
    again = ScoreCard.from_artefact(icp, stored)
    pd.testing.assert_frame_equal(card.score(data.accounts), again.score(data.accounts))
    assert {f["name"] for f in stored["features"]} == {f.name for f in card.features_}
    other = icp.model_copy(update={"name": "another"})
    with pytest.raises(BullseyeError, match="was fitted for ICP"):
        ScoreCard.from_artefact(other, stored)
