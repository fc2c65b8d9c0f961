"""The web workspace: a FastAPI app whose pages each have a ``.json`` twin (datasette's habit).

A view is a thin function ``view(web, request, **path) -> dict``: it parses the request, calls one
library function and returns plain data; :func:`page` registers it twice, as ``PATH`` (the dict
rendered by a Jinja template) and ``PATH.json`` (the same dict as JSON).

Example::

    app = create_app(Workspace("demo-workspace"), require_login=False)
    uvicorn.run(app, host="127.0.0.1", port=8765)
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from fastapi import Depends, FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment

from bullseye.errors import (
    BullseyeError,
    ConflictError,
    InvalidInputError,
    MissingDependencyError,
    NotEnoughDataError,
    NotFoundError,
)
from bullseye.strategy.versions import default_publisher
from bullseye.web.auth import AuditLog, LoginLimiter, SessionSigner, User, UserStore
from bullseye.web.cache import ResultCache, StillComputing
from bullseye.web.render import STATIC_DIR, template_environment, to_json
from bullseye.workspace import Workspace

__all__ = [
    "WebContext",
    "create_app",
    "page",
    "is_loopback",
    "require_role",
    "render",
    "COOKIE",
    "LoginRequired",
    "Forbidden",
]

COOKIE = "bullseye_session"
UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
#: Paths anyone may open without logging in.
PUBLIC_PREFIXES = ("/login", "/static/")
#: Upload paths whose handler streams the multipart body and checks its CSRF field itself, so the
#: size limit holds while the body arrives instead of after the whole body was spooled.
STREAMED_UPLOADS = {"/data/upload"}
#: No inline script or style anywhere: everything comes from /static.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
    (b"cross-origin-opener-policy", b"same-origin"),
]


class LoginRequired(BullseyeError):
    """No session user where one is needed (HTTP 401; pages redirect to the login form)."""


class Forbidden(BullseyeError):
    """The user's role does not allow this, or the CSRF token is missing or wrong (HTTP 403)."""


def is_loopback(host: str) -> bool:
    if host.strip("[]").casefold() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@dataclass
class WebContext:
    """What every view gets: the workspace, the result cache and the people machinery."""

    ws: Workspace
    require_login: bool
    env: Environment = field(default_factory=template_environment)
    cache: ResultCache = field(init=False)
    users: UserStore = field(init=False)
    audit: AuditLog = field(init=False)
    signer: SessionSigner = field(init=False)
    limiter: LoginLimiter = field(default_factory=LoginLimiter)

    def __post_init__(self) -> None:
        self.cache = ResultCache(self.ws)
        self.users = UserStore(self.ws.state_dir)
        self.audit = AuditLog(self.ws.state_dir)
        self.signer = SessionSigner(self.ws.state_dir)

    def local_user(self) -> User:
        """The single local user when no login is required: an owner named after the OS login."""
        name = default_publisher()
        return User("local" if name == "unknown" else name, "owner")


