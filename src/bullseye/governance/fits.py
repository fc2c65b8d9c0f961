"""What a preview fits, computed once per state of the data within a process.

A preview builds the dataset, fits the draft's scorecard and the version in use's, and backtests
both; publishing right after previews the same draft again. :class:`FitMemo` keeps those results
for one *data key* and an ICP's content hash, so the second call reuses the first's work. The data
key is what every result depends on besides the definitions: the live warehouse file (a write
never changes it, it switches in a new generation file, so its name, inode and modification time
name the data exactly, even after a workspace is deleted and made again), bullseye.yaml, and
today's date (the as-of date and the gate depend on it). One memo per workspace folder and
process, shared by every Workspace object on it (the web's request threads and background jobs
each open their own); a few folders are kept. When the data key changes everything is dropped:
nothing stale is ever returned.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from bullseye.core.dataset import Dataset
    from bullseye.scoring.scorecard import ScoreCard
    from bullseye.strategy.icp import ICP
    from bullseye.workspace import Workspace

__all__ = ["FitMemo", "fit_memo", "MAX_ENTRIES", "KEEP_FOLDERS"]

T = TypeVar("T")
_GUARD = threading.Lock()
#: Workspace folders whose memos are kept (a test run or a notebook opens many).
KEEP_FOLDERS = 4
_MEMOS: OrderedDict[str, FitMemo] = OrderedDict()
#: Results kept per data key (the dataset, and scorecards, backtests and previews of recent drafts).
MAX_ENTRIES = 24


class FitMemo:
    """Results keyed by what they depend on, for the current data key only."""

    def __init__(self) -> None:
        self._key: tuple | None = None
        self._values: dict[tuple, Any] = {}
        self._lock = threading.RLock()

    def data_key(self, ws: Workspace) -> tuple:
        """What every memoised result depends on besides its own arguments."""
        live = ws.warehouse.live_file()
        stat = live.stat()
        return (str(live), stat.st_ino, stat.st_mtime_ns, ws.settings.model_dump_json(), date.today().isoformat())

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
                    del self._values[next(k for k in self._values if k != ("dataset",))]
                return self._values[what]
        return value

    def dataset(self, ws: Workspace) -> Dataset:
        """The default dataset (``build_dataset(ws)``)."""
        from bullseye.core.dataset import build_dataset

        return self.get(ws, ("dataset",), lambda: build_dataset(ws))

    def scorecard(self, ws: Workspace, icp: ICP) -> ScoreCard:
        """``icp``'s scorecard fitted on the default dataset."""
        from bullseye.scoring.scorecard import fit_scorecard

        return self.get(ws, ("scorecard", icp.content_hash()), lambda: fit_scorecard(ws, icp, dataset=self.dataset(ws)))

    def backtest(self, ws: Workspace, icp: ICP) -> dict[str, Any]:
        """``icp``'s backtest on the default dataset (as a dict), sharing its scorecard fit."""
        from bullseye.scoring.backtest import backtest

        def compute() -> dict[str, Any]:
            data = self.dataset(ws)
            has_wins = len(opportunities := data.opportunities_in("discovery")) > 0 and (
                opportunities["won"].nunique() == 2
            )
            card = self.scorecard(ws, icp) if has_wins else None
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
