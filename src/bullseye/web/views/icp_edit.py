"""The ICP editor: the draft ``strategy/icp.yaml`` as a form, its preview against the version in use,
publishing from the preview, and the diff between any two versions.

Every write passes the draft hash the page was built from (a hidden ``draft_hash`` field) to the
drafts check (:mod:`bullseye.strategy.drafts`), so of two editors who loaded the same draft the
second to save gets 409 with both versions shown, never a silent overwrite.
"""

from __future__ import annotations

import threading
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError

from bullseye.errors import BullseyeError, ConflictError, InvalidInputError
from bullseye.strategy.icp import ICP, load_icp, save_icp
from bullseye.web.app import WebContext, page, render, require_role
from bullseye.web.icp_form import (
    OPERATORS,
    apply_action,
    field_errors,
    fields_from_form,
    form_fields,
    parse_form,
    validate,
)
from bullseye.web.jobs import BackgroundJob
from bullseye.web.views.common import current_draft_hash

__all__ = ["draft_page", "save_draft", "preview_page", "publish_draft", "diff_page", "register"]

#: Values offered for an attribute (a datalist) when it has at most this many distinct ones.
MAX_OFFERED_VALUES = 40


def _attributes(web: WebContext) -> dict[str, list[str]]:
    """The account attributes a condition can test, each with its values when they are few."""

    def compute() -> dict[str, list[str]]:
        from bullseye.core.dataset import build_dataset

        frame = build_dataset(web.ws).accounts
        out: dict[str, list[str]] = {}
        for column in sorted(frame.columns):
            if column in ("account_id", "name") or column.startswith("_"):
                continue
            try:
                values = frame[column].dropna().unique()
            except TypeError:  # lists in cells
                continue
            out[column] = (
                sorted(str(v) for v in values)[:MAX_OFFERED_VALUES] if len(values) <= MAX_OFFERED_VALUES else []
            )
        return out

    return web.cache.get("icp_attributes", compute)


def _draft(web: WebContext) -> ICP:
    return load_icp(web.ws.root)


def _form_page(
    web: WebContext,
    fields: dict[str, Any],
    draft_hash: str,
    errors: dict[str, str] | None = None,
    saved: bool = False,
    conflict: dict[str, Any] | None = None,
) -> dict[str, Any]:
    return {
        "title": "Edit the draft ICP",
        "draft_hash": draft_hash,
        "form": fields,
        "errors": errors or {},
        "saved": saved,
        "conflict": conflict,
        "operators": OPERATORS,
        "attributes": _attributes(web),
        "kinds": ["firmographic", "technographic", "behavioural"],
        "rests_on": ["", "loses more", "churns more", "costs more"],
    }


def draft_page(web: WebContext, request: Request) -> dict[str, Any]:
    """The draft as a form (anyone may read it; editors save it)."""
    draft_hash = current_draft_hash(web)
    return _form_page(web, form_fields(_draft(web)), draft_hash, saved=request.query_params.get("saved") == "1")


