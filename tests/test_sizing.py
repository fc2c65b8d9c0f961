"""Market sizing on the demo company: the waterfall reconciles and agrees with an independent count
on the raw files and the planted truth; TAM/SAM/SOM follow their stated assumptions. The fast paths
sizing takes at millions of companies (conditions per distinct value, matching only the companies
that can match, whole rows only for the whitespace) give what the plain definitions give."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

import ibis
import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
import yaml
from conftest import TRUTH_ICP, full_demo_workspace, write
from typer.testing import CliRunner

from bullseye.cli import app
from bullseye.errors import BullseyeError
from bullseye.market.industries import (
    load_segments,
    save_segments,
    segments_from_label_map,
)
from bullseye.market.matching import (
    domain_keys,
    match_companies,
    name_keys,
    normalize_domains,
    normalize_names,
)
from bullseye.market.sizing import size_market, universe_frame
from bullseye.market.universe_scan import (
    could_share_domain,
    could_share_name,
    match_universe,
    read_universe,
    universe_rows,
)
from bullseye.scoring.features import condition_mask
from bullseye.strategy.audience import Audience, load_audience
from bullseye.strategy.icp import ICP_FILE, Condition, load_icp

AUDIENCE = """
id: audience
name: Delivery-heavy companies in Brazil
criteria:
- id: brazil
  name: Operates in Brazil
  kind: geography
  conditions: [{attribute: country, op: "==", value: Brazil}]
- id: segments
  name: Moves physical goods
  kind: segment
  conditions: [{attribute: industry, op: in, value: [E-commerce, Regional carrier, Urban delivery franchise]}]
- id: size
  name: 10 or more employees
  kind: size
  conditions: [{attribute: employees, op: ">=", value: 10}]
