"""The Workshop page in a real browser (Playwright driving Debian's Chromium against uvicorn): step
through the agenda, edit a red flag and save it, see who edited it; comment on a card. In CI a
missing Chromium fails the test (see conftest.chromium_or_skip)."""

from __future__ import annotations

import urllib.request

import pytest
import yaml
from test_workshop import build_board_workspace

from bullseye.strategy.workshop import WORKSHOP_FILE
from bullseye.web import create_app
from bullseye.web.server import serving


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    ws = build_board_workspace(tmp_path_factory, tmp_path_factory.mktemp("workshopui") / "ws")
    with serving(create_app(ws, require_login=False)) as url:
        # The draft is gathered once, on the first request (committee, dataset): not on the browser's clock.
        with urllib.request.urlopen(url + "/workshop.json", timeout=600) as answer:
            assert answer.status == 200
        yield url, ws


def test_edit_a_red_flag_and_see_it_recorded(browser, site):
    url, ws = site
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.goto(url + "/workshop")
    assert page.locator(".ws-section").count() == 1  # one section at a time
    page.get_by_role("button", name="Start the 60 minutes").click()
    assert page.locator(".timer .clock").inner_text() in ("00:00", "00:01", "00:02")
    page.get_by_role("link", name="Next →").click()
    page.wait_for_url("**/workshop?section=anti_persona")
    other = browser.new_page(viewport={"width": 1280, "height": 900})  # a second editor, same board
    other.goto(url + "/workshop?section=anti_persona")
    page.get_by_role("textbox", name="Red flag 1", exact=True).fill("Shops under 50 people churn within a year")
    page.get_by_role("textbox", name="Add a card to red flags").fill("They want custom reports before signing")
    page.get_by_role("button", name="Save the red flags").click()
    page.wait_for_url("**/workshop?section=anti_persona&saved=1*")
    assert "Saved to strategy/workshop.yaml" in page.locator("p.ok").inner_text()
    first = page.locator("#f-anti_persona\\.0")
    assert "Edited by" in first.inner_text()
    stored = yaml.safe_load((ws.root / WORKSHOP_FILE).read_text(encoding="utf-8"))
    assert stored["anti_persona"][0]["text"] == "Shops under 50 people churn within a year"
    assert stored["anti_persona"][-1]["text"] == "They want custom reports before signing"
    assert stored["changes"][-1]["by"] and stored["changes"][-1]["fields"]
    # the second editor is told at once, and a save over the first one's is refused with both versions
    other.evaluate("window.dispatchEvent(new Event('focus'))")
    other.locator(".stale-note").wait_for(state="visible", timeout=15000)
    other.get_by_role("textbox", name="Red flag 2", exact=True).fill("Mine, from a stale page")
    other.get_by_role("button", name="Save the red flags").click()
    other.get_by_role("heading", name="Their version (saved now)").wait_for()
    assert "Mine, from a stale page" in other.locator("dl.attributes").inner_text()
    stored = yaml.safe_load((ws.root / WORKSHOP_FILE).read_text(encoding="utf-8"))
    assert "Mine, from a stale page" not in str(stored)
    other.close()
    # a comment on the first card, recorded with who and when
    first.locator("summary").click()
    page.locator("#ct-anti_persona\\.0").fill("CS saw three of these last quarter")
    page.locator('button[form="cf-anti_persona.0"]').click()
    page.wait_for_url("**/workshop?section=anti_persona*")
    assert "CS saw three of these last quarter" in page.locator("#c-anti_persona\\.0").inner_text()
    assert "Who changed what" in page.content()
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    assert errors == []
    page.close()
