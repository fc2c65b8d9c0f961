"""The scorecard's penalised logistic regression, on a sparse 0/1 design: Newton's method with
one L2 strength per column (glmnet's penalty factors), warm starts, and the cross-validation that
chooses the attribute strength.

A scorecard's design is one-hot (one column per attribute level, per table cell of a pair, per
rule flag), so each row has a handful of ones among hundreds of columns. The Hessian ``X' W X`` of
such a design costs a sparse product, not a dense one, and Newton reaches the exact optimum in a few
steps; warm starts along a path of strengths (or of added columns) make cross-validation cheap.

Where cross-validation chooses a model's size (the attribute strength here, the number of pair
tables and of quantile bands elsewhere), it takes the simplest candidate within one standard error
of the best (:func:`one_standard_error`; Hastie, Tibshirani and Friedman, *The Elements of
Statistical Learning*, 7.10): a finer model must beat a simpler one by more than the folds' own
noise, so a noise-sized win never buys more points.
"""

from __future__ import annotations

import numpy as np
import scipy.linalg
import scipy.sparse as sp
from scipy.special import expit

__all__ = [
    "penalised_logistic",
    "log_loss",
    "C_GRID",
    "choose_attribute_C",
    "cross_validated_C",
    "cross_validated_losses",
    "one_standard_error",
    "choose_size_and_C",
    "folds",
]

#: The attribute regularisation strengths cross-validation chooses from (``attribute_C="cv"``).
C_GRID = tuple(float(c) for c in np.logspace(-3, 1, 9))


def _objective(X: sp.csr_matrix, y: np.ndarray, lam: np.ndarray, w: np.ndarray) -> float:
    eta = X @ w
    return float(np.sum(np.logaddexp(0.0, eta) - y * eta) + 0.5 * np.sum(lam * w * w))


def penalised_logistic(
    X: sp.spmatrix | np.ndarray,
    y: np.ndarray,
    penalty: np.ndarray,
    start: np.ndarray | None = None,
    tol: float = 1e-11,
    max_iter: int = 100,
) -> tuple[float, np.ndarray]:
    """(intercept, coefficients) minimising ``sum(log loss) + sum(penalty * coef**2) / 2`` (the
    intercept unpenalised); ``penalty`` per column is ``1 / C`` in scikit-learn's terms. ``start``
    (intercept first) warm-starts Newton. Stops when the gradient per row is under ``tol``."""
    n = X.shape[0]
    X = sp.csr_matrix(X)
    active = np.flatnonzero(X.getnnz(axis=0) > 0)  # an empty column's optimum is 0: keep it out of the Hessian
    design = sp.hstack([np.ones((n, 1)), X[:, active]], format="csr")
    lam = np.r_[0.0, np.asarray(penalty, float)[active]]
    y = np.asarray(y, float)
    w = np.zeros(design.shape[1]) if start is None else np.asarray(start, float)[np.r_[0, active + 1]]
    if start is None and 0 < y.mean() < 1:
        w[0] = np.log(y.mean() / (1 - y.mean()))
    value = _objective(design, y, lam, w)
    transposed = design.T.tocsr()
    for _ in range(max_iter):
        mu = expit(design @ w)
        grad = transposed @ (mu - y) + lam * w
        if np.abs(grad).max() < tol * n:
            break
        hessian = (transposed @ design.multiply((mu * (1 - mu))[:, None]).tocsc()).toarray()
        hessian[np.diag_indices_from(hessian)] += lam + 1e-12
        try:
            step = scipy.linalg.solve(hessian, grad, assume_a="pos", check_finite=False)
        except (np.linalg.LinAlgError, ValueError):  # an unpenalised flat direction: least squares
            step = scipy.linalg.lstsq(hessian, grad)[0]
        t, slope = 1.0, float(grad @ step)
        while True:  # Armijo step halving: Newton's full step can overshoot far from the optimum
            trial = w - t * step
            new = _objective(design, y, lam, trial)
            if new <= value - 1e-4 * t * slope or t < 1e-10:
                break
            t /= 2
        w, value = trial, new
    coef = np.zeros(X.shape[1])
    coef[active] = w[1:]
    return float(w[0]), coef


def log_loss(X: sp.spmatrix | np.ndarray, y: np.ndarray, intercept: float, coef: np.ndarray) -> float:
    """Total log loss of the model on ``X``, ``y``."""
    eta = intercept + X @ coef
    return float(np.sum(np.logaddexp(0.0, eta) - np.asarray(y, float) * eta))


