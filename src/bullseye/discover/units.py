"""The units each outcome is measured on, split into the discovery and the holdout period.

win: closed deals (won or lost); velocity and value: won deals; stickiness: customers. Retention
is split in time differently: discovery follows every customer up to the cut date, and the holdout
follows the customers active at the cut date from then on, so churn is confirmed on the future.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from bullseye.discover.dataset import Dataset

__all__ = ["Units", "units_for", "OUTCOME_GROUPS", "TARGET_PREFIX", "is_binary", "truthy", "holdout_retention"]

#: The names users type for --outcome, and the outcomes each stands for.
OUTCOME_GROUPS = {
    "win": ("win",),
    "velocity": ("days_to_close", "discount"),
    "value": ("acv",),
    "retention": ("retention",),
    "stickiness": ("usage", "nps"),
}
OUTCOME_GROUPS["all"] = tuple(o for group in OUTCOME_GROUPS.values() for o in group)
#: ``target:<attribute>``: an account attribute searched as a yes/no outcome of won deals.
TARGET_PREFIX = "target:"


def is_binary(outcome: str) -> bool:
    """Outcomes measured as a yes/no rate: won vs lost, and account attributes used as targets."""
    return outcome == "win" or outcome.startswith(TARGET_PREFIX)


def truthy(value) -> int:
    if isinstance(value, str):
        return int(value.strip().casefold() in ("yes", "true", "1", "y", "sim"))
    return int(bool(value)) if value == value and value is not None else 0


@dataclass
class Units:
    """Rows (with attributes) and the target, for one period."""

    rows: pd.DataFrame
    target: np.ndarray  # 0/1 for win; float for numeric outcomes; durations for retention
    events: np.ndarray | None = None  # retention: 1 = churned, 0 = still a customer (censored)

    def __len__(self) -> int:
        return len(self.rows)

    def concat(self, other: Units) -> Units:
        events = None if self.events is None else np.concatenate([self.events, other.events])
        return Units(pd.concat([self.rows, other.rows], ignore_index=True),
                     np.concatenate([self.target, other.target]), events)

    def take(self, mask: np.ndarray) -> Units:
        return Units(self.rows[mask], self.target[mask], None if self.events is None else self.events[mask])


def _numeric(frame: pd.DataFrame, column: str, transform=None) -> Units:
    values = pd.to_numeric(frame[column], errors="coerce").to_numpy(float)
    keep = ~np.isnan(values)
    if transform is not None:
        values = transform(values)
    return Units(frame[keep].reset_index(drop=True), values[keep])


def units_for(data: Dataset, outcome: str) -> tuple[Units, Units]:
    """(discovery, holdout) units of one outcome."""
    if outcome.startswith(TARGET_PREFIX):  # an account attribute as a yes/no outcome of won deals
        column = outcome[len(TARGET_PREFIX):]
        won = data.deals[data.deals["won"] == 1]
        parts = [won[won["period"] == p].reset_index(drop=True) for p in ("discovery", "holdout")]
        return tuple(Units(p, p[column].map(truthy).to_numpy(np.int8)) for p in parts)  # type: ignore[return-value]
    if outcome == "win":
        parts = [data.deals_in(p) for p in ("discovery", "holdout")]
        return tuple(Units(p.reset_index(drop=True), p["won"].to_numpy(np.int8)) for p in parts)  # type: ignore[return-value]
    if outcome in ("days_to_close", "discount", "acv"):
        column = {"days_to_close": "days_to_close", "discount": "discount", "acv": "amount"}[outcome]
        won = data.deals[data.deals["won"] == 1]
        return tuple(_numeric(won[won["period"] == p], column) for p in ("discovery", "holdout"))  # type: ignore[return-value]
    if outcome in ("usage", "nps"):
        column = {"usage": "avg_active_users", "nps": "nps"}[outcome]
        return tuple(_numeric(data.customers_in(p), column) for p in ("discovery", "holdout"))  # type: ignore[return-value]
    if outcome == "retention":
        return _retention_units(data)
    raise ValueError(f"unknown outcome {outcome!r}")


def holdout_retention(accounts: pd.DataFrame, cutoff, as_of) -> pd.DataFrame:
    """Customers at risk in the holdout window: active at the cut or starting after it.

    Columns: the account's, plus ``duration`` (days from the later of the cut and the start to
    the churn or the as-of date), ``event`` (churned), ``tenure`` (days from the start to the same
    end) and ``entry`` (days of tenure at the cut; 0 for customers who started after it).
    """
    customers = accounts[accounts["first_start"].notna() & accounts["churned"].notna()]
    start = pd.to_datetime(customers["first_start"])
    churned = customers["churned"].astype(bool).to_numpy()
    end = pd.to_datetime(customers["churn_date"]).where(churned, pd.Timestamp(as_of))
    cut = pd.Timestamp(cutoff)
    origin = start.where(start > cut, cut)
    out = customers.assign(duration=(end - origin).dt.days.to_numpy(float), event=churned,
                           tenure=(end - start).dt.days.to_numpy(float),
                           entry=(origin - start).dt.days.to_numpy(float))
    return out[(end >= cut).to_numpy() & (out["duration"] > 0).to_numpy()].reset_index(drop=True)


def _retention_units(data: Dataset) -> tuple[Units, Units]:
    accounts = data.accounts
    customers = accounts[accounts["first_start"].notna() & accounts["churned"].notna()].reset_index(drop=True)
    start = pd.to_datetime(customers["first_start"])
    churned = customers["churned"].astype(bool).to_numpy()
    end = pd.to_datetime(customers["churn_date"]).where(churned, pd.Timestamp(data.as_of))
    cut = pd.Timestamp(data.cutoff)
    # Discovery: customers who started before the cut, followed up to the cut.
    seen_end = end.where(end < cut, cut)
    duration = (seen_end - start).dt.days.to_numpy(float)
    event = churned & (end < cut).to_numpy()
    found = (start < cut).to_numpy() & (duration > 0)
    # Holdout: the customers at risk from the cut on (the window the backtest measures too).
    window = holdout_retention(customers, data.cutoff, data.as_of)
    extra = ["duration", "event", "tenure", "entry"]
    return (
        Units(customers[found].reset_index(drop=True), duration[found], event[found].astype(np.int8)),
        Units(window.drop(columns=extra), window["duration"].to_numpy(float), window["event"].to_numpy(np.int8)),
    )
