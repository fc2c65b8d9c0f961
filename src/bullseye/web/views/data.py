"""Data: upload exports, choose or edit the mapping with a preview, load with progress, and browse
and download the quarantine.

File names from a request are only ever matched against the exports listed in ``data/``; no path
is built from them. Everything that changes the workspace needs the editor role.
"""

from __future__ import annotations

import shutil
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, JSONResponse, RedirectResponse, Response
from starlette.background import BackgroundTask

from bullseye.config import PRESET_NAMES, SETTINGS_FILE
from bullseye.core.schema import TABLES
from bullseye.errors import InvalidInputError, MappingError, NotFoundError
from bullseye.ingest.quarantine import PER_PAGE
from bullseye.paths import contained
from bullseye.web.app import Forbidden, WebContext, page, require_role
from bullseye.web.auth import SessionSigner
from bullseye.web.views.common import table_counts

__all__ = ["register", "data_page", "mapping_page", "preview_page", "load_page", "quarantine_page"]

#: Where an edited mapping is saved when the workspace has none yet (relative to the workspace).
DEFAULT_MAPPING = "mapping.yaml"
KEEP, LEAVE_OUT = "", "-"


def _runner(request: Request):
    from bullseye.web.loads import LoadRunner

    state = request.app.state
    if not hasattr(state, "loads"):
        state.loads = LoadRunner(after=lambda: state.warmup.warm("a load finished"))
    return state.loads


def _export(web: WebContext, name: str) -> Path:
    """The export in ``data/`` called exactly ``name``; nothing else is reachable."""
    found = {p.name: p for p in web.ws.export_files()}
    if name not in found:
        raise NotFoundError(f"no export called '{name}' in data/; the exports are: {', '.join(found) or 'none'}")
    return found[name]


def _mapping_files(web: WebContext) -> list[str]:
    """YAML files in the workspace folder and data/ that can be mappings (relative paths)."""
    root = web.ws.root
    found = []
    for folder in (root, web.ws.data_dir):
        if folder.is_dir():
            found += [
                p.relative_to(root).as_posix()
                for p in sorted(folder.iterdir())
                if p.is_file() and p.suffix in (".yaml", ".yml") and p.name != SETTINGS_FILE
            ]
    current = web.ws.settings.load.mapping
    return sorted(set(found) | ({current} if current else set()))


def _limit_mb(web: WebContext) -> float:
    return web.ws.settings.load.upload_max_mb


# -- the Data page --------------------------------------------------------------------------------
def data_page(web: WebContext, request: Request) -> dict[str, Any]:
    ws = web.ws
    files = [
        {
            "name": p.name,
            "bytes": p.stat().st_size,
            "modified": datetime.fromtimestamp(p.stat().st_mtime).isoformat(timespec="minutes"),
        }
        for p in ws.export_files()
    ]
    names = {f["name"] for f in files}
    quarantine = web.cache.get("quarantine summary", lambda: ws.quarantine(limit=0).to_dict())
    return {
        "title": "Data",
        "files": files,
        "upload_max_mb": _limit_mb(web),
        "uploaded": [n for n in request.query_params.getlist("uploaded") if n in names],
        "preset": ws.settings.load.preset,
        "mapping": ws.settings.load.mapping,
        "tables": table_counts(web) if ws.warehouse.path.exists() else [],
        "load": _runner(request).snapshot(),
        "quarantine": {"total": quarantine["total"], "tables": quarantine["tables"]},
    }


async def upload(request: Request) -> Response:
    """Exports dropped or chosen on the Data page, streamed into data/ (editor role)."""
    from bullseye.web.upload import receive_upload

    web: WebContext = request.app.state.web
    require_role(request, "editor")
    request.state.audit = {"event": "upload"}

    def check_csrf(token: str | None) -> None:
        if not request.state.csrf_checked and not SessionSigner.csrf_matches(request.state.session, token):
            raise Forbidden("missing or wrong CSRF token: reload the page and try again")

    saved = await receive_upload(
        request, web.ws.data_dir, web.ws.root, web.ws.state_dir / "uploads", int(_limit_mb(web) * 1_000_000), check_csrf
    )
    names = [p.name for p in saved]
    request.state.audit["files"] = names
    if "application/json" in request.headers.get("accept", ""):
        return JSONResponse({"saved": names})
    query = "&".join(f"uploaded={n}" for n in names)  # safe names: letters, digits, . - _
    return RedirectResponse(f"/data?{query}", status_code=303)