"""


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    ws = full_demo_workspace(tmp_path_factory, 5000, 0)
    write(ws.root / ICP_FILE, TRUTH_ICP)
    write(ws.root / "strategy" / "audience.yaml", AUDIENCE)
    truth = json.loads((ws.data_dir / "truth.json").read_text(encoding="utf-8"))
    save_segments(ws.root, segments_from_label_map(truth["universe"]["industry_map"]))
    yield ws, truth
    ws.close()


@pytest.fixture(scope="module")
def sized(demo):
    ws, _ = demo
    return size_market(ws, load_audience(ws.root), load_icp(ws.root))


def _raw_universe(ws, truth) -> pd.DataFrame:
    """The universe file read with pandas, its provider labels translated with the planted map."""
    raw = pd.read_csv(ws.data_dir / "universe.csv", dtype=str, keep_default_na=False)
    raw["segment"] = raw["Industry"].map(truth["universe"]["industry_map"])
    raw["employees"] = pd.to_numeric(raw["Employees"], errors="coerce")
    raw["dpd"] = pd.to_numeric(raw["deliveries_per_day"], errors="coerce")
    return raw


def test_the_waterfall_reconciles_and_matches_an_independent_count(demo, sized):
    ws, truth = demo
    steps = sized.waterfall.set_index("step")
    raw = _raw_universe(ws, truth)
    brazil = raw["Country"] == "Brazil"
    segment = brazil & raw["segment"].isin(["E-commerce", "Regional carrier", "Urban delivery franchise"])
    audience = segment & (raw["employees"] >= 10)
    assert steps.loc["Universe", "companies"] == len(raw)
    assert steps.loc["Operates in Brazil", "companies"] == brazil.sum()
    assert steps.loc["Moves physical goods", "companies"] == segment.sum()
    assert steps.loc["Target audience", "companies"] == audience.sum()
    fleet = raw["own_fleet"].str.strip().str.casefold().isin(["yes", "true"])
    meets = audience & (raw["segment"] == "E-commerce") & fleet & (raw["dpd"] >= 200)
    fit = meets & ~(raw["employees"] < 50)
    assert steps.loc["Meets an ICP criterion", "companies"] == meets.sum()
    assert steps.loc["ICP fit (no disqualifier)", "companies"] == fit.sum()
    # Each step removes what the step before it had and it has not ("Could fit" is a side count).
    chain = sized.waterfall[sized.waterfall["step"] != "Could fit, data missing"].reset_index(drop=True)
    for i in chain.index[1:]:
        if pd.notna(chain.loc[i, "removed"]):
            assert chain.loc[i, "removed"] == chain.loc[i - 1, "companies"] - chain.loc[i, "companies"]


def test_icp_companies_in_the_crm_agree_with_the_planted_matches(demo, sized):
    ws, truth = demo
    steps = sized.waterfall.set_index("step")
    raw = _raw_universe(ws, truth)
    fleet = raw["own_fleet"].str.strip().str.casefold().isin(["yes", "true"])
    fit = (
        (raw["Country"] == "Brazil")
        & (raw["segment"] == "E-commerce")
        & (raw["employees"] >= 50)
        & fleet
        & (raw["dpd"] >= 200)
    )
    planted = raw.loc[fit, "Company ID"].isin(truth["universe"]["matches"]).sum()
    found = steps.loc["ICP fit, already in the CRM", "companies"]
    assert abs(found - planted) <= max(2, 0.05 * planted), (found, planted)
    assert steps.loc["ICP fit, already customers", "companies"] <= found
    assert len(sized.whitespace) == steps.loc["ICP fit (no disqualifier)", "companies"] - found
    assert sized.whitespace["company_id"].isin(list(truth["universe"]["matches"])).sum() <= 2


def test_tam_sam_som_follow_their_assumptions(demo, sized):
    ws, truth = demo
    sizing = sized.sizing.set_index("name")
    deals = pd.read_csv(ws.data_dir / "deals.csv", thousands=",")
    assert (
        sizing.loc["SAM", "companies"]
        == sized.waterfall.set_index("step").loc["ICP fit (no disqualifier)", "companies"]
    )
    icp_acv = sizing.loc["SAM", "value"] / sizing.loc["SAM", "companies"]
    assert 0.2 * deals["Amount"].median() < icp_acv < 5 * deals["Amount"].median()
    reps = deals["Deal Owner"].nunique()
    assert sized.assumption("Sales reps")["value"] == reps
    assert sizing.loc["SOM (a year)", "companies"] <= sizing.loc["SAM", "companies"]
    assert sizing.loc["TAM", "value"] > sizing.loc["SAM", "value"] > 0


def test_no_audience_means_the_whole_universe(demo):
    ws, _ = demo
    result = size_market(ws, Audience(), load_icp(ws.root))
    steps = result.waterfall.set_index("step")
    assert steps.loc["Target audience", "companies"] == steps.loc["Universe", "companies"]


def test_size_command_writes_the_chart_and_the_prospect_list(demo, tmp_path):
    ws, _ = demo
    out = tmp_path / "prospects.csv"
    result = CliRunner().invoke(app, ["size", "--workspace", str(ws.root), "--whitespace", str(out), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert [s["name"] for s in data["sizing"]] == ["TAM", "SAM", "SOM (a year)"]
    prospects = pd.read_csv(out)
    assert len(prospects) == data["whitespace"]["companies"] > 0
    assert {"fit_score", "tier", "reasons", "icp_version"} <= set(prospects.columns)
    assert np.all(np.diff(prospects["fit_score"].to_numpy()) <= 1e-9)  # best first
    assert (ws.reports_dir / "market-funnel.png").stat().st_size > 10_000


# -- the fast paths give what the plain definitions give -------------------------------------------
def _tricky_names(rng: np.random.Generator, n: int) -> pd.Series:
    """Names built to trip the name keys: accents, brackets, "the", "&", apostrophes, dots, legal forms."""
    syllables = np.array(
        [
            "ro",
            "ta",
            "vé",
            "lo",
            "são",
            "ção",
            "ma",
            "ni",
            "ko",
            "dex",
            "and",
            "co",
            "a",
            "ß",
            "ø",
            "3m",
            "inc",
            "o",
            "br",
            "pe",
            "lu",
            "za",
            "mar",
            "sol",
            "via",
            "flu",
            "xo",
            "gi",
            "bel",
            "tu",
            "lé",
            "quo",
            "pra",
            "ne",
            "su",
            "li",
            "ber",
            "ton",
            "fy",
        ],
        dtype=object,
    )
    first = (
        pd.Series(syllables[rng.integers(0, len(syllables), n)])
        + syllables[rng.integers(0, len(syllables), n)]
        + np.where(rng.random(n) < 0.7, syllables[rng.integers(0, len(syllables), n)], "")
    )
    second = pd.Series(syllables[rng.integers(0, len(syllables), n)]) + syllables[rng.integers(0, len(syllables), n)]
    before = np.array(
        ["", "", "", "", "", "", "", "", "The ", "the ", "(BR) ", " ", "& ", "'", "THE ", "A ", "o'", "3 "],
        dtype=object,
    )
    joint = np.array([" ", " ", "", "'", ".", "’", "`", "-", "&", " + ", " and ", ". ", "(x) ", ".com "], dtype=object)
    after = np.array(
        ["", "", " Ltda", " S.A.", " Inc.", " Co", " & Co. KG", ".com", ".com.br", " (Brasil)", " The", " AND", "."],
        dtype=object,
    )
    names = (
        before[rng.integers(0, len(before), n)]
        + first.str.capitalize()
        + joint[rng.integers(0, len(joint), n)]
        + second
        + after[rng.integers(0, len(after), n)]
    )
    names = names.where(rng.random(n) > 0.1, names.str.upper())
    return names.where(rng.random(n) > 0.05, None)


def _tricky_domains(rng: np.random.Generator, n: int) -> pd.Series:
    labels = np.array(["rota", "velo", "acme", "sao", "a-b", "x1", "shop", "www", "mail", "ro"], dtype=object)
    before = np.array(
        ["", "", "www.", "https://", "http://www.", "shop.", "mailto:x@", "x@", " ", "WWW."], dtype=object
    )
    tld = np.array([".com", ".com.br", ".co.uk", ".io", ".myshopify.com", "", ".com."], dtype=object)
    tail = np.array(["", "", "/contato", ":8080", "?q=1", " "], dtype=object)
    domains = (
        before[rng.integers(0, len(before), n)]
        + pd.Series(labels[rng.integers(0, len(labels), n)])
        + labels[rng.integers(0, len(labels), n)]
        + tld[rng.integers(0, len(tld), n)]
        + tail[rng.integers(0, len(tail), n)]
    )
    return domains.where(rng.random(n) > 0.15, None)


def _companies(rng: np.random.Generator, n: int, id_column: str, prefix: str) -> pd.DataFrame:
    return pd.DataFrame(
        {
            id_column: [f"{prefix}{i}" for i in range(n)],
            "name": _tricky_names(rng, n),
            "domain": _tricky_domains(rng, n),
            "city": pd.Series(rng.choice(["Recife", "Natal", "Sao Paulo", "São Paulo"], n)).where(rng.random(n) > 0.2),
            "region": rng.choice(["PE", "RN", "SP"], n),
            "country": rng.choice(["Brazil", "BR", "Chile"], n),
            "founded_year": np.where(rng.random(n) > 0.3, rng.integers(1990, 2000, n), np.nan),
        }
    )


@pytest.fixture(scope="module")
def tricky():
    """A universe and accounts with shared keys, duplicates (ambiguous matches) and rows without keys."""
    rng = np.random.default_rng(7)
    universe = _companies(rng, 6000, "company_id", "U")
    accounts = _companies(rng, 500, "account_id", "A")
    known = universe.sample(400, random_state=1).reset_index(drop=True)
    accounts.loc[:399, ["name", "domain", "city"]] = known[["name", "domain", "city"]].to_numpy()
    accounts.loc[:199, "name"] = known.loc[:199, "name"].str.upper() + " Ltda"
    twice = universe.sample(300, random_state=2).assign(company_id=lambda f: "V" + f["company_id"])
    return pd.concat([universe, twice], ignore_index=True), accounts


def test_the_cheap_key_tests_never_rule_out_a_shared_key(tricky):
    universe, accounts = tricky
    names, domains = normalize_names(universe["name"]), normalize_domains(universe["domain"])
    with ThreadPoolExecutor(max_workers=2) as pool:
        could_name = could_share_name(pool, pa.array(universe["name"], pa.string()), name_keys(accounts["name"]))
        could_domain = could_share_domain(
            pool, pa.array(universe["domain"], pa.string()), domain_keys(accounts["domain"])
        )
    shares_name = names.isin(normalize_names(accounts["name"]).dropna()).to_numpy() | names.isna().to_numpy()
    shares_domain = domains.isin(normalize_domains(accounts["domain"]).dropna()).to_numpy()
    assert shares_name.sum() > 100 and shares_domain.sum() > 100  # the data does share keys
    assert not (shares_name & ~could_name).any(), universe.loc[shares_name & ~could_name, "name"].head().tolist()
    assert not (shares_domain & ~could_domain).any(), (
        universe.loc[shares_domain & ~could_domain, "domain"].head().tolist()
    )
    assert (~could_name).sum() > 500 and (~could_domain).sum() > 500  # and they do rule rows out


def test_matching_only_what_can_match_equals_matching_everything(tricky):
    universe, accounts = tricky
    plain = match_companies(universe, accounts)
    with ThreadPoolExecutor(max_workers=2) as pool:
        matches, summary = match_universe(
            pool,
            pa.array(universe["name"], pa.string()),
            pa.array(universe["domain"], pa.string()),
            lambda at: universe.iloc[at].reset_index(drop=True),
            accounts,
        )
    assert plain.summary["ambiguous"] > 50 and plain.summary["universe_without_keys"] > 0
    assert summary == plain.summary and list(summary) == list(plain.summary)
    pd.testing.assert_frame_equal(
        matches.sort_values("company_id").reset_index(drop=True),
        plain.matches.sort_values("company_id").reset_index(drop=True),
    )


def _row_by_row(criterion, frame: pd.DataFrame) -> np.ndarray:
    """The plain definition: each condition's ``Condition.mask`` over every row."""
    result = np.ones(len(frame), dtype=bool)
    for condition in criterion.conditions:
        met = condition.mask(frame)
        if criterion.keep_unknown:
            met |= frame[condition.attribute].isna().to_numpy()
        result &= met
    return result


