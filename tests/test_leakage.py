"""The leakage guard (discover/leakage.py): planted leaks of every kind are flagged for every
outcome, planted honest fields are not, a name alone never flags, and bullseye.yaml confirms or
overrules each flag through the real CLI."""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest
import scipy.stats
import statsmodels.api as sm
import statsmodels.formula.api as smf
import yaml
from planted_leaks import (
    HONEST,
    LEAKS,
    RETENTION_HONEST,
    RETENTION_LEAKS,
    customers,
    leads,
    write_workspace_files,
)
from typer.testing import CliRunner

from bullseye.cli import app
from bullseye.discover.leakage import (
    LeakageFlag,
    _explained_share,
    _groups,
    _spearman,
    leakage_flags,
    name_hint,
    outcome_flags,
    screen_binary,
    screen_numeric,
)

runner = CliRunner()
SEEDS = range(5)


def _flagged(flags: list[LeakageFlag]) -> dict[str, LeakageFlag]:
    return {f.attribute: f for f in flags}


@pytest.mark.parametrize("seed", SEEDS)
def test_planted_win_leaks_are_flagged_and_honest_fields_are_not(seed):
    closed, opened = leads(seed)
    flags = _flagged(screen_binary(closed, sorted(LEAKS | HONEST), closed["won"].to_numpy(), open_rows=opened))
    assert set(flags) == LEAKS
    assert flags["signed_by"].evidence == "fill gap"
    assert flags["pipeline_step"].evidence == "closed only"
    # The rep's tag is caught by its numbers, under a name that hints at it or not.
    for name in ("tags", "field_7"):
        assert flags[name].evidence == "near-deterministic" and not flags[name].hinted
        assert "'tags = will sign'" in flags["tags"].reason
    # Without open deals to compare with, the stages are still caught by what they decide.
    alone = _flagged(screen_binary(closed, sorted(LEAKS | HONEST), closed["won"].to_numpy()))
    assert set(alone) == LEAKS
    assert alone["deal_stage"].evidence == alone["pipeline_step"].evidence == "near-deterministic"


def test_leakage_flags_reads_a_yes_no_column_of_a_frame():
    closed, _ = leads(4)
    closed["activated"] = closed["won"].map({1: "yes", 0: "no"})
    for column in ("won", "activated"):
        assert set(leakage_flags(closed, sorted(LEAKS | HONEST), target=column)) == LEAKS


def test_reasons_carry_the_measured_numbers():
    closed, _ = leads(0)
    won = closed["won"].to_numpy(bool)
    flags = _flagged(screen_binary(closed, ["signed_by", "tags"], won))
    fill_won = closed.loc[won, "signed_by"].notna().mean()
    fill_lost = closed.loc[~won, "signed_by"].notna().mean()
    assert flags["signed_by"].reason.startswith(
        f"filled for {100 * fill_won:.0f}% of won deals but {100 * fill_lost:.0f}% of lost ones"
    )
    tagged = closed["tags"] == "will sign"
    expected = (
        f"({100 * closed.loc[tagged, 'won'].mean():.1f}% won over {tagged.sum():,} deals, "
        f"{100 * closed.loc[~tagged, 'won'].mean():.1f}% elsewhere)"
    )
    assert expected in flags["tags"].reason


@pytest.mark.parametrize("seed", SEEDS)
def test_planted_retention_leaks_are_flagged(seed):
    frame, days, churned = customers(seed)
    flags = _flagged(
        screen_binary(
            frame,
            sorted(RETENTION_LEAKS | RETENTION_HONEST),
            churned,
            "retention",
            ("churned", "kept"),
            "customers",
            clock=days,
        )
    )
    assert set(flags) == RETENTION_LEAKS
    assert flags["months_on_book"].evidence == "own clock"
    assert flags["cancel_reason"].evidence == "fill gap"
    assert "churned customers" in flags["cancel_reason"].reason


