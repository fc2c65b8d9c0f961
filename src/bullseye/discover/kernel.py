"""Conjunction search: every combination of up to ``max_depth`` selectors on different attributes.

The kernel counts atoms, not rows: each attribute's selectors are unions of atoms (every row has
one atom per partition, see ``encode.Partition``), so one ``numpy.bincount`` pass gives the joint
histogram of several partitions, and small matrix products with the selector memberships turn it
into the statistics of every conjunction of their selectors at once. Partitions with few atoms
share a pass; the target's 0/1 "fold" bit (won, event, above the mean) is part of the key and its
sums (values, squares, exposure) are weighted passes. Levels run breadth first: a conjunction is
evaluated if it covers ``min_support`` rows and, with ``prune``, every generalisation one selector
shorter was evaluated with an optimistic estimate at least the current k-th best quality (so the
top k never changes); a pass whose conjunctions are all pruned is skipped. The statistics of every
evaluated conjunction are kept for the tests and the multiple-testing correction.
"""

from __future__ import annotations

import math
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from itertools import combinations, product
from typing import Any, Protocol

import numpy as np

from bullseye.discover.encode import EncodedAttributes, Partition, build_partitions, split_partition

__all__ = [
    "QualityFunction",
    "BinaryQuality",
    "NumericQuality",
    "SurvivalQuality",
    "SearchResult",
    "search",
    "filter_redundant",
]

_MAX_BINS = 1 << 24  # the largest joint histogram of one combination of partitions
_PASS_BINS = 1 << 18  # packing partitions into groups stops at this histogram size


@dataclass
class PreparedTarget:
    """What the kernel needs of a target: the fold bit, the weights to sum, and the totals."""

    fold: np.ndarray
    weights: dict[str, np.ndarray]
    totals: dict[str, float]


class QualityFunction(Protocol):
    """A target's statistics (from counts and weighted sums split by the fold bit, a leading
    axis of 2; names starting with "_" serve the estimate and are not kept), its quality, and an
    optimistic estimate that bounds every subset's quality and never grows as rows are removed
    (``None``: none)."""

    a: float
    direction: int

    def prepare(self, target: Any, rows: np.ndarray) -> PreparedTarget: ...
    def statistics(self, counts: np.ndarray, sums: dict[str, np.ndarray]) -> dict[str, np.ndarray]: ...
    def quality(self, stats: dict[str, np.ndarray], totals: dict[str, float]) -> np.ndarray: ...
    def optimistic(self, stats: dict[str, np.ndarray], totals: dict[str, float]) -> np.ndarray | None: ...


@dataclass
class _Quality:
    a: float = 0.5
    direction: int = 1

    def __post_init__(self) -> None:
        if self.a < 0 or self.direction not in (1, -1):
            raise ValueError(f"a must be >= 0 and direction +1 or -1, got a={self.a}, direction={self.direction}")

    def _standard(self, n: np.ndarray, N: float, total: np.ndarray, base: float) -> np.ndarray:
        """(n/N)^a * (total/n - base) * direction; -inf for empty segments."""
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(n > 0, (n / N) ** self.a * (total / n - base) * self.direction, -np.inf)


@dataclass
class BinaryQuality(_Quality):
    """(n/N)^a * (p - p0) * direction: +1 looks for higher rates (the ICP), -1 for lower
    (disqualifiers). a=0.5 is pysubgroup's StandardQF(0.5), a=1 WRAcc. Statistics: ``n``,
    ``positives``. Estimate (a <= 1): only the good rows, (good/N)^a * (1 - p0) (or p0 for -1)."""

    def prepare(self, target: Any, rows: np.ndarray) -> PreparedTarget:
        y = np.asarray(target)[rows]
        if not np.isin(y, (0, 1)).all():
            raise ValueError("a binary target must be 0/1 (or boolean) on the rows where it is defined")
        y = y.astype(np.uint8)
        return PreparedTarget(y, {}, {"N": float(len(y)), "positives": float(y.sum())})

    def statistics(self, counts, sums):
        return {"n": counts[0] + counts[1], "positives": counts[1]}

    def quality(self, stats, totals):
        return self._standard(stats["n"], totals["N"], stats["positives"], totals["positives"] / totals["N"])

    def optimistic(self, stats, totals):
        N, p0 = totals["N"], totals["positives"] / totals["N"]
        good = stats["positives"] if self.direction == 1 else stats["n"] - stats["positives"]
        if self.a <= 1:
            return (good / N) ** self.a * (1 - p0 if self.direction == 1 else p0)
        return (stats["n"] / N) ** (self.a - 1) * good / N


