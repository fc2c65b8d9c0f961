"""What a preview fits, computed once per state of the data within a process.

A preview builds the dataset, fits the draft's scorecard and the version in use's, and backtests
both; publishing right after previews the same draft again. :class:`FitMemo` keeps those results
for one *data key* (the warehouse generation, which grows with every finished write, bullseye.yaml
and today's date, which the as-of date and the gate depend on) and an ICP's content hash, so the
second call reuses the first's work. The memo lives on the Workspace object (one per open
workspace, none shared between processes) and drops everything when the data key changes: a
load, a publish or a new day recomputes, and nothing stale is ever returned.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from bullseye.core.dataset import Dataset
    from bullseye.scoring.scorecard import ScoreCard
    from bullseye.strategy.icp import ICP
    from bullseye.workspace import Workspace

__all__ = ["FitMemo", "fit_memo", "MAX_ENTRIES"]

T = TypeVar("T")
_ATTRIBUTE = "_fit_memo"
_GUARD = threading.Lock()
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
        return (ws.warehouse.generation, ws.settings.model_dump_json(), date.today().isoformat())

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
    """The workspace object's memo (made on first use)."""
    with _GUARD:
        memo = getattr(ws, _ATTRIBUTE, None)
        if memo is None:
            memo = FitMemo()
            setattr(ws, _ATTRIBUTE, memo)
    return memo