def test_a_name_lowers_the_bar_but_never_flags_alone():
    rng = np.random.default_rng(7)
    n = 4000
    high = rng.random(n) < 0.10  # 85% won among a tenth: beyond an honest segment, short of decisive
    won = np.where(high, rng.random(n) < 0.85, rng.random(n) < 0.25)
    grade = np.where(high, "high", rng.choice(["medium", "low"], n))
    frame = pd.DataFrame(
        {
            "lead_quality": grade,
            "field_9": grade,
            "status": rng.choice(["a", "b"], n),
            "LastActivity": rng.choice(["email", "call", "visit"], n),
        }
    )
    flags = _flagged(screen_binary(frame, list(frame.columns), won))
    assert set(flags) == {"lead_quality"}
    assert flags["lead_quality"].hinted and "lowered the bar" in flags["lead_quality"].reason
    assert name_hint("LastActivity") == name_hint("last_activity") == "process"
    assert name_hint("tenure_months") == "time" and name_hint("industry") is None


def test_numeric_outcomes_flag_the_outcome_in_disguise():
    rng = np.random.default_rng(3)
    n = 1500
    acv = np.exp(rng.normal(9, 0.8, n))
    band = pd.cut(acv, [0, 2000, 3500, 5000, 7000, 10000, 14000, 20000, np.inf], labels=list("ABCDEFGH")).astype(str)
    industry = rng.choice(["retail", "logistics", "health"], n)
    acv *= np.where(industry == "retail", 1.5, 1.0)  # an honest effect on value
    frame = pd.DataFrame(
        {
            "price_band": band,
            "industry": industry,
            "contract_value": acv * rng.normal(1, 0.02, n),
            "employees": rng.integers(5, 5000, n),
            "usage_tier": acv * rng.lognormal(0, 0.3, n),
        }
    )
    flags = _flagged(screen_numeric(frame, list(frame.columns), acv, "acv"))
    # usage_tier tracks ACV closely (Spearman about 0.9), as an honest trait can: it stays in.
    assert set(flags) == {"price_band", "contract_value"}
    assert flags["price_band"].evidence == "explains outcome"
    days = rng.gamma(2, 30, n)
    frame["days_in_pipeline"] = days + rng.normal(0, 5, n)
    flags = _flagged(screen_numeric(frame, ["days_in_pipeline", "industry", "employees"], days, "days_to_close"))
    assert set(flags) == {"days_in_pipeline"} and flags["days_in_pipeline"].evidence == "own clock"


def test_statistics_match_scipy_and_statsmodels():
    rng = np.random.default_rng(11)
    x = rng.normal(size=300)
    y = x + rng.normal(size=300)
    x[:7] = np.nan
    keep = ~np.isnan(x)
    assert _spearman(x, y) == pytest.approx(scipy.stats.spearmanr(x[keep], y[keep]).statistic)
    groups = pd.Series(rng.choice(["a", "b", "c"], 300))
    target = rng.normal(size=300) + (groups == "a").to_numpy()
    frame = pd.DataFrame({"g": groups, "r": pd.Series(target).rank()})
    table = sm.stats.anova_lm(smf.ols("r ~ C(g)", frame).fit())
    between, within = table.loc["C(g)"], table.loc["Residual"]
    epsilon = (between["sum_sq"] - between["df"] * within["mean_sq"]) / (between["sum_sq"] + within["sum_sq"])
    assert _explained_share(_groups("g", groups), target) == pytest.approx(epsilon)


