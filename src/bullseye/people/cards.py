"""Persona cards: one page per persona a rep can use in a call, the committee on one page, and the
anti-persona; as Markdown, HTML, or PDF (printed by a headless Chromium, which lays out the HTML
exactly as a browser shows it)."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from bullseye.errors import (
    InvalidInputError,
    MissingDependencyError,
    NotFoundError,
    StorageError,
)
from bullseye.render.inert import for_markdown
from bullseye.results import Result
from bullseye.strategy.persona import AntiPersona, Persona

if TYPE_CHECKING:
    from bullseye.workspace import Workspace

__all__ = [
    "CARD_FORMATS",
    "PersonaCards",
    "render_cards",
    "write_cards",
    "workspace_cards",
    "find_chromium",
    "HEADLESS_CHROMIUM_ARGS",
]

CARD_FORMATS = ("md", "html", "pdf")
_CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")
#: Launch arguments for a headless Chromium driven by Playwright in containers and CI (the browser
#: tests and docs/make_web_images.py share them).
HEADLESS_CHROMIUM_ARGS = (
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
)


def find_chromium() -> str | None:
    """A Chromium-family browser to print PDFs with: $BULLSEYE_CHROMIUM, else one on the PATH."""
    configured = os.environ.get("BULLSEYE_CHROMIUM")
    if configured:
        return configured if Path(configured).exists() else None
    return next((found for name in _CHROMIUM_NAMES if (found := shutil.which(name))), None)


def _context(
    definitions: list[Persona | AntiPersona],
    company: str,
    icp_name: str,
    scope: str,
    presence: dict[str, str],
    effects: list[dict[str, Any]],
    order_note: str,
) -> dict[str, Any]:
    personas = sorted((d for d in definitions if isinstance(d, Persona)), key=lambda p: p.engage_order or 99)
    anti = next((d for d in definitions if isinstance(d, AntiPersona)), None)
    return {
        "personas": personas,
        "anti": anti,
        "company": company,
        "icp_name": icp_name,
        "scope": scope,
        "presence": presence,
        "effects": effects,
        "order_note": order_note,
    }


def render_cards(definitions: list[Persona | AntiPersona], fmt: str, **context: Any) -> str:
    """The cards as Markdown or HTML text."""
    if fmt not in ("md", "html"):
        raise InvalidInputError(f"cards can be rendered as md or html text, not '{fmt}'")
    env = Environment(
        loader=PackageLoader("bullseye", "templates"),
        autoescape=select_autoescape(enabled_extensions=("html", "md"), default_for_string=False),
        trim_blocks=False,
        lstrip_blocks=False,
    )
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
        raise MissingDependencyError(
            "PDF cards are printed with Chromium, which was not found: install chromium (or set "
            "BULLSEYE_CHROMIUM to a Chrome/Chromium binary), or use --format html and print it"
        )
    with tempfile.TemporaryDirectory() as profile:
        command = [
            chromium,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            f"--user-data-dir={profile}",
            "--no-pdf-header-footer",
            f"--print-to-pdf={pdf_path}",
            html_path.resolve().as_uri(),
        ]
        done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    if done.returncode != 0 or not pdf_path.exists():
        raise StorageError(f"Chromium could not print {pdf_path}: {done.stderr.strip()[-500:]}")


def write_cards(
    definitions: list[Persona | AntiPersona], out_dir: Path, formats: tuple[str, ...], **context: Any
) -> list[Path]:
    """Write ``persona-cards.<fmt>`` for each format into ``out_dir``; PDF is printed from the HTML."""
    unknown = [f for f in formats if f not in CARD_FORMATS]
    if unknown:
        raise InvalidInputError(f"unknown card format {unknown[0]!r}: choose from {', '.join(CARD_FORMATS)}")
    if not any(isinstance(d, Persona) for d in definitions):
        raise NotFoundError("no personas to draw cards for: draft them with `bullseye personas suggest`")
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


@dataclass(repr=False)
class PersonaCards(Result):
    """The persona cards of a workspace: the card text per format (``md``, ``html``) and the files
    written on request (``files``, PDF only as a file)."""

    texts: dict[str, str]
    personas: int
    files: list[Path] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"personas": self.personas, "formats": sorted(self.texts), "files": [str(p) for p in self.files]}


def workspace_cards(
    ws: Workspace, icp, formats: tuple[str, ...] = ("html",), out_dir: Path | None = None
) -> PersonaCards:
    """The cards of the workspace's persona files for ``icp``, with the committee's numbers on the
    first page; written as ``persona-cards.<fmt>`` into ``out_dir`` only when it is given (PDF
    needs it: Chromium prints the HTML file)."""
    from bullseye.people.committee import committee_report
    from bullseye.people.personas import CONVENTIONAL_ORDER
    from bullseye.strategy.persona import load_personas

    unknown = [f for f in formats if f not in CARD_FORMATS]
    if unknown:
        raise InvalidInputError(f"unknown card format {unknown[0]!r}: choose from {', '.join(CARD_FORMATS)}")
    if "pdf" in formats and out_dir is None:
        raise InvalidInputError("PDF cards are printed from a file: give a folder to write them to")
    definitions = load_personas(ws.root)
    report = committee_report(ws, icp)
    timings = [d.engage_when for d in definitions if isinstance(d, Persona) and d.engage_when is not None]
    order_note = (
        "roles in the order they first appear in the notes of the ICP's deals"
        if any(when.evidence for when in timings)
        else "the usual order of a committee sale: " + " → ".join(CONVENTIONAL_ORDER) + " (not measured)"
    )
    context = {
        "company": ws.settings.name,
        "icp_name": icp.name,
        "scope": report.scope.split(";")[0],
        "presence": {row.role: f"{row.won_share:.0%}" for row in report.presence.itertuples()},
        "effects": report.top_effects(5).to_dict(orient="records"),
        "order_note": order_note,
    }
    if not any(isinstance(d, Persona) for d in definitions):
        raise NotFoundError("no personas to draw cards for: draft them with `bullseye personas suggest`")
    texts: dict[str, str] = {fmt: render_cards(definitions, fmt, **context) for fmt in ("md", "html") if fmt in formats}
    files = write_cards(definitions, out_dir, formats, **context) if out_dir is not None else []
    return PersonaCards(texts, sum(isinstance(d, Persona) for d in definitions), files)
