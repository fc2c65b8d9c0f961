"""Statistics Bullseye's findings rest on: intervals, tests, multiple-testing control, shrinkage,
power, survival and customer lifetime.

Everything is vectorised over segments and computed from counts and sums, except the survival
curve tests, which take rows. Each function is pinned against an independent implementation in
the tests (scipy, statsmodels, lifelines). One-sided tests take ``direction``: +1 the segment's
rate (or mean) is higher than the rest's, -1 lower, 0 two-sided.
"""

from bullseye.stats.intervals import exact_interval, wilson_interval
from bullseye.stats.multiple import benjamini_hochberg, holm
from bullseye.stats.power import detection_power
from bullseye.stats.shrinkage import ShrunkenRates, fit_beta_prior, shrunken_rate
from bullseye.stats.survival import cox_hazard_ratio, kaplan_meier, logrank_test
from bullseye.stats.tests import (
    binary_p_values,
    hypergeom_tail,
    numeric_p_values,
    rate_ratio_p_values,
)

__all__ = [
    "wilson_interval",
    "exact_interval",
    "binary_p_values",
    "hypergeom_tail",
    "numeric_p_values",
    "rate_ratio_p_values",
    "logrank_test",
    "kaplan_meier",
    "cox_hazard_ratio",
    "holm",
    "benjamini_hochberg",
    "ShrunkenRates",
    "fit_beta_prior",
    "shrunken_rate",
    "detection_power",
]
