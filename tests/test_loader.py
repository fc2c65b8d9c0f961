from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest
from conftest import write

from bullseye.errors import InputFileError, MappingError
from bullseye.workspace import Workspace

ACCOUNTS = """Account ID,Company Name,Industry,Employees,Annual Revenue,Tech Stack,Create Date,own_fleet,deliveries_per_day,zip
A1,Acme,E-commerce,120,"$1.2M",Salesforce; Marketo,2024-01-05,yes,250,01310
A2,Beta Ltda,Regional carrier,51-200,,,05/02/2024,no,80,20040
A2,Beta duplicate,Regional carrier,5,,,,no,1,20040
A3,Gamma,,lots,,,2024-13-01,,,
,No id,Other,1,,,,,,
A4,Truncated
"""
DEALS = """Deal ID;Account ID;Deal Stage;Amount;List Price;Create Date;Close Date
D1;A1;Closed Won;1.000,00;1.250,00;01/02/2024;15/03/2024
D2;A2;Closed Lost;500;;01/02/2024;31/02/2024
D3;ZZ;Proposal;;;2024-03-01;
D4;A1;Won;2.000,50;;2024-03-01;2024-04-01
D5;;Discovery;;;2024-03-02;
"""


def _frame(ws, name):
    return ws.table(name).execute().sort_values(ws.table(name).columns[0]).reset_index(drop=True)


def test_load_types_quarantines_and_reconciles(workspace):
    write(workspace.data_dir / "accounts.csv", ACCOUNTS)
    write(workspace.data_dir / "deals.csv", DEALS)
    report = workspace.load()
    assert report.reconciles
    counts = {c.table: (c.read, c.loaded, c.quarantined) for c in report.files}
    assert counts == {"accounts": (6, 3, 3), "deals": (5, 5, 0)}

    accounts = _frame(workspace, "accounts")
    assert accounts.account_id.tolist() == ["A1", "A2", "A3"]
    assert accounts.loc[0, "revenue"] == 1.2e6 and list(accounts.loc[0, "tech_stack"]) == ["Salesforce", "Marketo"]
    assert (
        accounts.loc[1, "employees"] == 126 and accounts.loc[1, "name"] == "Beta Ltda"
    )  # first row of a duplicate wins
    assert str(accounts.loc[1, "created_at"])[:10] == "2024-02-05"
    # Custom attributes are kept, typed when every value reads as the type; zip codes stay text.
    schema = workspace.table("accounts").schema()
    assert schema["own_fleet"].is_boolean() and schema["deliveries_per_day"].is_integer() and schema["zip"].is_string()
    assert accounts.zip.tolist()[:2] == ["01310", "20040"]

    deals = _frame(workspace, "deals")
    assert deals.stage.tolist() == ["won", "lost", "open", "won", "open"]
    assert deals.stage_raw.tolist()[0] == "Closed Won"
    assert deals.amount.tolist()[0] == 1000.0 and deals.discount.tolist()[0] == pytest.approx(0.2)
    assert deals.amount.tolist()[3] == 2000.5

    issues = workspace.table("quarantine").execute()
    by_line = {(r.file.rsplit("/", 1)[-1], r.line, r.column): (r.reason, r.action) for r in issues.itertuples()}
    assert by_line[("accounts.csv", 4, "account_id")] == ("duplicate key, first seen on line 3", "quarantined")
    assert by_line[("accounts.csv", 5, "employees")][1] == "value_dropped"
    assert by_line[("accounts.csv", 5, "created_at")][1] == "value_dropped"
    assert by_line[("accounts.csv", 6, "account_id")] == ("missing required value", "quarantined")
    assert by_line[("accounts.csv", 7, None)][0].startswith("expected 10 fields, found 2")
    assert by_line[("deals.csv", 3, "closed_at")][1] == "value_dropped"
    assert by_line[("deals.csv", 4, "account_id")] == (
        "unknown account_id: loaded, left out of per-account outcomes",
        "kept",
    )
    assert by_line[("deals.csv", 6, "account_id")][1] == "kept"
    assert report.quarantine_csv.exists()
    assert len(report.quarantine_csv.read_text().splitlines()) == len(issues) + 1


