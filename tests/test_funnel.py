"""Funnel metrics: conversion per stage, CAC by channel and segment, LTV, LTV:CAC and payback, checked
against planted truth (a generated workspace whose counts are known), an independent pandas computation
on the demo, and scipy/statsmodels for the intervals; the facade, the CLI and the renderers."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from conftest import demo_copy
from scipy import stats
from statsmodels.stats.proportion import proportion_confint
from typer.testing import CliRunner

from bullseye.cli import app
from bullseye.demo import generate_company
from bullseye.demo.strategy import DEMO_SPEND_CHANNELS
from bullseye.outcomes.funnel import poisson_interval
from bullseye.render import as_html, as_json, as_text
from bullseye.workspace import Workspace

AS_OF = "2026-06-30"
CHANNELS = {"Referral": 30_000.0, "Paid search": 90_000.0, "Events": 45_000.0}
HOSTILE = "<script>alert(1)</script>"


def planted(root, seed: int) -> tuple[Workspace, dict]:
    """Accounts whose opportunity, win, start and churn are drawn with a known seed: the truth is the counts."""
    rng = np.random.default_rng(seed)
    n = 600
    ids = [f"A{i}" for i in range(n)]
    source = rng.choice(list(CHANNELS) + [HOSTILE], n)
    old = rng.random(n) < 0.3  # customers since 2024: the retention cohort
    opp = ~old & (rng.random(n) < 0.5)
    won = opp & (rng.random(n) < 0.35)
    lost = opp & ~won & (rng.random(n) < 0.8)  # the rest stay open
    churned_early = old & (rng.random(n) < 0.25)
    deals, subs = [], []
    for i in range(n):
        if old[i]:
            deals.append((f"D{i}", ids[i], "won", "2023-11-01", "2023-12-15", 12_000))
            subs.append((f"S{i}", ids[i], "2024-01-01", "2024-06-01" if churned_early[i] else "", 12_000))
        elif opp[i]:
            stage = "won" if won[i] else "lost" if lost[i] else "open"
            deals.append((f"D{i}", ids[i], stage, "2025-09-01", "" if stage == "open" else "2025-10-01", 24_000))
            if won[i]:
                subs.append((f"S{i}", ids[i], "2025-10-01", "", 24_000))
    ws = Workspace.init(root, name="Planted")
    pd.DataFrame(
        {
            "account_id": ids,
            "name": ids,
            "industry": np.where(np.arange(n) % 2, "Retail", "Logistics"),
            "source": source,
            "created_at": "2023-01-01",
        }
    ).to_csv(ws.data_dir / "accounts.csv", index=False)
    pd.DataFrame(deals, columns=["deal_id", "account_id", "stage", "created_at", "closed_at", "amount"]).to_csv(
        ws.data_dir / "deals.csv", index=False
    )
    pd.DataFrame(subs, columns=["subscription_id", "account_id", "start_date", "end_date", "arr"]).to_csv(
        ws.data_dir / "subscriptions.csv", index=False
    )
    months = pd.date_range("2025-06-01", "2026-06-01", freq="MS")  # June 2025 is outside the window
    pd.DataFrame(
        [(m.date().isoformat(), c, total / 12) for m in months for c, total in CHANNELS.items()],
        columns=["month", "channel", "amount"],
    ).to_csv(ws.data_dir / "spend.csv", index=False)
    ws.load()
    truth = {
        "accounts": n,
        "opportunity": int(opp.sum() + old.sum()),
        "won": int(won.sum() + old.sum()),
        "closed": int(won.sum() + lost.sum() + old.sum()),
        "eligible": int(old.sum()),
        "retained": int((old & ~churned_early).sum()),
        "new": int(won.sum()),
        "new_by_channel": {c: int((won & (source == c)).sum()) for c in CHANNELS},
        "new_by_industry": {
            name: int((won & (np.where(np.arange(n) % 2, "Retail", "Logistics") == name)).sum())
            for name in ("Retail", "Logistics")
        },
    }
    return ws, truth


@pytest.fixture(scope="module", params=[0, pytest.param(1, marks=pytest.mark.slow)])
def planted_ws(request, tmp_path_factory):
    return planted(tmp_path_factory.mktemp(f"planted{request.param}") / "ws", request.param)


@pytest.fixture(scope="module")
def one_planted(tmp_path_factory):
    return planted(tmp_path_factory.mktemp("planted-one") / "ws", 7)


def test_conversion_and_cac_equal_the_planted_truth(planted_ws):
    ws, truth = planted_ws
    result = ws.funnel(as_of=AS_OF, by="industry")
    stages = {s["stage"]: s for s in result.to_dict()["stages"]}
    assert stages["accounts"]["count"] == truth["accounts"]
    assert (stages["opportunity"]["count"], stages["opportunity"]["base"]) == (truth["opportunity"], truth["accounts"])
    assert (stages["won"]["count"], stages["won"]["base"]) == (truth["won"], truth["closed"])
    assert (stages["retained"]["count"], stages["retained"]["base"]) == (truth["retained"], truth["eligible"])
    for stage in stages.values():  # Wilson, as statsmodels computes it
        if stage["base"]:
            low, high = proportion_confint(stage["count"], stage["base"], alpha=0.05, method="wilson")
            assert (stage["rate_low"], stage["rate_high"]) == pytest.approx((low, high), rel=1e-9)
    total = sum(CHANNELS.values())  # the June 2025 month is outside the window
    assert result.cac["spend"] == pytest.approx(total)
    assert result.cac["customers"] == truth["new"]
    assert result.cac["cac"] == pytest.approx(total / truth["new"])
    channels = {row["name"]: row for row in result.cac_by_channel}
    for channel, spend in CHANNELS.items():
        assert channels[channel]["customers"] == truth["new_by_channel"][channel]
        assert channels[channel]["cac"] == pytest.approx(spend / truth["new_by_channel"][channel])
    segments = {row["name"]: row for row in result.cac_by_segment}
    assert {k: segments[k]["customers"] for k in truth["new_by_industry"]} == truth["new_by_industry"]
    assert sum(row["spend"] for row in result.cac_by_segment) == pytest.approx(total)
    # LTV is the project's lifetime model; LTV:CAC and payback follow from it
    assert result.ltv["low"] < result.ltv["value"] < result.ltv["high"]
    assert result.ltv_to_cac["value"] == pytest.approx(result.ltv["value"] / result.cac["cac"])
    monthly = ws.settings.gross_margin * 24_000 / 12  # every window deal is 24,000
    assert result.payback_months["value"] == pytest.approx(result.cac["cac"] / monthly)
    assert result.payback_months["low"] < result.payback_months["value"] < result.payback_months["high"]
    assert any("gross_margin" in line for line in result.assumptions)
    assert any("proportion to the opportunities" in line for line in result.assumptions)


def test_poisson_interval_is_the_garwood_interval():
    k = np.array([0, 1, 5, 37, 400])
    low, high = poisson_interval(k)
    assert low == pytest.approx(np.where(k > 0, stats.chi2.ppf(0.025, 2 * k) / 2, 0), rel=1e-9)
    assert high == pytest.approx(stats.chi2.ppf(0.975, 2 * k + 2) / 2, rel=1e-9)


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """The demo with every table (spend among them) that the people tests build once per run, copied."""
    return demo_copy(tmp_path_factory, 5000, 0, tmp_path_factory.mktemp("funneldemo") / "ws", full=True)


def test_demo_figures_match_a_computation_by_hand(demo):
    result = demo.funnel(by="industry")
    day = pd.Timestamp(result.as_of)
    start = pd.Timestamp(result.window_start)
    deals = demo.table("deals").to_pandas()
    for column in ("created_at", "closed_at"):
        deals[column] = pd.to_datetime(deals[column])
    accounts = demo.table("accounts").to_pandas()
    created = pd.to_datetime(accounts["created_at"])
    known = set(accounts.loc[created.isna() | (created <= day), "account_id"])
    deals = deals[(deals["created_at"].isna() | (deals["created_at"] <= day)) & deals["account_id"].isin(known)]
    closed_by = deals["closed_at"].isna() | (deals["closed_at"] <= day)  # a won deal without a date is won
    won = deals[closed_by & (deals["stage"] == "won")]
    lost = deals[closed_by & (deals["stage"] == "lost")]
    stages = {s["stage"]: s for s in result.stages}
    assert stages["opportunity"]["count"] == deals["account_id"].nunique()
    assert stages["won"]["count"] == won["account_id"].nunique()
    assert stages["won"]["base"] == len(set(won["account_id"]) | set(lost["account_id"]))
    subs = demo.table("subscriptions").to_pandas()
    subs["start_date"] = pd.to_datetime(subs["start_date"])
    subs = subs[subs["account_id"].isin(known)]
    first = subs[subs["start_date"] <= day].groupby("account_id")["start_date"].min()
    first = first.combine_first(won.groupby("account_id")["closed_at"].min())
    new = first[(first >= start) & (first <= day)]
    spend = demo.table("spend").to_pandas()
    spend = spend[(pd.to_datetime(spend["month"]) >= start) & (pd.to_datetime(spend["month"]) <= day)]
    assert result.cac["customers"] == len(new)
    assert result.cac["cac"] == pytest.approx(spend["amount"].sum() / len(new))
    assert result.cac["cac_low"] < result.cac["cac"] < result.cac["cac_high"]
    # the demo's spend channels are cost centres no account source names: no CAC, said so
    assert all(row["cac"] is None for row in result.cac_by_channel)
    assert 1 < result.ltv_to_cac["value"] < 20 and 1 < result.payback_months["value"] < 60
    # paired with lead sources in bullseye.yaml, each channel's customers are that source's new ones
    unpaired = demo.settings
    demo.settings = unpaired.model_copy(update={"spend_channels": DEMO_SPEND_CHANNELS})
    try:
        paired = {row["name"]: row for row in demo.funnel().cac_by_channel}
    finally:
        demo.settings = unpaired
    source = accounts.set_index("account_id")["source"]
    for channel, lead_source in DEMO_SPEND_CHANNELS.items():
        customers = int((source.reindex(new.index) == lead_source).sum())
        assert customers and paired[channel]["customers"] == customers
        amount = spend.loc[spend["channel"] == channel, "amount"].sum()
        assert paired[channel]["cac"] == pytest.approx(amount / customers)
    assert paired["AE team"]["cac"] is None  # closes deals from every source: paired with none


def test_missing_spend_and_subscriptions_are_said_not_failed(tmp_path):
    ws = Workspace.init(tmp_path / "ws")
    generate_company(ws.data_dir, n_accounts=300, seed=2)
    ws.load([ws.data_dir / "accounts.csv", ws.data_dir / "deals.csv"])
    result = ws.funnel(by="industry")
    data = json.loads(as_json(result), parse_constant=lambda c: (_ for _ in ()).throw(ValueError(c)))
    assert set(data["missing"]) == {"subscriptions", "spend"}
    assert data["cac"]["cac"] is None and data["ltv"]["value"] is None and data["cac_by_segment"] == []
    assert [s["stage"] for s in data["stages"]] == ["accounts", "opportunity", "won"]
    assert any("Not loaded: subscriptions, spend" in line for line in data["assumptions"])


def test_renderers_escape_and_fit_80_columns(one_planted):
    ws, _ = one_planted
    result = ws.funnel(as_of=AS_OF, by="source")
    text = as_text(result, width=80)
    assert all(len(line) <= 80 for line in text.splitlines())
    for header in ("LTV:CAC", "Payback (months)", "Conversion", "CAC by channel", "CAC by source", "Assumptions"):
        assert header in text
    html = as_html(result)
    assert HOSTILE not in html and "&lt;script&gt;" in html
    assert "CAC by channel" in repr(result)


def test_cli_funnel_json_and_table(one_planted):
    ws, truth = one_planted
    runner = CliRunner()
    out = runner.invoke(app, ["funnel", "--workspace", str(ws.root), "--json", "--by", "industry"])
    assert out.exit_code == 0, out.output
    assert json.loads(out.output)["cac"]["customers"] >= truth["new"]
    table = runner.invoke(app, ["funnel", "--workspace", str(ws.root)], env={"COLUMNS": "80"})
    assert table.exit_code == 0 and "LTV:CAC" in table.output
    bad = runner.invoke(app, ["funnel", "--workspace", str(ws.root), "--by", "nope"])
    assert bad.exit_code != 0 and "unknown account attribute 'nope'" in bad.output
