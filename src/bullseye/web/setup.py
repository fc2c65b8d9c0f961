"""A workspace created from the browser: ``bullseye serve --workspace NEWDIR`` on a missing or empty
folder serves one page that asks for the company name and the owner, creates the workspace there,
and from then on serves the workspace's own app (the Data page first).

Only on this computer (a loopback bind; there are no users yet who could log in): the form carries a
secret token made when the server started, so a page elsewhere cannot post it, and a request naming
another host (DNS rebinding) is refused, as the workspace app does.

Example::

    uvicorn.run(setup_app(Path("new-workspace")), host="127.0.0.1", port=8765)
"""

from __future__ import annotations

import secrets
import threading
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from bullseye.errors import BullseyeError, InvalidInputError
from bullseye.web.app import SECURITY_HEADERS, create_app, is_loopback
from bullseye.web.render import STATIC_DIR, template_environment

__all__ = ["needs_setup", "setup_app", "SetupThenServe"]


def needs_setup(path: Path) -> bool:
    """True for a folder that does not exist yet or is empty: one a workspace may be created in."""
    return not path.exists() or (path.is_dir() and not any(path.iterdir()))


class SetupThenServe:
    """ASGI app: the create-a-workspace page until the workspace exists, then the workspace's app."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.token = secrets.token_urlsafe(32)
        self.workspace_app: Any = None
        self._lock = threading.Lock()
        self.setup = _setup_routes(self)

    def create(self, name: str, owner: str) -> None:
        from bullseye.workspace import Workspace

        with self._lock:
            if self.workspace_app is not None:
                return
            if not needs_setup(self.root):
                raise InvalidInputError(f"{self.root} is no longer empty: start `bullseye serve` again")
            Workspace.init(self.root, name=name, owner=owner).close()
            self.workspace_app = create_app(Workspace(self.root), require_login=False)

    async def __call__(self, scope, receive, send) -> None:
        app = self.workspace_app or self.setup
        await app(scope, receive, send)


def setup_app(root: Path) -> SetupThenServe:
    return SetupThenServe(root)


def _setup_routes(owner_app: SetupThenServe) -> Any:
    app = FastAPI(title="Bullseye", docs_url=None, redoc_url=None, openapi_url=None)
    env = template_environment()
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")

    def page(request: Request, data: dict[str, Any], status: int = 200) -> HTMLResponse:
        html = env.get_template("setup.html").render(
            data=data, csrf_token=owner_app.token, path=request.url.path, workspace="new workspace", user=None
        )
        return HTMLResponse(html, status_code=status)

    def check_host(request: Request) -> None:
        hostname = urlsplit("//" + request.headers.get("host", "")).hostname or ""
        if not is_loopback(hostname):
            raise InvalidInputError(f"this server answers to localhost only, not to '{hostname}'")

    def form_page(request: Request, error: str | None = None, name: str = "", owner: str = "", status=200):
        default = owner_app.root.resolve().name
        return page(
            request,
            {
                "title": "Create a workspace",
                "folder": str(owner_app.root.resolve()),
                "error": error,
                "name": name or default,
                "owner": owner,
            },
            status,
        )

    @app.get("/{rest:path}", response_class=HTMLResponse)
    def show(request: Request, rest: str = "") -> Response:
        check_host(request)
        if owner_app.workspace_app is not None:
            return RedirectResponse("/data", status_code=303)
        return form_page(request)

    @app.post("/setup")
    async def create(request: Request) -> Response:
        check_host(request)
        form = await request.form()
        if not secrets.compare_digest(str(form.get("csrf_token", "")), owner_app.token):
            return form_page(request, "missing or wrong form token: reload the page and try again", status=403)
        name, owner = str(form.get("name", "")).strip(), str(form.get("owner", "")).strip()
        if not name or not owner:
            return form_page(request, "both the company name and the owner are needed", name, owner, status=400)
        try:
            owner_app.create(name, owner)
        except BullseyeError as exc:
            return form_page(request, str(exc), name, owner, status=400)
        return RedirectResponse("/data", status_code=303)

    @app.exception_handler(InvalidInputError)
    async def refused(request: Request, exc: InvalidInputError) -> Response:
        return Response(str(exc), status_code=403, media_type="text/plain")

    async def with_headers(scope, receive, send) -> None:
        async def send_with_headers(message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = list(message.get("headers", [])) + SECURITY_HEADERS
            await send(message)

        await app(scope, receive, send_with_headers if scope["type"] == "http" else send)

    return with_headers
