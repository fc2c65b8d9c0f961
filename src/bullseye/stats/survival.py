"""Survival curves and their tests on the rows of a segment: Kaplan-Meier, log-rank, Cox."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from scipy import stats

from bullseye.stats.intervals import _z

__all__ = ["kaplan_meier", "logrank_test", "cox_hazard_ratio"]


# -- survival curves --------------------------------------------------------------------------------
def kaplan_meier(durations: Any, events: Any) -> dict[str, np.ndarray]:
    """Kaplan-Meier estimate at each distinct duration: ``time``, ``survival``, ``at_risk``,
    ``events`` (and ``censored``)."""
    t = np.asarray(durations, dtype=float)
    e = np.asarray(events).astype(bool)
    times, inverse = np.unique(t, return_inverse=True)
    deaths = np.bincount(inverse, weights=e, minlength=len(times))
    leaving = np.bincount(inverse, minlength=len(times))
    at_risk = len(t) - np.concatenate([[0], np.cumsum(leaving)[:-1]])
    survival = np.cumprod(1 - deaths / at_risk)
    return {
        "time": times,
        "survival": survival,
        "at_risk": at_risk,
        "events": deaths.astype(np.int64),
        "censored": (leaving - deaths).astype(np.int64),
    }


def logrank_test(durations: Any, events: Any, in_group: Any) -> tuple[float, float]:
    """Log-rank test of a group against the rest: (chi-square statistic with 1 df, p-value)."""
    t = np.asarray(durations, dtype=float)
    e = np.asarray(events).astype(bool)
    g = np.asarray(in_group).astype(bool)
    times, inverse = np.unique(t, return_inverse=True)
    leaving = np.bincount(inverse, minlength=len(times))
    leaving1 = np.bincount(inverse, weights=g, minlength=len(times))
    d = np.bincount(inverse, weights=e, minlength=len(times))
    d1 = np.bincount(inverse, weights=e & g, minlength=len(times))
    n = len(t) - np.concatenate([[0], np.cumsum(leaving)[:-1]])
    n1 = g.sum() - np.concatenate([[0], np.cumsum(leaving1)[:-1]])
    with np.errstate(divide="ignore", invalid="ignore"):
        expected = d * n1 / n
        var = np.where(n > 1, d * (n1 / n) * (1 - n1 / n) * (n - d) / (n - 1), 0.0)
    statistic = float((d1.sum() - expected.sum()) ** 2 / var.sum())
    return statistic, float(stats.chi2.sf(statistic, 1))


def cox_hazard_ratio(
    durations: Any, events: Any, in_group: Any, confidence: float = 0.95, max_iter: int = 50
) -> dict[str, float]:
    """Cox proportional-hazards fit of one 0/1 covariate (Efron ties): hazard ratio, its
    interval, and the Wald p-value (as lifelines' CoxPHFitter reports them)."""
    t = np.asarray(durations, dtype=float)
    e = np.asarray(events).astype(bool)
    x = np.asarray(in_group).astype(float)
    times, inverse = np.unique(t, return_inverse=True)
    # per distinct time: events, and sums over the events and over everyone leaving then
    d = np.bincount(inverse, weights=e, minlength=len(times))
    ex = np.bincount(inverse, weights=e * x, minlength=len(times))
    rows = d > 0
    # Efron: the k-th of d tied events at a time leaves a fraction k/d of the tied set in the risk set
    rank_in_tie = np.concatenate([np.arange(int(k)) for k in d[rows]]) if rows.any() else np.empty(0)
    tie = np.repeat(np.flatnonzero(rows), d[rows].astype(int))
    phi = rank_in_tie / np.repeat(d[rows], d[rows].astype(int))

    def parts(beta: float):
        w = np.exp(beta * x)
        leave0 = np.bincount(inverse, weights=w, minlength=len(times))
        leave1 = np.bincount(inverse, weights=w * x, minlength=len(times))
        s0 = np.cumsum(leave0[::-1])[::-1]  # the risk set: everyone still there at that time
        s1 = np.cumsum(leave1[::-1])[::-1]
        t0 = np.bincount(inverse, weights=w * e, minlength=len(times))
        t1 = np.bincount(inverse, weights=w * e * x, minlength=len(times))
        a = s0[tie] - phi * t0[tie]
        b = s1[tie] - phi * t1[tie]
        loglik = beta * ex.sum() - np.log(a).sum()
        score = ex.sum() - (b / a).sum()
        info = (b / a - (b / a) ** 2).sum()  # x is 0/1, so the second moment equals the first
        return loglik, score, info

    beta = 0.0
    loglik, score, info = parts(beta)
    for _ in range(max_iter):
        step = score / info if info > 0 else 0.0
        new = beta + step
        new_loglik, new_score, new_info = parts(new)
        while new_loglik < loglik - 1e-12 and abs(step) > 1e-12:  # step halving
            step /= 2
            new = beta + step
            new_loglik, new_score, new_info = parts(new)
        beta, loglik, score, info = new, new_loglik, new_score, new_info
        if abs(step) < 1e-10:
            break
    se = 1 / math.sqrt(info) if info > 0 else math.inf
    z = _z(confidence)
    return {
        "hazard_ratio": math.exp(beta),
        "coef": beta,
        "se": se,
        "low": math.exp(beta - z * se),
        "high": math.exp(beta + z * se),
        "p_value": float(2 * stats.norm.sf(abs(beta / se))),
    }
