"""Accounts: the scored list (search, tier filter, sort, pages) and one account with its score, every
feature's points, the disqualifier with its evidence, deals, contacts and notes."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
from fastapi import FastAPI, Request
from fastapi.responses import Response

from bullseye.errors import InvalidInputError, NotFoundError
from bullseye.scoring.explain import explain_account
from bullseye.scoring.scorecard import TIERS
from bullseye.web.app import WebContext, page
from bullseye.web.views.common import icp_in_use, scored_accounts, scoring_basis

__all__ = ["accounts_page", "account_page", "accounts_csv", "register", "PER_PAGE", "SORTS"]

PER_PAGE = 50
#: Sort keys a request may ask for -> (column, descending). Nothing else reaches pandas.
SORTS = {
    "score": ("fit_score", True),
    "name": ("name", False),
    "why_now": ("why_now_score", True),
    "win_probability": ("win_probability", True),
}
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
    base = {
        "title": "Accounts",
        "icp": source,
        "q": query,
        "tier": tier,
        "sort": sort,
        "why_now": only_why_now,
        "tiers": list(TIERS),
        "sorts": list(SORTS),
    }
    if scores.empty:
        return {**base, "total": 0, "matching": 0, "page": 1, "pages": 1, "accounts": [], "tier_counts": {}}
    # Masks over the cached scores, then one precomputed order per sort key: no sort per request.
    keep = np.ones(len(scores), dtype=bool)
    if query:
        keep &= _search_text(web).str.contains(query, case=False, regex=False).to_numpy()
    tier_column = scores["tier"].to_numpy()
    tier_counts = {t: int(np.count_nonzero(keep & (tier_column == t))) for t in TIERS}
    if tier:
        keep &= tier_column == tier
    if only_why_now:
        keep &= scores["why_now_score"].to_numpy() > 0
    order = _orders(web)[sort]
    order = order[keep[order]]
    pages = max(1, math.ceil(len(order) / PER_PAGE))
    number = min(number, pages)
    shown = scores.iloc[order[(number - 1) * PER_PAGE : number * PER_PAGE]]
    columns = [c for c in LIST_COLUMNS if c in shown.columns]
    return {
        **base,
        "total": len(scores),
        "matching": int(len(order)),
        "page": number,
        "pages": pages,
        "tier_counts": tier_counts,
        "accounts": [dict(zip(columns, row)) for row in shown[columns].itertuples(index=False, name=None)],
    }


def _orders(web: WebContext) -> dict[str, np.ndarray]:
    """Row positions of the scores in each sort order (ties by account id), once per scoring."""

    def compute() -> dict[str, np.ndarray]:
        scores = scored_accounts(web)
        orders = {}
        for key, (column, descending) in SORTS.items():
            column = column if column in scores.columns else "fit_score"
            ranked = scores.reset_index(drop=True).sort_values(
                [column, "account_id"], ascending=[not descending, True], kind="stable"
            )
            orders[key] = ranked.index.to_numpy()
        return orders

    return web.cache.get("account orders", compute)


def _search_text(web: WebContext) -> pd.Series:
    """Id and name of every scored account as one searchable string, once per scoring."""

    def compute() -> pd.Series:
        scores = scored_accounts(web)
        text = scores["account_id"].astype(str)
        if "name" in scores.columns:
            text = text + " " + scores["name"].fillna("").astype(str)
        return text.reset_index(drop=True)

    return web.cache.get("account search", compute)


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
    """One account, computed once per (account, data load, definitions): explaining its score and
    reading its contacts' titles cost 0.1 to 0.8 s a view, busy machine or not (the same at any size)."""
    scored_accounts(web)  # the scores first: while they warm, the page says so instead of waiting
    return web.cache.get("account page", lambda: _account_page(web, account_id), account_id, item=True)


