"""The real-data examples (examples/olist, examples/maven) load through the CLI and reconcile.

Expected numbers are computed here with pandas from the raw files, not copied from a README. The
datasets are found like the ``datasets`` fixture finds them (``$BULLSEYE_DATASETS`` or
``../shared/datasets``); without them these tests are skipped with the reason.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
import yaml
from conftest import datasets_dir
from typer.testing import CliRunner

from bullseye.cli import app
from bullseye.workspace import Workspace

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
OLIST, MAVEN = "olist_marketing_funnel", "maven_crm_sales_opportunities"
MQL, CLOSED, SELLERS = (
    "olist_marketing_qualified_leads_dataset.csv",
    "olist_closed_deals_dataset.csv",
    "olist_sellers_dataset.csv",
)
runner = CliRunner()


def _raw(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def _mapping(example: str, data: Path, tmp: Path) -> Path:
    """The example's mapping; a copy with absolute lookup paths when the datasets are not where the
    mapping's relative lookup paths point (e.g. BULLSEYE_DATASETS elsewhere)."""
    original = EXAMPLES / example / "mapping.yaml"
    spec = yaml.safe_load(original.read_text())
    changed = False
    for entry in spec["files"]:
        for lookup in entry.get("lookups", []):
            relative = (original.parent / lookup["file"]).resolve()
            wanted = (data / relative.parent.name / relative.name).resolve()
            if relative != wanted:
                lookup["file"], changed = str(wanted), True
    if not changed:
        return original
    copy = tmp / f"{example}-mapping.yaml"
    copy.write_text(yaml.safe_dump(spec, sort_keys=False))
    return copy


def _load(tmp: Path, mapping: Path, files: list[Path]) -> tuple[dict, Workspace]:
    root = tmp / "ws"
    result = runner.invoke(app, ["init", str(root)])
    assert result.exit_code == 0, result.output
    result = runner.invoke(
        app, ["load", "--workspace", str(root), "--mapping", str(mapping), "--json", *map(str, files)]
    )
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout), Workspace(root)


def _counts(report: dict) -> dict[tuple[str, str], tuple[int, int, int, int]]:
    return {
        (Path(f["file"]).name, f["table"]): (f["read"], f["loaded"], f["quarantined"], f["merged"])
        for f in report["files"]
    }


def _data() -> Path:
    found = datasets_dir()
    if found is None:
        pytest.skip("public datasets not found: set BULLSEYE_DATASETS or place them in ../shared/datasets")
    return found


# -- Olist marketing funnel ----------------------------------------------------------------------
@pytest.fixture(scope="module")
def olist(tmp_path_factory):
    folder = _data() / OLIST
    tmp = tmp_path_factory.mktemp("olist")
    # A glob, in any order: the mapping's entry order decides which file wins (see examples/olist/README.md).
    report, ws = _load(tmp, _mapping("olist", _data(), tmp), sorted(folder.glob("*.csv"), reverse=True))
    raw = {"mql": _raw(folder / MQL), "closed": _raw(folder / CLOSED), "sellers": _raw(folder / SELLERS)}
    tables = {name: ws.table(name).execute() for name in ("accounts", "deals", "quarantine")}
    yield report, raw, tables
    ws.close()


def test_olist_counts_reconcile(olist):
    report, raw, tables = olist
    mql, closed, sellers = raw["mql"], raw["closed"], raw["sellers"]
    activated = int(sellers.seller_id.isin(closed.seller_id).sum())
    assert report["reconciles"]
    assert _counts(report) == {
        (MQL, "accounts"): (len(mql), len(mql), 0, 0),
        (MQL, "deals"): (len(mql), len(mql), 0, 0),
        (CLOSED, "accounts"): (len(closed), len(closed), 0, len(closed)),  # every closed deal updates its MQL
        (CLOSED, "deals"): (len(closed), len(closed), 0, len(closed)),
        (SELLERS, "accounts"): (len(sellers), activated, len(sellers) - activated, activated),
    }
    assert report["table_rows"]["accounts"] == report["table_rows"]["deals"] == mql.mql_id.nunique() == 8000
    assert len(tables["accounts"]) == len(tables["deals"]) == 8000


