"""The ICP editor over real HTTP in process: the draft as a form saved back to strategy/icp.yaml,
inline validation errors, two-editor conflicts (409), roles and CSRF, the preview's numbers, publishing
from the preview, diffs and the one-page brief (HTML and a real one-page PDF)."""

from __future__ import annotations

import io
import json
import unicodedata
from html.parser import HTMLParser

import pytest
import yaml
from test_web import PASSWORD, csrf_of, hostile_workspace, login

from bullseye.strategy.icp import ICP, load_icp
from bullseye.web import create_app
from bullseye.web.auth import UserStore

TestClient = pytest.importorskip("fastapi.testclient").TestClient


class FormFields(HTMLParser):
    """The values a browser would submit from the page's form with ``action``: every named input,
    select and textarea (checkboxes only when checked), as a browser does without JavaScript."""

    def __init__(self, action: str) -> None:
        super().__init__()
        self.action, self.inside, self.fields = action, False, {}
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.inside = a.get("action") == self.action
        if not self.inside or "disabled" in a:
            return
        if tag == "input" and a.get("name"):
            if a.get("type") == "checkbox" and "checked" not in a:
                return
            self.fields[a["name"]] = a.get("value") or ""
        elif tag == "select":
            self._select = a.get("name")
        elif tag == "option" and self._select and ("selected" in a or self._select not in self.fields):
            self.fields[self._select] = a.get("value", "")
        elif tag == "textarea":
            self._textarea = a.get("name")
            self.fields[self._textarea] = ""

    def handle_data(self, data):
        if self._textarea:
            self.fields[self._textarea] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def form_of(html: str, action: str = "/icp/draft") -> dict[str, str]:
    parser = FormFields(action)
    parser.feed(html)
    return parser.fields


@pytest.fixture(scope="module")
def icp_ws(tmp_path_factory):
    return hostile_workspace(tmp_path_factory, tmp_path_factory.mktemp("webicp") / "ws")


@pytest.fixture(scope="module")
def local(icp_ws):
    with TestClient(create_app(icp_ws, require_login=False), base_url="http://127.0.0.1:8765") as client:
        yield client


@pytest.fixture()
def guarded(icp_ws):
    users = UserStore(icp_ws.state_dir)
    for name, role in (("olga", "owner"), ("eddie", "editor"), ("vera", "viewer")):
        users.add(name, role, PASSWORD)
    with TestClient(create_app(icp_ws, require_login=True)) as client:
        yield client


def icp_file(ws):
    return ws.root / "strategy" / "icp.yaml"


def test_the_form_saves_back_to_the_yaml_keeping_everything_it_does_not_show(local, icp_ws):
    before = load_icp(icp_ws.root)
    page = local.get("/icp/draft")
    assert page.status_code == 200
    fields = form_of(page.text)
    assert fields["draft_hash"] == icp_ws.draft_hash()
    assert fields["criteria-0-name"] == before.criteria[0].name
    fields["criteria-0-name"] = "Renamed from the web"
    fields["owner"] = "maria"
    fields["reviewers"] = "sales lead, CS lead"
    saved = local.post("/icp/draft", data=fields, follow_redirects=False)
    assert saved.status_code == 303, saved.text[-2000:]
    after = load_icp(icp_ws.root)
    expected = before.model_copy(deep=True)
    expected.criteria[0].name = "Renamed from the web"
    expected.owner = "maria"
    expected.review.reviewers = ["sales lead", "CS lead"]
    # Everything the form does not edit (evidence, signal filters, trigger rules) came through intact.
    assert after == expected
    # Stable key order: the model's field order, so a hand edit in git diffs line by line.
    keys = list(yaml.safe_load(icp_file(icp_ws).read_text()).keys())
    assert keys == [k for k in ICP.model_fields if k in keys]
    # Saving the unchanged form again writes the same text: no churn in git.
    text = icp_file(icp_ws).read_text()
    again = form_of(local.get("/icp/draft").text)
    assert local.post("/icp/draft", data=again, follow_redirects=False).status_code == 303
    assert icp_file(icp_ws).read_text() == text


