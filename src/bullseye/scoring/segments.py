"""Interaction features for the scorecard: the conjunctions of two conditions where the discovery
deals win more (or less) than the additive points predict.

A points scorecard adds one number per attribute value, so "a previous campaign succeeded *and*
the client was called on a mobile" can only be the sum of its parts. Where the data say the pair
is worth more (or less) than that, the pair gets points of its own, as a reason a rep can read
("poutcome = success and contact = cellular: +9"). The pairs are found by the discovery search
(:mod:`bullseye.discover.kernel`) on the residuals of the model fitted on the discovery deals
(attribute points and pair tables) (won minus predicted probability), both directions, two conditions at most; the strongest
``SEGMENT_FEATURES`` that pass a Bonferroni-corrected score test over every pair tried and do not
share most of their deals are kept, and their points are then
fitted with the attribute levels under the same cross-validated penalty. Nothing of the holdout
is used.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from bullseye.strategy.icp import Criterion, Evidence

__all__ = ["learn_segments", "SEGMENT_FEATURES", "SEGMENT_MIN_SHARE", "SEGMENT_MIN_DEALS"]

#: How many interaction features at most.
SEGMENT_FEATURES = 5
#: A pair must hold this share of the discovery deals, and at least SEGMENT_MIN_DEALS of them.
SEGMENT_MIN_SHARE = 0.02
SEGMENT_MIN_DEALS = 30
#: Two pairs sharing this share of their deals (Jaccard) are one idea: the stronger is kept.
SEGMENT_MAX_OVERLAP = 0.5


def learn_segments(
    train: pd.DataFrame,
    won: np.ndarray,
    predicted: np.ndarray,
    attributes: list[str],
    k: int = SEGMENT_FEATURES,
    alpha: float = 0.05,
) -> list[Criterion]:
    """Up to ``k`` conjunctions of two conditions whose deals won more (or less) than the additive
    model ``predicted``, as rules the scorecard flags. Each must pass the score test for adding its
    flag to the model (z = sum of won - predicted over the deals / sqrt(sum of predicted x (1 -
    predicted))) at ``alpha`` Bonferroni-corrected over every pair the search evaluated: an
    interaction found by trying thousands of pairs must be far beyond chance to get points."""
    from scipy import stats

    residual = np.asarray(won, dtype=float) - predicted
    variance = predicted * (1 - predicted)
    from bullseye.discover import kernel
    from bullseye.discover.encode import encode
    from bullseye.discover.engine import selector_conditions

    if k <= 0 or len(train) < 2 * SEGMENT_MIN_DEALS or not attributes:
        return []
    rows = train[attributes].reset_index(drop=True)
    encoded = encode(rows, attributes)
    if not encoded.selectors:
        return []
    support = max(SEGMENT_MIN_DEALS, int(SEGMENT_MIN_SHARE * len(rows)))
    pool = []
    evaluated = 0
    for direction in (+1, -1):
        search = kernel.search(
            encoded,
            kernel.NumericQuality(a=0.5, direction=direction),
            residual.astype(float),
            max_depth=2,
            min_support=support,
            top_k=200,
        )
        evaluated += search.evaluated
        for index in kernel.filter_redundant(search):
            chosen = [int(i) for i in search.candidates[index] if i >= 0]
            if len(chosen) == 2 and search.quality[index] > 0:
                pool.append((float(search.quality[index]), [encoded.selectors[i] for i in chosen]))
    pool.sort(key=lambda item: -item[0])
    segments: list[Criterion] = []
    covers: list[np.ndarray] = []
    for _, selectors in pool:
        cover = np.logical_and.reduce([s.mask(rows) for s in selectors])
        z = residual[cover].sum() / np.sqrt(max(variance[cover].sum(), 1e-12))
        if stats.norm.sf(abs(z)) * max(evaluated, 1) > alpha:
            continue  # within what the best of this many pairs reaches by chance
        if any(
            int(np.count_nonzero(cover & other)) / max(int(np.count_nonzero(cover | other)), 1) >= SEGMENT_MAX_OVERLAP
            for other in covers
        ):
            continue
        conditions = [c for s in selectors for c in selector_conditions(s)]
        label = " and ".join(str(s) for s in selectors)
        rate = float(residual[cover].mean())
        segments.append(
            Criterion(
                id="segment-" + (re.sub(r"[^a-z0-9]+", "-", label.lower()).strip("-")[:50] or str(len(segments))),
                name=label,
                conditions=conditions,
                evidence=[
                    Evidence(
                        outcome="win",
                        metric="win rate beyond the additive points",
                        segment=round(rate, 4),
                        deals=int(cover.sum()),
                        measured_on="discovery",
                        summary=f"{label}: won {100 * rate:+.1f} points more often than its attribute points "
                        f"predict ({int(cover.sum()):,} discovery deals)",
                    )
                ],
            )
        )
        covers.append(cover)
        if len(segments) >= k:
            break
    return segments
