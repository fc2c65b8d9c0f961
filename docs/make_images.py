"""Render the README's pictures from real output: python docs/make_images.py WORKSPACE.

The workspace is the demo one (`bullseye demo WORKSPACE`); the pictures are what the commands
print there, drawn as SVG by Rich, and the discovery report as Chromium renders it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from rich.console import Console
from rich.text import Text

HERE = Path(__file__).resolve().parent


def render(command: list[str], cwd: Path, out: Path, title: str) -> None:
    env = {**os.environ, "COLUMNS": "104", "FORCE_COLOR": "1", "TERM": "xterm-256color"}
    printed = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, check=True).stdout
    spinner = set("⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏")  # frames of the "working..." status, not part of the result
    printed = "\n".join(line for line in printed.splitlines() if not spinner & set(Text.from_ansi(line).plain[:3]))
    console = Console(record=True, width=104, file=open(os.devnull, "w"))
    console.print(Text("$ " + " ".join(command[0:1] and ["bullseye", *command[1:]]), style="bold"))
    console.print(Text.from_ansi(printed))
    console.save_svg(str(out), title=title)


def screenshot(page: Path, out: Path, width: int = 1100, height: int = 1500) -> None:
    """A PNG of an HTML page, taken by headless Chromium (Debian's package)."""
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run(
            [
                "chromium",
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                f"--user-data-dir={profile}",
                f"--screenshot={out}",
                f"--window-size={width},{height}",
                page.as_uri(),
            ],
            check=True,
            capture_output=True,
        )


def main() -> None:
    workspace = Path(sys.argv[1]).resolve()
    bullseye = str(Path(sys.executable).with_name("bullseye"))
    render(
        [bullseye, "outcomes", "--by", "industry"],
        workspace,
        HERE / "images" / "outcomes-by-industry.svg",
        "bullseye outcomes --by industry",
    )
    screenshot(workspace / "reports" / "discovery.html", HERE / "images" / "discovery-report.png")
    card(workspace / "reports" / "persona-cards.html", "#champion", HERE / "images" / "persona-card.png")
    shutil.copyfile(workspace / "reports" / "market-funnel.png", HERE / "images" / "market-funnel.png")
    render([bullseye, "signals", "--limit", "5"], workspace, HERE / "images" / "why-now.svg", "bullseye signals")


def card(page: Path, selector: str, out: Path) -> None:
    """One persona card as printed (A4 width), taken by headless Chromium through Playwright."""
    from playwright.sync_api import sync_playwright

    from bullseye.people.cards import HEADLESS_CHROMIUM_ARGS

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=shutil.which("chromium"), args=list(HEADLESS_CHROMIUM_ARGS))
        view = browser.new_page(viewport={"width": 794, "height": 1123})
        view.goto(page.as_uri())
        view.emulate_media(media="print")
        view.locator(selector).screenshot(path=str(out))
        browser.close()


if __name__ == "__main__":
    main()
