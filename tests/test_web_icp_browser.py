"""The ICP editor in a real browser (Playwright, Debian's Chromium, a real uvicorn): edit a criterion,
preview the draft, publish it with a message and find the new version in the history. Fails, not
skips, in CI without Chromium (see tests/test_web_browser.py)."""

from __future__ import annotations

import pytest
from test_web import hostile_workspace

from bullseye.strategy.icp import load_icp
from bullseye.web import create_app
from bullseye.web.server import serving


@pytest.fixture(scope="module")
def icp_site(tmp_path_factory):
    ws = hostile_workspace(tmp_path_factory, tmp_path_factory.mktemp("webicpui") / "ws")
    with serving(create_app(ws, require_login=False)) as url:
        yield url, ws


def test_edit_a_criterion_preview_publish_and_see_it_in_the_history(browser, icp_site):
    url, ws = icp_site
    page = browser.new_page(viewport={"width": 1366, "height": 900})
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.goto(url + "/icp/draft")
    page.get_by_label("Name", exact=True).first.fill("Planted truth, edited")
    page.locator("#f-criteria-0-name").fill("Fleet e-commerce, edited in the browser")
    page.get_by_label("Next review").fill("2027-06-30")
    page.get_by_label("Owner").fill("maria")
    page.get_by_role("button", name="Save the draft").click()
    page.wait_for_url("**/icp/draft?saved=1")
    assert load_icp(ws.root).criteria[0].name == "Fleet e-commerce, edited in the browser"
    page.get_by_role("link", name="Preview what the draft does").click()
    page.wait_for_url("**/icp/draft/preview")
    page.get_by_role("heading", name="Publish this draft").wait_for(timeout=240_000)  # refreshes while computing
    page.get_by_label("What changed and why").fill("Renamed the fleet criterion")
    if page.get_by_text("The publish gate objects").count():
        page.get_by_label("Publish despite the objections").fill("browser test")
    page.get_by_role("button", name="Publish", exact=True).click()
    page.wait_for_url("**/icp/versions/1")
    page.goto(url + "/icp/diff")
    assert page.get_by_role("cell", name="Renamed the fleet criterion").is_visible()
    assert errors == []
    page.close()


def test_two_editors_in_two_browser_contexts_never_lose_an_update(browser, icp_site):
    """Two people (two contexts: separate cookies and sessions) open the same draft; the first save
    wins, the second is refused with both versions shown, and nothing of the first is lost."""
    url, ws = icp_site
    editors = [browser.new_context(viewport={"width": 1280, "height": 900}) for _ in range(2)]
    try:
        ana, bruno = (context.new_page() for context in editors)
        for page in (ana, bruno):
            page.goto(url + "/icp/draft")
        ana.locator("#f-criteria-0-name").fill("Ana's name for the fleet criterion")
        ana.get_by_role("button", name="Save the draft").click()
        ana.wait_for_url("**/icp/draft?saved=1")
        bruno.locator("#f-criteria-0-name").fill("Bruno's name for the fleet criterion")
        bruno.get_by_role("button", name="Save the draft").click()
        bruno.get_by_role("heading", name="Not saved: someone else changed the draft").wait_for()
        conflict = bruno.locator("section.conflict").inner_text()
        assert "Ana's name for the fleet criterion" in conflict and "Bruno's name for the fleet criterion" in conflict
        assert load_icp(ws.root).criteria[0].name == "Ana's name for the fleet criterion"
        bruno.get_by_role("link", name="Load the current draft").click()
        bruno.wait_for_url("**/icp/draft")
        assert bruno.locator("#f-criteria-0-name").input_value() == "Ana's name for the fleet criterion"
    finally:
        for context in editors:
            context.close()
