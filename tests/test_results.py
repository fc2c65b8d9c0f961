"""Search results: the collector's columns and running top k, the top-k order, the redundancy filter."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from bullseye.discover.encode import encode
from bullseye.discover.kernel import BinaryQuality, search
from bullseye.discover.results import Collector, filter_redundant, top_indices


@pytest.mark.parametrize("keep", ["all", "positive"])
def test_collector_stores_blocks_and_tracks_the_kth_best(keep):
    rng = np.random.default_rng(2)
    collector = Collector(max_depth=3, top_k=7, n_selectors=40, keep=keep, names=["n", "positives", "_side"])
    assert list(collector.arrays()) == ["idx", "quality", "n", "positives"]  # "_" statistics are not kept
    expected, seen = [], []
    for _ in range(60):  # enough rows to grow the columns several times
        shape = tuple(rng.integers(1, 9, rng.integers(1, 4)))
        selectors = [np.sort(rng.choice(40, size, replace=False)) for size in shape]
        cells = np.sort(rng.choice(int(np.prod(shape)), rng.integers(0, int(np.prod(shape)) + 1), replace=False))
        q = rng.normal(size=len(cells))
        n = rng.integers(1, 500, len(cells)).astype(float)
        collector.add(selectors, cells, shape, q, {"n": n, "positives": n // 2, "_side": n})
        seen += q.tolist()
        assert collector.threshold() == (sorted(seen)[-7] if len(seen) >= 7 else -np.inf)
        for cell, quality, count in zip(cells, q, n):
            if keep == "all" or quality > 0:
                coords = np.unravel_index(cell, shape)
                row = [int(selectors[j][c]) for j, c in enumerate(coords)] + [-1] * (3 - len(shape))
                expected.append((row, quality, count))
    arrays = collector.arrays()
    assert collector.evaluated == len(seen) and len(arrays["quality"]) == len(expected)
    assert arrays["idx"].tolist() == [row for row, _, _ in expected]
    assert np.array_equal(arrays["quality"], [q for _, q, _ in expected])
    assert np.array_equal(arrays["n"], [c for _, _, c in expected]) and arrays["n"].dtype == np.int32
    assert np.array_equal(arrays["positives"], [c // 2 for _, _, c in expected])


def test_top_indices_break_ties_by_fewer_selectors_then_lower_indices():
    candidates = np.array([[3, 5, -1], [2, -1, -1], [1, 4, 6], [2, 9, -1], [0, 1, -1], [7, -1, -1]])
    q = np.array([0.5, 0.5, 0.9, 0.5, 0.1, np.nan])
    assert top_indices(candidates, q, 4).tolist() == [2, 1, 3, 0]
    assert top_indices(candidates, q, 10).tolist() == [2, 1, 3, 0, 4]  # not-a-number never ranks
    assert top_indices(candidates, q, 3, threshold=0.5).tolist() == [2, 1, 3]


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
    with pytest.raises(ValueError, match="by must be"):
        filter_redundant(result, by="lift")


def test_a_refinement_ahead_of_its_parent_by_rounding_only_is_dropped():
    """The same rows summed along another path can come out an ulp ahead: that is not better."""
    rng = np.random.default_rng(2)
    n = 4000
    employees = rng.integers(1, 1000, n).astype(float)
    frame = pd.DataFrame({"employees": employees, "revenue": employees * 1e5, "noise": rng.choice(list("abc"), n)})
    won = (rng.random(n) < np.where(employees > 200, 0.5, 0.2)).astype(int)
    result = search(encode(frame, bands={"employees": [200], "revenue": [1e6]}), BinaryQuality(), won, max_depth=2)
    labels = [result.labels(i) for i in range(len(result.candidates))]
    parent, child = labels.index(["employees >= 200"]), labels.index(["employees >= 200", "revenue >= 1M"])
    assert result.n[parent] == result.n[child]  # every such account has revenue >= 1M
    result.quality[child] = np.nextafter(result.quality[parent], np.inf)
    result.top = top_indices(result.candidates, result.quality, 10)
    assert result.top[0] == child
    assert result.labels(filter_redundant(result, k=1)[0]) == ["employees >= 200"]
