"""Why-now signals from the real market datasets (Crunchbase rounds, YC snapshots, layoffs.fyi), and
events that only name their company linked to accounts and universe companies
(:mod:`bullseye.market.event_links`).

Expected numbers come from pandas on the raw files, never from a README; the workspaces load
through the real CLI with the mappings in ``examples/``. Without the datasets these tests skip.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from conftest import TRUTH_ICP, datasets_dir, write
from market_data import EXAMPLES, NEW_YC, OLD_YC, cli, example_copy, yc_copy
from typer.testing import CliRunner

from bullseye.cli import app
from bullseye.demo import generate_company
from bullseye.market.event_links import (
    event_companies,
    link_event_companies,
    link_workspace_events,
)
from bullseye.market.matching import normalize_names
from bullseye.market.signals import signal_ranking, why_now
from bullseye.strategy.icp import ICP
from bullseye.workspace import Workspace

LAYOFFS = ("layoffs_2020_2023_alextheanalyst.csv", "layoffs_2020_2026_databyab.csv")
CRUNCHBASE_AS_OF, YC_AS_OF = dt.date(2013, 10, 1), dt.date(2024, 5, 11)
runner = CliRunner()

FUNDING_ICP = """
id: icp
name: Freshly funded software companies
criteria:
- id: software
  name: Software, web or enterprise
  assumption: true
  conditions:
  - {attribute: industry, op: in, value: [software, web, enterprise]}
signals:
- id: funding
  name: Funding round
  event_type: funding
  lookback_days: 90
  half_life_days: 45
  assumption: true
"""
GROWTH = """
- id: team-growth
  name: Team grew 20% or more
  event_type: headcount_change
  filters: {min_value: 20}
  lookback_days: 365
  half_life_days: 180
  assumption: true
"""
LAYOFF = """
- id: layoffs
  name: Layoffs
  event_type: layoff
  direction: negative
  lookback_days: 365
  half_life_days: 180
  weight: 0.5
  assumption: true
"""


def icp_from(text: str) -> ICP:
    return ICP.model_validate(yaml.safe_load(text))


def _data() -> Path:
    found = datasets_dir()
    if found is None:
        pytest.skip("public datasets not found: set BULLSEYE_DATASETS or place them in ../shared/datasets")
    return found


def _raw(path: Path, encoding: str = "utf-8") -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding=encoding)


def _age_words(days: int) -> str:
    """The ages the ranking's reasons use (docs/signals.md), for the ages these tests meet (under a year)."""
    return (
        "today"
        if days == 0
        else "yesterday"
        if days == 1
        else f"{days} days ago"
        if days < 14
        else f"{round(days / 7)} weeks ago"
        if days < 60
        else f"{round(days / 30.44)} months ago"
    )


# -- linking events that only name their company ----------------------------------------------------
ACCOUNTS = """account_id,name,domain,city,country
A1,"Acme, Inc.",acme.com,Austin,US
A2,Globex,,Springfield,US
"""
UNIVERSE = """company_id,name,domain,city,country
U1,Acme,acme.com,Austin,US
U2,Initech LLC,initech.io,Dallas,US
U3,Umbrella,umbrella-a.com,Raccoon City,US
U4,Umbrella,umbrella-b.com,Paris,FR
U5,Globex,globex.net,Springfield,US
"""
EVENTS = """event_id,account_id,company_id,company_name,domain,event_type,occurred_at,value
e1,,,"ACME INC",,layoff,2024-05-01,40
e2,,,Acme,https://www.acme.com/news,layoff,2024-05-02,
e3,,,Globex,,funding,2024-05-03,1000000
e4,,,Initech,,funding,2024-05-04,2000000
e5,,,Umbrella,,layoff,2024-05-05,10
e6,,,Nobody Corp,,layoff,2024-05-06,5
e7,,U2,Globex,,funding,2024-05-07,3000000
e8,A2,,Initech,,funding,2024-05-08,4000000
"""


@pytest.fixture
def small(workspace):
    files = [
        write(workspace.data_dir / f"{name}.csv", text)
        for name, text in (("accounts", ACCOUNTS), ("universe", UNIVERSE), ("events", EVENTS))
    ]
    workspace.load(files)
    return workspace


