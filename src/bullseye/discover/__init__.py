"""Segment discovery: attributes encoded as selectors, a conjunction search over them, and the
statistics that say how far to trust what it finds.

- ``encode``: attributes to selectors with packed row bitsets and atom partitions.
- ``kernel``: the search (binary, numeric and survival targets) and the redundancy filter.
- ``stats``: intervals, exact tests, multiple-testing control, shrinkage, power, evidence words.
"""

from bullseye.discover.encode import EncodedAttributes, Partition, Selector, encode
from bullseye.discover.kernel import (
    BinaryQuality,
    NumericQuality,
    QualityFunction,
    SearchResult,
    SurvivalQuality,
    filter_redundant,
    search,
)
from bullseye.discover.stats import (
    ShrunkenRates,
    benjamini_hochberg,
    binary_p_values,
    cox_hazard_ratio,
    detection_power,
    exact_interval,
    fit_beta_prior,
    holm,
    kaplan_meier,
    logrank_test,
    numeric_p_values,
    rate_ratio_p_values,
    search_p_values,
    shrunken_rate,
    wilson_interval,
)

__all__ = [
    "EncodedAttributes",
    "Partition",
    "Selector",
    "encode",
    "BinaryQuality",
    "NumericQuality",
    "QualityFunction",
    "SearchResult",
    "SurvivalQuality",
    "filter_redundant",
    "search",
    "ShrunkenRates",
    "benjamini_hochberg",
    "binary_p_values",
    "cox_hazard_ratio",
    "detection_power",
    "exact_interval",
    "fit_beta_prior",
    "holm",
    "kaplan_meier",
    "logrank_test",
    "numeric_p_values",
    "rate_ratio_p_values",
    "search_p_values",
    "shrunken_rate",
    "wilson_interval",
]
