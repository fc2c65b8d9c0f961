"""The discovery protocol: the holdout is never used for a choice, refinements earn every
condition, refusals carry the count, and the words follow the numbers (docs/discovery.md)."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import demo_workspace
from discovery_runs import Sweep, sweep_seeds

import bullseye.discover.engine as engine
from bullseye.core.units import Units
from bullseye.discover import significance
from bullseye.discover.engine import (
    DEPTH_CUTS,
    MIN_UNITS,
    DiscoverySettings,
    discover,
    search_units,
)
from bullseye.discover.findings import Measure
from bullseye.discover.propose import propose_icp

DOCS = Path(__file__).resolve().parents[1] / "docs" / "discovery.md"


def _shuffled_holdout(seed: int):
    """units_for with the holdout's outcomes (wins, durations with their churn events) permuted."""
    original = engine.units_for

    def units_for(data, outcome):
        found, confirm = original(data, outcome)
        order = np.random.default_rng(seed).permutation(len(confirm))
        events = None if confirm.events is None else confirm.events[order]
        return found, Units(confirm.rows, confirm.target[order], events)

    return units_for


def _choices(result):
    reports = {o: ([f.label for f in r.findings], [f.label for f in r.negative]) for o, r in result.reports.items()}
    draft = propose_icp(result)
    return (
        reports,
        [r["segment"] for r in result.bullseye],
        [c.label for c in draft.criteria],
        [d.label for d in draft.disqualifiers],
    )


def test_permuting_the_holdout_changes_no_choice(tmp_path_factory, monkeypatch):
    ws = demo_workspace(tmp_path_factory, 2000, 0)
    settings = DiscoverySettings(outcomes=("win", "retention"), max_depth=3, top=10)
    reports, ranking, criteria, disqualifiers = _choices(discover(ws, settings))
    # At 2,000 accounts the draft may hold only the churn disqualifier (its mirror, "revenue >= 1M
    # churns less", is the same idea and is not listed twice): either is a choice to check.
    assert reports["win"][0] and (criteria or disqualifiers), (
        "the demo must report and draft something for this test to mean anything"
    )
    vetoable = set(disqualifiers)
    for seed in (1, 2, 3):
        monkeypatch.setattr(engine, "units_for", _shuffled_holdout(seed))
        shuffled = discover(ws, settings)
        again = _choices(shuffled)
        assert again[0] == reports and again[1] == ranking and again[2] == criteria  # same segments, same order
        # The holdout may only veto a disqualifier chosen on discovery, never bring in another.
        chosen = {f.label for f in shuffled.findings(positive=False) if f.significant_on_discovery}
        assert set(again[3]) <= chosen
        vetoable |= set(again[3])
        monkeypatch.undo()
    assert vetoable <= {f.label for f in discover(ws, settings).findings(positive=False) if f.significant_on_discovery}
    ws.close()


# -- refinements ----------------------------------------------------------------------------------
def test_a_refinement_must_beat_each_generalisation_under_holm():
    rng = np.random.default_rng(5)
    n = 3000
    a, b, noise = rng.random(n) < 0.3, rng.random(n) < 0.4, rng.random(n) < 0.5
    won = (rng.random(n) < np.where(a & b, 0.6, 0.25)).astype(np.int8)
    found = Units(pd.DataFrame({"x": np.arange(n)}), won)
    real = ("a and b", +1, [a, b])
    rider = ("a and b and noise", +1, [a, b, noise])
    kept = significance.refinements_that_hold("win", found, [real, rider])
    assert kept == {"a and b"}
    # The same Holm family as statsmodels: a lone test at the level passes, many weak ones do not.
    from statsmodels.stats.multitest import multipletests

    within = [significance.measure_values("win", won[m], None, (a & b)[m], +1).p_value for m in (a, b)]
    assert multipletests(within, alpha=0.05, method="holm")[0].all()


