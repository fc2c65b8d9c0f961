"""Westfall-Young max-T over the whole search space: each shuffle of the outcome is searched again.

A measurement tool for bench_planted_power.py (measured, not adopted: docs/discovery.md, "Enough
accounts for the win search").

Holm treats the ~10^5 conjunctions of a depth-3 search as unrelated, but they overlap heavily (a
segment, its refinements, nested bands), so its threshold (z about 5 at 10^5 tests) is stricter than
the family needs. The exact family-wise threshold is the distribution of the best statistic of
the whole search when the outcome carries no information: shuffle the outcome across the units
and search again. Searching again is cheap with the counting kernel: a shuffle is one more
channel of each joint histogram (its wins, or its values and squares, or its churn events and
exposure), so one pass over the rows counts a block of shuffles at once, and every conjunction's
statistic under every shuffle comes from the same small matrix products as the search's own. The
maximum is taken over every conjunction the search could evaluate (distinct attributes, up to the
depth, at least the minimum support in each direction), not only the ones the observed search kept,
so the threshold holds whichever candidates the data made the search look at. The statistics are
the same z-scores as :mod:`bullseye.discover.permutation` (hypergeometric for rates, Welch t for
numbers, conditional binomial for churn), computed by the same functions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from bullseye.discover import kernel, permutation
from bullseye.discover.encode import EncodedAttributes
from bullseye.discover.quality import PreparedTarget

__all__ = ["search_null", "BLOCK", "PERMUTATIONS"]

PERMUTATIONS = permutation.PERMUTATIONS
#: Shuffles counted together in one pass of the search (each a channel of every histogram: the
#: memory of a pass grows with it).
BLOCK = 50


@dataclass
class _ShuffledMaxima:
    """A quality function for ``kernel.search`` that scores nothing and keeps, per shuffle, the
    largest statistic in each direction over every conjunction the kernel evaluates. Channels: the
    rows, then per shuffle its sums (``kind``: binary 1, numeric 2, survival 2)."""

    kind: str
    sums: list[np.ndarray]  # per channel after the rows: one value per row
    totals: dict[str, float]
    supports: dict[int, int]  # test direction -> minimum rows
    shuffles: int
    a: float = 0.5
    direction: int = 1
    maxima: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        self.maxima = np.full(self.shuffles, -np.inf)

    def prepare(self, target: Any, rows: np.ndarray) -> PreparedTarget:
        return PreparedTarget(None, {f"_{i}": s for i, s in enumerate(self.sums)}, dict(self.totals))

    def statistics(self, channels: np.ndarray) -> dict[str, np.ndarray]:
        return {"n": channels[0], **{f"_{i}": c for i, c in enumerate(channels[1:])}}

    def quality(self, stats: dict[str, np.ndarray], totals: dict[str, float]) -> np.ndarray:
        n = stats["n"]
        sums = np.stack([stats[f"_{i}"] for i in range(len(self.sums))])
        z = _statistic(self.kind, n[None, :], sums, totals, self.shuffles)
        z = np.where(np.isfinite(z), z, -np.inf)
        for direction, support in self.supports.items():
            enough = n >= support
            if enough.any():
                np.maximum(self.maxima, (direction * z[:, enough]).max(axis=1), out=self.maxima)
        return np.full(len(n), -np.inf)  # nothing to store

    def optimistic(self, stats: dict[str, np.ndarray], totals: dict[str, float]) -> None:
        return None


def _statistic(kind: str, n: np.ndarray, sums: np.ndarray, totals: dict[str, float], b: int) -> np.ndarray:
    """Each shuffle's statistic (rows) of each conjunction (columns), direction +1."""
    total = int(totals["N"])
    if kind == "binary":
        return permutation.binary_z(n, sums, total, totals["positives"] / total)
    if kind == "numeric":
        return permutation.welch_t(n, sums[:b], sums[b:], total, totals["sum"], totals["sumsq"])
    return permutation.rate_z(sums[:b], sums[b:], totals["events"], totals["exposure"])


def _channels(kind: str, target: Any, orders: np.ndarray) -> tuple[list[np.ndarray], dict[str, float]]:
    """Each shuffle's per-row sums (orders: rows x shuffles) and the totals every shuffle shares."""
    if kind == "binary":
        y = np.asarray(target, dtype=float)
        return [y[o] for o in orders.T], {"N": float(len(y)), "positives": float(y.sum())}
    if kind == "numeric":
        y = np.asarray(target, dtype=float)
        shuffled = [y[o] for o in orders.T]
        return shuffled + [v * v for v in shuffled], {
            "N": float(len(y)),
            "sum": float(y.sum()),
            "sumsq": float((y * y).sum()),
        }
    durations, events = np.asarray(target[0], dtype=float), np.asarray(target[1], dtype=float)
    return [durations[o] for o in orders.T] + [events[o] for o in orders.T], {
        "N": float(len(durations)),
        "events": float(events.sum()),
        "exposure": float(durations.sum()),
    }


def search_null(
    encoded: EncodedAttributes,
    kind: str,
    target: Any,
    supports: dict[int, int],
    max_depth: int,
    rng: np.random.Generator,
    permutations: int = PERMUTATIONS,
    block: int = BLOCK,
) -> np.ndarray:
    """The largest statistic of the whole search under each of ``permutations`` shuffles of the
    outcome across the rows of ``encoded``, over both directions in ``supports`` (test direction:
    +1 higher rates, values or fewer churns; -1 the opposite -> the minimum rows of a conjunction
    in that direction). ``kind``: "binary" (0/1 target), "numeric" (values) or "survival"
    ((durations, events), shuffled together). Compare an observed statistic with it through
    :func:`bullseye.discover.permutation.family_p_value`."""
    if kind not in ("binary", "numeric", "survival"):
        raise ValueError(f"kind must be binary, numeric or survival, got {kind!r}")
    rows = encoded.n_rows
    orders = np.stack([rng.permutation(rows) for _ in range(permutations)], axis=1)
    out = np.empty(permutations)
    for start in range(0, permutations, block):
        chunk = orders[:, start : start + block]
        sums, totals = _channels(kind, target, chunk)
        maxima = _ShuffledMaxima(kind, sums, totals, supports, chunk.shape[1])
        kernel.search(
            encoded,
            maxima,
            None,
            max_depth=max_depth,
            min_support=min(supports.values()),
            top_k=1,
            prune=False,
            keep="positive",
        )
        out[start : start + block] = maxima.maxima
    return out
