"""The Workshop page (the 60-minute alignment workshop of methods/002 on a shared screen) and each
persona's empathy map: drafted from the evidence, filled in live by the team, one page as a PDF.

Editing needs the editor role; every save and comment names who and when (in the board's
``changes`` log, the comments file and the audit log). A save carries the revision it was based
on: a board someone saved meanwhile is refused (409) with both versions shown, never overwritten.
The draft of the workshop is gathered once per data load and definitions it depends on (the ICP
and the personas), not per request, and not again when a comment is written.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response

from bullseye.errors import ConflictError, InvalidInputError
from bullseye.web.app import WebContext, page, render, require_role
from bullseye.web.views.icp_brief import printed_pdf

__all__ = ["register", "workshop_page", "empathy_page"]

SECTIONS = ("alignment", "anti_persona", "champion", "before_after")


def _draft(web: WebContext):
    """The workshop drafted from the evidence, once per (data load, ICP, personas)."""
    from bullseye.people.boards import workshop_evidence
    from bullseye.people.workshop import draft_workshop

    strategy = web.ws.strategy_dir
    files = [strategy / "icp.yaml", *sorted((strategy / "personas").glob("*.yaml"))]
    inputs = tuple((str(p), p.stat().st_mtime_ns) for p in files if p.exists())
    return web.cache.get("workshop draft", lambda: draft_workshop(workshop_evidence(web.ws)), inputs, per_load=True)


def _board(web: WebContext):
    from bullseye.people.boards import workspace_workshop
    from bullseye.strategy.workshop import WORKSHOP_FILE

    stored = (web.ws.root / WORKSHOP_FILE).exists()
    return workspace_workshop(web.ws, draft=None if stored else _draft(web))


def _comments(entries: list[dict]) -> dict[str, list[dict]]:
    from bullseye.people.comments import comments_by_field

    return comments_by_field(entries)


def _workshop_data(web: WebContext, section: str | None) -> dict[str, Any]:
    from bullseye.people.workshop import AGENDA

    board = _board(web)
    data = board.to_dict()
    shown = section if section in (*SECTIONS, "all") else SECTIONS[0]
    index = SECTIONS.index(shown) if shown in SECTIONS else None
    return data | {
        "title": "Alignment workshop",
        "section": shown,
        "previous": SECTIONS[index - 1] if index else None,
        "next": SECTIONS[index + 1] if index is not None and index + 1 < len(SECTIONS) else None,
        "agenda": list(AGENDA),
        "comments": _comments(board.comments),
        "changes": list(reversed(data["workshop"]["changes"]))[:8],
        "errors": {},
    }


def workshop_page(web: WebContext, request: Request) -> dict[str, Any]:
    data = _workshop_data(web, request.query_params.get("section"))
    data["saved_now"] = request.query_params.get("saved") == "1"
    return data


def _form(raw) -> dict[str, str]:
    return {k: str(v) for k, v in raw.items() if k != "csrf_token"}


def _refused(request: Request, exc: Exception, data: dict[str, Any], theirs: Path, template: str) -> Response:
    """The page again with the reason: 409 with their saved version beside the unsaved edits, or 422."""
    conflict = isinstance(exc, ConflictError)
    request.state.audit["refused"] = "conflict" if conflict else "invalid"
    if "application/json" in request.headers.get("accept", ""):
        code = 409 if conflict else 422
        return JSONResponse({"error": str(exc), "status": code}, status_code=code)
    data["refused"] = str(exc)
    data["theirs"] = theirs.read_text(encoding="utf-8") if conflict and theirs.exists() else None
    return render(request, template, data, status=409 if conflict else 422)


async def save_workshop(request: Request) -> Response:
    from bullseye.strategy.workshop import WORKSHOP_FILE

    user = require_role(request, "editor")
    web: WebContext = request.app.state.web
    form = _form(await request.form())
    revision, section = form.pop("revision", ""), form.pop("section", "all")
    request.state.audit = {"event": "workshop edit", "section": section}
    stored = (web.ws.root / WORKSHOP_FILE).exists()
    try:
        board = web.ws.save_workshop(form, revision, user.name, draft=None if stored else _draft(web))
    except (ConflictError, InvalidInputError) as exc:
        data = _workshop_data(web, section) | {"submitted": {k: v for k, v in form.items() if v.strip()}}
        return _refused(request, exc, data, web.ws.root / WORKSHOP_FILE, "workshop.html")
    request.state.audit["revision"] = board.revision
    if "application/json" in request.headers.get("accept", ""):
        return JSONResponse({"saved": board.file, "revision": board.revision})
    return RedirectResponse(f"/workshop?section={section}&saved=1#s-{section}", status_code=303)


async def comment_workshop(request: Request) -> Response:
    from bullseye.people.boards import WORKSHOP_COMMENTS

    user = require_role(request, "editor")
    web: WebContext = request.app.state.web
    form = await request.form()
    field, section = str(form.get("field", "")), str(form.get("section", "all"))
    request.state.audit = {"event": "workshop comment", "field": field}
    entry = web.ws.comment(WORKSHOP_COMMENTS, field, str(form.get("text", "")), user.name)
    if "application/json" in request.headers.get("accept", ""):
        return JSONResponse(entry)
    return RedirectResponse(f"/workshop?section={section}#c-{field}", status_code=303)


# -- empathy maps ------------------------------------------------------------------------------------
def _empathy_data(web: WebContext, name: str) -> dict[str, Any]:
    from bullseye.people.empathy import EMPATHY_QUESTIONS

    board = web.ws.empathy_map(name)
    return board.to_dict() | {
        "title": f"Empathy map: {board.board.name}",
        "name": name,
        "labels": EMPATHY_QUESTIONS,
        "comments": _comments(board.comments),
        "changes": list(reversed(board.board.model_dump(mode="json")["changes"]))[:8],
    }


def empathy_page(web: WebContext, request: Request, name: str) -> dict[str, Any]:
    return _empathy_data(web, name) | {"saved_now": request.query_params.get("saved") == "1"}


async def save_empathy(request: Request, name: str) -> Response:
    from bullseye.strategy.workshop import empathy_file

    user = require_role(request, "editor")
    web: WebContext = request.app.state.web
    form = _form(await request.form())
    revision = form.pop("revision", "")
    request.state.audit = {"event": "empathy map edit", "persona": name}
    try:
        board = web.ws.save_empathy_map(name, form, revision, user.name)
    except (ConflictError, InvalidInputError) as exc:
        data = _empathy_data(web, name) | {"submitted": {k: v for k, v in form.items() if v.strip()}}
        return _refused(request, exc, data, web.ws.root / empathy_file(name), "empathy.html")
    request.state.audit["revision"] = board.revision
    if "application/json" in request.headers.get("accept", ""):
        return JSONResponse({"saved": board.file, "revision": board.revision})
    return RedirectResponse(f"/personas/{name}/empathy?saved=1", status_code=303)


async def comment_empathy(request: Request, name: str) -> Response:
    from bullseye.people.boards import empathy_comments_target

    user = require_role(request, "editor")
    web: WebContext = request.app.state.web
    web.ws.empathy_map(name)  # 404 for a persona that does not exist
    form = await request.form()
    field = str(form.get("field", ""))
    request.state.audit = {"event": "empathy comment", "persona": name, "field": field}
    entry = web.ws.comment(empathy_comments_target(name), field, str(form.get("text", "")), user.name)
    if "application/json" in request.headers.get("accept", ""):
        return JSONResponse(entry)
    return RedirectResponse(f"/personas/{name}/empathy#c-{field}", status_code=303)


# -- one-page PDFs (landscape A4; the sheet never grows past one page: static/board-print.css) -------
def workshop_pdf(request: Request) -> Response:
    web: WebContext = request.app.state.web
    with web.cache.pinned():
        data = _workshop_data(web, "all")
    return printed_pdf(web, "workshop_print.html", "board-print.css", data, "workshop.pdf", "/workshop")


def empathy_pdf(request: Request, name: str) -> Response:
    web: WebContext = request.app.state.web
    data = _empathy_data(web, name)
    return printed_pdf(
        web, "empathy_print.html", "board-print.css", data, f"empathy-{name}.pdf", f"/personas/{name}/empathy"
    )


def register(app: FastAPI) -> None:
    app.add_api_route("/workshop.pdf", workshop_pdf, methods=["GET"])
    page(app, "/workshop", "workshop.html", workshop_page)
    app.add_api_route("/workshop", save_workshop, methods=["POST"])
    app.add_api_route("/workshop/comments", comment_workshop, methods=["POST"])
    app.add_api_route("/personas/{name}/empathy.pdf", empathy_pdf, methods=["GET"])
    page(app, "/personas/{name}/empathy", "empathy.html", empathy_page)
    app.add_api_route("/personas/{name}/empathy", save_empathy, methods=["POST"])
    app.add_api_route("/personas/{name}/empathy/comments", comment_empathy, methods=["POST"])
