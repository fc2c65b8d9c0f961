"""Background jobs of the web server: a load, a discovery run, a persona draft, an ICP preview and
the warm-up each run in one thread whose state any request can read.

The pattern they share lives here once: one job at a time (a second start is refused with who
started the running one and when), the work gets its own :class:`~bullseye.workspace.Workspace` on
the same folder (its own warehouse connection, as the command line would have) and closes it, its
outcome or its error becomes the state, and the finish is recorded with its time.

Example::

    job = BackgroundJob("discovery", running="discovery is already running")
    job.start(lambda ws, job: {"result": ws.discover(["win"])}, root=ws.root, by="ana")
    job.wait(); job.snapshot()["status"]  # "done" or "failed"
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from bullseye.errors import BullseyeError, ConflictError

__all__ = ["BackgroundJob", "now"]


def now() -> str:
    return datetime.now().isoformat(timespec="seconds")


class BackgroundJob:
    """The latest run of one kind of job: idle, running (with whatever the work reports), done (with
    its outcome) or failed (with the error, one line)."""

    def __init__(self, what: str, running: str = "is running") -> None:
        self.what, self.running = what, running
        self._lock = threading.Lock()
        self._state: dict[str, Any] = {"status": "idle"}
        self._thread: threading.Thread | None = None
        self.done = threading.Event()  # set when the latest run has finished
        self.done.set()

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return dict(self._state)

    def is_running(self) -> bool:
        with self._lock:
            return self._state["status"] == "running"

    def update(self, **fields: Any) -> None:
        """Progress from the work's thread (any keys the page reads)."""
        with self._lock:
            self._state.update(fields)

    def mutate(self, change: Callable[[dict[str, Any]], None]) -> None:
        """Apply ``change`` to the state under the lock (progress kept in nested dicts)."""
        with self._lock:
            change(self._state)

    def start(
        self,
        work: Callable[[Any, BackgroundJob], dict[str, Any]],
        root: Path | None,
        by: str,
        **initial: Any,
    ) -> None:
        """Run ``work(ws, job)`` in a thread; ``ws`` is a Workspace of its own on ``root`` (None
        without ``root``: the work uses what it closes over). ConflictError while a run is going."""
        with self._lock:
            if self._state["status"] == "running":
                raise ConflictError(
                    f"{self.running} since {self._state['started_at'][11:16]}, "
                    f"started by {self._state['by']}; wait for it to finish"
                )
            self._state = {"status": "running", "by": by, "started_at": now(), "finished_at": None, **initial}
            self.done.clear()
            self._thread = threading.Thread(
                target=self._run, args=(work, root), name=f"bullseye-web-{self.what}", daemon=True
            )
            self._thread.start()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the latest run has finished (tests, the benchmark, a server shutting down)."""
        return self.done.wait(timeout)

    def finished(self, outcome: dict[str, Any]) -> None:
        """Called with the outcome once the state says so (subclasses: what follows a finish)."""

    def _run(self, work: Callable[[Any, BackgroundJob], dict[str, Any]], root: Path | None) -> None:
        from bullseye.workspace import Workspace

        ws = None
        try:
            ws = Workspace(root) if root is not None else None
            outcome = {"status": "done", **work(ws, self)}
        except BullseyeError as exc:
            outcome = {"status": "failed", "error": str(exc)}
        except Exception as exc:  # noqa: BLE001 - the page must say the job stopped, whatever the cause
            outcome = {"status": "failed", "error": f"the {self.what} stopped: {type(exc).__name__}: {exc}"}
        finally:
            if ws is not None:
                ws.close()
        with self._lock:
            outcome.setdefault("finished_at", now())
            self._state.update(outcome)
        try:
            self.finished(outcome)
        finally:
            with self._lock:  # unless finished() started the next run already
                if self._state["status"] != "running":
                    self.done.set()