# -- mapping: choose a preset or file, or edit one file's columns ---------------------------------
def mapping_page(web: WebContext, request: Request) -> dict[str, Any]:
    from bullseye.ingest.mapping import (
        FileMapping,
        MappingFile,
        guess_table,
        load_mapping,
        plan_file,
    )
    from bullseye.ingest.preview import first_rows
    from bullseye.ingest.readers import open_reader

    ws = web.ws
    settings = ws.settings.load
    base = {
        "title": "Mapping",
        "presets": list(PRESET_NAMES),
        "preset": settings.preset,
        "mapping": settings.mapping,
        "mapping_files": _mapping_files(web),
        "files": [p.name for p in ws.export_files()],
        "tables": list(TABLES),
        "editor": None,
    }
    name = request.query_params.get("file")
    if not name:
        return base
    path = _export(web, name)
    reader = open_reader(path)
    mapping_path = (
        contained(ws.root / settings.mapping, [ws.root], f"{SETTINGS_FILE}: load.mapping") if settings.mapping else None
    )
    mapping = load_mapping(mapping_path) if mapping_path and mapping_path.exists() else MappingFile()
    entry = next((e for e in mapping.files if e.match == path.name), None)
    table = request.query_params.get("table") or (entry.table if entry else None)
    if table and table not in TABLES:
        raise InvalidInputError(f"table must be one of {', '.join(TABLES)}, not '{table}'")
    if table is None:
        try:
            table = guess_table(path, reader.header, settings.preset).name
        except MappingError:
            table = next(iter(TABLES))

    draft = MappingFile(
        files=[
            FileMapping(
                match=path.name,
                table=table,
                columns=dict(entry.columns) if entry and entry.table == table else {},
                skip=list(entry.skip) if entry and entry.table == table else [],
            )
        ]
    )
    try:
        plan = plan_file(path, reader.header, settings.preset, draft)[0]
        chosen = {s: t for t, sources in plan.sources.items() for s in sources if t in TABLES[table].column_names}
        problem = None
    except MappingError as exc:
        chosen, problem = {}, str(exc)
    skipped = set(draft.files[0].skip)
    sample, _ = first_rows(reader, 5)
    examples = {name: next((v for v in sample[name].to_pylist() if v), None) for name in reader.header}
    columns = [
        {
            "source": s,
            "raw": r,
            "target": LEAVE_OUT if s in skipped else chosen.get(s, KEEP),
            "example": examples.get(s),
        }
        for s, r in zip(reader.header, reader.raw_header)
    ]
    targets = [
        {"name": c.name, "type": "text" if c.type == "string" else c.type, "required": c.name in TABLES[table].required}
        for c in TABLES[table].columns
    ]
    return {
        **base,
        "editor": {
            "file": path.name,
            "table": table,
            "columns": columns,
            "targets": targets,
            "problem": problem,
            "saved_entry": entry is not None,
        },
    }


def _save_settings(web: WebContext, preset: str, mapping: str | None) -> None:
    from bullseye.yamlio import dump_model

    ws = web.ws
    load = ws.settings.load.model_copy(update={"preset": preset, "mapping": mapping})
    ws.settings = ws.settings.model_copy(update={"load": load})
    dump_model(ws.settings, ws.root / SETTINGS_FILE)


async def choose_mapping(request: Request) -> Response:
    """Use a preset and a mapping file (or none) for the next loads; saved in bullseye.yaml."""
    from bullseye.ingest.mapping import load_mapping

    web: WebContext = request.app.state.web
    require_role(request, "editor")
    form = await request.form()
    preset, mapping = str(form.get("preset", "")), str(form.get("mapping", "")) or None
    request.state.audit = {"event": "choose mapping", "preset": preset, "mapping": mapping}
    if preset not in PRESET_NAMES:
        raise InvalidInputError(f"unknown preset '{preset}'; the known presets are {', '.join(PRESET_NAMES)}")
    if mapping is not None:
        if mapping not in _mapping_files(web):
            raise NotFoundError(f"no mapping file '{mapping}' in the workspace or data/")
        load_mapping(web.ws.root / mapping)  # a broken mapping is refused here, with its line
    _save_settings(web, preset, mapping)
    return RedirectResponse("/data/preview", status_code=303)


