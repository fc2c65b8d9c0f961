"""Matching universe companies to CRM accounts, and `bullseye match`."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.proportion import proportion_confint
from typer.testing import CliRunner

from bullseye.cli import app
from bullseye.demo import generate_company
from bullseye.errors import BullseyeError
from bullseye.market.matching import (
    METHODS,
    match_companies,
    match_workspace,
    normalize_domains,
    normalize_names,
    normalize_places,
)
from bullseye.workspace import Workspace

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = ROOT / "tests" / "fixtures" / "matches_checked.csv"
runner = CliRunner()


# -- keys ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "raw, key",
    [
        ("https://www.Acme.com/about?x=1", "acme.com"),
        ("WWW.ACME.COM.", "acme.com"),
        ("  acme.com:8080 ", "acme.com"),
        ("blog.acme.co.uk", "acme.co.uk"),
        ("acme.com.br", "acme.com.br"),
        ("www2.acme.org", "acme.org"),
        ("mailto:bob@acme.io", "acme.io"),
        ("http://foo.myshopify.com/", "foo.myshopify.com"),
        ("jane@gmail.com", None),
        ("hotmail.com", None),
        ("facebook.com/acme", None),
        ("n/a", None),
        ("", None),
        (None, None),
    ],
)
def test_domains_are_normalised(raw, key):
    got = normalize_domains(pd.Series([raw], dtype=object)).iloc[0]
    assert pd.isna(got) if key is None else got == key


@pytest.mark.parametrize(
    "names",
    [
        (
            "Acme, Inc.",
            "ACME INC",
            "Acme Incorporated",
            "The Acme Company",
            "Ácme Ltda.",
            "Acme S/A",
            "Acme S.A.",
            "acme llc",
            "Acme Corp.",
            "Acme GmbH",
            "Acme PLC",
            "Acme Pty Ltd",
            "Acme S.A. de C.V.",
            "Acme EIRELI",
            "Acme ME",
            "Acme B.V.",
            "Acme SRL",
            "Acme Limited",
            "Acme Co.",
            "Acme (Brasil)",
            "acme.com",
        ),
        ("Johnson & Johnson", "Johnson and Johnson", "JOHNSON & JOHNSON INC."),
        ("São Paulo Logística", "Sao Paulo Logistica Ltda", "SÃO PAULO LOGÍSTICA S/A"),
        ("Müller GmbH & Co. KG", "Muller GmbH"),
    ],
)
def test_names_fold_legal_forms_accents_punctuation_and_case(names):
    keys = normalize_names(pd.Series(names))
    assert keys.nunique() == 1 and keys.notna().all(), dict(zip(names, keys))


def test_names_keep_what_tells_companies_apart():
    keys = normalize_names(pd.Series(["Acme Logistics", "Acme", "Acme Holdings Co., Ltd.", "Co", "A", None]))
    assert keys.tolist()[:4] == ["acmelogistics", "acme", "acmeholdings", "co"]  # a name is never emptied
    assert keys.iloc[4:].isna().all()


def test_places_compare_by_name_or_code():
    countries = normalize_places(pd.Series(["United States", "USA", "us", "Brasil", "Brazil", None]), "country")
    assert countries.tolist()[:5] == ["us", "us", "us", "br", "br"] and pd.isna(countries.iloc[5])
    regions = normalize_places(pd.Series(["California", "CA", "São Paulo", "SP"]), "region")
    assert regions.tolist() == ["ca", "ca", "sp", "sp"]


# -- matching rules -----------------------------------------------------------------------------
def frames(universe_rows, account_rows):
    columns = ["name", "domain", "city", "region", "country"]
    universe = pd.DataFrame(universe_rows, columns=["company_id", *columns])
    accounts = pd.DataFrame(account_rows, columns=["account_id", *columns])
    return universe, accounts


def pairs(result) -> dict:
    return dict(zip(result.matches["company_id"], zip(result.matches["account_id"], result.matches["method"])))


def test_domain_then_name_then_location():
    universe, accounts = frames(
        [
            ("U1", "Acme Ltda", "https://www.acme.com.br/", "São Paulo", "SP", "Brazil"),
            ("U2", "BETA S.A.", "beta.com", "Rio de Janeiro", "RJ", "Brazil"),
            ("U3", "Gamma Express", "", "Curitiba", "PR", "Brazil"),
            ("U4", "Nobody", "nobody.io", "Recife", "PE", "Brazil"),
        ],
        [
            ("A1", "Acme", "acme.com.br", "Sao Paulo", "SP", "Brasil"),
            ("A2", "Beta", "beta.com.br", "Rio de Janeiro", "RJ", "Brazil"),  # .com vs .com.br: same company
            ("A3", "Gamma Express", "", "Curitiba", "PR", "Brazil"),
            ("A4", "Gamma Express", "", "Salvador", "BA", "Brazil"),
        ],
    )
    result = match_companies(universe, accounts)
    assert pairs(result) == {"U1": ("A1", "domain"), "U2": ("A2", "name"), "U3": ("A3", "name+location")}
    assert result.unmatched["company_id"].tolist() == ["U4"]
    s = result.summary
    assert s["matched_by_method"] == {"domain": 1, "name": 1, "name+location": 1}
    assert (s["matched"], s["ambiguous"], s["unmatched"], s["reconciles"]) == (3, 0, 1, True)
    confidence = dict(zip(result.matches["company_id"], result.matches["confidence"]))
    assert confidence["U1"] == 0.99 and confidence["U2"] == 0.95 and confidence["U3"] == 0.75
    as_dict = json.loads(json.dumps(result.to_dict(rows=1)))
    assert as_dict["summary"] == s and len(as_dict["matches"]) == 1 and as_dict["matches"][0]["company_id"] == "U1"


def test_duplicates_are_listed_as_ambiguous_not_guessed():
    universe, accounts = frames(
        [
            ("U1", "Delta", "delta.com", "Natal", "RN", "Brazil"),  # two CRM records of one company
            ("U2", "Epsilon", "", None, None, None),  # two same-name accounts, no location
            ("U3", "Zeta Foods", "zeta.com", "Natal", "RN", "Brazil"),  # one account, two universe rows
            ("U4", "Zeta Foods", "www.zeta.com", "Natal", "RN", "Brazil"),
        ],
        [
            ("A1", "Delta", "delta.com", "Natal", "RN", "Brazil"),
            ("A2", "Delta", "delta.com", "Natal", "RN", "Brazil"),
            ("A3", "Epsilon", "", "Recife", "PE", "Brazil"),
            ("A4", "Epsilon", "", "Manaus", "AM", "Brazil"),
            ("A5", "Zeta Foods", "zeta.com", "Natal", "RN", "Brazil"),
        ],
    )
    result = match_companies(universe, accounts)
    assert result.matches.empty
    candidates = result.ambiguous.groupby("company_id")["account_id"].apply(sorted).to_dict()
    assert candidates == {"U1": ["A1", "A2"], "U2": ["A3", "A4"], "U3": ["A5"], "U4": ["A5"]}
    reasons = dict(zip(result.ambiguous["company_id"], result.ambiguous["reason"]))
    assert "several accounts share the web domain" in reasons["U1"]
    assert "several accounts share the name" in reasons["U2"]
    assert "several universe companies share the web domain" in reasons["U3"]
    assert result.summary["ambiguous"] == 4 and result.summary["accounts_ambiguous"] == 5
    assert result.summary["reconciles"]


def test_a_tie_is_broken_by_name_then_location_when_they_can():
    universe, accounts = frames(
        [("U1", "Delta", "delta.com", "Natal", "RN", "Brazil"), ("U2", "Omega", "", "Natal", "RN", "Brazil")],
        [
            ("A1", "Delta Holding", "delta.com", "Natal", "RN", "Brazil"),
            ("A2", "Delta", "delta.com", "Manaus", "AM", "Brazil"),
            ("A3", "Omega", "", "Natal", "RN", "Brazil"),
            ("A4", "Omega", "", "Manaus", "AM", "Brazil"),
        ],
    )
    assert pairs(match_companies(universe, accounts)) == {"U1": ("A2", "domain"), "U2": ("A3", "name+location")}


def test_same_name_is_not_enough_against_other_evidence():
    universe, accounts = frames(
        [
            ("U1", "Acme", "", "Lima", "LIM", "Peru"),
            ("U2", "Bravo", "bravo.com", None, None, None),
            ("U3", "Cargo Co", "", None, None, None),
            ("U4", "Free", "contato@gmail.com", None, None, None),
        ],
        [
            ("A1", "Acme", "", "Lima", "LIM", "Brazil"),
            ("A2", "Bravo", "bravo-group.com", None, None, None),
            ("A3", "Cargo", "", None, None, None),
            ("A4", "Other Name", "gmail.com", None, None, None),
        ],
    )
    universe["founded_year"] = [None, None, 2001, None]
    accounts["founded_year"] = [None, None, 2019, None]
    result = match_companies(universe, accounts)
    assert result.matches.empty and result.ambiguous.empty  # other country, domain, founding year; free mail
    assert result.summary["unmatched"] == 4


def test_missing_columns_are_one_clear_error():
    with pytest.raises(BullseyeError, match="accounts has no column 'name'"):
        match_companies(pd.DataFrame({"company_id": ["U1"], "name": ["A"]}), pd.DataFrame({"account_id": ["A1"]}))
    only_names = match_companies(
        pd.DataFrame({"company_id": ["U1"], "name": ["Acme Inc"]}),
        pd.DataFrame({"account_id": ["A1"], "name": ["ACME"]}),
    )
    assert pairs(only_names) == {"U1": ("A1", "name")}


# -- planted truth ------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    root = tmp_path_factory.mktemp("matching") / "ws"
    ws = Workspace.init(root)
    generate_company(ws.data_dir, n_accounts=1500, seed=11)
    ws.load([ws.data_dir / "accounts.csv", ws.data_dir / "universe.csv"])
    truth = json.loads((ws.data_dir / "truth.json").read_text())["universe"]["matches"]
    yield ws, truth
    ws.close()


def test_the_planted_matches_are_found(demo):
    ws, truth = demo
    result = match_workspace(ws)
    found = dict(zip(result.matches["company_id"], result.matches["account_id"]))
    right = sum(truth.get(company) == account for company, account in found.items())
    precision, recall = right / len(found), right / len(truth)
    assert len(truth) >= 800
    assert precision >= 0.99 and recall >= 0.97, (precision, recall)
    s = result.summary
    assert (
        s["matched"] + s["ambiguous"] + s["unmatched"] == s["universe_rows"] == ws.table("universe").count().execute()
    )
    assert s["matched_by_method"]["domain"] > 0 and s["matched_by_method"]["name"] > 0
    assert set(result.matches["method"]) <= set(METHODS)
    # Every planted pair the domain step missed (blank or .com <-> .com.br) is found by name.
    universe = ws.table("universe").to_pandas().set_index("company_id")
    by_name = result.matches[result.matches["method"] != "domain"]["company_id"]
    assert (
        normalize_domains(universe.loc[by_name, "domain"]).isna()
        | universe.loc[by_name, "domain"].str.contains(r"\.com", regex=True)
    ).all()


def test_cli_match_writes_the_list_and_prints_the_summary(demo, tmp_path):
    ws, _ = demo
    out = tmp_path / "m.csv"
    result = runner.invoke(app, ["match", "--json", "--out", str(out), "--workspace", str(ws.root)])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)["summary"]
    listed = pd.read_csv(out)
    assert (listed["status"] == "matched").sum() == summary["matched"]
    assert listed.loc[listed["status"] == "ambiguous", "company_id"].nunique() == summary["ambiguous"]
    assert listed.loc[listed["status"] == "matched", "method"].value_counts().to_dict() == {
        m: c for m, c in summary["matched_by_method"].items() if c
    }
    shown = runner.invoke(app, ["match", "--workspace", str(ws.root)])
    assert shown.exit_code == 0 and "matched by domain" in shown.output and "unmatched" in shown.output
    assert (ws.reports_dir / "matches.csv").is_file()


def test_cli_match_without_a_universe_says_what_to_load(workspace):
    result = runner.invoke(app, ["match", "--workspace", str(workspace.root)])
    assert result.exit_code == 3
    assert "table 'universe' has not been loaded" in result.output and "Traceback" not in result.output


# -- real lists, checked by hand ----------------------------------------------------------------
def yc_universe(datasets: Path) -> pd.DataFrame:
    """The YC directory as a universe; "San Francisco" or "Roeland Park, KS" -> city (and state)."""
    yc = pd.read_csv(datasets / "yc_companies" / "2024-05-11-yc-companies.csv")
    location = yc["location"].fillna("").str.split(",", n=1)
    state = location.str[1].str.strip()
    return pd.DataFrame(
        {
            "company_id": "YC" + yc["company_id"].astype(str),
            "name": yc["company_name"],
            "domain": yc["website"],
            "city": location.str[0].str.strip(),
            "region": state.where(state.str.len() == 2),
            "country": yc["country"],
            "founded_year": yc["year_founded"],
        }
    )


def crunchbase_accounts(datasets: Path) -> pd.DataFrame:
    cb = pd.read_csv(datasets / "crunchbase_2013" / "crunchbase-companies.csv", encoding="latin-1", lineterminator="\r")
    return pd.DataFrame(
        {
            "account_id": cb["permalink"],
            "name": cb["name"],
            "city": cb["city"],
            "region": cb["state_code"],
            "country": cb["country_code"],
            "founded_year": cb["founded_year"],
        }
    )


@pytest.mark.datasets
def test_hand_checked_pairs_are_still_matched_and_the_docs_state_their_precision(datasets):
    checked = pd.read_csv(FIXTURE)
    assert len(checked) >= 60 and set(checked["verdict"]) <= {"yes", "no", "unsure"}
    assert checked["why"].str.len().min() > 10
    result = match_companies(yc_universe(datasets), crunchbase_accounts(datasets))
    assert result.summary["reconciles"]
    matched = set(zip(result.matches["company_id"], result.matches["account_id"]))
    missing = [p for p in zip(checked["company_id"], checked["account_id"]) if p not in matched]
    assert not missing, f"hand-checked pairs no longer matched: {missing}; re-draw and re-check the sample"

    decided = checked[checked["verdict"] != "unsure"]
    right = int((decided["verdict"] == "yes").sum())
    low, high = proportion_confint(right, len(decided), alpha=0.05, method="wilson")
    docs = (ROOT / "docs" / "market.md").read_text(encoding="utf-8")
    stated = re.search(
        r"Precision on hand-checked pairs: (\d+) of (\d+) correct \(([\d.]+)%; "
        r"95% Wilson interval ([\d.]+)%-([\d.]+)%\)",
        docs,
    )
    assert stated, "docs/market.md no longer states the hand-checked precision"
    assert (int(stated.group(1)), int(stated.group(2))) == (right, len(decided))
    assert np.allclose(
        [float(g) for g in stated.groups()[2:]],
        [round(100 * right / len(decided), 1), round(100 * low, 1), round(100 * high, 1)],
    )
