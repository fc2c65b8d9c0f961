"""The buying committee against the demo company's planted roles, and its statistics pinned."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from conftest import TRUTH_ICP, full_demo_workspace
from scipy import stats
from statsmodels.stats.proportion import proportion_confint
from typer.testing import CliRunner

from bullseye.cli import app
from bullseye.people.committee import champion_profile, committee_report, presence_effects
from bullseye.people.roles import infer_roles, normalize_role
from bullseye.strategy.icp import ICP_FILE

#: The function each planted role's contacts work in (bullseye/demo/people.py PERSONAS).
PLANTED_FUNCTION = {"champion": "operations", "economic buyer": "finance", "blocker": "it", "user": "operations"}


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    ws = full_demo_workspace(tmp_path_factory, 5000, 0)
    (ws.root / ICP_FILE).parent.mkdir(parents=True, exist_ok=True)
    (ws.root / ICP_FILE).write_text(TRUTH_ICP, encoding="utf-8")
    yield ws
    ws.close()


@pytest.fixture(scope="module")
def report(demo):
    from bullseye.strategy.icp import load_icp

    return committee_report(demo, load_icp(demo.root))


def test_role_labels_from_crms_are_normalised():
    assert normalize_role(" Decision Maker ") == "economic buyer"
    assert normalize_role("SIGNER") == "economic buyer"
    assert normalize_role("coach") == "champion"
    assert normalize_role("economic_buyer") == "economic buyer"
    assert normalize_role("") is None and normalize_role(None) is None and normalize_role("Other") is None


def test_each_planted_role_is_recovered_with_its_function(report):
    presence = report.presence.set_index("role")
    for role, function in PLANTED_FUNCTION.items():
        assert presence.loc[role, "top_function"] == function, (role, presence.loc[role].to_dict())
        assert presence.loc[role, "top_function_share"] >= 0.6
    # Planted engagement: champions on 88% of won deals and 50% of lost ones; economic buyers 78% / 35%.
    assert presence.loc["champion", "won_share"] > presence.loc["champion", "lost_share"] + 0.2
    assert presence.loc["economic buyer", "won_share"] > presence.loc["economic buyer", "lost_share"] + 0.2


def test_presence_effects_find_the_planted_roles_and_not_the_neutral_one(report):
    effects = report.effects[report.effects["kind"] == "role"].set_index("group")
    for role in ("champion", "economic buyer"):
        assert effects.loc[role, "strength"] == "strong"
        assert effects.loc[role, "win_with"] > effects.loc[role, "win_without"]
    # Blockers are on won and lost deals alike (50% / 50%).
    assert effects.loc["blocker", "strength"] != "strong"


def test_presence_statistics_match_scipy_and_statsmodels(report):
    row = report.effects.iloc[0]
    low, high = proportion_confint(row["won_with"], row["deals_with"], method="wilson")
    assert row["win_with_low"] == pytest.approx(low) and row["win_with_high"] == pytest.approx(high)
    table = [
        [row["won_with"], row["deals_with"] - row["won_with"]],
        [row["won_without"], row["deals_without"] - row["won_without"]],
    ]
    assert row["p_value"] == pytest.approx(stats.fisher_exact(table)[1])
    assert (report.effects["p_holm"] >= report.effects["p_value"] - 1e-12).all()


def test_blank_roles_are_inferred_from_titles_and_marked(report):
    assert report.inferred["inferred"] > 0 and report.inferred["recorded"] > 0
    assert "inferred" in report.scope


def test_inferred_roles_agree_with_hidden_recorded_ones(demo):
    """Hide a third of the recorded roles, infer them back, and compare."""
    from bullseye.people.roles import deal_contact_links

    links = deal_contact_links(demo)
    links = links[links["role"].map(normalize_role).notna()].reset_index(drop=True)
    rng = np.random.default_rng(5)
    hidden = rng.random(len(links)) < 0.33
    truth = links.loc[hidden, "role"].map(normalize_role)
    masked = links.assign(role=links["role"].where(~hidden, None))
    filled, how = infer_roles(masked)
    guessed = filled.loc[hidden, "role"]
    known = guessed != "unknown"
    assert filled.loc[hidden & (filled["role"] != "unknown"), "inferred"].all()
    assert known.mean() >= 0.5, how
    assert (guessed[known] == truth[known]).mean() >= 0.8


def test_without_recorded_roles_a_finance_leader_is_inferred_as_economic_buyer():
    links = pd.DataFrame(
        {
            "deal_id": ["D1", "D1", "D2"],
            "contact_id": ["C1", "C2", "C3"],
            "role": [None, "", None],
            "function": ["finance", "it", "executive"],
            "seniority": ["c-level", "manager", "c-level"],
        }
    )
    filled, how = infer_roles(links)
    assert list(filled["role"]) == ["economic buyer", "unknown", "economic buyer"]
    assert list(filled["inferred"]) == [True, False, True]
    assert "rule" in how


def test_presence_effects_on_planted_synthetic_deals():
    rng = np.random.default_rng(0)
    n = 400
    with_cfo = rng.random(n) < 0.5
    won = rng.random(n) < np.where(with_cfo, 0.6, 0.2)
    deals = pd.DataFrame(
        {
            "deal_id": [f"D{i}" for i in range(n)],
            "won": won.astype(int),
            "days_to_close": np.where(with_cfo, 40, 60) + rng.integers(0, 5, n),
        }
    )
    links = pd.DataFrame(
        {
            "deal_id": deals.loc[with_cfo, "deal_id"],
            "contact_id": "C",
            "role": "economic buyer",
            "function": "finance",
            "seniority": "c-level",
        }
    )
    effects = presence_effects(deals, links).set_index(["kind", "group"])
    row = effects.loc[("role", "economic buyer")]
    assert row["strength"] == "strong" and row["win_with"] > 0.5 > row["win_without"]
    assert row["days_with"] < row["days_without"]
    assert "closed 20 days faster" in row["sentence"] or "days faster" in row["sentence"]


def test_finance_engaged_early_is_measured_from_the_notes():
    """Planted: deals where finance speaks up in the first half of the deal close 20 days faster."""
    from bullseye.people.committee import mark_early

    rng = np.random.default_rng(1)
    n = 300
    created = pd.Timestamp("2025-01-01") + pd.to_timedelta(rng.integers(0, 200, n), unit="D")
    early = rng.random(n) < 0.5
    days = np.where(early, 40, 60) + rng.integers(0, 6, n)
    deals = pd.DataFrame(
        {
            "deal_id": [f"D{i}" for i in range(n)],
            "won": 1,
            "days_to_close": days,
            "created_at": created,
            "decided_at": created + pd.to_timedelta(days, unit="D"),
        }
    )
    links = pd.DataFrame(
        {
            "deal_id": deals["deal_id"],
            "contact_id": [f"C{i}" for i in range(n)],
            "role": "economic buyer",
            "function": "finance",
            "seniority": "director",
        }
    )
    note_day = np.where(early, 0.2, 0.8) * days
    notes = pd.DataFrame(
        {
            "deal_id": deals["deal_id"],
            "contact_id": links["contact_id"],
            "created_at": created + pd.to_timedelta(note_day.astype(int), unit="D"),
        }
    )
    marked = mark_early(links, deals, notes)
    assert (marked["early"].astype(bool) == early).all()
    effects = presence_effects(deals.assign(won=np.r_[np.ones(n - 20), np.zeros(20)].astype(int)), marked)
    row = effects.set_index(["kind", "group"]).loc[("function engaged early", "finance")]
    assert row["days_without"] - row["days_with"] >= 15
    assert "engaged in its first half" in row["sentence"] and "days faster" in row["sentence"]


def test_champion_moves_are_followed_in_later_contact_records():
    links = pd.DataFrame(
        {
            "deal_id": ["D1", "D2"],
            "contact_id": ["C1", "C2"],
            "role": "champion",
            "function": "operations",
            "seniority": "manager",
            "title": ["Ops Manager", "Ops Manager"],
        }
    )
    deals = pd.DataFrame({"deal_id": ["D1", "D2"], "won": [1, 1], "amount": [10.0, 12.0]})
    contacts = pd.DataFrame(
        {
            "contact_id": ["C1", "C2", "C1b", "C2b"],
            "account_id": ["A1", "A2", "A1", "A9"],
            "name": ["Ana", "Bia", "Ana", "Bia"],
            "email": ["ana@a.com", "bia@b.com", "ana@a.com", "bia@b.com"],
            "title": ["Operations Manager", "Operations Manager", "Director of Operations", "Operations Manager"],
            "created_at": pd.to_datetime(["2023-01-01", "2023-01-01", "2024-06-01", "2024-06-01"]),
        }
    )
    after = champion_profile(links, deals, contacts)["after"]
    assert after == {"followed": 2, "promoted": 1, "changed title": 0, "changed company": 1}


def test_committee_command_prints_and_exports_json(demo):
    result = CliRunner().invoke(app, ["committee", "--workspace", str(demo.root)])
    assert result.exit_code == 0, result.output
    assert "champion" in result.output and "What their presence changes" in result.output
    result = CliRunner().invoke(app, ["committee", "--workspace", str(demo.root), "--json"])
    data = json.loads(result.output)
    assert data["deals"] > 0 and {r["role"] for r in data["presence"]} >= set(PLANTED_FUNCTION)
