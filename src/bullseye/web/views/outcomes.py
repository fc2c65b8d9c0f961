"""Outcomes: the outcome table by any account attribute, with intervals and a chart, and the funnel
metrics (conversion per stage, CAC, LTV, LTV:CAC, payback) with the assumptions behind them."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request

from bullseye.errors import InvalidInputError
from bullseye.web.app import WebContext, page
from bullseye.web.views.common import has_table

__all__ = ["DEFAULT_BY", "outcomes_page", "register"]

#: The attribute shown first, when the accounts have it.
DEFAULT_BY = "industry"


def outcomes_page(web: WebContext, request: Request) -> dict[str, Any]:
    from bullseye.outcomes.per_account import account_attributes

    ws = web.ws
    if not has_table(web, "accounts"):
        return {"title": "Outcomes", "attributes": [], "by": None, "summary": None, "funnel": None}
    attributes = list(web.cache.get("account attributes", lambda: account_attributes(ws)))
    by = request.query_params.get("by") or (DEFAULT_BY if DEFAULT_BY in attributes else attributes[0])
    if by not in attributes:  # checked before anything reaches the warehouse
        raise InvalidInputError(f"unknown account attribute '{by}'; choose one of: {', '.join(attributes)}")
    summary = web.cache.get("outcomes by", lambda: ws.outcomes(by=by).to_dict(), by)
    funnel = web.cache.get("funnel", lambda: ws.funnel(by=by).to_dict(), by)
    rates = [row["win_rate_high"] for row in summary["rows"] if row.get("win_rate_high") is not None]
    return {
        "title": "Outcomes",
        "attributes": attributes,
        "by": by,
        "summary": summary,
        "funnel": funnel,
        "chart_max": max(rates, default=1.0) or 1.0,
    }


def register(app: FastAPI) -> None:
    page(app, "/outcomes", "outcomes.html", outcomes_page)