async def save_draft(request: Request) -> Response:
    """Validate the form through the ICP model and write strategy/icp.yaml, or show the errors inline."""
    web: WebContext = request.app.state.web
    user = require_role(request, "editor")
    form = {k: v for k, v in (await request.form()).multi_items() if isinstance(v, str)}
    seen = form.get("draft_hash", "")
    if not seen:
        raise InvalidInputError("the form has no draft_hash: reload the editor and save again")
    base = _draft(web)
    action = form.get("action", "save")
    if action != "save":  # "add a criterion" and friends: the form again with one row more, nothing written
        fields = apply_action(fields_from_form(form, base), action)
        return render(request, "icp_draft.html", _form_page(web, fields, seen))
    try:
        icp = validate(parse_form(form, base))
    except ValidationError as exc:
        request.state.audit = {"event": "save draft ICP", "result": "invalid"}
        return render(
            request,
            "icp_draft.html",
            _form_page(web, fields_from_form(form, base), seen, errors=field_errors(exc)),
            status=400,
        )
    request.state.audit = {"event": "save draft ICP", "based_on": seen}
    try:
        # The hash check is the guard against overwriting someone; a hand edit in git is not a conflict.
        save_icp(web.ws.root, icp, force=True, expected_hash=seen)
    except ConflictError as exc:
        theirs = (web.ws.root / "strategy" / "icp.yaml").read_text(encoding="utf-8")
        conflict = {"message": str(exc), "theirs": theirs, "yours": icp.to_yaml()}
        return render(
            request,
            "icp_draft.html",
            _form_page(web, fields_from_form(form, base), seen, conflict=conflict),
            status=409,
        )
    request.state.audit["by"] = user.name
    if "application/json" in request.headers.get("accept", ""):
        return Response(f'{{"saved": true, "draft_hash": "{web.ws.draft_hash()}"}}', media_type="application/json")
    return RedirectResponse("/icp/draft?saved=1", status_code=303)


# -- the preview: computed in a background thread, kept by the facade ----------------------------------
class PreviewJobs:
    """``ws.preview()`` takes seconds: the page shows "computing…" until its job is done. The facade
    keeps the preview itself per state of the data (governance/fits.py), so only the latest job is
    kept here: the page's progress, and what the page draws from the preview (its dict and HTML,
    the accounts changing tier, the draft's market), each made once in the job's thread. A job of
    another (draft, data load, version in use) replaces it; a failed one is tried again."""

    def __init__(self) -> None:
        self._key: tuple | None = None
        self._job: BackgroundJob | None = None
        self._lock = threading.Lock()

    def get(self, web: WebContext, draft_hash: str, wait: bool = False) -> dict[str, Any]:
        key = (draft_hash, web.ws.warehouse.generation, _published(web))
        with self._lock:
            job = self._job
            if job is None or key != self._key or job.snapshot()["status"] == "failed":
                job = self._job = BackgroundJob("preview")  # one running for an older key finishes unseen
                self._key = key
                job.start(lambda ws, job: self._preview(web, ws, draft_hash), web.ws.root, "preview")
        if wait:
            job.wait()
        state = job.snapshot()
        return state | {"status": "error"} if state["status"] == "failed" else state

    @staticmethod
    def _preview(web: WebContext, ws: Any, draft_hash: str) -> dict[str, Any]:
        from bullseye.render import as_html

        result = ws.preview(expected_hash=draft_hash)  # an error is shown on the page, not computed forever
        return {
            "shown": {"preview": result.to_dict(), "preview_html": as_html(result)},
            "changes": _tier_changes(web, ws, result),
            "market": _draft_market(ws),
        }


def _published(web: WebContext) -> tuple:
    from bullseye.strategy.versions import VersionStore

    current = VersionStore(web.ws.root).current()
    return (current.number, current.hash) if current else ()


def _tier_changes(web: WebContext, ws: Any, result: Any, limit: int = 200) -> list[dict[str, Any]]:
    """The accounts whose tier differs between the version in use and the draft (the most moved first)."""
    from bullseye.scoring.accounts import score_accounts
    from bullseye.web.views.common import scored_accounts

    if result.current is None or result.fitted_card is None:
        return []
    before = scored_accounts(web)[["account_id", "name", "tier", "fit_score"]]
    after = score_accounts(ws, card=result.draft_card)[["account_id", "tier", "fit_score"]]
    both = before.merge(after, on="account_id", suffixes=("_before", "_after"))
    moved = both[both["tier_before"].astype(str) != both["tier_after"].astype(str)].copy()
    moved["shift"] = (moved["fit_score_after"] - moved["fit_score_before"]).abs()
    moved = moved.sort_values(["shift", "account_id"], ascending=[False, True]).head(limit)
    return [
        {
            "account_id": str(r.account_id),
            "name": r.name,
            "before": str(r.tier_before),
            "after": str(r.tier_after),
            "fit_score_before": float(r.fit_score_before),
            "fit_score_after": float(r.fit_score_after),
        }
        for r in moved.itertuples()
    ]