async def edit_mapping(request: Request) -> Response:
    """Save one file's table and columns into the mapping file (YAML stays the stored truth)."""
    from bullseye.ingest.mapping import (
        FileMapping,
        MappingFile,
        load_mapping,
        plan_file,
    )
    from bullseye.ingest.readers import open_reader

    web: WebContext = request.app.state.web
    ws = web.ws
    require_role(request, "editor")
    form = await request.form()
    path = _export(web, str(form.get("file", "")))
    table = str(form.get("table", ""))
    request.state.audit = {"event": "edit mapping", "file": path.name, "table": table}
    if table not in TABLES:
        raise InvalidInputError(f"table must be one of {', '.join(TABLES)}, not '{table}'")
    header = open_reader(path).header
    sources, targets = form.getlist("source"), form.getlist("target")
    if len(sources) != len(targets):
        raise InvalidInputError("the mapping form is incomplete: reload the page and try again")
    allowed = set(TABLES[table].column_names)
    columns: dict[str, str | list[str]] = {}
    skip: list[str] = []
    for source, target in zip(map(str, sources), map(str, targets)):
        if source not in header:
            raise InvalidInputError(f"{path.name} has no column '{source}'; its columns are: {', '.join(header)}")
        if target == LEAVE_OUT:
            skip.append(source)
        elif target != KEEP:
            if target not in allowed:
                raise InvalidInputError(f"'{target}' is not a column of {table}; its columns are: {', '.join(allowed)}")
            if target in columns:
                raise InvalidInputError(
                    f"both '{columns[target]}' and '{source}' are mapped to {table}.{target}; choose one"
                )
            columns[target] = source
    relative = ws.settings.load.mapping or DEFAULT_MAPPING
    mapping_path = contained(ws.root / relative, [ws.root], f"{SETTINGS_FILE}: load.mapping")
    mapping = load_mapping(mapping_path) if mapping_path.exists() else MappingFile()
    old = next((e for e in mapping.files if e.match == path.name), None)
    keep = old.model_dump(exclude={"match", "table", "columns", "skip"}) if old and old.table == table else {}
    entry = FileMapping(match=path.name, table=table, columns=columns, skip=skip, **keep)
    files = [entry if e is old else e for e in mapping.files] if old else [*mapping.files, entry]
    updated = mapping.model_copy(update={"files": files})
    plan_file(
        path, header, updated.preset or ws.settings.load.preset, updated, mapping_path.parent
    )  # refuse a mapping that cannot load
    _write_mapping(updated, mapping_path)
    _save_settings(web, ws.settings.load.preset, relative)
    request.state.audit["mapping"] = relative
    return RedirectResponse(f"/data/preview?file={path.name}", status_code=303)


def _write_mapping(mapping, path: Path) -> None:
    """Only what differs from the defaults, in the order a person writes it by hand."""
    import yaml

    data = mapping.model_dump(mode="json", exclude_defaults=True)
    data["files"] = [e.model_dump(mode="json", exclude_defaults=True) for e in mapping.files]
    text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
    temporary = path.with_name(f".{path.name}.saving")
    temporary.write_text(text, encoding="utf-8")
    temporary.replace(path)


# -- preview and load -----------------------------------------------------------------------------
def _inputs(web: WebContext, files: list[Path]) -> tuple:
    """What a preview depends on besides the definitions: the files, the settings, the mapping file."""

    def stamp(path: Path) -> tuple:
        stat = path.stat() if path.exists() else None
        return (str(path), stat.st_mtime_ns, stat.st_size) if stat else (str(path),)

    load = web.ws.settings.load
    mapping = stamp(web.ws.root / load.mapping) if load.mapping else None
    return tuple(stamp(f) for f in files), load.preset, mapping, stamp(web.ws.root / SETTINGS_FILE)


