"""The Market and Signals pages over real HTTP in process, on a demo workspace with its universe and
events: the waterfall as SVG, TAM/SAM/SOM with the assumptions beside each figure, the whitespace
paged, searched and downloaded as a formula-safe CSV, the ranked why-now list with its filters and the
evidence behind each weight; the JSON twins carry the facade's numbers; hostile values render as
text; and the market under the draft beside the version in use (the ICP preview's waterfall)."""

from __future__ import annotations

import csv
import io
import json
import re

import pandas as pd
import pytest
from conftest import TRUTH_ICP, demo_copy

from bullseye.demo.strategy import DEMO_SIGNALS, write_demo_strategy
from bullseye.strategy.versions import VersionStore
from bullseye.web import create_app
from bullseye.web.views.market import PER_PAGE
from bullseye.workspace import Workspace

TestClient = pytest.importorskip("fastapi.testclient").TestClient
HOSTILE = "<script>alert(1)</script>{{7*7}}"
FORMULA = '=HYPERLINK("http://evil.example","click")'
#: Measured evidence on the first signal, so the page has a weight to explain.
EVIDENCE = """  evidence:
  - outcome: win
    metric: win rate with a fresh signal
    segment: 0.55
    base: 0.25
    lift: 2.2
    interval: [0.49, 0.61]
    deals: 249
    strength: strong
    measured_on: all
    odds_ratio: 3.59
    odds_ratio_interval: [2.73, 4.72]
"""


@pytest.fixture(scope="module")
def ws(tmp_path_factory) -> Workspace:
    """The 3,000-account demo (shared with test_lifecycle) with the planted ICP, its signals and the demo
    audience; two ICP-fit universe companies renamed with markup and a spreadsheet formula."""
    ws = demo_copy(tmp_path_factory, 3000, 5, tmp_path_factory.mktemp("webmarket") / "ws", full=True)
    truth = json.loads((ws.data_dir / "truth.json").read_text(encoding="utf-8"))
    write_demo_strategy(ws.root, truth)
    signals = DEMO_SIGNALS.replace("  assumption: true\n", EVIDENCE, 1)
    (ws.strategy_dir / "icp.yaml").write_text(TRUTH_ICP + signals, encoding="utf-8")
    universe = pd.read_csv(ws.data_dir / "universe.csv", dtype=str, keep_default_na=False)
    segment = universe["Industry"].map(truth["universe"]["industry_map"])
    fit = (
        (segment == "E-commerce")
        & (universe["own_fleet"] == "yes")
        & (pd.to_numeric(universe["deliveries_per_day"], errors="coerce") >= 200)
        & (pd.to_numeric(universe["Employees"], errors="coerce") >= 50)
        & (universe["Country"] == "Brazil")
    )
    first, second = universe.index[fit][:2]
    universe.loc[first, ["Company Name", "Domain"]] = [HOSTILE, "hostile-one.example"]
    universe.loc[second, ["Company Name", "Domain"]] = [FORMULA, "hostile-two.example"]
    universe.to_csv(ws.data_dir / "universe.csv", index=False)
    ws.load([ws.data_dir / "universe.csv"])
    return ws


@pytest.fixture(scope="module")
def client(ws):
    with TestClient(create_app(ws, require_login=False), base_url="http://127.0.0.1:8765") as client:
        yield client


@pytest.fixture(scope="module")
def sized(ws):
    return ws.size()


