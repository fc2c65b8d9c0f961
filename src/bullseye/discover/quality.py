"""Quality functions of the conjunction search: binary, numeric and time-to-event targets.

A quality function turns a target into what the kernel counts for every set of rows (``prepare``:
the rows, split by a 0/1 fold bit where the statistics need it, then the sum of each weight), those
channels into the set's statistics (``statistics``), and those into its quality and an optimistic
estimate for pruning. Each accumulation costs the kernel a pass of random writes over the rows, so
a target counts only what its statistics need: binary 2 channels (rows by outcome), numeric 3 (rows,
sum, sum of squares), time-to-event 3 (rows by event, exposure).
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
    """What the kernel counts of a target: the rows (split by ``fold``, a 0/1 array, unless it is
    None), then the sum of each weight; and the totals over all rows."""

    fold: np.ndarray | None
    weights: dict[str, np.ndarray]
    totals: dict[str, float]

    @property
    def n_channels(self) -> int:
        return (1 if self.fold is None else 2) + len(self.weights)

    def channels(self, masks: np.ndarray) -> np.ndarray:
        """The channels of each set of rows in ``masks`` (sets x rows, boolean), summed row by row:
        (channels, sets). The kernel's histograms hold the same sums, one per cell."""
        masks = np.atleast_2d(np.asarray(masks, dtype=bool))
        if self.fold is None:
            rows = [masks.sum(axis=1)]
        else:
            fold = self.fold.astype(bool)
            rows = [(masks & ~fold).sum(axis=1), (masks & fold).sum(axis=1)]
        rows += [np.array([values[m].sum() for m in masks]) for values in self.weights.values()]
        return np.array(rows, dtype=float)


class QualityFunction(Protocol):
    """A target's statistics (from its channels, a leading axis of ``PreparedTarget.n_channels``; one
    of them is ``n``), its quality, and an optimistic estimate that bounds the quality of every
    subset of the rows (``None``: none)."""

    a: float
    direction: int

    def prepare(self, target: Any, rows: np.ndarray) -> PreparedTarget: ...
    def statistics(self, channels: np.ndarray) -> dict[str, np.ndarray]: ...
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

    def statistics(self, channels):
        return {"n": channels[0] + channels[1], "positives": channels[1]}

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
    """(n/N)^a * (mean - mean0) * direction. Statistics: ``n``, ``sum``, ``sumsq``. Estimate, from
    those alone: a refinement S of j rows has direction * sum over S of (y - mean0) at most j * c +
    sqrt(j (n - j) / n * SS) (c: the segment's mean's distance from mean0 in the direction, SS: its
    sum of squared deviations; Cauchy-Schwarz, the deviations summing to zero) and at most j * D (D:
    the most extreme value's distance from mean0). Its quality, N^-a j^(a-1) times that sum, is at
    most N^-a min(max over 1 <= j <= n of j^a c + j^(a - 1/2) sqrt(SS), n^a D) for a <= 1 (for a > 1,
    n^(a-1) (n max(c, 0) + sqrt(n SS) / 2) in place of the first), with a little slack for rounding.
    (The count of rows above mean0 would give a tighter estimate, at the price of another channel
    in every pass over the rows.)"""

    def prepare(self, target: Any, rows: np.ndarray) -> PreparedTarget:
        y = np.asarray(target, dtype=float)[rows]
        if not np.isfinite(y).all():
            raise ValueError("a numeric target must be finite on the rows where it is defined")
        mean = float(y.mean()) if len(y) else 0.0
        extreme = float(np.max(self.direction * (y - mean), initial=0.0))
        return PreparedTarget(
            None,
            {"sum": y, "sumsq": y * y},
            {
                "N": float(len(y)),
                "sum": float(y.sum()),
                "sumsq": float((y * y).sum()),
                "mean": mean,
                "extreme": extreme,
            },
        )

    def statistics(self, channels):
        return {"n": channels[0], "sum": channels[1], "sumsq": channels[2]}

    def quality(self, stats, totals):
        return self._standard(stats["n"], totals["N"], stats["sum"], totals["mean"])

    def optimistic(self, stats, totals):
        N, a, D = totals["N"], self.a, totals["extreme"]
        n, total, squares = stats["n"], stats["sum"], stats["sumsq"]
        with np.errstate(divide="ignore", invalid="ignore"):
            mean = np.where(n > 0, total / np.maximum(n, 1), totals["mean"])
            shift = self.direction * (mean - totals["mean"])
            # rounding in sumsq - sum * mean is at most a few ulps of sumsq: the slack keeps the bound a bound
            spread = np.sqrt(np.maximum(squares - total * mean, 0.0) + 1e-12 * np.abs(squares))
            if a > 1:
                bound = n ** (a - 1) * (n * np.maximum(shift, 0) + np.sqrt(n) * spread / 2)
            else:
                bound = np.maximum(n**a * shift, shift) + np.maximum(1.0, n ** (a - 0.5)) * spread
        estimate = N**-a * np.minimum(bound, n**a * D)
        return estimate + 1e-9 * np.abs(estimate)  # upwards, whatever the sign


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
        return PreparedTarget(
            e.astype(np.uint8),
            {"exposure": t},
            {"N": float(len(t)), "events": float(e.sum()), "exposure": float(t.sum())},
        )

    def statistics(self, channels):
        return {"n": channels[0] + channels[1], "events": channels[1], "exposure": channels[2]}

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
