"""Discovery: run ``ws.discover`` in the background with its progress, show the segments per outcome
(the CLI's report, rendered by :func:`bullseye.render.discovery.discovery_fragment`) filtered and
sorted, each segment's accounts, and add a segment to the draft ICP as a criterion or a disqualifier.

An add carries the draft hash the page was built from (a hidden ``draft_hash`` field), so an add to
a draft another editor saved in the meantime is refused (409), never merged silently.
"""

from __future__ import annotations

import threading
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from markupsafe import Markup

from bullseye.errors import InvalidInputError, NotFoundError
from bullseye.web.app import WebContext, page, require_role
from bullseye.web.cache import StillComputing
from bullseye.web.jobs import BackgroundJob, now
from bullseye.web.views.common import current_draft_hash, has_table

__all__ = ["DiscoveryRunner", "discovery_page", "segment_page", "run_discovery", "add_segment", "register"]

#: The outcome groups a run may ask for (``ws.discover`` accepts these names), with their labels.
OUTCOMES = {
    "win": "Win rate",
    "velocity": "Days to close and discount",
    "value": "ACV",
    "retention": "Churn",
    "stickiness": "Usage and NPS",
}
#: Sort keys a request may ask for -> (key of a finding, reverse).
SORTS = {
    "report": None,
    "p": (lambda f: f.p_value, False),
    "accounts": (lambda f: f.accounts, True),
    "lift": (lambda f: abs(_log_lift(f)), True),
}
STRENGTHS = {"any": None, "suggestive": ("strong", "suggestive"), "strong": ("strong",)}
SIDES = ("both", "better", "worse")


def _log_lift(finding) -> float:
    import math

    m = finding.holdout if finding.holdout and finding.holdout.units else finding.discovery
    lift = m.lift
    return math.log(lift) if lift and lift > 0 else 0.0


class DiscoveryRunner(BackgroundJob):
    """The latest discovery run: idle, running (with the outcome being searched), done (with the
    result and the data generation it ran on) or failed. A finished run is kept in the workspace
    (:mod:`bullseye.discover.stored`) and read back on the first look after a restart."""

    def __init__(self) -> None:
        super().__init__("discovery", running="discovery is already running")
        self._runs = 0  # numbers the runs: what is cached per run is keyed by it
        self._restored = False
        self._restoring = threading.Lock()

    def snapshot(self, web: WebContext | None = None) -> dict[str, Any]:
        """The state; with ``web``, the run kept in the workspace first when this server has none
        (reading it back rebuilds its dataset: while the warm-up does that, a page says so)."""
        if web is not None and not self._restored:
            if web.cache.must_not_wait():
                raise StillComputing("the discovery run kept in the workspace")
            self._restore(web)
        return super().snapshot()

    def _restore(self, web: WebContext) -> None:
        from bullseye.discover.stored import load_run
        from bullseye.render.discovery import discovery_images

        with self._restoring:  # one read at a time, outside the state's lock (it takes seconds at scale)
            if self._restored:
                return
            kept = load_run(web.ws) if self.snapshot()["status"] == "idle" else None
            images = discovery_images(kept[0]) if kept is not None else None

            def restore(state: dict[str, Any]) -> None:
                self._restored = True
                if state["status"] != "idle" or kept is None:
                    return
                result, meta = kept
                state.update(
                    meta
                    | {
                        "status": "done",
                        "run": 0,  # the runs of this server count from 1
                        "result": result,
                        "images": images,
                        "generation": web.ws.warehouse.generation,
                        "searching": None,
                        "restored": True,
                    }
                )

            self.mutate(restore)

    def start(self, web: WebContext, outcomes: list[str], max_depth: int, by: str) -> None:  # type: ignore[override]
        self._restored = True  # a run of this server replaces whatever was kept
        super().start(
            lambda ws, job: self._discover(ws, outcomes, max_depth),
            web.ws.root,
            by,
            run=self._runs + 1,
            outcomes=outcomes,
            max_depth=max_depth,
            searching=None,
            searched=[],
            generation=web.ws.warehouse.generation,
        )
        self._runs += 1  # only a run that started counts

    def _progress(self, name: str) -> None:
        def change(state: dict[str, Any]) -> None:
            if state.get("searching"):
                state["searched"] = [*state["searched"], state["searching"]]
            state["searching"] = name

        self.mutate(change)

    def _discover(self, ws, outcomes: list[str], max_depth: int) -> dict[str, Any]:
        from bullseye.discover.stored import save_run
        from bullseye.render.discovery import discovery_html, discovery_images

        generation = ws.warehouse.generation
        result = ws.discover(outcomes, max_depth=max_depth, progress=self._progress)
        # As after `bullseye discover`: the report file next to the other reports.
        report = ws.reports_dir / "discovery.html"
        report.parent.mkdir(parents=True, exist_ok=True)
        report.write_text(discovery_html(result, company=ws.settings.name), encoding="utf-8")
        # Charts are drawn once here, not per request.
        outcome: dict[str, Any] = {"result": result, "images": discovery_images(result), "finished_at": now()}
        meta = {k: self.snapshot()[k] for k in ("by", "outcomes", "max_depth", "started_at")}
        save_run(ws, result, generation, **meta, finished_at=outcome["finished_at"])
        return outcome

    def finished(self, outcome: dict[str, Any]) -> None:
        self.update(searching=None)