@dataclass
class NumericQuality(_Quality):
    """(n/N)^a * (mean - mean0) * direction. Statistics: ``n``, ``sum``, ``sumsq``. Estimate: a
    refinement of j rows has quality at most (j/N)^a * D (D: the most extreme value's distance from
    mean0) and at most j^(a-1) N^-a * E (E: the segment's sum of distances beyond mean0 on the
    direction's side); the best j gives N^-a * E^a * D^(1-a) (N^-a * E when E < D); for a > 1,
    (n/N)^(a-1) * E / N."""

    def prepare(self, target: Any, rows: np.ndarray) -> PreparedTarget:
        y = np.asarray(target, dtype=float)[rows]
        if not np.isfinite(y).all():
            raise ValueError("a numeric target must be finite on the rows where it is defined")
        mean = float(y.mean()) if len(y) else 0.0
        extreme, side = float(np.max(self.direction * (y - mean), initial=0.0)), self.direction * (y - mean) > 0
        return PreparedTarget(side.astype(np.uint8), {"sum": y, "sumsq": y * y},
                              {"N": float(len(y)), "sum": float(y.sum()), "sumsq": float((y * y).sum()),
                               "mean": mean, "extreme": extreme})

    def statistics(self, counts, sums):
        return {"n": counts[0] + counts[1], "sum": sums["sum"][0] + sums["sum"][1],
                "sumsq": sums["sumsq"][0] + sums["sumsq"][1], "_side_n": counts[1], "_side_sum": sums["sum"][1]}

    def quality(self, stats, totals):
        return self._standard(stats["n"], totals["N"], stats["sum"], totals["mean"])

    def optimistic(self, stats, totals):
        N, a, D = totals["N"], self.a, totals["extreme"]
        excess = np.maximum(self.direction * (stats["_side_sum"] - totals["mean"] * stats["_side_n"]), 0.0)
        if a > 1 or D <= 0:
            return (stats["n"] / N) ** (a - 1) * excess / N if a > 1 else np.zeros_like(excess)
        return N ** -a * np.where(excess >= D, excess ** a * D ** (1 - a), excess)