def test_loading_the_same_files_twice_gives_the_same_warehouse(workspace):
    write(workspace.data_dir / "accounts.csv", ACCOUNTS)
    write(workspace.data_dir / "deals.csv", DEALS)
    workspace.load()
    first = {name: _frame(workspace, name) for name in ("accounts", "deals")}
    first_issues = workspace.table("quarantine").drop("load_id").execute()
    workspace.load()
    for name, frame in first.items():
        assert _frame(workspace, name).equals(frame)
    assert workspace.table("quarantine").drop("load_id").execute().equals(first_issues)
    log = workspace.table("load_log").execute()
    assert log.load_id.nunique() == 2


def test_a_failed_load_leaves_the_previous_warehouse_intact(workspace):
    write(workspace.data_dir / "accounts.csv", ACCOUNTS)
    workspace.load()
    before = _frame(workspace, "accounts")
    bad = write(workspace.root / "deals.csv", "Deal ID,Amount\nD1,10\n")
    with pytest.raises(MappingError) as error:
        workspace.load([workspace.data_dir / "accounts.csv", bad])
    message = str(error.value)
    assert "deals.csv" in message and "missing required column 'stage'" in message and "deal_id, amount" in message
    assert _frame(workspace, "accounts").equals(before)
    assert not list(workspace.state_dir.glob("*.staging-*"))


def test_later_files_update_earlier_rows_field_by_field(workspace):
    crm = write(workspace.root / "accounts.csv", "account_id,name,industry,employees\nA1,Acme,,10\nA2,Beta,Retail,20\n")
    enrich = write(
        workspace.root / "accounts_enrichment.csv",
        "account_id,industry,employees,funding\nA1,E-commerce,,5000000\nA3,Gamma,30,\n",
    )
    report = workspace.load([crm, enrich])
    frame = _frame(workspace, "accounts")
    assert frame.account_id.tolist() == ["A1", "A2", "A3"]
    assert frame.industry.tolist() == ["E-commerce", "Retail", "Gamma"]
    assert frame.employees.tolist()[0] == 10  # an empty value does not erase an earlier one
    assert frame.funding.tolist()[0] == 5e6
    enrich_count = next(c for c in report.files if c.file.endswith("enrichment.csv"))
    assert (enrich_count.loaded, enrich_count.merged) == (2, 1)


def test_mapping_file_constants_values_lookups_scale_and_account_match(workspace):
    root = workspace.root
    write(
        root / "leads.csv",
        "lead,first_contact,origin\nL1,2024-01-01,paid_search\nL2,2024-01-03,organic\nL3,2024-01-04,\n",
    )
    write(
        root / "closed.csv",
        "lead,seller,won_date,segment,product\nL1,S1,2024-02-01,pets,GTXPro\nL2,S2,2024-02-03,toys,MG Special\n",
    )
    write(root / "products.csv", "product,sales_price\nGTX Pro,4821\nMG Special,55\n")
    write(root / "sellers.csv", "seller_id,state\nS1,SP\nS9,RJ\n")
    write(
        root / "mapping.yaml",
        """
files:
  - match: leads.csv
    table: accounts
    columns: {account_id: lead, created_at: first_contact, source: origin}
  - match: leads.csv
    table: deals
    columns: {deal_id: lead, account_id: lead, created_at: first_contact}
    constants: {stage: lost}
  - match: closed.csv
    table: deals
    columns: {deal_id: lead, account_id: lead, closed_at: won_date}
    constants: {stage: won}
    values: {product: {GTXPro: GTX Pro}}
    lookups:
      - {file: products.csv, on_column: product, key: product, columns: {list_price: sales_price}}
    skip: [segment]
  - match: closed.csv
    table: accounts
    columns: {account_id: lead, seller_id: seller, industry: segment}
    skip: [won_date, product]
  - match: sellers.csv
    table: accounts
    columns: {seller_id: seller_id}
    constants: {activated: "yes"}
    account_match: seller_id
    skip: [state]
""",
    )
    files = [root / "leads.csv", root / "closed.csv", root / "sellers.csv"]
    report = workspace.load(files, mapping=root / "mapping.yaml")
    assert report.reconciles
    deals = _frame(workspace, "deals")
    assert deals.stage.tolist() == ["won", "won", "lost"]
    assert deals.list_price.tolist()[:2] == [4821, 55]
    assert deals["product"].tolist()[:2] == ["GTX Pro", "MG Special"]
    accounts = _frame(workspace, "accounts")
    assert accounts.industry.tolist()[:2] == ["pets", "toys"]
    assert accounts.activated.tolist()[0] is True and accounts.activated.isna().tolist()[1:] == [True, True]
    sellers = next(c for c in report.files if c.file.endswith("sellers.csv"))
    assert (sellers.read, sellers.loaded, sellers.quarantined) == (2, 1, 1)
    issues = workspace.table("quarantine").execute()
    assert "no account with seller_id = this value" in issues.reason.tolist()


