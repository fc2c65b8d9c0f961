"""The shifted-beta-geometric lifetime model: pinned against Fader & Hardie's published example, an
independent likelihood (their recursion), planted truth in simulated cohorts, and closed forms."""

from __future__ import annotations

import math

import numpy as np
import pytest

from bullseye.errors import BullseyeError
from bullseye.stats.lifetime import (
    Estimate,
    ShiftedBetaGeometric,
    ltv,
    sbg_log_likelihood,
)

# Fader & Hardie (2007), "How to project customer retention", Journal of Interactive Marketing
# 21(1): customers still active at the start of years 0..7 of two cohorts of 1,000, and the
# maximum-likelihood estimates the paper reports for them.
REGULAR = [1000, 631, 468, 382, 326, 289, 262, 241]
HIGH_END = [1000, 869, 743, 653, 593, 551, 517, 491]


def _cohort(survivors: list[int]) -> tuple[np.ndarray, np.ndarray]:
    alive = np.asarray(survivors)
    lost = -np.diff(alive)
    periods = np.concatenate([np.repeat(np.arange(1, len(alive)), lost), np.full(alive[-1], len(alive) - 1)])
    churned = np.concatenate([np.ones(lost.sum(), bool), np.zeros(alive[-1], bool)])
    return periods, churned


def _recursion_log_likelihood(alpha, beta, periods, churned, entry):
    """Fader & Hardie's recursion, written independently of the module: P(T=1) = a / (a + b),
    P(T=t) = (b + t - 2) / (a + b + t - 1) P(T=t-1), S(t) = 1 - sum P."""
    top = int(max(periods.max(), entry.max())) + 1
    p = np.zeros(top + 1)
    p[1] = alpha / (alpha + beta)
    for t in range(2, top + 1):
        p[t] = (beta + t - 2) / (alpha + beta + t - 1) * p[t - 1]
    survival = 1 - np.cumsum(p)
    total = 0.0
    for t, d, e in zip(periods.astype(int), churned, entry.astype(int)):
        total += math.log(p[t] if d else survival[t]) - math.log(survival[e])
    return total


def _simulate(alpha, beta, n, rng, max_follow_up=12, truncate=False):
    theta = rng.beta(alpha, beta, n)
    lifetime = rng.geometric(theta)  # the period of churn, >= 1
    entry = rng.integers(0, 6, n) if truncate else np.zeros(n, dtype=int)
    seen = lifetime > entry  # left truncation: only customers still there when observation starts
    end = entry + rng.integers(1, max_follow_up + 1, n)
    churned = lifetime <= end
    periods = np.where(churned, lifetime, end)
    return periods[seen], churned[seen], entry[seen]


@pytest.mark.parametrize(("survivors", "alpha", "beta"), [(REGULAR, 0.704, 1.182), (HIGH_END, 0.668, 3.806)])
def test_reproduces_fader_and_hardie(survivors, alpha, beta):
    model = ShiftedBetaGeometric(n_bootstrap=50).fit(*_cohort(survivors))
    assert model.alpha_ == pytest.approx(alpha, abs=6e-4)
    assert model.beta_ == pytest.approx(beta, abs=6e-4)
    assert model.alpha_interval_[0] < alpha < model.alpha_interval_[1]
    # the retention curve they draw: r(t) = (b + t - 1) / (a + b + t - 1), rising with tenure
    rates = model.retention_rate(np.arange(1, 8))
    assert np.all(np.diff(rates) > 0)


def test_log_likelihood_matches_the_recursion():
    rng = np.random.default_rng(3)
    periods, churned, entry = _simulate(0.9, 2.5, 400, rng, truncate=True)
    for alpha, beta in ((0.5, 1.0), (0.9, 2.5), (3.0, 7.0)):
        expected = _recursion_log_likelihood(alpha, beta, periods, churned, entry)
        assert sbg_log_likelihood(alpha, beta, periods, churned, entry) == pytest.approx(expected, rel=1e-10)
    model = ShiftedBetaGeometric(n_bootstrap=0).fit(periods, churned, entry)
    best = _recursion_log_likelihood(model.alpha_, model.beta_, periods, churned, entry)
    for da, db in ((0.02, 0), (-0.02, 0), (0, 0.05), (0, -0.05)):  # the fit is the maximum
        assert _recursion_log_likelihood(model.alpha_ + da, model.beta_ + db, periods, churned, entry) < best


@pytest.mark.parametrize(("alpha", "beta", "truncate"), [(0.7, 1.2, False), (1.5, 6.0, True)])
def test_recovers_planted_parameters_within_their_intervals(alpha, beta, truncate):
    periods, churned, entry = _simulate(alpha, beta, 4000, np.random.default_rng(11), truncate=truncate)
    model = ShiftedBetaGeometric(n_bootstrap=200, random_state=np.random.default_rng(5)).fit(periods, churned, entry)
    assert model.alpha_interval_[0] < alpha < model.alpha_interval_[1]
    assert model.beta_interval_[0] < beta < model.beta_interval_[1]
    life = model.lifetime_estimate()
    assert life.low < ShiftedBetaGeometric().expected_lifetime(alpha, beta) < life.high
    # the same seed gives the same intervals
    again = ShiftedBetaGeometric(n_bootstrap=200, random_state=np.random.default_rng(5)).fit(periods, churned, entry)
    assert again.alpha_interval_ == model.alpha_interval_