@dataclass
class SurvivalQuality(_Quality):
    """(n/N)^a * -log(HR) * direction: +1 "retains longer", -1 "churns more". HR is the exponential
    (Poisson-rate) hazard ratio of the segment against the rest, ((d + 0.5) / T) / ((D - d + 0.5) /
    (T_all - T)) (0.5 added to both event counts keeps a segment without events finite). Target:
    ``(duration, event)``. Statistics: ``n``, ``events``, ``exposure``. Estimate for +1 (a refinement
    has at most the exposure and at least no events): (n/N)^a * max(0, log(T / (T_all - T)) + log((D +
    0.5) / 0.5)); for -1 there is none (a refinement can have almost no exposure): that search relies on
    ``min_support`` alone."""

    def prepare(self, target: Any, rows: np.ndarray) -> PreparedTarget:
        t, e = np.asarray(target[0], dtype=float)[rows], np.asarray(target[1]).astype(bool)[rows]
        if not (np.isfinite(t).all() and (t > 0).all()):
            raise ValueError("durations must be positive and finite on the rows where they are defined")
        return PreparedTarget(e.astype(np.uint8), {"exposure": t},
                              {"N": float(len(t)), "events": float(e.sum()), "exposure": float(t.sum())})

    def statistics(self, counts, sums):
        return {"n": counts[0] + counts[1], "events": counts[1], "exposure": sums["exposure"][0] + sums["exposure"][1]}

    def log_hr(self, stats, totals) -> np.ndarray:
        d, T = stats["events"], stats["exposure"]
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.log((d + 0.5) / T) - np.log((totals["events"] - d + 0.5) / (totals["exposure"] - T))

    def quality(self, stats, totals):
        n = stats["n"]
        with np.errstate(divide="ignore", invalid="ignore"):
            q = (n / totals["N"]) ** self.a * -self.log_hr(stats, totals) * self.direction
        return np.where((n > 0) & (stats["exposure"] < totals["exposure"]), q, -np.inf)

    def optimistic(self, stats, totals):
        if self.direction == -1:
            return None
        T = stats["exposure"]
        with np.errstate(divide="ignore", invalid="ignore"):
            best = np.log(T / (totals["exposure"] - T)) + math.log((totals["events"] + 0.5) / 0.5)
            return (stats["n"] / totals["N"]) ** self.a * np.where(np.isfinite(best), np.maximum(best, 0), np.inf)


@dataclass
class SearchResult:
    """Every evaluated conjunction with its statistics, and the top k by quality.

    ``candidates``: one row per stored conjunction, its selector indices ascending, padded with
    -1; ``n``, ``stats`` (``positives``; ``sum``/``sumsq``; ``events``/``exposure``) and
    ``quality`` are aligned with it; ``top`` indexes the best ``top_k``, best first (ties: fewer
    selectors, then lower selector indices). ``evaluated`` counts the conjunctions tested (the
    family for multiple-testing control); all are stored unless ``keep="positive"``.
    """

    selectors: list
    candidates: np.ndarray
    n: np.ndarray
    stats: dict[str, np.ndarray]
    quality: np.ndarray
    top: np.ndarray
    totals: dict[str, float]
    quality_function: Any
    max_depth: int
    min_support: int
    evaluated: int
    combinations_counted: int = 0
    combinations_skipped: int = 0
    seconds: float = 0.0
    keep: str = "all"

    def labels(self, index: int) -> list[str]:  # the selectors of one candidate, in words
        return [str(self.selectors[i]) for i in self.candidates[index] if i >= 0]

    def table(self, rows: np.ndarray | None = None):
        """The given rows (default: the top k) as a pandas DataFrame."""
        import pandas as pd

        rows = self.top if rows is None else np.asarray(rows, dtype=np.int64)
        data = {"segment": [" & ".join(self.labels(i)) for i in rows], "n": self.n[rows]}
        data.update({key: values[rows] for key, values in self.stats.items()})
        data["quality"] = self.quality[rows]
        return pd.DataFrame(data, index=rows)


def _fit_partitions(parts: list[Partition], depth: int) -> list[Partition]:
    """Split the partitions with the most atoms until any ``depth`` of them fit one histogram."""
    parts = list(parts)
    while 2 * math.prod(sorted((p.n_atoms for p in parts), reverse=True)[:depth]) > _MAX_BINS:
        big = max(range(len(parts)), key=lambda i: (parts[i].n_atoms, len(parts[i].selectors)))
        if len(parts[big].selectors) < 2:
            raise ValueError("an attribute has too many atoms for one histogram")
        parts[big:big + 1] = list(split_partition(parts[big]))
    return parts


def _groups(parts: list[Partition], depth: int) -> list[list[int]]:
    """Pack partitions with few atoms together (first fit, largest first)."""
    cap = max(2, int((_PASS_BINS / 2) ** (1 / depth)))
    groups, sizes = [], []  # partition indices and atoms per group
    for i in sorted(range(len(parts)), key=lambda i: -parts[i].n_atoms):
        fit = next((g for g in range(len(groups)) if sizes[g] * parts[i].n_atoms <= cap), len(groups))
        groups, sizes = (groups + [[]], sizes + [1]) if fit == len(groups) else (groups, sizes)
        groups[fit].append(i)
        sizes[fit] *= parts[i].n_atoms
    return sorted(sorted(g) for g in groups)