def test_scale_and_unknown_mapping_key(workspace):
    write(workspace.root / "accounts.csv", "account,revenue_musd\nA1,12.5\n")
    write(
        workspace.root / "m.yaml",
        "files:\n  - match: accounts.csv\n    table: accounts\n    columns: {account_id: account, revenue: revenue_musd}\n    scale: {revenue: 1000000}\n",
    )
    workspace.load([workspace.root / "accounts.csv"], mapping=workspace.root / "m.yaml")
    assert _frame(workspace, "accounts").revenue.tolist() == [12.5e6]
    write(workspace.root / "bad.yaml", "files:\n  - match: accounts.csv\n    tabel: accounts\n")
    from bullseye.errors import ConfigError

    with pytest.raises(ConfigError, match=r"bad.yaml:3: unknown key 'files.0.tabel'"):
        workspace.load([workspace.root / "accounts.csv"], mapping=workspace.root / "bad.yaml")


def test_presets_read_hubspot_and_salesforce_exports(workspace):
    hubspot = write(
        workspace.root / "hubspot-crm-exports-all-deals.csv",
        "Record ID,Deal Name,Deal Stage,Amount,Close Date,Create Date,Associated Company IDs,Pipeline\n"
        '9001,Big deal,closedwon,"12,000",2024-05-01 10:00,2024-03-01 09:00,77,Sales\n',
    )
    workspace.load([hubspot], preset="hubspot")
    deals = _frame(workspace, "deals")
    assert deals[["deal_id", "account_id", "stage", "amount"]].values.tolist() == [["9001", "77", "won", 12000.0]]
    assert deals.pipeline.tolist() == ["Sales"]
    salesforce = write(
        workspace.root / "report_opportunities.csv",
        "Opportunity ID,Opportunity Name,Stage,Amount,Close Date,Created Date,Account ID,Lead Source\n"
        '006A,Renewal,Closed Lost,"$1,500.00",3/31/2024,1/15/2024,001X,Web\n',
    )
    workspace.load([salesforce], preset="salesforce")
    deals = _frame(workspace, "deals")
    row = deals.iloc[0]
    assert (row.deal_id, row.account_id, row.stage, row.amount, str(row.closed_at)[:10]) == (
        "006A",
        "001X",
        "lost",
        1500.0,
        "2024-03-31",
    )


@pytest.mark.parametrize(
    "content,message",
    [
        (b"", "empty"),
        (b"\x00\x01\x00\x02" * 100, "binary"),
        (b"PK\x03\x04" + b"\x00" * 64, "content is EXCEL"),
    ],
)
def test_unreadable_files_are_refused_before_anything_changes(workspace, content, message):
    write(workspace.data_dir / "accounts.csv", "account_id\nA1\n")
    workspace.load()
    bad = workspace.root / "deals.csv"
    bad.write_bytes(content)
    with pytest.raises(InputFileError, match=message):
        workspace.load([bad])
    assert workspace.loaded_tables() == ["accounts"]


def test_unknown_table_name_asks_for_a_mapping(workspace):
    odd = write(workspace.root / "export123.csv", "foo,bar\n1,2\n")
    with pytest.raises(MappingError, match="cannot tell which table"):
        workspace.load([odd])


def test_a_killed_load_leaves_the_old_warehouse(tmp_path):
    ws = Workspace.init(tmp_path / "ws")
    write(ws.data_dir / "accounts.csv", "account_id,name\nA1,Acme\n")
    ws.load()
    ws.close()
    big = tmp_path / "ws" / "deals.csv"
    with big.open("w") as handle:
        handle.write("deal_id,account_id,stage,amount,created_at\n")
        for i in range(400_000):
            handle.write(f"D{i},A1,Closed Won,{i}.50,2024-01-{i % 28 + 1:02d}\n")
    script = f"from bullseye.workspace import Workspace; Workspace({str(ws.root)!r}).load([{str(big)!r}])"
    proc = subprocess.Popen([sys.executable, "-c", script])
    deadline = time.time() + 60
    while time.time() < deadline and not list(ws.state_dir.glob("*.staging-*")):
        time.sleep(0.05)
    time.sleep(0.5)
    assert proc.poll() is None, "the load finished before it could be interrupted"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    again = Workspace(ws.root)
    assert again.loaded_tables() == ["accounts"]
    assert again.table("accounts").count().execute() == 1
    report = again.load([ws.data_dir / "accounts.csv"])
    assert report.reconciles and not list(again.state_dir.glob("*.staging-*"))


