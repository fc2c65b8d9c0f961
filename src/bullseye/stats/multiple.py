"""Multiple-testing control: Holm (family-wise) and Benjamini-Hochberg (false discovery rate)."""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["holm", "benjamini_hochberg"]


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