def test_a_condition_that_does_not_fit_its_operator_is_shown_at_the_field_and_nothing_is_written(local, icp_ws):
    text = icp_file(icp_ws).read_text()
    fields = form_of(local.get("/icp/draft").text)
    fields["criteria-0-cond-0-op"] = "between"
    fields["criteria-0-cond-0-value"] = "7"
    answer = local.post("/icp/draft", data=fields)
    assert answer.status_code == 400
    assert 'id="err-criteria-0-cond-0-value"' in answer.text
    assert "Nothing was saved" in answer.text
    assert 'value="7"' in answer.text  # what the person typed is still there
    assert icp_file(icp_ws).read_text() == text


def test_adding_a_criterion_works_without_javascript_and_writes_nothing(local, icp_ws):
    text = icp_file(icp_ws).read_text()
    fields = form_of(local.get("/icp/draft").text)
    count = len(load_icp(icp_ws.root).criteria)
    fields["action"] = "add-criteria"
    answer = local.post("/icp/draft", data=fields)
    assert answer.status_code == 200
    assert f'name="criteria-{count}-name"' in answer.text
    assert icp_file(icp_ws).read_text() == text
    grown = form_of(answer.text)
    grown.update(
        {
            f"criteria-{count}-id": "web_added",
            f"criteria-{count}-name": "Added on the web",
            f"criteria-{count}-cond-0-attribute": "employees",
            f"criteria-{count}-cond-0-op": ">=",
            f"criteria-{count}-cond-0-value": "50",
            f"criteria-{count}-assumption": "1",
        }
    )
    assert local.post("/icp/draft", data=grown, follow_redirects=False).status_code == 303
    added = load_icp(icp_ws.root).criteria[-1]
    condition = added.conditions[0]
    assert (added.id, added.assumption, condition.op, condition.value) == ("web_added", True, ">=", 50)
    # ... and removed again with its "Remove" box.
    back = form_of(local.get("/icp/draft").text)
    back[f"criteria-{count}-remove"] = "1"
    assert local.post("/icp/draft", data=back, follow_redirects=False).status_code == 303
    assert [c.id for c in load_icp(icp_ws.root).criteria].count("web_added") == 0


def test_a_save_over_a_draft_changed_since_the_form_was_loaded_is_refused_with_both_versions(local, icp_ws):
    fields = form_of(local.get("/icp/draft").text)
    # Someone edits the file by hand (in git) after this form was loaded.
    theirs = icp_file(icp_ws).read_text().replace(f"owner: {load_icp(icp_ws.root).owner}", "owner: somebody else")
    icp_file(icp_ws).write_text(theirs)
    fields["criteria-0-name"] = "My change"
    answer = local.post("/icp/draft", data=fields)
    assert answer.status_code == 409
    assert "changed since it was read" in answer.text
    assert "somebody else" in answer.text and "My change" in answer.text  # both versions shown
    assert icp_file(icp_ws).read_text() == theirs


def test_roles_and_csrf_guard_the_editor(guarded, icp_ws):
    login(guarded, "vera")
    page = guarded.get("/icp/draft")
    assert page.status_code == 200 and "saving needs the editor role" in page.text
    fields = form_of(page.text)
    fields["csrf_token"] = csrf_of(page.text)
    text = icp_file(icp_ws).read_text()
    assert guarded.post("/icp/draft", data=fields).status_code == 403
    login(guarded, "eddie")
    page = guarded.get("/icp/draft")
    fields = form_of(page.text)
    assert guarded.post("/icp/draft", data={**fields, "csrf_token": "forged"}).status_code == 403
    assert icp_file(icp_ws).read_text() == text
    publish = guarded.post(
        "/icp/draft/publish",
        data={"csrf_token": fields["csrf_token"], "message": "by an editor", "draft_hash": icp_ws.draft_hash()},
    )
    assert publish.status_code == 403
    assert icp_ws.history().versions == []


