"""The Workshop page and the empathy maps over HTTP in process: every route and its JSON twin, one
section at a time, edits saved with who and when, a stale save refused (409) with both versions,
comments, roles and CSRF, hostile words rendered as text, and the one-page PDFs read back."""

from __future__ import annotations

import io
import json

import pytest
import yaml
from test_web import PASSWORD, csrf_of, login
from test_workshop import HOSTILE, build_board_workspace

from bullseye.strategy.workshop import DRAFT_REVISION, WORKSHOP_FILE
from bullseye.web import create_app
from bullseye.web.auth import AUDIT_FILE, UserStore

TestClient = pytest.importorskip("fastapi.testclient").TestClient


@pytest.fixture(scope="module")
def web_ws(tmp_path_factory):
    ws = build_board_workspace(tmp_path_factory, tmp_path_factory.mktemp("webworkshop") / "ws")
    yield ws
    ws.close()


@pytest.fixture(scope="module")
def local(web_ws):
    with TestClient(create_app(web_ws, require_login=False), base_url="http://127.0.0.1:8765") as client:
        yield client


@pytest.fixture()
def clean(web_ws):
    """Each test that saves starts from the draft and leaves no board behind."""
    yield
    for relative in (WORKSHOP_FILE, "strategy/empathy/champion.yaml", "strategy/comments/workshop.yaml"):
        (web_ws.root / relative).unlink(missing_ok=True)


PAGES = [
    ("/workshop", "/workshop.json"),
    ("/workshop?section=anti_persona", "/workshop.json?section=anti_persona"),
    ("/workshop?section=champion", "/workshop.json?section=champion"),
    ("/workshop?section=before_after", "/workshop.json?section=before_after"),
    ("/workshop?section=all", "/workshop.json?section=all"),
    ("/personas/champion/empathy", "/personas/champion/empathy.json"),
]


@pytest.mark.parametrize("html_path,json_path", PAGES)
def test_each_page_and_its_json_twin(local, html_path, json_path):
    page, twin = local.get(html_path), local.get(json_path)
    assert page.status_code == 200 and twin.status_code == 200
    assert twin.headers["content-type"] == "application/json" and page.text.count("<h1>") == 1
    data = twin.json()
    assert data["title"] and data["revision"] == DRAFT_REVISION and not data["saved"]
    assert '<label for="' in page.text  # the "add a card" fields carry visible labels
    if "empathy" not in html_path:
        # one section at a time: only the section asked for (the first by default) is on the page
        shown = html_path.partition("section=")[2] or "alignment"
        sections = ("alignment", "anti_persona", "champion", "before_after")
        on_page = [s for s in sections if f'id="s-{s}"' in page.text]
        assert on_page == (list(sections) if shown == "all" else [shown])
        assert len(data["workshop"]["anti_persona"]) >= 2 and data["agenda"][1]["end"] == 15


def test_the_page_links_evidence_and_escapes_what_came_from_data(local):
    html = local.get("/workshop?section=before_after").text
    assert HOSTILE not in html and "&lt;script&gt;" in html
    assert 'href="/notes/' in html  # quotes link to the notes they come from
    empathy = local.get("/personas/champion/empathy").text
    assert 'href="/notes/' in empathy and HOSTILE not in empathy
    assert local.get("/personas/nobody/empathy").status_code == 404
    assert local.get("/personas/anti-persona/empathy.json").status_code == 404


def _save(client, fields: dict, revision: str, section: str = "anti_persona", **headers):
    token = csrf_of(client.get("/workshop").text)
    return client.post(
        "/workshop",
        data={"csrf_token": token, "revision": revision, "section": section, **fields},
        headers=headers,
        follow_redirects=False,
    )


def test_a_save_is_recorded_and_a_stale_save_is_refused_with_both_versions(local, web_ws, clean):
    before = local.get("/workshop.json").json()
    saved = _save(local, {"anti_persona.0.text": "Shops under 50 people churn"}, before["revision"])
    assert saved.status_code == 303 and saved.headers["location"].startswith("/workshop?section=anti_persona&saved=1")
    after = local.get("/workshop.json?section=anti_persona").json()
    card = after["workshop"]["anti_persona"][0]
    assert after["saved"] and card["text"] == "Shops under 50 people churn" and card["edited_by"]
    assert card["evidence"] == before["workshop"]["anti_persona"][0]["evidence"]
    assert after["changes"][0]["fields"] == ["anti_persona.0"]
    page = local.get("/workshop?section=anti_persona&saved=1").text
    assert "Saved to strategy/workshop.yaml" in page and "Edited by" in page
    # a second editor who opened the draft before the first save is refused, and sees both versions
    stale = _save(local, {"anti_persona.0.text": "Mine instead"}, before["revision"])
    assert stale.status_code == 409
    assert "Their version (saved now)" in stale.text and "Mine instead" in stale.text
    assert "Shops under 50 people churn" in stale.text
    stored = yaml.safe_load((web_ws.root / WORKSHOP_FILE).read_text(encoding="utf-8"))
    assert stored["anti_persona"][0]["text"] == "Shops under 50 people churn"
    as_json = _save(local, {"anti_persona.0.text": "x"}, before["revision"], accept="application/json")
    assert as_json.status_code == 409 and "changed since" in as_json.json()["error"]
    # the before-and-after grid gains a row
    revision = local.get("/workshop.json").json()["revision"]
    n = len(after["workshop"]["before_after"])
    grid = _save(
        local,
        {f"before_after.{n}.persona": "CFO", f"before_after.{n}.before.text": "month-end surprises"},
        revision,
        section="before_after",
    )
    assert grid.status_code == 303
    row = local.get("/workshop.json").json()["workshop"]["before_after"][-1]
    assert row["persona"] == "CFO" and row["before"]["text"] == "month-end surprises" and row["after"]["assumption"]


