"""Accounts as units and a holdout of whole accounts: on planted deals, the demo company and a lead
export without dates, through real DuckDB workspaces and the CLI."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import demo_workspace, write
from scipy import stats
from typer.testing import CliRunner

from bullseye.cli import app
from bullseye.core.dataset import PERIOD, build_dataset
from bullseye.core.split import split_accounts
from bullseye.core.units import EVENT, holdout_retention, missing_cause, units_for

runner = CliRunner()


def _load(ws, **files: str):
    for name, text in files.items():
        write(ws.data_dir / f"{name}.csv", text)
    ws.load([ws.data_dir / f"{name}.csv" for name in files])


def test_each_account_is_one_new_business_opportunity(workspace):
    _load(
        workspace,
        accounts="account_id,industry\na1,Retail\na2,Retail\na3,Logistics\n",
        deals="""\
deal_id,account_id,stage,created_at,closed_at,amount,discount
d1,a1,lost,2024-01-01,2024-02-01,900,
d2,a1,lost,2024-03-01,2024-04-01,800,
d3,a1,won,2024-05-01,2024-05-21,1000,0.1
d4,a1,won,2024-08-01,2024-08-11,5000,0
d5,a1,lost,2024-09-01,2024-09-30,3000,
d6,a2,lost,2024-02-01,2024-03-01,700,
d7,a2,lost,2024-06-01,2024-07-01,600,
d8,a3,won,2024-03-01,2024-04-15,2000,0.2
d9,a3,won,2024-03-10,2024-06-01,2500,0.3
""",
    )
    data = build_dataset(workspace, as_of="2024-12-31")
    flags = dict(zip(data.deals["deal_id"], data.deals["new_business"]))
    # a1: two losses and the first win are its attempt; what came after the win is expansion.
    # a3: d9 was opened before the first win closed, so it belongs to the attempt.
    assert flags == {
        "d1": True,
        "d2": True,
        "d3": True,
        "d4": False,
        "d5": False,
        "d6": True,
        "d7": True,
        "d8": True,
        "d9": True,
    }
    assert sorted(data.expansions["deal_id"]) == ["d4", "d5"]
    opps = data.opportunities.set_index("account_id")
    assert opps["won"].to_dict() == {"a1": 1, "a2": 0, "a3": 1}
    assert opps.loc["a1", ["deal_id", "amount", "discount", "days_to_close"]].tolist() == ["d3", 1000, 0.1, 20]
    assert opps.loc["a3", "deal_id"] == "d8" and opps.loc["a2", "deal_id"] == "d7"
    assert opps["attempt_deals"].to_dict() == {"a1": 3, "a2": 2, "a3": 2}
    assert data.unit == "accounts"
    whole = [part for part in units_for(data, "win")]
    assert sum(len(u) for u in whole) == 3 and all(u.unit == "accounts" for u in whole)
    assert set(whole[0].rows["account_id"]).isdisjoint(whole[1].rows["account_id"])


def test_a_deal_attribute_name_on_the_accounts_is_renamed_and_internal_names_are_free(workspace):
    """Account attributes called amount, tenure, period or event neither clash nor vanish."""
    rng = np.random.default_rng(3)
    n = 120
    accounts = pd.DataFrame(
        {
            "account_id": [f"a{i}" for i in range(n)],
            "amount": rng.integers(1, 5, n),
            "tenure": rng.integers(1, 40, n),
            "period": rng.choice(["Q1", "Q2"], n),
            "event": rng.choice(["fair", "webinar"], n),
        }
    )
    days = pd.to_datetime("2023-01-01") + pd.to_timedelta(rng.integers(0, 500, n), unit="D")
    deals = pd.DataFrame(
        {
            "deal_id": [f"d{i}" for i in range(n)],
            "account_id": accounts["account_id"],
            "stage": rng.choice(["won", "lost"], n),
            "created_at": days.strftime("%Y-%m-%d"),
            "closed_at": (days + pd.Timedelta(days=30)).strftime("%Y-%m-%d"),
            "amount": 1000,
        }
    )
    won = deals[deals["stage"] == "won"]
    subs = won.assign(
        subscription_id="s" + won["deal_id"],
        start_date=won["closed_at"],
        end_date=np.where(rng.random(len(won)) < 0.4, "2024-12-01", ""),
    )
    _load(
        workspace,
        accounts=accounts.to_csv(index=False),
        deals=deals.to_csv(index=False),
        subscriptions=subs[["subscription_id", "account_id", "start_date", "end_date"]].to_csv(index=False),
    )
    data = build_dataset(workspace, as_of="2025-01-31")
    assert {"amount_attribute", "tenure", "period", "event"} <= set(data.attributes)
    assert data.opportunities["amount"].eq(1000).all()
    for outcome in ("win", "acv", "retention"):
        found, confirm = units_for(data, outcome)
        assert {"tenure", "period", "event"} <= set(found.rows.columns)
        assert found.rows["tenure"].between(1, 39).all()
    result = runner.invoke(app, ["discover", "-w", str(workspace.root), "--outcome", "retention", "--outcome", "win"])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert "Traceback" not in result.output and "KeyError" not in result.output


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    ws = demo_workspace(tmp_path_factory, 2_000, 0)  # built once per run, shared with other files
    yield ws
    ws.close()


@pytest.mark.parametrize("by_time", [True, False])
def test_no_account_is_on_both_sides(demo, by_time):
    data = build_dataset(demo, by_time=by_time)
    assert data.split.kind == ("time" if by_time else "random")
    for outcome in ("win", "days_to_close", "acv", "retention"):
        found, confirm = units_for(data, outcome)
        ids = [list(part.rows["account_id"]) for part in (found, confirm)]
        assert all(len(side) == len(set(side)) for side in ids), outcome  # one unit per account
        assert set(ids[0]).isdisjoint(ids[1]), outcome
    # Every deal, expansions included, sits on its account's side; the retention holdout follows
    # only the holdout's customers.
    side = data.accounts.set_index("account_id")[PERIOD]
    assert (data.deals["account_id"].map(side) == data.deals[PERIOD]).all()
    window = holdout_retention(data.accounts, data.cutoff, data.as_of)
    assert set(window["account_id"]) <= set(side[side == "holdout"].index) and window[EVENT].any()
    share = data.split.holdout / data.split.accounts
    assert abs(share - 0.3) < 0.02, data.split_line


def test_expansions_are_never_units_and_split_evenly_at_random(tmp_path_factory):
    """Units hold no expansion on either side; with the account split at random, the share of
    expansion deals is the same on both sides within noise (over several demo companies: those
    other test files use too, so none is built for this test alone)."""
    p_values = []
    for seed, (accounts, company) in enumerate(((2_000, 0), (2_000, 1), (3_000, 0))):
        ws = demo_workspace(tmp_path_factory, accounts, company)
        data = build_dataset(ws, by_time=False, seed=seed)
        nb = set(data.deals.loc[data.deals["new_business"], "deal_id"])
        for part in units_for(data, "win"):
            assert set(part.rows["deal_id"]) <= nb
        counts = [
            [int((~d["new_business"]).sum()), int(d["new_business"].sum())]
            for d in (data.deals_in("discovery"), data.deals_in("holdout"))
        ]
        assert min(c[0] for c in counts) > 20, counts
        p_values.append(stats.chi2_contingency(counts).pvalue)
        ws.close()
    assert min(p_values) > 0.001 and np.median(p_values) > 0.05, p_values


def test_random_split_is_reproducible_by_seed():
    ids = pd.Index([f"acc{i:04d}" for i in range(1000)])
    undated = pd.Series([pd.NaT] * len(ids), index=ids)
    first, split = split_accounts(undated, 0.3, seed=7)
    again, _ = split_accounts(undated.sample(frac=1, random_state=1), 0.3, seed=7)  # another order
    other, _ = split_accounts(undated, 0.3, seed=8)
    assert split.kind == "random" and split.holdout == 300 and split.cutoff is None
    assert split.line == "no dates: holdout is a seeded random 30% of accounts (300 of 1,000; seed 7)"
    assert first.equals(again.loc[first.index])
    assert not first.equals(other) and (other == "holdout").sum() == 300


def test_time_split_puts_the_accounts_first_seen_after_the_cut_in_the_holdout():
    rng = np.random.default_rng(0)
    ids = pd.Index([f"a{i}" for i in range(500)])
    seen = pd.Series(pd.to_datetime("2023-01-01") + pd.to_timedelta(rng.integers(0, 700, 500), unit="D"), index=ids)
    period, split = split_accounts(seen, 0.3)
    assert split.kind == "time" and abs(split.holdout / 500 - 0.3) < 0.02
    assert (seen[period == "holdout"] >= pd.Timestamp(split.cutoff)).all()
    assert (seen[period == "discovery"] < pd.Timestamp(split.cutoff)).all()
    # A few accounts without a date are placed at random; most on one date (a snapshot) cannot be cut in time.
    seen.iloc[:10] = pd.NaT
    period, split = split_accounts(seen, 0.3)
    assert split.kind == "time" and split.undated == 10 and "10 accounts without a date" in split.line
    _, split = split_accounts(pd.Series(pd.Timestamp("2024-06-30"), index=ids), 0.3)
    assert split.kind == "random" and "one date" in split.reason


def _lead_export(root, n: int = 1200, seed: int = 0) -> None:
    """Leads with no date at all: industry and source drive the win rate (planted)."""
    rng = np.random.default_rng(seed)
    industry = rng.choice(["Retail", "Software", "Health", "Education"], n)
    source = rng.choice(["Referral", "Paid search", "Organic"], n)
    rate = np.where(industry == "Software", 0.55, 0.15) + np.where(source == "Referral", 0.15, 0.0)
    write(
        root / "accounts.csv",
        pd.DataFrame(
            {
                "account_id": [f"L{i}" for i in range(n)],
                "industry": industry,
                "source": source,
                "employees": rng.integers(5, 500, n),
            }
        ).to_csv(index=False),
    )
    write(
        root / "deals.csv",
        pd.DataFrame(
            {
                "deal_id": [f"D{i}" for i in range(n)],
                "account_id": [f"L{i}" for i in range(n)],
                "stage": np.where(rng.random(n) < rate, "Closed Won", "Closed Lost"),
                "amount": rng.integers(1, 50, n) * 100,
            }
        ).to_csv(index=False),
    )


def test_a_lead_export_without_dates_runs_discover_validate_and_score(workspace):
    _lead_export(workspace.data_dir)
    workspace.load()
    data = build_dataset(workspace)
    assert data.split.kind == "random" and data.cutoff is None and data.date_range is None
    line = "no deal dates: holdout is a seeded random 30% of accounts"
    assert data.split_line.startswith(line)
    root = str(workspace.root)
    found = runner.invoke(app, ["discover", "-w", root, "--outcome", "win"])
    text = " ".join(found.output.split())
    assert found.exit_code == 0 and line in text, found.output
    assert "Software" in text and (workspace.strategy_dir / "icp.yaml").exists()
    for command in (["validate", "--no-chart"], ["score", "--top", "5"]):
        result = runner.invoke(app, [*command, "-w", root])
        assert result.exit_code == 0, result.output
        assert "Traceback" not in result.output and "both won and lost" not in result.output
        assert line in " ".join(result.output.split()), result.output


def test_an_outcome_without_units_names_its_real_cause(workspace):
    _lead_export(workspace.data_dir, n=200)
    workspace.load()
    data = build_dataset(workspace)
    assert missing_cause(data, "win") is None and missing_cause(data, "acv") is None
    assert missing_cause(data, "days_to_close") == (
        "the won deals have no creation or close date, so days to close cannot be measured"
    )
    assert missing_cause(data, "retention").startswith("no customers with a start date")
    won_only = data.opportunities.assign(won=1)
    data.opportunities = won_only
    assert missing_cause(data, "win") == "0 lost and 200 won accounts: win discovery needs both"
