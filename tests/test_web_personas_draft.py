"""Drafting the personas from the Personas page over HTTP in process: blocked without the draft ICP,
drafted in the background as `bullseye personas suggest` writes them, the status as JSON, a redraft
only when confirmed and never over a field edited by hand; the viewer role and CSRF."""

from __future__ import annotations

import re

import pytest
import yaml
from conftest import TRUTH_ICP, demo_copy

from bullseye.strategy.icp import ICP_FILE
from bullseye.web import create_app
from bullseye.web.auth import UserStore

TestClient = pytest.importorskip("fastapi.testclient").TestClient
PASSWORD = "correct horse battery"


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


@pytest.fixture(scope="module")
def ws(tmp_path_factory):
    """The full 600-account demo (shared with test_first_hour), without an ICP yet."""
    return demo_copy(tmp_path_factory, 600, 3, tmp_path_factory.mktemp("webdraft") / "ws", full=True)


@pytest.fixture(scope="module")
def client(ws):
    with TestClient(create_app(ws, require_login=False), base_url="http://127.0.0.1:8765") as local:
        yield local


def _draft(client, **fields) -> tuple[int, dict]:
    """Press the button (with the page's CSRF token) and wait for the background draft to finish."""
    form = {"csrf_token": csrf_of(client.get("/personas").text), **fields}
    response = client.post("/personas/draft", data=form, follow_redirects=False)
    client.app.state.persona_drafts.wait(600)
    return response.status_code, client.get("/personas/draft.json").json()


def test_draft_redraft_and_edits_kept(client, ws):
    # 1. No ICP yet: the page says why instead of the button, and a post is refused.
    page = client.get("/personas").text
    assert "Draft personas</button>" not in page and "personas come after the ICP" in page
    status, state = _draft(client)
    assert status == 400 and state["draft"]["status"] == "idle" and state["blocked"]

    # 2. With the draft ICP: drafted in the background, saved as the CLI saves them, cards shown.
    (ws.root / ICP_FILE).write_text(TRUTH_ICP, encoding="utf-8")
    assert "Draft personas</button>" in client.get("/personas").text
    status, state = _draft(client)
    assert status == 303, state
    draft = state["draft"]
    assert draft["status"] == "done", draft
    files = sorted(p.name for p in (ws.root / "strategy/personas").glob("*.yaml"))
    assert sorted(w["path"].rsplit("/", 1)[1] for w in draft["written"]) == files
    assert all(w["created"] for w in draft["written"]) and "anti-persona.yaml" in files and len(files) >= 2
    cards = client.get("/personas.json").json()["cards"]
    assert sorted(c["name"] for c in cards) == sorted(draft["names"])
    page = client.get("/personas").text
    assert all(name in page for name in draft["names"]) and "Redraft personas</button>" in page

    # 3. A field edited by hand; a redraft without the confirmation is refused and writes nothing.
    persona = next(p for p in files if p != "anti-persona.yaml")
    path = ws.root / "strategy/personas" / persona
    edited = yaml.safe_load(path.read_text(encoding="utf-8"))
    edited["hook"]["text"] = "Routes planned before the first coffee"
    path.write_text(yaml.safe_dump(edited, sort_keys=False, allow_unicode=True), encoding="utf-8")
    before = path.read_text(encoding="utf-8")
    status, state = _draft(client)
    assert status == 400 and state["draft"]["finished_at"] == draft["finished_at"]
    assert path.read_text(encoding="utf-8") == before

    # 4. Confirmed: redrafted, the edited field kept and reported as kept.
    status, state = _draft(client, confirm="redraft")
    assert status == 303 and state["draft"]["status"] == "done"
    written = {w["path"].rsplit("/", 1)[1]: w for w in state["draft"]["written"]}
    assert "hook.text" in written[persona]["kept_edits"] and not written[persona]["created"]
    kept = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert kept["hook"]["text"] == "Routes planned before the first coffee"


def test_viewer_cannot_draft_and_csrf_is_required(ws):
    users = UserStore(ws.state_dir)
    users.add("vera", "viewer", PASSWORD)
    users.add("eddie", "editor", PASSWORD)
    app = create_app(ws, require_login=True)
    with TestClient(app) as client:
        token = csrf_of(client.get("/login").text)
        client.post("/login", data={"username": "vera", "password": PASSWORD, "csrf_token": token, "next": "/"})
        page = client.get("/personas").text
        assert 'action="/personas/draft"' not in page
        assert (
            client.post("/personas/draft", data={"csrf_token": csrf_of(page), "confirm": "redraft"}).status_code == 403
        )
        client.post("/logout", data={"csrf_token": csrf_of(page)})
        token = csrf_of(client.get("/login").text)
        client.post("/login", data={"username": "eddie", "password": PASSWORD, "csrf_token": token, "next": "/"})
        assert 'action="/personas/draft"' in client.get("/personas").text
        assert client.post("/personas/draft", data={"confirm": "redraft"}).status_code == 403  # no CSRF token
    assert app.state.persona_drafts.snapshot()["status"] == "idle"