def test_expected_lifetime_closed_forms_and_truncation():
    model = ShiftedBetaGeometric(n_bootstrap=0).fit(*_cohort(REGULAR))
    a, b = model.alpha_, model.beta_
    t = np.arange(5000)
    survival = np.exp(np.cumsum(np.log(np.r_[1.0, (b + t[1:] - 1) / (a + b + t[1:] - 1)])))  # S(t) by recursion
    discounted = np.sum(survival * (1 / 1.1) ** t)
    assert model.expected_lifetime() == pytest.approx(discounted, rel=1e-9)
    assert ShiftedBetaGeometric(horizon_years=5).fit(*_cohort(REGULAR)).expected_lifetime() == pytest.approx(
        np.sum(survival[:5] * (1 / 1.1) ** t[:5]), rel=1e-9
    )
    # alpha <= 1: the undiscounted, untruncated lifetime is infinite; above 1 it is (a + b - 1) / (a - 1)
    assert ShiftedBetaGeometric(annual_discount=0).fit(*_cohort(REGULAR)).expected_lifetime() == math.inf
    assert ShiftedBetaGeometric(annual_discount=0).expected_lifetime(3.0, 4.0) == pytest.approx((3 + 4 - 1) / (3 - 1))
    # monthly periods: the same cohort read in months lives 12 times fewer years, discounted monthly
    monthly = ShiftedBetaGeometric(periods_per_year=12, annual_discount=0, horizon_years=1, n_bootstrap=0)
    monthly.fit(*_cohort(REGULAR))
    assert monthly.expected_lifetime() == pytest.approx(np.sum(survival[:12]) / 12, rel=1e-9)


def test_ltv_carries_both_uncertainties_and_is_deterministic():
    periods, churned, _ = _simulate(0.8, 2.0, 1500, np.random.default_rng(2))
    model = ShiftedBetaGeometric(periods_per_year=12).fit(periods, churned)
    years = model.expected_lifetime()
    fixed = ltv(0.8, 12_000, model)
    assert fixed.value == pytest.approx(0.8 * 12_000 * years)
    assert fixed.low < fixed.value < fixed.high
    revenues = np.random.default_rng(4).lognormal(np.log(12_000), 0.8, 60)
    spread = ltv(0.8, revenues, model, random_state=1)
    assert spread.value == pytest.approx(0.8 * revenues.mean() * years)
    assert spread.high - spread.low > fixed.high - fixed.low
    assert ltv(0.8, revenues, model, random_state=1) == spread
    assert math.isnan(ltv(0.8, [], model).value)
    assert Estimate(1.0, 0.5, 2.0).to_dict() == {"value": 1.0, "low": 0.5, "high": 2.0}


def test_bad_input_is_one_clear_error():
    with pytest.raises(BullseyeError, match="no customers"):
        ShiftedBetaGeometric().fit([], [])
    with pytest.raises(BullseyeError, match="periods must be"):
        ShiftedBetaGeometric().fit([0], [True])
    with pytest.raises(BullseyeError, match="fit the lifetime model first"):
        ShiftedBetaGeometric().survival(3)


def test_a_cohort_without_churn_is_at_the_cap_and_a_churning_one_is_not():
    # the cap is a customer who never churns, discounted: sum over months of (1 + d)^(-t/12)
    model = ShiftedBetaGeometric(periods_per_year=12, n_bootstrap=20)
    per_month = 1.10 ** (1 / 12) - 1
    assert model.lifetime_cap() == pytest.approx(sum((1 + per_month) ** -t for t in range(20_000)) / 12, rel=1e-9)
    kept = model.fit(np.full(300, 24), np.zeros(300, bool))  # nobody left in two years
    assert kept.at_cap(kept.expected_lifetime())
    periods, churned = _cohort(REGULAR)
    annual = ShiftedBetaGeometric(periods_per_year=1, n_bootstrap=20).fit(periods, churned)
    assert not annual.at_cap(annual.expected_lifetime())
    truncated = ShiftedBetaGeometric(periods_per_year=1, horizon_years=5)
    assert truncated.lifetime_cap() == pytest.approx(sum(1.1**-t for t in range(5)))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_likelihood_terms_spread_from_distinct_arguments_match_the_direct_sums(seed):
    """The fit evaluates digamma, trigamma and betaln once per distinct argument; value, gradient
    and Hessian must be those of the log-likelihood summed term by term (and by finite differences)."""
    from bullseye.stats.lifetime import _sbg_terms, _Terms

    rng = np.random.default_rng(seed)
    n = 400
    periods = rng.integers(1, 40, n).astype(float)
    churned = rng.random(n) < 0.4
    entry = np.where(rng.random(n) < 0.3, np.floor(rng.random(n) * (periods - churned)), 0.0)
    cells, counts = np.unique(np.column_stack([periods, churned, entry]), axis=0, return_counts=True)
    counts = counts * (rng.random(len(counts)) < 0.8)  # a bootstrap-like draw leaves some cells empty
    terms = _Terms(cells).weighted(counts.astype(float))
    x = np.log(rng.uniform(0.3, 5.0, 2))

    def direct(point):
        t, d, e = cells.T
        return sbg_log_likelihood(*np.exp(point), t, d, e, weights=counts)

    value, grad, hess = _sbg_terms(x, terms)
    assert value == pytest.approx(direct(x), rel=1e-12)
    h = 1e-5
    unit = np.eye(2) * h
    numeric = np.array([(direct(x + u) - direct(x - u)) / (2 * h) for u in unit])
    np.testing.assert_allclose(grad, numeric, rtol=1e-6, atol=1e-6)
    numeric_hess = np.array([(_sbg_terms(x + u, terms)[1] - _sbg_terms(x - u, terms)[1]) / (2 * h) for u in unit])
    np.testing.assert_allclose(hess, numeric_hess, rtol=1e-5, atol=1e-5)