def test_the_market_page_shows_sizing_with_assumptions_the_waterfall_and_the_whitespace(client, sized):
    page = client.get("/market")
    assert page.status_code == 200
    html = page.text
    steps = sized.waterfall
    assert html.count('<rect x="250"') == len(steps)  # one bar per step of the waterfall
    assert '<svg class="waterfall"' in html and "ICP fit, already customers" in html
    for anchor in ("tam", "sam", "som", "whitespace", "waterfall"):
        assert f'href="/glossary#{anchor}"' in html  # every figure links to how it is computed
    for record in sized.assumptions:
        if record["name"] in ("ICP win rate", "Sales reps", "ICP ACV"):
            assert record["source"] in html  # beside the figure that rests on it
    assert f"{len(sized.whitespace):,} ICP-fit companies not in the CRM" in html
    assert '<a href="/market" aria-current="page">Market</a>' in html
    found = client.get("/market", params={"q": "hostile"}).text  # the companies renamed in the fixture
    assert HOSTILE not in found and "&lt;script&gt;alert(1)&lt;/script&gt;{{7*7}}" in found


def test_the_market_twin_carries_the_facade_numbers(client, sized):
    data = client.get("/market.json").json()
    expected = sized.to_dict()
    assert data["size"]["waterfall"] == expected["waterfall"]
    assert data["size"]["sizing"] == expected["sizing"]
    assert [s["rests_on"] for s in data["size"]["sizing"]][2][:1] == ["ICP win rate"]
    assert data["whitespace"]["total"] == len(sized.whitespace)
    first = data["whitespace"]["rows"][0]
    assert first["company_id"] == sized.whitespace.iloc[0]["company_id"]
    assert len(data["whitespace"]["rows"]) == min(PER_PAGE, len(sized.whitespace))


def test_whitespace_search_paging_and_a_formula_safe_csv(client, sized):
    found = client.get("/market.json", params={"q": "HOSTILE-ONE.example"}).json()["whitespace"]
    assert found["matching"] == 1 and found["rows"][0]["name"] == HOSTILE
    last = client.get("/market.json", params={"page": 10_000}).json()["whitespace"]
    assert last["page"] == last["pages"] and 1 <= len(last["rows"]) <= PER_PAGE
    download = client.get("/market/whitespace.csv")
    assert download.status_code == 200 and download.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(download.text)))
    assert len(rows) == len(sized.whitespace)
    names = {r["name"] for r in rows}
    assert "'" + FORMULA in names and FORMULA not in names and HOSTILE in names  # neutralised, not evaluated
    narrowed = list(csv.DictReader(io.StringIO(client.get("/market/whitespace.csv", params={"q": "hostile"}).text)))
    assert {r["domain"] for r in narrowed} == {"hostile-one.example", "hostile-two.example"}
    tiers = sorted({r["tier"] for r in rows})
    by_tier = client.get("/market.json", params={"tier": tiers[0]}).json()["whitespace"]
    assert by_tier["matching"] == sum(r["tier"] == tiers[0] for r in rows)


@pytest.mark.parametrize(
    "path, params, message",
    [
        ("/market", {"page": "two"}, "page must be a whole number"),
        ("/market", {"tier": "<b>Z</b>"}, "tier must be one of"),
        ("/signals", {"tier": "Z"}, "tier must be one of"),
        ("/signals", {"signal": "{{7*7}}"}, "signal must be one of"),
        ("/signals", {"kind": "x' OR 1=1"}, "kind must be one of"),
    ],
)
def test_bad_filters_are_refused_as_text(client, path, params, message):
    page = client.get(path, params=params)
    assert page.status_code == 400 and message in page.text and "<b>Z</b>" not in page.text
    assert client.get(path + ".json", params=params).json()["error"].startswith(message)


