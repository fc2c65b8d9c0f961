"""A load started from the web: one background thread in the server process, its progress readable
by any request.

The thread opens its own :class:`~bullseye.workspace.Workspace` on the same folder, so it has its
own warehouse connection and lock handling; the warehouse's write lock still decides between this
load and one from the command line (the thread then waits, and the progress says for whom). One
web load runs at a time: a second request is refused with the time the running one started.
"""

from __future__ import annotations

import threading
from datetime import datetime
from pathlib import Path
from typing import Any

from bullseye.errors import BullseyeError, ConflictError

__all__ = ["LoadRunner"]


class LoadRunner:
    """The state of the latest web load: idle, running, done or failed, with its progress."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._state: dict[str, Any] = {"status": "idle"}
        self._thread: threading.Thread | None = None

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            state = dict(self._state)
            state["progress"] = dict(state.get("progress") or {})
            return state

    def running_since(self) -> str | None:
        with self._lock:
            return self._state["started_at"][11:16] if self._state["status"] == "running" else None

    def start(self, root: Path, files: list[Path], by: str) -> None:
        """Start a load of ``files`` (the workspace's preset and mapping); ConflictError while one runs."""
        with self._lock:
            if self._state["status"] == "running":
                raise ConflictError(
                    f"another load is running since {self._state['started_at'][11:16]}, "
                    f"started by {self._state['by']}; wait for it to finish"
                )
            self._state = {
                "status": "running",
                "by": by,
                "started_at": datetime.now().isoformat(timespec="seconds"),
                "finished_at": None,
                "files": [f.name for f in files],
                "report": None,
                "error": None,
                "waiting": None,
                "progress": {
                    "files_total": len(files),
                    "files_started": 0,
                    "rows_read": 0,
                    "current": None,
                    "phase": "starting",
                },
            }
            self._thread = threading.Thread(target=self._run, args=(root, files), name="bullseye-web-load", daemon=True)
            self._thread.start()

    def wait(self, timeout: float | None = None) -> None:
        """Block until the running load has finished (tests, and a server shutting down)."""
        thread = self._thread
        if thread is not None:
            thread.join(timeout)

    def _progress(self, file: str, rows: int) -> None:
        with self._lock:
            progress = self._state["progress"]
            name = Path(file).name
            if progress["current"] != name:
                progress["files_started"] += 1
                progress["current"] = name
            progress["rows_read"] += rows
            progress["phase"] = "reading"
            if progress["files_started"] == progress["files_total"]:
                progress["phase"] = "reading the last file, then typing, checking and writing the tables"
            self._state["waiting"] = None

    def _waiting(self, message: str) -> None:
        with self._lock:
            self._state["waiting"] = message

    def _triggers(self, ws) -> list[dict[str, Any]] | None:
        """As after `bullseye load`: once a version is published, its trigger rules and drift are
        evaluated on the new data (None before the first publish)."""
        from bullseye.strategy.versions import VersionStore

        if VersionStore(ws.root).current() is None:
            return None
        from bullseye.governance.status import evaluate_after_load
        from bullseye.governance.triggers import as_records

        with self._lock:
            self._state["progress"]["phase"] = "checking the published ICP's triggers on the new data"
        return as_records(evaluate_after_load(ws).new_triggers)

    def _run(self, root: Path, files: list[Path]) -> None:
        from bullseye.workspace import Workspace

        ws = None
        try:
            ws = Workspace(root)
            ws.warehouse.on_wait = self._waiting
            report = ws.load(files, progress=self._progress)
            outcome: dict[str, Any] = {
                "status": "done",
                "report": report.to_dict(),
                "new_triggers": None,
                "triggers_error": None,
            }
            try:  # the load is in whatever the check after it says
                outcome["new_triggers"] = self._triggers(ws)
            except BullseyeError as exc:
                outcome["triggers_error"] = f"loaded, but the published ICP's triggers were not checked: {exc}"
        except BullseyeError as exc:
            outcome = {"status": "failed", "error": str(exc)}
        except Exception as exc:  # noqa: BLE001 - the page must say the load stopped, whatever the cause
            outcome = {"status": "failed", "error": f"the load stopped: {type(exc).__name__}: {exc}"}
        finally:
            if ws is not None:
                ws.close()
        with self._lock:
            self._state.update(outcome, finished_at=datetime.now().isoformat(timespec="seconds"), waiting=None)
            self._state["progress"]["phase"] = outcome["status"]
