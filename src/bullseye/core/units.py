"""The units each outcome is measured on, in the discovery and the holdout accounts.

win: each account's new-business opportunity (won or lost); velocity and value: the accounts whose
opportunity was won, with the first win's days to close, discount and amount; retention and
stickiness: the customers among the accounts. Expansions and renewals are never units (see
:mod:`bullseye.core.dataset`). The split is by account, so no account is on both sides;
retention follows each customer from its first start to its churn or the as-of date.

Internal columns (durations, churn events, the period) start with an underscore, which no loaded
column can: an account attribute named ``tenure`` or ``event`` is just an attribute.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from bullseye.core.dataset import PERIOD, UNIT, Dataset
from bullseye.core.outcome_names import OUTCOME_GROUPS, TARGET_PREFIX
from bullseye.errors import InvalidInputError

__all__ = [
    "Units",
    "units_for",
    "OUTCOME_GROUPS",
    "TARGET_PREFIX",
    "is_binary",
    "truthy",
    "holdout_retention",
    "retention_frame",
    "missing_cause",
    "DURATION",
    "EVENT",
    "TENURE",
    "ENTRY",
]

#: Columns :func:`holdout_retention` adds: days followed, churned (bool), days from the first start
#: to the same end, and days already survived when the following began (left truncation).
DURATION, EVENT, TENURE, ENTRY = "_duration", "_event", "_tenure", "_entry"


def is_binary(outcome: str) -> bool:
    """Outcomes measured as a yes/no rate: won vs lost, and account attributes used as targets."""
    return outcome == "win" or outcome.startswith(TARGET_PREFIX)


def truthy(value) -> int:
    if isinstance(value, str):
        return int(value.strip().casefold() in ("yes", "true", "1", "y", "sim"))
    return int(bool(value)) if value == value and value is not None else 0


@dataclass
class Units:
    """Rows (with attributes) and the target, for one period. Every row is one account."""

    rows: pd.DataFrame
    target: np.ndarray  # 0/1 for win; float for numeric outcomes; durations for retention
    events: np.ndarray | None = None  # retention: 1 = churned, 0 = still a customer (censored)
    unit: str = UNIT

    def __len__(self) -> int:
        return len(self.rows)

    def concat(self, other: Units) -> Units:
        events = None if self.events is None else np.concatenate([self.events, other.events])
        return Units(
            pd.concat([self.rows, other.rows], ignore_index=True),
            np.concatenate([self.target, other.target]),
            events,
            self.unit,
        )

    def take(self, mask: np.ndarray) -> Units:
        return Units(self.rows[mask], self.target[mask], None if self.events is None else self.events[mask], self.unit)

    def churned(self) -> np.ndarray:
        """The churn events of retention units (1 = churned); an error for units without them."""
        if self.events is None:
            raise InvalidInputError(f"these {self.unit}s have no churn events: only the retention outcome has them")
        return self.events


def _numeric(frame: pd.DataFrame, column: str, transform=None) -> Units:
    values = pd.to_numeric(frame[column], errors="coerce").to_numpy(float)
    keep = ~np.isnan(values)
    if transform is not None:
        values = transform(values)
    return Units(frame[keep].reset_index(drop=True), values[keep])


def units_for(data: Dataset, outcome: str) -> tuple[Units, Units]:
    """(discovery, holdout) units of one outcome."""
    periods = ("discovery", "holdout")
    if outcome.startswith(TARGET_PREFIX):  # an account attribute as a yes/no outcome of won accounts
        column = outcome[len(TARGET_PREFIX) :]
        won = [data.opportunities_in(p) for p in periods]
        parts = [w[w["won"] == 1].reset_index(drop=True) for w in won]
        return tuple(Units(p, p[column].map(truthy).to_numpy(np.int8)) for p in parts)  # type: ignore[return-value]
    if outcome == "win":
        parts = [data.opportunities_in(p).reset_index(drop=True) for p in periods]
        return tuple(Units(p, p["won"].to_numpy(np.int8)) for p in parts)  # type: ignore[return-value]
    if outcome in ("days_to_close", "discount", "acv"):
        column = {"days_to_close": "days_to_close", "discount": "discount", "acv": "amount"}[outcome]
        won = [data.opportunities_in(p) for p in periods]
        return tuple(_numeric(w[w["won"] == 1], column) for w in won)  # type: ignore[return-value]
    if outcome in ("usage", "nps"):
        column = {"usage": "avg_active_users", "nps": "nps"}[outcome]
        return tuple(_numeric(data.customers_in(p), column) for p in periods)  # type: ignore[return-value]
    if outcome == "retention":
        return _retention_units(data)
    raise ValueError(f"unknown outcome {outcome!r}")


def retention_frame(accounts: pd.DataFrame, as_of) -> pd.DataFrame:
    """Every customer followed from its first start to its churn or ``as_of``: the account's
    columns plus DURATION (days), EVENT (churned), TENURE (= DURATION) and ENTRY (0). Customers
    followed for 0 days (started on the as-of date) are left out."""
    customers = accounts[accounts["first_start"].notna() & accounts["churned"].notna()]
    start = pd.to_datetime(customers["first_start"])
    churned = customers["churned"].astype(bool).to_numpy()
    end = pd.to_datetime(customers["churn_date"]).where(churned, pd.Timestamp(as_of))
    days = (end - start).dt.days.to_numpy(float)
    out = customers.assign(**{DURATION: days, EVENT: churned, TENURE: days, ENTRY: np.zeros(len(days))})
    return out[out[DURATION] > 0].reset_index(drop=True)


def holdout_retention(accounts: pd.DataFrame, cutoff, as_of) -> pd.DataFrame:
    """Customers at risk in the holdout, with DURATION, EVENT, TENURE and ENTRY (days).

    ``accounts`` from a :class:`Dataset` (with its period column): the customers of the holdout
    accounts, each followed from its first start (no account is on both sides). Without a period
    column (plain per-account outcomes): the customers active at ``cutoff`` or starting after it,
    followed from the later of the cut and their start (ENTRY: days of tenure at the cut)."""
    if PERIOD in accounts.columns:
        return retention_frame(accounts[accounts[PERIOD] == "holdout"], as_of)
    customers = accounts[accounts["first_start"].notna() & accounts["churned"].notna()]
    start = pd.to_datetime(customers["first_start"])
    churned = customers["churned"].astype(bool).to_numpy()
    end = pd.to_datetime(customers["churn_date"]).where(churned, pd.Timestamp(as_of))
    cut = pd.Timestamp(cutoff)
    origin = start.where(start > cut, cut)
    out = customers.assign(
        **{
            DURATION: (end - origin).dt.days.to_numpy(float),
            EVENT: churned,
            TENURE: (end - start).dt.days.to_numpy(float),
            ENTRY: (origin - start).dt.days.to_numpy(float),
        }
    )
    return out[(end >= cut).to_numpy() & (out[DURATION] > 0).to_numpy()].reset_index(drop=True)


def _retention_units(data: Dataset) -> tuple[Units, Units]:
    extra = [DURATION, EVENT, TENURE, ENTRY]
    parts = []
    for period in ("discovery", "holdout"):
        frame = retention_frame(data.accounts[data.accounts[PERIOD] == period], data.as_of)
        parts.append(Units(frame.drop(columns=extra), frame[DURATION].to_numpy(float), frame[EVENT].to_numpy(np.int8)))
    return parts[0], parts[1]


def missing_cause(data: Dataset, outcome: str) -> str | None:
    """Why an outcome has no units at all, in the user's words (the real cause, not "not enough
    data"), or None when it has some. The engine's refusal can print it as it is."""
    opps = data.opportunities
    if outcome == "win":
        if opps.empty:
            return "no closed (won or lost) deals with a known account: win needs the deals table"
        won = int(opps["won"].sum())
        if won == 0 or won == len(opps):
            return f"{len(opps) - won} lost and {won} won accounts: win discovery needs both"
        return None
    if outcome in ("days_to_close", "discount", "acv"):
        won = opps[opps["won"] == 1]
        column = {"days_to_close": "days_to_close", "discount": "discount", "acv": "amount"}[outcome]
        if won.empty:
            return "no won deals: velocity and value are measured on the accounts won"
        if won[column].notna().any():
            return None
        if outcome == "days_to_close":
            return "the won deals have no creation or close date, so days to close cannot be measured"
        return f"the won deals have no {'discount (or list price)' if outcome == 'discount' else 'amount'}"
    if outcome == "retention":
        if not data.accounts["first_start"].notna().any():
            return "no customers with a start date: retention needs the subscriptions table"
        return None
    if outcome in ("usage", "nps"):
        column = {"usage": "avg_active_users", "nps": "nps"}[outcome]
        if not data.accounts[column].notna().any():
            return f"no {'usage' if outcome == 'usage' else 'NPS scores'} for any customer"
    return None
