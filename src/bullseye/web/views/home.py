"""Home: the strategic funnel at a glance (universe -> target audience -> ICP -> in the CRM -> customers),\nthe ICP in use, its owner and next review, drift alarms, open triggers and this week's accounts."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response

from bullseye.web.app import WebContext, page, require_role
from bullseye.web.views.common import icp_in_use, scored_accounts, table_counts
from bullseye.web.views.market import market_size

__all__ = ["home", "acknowledge_trigger", "register"]

#: How many accounts "this week's accounts" lists.
THIS_WEEK = 10


def home(web: WebContext, request: Request) -> dict[str, Any]:
    tables = table_counts(web)
    rows = {t["name"]: t["rows"] for t in tables}
    icp, source = icp_in_use(web)
    status = web.cache.get("status", lambda: web.ws.status().to_dict(), date.today())
    funnel = web.cache.get("home funnel", lambda: _funnel(web, rows, icp is not None))
    this_week = web.cache.get("this week", lambda: _this_week(web, "accounts" in rows and icp is not None))
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
        "drift": status["drift"],
        "this_week": this_week,
    }


#: The funnel's five stages: key, the market waterfall's step it is, its words and the page it links to.
STAGES = (
    ("universe", "Universe", "Market universe", "/market"),
    ("audience", "Target audience", "Target audience", "/market"),
    ("icp", "ICP fit (no disqualifier)", "Fit the ICP", "/icp"),
    ("crm", "ICP fit, already in the CRM", "ICP fit, in the CRM", "/accounts"),
    ("customers", "ICP fit, already customers", "ICP fit, customers", "/outcomes"),
)


def _funnel(web: WebContext, rows: dict[str, int], has_icp: bool) -> list[dict[str, Any]]:
    """The five stages, from the market sizing (``Workspace.size``, the Market page's cache) when a
    universe and an ICP are there; otherwise the CRM's accounts and customers, and the stages that
    need the market list say so."""
    if "universe" in rows and has_icp:
        waterfall = {
            step["step"]: step["companies"]
            for step in web.cache.get("market size dict", market_size(web).to_dict)["waterfall"]
        }
        funnel: list[dict[str, Any]] = [
            {"key": key, "stage": words, "accounts": waterfall.get(step), "link": link, "missing": None}
            for key, step, words, link in STAGES
        ]
    else:
        missing = "needs an ICP" if "universe" in rows else "needs a market list"
        link = "/icp" if "universe" in rows else "/data"
        outcomes = (
            web.cache.get("outcomes by", lambda: web.ws.outcomes(by=None).to_dict(), None) if "deals" in rows else None
        )
        customers = (outcomes or {}).get("overall", {}).get("customers")
        funnel = [
            {
                "key": "universe",
                "stage": "Market universe",
                "accounts": rows.get("universe"),
                "link": "/market" if "universe" in rows else "/data",
                "missing": None if "universe" in rows else missing,
            },
            {"key": "audience", "stage": "Target audience", "accounts": None, "link": link, "missing": missing},
            {"key": "icp", "stage": "Fit the ICP", "accounts": None, "link": link, "missing": missing},
            {
                "key": "crm",
                "stage": "In the CRM",
                "accounts": rows.get("accounts"),
                "link": "/accounts",
                "missing": None if "accounts" in rows else "not loaded",
            },
            {
                "key": "customers",
                "stage": "Customers",
                "accounts": customers,
                "link": "/outcomes",
                "missing": None if customers is not None else "not loaded",
            },
        ]
    largest = max((step["accounts"] or 0 for step in funnel), default=0)
    for step in funnel:
        step["share"] = (step["accounts"] or 0) / largest if largest else 0.0
    return funnel


def _this_week(web: WebContext, scored: bool) -> list[dict[str, Any]]:
    """Tier A and B accounts with a fresh why-now signal, strongest signal first."""
    scores = scored_accounts(web) if scored else None
    if scores is None or not len(scores):
        return []
    fresh = scores[(scores["why_now_score"] > 0) & scores["tier"].isin(["A", "B"])]
    columns = [c for c in ("account_id", "name", "tier", "fit_score", "why_now") if c in fresh.columns]
    return (
        fresh.sort_values(["why_now_score", "fit_score"], ascending=False).head(THIS_WEEK)[columns].to_dict("records")
    )


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
