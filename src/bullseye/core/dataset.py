"""The data discovery, validation and scoring work on: accounts with their attributes and
outcomes, their closed deals, and one new-business opportunity per account, split by account
between discovery and the holdout.

**The unit is the account.** Win, velocity and value are measured on each account's new-business
opportunity: its closed deals created before its first win (all its closed deals if it never won).
The account counts as won when that attempt was won, with the first win's dates, amount and
discount for velocity and value. Deals created after the first win (expansions, renewals) stay in
``deals`` with ``new_business`` False and never count as evidence for a segment. Retention and
stickiness are measured on the customers among the same accounts.

**The holdout holds whole accounts** (:mod:`bullseye.core.split`): the accounts first seen from
the cut on (by their first new-business deal, else their first subscription), or a seeded random
share when dates cannot be used, so no account is on both sides. Segments are *found* on the
discovery accounts and *confirmed* on the holdout accounts.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from bullseye.core.screening import EXCLUDED_ATTRIBUTES, usable_attributes
from bullseye.core.split import Split, split_accounts
from bullseye.errors import InvalidInputError, MissingTableError, NotEnoughDataError
from bullseye.outcomes.per_account import account_outcomes, deals_as_of, resolve_as_of

__all__ = [
    "Dataset",
    "build_dataset",
    "EXCLUDED_ATTRIBUTES",
    "PERIOD",
    "UNIT",
    "DEAL_COLUMNS",
    "new_business_flags",
    "opportunities",
]

#: What win, velocity, value, retention and stickiness count: one unit per account.
UNIT = "accounts"
#: The internal column holding an account's side of the split (``discovery``/``holdout``). It starts
#: with an underscore, which no loaded column can (headers are normalised), so it never meets an attribute.
PERIOD = "_period"
#: Columns of the deal frames; an account attribute with one of these names is renamed
#: ``<name>_attribute`` (as :func:`bullseye.outcomes.per_account.account_attributes` does for outcomes).
DEAL_COLUMNS = (
    "deal_id",
    "stage",
    "closed_at",
    "amount",
    "discount",
    "days_to_close",
    "won",
    "decided_at",
    "opened_at",
    "new_business",
    "attempt_deals",
)

OUTCOME_FIELDS = (
    "deals_won",
    "deals_lost",
    "deals_open",
    "win_rate",
    "days_to_close",
    "discount",
    "acv",
    "is_customer",
    "current_arr",
    "first_start",
    "tenure_days",
    "churned",
    "churn_date",
    "arr_12m_ago",
    "nrr",
    "realised_revenue",
    "avg_active_users",
    "usage_trend",
    "nps",
)


@dataclass
class Dataset:
    """Accounts, closed deals and new-business opportunities as of one date, split by account."""

    as_of: dt.date
    split: Split
    accounts: pd.DataFrame  # one row per account: attributes + outcomes + PERIOD (None: no deal, not a customer)
    deals: pd.DataFrame  # closed deals: deal_id, account_id, won, new_business, decided_at, ... + attributes + PERIOD
    opportunities: pd.DataFrame  # one new-business opportunity per account (columns as deals, + attempt_deals)
    attributes: list[str]
    skipped: dict[str, str] = field(default_factory=dict)  # attribute -> why it is not used
    unit: str = UNIT

    @property
    def cutoff(self) -> dt.date | None:
        """The first day of the holdout for a time split; None for a random split."""
        return self.split.cutoff

    @property
    def split_line(self) -> str:
        return self.split.line

    def deals_in(self, period: str) -> pd.DataFrame:
        """The closed deals (expansions included, flagged ``new_business`` False) of the period's accounts."""
        return self.deals[self.deals[PERIOD] == period]

    def opportunities_in(self, period: str) -> pd.DataFrame:
        """One new-business opportunity per account of the period."""
        return self.opportunities[self.opportunities[PERIOD] == period]

    @property
    def expansions(self) -> pd.DataFrame:
        """Closed deals after an account's first win (expansions, renewals): measured apart."""
        return self.deals[~self.deals["new_business"].astype(bool)]

    def customers_in(self, period: str) -> pd.DataFrame:
        customers = self.accounts[self.accounts["is_customer"].eq(True) & self.accounts["first_start"].notna()]
        return customers[customers[PERIOD] == period]

    def counts(self, period: str) -> dict[str, int]:
        """What the period holds, for a refusal that names the count ("0 churn events before ...")."""
        opps = self.opportunities_in(period)
        customers = self.customers_in(period)
        return {
            "accounts": int(len(opps)),
            "won": int(opps["won"].sum()),
            "lost": int((opps["won"] == 0).sum()),
            "customers": int(len(customers)),
            "churn_events": int(customers["churned"].eq(True).sum()),
        }

    @property
    def date_range(self) -> tuple[dt.date, dt.date] | None:
        decided = pd.to_datetime(self.deals["decided_at"], errors="coerce").dropna() if len(self.deals) else None
        if decided is not None and len(decided):
            return (decided.min().date(), decided.max().date())
        starts = pd.to_datetime(self.accounts["first_start"], errors="coerce").dropna()
        return (starts.min().date(), self.as_of) if len(starts) else None


