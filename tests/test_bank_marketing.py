"""examples/bank_marketing: UCI Bank Marketing loads through the CLI, "unknown" is read as missing,
and the leakage guard keeps `duration` (known only after the call) out with its reason.

Expected numbers are computed here with pandas from the raw files. Without the datasets these
tests are skipped with the reason.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from conftest import datasets_dir
from typer.testing import CliRunner

from bullseye.cli import app
from bullseye.core.screening import usable_attributes
from bullseye.discover.leakage import screen_binary
from bullseye.workspace import Workspace

MAPPING = Path(__file__).resolve().parents[1] / "examples" / "bank_marketing" / "mapping.yaml"
FOLDER = "bank_marketing_uci"
MISSING = ["job", "education", "contact", "poutcome"]  # the columns where the file writes "unknown"
runner = CliRunner()


def _folder() -> Path:
    found = datasets_dir()
    if found is None or not (found / FOLDER).is_dir():
        pytest.skip("public datasets not found: set BULLSEYE_DATASETS or place them in ../shared/datasets")
    return found / FOLDER


def _raw(name: str) -> pd.DataFrame:
    return pd.read_csv(_folder() / name, sep=";", dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def bank(tmp_path_factory):
    """The 10% sample (bank.csv) loaded through the CLI with the example's mapping."""
    root = tmp_path_factory.mktemp("bank") / "ws"
    assert runner.invoke(app, ["init", str(root)]).exit_code == 0
    result = runner.invoke(
        app, ["load", "--workspace", str(root), "--mapping", str(MAPPING), "--json", str(_folder() / "bank.csv")]
    )
    assert result.exit_code == 0, result.output
    ws = Workspace(root)
    yield root, json.loads(result.stdout), ws
    ws.close()


def test_every_client_is_an_account_with_one_deal_and_unknown_is_missing(bank):
    _, report, ws = bank
    raw = _raw("bank.csv")
    assert report["reconciles"] and report["table_rows"] == {"accounts": len(raw), "deals": len(raw)}
    accounts, deals = ws.table("accounts").execute(), ws.table("deals").execute()
    assert accounts["account_id"].is_unique and set(deals["account_id"]) == set(accounts["account_id"])
    assert deals["stage"].value_counts().to_dict() == {
        "lost": int((raw.y == "no").sum()),
        "won": int((raw.y == "yes").sum()),
    }
    for column in MISSING:
        assert accounts[column].isna().sum() == (raw[column] == "unknown").sum() > 0, column
        assert "unknown" not in set(accounts[column].dropna())
    assert "y" not in accounts.columns  # the outcome is not a trait
    order = accounts.set_index("_line").sort_index()  # line 2 is the first record
    assert (order["duration"].to_numpy() == raw["duration"].astype(int).to_numpy()).all()


def test_the_guard_keeps_duration_out_on_the_loaded_sample(bank):
    _, _, ws = bank
    accounts, deals = ws.table("accounts").execute(), ws.table("deals").execute()
    columns = [c for c in accounts.columns if not c.startswith("_")]
    attributes, _ = usable_attributes(accounts, columns)
    assert "duration" in attributes and "poutcome" in attributes
    rows = deals[["account_id", "stage"]].merge(accounts, on="account_id")
    flags = screen_binary(rows, attributes, (rows["stage"] == "won").to_numpy())
    assert [(f.attribute, f.evidence) for f in flags] == [("duration", "near-deterministic")]


def test_the_guard_keeps_duration_out_on_the_full_file():
    """All 45,211 clients: duration alone flags (short calls almost never subscribe); the strong
    honest segment (a previous campaign's success: 65% subscribe against 12%) stays in."""
    raw = pd.read_csv(_folder() / "bank-full.csv", sep=";", na_values=["unknown"], keep_default_na=False)
    attributes = [c for c in raw.columns if c != "y"]
    won = (raw["y"] == "yes").to_numpy()
    [flag] = screen_binary(raw, attributes, won)
    assert (flag.attribute, flag.evidence) == ("duration", "near-deterministic")
    cut = float(flag.reason.split("'duration <= ")[1].split("'")[0])
    short = raw["duration"] <= cut
    assert f"({100 * won[short].mean():.1f}% won over {short.sum():,} deals" in flag.reason
    assert won[raw["poutcome"] == "success"].mean() > 0.6


def test_bullseye_discover_keeps_duration_out_with_its_reason(bank):
    root, _, _ = bank
    result = runner.invoke(
        app, ["discover", "--workspace", str(root), "--outcome", "win", "--max-depth", "1", "--json"]
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert "duration" in report["leakage"] and "alone nearly decides the outcome" in report["leakage"]["duration"]
    assert "duration" not in report["attributes"]
    assert set(report["leakage"]) == {"duration"}
    searched = {c["attribute"] for f in report["outcomes"]["win"]["findings"] for c in f["conditions"]}
    assert "duration" not in searched and searched
    assert "random" in json.dumps(report["split"])  # no dates: a seeded random split of the clients, said so
