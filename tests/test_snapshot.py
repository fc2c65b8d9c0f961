"""Snapshot churn exports (one row per customer: tenure and a churned flag, no dates): dates derived
by the mapping, retention without a deals table, and the shared orange_telecom_churn file end to end."""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import pytest
import yaml
from conftest import write
from typer.testing import CliRunner

from bullseye.cli import app
from bullseye.core.dataset import build_dataset
from bullseye.core.units import EVENT, holdout_retention, units_for
from bullseye.errors import ConfigError, MappingError
from bullseye.workspace import Workspace

runner = CliRunner()

SNAPSHOT_MAPPING = """\
files:
  - match: "{match}"
    table: accounts
    derive:
      account_id: {{id: line}}
    skip: [churn]
  - match: "{match}"
    table: subscriptions
    as_of: 2025-06-30
    keep_unmapped: false
    derive:
      subscription_id: {{id: line}}
      account_id: {{id: line}}
      start_date: {{from: tenure, unit: {unit}, before: as_of}}
      end_date: {{at: as_of, when: churn}}
"""


def _rows(ws: Workspace, table: str) -> pd.DataFrame:
    return ws.table(table).execute().sort_values("_line").reset_index(drop=True)


def test_a_mapping_derives_dates_from_tenure_and_a_churn_flag(workspace):
    write(workspace.root / "snap.csv", "plan,tenure,churn\nBasic,12,False\nPro,1.5,True\nBasic,x,False\n")
    write(workspace.root / "m.yaml", SNAPSHOT_MAPPING.format(match="snap.csv", unit="months"))
    report = workspace.load([workspace.root / "snap.csv"], mapping=workspace.root / "m.yaml")
    assert report.reconciles
    subs = _rows(workspace, "subscriptions")
    assert subs["account_id"].tolist() == ["snap.csv:2", "snap.csv:3"]
    # 12 months = 365.25 days, rounded; 1.5 months = 46 days; no tenure, no start (the row is quarantined).
    assert pd.to_datetime(subs["start_date"]).dt.date.tolist() == [dt.date(2024, 6, 30), dt.date(2025, 5, 15)]
    assert subs["end_date"].isna().tolist() == [True, False]
    assert pd.Timestamp(subs["end_date"].iloc[1]).date() == dt.date(2025, 6, 30)
    accounts = _rows(workspace, "accounts")
    assert "churn" not in accounts.columns and accounts["tenure"].tolist() == ["12", "1.5", "x"]
    issues = workspace.table("quarantine").execute()
    assert (issues["column"] == "start_date").sum() == 1


@pytest.mark.parametrize(
    "entry,message",
    [
        (
            "derive: {start_date: {from: tenure, before: as_of}}",
            r"m.yaml:4: key 'files.0.derive': Value error, 'start_date' counts from as_of: give the snapshot's date",
        ),
        (
            "as_of: 2025-06-30\n    derive: {start_date: {from: tenure, unit: fortnights, before: as_of}}",
            r"m.yaml:5: key 'files.0.derive.start_date.unit'",
        ),
        (
            "derive: {start_date: {from: tenure}}",
            r"key 'files.0.derive.start_date': Value error, 'from' needs exactly one",
        ),
        (
            "derive: {start_date: {from: tenure, before: 2025-13-01}}",
            r"m.yaml:4: a value cannot be read \(month must be in 1..12\)",
        ),
        ("derive: {start_date: {from: tenure, before: '2025-13-01'}}", r"m.yaml:4: .*'2025-13-01' is not a date"),
        (
            "derive: {start_date: {from: tenure, before: 2025-06-30, color: red}}",
            r"unknown key 'files.0.derive.start_date.color'",
        ),
    ],
)
def test_date_derivations_refuse_mistakes_with_file_line_and_key(workspace, entry, message):
    write(workspace.root / "snap.csv", "account_id,tenure\na1,3\n")
    write(workspace.root / "m.yaml", f"files:\n  - match: snap.csv\n    table: subscriptions\n    {entry}\n")
    with pytest.raises(ConfigError, match=message):
        workspace.load([workspace.root / "snap.csv"], mapping=workspace.root / "m.yaml")


def test_a_derivation_naming_a_missing_column_is_refused(workspace):
    write(workspace.root / "snap.csv", "account_id,tenure\na1,3\n")
    write(
        workspace.root / "m.yaml",
        "files:\n  - match: snap.csv\n    table: subscriptions\n    derive:\n"
        "      subscription_id: {id: line}\n"
        "      start_date: {from: months_active, unit: months, after: 2020-01-01}\n",
    )
    with pytest.raises(MappingError, match="derive for 'start_date' names column 'months_active'"):
        workspace.load([workspace.root / "snap.csv"], mapping=workspace.root / "m.yaml")


