"""Bullseye run as a new user would on exports in the shapes real CRMs and lead tools write: a
HubSpot companies + deals export, a Salesforce report with its footer, a lead list without dates,
a lead report with a status column only, a churn snapshot. tests/real_exports.py builds each from
the shared public datasets at test time; the CLI runs through Typer's CliRunner."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from typer.testing import CliRunner

sys.path.insert(0, str(Path(__file__).parent))
import real_exports  # noqa: E402
from conftest import datasets_dir  # noqa: E402

from bullseye.cli import app  # noqa: E402

runner = CliRunner()


def cli(*args) -> object:
    result = runner.invoke(app, [str(a) for a in args])
    assert "Traceback" not in result.output, result.output
    return result


def query(ws: Path, sql: str) -> pd.DataFrame:
    with duckdb.connect(str(ws / ".bullseye" / "warehouse.duckdb"), read_only=True) as con:
        return con.sql(sql).df()


@pytest.fixture(scope="module")
def shared() -> Path:
    found = datasets_dir()
    if found is None:
        pytest.skip("public datasets not found: set BULLSEYE_DATASETS or place them in ../shared/datasets")
    return found


def _workspace(tmp_path_factory, name: str) -> Path:
    root = tmp_path_factory.mktemp(name) / "ws"
    assert cli("init", root).exit_code == 0
    return root


def _loaded(result) -> dict:
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert body["reconciles"], body
    return body


def test_hubspot_exports_load_with_the_preset_and_multi_company_deals_find_their_account(shared, tmp_path_factory):
    files = real_exports.hubspot_exports(shared, tmp_path_factory.mktemp("hubspot"), rows=500)
    ws = _workspace(tmp_path_factory, "hs")
    body = _loaded(cli("load", "-w", ws, "--preset", "hubspot", "--json", *files))
    assert body["table_rows"] == {"accounts": 85, "deals": 500}
    raw = pd.read_csv(files[1], dtype=str)
    several = raw["Associated Company IDs"].str.contains(";", na=False)
    assert several.sum() > 50  # deals at subsidiaries, associated with the parent too
    deals = query(
        ws, "SELECT d.*, a.account_id IS NOT NULL AS known FROM deals d LEFT JOIN accounts a USING (account_id)"
    )
    # Each deal keeps its own company (the first id of the cell), and every named company is known.
    by_id = deals.set_index("deal_id")
    first = raw.set_index("Record ID")["Associated Company IDs"].str.split(";").str[0]
    assert (by_id.loc[first.dropna().index, "account_id"] == first.dropna()).all()
    assert by_id["known"][by_id["account_id"].notna()].all()
    reasons = {row["reason"]: row["count"] for row in body["issue_summary"]}
    assert reasons[next(r for r in reasons if r.startswith("several account ids in one cell"))] == several.sum()
    assert not any(r.startswith("unknown account_id") for r in reasons), reasons
    # HubSpot's labels and date-times: "Closed won" is won, "2017-03-01 00:00" a date.
    assert set(deals["stage"]) == {"won", "lost", "open"}
    assert (deals["stage"] == "won").sum() == (raw["Deal Stage"] == "Closed won").sum()
    assert deals["created_at"].notna().all() and deals["closed_at"].notna().sum() == raw["Close Date"].notna().sum()
    outcomes = cli("outcomes", "-w", ws)
    assert outcomes.exit_code == 0 and "85" in outcomes.output, outcomes.output
    found = cli("discover", "-w", ws, "--outcome", "win")
    assert found.exit_code == 0, found.output
    # Nearly every Maven account wins its new-business opportunity: the refusal names that count.
    assert re.search(r"\b\d lost deals? before the cut: win discovery needs both", found.output), found.output


def test_a_hubspot_export_loaded_without_the_preset_is_told_which_preset_reads_it(shared, tmp_path_factory):
    files = real_exports.hubspot_exports(shared, tmp_path_factory.mktemp("hubspot_plain"), rows=50)
    ws = _workspace(tmp_path_factory, "hs_plain")
    refused = cli("load", "-w", ws, *files)
    assert refused.exit_code != 0 and "load it with --preset hubspot" in refused.output, refused.output
    assert "missing required column 'account_id'" in refused.output


def test_hubspot_lead_funnel_keeps_the_crm_written_outcome_out_by_evidence(shared, tmp_path_factory):
    files = real_exports.hubspot_lead_deals(shared, tmp_path_factory.mktemp("hubspot_leads"), rows=2500)
    ws = _workspace(tmp_path_factory, "hl")
    _loaded(cli("load", "-w", ws, "--preset", "hubspot", "--json", *files))
    found = cli("discover", "-w", ws, "--outcome", "win", "--json")
    assert found.exit_code == 0, found.output
    body = json.loads(found.stdout)
    # Both fields the CRM or the rep fill from the outcome: the company's stage and the lead status.
    for field in ("lifecycle_stage", "lead_status"):
        assert "alone nearly decides the outcome" in body["leakage"].get(field, ""), body["leakage"]
    assert "last_activity_date" not in body["attributes"]
    labels = [f["label"] for f in body["outcomes"]["win"]["findings"] + body["outcomes"]["win"]["negative"]]
    assert not any("lifecycle_stage" in label or "lead_status" in label for label in labels), labels
    if not (ws / "strategy" / "icp.yaml").exists():  # nothing significant: score names what discover found
        scored = cli("score", "-w", ws)
        assert scored.exit_code != 0 and "the last `bullseye discover` drafted none (win rate:" in scored.output


def test_salesforce_report_loads_with_its_footer_named_and_locale_dates_read(shared, tmp_path_factory):
    files = real_exports.salesforce_report(shared, tmp_path_factory.mktemp("salesforce"), rows=800)
    ws = _workspace(tmp_path_factory, "sf")
    body = _loaded(cli("load", "-w", ws, "--preset", "salesforce", "--json", *files))
    assert body["table_rows"] == {"accounts": 85, "deals": 800}
    per_file = {Path(f["file"]).name: f for f in body["files"]}
    assert [per_file[p.name]["quarantined"] for p in files] == [4, 4]  # copyright, confidential, by, company
    reasons = [row["reason"] for row in body["issue_summary"] if row["action"] == "quarantined"]
    assert reasons and all("report footer" in r for r in reasons), reasons
    raw = pd.read_csv(files[1], dtype=str, skipfooter=6, engine="python")
    deals = query(ws, "SELECT * FROM deals ORDER BY _line")
    assert (deals["stage"] == "won").sum() == (raw["Won"] == "1").sum()
    assert (deals["stage"] != "open").sum() == (raw["Closed"] == "1").sum()
    # "31/12/2017" day first, "1,054.00" with a thousands separator; Year Started is founded_year.
    expected = pd.to_datetime(raw["Created Date"], dayfirst=True).dt.date
    assert (deals["created_at"].dt.date.to_numpy() == expected.to_numpy()).all()
    assert deals["amount"].round(2).tolist() == raw["Amount"].str.replace(",", "").astype(float).tolist()
    assert query(ws, "SELECT count(*) AS n FROM accounts WHERE founded_year IS NULL")["n"][0] == 0
    assert cli("outcomes", "-w", ws).exit_code == 0


def test_salesforce_won_and_closed_flags_decide_custom_stage_names(shared, tmp_path_factory):
    folder = tmp_path_factory.mktemp("salesforce_custom")
    files = real_exports.salesforce_report(shared, folder, rows=400)
    text = files[1].read_text(encoding="utf-8")
    files[1].write_text(
        text.replace('"Closed Won"', '"Contract Signed"').replace('"Closed Lost"', '"Dead - No Budget"'),
        encoding="utf-8",
    )
    ws = _workspace(tmp_path_factory, "sf_custom")
    body = _loaded(cli("load", "-w", ws, "--preset", "salesforce", "--json", *files))
    assert not any(row["reason"].startswith("stage '") for row in body["issue_summary"])
    counts = query(ws, "SELECT stage_raw, stage, count(*) AS n FROM deals GROUP BY ALL")
    assert set(zip(counts["stage_raw"], counts["stage"])) == {
        ("Contract Signed", "won"),
        ("Dead - No Budget", "lost"),
        ("Prospecting", "open"),
        ("Proposal/Price Quote", "open"),
    }


NAME_ONLY_MAPPING = """\
preset: salesforce
files:
  - match: report1512345678901.csv
    table: accounts
  - match: opportunities.csv
    table: deals
    columns: {account_id: Account Name}
    account_match: name