@pytest.mark.slow  # fits the draft's scorecard and backtests it (about a minute each)
def test_the_preview_twin_carries_the_facade_numbers_and_an_owner_publishes_from_it(local, icp_ws):
    twin = local.get("/icp/draft/preview.json")
    assert twin.status_code == 200
    data = json.loads(twin.text, parse_constant=lambda c: pytest.fail(f"{c} in JSON"))
    expected = json.loads(icp_ws.preview().to_json())
    assert data["preview"] == expected
    page = local.get("/icp/draft/preview")
    assert page.status_code == 200 and "Publish this draft" in page.text
    fields = form_of(page.text, "/icp/draft/publish")
    fields["message"] = "First version from the web"
    # The gate objects (this draft has no review date): refused with its reasons, nothing published ...
    refused = local.post("/icp/draft/publish", data=fields)
    assert refused.status_code == 409 and "no review date" in refused.text
    assert icp_ws.history().versions == []
    # ... unless the owner writes why it goes out anyway.
    fields["force"] = "first version; review date set next week"
    published = local.post("/icp/draft/publish", data=fields, follow_redirects=False)
    assert published.status_code == 303, published.text[-1500:]
    history = icp_ws.history()
    assert [(v.number, v.message) for v in history.versions][-1] == (1, "First version from the web")
    # A second version: change the draft, preview (now against v1), publish, compare the two.
    fields = form_of(local.get("/icp/draft").text)
    fields["tiers-shares-0"] = "0.05"
    fields["review_date"] = "2027-03-01"
    assert local.post("/icp/draft", data=fields, follow_redirects=False).status_code == 303
    preview = json.loads(local.get("/icp/draft/preview.json").text)
    assert preview["preview"]["current"]["number"] == 1
    assert preview["preview"] == json.loads(icp_ws.preview().to_json())
    moving = preview["preview"]["accounts_moving"]
    assert len(preview["accounts_changing"]) == min(moving, 200)
    page = local.get("/icp/draft/preview")
    if moving:
        first = preview["accounts_changing"][0]
        assert f'href="/accounts/{first["account_id"]}"' in page.text
    fields = form_of(page.text, "/icp/draft/publish")
    fields["message"] = "Smaller tier A"
    if "The publish gate objects" in page.text:
        fields["force"] = "tested on purpose"
    assert local.post("/icp/draft/publish", data=fields, follow_redirects=False).status_code == 303
    diff = local.get("/icp/diff.json?a=1&b=2").json()
    assert diff["diff"] == json.loads(icp_ws.diff(1, 2).to_json())
    assert "Smaller tier A" in local.get("/icp/diff").text


@pytest.mark.slow  # fits the draft's scorecard and backtests it (about a minute each)
def test_publishing_a_draft_changed_after_its_preview_is_refused(local, icp_ws):
    page = local.get("/icp/draft/preview")
    local.get("/icp/draft/preview.json")
    fields = form_of(local.get("/icp/draft/preview").text, "/icp/draft/publish")
    icp_file(icp_ws).write_text(icp_file(icp_ws).read_text().replace("name: ", "name: Edited ", 1))
    fields["message"] = "should not go out"
    before = len(icp_ws.history().versions)
    assert page.status_code == 200
    assert local.post("/icp/draft/publish", data=fields).status_code == 409
    assert len(icp_ws.history().versions) == before


def test_the_brief_is_one_page_of_html_and_a_one_page_pdf(local, icp_ws):
    from bullseye.people.cards import find_chromium

    icp = icp_ws.icp_in_use or icp_ws.icp  # the brief is of the version in use, else the draft
    html = local.get("/icp/brief")
    assert html.status_code == 200
    assert 'href="/static/brief.css"' in html.text and "<style>" not in html.text  # CSP: no inline style
    data = local.get("/icp/brief.json").json()
    assert [c["name"] for c in data["criteria"]] == [c.name for c in icp.criteria]
    assert sum(data["tiers"].values()) > 0
    if find_chromium() is None:
        assert local.get("/icp/brief.pdf").status_code == 503
        return
    pdf = local.get("/icp/brief.pdf")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(pdf.content))
    assert len(reader.pages) == 1
    text = "".join(
        unicodedata.normalize("NFKC", reader.pages[0].extract_text()).split()
    )  # ligatures (fi, fl), wrapped lines
    assert "".join(icp.criteria[0].name.split()) in text


def test_the_brief_pdf_without_chromium_is_a_clear_503(local, monkeypatch, tmp_path):
    monkeypatch.setenv("BULLSEYE_CHROMIUM", str(tmp_path / "no-such-chromium"))
    answer = local.get("/icp/brief.pdf", headers={"accept": "application/json"})
    assert answer.status_code == 503
    assert "Chromium" in answer.json()["error"]