@pytest.fixture(scope="module")
def orange(tmp_path_factory, request):
    """The shared orange_telecom_churn files, copied with 'Account length' renamed to 'tenure', loaded
    with a snapshot mapping: accounts and subscriptions, no deals."""
    from conftest import datasets_dir

    source = datasets_dir()
    if source is None or not (source / "orange_telecom_churn").is_dir():
        pytest.skip("public datasets not found: set BULLSEYE_DATASETS or place them in ../shared/datasets")
    ws = Workspace.init(tmp_path_factory.mktemp("orange") / "ws")
    for path in sorted((source / "orange_telecom_churn").glob("churn-bigml-*.csv")):
        text = path.read_text(encoding="utf-8")
        write(ws.data_dir / path.name, text.replace("Account length", "tenure", 1))
    write(ws.root / "mapping.yaml", SNAPSHOT_MAPPING.format(match="churn-bigml-*.csv", unit="days"))
    report = ws.load(sorted(ws.data_dir.glob("churn-bigml-*.csv")), mapping=ws.root / "mapping.yaml")
    assert report.reconciles and report.table_rows["accounts"] == 3333 and report.table_rows["subscriptions"] == 3333
    yield ws
    ws.close()


def test_snapshot_churn_builds_a_dataset_without_deals(orange):
    data = build_dataset(orange)
    assert data.as_of == dt.date(2025, 6, 30) and data.deals.empty and data.opportunities.empty
    assert "tenure" in data.attributes  # an attribute like any other, not the internal duration
    assert data.split.kind == "time" and abs(data.split.holdout / 3333 - 0.3) < 0.03, data.split_line
    found, confirm = units_for(data, "retention")
    assert len(found) + len(confirm) == 3333 and set(found.rows["account_id"]).isdisjoint(confirm.rows["account_id"])
    churned = data.accounts["churned"].eq(True)
    assert churned.sum() == 483  # 388 + 95 churned customers in the two files
    counts = [data.counts(p)["churn_events"] for p in ("discovery", "holdout")]
    assert sum(counts) == 483 and min(counts) > 0 and counts[0] == int(found.events.sum())
    window = holdout_retention(data.accounts, data.cutoff, data.as_of)
    assert len(window) == len(confirm) and int(window[EVENT].sum()) == counts[1]


def test_retention_discovery_runs_on_a_snapshot_and_finds_the_known_drivers(orange):
    result = runner.invoke(app, ["discover", "-w", str(orange.root), "--outcome", "retention", "--json"])
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert body["split"]["kind"] == "time" and body["unit"] == "accounts"
    worse = body["outcomes"]["retention"]["negative"]
    # Among the drivers the dataset's README documents: the international plan and many service calls.
    assert any("international_plan" in f["label"] or "customer_service_calls" in f["label"] for f in worse), [
        f["label"] for f in worse
    ]
    assert (orange.strategy_dir / "icp.yaml").exists()
    drafted = yaml.safe_load((orange.strategy_dir / "icp.yaml").read_text(encoding="utf-8"))["description"]
    # what the draft rests on, as the data has it: customers, and no "0 accounts with an opportunity"
    assert drafted.startswith("Drafted by `bullseye discover` from 3,333 customers as of"), drafted
    shown = runner.invoke(app, ["discover", "-w", str(orange.root), "--outcome", "retention", "--force"])
    assert shown.exit_code == 0 and "Traceback" not in shown.output, shown.output


def test_validate_runs_on_a_snapshot_and_score_names_what_it_lacks(orange):
    if not (orange.strategy_dir / "icp.yaml").exists():
        runner.invoke(app, ["discover", "-w", str(orange.root), "--outcome", "retention"])
    validated = runner.invoke(app, ["validate", "--no-chart", "-w", str(orange.root), "--json"])
    assert validated.exit_code == 0, validated.output
    result = json.loads(validated.output)
    assert result["groups"]["ICP"]["customers"] + result["groups"]["Not ICP"]["customers"] > 0
    assert any(curve["days"] for curve in result["km"].values())  # Kaplan-Meier curves on retention alone
    scored = runner.invoke(app, ["score", "--top", "5", "-w", str(orange.root)])
    assert "Traceback" not in scored.output
    assert scored.exit_code == 6 and "0 won and 0 lost" in scored.output, scored.output
