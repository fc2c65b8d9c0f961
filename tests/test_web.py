"""The web workspace over real HTTP in process (FastAPI's TestClient): every page and its .json
twin, people and permissions, CSRF, rate limiting, security headers and escaping of hostile data."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
from conftest import TRUTH_ICP, built_once
from typer.testing import CliRunner

from bullseye.cli import app as cli_app
from bullseye.demo import generate_company
from bullseye.web import create_app, is_loopback
from bullseye.web.auth import UserStore
from bullseye.workspace import Workspace

fastapi_testclient = pytest.importorskip("fastapi.testclient")
TestClient = fastapi_testclient.TestClient

HOSTILE = ["<script>alert(1)</script>", "{{7*7}}"]
PASSWORD = "correct horse battery"


def build_hostile_workspace(root: Path, n_accounts: int = 400, seed: int = 5) -> Workspace:
    """A demo workspace whose first two accounts are named with HTML and template syntax, with an ICP."""
    ws = Workspace.init(root, name="Web test", exist_ok=True)
    generate_company(ws.data_dir, n_accounts=n_accounts, seed=seed)
    accounts = pd.read_csv(ws.data_dir / "accounts.csv", dtype=str, keep_default_na=False)
    accounts.loc[:1, "Company Name"] = HOSTILE
    accounts.to_csv(ws.data_dir / "accounts.csv", index=False)
    ws.load([ws.data_dir / f"{name}.csv" for name in ("accounts", "deals", "subscriptions")])
    (ws.strategy_dir / "icp.yaml").write_text(TRUTH_ICP, encoding="utf-8")
    ws.close()
    return Workspace(root)


def hostile_workspace(factory, root: Path) -> Workspace:
    """A copy at ``root`` of ``build_hostile_workspace``'s workspace, built once per test run for
    every web test file (a folder copy instead of a demo build each)."""
    return built_once(factory, "web-hostile-400-5", build_hostile_workspace, root)


@pytest.fixture(scope="module")
def web_ws(tmp_path_factory) -> Workspace:
    return hostile_workspace(tmp_path_factory, tmp_path_factory.mktemp("web") / "ws")


@pytest.fixture(scope="module")
def local(web_ws):
    with TestClient(create_app(web_ws, require_login=False), base_url="http://127.0.0.1:8765") as client:
        yield client


@pytest.fixture()
def guarded(web_ws):
    """A login-requiring app (as on a non-loopback bind) with one user of each role."""
    users = UserStore(web_ws.state_dir)
    for name, role in (("olga", "owner"), ("eddie", "editor"), ("vera", "viewer")):
        users.add(name, role, PASSWORD)
    with TestClient(create_app(web_ws, require_login=True)) as client:
        yield client


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "the page has no CSRF field"
    return match.group(1)


def login(client, name: str, password: str = PASSWORD):
    token = csrf_of(client.get("/login").text)
    return client.post(
        "/login",
        data={"username": name, "password": password, "csrf_token": token, "next": "/"},
        follow_redirects=False,
    )


# -- pages and their twins ------------------------------------------------------------------------
PAGES = [
    ("/", "/index.json"),
    ("/icp", "/icp.json"),
    ("/accounts", "/accounts.json"),
    ("/accounts?tier=A&sort=why_now", "/accounts.json?tier=A&sort=why_now"),
    ("/glossary", "/glossary.json"),
]


@pytest.mark.parametrize("html_path,json_path", PAGES)
def test_each_page_and_its_json_twin(local, html_path, json_path):
    page, twin = local.get(html_path), local.get(json_path)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert twin.status_code == 200 and twin.headers["content-type"] == "application/json"
    data = twin.json()
    assert page.text.count("<h1>") == 1 and data["title"]
    assert '<label for="' in page.text or html_path in ("/", "/icp", "/glossary")


def test_home_shows_the_funnel_and_the_icp_in_use(local, web_ws):
    data = local.get("/index.json").json()
    counts = {t["name"]: t["rows"] for t in data["tables"]}
    assert counts["accounts"] == int(web_ws.table("accounts").count().execute()) == 400
    assert data["icp"]["source"] == "draft"
    stages = {s["key"]: s for s in data["funnel"]}
    assert list(stages) == ["universe", "audience", "icp", "crm", "customers"]
    assert stages["crm"]["accounts"] == 400 and stages["crm"]["link"] == "/accounts"
    customers = web_ws.outcomes().to_dict()["overall"]["customers"]
    assert stages["customers"]["accounts"] == customers > 0
    # no market list in this workspace: the stages that need one say so and link to the Data page
    for key in ("universe", "audience", "icp"):
        assert stages[key]["accounts"] is None and stages[key]["missing"] == "needs a market list"
        assert stages[key]["link"] == "/data"
    html = local.get("/").text
    assert "<svg" in html and 'href="/data"' in html and "needs a market list" in html


def test_accounts_filter_sort_search_and_pages_agree_with_the_scores(local):
    every = local.get("/accounts.json").json()
    assert every["total"] == every["matching"] == 400 and every["pages"] == 8 and len(every["accounts"]) == 50
    scores = [a["fit_score"] for a in every["accounts"]]
    assert scores == sorted(scores, reverse=True)
    tier_a = local.get("/accounts.json?tier=A").json()
    assert tier_a["matching"] == every["tier_counts"]["A"] and {a["tier"] for a in tier_a["accounts"]} == {"A"}
    last = local.get(f"/accounts.json?page={every['pages']}").json()
    assert len(last["accounts"]) == 400 - 50 * 7
    found = local.get("/accounts.json?q=7*7").json()
    assert [a["name"] for a in found["accounts"]] == ["{{7*7}}"]
    assert local.get("/accounts.json?sort=drop table").status_code == 400
    assert local.get("/accounts.json?tier=Z").status_code == 400


def test_account_page_has_its_score_reasons_and_deals(local, web_ws):
    first = local.get("/accounts.json").json()["accounts"][0]
    data = local.get(f"/accounts/{first['account_id']}.json").json()
    assert data["account"]["fit_score"] == first["fit_score"] and data["reasons"]
    assert data["attributes"]["account_id"] == first["account_id"]
    deals = web_ws.table("deals").execute()
    with_deals = deals["account_id"].value_counts()
    busiest = str(with_deals.index[0])
    shown = local.get(f"/accounts/{busiest}.json").json()["deals"]
    assert len(shown) == min(20, with_deals.iloc[0]) and {d["account_id"] for d in shown} == {busiest}
    page = local.get(f"/accounts/{first['account_id']}")
    assert page.status_code == 200 and data["reasons"][0].split(" ")[0] in page.text
    missing = local.get("/accounts/NOPE.json")
    assert missing.status_code == 404 and "NOPE" in missing.json()["error"]


def test_scores_are_computed_once_not_per_request(local):
    local.get("/accounts")
    cache = local.app.state.web.cache
    before = cache.computed
    for _ in range(3):
        local.get("/accounts?tier=B")
        local.get("/")
    assert cache.computed == before


def test_hostile_names_render_as_text(local):
    html = local.get("/accounts?q=alert").text + local.get("/accounts?q=7*7").text
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "{{7*7}}" in html and ">49<" not in html
    assert local.get("/accounts.json?q=alert").json()["accounts"][0]["name"] == HOSTILE[0]


def test_security_headers_on_every_response(local):
    for path in ("/", "/accounts.json", "/static/style.css", "/no-such-page"):
        headers = local.get(path).headers
        assert "script-src 'self'" in headers["content-security-policy"]
        assert "unsafe-inline" not in headers["content-security-policy"]
        assert "frame-ancestors 'none'" in headers["content-security-policy"]
        assert headers["x-content-type-options"] == "nosniff" and headers["x-frame-options"] == "DENY"
        assert headers["referrer-policy"]
    assert "<script>" not in local.get("/").text and " style=" not in local.get("/accounts").text


def test_htmx_is_served_from_the_package_without_eval(local):
    import json as jsonlib

    script = local.get("/static/htmx.min.js")
    assert script.status_code == 200 and "javascript" in script.headers["content-type"]
    assert "htmx" in script.text[:200]
    page = local.get("/").text
    assert '<script src="/static/htmx.min.js" defer></script>' in page  # vendored: no CDN, no build step
    config = re.search(r"<meta name=\"htmx-config\" content='([^']*)'>", page)
    assert config and jsonlib.loads(config.group(1)) == {
        "includeIndicatorStyles": False,  # no inline <style>: the CSP allows none
        "allowEval": False,
        "allowScriptTags": False,
    }


def test_an_unexpected_error_is_a_500_with_the_headers(web_ws):
    app = create_app(web_ws, require_login=False)
    app.state.web.cache.get = lambda *args: 1 / 0  # every cached result now fails with ZeroDivisionError
    with TestClient(app, base_url="http://localhost", raise_server_exceptions=False) as client:
        response = client.get("/accounts.json")
    assert response.status_code == 500 and response.headers["x-frame-options"] == "DENY"
    assert "Traceback" not in response.text


def test_glossary_explains_every_word_the_pages_use(local):
    terms = {t["anchor"] for t in local.get("/glossary.json").json()["terms"]}
    assert {"strong", "suggestive", "interval", "hazard-ratio", "holdout", "roc-auc", "calibration", "drift"} <= terms
    for path in ("/icp", "/accounts", "/"):
        for anchor in re.findall(r'href="/glossary#([a-z-]+)"', local.get(path).text):
            assert anchor in terms


# -- people and permissions -----------------------------------------------------------------------
def test_non_local_bind_needs_a_login(guarded):
    assert guarded.get("/", follow_redirects=False).status_code == 303
    assert guarded.get("/accounts.json").status_code == 401
    assert login(guarded, "vera", "wrong password").status_code == 401
    response = login(guarded, "vera")
    assert response.status_code == 303
    cookie = response.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert guarded.get("/accounts.json").status_code == 200


def test_csrf_token_is_required_on_every_post(guarded, web_ws):
    assert guarded.post("/login", data={"username": "olga", "password": PASSWORD}).status_code == 403
    login(guarded, "olga")
    assert guarded.post("/logout", data={}).status_code == 403
    assert guarded.post("/logout", data={"csrf_token": "forged"}).status_code == 403
    token = csrf_of(guarded.get("/").text)
    assert guarded.post("/logout", data={"csrf_token": token}, follow_redirects=False).status_code == 303


def test_viewer_cannot_change_anything_and_the_audit_log_says_so(guarded, web_ws):
    login(guarded, "vera")
    token = csrf_of(guarded.get("/").text)
    refused = guarded.post("/triggers/T1/acknowledge", data={"csrf_token": token})
    assert refused.status_code == 403 and "viewer" in refused.text
    login(guarded, "eddie")
    token = csrf_of(guarded.get("/").text)
    # An editor may: the trigger id is unknown, so the library says 404 (not 403).
    assert guarded.post("/triggers/T1/acknowledge", data={"csrf_token": token}).status_code == 404
    records = [r for r in (web_ws.state_dir / "audit.jsonl").read_text().splitlines() if "/triggers/T1" in r]
    assert '"user": "vera"' in records[-2] and '"outcome": 403' in records[-2]
    assert '"user": "eddie"' in records[-1] and '"outcome": 404' in records[-1]


def test_login_is_rate_limited(guarded):
    for _ in range(5):
        assert login(guarded, "olga", "not the password").status_code == 401
    limited = login(guarded, "olga")  # even the right password waits now
    assert limited.status_code == 429 and int(limited.headers["retry-after"]) > 0


def test_login_does_not_redirect_off_site(guarded):
    token = csrf_of(guarded.get("/login").text)
    response = guarded.post(
        "/login",
        data={"username": "eddie", "password": PASSWORD, "csrf_token": token, "next": "//evil.example/"},
        follow_redirects=False,
    )
    assert response.headers["location"] == "/"


def test_passwords_are_stored_as_argon2_hashes_outside_git(web_ws):
    text = (web_ws.state_dir / "users.yaml").read_text()
    assert PASSWORD not in text and "$argon2id$" in text
    assert (web_ws.state_dir / ".gitignore").read_text().strip() == "*"


# -- the commands ---------------------------------------------------------------------------------
runner = CliRunner()


def test_users_add_reads_the_password_from_the_environment(tmp_path):
    ws = Workspace.init(tmp_path / "w")
    result = runner.invoke(
        cli_app,
        ["users", "add", "maria", "--role", "editor", "--workspace", str(ws.root)],
        env={"BULLSEYE_PASSWORD": PASSWORD},
    )
    assert result.exit_code == 0, result.output
    assert UserStore(ws.state_dir).verify("maria", PASSWORD).role == "editor"
    typed = runner.invoke(
        cli_app,
        ["users", "add", "joao", "--workspace", str(ws.root)],
        env={"BULLSEYE_PASSWORD": ""},
        input=f"{PASSWORD}\n{PASSWORD}\n",
    )
    assert typed.exit_code == 0, typed.output
    assert UserStore(ws.state_dir).verify("joao", PASSWORD).role == "viewer" and PASSWORD not in typed.output
    short = runner.invoke(
        cli_app, ["users", "add", "ana", "--workspace", str(ws.root)], env={"BULLSEYE_PASSWORD": "short"}
    )
    assert short.exit_code == 4 and "at least 8 characters" in short.output
    listed = runner.invoke(cli_app, ["users", "list", "--workspace", str(ws.root)])
    assert "joao\tviewer" in listed.output and "maria\teditor" in listed.output
    bad = runner.invoke(
        cli_app,
        ["users", "add", "x", "--role", "admin", "--workspace", str(ws.root)],
        env={"BULLSEYE_PASSWORD": PASSWORD},
    )
    assert bad.exit_code == 4 and "role must be one of viewer, editor, owner" in bad.output


def test_serve_refuses_a_public_bind_without_users(tmp_path):
    ws = Workspace.init(tmp_path / "w")
    result = runner.invoke(cli_app, ["serve", "--host", "0.0.0.0", "--workspace", str(ws.root)])
    assert result.exit_code == 4 and "refusing to serve on 0.0.0.0 with no users" in result.output


@pytest.mark.parametrize(
    "host,loopback",
    [
        ("127.0.0.1", True),
        ("localhost", True),
        ("::1", True),
        ("[::1]", True),
        ("0.0.0.0", False),
        ("192.168.1.4", False),
        ("::", False),
    ],
)
def test_which_binds_are_local(host, loopback):
    assert is_loopback(host) is loopback


# -- the ICP lifecycle on the pages ---------------------------------------------------------------
def published_copy(web_ws: Workspace, root: Path) -> tuple[Workspace, object, object]:
    """A copy of the test workspace with two published versions (v2 names an owner)."""
    from bullseye.strategy.versions import VersionStore

    shutil.copytree(web_ws.root, root, symlinks=True)
    ws = Workspace(root)
    store = VersionStore(root)
    first = store.publish(store.draft_texts(), {}, "First ICP", "olga", {})
    icp_file = ws.strategy_dir / "icp.yaml"
    icp_file.write_text(icp_file.read_text().replace("disqualifiers:", "owner: Olga <b>PMM</b>\ndisqualifiers:", 1))
    second = store.publish(store.draft_texts(), {}, "Name an owner", "olga", {})
    return ws, first, second


def test_icp_page_shows_the_published_version_history_and_each_diff(web_ws, tmp_path):
    ws, first, second = published_copy(web_ws, tmp_path / "published")
    with TestClient(create_app(ws, require_login=False), base_url="http://localhost") as client:
        data = client.get("/icp.json").json()
        assert data["source"]["source"] == "published" and data["source"]["version"] == second.number
        assert [v["number"] for v in data["versions"]] == [2, 1] and data["icp"]["owner"] == "Olga <b>PMM</b>"
        assert data["criteria"] and all("evidence" in c for c in data["criteria"])
        page = client.get("/icp").text
        assert "Olga &lt;b&gt;PMM&lt;/b&gt;" in page and 'href="/icp/versions/1"' in page
        diff = client.get("/icp/versions/2.json").json()["diff"]
        assert diff["before"]["number"] == first.number and diff["settings"]["owner"] == {
            "before": None,
            "after": "Olga <b>PMM</b>",
        }
        assert client.get("/icp/versions/2").status_code == 200
        assert client.get("/icp/versions/1.json").json()["diff"] is None
        assert client.get("/icp/versions/9.json").status_code == 404
        assert client.get("/index.json").json()["owner"] == "Olga <b>PMM</b>"


def test_bullseye_serve_serves_over_real_http(tmp_path):
    import os
    import subprocess
    import sys
    import time

    import httpx

    from bullseye.web.server import free_port

    ws = Workspace.init(tmp_path / "served", name="Served")
    port = free_port()
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    process = subprocess.Popen(
        [sys.executable, "-m", "bullseye.cli", "serve", "--port", str(port), "--workspace", str(ws.root)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/index.json", timeout=5)
                break
            except httpx.TransportError:
                assert process.poll() is None and time.monotonic() < deadline, "bullseye serve did not start"
                time.sleep(0.2)
        assert response.status_code == 200 and response.json()["tables"] == []
        assert response.headers["x-frame-options"] == "DENY"
    finally:
        process.terminate()
        output = process.communicate(timeout=30)[0].decode()
    assert f"http://127.0.0.1:{port}/" in output and "no login" in output


def test_values_render_as_people_write_them_and_json_has_no_nan():
    import json
    import math

    import numpy as np

    from bullseye.web.render import _plain, to_json

    assert [_plain(v) for v in (0.21999999999999997, np.float64(59.0), pd.Timestamp("2022-07-01"), None, math.nan)] == [
        "0.22",
        "59",
        "2022-07-01",
        "",
        "",
    ]
    assert json.loads(to_json({"a": math.nan, "b": np.int64(3), "c": pd.NaT, "d": [np.float32(1.5)]})) == {
        "a": None,
        "b": 3,
        "c": None,
        "d": [1.5],
    }


def test_only_owners_roll_back_and_a_rollback_is_a_new_version(web_ws, tmp_path):
    from bullseye.strategy.versions import VersionStore

    ws, first, second = published_copy(web_ws, tmp_path / "rollback")
    users = UserStore(ws.state_dir)
    users.add("olga", "owner", PASSWORD)
    users.add("eddie", "editor", PASSWORD)
    with TestClient(create_app(ws, require_login=True)) as client:
        login(client, "eddie")
        page = client.get("/icp/versions/1").text
        assert "Roll back to v1" not in page
        refused = client.post("/icp/versions/1/rollback", data={"csrf_token": csrf_of(page), "message": "try"})
        assert refused.status_code == 403 and VersionStore(ws.root).current().number == 2
        login(client, "olga")
        page = client.get("/icp/versions/1").text
        assert '<label for="rollback-message">' in page and "Roll back to v1" not in client.get("/icp/versions/2").text
        done = client.post(
            "/icp/versions/1/rollback",
            data={"csrf_token": csrf_of(page), "message": "owner was wrong"},
            follow_redirects=False,
        )
        assert done.status_code == 303 and done.headers["location"] == "/icp/versions/3"
        current = VersionStore(ws.root).current()
        assert (current.number, current.rollback_of, current.hash, current.published_by) == (3, 1, first.hash, "olga")
        assert client.get("/icp.json").json()["source"]["version"] == 3  # the cache saw the publish
        again = client.post("/icp/versions/1/rollback", data={"csrf_token": csrf_of(page), "message": "twice"})
        assert again.status_code == 409
    audit = [line for line in (ws.state_dir / "audit.jsonl").read_text().splitlines() if "rollback" in line]
    assert len(audit) == 3 and '"user": "eddie"' in audit[0] and '"version": 3' in audit[1]


def test_an_editor_acknowledges_a_trigger_and_home_shows_it_at_once(web_ws, tmp_path):
    from datetime import date

    from bullseye.governance.triggers import list_triggers, record_triggers

    root = tmp_path / "triggers"
    shutil.copytree(web_ws.root, root, symlinks=True)
    ws = Workspace(root)
    record_triggers(
        ws,
        pd.DataFrame(
            {
                "kind": ["objection"],
                "raised_at": [date(2026, 11, 30)],
                "subject": ["<img src=x onerror=alert(1)>"],
                "detail": ["heard 4 times"],
                "evidence": [["NOTE-1"]],
            }
        ),
        "test",
    )
    UserStore(ws.state_dir).add("eddie", "editor", PASSWORD)
    with TestClient(create_app(ws, require_login=True)) as client:
        login(client, "eddie")
        home = client.get("/")
        assert "&lt;img src=x onerror=alert(1)&gt;" in home.text and "<img src=x" not in home.text
        (trigger,) = client.get("/index.json").json()["open_triggers"]
        assert trigger["status"] == "open"
        done = client.post(
            f"/triggers/{trigger['trigger_id']}/acknowledge",
            data={"csrf_token": csrf_of(home.text)},
            follow_redirects=False,
        )
        assert done.status_code == 303
        assert client.get("/index.json").json()["open_triggers"][0]["status"] == "acknowledged"
    assert list_triggers(ws)["status"].tolist() == ["acknowledged"]


def test_without_a_login_only_loopback_host_names_are_served(web_ws):
    with TestClient(create_app(web_ws, require_login=False), base_url="http://attacker.example") as client:
        refused = client.get("/accounts.json")
        assert refused.status_code == 403 and "localhost only" in refused.json()["error"]
    with TestClient(create_app(web_ws, require_login=False), base_url="http://[::1]:8765") as client:
        assert client.get("/glossary.json").status_code == 200
