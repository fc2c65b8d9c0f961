"""The Market and Signals pages in a real browser (Playwright driving Debian's Chromium against
uvicorn): search the whitespace and download it, filter the why-now list by a signal, open the
evidence behind a weight and follow a company to its account page. In CI a missing Chromium fails
the test (see conftest.chromium_or_skip)."""

from __future__ import annotations

import csv

import pytest
from test_web_market import FORMULA, HOSTILE, ws  # noqa: F401 - the demo with a universe, events and signals

from bullseye.web import create_app
from bullseye.web.server import serving


@pytest.fixture(scope="module")
def site(ws):  # noqa: F811
    with serving(create_app(ws, require_login=False)) as url:
        yield url


def test_search_and_download_the_whitespace_then_filter_signals_to_an_account(browser, site, tmp_path):
    page = browser.new_page(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.goto(site + "/market", timeout=600_000)  # the first request sizes the market
    assert page.locator("svg.waterfall rect").count() >= 8
    page.get_by_label("Search name or domain").fill("hostile")
    page.keyboard.press("Enter")
    page.wait_for_url("**/market?q=hostile*")
    rows = page.locator("section[aria-labelledby=whitespace-h] tbody tr")
    assert rows.count() == 2 and HOSTILE in rows.all_inner_texts()[0] + rows.all_inner_texts()[1]  # text, not markup
    with page.expect_download() as download:
        page.get_by_role("link", name="Download these 2 as CSV").click()
    saved = tmp_path / "whitespace.csv"
    download.value.save_as(saved)
    with saved.open(encoding="utf-8") as file:
        names = {row["name"] for row in csv.DictReader(file)}
    assert names == {HOSTILE, "'" + FORMULA}  # the formula is neutralised for spreadsheets
    page.get_by_role("link", name="Signals", exact=True).click()
    page.wait_for_url("**/signals", timeout=600_000)
    page.get_by_label("Signal", exact=True).select_option("head-of-logistics")
    page.get_by_role("button", name="Apply").click()
    page.wait_for_url("**/signals?signal=head-of-logistics*")
    reasons = page.locator("table.signals td.reasons").all_inner_texts()
    assert reasons and all("head" in r.casefold() for r in reasons)
    page.get_by_text("Evidence behind the weight").first.click()
    assert page.get_by_role("link", name="lift").first.is_visible()
    account = page.locator('table.signals a[href^="/accounts/"]').first
    name = account.inner_text()
    account.click()
    page.wait_for_url("**/accounts/*")
    assert name in page.locator("h1").inner_text()
    assert errors == []
