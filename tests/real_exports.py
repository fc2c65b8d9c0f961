"""Exports in the shapes real CRMs and lead tools write, built from the shared public datasets.

Nothing here is data: each function reads a dataset from ``datasets_dir()`` and writes the file(s)
a user of that tool would download, with its column names, stage labels, date formats and quirks
(HubSpot's "Associated Company IDs" with several ids, a Salesforce report's footer lines, a lead
list with no dates, a churn snapshot). tests/test_real_exports.py loads them through the CLI as a
new user would. ``python tests/real_exports.py FOLDER`` writes all of them to FOLDER.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = [
    "hubspot_exports",
    "hubspot_lead_deals",
    "salesforce_report",
    "dateless_leads",
    "stage_only_leads",
    "churn_snapshot",
    "write_all",
]

# Maven's stages as a HubSpot default sales pipeline names them (labels, as the export writes them).
_HUBSPOT_STAGES = {
    "Won": "Closed won",
    "Lost": "Closed lost",
    "Engaging": "Decision maker bought-in",
    "Prospecting": "Appointment scheduled",
}
_SALESFORCE_STAGES = {
    "Won": "Closed Won",
    "Lost": "Closed Lost",
    "Engaging": "Proposal/Price Quote",
    "Prospecting": "Prospecting",
}
_SOURCES = ("Web", "Phone Inquiry", "Partner Referral", "Trade Show", "Word of mouth")


def _pipeline(datasets: Path, rows: int | None, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    folder = datasets / "maven_crm_sales_opportunities"
    deals = pd.read_csv(folder / "sales_pipeline.csv", dtype={"opportunity_id": str})
    accounts = pd.read_csv(folder / "accounts.csv")
    prices = pd.read_csv(folder / "products.csv").set_index("product")["sales_price"]
    deals["product"] = deals["product"].replace({"GTXPro": "GTX Pro"})
    deals["list_price"] = deals["product"].map(prices)
    if rows is not None and rows < len(deals):
        deals = deals.sample(rows, random_state=seed)
    deals = deals.sort_values(["engage_date", "opportunity_id"], na_position="first").reset_index(drop=True)
    # A deal is new business until its account's first win closes; later ones are upgrades/renewals.
    first_win = deals[deals["deal_stage"] == "Won"].groupby("account")["close_date"].min()
    after = deals["engage_date"].fillna("9999").gt(deals["account"].map(first_win).fillna("9999"))
    deals["existing"] = after & deals["account"].notna()
    return deals, accounts


def _after_contact(deals: pd.DataFrame, rng: np.random.Generator) -> tuple[pd.Series, pd.Series]:
    """The fields a rep fills as a deal moves: the last activity (a few days after the close, or
    recent for open deals) and the next step (set on open and won deals, cleared on lost ones)."""
    closed = pd.to_datetime(deals["close_date"])
    recent = pd.Series(
        pd.Timestamp("2017-12-31") - pd.to_timedelta(rng.integers(0, 30, len(deals)), unit="D"), index=deals.index
    )
    last = closed.add(pd.to_timedelta(rng.integers(0, 6, len(deals)), unit="D")).fillna(recent)
    step = np.where(
        deals["deal_stage"] == "Won",
        "Kick-off call with customer",
        np.where(deals["deal_stage"] == "Lost", "", "Send proposal"),
    )
    return last, pd.Series(step, index=deals.index)


def hubspot_exports(datasets: Path, folder: Path, rows: int | None = 1500, seed: int = 0) -> list[Path]:
    """A HubSpot companies export and an all-deals export (the file names HubSpot gives them)."""
    rng = np.random.default_rng(seed)
    deals, accounts = _pipeline(datasets, rows, seed)
    ids = {name: str(9_000_000_001 + i) for i, name in enumerate(accounts["account"])}
    created = pd.Timestamp("2016-06-01") + pd.to_timedelta(rng.integers(0, 90, len(accounts)), unit="D")
    won_accounts = set(deals.loc[deals["deal_stage"] == "Won", "account"])
    companies = pd.DataFrame(
        {
            "Record ID": accounts["account"].map(ids),
            "Company name": accounts["account"],
            "Industry": accounts["sector"].str.upper().str.replace(" ", "_"),
            "Number of Employees": accounts["employees"],
            "Annual Revenue": (accounts["revenue"] * 1_000_000).round(0),
            "Country/Region": accounts["office_location"],
            "Year Founded": accounts["year_established"],
            "Create Date": pd.Series(created).dt.strftime("%Y-%m-%d %H:%M"),
            # Set by the CRM when the first deal is won: an outcome written on the account.
            "Lifecycle Stage": np.where(accounts["account"].isin(won_accounts), "Customer", "Opportunity"),
            "Parent Company": accounts["subsidiary_of"].map(ids).fillna(""),
        }
    )
    # A deal at a subsidiary is often associated with its parent as well: two ids in one cell.
    parent = accounts.set_index("account")["subsidiary_of"].map(ids)
    own = deals["account"].map(ids)
    also = deals["account"].map(parent)
    associated = np.where(also.notna() & own.notna(), own.fillna("") + ";" + also.fillna(""), own.fillna(""))
    last, step = _after_contact(deals, rng)
    engaged = pd.to_datetime(deals["engage_date"])
    create = engaged.fillna(pd.Timestamp("2017-10-01")) + pd.to_timedelta(rng.integers(8, 18, len(deals)), unit="h")
    amount = deals["close_value"].where(deals["deal_stage"] == "Won", deals["list_price"])
    export = pd.DataFrame(
        {
            "Record ID": [str(12_000_000_001 + i) for i in range(len(deals))],
            "Deal Name": deals["account"].fillna("New prospect") + " - " + deals["product"],
            "Deal Stage": deals["deal_stage"].map(_HUBSPOT_STAGES),
            "Pipeline": "Sales Pipeline",
            "Create Date": create.dt.strftime("%Y-%m-%d %H:%M"),
            "Close Date": pd.to_datetime(deals["close_date"]).dt.strftime("%Y-%m-%d %H:%M").fillna(""),
            "Amount": amount,
            "Deal owner": deals["sales_agent"],
            "Deal Type": np.where(deals["existing"], "existingbusiness", "newbusiness"),
            "Associated Company IDs": associated,
            "Last Activity Date": last.dt.strftime("%Y-%m-%d %H:%M"),
            "Next Step": step,
        }
    )
    folder.mkdir(parents=True, exist_ok=True)
    paths = [
        folder / "hubspot-crm-exports-all-companies-2017-12-31.csv",
        folder / "hubspot-crm-exports-all-deals-2017-12-31.csv",
    ]
    companies.to_csv(paths[0], index=False)
    export.to_csv(paths[1], index=False)
    return paths


def hubspot_lead_deals(datasets: Path, folder: Path, rows: int | None = 3000, seed: int = 0) -> list[Path]:
    """A HubSpot companies and deals export of a lead funnel (the bank's contacted clients as
    companies, each with one deal, won when the client subscribed). The bank file runs in date
    order from May 2008 to Nov 2010, so each row's position gives its create date. The CRM's
    after-contact fields come with it: the company's Lifecycle Stage (Customer once a deal is won),
    the deal's Last Activity Date and Next Step (kept up on won deals, mostly left empty on lost
    ones): a leakage guard must keep them out by evidence."""
    rng = np.random.default_rng(seed + 3)
    full = pd.read_csv(datasets / "bank_marketing_uci" / "bank-full.csv", sep=";")
    start, end = pd.Timestamp("2008-05-01"), pd.Timestamp("2010-11-30")
    full["created"] = start + (end - start) * (np.arange(len(full)) / len(full))
    bank = full.sample(rows, random_state=seed) if rows is not None and rows < len(full) else full
    bank = bank.sort_values("created").reset_index(drop=True)
    ids = [str(7_000_000_001 + i) for i in range(len(bank))]
    won = bank["y"].eq("yes").to_numpy()
    created = pd.to_datetime(bank["created"]).dt.floor("min")
    closed = created + pd.to_timedelta(rng.integers(1, 40, len(bank)), unit="D")
    companies = pd.DataFrame(
        {
            "Record ID": ids,
            "Company name": [f"Client {i}" for i in ids],
            "Industry": bank["job"].str.upper().str.replace(".", "", regex=False),
            "Annual Revenue": bank["balance"] * 100,
            "Marital Status": bank["marital"],
            "Education": bank["education"],
            "Has Housing Loan": bank["housing"],
            "Lifecycle Stage": np.where(won, "Customer", np.where(rng.random(len(bank)) < 0.5, "Lead", "Other")),
            "Create Date": created.dt.strftime("%Y-%m-%d %H:%M"),
        }
    )
    active = won | (rng.random(len(bank)) < 0.15)
    # The rep's status of the lead and the last activity logged on the company, as HubSpot keeps them.
    lost_status = rng.choice(["UNQUALIFIED", "BAD_TIMING", "ATTEMPTED_TO_CONTACT", "CONNECTED"], len(bank))
    companies["Lead Status"] = np.where(
        won, np.where(rng.random(len(bank)) < 0.8, "OPEN_DEAL", "CONNECTED"), lost_status
    )
    companies["Last Activity Date"] = np.where(
        active, (closed + pd.Timedelta(days=3)).dt.strftime("%Y-%m-%d %H:%M"), ""
    )
    deals = pd.DataFrame(
        {
            "Record ID": [str(15_000_000_001 + i) for i in range(len(bank))],
            "Deal Name": [f"Client {i} - term deposit" for i in ids],
            "Deal Stage": np.where(won, "Closed won", "Closed lost"),
            "Pipeline": "Sales Pipeline",
            "Create Date": created.dt.strftime("%Y-%m-%d %H:%M"),
            "Close Date": closed.dt.strftime("%Y-%m-%d %H:%M"),
            "Amount": 5000,
            "Deal owner": rng.choice(["Ana Costa", "Rui Lopes", "Marta Silva", "Joao Reis"], len(bank)),
            "Deal Type": "newbusiness",
            "Associated Company IDs": ids,
            "Last Activity Date": np.where(active, (closed + pd.Timedelta(days=3)).dt.strftime("%Y-%m-%d %H:%M"), ""),
            "Next Step": np.where(won, "Open the account", np.where(active, "Call back next quarter", "")),
        }
    )
    folder.mkdir(parents=True, exist_ok=True)
    paths = [folder / "hubspot-crm-exports-all-companies.csv", folder / "hubspot-crm-exports-all-deals.csv"]
    companies.to_csv(paths[0], index=False)
    deals.to_csv(paths[1], index=False)
    return paths


def salesforce_report(datasets: Path, folder: Path, rows: int | None = 1500, seed: int = 0) -> list[Path]:
    """An accounts report and an opportunity report as Salesforce's "Details Only" CSV export writes
    them: every value quoted, dates in the user's locale (en_GB, day first), amounts with their
    currency, Won/Closed checkboxes as 1/0, and the report footer after the rows."""
    rng = np.random.default_rng(seed + 1)
    deals, accounts = _pipeline(datasets, rows, seed)
    ids = {name: f"0015g00000{i:05d}AAA" for i, name in enumerate(accounts["account"])}
    account_report = pd.DataFrame(
        {
            "Account ID": accounts["account"].map(ids),
            "Account Name": accounts["account"],
            "Industry": accounts["sector"].str.title(),
            "Employees": accounts["employees"],
            "Annual Revenue": (accounts["revenue"] * 1_000_000).map(lambda v: f"USD {v:,.2f}"),
            "Billing Country": accounts["office_location"],
            "Year Started": accounts["year_established"],
            "Type": np.where(
                accounts["account"].isin(set(deals.loc[deals["deal_stage"] == "Won", "account"])),
                "Customer",
                "Prospect",
            ),
        }
    )
    last, step = _after_contact(deals, rng)
    stage = deals["deal_stage"]
    closed = stage.isin(["Won", "Lost"])
    amount = deals["close_value"].where(stage == "Won", deals["list_price"])
    kind = np.where(
        deals["existing"],
        rng.choice(["Existing Customer - Upgrade", "Existing Customer - Renewal"], len(deals)),
        "New Business",
    )
    opportunities = pd.DataFrame(
        {
            "Opportunity Owner": deals["sales_agent"],
            "Account Name": deals["account"].fillna(""),
            "Account ID": deals["account"].map(ids).fillna(""),
            "Opportunity Name": deals["account"].fillna("Unassigned") + " " + deals["product"],
            "Opportunity ID": [f"0065g00000{i:05d}AAA" for i in range(len(deals))],
            "Type": kind,
            "Lead Source": rng.choice(_SOURCES, len(deals)),
            "Amount Currency": "USD",
            "Amount": amount.map(lambda v: f"{v:,.2f}"),
            "Probability (%)": np.where(stage == "Won", 100, np.where(stage == "Lost", 0, 20)),
            "Created Date": pd.to_datetime(deals["engage_date"])
            .fillna(pd.Timestamp("2017-10-01"))
            .dt.strftime("%d/%m/%Y"),
            "Close Date": pd.to_datetime(deals["close_date"]).dt.strftime("%d/%m/%Y").fillna(""),
            "Stage": stage.map(_SALESFORCE_STAGES),
            "Won": np.where(stage == "Won", 1, 0),
            "Closed": np.where(closed, 1, 0),
            "Next Step": step,
            "Last Activity": last.dt.strftime("%d/%m/%Y"),
        }
    )
    folder.mkdir(parents=True, exist_ok=True)
    paths = [folder / "report1512345678901.csv", folder / "report1512345679012.csv"]
    for path, frame in zip(paths, (account_report, opportunities), strict=True):
        frame.to_csv(path, index=False, quoting=csv.QUOTE_ALL, lineterminator="\n")
        with path.open("a", encoding="utf-8", newline="") as out:
            out.write(
                '""\n""\n'
                '"Copyright (c) 2000-2017 salesforce.com, inc. All rights reserved."\n'
                '"Confidential Information - Do Not Distribute"\n'
                '"Generated By:  Jane Rep  31/12/2017 17:42"\n'
                '"MavenTech Ltd."\n'
            )
    return paths


def _bank(datasets: Path, rows: int | None, seed: int) -> pd.DataFrame:
    frame = pd.read_csv(datasets / "bank_marketing_uci" / "bank-full.csv", sep=";")
    if rows is not None and rows < len(frame):
        frame = frame.sample(rows, random_state=seed)
    return frame.reset_index(drop=True)


def dateless_leads(datasets: Path, folder: Path, rows: int | None = 4000, seed: int = 0) -> Path:
    """A lead-tool export with no date at all: one row per lead, an id, who the lead is, how the
    campaign reached them, the call's length (known only after the call) and a Converted flag."""
    bank = _bank(datasets, rows, seed)
    leads = pd.DataFrame(
        {
            "Lead ID": [f"L-{100000 + i}" for i in range(len(bank))],
            "Age": bank["age"],
            "Occupation": bank["job"].str.replace(".", "", regex=False).str.title(),
            "Marital Status": bank["marital"].str.title(),
            "Education Level": bank["education"].str.title(),
            "Average Balance (EUR)": bank["balance"],
            "Home Loan": bank["housing"].str.title(),
            "Personal Loan": bank["loan"].str.title(),
            "Contact Channel": bank["contact"].str.title(),
            "Calls This Campaign": bank["campaign"],
            "Previous Campaign Result": bank["poutcome"].str.title(),
            "Call Duration (sec)": bank["duration"],
            "Converted": bank["y"].map({"yes": "Yes", "no": "No"}),
        }
    )
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "leads.csv"
    leads.to_csv(path, index=False)
    return path


