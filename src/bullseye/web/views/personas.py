"""Personas: the buying committee, the cards, the themes (with "possibly the same" pairs to merge in
one click), and one persona's every field as a form with its evidence, its assumption flag and
comments. Quotes link to the note page that shows the note they come from.

Saving carries the hash of the file the form was read from: a save over a file someone else changed
meanwhile is refused (409) with both versions shown, never written over. Editing, merging and
commenting need the editor role; every one is in the audit log.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response

from bullseye.errors import ConflictError, NotFoundError
from bullseye.web.app import WebContext, page, render, require_role
from bullseye.web.views.common import has_table, icp_in_use

__all__ = ["note_page", "persona_page", "personas_page", "register"]

FIELD_LABELS = {
    "name": "Name",
    "committee_role": "Role in the buying committee",
    "function": "Job function",
    "seniority": "Seniority",
    "engage_order": "Engage in order (1 = first)",
    "owner": "Owner",
    "review_date": "Next review",
    "titles": "Typical titles (one per line)",
    "role": "Role and responsibilities",
    "engage_when": "Why engage at that point",
    "decision_style": "How they decide",
    "hook": "Hook",
    "trap": "Trap",
    "three_questions.midnight_worry": "What keeps them up at night",
    "three_questions.watercooler_brag": "What they want to boast about",
    "three_questions.killer_objection": "The objection that kills the deal",
    "pains": "Pains",
    "goals": "Goals and KPIs",
    "where_they_learn": "Where they learn",
    "objections": "Objections",
    "internal_influencers": "Internal influencers",
    "who": "Who they are",
    "why_not": "Why not serve them",
    "red_flags": "Red flags",
}
THEMES_SHOWN = 30


def _target(name: str) -> str:
    return f"personas-{name}"


# -- the Personas page ------------------------------------------------------------------------------
def _mined_themes(web: WebContext):
    """The themes as mined from the notes, once per data load: a comment or a merge (files in
    strategy/) must not make the page mine every note again; merges are applied per request."""
    from bullseye.people.roles import contact_roles
    from bullseye.people.theme_kinds import VOICE_KINDS
    from bullseye.people.themes import workspace_themes

    return web.cache.get(
        "mined themes",
        lambda: workspace_themes(web.ws, roles=contact_roles(web.ws), kinds=VOICE_KINDS, merge=False),
        per_load=True,
    )


def _themes(web: WebContext) -> dict[str, Any]:
    """The themes with the merges applied, once per (data load, strategy/theme-merges.yaml)."""
    from bullseye.people.theme_merge import MERGES_FILE, apply_merges

    if not has_table(web, "notes"):
        return {"available": False, "reason": "no notes loaded: load interview, call or survey notes to hear themes"}
    merges = web.ws.root / MERGES_FILE
    stat = merges.stat() if merges.exists() else None
    mined = _mined_themes(web)

    def compute() -> dict[str, Any]:
        report = apply_merges(mined, web.ws.root)
        data = web.cache.get("committee dict", report.to_dict)
        return {
            "available": True,
            "themes": data["themes"][:THEMES_SHOWN],
            "total": len(data["themes"]),
            "merges": report.summary.get("merges", []),
            "possibly_same": report.summary.get("possibly_same", []),
        }

    return web.cache.get("theme view", compute, stat and (stat.st_mtime_ns, stat.st_size), per_load=True)


def _committee(web: WebContext) -> dict[str, Any] | None:
    from bullseye.people.committee import committee_report

    if not (has_table(web, "deal_contacts") and has_table(web, "contacts")):
        return None
    icp, _ = icp_in_use(web)
    report = web.cache.get("committee", lambda: committee_report(web.ws, icp))
    data = report.to_dict()
    return {
        "scope": data["scope"],
        "deals": data["deals"],
        "won": data["won"],
        "presence": data["presence"],
        "effects": [e for e in data["effects"] if e.get("strength") in ("strong", "suggestive")][:8],
    }


def _cards(web: WebContext) -> list[dict[str, Any]]:
    from bullseye.strategy.persona import load_personas

    cards = []
    for d in web.cache.get("personas", lambda: load_personas(web.ws.root)):
        statements = d.pains if d.kind == "persona" else d.red_flags
        cards.append(
            {
                "id": d.id,
                "name": d.name,
                "kind": d.kind,
                "committee_role": getattr(d, "committee_role", None),
                "titles": getattr(d, "titles", [])[:3],
                "engage_order": getattr(d, "engage_order", None),
                "summary": (d.role if d.kind == "persona" else d.who).text,
                "points": [s.text for s in statements[:3]],
                "assumptions": sum(1 for s in _statements(d) if s.assumption),
                "owner": d.owner,
                "review_date": d.review_date,
            }
        )
    return sorted(cards, key=lambda c: (c["kind"] != "persona", c["engage_order"] or 99, c["name"]))


def _statements(definition) -> list:
    from bullseye.strategy.persona import Statement

    out = []
    for value in definition.__dict__.values():
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, Statement):
                out.append(item)
            elif hasattr(item, "__dict__"):
                out += [v for v in item.__dict__.values() if isinstance(v, Statement)]
    return out


def personas_page(web: WebContext, request: Request) -> dict[str, Any]:
    from bullseye.web.views.persona_drafts import draft_status

    return draft_status(web, request) | {
        "title": "Personas",
        "committee": _committee(web),
        "cards": _cards(web),
        "themes": _themes(web),
        "merged": request.query_params.get("merged"),
    }


async def merge_themes(request: Request) -> Response:
    """Merge two themes into one (or split a merge) for everyone: strategy/theme-merges.yaml."""
    user = require_role(request, "editor")
    form = await request.form()
    a, b, action = str(form.get("label_a", "")), str(form.get("label_b", "")), str(form.get("action", "merge"))
    request.state.audit = {"event": f"themes {action}", "labels": [a, b]}
    web: WebContext = request.app.state.web
    web.ws.merge_themes(a, b, by=user.name, split=action == "split")
    if "application/json" in request.headers.get("accept", ""):
        return JSONResponse({"merged" if action == "merge" else "split": [a, b]})
    return RedirectResponse(f"/personas?merged={action}#themes", status_code=303)


# -- one persona ------------------------------------------------------------------------------------
def _statement_view(statement: Any, path: str) -> dict[str, Any]:
    data = statement.model_dump(mode="json") if statement is not None else {"text": "", "assumption": False}
    view = {
        "path": path,
        "text": data.get("text", ""),
        "assumption": bool(data.get("assumption")),
        "evidence": data.get("evidence"),
    }
    if "answer" in data or path.startswith("objections."):
        view["answer"] = (
            _statement_view(getattr(statement, "answer", None), f"{path}.answer")
            if statement is not None
            else {"path": f"{path}.answer", "text": "", "assumption": False, "evidence": None}
        )
    return view


def _persona_view(persona: Any) -> dict[str, Any]:
    from bullseye.people.persona_edit import SCALARS, STATEMENT_LISTS, STATEMENTS
    from bullseye.strategy.persona import COMMITTEE_ROLES

    kind = persona.kind
    data = persona.model_dump(mode="json")
    scalars = [
        {
            "path": n,
            "label": FIELD_LABELS[n],
            "value": data.get(n),
            "input": "select"
            if n == "committee_role"
            else "number"
            if n == "engage_order"
            else "date"
            if n == "review_date"
            else "text",
            "options": list(COMMITTEE_ROLES) if n == "committee_role" else None,
        }
        for n in SCALARS[kind]
    ]
    statements = []
    for path in STATEMENTS[kind]:
        node = persona
        for part in path.split("."):
            node = getattr(node, part)
        statements.append(_statement_view(node, path) | {"label": FIELD_LABELS[path]})
    lists: list[dict[str, Any]] = [
        {
            "name": n,
            "label": FIELD_LABELS[n],
            "items": [_statement_view(s, f"{n}.{i}") for i, s in enumerate(getattr(persona, n))],
            "new": _statement_view(None, f"{n}.{len(getattr(persona, n))}")
            if n != "objections"
            else {**_statement_view(None, f"{n}.{len(getattr(persona, n))}")},
        }
        for n in STATEMENT_LISTS[kind]
    ]
    return {
        "id": persona.id,
        "name": persona.name,
        "kind": kind,
        "icp": persona.icp,
        "scalars": scalars,
        "titles": "\n".join(getattr(persona, "titles", [])) if kind == "persona" else None,
        "statements": statements,
        "lists": lists,
        "generated_by": persona.generated_by,
    }


def _persona_data(web: WebContext, name: str) -> dict[str, Any]:
    from bullseye.people.persona_edit import read_persona

    persona, digest = read_persona(web.ws.root, name)
    comments: dict[str, list] = {}
    for comment in web.ws.comments(_target(name)):
        comments.setdefault(str(comment["field"]), []).append(comment)
    view = _persona_view(persona)
    return {
        "title": persona.name,
        "file": f"strategy/personas/{name}.yaml",
        "name": name,
        "hash": digest,
        "persona": view,
        "comments": comments,
        "errors": {},
        "comment_paths": _field_paths(view),
    }


def _field_paths(view: dict[str, Any]) -> list[str]:
    """Every field of the form a comment can be left on."""
    paths = [f["path"] for f in view["scalars"]] + (["titles"] if view["titles"] is not None else [])
    statements = list(view["statements"])
    for group in view["lists"]:
        statements += group["items"] + [group["new"]]
    for s in statements:
        paths.append(f"{s['path']}.text")
        if s.get("answer"):
            paths.append(f"{s['answer']['path']}.text")
    return paths


def persona_page(web: WebContext, request: Request, name: str) -> dict[str, Any]:
    data = _persona_data(web, name)
    data["saved"] = request.query_params.get("saved") == "1"
    return data


async def save_persona(request: Request, name: str) -> Response:
    from bullseye.people.persona_edit import PersonaFormError

    require_role(request, "editor")
    web: WebContext = request.app.state.web
    form = {k: str(v) for k, v in (await request.form()).items() if k not in ("csrf_token",)}
    expected = form.pop("hash", "")
    request.state.audit = {"event": "persona edit", "persona": name}
    wants_json = "application/json" in request.headers.get("accept", "")
    try:
        _, digest = web.ws.save_persona_form(name, form, expected)
    except PersonaFormError as exc:
        request.state.audit["refused"] = "invalid"
        if wants_json:
            return JSONResponse({"error": str(exc), "status": 422, "errors": exc.errors}, status_code=422)
        data = _persona_data(web, name) | {"errors": exc.errors, "submitted": form}
        return render(request, "persona.html", data, status=422)
    except ConflictError as exc:
        request.state.audit["refused"] = "conflict"
        if wants_json:
            return JSONResponse({"error": str(exc), "status": 409}, status_code=409)
        data = _persona_data(web, name) | {"conflict": str(exc), "submitted": form}
        data["theirs"] = (web.ws.root / data["file"]).read_text(encoding="utf-8")
        return render(request, "persona.html", data, status=409)
    request.state.audit["hash"] = digest
    if wants_json:
        return JSONResponse({"saved": name, "hash": digest})
    return RedirectResponse(f"/personas/{name}?saved=1", status_code=303)


async def comment(request: Request, name: str) -> Response:
    from bullseye.people.persona_edit import persona_file

    user = require_role(request, "editor")
    web: WebContext = request.app.state.web
    persona_file(web.ws.root, name)  # 404 for a persona that does not exist
    form = await request.form()
    field = str(form.get("field", ""))
    request.state.audit = {"event": "comment", "persona": name, "field": field}
    entry = web.ws.comment(_target(name), field, str(form.get("text", "")), user.name)
    if "application/json" in request.headers.get("accept", ""):
        return JSONResponse(entry)
    return RedirectResponse(f"/personas/{name}#f-{field}", status_code=303)


# -- notes, where quotes come from ------------------------------------------------------------------
def note_page(web: WebContext, request: Request, note_id: str) -> dict[str, Any]:
    if not has_table(web, "notes"):
        raise NotFoundError("no notes are loaded in this workspace")
    notes = web.ws.table("notes")
    columns = [
        c
        for c in ("note_id", "account_id", "deal_id", "contact_id", "note_type", "created_at", "body")
        if c in notes.columns
    ]
    rows = notes.filter(notes["note_id"] == note_id).select(*columns).limit(1).to_pandas()
    if rows.empty:
        raise NotFoundError(f"no note '{note_id}' in the notes table")
    note = {k: (None if pd.isna(v) else v) for k, v in rows.iloc[0].to_dict().items()}
    return {"title": f"Note {note_id}", "note": note}


def register(app: FastAPI) -> None:
    from bullseye.web.views import persona_drafts

    page(app, "/personas", "personas.html", personas_page)
    persona_drafts.register(app)  # before "/personas/{name}", which would take "draft" for a name
    app.add_api_route("/personas/themes/merge", merge_themes, methods=["POST"])
    page(app, "/personas/{name}", "persona.html", persona_page)
    app.add_api_route("/personas/{name}", save_persona, methods=["POST"])
    app.add_api_route("/personas/{name}/comments", comment, methods=["POST"])
    page(app, "/notes/{note_id}", "note.html", note_page)