def folds(y: np.ndarray, k: int = 5, shuffle: bool = False) -> list[tuple[np.ndarray, np.ndarray]]:
    """Stratified (fit rows, test rows): in row order (blocks of time when the rows are in time
    order, as the holdout is later in time) or, ``shuffle``, seeded random folds (as the holdout is
    a random split when there are no dates)."""
    from sklearn.model_selection import StratifiedKFold

    splitter = StratifiedKFold(k, shuffle=True, random_state=0) if shuffle else StratifiedKFold(k)
    return list(splitter.split(np.zeros(len(y)), y))


def choose_attribute_C(
    X: sp.spmatrix | np.ndarray,
    y: np.ndarray,
    is_criterion: np.ndarray,
    C: float,
    k: int = 5,
    shuffle: bool = False,
) -> float:
    """The attribute strength in ``C_GRID`` cross-validation chooses (rule flags keep ``C``): see
    :func:`cross_validated_C`."""
    return cross_validated_C(X, y, is_criterion, C, C_GRID, k, shuffle)[0]


def one_standard_error(fold_loss: np.ndarray) -> int:
    """The row of ``fold_loss`` (candidates by rows, simplest first; held-out loss per fold by
    columns) to choose: the simplest candidate whose total loss exceeds the best total by no more
    than one standard error of its fold-wise difference from the best (the standard error of a sum
    of ``k`` fold differences: ``sqrt(k)`` times their standard deviation)."""
    fold_loss = np.asarray(fold_loss, float)
    best = int(np.argmin(fold_loss.sum(axis=1)))
    k = fold_loss.shape[1]
    for i in range(best):
        difference = fold_loss[i] - fold_loss[best]
        if difference.sum() <= np.sqrt(k) * np.std(difference, ddof=1):
            return i
    return best


def choose_size_and_C(losses: list[np.ndarray]) -> tuple[int, int]:
    """(which model size, which strength): ``losses`` holds, per model size (simplest first), its
    :func:`cross_validated_losses` (strengths by rows, folds by columns). Sizes are compared at
    their best strengths by the one-standard-error rule; the chosen size's strength by the rule again."""
    at_best = np.array([loss[np.argmin(loss.sum(axis=1))] for loss in losses])
    size = one_standard_error(at_best)
    return size, one_standard_error(losses[size])


def cross_validated_losses(
    X: sp.spmatrix | np.ndarray,
    y: np.ndarray,
    is_criterion: np.ndarray,
    C: float,
    grid: tuple[float, ...] = C_GRID,
    k: int = 5,
    shuffle: bool = False,
) -> np.ndarray | None:
    """The held-out log loss of every attribute strength in ``grid`` (rows) in each of ``k`` folds
    (columns); rule flags keep ``C``. Each fold walks the grid from the strongest penalty,
    warm-starting the next. None with too few of either outcome for ``k`` folds."""
    if min(np.bincount(y, minlength=2)) < k:
        return None
    X = sp.csr_matrix(X)
    loss = np.zeros((len(grid), k))
    for fold, (fit_rows, test_rows) in enumerate(folds(y, k, shuffle)):
        start = None
        for i, attribute_C in enumerate(grid):
            penalty = np.where(is_criterion, 1 / C, 1 / attribute_C)
            intercept, coef = penalised_logistic(X[fit_rows], y[fit_rows], penalty, start, tol=1e-7)
            start = np.r_[intercept, coef]
            loss[i, fold] = log_loss(X[test_rows], y[test_rows], intercept, coef)
    return loss


def cross_validated_C(
    X: sp.spmatrix | np.ndarray,
    y: np.ndarray,
    is_criterion: np.ndarray,
    C: float,
    grid: tuple[float, ...] = C_GRID,
    k: int = 5,
    shuffle: bool = False,
) -> tuple[float, float]:
    """(the attribute strength in ``grid`` (ascending: strongest penalty first) that the
    one-standard-error rule chooses, its cross-validated log loss summed over the folds); with too
    few of either outcome for ``k`` folds, (``C``, nan)."""
    loss = cross_validated_losses(X, y, is_criterion, C, grid, k, shuffle)
    if loss is None:
        return C, float("nan")
    chosen = one_standard_error(loss)
    return grid[chosen], float(loss[chosen].sum())
