"""The conjunction search: exact statistics, exact counts, safe pruning, planted segments."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from bullseye.discover.encode import encode
from bullseye.discover.kernel import (
    BinaryQuality,
    NumericQuality,
    SurvivalQuality,
    filter_redundant,
    search,
)


def data(n: int = 2000, seed: int = 0) -> tuple[pd.DataFrame, np.random.Generator]:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({
        "A": rng.integers(0, 4, n).astype(str),
        "B": rng.integers(0, 3, n).astype(str),
        "C": rng.normal(size=n),
        "D": rng.choice(["x", "y", None], n),
        "E": [list(rng.choice(["s", "t", "u"], rng.integers(0, 3), replace=False)) for _ in range(n)],
    })
    return frame, rng


def planted(frame: pd.DataFrame) -> np.ndarray:
    return ((frame["A"] == "1") & (frame["B"] == "2")).to_numpy()


def targets(frame: pd.DataFrame, rng: np.random.Generator) -> list:
    n = len(frame)
    p = planted(frame)
    won = (rng.random(n) < np.where(p, 0.6, 0.2)).astype(int)
    value = rng.normal(size=n) + 1.5 * p
    duration = rng.exponential(np.where(p, 30.0, 10.0)) + 0.1
    event = rng.random(n) < 0.7
    return [(BinaryQuality(), won), (BinaryQuality(direction=-1), won), (BinaryQuality(a=1.0), won),
            (NumericQuality(), value), (NumericQuality(direction=-1), value),
            (SurvivalQuality(), (duration, event)), (SurvivalQuality(direction=-1), (duration, event))]


def brute_force(encoded, max_depth: int, min_support: int, rows=None) -> dict[tuple[int, ...], np.ndarray]:
    masks = np.vstack([encoded.mask(i) for i in range(len(encoded.selectors))])
    if rows is not None:
        masks = masks[:, rows]
    out = {}
    for depth in range(1, max_depth + 1):
        for combo in itertools.combinations(range(len(masks)), depth):
            if len(set(encoded.attribute_index[list(combo)].tolist())) < depth:
                continue
            mask = masks[list(combo)].all(axis=0)
            if mask.sum() >= min_support:
                out[combo] = mask
    return out


def key(row) -> tuple[int, ...]:
    return tuple(int(s) for s in row if s >= 0)


@pytest.mark.parametrize("min_support", [1, 40])
def test_evaluated_and_statistics_match_brute_force(min_support):
    frame, rng = data()
    encoded = encode(frame)
    expected = brute_force(encoded, 3, min_support)
    for quality, target in targets(frame, rng):
        result = search(encoded, quality, target, max_depth=3, min_support=min_support, prune=False)
        assert result.evaluated == len(expected) == len(result.candidates)
        found = {key(row): i for i, row in enumerate(result.candidates)}
        assert set(found) == set(expected)
        for combo, mask in expected.items():
            i = found[combo]
            assert result.n[i] == mask.sum()
            if "positives" in result.stats:
                assert result.stats["positives"][i] == target[mask].sum()
            if "sum" in result.stats:
                assert result.stats["sum"][i] == pytest.approx(target[mask].sum())
                assert result.stats["sumsq"][i] == pytest.approx((target[mask] ** 2).sum())
            if "events" in result.stats:
                assert result.stats["events"][i] == target[1][mask].sum()
                assert result.stats["exposure"][i] == pytest.approx(target[0][mask].sum())


def test_depth_four_and_defined_rows_match_brute_force():
    frame, rng = data(600, seed=4)
    encoded = encode(frame)
    rows = rng.random(len(frame)) < 0.7
    won = rng.integers(0, 2, len(frame))
    expected = brute_force(encoded, 4, 5, rows)
    result = search(encoded, BinaryQuality(), won, defined=rows, max_depth=4, min_support=5, prune=False)
    assert result.evaluated == len(expected)
    assert result.totals["N"] == rows.sum()
    for i, row in enumerate(result.candidates[:: max(1, len(result.candidates) // 300)]):
        mask = expected[key(row)]
        j = i * max(1, len(result.candidates) // 300)
        assert (result.n[j], result.stats["positives"][j]) == (mask.sum(), won[rows][mask].sum())
    assert (result.candidates >= 0).sum(axis=1).max() == 4


def test_no_two_selectors_on_one_attribute():
    frame, rng = data()
    encoded = encode(frame)
    result = search(encoded, BinaryQuality(), targets(frame, rng)[0][1], max_depth=4, min_support=1)
    attrs = np.where(result.candidates >= 0, encoded.attribute_index[np.maximum(result.candidates, 0)], -1 - np.arange(4))
    assert all(len(set(row)) == 4 for row in attrs.tolist())


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_pruning_never_changes_the_top_k(seed):
    frame, rng = data(3000, seed)
    encoded = encode(frame)
    pruned_something = False
    for quality, target in targets(frame, rng):
        for top_k in (3, 25):
            full = search(encoded, quality, target, max_depth=3, min_support=10, top_k=top_k, prune=False)
            fast = search(encoded, quality, target, max_depth=3, min_support=10, top_k=top_k, prune=True)
            assert np.array_equal(full.candidates[full.top], fast.candidates[fast.top])
            assert np.array_equal(full.quality[full.top], fast.quality[fast.top])
            assert fast.evaluated <= full.evaluated
            pruned_something |= fast.evaluated < full.evaluated
    assert pruned_something


@pytest.mark.parametrize("quality", [BinaryQuality(), BinaryQuality(direction=-1), BinaryQuality(a=1.0),
                                     BinaryQuality(a=1.5), NumericQuality(), NumericQuality(direction=-1),
                                     NumericQuality(a=1.0), NumericQuality(a=1.5), SurvivalQuality(a=0.5),
                                     SurvivalQuality(a=1.0)])
def test_optimistic_estimate_bounds_every_subset(quality):
    """The estimate of a set of rows is at least the quality of any subset of them."""
    rng = np.random.default_rng(7)
    n = 400
    y = (rng.random(n) < 0.3).astype(int)
    if isinstance(quality, NumericQuality):
        y = rng.normal(size=n) ** 3
    target = (rng.exponential(10, n) + 0.1, rng.random(n) < 0.5) if isinstance(quality, SurvivalQuality) else y
    prepared = quality.prepare(target, np.ones(n, dtype=bool))
    weights = prepared.weights

    def stats(mask):
        counts = np.array([np.sum(mask & (prepared.fold == 0)), np.sum(mask & (prepared.fold == 1))], dtype=float)
        sums = {w: np.array([v[mask & (prepared.fold == 0)].sum(), v[mask & (prepared.fold == 1)].sum()])
                for w, v in weights.items()}
        return {k: np.asarray(v) for k, v in quality.statistics(counts, sums).items()}

    for _ in range(300):
        parent = rng.random(n) < rng.uniform(0.05, 0.9)
        bound = quality.optimistic(stats(parent), prepared.totals)
        for share in (0.02, 0.2, 0.6, 1.0):
            child = parent & (rng.random(n) < share)
            if isinstance(quality, NumericQuality) and share == 0.02:  # the best rows of the parent
                child = parent & (quality.direction * y >= np.quantile(quality.direction * y[parent], 0.9))
            if child.any():
                assert quality.quality(stats(child), prepared.totals) <= bound + 1e-12


def test_planted_conjunction_is_found_first_and_filter_drops_noise_extensions():
    frame, rng = data(5000, seed=3)
    encoded = encode(frame)
    p = planted(frame)
    won = (rng.random(len(frame)) < np.where(p, 0.7, 0.2)).astype(int)
    result = search(encoded, BinaryQuality(), won, max_depth=3, min_support=20, top_k=50)
    assert set(result.labels(result.top[0])) == {"A = 1", "B = 2"}
    top_labels = [set(result.labels(i)) for i in result.top]
    assert any(len(s) == 3 and {"A = 1", "B = 2"} < s for s in top_labels)  # noise extensions rank high
    kept = filter_redundant(result)
    kept_labels = [set(result.labels(i)) for i in kept]
    assert kept_labels[0] == {"A = 1", "B = 2"}
    assert not any({"A = 1", "B = 2"} < s for s in kept_labels)
    by_rate = filter_redundant(result, by="rate", min_improvement=0.1)
    assert not any({"A = 1", "B = 2"} < set(result.labels(i)) for i in by_rate)
    for i in kept:  # each kept conjunction beats every generalisation that was evaluated
        sel = [s for s in result.candidates[i] if s >= 0]
        for r in range(1, len(sel)):
            for sub in itertools.combinations(sel, r):
                row = np.array(list(sub) + [-1] * (3 - r))
                j = np.flatnonzero((result.candidates == row).all(axis=1))
                assert not len(j) or result.quality[i] > result.quality[j[0]]
    # a disqualifier is found with the other direction
    low = (rng.random(len(frame)) < np.where(frame["D"].to_numpy() == "x", 0.05, 0.3)).astype(int)
    worst = search(encoded, BinaryQuality(direction=-1), low, max_depth=2, min_support=20, top_k=5)
    assert worst.labels(worst.top[0]) == ["D = x"]


def test_filter_drops_the_same_rows_described_twice():
    rng = np.random.default_rng(5)
    n = 3000
    b = rng.choice(["y", "n"], n)
    fleet = np.where(rng.random(n) < 0.5, 0, np.where(b == "y", rng.integers(10, 20, n), rng.integers(1, 20, n)))
    frame = pd.DataFrame({"fleet": fleet.astype(float), "B": b})
    won = (rng.random(n) < np.where((fleet > 0) & (b == "y"), 0.6, 0.2)).astype(int)
    result = search(encode(frame, bands={"fleet": [1, 5, 10]}), BinaryQuality(), won, max_depth=2, min_support=10)
    first = result.table(result.top[:3])
    assert first["n"].nunique() == 1 and first["segment"].str.endswith("& B = y").all()
    kept = filter_redundant(result, k=3)
    assert result.labels(kept[0]) == ["fleet >= 1", "B = y"]
    assert len({int(result.n[i]) for i in kept}) == len(kept)
    assert filter_redundant(result, distinct=False, k=3).tolist() == result.top[:3].tolist()


def test_keep_positive_stores_fewer_but_counts_all():
    frame, rng = data()
    encoded = encode(frame)
    won = targets(frame, rng)[0][1]
    everything = search(encoded, BinaryQuality(), won, min_support=5)
    positive = search(encoded, BinaryQuality(), won, min_support=5, keep="positive")
    assert positive.evaluated == everything.evaluated > len(positive.candidates)
    assert (positive.quality > 0).all()
    assert np.array_equal(positive.candidates[positive.top], everything.candidates[everything.top])


def test_rejects_bad_input():
    frame, rng = data(300)
    encoded = encode(frame)
    with pytest.raises(ValueError, match="0/1"):
        search(encoded, BinaryQuality(), np.full(300, 2))
    with pytest.raises(ValueError, match=r"direction \+1 or -1"):
        BinaryQuality(direction=2)
    with pytest.raises(ValueError, match="positive and finite"):
        search(encoded, SurvivalQuality(), (np.zeros(300), np.ones(300)))
    with pytest.raises(ValueError, match="defined has shape"):
        search(encoded, BinaryQuality(), np.zeros(300, dtype=int), defined=np.ones(5, dtype=bool))


def test_same_top_ten_as_pysubgroup():
    ps = pytest.importorskip("pysubgroup")
    rng = np.random.default_rng(11)
    n = 1500
    frame = pd.DataFrame({name: rng.choice(values, n) for name, values in
                          {"a": list("pqrs"), "b": list("xyz"), "c": ["lo", "mid", "hi"], "d": list("uvw"),
                           "e": ["0", "1"]}.items()})
    won = rng.random(n) < np.where((frame["a"] == "p") & (frame["b"] == "x"), 0.55, 0.25)
    encoded = encode(frame)
    ours = search(encoded, BinaryQuality(a=0.5), won.astype(int), max_depth=3, min_support=1, top_k=10)
    table = frame.assign(won=won)
    space = [ps.EqualitySelector(s.attribute, s.value) for s in encoded.selectors]
    task = ps.SubgroupDiscoveryTask(table, ps.BinaryTarget("won", True), space, result_set_size=10, depth=3,
                                    qf=ps.StandardQF(0.5))
    theirs = ps.DFS().execute(task).to_descriptions()
    their_q = np.array([q for q, _ in theirs])
    assert np.allclose(np.sort(ours.quality[ours.top])[::-1], their_q, rtol=0, atol=1e-12)
    their_sets = {frozenset(f"{s.attribute_name} = {s.attribute_value}" for s in d.selectors) for _, d in theirs}
    assert {frozenset(ours.labels(i)) for i in ours.top} == their_sets
