"""The Personas pages over HTTP in process: the committee, cards and themes; a persona's fields
edited, saved through the model, refused on a concurrent change or invalid input; comments;
merging two themes in one click; the viewer role and CSRF."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from conftest import TRUTH_ICP, built_once

from bullseye.demo import generate_company
from bullseye.people.theme_merge import read_merges
from bullseye.strategy.persona import (
    AntiPersona,
    Backing,
    Persona,
    Quote,
    Statement,
    ThreeQuestions,
    persona_text,
)
from bullseye.web import create_app
from bullseye.web.auth import AUDIT_FILE, UserStore
from bullseye.workspace import Workspace

TestClient = pytest.importorskip("fastapi.testclient").TestClient
PASSWORD = "correct horse battery"
HOSTILE = "<script>alert(1)</script>"


def _said(text: str, note_id: str) -> Statement:
    return Statement(
        text=text,
        evidence=Backing(
            summary="heard in 3 notes", count=3, quotes=[Quote(text=f"Pain: {text}. {HOSTILE}", note_id=note_id)]
        ),
    )


def build_persona_workspace(root: Path) -> Workspace:
    """A small demo with every table loaded, the planted ICP, a champion and an anti-persona whose
    quotes point at real notes."""
    ws = Workspace.init(root, name="Personas test", exist_ok=True)
    generate_company(ws.data_dir, n_accounts=300, seed=4)
    ws.load()
    (ws.strategy_dir / "icp.yaml").write_text(TRUTH_ICP, encoding="utf-8")
    note_id = ws.table("notes").select("note_id").limit(1).to_pandas()["note_id"].iat[0]
    guess = Statement(text="to be validated", assumption=True)
    champion = Persona(
        id="champion",
        name="Champion: Head of Ops",
        icp="icp",
        committee_role="champion",
        titles=["Head of Operations"],
        role=_said("runs the delivery operation", note_id),
        pains=[_said("delivery delays", note_id)],
        decision_style=guess,
        hook=guess,
        trap=guess,
        three_questions=ThreeQuestions(midnight_worry=guess, watercooler_brag=guess, killer_objection=guess),
    )
    anti = AntiPersona(id="anti-persona", name="Who not to serve", icp="icp", who=guess, why_not=guess)
    folder = ws.strategy_dir / "personas"
    folder.mkdir(parents=True, exist_ok=True)
    for definition in (champion, anti):
        (folder / f"{definition.id}.yaml").write_text(persona_text(definition), encoding="utf-8")
    ws.close()
    return Workspace(root)


def persona_workspace(factory, root: Path) -> Workspace:
    """A copy at ``root`` of ``build_persona_workspace``'s workspace, built once per test run for
    this file and test_web_personas_browser.py."""
    return built_once(factory, "web-personas-300-4", build_persona_workspace, root)


@pytest.fixture(scope="module")
def persona_ws(tmp_path_factory) -> Workspace:
    return persona_workspace(tmp_path_factory, tmp_path_factory.mktemp("webpersonas") / "ws")


@pytest.fixture()
def local(persona_ws):
    with TestClient(create_app(persona_ws, require_login=False), base_url="http://127.0.0.1:8765") as client:
        yield client


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def hash_of(html: str) -> str:
    return re.search(r'name="hash" value="([^"]+)"', html).group(1)


def _form(client, name="champion", **fields) -> tuple[dict, str]:
    html = client.get(f"/personas/{name}").text
    return {"csrf_token": csrf_of(html), "hash": hash_of(html), **fields}, html


def test_personas_page_and_its_json_twin(local):
    html = local.get("/personas")
    assert html.status_code == 200
    assert "Champion: Head of Ops" in html.text and "The buying committee" in html.text
    data = local.get("/personas.json").json()
    assert [c["id"] for c in data["cards"]] == ["champion", "anti-persona"]
    assert data["committee"]["deals"] > 0
    themes = data["themes"]
    assert themes["available"] and themes["themes"]
    # In the demo every pain is heard in English and Portuguese: some are merged, each merge by auto.
    assert themes["merges"] and all(m["by"] == "auto" for m in themes["merges"])
    merged = [t for t in themes["themes"] if t.get("merged_from")]
    assert merged and all("," in t["language"] for t in merged)


def test_persona_page_shows_fields_evidence_and_escaped_quotes(local, persona_ws):
    page = local.get("/personas/champion")
    assert page.status_code == 200
    assert HOSTILE not in page.text and "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    note = re.search(r'href="/notes/([^"]+)"', page.text).group(1)
    shown = local.get(f"/notes/{note}")
    assert shown.status_code == 200 and note in shown.text
    assert local.get(f"/notes/{note}.json").json()["note"]["note_id"] == note
    assert local.get("/notes/NOPE.json").status_code == 404
    data = local.get("/personas/champion.json").json()
    pains = next(group for group in data["persona"]["lists"] if group["name"] == "pains")
    assert pains["items"][0]["evidence"]["quotes"][0]["note_id"] == note
    assert local.get("/personas/nobody").status_code == 404


def test_edit_save_and_conflict(local, persona_ws):
    form, _ = _form(
        local,
        **{
            "owner": "Ana",
            "pains.0.text": "late deliveries",
            "pains.1.text": "fuel costs",
            "pains.1.shown": "1",
            "pains.1.assumption": "1",
            "titles": "Head of Ops\nCOO",
            "hook.text": "A morning without phone calls",
            "hook.shown": "1",
            "hook.assumption": "1",
            "role.shown": "1",
        },
    )
    saved = local.post("/personas/champion", data=form, follow_redirects=False)
    assert saved.status_code == 303, saved.text[-500:]
    stored = yaml.safe_load((persona_ws.strategy_dir / "personas/champion.yaml").read_text(encoding="utf-8"))
    assert stored["owner"] == "Ana" and stored["titles"] == ["Head of Ops", "COO"]
    assert [p["text"] for p in stored["pains"]] == ["late deliveries", "fuel costs"]
    assert stored["pains"][1]["assumption"] is True and stored["pains"][0]["evidence"]["count"] == 3
    assert stored["hook"] == {"text": "A morning without phone calls", "assumption": True}
    assert "assumption" not in stored["role"]  # evidence, flag left unticked
    # Two editors opened the same version; the first saves, the second is refused with both versions.
    first, _ = _form(local, owner="Bruno")
    second = dict(first, owner="Carla")
    assert local.post("/personas/champion", data=first, follow_redirects=False).status_code == 303
    before = (persona_ws.strategy_dir / "personas/champion.yaml").read_bytes()
    refused = local.post("/personas/champion", data=second)
    assert refused.status_code == 409 and "changed since you opened it" in refused.text
    assert "Their version" in refused.text and "Carla" in refused.text
    assert (persona_ws.strategy_dir / "personas/champion.yaml").read_bytes() == before
    as_json = local.post("/personas/champion", data=second, headers={"accept": "application/json"})
    assert as_json.status_code == 409


def test_invalid_edit_is_shown_inline_and_nothing_is_written(local, persona_ws):
    path = persona_ws.strategy_dir / "personas/champion.yaml"
    before = path.read_bytes()
    # a new pain without evidence and without the assumption flag; a committee role that does not exist
    form, _ = _form(local, **{"pains.9.text": "x", "committee_role": "janitor"})
    count = len(yaml.safe_load(before)["pains"])
    form[f"pains.{count}.text"] = "a claim nobody measured"
    form[f"pains.{count}.shown"] = "1"
    refused = local.post("/personas/champion", data=form)
    assert refused.status_code == 422
    assert "a statement needs evidence or `assumption: true`" in refused.text
    assert 'aria-invalid="true"' in refused.text and "committee_role" in refused.text
    assert path.read_bytes() == before
    errors = local.post("/personas/champion", data=form, headers={"accept": "application/json"}).json()["errors"]
    assert f"pains.{count}" in errors and "committee_role" in errors


def test_comments_and_merges_by_hand(local, persona_ws):
    form, _ = _form(local)
    posted = local.post(
        "/personas/champion/comments",
        data={"csrf_token": form["csrf_token"], "field": "pains.0.text", "text": f"Check with sales {HOSTILE}"},
        follow_redirects=False,
    )
    assert posted.status_code == 303
    page = local.get("/personas/champion").text
    assert "Check with sales &lt;script&gt;" in page
    comments = local.get("/personas/champion.json").json()["comments"]["pains.0.text"]
    assert comments[-1]["author"] and comments[-1]["at"]
    assert (persona_ws.strategy_dir / "comments/personas-champion.yaml").exists()
    assert (
        local.post(
            "/personas/champion/comments", data={"csrf_token": form["csrf_token"], "field": "x y", "text": "t"}
        ).status_code
        == 400
    )
    # one-click merge of two themes, then every page sees it
    themes = local.get("/personas.json").json()["themes"]
    a, b = themes["themes"][0]["label"], themes["themes"][1]["label"]
    merged = local.post(
        "/personas/themes/merge",
        data={"csrf_token": form["csrf_token"], "label_a": a, "label_b": b, "action": "merge"},
        follow_redirects=False,
    )
    assert merged.status_code == 303
    assert read_merges(persona_ws.root)[-1]["labels"] == [a, b]
    after = local.get("/personas.json").json()["themes"]
    assert any({m["label_a"], m["label_b"]} == {a, b} and m["by"] == "user" for m in after["merges"])
    audit = (persona_ws.state_dir / AUDIT_FILE).read_text(encoding="utf-8")
    assert '"event": "comment"' in audit and '"event": "themes merge"' in audit


def test_viewer_cannot_edit_and_csrf_is_required(persona_ws):
    users = UserStore(persona_ws.state_dir)
    users.add("vera", "viewer", PASSWORD)
    users.add("eddie", "editor", PASSWORD)
    with TestClient(create_app(persona_ws, require_login=True)) as client:
        token = csrf_of(client.get("/login").text)
        client.post("/login", data={"username": "vera", "password": PASSWORD, "csrf_token": token, "next": "/"})
        page = client.get("/personas/champion")
        assert page.status_code == 200 and "Editing needs the editor role" in page.text
        assert '<button type="submit">Save' not in page.text
        form = {"csrf_token": csrf_of(page.text), "hash": hash_of(page.text), "owner": "Vera"}
        assert client.post("/personas/champion", data=form).status_code == 403
        assert (
            client.post(
                "/personas/champion/comments", data={"csrf_token": form["csrf_token"], "field": "owner", "text": "hi"}
            ).status_code
            == 403
        )
        assert (
            client.post(
                "/personas/themes/merge", data={"csrf_token": form["csrf_token"], "label_a": "a", "label_b": "b"}
            ).status_code
            == 403
        )
        client.post("/logout", data={"csrf_token": form["csrf_token"]})
        token = csrf_of(client.get("/login").text)
        client.post("/login", data={"username": "eddie", "password": PASSWORD, "csrf_token": token, "next": "/"})
        page = client.get("/personas/champion").text
        no_token = {"hash": hash_of(page), "owner": "Eddie"}
        assert client.post("/personas/champion", data=no_token).status_code == 403
        assert client.post("/personas/champion", data={**no_token, "csrf_token": "forged"}).status_code == 403
        assert (
            client.post(
                "/personas/champion", data={**no_token, "csrf_token": csrf_of(page)}, follow_redirects=False
            ).status_code
            == 303
        )
    lines = (persona_ws.state_dir / AUDIT_FILE).read_text(encoding="utf-8")
    assert "persona edit" in lines and "eddie" in lines and "vera" in lines