def test_the_best_noise_rider_is_kept_at_most_at_the_family_wise_level():
    """The refinement rule's control, measured: on a real segment and pure-noise attributes, the
    condition the search would add (the best improvement within the segment of all it could try)
    is kept in no more than ALPHA of the runs; counting only the chosen condition keeps it often."""
    from scipy.stats import binom

    runs, alternatives, n = 200, 30, 1500
    kept = {alternatives: 0, 1: 0}
    for seed in range(runs):
        rng = np.random.default_rng(20_000 + seed)
        real = rng.random(n) < 0.3
        won = (rng.random(n) < np.where(real, 0.5, 0.25)).astype(np.int8)
        noise = rng.random((alternatives, n)) < rng.uniform(0.2, 0.6, (alternatives, 1))
        within = [significance.measure_values("win", won[real], None, m[real], +1).p_value for m in noise]
        rider = ("rider", +1, [real, noise[int(np.argmin(within))]])
        found = Units(pd.DataFrame({"x": np.arange(n)}), won)
        for tried in kept:
            kept[tried] += bool(significance.refinements_that_hold("win", found, [rider], alternatives=tried))
    # not above ALPHA beyond chance (one-sided 1%), and far above it without the correction
    assert kept[alternatives] <= binom.ppf(0.99, runs, significance.ALPHA), kept
    assert kept[1] > 5 * binom.ppf(0.99, runs, significance.ALPHA) / 2, kept


# -- refusals -------------------------------------------------------------------------------------
def _frame(n: int) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    return pd.DataFrame({"account_id": [f"a{i}" for i in range(n)], "industry": rng.choice(["x", "y", "z"], n)})


def test_no_lost_deals_is_one_line_with_the_count():
    frame = _frame(200)
    found = Units(frame.iloc[:150].reset_index(drop=True), np.ones(150, dtype=np.int8))
    confirm = Units(frame.iloc[150:].reset_index(drop=True), np.ones(50, dtype=np.int8))
    report = search_units("win", found, confirm, ["industry"], DiscoverySettings())
    assert report.refused and not report.findings and not report.negative and report.evaluated == 0
    assert report.note.startswith("0 lost deals before the cut: win discovery needs both")


def test_too_few_churn_events_is_one_line_with_the_count():
    frame = _frame(300)
    events = np.zeros(200, dtype=np.int8)
    events[:3] = 1
    found = Units(frame.iloc[:200].reset_index(drop=True), np.full(200, 300.0), events)
    confirm = Units(frame.iloc[200:].reset_index(drop=True), np.full(100, 100.0), np.zeros(100, dtype=np.int8))
    report = search_units("retention", found, confirm, ["industry"], DiscoverySettings())
    assert report.refused and report.note == (
        f"3 churn events before the cut: retention discovery needs at least {significance.MIN_CHURN_EVENTS}"
    )