def test_mapping_order_decides_precedence_and_ignore_leaves_files_out(workspace):
    root = workspace.root
    write(root / "leads.csv", "id\nL1\nL2\n")
    write(root / "won.csv", "id\nL1\n")
    write(root / "notes.txt", "not crm data\n")
    write(
        root / "m.yaml",
        """
ignore: [notes.txt]
files:
  - {match: leads.csv, table: deals, columns: {deal_id: id, account_id: id}, constants: {stage: lost}}
  - {match: won.csv, table: deals, columns: {deal_id: id, account_id: id}, constants: {stage: won}}
""",
    )
    for order in ([root / "leads.csv", root / "won.csv"], [root / "won.csv", root / "leads.csv", root / "notes.txt"]):
        report = workspace.load(order, mapping=root / "m.yaml")
        assert _frame(workspace, "deals").stage.tolist() == ["won", "lost"]
        assert {c.file.rsplit("/", 1)[-1]: c.merged for c in report.files} == {"leads.csv": 0, "won.csv": 1}


def test_a_replacement_can_mean_no_value_and_lookups_are_checked(workspace):
    root = workspace.root
    write(root / "deals.csv", "deal_id,stage,amount,list_price,agent\nD1,Won,100,125,Ann\nD2,Lost,0,125,Bob\n")
    write(root / "teams.csv", "agent,manager\nAnn,Eve\n")
    write(
        root / "m.yaml",
        "files:\n  - match: deals.csv\n    table: deals\n    columns: {owner: agent}\n"
        "    values: {amount: {'0': ''}}\n"
        "    lookups: [{file: teams.csv, on_column: owner, key: agent, columns: {manager: manager}}]\n",
    )
    workspace.load([root / "deals.csv"], mapping=root / "m.yaml")
    deals = _frame(workspace, "deals")
    assert deals.amount.isna().tolist() == [False, True] and deals.manager.tolist()[0] == "Eve"
    assert deals.discount.tolist()[0] == pytest.approx(0.2) and deals.discount.isna().tolist()[1]
    assert workspace.table("quarantine").count().execute() == 0
    write(
        root / "bad.yaml",
        "files:\n  - match: deals.csv\n    table: deals\n"
        "    lookups: [{file: teams.csv, on_column: agent_name, key: agent, columns: {manager: manager}}]\n",
    )
    with pytest.raises(MappingError, match="on_column 'agent_name' must be a target column"):
        workspace.load([root / "deals.csv"], mapping=root / "bad.yaml")


def test_deals_closed_before_they_were_created_are_kept_and_reported(workspace):
    write(
        workspace.data_dir / "deals.csv",
        "deal_id,stage,created_at,closed_at\nD1,won,2024-03-08,2024-03-06\nD2,won,2024-03-01,2024-03-06\n",
    )
    workspace.load()
    issues = workspace.table("quarantine").execute()
    backwards = issues[issues.reason.str.startswith("closed before it was created")]
    assert backwards[["line", "action"]].values.tolist() == [[2, "kept"]]
    assert workspace.table("deals").count().execute() == 2