# -- through the CLI: the guard runs inside discovery, the output lists it, bullseye.yaml overrules it ----------
def _discover(root, *args):
    result = runner.invoke(app, ["discover", "--workspace", str(root), "--json", *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _settings(root, attributes: dict) -> None:
    path = root / "bullseye.yaml"
    settings = yaml.safe_load(path.read_text())
    settings["attributes"] = attributes
    path.write_text(yaml.safe_dump(settings))


@pytest.fixture(scope="module")
def planted_workspace(tmp_path_factory):
    root = tmp_path_factory.mktemp("planted") / "ws"
    assert runner.invoke(app, ["init", str(root)]).exit_code == 0
    write_workspace_files(root / "data", seed=1)
    result = runner.invoke(app, ["load", "--workspace", str(root)])
    assert result.exit_code == 0, result.output
    return root


def test_discover_keeps_planted_leaks_out_and_lists_why(planted_workspace):
    root = planted_workspace
    report = _discover(root, "--outcome", "win", "--max-depth", "2")
    assert set(report["leakage"]) == LEAKS
    assert all(report["leakage"][name].startswith("win rate: ") for name in LEAKS)
    assert not set(report["attributes"]) & LEAKS and HONEST - {"source"} <= set(report["attributes"])
    searched = {c["attribute"] for f in report["outcomes"]["win"]["findings"] for c in f["conditions"]}
    assert not searched & LEAKS and "industry" in searched
    drafted = yaml.safe_load((root / "strategy" / "icp.yaml").read_text())
    assert LEAKS.isdisjoint(json.dumps(drafted))  # no criterion or disqualifier rests on a leak


def test_bullseye_yaml_overrules_and_confirms(planted_workspace):
    root = planted_workspace
    original = (root / "bullseye.yaml").read_text()
    try:
        _settings(root, {"use": ["tags"], "exclude": ["signed_by", "employees"]})
        report = _discover(root, "--outcome", "win", "--max-depth", "1")
        assert "tags" in report["attributes"] and "tags" not in report["leakage"]
        assert report["leakage"]["signed_by"].endswith("(confirmed in bullseye.yaml)")
        assert report["leakage"]["employees"] == "kept out in bullseye.yaml (attributes.exclude)"
        assert "employees" not in report["attributes"]
        searched = {c["attribute"] for f in report["outcomes"]["win"]["findings"] for c in f["conditions"]}
        assert "tags" in searched  # overruled: searched, and its 96% tag comes back as a segment

        _settings(root, {"use": ["tagz"]})
        result = runner.invoke(app, ["discover", "--workspace", str(root), "--outcome", "win"])
        assert result.exit_code != 0
        assert "attributes.use names 'tagz', which is not an account attribute; did you mean 'tags'?" in result.output
    finally:
        (root / "bullseye.yaml").write_text(original)


def test_the_guard_runs_for_retention_on_the_demo(tmp_path):
    """A tenure column on the demo's customers is the survival time: kept out of every search."""
    from bullseye.demo import generate_company
    from bullseye.discover.engine import DiscoverySettings, discover
    from bullseye.workspace import Workspace

    ws = Workspace.init(tmp_path / "ws")
    generate_company(ws.data_dir, n_accounts=1500, seed=2)
    accounts = pd.read_csv(ws.data_dir / "accounts.csv")
    subscriptions = pd.read_csv(ws.data_dir / "subscriptions.csv", parse_dates=["Start Date", "End Date"])
    active = subscriptions["End Date"].isna().groupby(subscriptions["Account ID"]).any()
    span = subscriptions.groupby("Account ID").agg(start=("Start Date", "min"), end=("End Date", "max"))
    end = span["end"].where(~active, subscriptions["Start Date"].max())
    accounts["tenure_days"] = accounts["Account ID"].map((end - span["start"]).dt.days)
    accounts.to_csv(ws.data_dir / "accounts.csv", index=False)
    ws.load([ws.data_dir / f"{name}.csv" for name in ("accounts", "deals", "subscriptions")])
    result = discover(ws, DiscoverySettings(outcomes=("retention",), max_depth=1))
    # Filled for customers only, it gives a win away too; for retention it is the survival time itself.
    assert set(result.leakage) == {"tenure_days"}  # and nothing honest of the demo's is flagged
    assert result.leakage["tenure_days"].endswith("(also for churn hazard ratio)")
    assert "tenure_days" not in result.attributes
    [flag] = outcome_flags(result.data, "retention")
    assert (flag.attribute, flag.evidence) == ("tenure_days", "own clock")
    rho = float(re.search(r"Spearman ([+-][0-9.]+) with days as a customer", flag.reason).group(1))
    assert rho >= 0.8
    ws.close()


def test_the_scorecard_gets_no_points_on_leaks(planted_workspace):
    from bullseye.scoring.scorecard import fit_scorecard
    from bullseye.strategy.icp import ICP
    from bullseye.workspace import Workspace

    ws = Workspace(planted_workspace)
    try:
        card = fit_scorecard(ws, ICP(name="empty"))
        learned = {f.name for f in card.features_}
        assert learned and not learned & LEAKS and "industry" in learned
    finally:
        ws.close()
