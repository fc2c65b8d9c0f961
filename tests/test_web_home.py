"""Home's funnel and the account page over real HTTP in process, on the full demo (universe, contacts,
notes): the five funnel stages are the market sizing's numbers, each a link; the account page lists
every feature's points (they add up to the score, as ``Workspace.explain`` says), the disqualifier
with its evidence, the contacts with the function and seniority read from each title, and the notes
linking to their page; hostile contact names and note text render as text."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from conftest import TRUTH_ICP, demo_copy

from bullseye.demo.strategy import write_demo_strategy
from bullseye.people.titles import normalize_titles
from bullseye.web import create_app
from bullseye.workspace import Workspace

TestClient = pytest.importorskip("fastapi.testclient").TestClient
HOSTILE = "<script>alert(1)</script>{{7*7}}"
#: Measured evidence on the planted disqualifier, so the page has evidence to show.
EVIDENCE = """  evidence:
  - outcome: retention
    metric: churn rate
    segment: 0.41
    base: 0.1
    lift: 4.1
    deals: 312
    strength: strong
    measured_on: all
"""


@pytest.fixture(scope="module")
def ws(tmp_path_factory) -> Workspace:
    """The 3,000-account full demo (shared with test_web_market) with the planted ICP and the demo
    audience; one account's first contact and first note carry markup and template syntax."""
    ws = demo_copy(tmp_path_factory, 3000, 5, tmp_path_factory.mktemp("webhome") / "ws", full=True)
    truth = json.loads((ws.data_dir / "truth.json").read_text(encoding="utf-8"))
    write_demo_strategy(ws.root, truth)
    icp = TRUTH_ICP.replace("  reason: churn 4.1x base\n", "  reason: churn 4.1x base\n" + EVIDENCE, 1)
    (ws.strategy_dir / "icp.yaml").write_text(icp, encoding="utf-8")
    contacts = pd.read_csv(ws.data_dir / "contacts.csv", dtype=str, keep_default_na=False)
    notes = pd.read_csv(ws.data_dir / "notes.csv", dtype=str, keep_default_na=False)
    contacts.loc[0, "Name"] = HOSTILE
    notes.loc[notes["Account ID"] == contacts.loc[0, "Account ID"], "Body"] = HOSTILE
    contacts.to_csv(ws.data_dir / "contacts.csv", index=False)
    notes.to_csv(ws.data_dir / "notes.csv", index=False)
    ws.load([ws.data_dir / "contacts.csv", ws.data_dir / "notes.csv"])
    ws.close()
    return Workspace(ws.root)


@pytest.fixture(scope="module")
def client(ws):
    with TestClient(create_app(ws, require_login=False), base_url="http://127.0.0.1:8765") as client:
        yield client


def test_home_funnel_is_the_market_sizing_in_five_linked_stages(client, ws):
    data = client.get("/index.json").json()
    waterfall = ws.size().waterfall.set_index("step")["companies"]
    stages = {s["key"]: s for s in data["funnel"]}
    assert list(stages) == ["universe", "audience", "icp", "crm", "customers"]
    for key, step in (
        ("universe", "Universe"),
        ("audience", "Target audience"),
        ("icp", "ICP fit (no disqualifier)"),
        ("crm", "ICP fit, already in the CRM"),
        ("customers", "ICP fit, already customers"),
    ):
        assert stages[key]["accounts"] == int(waterfall[step]) and stages[key]["missing"] is None
    counts = [stages[k]["accounts"] for k in stages]
    assert counts == sorted(counts, reverse=True) and counts[-1] > 0
    assert data["drift"] == ws.status().to_dict()["drift"]
    html = client.get("/").text
    for link in ("/market", "/icp", "/accounts", "/outcomes"):
        assert f'<a href="{link}">' in html
    assert f">{counts[0]:,}<" in html and "needs a market list" not in html