def stage_only_leads(datasets: Path, folder: Path, rows: int | None = 4000, seed: int = 0) -> Path:
    """A Salesforce leads report with a Lead Status column only (no won flag): converted leads are
    "Closed - Converted", the others "Closed - Not Converted", a few still "Working - Contacted"."""
    bank = _bank(datasets, rows, seed)
    rng = np.random.default_rng(seed + 2)
    status = np.where(bank["y"] == "yes", "Closed - Converted", "Closed - Not Converted")
    status = np.where(rng.random(len(bank)) < 0.05, "Working - Contacted", status)
    leads = pd.DataFrame(
        {
            "Lead ID": [f"00Q5g00000{i:05d}EAA" for i in range(len(bank))],
            "Title": bank["job"].str.title(),
            "Age": bank["age"],
            "Education": bank["education"].str.title(),
            "Balance": bank["balance"],
            "Lead Source": bank["contact"].str.title(),
            "Lead Status": status,
        }
    )
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "leads_report.csv"
    leads.to_csv(path, index=False)
    return path


def churn_snapshot(datasets: Path, folder: Path, flag: str = "yesno") -> Path:
    """A subscription tool's customer snapshot: a customer id, the tenure in months, the plan and
    usage, and a churn flag written Yes/No (or True/False) under names other than the orange file's."""
    source = datasets / "orange_telecom_churn"
    frame = pd.concat([pd.read_csv(p) for p in sorted(source.glob("churn-bigml-*.csv"))], ignore_index=True)
    churned = frame["Churn"].astype(bool)
    snapshot = pd.DataFrame(
        {
            "Customer ID": [f"CUST-{i:05d}" for i in range(len(frame))],
            "State": frame["State"],
            "tenure": frame["Account length"],
            "International Plan": frame["International plan"],
            "Voicemail Plan": frame["Voice mail plan"],
            "Day Minutes": frame["Total day minutes"],
            "Support Tickets": frame["Customer service calls"],
            "Cancelled": churned.map({True: "Yes", False: "No"})
            if flag == "yesno"
            else churned.map({True: "True", False: "False"}),
        }
    )
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "customers.csv"
    snapshot.to_csv(path, index=False)
    return path


def write_all(datasets: Path, folder: Path) -> list[Path]:
    """Every shape above, full size, into FOLDER (for running the CLI by hand)."""
    paths = hubspot_exports(datasets, folder / "hubspot", rows=None)
    paths += hubspot_lead_deals(datasets, folder / "hubspot_leads", rows=None)
    paths += salesforce_report(datasets, folder / "salesforce", rows=None)
    paths.append(dateless_leads(datasets, folder / "leads", rows=None))
    paths.append(stage_only_leads(datasets, folder / "lead_status", rows=None))
    paths.append(churn_snapshot(datasets, folder / "churn"))
    return paths


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).parent))
    from conftest import datasets_dir

    found = datasets_dir()
    if found is None:
        sys.exit("public datasets not found: set BULLSEYE_DATASETS or place them in ../shared/datasets")
    for written in write_all(found, Path(sys.argv[1] if len(sys.argv) > 1 else "real-exports")):
        print(written)