def test_olist_every_mql_is_a_deal_won_only_with_a_closed_deal(olist):
    _, raw, tables = olist
    mql, closed = raw["mql"], raw["closed"]
    deals = tables["deals"].set_index("deal_id")
    won_ids = set(closed.mql_id) & set(mql.mql_id)
    assert len(won_ids) == 842
    assert set(deals.index[deals.stage == "won"]) == won_ids
    assert (deals.stage == "lost").sum() == len(mql) - len(won_ids)
    assert set(deals.stage_raw) == {"won", "lost (no closed deal)"}
    assert (deals.account_id == deals.index).all()
    won_on = pd.to_datetime(closed.set_index("mql_id").won_date).dt.normalize()
    assert (deals.loc[won_on.index, "closed_at"] == won_on).all()
    assert deals.loc[deals.stage == "lost", "closed_at"].isna().all()
    assert (deals.loc[closed.mql_id, "owner"].values == closed.sr_id.values).all()
    assert (deals.loc[closed.mql_id, "sdr_id"].values == closed.sdr_id.values).all()


def test_olist_deal_closed_before_first_contact_is_loaded_and_visible(olist):
    _, raw, tables = olist
    both = raw["closed"].merge(raw["mql"], on="mql_id")
    early = set(both.mql_id[pd.to_datetime(both.won_date).dt.normalize() < pd.to_datetime(both.first_contact_date)])
    assert len(early) == 1
    deals = tables["deals"]
    odd = deals[deals.closed_at < deals.created_at]
    assert set(odd.deal_id) == early and (odd.stage == "won").all()
    assert ((odd.created_at - odd.closed_at).dt.days == 2).all()
    # Loaded as exported and reported, so someone looks at the dates.
    issues = tables["quarantine"]
    flagged = issues[(issues.column == "closed_at") & (issues.action == "kept")]
    assert len(flagged) == 1 and flagged.reason.iloc[0].startswith("closed before it was created")
    assert int(flagged.line.iloc[0]) - 2 in set(raw["closed"].index[raw["closed"].mql_id.isin(early)])


def test_olist_sellers_outside_the_sample_are_quarantined_with_a_reason(olist):
    _, raw, tables = olist
    closed, sellers = raw["closed"], raw["sellers"]
    accounts = tables["accounts"].set_index("account_id")
    activated_ids = set(closed.mql_id[closed.seller_id.isin(sellers.seller_id)])
    assert set(accounts.index[accounts.activated.eq(True)]) == activated_ids
    assert accounts.activated.notna().sum() == len(activated_ids) == 380  # 'no' is never claimed: empty = not seen
    issues = tables["quarantine"]
    outside = issues[issues.file.str.endswith(SELLERS)]
    assert set(outside.value) == set(sellers.seller_id[~sellers.seller_id.isin(closed.seller_id)])
    assert set(zip(outside.column, outside.reason, outside.action)) == {
        ("seller_id", "no account with seller_id = this value", "quarantined")
    }
    # Activation is right-censored: deals won from 2018-08 on had almost no time to sell.
    late = closed[pd.to_datetime(closed.won_date) >= "2018-08-01"]
    late_activated = int(late.seller_id.isin(sellers.seller_id).sum())
    assert accounts.loc[late.mql_id, "activated"].eq(True).sum() == late_activated
    assert late_activated / len(late) < 0.05 < len(activated_ids) / len(closed)


