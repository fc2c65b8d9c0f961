"""Home: the strategic funnel at a glance, the ICP in use, its owner and next review, open triggers."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response

from bullseye.web.app import WebContext, page, require_role
from bullseye.web.views.common import icp_in_use, scored_accounts, table_counts

__all__ = ["home", "acknowledge_trigger", "register"]

#: How many accounts "this week's accounts" lists.
THIS_WEEK = 10


def home(web: WebContext, request: Request) -> dict[str, Any]:
    from bullseye.governance.status import workspace_status

    tables = table_counts(web)
    rows = {t["name"]: t["rows"] for t in tables}
    icp, source = icp_in_use(web)
    status = web.cache.get("status", lambda: workspace_status(web.ws).to_dict(), date.today())
    funnel, this_week = web.cache.get("home funnel", lambda: _funnel(web, rows, icp is not None))
    review = next((i for i in status["items"] if i["what"] == "review"), None)
    return {
        "title": "Home",
        "tables": tables,
        "funnel": funnel,
        "icp": source,
        "icp_name": icp.name if icp else None,
        "owner": icp.owner if icp else None,
        "review_date": icp.review_date if icp else None,
        "review": review,
        "attention": [i for i in status["items"] if i["level"] != "ok"],
        "open_triggers": status["open_triggers"],
        "this_week": this_week,
    }


def _funnel(web: WebContext, rows: dict[str, int], has_icp: bool) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The funnel's stages and this week's accounts, once per (data load, definitions)."""
    scores = scored_accounts(web) if has_icp and "accounts" in rows else None
    funnel: list[dict[str, Any]] = [
        {"stage": "Market universe", "accounts": rows.get("universe"), "table": "universe"},
        {"stage": "In the CRM", "accounts": rows.get("accounts"), "table": "accounts"},
    ]
    this_week: list[dict[str, Any]] = []
    if scores is not None and len(scores):
        tiers = scores["tier"].value_counts()
        funnel.append(
            {
                "stage": "Fit the ICP (tiers A and B)",
                "accounts": int(tiers.get("A", 0) + tiers.get("B", 0)),
                "table": None,
            }
        )
        funnel.append({"stage": "Tier A", "accounts": int(tiers.get("A", 0)), "table": None})
        fresh = scores[(scores["why_now_score"] > 0) & scores["tier"].isin(["A", "B"])]
        columns = [c for c in ("account_id", "name", "tier", "fit_score", "why_now") if c in fresh.columns]
        this_week = (
            fresh.sort_values(["why_now_score", "fit_score"], ascending=False)
            .head(THIS_WEEK)[columns]
            .to_dict("records")
        )
    # TODO(issue 12): "target audience" and "customers" stages come from the facade's funnel
    # (ws.funnel()); only counts that exist as tables or scores are shown today.
    largest = max((step["accounts"] or 0 for step in funnel), default=0)
    for step in funnel:
        step["share"] = (step["accounts"] or 0) / largest if largest else 0.0
    return funnel, this_week


def acknowledge_trigger(request: Request, trigger_id: str) -> Response:
    """An editor marks an open trigger as seen (being worked on)."""
    from bullseye.governance.triggers import set_trigger_status

    require_role(request, "editor")
    request.state.audit = {"event": "acknowledge trigger", "trigger": trigger_id}
    set_trigger_status(request.app.state.web.ws, [trigger_id], "acknowledged")
    return RedirectResponse("/", status_code=303)


def register(app: FastAPI) -> None:
    page(app, "/", "home.html", home, json_path="/index.json")
    app.add_api_route("/triggers/{trigger_id}/acknowledge", acknowledge_trigger, methods=["POST"])