def test_audience_criteria_per_distinct_value_equal_row_by_row():
    rng = np.random.default_rng(11)
    n = 3000

    def pick(values):
        return pd.Series([values[i] for i in rng.integers(0, len(values), n)], dtype=object)

    frame = pd.DataFrame(
        {
            "country": pick(["Brazil", "brazil ", "BRAZIL", "Chile", None, "", np.nan]),
            "own_fleet": pick([True, False, None]),
            "flag": pick(["yes", "No", "TRUE", "false", None, "maybe"]),
            "employees": np.where(rng.random(n) > 0.2, rng.integers(1, 500, n), np.nan),
            "tech_stack": pick(
                [["Shopify", "SAP"], ["shopify "], [], None, ["VTEX"], np.array(["SHOPIFY"], dtype=object)]
            ),
        }
    )
    # Sizing reads text and yes/no columns as categories: the same rows must meet the criteria.
    as_categories = frame.assign(**{c: frame[c].astype("category") for c in ("country", "own_fleet", "flag")})
    criteria = Audience.model_validate(
        yaml.safe_load("""
criteria:
- {id: a, name: a, conditions: [{attribute: country, op: "==", value: brazil}]}
- {id: b, name: b, keep_unknown: true, conditions: [{attribute: country, op: in, value: [Chile, ""]}]}
- {id: c, name: c, conditions: [{attribute: country, op: "not in", value: [Chile]}, {attribute: flag, op: "==", value: true}]}
- {id: d, name: d, keep_unknown: true, conditions: [{attribute: own_fleet, op: "==", value: "yes"}]}
- {id: e, name: e, conditions: [{attribute: own_fleet, op: "!=", value: "yes"}, {attribute: employees, op: between, value: [10, 200]}]}
- {id: f, name: f, keep_unknown: true, conditions: [{attribute: employees, op: ">=", value: 50}]}
- {id: g, name: g, conditions: [{attribute: tech_stack, op: contains, value: Shopify}]}
- {id: h, name: h, conditions: [{attribute: tech_stack, op: is missing}, {attribute: flag, op: is not missing}]}
- {id: i, name: i, conditions: [{attribute: country, op: contains, value: brazil}]}
""")
    ).criteria
    # ... and reads the universe table column by column; the plain frame is the whole table in pandas.
    table = ibis.duckdb.connect().create_table(
        "universe",
        pa.Table.from_pandas(
            frame.assign(company_id=[f"U{i}" for i in range(n)], name="x", domain="x.com"), preserve_index=False
        ),
    )
    plain = table.to_pandas()
    read = read_universe(table, set(frame.columns), {"employees"}, None).conditions
    for criterion in criteria:
        expected = _row_by_row(criterion, frame)
        assert 0 < expected.sum() < n, criterion.id
        assert (criterion.mask(frame) == expected).all(), criterion.id
        assert (criterion.mask(as_categories) == expected).all(), criterion.id
        assert (criterion.mask(read) == _row_by_row(criterion, plain)).all(), criterion.id
    with pytest.raises(BullseyeError, match="'revenue'.*criterion 'x'"):
        Audience.model_validate(
            {"criteria": [{"id": "x", "name": "x", "conditions": [{"attribute": "revenue", "op": ">", "value": 1}]}]}
        ).criteria[0].mask(frame)