def _draft_market(ws: Any) -> dict[str, Any]:
    """The waterfall and TAM/SAM/SOM under the draft beside the version in use, or why there are none."""
    if not ws.has_table("universe"):
        return {"note": "No market list loaded, so there is no waterfall: load one on the Data page."}
    try:
        compared = ws.draft_market().to_dict()
    except BullseyeError as exc:
        return {"note": f"The market could not be sized under the draft: {exc}"}
    numbers = [v for row in compared["waterfall"] for v in (row["in_use"], row["draft"]) if v is not None]
    return {**compared, "largest": max(numbers, default=0)}


JOBS = PreviewJobs()


def preview_page(web: WebContext, request: Request) -> dict[str, Any]:
    """What publishing the draft would change: backtest against the version in use on the same holdout,
    the tier-move matrix and the accounts that change tier. The .json twin waits for the result."""
    draft_hash = current_draft_hash(web)
    job = JOBS.get(web, draft_hash, wait=request.url.path.endswith(".json"))
    base = {
        "title": "Preview the draft ICP",
        "draft_hash": draft_hash,
        "status": job["status"],
    }
    if job["status"] == "running":
        return base
    if job["status"] == "error":
        return {**base, "error": job["error"]}
    return {**base, **job["shown"], "accounts_changing": job["changes"], "market": job["market"]}


async def publish_draft(request: Request) -> Response:
    """An owner publishes the previewed draft with a message (and a reason to override the gate)."""
    from bullseye.governance.lifecycle import PublishRefused

    web: WebContext = request.app.state.web
    user = require_role(request, "owner")
    form = await request.form()
    message, force = str(form.get("message", "")).strip(), str(form.get("force", "")).strip() or None
    seen = str(form.get("draft_hash", "")) or None
    request.state.audit = {"event": "publish", "message": message, "force": force, "draft_hash": seen}
    if not seen:
        raise InvalidInputError("the form has no draft_hash: open the preview again and publish from there")
    try:
        result = web.ws.publish(message, force=force, by=user.name, expected_hash=seen)
    except PublishRefused as exc:
        raise ConflictError(
            "not published: " + "; ".join(exc.reasons) + ". Fix the draft, or write the reason "
            "to publish anyway under 'Publish despite the objections' (it is recorded)."
        ) from exc
    request.state.audit["version"] = result.version.number
    request.app.state.warmup.warm(f"version {result.version.number} was published")
    return RedirectResponse(f"/icp/versions/{result.version.number}", status_code=303)


def diff_page(web: WebContext, request: Request) -> dict[str, Any]:
    """The difference between any two versions (``?a=1&b=3``; default: the last two)."""
    from bullseye.render import as_html

    a, b = request.query_params.get("a") or None, request.query_params.get("b") or None
    history = web.ws.history().to_dict()
    base = {"title": "Compare ICP versions", "a": a, "b": b, "history": history}
    if len(history["versions"]) < 2 and (a is None or b is None):
        return {**base, "diff": None, "diff_html": "<p>Two published versions are needed to compare.</p>"}
    result = web.cache.get("diff", lambda: web.ws.diff(a, b), "any", a, b)
    return {**base, "diff": result.to_dict(), "diff_html": as_html(result)}


def register(app: FastAPI) -> None:
    page(app, "/icp/draft", "icp_draft.html", draft_page)
    app.add_api_route("/icp/draft", save_draft, methods=["POST"])
    page(app, "/icp/draft/preview", "icp_preview.html", preview_page)
    app.add_api_route("/icp/draft/publish", publish_draft, methods=["POST"])
    page(app, "/icp/diff", "icp_diff.html", diff_page)
