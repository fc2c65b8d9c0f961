"""The backtest of the ICP as written, on the demo company with the planted truth as the ICP:
ICP accounts must win more, close faster, churn less and be worth more on the holdout."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
import yaml
from conftest import TRUTH_ICP, demo_workspace
from typer.testing import CliRunner

from bullseye.cli import app
from bullseye.core.dataset import PERIOD, build_dataset
from bullseye.core.units import DURATION, EVENT, TENURE
from bullseye.errors import BullseyeError
from bullseye.render import to_terminal
from bullseye.scoring.backtest import (
    DISQUALIFIED,
    IN_ICP,
    KM_CHART,
    NOT_ICP,
    backtest,
    holdout_retention,
    icp_membership,
    median_interval,
)
from bullseye.strategy.icp import ICP
from bullseye.workspace import Workspace

runner = CliRunner()


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    # 20,000 accounts: at 5,000 the log-rank p-value of the planted churn effect still swings
    # between 0.003 and 0.06 from one seed to the next.
    ws = demo_workspace(tmp_path_factory, 20_000, 0)
    yield ws
    ws.close()


@pytest.fixture(scope="module")
def result(demo):
    (demo.strategy_dir / "icp.yaml").write_text(TRUTH_ICP, encoding="utf-8")
    return backtest(demo)


def test_icp_wins_more_closes_faster_and_cheaper_on_the_holdout(result):
    icp, rest = result.groups[IN_ICP], result.groups[NOT_ICP]
    assert icp["deals"] > 100 and rest["deals"] > 1000
    assert icp["win_rate"].low > rest["win_rate"].high  # non-overlapping 95% intervals
    assert icp["days_to_close"].high < rest["days_to_close"].low
    assert icp["discount"].value < rest["discount"].value
    assert icp["acv"].value > rest["acv"].value


def test_icp_churns_less_and_is_worth_more(result):
    icp, rest, dq = result.groups[IN_ICP], result.groups[NOT_ICP], result.groups[DISQUALIFIED]
    assert result.logrank["p_value"] < 0.05
    assert icp["retention"] > rest["retention"] > dq["retention"]
    assert icp["lifetime_years"].value > rest["lifetime_years"].value > dq["lifetime_years"].value
    assert icp["ltv"].low > rest["ltv"].value
    km = result.km[IN_ICP]
    assert km["days"] == sorted(km["days"]) and np.all(np.diff(km["survival"]) <= 0)


def test_coverage_cost_outside_and_outputs(result, demo):
    coverage = result.coverage
    assert coverage["best_customers"] > 100
    assert coverage["share"].low > coverage["share_of_all_accounts"]  # tiers A/B catch the best customers
    outside = result.outside
    assert outside["deals"] == result.groups[NOT_ICP]["deals"] and 0.5 < outside["share"].value < 1
    assert outside["value_per_deal_icp"] > outside["value_per_deal_outside"] and outside["cost"] > 0
    assert result.chart is None and not (demo.reports_dir / KM_CHART).exists()  # no file unless asked
    assert result.chart_png()[:8] == b"\x89PNG\r\n\x1a\n"
    body = json.loads(json.dumps(result.to_dict(), allow_nan=False))
    assert body["icp_version"] == ICP.model_validate(yaml.safe_load(TRUTH_ICP)).content_hash()
    assert set(body["groups"]) == {IN_ICP, NOT_ICP, DISQUALIFIED}


def test_membership_is_any_criterion_and_no_disqualifier():
    icp = ICP.model_validate(
        yaml.safe_load(
            TRUTH_ICP.replace(
                "disqualifiers:",
                """- id: big
  name: Big
  assumption: true
  conditions:
  - {attribute: employees, op: ">=", value: 1000}
