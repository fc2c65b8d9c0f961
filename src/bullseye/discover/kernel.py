"""Conjunction search: every combination of up to ``max_depth`` selectors on different attributes.

The kernel counts atoms, not rows: each attribute's selectors are unions of atoms (every row has
one atom per partition, see ``bitsets.Partition``), so one pass over the rows gives the joint
histogram of several partitions, and small matrix products with the selector memberships turn it
into the statistics of every conjunction of their selectors at once. Partitions with few atoms
share a pass. The key of a row (int32) is its atom of each partition in mixed radix; compiled
loops (``counting``) add each row's channels to its cell: its count, split by the target's fold bit
where the statistics need it (won, event), and its weights (values and squares, exposure).
Products with the selector memberships run with BLAS single-threaded: they are tiny and many, and
BLAS threads would spin for nothing.

Levels run breadth first: a conjunction is evaluated if it covers ``min_support`` rows and, with
``prune``, every generalisation one selector shorter was evaluated with an optimistic estimate at
least the current k-th best quality (so the top k never changes); a pass whose conjunctions are
all pruned is skipped. Counting runs in a worker thread a few passes ahead of the processing, and
the processing thread, rather than wait for a pass, counts a later one itself; passes are still
processed in order, which keeps the pruning (and ``evaluated``) of a single-threaded search. The
statistics of every evaluated conjunction are kept for the tests and the multiple-testing
correction.
"""

from __future__ import annotations

import math
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from itertools import combinations, product
from typing import Any

import numpy as np
from threadpoolctl import threadpool_limits

from bullseye.discover import counting
from bullseye.discover.bitsets import Partition, build_partitions, split_partition
from bullseye.discover.encode import EncodedAttributes
from bullseye.discover.quality import (
    BinaryQuality,
    NumericQuality,
    PreparedTarget,
    QualityFunction,
    SurvivalQuality,
)
from bullseye.discover.results import (
    Collector,
    SearchResult,
    filter_redundant,
    top_indices,
)

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
_LOOKAHEAD = 4  # counting runs ahead of the processing by this many passes


def _fit_partitions(parts: list[Partition], depth: int) -> list[Partition]:
    """Split the partitions with the most atoms until any ``depth`` of them fit one histogram."""
    parts = list(parts)
    while 2 * math.prod(sorted((p.n_atoms for p in parts), reverse=True)[:depth]) > _MAX_BINS:
        big = max(range(len(parts)), key=lambda i: (parts[i].n_atoms, len(parts[i].selectors)))
        if len(parts[big].selectors) < 2:
            raise ValueError("an attribute has too many atoms for one histogram")
        parts[big : big + 1] = list(split_partition(parts[big]))
    return parts


def _groups(parts: list[Partition], depth: int) -> list[list[int]]:
    """Pack partitions with few atoms together (first fit, largest first)."""
    cap = max(2, int((_PASS_BINS / 2) ** (1 / depth)))
    groups: list[list[int]] = []  # partition indices per group
    sizes: list[int] = []  # atoms per group
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


def _bounding_box(allowed: np.ndarray, ones: np.ndarray) -> list[np.ndarray]:
    """Per axis, the positions with an allowed cell: counted by matrix-vector products, one axis
    summed away at a time (a boolean ``any`` over all axes but a middle one is slow). Float32
    counts of at most 2^24 cells are exact; ``ones``: at least as many ones as ``allowed`` has."""
    rest, out = allowed.astype(np.float32), []
    with np.errstate(all="ignore"):  # BLAS kernels may leave a stale floating-point flag: not ours
        for size in allowed.shape[:-1]:
            block = rest.reshape(size, -1)
            out.append((block @ ones[: block.shape[1]]).nonzero()[0])
            rest = ones[:size] @ block
    out.append(rest.reshape(-1).nonzero()[0])
    return out


def _take(array: np.ndarray, box: list[np.ndarray]) -> np.ndarray:
    """``array[np.ix_(*box)]``, one axis at a time (several times faster for small arrays)."""
    for axis, positions in enumerate(box):
        array = array.take(positions, axis=axis)
    return array