def _sets(gc: tuple[int, ...], groups: list[list[int]], parts: list[Partition], depth: int) -> list[tuple[int, ...]]:
    """Sets of partitions (distinct attributes, at most ``depth``) touching every group of ``gc``."""
    options = [[c for r in range(1, min(len(groups[g]), depth) + 1) for c in combinations(groups[g], r)] for g in gc]
    out = [tuple(sorted(sum(pick, ()))) for pick in product(*options)]
    out = [s for s in out if len(s) <= depth and len({parts[p].attribute for p in s}) == len(s)]
    return sorted(out, key=lambda s: (len(s), s))


def _contract(hist: np.ndarray, members: list[np.ndarray]) -> np.ndarray:
    """hist (z, m1, ..., md) -> (z, k1, ..., kd): sum over the atoms each selector covers. Last
    axis first, batched products on contiguous reshapes (tiny products: BLAS threading hurts)."""
    z, atoms, done = hist.shape[0], [m.shape[1] for m in members], 1
    out = np.ascontiguousarray(hist)
    for j in range(len(members) - 1, -1, -1):
        out = np.matmul(members[j], out.reshape(z * math.prod(atoms[:j]), atoms[j], done))
        done *= members[j].shape[0]
    return out.reshape((z,) + tuple(m.shape[0] for m in members))


class _Column:
    """A growing array (capacity doubled by copying; the untouched tail takes no memory)."""

    def __init__(self, dtype, width: int | None = None):
        self.data, self.size = np.empty((1024, width) if width else 1024, dtype=dtype), 0

    def append(self, values: np.ndarray) -> None:
        end = self.size + len(values)
        if end > len(self.data):
            grown = np.empty((max(end, 2 * len(self.data)),) + self.data.shape[1:], dtype=self.data.dtype)
            grown[:self.size] = self.data[:self.size]
            self.data = grown
        self.data[self.size:end] = values
        self.size = end


class _Collector:
    """Evaluated conjunctions and the running top-k qualities."""

    def __init__(self, max_depth: int, top_k: int, n_selectors: int, keep: str):
        self.columns: dict[str, _Column] = {
            "idx": _Column(np.int16 if n_selectors < 32767 else np.int32, max_depth), "quality": _Column(float)}
        self.best, self.top_k, self.max_depth, self.keep, self.evaluated = np.empty(0), top_k, max_depth, keep, 0

    def threshold(self) -> float:  # the k-th best quality so far
        return float(self.best.min()) if len(self.best) >= self.top_k else -np.inf

    def add(self, sel: list[np.ndarray], q: np.ndarray, stats: dict[str, np.ndarray]) -> None:
        self.evaluated += len(q)
        if self.keep == "positive":
            mine = q > 0
            sel, q, stats = [c[mine] for c in sel], q[mine], {k: v[mine] for k, v in stats.items()}
        idx = np.full((len(q), self.max_depth), -1, dtype=self.columns["idx"].data.dtype)
        idx[:, :len(sel)] = np.column_stack(sel)
        self.columns["idx"].append(idx)
        self.columns["quality"].append(q)
        for name, values in ((k, v) for k, v in stats.items() if not k.startswith("_")):
            column = self.columns.get(name) or self.columns.setdefault(
                name, _Column(np.int32 if name in ("n", "positives", "events") else float))
            column.append(values)
        good = q[q > self.threshold()] if len(self.best) >= self.top_k else q[np.isfinite(q)]
        if len(good):
            merged = np.concatenate([self.best, good])
            cut = len(merged) - self.top_k
            self.best = merged if cut <= 0 else np.partition(merged, cut)[cut:]

    def arrays(self) -> dict[str, np.ndarray]:
        return {name: column.data[:column.size] for name, column in self.columns.items()}