def test_discover_never_writes_an_empty_icp_silently(tmp_path):
    import json

    from typer.testing import CliRunner

    from bullseye.cli import app
    from bullseye.workspace import Workspace

    ws = Workspace.init(tmp_path / "ws")
    rng = np.random.default_rng(1)
    n = 400
    ids = [f"acc{i}" for i in range(n)]
    pd.DataFrame(
        {
            "account_id": ids,
            "name": [f"Company {i}" for i in range(n)],
            "industry": rng.choice(["Retail", "Food", "Health"], n),
        }
    ).to_csv(ws.data_dir / "accounts.csv", index=False)
    created = pd.Timestamp("2025-01-01") + pd.to_timedelta(rng.integers(0, 300, n), unit="D")
    pd.DataFrame(
        {
            "deal_id": [f"d{i}" for i in range(n)],
            "account_id": ids,
            "stage": "Closed Won",
            "amount": 1000.0,
            "created_at": created.date,
            "closed_at": (created + pd.Timedelta(days=30)).date,
        }
    ).to_csv(ws.data_dir / "deals.csv", index=False)
    ws.load()
    result = CliRunner().invoke(app, ["discover", "-w", str(ws.root), "--outcome", "win", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["icp"] is None and not (ws.strategy_dir / "icp.yaml").exists()
    assert "No draft ICP written" in data["icp_note"] and "0 lost deals" in data["icp_note"]
    ws.close()


# -- words and numbers ----------------------------------------------------------------------------
def test_evidence_words_follow_the_written_definition():
    words = significance.evidence_words
    found = Measure(units=200, value=0.5, base=0.3)
    confirms = Measure(units=100, value=0.5, base=0.3, p_value=0.01)
    same_way = Measure(units=100, value=0.35, base=0.3, p_value=0.2)
    other_way = Measure(units=100, value=0.2, base=0.3, p_value=0.9)
    assert words("win", found, confirms, 0.01) == "strong"
    assert words("win", found, confirms, 0.01, held_p=0.06) == "suggestive"  # Holm over the segments shown
    assert words("win", found, same_way, 0.01) == "suggestive"
    assert words("win", found, confirms, 0.15) == "suggestive"
    assert words("win", found, confirms, 0.25) == "weak"
    assert words("win", found, other_way, 0.001) == "did not hold up"
    assert words("win", found, None, 0.01) == "suggestive"


def test_the_power_sentence_is_the_smallest_lift_found_with_80_percent_power():
    lift, _ = significance.smallest_detectable_lift(1000, 0.3, tests=500)
    from bullseye.stats import detection_power

    assert detection_power(1000, 0.3, 0.2, lift, 0.05, 500) >= 0.8
    assert detection_power(1000, 0.3, 0.2, lift - significance.LIFT_PRECISION, 0.05, 500) < 0.8
    sentence = significance.power_sentence(1000, 0.3, 500, "accounts")
    assert "1,000 accounts" in sentence and f"{lift:.2g}x" in sentence and "deals" not in sentence
    assert "80% power" in sentence and "20% of them" in sentence


def test_the_docs_state_the_code_constants():
    text = " ".join(DOCS.read_text(encoding="utf-8").split())
    low, high = DEPTH_CUTS
    assert f"Below {low} units the search stops at one condition, below {high} at two" in text
    assert f"{MIN_UNITS} units" in text
    assert f"at least {significance.MIN_EACH_CLASS} of each" in text
    assert f"at least {significance.MIN_CHURN_EVENTS} churn events" in text
    assert f"{significance.ALPHA:g}" in text and f"{significance.SUGGESTIVE_FACTOR} x" in text
    assert f"{100 * significance.POWER_SHARE:.0f}% of the accounts" in text
    assert f"{100 * significance.POWER_TARGET:.0f}% power" in text
    assert re.search(r"one-sided p-value above 0\.5", text) and significance.REVERSED_P == 0.5


# -- over the demo --------------------------------------------------------------------------------
def _check_words(finding, alpha=significance.ALPHA):
    """Every printed word against the numbers printed beside it (docs/discovery.md)."""
    held = finding.holdout
    word = finding.evidence
    if word.startswith("not enough data"):
        return
    reversed_ = held is not None and held.units and held.p_value is not None and held.p_value > 0.5
    if word == "did not hold up":
        assert reversed_
        return
    assert not reversed_
    confirmed = finding.p_holdout is not None and finding.p_holdout <= alpha
    if word == "strong":
        assert finding.p_value <= alpha and confirmed and held.value is not None
        better = (
            held.value > held.base
            if finding.direction * (1 if finding.outcome != "retention" else -1) > 0
            else held.value < held.base
        )
        assert better, finding.label
    elif word == "suggestive":
        assert (finding.p_value <= alpha) or (finding.p_value <= 4 * alpha and confirmed)
    else:
        assert word == "weak" and not (finding.p_value <= alpha and confirmed)


def test_every_word_the_demo_prints_follows_the_definition(tmp_path_factory):
    ws = demo_workspace(tmp_path_factory, 2000, 1)
    result = discover(ws, DiscoverySettings(outcomes=("win", "retention"), max_depth=3, top=10))
    findings = result.findings() + result.findings(positive=False)
    assert findings
    for finding in findings:
        _check_words(finding)
    win = result.reports["win"]
    # One base per outcome and screen, in accounts: the power sentence, the header and the bullseye agree.
    from bullseye.render.discovery import base_line

    assert f"{100 * win.base:.0f}%" in base_line(win) and "accounts" in base_line(win)
    assert f"base win rate {100 * win.base:.0f}%" in win.power
    assert result.bullseye[0]["win_rate"] == pytest.approx(win.base)
    ws.close()


def test_the_holm_family_matches_statsmodels():
    from statsmodels.stats.multitest import multipletests

    p = np.random.default_rng(3).random(40) ** 3
    ours = significance.stats.holm(p)
    assert np.allclose(ours, multipletests(p, method="holm")[1])


# -- the seed sweep (slow) ------------------------------------------------------------------------
#: Demo size of the sweep: the planted segment is about 10% of the accounts at 1.6x the base win
#: rate, which the discovery part alone detects reliably only from about this size (the power
#: sentence of a 5,000-account demo says so: 20% of the accounts at 1.4x). Issue 10's own target
#: (5,000 accounts, Jaccard 0.8) is stated in test_discover.py on its shared ten discoveries, with
#: the measured reason it is not met (docs/discovery.md, "Enough accounts for the win search"). Nor
#: does this weaker statement hold there: on those ten runs the planted ICP (Jaccard 0.5) is in the
#: win top three in 3 of 10 seeds (measured 7 December 2026), so this sweep keeps its own size.
SWEEP_ACCOUNTS = 10_000
#: A finding "is" the planted segment when their accounts overlap this much (Jaccard), as in
#: test_discover.py: the rule itself or an equivalent description (own fleet read from fleet size).
SAME_ACCOUNTS = 0.5


def _accounts_of(frame: pd.DataFrame, conditions) -> set:
    mask = np.ones(len(frame), dtype=bool)
    for condition in conditions:
        mask &= condition.mask(frame)
    return set(frame.loc[mask, "account_id"])


SWEEP = Sweep(SWEEP_ACCOUNTS, full=False, outcomes=("win",))


@pytest.mark.slow  # one seed each, spread over the workers; the runs serve the test below
@pytest.mark.parametrize("seed", sweep_seeds(SWEEP))
def test_every_word_each_sweep_seed_prints_follows_the_definition(tmp_path_factory, seed):
    result = SWEEP.run(tmp_path_factory, seed).result
    findings = result.findings() + result.findings(positive=False)
    assert findings and result.reports["win"].evaluated > len(findings)
    for finding in findings:
        _check_words(finding)


@pytest.mark.slow
def test_no_noise_riders_and_the_planted_icp_in_the_top_three_over_ten_seeds(tmp_path_factory):
    strong = noisy = top_three = 0
    for run in SWEEP.runs(tmp_path_factory):
        truth, result = run.truth, run.result
        noise = set(truth["noise_attributes"]) | set(truth["no_effect_attributes"])
        accounts = result.data.accounts
        planted = set(truth["segment"]["account_ids"]) & set(accounts["account_id"])
        for finding in result.findings() + result.findings(positive=False):
            if finding.evidence == "strong":
                strong += 1
                noisy += bool({c.attribute for c in finding.conditions} & noise)
        ranks = [
            rank
            for rank, f in enumerate(result.reports["win"].findings, start=1)
            if len(found := _accounts_of(accounts, f.conditions))
            and len(found & planted) / len(found | planted) >= SAME_ACCOUNTS
        ]
        top_three += bool(ranks) and ranks[0] <= 3
    assert strong and noisy * 20 <= strong, f"{noisy} of {strong} strong segments carry a noise condition"
    assert top_three >= 9, f"planted ICP in the win top three in {top_three} of 10 seeds"
