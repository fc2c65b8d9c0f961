"""What a conjunction search returns: every evaluated conjunction with its statistics, the top k,
and the filter that keeps only the conjunctions that beat their generalisations.

``Collector`` gathers results while the kernel runs: selector indices, quality and statistics in
growing columns, and the running k-th best quality the kernel prunes against.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations
from typing import Any

import numpy as np

__all__ = ["SearchResult", "Collector", "top_indices", "filter_redundant"]

_INTEGER_STATS = ("n", "positives", "events")  # counts: stored as int32


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


class Collector:
    """Evaluated conjunctions and the running top-k qualities. ``names``: the statistics kept
    (their columns exist even when nothing is found). The columns grow together, their capacity
    doubled by copying (the untouched tail of a fresh array takes no memory)."""

    def __init__(self, max_depth: int, top_k: int, n_selectors: int, keep: str, names: list[str]):
        index_dtype = np.int16 if n_selectors < 32767 else np.int32
        self.columns: dict[str, np.ndarray] = {
            "idx": np.empty((1024, max_depth), dtype=index_dtype),
            "quality": np.empty(1024),
        }
        for name in (k for k in names if not k.startswith("_")):
            self.columns[name] = np.empty(1024, dtype=np.int32 if name in _INTEGER_STATS else float)
        self.stored = [k for k in self.columns if k not in ("idx", "quality")]
        self.best, self.top_k, self.keep, self.evaluated, self.size = np.empty(0), top_k, keep, 0, 0
        self._threshold = -np.inf

    def threshold(self) -> float:  # the k-th best quality so far
        return self._threshold

    def add(
        self,
        selectors: list[np.ndarray],
        cells: np.ndarray,
        shape: tuple[int, ...],
        q: np.ndarray,
        stats: dict[str, np.ndarray],
    ) -> None:
        """Conjunctions at the flat positions ``cells`` of a block of ``shape``, whose axis ``j``
        holds the selectors ``selectors[j]``; ``q`` and ``stats`` are aligned with ``cells``."""
        self.evaluated += len(q)
        self._merge(q)
        if self.keep == "positive":
            positive = q > 0
            if not positive.all():
                mine = positive.nonzero()[0]
                cells, q = cells[mine], q[mine]
                stats = {k: stats[k][mine] for k in self.stored}
        start, end = self.size, self.size + len(q)
        if start == end:
            return
        if end > len(self.columns["quality"]):
            self._grow(end)
        self.size = end
        columns = self.columns
        idx = columns["idx"][start:end]
        if len(shape) < idx.shape[1]:
            idx[:, len(shape) :] = -1
        for j, position in enumerate(np.unravel_index(cells, shape) if len(shape) > 1 else (cells,)):
            idx[:, j] = selectors[j][position]
        columns["quality"][start:end] = q
        for name in self.stored:
            columns[name][start:end] = stats[name]

    def _grow(self, needed: int) -> None:
        capacity = max(needed, 2 * len(self.columns["quality"]))
        for name, data in self.columns.items():
            grown = np.empty((capacity,) + data.shape[1:], dtype=data.dtype)
            grown[: self.size] = data[: self.size]
            self.columns[name] = grown

    def _merge(self, q: np.ndarray) -> None:
        """Fold ``q`` into the k best qualities so far (most batches hold none of them)."""
        full = len(self.best) >= self.top_k
        if full:
            high = q.max(initial=-np.inf)
            if not high > self._threshold and high == high:  # NaN: look closer
                return
        good = q[q > self._threshold] if full else q[np.isfinite(q)]
        if len(good):
            merged = np.concatenate([self.best, good])
            cut = len(merged) - self.top_k
            self.best = merged if cut <= 0 else np.partition(merged, cut)[cut:]
            if len(self.best) >= self.top_k:
                self._threshold = float(self.best.min())

    def arrays(self) -> dict[str, np.ndarray]:
        return {name: data[: self.size] for name, data in self.columns.items()}


def top_indices(candidates: np.ndarray, q: np.ndarray, k: int, threshold: float = -np.inf) -> np.ndarray:
    """Indices of the k best (at least ``threshold``, the k-th best quality if known): quality
    descending, then fewer selectors, then lower selector indices."""
    finite = np.flatnonzero(q >= threshold) if threshold > -np.inf else np.flatnonzero(np.isfinite(q))
    if len(finite) > k:
        finite = finite[q[finite] >= np.partition(q[finite], len(finite) - k)[len(finite) - k]]
    depth = (candidates[finite] >= 0).sum(axis=1)
    keys = [candidates[finite, j] for j in range(candidates.shape[1] - 1, -1, -1)] + [depth, -q[finite]]
    return finite[np.lexsort(keys)][:k]


# A refinement must beat its generalisations by more than rounding: one that covers the same rows
# sums them along another path and can come out an ulp ahead.
_ROUNDING = 1e-9


def filter_redundant(
    result: SearchResult,
    *,
    by: str = "quality",
    min_improvement: float = 0.0,
    distinct: bool = True,
    k: int | None = None,
) -> np.ndarray:
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
        if any(
            j is not None and not score[i] > score[j] + min_improvement + _ROUNDING * abs(score[j])
            for j in map(index.get, subsets)
        ):
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