def test_event_companies_link_to_accounts_first_then_universe(small):
    links = link_workspace_events(small)
    companies = links.companies.set_index("company_name")
    # "ACME INC" and "Acme" (with the domain) are one company; the account wins over the universe row.
    assert links.summary | {"by_method": None} == {
        "events": 6,
        "event_companies": 5,
        "linked": 3,
        "linked_accounts": 2,
        "linked_universe": 1,
        "by_method": None,
        "ambiguous": 1,
        "unmatched": 1,
        "without_keys": 0,
        "linked_events": 4,
        "linked_against": ["accounts", "universe"],
        "reconciles": True,
    }
    assert links.summary["by_method"] == {
        "accounts": {"domain": 1, "name": 1, "name+location": 0},
        "universe": {"domain": 0, "name": 1, "name+location": 0},
    }
    acme = links.companies[links.companies["linked_id"] == "A1"]
    assert len(acme) == 1 and acme["events"].item() == 2 and acme["spellings"].item() == 2
    assert companies.loc["Globex", ["kind", "linked_id"]].tolist() == ["account", "A2"]  # accounts before universe
    assert companies.loc["Initech", ["kind", "linked_id", "method"]].tolist() == ["prospect", "U2", "name"]
    assert companies.loc["Umbrella", "status"] == "ambiguous" and companies.loc["Nobody Corp", "status"] == "unmatched"
    assert set(links.ambiguous["candidate_id"]) == {"U3", "U4"}
    assert links.ambiguous["reason"].str.startswith("several universe companies share the name").all()
    assert links.notes() == [
        "6 events name their company without an id (5 companies): 3 companies (4 events) were linked by the "
        "company matcher, 2 to CRM accounts (1 by domain, 1 by name) and 1 to universe companies (1 by name); "
        "1 are ambiguous and left unlinked (Umbrella); 1 matched nothing"
    ]
    # Applied in the warehouse: events with an id of their own keep it, whatever their name says.
    events = links.events.order_by("event_id").to_pandas().set_index("event_id")
    assert events["account_id"].to_dict() == {
        "e1": "A1",
        "e2": "A1",
        "e3": "A2",
        "e4": None,
        "e5": None,
        "e6": None,
        "e7": None,
        "e8": "A2",
    }
    assert events["company_id"].to_dict() == {
        "e1": None,
        "e2": None,
        "e3": None,
        "e4": "U2",
        "e5": None,
        "e6": None,
        "e7": "U2",
        "e8": None,
    }
    assert list(links.events.columns) == list(small.table("events").columns)


def test_linking_without_anything_to_link_to_says_so(small):
    pairs = event_companies(small.table("events"))
    assert pairs["events"].sum() == 6 and len(pairs) == 6  # distinct spellings, before grouping
    links = link_event_companies(pairs)
    assert links.summary["unmatched"] == 5 and links.summary["linked_against"] == []
    assert links.notes() == [
        "6 events name their company without an id (5 companies); there is no accounts or "
        "universe table to link them to"
    ]


