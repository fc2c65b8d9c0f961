"""Heavy results computed once per (warehouse generation, definitions) and shared by every request.

A load switches the warehouse to a new generation and a publish or an edit changes the definitions,
so either invalidates the cache; nothing is recomputed per request. Results that depend on the data
only (``per_load=True``) survive an edit of the definitions.

While the server warms the heavy results in the background (web/warmup.py), a page request that
would have to wait for one of them (``pinned(wait=False)``) gets :class:`StillComputing` at once and
the page says "being computed" instead of blocking its visitor for the whole computation.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from bullseye.errors import BullseyeError
from bullseye.strategy.versions import HISTORY_DIR
from bullseye.workspace import Workspace

__all__ = ["ResultCache", "StillComputing"]


class StillComputing(BullseyeError):
    """The result a page needs is being computed in the background (HTTP 202: ask again shortly)."""

    http_status = 202

    def __init__(self, name: str) -> None:
        super().__init__(f"{name} is being computed")
        self.name = name


class ResultCache:
    """``get(name, compute)``: the cached result of ``compute()`` for the workspace as it is now."""

    def __init__(self, ws: Workspace, size: int = 48, many: int = 512) -> None:
        self.ws, self.size = ws, size
        self._results: OrderedDict[tuple, Any] = OrderedDict()
        #: Small results of which there is one per item (an account page): their own LRU of ``many``,
        #: so that browsing accounts never pushes a heavy result out.
        self._items: OrderedDict[tuple, Any] = OrderedDict()
        self.many = many
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()
        self.computed = 0  # how many times something was computed (tests check it stays put)
        self._pinned = threading.local()
        #: True while the background warm-up runs (set by the web context).
        self.warming: Callable[[], bool] = lambda: False

    @contextmanager
    def pinned(self, wait: bool = True) -> Iterator[None]:
        """Within the block (one request, one thread) the state key is read once, not on every get;
        with ``wait=False`` a result that is missing while the warm-up runs raises StillComputing."""
        self._pinned.key, self._pinned.impatient = self.state_key(), not wait
        try:
            yield
        finally:
            self._pinned.key, self._pinned.impatient = None, False

    def must_not_wait(self) -> bool:
        """Whether this thread serves a page that must not wait for the warm-up (see ``pinned``)."""
        return bool(getattr(self._pinned, "impatient", False)) and self.warming()

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

    def _key(self, name: str, extra: tuple, per_load: bool) -> tuple:
        state = getattr(self._pinned, "key", None) or (
            (self.ws.warehouse.generation,) if per_load else self.state_key()
        )
        return (name, *extra, *(state[:1] if per_load else state))

    def get(
        self, name: str, compute: Callable[[], Any], *extra: Any, per_load: bool = False, item: bool = False
    ) -> Any:
        """The result of ``compute()`` for (``name``, ``extra``, the state); ``per_load``: for the
        data only; ``item``: one of many small results (kept in their own, larger LRU)."""
        key = self._key(name, extra, per_load)
        results, size = (self._items, self.many) if item else (self._results, self.size)
        with self._guard:
            if key in results:
                results.move_to_end(key)
                return results[key]
            lock = self._locks.setdefault(name, threading.Lock())
        if self.must_not_wait():
            raise StillComputing(name)
        with lock:  # one computation per name at a time; the others wait for its result
            with self._guard:
                if key in results:
                    return results[key]
            value = compute()
            with self._guard:
                self.computed += 1
                results[key] = value
                while len(results) > size:
                    results.popitem(last=False)
            return value
