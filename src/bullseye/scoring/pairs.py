"""Pair features for the scorecard: a table of points over two attributes (GA2M-style), where the
discovery deals say the two together are worth more (or less) than the sum of their own points.

A points scorecard adds one number per attribute value. Some attributes act together: on a call
list the month and the day of the month locate the campaign a call belonged to, and a previous
campaign's success means more on one channel than on another. A pair feature gives every
combination of the two attributes' levels (bands of numbers, categories) points of its own, as a
reason a rep can read ("month = may and day 15-17: -6"); the score stays 50 plus a sum of points.

Which pairs: the additive model is fitted, and every pair of attributes is ranked by how far its
table of residuals (won minus predicted, per cell) is beyond chance: the score statistic for
adding the table, sum over cells of residual^2 / variance, standardised by its degrees of freedom.
How many: cross-validation on the discovery deals decides, with the same folds that choose the
attribute penalty. In each fold the pairs are ranked on the fold's own fitting rows and the model
is refitted with the best 0, 1, 2, 4, ... of them; the fewest whose held-out log loss is within
one standard error of the lowest wins (:func:`bullseye.scoring.solver.one_standard_error`), so a
pair table must predict better by more than the folds' noise. Prediction decides, not a
significance threshold, and nothing of the holdout is used. The pair cells are penalised like the
attribute levels.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from scipy.special import expit

from bullseye.scoring.features import Feature
from bullseye.scoring.solver import folds, log_loss, one_standard_error, penalised_logistic

__all__ = ["PAIR_GRID", "rank_pairs", "pair_feature", "one_hot", "choose_pair_count"]

#: The numbers of pair features cross-validation chooses from.
PAIR_GRID = (0, 1, 2, 4, 8)
#: A cell needs this much binomial variance (about 4 deals at a 50% win rate) to count in the ranking.
MIN_CELL_VARIANCE = 1.0


def one_hot(codes: np.ndarray, width: int) -> sp.csr_matrix:
    """The 0/1 matrix of level ``codes`` (one column per level)."""
    rows = len(codes)
    return sp.csr_matrix((np.ones(rows), (np.arange(rows), codes)), shape=(rows, width))


def rank_pairs(
    widths: list[int], codes: list[np.ndarray], residual: np.ndarray, variance: np.ndarray, limit: int
) -> list[tuple[int, int]]:
    """The ``limit`` best pairs of attributes (indices into ``codes``), best first: by the score
    statistic of their table of ``residual`` per cell, (chi^2 - df) / sqrt(2 df). Pairs no better
    than chance (a statistic of 0 or less) are left out."""
    ranked = []
    for i in range(len(codes)):
        for j in range(i + 1, len(codes)):
            cells = codes[i] * widths[j] + codes[j]
            size = widths[i] * widths[j]
            r = np.bincount(cells, residual, size)
            v = np.bincount(cells, variance, size)
            used = v >= MIN_CELL_VARIANCE
            df = int(used.sum())
            if df < 2:
                continue
            statistic = (float(np.sum(r[used] ** 2 / v[used])) - df) / np.sqrt(2 * df)
            if statistic > 0:
                ranked.append((statistic, i, j))
    ranked.sort(key=lambda item: -item[0])
    return [(i, j) for _, i, j in ranked[:limit]]


def pair_feature(a: Feature, b: Feature) -> Feature:
    """The feature of the table over ``a`` and ``b``: one level per combination of their levels."""
    levels = [f"{x} & {y}" for x in a.levels for y in b.levels]
    return Feature(f"{a.name} x {b.name}", "pair", levels, parts=[a, b])


def _with_pairs(
    X: sp.csr_matrix, codes: list[np.ndarray], widths: list[int], pairs: list[tuple[int, int]]
) -> sp.csr_matrix:
    blocks = [X] + [one_hot(codes[i] * widths[j] + codes[j], widths[i] * widths[j]) for i, j in pairs]
    return sp.hstack(blocks, format="csr")


def choose_pair_count(
    X: sp.csr_matrix,
    y: np.ndarray,
    penalty: np.ndarray,
    codes: list[np.ndarray],
    widths: list[int],
    pair_penalty: float,
    shuffle: bool,
    grid: tuple[int, ...] = PAIR_GRID,
) -> tuple[int, dict[int, float]]:
    """The number of pair features in ``grid`` the one-standard-error rule chooses (the fewest
    within one standard error of the best cross-validated log loss), and the loss per number summed
    over the folds: in each fold the pairs are ranked on the fold's fitting rows (its additive
    model's residuals) and added best first, each fit warm-started from the last."""
    grid = tuple(sorted(set(grid)))
    if max(grid) == 0 or len(codes) < 2 or min(np.bincount(y, minlength=2)) < 5:
        return 0, {}
    loss = np.zeros((len(grid), 5))
    for fold, (fit_rows, test_rows) in enumerate(folds(y, 5, shuffle)):
        intercept, coef = penalised_logistic(X[fit_rows], y[fit_rows], penalty, tol=1e-7)
        p = expit(intercept + X[fit_rows] @ coef)
        fold_codes = [c[fit_rows] for c in codes]
        ranked = rank_pairs(widths, fold_codes, y[fit_rows] - p, p * (1 - p), max(grid))
        start = np.r_[intercept, coef]
        for row, k in enumerate(grid):
            pairs = ranked[:k]
            design = _with_pairs(X, codes, widths, pairs)
            extra = design.shape[1] - X.shape[1]
            start = np.r_[start, np.zeros(design.shape[1] + 1 - len(start))]
            full_penalty = np.r_[penalty, np.full(extra, pair_penalty)]
            intercept, coef = penalised_logistic(design[fit_rows], y[fit_rows], full_penalty, start, tol=1e-7)
            start = np.r_[intercept, coef]
            loss[row, fold] = log_loss(design[test_rows], y[test_rows], intercept, coef)
    return grid[one_standard_error(loss)], {k: float(total) for k, total in zip(grid, loss.sum(axis=1))}