def search(encoded: EncodedAttributes, quality: QualityFunction, target: Any, *,
           defined: np.ndarray | None = None, max_depth: int = 3, min_support: float | int | None = None,
           top_k: int = 100, prune: bool = True, keep: str = "all", threads: int = 1) -> SearchResult:
    """Search conjunctions of up to ``max_depth`` selectors on different attributes. ``target``: a 0/1
    array (``BinaryQuality``), a float array (``NumericQuality``) or ``(duration, event)``
    (``SurvivalQuality``), one value per encoded row; ``defined`` marks the rows where it is defined
    (e.g. accounts with a closed deal). ``min_support``: rows a conjunction must cover, or a share of
    the defined rows (default 1%). ``keep="positive"`` stores only conjunctions with a positive quality
    (the others still count in ``evaluated``): for deep searches on large data, whose candidates would
    not all fit in memory. ``threads``: worker threads that count (numpy releases the GIL there).

    Example: ``search(encode(accounts), BinaryQuality(), won, defined=closed, max_depth=3)``
    """
    started, local = time.perf_counter(), threading.local()
    if max_depth < 1 or top_k < 1 or keep not in ("all", "positive"):
        raise ValueError(f"need max_depth, top_k >= 1 and keep all|positive: {max_depth}, {top_k}, {keep!r}")
    rows = np.ones(encoded.n_rows, dtype=bool) if defined is None else np.asarray(defined, dtype=bool)
    if rows.shape != (encoded.n_rows,):
        raise ValueError(f"defined has shape {rows.shape}, expected ({encoded.n_rows},)")
    prepared = quality.prepare(target, rows)
    totals, weights = prepared.totals, list(prepared.weights)
    share = 0.01 if min_support is None else min_support  # a share of the rows, or a number of rows
    support = max(1, math.ceil(share * rows.sum()) if isinstance(share, float) and 0 < share < 1 else int(share))
    parts = _fit_partitions(encoded.partitions if encoded.partitions is not None else build_partitions(encoded),
                            max_depth)
    groups = _groups(parts, max_depth)
    everything = bool(rows.all())
    group_codes = []
    for g in groups:  # a group's code: its partitions' atoms in mixed radix
        code = np.zeros(int(rows.sum()), dtype=np.intp)
        for p in g:
            code = code * parts[p].n_atoms + (parts[p].codes if everything else parts[p].codes[rows])
        group_codes.append(code)
    group_atoms = [math.prod(parts[p].n_atoms for p in g) for g in groups]
    members = [p.members.astype(np.float64) for p in parts]
    fold = prepared.fold.astype(np.intp)
    out = _Collector(max_depth, top_k, len(encoded.selectors), keep)
    empty = quality.statistics(np.zeros((2, 0)), {w: np.zeros((2, 0)) for w in weights})
    out.add([np.empty(0, dtype=np.int64)], np.empty(0), empty)  # every column exists, even with no result
    scores: dict[tuple[int, ...], np.ndarray] = {}  # optimistic estimates; -inf: not evaluated
    counted = skipped = 0

    def allowed_of(s: tuple[int, ...], threshold: float) -> np.ndarray:
        """Conjunctions of ``s`` whose every generalisation one shorter is evaluated and promising."""
        if len(s) == 1:
            return np.ones(len(parts[s[0]].selectors), dtype=bool)
        lowest = None
        for j in range(len(s)):
            sub = scores.get(s[:j] + s[j + 1:])
            if sub is None:
                return np.zeros(tuple(len(parts[p].selectors) for p in s), dtype=bool)
            sub = sub.reshape(sub.shape[:j] + (1,) + sub.shape[j:])
            lowest = sub if lowest is None else np.minimum(lowest, sub)
        return lowest >= max(threshold, np.nextafter(-np.inf, 0))

    def process(gc: tuple[int, ...], sets: list, early: dict, counting) -> None:
        """Every allowed conjunction of each set of partitions counted in one pass."""
        nonlocal counted
        hist, axes, memo = counting.result(), [p for g in gc for p in groups[g]], {}
        counted += 1

        def marginal(drop: frozenset) -> np.ndarray:
            """hist summed over the axes in ``drop`` (kept as length 1), memoised; the later axes
            first, so that prefixes of the drop sets are shared."""
            if drop and drop not in memo:
                memo[drop] = marginal(drop - {max(drop)}).sum(axis=max(drop), keepdims=True)
            return memo[drop] if drop else hist

        for s in sets:
            allowed = early[s] if s in early else allowed_of(s, out.threshold() if prune else -np.inf)
            if not allowed.any():
                continue
            kept = [1 + axes.index(p) for p in s]
            drop = frozenset(range(1, hist.ndim)) - set(kept)
            order = [0] + [1 + sorted(kept).index(a) for a in kept]
            stacked = np.transpose(marginal(drop).squeeze(axis=tuple(sorted(drop))), order)
            # only the selectors that take part in an allowed conjunction (their bounding box)
            box = [np.arange(n) for n in allowed.shape] if allowed.all() else [
                np.flatnonzero(allowed.any(axis=tuple(a for a in range(len(s)) if a != j))) for j in range(len(s))]
            marg = _contract(stacked, [members[p][b] for p, b in zip(s, box)])
            stats = quality.statistics(marg[:2], {w: marg[2 * i + 2:2 * i + 4] for i, w in enumerate(weights)})
            inside = np.ix_(*box)
            ok = allowed[inside] & (stats["n"] >= support)
            if len(s) < max_depth:
                oe = quality.optimistic(stats, totals) if prune else None
                score = np.full(allowed.shape, -np.inf)
                score[inside] = np.where(ok, np.inf if oe is None else oe, -np.inf)
                scores[s] = score
            if ok.any():
                where = np.nonzero(ok)
                picked = {k: v[where] for k, v in stats.items()}
                out.add([parts[p].selectors[b[w]] for p, b, w in zip(s, box, where)],
                        quality.quality(picked, totals), picked)

    def count(gc: tuple[int, ...]) -> np.ndarray:
        """The joint histogram of the groups ``gc`` (in a worker thread: numpy releases the GIL).
        The key is the fold bit, then each group's code; prefixes are shared between passes."""
        if not hasattr(local, "stack"):  # each worker keeps its own key prefixes and buffer
            local.stack, local.gc, local.buffer = [], (), np.empty(len(fold), dtype=np.intp)
        stack, buffer, r, common = local.stack, local.buffer, len(gc), 0
        while common < min(len(local.gc), r - 1) and local.gc[common] == gc[common]:
            common += 1
        del stack[common:]
        for j in range(common, r - 1):
            stack.append((fold if j == 0 else stack[j - 1]) * group_atoms[gc[j]] + group_codes[gc[j]])
        local.gc = gc[:r - 1]
        np.multiply(fold if r == 1 else stack[r - 2], group_atoms[gc[-1]], out=buffer)
        np.add(buffer, group_codes[gc[-1]], out=buffer)
        size = 2 * math.prod(group_atoms[g] for g in gc)  # counts, then each weight's sums, by fold bit
        hist = np.concatenate([np.bincount(buffer, minlength=size)]
                              + [np.bincount(buffer, prepared.weights[w], minlength=size) for w in weights])
        return hist.astype(np.float64, copy=False).reshape(
            (2 + 2 * len(weights),) + tuple(parts[p].n_atoms for g in gc for p in groups[g]))

    with ThreadPoolExecutor(max_workers=max(1, threads)) as pool:
        for r in range(1, max_depth + 1):  # a level's sets need the previous level's estimates: no overlap
            pending = []
            for gc in combinations(range(len(groups)), r):
                sets = _sets(gc, groups, parts, max_depth)
                early = {s: allowed_of(s, out.threshold() if prune else -np.inf) for s in sets if len(s) == r > 1}
                if not sets or (early and not any(a.any() for a in early.values())):
                    skipped += bool(sets)
                    continue
                pending.append((gc, sets, early, pool.submit(count, gc)))
                while len(pending) > 4:  # counting runs ahead of the processing by up to four passes
                    process(*pending.pop(0))
            while pending:
                process(*pending.pop(0))

    arrays = out.arrays()
    candidates, q_all, n_all = arrays.pop("idx"), arrays.pop("quality"), arrays.pop("n")
    return SearchResult(list(encoded.selectors), candidates, n_all, arrays, q_all, _top(candidates, q_all, top_k,
                        out.threshold()), totals, quality, max_depth, support, out.evaluated, counted, skipped,
                        time.perf_counter() - started, keep)