def _rename_clashes(accounts: pd.DataFrame, attribute_columns: list[str]) -> list[str]:
    """Rename (in place) account attributes named like a deal column: ``amount`` -> ``amount_attribute``."""
    renamed = []
    for name in attribute_columns:
        if name in DEAL_COLUMNS and name in accounts.columns:
            accounts.rename(columns={name: f"{name}_attribute"}, inplace=True)
            renamed.append(f"{name}_attribute")
        else:
            renamed.append(name)
    return renamed


def _closed_deals(ws, day: dt.date, until: dt.date | None) -> pd.DataFrame:
    """Won and lost deals with a known account as of ``day``, with ``won``, ``decided_at`` (closed,
    else created: a lost deal is often exported without a close date) and ``opened_at`` (created,
    else decided). Deals with no date at all are kept: they are placed by account, not by time."""
    columns = ["deal_id", "account_id", "stage", "created_at", "closed_at", "amount", "discount", "days_to_close"]
    if not ws.has_table("deals"):
        return pd.DataFrame({c: pd.Series(dtype=object) for c in columns}).assign(
            won=pd.Series(dtype=np.int8),
            decided_at=pd.Series(dtype=object),
            opened_at=pd.Series(dtype="datetime64[ns]"),
        )
    deals = deals_as_of(ws, day).to_pandas()
    deals = deals[deals["stage"].isin(["won", "lost"]) & deals["account_id"].notna()].copy()
    deals["won"] = (deals["stage"] == "won").astype(np.int8)
    decided = pd.to_datetime(deals["closed_at"]).fillna(pd.to_datetime(deals["created_at"]))
    if until is not None:
        deals, decided = deals[(decided < pd.Timestamp(until)).to_numpy()], decided[decided < pd.Timestamp(until)]
    deals["opened_at"] = pd.to_datetime(deals["created_at"]).fillna(decided)
    deals["decided_at"] = decided.dt.date.where(decided.notna(), None)
    return deals.reset_index(drop=True)


def _why_none(ws) -> str:
    """What the deals table holds when none of its deals counts: all open (a stage no rule reads
    as won or lost), or closed but with no account."""
    if not ws.has_table("deals"):
        return ""
    deals = ws.warehouse.con.table("deals").select("stage", "stage_raw").to_pandas()
    if deals.empty:
        return ""
    closed = deals["stage"].isin(["won", "lost"])
    if not closed.any():
        stages = deals["stage_raw"].value_counts().head(3)
        named = ", ".join(f"'{stage}' ({n:,})" for stage, n in stages.items())
        return (
            f": all {len(deals):,} deals are open, no stage reads as won or lost ({named}); map the stages "
            "in a mapping file (values: {stage: {...: won}}, see docs/loading.md)"
        )
    return f": the {int(closed.sum()):,} closed deals have no account_id that is a loaded account"


def new_business_flags(deals: pd.DataFrame) -> np.ndarray:
    """True for the deals of each account's new-business attempt: its first win (the earliest by
    decision date) and every closed deal opened before that win was decided; False for the deals
    opened after it (expansions, renewals). An account that never won: all its deals."""
    decided = pd.to_datetime(deals["decided_at"], errors="coerce")
    won = deals["won"].to_numpy() == 1
    ranked = pd.DataFrame(
        {
            "account_id": deals["account_id"].to_numpy(),
            "decided": decided.to_numpy(),
            "deal": deals["deal_id"].astype(str).to_numpy(),
        }
    )[won]
    ranked = ranked.sort_values(["decided", "deal"], na_position="last", kind="stable")
    first = ranked.drop_duplicates("account_id")
    first_win = pd.Series(first["decided"].to_numpy(), index=first["account_id"].to_numpy())
    is_first = np.zeros(len(deals), dtype=bool)
    is_first[first.index.to_numpy()] = True
    before = pd.to_datetime(deals["account_id"].map(first_win))
    opened = pd.to_datetime(deals["opened_at"], errors="coerce")
    return (before.isna() | (opened < before) | opened.isna()).to_numpy() | is_first


