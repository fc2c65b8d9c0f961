"""Heavy results computed once per (warehouse generation, definitions) and shared by every request.

A load switches the warehouse to a new generation and a publish or an edit changes the definitions,
so either invalidates the cache; nothing is recomputed per request.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from bullseye.strategy.versions import HISTORY_DIR
from bullseye.workspace import Workspace

__all__ = ["ResultCache"]


class ResultCache:
    """``get(name, compute)``: the cached result of ``compute()`` for the workspace as it is now."""

    def __init__(self, ws: Workspace, size: int = 32) -> None:
        self.ws, self.size = ws, size
        self._results: OrderedDict[tuple, Any] = OrderedDict()
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()
        self.computed = 0  # how many times something was computed (tests check it stays put)
        self._pinned = threading.local()

    @contextmanager
    def pinned(self) -> Iterator[None]:
        """Within the block (one request, one thread) the state key is read once, not on every get."""
        self._pinned.key = self.state_key()
        try:
            yield
        finally:
            self._pinned.key = None

    def state_key(self) -> tuple:
        """What the results depend on: the live generation, the draft files and the published versions.

        The draft files count by their size and modification time (hashing their parsed YAML would
        cost more than the page): an edit or a publish changes the key."""
        history = self.ws.root / HISTORY_DIR
        published = tuple(sorted(os.listdir(history))) if history.is_dir() else ()
        drafts = []
        for directory, folders, files in os.walk(self.ws.strategy_dir):
            if os.path.abspath(directory) == os.path.abspath(history):
                folders.clear()
                continue
            for name in files:
                stat = os.stat(os.path.join(directory, name))
                drafts.append((directory, name, stat.st_mtime_ns, stat.st_size))
        return self.ws.warehouse.generation, tuple(sorted(drafts)), published

    def get(self, name: str, compute: Callable[[], Any], *extra: Any) -> Any:
        key = (name, *extra, *(getattr(self._pinned, "key", None) or self.state_key()))
        with self._guard:
            if key in self._results:
                self._results.move_to_end(key)
                return self._results[key]
            lock = self._locks.setdefault(name, threading.Lock())
        with lock:  # one computation per name at a time; the others wait for its result
            with self._guard:
                if key in self._results:
                    return self._results[key]
            value = compute()
            with self._guard:
                self.computed += 1
                self._results[key] = value
                while len(self._results) > self.size:
                    self._results.popitem(last=False)
            return value