def test_spellings_fold_into_one_company_unless_their_domains_differ():
    pairs = pd.DataFrame(
        {
            "company_name": [
                "Acme",
                "ACME Inc.",
                "Acme Corp",
                "Umbrella",
                "Umbrella",
                "Umbrella",
                "Alphabet",
                "Google",
            ],
            "domain": [
                None,
                "acme.com",
                "https://www.acme.com/",
                "umbrella-a.com",
                "umbrella-b.com",
                None,
                "google.com",
                "www.google.com",
            ],
            "events": [3, 1, 1, 2, 1, 1, 1, 5],
        }
    )
    universe = pd.DataFrame(
        {
            "company_id": ["U1", "U2", "U3", "U4"],
            "name": ["Acme", "Umbrella", "Umbrella", "Google"],
            "domain": ["acme.com", "umbrella-a.com", "umbrella-b.com", "google.com"],
        }
    )
    links = link_event_companies(pairs, universe=universe)
    companies = links.companies.set_index("linked_id")
    # Three spellings of Acme are one company, named by its most frequent spelling.
    assert companies.loc["U1", ["company_name", "events", "spellings", "method"]].tolist() == ["Acme", 5, 3, "domain"]
    # A name at two domains is two companies (each linked by its domain); the bare name is a third,
    # left unmatched: as in `bullseye match`, companies settled by domain take no part in the name stage.
    assert companies.loc["U2", "events"] == 2 and companies.loc["U3", "events"] == 1
    bare = links.companies[links.companies["domain"].isna() & (links.companies["company_name"] == "Umbrella")]
    assert bare["status"].tolist() == ["unmatched"]
    # One web domain under two names is one company.
    assert companies.loc["U4", ["company_name", "events", "spellings"]].tolist() == ["Google", 6, 2]
    assert links.summary["event_companies"] == 5 and links.summary["linked"] == 4 and links.summary["reconciles"]


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """A 1,000-account demo with its universe; events naming companies are written by the test."""
    ws = Workspace.init(tmp_path_factory.mktemp("linked-demo") / "ws")
    generate_company(ws.data_dir, n_accounts=1000, seed=0)
    ws.load([ws.data_dir / f"{name}.csv" for name in ("accounts", "deals", "subscriptions", "universe")])
    yield ws, json.loads((ws.data_dir / "truth.json").read_text())
    ws.close()


def test_events_that_only_name_a_company_rank_with_its_fit(demo):
    """The same events ranked twice, once carrying our ids and once only the company's name or
    web address: every row, fit and score included, is the same."""
    ws, truth = demo
    accounts, universe = _raw(ws.data_dir / "accounts.csv"), _raw(ws.data_dir / "universe.csv")
    # Companies whose name is unambiguous on both sides (the generator plants near-duplicates).
    keys = normalize_names(pd.concat([accounts["Company Name"], universe["Company Name"]], ignore_index=True))
    unique = ~keys.duplicated(keep=False).to_numpy()
    picked_accounts = accounts[unique[: len(accounts)] & (accounts["Domain"] != "")].head(30)
    only_universe = ~universe["Company ID"].isin(list(truth["universe"]["matches"])).to_numpy()
    picked_universe = universe[unique[len(accounts) :] & only_universe].head(30)
    as_of = dt.date.fromisoformat(truth["as_of"])
    n = len(picked_accounts) + len(picked_universe)
    named = pd.DataFrame(
        {
            "company_name": [
                *np.where(
                    np.arange(len(picked_accounts)) % 2 == 0,
                    "",  # half by web address only
                    picked_accounts["Company Name"].str.upper(),
                ),
                *(picked_universe["Company Name"] + " Ltda."),
            ],  # a legal form the matcher folds away
            "domain": [
                *np.where(np.arange(len(picked_accounts)) % 2 == 0, "https://www." + picked_accounts["Domain"], ""),
                *[""] * len(picked_universe),
            ],
            "event_type": np.where(np.arange(n) % 3 == 0, "layoff", "funding"),
            "occurred_at": [as_of - dt.timedelta(days=int(d)) for d in np.arange(n) % 25],
            "value": np.where(np.arange(n) % 3 == 0, 40, 2_000_000),
        }
    )
    with_ids = named.drop(columns=["company_name", "domain"]).assign(
        account_id=[*picked_accounts["Account ID"], *[""] * len(picked_universe)],
        company_id=[*[""] * len(picked_accounts), *picked_universe["Company ID"]],
    )
    icp = icp_from(TRUTH_ICP + "signals:\n" + FUNDING_ICP.split("signals:\n")[1] + LAYOFF)
    rankings, columns = [], []
    for frame in (named, with_ids):
        path = ws.data_dir / "events.csv"
        frame.to_csv(path, index=False)
        ws.load([path])
        rankings.append(signal_ranking(ws, icp, days=30, as_of=as_of))
        columns.append(why_now(ws, accounts["Account ID"], icp, as_of))  # the why_now column of scores
    by_name, by_id = rankings
    pd.testing.assert_frame_equal(*columns)
    assert (columns[0]["why_now"] != "").sum() == len(picked_accounts)
    assert by_name.event_links["summary"]["linked"] == n and by_name.event_links["summary"]["reconciles"]
    assert by_name.event_links["summary"]["by_method"]["accounts"]["domain"] == len(picked_accounts[::2])
    assert by_id.event_links is None
    columns = [
        "company",
        "kind",
        "name",
        "fit_score",
        "tier",
        "disqualified",
        "fit_known",
        "why_now_score",
        "priority",
        "why_now",
    ]
    pd.testing.assert_frame_equal(by_name.rows[columns], by_id.rows[columns])
    assert by_name.rows["fit_known"].all() and set(by_name.rows["kind"]) == {"account", "prospect"}
    assert (by_name.rows["why_now_score"] < 0).sum() == (np.arange(n) % 3 == 0).sum()  # the layoffs
    assert any(
        f"were linked by the company matcher, {len(picked_accounts)} to CRM accounts" in note for note in by_name.notes
    )


