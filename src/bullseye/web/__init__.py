"""The web workspace: server-rendered pages, each with a ``.json`` twin. See docs/web.md."""

from __future__ import annotations

from bullseye.web.app import create_app, is_loopback

__all__ = ["create_app", "is_loopback"]
