"""Confidence intervals for rates."""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import stats

__all__ = ["wilson_interval", "exact_interval"]


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
