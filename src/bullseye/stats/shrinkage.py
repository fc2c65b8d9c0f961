"""Rates shrunk towards a beta prior fitted to all segments (empirical Bayes)."""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
from scipy import optimize, stats

__all__ = ["ShrunkenRates", "fit_beta_prior", "shrunken_rate"]


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


def shrunken_rate(k: Any, n: Any, prior: tuple[float, float] | None = None, confidence: float = 0.95) -> ShrunkenRates:
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
    return ShrunkenRates(
        post_a / (post_a + post_b), stats.beta.ppf(tail, post_a, post_b), stats.beta.isf(tail, post_a, post_b)
    )
