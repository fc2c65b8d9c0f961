"""Statistics for found segments: intervals, tests, multiple-testing control, shrinkage, power.

Everything is vectorised over segments and computed from the counts and sums the search kernel
keeps (``SearchResult``), except the survival curve tests, which take the rows of the reported
segments. Each function is pinned against an independent implementation in the tests (scipy,
statsmodels, lifelines). One-sided tests take ``direction``: +1 the segment's rate (or mean) is
higher than the rest's, -1 lower, 0 two-sided.
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import numpy as np
from scipy import optimize, stats

__all__ = [
    "wilson_interval",
    "exact_interval",
    "binary_p_values",
    "hypergeom_tail",
    "numeric_p_values",
    "rate_ratio_p_values",
    "search_p_values",
    "logrank_test",
    "kaplan_meier",
    "cox_hazard_ratio",
    "holm",
    "benjamini_hochberg",
    "ShrunkenRates",
    "fit_beta_prior",
    "shrunken_rate",
    "detection_power",
]


def _z(confidence: float) -> float:
    return float(stats.norm.isf((1 - confidence) / 2))


def wilson_interval(k: Any, n: Any, confidence: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval for k successes in n trials (vectorised; NaN where n is 0)."""
    k, n = np.asarray(k, dtype=float), np.asarray(n, dtype=float)
    z = _z(confidence)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = k / n
        centre = (p + z * z / (2 * n)) / (1 + z * z / n)
        half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return np.where(n > 0, centre - half, np.nan), np.where(n > 0, centre + half, np.nan)


