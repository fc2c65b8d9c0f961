"""Quality functions: statistics from counts and sums, qualities as defined, estimates that bound."""

from __future__ import annotations

import numpy as np
import pytest

from bullseye.discover.quality import BinaryQuality, NumericQuality, SurvivalQuality


def statistics_of(quality, prepared, mask: np.ndarray) -> dict[str, np.ndarray]:
    """The statistics of the rows in ``mask``, from their channels summed row by row."""
    return quality.statistics(prepared.channels(mask))


def targets(rng: np.random.Generator, n: int) -> dict[str, object]:
    return {
        "binary": (rng.random(n) < 0.3).astype(int),
        "numeric": rng.normal(size=n) ** 3,
        "survival": (rng.exponential(10, n) + 0.1, rng.random(n) < 0.5),
    }


@pytest.mark.parametrize(
    "quality",
    [
        BinaryQuality(),
        BinaryQuality(direction=-1),
        BinaryQuality(a=1.0),
        BinaryQuality(a=1.5),
        NumericQuality(),
        NumericQuality(direction=-1),
        NumericQuality(a=1.0),
        NumericQuality(a=1.5),
        SurvivalQuality(a=0.5),
        SurvivalQuality(a=1.0),
    ],
)
def test_optimistic_estimate_bounds_every_subset(quality):
    """The estimate of a set of rows is at least the quality of any subset of them."""
    rng = np.random.default_rng(7)
    n = 400
    kind = {BinaryQuality: "binary", NumericQuality: "numeric", SurvivalQuality: "survival"}[type(quality)]
    target = targets(rng, n)[kind]
    prepared = quality.prepare(target, np.ones(n, dtype=bool))
    for _ in range(300):
        parent = rng.random(n) < rng.uniform(0.05, 0.9)
        bound = quality.optimistic(statistics_of(quality, prepared, parent), prepared.totals)
        for share in (0.02, 0.2, 0.6, 1.0):
            child = parent & (rng.random(n) < share)
            if kind == "numeric" and share == 0.02:  # the best rows of the parent
                child = parent & (quality.direction * target >= np.quantile(quality.direction * target[parent], 0.9))
            if child.any():
                assert quality.quality(statistics_of(quality, prepared, child), prepared.totals) <= bound + 1e-12


@pytest.mark.parametrize("direction", [1, -1])
@pytest.mark.parametrize("a", [0.5, 1.0])
def test_qualities_follow_their_definitions(a, direction):
    """Each quality, computed from the statistics, equals its formula computed from the rows."""
    rng = np.random.default_rng(3)
    n = 1000
    target = targets(rng, n)
    rows = rng.random(n) < 0.8
    for _ in range(20):
        segment = rng.random(rows.sum()) < rng.uniform(0.05, 0.6)
        share = segment.mean() ** a * direction
        for quality, y in (
            (BinaryQuality(a, direction), target["binary"]),
            (NumericQuality(a, direction), target["numeric"]),
        ):
            prepared = quality.prepare(y, rows)
            stats = statistics_of(quality, prepared, segment)
            values = np.asarray(y, dtype=float)[rows]
            assert stats["n"][0] == segment.sum()
            expected = share * (values[segment].mean() - values.mean())
            assert quality.quality(stats, prepared.totals)[0] == pytest.approx(expected, rel=1e-12)
        duration, event = target["survival"][0][rows], target["survival"][1][rows]
        quality = SurvivalQuality(a, direction)
        prepared = quality.prepare(target["survival"], rows)
        stats = statistics_of(quality, prepared, segment)
        d, t = event[segment].sum(), duration[segment].sum()
        rate_in, rate_out = (d + 0.5) / t, (event.sum() - d + 0.5) / (duration.sum() - t)
        assert (stats["events"][0], stats["exposure"][0]) == (d, pytest.approx(t, rel=1e-12))
        expected = share * -np.log(rate_in / rate_out)
        assert quality.quality(stats, prepared.totals)[0] == pytest.approx(expected, rel=1e-12)


def test_defined_rows_and_totals():
    rng = np.random.default_rng(5)
    y = rng.normal(size=200)
    rows = rng.random(200) < 0.5
    prepared = NumericQuality().prepare(y, rows)
    assert prepared.totals["N"] == rows.sum() and prepared.totals["mean"] == pytest.approx(y[rows].mean())
    assert np.array_equal(prepared.weights["sum"], y[rows])
    assert np.array_equal(prepared.weights["sumsq"], y[rows] ** 2) and prepared.fold is None
    survival = SurvivalQuality().prepare((np.abs(y) + 1, y > 0), rows)
    assert np.array_equal(survival.fold, y[rows] > 0) and survival.n_channels == 3
    channels = survival.channels(np.vstack([np.ones(rows.sum(), dtype=bool), y[rows] > 1]))
    assert channels.shape == (3, 2) and channels[1, 0] == (y[rows] > 0).sum()
    assert channels[2, 1] == pytest.approx((np.abs(y) + 1)[rows][y[rows] > 1].sum())


def test_rejects_bad_targets():
    rows = np.ones(3, dtype=bool)
    with pytest.raises(ValueError, match="0/1"):
        BinaryQuality().prepare(np.array([0, 1, 2]), rows)
    with pytest.raises(ValueError, match="finite"):
        NumericQuality().prepare(np.array([0.0, np.nan, 1.0]), rows)
    with pytest.raises(ValueError, match="positive and finite"):
        SurvivalQuality().prepare((np.array([1.0, 0.0, 2.0]), np.ones(3)), rows)
    with pytest.raises(ValueError, match=r"direction \+1 or -1"):
        BinaryQuality(direction=2)
    with pytest.raises(ValueError, match="a must be >= 0"):
        NumericQuality(a=-1)
