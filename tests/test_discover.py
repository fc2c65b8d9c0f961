"""Discovery against planted truth: the demo company over several seeds, null data, small data."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from conftest import demo_copy
from discovery_runs import Sweep, sweep_seeds

from bullseye.core.units import Units
from bullseye.discover.engine import DiscoverySettings, search_units
from bullseye.discover.stored import result_from_dict
from bullseye.render.encoder import to_json


def _accounts_matching(frame: pd.DataFrame, conditions) -> set:
    mask = np.ones(len(frame), dtype=bool)
    for condition in conditions:
        mask &= condition.mask(frame)
    return set(frame.loc[mask, "account_id"])


def _overlap(found: set, planted: set) -> float:
    """Jaccard overlap of two sets of accounts."""
    return len(found & planted) / len(found | planted) if found | planted else 0.0


#: A finding "is" a planted segment when their accounts overlap this much (Jaccard): the planted
#: rule itself, or a near-equivalent such as its parent when the data cannot separate the two.
MATCH = 0.5


#: Issue 10's sweep: ten demo companies of 5,000 accounts with every table, win and retention.
SWEEP = Sweep(5000, full=True, outcomes=("win", "retention"))
#: Retention needs customers and churn events: at 5,000 demo accounts about 460 customers fall
#: before the cut and the planted segment holds about 70 of them with 9 churn events, too few for
#: any search to tell it from proxies. At 20,000 accounts there are about 1,800.
RETENTION_SWEEP = Sweep(20_000, full=False, outcomes=("retention",))


@pytest.fixture(scope="module")
def demo_runs(tmp_path_factory):
    """Discovery on the demo company for ten seeds (win and retention), computed by the seed tests."""
    return [(run.truth, run.result) for run in SWEEP.runs(tmp_path_factory)]


@pytest.mark.slow  # one seed each, spread over the workers; the runs serve the tests below
@pytest.mark.parametrize("seed", sweep_seeds(SWEEP))
def test_each_seed_reports_consistent_numbers_that_leak_nothing(tmp_path_factory, seed):
    run = SWEEP.run(tmp_path_factory, seed)
    report = run.result.reports["win"]
    assert report.evaluated > len(report.findings) and report.power.startswith("with ")
    for finding in run.result.findings() + run.result.findings(positive=False):
        held = finding.holdout
        if held is not None and held.units and held.low is not None:
            assert held.low <= held.value <= held.high, finding.label
        assert 0 <= finding.q_value <= finding.p_family <= 1, finding.label
    top = report.findings[0]
    assert top.holdout.units > 0 and top.holdout.low <= top.holdout.value <= top.holdout.high
    kept = json.loads(to_json(run.result.to_dict()))  # what a kept run stores reads back the same
    assert json.loads(to_json(result_from_dict(kept, run.result.data, run.result.settings).to_dict())) == kept


def _rank_of_planted(result, truth, outcome: str, positive: bool = True, match: float = MATCH) -> int | None:
    accounts = result.data.accounts
    planted = set(truth["segment"]["account_ids"]) & set(accounts["account_id"])
    report = result.reports[outcome]
    for rank, finding in enumerate(report.findings if positive else report.negative, start=1):
        if _overlap(_accounts_matching(accounts, finding.conditions), planted) >= match:
            return rank
    return None


# -- issue 10's targets at 5,000 accounts, on the same ten discoveries ------------------------------
#: A finding "is" the planted ICP when it covers nearly the same accounts (issue 10: Jaccard >= 0.8).
#: The planted rule itself reaches only 0.80-0.88 on the observed attributes (they are noisy).
SAME_ACCOUNTS = 0.8


def _noise_attributes(truth) -> set:
    return set(truth["noise_attributes"]) | set(truth["no_effect_attributes"])


@pytest.mark.slow  # ten demo seeds (shared with the tests below)
def test_at_most_one_in_twenty_strong_segments_carries_a_noise_condition(demo_runs):
    strong = noisy = 0
    for truth, result in demo_runs:
        noise = _noise_attributes(truth)
        for finding in result.findings() + result.findings(positive=False):
            if finding.evidence == "strong":
                strong += 1
                noisy += bool({c.attribute for c in finding.conditions} & noise)
    assert strong, "no strong segment in ten seeds: the check would mean nothing"
    assert noisy * 20 <= strong, f"{noisy} of {strong} strong segments carry a noise condition"


@pytest.mark.slow  # ten demo seeds (shared)
@pytest.mark.xfail(
    strict=True,
    raises=AssertionError,
    reason=(
        "not reachable at 5,000 accounts with every choice made on the ~1,430 discovery accounts "
        "(docs/discovery.md, 'Enough accounts for the win search'); measured 1 of 10. The planted rule's "
        "own exact p there is above Holm's threshold (2.9e-7) in 6 of 10 seeds (3.2e-7 to 9e-4), and "
        "its improvement over its weakest generalisation has z 0.7 and 1.3 in two seeds (not significant "
        "even uncorrected), so no rule that makes each condition earn its place keeps it in 9 of 10"
    ),
)
def test_the_planted_icp_is_in_the_win_top_three_in_nine_of_ten_seeds(demo_runs):
    ranks = [_rank_of_planted(result, truth, "win", match=SAME_ACCOUNTS) for truth, result in demo_runs]
    assert sum(r is not None and r <= 3 for r in ranks) >= 9, f"win ranks of the planted ICP per seed: {ranks}"


@pytest.fixture(scope="module")
def retention_runs(tmp_path_factory):
    return [(run.truth, run.result) for run in RETENTION_SWEEP.runs(tmp_path_factory)]


@pytest.mark.slow  # one seed each, spread over the workers
@pytest.mark.parametrize("seed", sweep_seeds(RETENTION_SWEEP))
def test_each_retention_seed_has_the_customers_and_churn_events_it_needs(tmp_path_factory, seed):
    report = RETENTION_SWEEP.run(tmp_path_factory, seed).result.reports["retention"]
    assert not report.refused and report.evaluated > len(report.findings), report.note
    # about 1,700 customers on the discovery part and 600 on the holdout (measured on seeds 0 and 1)
    assert report.units_discovery >= 1000 and report.units_holdout >= 300, (
        report.units_discovery,
        report.units_holdout,
    )


@pytest.mark.slow  # ten demo seeds
def test_the_planted_icp_segment_ranks_top_three_for_retention(retention_runs):
    # Significance is decided on the discovery part alone (about 1,700 customers here), no longer
    # with the holdout pooled in: measured 7 of 10 seeds (9 of 10 when the holdout helped decide).
    ranks = [_rank_of_planted(r, t, "retention") for t, r in retention_runs]
    assert sum(r is not None and r <= 3 for r in ranks) >= 7, f"retention ranks per seed: {ranks}"
    ranked = sum("ranked among the accounts outside" in r.reports["retention"].note for _, r in retention_runs)
    assert ranked >= 9  # where a worse segment is significant on discovery


@pytest.mark.slow  # ten demo seeds
def test_the_planted_disqualifier_is_found(demo_runs):
    found = 0
    for truth, result in demo_runs:
        rule = truth["disqualifiers"][0]
        accounts = result.data.accounts
        small = set(
            accounts.loc[pd.to_numeric(accounts[rule["attribute"]], errors="coerce") < rule["value"], "account_id"]
        )
        negatives = result.reports["retention"].negative
        if any(
            _overlap(_accounts_matching(accounts, f.conditions), small) >= MATCH and f.holds_up for f in negatives[:3]
        ):
            found += 1
    assert found >= 9


@pytest.mark.slow  # ten demo seeds
def test_at_most_two_variants_of_the_planted_segment_are_reported(demo_runs):
    for truth, result in demo_runs:
        accounts = result.data.accounts
        planted = set(truth["segment"]["account_ids"])
        variants = [
            f
            for f in result.reports["win"].findings
            if _overlap(_accounts_matching(accounts, f.conditions), planted) >= MATCH
        ]
        assert len(variants) <= 2, [f.label for f in variants]


# -- synthetic data: null and small ---------------------------------------------------------------
def _synthetic(rng: np.random.Generator, n: int, lift: float | None, share: float = 0.2, base: float = 0.25):
    frame = pd.DataFrame(
        {
            "account_id": [f"a{i}" for i in range(n)],
            "industry": rng.choice(["retail", "logistics", "software", "food", "health"], n),
            "region": rng.choice(["north", "south", "east", "west"], n),
            "size": rng.choice(["small", "mid", "large"], n),
            "channel": rng.choice(["web", "partner", "outbound"], n),
            "employees": rng.integers(5, 3000, n),
        }
    )
    planted = rng.random(n) < share
    frame["segment"] = np.where(planted, "yes", "no")
    rate = np.where(planted, min(base * (lift or 1.0), 0.95), base)
    won = (rng.random(n) < rate).astype(np.int8)
    return frame, won, planted


def _search(frame, won, rng, shuffle: bool):
    target = rng.permutation(won) if shuffle else won
    cut = int(0.7 * len(frame))
    found = Units(frame.iloc[:cut].reset_index(drop=True), target[:cut])
    confirm = Units(frame.iloc[cut:].reset_index(drop=True), target[cut:])
    attributes = ["industry", "region", "size", "channel", "employees", "segment"]
    return search_units("win", found, confirm, attributes, DiscoverySettings(max_depth=3, top=10))


def test_null_data_passes_no_segment_in_95_of_100_seeds():
    clean = 0
    for seed in range(100):
        rng = np.random.default_rng(seed)
        frame, won, _ = _synthetic(rng, 400, lift=None)
        report = _search(frame, won, rng, shuffle=True)
        significant = [f for f in report.findings + report.negative if f.significant]
        clean += not significant
    assert clean >= 95


def test_small_data_finds_a_planted_segment_in_80_percent_of_seeds():
    found = 0
    for seed in range(50):
        rng = np.random.default_rng(1000 + seed)
        frame, won, planted = _synthetic(rng, 300, lift=2.5)
        report = _search(frame, won, rng, shuffle=False)
        found += any(f.significant and "segment = yes" in f.label for f in report.findings)
    assert found >= 40  # 80% of 50 seeds


# -- the command ----------------------------------------------------------------------------------
def test_discover_command_writes_report_and_draft_and_respects_hand_edits(tmp_path_factory, tmp_path):
    from typer.testing import CliRunner

    from bullseye.cli import app

    # large enough for the planted segment to be significant with one unit per account; a copy of
    # the demo test_propose.py's seed sweep builds too
    ws = demo_copy(tmp_path_factory, 10_000, 3, tmp_path / "ws")
    runner = CliRunner()
    result = runner.invoke(app, ["discover", "-w", str(ws.root), "--outcome", "win", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["outcomes"]["win"]["evaluated"] > 0 and (ws.reports_dir / "discovery.html").exists()
    icp_file = ws.strategy_dir / "icp.yaml"
    assert data["icp"]["generated_by"] == "bullseye discover" and icp_file.exists()

    icp_file.write_text(icp_file.read_text().replace("name: Ideal customer profile", "name: Our bullseye"))
    edited = icp_file.read_text()
    again = runner.invoke(app, ["discover", "-w", str(ws.root), "--outcome", "win"])
    assert again.exit_code == 0
    assert icp_file.read_text() == edited  # never overwritten without --force
    assert "-name: Our bullseye" in again.stderr and (ws.reports_dir / "icp.proposed.yaml").exists()
    forced = runner.invoke(app, ["discover", "-w", str(ws.root), "--outcome", "win", "--force"])
    assert forced.exit_code == 0 and "Our bullseye" not in icp_file.read_text()
    ws.close()


def test_holdout_lift_of_a_planted_segment_is_within_ten_percent_of_the_truth_at_100k():
    rng = np.random.default_rng(7)
    share, base, lift = 0.2, 0.25, 2.5
    frame, won, _ = _synthetic(rng, 100_000, lift=lift, share=share, base=base)
    report = _search(frame, won, rng, shuffle=False)
    planted = next(f for f in report.findings if f.label == "segment = yes")
    true_lift = base * lift / (share * base * lift + (1 - share) * base)  # segment rate over the overall rate
    assert abs(planted.holdout.lift - true_lift) / true_lift <= 0.10
    assert planted.evidence == "strong"


def test_evidence_words_follow_the_adjusted_p_value_the_holdout_and_the_counts():
    from bullseye.discover.engine import evidence_words
    from bullseye.discover.findings import Measure

    found = Measure(units=200, value=0.5, base=0.3)
    confirmed = Measure(units=100, value=0.5, base=0.3, p_value=0.01)
    weak_holdout = Measure(units=100, value=0.35, base=0.3, p_value=0.2)
    reversed_holdout = Measure(units=100, value=0.2, base=0.3, p_value=0.9)
    assert evidence_words("win", found, confirmed, 0.01, 0.05) == "strong"
    assert evidence_words("win", found, weak_holdout, 0.01, 0.05) == "suggestive"
    assert evidence_words("win", found, confirmed, 0.15, 0.05) == "suggestive"
    assert evidence_words("win", found, weak_holdout, 0.5, 0.05) == "weak"
    assert evidence_words("win", found, reversed_holdout, 0.001, 0.05) == "did not hold up"
    assert evidence_words("win", found, None, 0.01, 0.05) == "suggestive"
    few_losses = Measure(units=12, value=0.9, base=0.3)
    assert evidence_words("win", few_losses, None, 0.001, 0.05) == "not enough data: 1 lost deal"
    few_churns = Measure(units=80, value=0.5, base=1.0, events=3)
    assert (
        evidence_words("retention", few_churns, Measure(units=40, value=0.4, base=1.0, events=2), 0.01, 0.05)
        == "not enough data: 5 churned customers"
    )