disqualifiers:""",
            )
        )
    )
    frame = pd.DataFrame(
        {
            "industry": ["E-commerce", "Retail", "Retail", "E-commerce", None],
            "own_fleet": [True, False, False, True, None],
            "deliveries_per_day": [300, 10, 10, 300, None],
            "employees": [120, 2000, 100, 20, None],
        }
    )
    inside, disqualified = icp_membership(icp, frame)
    assert inside.tolist() == [True, True, False, False, False]
    assert disqualified.tolist() == [False, False, False, True, False]


def test_retention_window_and_km_match_lifelines(demo):
    lifelines = pytest.importorskip("lifelines")
    data = build_dataset(demo)
    window = holdout_retention(data.accounts, data.cutoff, data.as_of)
    assert (window[DURATION] > 0).all() and (window[TENURE] >= window[DURATION]).all()
    # Whole accounts: only the holdout's customers, first seen (so started) from the cut on.
    holdout = set(data.accounts.loc[data.accounts[PERIOD] == "holdout", "account_id"])
    assert len(window) and set(window["account_id"]) <= holdout
    assert window[DURATION].max() <= (data.as_of - data.cutoff).days
    from bullseye.stats import kaplan_meier

    curve = kaplan_meier(window[DURATION], window[EVENT])
    reference = lifelines.KaplanMeierFitter().fit(window[DURATION], window[EVENT])
    expected = reference.survival_function_at_times(curve["time"]).to_numpy()
    assert np.allclose(curve["survival"], expected)


def test_median_interval_uses_order_statistics():
    values = np.arange(1, 21, dtype=float)[::-1]  # n = 20: the 6th and 15th order statistics
    estimate = median_interval(values)
    assert (estimate.value, estimate.low, estimate.high) == (10.5, 6.0, 15.0)
    assert math.isnan(median_interval([]).value)


def test_missing_icp_is_one_clear_error(tmp_path):
    ws = Workspace.init(tmp_path / "no-icp")
    with pytest.raises(BullseyeError, match="bullseye discover"):
        backtest(ws)
    result = runner.invoke(app, ["validate", "-w", str(ws.root)])
    assert result.exit_code == 3 and "icp.yaml does not exist yet" in result.output
    assert "Traceback" not in result.output


def test_validate_command_prints_json(tmp_path_factory):
    ws = demo_workspace(tmp_path_factory, 1_000, 1)
    (ws.strategy_dir / "icp.yaml").write_text(TRUTH_ICP, encoding="utf-8")
    result = runner.invoke(app, ["validate", "-w", str(ws.root), "--json", "--no-chart", "--margin", "0.8"])
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert body["margin"] == 0.8 and body["chart"] is None
    assert body["groups"][IN_ICP]["win_rate"]["low"] <= body["groups"][IN_ICP]["win_rate"]["value"]
    ws.close()


def test_the_report_reads_as_tables(result):
    from rich.console import Console

    console = Console(width=160, record=True)
    console.print(to_terminal(result))
    text = console.export_text()
    for phrase in (
        "The ICP on the holdout",
        "Win rate (95% CI)",
        "log-rank p =",
        "best customers",
        "Tiers on the holdout",
        "Value per deal worked",
    ):
        assert phrase in text, phrase
    assert "Holdout win rate falls in order" in text or "Holdout win rate does NOT fall in order" in text


def test_a_lifetime_at_the_cap_is_shown_as_capped(result):
    from dataclasses import replace

    from rich.console import Console

    # a group whose customers never churned: the sBG lifetime is at its cap, so it is a lower bound
    from bullseye.core.units import DURATION, ENTRY, EVENT, TENURE
    from bullseye.scoring.backtest import _group_row

    window = pd.DataFrame(
        {
            DURATION: np.full(200, 400.0),
            EVENT: np.zeros(200, bool),
            TENURE: np.full(200, 700.0),
            ENTRY: np.full(200, 300.0),
        }
    )
    deals = pd.DataFrame(
        {
            "won": [1, 1, 0],
            "amount": [1000.0, 2000.0, np.nan],
            "days_to_close": [30, 40, np.nan],
            "discount": [0.1, 0.0, np.nan],
        }
    )
    row, _, model = _group_row("kept", deals, window, 1.0, 0)
    assert row["lifetime_capped"] and row["lifetime_cap_years"] == pytest.approx(model.lifetime_cap())
    assert row["lifetime_cap_years"] == pytest.approx(10.5, abs=0.1)
    assert not any(g["lifetime_capped"] for g in result.groups.values())  # the demo's churn is measurable
    capped = replace(
        result,
        groups={
            **result.groups,
            IN_ICP: {
                **result.groups[IN_ICP],
                **{k: row[k] for k in ("lifetime_years", "ltv", "lifetime_capped", "lifetime_cap_years")},
            },
        },
    )
    console = Console(width=160, record=True)
    console.print(to_terminal(capped))
    text = console.export_text()
    assert f"≥ {row['lifetime_years'].value:.1f} (cap)" in text and "are lower bounds" in text
    body = json.loads(json.dumps(capped.to_dict(), allow_nan=False))
    assert body["groups"][IN_ICP]["lifetime_capped"] is True and body["groups"][NOT_ICP]["lifetime_capped"] is False
