"""Logging in and out (only when the app requires a login)."""

from __future__ import annotations

from urllib.parse import urlparse

from fastapi import FastAPI, Form, Request
from fastapi.responses import RedirectResponse, Response

from bullseye.web.app import render
from bullseye.web.auth import SessionSigner

__all__ = ["register"]


def _safe_next(target: str | None) -> str:
    """Only a path on this site: never an absolute or scheme-relative URL (open redirect)."""
    if not target or not target.startswith("/") or target.startswith("//") or urlparse(target).netloc:
        return "/"
    return target


def login_form(request: Request, next: str = "/") -> Response:
    return render(request, "login.html", {"next": _safe_next(next), "error": None})


def login(request: Request, username: str = Form(...), password: str = Form(...), next: str = Form("/")) -> Response:
    web = request.app.state.web
    client = request.client.host if request.client else "unknown"
    request.state.attempted_user = username
    request.state.audit = {"event": "login"}
    wait = web.limiter.retry_after(client, username)
    if wait:
        response = render(
            request,
            "login.html",
            {"next": _safe_next(next), "error": f"Too many failed attempts; try again in {wait} seconds."},
            status=429,
        )
        response.headers["Retry-After"] = str(wait)
        return response
    user = web.users.verify(username, password)
    if user is None:
        web.limiter.failed(client, username)
        return render(
            request, "login.html", {"next": _safe_next(next), "error": "Wrong user name or password."}, status=401
        )
    web.limiter.succeeded(username)
    request.state.user = user
    # A fresh session (and CSRF token) at login, so a token seen before login is worthless after it.
    request.state.set_cookie = web.signer.dumps(SessionSigner.new_session(user))
    return RedirectResponse(_safe_next(next), status_code=303)


def logout(request: Request) -> Response:
    web = request.app.state.web
    request.state.audit = {"event": "logout"}
    request.state.set_cookie = web.signer.dumps(SessionSigner.new_session())
    return RedirectResponse("/login" if web.require_login else "/", status_code=303)


def register(app: FastAPI) -> None:
    app.add_api_route("/login", login_form, methods=["GET"])
    app.add_api_route("/login", login, methods=["POST"])
    app.add_api_route("/logout", logout, methods=["POST"])
