"""A load started from the web: one background job (web/jobs.py) in the server process, its progress
readable by any request.

The job opens its own :class:`~bullseye.workspace.Workspace` on the same folder, so it has its
own warehouse connection and lock handling; the warehouse's write lock still decides between this
load and one from the command line (the thread then waits, and the progress says for whom). One
web load runs at a time: a second request is refused with the time the running one started. After
a load that finished, ``after`` runs (the server warms the heavy results of the new data).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from bullseye.errors import BullseyeError
from bullseye.web.jobs import BackgroundJob

__all__ = ["LoadRunner"]


class LoadRunner(BackgroundJob):
    """The state of the latest web load: idle, running, done or failed, with its progress."""

    def __init__(self, after: Callable[[], None] | None = None) -> None:
        super().__init__("load", running="another load is running")
        self.after = after

    def snapshot(self) -> dict[str, Any]:
        state = super().snapshot()
        state["progress"] = dict(state.get("progress") or {})
        return state

    def running_since(self) -> str | None:
        state = self.snapshot()
        return state["started_at"][11:16] if state["status"] == "running" else None

    def start(self, root: Path, files: list[Path], by: str) -> None:  # type: ignore[override]
        """Start a load of ``files`` (the workspace's preset and mapping); ConflictError while one runs."""
        progress = {"files_total": len(files), "files_started": 0, "rows_read": 0, "current": None, "phase": "starting"}
        super().start(
            lambda ws, job: self._load(ws, files),
            root,
            by,
            files=[f.name for f in files],
            report=None,
            error=None,
            waiting=None,
            progress=progress,
        )

    def _progress(self, file: str, rows: int) -> None:
        def change(state: dict[str, Any]) -> None:
            progress = state["progress"]
            name = Path(file).name
            if progress["current"] != name:
                progress["files_started"] += 1
                progress["current"] = name
            progress["rows_read"] += rows
            progress["phase"] = "reading"
            if progress["files_started"] == progress["files_total"]:
                progress["phase"] = "reading the last file, then typing, checking and writing the tables"
            state["waiting"] = None

        self.mutate(change)

    def _waiting(self, message: str) -> None:
        self.update(waiting=message)

    def _phase(self, phase: str) -> None:
        self.mutate(lambda state: state["progress"].__setitem__("phase", phase))

    def _triggers(self, ws) -> list[dict[str, Any]] | None:
        """As after `bullseye load`: once a version is published, its trigger rules and drift are
        evaluated on the new data (None before the first publish)."""
        from bullseye.strategy.versions import VersionStore

        if VersionStore(ws.root).current() is None:
            return None
        from bullseye.governance.status import evaluate_after_load
        from bullseye.governance.triggers import as_records

        self._phase("checking the published ICP's triggers on the new data")
        return as_records(evaluate_after_load(ws).new_triggers)

    def _load(self, ws, files: list[Path]) -> dict[str, Any]:
        ws.warehouse.on_wait = self._waiting
        report = ws.load(files, progress=self._progress)
        outcome: dict[str, Any] = {"report": report.to_dict(), "new_triggers": None, "triggers_error": None}
        try:  # the load is in whatever the check after it says
            outcome["new_triggers"] = self._triggers(ws)
        except BullseyeError as exc:
            outcome["triggers_error"] = f"loaded, but the published ICP's triggers were not checked: {exc}"
        return outcome

    def finished(self, outcome: dict[str, Any]) -> None:
        self.update(waiting=None)
        self._phase(outcome["status"])
        if outcome["status"] == "done" and self.after is not None:
            self.after()