# -- Crunchbase 2013: funding rounds ----------------------------------------------------------------
@pytest.fixture(scope="module")
def crunchbase(tmp_path_factory):
    # the load test_examples_market.py checks, made once per run (the acquisitions are events of
    # another type, which the funding signal does not read)
    folder = _data() / "crunchbase_2013"
    _, ws = example_copy(
        tmp_path_factory, tmp_path_factory.mktemp("crunchbase") / "ws", "crunchbase", sorted(folder.glob("*.csv"))
    )
    root = ws.root
    (root / "strategy" / "icp.yaml").write_text(FUNDING_ICP)
    yield ws
    ws.close()


def test_crunchbase_funding_rounds_counted_like_pandas(crunchbase, datasets):
    ranking = signal_ranking(crunchbase, days=90, as_of=CRUNCHBASE_AS_OF)
    rounds = _raw(datasets / "crunchbase_2013" / "crunchbase-rounds.csv", "mac_roman")
    funded = pd.to_datetime(rounds["funded_at"], errors="coerce")
    fresh = rounds[
        (funded <= pd.Timestamp(CRUNCHBASE_AS_OF)) & (funded >= pd.Timestamp(CRUNCHBASE_AS_OF - dt.timedelta(days=90)))
    ]
    # The loader drops a round listed twice (same company, date, amount and type): the same rule here.
    distinct = fresh.drop_duplicates(
        ["company_permalink", "company_name", "funded_at", "raised_amount_usd", "funding_round_type"]
    )
    assert ranking.companies == fresh["company_permalink"].nunique() == 1727
    assert ranking.events == len(distinct) == len(fresh) - 1
    rows = ranking.rows.set_index("company")
    assert set(rows["kind"]) == {"prospect"} and (rows["why_now_score"] > 0).all()
    assert ranking.event_links is None and not rows["fit_known"].any()  # no deals: no scorecard
    # Each company's reason is its newest round, read from the raw file.
    newest = (
        fresh.assign(at=funded).sort_values("at").groupby("company_permalink").tail(1).set_index("company_permalink")
    )
    alone = fresh.assign(at=funded).groupby(["company_permalink", "at"]).size()
    newest = newest[[alone[(c, a)] == 1 for c, a in zip(newest.index, newest["at"])]]
    words = {
        "series-a": "a Series A",
        "series-b": "a Series B",
        "series-c+": "a Series C or later",
        "angel": "an angel round",
        "venture": "a venture round",
        "private-equity": "private equity",
        "post-ipo": "a post-IPO round",
        "crowdfunding": "a crowdfunding round",
    }
    checked = 0
    for company, row in newest.iterrows():
        amount = float(row["raised_amount_usd"]) if row["raised_amount_usd"] else None
        if row["funding_round_type"] not in words or not amount or not 1e6 <= amount < 1e9:  # millions
            continue
        age = (pd.Timestamp(CRUNCHBASE_AS_OF) - row["at"]).days
        expected = f"raised {words[row['funding_round_type']]} ({amount / 1e6:.3g}M) {_age_words(age)}"
        assert rows.loc[company, "why_now"] == expected
        assert rows.loc[company, "name"] == row["company_name"]
        checked += 1
    assert checked > 800
    assert "raised a Series B (10M) today" in set(rows["why_now"])


