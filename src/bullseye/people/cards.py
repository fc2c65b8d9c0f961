"""Persona cards: one page per persona a rep can use in a call, the committee on one page, and the
anti-persona; as Markdown, HTML, or PDF (printed by a headless Chromium, which lays out the HTML
exactly as a browser shows it)."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from bullseye.errors import BullseyeError
from bullseye.render.inert import for_markdown
from bullseye.strategy.persona import AntiPersona, Persona

__all__ = ["CARD_FORMATS", "render_cards", "write_cards", "find_chromium"]

CARD_FORMATS = ("md", "html", "pdf")
_CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")


def find_chromium() -> str | None:
    """A Chromium-family browser to print PDFs with: $BULLSEYE_CHROMIUM, else one on the PATH."""
    configured = os.environ.get("BULLSEYE_CHROMIUM")
    if configured:
        return configured if Path(configured).exists() else None
    return next((found for name in _CHROMIUM_NAMES if (found := shutil.which(name))), None)


def _context(definitions: list[Persona | AntiPersona], company: str, icp_name: str, scope: str,
             presence: dict[str, str], effects: list[dict[str, Any]], order_note: str) -> dict[str, Any]:
    personas = sorted((d for d in definitions if isinstance(d, Persona)), key=lambda p: p.engage_order or 99)
    anti = next((d for d in definitions if isinstance(d, AntiPersona)), None)
    return {"personas": personas, "anti": anti, "company": company, "icp_name": icp_name, "scope": scope,
            "presence": presence, "effects": effects, "order_note": order_note}


def render_cards(definitions: list[Persona | AntiPersona], fmt: str, **context: Any) -> str:
    """The cards as Markdown or HTML text."""
    if fmt not in ("md", "html"):
        raise BullseyeError(f"cards can be rendered as md or html text, not '{fmt}'")
    env = Environment(loader=PackageLoader("bullseye", "templates"),
                      autoescape=select_autoescape(enabled_extensions=("html", "md"), default_for_string=False),
                      trim_blocks=False, lstrip_blocks=False)
    if fmt == "md":  # data (job titles, quotes) must not become HTML or Markdown in the card
        env.finalize = _markdown_value
    template = env.get_template("persona_cards.html" if fmt == "html" else "persona_cards.md")
    return template.render(**_context(definitions, **context))


def _markdown_value(value: Any) -> Any:
    # Markup is what a macro of the template already rendered (its values went through here).
    return value if isinstance(value, Markup) else Markup(for_markdown(value))


def _print_pdf(html_path: Path, pdf_path: Path) -> None:
    chromium = find_chromium()
    if chromium is None:
        raise BullseyeError("PDF cards are printed with Chromium, which was not found: install chromium (or set "
                            "BULLSEYE_CHROMIUM to a Chrome/Chromium binary), or use --format html and print it")
    with tempfile.TemporaryDirectory() as profile:
        command = [chromium, "--headless", "--no-sandbox", "--disable-gpu", f"--user-data-dir={profile}",
                   "--no-pdf-header-footer", f"--print-to-pdf={pdf_path}", html_path.resolve().as_uri()]
        done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    if done.returncode != 0 or not pdf_path.exists():
        raise BullseyeError(f"Chromium could not print {pdf_path}: {done.stderr.strip()[-500:]}")


def write_cards(definitions: list[Persona | AntiPersona], out_dir: Path, formats: tuple[str, ...],
                **context: Any) -> list[Path]:
    """Write ``persona-cards.<fmt>`` for each format into ``out_dir``; PDF is printed from the HTML."""
    unknown = [f for f in formats if f not in CARD_FORMATS]
    if unknown:
        raise BullseyeError(f"unknown card format {unknown[0]!r}: choose from {', '.join(CARD_FORMATS)}")
    if not any(isinstance(d, Persona) for d in definitions):
        raise BullseyeError("no personas to draw cards for: draft them with `bullseye personas suggest`")
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    html_path = out_dir / "persona-cards.html"
    for fmt in formats:
        if fmt == "md":
            path = out_dir / "persona-cards.md"
            path.write_text(render_cards(definitions, "md", **context), encoding="utf-8")
        else:
            html_path.write_text(render_cards(definitions, "html", **context), encoding="utf-8")
            path = html_path
            if fmt == "pdf":
                path = out_dir / "persona-cards.pdf"
                _print_pdf(html_path, path)
        written.append(path)
    return written
