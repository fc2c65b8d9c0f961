"""The Outcomes page over real HTTP in process: the outcome table by an attribute with intervals and a
chart, attribute switching, the funnel metrics with their assumptions, the JSON twin carrying the same
numbers as the facade, and hostile values from the data or the request rendered as text."""

from __future__ import annotations

import pandas as pd
import pytest

from bullseye.demo import generate_company
from bullseye.outcomes.summary import outcome_summary
from bullseye.web import create_app
from bullseye.workspace import Workspace

TestClient = pytest.importorskip("fastapi.testclient").TestClient
HOSTILE = "<script>alert(1)</script>{{7*7}}"


@pytest.fixture(scope="module")
def ws(tmp_path_factory) -> Workspace:
    ws = Workspace.init(tmp_path_factory.mktemp("outcomes") / "ws", name="Outcomes test")
    generate_company(ws.data_dir, n_accounts=400, seed=5)
    accounts = pd.read_csv(ws.data_dir / "accounts.csv", dtype=str, keep_default_na=False)
    accounts.loc[:40, "Industry"] = HOSTILE
    accounts.to_csv(ws.data_dir / "accounts.csv", index=False)
    ws.load([ws.data_dir / f"{name}.csv" for name in ("accounts", "deals", "subscriptions", "spend")])
    return ws


@pytest.fixture(scope="module")
def client(ws):
    with TestClient(create_app(ws, require_login=False), base_url="http://127.0.0.1:8765") as client:
        yield client


def test_page_shows_table_chart_and_funnel_with_hostile_values_as_text(client):
    page = client.get("/outcomes")
    assert page.status_code == 200
    html = page.text
    assert '<option value="industry" selected>' in html
    assert '<svg class="funnel outcome-chart"' in html and html.count('class="whisker"') >= 3
    assert "Funnel metrics" in html and "LTV:CAC" in html and "Assumptions" in html and "gross_margin" in html
    assert HOSTILE not in html and "&lt;script&gt;alert(1)&lt;/script&gt;{{7*7}}" in html  # escaped, not evaluated
    assert '<a href="/outcomes" aria-current="page">Outcomes</a>' in html


def test_json_twin_carries_the_facade_numbers(client, ws):
    data = client.get("/outcomes.json").json()
    assert data["by"] == "industry"
    expected = outcome_summary(ws, by="industry").to_dict()
    assert [r["group"] for r in data["summary"]["rows"]] == [r["group"] for r in expected["rows"]]
    assert data["summary"]["rows"][0]["win_rate_low"] == pytest.approx(expected["rows"][0]["win_rate_low"])
    funnel = ws.funnel(by="industry").to_dict()
    assert data["funnel"]["cac"] == pytest.approx(funnel["cac"])
    assert data["funnel"]["ltv_to_cac"] == pytest.approx(funnel["ltv_to_cac"])
    assert {r["name"] for r in data["funnel"]["cac_by_segment"]} >= {HOSTILE}


def test_switching_the_attribute(client):
    page = client.get("/outcomes", params={"by": "employees"})
    assert page.status_code == 200 and '<option value="employees" selected>' in page.text
    data = client.get("/outcomes.json", params={"by": "employees"}).json()
    groups = [r["group"] for r in data["summary"]["rows"]]
    assert "51-200" in groups and data["funnel"]["by"] == "employees"
    assert {r["name"] for r in data["funnel"]["cac_by_segment"]} <= set(groups)


@pytest.mark.parametrize("by", ["<script>alert(1)</script>", "industry' OR 1=1 --", "{{7*7}}"])
def test_a_hostile_attribute_is_refused_as_text(client, by):
    page = client.get("/outcomes", params={"by": by})
    assert page.status_code == 400
    assert "unknown account attribute" in page.text and "<script>alert" not in page.text
    if by == "{{7*7}}":
        assert "&#39;{{7*7}}&#39;" in page.text  # shown as typed, never evaluated
    twin = client.get("/outcomes.json", params={"by": by})
    assert twin.status_code == 400 and "unknown account attribute" in twin.json()["error"]


def test_an_empty_workspace_says_what_to_do(tmp_path):
    ws = Workspace.init(tmp_path / "empty")
    with TestClient(create_app(ws, require_login=False), base_url="http://127.0.0.1:8765") as client:
        page = client.get("/outcomes")
        assert page.status_code == 200 and "No accounts loaded yet" in page.text
        assert client.get("/outcomes.json").json()["summary"] is None