"""


def test_an_opportunity_report_without_account_ids_finds_accounts_by_name(shared, tmp_path_factory):
    folder = tmp_path_factory.mktemp("salesforce_names")
    accounts, report = real_exports.salesforce_report(shared, folder, rows=500)
    lines = report.read_text(encoding="utf-8").splitlines(keepends=True)
    body, footer = pd.read_csv(report, dtype=str, skipfooter=6, engine="python", keep_default_na=False), lines[-6:]
    body.drop(columns=["Account ID"]).to_csv(folder / "opportunities.csv", index=False, quoting=1, lineterminator="\n")
    with (folder / "opportunities.csv").open("a", encoding="utf-8") as out:
        out.writelines(footer)
    ws = _workspace(tmp_path_factory, "sf_names")
    mapping = _write(ws / "mapping.yaml", NAME_ONLY_MAPPING)
    loaded = _loaded(cli("load", "-w", ws, "--mapping", mapping, "--json", accounts, folder / "opportunities.csv"))
    assert loaded["table_rows"] == {"accounts": 85, "deals": 500}
    deals = query(ws, "SELECT d.deal_id, d.account_id, a.name FROM deals d LEFT JOIN accounts a USING (account_id)")
    named = body.set_index("Opportunity ID")["Account Name"]
    by_id = deals.set_index("deal_id")
    assert (by_id.loc[named.index, "name"].fillna("") == named).all()  # each found by its name, or none
    reasons = {row["reason"]: row["action"] for row in loaded["issue_summary"]}
    assert reasons.get("no account_id: loaded, left out of per-account outcomes") == "kept", reasons


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


LEADS_MAPPING = """\
files:
  - match: leads.csv
    table: accounts
    columns: {account_id: Lead ID}
    skip: [Converted]
  - match: leads.csv
    table: deals
    columns: {deal_id: Lead ID, account_id: Lead ID, stage: Converted}
    values:
      stage: {"Yes": won, "No": lost}
    keep_unmapped: false