# -- the request pipeline -----------------------------------------------------------------------
class SecurityAndAudit:
    """ASGI middleware: security headers on every response, the session cookie when it changed,
    and one audit line for every state-changing request (including refused ones)."""

    def __init__(self, app, web: WebContext) -> None:
        self.app, self.web = app, web

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        state = scope.setdefault("state", {})
        status: dict[str, int] = {}

        async def send_with_headers(message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
                headers = list(message.get("headers", []))
                headers += SECURITY_HEADERS
                cookie = state.get("set_cookie")
                if cookie is not None:
                    secure = "; Secure" if scope.get("scheme") == "https" else ""
                    headers.append(
                        (
                            b"set-cookie",
                            f"{COOKIE}={cookie}; Path=/; HttpOnly; SameSite=Lax; Max-Age=43200{secure}".encode(),
                        )
                    )
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        except Exception:
            # An unexpected error: answer 500 here, with the headers, then let the server log it.
            if "code" not in status:
                await send_with_headers(
                    {
                        "type": "http.response.start",
                        "status": 500,
                        "headers": [(b"content-type", b"text/plain; charset=utf-8")],
                    }
                )
                await send_with_headers({"type": "http.response.body", "body": b"Internal error; see the server log."})
            raise
        finally:
            if scope["method"] in UNSAFE_METHODS:
                user = state.get("user")
                self.web.audit.append(
                    user.name if user else state.get("attempted_user"),
                    scope["method"],
                    scope["path"],
                    status.get("code", 500),
                    **state.get("audit", {}),
                )


async def guard(request: Request) -> None:
    """Every route: find the session, require a login where needed, check CSRF on unsafe methods."""
    web: WebContext = request.app.state.web
    if not web.require_login:
        # Without a login only this computer may read the pages: a page elsewhere that points its own
        # domain name at 127.0.0.1 (DNS rebinding) arrives with that name in Host and is refused.
        hostname = urlsplit("//" + request.headers.get("host", "")).hostname or ""
        if not is_loopback(hostname):
            raise Forbidden(f"this server answers to localhost only, not to '{hostname}'")
    session = web.signer.loads(request.cookies.get(COOKIE))
    if session is None:
        session = SessionSigner.new_session()
        request.state.set_cookie = web.signer.dumps(session)
    request.state.session = session
    user = web.local_user() if not web.require_login else None
    if web.require_login and session.get("user"):
        known = {u.name: u for u in web.users.users()}
        user = known.get(session["user"])  # the role as stored now, not as it was at login
    request.state.user = user
    path = request.url.path
    if user is None and not path.startswith(PUBLIC_PREFIXES):
        raise LoginRequired("log in first")
    request.state.csrf_checked = False
    if request.method in UNSAFE_METHODS:
        token = request.headers.get("x-csrf-token")
        content_type = request.headers.get("content-type", "")
        if token is None and path in STREAMED_UPLOADS and content_type.startswith("multipart/"):
            return  # the handler checks the token field before it writes a byte (web/upload.py)
        if token is None and "form" in content_type:
            field = (await request.form()).get("csrf_token")
            token = field if isinstance(field, str) else None  # a file in its place is no token
        if not SessionSigner.csrf_matches(session, token):
            raise Forbidden("missing or wrong CSRF token: reload the page and try again")
        request.state.csrf_checked = True


def require_role(request: Request, needed: str) -> User:
    user: User | None = request.state.user
    if user is None:
        raise LoginRequired("log in first")
    if not user.can(needed):
        raise Forbidden(f"{user.name} is a {user.role}; this needs the {needed} role")
    return user


def render(request: Request, template: str, data: dict[str, Any], status: int = 200) -> HTMLResponse:
    web: WebContext = request.app.state.web
    html = web.env.get_template(template).render(
        data=data,
        user=request.state.user if hasattr(request.state, "user") else None,
        csrf_token=request.state.session["csrf"] if hasattr(request.state, "session") else "",
        path=request.url.path,
        require_login=web.require_login,
        workspace=web.ws.settings.name,
    )
    return HTMLResponse(html, status_code=status)


def page(
    app: FastAPI, path: str, template: str, view: Callable[..., dict[str, Any]], json_path: str | None = None
) -> None:
    """Register ``view`` as an HTML page at ``path`` and as JSON at ``json_path`` (default ``path.json``)."""

    def call(request: Request) -> dict[str, Any]:
        web: WebContext = request.app.state.web
        with web.cache.pinned(wait=False):
            return view(web, request, **request.path_params)

    def as_json(request: Request) -> Response:
        try:
            return Response(to_json(call(request)), media_type="application/json")
        except StillComputing:
            return Response(to_json(_warming(request)), status_code=202, media_type="application/json")

    def as_html(request: Request) -> Response:
        try:
            response = render(request, template, call(request))
        except StillComputing:
            return render(request, "warming.html", _warming(request), status=202)
        if request.headers.get("HX-Trigger") == WARMING_ID:
            # The warming page's poll got the page: reload it whole, so the page's own styles and
            # scripts (its <head>) load too; swapping in its <main> alone would leave them out.
            response.headers["HX-Refresh"] = "true"
        return response

    if not hasattr(app.state, "views"):
        app.state.views = {}
    app.state.views[path] = view  # what the warm-up calls

    # The .json route first: "/accounts/{id}" would otherwise also match "/accounts/X.json".
    app.add_api_route(json_path or f"{path}.json", as_json, methods=["GET"], name=f"{template}-json")
    app.add_api_route(path, as_html, methods=["GET"], name=template, response_class=HTMLResponse)


#: The id of the warming page's polling element, which htmx sends as ``HX-Trigger``.
WARMING_ID = "warming"


def _warming(request: Request) -> dict[str, Any]:
    """What a page says while the warm-up computes the result it needs (it asks again every second)."""
    state = request.app.state.warmup.snapshot()
    query = request.url.query
    return {
        "title": "Being computed",
        "status": "being computed",
        "retry": request.url.path + (f"?{query}" if query else ""),
        "step": state.get("step"),
        "steps_done": state.get("steps_done", 0),
        "steps_total": state.get("steps_total", 0),
        "started_at": state.get("started_at"),
        "why": state.get("by"),
    }


# -- errors -------------------------------------------------------------------------------------
def _status(exc: Exception) -> int:
    status = getattr(exc, "http_status", None)
    if isinstance(status, int):
        return status
    for kind, code in (
        (LoginRequired, 401),
        (Forbidden, 403),
        (NotFoundError, 404),
        (ConflictError, 409),
        (NotEnoughDataError, 422),
        (InvalidInputError, 400),
        (MissingDependencyError, 501),
    ):
        if isinstance(exc, kind):
            return code
    return 500


def _error_response(request: Request, exc: Exception) -> Response:
    """The page or JSON for a BullseyeError (the only kind it is registered for)."""
    code = _status(exc)
    if code == 401 and not request.url.path.endswith(".json") and request.method == "GET":
        return RedirectResponse(f"/login?next={request.url.path}", status_code=303)
    if request.url.path.endswith(".json") or "application/json" in request.headers.get("accept", ""):
        return JSONResponse({"error": str(exc), "status": code}, status_code=code)
    return render(
        request,
        "error.html",
        {"title": "Not allowed" if code in (401, 403) else "Something is wrong", "message": str(exc), "status": code},
        status=code,
    )


def create_app(ws: Workspace, require_login: bool, warm: bool = False) -> FastAPI:
    """The web workspace of ``ws``; with ``require_login`` every page needs a logged-in user. With
    ``warm`` (a served app) the heavy results are computed in the background at the start and after
    every load, publish and rollback (web/warmup.py), and pages show "being computed" meanwhile."""
    from bullseye.web.views import register_views
    from bullseye.web.warmup import WarmUp

    app = FastAPI(title="Bullseye", docs_url=None, redoc_url=None, openapi_url=None, dependencies=[Depends(guard)])
    web = WebContext(ws, require_login)
    app.state.web = web
    app.add_exception_handler(BullseyeError, _error_response)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.state.warmup = WarmUp(app, enabled=warm)
    web.cache.warming = app.state.warmup.is_running
    register_views(app)
    app.add_middleware(SecurityAndAudit, web=web)
    app.state.warmup.warm("the server started")
    return app
