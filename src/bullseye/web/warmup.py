"""The warm-up: after the server starts, a load finishes, or a version is published or rolled back,
one background job computes the heavy results the pages show (the scorecard fit and the scores,
market sizing, signals, themes, the workshop draft, the ICP preview) into the result cache, so the
first visitor does not wait for them. Meanwhile a page whose result is not there yet answers at
once with "being computed" (web/cache.py ``StillComputing``) and refreshes itself.

It warms by calling each page's own view (registered by :func:`bullseye.web.app.page`) as a visitor
of the default page would, so exactly the results the pages read are cached, and nothing is
computed twice.
"""

from __future__ import annotations

import threading
from typing import Any

from starlette.requests import Request

from bullseye.errors import BullseyeError, ConflictError
from bullseye.web.jobs import BackgroundJob

__all__ = ["WarmUp", "WARM_PAGES"]

#: The pages whose results are warmed, most visited first, with what the progress calls each.
WARM_PAGES = (
    ("/accounts", "the account scores"),
    ("/", "the home page's funnel and this week's accounts"),
    ("/icp", "the ICP in use"),
    ("/outcomes", "the outcomes and funnel metrics"),
    ("/market", "the market sizing and whitespace"),
    ("/signals", "the why-now signals"),
    ("/personas", "the buying committee and the themes"),
    ("/workshop", "the workshop draft"),
    ("/icp/brief", "the ICP brief"),
    ("/icp/draft", "the ICP editor"),
    ("/accounts/{account_id}", "the account pages' deals, contacts and notes"),
    ("/data", "the data page's tables and quarantine"),
    ("/discovery", "the discovery page"),
    ("/icp/draft/preview.json", "the draft ICP's preview"),
)


def _path_params(web: Any, path: str) -> dict[str, str] | None:
    """The path parameters to warm a page behind a list with (its first row), None to skip it."""
    if "{account_id}" not in path:
        return {}
    from bullseye.web.views.common import scored_accounts

    scores = scored_accounts(web)
    return {"account_id": str(scores["account_id"].iloc[0])} if len(scores) else None


class WarmUp(BackgroundJob):
    """Warms the pages of ``app``; ``enabled=False`` (in-process tests) leaves every page to compute
    on its first request as before."""

    def __init__(self, app: Any, enabled: bool) -> None:
        super().__init__("warm-up", running="the warm-up is running")
        self.app, self.enabled = app, enabled
        self._again = False
        self._again_lock = threading.Lock()

    def warm(self, why: str) -> None:
        """Start warming; while a warm-up runs, warm once more after it (the data or ICP changed)."""
        if not self.enabled or not self.app.state.web.ws.loaded_tables():
            return  # nothing loaded yet: nothing to warm, and no page should say "being computed"
        with self._again_lock:
            try:
                self.start(self._work, None, why, step=None, steps_done=0, steps_total=len(WARM_PAGES), skipped=[])
            except ConflictError:
                self._again = True

    def finished(self, outcome: dict[str, Any]) -> None:
        with self._again_lock:
            again, self._again = self._again, False
        if again:
            self.warm("a change during the warm-up")

    def _work(self, _ws: None, job: BackgroundJob) -> dict[str, Any]:
        web, views = self.app.state.web, self.app.state.views
        skipped = []
        for done, (path, label) in enumerate(WARM_PAGES):
            job.update(step=label, steps_done=done)
            view = views.get(path.removesuffix(".json"))
            if view is None:
                continue
            try:
                with web.cache.pinned():
                    params = _path_params(web, path)
                    if params is not None:
                        view(web, self._request(path.format(**params)), **params)
            except BullseyeError as exc:  # e.g. no ICP yet: the page says so, nothing to warm
                skipped.append({"page": path, "why": str(exc)})
        return {"step": None, "steps_done": len(WARM_PAGES), "skipped": skipped}

    def _request(self, path: str) -> Request:
        """A GET of ``path`` as the local owner, the way the view sees a visitor's request."""
        web = self.app.state.web
        scope = {
            "type": "http",
            "method": "GET",
            "path": path,
            "query_string": b"",
            "headers": [],
            "app": self.app,
            "state": {"user": web.local_user(), "session": {}},
        }
        return Request(scope)