"""


def test_a_lead_list_without_dates_runs_on_a_random_split_and_keeps_the_call_length_out(shared, tmp_path_factory):
    ws = _workspace(tmp_path_factory, "leads")
    leads = real_exports.dateless_leads(shared, ws / "data", rows=3000)
    mapping = _write(ws / "mapping.yaml", LEADS_MAPPING)
    body = _loaded(cli("load", "-w", ws, "--mapping", mapping, "--json", leads))
    assert body["table_rows"] == {"accounts": 3000, "deals": 3000}
    found = cli("discover", "-w", ws, "--outcome", "win", "--json")
    assert found.exit_code == 0, found.output
    result = json.loads(found.stdout)
    assert result["split"]["kind"] != "time", result["split"]
    assert "call_duration_sec" in result["leakage"], result["leakage"]
    labels = [f["label"] for f in result["outcomes"]["win"]["findings"]]
    assert not any("call_duration_sec" in label for label in labels), labels
    assert "call_duration_sec" not in (ws / "strategy" / "icp.yaml").read_text()
    for command in (("validate", "--no-chart"), ("score", "--top", "5"), ("explain", "L-100000")):
        result = cli(*command, "-w", ws)
        assert result.exit_code == 0, (command, result.output)


STATUS_MAPPING = """\
files:
  - match: leads_report.csv
    table: accounts
    columns: {account_id: Lead ID}
    skip: [Lead Status]
  - match: leads_report.csv
    table: deals
    columns: {deal_id: Lead ID, account_id: Lead ID, stage: Lead Status}
    keep_unmapped: false
