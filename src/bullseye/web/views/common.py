"""Small helpers the views share: the ICP in use and the scored accounts (both cached)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from bullseye.strategy.icp import ICP
from bullseye.strategy.versions import VersionStore

__all__ = ["icp_in_use", "scoring_basis", "scored_accounts", "table_counts", "has_table", "current_draft_hash"]


def icp_in_use(web) -> tuple[ICP | None, dict[str, Any]]:
    """The ICP of ``Workspace.strategy_in_use()`` (the latest published version, else the draft
    ``strategy/icp.yaml``, else None) and where it comes from, once per (data load, definitions)."""

    def compute() -> tuple[ICP | None, dict[str, Any]]:
        in_use = web.ws.strategy_in_use()
        if in_use is None:
            return None, {"source": "none", "label": "no ICP yet"}
        current = in_use.version
        if current is None:
            return in_use.icp, {"source": "draft", "label": "draft (not published)"}
        return in_use.icp, {
            "source": "published",
            "version": current.number,
            "hash": current.hash,
            "label": current.label,
            "published_at": current.published_at,
            "published_by": current.published_by,
            "message": current.message,
        }

    return web.cache.get("icp_in_use", compute)


def scored_accounts(web) -> pd.DataFrame:
    """Every CRM account scored by the ICP in use, once per (data load, definitions)."""
    from bullseye.scoring.accounts import score_accounts

    basis = scoring_basis(web)
    if basis is None:
        return pd.DataFrame()
    card, accounts = basis
    return web.cache.get("scores", lambda: score_accounts(web.ws, frame=accounts, card=card))


def scoring_basis(web) -> tuple[Any, pd.DataFrame] | None:
    """The scorecard in use and the CRM accounts it scores (None without an ICP), once per (data
    load, definitions): a published version's stored scorecard, as ``bullseye score`` uses it (no
    fit), else the ICP in use fitted on the data (the draft; a version stored without its
    scorecard); the scores and each account's explanation share it."""
    from bullseye.governance.fits import fit_memo
    from bullseye.governance.published import published_card

    icp, _ = icp_in_use(web)
    if icp is None:
        return None

    def compute() -> tuple[Any, pd.DataFrame]:
        memo = fit_memo(web.ws)  # the draft's fit is the one its preview makes: fitted once for both
        accounts = memo.dataset(web.ws).accounts
        current = VersionStore(web.ws.root).current()
        if current is not None and current.artefact("scorecard") is not None:
            return published_card(current), accounts
        return memo.scorecard(web.ws, icp), accounts

    return web.cache.get("scoring basis", compute)


def table_counts(web) -> list[dict[str, Any]]:
    """Each loaded canonical table with its row count, once per data load."""
    ws = web.ws
    return web.cache.get(
        "tables", lambda: [{"name": name, "rows": int(ws.table(name).count().execute())} for name in ws.loaded_tables()]
    )


def has_table(web, name: str) -> bool:
    """Whether ``name`` is loaded, asked of the warehouse once per data load, not per request."""
    return name in web.cache.get("loaded tables", web.ws.loaded_tables)


def current_draft_hash(web) -> str:
    """The draft's hash (it parses every definition file), once per state of the draft files; a
    write checks it again itself, so a stale page is refused, never merged."""
    return web.cache.get("draft hash", web.ws.draft_hash)