def test_comments_are_recorded_with_who_and_when(local, web_ws, clean):
    token = csrf_of(local.get("/workshop").text)
    answer = local.post(
        "/workshop/comments",
        data={"csrf_token": token, "field": "shared.0", "text": "Sales agrees", "section": "alignment"},
        follow_redirects=False,
    )
    assert answer.status_code == 303
    data = local.get("/workshop.json").json()
    assert data["comments"]["shared.0"][0]["text"] == "Sales agrees" and data["comments"]["shared.0"][0]["at"]
    assert "Sales agrees" in local.get("/workshop").text
    audit = [json.loads(line) for line in (web_ws.state_dir / AUDIT_FILE).read_text().splitlines()]
    assert audit[-1]["target"] == "/workshop/comments" and audit[-1]["field"] == "shared.0"
    assert audit[-1]["user"] == data["comments"]["shared.0"][0]["author"] and audit[-1]["outcome"] == 303


def test_the_empathy_map_is_edited_like_the_workshop(local, web_ws, clean):
    data = local.get("/personas/champion/empathy.json").json()
    token = csrf_of(local.get("/personas/champion/empathy").text)
    saved = local.post(
        "/personas/champion/empathy",
        data={"csrf_token": token, "revision": data["revision"], "gains.1.text": "Home for dinner"},
        follow_redirects=False,
    )
    assert saved.status_code == 303
    gains = local.get("/personas/champion/empathy.json").json()["map"]["gains"]
    assert gains[-1]["text"] == "Home for dinner" and gains[-1]["assumption"]
    stale = local.post(
        "/personas/champion/empathy",
        data={"csrf_token": token, "revision": data["revision"], "gains.0.text": "other"},
    )
    assert stale.status_code == 409 and "Their version" in stale.text
    comment = local.post(
        "/personas/champion/empathy/comments",
        data={"csrf_token": token, "field": "says.0", "text": "Said it twice"},
        headers={"accept": "application/json"},
    )
    assert comment.status_code == 200 and comment.json()["field"] == "says.0"
    (web_ws.root / "strategy/comments/empathy-champion.yaml").unlink()


def test_viewers_read_editors_edit_and_csrf_is_required(local, web_ws, clean):
    # a board saved first (through the app whose draft is gathered already): the guarded app reads it
    assert _save(local, {"champion.0.text": "Ops directors"}, DRAFT_REVISION).status_code == 303
    revision = local.get("/workshop.json").json()["revision"]
    users = UserStore(web_ws.state_dir)
    for name, role in (("eddie", "editor"), ("vera", "viewer")):
        users.add(name, role, PASSWORD)
    with TestClient(create_app(web_ws, require_login=True)) as client:
        login(client, "vera")
        page = client.get("/workshop")
        assert page.status_code == 200 and "Save the alignment exercise" not in page.text and "readonly" in page.text
        assert _save(client, {"anti_persona.0.text": "no"}, revision).status_code == 403
        client.cookies.clear()
        login(client, "eddie")
        assert client.post("/workshop", data={"revision": revision, "anti_persona.0.text": "x"}).status_code == 403
        assert _save(client, {"anti_persona.0.text": "Eddie's words"}, revision).status_code == 303
        card = client.get("/workshop.json").json()["workshop"]["anti_persona"][0]
        assert card["edited_by"] == "eddie"


def test_the_pdfs_are_one_page(local, web_ws):
    from bullseye.people.cards import find_chromium

    if find_chromium() is None:
        assert local.get("/workshop.pdf").status_code == 503
        return
    from pypdf import PdfReader

    for path, expected in (("/workshop.pdf", "Anti-persona"), ("/personas/champion/empathy.pdf", "Says")):
        pdf = local.get(path)
        assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
        reader = PdfReader(io.BytesIO(pdf.content))
        assert len(reader.pages) == 1, path
        assert expected in reader.pages[0].extract_text()