"""


def test_a_lead_status_column_alone_gives_won_lost_and_open(shared, tmp_path_factory):
    ws = _workspace(tmp_path_factory, "status")
    report = real_exports.stage_only_leads(shared, ws / "data", rows=3000)
    _loaded(cli("load", "-w", ws, "--mapping", _write(ws / "mapping.yaml", STATUS_MAPPING), "--json", report))
    raw = pd.read_csv(report)["Lead Status"].value_counts()
    stages = query(ws, "SELECT stage, count(*) AS n FROM deals GROUP BY stage").set_index("stage")["n"]
    assert stages["won"] == raw["Closed - Converted"] and stages["lost"] == raw["Closed - Not Converted"]
    assert stages["open"] == raw["Working - Contacted"]


def test_stages_no_rule_reads_are_named_by_the_load_and_by_discover(shared, tmp_path_factory):
    ws = _workspace(tmp_path_factory, "unread")
    report = real_exports.stage_only_leads(shared, ws / "data", rows=600)
    frame = pd.read_csv(report, dtype=str)
    frame["Lead Status"] = frame["Lead Status"].map(
        {"Closed - Converted": "Sale made", "Closed - Not Converted": "No sale", "Working - Contacted": "Calling"}
    )
    frame.to_csv(report, index=False)
    body = _loaded(cli("load", "-w", ws, "--mapping", _write(ws / "mapping.yaml", STATUS_MAPPING), "--json", report))
    named = [row["reason"] for row in body["issue_summary"] if row["reason"].startswith("stage '")]
    assert {r.split("'")[1] for r in named} == {"Sale made", "No sale", "Calling"}, named
    assert all("no deal reads as won or lost" in r for r in named)
    refused = cli("discover", "-w", ws)
    assert refused.exit_code != 0 and "no stage reads as won or lost" in refused.output, refused.output
    assert "'No sale'" in refused.output


CHURN_MAPPING = """\
files:
  - match: customers.csv
    table: accounts
    columns: {{account_id: Customer ID}}
    skip: [Cancelled]
  - match: customers.csv
    table: subscriptions
    as_of: 2025-06-30
    keep_unmapped: false
    columns: {{subscription_id: Customer ID, account_id: Customer ID}}
    derive:
      start_date: {{from: tenure, unit: {unit}, before: as_of}}
      end_date: {{at: as_of, when: Cancelled}}
"""


@pytest.mark.parametrize("flag", ["yesno", "truefalse"])
def test_a_churn_snapshot_runs_retention_without_deals(shared, tmp_path_factory, flag):
    ws = _workspace(tmp_path_factory, f"churn_{flag}")
    snapshot = real_exports.churn_snapshot(shared, ws / "data", flag=flag)
    mapping = _write(ws / "mapping.yaml", CHURN_MAPPING.format(unit="months"))
    body = _loaded(cli("load", "-w", ws, "--mapping", mapping, "--json", snapshot))
    assert body["table_rows"] == {"accounts": 3333, "subscriptions": 3333}
    ended = query(ws, "SELECT count(end_date) AS n FROM subscriptions")["n"][0]
    assert ended == 483  # the churned customers of both files
    found = cli("discover", "-w", ws, "--outcome", "retention", "--json")
    assert found.exit_code == 0, found.output
    result = json.loads(found.stdout)
    worse = [f["label"] for f in result["outcomes"]["retention"]["negative"]]
    better = [f["label"] for f in result["outcomes"]["retention"]["findings"]]
    assert not any("tenure" in label for label in worse + better)  # the survival time is not a driver
    assert any("international_plan" in lb or "support_tickets" in lb or "voicemail" in lb for lb in worse + better)
    validated = cli("validate", "--no-chart", "-w", ws)
    assert validated.exit_code == 0, validated.output
    scored = cli("score", "--top", "5", "-w", ws)
    assert scored.exit_code != 0 and "0 won and 0 lost" in scored.output, scored.output
