"""Signals: the companies with a fresh "why now" signal ranked by fit times signal, each with its
reasons and a link to its account page; filters by signal, tier and kind of company; and the
evidence behind each signal's weight (its win-rate lift and interval) one click away. Everything
comes from ``Workspace.signals`` (what ``bullseye signals`` prints), once per (data load, definitions)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from fastapi import FastAPI, Request

from bullseye.errors import InvalidInputError
from bullseye.market.signals import SignalRanking
from bullseye.scoring.scorecard import TIERS
from bullseye.web.app import WebContext, page
from bullseye.web.views.common import has_table, icp_in_use

__all__ = ["PER_PAGE", "KINDS", "signals_page", "register"]

PER_PAGE = 50
#: The kinds of company a ranking holds: CRM accounts, universe companies not in the CRM, and companies
#: an event only names (matched to neither).
KINDS = {"account": "CRM accounts", "prospect": "Not in the CRM (universe)", "unmatched": "Named by an event only"}
NO_EVENTS = (
    "No company events loaded: load a list of events (funding rounds, executive hires, layoffs, job posts; "
    "a CSV mapped to the events table) on the Data page, or run `bullseye load events.csv`."
)


def _ranking(web: WebContext) -> SignalRanking:
    return web.cache.get("signal ranking", lambda: web.ws.signals(limit=None))


def _choice(value: str, allowed: list[str], name: str) -> str:
    if value and value not in allowed:
        raise InvalidInputError(f"{name} must be one of {', '.join(allowed) or 'none'}, not '{value}'")
    return value


def _page_number(text: str | None) -> int:
    if text in (None, ""):
        return 1
    try:
        return max(1, int(text))
    except ValueError:
        raise InvalidInputError(f"page must be a whole number, not '{text}'") from None


def _counts(ranking: SignalRanking) -> tuple[dict[str, int], dict[str, int]]:
    """How many ranked companies have each signal, and how many are accounts and prospects."""
    rows = ranking.rows
    per_signal = {s.id: int(sum(s.id in ids for ids in rows["signal_ids"])) for s in ranking.signals}
    return per_signal, {k: int((rows["kind"] == k).sum()) for k in KINDS}


def signals_page(web: WebContext, request: Request) -> dict[str, Any]:
    params = request.query_params
    base: dict[str, Any] = {"title": "Signals", "kinds": KINDS, "tiers": list(TIERS)}
    base.update(signal=params.get("signal", ""), tier=params.get("tier", ""), kind=params.get("kind", ""))
    if not has_table(web, "events"):
        return {**base, "missing": NO_EVENTS}
    icp, source = icp_in_use(web)
    if icp is None:
        return {**base, "missing": "No ICP yet: draft one on the ICP page (or run discovery) to rank signals."}
    if not icp.signals:
        return {
            **base,
            "missing": f"The ICP in use ({source['label']}) has no why-now signals: run discovery with the events "
            "loaded, or add them under `signals:` in strategy/icp.yaml and publish.",
        }
    ranking = _ranking(web)
    signal_ids = [s.id for s in ranking.signals]
    signal = _choice(base["signal"], signal_ids, "signal")
    tier = _choice(base["tier"], list(TIERS), "tier")
    kind = _choice(base["kind"], list(KINDS), "kind")
    rows = ranking.rows
    keep = np.ones(len(rows), dtype=bool)
    if signal:
        keep &= np.fromiter((signal in ids for ids in rows["signal_ids"]), dtype=bool, count=len(rows))
    if tier:
        keep &= rows["tier"].astype(str).to_numpy() == tier
    if kind:
        keep &= rows["kind"].to_numpy() == kind
    chosen = rows[keep]
    pages = max(1, math.ceil(len(chosen) / PER_PAGE))
    number = min(_page_number(params.get("page")), pages)
    first = (number - 1) * PER_PAGE
    shown = chosen.iloc[first : first + PER_PAGE]
    records = shown.astype(object).where(shown.notna(), None).to_dict(orient="records")
    for rank, record in zip(np.flatnonzero(keep)[first : first + PER_PAGE], records):
        record["rank"] = int(rank) + 1  # the place in the whole ranking, whatever the filters
    per_signal, by_kind = web.cache.get("signal counts", lambda: _counts(ranking))
    return {
        **base,
        "missing": None,
        "icp": source,
        "as_of": ranking.as_of,
        "days": ranking.days,
        "definitions": ranking.definitions,
        "notes": ranking.notes,
        "companies": ranking.companies,
        "events": ranking.events,
        "by_kind": by_kind,
        "signals": [
            {**s.model_dump(mode="json", exclude_none=True), "companies": per_signal[s.id]} for s in ranking.signals
        ],
        "matching": len(chosen),
        "page": number,
        "pages": pages,
        "rows": records,
    }


def register(app: FastAPI) -> None:
    page(app, "/signals", "signals.html", signals_page)
