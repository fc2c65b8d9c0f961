"""The conjunction search: exact statistics, exact counts, safe pruning, the same pruning as a plain
reference search, planted segments."""

from __future__ import annotations

import itertools
import threading
import time

import numpy as np
import pandas as pd
import pytest

from bullseye.discover import kernel
from bullseye.discover.encode import encode
from bullseye.discover.kernel import (
    _LOOKAHEAD,
    BinaryQuality,
    NumericQuality,
    SurvivalQuality,
    _bounding_box,
    _Counter,
    _fit_partitions,
    _groups,
    _sets,
    _take,
    filter_redundant,
    search,
)
from bullseye.discover.quality import PreparedTarget


def data(n: int = 2000, seed: int = 0) -> tuple[pd.DataFrame, np.random.Generator]:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "A": rng.integers(0, 4, n).astype(str),
            "B": rng.integers(0, 3, n).astype(str),
            "C": rng.normal(size=n),
            "D": rng.choice(["x", "y", None], n),
            "E": [list(rng.choice(["s", "t", "u"], rng.integers(0, 3), replace=False)) for _ in range(n)],
        }
    )
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
    return [
        (BinaryQuality(), won),
        (BinaryQuality(direction=-1), won),
        (BinaryQuality(a=1.0), won),
        (NumericQuality(), value),
        (NumericQuality(direction=-1), value),
        (SurvivalQuality(), (duration, event)),
        (SurvivalQuality(direction=-1), (duration, event)),
    ]


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


def reference_search(
    encoded, quality, target, *, max_depth: int, min_support: int, top_k: int, defined: np.ndarray | None = None
) -> tuple[dict[tuple[int, ...], float], int]:
    """The kernel's pruning rule, conjunction by conjunction on row masks, without histograms: the
    same passes in the same order, counted ``_LOOKAHEAD`` passes ahead of their processing. Returns
    {selectors: quality} of the evaluated conjunctions and how many there were."""
    parts = _fit_partitions(encoded.partitions, max_depth)
    groups = _groups(parts, max_depth)
    rows = np.ones(encoded.n_rows, dtype=bool) if defined is None else defined
    prepared = quality.prepare(target, rows)
    masks = np.vstack([encoded.mask(i) for i in range(len(encoded.selectors))])[:, rows]
    scores, best, evaluated = {}, [], {}

    def threshold() -> float:
        return sorted(best)[-top_k] if len(best) >= top_k else -np.inf

    def allowed_of(s: tuple[int, ...]) -> np.ndarray:
        shape = tuple(len(parts[p].selectors) for p in s)
        subs = [scores.get(s[:j] + s[j + 1 :]) for j in range(len(s))]
        if len(s) == 1 or any(sub is None for sub in subs):
            return np.full(shape, len(s) == 1)
        lowest = np.array([min(subs[j][cell[:j] + cell[j + 1 :]] for j in range(len(s))) for cell in np.ndindex(shape)])
        return lowest.reshape(shape) >= max(threshold(), np.nextafter(-np.inf, 0))

    def evaluate(s: tuple[int, ...], allowed: np.ndarray) -> None:
        if not allowed.any():
            return
        score = np.full(allowed.shape, -np.inf)
        for cell in zip(*np.nonzero(allowed)):
            chosen = [int(parts[p].selectors[c]) for p, c in zip(s, cell)]
            rows_in = masks[chosen].all(axis=0)
            stats = quality.statistics(prepared.channels(rows_in))
            if stats["n"][0] < min_support:
                continue
            q = float(quality.quality(stats, prepared.totals)[0])
            evaluated[tuple(sorted(chosen))] = q
            best.extend([q] if np.isfinite(q) else [])
            if len(s) < max_depth:
                estimate = quality.optimistic(stats, prepared.totals)
                score[cell] = np.inf if estimate is None else float(estimate[0])
        if len(s) < max_depth:
            scores[s] = score

    def process(sets: list, early: dict) -> None:
        for s in sets:
            evaluate(s, early[s] if s in early else allowed_of(s))

    for r in range(1, max_depth + 1):
        pending = []
        for gc in itertools.combinations(range(len(groups)), r):
            sets = _sets(gc, groups, parts, max_depth)
            early = {s: allowed_of(s) for s in sets if len(s) == r > 1}
            if not sets or (early and not any(a.any() for a in early.values())):
                continue
            pending.append((sets, early))
            while len(pending) > _LOOKAHEAD:
                process(*pending.pop(0))
        while pending:
            process(*pending.pop(0))
    return evaluated, len(evaluated)


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
    attrs = np.where(
        result.candidates >= 0, encoded.attribute_index[np.maximum(result.candidates, 0)], -1 - np.arange(4)
    )
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


