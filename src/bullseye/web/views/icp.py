"""ICP: the criteria, disqualifiers and signals of the ICP in use with their evidence; the version
history; each version's diff against the one before it."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Form, Request
from fastapi.responses import RedirectResponse, Response

from bullseye.strategy.versions import VersionStore
from bullseye.web.app import WebContext, page, require_role
from bullseye.web.views.common import icp_in_use

__all__ = ["icp_page", "version_page", "rollback_to", "register"]


def _evidence(rule: Any) -> list[dict[str, Any]]:
    return [e.model_dump(mode="json") for e in rule.evidence]


def icp_page(web: WebContext, request: Request) -> dict[str, Any]:
    icp, source = icp_in_use(web)
    versions = [v.to_dict() for v in reversed(VersionStore(web.ws.root).versions())]
    if icp is None:
        return {"title": "ICP", "icp": None, "source": source, "versions": versions}
    return {
        "title": "ICP",
        "source": source,
        "versions": versions,
        "icp": {
            "name": icp.name,
            "description": icp.description,
            "owner": icp.owner,
            "review_date": icp.review_date,
            "tiers": icp.tiers.model_dump(),
            "data_range": icp.data_range,
        },
        "criteria": [
            {
                "id": c.id,
                "name": c.name,
                "label": c.label,
                "kind": c.kind,
                "assumption": c.assumption,
                "note": c.note,
                "evidence": _evidence(c),
            }
            for c in icp.criteria
        ],
        "disqualifiers": [
            {
                "id": d.id,
                "name": d.name,
                "label": d.label,
                "reason": d.reason,
                "assumption": d.assumption,
                "note": d.note,
                "evidence": _evidence(d),
            }
            for d in icp.disqualifiers
        ],
        "signals": [
            {
                "id": s.id,
                "name": s.name,
                "event_type": s.event_type,
                "direction": s.direction,
                "weight": s.weight,
                "half_life_days": s.half_life_days,
                "lookback_days": s.lookback_days,
                "filters": s.filters.model_dump(exclude_none=True),
                "assumption": s.assumption,
                "evidence": _evidence(s),
            }
            for s in icp.signals
        ],
    }


def version_page(web: WebContext, request: Request, ref: str) -> dict[str, Any]:
    """One published version and what changed from the version before it."""
    from bullseye.governance.diff import diff_versions

    store = VersionStore(web.ws.root)
    version = store.get(ref)
    current = store.current()
    before = next((v for v in store.versions() if v.number == version.parent), None) if version.parent else None
    if before is None:
        return {
            "title": f"ICP {version.label}",
            "version": version.to_dict(),
            "diff": None,
            "in_use": current is not None and current.hash == version.hash,
        }
    diff = web.cache.get(
        "diff", lambda: diff_versions(web.ws, before, version).to_dict(), before.number, version.number
    )
    return {
        "title": f"ICP {version.label}",
        "version": version.to_dict(),
        "diff": diff,
        "in_use": current is not None and current.hash == version.hash,
    }


def rollback_to(request: Request, ref: str, message: str = Form(...)) -> Response:
    """An owner publishes an earlier version again (a new version; nothing is deleted)."""
    user = require_role(request, "owner")
    request.state.audit = {"event": "rollback", "to": ref, "message": message}
    result = request.app.state.web.ws.rollback(ref, message, by=user.name)
    request.state.audit["version"] = result.version.number
    request.app.state.warmup.warm(f"rolled back to {ref} as version {result.version.number}")
    return RedirectResponse(f"/icp/versions/{result.version.number}", status_code=303)


def register(app: FastAPI) -> None:
    page(app, "/icp", "icp.html", icp_page)
    page(app, "/icp/versions/{ref}", "version.html", version_page)
    app.add_api_route("/icp/versions/{ref}/rollback", rollback_to, methods=["POST"])