def preview_page(web: WebContext, request: Request) -> dict[str, Any]:
    names = request.query_params.getlist("file")
    files = [_export(web, n) for n in names] or web.ws.export_files()
    preview = (
        web.cache.get("preview", lambda: web.ws.preview_mapping(files).to_dict(), *_inputs(web, files))
        if files
        else None
    )
    return {
        "title": "Preview",
        "chosen": names,
        "files": [p.name for p in web.ws.export_files()],
        "preset": web.ws.settings.load.preset,
        "mapping": web.ws.settings.load.mapping,
        "preview": preview,
    }


async def start_load(request: Request) -> Response:
    """Load the chosen exports (default: all in data/) in a background thread (editor role)."""
    web: WebContext = request.app.state.web
    user = require_role(request, "editor")
    form = await request.form()
    names = [str(n) for n in form.getlist("file")]
    files = [_export(web, n) for n in names] or web.ws.export_files()
    request.state.audit = {"event": "load", "files": [f.name for f in files]}
    if not files:
        raise InvalidInputError("no exports in data/ to load: upload one first")
    _runner(request).start(web.ws.root, files, user.name)
    if "application/json" in request.headers.get("accept", ""):
        return JSONResponse(_runner(request).snapshot(), status_code=202)
    return RedirectResponse("/data/load", status_code=303)


def load_page(web: WebContext, request: Request) -> dict[str, Any]:
    state = _runner(request).snapshot()
    progress = state.get("progress") or {}
    total = progress.get("files_total") or 0
    return {"title": "Load", **state, "fraction": (progress.get("files_started", 0) / total) if total else None}


# -- quarantine -----------------------------------------------------------------------------------
def _filters(request: Request) -> tuple[str | None, str | None]:
    table = request.query_params.get("table") or None
    if table is not None and table not in TABLES:
        raise InvalidInputError(f"table must be one of {', '.join(TABLES)}, not '{table}'")
    return table, request.query_params.get("reason") or None


def quarantine_page(web: WebContext, request: Request) -> dict[str, Any]:
    table, reason = _filters(request)
    text = request.query_params.get("page") or "1"
    if not text.isdigit():
        raise InvalidInputError(f"page must be a whole number, not '{text}'")
    result = web.ws.quarantine(table=table, reason=reason, limit=PER_PAGE, page=int(text)).to_dict()
    return {"title": "Quarantine", **result}


def quarantine_csv(request: Request) -> Response:
    """The quarantine (filtered as on the page) as a formula-safe CSV."""
    from bullseye.ingest.quarantine import quarantine_rows
    from bullseye.io import write_csv

    web: WebContext = request.app.state.web
    table, reason = _filters(request)
    rows = quarantine_rows(web.ws, table, reason)
    if rows is None:
        raise NotFoundError("nothing has been loaded yet, so nothing has been set aside")
    inside = str(web.ws.root) + "/"  # the server's own folders stay on the server
    rows = rows.select(
        table=rows["table_name"],
        file=rows["file"].replace(inside, ""),
        line=rows["line"],
        column=rows["column"],
        value=rows["value"],
        reason=rows["reason"],
        action=rows["action"],
    )
    folder = tempfile.mkdtemp(prefix="bullseye-quarantine-")
    path = write_csv(rows, Path(folder) / "quarantine.csv")  # neutralised and streamed out by DuckDB
    name = "quarantine" + (f"-{table}" if table else "") + ".csv"
    return FileResponse(
        path,
        media_type="text/csv; charset=utf-8",
        filename=name,
        background=BackgroundTask(shutil.rmtree, folder, ignore_errors=True),
    )


def register(app: FastAPI) -> None:
    page(app, "/data", "data.html", data_page)
    app.add_api_route("/data/upload", upload, methods=["POST"])
    page(app, "/data/mapping", "data_mapping.html", mapping_page)
    app.add_api_route("/data/mapping/choose", choose_mapping, methods=["POST"])
    app.add_api_route("/data/mapping/edit", edit_mapping, methods=["POST"])
    page(app, "/data/preview", "data_preview.html", preview_page)
    app.add_api_route("/data/load", start_load, methods=["POST"])
    page(app, "/data/load", "data_load.html", load_page)
    app.add_api_route("/data/quarantine.csv", quarantine_csv, methods=["GET"])
    page(app, "/data/quarantine", "data_quarantine.html", quarantine_page)
