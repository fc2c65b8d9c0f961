"""The industry taxonomy, alias mapping, workspace segments and `bullseye industries`."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pandas as pd
import pytest
from pydantic import ValidationError
from typer.testing import CliRunner

from bullseye.cli import app
from bullseye.demo import generate_company
from bullseye.errors import ConfigError
from bullseye.market.industries import (
    HOW,
    SEGMENTS_FILE,
    Taxonomy,
    industry_table,
    label_key,
    load_segments,
    load_taxonomy,
    map_industries,
    save_segments,
    segments_from_label_map,
    taxonomy_markdown,
    unmapped_report,
)
from bullseye.workspace import Workspace

ROOT = Path(__file__).resolve().parents[1]
MAPPED = ("segment", "alias", "part")
runner = CliRunner()


def mapped_share(values: pd.Series, aliases=None) -> float:
    how = map_industries(values, aliases)["how"]
    return float(how.isin(MAPPED).sum() / (how != "missing").sum())


def test_the_taxonomy_has_a_common_top_level_size_and_unambiguous_aliases():
    taxonomy = load_taxonomy()
    assert 25 <= len(taxonomy.industries) <= 40
    assert len(set(taxonomy.names)) == len(taxonomy.names)
    folded = [label_key(a) for i in taxonomy.industries for a in (i.id, i.name, *i.aliases)]
    owners = taxonomy.alias_index()
    assert set(folded) == set(owners)  # every alias reaches exactly one industry


def test_an_alias_given_to_two_industries_is_refused():
    with pytest.raises(ValidationError, match="'Food & Beverages' is given to both 'food' and 'drink'"):
        Taxonomy.model_validate(
            {
                "industries": [
                    {"id": "food", "name": "Food", "aliases": ["food and beverage"]},
                    {"id": "drink", "name": "Drink", "aliases": ["Food & Beverages"]},
                ]
            }
        )


@pytest.mark.parametrize(
    "left, right",
    [
        ("Food & Beverages", "food-and-beverage"),
        ("FOOD AND BEVERAGE", "Food, Beverages"),
        ("E-Commerce", "ecommerce"),
        ("Hospital & Health Care", "hospitals and health care"),
        ("Telecomunicações", "telecomunicacoes"),
        ("IT Services", "it-services"),
    ],
)
def test_labels_fold_case_accents_punctuation_and_plurals(left, right):
    assert label_key(left) == label_key(right)


@pytest.mark.parametrize(
    "value, industry, how",
    [
        ("SaaS", "Software", "alias"),
        ("Computer Software", "Software", "alias"),
        ("software", "Software", "alias"),
        ("E-Commerce", "E-commerce & Marketplaces", "alias"),
        ("Internet Retail", "E-commerce & Marketplaces", "alias"),
        ("ecommerce", "E-commerce & Marketplaces", "alias"),
        ("Retailing", "Retail", "alias"),
        ("Logistics Services", "Transportation & Logistics", "alias"),
        ("Transportation/Trucking/Railroad", "Transportation & Logistics", "alias"),
        ("Freight/Widgets", "Transportation & Logistics", "part"),
        ("['b2b', 'fintech']", "Financial Services", "part"),
        ("Other", None, "unmapped"),
        ("B2B", None, "unmapped"),
        ("", None, "missing"),
        (None, None, "missing"),
    ],
)
def test_map_industries_says_how_each_value_mapped(value, industry, how):
    row = map_industries(pd.Series([value])).iloc[0]
    assert row["how"] == how and row["how"] in HOW
    assert pd.isna(row["industry"]) if industry is None else row["industry"] == industry


def test_mapping_keeps_every_row_and_its_index():
    values = pd.Series(["SaaS", "Other", None, "SaaS", "Zorblax"], index=[10, 11, 12, 13, 14])
    mapped = map_industries(values)
    assert list(mapped.index) == [10, 11, 12, 13, 14]
    assert mapped["value"].tolist()[:2] == ["SaaS", "Other"]
    report = unmapped_report(values)
    assert dict(zip(report["value"], report["count"])) == {"Other": 1, "Zorblax": 1}
    assert report["share"].tolist() == [0.2, 0.2]
    assert industry_table(values)["count"].sum() == len(values)


# -- real data --------------------------------------------------------------------------------
def crunchbase_categories(datasets: Path) -> pd.Series:
    frame = pd.read_csv(
        datasets / "crunchbase_2013" / "crunchbase-companies.csv",
        encoding="latin-1",
        lineterminator="\r",
        usecols=["category_code"],
    )
    return frame["category_code"]


def _check_report_counts(values: pd.Series) -> pd.DataFrame:
    """Unmapped values are reported with the same counts pandas finds, and nothing is dropped."""
    table = industry_table(values)
    assert table["count"].sum() == len(values)
    report = unmapped_report(values)
    counts = values.value_counts()
    for value, count in zip(report["value"], report["count"]):
        assert counts[value] == count
    return report


@pytest.mark.datasets
def test_crunchbase_categories_map_and_other_is_reported(datasets):
    categories = crunchbase_categories(datasets)
    assert len(categories) == 17_727
    assert mapped_share(categories) >= 0.95
    report = _check_report_counts(categories)
    assert report.iloc[0]["value"] == "other"
    assert report.iloc[0]["count"] == (categories == "other").sum() > 0


@pytest.mark.datasets
def test_fortune_and_inc_industries_map(datasets):
    sectors = pd.read_csv(datasets / "fortune1000_2021" / "Fortune_1000.csv")["sector"]
    industries = pd.read_csv(datasets / "inc5000" / "inc5000.csv")["INDUSTRY"]
    for values in (sectors, industries):
        assert values.nunique() >= 20
        assert mapped_share(values) >= 0.95
        _check_report_counts(values)


@pytest.mark.datasets
def test_yc_tags_map_per_company_and_per_tag(datasets):
    tags = pd.read_csv(datasets / "yc_companies" / "2024-05-11-yc-companies.csv")["tags"]
    with_tags = tags[tags != "[]"]
    assert mapped_share(with_tags) >= 0.9  # a company maps by its first tag that names an industry
    single = with_tags.map(ast.literal_eval).explode().dropna()
    assert mapped_share(single) >= 0.8  # "b2b", "consumer", "india" name no industry
    report = _check_report_counts(single)
    assert {"b2b", "consumer"} <= set(report["value"])


@pytest.mark.datasets
def test_a_list_the_aliases_were_not_written_from(datasets):
    sectors = pd.read_csv(datasets / "maven_crm_sales_opportunities" / "accounts.csv")["sector"]
    assert mapped_share(sectors) >= 0.75
    report = _check_report_counts(sectors)
    assert "technolgy" in set(report["value"])  # the typo is shown, not guessed


# -- workspace segments -------------------------------------------------------------------------
@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("industries-demo")
    generate_company(out, n_accounts=600, seed=3)
    return out


def test_demo_segments_reproduce_the_planted_label_map(demo_dir, tmp_path):
    truth = json.loads((demo_dir / "truth.json").read_text())["universe"]["industry_map"]
    universe = pd.read_csv(demo_dir / "universe.csv")
    accounts = pd.read_csv(demo_dir / "accounts.csv")
    path = save_segments(tmp_path, segments_from_label_map(truth))
    assert path == tmp_path / SEGMENTS_FILE
    segments = load_segments(tmp_path)
    mapped = map_industries(universe["Industry"], segments)
    assert (mapped["how"] == "segment").all()
    assert mapped["industry"].tolist() == universe["Industry"].map(truth).tolist()
    crm = map_industries(accounts["Industry"], segments)  # CRM labels are the segment names themselves
    filled = accounts["Industry"].notna()
    assert (crm.loc[filled, "industry"] == accounts.loc[filled, "Industry"]).all()
    assert (crm.loc[~filled, "how"] == "missing").all()
    # Without the file, the CRM's own segment names are mostly not taxonomy labels: reported, not guessed.
    assert set(unmapped_report(accounts["Industry"])["value"]) >= {"Regional carrier", "Urban delivery franchise"}


def test_values_no_segment_claims_fall_back_to_the_taxonomy_or_stay_unmapped():
    values = pd.Series(["Internet Retail", "Computer Software", "Zorblax"])
    with_taxonomy = map_industries(values, {"Internet Retail": "E-commerce"})
    assert with_taxonomy["industry"].tolist()[:2] == ["E-commerce", "Software"]
    assert with_taxonomy["how"].tolist() == ["segment", "alias", "unmapped"]
    only = segments_from_label_map({"Internet Retail": "E-commerce"}, use_taxonomy=False)
    assert map_industries(values, only)["how"].tolist() == ["segment", "unmapped", "unmapped"]


def test_segment_file_errors_name_the_file_line_and_key(tmp_path):
    path = tmp_path / SEGMENTS_FILE
    path.parent.mkdir(parents=True)
    path.write_text("segments:\n  E-commerce: [Internet Retail]\nuse_taxonomie: true\n")
    with pytest.raises(ConfigError, match=r"industries\.yaml:3: unknown key 'use_taxonomie'"):
        load_segments(tmp_path)
    path.write_text("segments:\n  E-commerce: [Internet Retail]\n  Retail: [internet-retail]\n")
    with pytest.raises(
        ConfigError,
        match=r"industries\.yaml:1: key 'segments'.*'internet-retail' is listed under "
        r"both 'E-commerce' and 'Retail'",
    ):
        load_segments(tmp_path)
    assert load_segments(tmp_path / "elsewhere") is None


# -- docs and CLI -------------------------------------------------------------------------------
def test_the_taxonomy_in_the_docs_is_the_taxonomy_in_the_package():
    text = (ROOT / "docs" / "market.md").read_text(encoding="utf-8")
    between = re.search(r"<!-- taxonomy:start -->\n(.*?)<!-- taxonomy:end -->", text, re.S)
    assert between, "docs/market.md has lost its taxonomy markers"
    assert between.group(1) == taxonomy_markdown(), (
        "docs/market.md is out of date: paste `python -m bullseye.market.industries` between the markers"
    )
    assert f"taxonomy of {len(load_taxonomy().industries)} industries" in text


@pytest.fixture(scope="module")
def loaded(demo_dir, tmp_path_factory) -> Workspace:
    ws = Workspace.init(tmp_path_factory.mktemp("industries-ws") / "ws")
    ws.load([demo_dir / "accounts.csv", demo_dir / "universe.csv"])
    yield ws
    ws.close()


def test_cli_industries_reports_mapping_and_unmapped_counts(loaded, demo_dir):
    result = runner.invoke(app, ["industries", "--json", "--workspace", str(loaded.root)])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    accounts = pd.read_csv(demo_dir / "accounts.csv")["Industry"]
    info = report["tables"]["accounts"]
    assert info["rows"] == len(accounts) and sum(info["by_how"].values()) == len(accounts)
    assert info["by_how"]["missing"] == accounts.isna().sum()
    unmapped = {row["value"]: row["count"] for row in info["unmapped"]}
    assert unmapped["Regional carrier"] == (accounts == "Regional carrier").sum()
    assert report["tables"]["universe"]["mapped_share"] == 1.0

    shown = runner.invoke(app, ["industries", "--workspace", str(loaded.root)])
    assert shown.exit_code == 0 and "values that map nowhere" in shown.output and "Regional carrier" in shown.output


def test_cli_industries_uses_the_workspace_segments(loaded, demo_dir):
    truth = json.loads((demo_dir / "truth.json").read_text())["universe"]["industry_map"]
    save_segments(loaded.root, segments_from_label_map(truth))
    try:
        result = runner.invoke(app, ["industries", "--json", "--workspace", str(loaded.root)])
        report = json.loads(result.output)
        assert report["segments_file"].endswith("industries.yaml")
        assert report["tables"]["accounts"]["unmapped"] == []
        assert set(report["tables"]["universe"]["industries"]) == set(truth.values())
    finally:
        (loaded.root / SEGMENTS_FILE).unlink()


def test_cli_industries_without_tables_is_one_clear_error(workspace):
    result = runner.invoke(app, ["industries", "--workspace", str(workspace.root)])
    assert result.exit_code == 3
    assert "neither 'accounts' nor 'universe' has been loaded" in result.output and "Traceback" not in result.output
