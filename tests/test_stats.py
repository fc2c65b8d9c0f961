"""Statistics pinned against independent implementations: statsmodels, scipy and lifelines."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps

from bullseye import stats
from bullseye.discover.encode import encode
from bullseye.discover.engine import search_p_values
from bullseye.discover.kernel import (
    BinaryQuality,
    NumericQuality,
    SurvivalQuality,
    search,
)

statsmodels = pytest.importorskip("statsmodels")
from statsmodels.stats.multitest import multipletests  # noqa: E402
from statsmodels.stats.proportion import proportion_confint  # noqa: E402

K = np.array([0, 1, 5, 17, 40, 99, 100, 3])
N = np.array([10, 10, 20, 50, 80, 100, 100, 1000])


@pytest.mark.parametrize("confidence", [0.9, 0.95, 0.99])
def test_intervals_match_statsmodels(confidence):
    for ours, method in ((stats.wilson_interval, "wilson"), (stats.exact_interval, "beta")):
        low, high = ours(K, N, confidence)
        ref_low, ref_high = proportion_confint(K, N, alpha=1 - confidence, method=method)
        assert np.allclose(low, ref_low, atol=1e-10) and np.allclose(high, ref_high, atol=1e-10)
    assert np.isnan(stats.wilson_interval([0], [0])[0]).all()


def test_binary_p_values_match_fisher_exact():
    cases = [(30, 50, 120, 1000), (2, 40, 300, 1000), (10, 10, 11, 30), (0, 25, 200, 600), (55, 300, 80, 500)]
    for k, n, total_k, total_n in cases:
        table = [[k, n - k], [total_k - k, total_n - n - (total_k - k)]]
        for direction, alternative in ((1, "greater"), (-1, "less"), (0, "two-sided")):
            ours = stats.binary_p_values([k], [n], total_k, total_n, direction)[0]
            theirs = sps.fisher_exact(table, alternative=alternative).pvalue
            if direction:
                assert ours == pytest.approx(theirs, rel=1e-9, abs=1e-300)
            else:  # doubling the smaller tail is at least scipy's two-sided (summed tails) p-value
                assert theirs <= ours + 1e-12


def test_numeric_p_values_match_welch():
    rng = np.random.default_rng(0)
    y = rng.gamma(2.0, 3.0, 2000)
    for share, shift in ((0.1, 0.0), (0.3, 1.0), (0.02, -2.0)):
        inside = rng.random(len(y)) < share
        y_shifted = np.where(inside, y + shift, y)
        a, b = y_shifted[inside], y_shifted[~inside]
        for direction, alternative in ((1, "greater"), (-1, "less"), (0, "two-sided")):
            ours = stats.numeric_p_values(
                [len(a)], [a.sum()], [(a * a).sum()], len(y_shifted), y_shifted.sum(), (y_shifted**2).sum(), direction
            )[0]
            theirs = sps.ttest_ind(a, b, equal_var=False, alternative=alternative).pvalue
            assert ours == pytest.approx(theirs, rel=1e-7)


def test_rate_ratio_p_values_match_binomtest():
    for d, T, D, T_all in ((3, 100.0, 40, 1000.0), (20, 250.5, 60, 900.0), (0, 50.0, 10, 200.0)):
        # +1: fewer events than the exposure share predicts (retains longer), -1: more
        for direction, alternative in ((1, "less"), (-1, "greater")):
            ours = stats.rate_ratio_p_values([d], [T], D, T_all, direction)[0]
            assert ours == pytest.approx(sps.binomtest(d, D, T / T_all, alternative=alternative).pvalue, rel=1e-9)


def survival_data(n=400, seed=1):
    rng = np.random.default_rng(seed)
    group = rng.random(n) < 0.35
    t = np.ceil(rng.exponential(np.where(group, 40, 25)))  # integer days: ties
    censor = np.ceil(rng.uniform(5, 80, n))
    return np.minimum(t, censor), t <= censor, group


def test_logrank_and_kaplan_meier_match_lifelines():
    lifelines = pytest.importorskip("lifelines")
    from lifelines.statistics import logrank_test

    t, e, g = survival_data()
    stat, p = stats.logrank_test(t, e, g)
    ref = logrank_test(t[g], t[~g], e[g], e[~g])
    assert stat == pytest.approx(ref.test_statistic, rel=1e-9) and p == pytest.approx(ref.p_value, rel=1e-7)
    km = stats.kaplan_meier(t, e)
    fitted = lifelines.KaplanMeierFitter().fit(t, e).survival_function_.iloc[:, 0]
    assert np.allclose(km["survival"], fitted.loc[km["time"]].to_numpy(), atol=1e-12)


def test_cox_hazard_ratio_matches_lifelines():
    lifelines = pytest.importorskip("lifelines")
    t, e, g = survival_data(600, seed=2)
    ours = stats.cox_hazard_ratio(t, e, g)
    fit = lifelines.CoxPHFitter().fit(pd.DataFrame({"t": t, "e": e, "g": g.astype(float)}), "t", "e")
    row = fit.summary.loc["g"]
    assert ours["hazard_ratio"] == pytest.approx(row["exp(coef)"], rel=1e-5)
    assert ours["low"] == pytest.approx(row["exp(coef) lower 95%"], rel=1e-5)
    assert ours["high"] == pytest.approx(row["exp(coef) upper 95%"], rel=1e-5)
    assert ours["p_value"] == pytest.approx(row["p"], rel=1e-4)
    assert ours["hazard_ratio"] < 1  # the group lives longer


def test_multiple_testing_matches_statsmodels():
    rng = np.random.default_rng(3)
    p = np.concatenate([rng.uniform(size=200), rng.uniform(0, 1e-4, 10), [0.5, 0.5]])
    assert np.allclose(stats.holm(p), multipletests(p, method="holm")[1])
    assert np.allclose(stats.benjamini_hochberg(p), multipletests(p, method="fdr_bh")[1])
    # hypotheses evaluated but not stored count as p = 1
    padded = np.concatenate([p, np.ones(500)])
    assert np.allclose(stats.holm(p, n_tests=len(padded)), multipletests(padded, method="holm")[1][: len(p)])
    assert np.allclose(
        stats.benjamini_hochberg(p, n_tests=len(padded)), multipletests(padded, method="fdr_bh")[1][: len(p)]
    )
    with pytest.raises(ValueError, match="smaller"):
        stats.holm(p, n_tests=3)


def test_shrunken_rate_posterior_and_pooling():
    k, n = np.array([2, 20, 200]), np.array([5, 50, 500])  # the same observed rate, 40%
    est = stats.shrunken_rate(k, n, prior=(0.2, 30.0))
    a, b = 0.2 * 30, 0.8 * 30
    assert np.allclose(est.mean, sps.beta(a + k, b + n - k).mean())
    assert np.allclose(est.low, sps.beta(a + k, b + n - k).ppf(0.025))
    assert np.allclose(est.high, sps.beta(a + k, b + n - k).ppf(0.975))
    pulled = 0.4 - est.mean
    assert pulled[0] > pulled[1] > pulled[2] > 0  # small groups shrink more
    mean, low, high = est  # iterable, as the engine reads it
    assert (low < mean).all() and (mean < high).all()
    # fitted by maximum likelihood: recovers the prior that generated the groups
    rng = np.random.default_rng(4)
    rates = rng.beta(6, 24, 400)
    sizes = rng.integers(20, 200, 400)
    wins = rng.binomial(sizes, rates)
    alpha, beta = stats.fit_beta_prior(wins, sizes)
    assert alpha / (alpha + beta) == pytest.approx(0.2, abs=0.02)
    assert 15 < alpha + beta < 60
    loglik = sps.betabinom.logpmf(wins, sizes, alpha, beta).sum()
    assert loglik >= sps.betabinom.logpmf(wins, sizes, 6, 24).sum()


def test_detection_power_matches_a_simulation():
    rng = np.random.default_rng(5)
    n, base, share, lift, n_tests = 400, 0.2, 0.2, 1.8, 50
    exact = stats.detection_power(n, base, share, lift, alpha=0.05, n_tests=n_tests)
    n_seg = round(share * n)
    p_seg, p_rest = lift * base, (base - share * lift * base) / (1 - share)
    sims = 4000
    ks, kr = rng.binomial(n_seg, p_seg, sims), rng.binomial(n - n_seg, p_rest, sims)
    simulated = np.mean(stats.binary_p_values(ks, n_seg, ks + kr, n, 1) <= 0.05 / n_tests)
    assert exact == pytest.approx(simulated, abs=4 * np.sqrt(exact * (1 - exact) / sims) + 1e-3)
    assert 0.05 < exact < 0.95
    assert stats.detection_power(4000, base, share, lift, n_tests=n_tests) > exact  # more data, more power
    with pytest.raises(ValueError):
        stats.detection_power(100, 0.6, share=0.2, lift=2.0)


def test_search_p_values_and_permutations():
    rng = np.random.default_rng(6)
    n = 600
    frame = pd.DataFrame({"a": rng.choice(list("pqr"), n), "b": rng.choice(list("xyz"), n), "c": rng.normal(size=n)})
    p = ((frame["a"] == "p") & (frame["b"] == "x")).to_numpy()
    won = (rng.random(n) < np.where(p, 0.7, 0.25)).astype(int)
    encoded = encode(frame)
    result = search(encoded, BinaryQuality(), won, max_depth=2, min_support=10, top_k=5)
    pv = search_p_values(result)
    assert np.allclose(pv, stats.binary_p_values(result.stats["positives"], result.n, won.sum(), n, 1))
    value = rng.normal(size=n) + p
    numeric = search(encoded, NumericQuality(direction=-1), value, max_depth=1, min_support=10)
    s = numeric.stats
    assert np.allclose(
        search_p_values(numeric),
        stats.numeric_p_values(numeric.n, s["sum"], s["sumsq"], n, value.sum(), (value**2).sum(), -1),
    )
    duration, event = rng.exponential(10, n) + 0.1, rng.random(n) < 0.6
    survival = search(encoded, SurvivalQuality(), (duration, event), max_depth=1, min_support=10)
    s = survival.stats
    assert np.allclose(
        search_p_values(survival), stats.rate_ratio_p_values(s["events"], s["exposure"], event.sum(), duration.sum(), 1)
    )


def test_hypergeom_tail_is_exact_on_small_cells_and_close_on_large_ones():
    from scipy import stats as sps

    from bullseye.stats.tests import EXACT_BELOW, hypergeom_tail

    # Small cells: the exact tail (and mid-p) to the last digit.
    assert hypergeom_tail(12, 30, 60, 200, 1) == pytest.approx(sps.hypergeom.sf(11, 200, 60, 30), rel=1e-12)
    mid = sps.hypergeom.sf(12, 200, 60, 30) + 0.5 * sps.hypergeom.pmf(12, 200, 60, 30)
    assert hypergeom_tail(12, 30, 60, 200, 1, mid=True) == pytest.approx(mid, rel=1e-12)
    assert hypergeom_tail(5, 30, 60, 200, -1) == pytest.approx(sps.hypergeom.cdf(5, 200, 60, 30), rel=1e-12)
    # Large cells: the normal approximation stays within 10% of the exact tail down to p = 1e-4.
    N, K, n = 8000, 2400, 1600
    assert min(n * K / N, n * (N - K) / N, (N - n) * K / N) >= EXACT_BELOW
    ks = np.arange(480, 560, 5)
    exact = sps.hypergeom.sf(ks - 1, N, K, n)
    approx = hypergeom_tail(ks, n, K, N, 1)
    kept = exact > 1e-4
    assert kept.sum() >= 8
    assert np.allclose(approx[kept], exact[kept], rtol=0.10)
