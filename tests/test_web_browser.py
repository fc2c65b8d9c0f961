"""The web workspace in a real browser: Playwright driving Debian's Chromium against a real uvicorn
on a free loopback port. In CI (``CI`` set) a missing Chromium fails the test instead of skipping it;
``make install-dev`` installs it. The ``browser`` fixture and ``chromium_or_skip`` are in conftest.py."""

from __future__ import annotations

import pytest
from test_web import hostile_workspace

from bullseye.web import create_app
from bullseye.web.server import serving


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    ws = hostile_workspace(tmp_path_factory, tmp_path_factory.mktemp("webui") / "ws")
    with serving(create_app(ws, require_login=False)) as url:
        yield url


def test_home_to_accounts_to_tier_a_to_an_account(browser, site):
    page = browser.new_page(viewport={"width": 1366, "height": 800})
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.goto(site + "/")
    assert page.locator("h1").inner_text() == "Web test"
    assert page.locator("svg.funnel rect").count() == 2  # in the CRM and customers: no market list here
    assert page.locator("svg.funnel a", has_text="needs a market list").count() == 3
    page.get_by_role("link", name="Accounts", exact=True).click()
    page.wait_for_url("**/accounts")
    page.get_by_label("Tier", exact=True).select_option("A")
    page.get_by_role("button", name="Apply").click()
    page.wait_for_url("**tier=A**")
    tiers = page.locator("table.accounts tbody .tier").all_inner_texts()
    assert tiers and set(tiers) == {"A"}
    first = page.locator("table.accounts tbody a").first
    name = first.inner_text()
    first.click()
    page.wait_for_url("**/accounts/ACC-*")
    assert page.locator("h1").inner_text() == name
    assert page.get_by_role("heading", name="Why this score").is_visible()
    assert page.locator("ol.reasons-list li").count() >= 1
    assert errors == []  # no CSP violation or script error
    page.close()


def test_hostile_names_are_text_in_the_browser(browser, site):
    page = browser.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(site + "/accounts?q=alert")
    assert page.locator("table.accounts tbody a").first.inner_text() == "<script>alert(1)</script>"
    page.goto(site + "/accounts?q=7*7")
    assert page.locator("table.accounts tbody a").first.inner_text() == "{{7*7}}"
    assert dialogs == []
    page.close()


def test_keyboard_reaches_the_navigation_and_the_filters(browser, site):
    page = browser.new_page()
    page.goto(site + "/accounts")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    links = page.locator("header nav a").count()
    focused = []
    for _ in range(links + 4):  # every nav link, then the filters
        page.keyboard.press("Tab")
        focused.append(page.evaluate("document.activeElement.id || document.activeElement.textContent"))
    assert "Accounts" in focused and "q" in focused and "tier" in focused
    page.close()


def test_login_through_the_form_on_a_guarded_server(browser, tmp_path):
    from bullseye.web.auth import UserStore
    from bullseye.workspace import Workspace

    ws = Workspace.init(tmp_path / "guarded", name="Guarded")
    UserStore(ws.state_dir).add("vera", "viewer", "a long enough password")
    with serving(create_app(ws, require_login=True)) as url:
        page = browser.new_page()
        page.goto(url + "/glossary")
        page.wait_for_url("**/login?next=/glossary")
        page.get_by_label("User name").fill("vera")
        page.get_by_label("Password").fill("not it at all")
        page.get_by_role("button", name="Log in").click()
        assert "Wrong user name or password" in page.locator("p.error").inner_text()
        page.get_by_label("User name").fill("vera")
        page.get_by_label("Password").fill("a long enough password")
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url("**/glossary")
        assert page.locator("h1").inner_text() == "Glossary" and "viewer" in page.locator(".who").inner_text()
        page.get_by_role("button", name="Log out").click()
        page.wait_for_url("**/login")
        page.close()


def test_pages_fit_a_small_laptop_screen(browser, site):
    page = browser.new_page(viewport={"width": 1024, "height": 700})
    page.goto(site + "/accounts")
    account = page.locator("table.accounts tbody a").first.get_attribute("href")
    for path in ("/", "/icp", "/accounts", account, "/glossary"):
        page.goto(site + path)
        assert page.evaluate("document.documentElement.scrollWidth") <= 1024, f"{path} is wider than the screen"
    page.close()


def test_outcomes_page_switches_attribute_and_shows_the_funnel(browser, site):
    page = browser.new_page(viewport={"width": 1024, "height": 800})
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.goto(site + "/")
    page.get_by_role("link", name="Outcomes", exact=True).click()
    page.wait_for_url("**/outcomes")
    assert page.locator("h1").inner_text() == "Outcomes"
    assert page.locator("svg.outcome-chart rect").count() >= 3
    page.get_by_label("Break down by").select_option("employees")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url("**/outcomes?by=employees")
    assert "Win rate by employees" in page.locator("#chart-h").inner_text()
    assert page.get_by_role("heading", name="Assumptions").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 1024
    assert not errors, errors
    page.close()
