"""Draft the personas from the Personas page: ``ws.personas()`` then ``ws.save_personas()`` in a
background thread, as `bullseye personas suggest` does, with the step it is at.

A redraft never overwrites what someone edited: ``save_personas`` (without ``force``, which the web
never passes) merges the new draft into each file and keeps every field changed by hand. Because a
redraft still replaces the fields nobody touched, the form asks to confirm it when personas exist.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response

from bullseye.errors import InvalidInputError
from bullseye.web.app import WebContext, require_role
from bullseye.web.jobs import BackgroundJob
from bullseye.web.views.common import has_table

__all__ = ["PersonaDraftRunner", "draft_readiness", "draft_status", "start_draft", "register"]

#: The steps of a draft, in order, as the page names them.
STEPS = {"evidence": "reading the committee, the notes and the themes", "saving": "writing strategy/personas/"}


class PersonaDraftRunner(BackgroundJob):
    """The latest persona draft of this server: idle, running (with its step), done (what each file
    became) or failed."""

    def __init__(self) -> None:
        super().__init__("persona draft", running="the personas are being drafted")

    def start(self, web: WebContext, by: str) -> None:  # type: ignore[override]
        super().start(self._draft, web.ws.root, by, step="evidence")

    def _draft(self, ws, job: BackgroundJob) -> dict[str, Any]:
        drafts = ws.personas()
        self.update(step="saving")
        saved = ws.save_personas(drafts).to_dict()
        return {
            "written": [{k: w[k] for k in ("path", "created", "kept_edits")} for w in saved["written"]],
            "names": [p["name"] for p in saved["personas"]],
        }

    def finished(self, outcome: dict[str, Any]) -> None:
        self.update(step=None)


def _runner(request: Request) -> PersonaDraftRunner:
    return request.app.state.persona_drafts


def draft_readiness(web: WebContext) -> str | None:
    """Why the personas cannot be drafted yet (None when they can): they need the draft ICP and who
    was on the deals."""
    from bullseye.strategy.icp import ICP_FILE

    missing = [t for t in ("contacts", "deal_contacts") if not has_table(web, t)]
    if missing:
        return f"drafting personas needs the {' and '.join(missing)} tables: load them on the Data page"
    if not (web.ws.root / ICP_FILE).exists():
        return "personas come after the ICP: add segments to the draft ICP from the Discovery page first"
    return None


def _has_personas(web: WebContext) -> bool:
    from bullseye.strategy.persona import PERSONAS_DIR

    folder = web.ws.root / PERSONAS_DIR
    return folder.is_dir() and any(folder.glob("*.yaml"))


def draft_status(web: WebContext, request: Request) -> dict[str, Any]:
    """The latest draft: its status and step, or what each file became, or why it failed; whether
    drafting is possible now and whether it would redraft existing personas."""
    state = _runner(request).snapshot()
    if state.get("step"):
        state["step_label"] = STEPS[state["step"]]
    return {"draft": state, "blocked": draft_readiness(web), "redraft": _has_personas(web)}


def _status_json(request: Request) -> Response:
    from bullseye.web.render import to_json

    web: WebContext = request.app.state.web
    return Response(to_json(draft_status(web, request)), media_type="application/json")


async def start_draft(request: Request) -> Response:
    """Start drafting (editors); a redraft over existing personas needs ``confirm=redraft``."""
    web: WebContext = request.app.state.web
    user = require_role(request, "editor")
    form = await request.form()
    blocked = draft_readiness(web)
    if blocked:
        raise InvalidInputError(blocked)
    redraft = _has_personas(web)
    if redraft and str(form.get("confirm", "")) != "redraft":
        raise InvalidInputError(
            "personas exist already: tick the confirmation to redraft them (fields edited by hand are kept)"
        )
    request.state.audit = {"event": "redraft personas" if redraft else "draft personas"}
    _runner(request).start(web, user.name)
    if "application/json" in request.headers.get("accept", ""):
        return Response('{"started": true, "status": "/personas/draft.json"}', media_type="application/json")
    return RedirectResponse("/personas", status_code=303)  # no fragment: the refresh must reload


def register(app: FastAPI) -> None:
    """Registered before ``/personas/{name}``, which would otherwise take "draft" for a persona."""
    app.state.persona_drafts = PersonaDraftRunner()
    app.add_api_route("/personas/draft.json", _status_json, methods=["GET"])
    app.add_api_route("/personas/draft", start_draft, methods=["POST"])
