"""The Discovery page over real HTTP in process: a run in the background to completion, the
segments filtered and sorted, a segment's accounts (checked against the conditions applied by hand),
adding segments to the draft ICP (refused when stale or repeated, by a viewer or without CSRF), and
a workspace created from the browser by `bullseye serve` on an empty folder."""

from __future__ import annotations

import json
import re
import shutil

import pytest
import yaml
from conftest import demo_copy
from typer.testing import CliRunner

from bullseye.cli.app import app as cli_app
from bullseye.discover.stored import run_file
from bullseye.strategy.icp import load_icp
from bullseye.web import create_app
from bullseye.web.auth import UserStore
from bullseye.web.setup import SetupThenServe, needs_setup
from bullseye.workspace import Workspace

TestClient = pytest.importorskip("fastapi.testclient").TestClient
LOCAL = "http://127.0.0.1:8765"
PASSWORD = "correct horse battery"


def field(html: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert match, f"the page has no {name} field"
    return match.group(1)


@pytest.fixture(scope="module")
def disc_ws(tmp_path_factory) -> Workspace:
    return demo_copy(tmp_path_factory, 1_000, 1, tmp_path_factory.mktemp("webdisc") / "ws")


@pytest.fixture(scope="module")
def local(disc_ws):
    app = create_app(disc_ws, require_login=False)
    with TestClient(app, base_url=LOCAL) as client:
        page = client.get("/discovery")
        assert page.status_code == 200 and "Run discovery" in page.text
        started = client.post(
            "/discovery/run",
            data={"csrf_token": field(page.text, "csrf_token"), "outcome": ["win"], "max_depth": "2"},
            follow_redirects=False,
        )
        assert started.status_code == 303
        app.state.discovery.wait(600)
        yield client


def test_the_run_finishes_and_the_page_shows_every_segment_with_add_buttons(local, disc_ws):
    data = local.get("/discovery.json").json()
    assert data["status"] == "done", data.get("error")
    assert data["outcomes_run"] == ["win"]
    assert data["segments"] and data["discovery"]["outcomes"]["win"]["evaluated"] > 0
    shown = sum(len(r["findings"]) + len(r["negative"]) for r in data["discovery"]["outcomes"].values())
    assert len(data["segments"]) == shown == len(data["shown_keys"])
    html = local.get("/discovery").text
    assert html.count('action="/discovery/add"') == shown
    assert "<style>" not in html and 'src="data:image/svg+xml;base64,' in html  # the CSP forbids inline styles
    assert (disc_ws.reports_dir / "discovery.html").is_file()  # as after `bullseye discover`


def test_the_latest_run_is_kept_across_a_restart_and_dropped_by_a_new_load(local, disc_ws, tmp_path):
    before = local.get("/discovery.json").json()
    kept = json.loads(run_file(disc_ws).read_text(encoding="utf-8"))  # JSON, not a pickle
    assert kept["generation"] == disc_ws.warehouse.generation and kept["result"] == before["discovery"]
    key = before["segments"][0]["key"]
    with TestClient(create_app(Workspace(disc_ws.root), require_login=False), base_url=LOCAL) as restarted:
        after = restarted.get("/discovery.json").json()
        assert after["status"] == "done" and not after["stale"]
        assert after["discovery"] == before["discovery"]
        assert after["segments"] == before["segments"] and after["finished_at"] == before["finished_at"]
        html = restarted.get("/discovery").text
        assert html.count('action="/discovery/add"') == len(before["segments"])
        segment = restarted.get(f"/discovery/segments/{key}.json").json()
        assert segment["accounts"] == local.get(f"/discovery/segments/{key}.json").json()["accounts"]
    # A new load: the kept run was found on other data, so a server started after it does not show it.
    copy = tmp_path / "copy"
    shutil.copytree(disc_ws.root, copy, symlinks=True)
    reloaded = Workspace(copy)
    reloaded.load([reloaded.data_dir / f"{t}.csv" for t in ("accounts", "deals", "subscriptions")])
    with TestClient(create_app(reloaded, require_login=False), base_url=LOCAL) as after_load:
        assert after_load.get("/discovery.json").json()["status"] == "idle"
        assert after_load.get(f"/discovery/segments/{key}.json").status_code == 404
    # A kept file cut short or edited by hand is not a run: a new server offers a new run.
    for damage in ({"settings": {}}, {"result": kept["result"] | {"outcomes": {"win": {"findings": [{}]}}}}):
        run_file(reloaded).write_text(json.dumps(kept | {"generation": reloaded.warehouse.generation} | damage))
        with TestClient(create_app(Workspace(copy), require_login=False), base_url=LOCAL) as damaged:
            assert damaged.get("/discovery.json").json()["status"] == "idle"


def test_a_run_of_bullseye_discover_shows_on_the_page(disc_ws, tmp_path):
    copy = tmp_path / "cli"
    shutil.copytree(disc_ws.root, copy, symlinks=True)
    ran = CliRunner().invoke(
        cli_app, ["discover", "--workspace", str(copy), "--outcome", "win", "--max-depth", "1", "--json"]
    )
    assert ran.exit_code == 0, ran.output
    printed = json.loads(ran.output)
    with TestClient(create_app(Workspace(copy), require_login=False), base_url=LOCAL) as client:
        shown = client.get("/discovery.json").json()
    assert shown["status"] == "done" and shown["by"] == "bullseye discover" and shown["outcomes_run"] == ["win"]
    assert shown["discovery"]["outcomes"] == printed["outcomes"]


def test_filters_and_sorts(local):
    worse = local.get("/discovery.json?side=worse&outcome=win&sort=accounts").json()
    keys = worse["shown_keys"]
    assert keys and all(k.startswith("win.worse.") for k in keys)
    sizes = [local.get(f"/discovery/segments/{k}.json").json()["accounts"]["total"] for k in keys[:4]]
    assert worse["counts"] == {"better": 0, "worse": len(keys)}
    everything = local.get("/discovery.json").json()
    labels = {s["key"]: s["label"] for s in everything["segments"]}
    word = labels[keys[0]].split()[0]
    found = local.get(f"/discovery.json?q={word}").json()["shown_keys"]
    assert keys[0] in found and all(word.casefold() in labels[k].casefold() for k in found)
    assert sizes == sorted(sizes, reverse=True) or len(set(sizes)) < len(sizes)  # the segment sizes, not a tie-break
    strong = local.get("/discovery.json?strength=strong").json()["shown_keys"]
    assert all(
        s["key"] not in strong or f["evidence"] == "strong"
        for s in everything["segments"]
        for f in [_finding(everything, s["key"])]
    )
    for bad in ("sort=p;drop", "side=sideways", "strength=great", "outcome=luck"):
        assert local.get(f"/discovery?{bad}").status_code == 400


def _finding(data: dict, key: str) -> dict:
    outcome, side, index = key.rsplit(".", 2)
    report = data["discovery"]["outcomes"][outcome]
    return (report["findings"] if side == "better" else report["negative"])[int(index)]


def test_a_segment_lists_exactly_its_accounts_paged_and_linked(local, disc_ws):
    from bullseye.core.dataset import build_dataset
    from bullseye.strategy.icp import Condition

    data = local.get("/discovery.json").json()
    key = max(data["segments"], key=lambda s: _finding(data, s["key"])["accounts"])["key"]
    first = local.get(f"/discovery/segments/{key}.json").json()
    conditions = [Condition.model_validate(c) for c in first["conditions"]]
    accounts = build_dataset(disc_ws).accounts
    inside = accounts
    for condition in conditions:
        inside = inside[condition.mask(inside)]
    # Every account meeting the conditions, of which the report counted those its outcome measured.
    assert first["accounts"]["total"] == len(inside) >= _finding(data, key)["accounts"] == first["measured"]
    every = [
        row["account_id"]
        for p in range(1, first["accounts"]["pages"] + 1)
        for row in local.get(f"/discovery/segments/{key}.json?page={p}").json()["accounts"]["rows"]
    ]
    assert sorted(every) == sorted(inside["account_id"])
    html = local.get(f"/discovery/segments/{key}").text
    assert html.count('href="/accounts/ACC-') == min(50, len(inside))
    assert local.get(f"/discovery/segments/{key}?page=999").status_code == 404
    assert local.get("/discovery/segments/win.better.9999").status_code == 404
    assert local.get("/discovery/segments/nonsense").status_code == 400


def test_add_segments_to_the_draft_and_refuse_a_stale_or_repeated_add(local, disc_ws):
    page = local.get("/discovery?outcome=win").text
    token, seen = field(page, "csrf_token"), field(page, "draft_hash")
    data = local.get("/discovery.json").json()
    better = next(s["key"] for s in data["segments"] if ".better." in s["key"])
    worse = next(s["key"] for s in data["segments"] if ".worse." in s["key"])
    added = local.post(
        "/discovery/add",
        data={"csrf_token": token, "draft_hash": seen, "key": better, "as": "criterion"},
        follow_redirects=False,
    )
    assert added.status_code == 303 and "added=" in added.headers["location"]
    draft = load_icp(disc_ws.root)
    wanted = _finding(data, better)
    assert [c.model_dump(mode="json") for c in draft.criteria[-1].conditions] == wanted["conditions"]
    assert draft.criteria[-1].evidence and draft.criteria[-1].evidence[0].accounts == wanted["accounts"]
    # The page was read before that add: its hash is stale now, so a second add from it is refused.
    before = (disc_ws.strategy_dir / "icp.yaml").read_text(encoding="utf-8")
    stale = local.post(
        "/discovery/add",
        data={"csrf_token": token, "draft_hash": seen, "key": worse, "as": "disqualifier"},
        follow_redirects=False,
    )
    assert stale.status_code == 409 and "changed since it was read" in stale.text
    assert (disc_ws.strategy_dir / "icp.yaml").read_text(encoding="utf-8") == before
    fresh = field(local.get("/discovery").text, "draft_hash")
    ok = local.post(
        "/discovery/add",
        data={"csrf_token": token, "draft_hash": fresh, "key": worse, "as": "disqualifier"},
        headers={"accept": "application/json"},
    )
    assert ok.status_code == 200 and ok.json()["kind"] == "disqualifier"
    disqualifier = load_icp(disc_ws.root).disqualifiers[-1]
    assert [c.model_dump(mode="json") for c in disqualifier.conditions] == _finding(data, worse)["conditions"]
    assert disqualifier.reason and disqualifier.effect
    again = local.post(
        "/discovery/add",
        data={"csrf_token": token, "draft_hash": ok.json()["draft_hash"], "key": worse, "as": "disqualifier"},
    )
    assert again.status_code == 409 and "already has" in again.text
    editor = local.get("/icp/draft").text  # the ICP editor shows what was added
    assert wanted["label"].split(" and ")[0].split()[0] in editor
    assert local.post("/discovery/add", data={"draft_hash": fresh, "key": worse}).status_code == 403  # no CSRF


def test_a_viewer_reads_but_cannot_run_or_add(disc_ws, local):
    UserStore(disc_ws.state_dir).add("vic", "viewer", PASSWORD)
    app = create_app(disc_ws, require_login=True)
    app.state.discovery = local.app.state.discovery  # the finished run
    with TestClient(app) as client:
        form = client.get("/login").text
        client.post("/login", data={"csrf_token": field(form, "csrf_token"), "username": "vic", "password": PASSWORD})
        page = client.get("/discovery")
        assert page.status_code == 200 and 'action="/discovery/add"' not in page.text
        token = field(page.text, "csrf_token")
        key = client.get("/discovery.json").json()["segments"][0]["key"]
        refused = client.post("/discovery/add", data={"csrf_token": token, "draft_hash": "x", "key": key})
        assert refused.status_code == 403
        assert client.post("/discovery/run", data={"csrf_token": token}).status_code == 403


def test_serve_on_an_empty_folder_creates_the_workspace_from_the_browser(tmp_path):
    root = tmp_path / "new-ws"
    assert needs_setup(root)
    app = SetupThenServe(root)
    with TestClient(app, base_url=LOCAL) as client:
        form = client.get("/")
        assert form.status_code == 200 and "Create a workspace" in form.text
        assert "content-security-policy" in form.headers
        assert client.get("/", headers={"host": "evil.example"}).status_code == 403  # DNS rebinding
        refused = client.post("/setup", data={"csrf_token": "guess", "name": "Acme", "owner": "Maria"})
        assert refused.status_code == 403 and not root.exists()
        created = client.post(
            "/setup",
            data={"csrf_token": field(form.text, "csrf_token"), "name": "Acme <b>", "owner": "Maria"},
            follow_redirects=False,
        )
        assert created.status_code == 303 and created.headers["location"] == "/data"
        settings = yaml.safe_load((root / "bullseye.yaml").read_text(encoding="utf-8"))
        assert settings["name"] == "Acme <b>" and settings["owner"] == "Maria"
        data = client.get("/data")
        assert data.status_code == 200 and "Acme &lt;b&gt;" in data.text
    assert not needs_setup(root)


def test_serve_refuses_to_create_a_workspace_for_a_public_bind(tmp_path):
    result = CliRunner().invoke(cli_app, ["serve", "--workspace", str(tmp_path / "new"), "--host", "0.0.0.0"])
    assert result.exit_code != 0 and "not a workspace yet" in result.output
    assert not (tmp_path / "new").exists()


def test_the_scored_accounts_download_as_csv_as_filtered_on_the_page(local):
    import csv
    import io

    listed = local.get("/accounts.json?tier=A").json()
    download = local.get("/accounts.csv?tier=A")
    assert download.status_code == 200 and download.headers["content-type"].startswith("text/csv")
    assert "attachment" in download.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(download.text)))
    assert len(rows) == listed["matching"] > 0 and {r["tier"] for r in rows} == {"A"}
    assert [r["account_id"] for r in rows[:50]] == [a["account_id"] for a in listed["accounts"]]
    assert {r["icp_version"] for r in rows} == {listed["icp"]["label"]}
    assert local.get("/accounts.csv?tier=Z").status_code == 400
