"""What a preview fits, computed once per state of the data within a process.

A preview builds the dataset, runs the leakage guard on it, fits the draft's scorecard and the
version in use's, and backtests both; publishing right after previews the same draft again.
:class:`FitMemo` keeps those results for one *data key* and an ICP's content hash, so the second
call reuses the first's work. The data key is what every result depends on besides the
definitions: the live warehouse file (a write never changes it, it switches in a new generation
file, so its name, inode and modification time name the data exactly, even after a workspace is
deleted and made again), bullseye.yaml, and today's date (the as-of date and the gate depend on
it). One memo per workspace folder and process, shared by every Workspace object on it (the web's
request threads and background jobs each open their own); a few folders are kept. When the data
key changes everything is dropped: nothing stale is ever returned.

A write of the lifecycle's own tables (a publish's version, triggers, notification deliveries)
goes through :func:`lifecycle_write`: the generation it makes holds the same data tables as the one
it copied, so the memo carries its results over to it instead of refitting after every publish.
A load makes a generation no lifecycle write vouches for, so everything is computed again.

The dataset and the scorecards are shared by every caller of one data state: they are handed out
as copies (:func:`_dataset_copy`, ``copy.deepcopy``), so a caller that changes one changes
nothing for the next.
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from ibis.backends.duckdb import Backend as DuckDBBackend

    from bullseye.core.dataset import Dataset
    from bullseye.scoring.scorecard import ScoreCard
    from bullseye.strategy.icp import ICP
    from bullseye.workspace import Workspace

__all__ = ["FitMemo", "fit_memo", "lifecycle_write", "MAX_ENTRIES", "KEEP_FOLDERS"]

T = TypeVar("T")
_GUARD = threading.Lock()
#: Workspace folders whose memos are kept (a test run or a notebook opens many).
KEEP_FOLDERS = 4
_MEMOS: OrderedDict[str, FitMemo] = OrderedDict()
#: Results kept per data key (the dataset, and scorecards, backtests and previews of recent drafts).
MAX_ENTRIES = 24
#: Entries every other one is computed from: never dropped to make room for a draft's.
_SHARED = {("dataset",), ("attributes",)}


class FitMemo:
    """Results keyed by what they depend on, for the current data key only."""

    def __init__(self) -> None:
        self._key: tuple | None = None
        self._values: dict[tuple, Any] = {}
        self._lock = threading.RLock()

    def data_key(self, ws: Workspace, live: Path | None = None) -> tuple:
        """What every memoised result depends on besides its own arguments (``live``: that
        generation file instead of the live one)."""
        live = live if live is not None else ws.warehouse.live_file()
        stat = live.stat()
        return (str(live), stat.st_ino, stat.st_mtime_ns, ws.settings.model_dump_json(), date.today().isoformat())

    def carry_over(self, before: tuple, after: tuple) -> None:
        """The data under key ``after`` is the same as under ``before``: keep what was computed."""
        with self._lock:
            if self._key == before:
                self._key = after

    def get(self, ws: Workspace, what: tuple, compute: Callable[[], T]) -> T:
        """The value of ``compute()`` for ``what`` under the current data, computed at most once."""
        key = self.data_key(ws)
        with self._lock:
            if key != self._key:
                self._key, self._values = key, {}
            if what in self._values:
                return self._values[what]
        value = compute()  # outside the lock: a slow fit does not hold up other keys
        with self._lock:
            if key == self._key:
                self._values.setdefault(what, value)
                while len(self._values) > MAX_ENTRIES:  # an editor's many drafts: drop the oldest
                    del self._values[next(k for k in self._values if k not in _SHARED)]
                return self._values[what]
        return value

    def dataset(self, ws: Workspace) -> Dataset:
        """The default dataset (``build_dataset(ws)``), a copy of the one kept."""
        return _dataset_copy(self._dataset(ws))

    def _dataset(self, ws: Workspace) -> Dataset:
        from bullseye.core.dataset import build_dataset

        return self.get(ws, ("dataset",), lambda: build_dataset(ws))

    def attributes(self, ws: Workspace) -> list[str]:
        """The default dataset's attributes the leakage guard leaves (``non_leaking_attributes``):
        the guard runs once per data state, not once per scorecard fitted."""
        from bullseye.discover.leakage import non_leaking_attributes

        return list(self.get(ws, ("attributes",), lambda: tuple(non_leaking_attributes(ws, self._dataset(ws)))))

    def scorecard(self, ws: Workspace, icp: ICP) -> ScoreCard:
        """``icp``'s scorecard fitted on the default dataset, a copy of the one kept."""
        return copy.deepcopy(self._scorecard(ws, icp))

    def _scorecard(self, ws: Workspace, icp: ICP) -> ScoreCard:
        from bullseye.scoring.scorecard import fit_scorecard

        def compute() -> ScoreCard:
            return fit_scorecard(ws, icp, dataset=self._dataset(ws), attributes=self.attributes(ws))

        return self.get(ws, ("scorecard", icp.content_hash()), compute)

    def backtest(self, ws: Workspace, icp: ICP) -> dict[str, Any]:
        """``icp``'s backtest on the default dataset (as a dict), sharing its scorecard fit."""
        from bullseye.scoring.backtest import backtest

        def compute() -> dict[str, Any]:
            data = self._dataset(ws)  # read, never changed, by the backtest
            has_wins = len(opportunities := data.opportunities_in("discovery")) > 0 and (
                opportunities["won"].nunique() == 2
            )
            card = self._scorecard(ws, icp) if has_wins else None
            return backtest(ws, icp, chart=False, dataset=data, card=card).to_dict()

        return self.get(ws, ("backtest", icp.content_hash()), compute)


def fit_memo(ws: Workspace) -> FitMemo:
    """The memo of the workspace's folder in this process (made on first use)."""
    root = str(ws.root)
    with _GUARD:
        memo = _MEMOS.pop(root, None) or FitMemo()
        _MEMOS[root] = memo  # the most recently used last
        while len(_MEMOS) > KEEP_FOLDERS:
            _MEMOS.popitem(last=False)
    return memo


def _dataset_copy(data: Dataset) -> Dataset:
    """``data`` with its own frames, lists and dicts: what a caller changes stays its own."""
    return dataclasses.replace(
        data,
        accounts=data.accounts.copy(),
        deals=data.deals.copy(),
        opportunities=data.opportunities.copy(),
        attributes=list(data.attributes),
        skipped=dict(data.skipped),
    )


@contextlib.contextmanager
def lifecycle_write(ws: Workspace) -> Iterator[DuckDBBackend]:
    """``ws.warehouse.transaction()`` for a write of the lifecycle's tables only (versions,
    triggers, deliveries): the generation it makes has the data tables of the one it copied, so
    the memo's fits carry over to it. The caller must not write a data table in the block."""
    memo = fit_memo(ws)
    with ws.warehouse.transaction() as con:
        copied = ws.warehouse.live_file()  # under the write lock: the generation this write copies
        before = memo.data_key(ws, copied)
        yield con
    made = ws.warehouse.live_file()
    # Another writer may have switched in a later generation since: then nothing is carried over.
    if _number(made) == _number(copied) + 1 > 0:
        with contextlib.suppress(OSError):  # made and removed by another writer meanwhile
            memo.carry_over(before, memo.data_key(ws, made))


def _number(file: Path) -> int:
    """A generation file's number (-1 for a warehouse made before generations)."""
    found = re.search(r"\.g(\d+)\.duckdb$", file.name)
    return int(found.group(1)) if found else -1