# -- YC: headcount growth from two snapshots, layoffs.fyi linked by name ------------------------------
@pytest.fixture(scope="module")
def yc(tmp_path_factory):
    """The 2024 YC directory as the universe; the events are the snapshot comparison and the
    layoffs, loaded together (a load replaces the tables it loads)."""
    data = _data()
    # the directory loaded and the snapshots compared once per run (test_examples_market.py too)
    _, _, ws = yc_copy(tmp_path_factory, tmp_path_factory.mktemp("yc") / "ws", data / "yc_companies")
    root, out = ws.root, ws.root / "data" / "events-yc.csv"
    report = cli(
        "load",
        "-w",
        str(root),
        "--mapping",
        str(EXAMPLES / "layoffs" / "mapping.yaml"),
        str(out),
        *[str(data / "layoffs_fyi" / name) for name in LAYOFFS],
    )
    assert report["reconciles"] and report["table_rows"]["events"] == 1037 + 4286
    yield ws
    ws.close()


def _team_sizes(frame: pd.DataFrame) -> pd.Series:
    sizes = pd.to_numeric(frame.set_index("company_id")["team_size"], errors="coerce")
    return sizes.where(sizes > 0)  # 0 is the directory's "unknown"


def test_yc_headcount_growth_ranks_the_companies_that_grew(yc, datasets):
    icp = icp_from("signals:" + GROWTH)
    ranking = signal_ranking(yc, icp, days=30, as_of=YC_AS_OF)
    old, new = (_raw(datasets / "yc_companies" / name) for name in (OLD_YC, NEW_YC))
    both = _team_sizes(old).to_frame("before").join(_team_sizes(new).to_frame("after"), how="inner").dropna()
    grew = both[(both["after"] - both["before"]) / both["before"] >= 0.2]
    rows = ranking.rows.set_index("company")
    assert ranking.companies == len(grew) == 682
    assert set(rows.index) == set(grew.index) and set(rows["kind"]) == {"prospect"}
    expected = {
        company: f"headcount up {(after - before) / before * 100:.0f}% ({before:.0f} -> {after:.0f}) today"
        for company, (before, after) in grew.iterrows()
    }
    assert rows["why_now"].to_dict() == expected
    names = new.set_index("company_id")["company_name"]
    assert (rows["name"] == names.loc[rows.index]).all()


def _layoff_names(datasets: Path) -> pd.DataFrame:
    """Every dated layoff of both copies: company name (trimmed) and date."""
    frames = [_raw(datasets / "layoffs_fyi" / name)[["company", "date"]] for name in LAYOFFS]
    raw = pd.concat(frames, ignore_index=True)
    return pd.DataFrame(
        {"name": raw["company"].str.strip(), "at": pd.to_datetime(raw["date"], format="%m/%d/%Y", errors="coerce")}
    ).dropna()


def _plain_key(names: pd.Series) -> pd.Series:
    """An independent, simpler name key: ASCII lower case, no punctuation, no Inc/LLC/Ltd/Corp/Co/
    GmbH at the end, no .com/.io/.ai/.co; two characters at least."""
    key = names.str.lower().str.normalize("NFKD").str.encode("ascii", "ignore").str.decode("ascii")
    key = key.str.replace(r"\.(com|io|ai|co)$", "", regex=True).str.replace(r"[^a-z0-9 ]", " ", regex=True)
    key = key.str.split().str.join(" ").str.replace(r"( (inc|llc|ltd|corp|co|gmbh))+$", "", regex=True)
    key = key.str.replace(" ", "")
    return key.where(key.str.len() >= 2)


