"""The latest discovery run kept in the workspace, so a restarted server still shows it.

What is kept is the result's own JSON (``DiscoveryResult.to_dict()``, the same the CLI prints with
``--json``) with the settings and the warehouse generation it ran on, in
``.bullseye/discovery/latest.json``; never a pickle. Reading it back rebuilds the data the run saw
from the same generation and ``as_of`` (the dataset is a pure function of both), and only for that
generation: a new load makes the stored run a run on other data, so it is not shown.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
from pathlib import Path
from typing import Any

from bullseye.discover.findings import Finding, Measure, OutcomeReport
from bullseye.discover.result import DiscoveryResult, DiscoverySettings, dataset_for
from bullseye.errors import BullseyeError

__all__ = ["why_no_draft", "RUN_FILE", "run_file", "save_run", "keep_run", "load_run", "result_from_dict"]

RUN_FILE = "discovery/latest.json"  # under the workspace's .bullseye/
FORMAT = 1


def run_file(ws) -> Path:
    return ws.state_dir / RUN_FILE


def _settings_dict(result: DiscoveryResult) -> dict[str, Any]:
    s = result.settings
    return dataclasses.asdict(s) | {
        "outcomes": list(s.outcomes),
        "until": s.until.isoformat() if isinstance(s.until, dt.date) else s.until,
        "as_of": result.data.as_of.isoformat(),  # the day resolved by the run, not "today"
    }


def save_run(ws, result: DiscoveryResult, generation: int, **meta: Any) -> Path:
    """Keep ``result`` (found on warehouse ``generation``) with ``meta`` (who, when); replaces the last."""
    from bullseye.render.encoder import to_json

    path = run_file(ws)
    path.parent.mkdir(parents=True, exist_ok=True)
    text = to_json(
        {
            "format": FORMAT,
            "generation": generation,
            "meta": meta,
            "settings": _settings_dict(result),
            "result": result.to_dict(),
        }
    )
    partial = path.with_suffix(".json.partial")
    partial.write_text(text, encoding="utf-8")
    os.replace(partial, path)  # a reader never sees half a file
    return path


def keep_run(ws, result: DiscoveryResult, generation: int, by: str, started_at: str) -> Path:
    """Keep a run made outside the web (``bullseye discover``, the main job) for the Discovery page,
    with the metadata the page shows (who ran it, when, on which outcomes)."""
    return save_run(
        ws,
        result,
        generation,
        by=by,
        outcomes=list(result.settings.outcomes),
        max_depth=result.settings.max_depth,
        started_at=started_at,
        finished_at=dt.datetime.now().isoformat(timespec="seconds"),
    )


def load_run(ws) -> tuple[DiscoveryResult, dict[str, Any]] | None:
    """The kept run and its meta when it ran on the live generation; None otherwise (none kept, an
    older load, a file from another version of Bullseye or one that no longer matches the data)."""
    path = run_file(ws)
    if not path.exists():
        return None
    try:
        stored = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if stored.get("format") != FORMAT or stored.get("generation") != ws.warehouse.generation:
        return None
    try:
        raw = stored["settings"]
        settings = DiscoverySettings(
            **(raw | {"outcomes": tuple(raw["outcomes"]), "until": _day(raw["until"]), "as_of": _day(raw["as_of"])})
        )
        result = stored["result"]
        data = dataset_for(ws, settings)
        if data.split.to_dict() != result["split"] or data.unit != result["unit"]:
            return None  # the settings in bullseye.yaml changed what the data are: not this run's data
        return result_from_dict(result, data, settings), stored.get("meta", {})
    except (KeyError, TypeError, ValueError, AttributeError, BullseyeError):
        return None  # a file edited by hand or cut short: the page offers a new run instead


def _day(value: Any) -> Any:
    return dt.date.fromisoformat(value) if isinstance(value, str) else value


def result_from_dict(data: dict[str, Any], dataset, settings: DiscoverySettings) -> DiscoveryResult:
    """A :class:`DiscoveryResult` from its ``to_dict()`` and the dataset it was found on."""
    reports = {name: _report(report) for name, report in data["outcomes"].items()}
    return DiscoveryResult(
        dataset,
        settings,
        reports,
        data["leakage"],
        data["attributes"],
        bullseye=data["bullseye"],
        alignment=data["alignment"],
        cohorts=data["cohorts"],
    )


def _report(data: dict[str, Any]) -> OutcomeReport:
    names = {f.name for f in dataclasses.fields(OutcomeReport)} - {"findings", "negative"}
    return OutcomeReport(
        **{k: data[k] for k in names if k in data},
        findings=[_finding(f) for f in data["findings"]],
        negative=[_finding(f) for f in data["negative"]],
    )


def _finding(data: dict[str, Any]) -> Finding:
    from bullseye.strategy.icp import Condition

    names = {f.name for f in dataclasses.fields(Finding)} - {"selectors"}
    fields = {k: data[k] for k in names if k in data}
    fields["conditions"] = [Condition.model_validate(c) for c in data["conditions"]]
    fields["discovery"] = Measure(**data["discovery"])
    fields["holdout"] = Measure(**data["holdout"]) if data.get("holdout") else None
    fields["shrunk"] = tuple(data["shrunk"]) if data.get("shrunk") else None
    return Finding(**fields)


def why_no_draft(root: Path) -> str:
    """What the last `bullseye discover` found when it drafted no ICP (kept in the workspace), so
    that validate and score name the cause rather than send the user back to discover. Said only
    when that run found nothing significant on win or retention (else the file was removed)."""
    from bullseye.discover.significance import ALPHA
    from bullseye.workspace import STATE_DIR

    hint = "draft one with `bullseye discover`"
    try:
        result = json.loads((root / STATE_DIR / RUN_FILE).read_text(encoding="utf-8"))["result"]
        reports = {k: v for k, v in result["outcomes"].items() if k in ("win", "retention")}
        found = [f for r in reports.values() for f in r.get("findings", []) + r.get("negative", [])]
        if not reports or any((f.get("p_family") or 1) <= ALPHA for f in found):
            return hint
        why = [
            f"{r['metric']}: "
            + (
                r["note"]
                if r.get("refused") or not r.get("evaluated")
                else f"no segment significant ({r['evaluated']:,} evaluated)"
            )
            for r in reports.values()
        ]
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return hint
    return "the last `bullseye discover` drafted none (" + "; ".join(why) + "); write one by hand or load more data"
