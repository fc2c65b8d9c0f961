"""Market sizing on the demo company: the waterfall reconciles and agrees with an independent count
on the raw files and the planted truth; TAM/SAM/SOM follow their stated assumptions."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from bullseye.cli import app
from bullseye.market.industries import save_segments, segments_from_label_map
from bullseye.market.sizing import size_market
from bullseye.strategy.audience import Audience, load_audience
from bullseye.strategy.icp import ICP_FILE, load_icp
from conftest import TRUTH_ICP, full_demo_workspace, write

AUDIENCE = """
id: audience
name: Delivery-heavy companies in Brazil
criteria:
- id: brazil
  name: Operates in Brazil
  kind: geography
  conditions: [{attribute: country, op: "==", value: Brazil}]
- id: segments
  name: Moves physical goods
  kind: segment
  conditions: [{attribute: industry, op: in, value: [E-commerce, Regional carrier, Urban delivery franchise]}]
- id: size
  name: 10 or more employees
  kind: size
  conditions: [{attribute: employees, op: ">=", value: 10}]
"""


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    ws = full_demo_workspace(tmp_path_factory, 5000, 0)
    write(ws.root / ICP_FILE, TRUTH_ICP)
    write(ws.root / "strategy" / "audience.yaml", AUDIENCE)
    truth = json.loads((ws.data_dir / "truth.json").read_text(encoding="utf-8"))
    save_segments(ws.root, segments_from_label_map(truth["universe"]["industry_map"]))
    yield ws, truth
    ws.close()


@pytest.fixture(scope="module")
def sized(demo):
    ws, _ = demo
    return size_market(ws, load_audience(ws.root), load_icp(ws.root))


def _raw_universe(ws, truth) -> pd.DataFrame:
    """The universe file read with pandas, its provider labels translated with the planted map."""
    raw = pd.read_csv(ws.data_dir / "universe.csv", dtype=str, keep_default_na=False)
    raw["segment"] = raw["Industry"].map(truth["universe"]["industry_map"])
    raw["employees"] = pd.to_numeric(raw["Employees"], errors="coerce")
    raw["dpd"] = pd.to_numeric(raw["deliveries_per_day"], errors="coerce")
    return raw


def test_the_waterfall_reconciles_and_matches_an_independent_count(demo, sized):
    ws, truth = demo
    steps = sized.waterfall.set_index("step")
    raw = _raw_universe(ws, truth)
    brazil = raw["Country"] == "Brazil"
    segment = brazil & raw["segment"].isin(["E-commerce", "Regional carrier", "Urban delivery franchise"])
    audience = segment & (raw["employees"] >= 10)
    assert steps.loc["Universe", "companies"] == len(raw)
    assert steps.loc["Operates in Brazil", "companies"] == brazil.sum()
    assert steps.loc["Moves physical goods", "companies"] == segment.sum()
    assert steps.loc["Target audience", "companies"] == audience.sum()
    fleet = raw["own_fleet"].str.strip().str.casefold().isin(["yes", "true"])
    meets = audience & (raw["segment"] == "E-commerce") & fleet & (raw["dpd"] >= 200)
    fit = meets & ~(raw["employees"] < 50)
    assert steps.loc["Meets an ICP criterion", "companies"] == meets.sum()
    assert steps.loc["ICP fit (no disqualifier)", "companies"] == fit.sum()
    ordered = sized.waterfall[sized.waterfall["removed"].notna()]
    previous = sized.waterfall["companies"].shift(1)
    for i in ordered.index:
        if sized.waterfall.loc[i, "step"] == "Could fit, data missing":
            continue
        base = previous[i] if sized.waterfall.loc[i - 1, "step"] != "Target audience" else previous[i]
        assert sized.waterfall.loc[i, "removed"] == base - sized.waterfall.loc[i, "companies"]


def test_icp_companies_in_the_crm_agree_with_the_planted_matches(demo, sized):
    ws, truth = demo
    steps = sized.waterfall.set_index("step")
    raw = _raw_universe(ws, truth)
    fleet = raw["own_fleet"].str.strip().str.casefold().isin(["yes", "true"])
    fit = ((raw["Country"] == "Brazil") & (raw["segment"] == "E-commerce") & (raw["employees"] >= 50) & fleet
           & (raw["dpd"] >= 200))
    planted = raw.loc[fit, "Company ID"].isin(truth["universe"]["matches"]).sum()
    found = steps.loc["ICP fit, already in the CRM", "companies"]
    assert abs(found - planted) <= max(2, 0.05 * planted), (found, planted)
    assert steps.loc["ICP fit, already customers", "companies"] <= found
    assert len(sized.whitespace) == steps.loc["ICP fit (no disqualifier)", "companies"] - found
    assert not sized.whitespace["company_id"].isin(
        [c for c, _ in truth["universe"]["matches"].items()]).sum() > 2


def test_tam_sam_som_follow_their_assumptions(demo, sized):
    ws, truth = demo
    sizing = sized.sizing.set_index("name")
    deals = pd.read_csv(ws.data_dir / "deals.csv", thousands=",")
    assert sizing.loc["SAM", "companies"] == sized.waterfall.set_index("step").loc["ICP fit (no disqualifier)",
                                                                                  "companies"]
    icp_acv = sizing.loc["SAM", "value"] / sizing.loc["SAM", "companies"]
    assert 0.2 * deals["Amount"].median() < icp_acv < 5 * deals["Amount"].median()
    reps = deals["Deal Owner"].nunique()
    assert sized.assumptions.set_index("name").loc["Sales reps", "value"] == str(reps)
    assert sizing.loc["SOM (a year)", "companies"] <= sizing.loc["SAM", "companies"]
    assert sizing.loc["TAM", "value"] > sizing.loc["SAM", "value"] > 0


def test_no_audience_means_the_whole_universe(demo):
    ws, _ = demo
    result = size_market(ws, Audience(), load_icp(ws.root))
    steps = result.waterfall.set_index("step")
    assert steps.loc["Target audience", "companies"] == steps.loc["Universe", "companies"]


def test_size_command_writes_the_chart_and_the_prospect_list(demo, tmp_path):
    ws, _ = demo
    out = tmp_path / "prospects.csv"
    result = CliRunner().invoke(app, ["size", "--workspace", str(ws.root), "--whitespace", str(out), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert [s["name"] for s in data["sizing"]] == ["TAM", "SAM", "SOM (a year)"]
    prospects = pd.read_csv(out)
    assert len(prospects) == data["whitespace"]["companies"] > 0
    assert {"fit_score", "tier", "reasons", "icp_version"} <= set(prospects.columns)
    assert np.all(np.diff(prospects["fit_score"].to_numpy()) <= 1e-9)  # best first
    assert (ws.reports_dir / "market-funnel.png").stat().st_size > 10_000
