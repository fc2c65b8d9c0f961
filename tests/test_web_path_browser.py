"""A new user's whole path in a real browser, with no terminal (issue 14's "tests on the real thing"):
`bullseye serve` on an empty folder -> create the workspace -> upload the demo exports -> choose the
mapping, preview and load -> run discovery -> add two segments to the draft ICP -> preview ->
publish -> open an account page -> download the scored accounts as CSV -> draft the personas -> edit a
persona field.
Real clicks and form fills in Chromium against a real uvicorn; like the other browser tests it fails
in CI when Chromium is missing (see conftest.chromium_or_skip)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
import yaml

from bullseye.demo import generate_company
from bullseye.strategy.icp import load_icp
from bullseye.strategy.versions import VersionStore
from bullseye.web.server import serving
from bullseye.web.setup import SetupThenServe

#: Discovery needs enough deals to find segments; what the test uploads (the tables scoring uses, and
#: who was on the deals, which the personas are drafted from).
N_ACCOUNTS = 2_000
TABLES = ("accounts", "deals", "subscriptions", "contacts", "deal_contacts")


@pytest.fixture()
def exports(tmp_path) -> Path:
    folder = tmp_path / "exports"
    generate_company(folder, n_accounts=N_ACCOUNTS, seed=3)
    return folder


def test_a_new_user_s_whole_path_without_a_terminal(browser, tmp_path, exports):
    root = tmp_path / "acme"
    with serving(SetupThenServe(root)) as url:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.set_default_timeout(300_000)  # a load, discovery and a preview on a busy CI machine
        errors: list[str] = []
        page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)

        # 1. Create the workspace.
        page.goto(url + "/")
        page.get_by_label("Company name").fill("Acme Logistics")
        page.get_by_label("Owner").fill("Maria")
        page.get_by_role("button", name="Create the workspace").click()
        page.wait_for_url("**/data")
        assert yaml.safe_load((root / "bullseye.yaml").read_text(encoding="utf-8"))["owner"] == "Maria"

        # 2. Upload the exports, choose the mapping, preview and load.
        page.get_by_label("Drop export files here").set_input_files([str(exports / f"{t}.csv") for t in TABLES])
        page.get_by_role("button", name="Upload", exact=True).click()
        page.wait_for_url("**/data?uploaded=*")
        page.get_by_role("link", name="Choose or edit the mapping").click()
        page.wait_for_url("**/data/mapping")
        page.get_by_label("Kind of export").select_option("generic")
        page.get_by_role("button", name="Use these and preview").click()
        page.wait_for_url("**/data/preview")
        page.get_by_role("button", name="Load every export in data/").click()
        page.wait_for_url("**/data/load")
        page.wait_for_selector("#reconciles")  # the page refreshes itself until the load is done
        assert page.locator("#reconciles").inner_text() == "yes"

        # 3. Discovery, then two segments into the draft ICP.
        page.get_by_role("link", name="Discovery", exact=True).click()
        page.wait_for_url("**/discovery")
        page.get_by_label("Win rate").check()
        page.get_by_label("Most traits in one segment").select_option("2")
        page.get_by_role("button", name="Run discovery").click()
        page.wait_for_selector("form.add-segment")  # refreshes while it searches
        page.get_by_label("Outcome").select_option("win")
        page.get_by_label("Direction").select_option("better")
        page.get_by_role("button", name="Apply").click()
        page.wait_for_url("**side=better**")
        add = page.get_by_role("button", name="Add to the draft ICP:")
        first = add.nth(0).get_attribute("aria-label")
        add.nth(0).click()
        page.wait_for_url("**added=**")
        assert "to the draft ICP as a criterion" in page.get_by_role("status").first.inner_text()
        second = add.nth(1).get_attribute("aria-label")
        add.nth(1).click()
        page.wait_for_url("**added=**")
        names = [c.name for c in load_icp(root).criteria]
        assert [f"Add to the draft ICP: {n}" for n in names] == [first, second]
        assert load_icp(root).owner == "Maria"

        # 4. The ICP editor shows them; preview and publish.
        page.get_by_role("link", name="Open the draft").click()
        page.wait_for_url("**/icp/draft")
        assert page.locator("#f-criteria-1-name").input_value() == names[1]
        page.get_by_role("link", name="Preview what the draft does").click()
        page.wait_for_url("**/icp/draft/preview")
        page.get_by_role("heading", name="Publish this draft").wait_for()
        page.get_by_label("What changed and why").fill("First ICP, from discovery")
        if page.get_by_text("The publish gate objects").count():
            page.get_by_label("Publish despite the objections").fill("first version, reviewed in the browser")
        page.get_by_role("button", name="Publish", exact=True).click()
        page.wait_for_url("**/icp/versions/1")
        assert VersionStore(root).current().number == 1

        # 5. An account page.
        page.get_by_role("link", name="Accounts", exact=True).click()
        page.wait_for_url("**/accounts")
        account = page.locator("table.accounts tbody a").first
        name = account.inner_text()
        account.click()
        page.wait_for_url("**/accounts/ACC-*")
        assert page.locator("h1").inner_text() == name
        assert page.get_by_role("heading", name="Why this score").is_visible()

        # 6. Export: the scored accounts as a CSV download.
        page.get_by_role("link", name="Accounts", exact=True).click()
        with page.expect_download() as download:
            page.get_by_role("link", name="Download these accounts as CSV").click()
        rows = list(csv.DictReader(io.StringIO(Path(download.value.path()).read_text(encoding="utf-8"))))
        assert len(rows) == N_ACCOUNTS and {"account_id", "tier", "fit_score", "icp_version"} <= set(rows[0])
        assert {r["icp_version"] for r in rows} == {VersionStore(root).current().label}

        # 7. Draft the personas from the evidence, then edit a field of the first one.
        page.get_by_role("link", name="Personas", exact=True).click()
        page.wait_for_url("**/personas")
        page.get_by_role("button", name="Draft personas").click()
        page.wait_for_selector("#draft p.ok")  # refreshes while it drafts
        assert page.locator("#draft p.ok").inner_text().startswith("Drafted")
        card = page.locator(".persona-card h3 a").first
        persona = card.inner_text()
        card.click()
        page.wait_for_url("**/personas/*")
        file = page.url.rsplit("/", 1)[1]
        page.get_by_label("Hook").fill("Routes planned before the first coffee")
        page.get_by_role("button", name=f"Save {persona}").click()
        page.wait_for_url(f"**/personas/{file}?**")
        stored = yaml.safe_load((root / f"strategy/personas/{file}.yaml").read_text(encoding="utf-8"))
        assert stored["hook"]["text"] == "Routes planned before the first coffee"

        assert errors == []  # no CSP violation or script error anywhere on the path
        page.close()
