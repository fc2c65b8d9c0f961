"""Quality functions of the conjunction search: binary, numeric and time-to-event targets.

A quality function turns a target into what the kernel counts (``prepare``: the 0/1 fold bit and
the weights to sum), the counts and sums of a set of rows into its statistics (``statistics``),
and those into the set's quality and an optimistic estimate for pruning.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

__all__ = [
    "PreparedTarget",
    "QualityFunction",
    "BinaryQuality",
    "NumericQuality",
    "SurvivalQuality",
]


@dataclass
class PreparedTarget:
    """What the kernel needs of a target: the fold bit, the weights to sum, and the totals."""

    fold: np.ndarray
    weights: dict[str, np.ndarray]
    totals: dict[str, float]


class QualityFunction(Protocol):
    """A target's statistics (from counts and weighted sums split by the fold bit, a leading
    axis of 2; one of them is ``n``; names starting with "_" serve the estimate and are not kept),
    its quality, and an optimistic estimate that bounds every subset's quality and never grows as
    rows are removed (``None``: none)."""

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
