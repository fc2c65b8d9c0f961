"""Regenerate the web workspace screenshots in docs/images/ (web-home.png, web-accounts.png, web-account.png, web-icp.png, web-data.png, web-data-preview.png, web-outcomes.png, web-discovery.png, web-personas.png, web-workshop.png, web-empathy.png, web-market.png, web-signals.png).

Usage: python docs/make_web_images.py [WORKSPACE]

Without WORKSPACE it builds a 2,000-account demo workspace in a temporary folder with two published
versions of the demo's planted ICP (the second names an owner and a review date) and two why-now
signals, and the demo's audience and industry map (for the Market page). Needs Chromium
(/usr/bin/chromium or $BULLSEYE_CHROMIUM) and Playwright.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from bullseye.people.cards import HEADLESS_CHROMIUM_ARGS, find_chromium
from bullseye.web import create_app
from bullseye.web.server import serving
from bullseye.web.views.common import scored_accounts
from bullseye.workspace import Workspace

IMAGES = Path(__file__).parent / "images"
SHOTS = [
    ("web-home.png", "/"),
    ("web-accounts.png", "/accounts"),
    ("web-account.png", "/accounts/{best}"),  # the best-scoring account
    ("web-icp.png", "/icp"),
    ("web-data.png", "/data"),
    ("web-data-preview.png", "/data/preview?file=deals.csv"),
    ("web-outcomes.png", "/outcomes"),
    ("web-personas.png", "/personas"),
    ("web-workshop.png", "/workshop?section=anti_persona"),
    ("web-empathy.png", "/personas/champion/empathy"),
    ("web-discovery.png", "/discovery?outcome=win"),
    ("web-market.png", "/market"),
    ("web-signals.png", "/signals"),
]


def demo_workspace(root: Path) -> Workspace:
    from bullseye.demo import generate_company
    from bullseye.demo.strategy import DEMO_SIGNALS, PLANTED_ICP, write_demo_strategy
    from bullseye.scoring.scorecard import fit_scorecard
    from bullseye.strategy.icp import load_icp
    from bullseye.strategy.versions import VersionStore

    def stored_scorecard() -> dict:
        """The draft's scorecard, stored with the version as a publish does (the Market page scores with it)."""
        return {"scorecard": fit_scorecard(ws, load_icp(ws.root)).to_artefact()}

    ws = Workspace.init(root, name="RotaCerta (demo)")
    truth = generate_company(ws.data_dir, n_accounts=2000, seed=0)
    ws.load()
    write_demo_strategy(ws.root, truth)
    icp_file = ws.strategy_dir / "icp.yaml"
    store = VersionStore(ws.root)
    icp_file.write_text(PLANTED_ICP + DEMO_SIGNALS, encoding="utf-8")
    store.publish(store.draft_texts(), stored_scorecard(), "First ICP, from the workshop with sales", "marina", {})
    icp_file.write_text(
        PLANTED_ICP.replace(
            "name: Planted truth\n",
            "name: Planted truth\nowner: Marina Costa (product marketing)\nreview_date: 2027-03-01\n",
            1,
        )
        + DEMO_SIGNALS,
        encoding="utf-8",
    )
    store.publish(store.draft_texts(), stored_scorecard(), "Name the owner and the next review", "marina", {})
    ws.save_personas(ws.personas())  # the empathy map is of a saved persona
    return ws


def main(argv: list[str]) -> None:
    from playwright.sync_api import sync_playwright

    chromium = find_chromium() or "/usr/bin/chromium"
    with tempfile.TemporaryDirectory() as scratch:
        ws = Workspace(argv[0]) if argv else demo_workspace(Path(scratch) / "demo")
        IMAGES.mkdir(exist_ok=True)
        app = create_app(ws, require_login=False)
        app.state.discovery.start(app.state.web, ["win", "retention"], 2, "docs")  # the Discovery page's run
        app.state.discovery.wait()
        with serving(app) as url, sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, args=list(HEADLESS_CHROMIUM_ARGS))
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            best = scored_accounts(app.state.web).sort_values("fit_score", ascending=False)["account_id"].iloc[0]
            for name, path in SHOTS:
                page.goto(url + path.format(best=best))
                page.screenshot(path=str(IMAGES / name), full_page=False)
                print(IMAGES / name)
            browser.close()


if __name__ == "__main__":
    main(sys.argv[1:])
