"""The holdout's word on a disqualifier: confirmed over the candidates, contradicted (the other
way, or not confirmed by a test that had the power to), or silent for lack of events, with the
count. The power is pinned against simulation of the very test the holdout runs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from bullseye.core.units import Units
from bullseye.discover.findings import Finding, Measure
from bullseye.discover.holdout_check import CONFIRMED, CONTRADICTED, SILENT, check_disqualifiers, holdout_power
from bullseye.discover.measure import measure
from bullseye.strategy.icp import Condition


def _churn_units(rng, n: int, share: float, hazard_ratio: float, follow_up_years: float) -> Units:
    small = rng.random(n) < share
    rate = 0.2 * np.where(small, hazard_ratio, 1.0)
    time = rng.exponential(1 / rate)
    censor = rng.uniform(0, follow_up_years, n)
    events = (time <= censor).astype(np.int8)
    days = 365 * np.minimum(time, censor)
    rows = pd.DataFrame({"account_id": np.arange(n), "size": np.where(small, "small", "large")})
    return Units(rows, days, events)


@pytest.mark.parametrize("hazard_ratio", [1.5, 3.0])
def test_the_churn_power_is_the_rejection_rate_of_the_holdout_test(hazard_ratio):
    """Given the holdout's person-time and churn events, the power is the share of event draws at
    the hazard ratio that the holdout's exact conditional test (measure) rejects."""
    rng = np.random.default_rng(3)
    units = _churn_units(rng, 300, 0.2, 2.0, 1.0)
    mask = units.rows["size"].eq("small").to_numpy()
    level = 0.025
    power, events = holdout_power("retention", units, mask, hazard_ratio, level)
    assert events == int(units.events.sum())
    # Redraw which rows the same number of events fall on, each with odds exposure x hazard ratio.
    weight = units.target * np.where(mask, hazard_ratio, 1.0)
    rejected = []
    for _ in range(1000):
        chosen = rng.choice(len(units), size=events, replace=True, p=weight / weight.sum())
        drawn = Units(units.rows, units.target, np.bincount(chosen, minlength=len(units)).astype(float))
        rejected.append(measure("retention", drawn, mask, -1).p_value <= level)
    assert abs(np.mean(rejected) - power) <= 3 * np.sqrt(power * (1 - power) / 1000) + 0.01


def test_the_rate_power_is_the_binomial_rejection_rate():
    rng = np.random.default_rng(5)
    won = (rng.random(2000) < 0.3).astype(np.int8)
    rows = pd.DataFrame({"account_id": np.arange(2000)})
    mask = np.zeros(2000, dtype=bool)
    mask[:200] = True
    power, _ = holdout_power("win", Units(rows, won), mask, 0.5, 0.05)
    from scipy import stats

    critical = max(k for k in range(201) if stats.binom.cdf(k, 200, won.mean()) <= 0.05)
    assert power == pytest.approx(stats.binom.cdf(critical, 200, 0.5 * won.mean()))
    assert power > 0.99  # half the win rate in 200 accounts cannot be missed


def _finding(attribute: str, value: str, low: float = 2.2) -> Finding:
    found = Measure(units=500, value=3.0, base=1.0, low=low, high=4.1, p_value=1e-9, events=120)
    return Finding(
        outcome="retention",
        direction=-1,
        conditions=[Condition(attribute=attribute, op="==", value=value)],
        discovery=found,
        holdout=None,
        quality=1.0,
        q_value=1e-6,
        p_family=1e-6,
        p_value=1e-6,
        evidence="suggestive",
    )


def _with_region(rng, units: Units) -> Units:
    rows = units.rows.assign(region=np.where(rng.random(len(units)) < 0.3, "north", "south"))
    return Units(rows, units.target, units.events)


def test_the_verdicts_confirm_veto_or_say_too_few_events():
    rng = np.random.default_rng(11)
    many = _churn_units(rng, 3000, 0.2, 3.0, 3.0)
    null = _churn_units(rng, 3000, 0.2, 1.0, 3.0)
    few = _churn_units(rng, 150, 0.2, 3.0, 0.3)  # the newest customers: months of follow-up
    confirmed = check_disqualifiers([_finding("size", "small")], {"retention": many})[0]
    assert confirmed.status == CONFIRMED and confirmed.sentence.startswith("confirmed on the holdout")
    # The same discovery evidence, but a holdout with plenty of events and no difference: it had
    # the power to confirm and did not, so it vetoes.
    vetoed = check_disqualifiers([_finding("size", "small")], {"retention": null})[0]
    assert vetoed.status == CONTRADICTED and vetoed.sentence.startswith("vetoed by the holdout"), vetoed
    assert vetoed.power >= 0.8
    # A holdout with a handful of events neither confirms nor refutes: kept, flagged, with the count.
    silent = check_disqualifiers([_finding("size", "small", low=1.3)], {"retention": few})[0]
    assert silent.status == SILENT and silent.power < 0.8
    assert f"too few churn events on the holdout ({int(few.events.sum())};" in silent.sentence


def test_later_candidates_are_confirmed_in_sequence_among_the_rest():
    rng = np.random.default_rng(2)
    units = _with_region(rng, _churn_units(rng, 3000, 0.2, 3.0, 3.0))
    # "north" is no worse among the accounts "small" leaves: with this many events, a veto
    first, second = check_disqualifiers([_finding("size", "small"), _finding("region", "north")], {"retention": units})
    assert first.status == CONFIRMED and second.status == CONTRADICTED
    # Tested first, the empty rule stops the sequence: the real one is then not confirmed by it
    first, second = check_disqualifiers([_finding("region", "north"), _finding("size", "small")], {"retention": units})
    assert first.status == CONTRADICTED and second.status == SILENT
    assert "sequence stopped" in second.sentence and second.p_adjusted >= first.p_adjusted


@pytest.mark.slow
def test_null_churn_data_passes_no_worse_segment_in_95_percent_of_seeds():
    """A "churns more" segment needs only the 3% support (not 10 expected churn events): the exact
    test and the family-wise control must still keep null data clean."""
    from bullseye.discover.engine import DiscoverySettings, search_units

    clean = 0
    for seed in range(40):
        rng = np.random.default_rng(seed)
        n = 600
        rows = pd.DataFrame(
            {
                "account_id": np.arange(n),
                "industry": rng.choice(list("ABCDEFGH"), n),
                "region": rng.choice(list("NSEW"), n),
                "employees": rng.lognormal(4, 1.2, n).round(),
                "score": rng.normal(0, 1, n),
            }
        )
        time, censor = rng.exponential(1 / 0.3, n), rng.uniform(0, 3, n)
        days, events = 365 * np.minimum(time, censor), (time <= censor).astype(np.int8)
        cut = int(0.7 * n)
        found = Units(rows.iloc[:cut].reset_index(drop=True), days[:cut], events[:cut])
        confirm = Units(rows.iloc[cut:].reset_index(drop=True), days[cut:], events[cut:])
        report = search_units(
            "retention",
            found,
            confirm,
            ["industry", "region", "employees", "score"],
            DiscoverySettings(max_depth=3, top=10),
        )
        clean += not [f for f in report.findings + report.negative if f.significant_on_discovery]
    assert clean >= 38, f"{40 - clean} of 40 null datasets gave a significant churn segment"
