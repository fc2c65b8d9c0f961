"""The one-page ICP brief for sales: who to target, who not to, why now and what the tiers mean,
from the ICP in use; as HTML (printable on one page) and as a PDF printed by headless Chromium
(the path the persona cards use)."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import Response

from bullseye.errors import MissingDependencyError, NotFoundError
from bullseye.web.app import WebContext, page
from bullseye.web.render import STATIC_DIR
from bullseye.web.views.common import icp_in_use, scored_accounts

__all__ = ["ChromiumMissing", "brief_data", "brief_pdf", "printed_pdf", "register"]

TOP_ACCOUNTS = 8


class ChromiumMissing(MissingDependencyError):
    """The PDF brief needs headless Chromium, which is not installed (the page answers 503)."""

    http_status = 503


def _evidence_line(rule: Any) -> str:
    best = next((e for e in rule.evidence if e.summary), None)
    return best.summary if best else ("an assumption, not yet measured" if rule.assumption else "")


def _tiers_and_top(scores: Any) -> tuple[dict[str, int], list[dict[str, Any]]]:
    """How many accounts each tier has and the best tier-A accounts (once per scoring, not per request)."""
    if scores.empty:
        return {}, []
    tiers = {str(k): int(v) for k, v in scores["tier"].astype(str).value_counts().sort_index().items()}
    columns = [c for c in ("account_id", "name", "tier", "fit_score", "why_now") if c in scores.columns]
    best = scores[scores["tier"].astype(str) == "A"].sort_values(["fit_score", "account_id"], ascending=[False, True])
    return tiers, best[columns].head(TOP_ACCOUNTS).to_dict("records")


def brief_data(web: WebContext, request: Request) -> dict[str, Any]:
    icp, source = icp_in_use(web)
    if icp is None:
        raise NotFoundError("there is no ICP yet: draft one with `bullseye discover` or on the ICP page")
    tiers, top = web.cache.get("brief accounts", lambda: _tiers_and_top(scored_accounts(web)))
    return {
        "title": f"ICP brief: {icp.name}",
        "source": source,
        "icp": {"name": icp.name, "description": icp.description, "owner": icp.owner, "review_date": icp.review_date},
        "criteria": [{"name": c.name, "label": c.label, "evidence": _evidence_line(c)} for c in icp.criteria],
        "disqualifiers": [
            {"name": d.name, "label": d.label, "reason": d.reason or _evidence_line(d)} for d in icp.disqualifiers
        ],
        "signals": [
            {
                "name": s.name,
                "event_type": s.event_type,
                "direction": s.direction,
                "lookback_days": s.lookback_days,
                "evidence": _evidence_line(s),
            }
            for s in icp.signals
        ],
        "tiers": tiers,
        "top_accounts": top,
    }


def printed_pdf(
    web: WebContext, template: str, css_file: str, data: dict[str, Any], filename: str, page: str
) -> Response:
    """``template`` rendered with ``data`` and its stylesheet inlined, printed to PDF by headless
    Chromium (the path the persona cards use); 503 naming ``page`` when Chromium is missing."""
    from bullseye.people.cards import _print_pdf, find_chromium

    if find_chromium() is None:
        raise ChromiumMissing(
            "the PDF is printed with Chromium, which was not found: install chromium "
            f"(or set BULLSEYE_CHROMIUM), or open {page} and print it from the browser"
        )
    css = (STATIC_DIR / css_file).read_text(encoding="utf-8")
    html = web.env.get_template(template).render(data=data, inline_css=css, workspace=web.ws.settings.name)
    with tempfile.TemporaryDirectory() as folder:
        html_path, pdf_path = Path(folder) / "page.html", Path(folder) / "page.pdf"
        html_path.write_text(html, encoding="utf-8")
        _print_pdf(html_path, pdf_path)
        pdf = pdf_path.read_bytes()
    return Response(
        pdf, media_type="application/pdf", headers={"Content-Disposition": f'inline; filename="{filename}"'}
    )


def brief_pdf(request: Request) -> Response:
    """The brief printed to a one-page A4 PDF by headless Chromium (503 when Chromium is missing)."""
    web: WebContext = request.app.state.web
    with web.cache.pinned():
        data = brief_data(web, request)
    return printed_pdf(web, "icp_brief.html", "brief.css", data, "icp-brief.pdf", "/icp/brief")


def register(app: FastAPI) -> None:
    app.add_api_route("/icp/brief.pdf", brief_pdf, methods=["GET"])
    page(app, "/icp/brief", "icp_brief.html", brief_data)