class _Counter:
    """Joint histograms of groups of partitions: each cell's channels (``PreparedTarget``). Called
    from worker threads (the compiled loops release the GIL): each thread keeps its own keys."""

    def __init__(
        self,
        parts: list[Partition],
        groups: list[list[int]],
        rows: np.ndarray,
        prepared: PreparedTarget,
        slots: int = 1,
    ):
        everything = bool(rows.all())
        self.buffers = [np.empty(0) for _ in range(slots)]
        self.parts, self.groups, self.channels = parts, groups, prepared.n_channels
        # A group's code: its partitions' atoms in mixed radix. Histograms are capped at 2^24 cells,
        # so codes and keys fit in int32.
        self.codes = np.zeros((len(groups), int(rows.sum())), dtype=np.int32)
        for g, members in enumerate(groups):
            for p in members:
                self.codes[g] = self.codes[g] * parts[p].n_atoms + (
                    parts[p].codes if everything else parts[p].codes[rows]
                )
        self.atoms = np.array([math.prod(parts[p].n_atoms for p in g) for g in groups], dtype=np.int64)
        self.fold = None if prepared.fold is None else np.ascontiguousarray(prepared.fold, dtype=np.uint8)
        self.weights = [np.ascontiguousarray(w, dtype=np.float64) for w in prepared.weights.values()]
        self.local = threading.local()

    def count(self, gc: tuple[int, ...], slot: int = 0) -> np.ndarray:
        """The joint histogram of the groups ``gc``: the channels (a leading axis), then the atoms of
        each partition. Written into buffer ``slot`` (reused memory is faster than fresh pages): the
        caller keeps a pass's histogram only until the slot comes round again."""
        local = self.local
        if getattr(local, "prefix", None) is None:
            local.prefix, local.prefix_of, local.cells = (
                np.empty(self.codes.shape[1], dtype=np.int32),
                None,
                np.empty(0),
            )
        if len(gc) > 1 and local.prefix_of != gc[:-1]:  # passes come in lexicographic order: prefixes repeat
            ahead = np.asarray(gc[:-1], dtype=np.int64)
            counting.cell_keys(self.codes, ahead, self.atoms[ahead], local.prefix)
            local.prefix_of = gc[:-1]
        last = self.codes[gc[-1]]
        prefix, radix = (local.prefix, self.atoms[gc[-1]]) if len(gc) > 1 else (last, 0)
        size = self.channels * int(self.atoms[list(gc)].prod())
        if local.cells.size < size:
            local.cells = np.empty(size)
        if self.buffers[slot].size < size:
            self.buffers[slot] = np.empty(size)
        cells = local.cells[:size].reshape(-1, self.channels)  # channels side by side while counting
        cells.fill(0)
        counting.accumulate(prefix, radix, last, self.fold, self.weights, cells)
        hist = self.buffers[slot][:size].reshape(self.channels, -1)
        np.copyto(hist, cells.T)  # then channel by channel, for the processing
        atoms = tuple(self.parts[p].n_atoms for g in gc for p in self.groups[g])
        return hist.reshape((self.channels,) + atoms)