def exact_interval(k: Any, n: Any, confidence: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Clopper-Pearson ("exact") interval for k successes in n trials (vectorised)."""
    k, n = np.asarray(k, dtype=float), np.asarray(n, dtype=float)
    alpha = 1 - confidence
    with np.errstate(divide="ignore", invalid="ignore"):
        low = np.where(k > 0, stats.beta.ppf(alpha / 2, k, n - k + 1), 0.0)
        high = np.where(k < n, stats.beta.ppf(1 - alpha / 2, k + 1, n - k), 1.0)
    return np.where(n > 0, low, np.nan), np.where(n > 0, high, np.nan)


#: Below this smallest expected cell count the hypergeometric tail is summed exactly; above it the
#: normal approximation (with continuity correction) is used: exact tails get slow at large N, and
#: with every expected cell this large the two agree to well within the decisions made on them.
EXACT_BELOW = 100


def hypergeom_tail(k: Any, n: Any, K: Any, N: Any, direction: int = 1, mid: bool = False) -> np.ndarray:
    """P(X >= k) (+1) or P(X <= k) (-1) for X ~ Hypergeometric(N, K, n), vectorised; ``mid`` gives
    Lancaster's mid-p (half the probability of k itself). Exact on small cells (see EXACT_BELOW)."""
    k, n, K, N = (np.asarray(v, dtype=np.float64) for v in np.broadcast_arrays(k, n, K, N))
    with np.errstate(divide="ignore", invalid="ignore"):
        expected = np.minimum.reduce([n * K / N, n * (N - K) / N, (N - n) * K / N, (N - n) * (N - K) / N])
    large = expected >= EXACT_BELOW
    out = np.empty(k.shape, dtype=np.float64)
    small = ~large
    if small.any():
        ks, ns, Ks, Ns = (v[small].astype(np.int64) for v in (k, n, K, N))
        if direction == 1:
            tail = stats.hypergeom.sf(ks - 1, Ns, Ks, ns)
        else:
            tail = stats.hypergeom.cdf(ks, Ns, Ks, ns)
        if mid:
            tail = tail - 0.5 * stats.hypergeom.pmf(ks, Ns, Ks, ns)
        out[small] = tail
    if large.any():
        kl, nl, Kl, Nl = (v[large] for v in (k, n, K, N))
        mean = nl * Kl / Nl
        sd = np.sqrt(nl * Kl * (Nl - Kl) * (Nl - nl) / (Nl * Nl * (Nl - 1)))
        correction = 0.0 if mid else 0.5
        if direction == 1:
            out[large] = stats.norm.sf((kl - correction - mean) / sd)
        else:
            out[large] = stats.norm.cdf((kl + correction - mean) / sd)
    return np.clip(out, 0.0, 1.0)


def binary_p_values(k: Any, n: Any, K: Any, N: Any, direction: int = 1) -> np.ndarray:
    """Exact (Fisher, hypergeometric) p-value of k positives among a segment's n rows, when the
    population has K positives in N rows. +1: more positives than chance; -1: fewer. Cells whose
    expected counts are all large use the normal approximation (see EXACT_BELOW)."""
    if direction in (1, -1):
        return hypergeom_tail(k, n, K, N, direction)
    greater, less = hypergeom_tail(k, n, K, N, 1), hypergeom_tail(k, n, K, N, -1)
    return np.minimum(1.0, 2 * np.minimum(greater, less))


def numeric_p_values(n: Any, total: Any, total_sq: Any, N: Any, S: Any, SS: Any,
                     direction: int = 1) -> np.ndarray:
    """Welch t-test of a segment (n rows, sum, sum of squares) against the rest of the population
    (N rows, sum S, sum of squares SS), from the sums alone (vectorised)."""
    n1 = np.asarray(n, dtype=float)
    s1, q1 = np.asarray(total, dtype=float), np.asarray(total_sq, dtype=float)
    n2, s2, q2 = N - n1, S - s1, SS - q1
    with np.errstate(divide="ignore", invalid="ignore"):
        m1, m2 = s1 / n1, s2 / n2
        v1 = np.maximum(q1 - s1 * m1, 0) / (n1 - 1) / n1
        v2 = np.maximum(q2 - s2 * m2, 0) / (n2 - 1) / n2
        t = (m1 - m2) / np.sqrt(v1 + v2)
        df = (v1 + v2) ** 2 / (v1 ** 2 / (n1 - 1) + v2 ** 2 / (n2 - 1))
    if direction == 1:
        return stats.t.sf(t, df)
    if direction == -1:
        return stats.t.cdf(t, df)
    return 2 * stats.t.sf(np.abs(t), df)


def rate_ratio_p_values(d: Any, T: Any, D: Any, T_all: Any, direction: int = 1) -> np.ndarray:
    """Exact conditional test of two Poisson rates: given all D events, the segment's d events
    are Binomial(D, T / T_all) when its rate equals the rest's. ``direction`` as in
    ``SurvivalQuality``: +1 the segment has fewer events than that (retains longer), -1 more
    (churns more), 0 two-sided."""
    d, D = np.asarray(d, dtype=np.int64), np.asarray(D, dtype=np.int64)
    share = np.asarray(T, dtype=float) / np.asarray(T_all, dtype=float)
    fewer = stats.binom.cdf(d, D, share)
    more = stats.binom.sf(d - 1, D, share)
    if direction == 1:
        return fewer
    if direction == -1:
        return more
    return np.minimum(1.0, 2 * np.minimum(fewer, more))


def search_p_values(result: Any) -> np.ndarray:
    """One-sided p-values, in the search's direction, of every stored candidate of a
    ``kernel.SearchResult`` (binary: Fisher; numeric: Welch; survival: conditional rate test)."""
    s, t, qf = result.stats, result.totals, result.quality_function
    if "positives" in s:
        return binary_p_values(s["positives"], result.n, int(t["positives"]), int(t["N"]), qf.direction)
    if "sum" in s:
        return numeric_p_values(result.n, s["sum"], s["sumsq"], t["N"], t["sum"], t["sumsq"], qf.direction)
    return rate_ratio_p_values(s["events"], s["exposure"], int(t["events"]), t["exposure"], qf.direction)


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
    return {"time": times, "survival": survival, "at_risk": at_risk, "events": deaths.astype(np.int64),
            "censored": (leaving - deaths).astype(np.int64)}


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


def cox_hazard_ratio(durations: Any, events: Any, in_group: Any, confidence: float = 0.95,
                     max_iter: int = 50) -> dict[str, float]:
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
    l = np.concatenate([np.arange(int(k)) for k in d[rows]]) if rows.any() else np.empty(0)
    tie = np.repeat(np.flatnonzero(rows), d[rows].astype(int))
    phi = l / np.repeat(d[rows], d[rows].astype(int))

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
    return {"hazard_ratio": math.exp(beta), "coef": beta, "se": se, "low": math.exp(beta - z * se),
            "high": math.exp(beta + z * se), "p_value": float(2 * stats.norm.sf(abs(beta / se)))}


# -- multiple testing -------------------------------------------------------------------------------
def _tests(p: np.ndarray, n_tests: int | None) -> int:
    m = len(p) if n_tests is None else int(n_tests)
    if m < len(p):
        raise ValueError(f"n_tests ({m}) is smaller than the number of p-values ({len(p)})")
    return m


def holm(p: Any, n_tests: int | None = None) -> np.ndarray:
    """Holm-adjusted p-values (family-wise error). ``n_tests`` counts hypotheses whose p-values
    are not given (taken as 1): pass ``SearchResult.evaluated`` when only some are stored."""
    p = np.asarray(p, dtype=float)
    m = _tests(p, n_tests)
    order = np.argsort(p, kind="stable")
    adjusted = np.maximum.accumulate(np.minimum(1, (m - np.arange(len(p))) * p[order]))
    out = np.empty_like(p)
    out[order] = adjusted
    return out


def benjamini_hochberg(p: Any, n_tests: int | None = None) -> np.ndarray:
    """Benjamini-Hochberg q-values (false discovery rate); ``n_tests`` as for ``holm``."""
    p = np.asarray(p, dtype=float)
    m = _tests(p, n_tests)
    order = np.argsort(p, kind="stable")
    ranked = p[order] * m / np.arange(1, len(p) + 1)
    adjusted = np.minimum(1, np.minimum.accumulate(ranked[::-1])[::-1])
    out = np.empty_like(p)
    out[order] = adjusted
    return out


# -- shrinkage --------------------------------------------------------------------------------------
class ShrunkenRates(NamedTuple):
    """Posterior mean and credible interval of each rate (iterable: mean, low, high)."""

    mean: np.ndarray
    low: np.ndarray
    high: np.ndarray


def fit_beta_prior(k: Any, n: Any) -> tuple[float, float]:
    """Beta(alpha, beta) prior of the rates k/n of disjoint groups, by maximum likelihood
    (beta-binomial), started from the method of moments."""
    k, n = np.asarray(k, dtype=float), np.asarray(n, dtype=float)
    p = k / n
    mean = float(np.clip(k.sum() / n.sum(), 1e-6, 1 - 1e-6))
    var = float(np.average((p - mean) ** 2, weights=n))
    binomial = mean * (1 - mean) * float(np.mean(1 / n))
    strength = mean * (1 - mean) / (var - binomial) - 1 if var > binomial else 1e4
    strength = float(np.clip(strength, 0.5, 1e6))

    def nll(theta: np.ndarray) -> float:
        a, b = np.exp(theta)
        return -float(stats.betabinom.logpmf(k, n, a, b).sum())

    start = np.log([mean * strength, (1 - mean) * strength])
    fit = optimize.minimize(nll, start, method="Nelder-Mead", options={"xatol": 1e-6, "fatol": 1e-9})
    a, b = np.exp(fit.x if fit.fun <= nll(start) else start)
    return float(a), float(b)


def shrunken_rate(k: Any, n: Any, prior: tuple[float, float] | None = None,
                  confidence: float = 0.95) -> ShrunkenRates:
    """Empirical-Bayes partial pooling of rates k/n: the posterior Beta(alpha + k, beta + n - k).

    ``prior``: ``(rate, strength)`` is Beta(rate * strength, (1 - rate) * strength), a prior
    worth ``strength`` rows at the overall rate; None fits the prior to these counts
    (``fit_beta_prior``; meant for disjoint groups). Small groups move further towards the prior
    mean than large ones.
    """
    k, n = np.asarray(k, dtype=float), np.asarray(n, dtype=float)
    if prior is None:
        a, b = fit_beta_prior(k, n)
    else:
        rate, strength = (float(v) for v in prior)
        a, b = rate * strength, (1 - rate) * strength
    post_a, post_b = a + k, b + n - k
    tail = (1 - confidence) / 2
    return ShrunkenRates(post_a / (post_a + post_b), stats.beta.ppf(tail, post_a, post_b),
                         stats.beta.isf(tail, post_a, post_b))


# -- power --------------------------------------------------------------------------
def detection_power(n_closed: int, base_rate: float, share: float = 0.2, lift: float = 2.0,
                    alpha: float = 0.05, n_tests: int = 1) -> float:
    """Probability that a segment holding ``share`` of the ``n_closed`` deals, with ``lift``
    times the overall win rate ``base_rate``, passes a one-sided exact (Fisher) test at the
    Bonferroni threshold alpha / n_tests. Exact: sums over the wins inside and outside."""
    n_seg = int(round(share * n_closed))
    n_rest = n_closed - n_seg
    p_seg = lift * base_rate
    p_rest = (base_rate - share * p_seg) / (1 - share) if share < 1 else 0.0
    if not (0 <= p_seg <= 1 and 0 <= p_rest <= 1) or n_seg == 0 or n_rest == 0:
        raise ValueError("share, lift and base_rate give a rate outside [0, 1] or an empty group")
    level = alpha / n_tests

    def support(n: int, p: float) -> np.ndarray:
        sd = math.sqrt(n * p * (1 - p))
        return np.arange(max(0, int(n * p - 9 * sd - 1)), min(n, int(n * p + 9 * sd + 1)) + 1)

    ks, kr = support(n_seg, p_seg), support(n_rest, p_rest)
    w_s, w_r = stats.binom.pmf(ks, n_seg, p_seg), stats.binom.pmf(kr, n_rest, p_rest)
    power = 0.0
    for start in range(0, len(kr), max(1, 2_000_000 // len(ks))):  # bounded memory
        r = kr[start:start + max(1, 2_000_000 // len(ks))]
        p = stats.hypergeom.sf(ks[:, None] - 1, n_closed, ks[:, None] + r[None, :], n_seg)
        power += float((w_s[:, None] * w_r[None, start:start + len(r)] * (p <= level)).sum())
    return power