def test_account_page_lists_every_features_points_as_the_facade_explains(client, ws):
    first = client.get("/accounts.json").json()["accounts"][0]
    data = client.get(f"/accounts/{first['account_id']}.json").json()
    explained = data["explanation"]
    facade = ws.explain(first["account_id"]).to_dict()
    assert explained == facade
    points = [c["points"] for c in explained["contributions"]]
    assert len(points) > 1 and explained["raw_score"] == pytest.approx(50 + sum(points))
    assert explained["fit_score"] == pytest.approx(first["fit_score"], abs=0.05)
    assert [abs(p) for p in points] == sorted((abs(p) for p in points), reverse=True)
    html = client.get(f"/accounts/{first['account_id']}").text
    for c in explained["contributions"]:
        assert (f"{c['points']:+.1f}" if abs(c["points"]) >= 0.05 else "0.0") in html
        assert c["level"].split(" ")[0] in html
    criteria = [c for c in explained["contributions"] if c["kind"] == "criterion"]
    assert criteria and all(c["level"].endswith((": met", ": not met")) for c in criteria)
    # every reason the CLI's score prints for the account is one of the contributions' words
    words = {c["reason"] for c in explained["contributions"]}
    assert all(reason in words for reason in data["reasons"])


def test_a_disqualified_account_shows_the_rule_and_its_evidence(client, ws):
    every = client.get("/accounts.json?tier=D").json()["accounts"]
    caught = next(a for a in every if a["disqualified"])
    data = client.get(f"/accounts/{caught['account_id']}.json").json()
    rule = data["explanation"]["disqualifier"]
    assert rule["id"] == "small" and rule["evidence"][0]["lift"] == 4.1
    html = client.get(f"/accounts/{caught['account_id']}").text
    assert "Disqualified: Under 50 employees" in html or "Disqualified:" in html
    assert "churn rate" in html and "4.1" in html
    fine = client.get("/accounts.json?tier=A").json()["accounts"][0]
    assert client.get(f"/accounts/{fine['account_id']}.json").json()["explanation"]["disqualifier"] is None


def test_contacts_and_notes_of_the_account_render_as_text(client, ws):
    contacts = ws.table("contacts").execute()
    hostile = contacts[contacts["name"] == HOSTILE]
    account = str(hostile["account_id"].iloc[0])
    data = client.get(f"/accounts/{account}.json").json()
    mine = contacts[contacts["account_id"].astype(str) == account]
    assert len(data["contacts"]) == len(mine) > 0
    read = normalize_titles(mine["title"].astype("string").fillna("")).set_index(mine["contact_id"].to_numpy())
    for person in data["contacts"]:
        assert person["function"] == read.loc[person["contact_id"], "function"]
        assert person["seniority"] == read.loc[person["contact_id"], "seniority"]
    notes = ws.table("notes").execute()
    assert {n["note_id"] for n in data["notes"]} == set(
        notes.loc[notes["account_id"].astype(str) == account, "note_id"]
    )
    html = client.get(f"/accounts/{account}").text
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "{{7*7}}" in html and ">49<" not in html
    note = data["notes"][0]["note_id"]
    assert f'href="/notes/{note}"' in html and client.get(f"/notes/{note}").status_code == 200


def test_after_a_publish_and_a_new_load_the_web_scores_with_the_stored_scorecard_as_the_cli_does(ws, tmp_path):
    """A published version scores with the scorecard stored at publish (no refit on later data),
    in the web as in ``bullseye score``: after a load that drops half the deals, both agree."""
    import shutil

    shutil.copytree(ws.root, tmp_path / "ws", symlinks=True)
    copy = Workspace(tmp_path / "ws")
    copy.publish("first version", force="a test of the scorecard in use", notify=False)
    deals = pd.read_csv(copy.data_dir / "deals.csv", dtype=str, keep_default_na=False)
    deals.iloc[: len(deals) // 2].to_csv(copy.data_dir / "deals.csv", index=False)
    copy.load([copy.data_dir / "deals.csv"])
    cli = copy.score(top=0).frame.set_index("account_id")
    with TestClient(create_app(copy, require_login=False), base_url="http://127.0.0.1:8765") as web:
        shown = web.get("/accounts.json").json()["accounts"][:20]
        explained = web.get(f"/accounts/{shown[0]['account_id']}.json").json()["explanation"]
    assert shown and all(
        a["fit_score"] == pytest.approx(cli.loc[a["account_id"], "fit_score"], abs=0.05) for a in shown
    )
    assert explained["version"].startswith("v1 ") and explained["fit_score"] == pytest.approx(
        shown[0]["fit_score"], abs=0.05
    )
    copy.close()
