"""Market: the waterfall from the universe down to the customers, TAM/SAM/SOM with the assumptions
beside each figure, and the whitespace (ICP-fit companies not yet in the CRM), paged, searchable and
downloadable as a formula-safe CSV. Everything comes from ``Workspace.size`` (what ``bullseye size``
prints), computed once per (data load, definitions)."""

from __future__ import annotations

import math
import shutil
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, Response
from starlette.background import BackgroundTask

from bullseye.errors import InvalidInputError, NotFoundError
from bullseye.market.sizing import MarketSize
from bullseye.web.app import WebContext, page
from bullseye.web.views.common import has_table, icp_in_use

__all__ = [
    "PER_PAGE",
    "market_size",
    "WHITESPACE_COLUMNS",
    "market_page",
    "whitespace_csv",
    "whitespace_rows",
    "register",
]

PER_PAGE = 50
#: The whitespace columns the page lists (the CSV has every column ``bullseye size --whitespace`` writes).
WHITESPACE_COLUMNS = ("company_id", "name", "domain", "industry", "country", "employees", "fit_score", "tier")
#: What the page says when there is no market list to size.
NO_UNIVERSE = (
    "No market list loaded: load a list of the companies in your market (a CSV with at least name and domain, "
    "mapped to the universe table) on the Data page, or run `bullseye load universe.csv`."
)


def market_size(web: WebContext) -> MarketSize:
    """``Workspace.size()`` once per (data load, definitions): the Market and Home pages share it."""
    return web.cache.get("market size", web.ws.size)


def _page_number(text: str | None) -> int:
    if text in (None, ""):
        return 1
    try:
        return max(1, int(text))
    except ValueError:
        raise InvalidInputError(f"page must be a whole number, not '{text}'") from None


def whitespace_rows(web: WebContext, query: str, tier: str) -> pd.DataFrame:
    """The whitespace (best fit first) narrowed to ``query`` (in name or domain, any case) and ``tier``."""
    whitespace = market_size(web).whitespace
    keep = np.ones(len(whitespace), dtype=bool)
    if query:
        keep &= _search_text(web).str.contains(query, case=False, regex=False).to_numpy()
    if tier:
        tiers = _tiers(whitespace)
        if tier not in tiers:
            raise InvalidInputError(f"tier must be one of {', '.join(tiers) or 'none (no tiers)'}, not '{tier}'")
        keep &= whitespace["tier"].astype(str).to_numpy() == tier
    return whitespace[keep]


def _tiers(whitespace: pd.DataFrame) -> list[str]:
    if "tier" not in whitespace.columns:
        return []
    return sorted({str(t) for t in whitespace["tier"].dropna().unique() if str(t)})


def _search_text(web: WebContext) -> pd.Series:
    """Name and domain of each whitespace company in one string, once per sizing."""

    def compute() -> pd.Series:
        whitespace = market_size(web).whitespace
        parts = [whitespace[c].astype("string").fillna("") for c in ("name", "domain") if c in whitespace.columns]
        if not parts:
            return pd.Series([""] * len(whitespace), index=whitespace.index)
        text = parts[0]
        for part in parts[1:]:
            text = text + " " + part
        return text

    return web.cache.get("whitespace search", compute)


def market_page(web: WebContext, request: Request) -> dict[str, Any]:
    params = request.query_params
    query, tier = params.get("q", "").strip(), params.get("tier", "").strip()
    base: dict[str, Any] = {"title": "Market", "q": query, "tier": tier}
    if not has_table(web, "universe"):
        return {**base, "missing": NO_UNIVERSE}
    _, source = icp_in_use(web)
    if source["source"] == "none":
        return {**base, "missing": "No ICP yet: draft one on the ICP page (or run discovery) to size the market."}
    sized = market_size(web)
    result = web.cache.get("market size dict", sized.to_dict)
    rows = whitespace_rows(web, query, tier)
    pages = max(1, math.ceil(len(rows) / PER_PAGE))
    number = min(_page_number(params.get("page")), pages)
    shown = rows.iloc[(number - 1) * PER_PAGE : number * PER_PAGE]
    columns = [c for c in WHITESPACE_COLUMNS if c in shown.columns]
    waterfall = result["waterfall"]
    largest = max((step["companies"] or 0 for step in waterfall), default=0)
    return {
        **base,
        "missing": None,
        "size": result,
        "assumptions": {record["name"]: record for record in result["assumptions"]},
        "largest": largest,
        "tiers": _tiers(sized.whitespace),
        "whitespace": {
            "total": len(sized.whitespace),
            "matching": len(rows),
            "page": number,
            "pages": pages,
            "columns": columns,
            "rows": shown[columns].astype(object).where(shown[columns].notna(), None).to_dict(orient="records"),
        },
    }


def whitespace_csv(request: Request) -> Response:
    """The whitespace (filtered as on the page) as a formula-safe CSV, as ``bullseye size --whitespace`` writes it."""
    from bullseye.io import write_csv

    web: WebContext = request.app.state.web
    if not has_table(web, "universe"):
        raise NotFoundError(NO_UNIVERSE)
    params = request.query_params
    with web.cache.pinned():
        rows = whitespace_rows(web, params.get("q", "").strip(), params.get("tier", "").strip())
    folder = tempfile.mkdtemp(prefix="bullseye-whitespace-")
    path = write_csv(rows, Path(folder) / "whitespace.csv")
    return FileResponse(
        path,
        media_type="text/csv; charset=utf-8",
        filename="whitespace.csv",
        background=BackgroundTask(shutil.rmtree, folder, ignore_errors=True),
    )


def register(app: FastAPI) -> None:
    app.add_api_route("/market/whitespace.csv", whitespace_csv, methods=["GET"])
    page(app, "/market", "market.html", market_page)