def _runner(request: Request) -> DiscoveryRunner:
    return request.app.state.discovery


def _done(request: Request):
    """The result of the latest finished run, or NotFoundError."""
    state = _runner(request).snapshot(request.app.state.web)
    if state["status"] != "done":
        raise NotFoundError("discovery has not run on the data loaded now: run it from the Discovery page")
    return state["result"]


def _choice(value: str, allowed, name: str) -> str:
    if value not in allowed:
        raise InvalidInputError(f"{name} must be one of {', '.join(allowed)}, not '{value}'")
    return value


def _filtered(result, params) -> tuple[dict[str, Any], dict[str, list]]:
    """The filters from the query string (checked against fixed lists) and the segments they keep."""
    from bullseye.render.discovery import all_segments

    filters = {
        "outcome": params.get("outcome", "all") or "all",
        "side": _choice(params.get("side", "both") or "both", SIDES, "side"),
        "strength": _choice(params.get("strength", "any") or "any", STRENGTHS, "strength"),
        "sort": _choice(params.get("sort", "report") or "report", SORTS, "sort"),
        "q": params.get("q", "").strip(),
    }
    _choice(filters["outcome"], ["all", *result.reports], "outcome")
    strengths, sort = STRENGTHS[filters["strength"]], SORTS[filters["sort"]]
    shown: dict[str, list] = {}
    for outcome, tables in all_segments(result).items():
        if filters["outcome"] not in ("all", outcome):
            continue
        kept = []
        for (title, rows), side in zip(tables, ("better", "worse")):
            if filters["side"] not in ("both", side):
                rows = []
            rows = [
                (key, f)
                for key, f in rows
                if (strengths is None or f.evidence in strengths) and filters["q"].casefold() in f.label.casefold()
            ]
            if sort is not None:
                rows = sorted(rows, key=lambda row: sort[0](row[1]), reverse=sort[1])
            kept.append((title, rows))
        shown[outcome] = kept
    return filters, shown


def discovery_page(web: WebContext, request: Request) -> dict[str, Any]:
    """The latest run's segments (filtered and sorted), or its progress, or the form to start one."""
    state = _runner(request).snapshot(web)
    base: dict[str, Any] = {
        "title": "Discovery",
        "status": state["status"],
        "outcome_choices": OUTCOMES,
        "draft_hash": current_draft_hash(web),
        "added": request.query_params.get("added"),
        "added_as": request.query_params.get("as"),
    }
    if state["status"] == "running":
        return base | {k: state[k] for k in ("by", "started_at", "searching", "searched", "outcomes")}
    if state["status"] == "failed":
        return base | {"error": state["error"], "has_deals": True}
    if state["status"] != "done":
        return base | {"has_deals": has_table(web, "deals") and has_table(web, "accounts")}
    result = state["result"]
    filters, shown = _filtered(result, request.query_params)
    from bullseye.discover.segments import segments

    keys = {id(f): key for key, f in segments(result)}
    counts = {side: sum(len(tables[i][1]) for tables in shown.values()) for i, side in enumerate(("better", "worse"))}
    data = base | {
        "finished_at": state["finished_at"],
        "by": state.get("by"),
        "stale": state["generation"] != web.ws.warehouse.generation,
        "filters": filters,
        "sorts": list(SORTS),
        "strengths": list(STRENGTHS),
        "sides": list(SIDES),
        "outcomes_run": list(result.reports),
        "counts": counts,
        "strong": sum(1 for _, f in segments(result) if f.evidence == "strong"),
        "bullseye_top": next((row["segment"] for row in result.bullseye if row["good_on"]), None),
        "shown_keys": [key for tables in shown.values() for _, rows in tables for key, _ in rows],
        "segments": [{"key": keys[id(f)], "outcome": f.outcome, "label": f.label} for _, f in segments(result)],
    }
    if request.url.path.endswith(".json"):
        return data | {"discovery": web.cache.get("discovery dict", result.to_dict, state.get("run"))}
    return data | {"report_html": _report_html(web, request, state, shown, data["draft_hash"])}