def test_templates_placeholders_types_and_derived_event_ids(workspace):
    root = workspace.root
    write(
        root / "layoffs_old.csv",
        "company,date,laid_off,share,country\n"
        "Acme,3/6/2023,500,0.05,US\nAcme,3/6/2023,500,0.05,US\n"  # the same event twice
        "Beta,1/1/1900,10,,BR\nGamma,2/2/2023,,0.125,#NAME?\n"  # placeholder date; #NAME?
        ",,,,\n",
    )  # an empty record
    write(
        root / "layoffs_new.csv",
        "company,date,laid_off,share,source\n"
        "Acme,3/6/2023,500.0,0.05,https://news/acme\nDelta,4/4/2023,7,1,https://news/d\n",
    )
    write(
        root / "m.yaml",
        """
files:
  - match: layoffs_old.csv
    table: events
    columns: {company_name: company, occurred_at: date, value: laid_off}
    templates: {description: "[{share:%} of staff]"}
    constants: {event_type: layoff, source: tracker}
    placeholders: {occurred_at: ["1/1/1900"]}
    types: {share: number}
    date_order: MDY
  - match: layoffs_new.csv
    table: events
    columns: {company_name: company, occurred_at: date, value: laid_off}
    templates: {description: "[{share:%} of staff]"}
    constants: {event_type: layoff}
    date_order: MDY
""",
    )
    report = workspace.load([root / "layoffs_new.csv", root / "layoffs_old.csv"], mapping=root / "m.yaml")
    assert report.reconciles
    counts = {c.file.rsplit("/", 1)[-1]: (c.read, c.loaded, c.quarantined, c.merged) for c in report.files}
    # The same layoff in both files is one event: the later entry's values win, field by field.
    assert counts == {"layoffs_old.csv": (5, 2, 3, 0), "layoffs_new.csv": (2, 2, 0, 1)}
    events = _frame(workspace, "events").set_index("company_name")
    assert sorted(events.index) == ["Acme", "Delta", "Gamma"]
    assert events.loc["Acme", "source"] == "https://news/acme" and events.loc["Acme", "value"] == 500
    assert events.description.to_dict() == {"Acme": "5% of staff", "Delta": "100% of staff", "Gamma": "12.5% of staff"}
    assert events.event_id.str.fullmatch(r"[0-9a-f]{16}").all() and events.event_id.is_unique
    assert events.loc["Gamma", "country"] == "#NAME?"
    issues = workspace.table("quarantine").execute()
    found = {(int(r.line), r.column, r.action): r.reason for r in issues.itertuples()}
    assert found[(3, "event_id", "quarantined")].startswith(
        "same event (same event_type, company_name, occurred_at, value"
    )
    assert found[(3, "event_id", "quarantined")].endswith("as line 2")
    assert found[(4, "occurred_at", "quarantined")].startswith("placeholder for an unknown value")
    assert found[(5, "country", "kept")].startswith("a spreadsheet error value")
    assert found[(6, None, "quarantined")] == "empty record: every field is blank"
    assert any(
        r == "same event (same event_type, company_name, occurred_at, value, description) as an earlier line"
        for _, _, r, _ in report.issue_summary
    )


def test_placeholders_on_an_optional_column_drop_the_value_not_the_row(workspace):
    root = workspace.root
    write(
        root / "universe.csv", "company_id,name,first_funding_at,total\nc1,A,1960-01-01,5/18/27\nc2,B,2012-01-02,100\n"
    )
    write(
        root / "m.yaml",
        "files:\n  - match: universe.csv\n    table: universe\n"
        "    placeholders: {first_funding_at: ['1960-01-01']}\n    types: {total: number}\n",
    )
    report = workspace.load([root / "universe.csv"], mapping=root / "m.yaml")
    assert [(c.loaded, c.quarantined) for c in report.files] == [(2, 0)]
    universe = _frame(workspace, "universe")
    assert universe.first_funding_at.isna().tolist() == [True, False] and universe.total.tolist()[1] == 100
    issues = workspace.table("quarantine").execute()
    assert sorted(zip(issues.column, issues.value, issues.action)) == [
        ("first_funding_at", "1960-01-01", "value_dropped"),
        ("total", "5/18/27", "value_dropped"),
    ]


@pytest.mark.parametrize(
    "entry,message",
    [
        ("templates: {description: 'by {buyer}'}", "template for 'description' names column 'buyer'"),
        ("templates: {description: 'by [{company}'}", "'\\[' without '\\]'"),
        ("types: {name: number}", "types for 'name': a canonical column"),
        ("placeholders: {founded_year: ['1960']}", "placeholders for 'founded_year', which is not a target column"),
    ],
)
def test_new_mapping_keys_refuse_mistakes(workspace, entry, message):
    write(workspace.root / "universe.csv", "company_id,company\nc1,A\n")
    write(workspace.root / "m.yaml", f"files:\n  - match: universe.csv\n    table: universe\n    {entry}\n")
    from bullseye.errors import ConfigError

    with pytest.raises((MappingError, ConfigError), match=message):
        workspace.load([workspace.root / "universe.csv"], mapping=workspace.root / "m.yaml")


def test_a_column_named_like_a_target_is_not_taken_as_another_targets_alias(workspace):
    write(workspace.data_dir / "events.csv", "event_id,company_id,event_type,occurred_at\nE1,c1,funding,2024-01-01\n")
    workspace.load()
    events = _frame(workspace, "events")
    assert events.company_id.tolist() == ["c1"] and events.account_id.isna().all()
