"""Accounts: the scored list (search, tier filter, sort, pages) and one account with its score and reasons."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
from fastapi import FastAPI, Request

from bullseye.errors import InvalidInputError, NotFoundError
from bullseye.score import TIERS
from bullseye.web.app import WebContext, page
from bullseye.web.views.common import icp_in_use, scored_accounts

__all__ = ["accounts_page", "account_page", "register", "PER_PAGE", "SORTS"]

PER_PAGE = 50
#: Sort keys a request may ask for -> (column, descending). Nothing else reaches pandas.
SORTS = {"score": ("fit_score", True), "name": ("name", False), "why_now": ("why_now_score", True),
         "win_probability": ("win_probability", True)}
LIST_COLUMNS = ("account_id", "name", "tier", "fit_score", "win_probability", "disqualified", "why_now", "reasons")


def _int(text: str | None, name: str, default: int) -> int:
    if text in (None, ""):
        return default
    try:
        return max(1, int(text))
    except ValueError:
        raise InvalidInputError(f"{name} must be a whole number, not '{text}'") from None


def accounts_page(web: WebContext, request: Request) -> dict[str, Any]:
    params = request.query_params
    query, tier, sort = params.get("q", "").strip(), params.get("tier", ""), params.get("sort", "score")
    only_why_now = params.get("why_now", "") in ("1", "on", "true")
    if tier and tier not in TIERS:
        raise InvalidInputError(f"tier must be one of {', '.join(TIERS)}, not '{tier}'")
    if sort not in SORTS:
        raise InvalidInputError(f"sort must be one of {', '.join(SORTS)}, not '{sort}'")
    number = _int(params.get("page"), "page", 1)
    _, source = icp_in_use(web)
    scores = scored_accounts(web)
    base = {"title": "Accounts", "icp": source, "q": query, "tier": tier, "sort": sort, "why_now": only_why_now,
            "tiers": list(TIERS), "sorts": list(SORTS)}
    if scores.empty:
        return {**base, "total": 0, "matching": 0, "page": 1, "pages": 1, "accounts": [], "tier_counts": {}}
    chosen = scores
    if query:
        hay = chosen["account_id"].astype(str)
        if "name" in chosen.columns:
            hay = hay + " " + chosen["name"].fillna("").astype(str)
        chosen = chosen[hay.str.contains(query, case=False, regex=False).to_numpy()]
    tier_counts = {t: int(n) for t, n in chosen["tier"].value_counts().reindex(list(TIERS), fill_value=0).items()}
    if tier:
        chosen = chosen[chosen["tier"] == tier]
    if only_why_now:
        chosen = chosen[chosen["why_now_score"] > 0]
    column, descending = SORTS[sort]
    if column not in chosen.columns:
        column, descending = "fit_score", True
    chosen = chosen.sort_values([column, "account_id"], ascending=[not descending, True], kind="stable")
    pages = max(1, math.ceil(len(chosen) / PER_PAGE))
    number = min(number, pages)
    shown = chosen.iloc[(number - 1) * PER_PAGE: number * PER_PAGE]
    columns = [c for c in LIST_COLUMNS if c in shown.columns]
    return {**base, "total": len(scores), "matching": len(chosen), "page": number, "pages": pages,
            "tier_counts": tier_counts, "accounts": shown[columns].to_dict("records")}


def _rows_of(web: WebContext, table: str, account_id: str) -> pd.DataFrame:
    """The rows of ``table`` for one account, from a per-load index (no query or SQL per request)."""
    def index() -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
        if not web.ws.has_table(table):
            return pd.DataFrame(), {}
        frame = web.ws.table(table).execute()
        return frame, frame.groupby(frame["account_id"].astype(str), sort=False).indices

    frame, positions = web.cache.get(f"rows:{table}", index)
    found = positions.get(account_id)
    return frame.iloc[found] if found is not None else frame.iloc[0:0]


def account_page(web: WebContext, request: Request, account_id: str) -> dict[str, Any]:
    scores = scored_accounts(web)
    found = scores[scores["account_id"].astype(str) == account_id] if not scores.empty else scores
    if found.empty:
        raise NotFoundError(f"no scored account with id '{account_id}'")
    row = found.iloc[0].to_dict()
    attributes = _rows_of(web, "accounts", account_id)
    deals = _rows_of(web, "deals", account_id)
    if len(deals) and "created_at" in deals.columns:
        deals = deals.sort_values("created_at", ascending=False)
    # TODO(issue 12): every feature's points (ScoreCard.explain) from a facade method such as
    # ws.explain(account_id); score_accounts returns the three largest reasons, shown here.
    reasons = [r for r in str(row.get("reasons") or "").split("; ") if r]
    return {"title": row.get("name") or account_id, "account": row, "reasons": reasons,
            "attributes": attributes.iloc[0].to_dict() if len(attributes) else {},
            "deals": deals.head(20).to_dict("records"),
            "icp": icp_in_use(web)[1]}


def register(app: FastAPI) -> None:
    page(app, "/accounts", "accounts.html", accounts_page)
    page(app, "/accounts/{account_id}", "account.html", account_page)