def test_olist_quirks_are_kept_as_exported(olist):
    _, raw, tables = olist
    mql, closed = raw["mql"], raw["closed"]
    accounts = tables["accounts"].set_index("account_id")
    won = accounts.index.isin(closed.mql_id)
    # Empty origins and the export's own 'unknown' are both missing (a default placeholder), and counted.
    missing_origin = int(mql.origin.isin(["", "unknown"]).sum())
    assert accounts.source.isna().sum() == missing_origin == 60 + 1099 and (accounts.source != "unknown").all()
    assert tables["deals"].source.isna().sum() == missing_origin
    assert accounts.landing_page_id.notna().all() and accounts.created_at.notna().all()
    # Firmographics exist only for won MQLs; lost ones have none.
    firmographics = [
        "industry",
        "seller_id",
        "lead_type",
        "lead_behaviour_profile",
        "has_company",
        "has_gtin",
        "average_stock",
        "business_type",
        "declared_product_catalog_size",
        "declared_monthly_revenue",
    ]
    assert accounts.loc[~won, firmographics].isna().all().all()
    for column, source in [
        ("industry", "business_segment"),
        ("has_company", "has_company"),
        ("average_stock", "average_stock"),
        ("declared_product_catalog_size", "declared_product_catalog_size"),
    ]:
        assert accounts[column].notna().sum() == (~closed[source].isin(["", "unknown"])).sum(), column
    assert accounts.has_company.dropna().map(type).eq(bool).all()
    # declared_monthly_revenue 0.0 is kept as 0 (the loader cannot turn it into an empty value).
    assert (accounts.declared_monthly_revenue == 0).sum() == (closed.declared_monthly_revenue == "0.0").sum() == 797
    # Sales reps are deal attributes, not account attributes (only won MQLs have them).
    assert "sdr_id" not in accounts.columns and accounts.owner.isna().all()


# -- Maven CRM sales opportunities ---------------------------------------------------------------
@pytest.fixture(scope="module")
def maven(tmp_path_factory):
    folder = _data() / MAVEN
    tmp = tmp_path_factory.mktemp("maven")
    report, ws = _load(
        tmp, _mapping("maven", _data(), tmp), sorted(folder.glob("*.csv"))
    )  # the mapping ignores the rest
    raw = {name: _raw(folder / f"{name}.csv") for name in ("accounts", "sales_pipeline", "products", "sales_teams")}
    tables = {name: ws.table(name).execute() for name in ("accounts", "deals", "quarantine")}
    yield report, raw, tables
    ws.close()


def test_maven_counts_reconcile(maven):
    report, raw, tables = maven
    accounts, pipeline = raw["accounts"], raw["sales_pipeline"]
    assert report["reconciles"]
    assert _counts(report) == {
        ("accounts.csv", "accounts"): (len(accounts), len(accounts), 0, 0),
        ("sales_pipeline.csv", "deals"): (len(pipeline), len(pipeline), 0, 0),
    }
    assert report["table_rows"] == {"accounts": 85, "deals": 8800}
    expected = pipeline.deal_stage.map({"Won": "won", "Lost": "lost"}).fillna("open").value_counts().to_dict()
    assert tables["deals"].stage.value_counts().to_dict() == expected == {"won": 4238, "lost": 2473, "open": 2089}
    assert tables["deals"].stage_raw.value_counts().to_dict() == pipeline.deal_stage.value_counts().to_dict()


def test_maven_deals_without_an_account_are_kept(maven):
    _, raw, tables = maven
    pipeline = raw["sales_pipeline"]
    issues = tables["quarantine"]
    assert set(zip(issues.table_name, issues.action, issues.reason)) == {
        ("deals", "kept", "no account_id: loaded, left out of per-account outcomes")
    }
    no_account = set(pipeline.opportunity_id[pipeline.account == ""])
    assert len(issues) == len(no_account) == 1425
    deals = tables["deals"].set_index("deal_id")
    assert set(deals.index[deals.account_id.isna()]) == no_account
    assert (deals.loc[list(no_account), "stage"] == "open").all()
    assert deals.account_id.dropna().isin(tables["accounts"].account_id).all()  # every other account is known


