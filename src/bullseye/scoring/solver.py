"""The scorecard's penalised logistic regression, on a sparse 0/1 design: Newton's method with
one L2 strength per column (glmnet's penalty factors), warm starts, and the cross-validation that
chooses the attribute strength.

A scorecard's design is one-hot (one column per attribute level, per table cell of a pair, per
rule flag), so each row has a handful of ones among hundreds of columns. The Hessian ``X' W X`` of
such a design costs a sparse product, not a dense one, and Newton reaches the exact optimum in a few
steps; warm starts along a path of strengths (or of added columns) make cross-validation cheap.
"""

from __future__ import annotations

import numpy as np
import scipy.linalg
import scipy.sparse as sp
from scipy.special import expit

__all__ = ["penalised_logistic", "log_loss", "C_GRID", "choose_attribute_C", "cross_validated_C", "folds"]

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
    """The attribute strength in ``C_GRID`` with the best cross-validated log loss (rule flags keep
    ``C``); each fold walks the grid from the strongest penalty, warm-starting the next."""
    return cross_validated_C(X, y, is_criterion, C, C_GRID, k, shuffle)[0]


def cross_validated_C(
    X: sp.spmatrix | np.ndarray,
    y: np.ndarray,
    is_criterion: np.ndarray,
    C: float,
    grid: tuple[float, ...] = C_GRID,
    k: int = 5,
    shuffle: bool = False,
) -> tuple[float, float]:
    """(the attribute strength in ``grid`` with the best cross-validated log loss, that loss summed
    over the folds); with too few of either outcome for ``k`` folds, (``C``, nan)."""
    if min(np.bincount(y, minlength=2)) < k:
        return C, float("nan")
    X = sp.csr_matrix(X)
    loss = np.zeros(len(grid))
    for fit_rows, test_rows in folds(y, k, shuffle):
        start = None
        for i, attribute_C in enumerate(grid):
            penalty = np.where(is_criterion, 1 / C, 1 / attribute_C)
            intercept, coef = penalised_logistic(X[fit_rows], y[fit_rows], penalty, start, tol=1e-7)
            start = np.r_[intercept, coef]
            loss[i] += log_loss(X[test_rows], y[test_rows], intercept, coef)
    best = int(np.argmin(loss))
    return grid[best], float(loss[best])
