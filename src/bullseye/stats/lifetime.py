"""Customer lifetime: the shifted-beta-geometric (sBG) model of contract renewals, and LTV.

Fader & Hardie (2007), "How to project customer retention": at the end of every contract period
a customer churns with its own probability theta, constant over time, and theta varies across
customers as Beta(alpha, beta). The mix makes the retention rate of a cohort rise with tenure (the
churn-prone leave first). With ``T`` the period in which a customer churns (T >= 1)::

    P(T = t) = B(alpha + 1, beta + t - 1) / B(alpha, beta)
    S(t) = P(T > t) = B(alpha, beta + t) / B(alpha, beta)

Customers still active are right-censored (T > periods survived); customers first seen after they
had already survived ``e`` periods are left-truncated (the likelihood is conditional on T > e).

The expected lifetime is **discounted** (by default 10% a year): the expected number of periods
paid, the first one certain, each worth ``1 / (1 + d)^t`` (Fader & Hardie's "discounted expected
lifetime", 2F1(1, beta; alpha + beta; 1 / (1 + d))), reported in years. It can also be truncated
at a horizon; undiscounted and untruncated it is infinite whenever alpha <= 1.

Example::

    sbg = ShiftedBetaGeometric(periods_per_year=12).fit(months, churned)
    print(sbg.summary)
    value = ltv(0.8, annual_revenue=24_000, lifetime=sbg)   # Estimate(value, low, high)
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import betaln, digamma, hyp2f1, zeta

from bullseye.artefact import register
from bullseye.errors import InvalidInputError, NotEnoughDataError

__all__ = ["ShiftedBetaGeometric", "Estimate", "ltv", "sbg_log_likelihood", "CAP_SHARE"]

#: An expected lifetime this close to the model's cap (a customer who never churns) is shown as capped.
CAP_SHARE = 0.95
_BOUNDS = (-9.0, 9.0)  # log alpha and log beta; beyond these the model is a plain geometric


@register
@dataclass(frozen=True)
class Estimate:
    """A value with its interval (``confidence`` level, 0.95 by default)."""

    value: float
    low: float
    high: float

    def to_dict(self) -> dict[str, float | None]:
        return {
            k: (None if not math.isfinite(v) else float(v))
            for k, v in (("value", self.value), ("low", self.low), ("high", self.high))
        }

    def format(self, digits: int = 1) -> str:
        if not math.isfinite(self.value):
            return "–"
        return f"{self.value:,.{digits}f} ({self.low:,.{digits}f}-{self.high:,.{digits}f})"


def sbg_log_likelihood(
    alpha: float, beta: float, periods: Any, churned: Any, entry: Any = None, weights: Any = None
) -> float:
    """Log-likelihood of the sBG model: churned customers at their churn period, active ones
    censored after ``periods``, both conditional on having survived ``entry`` periods."""
    t = np.asarray(periods, dtype=float)
    d = np.asarray(churned, dtype=bool)
    e = np.zeros_like(t) if entry is None else np.asarray(entry, dtype=float)
    w = np.ones_like(t) if weights is None else np.asarray(weights, dtype=float)
    base = betaln(alpha, beta)
    term = np.where(d, betaln(alpha + 1, beta + t - 1), betaln(alpha, beta + t)) - base
    truncation = np.where(e > 0, betaln(alpha, beta + e) - base, 0.0)
    return float(np.sum(w * (term - truncation)))


class _Terms:
    """The terms of the log-likelihood of a set of cells (t, churned, entry): log L = sum w
    [betaln(a+i, b+j) - betaln(a, b)], one term per cell and one more (negative) per left-truncated
    cell, whose likelihood is conditional on T > entry.

    i is 0 or 1 and j a whole number of periods, so a few dozen distinct arguments serve hundreds
    of terms: the special functions are evaluated once per distinct argument and spread back, the
    same numbers as term by term (the same function of the same float) in a fraction of the time.
    The distinct arguments are found once per fit; ``weighted`` picks the terms of one set of cell
    counts (cells with no customers have no terms), in the order the terms always had."""

    def __init__(self, cells: np.ndarray) -> None:
        t, d, e = cells.T
        d = d.astype(bool)
        self.cut = e > 0
        self.i = np.concatenate([np.where(d, 1.0, 0.0), np.zeros(self.cut.sum())])
        self.j = np.concatenate([np.where(d, t - 1, t), e[self.cut]])
        self.ui, self.at_i = np.unique(self.i, return_inverse=True)
        self.uj, self.at_j = np.unique(self.j, return_inverse=True)
        pairs, self.at_pair = np.unique(np.column_stack([self.i, self.j]), axis=0, return_inverse=True)
        self.pair_i, self.pair_j = pairs[:, 0], pairs[:, 1]
        self.at_i, self.at_j, self.at_pair = (np.ravel(v) for v in (self.at_i, self.at_j, self.at_pair))
        self.w = np.zeros(0)

    def weighted(self, weights: np.ndarray) -> _Terms:
        keep = weights > 0
        w = weights[keep]
        picked = np.concatenate([keep, keep[self.cut]])
        terms = object.__new__(_Terms)
        terms.__dict__.update(self.__dict__)
        terms.i, terms.j = self.i[picked], self.j[picked]
        terms.at_i, terms.at_j, terms.at_pair = self.at_i[picked], self.at_j[picked], self.at_pair[picked]
        terms.w = np.concatenate([w, -w[self.cut[keep]]])
        return terms


def _sbg_terms(x: np.ndarray, terms: _Terms) -> tuple[float, np.ndarray, np.ndarray]:
    """Sum of w [betaln(a+i, b+j) - betaln(a, b)] with its gradient and Hessian in (log a, log b)."""
    a, b = math.exp(x[0]), math.exp(x[1])
    w = terms.w
    ai, bj = a + terms.ui, b + terms.uj
    abij = a + b + terms.pair_i + terms.pair_j  # evaluated as ((a + b) + i) + j, as term by term
    psi_a, psi_b, psi_t = digamma(ai)[terms.at_i], digamma(bj)[terms.at_j], digamma(abij)[terms.at_pair]
    tri_a, tri_b, tri_t = zeta(2, ai)[terms.at_i], zeta(2, bj)[terms.at_j], zeta(2, abij)[terms.at_pair]
    pa, pb, pab = digamma([a, b, a + b])
    ta, tb, tab = zeta(2, np.array([a, b, a + b]))  # trigamma(x) = zeta(2, x)
    total = w.sum()
    value = float(w @ (betaln(a + terms.pair_i, b + terms.pair_j)[terms.at_pair] - betaln(a, b)))
    ga = w @ (psi_a - psi_t) - total * (pa - pab)
    gb = w @ (psi_b - psi_t) - total * (pb - pab)
    haa = w @ (tri_a - tri_t) - total * (ta - tab)
    hbb = w @ (tri_b - tri_t) - total * (tb - tab)
    hab = -(w @ tri_t) + total * tab
    grad = np.array([a * ga, b * gb])
    hess = np.array([[a * ga + a * a * haa, a * b * hab], [a * b * hab, b * gb + b * b * hbb]])
    return value, grad, hess


@register
class ShiftedBetaGeometric:
    """The sBG lifetime model, following lifelines conventions.

    Settings: ``periods_per_year`` (12 for monthly contracts or months of tenure, 1 for annual
    ones), ``annual_discount`` (the rate lifetimes are discounted at), ``horizon_years`` (truncate
    lifetimes there; None: no truncation), ``confidence``, ``n_bootstrap`` and ``random_state``
    (an int seed or a ``numpy.random.Generator``) for the intervals.

    Learned: ``alpha_``, ``beta_``, ``log_likelihood_``, ``n_customers_``, ``n_churned_``,
    ``bootstrap_`` (an array of (alpha, beta) refits on resampled customers), ``alpha_interval_``
    and ``beta_interval_`` (bootstrap percentile intervals).
    """

    def __init__(
        self,
        periods_per_year: float = 1.0,
        annual_discount: float = 0.10,
        horizon_years: float | None = None,
        confidence: float = 0.95,
        n_bootstrap: int = 200,
        random_state: int | np.random.Generator = 0,
    ) -> None:
        self.periods_per_year, self.annual_discount, self.horizon_years = (
            periods_per_year,
            annual_discount,
            horizon_years,
        )
        self.confidence, self.n_bootstrap, self.random_state = confidence, n_bootstrap, random_state

    # -- fitting ------------------------------------------------------------------------------
    def fit(self, periods: Any, churned: Any, entry: Any = None) -> ShiftedBetaGeometric:
        """``periods``: for a churned customer the period it churned in (1 = during the first);
        for an active one the periods it has completed. ``entry``: periods already survived when
        it came under observation (left truncation; default 0)."""
        t = np.asarray(periods, dtype=float)
        d = np.asarray(churned).astype(bool)
        e = np.zeros_like(t) if entry is None else np.asarray(entry, dtype=float)
        if len(t) == 0:
            raise NotEnoughDataError("no customers to fit a lifetime on")
        if np.any(t < 0) or np.any(d & (t < 1)) or np.any(e > t) or np.any(d & (e >= t)):
            raise InvalidInputError("periods must be >= 1 for churned customers, >= 0 otherwise, and after entry")
        cells, counts = np.unique(np.column_stack([t, d, e]), axis=0, return_counts=True)
        self.n_customers_, self.n_churned_ = int(len(t)), int(d.sum())
        terms = _Terms(cells)
        start = self._mle(terms, counts, None)
        self.alpha_, self.beta_ = np.exp(start)
        periods, churned_at, entered = cells.T
        self.log_likelihood_ = sbg_log_likelihood(self.alpha_, self.beta_, periods, churned_at, entered, weights=counts)
        rng = (
            self.random_state
            if isinstance(self.random_state, np.random.Generator)
            else np.random.default_rng(self.random_state)
        )
        draws = rng.multinomial(len(t), counts / len(t), size=self.n_bootstrap)
        self.bootstrap_ = (
            np.exp(np.array([self._mle(terms, w, start) for w in draws])) if self.n_bootstrap else np.empty((0, 2))
        )
        self.alpha_interval_ = self._interval(self.bootstrap_[:, 0])
        self.beta_interval_ = self._interval(self.bootstrap_[:, 1])
        return self

    @staticmethod
    def _mle(terms: _Terms, weights: np.ndarray, start: np.ndarray | None) -> np.ndarray:
        """Maximum likelihood in (log alpha, log beta) by damped Newton steps (analytic gradient
        and Hessian); bounded, so a cohort without heterogeneity ends at the geometric limit."""
        terms = terms.weighted(weights)
        x = np.array([0.0, 0.0]) if start is None else np.asarray(start, dtype=float)
        value, grad, hess = _sbg_terms(x, terms)
        damping = 1e-3
        for _ in range(100):
            step = np.linalg.solve(-hess + damping * np.eye(2), grad)
            new = np.clip(x + step, *_BOUNDS)
            new_value, new_grad, new_hess = _sbg_terms(new, terms)
            if new_value >= value - 1e-12:
                # flat enough: at the optimum, or creeping along the ridge to the geometric limit
                done = new_value - value < 1e-10 * max(1.0, abs(value))
                x, value, grad, hess, damping = new, new_value, new_grad, new_hess, max(damping / 10, 1e-9)
                if done:
                    break
            else:
                damping *= 10
                if damping > 1e12:
                    break
        return x

    def _interval(self, values: np.ndarray) -> tuple[float, float]:
        if len(values) == 0:
            return (math.nan, math.nan)
        tail = 100 * (1 - self.confidence) / 2
        low, high = np.percentile(values, [tail, 100 - tail])
        return float(low), float(high)

    # -- the fitted model ---------------------------------------------------------------------
    def _params(self, alpha: float | None, beta: float | None) -> tuple[float, float]:
        if (alpha is None or beta is None) and not hasattr(self, "alpha_"):
            raise InvalidInputError("fit the lifetime model first")
        return (self.alpha_ if alpha is None else alpha, self.beta_ if beta is None else beta)

    def survival(self, t: Any, alpha: float | None = None, beta: float | None = None) -> np.ndarray:
        """S(t): the share of a new cohort still a customer after ``t`` periods."""
        a, b = self._params(alpha, beta)
        t = np.asarray(t, dtype=float)
        return np.exp(betaln(a, b + t) - betaln(a, b))

    def churn_probability(self, t: Any) -> np.ndarray:
        """P(T = t): the share of a new cohort that churns in period ``t`` (t >= 1)."""
        a, b = self._params(None, None)
        t = np.asarray(t, dtype=float)
        return np.exp(betaln(a + 1, b + t - 1) - betaln(a, b))

    def retention_rate(self, t: Any) -> np.ndarray:
        """r(t) = S(t) / S(t - 1) = (beta + t - 1) / (alpha + beta + t - 1): renewal rate at period t."""
        a, b = self._params(None, None)
        t = np.asarray(t, dtype=float)
        return (b + t - 1) / (a + b + t - 1)

    def expected_lifetime(self, alpha: float | None = None, beta: float | None = None) -> float:
        """The discounted (and, with ``horizon_years``, truncated) expected lifetime in years."""
        a, b = self._params(alpha, beta)
        per_period = (1 + self.annual_discount) ** (1 / self.periods_per_year) - 1
        delta = 1 / (1 + per_period)
        if self.horizon_years is None:
            if delta >= 1 and a <= 1:
                return math.inf
            if delta >= 1:
                return (a + b - 1) / (a - 1) / self.periods_per_year
            return float(hyp2f1(1.0, b, a + b, delta)) / self.periods_per_year
        periods = np.arange(int(math.ceil(self.horizon_years * self.periods_per_year)))
        return float(np.sum(self.survival(periods, a, b) * delta**periods)) / self.periods_per_year

    def lifetime_cap(self) -> float:
        """The largest expected lifetime the model can give (years): that of a customer who never
        churns, discounted (and truncated at ``horizon_years``). Infinite without either."""
        per_period = (1 + self.annual_discount) ** (1 / self.periods_per_year) - 1
        if self.horizon_years is not None:
            periods = np.arange(int(math.ceil(self.horizon_years * self.periods_per_year)))
            return float(np.sum((1 / (1 + per_period)) ** periods)) / self.periods_per_year
        return math.inf if per_period <= 0 else (1 + per_period) / per_period / self.periods_per_year

    def at_cap(self, years: float) -> bool:
        """Whether an expected lifetime is at the cap (within ``CAP_SHARE`` of it): the data show too
        little churn to tell it from a customer who never leaves, so it is a lower bound, not a value."""
        return bool(math.isfinite(years) and years >= CAP_SHARE * self.lifetime_cap())

    def expected_lifetime_samples(self) -> np.ndarray:
        """The expected lifetime (years) under every bootstrap refit."""
        return np.array([self.expected_lifetime(a, b) for a, b in self.bootstrap_])

    def lifetime_estimate(self) -> Estimate:
        """The expected lifetime in years with its bootstrap interval."""
        low, high = self._interval(self.expected_lifetime_samples())
        return Estimate(self.expected_lifetime(), low, high)

    @property
    def summary(self) -> pd.DataFrame:
        """alpha, beta and the expected lifetime with their intervals."""
        life = self.lifetime_estimate()
        rows = [
            ("alpha", self.alpha_, *self.alpha_interval_),
            ("beta", self.beta_, *self.beta_interval_),
            ("expected lifetime (years)", life.value, life.low, life.high),
        ]
        return pd.DataFrame(rows, columns=["parameter", "estimate", "low", "high"]).set_index("parameter")


def ltv(
    margin: float, annual_revenue: Any, lifetime: ShiftedBetaGeometric, random_state: int | np.random.Generator = 0
) -> Estimate:
    """Lifetime value = margin x annual revenue x expected (discounted) lifetime in years.

    ``annual_revenue`` is a number, or the revenues of individual customers or deals (their mean
    is used, and resampled with the lifetime's bootstrap so the interval carries both
    uncertainties). ``margin`` is the gross margin as a fraction (1.0: revenue LTV).
    """
    revenue = np.asarray(annual_revenue, dtype=float).ravel()
    revenue = revenue[np.isfinite(revenue)]
    if len(revenue) == 0:
        return Estimate(math.nan, math.nan, math.nan)
    value = margin * float(revenue.mean()) * lifetime.expected_lifetime()
    lives = lifetime.expected_lifetime_samples()
    if len(lives) == 0:
        return Estimate(value, math.nan, math.nan)
    if len(revenue) > 1:
        rng = random_state if isinstance(random_state, np.random.Generator) else np.random.default_rng(random_state)
        means = revenue[rng.integers(0, len(revenue), size=(len(lives), len(revenue)))].mean(axis=1)
    else:
        means = np.full(len(lives), revenue[0])
    low, high = lifetime._interval(margin * means * lives)
    return Estimate(value, low, high)