def test_layoffs_link_to_yc_companies_like_an_exact_name_join(yc, datasets):
    links = link_workspace_events(yc)
    s = links.summary
    assert s["reconciles"] and s["linked_universe"] == s["linked"] and s["by_method"]["universe"]["name"] == s["linked"]
    layoffs = _layoff_names(datasets)
    universe = _raw(datasets / "yc_companies" / NEW_YC)
    names = pd.Series(layoffs["name"].unique())
    assert s["events"] == 4286 and s["event_companies"] <= len(names)
    # 1. The matcher's rule restated on its own keys: layoffs carry no domain, location or founding
    # year, so a name links exactly when one YC company has its key, and is ambiguous when several do.
    counts = normalize_names(universe["company_name"]).value_counts()
    per_key = normalize_names(names).map(counts).fillna(0)
    status = links.companies["status"].to_numpy()[links.pairs.set_index("company_name")["company"].loc[names]]
    assert ((per_key == 1).to_numpy() == (status == "linked")).all()
    assert ((per_key > 1).to_numpy() == (status == "ambiguous")).all()
    # 2. An independent plain join agrees within a handful of names out of ~210: it differs only on
    # its simpler folding ("&Open", "The Muse", "Catch.com.au").
    plain = _plain_key(names).map(_plain_key(universe["company_name"]).value_counts())
    independent, ours = set(names[(plain == 1).to_numpy()]), set(names[status == "linked"])
    assert 200 <= len(ours) <= 220 and len(independent ^ ours) <= 0.03 * len(independent)
    linked = links.companies[links.companies["status"] == "linked"]
    assert normalize_names(linked["company_name"]).tolist() == normalize_names(linked["linked_name"]).tolist()


def test_layoffs_at_yc_companies_rank_as_negatives_next_to_growth(yc, datasets):
    icp = icp_from("signals:" + GROWTH + LAYOFF)
    ranking = signal_ranking(yc, icp, days=365, as_of=YC_AS_OF)
    rows = ranking.rows
    links = link_workspace_events(yc)
    # Which YC companies had a layoff in the window, from the raw dates and the links.
    target = links.companies["linked_id"].to_numpy(object)[links.pairs.set_index("company_name")["company"]]
    linked_to = pd.Series(target, index=links.pairs["company_name"])
    layoffs = _layoff_names(datasets)
    window = layoffs[
        (layoffs["at"] <= pd.Timestamp(YC_AS_OF)) & (layoffs["at"] >= pd.Timestamp(YC_AS_OF - dt.timedelta(days=365)))
    ]
    hit = set(linked_to.loc[window["name"].unique()].dropna())
    laid_off = rows[
        rows["signals"].map(lambda reasons: any(r.startswith(("laid off", "announced layoffs")) for r in reasons))
    ]
    prospects = laid_off[laid_off["kind"] == "prospect"]
    assert set(prospects["company"]) == hit and len(hit) >= 20
    unlinked = set(window["name"]) - set(linked_to.dropna().index)
    assert set(laid_off.loc[laid_off["kind"] == "unmatched", "company"]) == unlinked
    # A layoff alone is a negative score and ranks below every company with only good news.
    alone = prospects[prospects["signals"].map(len) == 1]
    assert (alone["why_now_score"] < 0).all() and (alone["priority"] < 0).all()
    assert rows.index[rows["company"].isin(alone["company"])].min() > rows.index[rows["why_now_score"] > 0].max()
    # A company that grew and laid off nets the two (0.5 * 0.5 ** (age / 180) for the layoff).
    both = prospects[prospects["signals"].map(len) == 2]
    assert len(both) and (both["why_now_score"] < 1).all()
    assert any(note.startswith("4,286 events name their company without an id") for note in ranking.notes)


def test_signals_command_on_real_data_reports_the_links(yc):
    (yc.root / "strategy" / "icp.yaml").write_text("signals:" + GROWTH + LAYOFF)
    out = cli("signals", "-w", str(yc.root), "--as-of", "2024-05-11", "--days", "365", "--limit", "5")
    links = link_workspace_events(yc)
    assert out["event_links"]["summary"] == json.loads(json.dumps(links.summary))
    assert len(out["event_links"]["linked"]) == links.summary["linked"]
    assert {a["company_name"] for a in out["event_links"]["ambiguous"]} == set(
        links.companies.loc[links.companies["status"] == "ambiguous", "company_name"]
    )
    assert len(out["rows"]) == 5 and out["companies"] > 5
    text = runner.invoke(app, ["signals", "-w", str(yc.root), "--as-of", "2024-05-11", "--days", "365"])
    assert text.exit_code == 0 and re.search(r"were linked by the\s+company matcher", text.output)
