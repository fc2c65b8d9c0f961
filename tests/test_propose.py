"""The draft ICP on the demo company: the planted segment and disqualifier, nothing they explain,
the planted why-now signal, and a backtest where the draft beats the rest with tiers in order."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import demo_workspace, full_demo_workspace, seed_units

from bullseye.discover.engine import DiscoverySettings, discover
from bullseye.discover.propose import propose_icp
from bullseye.scoring.backtest import backtest


@pytest.fixture(scope="module")
def drafted(tmp_path_factory):
    # 10,000 accounts: with one unit per account and every choice made on the discovery part, the
    # planted segment is below family-wise significance at 5,000 (see docs/discovery.md)
    ws = full_demo_workspace(tmp_path_factory, 10_000, 0)
    result = discover(ws)
    icp = propose_icp(result, ws=ws)
    yield ws, result, icp
    ws.close()


def _accounts(result, rule) -> set:
    accounts = result.data.accounts
    mask = np.ones(len(accounts), dtype=bool)
    for condition in rule.conditions:
        mask &= condition.mask(accounts)
    return set(accounts.loc[mask, "account_id"])


def _jaccard(a: set, b: set) -> float:
    return len(a & b) / len(a | b) if a | b else 0.0


def test_the_draft_holds_the_planted_segment_and_disqualifier_only(drafted):
    ws, result, icp = drafted
    truth = pd.read_json(ws.data_dir / "truth.json", typ="series")
    planted = set(truth["segment"]["account_ids"])
    assert any(_jaccard(_accounts(result, c), planted) >= 0.5 for c in icp.criteria), [c.label for c in icp.criteria]
    accounts = result.data.accounts
    # Each says what it rests on and what it does: churn lowers expected value, it does not stop a sale.
    for rule in icp.disqualifiers:
        assert (rule.rests_on, rule.effect) in (
            ("churns more", "lowers expected value"),
            ("loses more", "lowers win probability"),
        )
        # From family-wise significant discovery evidence that the holdout confirms, or that its
        # handful of events cannot judge (then flagged as an assumption, with the count)
        assert rule.evidence[0].p_value <= 0.05
        assert rule.note.startswith("confirmed on the holdout") or (
            rule.assumption and rule.note.startswith("not confirmed: too few")
        ), rule.note
    from bullseye.strategy.icp import ICP

    assert ICP.model_validate(icp.model_dump()).disqualifiers[0].rests_on == icp.disqualifiers[0].rests_on
    # Every other disqualifier must add to it among the accounts the earlier ones leave, on
    # discovery and (to be confirmed) on the holdout, so a proxy of headcount is not confirmed twice;
    # the rest are flagged as unconfirmed assumptions.
    confirmed = [d for d in icp.disqualifiers if not d.assumption]
    assert len(confirmed) <= 2, [d.label for d in confirmed]
    covered = set().union(*(_accounts(result, c) for c in icp.criteria))
    assert len(covered) <= 0.25 * len(accounts), "an ICP that covers most accounts picks nobody"


def test_the_draft_holds_the_planted_disqualifier(drafted):
    _, result, icp = drafted
    accounts = result.data.accounts
    small = set(accounts.loc[pd.to_numeric(accounts["employees"], errors="coerce") < 50, "account_id"])
    assert [d for d in icp.disqualifiers if _jaccard(_accounts(result, d), small) >= 0.5], [
        d.label for d in icp.disqualifiers
    ]


@pytest.mark.slow  # each seed a demo build and a discovery: a unit of its own, so they spread
@pytest.mark.parametrize("seed", seed_units((1, 2, 3, 4)))
def test_the_planted_churn_disqualifier_is_drafted_over_seeds(tmp_path_factory, seed):
    # The holdout holds the newest customers (a few dozen churn events): it is asked to confirm
    # the candidates chosen on discovery, in the order chosen, on the follow-up those customers have.
    ws = demo_workspace(tmp_path_factory, 10_000, seed)
    result = discover(ws, DiscoverySettings(outcomes=("retention",)))
    icp = propose_icp(result)
    accounts = result.data.accounts
    small = set(accounts.loc[pd.to_numeric(accounts["employees"], errors="coerce") < 50, "account_id"])
    planted = [d for d in icp.disqualifiers if _jaccard(_accounts(result, d), small) >= 0.5]
    assert planted and planted[0].rests_on == "churns more", [(d.label, d.note) for d in icp.disqualifiers]
    ws.close()


def test_the_draft_carries_the_planted_why_now_signal(drafted):
    _, _, icp = drafted
    names = [s.name.casefold() for s in icp.signals]
    assert any("head" in n and "operations" in n for n in names), names
    signal = next(s for s in icp.signals if "head" in s.name.casefold())
    assert signal.evidence and signal.evidence[0].strength == "strong"


def test_the_draft_beats_the_rest_on_the_holdout(drafted):
    ws, _, icp = drafted
    result = backtest(ws, icp)
    inside, outside = result.groups["ICP"], result.groups["Not ICP"]
    assert inside["win_rate"].value > outside["win_rate"].value
    assert inside["churned"] / max(inside["customers"], 1) < outside["churned"] / max(outside["customers"], 1)
    # with four full quantile tiers and ~600 holdout deals, a neighbouring pair may swap within noise
    # (said by name); the top tier must beat the bottom one, and no break may be beyond noise
    tiers = result.tiers.set_index("tier")
    assert tiers.loc["A", "win_rate"] > tiers.loc["D", "win_rate"]
    assert all(b["within_noise"] for b in result.calibration["order"]["breaks"]["win_rate"])