def test_maven_products_list_prices_and_teams(maven):
    _, raw, tables = maven
    pipeline, products, teams = raw["sales_pipeline"], raw["products"], raw["sales_teams"]
    deals = tables["deals"].set_index("deal_id").loc[pipeline.opportunity_id]
    fixed = pipeline["product"].replace({"GTXPro": "GTX Pro"})
    assert "GTXPro" in set(pipeline["product"]) and "GTXPro" not in set(deals["product"])
    assert (deals["product"].values == fixed.values).all()
    assert set(deals["product"]) == set(products["product"])
    price = fixed.map(dict(zip(products["product"], products.sales_price.astype(float))))
    assert price.notna().all() and (deals.list_price.values == price.values).all()
    assert deals.loc[deals["product"] == "GTX Pro", "list_price"].eq(4821).all()
    by_agent = teams.set_index("sales_agent")
    assert (deals.owner.values == pipeline.sales_agent.values).all()
    assert (deals.manager.values == by_agent.loc[pipeline.sales_agent, "manager"].values).all()
    assert (deals.regional_office.values == by_agent.loc[pipeline.sales_agent, "regional_office"].values).all()
    # Discount is derived as 1 - close value / list price; close value / list price is 0.83-1.16 between the
    # 5th and 95th percentiles and 0.66-1.34 in all, so some won deals carry a negative discount.
    won = (deals.stage == "won").values
    expected = 1 - pipeline.close_value[won].astype(float).values / price[won].values
    assert deals.discount[won].values == pytest.approx(expected)
    assert deals.discount[won].min() < -0.3 and deals.discount[won].max() > 0.3


def test_maven_dates_amounts_and_zero_on_lost_deals(maven):
    _, raw, tables = maven
    pipeline = raw["sales_pipeline"]
    deals = tables["deals"].set_index("deal_id").loc[pipeline.opportunity_id]
    no_engage = (pipeline.engage_date == "").values
    assert no_engage.sum() == deals.created_at.isna().sum() == 500
    assert set(pipeline.deal_stage[no_engage]) == {"Prospecting"}
    assert (deals.created_at[~no_engage].values == pd.to_datetime(pipeline.engage_date[~no_engage]).values).all()
    closed = (pipeline.close_date != "").values
    assert (deals.closed_at[closed].values == pd.to_datetime(pipeline.close_date[closed]).values).all()
    assert deals.closed_at[~closed].isna().all() and (deals.stage[~closed] == "open").all()
    # close_value 0 exists only on lost deals and is kept as exported (see examples/maven/README.md).
    zero = (pipeline.close_value == "0").values
    assert set(pipeline.deal_stage[zero]) == {"Lost"} and zero.sum() == (pipeline.deal_stage == "Lost").sum()
    assert (deals.amount[zero] == 0).all() and (deals.amount[deals.stage == "won"] > 0).all()
    assert deals.amount[deals.stage == "open"].isna().all()


def test_maven_accounts_typos_fixed_and_revenue_in_dollars(maven):
    _, raw, tables = maven
    source = raw["accounts"]
    accounts = tables["accounts"].set_index("account_id").loc[source.account]
    assert (accounts.name.values == source.account.values).all()
    assert "technolgy" in set(source.sector) and "Philipines" in set(source.office_location)
    assert (accounts.industry.values == source.sector.replace({"technolgy": "technology"}).values).all()
    assert (accounts.country.values == source.office_location.replace({"Philipines": "Philippines"}).values).all()
    assert accounts.revenue.values == pytest.approx(source.revenue.astype(float).values * 1e6)
    assert (accounts.employees.values == source.employees.astype(int).values).all()
    assert (accounts.founded_year.values == source.year_established.astype(int).values).all()
    subsidiaries = source.subsidiary_of != ""
    assert (accounts.subsidiary_of[subsidiaries.values].values == source.subsidiary_of[subsidiaries].values).all()
    assert accounts.subsidiary_of[~subsidiaries.values].isna().all()