def _account_page(web: WebContext, account_id: str) -> dict[str, Any]:
    scores = scored_accounts(web)
    position = web.cache.get(
        "account positions", lambda: {str(a): i for i, a in enumerate(scores["account_id"])} if not scores.empty else {}
    ).get(account_id)
    if position is None:
        raise NotFoundError(f"no scored account with id '{account_id}'")
    row = scores.iloc[position].to_dict()
    attributes = _rows_of(web, "accounts", account_id)
    deals = _rows_of(web, "deals", account_id)
    if len(deals) and "created_at" in deals.columns:
        deals = deals.sort_values("created_at", ascending=False)
    basis = scoring_basis(web)
    source = icp_in_use(web)[1]
    version = source["label"] if source.get("source") == "published" else "draft"  # as ws.explain names it
    explanation = explain_account(basis[0], basis[1], account_id, version).to_dict() if basis is not None else None
    return {
        "title": row.get("name") or account_id,
        "account": row,
        "reasons": [r for r in str(row.get("reasons") or "").split("; ") if r],
        "explanation": explanation,
        "attributes": attributes.iloc[0].to_dict() if len(attributes) else {},
        "deals": deals.head(20).to_dict("records"),
        "contacts": _contacts(web, account_id),
        "notes": _notes(web, account_id),
        "icp": icp_in_use(web)[1],
    }


#: How many contacts and notes the account page lists (newest notes first).
SHOWN = 50


def _contacts(web: WebContext, account_id: str) -> list[dict[str, Any]]:
    """The account's contacts with the function and seniority read from each title."""
    from bullseye.people.titles import normalize_titles, workspace_title_vocabulary

    people = _rows_of(web, "contacts", account_id).head(SHOWN)
    if people.empty:
        return []
    titles = people["title"] if "title" in people.columns else pd.Series([None] * len(people), index=people.index)
    read = normalize_titles(titles.astype("string").fillna(""), workspace_title_vocabulary(web.ws))
    return [
        {
            "contact_id": person.get("contact_id"),
            "name": person.get("name"),
            "title": person.get("title"),
            "function": function,
            "seniority": seniority,
        }
        for person, function, seniority in zip(
            people.to_dict("records"), read["function"].tolist(), read["seniority"].tolist()
        )
    ]


def _notes(web: WebContext, account_id: str) -> list[dict[str, Any]]:
    """The account's notes, newest first: id, type, date and the opening of the text."""
    notes = _rows_of(web, "notes", account_id)
    if notes.empty:
        return []
    if "created_at" in notes.columns:
        notes = notes.sort_values("created_at", ascending=False)
    columns = [c for c in ("note_id", "note_type", "created_at", "body") if c in notes.columns]
    records = notes.head(SHOWN)[columns].astype(object).where(notes.head(SHOWN)[columns].notna(), None)
    return [{**r, "body": str(r.get("body") or "")[:200]} for r in records.to_dict("records")]


def accounts_csv(request: Request) -> Response:
    """The scored list (search and tier as on the page) as a formula-safe CSV, with the ICP version."""
    import shutil
    import tempfile
    from pathlib import Path

    from fastapi.responses import FileResponse
    from starlette.background import BackgroundTask

    from bullseye.io import write_csv

    web: WebContext = request.app.state.web
    with web.cache.pinned():
        params = request.query_params
        query, tier = params.get("q", "").strip(), params.get("tier", "")
        if tier and tier not in TIERS:
            raise InvalidInputError(f"tier must be one of {', '.join(TIERS)}, not '{tier}'")
        scores = scored_accounts(web)
        if scores.empty:
            raise NotFoundError("no accounts are scored yet: load accounts and draft or publish an ICP")
        keep = np.ones(len(scores), dtype=bool)
        if query:
            keep &= _search_text(web).str.contains(query, case=False, regex=False).to_numpy()
        if tier:
            keep &= scores["tier"].to_numpy() == tier
        shown = scores.iloc[_orders(web)["score"]]
        shown = shown[keep[_orders(web)["score"]]]
        columns = [c for c in (*LIST_COLUMNS, "why_now_score") if c in shown.columns]
        out = shown[columns].assign(icp_version=icp_in_use(web)[1]["label"])
    folder = tempfile.mkdtemp(prefix="bullseye-accounts-")
    path = write_csv(out, Path(folder) / "accounts.csv")  # the one formula-safe writer
    return FileResponse(
        path,
        media_type="text/csv; charset=utf-8",
        filename="accounts" + (f"-tier-{tier}" if tier else "") + ".csv",
        background=BackgroundTask(shutil.rmtree, folder, ignore_errors=True),
    )


def register(app: FastAPI) -> None:
    app.add_api_route("/accounts.csv", accounts_csv, methods=["GET"])
    page(app, "/accounts", "accounts.html", accounts_page)
    page(app, "/accounts/{account_id}", "account.html", account_page)