def _top(candidates: np.ndarray, q: np.ndarray, k: int, threshold: float = -np.inf) -> np.ndarray:
    """Indices of the k best (at least ``threshold``, the k-th best quality if known): quality
    descending, then fewer selectors, then lower selector indices."""
    finite = np.flatnonzero(q >= threshold) if threshold > -np.inf else np.flatnonzero(np.isfinite(q))
    if len(finite) > k:
        finite = finite[q[finite] >= np.partition(q[finite], len(finite) - k)[len(finite) - k]]
    depth = (candidates[finite] >= 0).sum(axis=1)
    keys = [candidates[finite, j] for j in range(candidates.shape[1] - 1, -1, -1)] + [depth, -q[finite]]
    return finite[np.lexsort(keys)][:k]


def filter_redundant(result: SearchResult, *, by: str = "quality", min_improvement: float = 0.0,
                     distinct: bool = True, k: int | None = None) -> np.ndarray:
    """The top candidates that beat every one of their generalisations, best first. A conjunction is
    kept only if its quality (``by="quality"``) or its rate or mean in the search's direction
    (``by="rate"``; survival: -log HR) exceeds that of every proper subset of its selectors by more than
    ``min_improvement``. With ``distinct``, a conjunction with exactly the same count and statistics as
    one already kept (the same rows, described another way, e.g. "fleet_size >= 3" where every such
    account has "fleet_size >= 9") is dropped too. So the top ten are ten different ideas. Returns
    indices into ``result.candidates`` (at most ``k``)."""
    if by not in ("quality", "rate"):
        raise ValueError(f"by must be 'quality' or 'rate', got {by!r}")
    if not len(top := result.top):
        return top
    score, cand = result.quality if by == "quality" else _rate(result), result.candidates
    used = np.r_[np.unique(cand[top][cand[top] >= 0]), -1]
    near = np.flatnonzero(np.isin(cand[:, 0], used))  # candidates made of the top's selectors only
    for j in range(1, cand.shape[1]):
        near = near[np.isin(cand[near, j], used)]
    index, keep, seen = {tuple(row): i for row, i in zip(cand[near].tolist(), near.tolist())}, [], set()
    for i in top.tolist():
        sel = [s for s in cand[i].tolist() if s >= 0]
        subsets = (c + (-1,) * (cand.shape[1] - r) for r in range(1, len(sel)) for c in combinations(sel, r))
        if any(j is not None and not score[i] > score[j] + min_improvement for j in map(index.get, subsets)):
            continue
        signature = (int(result.n[i]),) + tuple(float(f"{v[i]:.10g}") for v in result.stats.values())
        if not (distinct and signature in seen):
            seen.add(signature)
            keep.append(i)
        if k is not None and len(keep) >= k:
            break
    return np.asarray(keep, dtype=np.int64)


def _rate(result: SearchResult) -> np.ndarray:
    s, n, qf = result.stats, result.n, result.quality_function
    with np.errstate(divide="ignore", invalid="ignore"):
        value = s["positives"] / n if "positives" in s else s["sum"] / n if "sum" in s else -qf.log_hr(s, result.totals)
    return value * qf.direction