def opportunities(deals: pd.DataFrame) -> pd.DataFrame:
    """One new-business opportunity per account (see the module docstring): the first win's row for
    an account that won, else its last lost deal; ``opened_at`` the attempt's first date and
    ``attempt_deals`` how many closed deals it took."""
    attempt = deals[deals["new_business"]]
    decided = pd.to_datetime(attempt["decided_at"], errors="coerce")
    order = attempt.assign(_decided=decided, _deal=attempt["deal_id"].astype(str))
    won = order[order["won"] == 1].sort_values(["_decided", "_deal"], na_position="last", kind="stable")
    won = won.drop_duplicates("account_id")
    lost = order[~order["account_id"].isin(won["account_id"])]
    lost = lost.sort_values(["_decided", "_deal"], na_position="first", kind="stable").drop_duplicates(
        "account_id", keep="last"
    )
    per_account = attempt.groupby("account_id", as_index=False).agg(
        opened_at=("opened_at", "min"), attempt_deals=("deal_id", "size")
    )
    rows = pd.concat([won, lost]).drop(columns=["_decided", "_deal", "opened_at", "attempt_deals"], errors="ignore")
    rows = rows.merge(per_account, on="account_id", how="left")
    return rows.sort_values("account_id", kind="stable").reset_index(drop=True)


def _first_seen(accounts: pd.DataFrame, opps: pd.DataFrame) -> pd.Series:
    """When each unit account was first seen: its first new-business deal, else its first
    subscription (a customer without a deal)."""
    by_deal = pd.Series(pd.to_datetime(opps["opened_at"]).to_numpy(), index=opps["account_id"].to_numpy())
    customers = accounts[accounts["first_start"].notna() & ~accounts["account_id"].isin(by_deal.index)]
    by_start = pd.Series(pd.to_datetime(customers["first_start"]).to_numpy(), index=customers["account_id"].to_numpy())
    parts = [part for part in (by_deal, by_start) if len(part)]
    return pd.concat(parts) if parts else by_deal


def build_dataset(
    ws,
    as_of: object = None,
    holdout_share: float = 0.3,
    until: dt.date | None = None,
    target: str | None = None,
    seed: int = 0,
    by_time: bool = True,
) -> Dataset:
    """Accounts with outcomes, their closed deals and new-business opportunities, split by account:
    about ``holdout_share`` of the accounts go to the holdout (the newest, or a ``seed``-ed random
    share when time cannot be used). ``until`` keeps only deals decided before it (for an outcome
    that needs time to show, such as activation); ``target`` is an account attribute used as an
    outcome, kept on the deals and out of the attributes. ``by_time=False``: the seeded random split
    even where dates could be used."""
    if not 0 < holdout_share < 1:
        raise InvalidInputError("holdout_share must be between 0 and 1")
    day = resolve_as_of(ws, as_of)
    accounts = account_outcomes(ws, day).to_pandas()
    raw_columns = [c for c in ws.table("accounts").columns if not c.startswith("_")]
    attribute_columns = [c if c in accounts.columns else f"{c}_attribute" for c in raw_columns]
    attribute_columns = _rename_clashes(accounts, attribute_columns)
    if target is not None and target not in accounts.columns:
        raise InvalidInputError(
            f"--target '{target}' is not an account attribute; the accounts have: "
            f"{', '.join(c for c in attribute_columns if c in accounts.columns)}"
        )
    attributes, skipped = usable_attributes(
        accounts, [c for c in attribute_columns if c in accounts.columns and c != target], ws.settings.attributes
    )
    if target is not None:
        skipped[target] = "the outcome being searched"
    deals = _closed_deals(ws, day, until)
    has_customers = bool(accounts["first_start"].notna().any())
    if deals.empty and not has_customers:
        if not ws.has_table("deals") and not ws.has_table("subscriptions"):
            raise MissingTableError(
                "discovery needs closed deals (the deals table) or customers (the subscriptions "
                "table); load one with `bullseye load`"
            )
        raise NotEnoughDataError(
            "no closed (won or lost) deals with a known account and no customers as of "
            + day.isoformat()
            + _why_none(ws)
        )
    extra = [target] if target is not None else []
    deals = deals.merge(accounts[["account_id", *attributes, *extra]], on="account_id", how="inner")
    deals["new_business"] = new_business_flags(deals) if len(deals) else np.zeros(0, dtype=bool)
    opps = opportunities(deals)
    dated_by = "no deal dates" if len(deals) else "no subscription start dates"
    period, split = split_accounts(_first_seen(accounts, opps), holdout_share, seed, dated_by, by_time)
    for frame in (deals, opps, accounts):
        frame[PERIOD] = frame["account_id"].map(period).astype(object)
    accounts[PERIOD] = accounts[PERIOD].where(accounts[PERIOD].notna(), None)
    return Dataset(day, split, accounts, deals, opps, attributes, skipped)