def test_sizing_reads_the_universe_as_the_plain_frame_gives_it(demo):
    ws, _ = demo
    plain = universe_frame(ws)
    table, segments = ws.table("universe"), load_segments(ws.root)
    audience, icp = load_audience(ws.root), load_icp(ws.root)
    conditions = [c for rule in [*audience.criteria, *icp.criteria, *icp.disqualifiers] for c in rule.conditions]
    conditions.append(Condition(attribute="industry_raw", op="==", value="Internet Retail"))
    universe = read_universe(
        table, {c.attribute for c in conditions}, {c.attribute for c in conditions if c.op in (">=", "<")}, segments
    )
    assert universe.rows == len(plain)
    for condition in conditions:
        expected = condition.mask(plain)
        assert expected.any(), condition.label
        assert (condition_mask(condition, universe.conditions, {}) == expected).all(), condition.label
    # Whole rows fetched alone come back in the order asked, with the whole table's column types.
    complete = plain[plain["employees"].notna() & plain["own_fleet"].notna()].sample(40, random_state=1)
    rows = universe_rows(table, complete["company_id"].to_numpy(), segments, ["enriched"], len(plain))
    pd.testing.assert_frame_equal(rows, complete.assign(enriched=np.nan).reset_index(drop=True))
    accounts = ws.table("accounts").to_pandas()
    plain_match = match_companies(plain, accounts)
    with ThreadPoolExecutor(max_workers=2) as pool:
        matches, summary = match_universe(
            pool,
            pa.array(plain["name"], pa.string()),
            pa.array(plain["domain"], pa.string()),
            lambda at: plain.iloc[at].reset_index(drop=True),
            accounts,
        )
    assert summary == plain_match.summary
    pd.testing.assert_frame_equal(matches, plain_match.matches)
