"""The data discovery, validation and scoring work on: accounts with their attributes and
outcomes, and closed deals with their account's attributes, split in time.

Segments are *found* on the older part of the data and *confirmed* on the newer part (the
holdout), so a reported lift is measured on data it was not found on.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from bullseye.discover.screening import EXCLUDED_ATTRIBUTES, usable_attributes
from bullseye.errors import BullseyeError
from bullseye.outcomes import account_outcomes, deals_as_of, resolve_as_of

__all__ = ["Dataset", "build_dataset", "EXCLUDED_ATTRIBUTES"]

OUTCOME_FIELDS = (
    "deals_won", "deals_lost", "deals_open", "win_rate", "days_to_close", "discount", "acv", "is_customer",
    "current_arr", "first_start", "tenure_days", "churned", "churn_date", "arr_12m_ago", "nrr",
    "realised_revenue", "avg_active_users", "usage_trend", "nps",
)


@dataclass
class Dataset:
    """Accounts and closed deals as of one date, with the time cut between discovery and holdout."""

    as_of: dt.date
    cutoff: dt.date
    accounts: pd.DataFrame  # one row per account: attributes + outcomes + `period` for customers
    deals: pd.DataFrame  # closed deals: deal_id, account_id, won, closed_at, days_to_close, discount, amount + attributes
    attributes: list[str]
    skipped: dict[str, str] = field(default_factory=dict)  # attribute -> why it is not used

    def deals_in(self, period: str) -> pd.DataFrame:
        return self.deals[self.deals["period"] == period]

    def customers_in(self, period: str) -> pd.DataFrame:
        customers = self.accounts[self.accounts["is_customer"].eq(True)
                                  & self.accounts["first_start"].notna()]
        return customers[customers["period"] == period]

    @property
    def date_range(self) -> tuple[dt.date, dt.date] | None:
        if self.deals.empty:
            return None
        return (self.deals["decided_at"].min(), self.deals["decided_at"].max())


def build_dataset(ws, as_of: object = None, holdout_share: float = 0.3, until: dt.date | None = None,
                  target: str | None = None) -> Dataset:
    """Accounts with outcomes, and closed deals, split at the date leaving ``holdout_share`` of
    closed deals (and of customers by first start) to the newer part. ``until`` keeps only deals
    decided before it (for an outcome that needs time to show, such as activation); ``target`` is
    an account attribute used as an outcome, kept on the deals and out of the attributes."""
    if not 0 < holdout_share < 1:
        raise BullseyeError("holdout_share must be between 0 and 1")
    day = resolve_as_of(ws, as_of)
    accounts = account_outcomes(ws, day).to_pandas()
    raw_columns = [c for c in ws.table("accounts").columns if not c.startswith("_")]
    attribute_columns = [c if c in accounts.columns else f"{c}_attribute" for c in raw_columns]
    if target is not None and target not in accounts.columns:
        raise BullseyeError(f"--target '{target}' is not an account attribute; the accounts have: "
                            f"{', '.join(c for c in attribute_columns if c in accounts.columns)}")
    attributes, skipped = usable_attributes(
        accounts, [c for c in attribute_columns if c in accounts.columns and c != target], ws.settings.attributes)
    if target is not None:
        skipped[target] = "the outcome being searched"
    if not ws.has_table("deals"):
        raise BullseyeError("discovery needs the deals table (won and lost deals); load it with `bullseye load`")
    deals = deals_as_of(ws, day).to_pandas()
    deals = deals[deals["stage"].isin(["won", "lost"]) & deals["account_id"].notna()]
    extra = [target] if target is not None else []
    deals = deals.merge(accounts[["account_id", *attributes, *extra]], on="account_id", how="inner")
    deals["won"] = (deals["stage"] == "won").astype(np.int8)
    # A lost deal exported without a close date is placed in time by when it was created.
    decided = pd.to_datetime(deals["closed_at"]).fillna(pd.to_datetime(deals["created_at"]))
    deals = deals[decided.notna()].copy()
    deals["decided_at"] = decided[decided.notna()].dt.date
    if until is not None:
        deals = deals[deals["decided_at"] < until]
    if deals.empty:
        raise BullseyeError("no closed (won or lost) deals with a known account and a date as of " + day.isoformat())
    cutoff = _quantile_date(deals["decided_at"], 1 - holdout_share)
    deals["period"] = np.where(deals["decided_at"] < cutoff, "discovery", "holdout")
    first_start = pd.to_datetime(accounts["first_start"])
    accounts["period"] = np.where(first_start.isna(), None,
                                  np.where(first_start < pd.Timestamp(cutoff), "discovery", "holdout"))
    return Dataset(day, cutoff, accounts, deals.reset_index(drop=True), attributes, skipped)


def _quantile_date(dates: pd.Series, q: float) -> dt.date:
    ordinals = np.sort(np.array([d.toordinal() for d in dates]))
    return dt.date.fromordinal(int(ordinals[min(int(q * len(ordinals)), len(ordinals) - 1)]))