def _report_html(web: WebContext, request: Request, state: dict[str, Any], shown, draft_hash: str) -> Markup:
    from bullseye.render.discovery import discovery_fragment

    user = request.state.user
    template = web.env.get_template("discovery_add.html")

    def actions(key: str, finding) -> Markup:
        return Markup(
            template.render(
                key=key,
                worse=finding.direction < 0,
                label=finding.label,
                draft_hash=draft_hash,
                csrf_token=request.state.session["csrf"],
                can_edit=user is not None and user.can("editor"),
                back="/discovery",
            )
        )

    return Markup(
        discovery_fragment(state["result"], shown, images=state["images"], links="/discovery/segments", actions=actions)
    )


def segment_page(web: WebContext, request: Request, key: str) -> dict[str, Any]:
    """One segment: its numbers, its accounts (paged, linked to their pages) and the add buttons."""
    from bullseye.discover.findings import format_value, metric
    from bullseye.discover.segments import find_segment

    result, run = _done(request), _runner(request).snapshot().get("run")
    finding = find_segment(result, key)
    text = request.query_params.get("page", "1")
    if not text.isdigit():
        raise InvalidInputError(f"page must be a whole number, not '{text}'")
    accounts = web.cache.get(
        "segment accounts",
        lambda: web.ws.segment_accounts(result, key, page=int(text)).to_dict(),
        run,
        key,
        int(text),
    )
    m = finding.holdout if finding.holdout and finding.holdout.units else finding.discovery
    return {
        "title": f"Segment: {finding.label}",
        "key": key,
        "label": finding.label,
        "outcome": finding.outcome,
        "metric": metric(finding.outcome)[0],
        "unit": metric(finding.outcome)[2],
        "better": finding.direction > 0,
        "value": format_value(finding.outcome, m.value),
        "base": format_value(finding.outcome, m.base),
        "low": format_value(finding.outcome, m.low) if m.low is not None else None,
        "high": format_value(finding.outcome, m.high) if m.high is not None else None,
        "measured_on": "holdout" if m is finding.holdout else "discovery",
        "units": m.units,
        "measured": finding.accounts,
        "evidence": finding.evidence,
        "sentence": finding.sentence(),
        "conditions": [c.model_dump(mode="json") for c in finding.conditions],
        "accounts": accounts,
        "draft_hash": current_draft_hash(web),
    }


async def run_discovery(request: Request) -> Response:
    """Start a run (editors): the outcomes ticked on the form, at most ``max_depth`` conditions."""
    web: WebContext = request.app.state.web
    user = require_role(request, "editor")
    form = await request.form()
    outcomes = [str(o) for o in form.getlist("outcome") if str(o) in OUTCOMES] or ["all"]
    depth = str(form.get("max_depth", "3"))
    if depth not in ("1", "2", "3"):
        raise InvalidInputError(f"max_depth must be 1, 2 or 3, not '{depth}'")
    if not (has_table(web, "accounts") and has_table(web, "deals")):
        raise InvalidInputError("discovery needs the accounts and deals tables: load them on the Data page first")
    request.state.audit = {"event": "run discovery", "outcomes": outcomes, "max_depth": int(depth)}
    _runner(request).start(web, outcomes, int(depth), user.name)
    return RedirectResponse("/discovery", status_code=303)


async def add_segment(request: Request) -> Response:
    """Add a segment to the draft ICP (editors), refused when the draft changed since the page was read."""
    web: WebContext = request.app.state.web
    user = require_role(request, "editor")
    form = await request.form()
    key, seen, kind = str(form.get("key", "")), str(form.get("draft_hash", "")), str(form.get("as", "criterion"))
    if not seen:
        raise InvalidInputError("the form has no draft_hash: reload the Discovery page and add again")
    _choice(kind, ("criterion", "disqualifier"), "as")
    request.state.audit = {"event": "add segment to draft ICP", "segment": key, "as": kind, "based_on": seen}
    added = web.ws.add_to_draft(_done(request), key, as_disqualifier=kind == "disqualifier", expected_hash=seen)
    request.state.audit |= {"rule": added.rule_id, "by": user.name}
    if "application/json" in request.headers.get("accept", ""):
        from bullseye.render import as_json

        return Response(as_json(added), media_type="application/json")
    back = str(form.get("back", "/discovery"))
    back = back if back.startswith("/discovery") and "//" not in back else "/discovery"
    return RedirectResponse(f"{back}?added={quote(added.rule_name)}&as={kind}#seg-{quote(key)}", status_code=303)


def register(app: FastAPI) -> None:
    app.state.discovery = DiscoveryRunner()
    page(app, "/discovery", "discovery_page.html", discovery_page)
    app.add_api_route("/discovery/run", run_discovery, methods=["POST"])
    app.add_api_route("/discovery/add", add_segment, methods=["POST"])
    page(app, "/discovery/segments/{key}", "discovery_segment.html", segment_page)