def search(
    encoded: EncodedAttributes,
    quality: QualityFunction,
    target: Any,
    *,
    defined: np.ndarray | None = None,
    max_depth: int = 3,
    min_support: float | int | None = None,
    top_k: int = 100,
    prune: bool = True,
    keep: str = "all",
    threads: int = 1,
) -> SearchResult:
    """Search conjunctions of up to ``max_depth`` selectors on different attributes. ``target``: a 0/1
    array (``BinaryQuality``), a float array (``NumericQuality``) or ``(duration, event)``
    (``SurvivalQuality``), one value per encoded row; ``defined`` marks the rows where it is defined
    (e.g. accounts with a closed deal). ``min_support``: rows a conjunction must cover, or a share of
    the defined rows (default 1%). ``keep="positive"`` stores only conjunctions with a positive quality
    (the others still count in ``evaluated``): for deep searches on large data, whose candidates would
    not all fit in memory. ``threads``: worker threads that count (numpy releases the GIL there).

    Example: ``search(encode(accounts), BinaryQuality(), won, defined=closed, max_depth=3)``
    """
    started = time.perf_counter()
    if max_depth < 1 or top_k < 1 or keep not in ("all", "positive"):
        raise ValueError(f"need max_depth, top_k >= 1 and keep all|positive: {max_depth}, {top_k}, {keep!r}")
    rows = np.ones(encoded.n_rows, dtype=bool) if defined is None else np.asarray(defined, dtype=bool)
    if rows.shape != (encoded.n_rows,):
        raise ValueError(f"defined has shape {rows.shape}, expected ({encoded.n_rows},)")
    prepared = quality.prepare(target, rows)
    totals = prepared.totals
    share = 0.01 if min_support is None else min_support  # a share of the rows, or a number of rows
    support = max(1, math.ceil(share * rows.sum()) if isinstance(share, float) and 0 < share < 1 else int(share))
    parts = _fit_partitions(
        encoded.partitions if encoded.partitions is not None else build_partitions(encoded), max_depth
    )
    groups = _groups(parts, max_depth)
    counter = _Counter(parts, groups, rows, prepared, slots=_LOOKAHEAD + 2)  # passes in flight, and one spare
    names = list(quality.statistics(np.zeros((prepared.n_channels, 0))))
    members = [p.members.astype(np.float64) for p in parts]
    ones = [np.ones(1024, dtype=np.float32)]  # for the bounding boxes, grown on demand
    out = Collector(max_depth, top_k, len(encoded.selectors), keep, names)
    scores: dict[tuple[int, ...], np.ndarray] = {}  # optimistic estimates; -inf: not evaluated
    counted = skipped = submitted = 0

    def allowed_of(s: tuple[int, ...], threshold: float) -> np.ndarray:
        """Conjunctions of ``s`` whose every generalisation one shorter is evaluated and promising."""
        if len(s) == 1:
            return np.ones(len(parts[s[0]].selectors), dtype=bool)
        found = [scores.get(s[:j] + s[j + 1 :]) for j in range(len(s))]
        subs = [sub for sub in found if sub is not None]
        if len(subs) < len(found):
            return np.zeros(tuple(len(parts[p].selectors) for p in s), dtype=bool)
        lowest = np.minimum(subs[0][None], subs[1][:, None])
        for j in range(2, len(s)):
            np.minimum(lowest, subs[j].reshape(subs[j].shape[:j] + (1,) + subs[j].shape[j:]), out=lowest)
        return lowest >= max(threshold, np.nextafter(-np.inf, 0))

    def process_next(pending: list) -> None:
        """Process the first pending pass; while it is being counted, count later ones here rather
        than wait (each pass has its own buffer slot, so who counts it does not matter)."""
        gc, sets, early, _, counting_pass = pending.pop(0)
        while not counting_pass.done():
            stolen = next((later for later in pending if later[-1].cancel()), None)
            if stolen is None:
                break
            stolen[-1] = Future()
            stolen[-1].set_result(counter.count(stolen[0], stolen[3]))
        process(gc, sets, early, counting_pass.result())

    def process(gc: tuple[int, ...], sets: list, early: dict, hist: np.ndarray) -> None:
        """Every allowed conjunction of each set of partitions, from the pass's histogram."""
        nonlocal counted
        axes, memo = [p for g in gc for p in groups[g]], {}
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
            stacked = marginal(drop)
            if drop:
                stacked = stacked.squeeze(axis=tuple(sorted(drop)))
            if order != sorted(order):
                stacked = np.transpose(stacked, order)
            whole = bool(allowed.all())  # else only the selectors of an allowed conjunction (their bounding box)
            if not whole and allowed.size > len(ones[0]):
                ones[0] = np.ones(allowed.size, dtype=np.float32)
            boxed = None if whole else _bounding_box(allowed, ones[0])
            box: list[np.ndarray | None] = [None] * len(s) if boxed is None else list(boxed)
            marg = _contract(stacked, [members[p] if b is None else members[p][b] for p, b in zip(s, box)])
            # the statistics of the contracted sums, as every level forms them (equal rows, equal bits)
            stats = quality.statistics(marg)
            inside = allowed if boxed is None else _take(allowed, boxed)
            ok = inside & (stats["n"] >= support)
            if len(s) < max_depth:
                oe = quality.optimistic(stats, totals) if prune else None
                estimate = np.where(ok, np.inf if oe is None else oe, -np.inf)
                if boxed is None:
                    scores[s] = estimate
                else:
                    scores[s] = np.full(allowed.shape, -np.inf)
                    scores[s][np.ix_(*boxed)] = estimate
            cells = ok.reshape(-1).nonzero()[0]
            if len(cells):
                picked = {k: v.reshape(-1)[cells] for k, v in stats.items()}
                selectors = [parts[p].selectors if b is None else parts[p].selectors[b] for p, b in zip(s, box)]
                out.add(selectors, cells, ok.shape, quality.quality(picked, totals), picked)

    # The products here are small and many: BLAS threads would only spin (CPU time, and worse on a
    # busy machine); the counting runs in its own worker threads instead.
    with threadpool_limits(limits=1, user_api="blas"), ThreadPoolExecutor(max_workers=max(1, threads)) as pool:
        for r in range(1, max_depth + 1):  # a level's sets need the previous level's estimates: no overlap
            pending = []
            for gc in combinations(range(len(groups)), r):
                sets = _sets(gc, groups, parts, max_depth)
                early = {s: allowed_of(s, out.threshold() if prune else -np.inf) for s in sets if len(s) == r > 1}
                if not sets or (early and not any(a.any() for a in early.values())):
                    skipped += bool(sets)
                    continue
                slot = submitted % len(counter.buffers)
                pending.append([gc, sets, early, slot, pool.submit(counter.count, gc, slot)])
                submitted += 1
                while len(pending) > _LOOKAHEAD:
                    process_next(pending)
            while pending:
                process_next(pending)

    arrays = out.arrays()
    candidates, q_all, n_all = arrays.pop("idx"), arrays.pop("quality"), arrays.pop("n")
    return SearchResult(
        list(encoded.selectors),
        candidates,
        n_all,
        arrays,
        q_all,
        top_indices(candidates, q_all, top_k, out.threshold()),
        totals,
        quality,
        max_depth,
        support,
        out.evaluated,
        counted,
        skipped,
        time.perf_counter() - started,
        keep,
    )