def test_the_signals_page_ranks_with_reasons_links_accounts_and_explains_weights(client, ws):
    ranking = ws.signals(limit=None)
    data = client.get("/signals.json").json()
    rows = ranking.to_dict()["rows"]
    assert data["companies"] == ranking.companies and data["matching"] == len(rows)
    assert [(r["kind"], r["company"]) for r in data["rows"]] == [(r["kind"], r["company"]) for r in rows][:50]
    assert [r["rank"] for r in data["rows"]] == list(range(1, len(data["rows"]) + 1))
    html = client.get("/signals").text
    account = next(r for r in data["rows"] if r["kind"] == "account")
    assert f'href="/accounts/{account["company"]}"' in html and account["signals"][0] in html
    # The evidence behind a weight, one click away, linked to the words it uses.
    assert "<summary>Evidence behind the weight</summary>" in html
    assert 'href="/glossary#lift">lift</a> 2.20' in html and 'href="/glossary#interval"' in html
    assert "An assumption: not measured on your deals yet" in html  # the signals without evidence say so
    for anchor in ("why-now", "priority", "fit-score", "odds-ratio"):
        assert f'href="/glossary#{anchor}"' in html
    terms = {t["anchor"] for t in client.get("/glossary.json").json()["terms"]}
    for path in ("/signals", "/market"):
        assert set(re.findall(r'href="/glossary#([a-z-]+)"', client.get(path).text)) <= terms  # every link lands


def test_the_signal_tier_and_kind_filters_narrow_the_ranking(client):
    everything = client.get("/signals.json").json()
    for s in everything["signals"]:
        chosen = client.get("/signals.json", params={"signal": s["id"]}).json()
        assert chosen["matching"] == s["companies"]
        assert all(s["id"] in r["signal_ids"] for r in chosen["rows"])
    accounts = client.get("/signals.json", params={"kind": "account", "tier": "A"}).json()
    assert all(r["kind"] == "account" and r["tier"] == "A" for r in accounts["rows"])
    assert accounts["matching"] <= everything["by_kind"]["account"]


def test_without_a_universe_or_events_the_pages_say_what_to_load(workspace):
    with TestClient(create_app(workspace, require_login=False), base_url="http://127.0.0.1:8765") as client:
        market = client.get("/market")
        assert market.status_code == 200 and "No market list loaded" in market.text
        assert '<a href="/data">Go to the Data page</a>' in market.text
        assert client.get("/market.json").json()["missing"].startswith("No market list loaded")
        assert client.get("/market/whitespace.csv").status_code == 404
        signals = client.get("/signals")
        assert signals.status_code == 200 and "No company events loaded" in signals.text


def test_the_market_under_the_draft_beside_the_version_in_use(ws, sized):
    """Last in this module: it publishes. The draft drops the disqualifier, so every company meeting
    a criterion fits under the draft; the version in use sizes exactly as the Market page does."""
    store = VersionStore(ws.root)
    store.publish(store.draft_texts(), {}, "planted ICP", "test", {})
    icp_file = ws.strategy_dir / "icp.yaml"
    icp_file.write_text(
        icp_file.read_text(encoding="utf-8").split("disqualifiers:")[0] + DEMO_SIGNALS, encoding="utf-8"
    )
    compared = ws.draft_market()
    steps = compared.waterfall.set_index("step")
    assert compared.in_use_label.startswith("v1")
    assert steps["in_use"].dropna().astype(int).to_dict() == sized.waterfall.set_index("step")["companies"].to_dict()
    assert steps.loc["ICP fit (no disqualifier)", "draft"] == steps.loc["Meets an ICP criterion", "draft"]
    assert steps.loc["ICP fit (no disqualifier)", "draft"] > steps.loc["ICP fit (no disqualifier)", "in_use"]
    change = steps["draft"] - steps["in_use"]
    assert steps["change"].fillna(0).tolist() == change.fillna(0).tolist()
    sizing = compared.sizing.set_index("name")
    assert sizing.loc["SAM", "draft_companies"] == steps.loc["ICP fit (no disqualifier)", "draft"]
    assert sizing.loc["TAM", "draft_value"] == sizing.loc["TAM", "in_use_value"]  # same audience
    data = json.loads(compared.to_json())
    assert data["in_use"] == compared.in_use_label and len(data["waterfall"]) == len(steps)
    fit = steps.loc["ICP fit (no disqualifier)"]
    assert f"{int(fit['change']):+,}" in repr(compared)  # the terminal shows the change per step too