@pytest.mark.parametrize("seed", [0, 1])
def test_pruning_evaluates_what_a_plain_reference_search_evaluates(seed):
    """With pruning, ``evaluated`` depends on when each conjunction is checked against the k-th best
    quality so far: the histograms, products, bounding boxes and counting ahead must not change it."""
    frame, rng = data(1500, seed)
    rows = rng.random(len(frame)) < 0.8
    encoded = encode(frame)
    searches = [(quality, target, 3) for quality, target in targets(frame, rng)]
    searches.append((BinaryQuality(), searches[0][1], 4))
    for quality, target, depth in searches:
        for top_k in (5, 40):
            result = search(encoded, quality, target, defined=rows, max_depth=depth, min_support=15, top_k=top_k)
            expected, count = reference_search(
                encoded, quality, target, max_depth=depth, min_support=15, top_k=top_k, defined=rows
            )
            assert result.evaluated == count == len(result.candidates)
            found = {key(row): q for row, q in zip(result.candidates.tolist(), result.quality.tolist())}
            assert set(found) == set(expected)
            assert np.allclose([found[k] for k in expected], list(expected.values()), rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("make", [lambda v, d, e: (NumericQuality(), v), lambda v, d, e: (SurvivalQuality(), (d, e))])
def test_weighted_statistics_with_defined_rows_match_brute_force(make):
    """Numeric (a count and two weights) and survival (a count and one weight) sums on some rows."""
    frame, rng = data(1200, seed=6)
    rows = rng.random(len(frame)) < 0.6
    n = len(frame)
    quality, target = make(rng.normal(size=n) * 50, rng.exponential(30, n) + 1, rng.random(n) < 0.4)
    encoded = encode(frame)
    expected = brute_force(encoded, 3, 8, rows)
    result = search(encoded, quality, target, defined=rows, max_depth=3, min_support=8, prune=False)
    assert result.evaluated == len(expected)
    values = np.asarray(target if isinstance(quality, NumericQuality) else target[0])[rows]
    for i, row in enumerate(result.candidates.tolist()):
        mask = expected[key(row)]
        assert result.n[i] == mask.sum()
        if isinstance(quality, NumericQuality):
            assert result.stats["sum"][i] == pytest.approx(values[mask].sum(), rel=1e-9, abs=1e-9)
            assert result.stats["sumsq"][i] == pytest.approx((values[mask] ** 2).sum(), rel=1e-9)
        else:
            assert result.stats["events"][i] == target[1][rows][mask].sum()
            assert result.stats["exposure"][i] == pytest.approx(values[mask].sum(), rel=1e-9)


def test_counting_gives_the_sums_of_separate_bincounts_bit_for_bit():
    """Each channel of a pass's histogram (the rows, split by the fold bit or not, then each weight)
    is what ``np.bincount`` gives for it, bit for bit: the compiled loops sum in row order too.
    Passes in lexicographic order reuse their prefix keys; the order must not matter."""
    frame, rng = data(3000, seed=8)
    encoded = encode(frame)
    rows = rng.random(len(frame)) < 0.7
    duration, event = rng.exponential(10, len(frame)) + 0.1, rng.random(len(frame)) < 0.5
    n = len(frame)
    three = PreparedTarget(
        None, {"a": rng.normal(size=n)[rows], "b": rng.random(n)[rows], "c": rng.random(n)[rows]}, {}
    )
    for quality, target in (
        (BinaryQuality(), rng.integers(0, 2, n)),
        (NumericQuality(), rng.normal(size=n)),
        (SurvivalQuality(), (duration, event)),
        (None, three),
    ):
        prepared = target if quality is None else quality.prepare(target, rows)
        parts = _fit_partitions(encoded.partitions, 3)
        groups = _groups(parts, 3)
        counter = _Counter(parts, groups, rows, prepared)
        for gc in [(0,), (0, 2), (1, 2, 3), (1, 2, 4), (0, 1, 3), (0,)]:
            if max(gc) >= len(groups):
                continue
            cell = np.zeros(rows.sum(), dtype=np.intp)
            for g in gc:
                for p in groups[g]:
                    cell = cell * parts[p].n_atoms + parts[p].codes[rows]
            hist = counter.count(gc).reshape(prepared.n_channels, -1)
            size = hist.shape[1]
            if prepared.fold is None:
                assert np.array_equal(hist[0], np.bincount(cell, minlength=size))
            else:
                fold = prepared.fold.astype(bool)
                assert np.array_equal(hist[0], np.bincount(cell[~fold], minlength=size))
                assert np.array_equal(hist[1], np.bincount(cell[fold], minlength=size))
            for i, values in enumerate(prepared.weights.values()):
                channel = prepared.n_channels - len(prepared.weights) + i
                assert np.array_equal(hist[channel], np.bincount(cell, values, minlength=size))


def test_bounding_box_and_take_match_numpy():
    rng = np.random.default_rng(4)
    for shape in [(7,), (5, 3), (4, 6, 2), (3, 5, 4, 6), (2, 3, 2, 3, 2)]:
        for density in (0.02, 0.3, 1.0):
            allowed = rng.random(shape) < density
            box = _bounding_box(allowed, np.ones(allowed.size, dtype=np.float32))
            others = [tuple(a for a in range(len(shape)) if a != j) for j in range(len(shape))]
            assert [b.tolist() for b in box] == [np.flatnonzero(allowed.any(axis=o)).tolist() for o in others]
            assert np.array_equal(_take(allowed, box), allowed[np.ix_(*box)])


def test_more_counting_threads_give_the_same_result():
    frame, rng = data(2500, seed=9)
    encoded = encode(frame)
    for quality, target in targets(frame, rng)[::3]:
        one = search(encoded, quality, target, max_depth=3, min_support=10, top_k=20)
        three = search(encoded, quality, target, max_depth=3, min_support=10, top_k=20, threads=3)
        assert one.evaluated == three.evaluated and np.array_equal(one.candidates, three.candidates)
        assert np.array_equal(one.quality, three.quality) and np.array_equal(one.top, three.top)
        assert all(np.array_equal(one.stats[k], three.stats[k]) for k in one.stats)


def test_passes_counted_by_the_processing_thread_give_the_same_result(monkeypatch):
    """While a pass is being counted, the processing thread counts later ones rather than wait:
    with a slow worker thread it counts many passes itself, and nothing in the result changes."""
    frame, rng = data(2500, seed=9)
    encoded = encode(frame)
    quality, target = targets(frame, rng)[1]
    monkeypatch.setattr(kernel, "_PASS_BINS", 64)  # a pass per partition: many passes
    plain = search(encoded, quality, target, max_depth=3, min_support=10, top_k=20)
    main, count, by_main = threading.main_thread(), _Counter.count, []

    def slow_in_workers(self, gc, slot=0):
        if threading.current_thread() is not main:
            time.sleep(0.02)
        else:
            by_main.append(gc)
        return count(self, gc, slot)

    monkeypatch.setattr(_Counter, "count", slow_in_workers)
    shared = search(encoded, quality, target, max_depth=3, min_support=10, top_k=20)
    assert shared.combinations_counted >= 20 and len(by_main) > shared.combinations_counted / 3
    assert shared.evaluated == plain.evaluated and np.array_equal(shared.candidates, plain.candidates)
    assert np.array_equal(shared.quality, plain.quality) and np.array_equal(shared.top, plain.top)
    assert all(np.array_equal(shared.stats[k], plain.stats[k]) for k in plain.stats)


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
    frame = pd.DataFrame(
        {
            name: rng.choice(values, n)
            for name, values in {
                "a": list("pqrs"),
                "b": list("xyz"),
                "c": ["lo", "mid", "hi"],
                "d": list("uvw"),
                "e": ["0", "1"],
            }.items()
        }
    )
    won = rng.random(n) < np.where((frame["a"] == "p") & (frame["b"] == "x"), 0.55, 0.25)
    encoded = encode(frame)
    ours = search(encoded, BinaryQuality(a=0.5), won.astype(int), max_depth=3, min_support=1, top_k=10)
    table = frame.assign(won=won)
    space = [ps.EqualitySelector(s.attribute, s.value) for s in encoded.selectors]
    task = ps.SubgroupDiscoveryTask(
        table, ps.BinaryTarget("won", True), space, result_set_size=10, depth=3, qf=ps.StandardQF(0.5)
    )
    theirs = ps.DFS().execute(task).to_descriptions()
    their_q = np.array([q for q, _ in theirs])
    assert np.allclose(np.sort(ours.quality[ours.top])[::-1], their_q, rtol=0, atol=1e-12)
    their_sets = {frozenset(f"{s.attribute_name} = {s.attribute_value}" for s in d.selectors) for _, d in theirs}
    assert {frozenset(ours.labels(i)) for i in ours.top} == their_sets
