"""Per-account outcomes: win rate, velocity, value, retention, stickiness.

Written once as Ibis expressions over the canonical tables; the warehouse (DuckDB by default)
executes them. Everything is computed *as of* one date so results are reproducible: rows dated
after it are ignored (a deal closed after the as-of date is still open, a subscription ending after
it is active). The exact definitions are in ``docs/outcomes.md``; the grouped summary with
uncertainty is in :mod:`bullseye.outcomes.summary`.

Example::

    ws = Workspace.find()
    per_account = account_outcomes(ws).to_pandas()
    print(ws.outcomes(by="employees"))
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import ibis
import ibis.expr.datatypes as dtypes
import ibis.expr.types as ir

from bullseye.errors import InvalidInputError

if TYPE_CHECKING:
    from bullseye.workspace import Workspace

__all__ = [
    "OUTCOME_COLUMNS",
    "OPTIONAL_TABLES",
    "LINEAGE_COLUMNS",
    "YEAR_DAYS",
    "WINDOW_DAYS",
    "resolve_as_of",
    "months_before",
    "account_attributes",
    "deals_as_of",
    "account_outcomes",
]

#: Lineage columns added by ingest; outcomes ignore them.
LINEAGE_COLUMNS = ("_file", "_line")
#: Tables outcomes use besides ``accounts``; each may be absent (its outcomes are then NULL).
OPTIONAL_TABLES = ("deals", "subscriptions", "usage", "notes")
#: Length of a year when turning days into years (realised revenue).
YEAR_DAYS = 365.25
#: The usage window: the last 12 weeks up to the as-of date, compared with the 12 weeks before.
WINDOW_DAYS = 84

#: The outcome columns of :func:`account_outcomes`, their types and the table each one needs.
OUTCOME_COLUMNS: dict[str, tuple[str, str | None]] = {
    "deals_won": ("int64", "deals"),
    "deals_lost": ("int64", "deals"),
    "deals_open": ("int64", "deals"),
    "win_rate": ("float64", "deals"),
    "days_to_close": ("float64", "deals"),
    "discount": ("float64", "deals"),
    "acv": ("float64", "deals"),
    "is_customer": ("boolean", None),
    "current_arr": ("float64", "subscriptions"),
    "first_start": ("date", "subscriptions"),
    "tenure_days": ("int64", "subscriptions"),
    "churned": ("boolean", "subscriptions"),
    "churn_date": ("date", "subscriptions"),
    "arr_12m_ago": ("float64", "subscriptions"),
    "nrr": ("float64", "subscriptions"),
    "realised_revenue": ("float64", "subscriptions"),
    "avg_active_users": ("float64", "usage"),
    "usage_trend": ("float64", "usage"),
    "nps": ("float64", "notes"),
}

# Date columns that define "the latest date in the data" (the default as-of date).
_DATE_COLUMNS = {
    "deals": ("created_at", "closed_at"),
    "subscriptions": ("start_date", "end_date"),
    "usage": ("period_start",),
    "notes": ("created_at",),
}


# -- as-of date ---------------------------------------------------------------------------------
def _to_date(value: object) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if hasattr(value, "to_pydatetime"):  # pandas.Timestamp
        return value.to_pydatetime().date()
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise InvalidInputError(f"as-of date {value!r} is not a date; write it as YYYY-MM-DD, e.g. 2025-06-30")


def resolve_as_of(ws: Workspace, as_of: object = None) -> dt.date:
    """The as-of date: ``as_of`` if given, else ``ws.settings.as_of``, else the latest date in the
    data (deals created/closed, subscription start/end, usage periods, notes) but never later than
    today, since a date in the future (a scheduled contract end) has not happened yet."""
    if as_of is not None:
        return _to_date(as_of)
    if ws.settings.as_of is not None:
        return _to_date(ws.settings.as_of)
    latest: list[dt.date] = []
    for name, columns in _DATE_COLUMNS.items():
        if not ws.has_table(name):
            continue
        table = ws.table(name)
        present = [c for c in columns if c in table.columns]
        if not present:
            continue
        row = table.aggregate(**{c: _typed(table, c, "date").max() for c in present}).to_pyarrow().to_pylist()[0]
        latest.extend(_to_date(v) for v in row.values() if v is not None)
    today = dt.date.today()
    return min(max(latest), today) if latest else today


def months_before(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` calendar months earlier (clamped to the month's last day)."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    month += 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return dt.date(year, month, min(day.day, candidate))
        except ValueError:
            continue
    raise AssertionError("unreachable")


# -- helpers ------------------------------------------------------------------------------------
def _typed(table: ir.Table, name: str, dtype: str) -> ir.Value:
    """Column ``name`` as ``dtype``; a typed NULL when the column is absent."""
    if name not in table.columns:
        return ibis.null(dtype)
    column = table[name]
    return column if column.type() == dtypes.dtype(dtype).copy(nullable=column.type().nullable) else column.cast(dtype)


def _left_join(left: ir.Table, right: ir.Table) -> ir.Table:
    joined = left.left_join(right, "account_id")
    return joined.drop("account_id_right") if "account_id_right" in joined.columns else joined


def account_attributes(ws: Workspace) -> dict[str, str]:
    """Account attributes (canonical and custom, lineage excluded) -> their column in
    :func:`account_outcomes` (renamed ``<name>_attribute`` only if it clashes with an outcome)."""
    accounts = ws.table("accounts", needed_for="outcomes")
    return {
        c: (f"{c}_attribute" if c in OUTCOME_COLUMNS else c)
        for c in accounts.columns
        if c not in LINEAGE_COLUMNS and c != "account_id"
    }


def deals_as_of(ws: Workspace, as_of: dt.date) -> ir.Table:
    """Deals as they stood on ``as_of``: deals created later are dropped, deals closed later are
    open. Columns: deal_id, account_id, stage, created_at, closed_at, amount, discount, days_to_close."""
    deals = ws.table("deals")
    day = ibis.literal(as_of, type="date")
    created = _typed(deals, "created_at", "date")
    kept = deals.filter(created.isnull() | (created <= day))
    created = _typed(kept, "created_at", "date")
    closed = _typed(kept, "closed_at", "date")
    raw_stage = _typed(kept, "stage", "string")
    closed_later = closed.notnull() & (closed > day)
    stage = ibis.ifelse(closed_later & raw_stage.isin(("won", "lost")), "open", raw_stage)
    closed_as_of = ibis.ifelse(closed_later, ibis.null("date"), closed)
    return kept.select(
        deal_id=_typed(kept, "deal_id", "string"),
        account_id=_typed(kept, "account_id", "string"),
        stage=stage,
        created_at=created,
        closed_at=closed_as_of,
        amount=_typed(kept, "amount", "float64"),
        discount=_typed(kept, "discount", "float64"),
        days_to_close=closed_as_of.delta(created, unit="day"),
    )


# -- per-table aggregates -----------------------------------------------------------------------
def _deal_outcomes(ws: Workspace, as_of: dt.date) -> ir.Table:
    deals = deals_as_of(ws, as_of)
    deals = deals.filter(deals.account_id.notnull())
    won = deals.stage == "won"
    agg = deals.group_by("account_id").aggregate(
        deals_won=won.sum(),
        deals_lost=(deals.stage == "lost").sum(),
        deals_open=(deals.stage == "open").sum(),
        days_to_close=deals.days_to_close.median(where=won),
        discount=deals.discount.mean(where=won),
        acv=deals.amount.mean(where=won),
    )
    return agg


def _subscription_outcomes(ws: Workspace, as_of: dt.date) -> ir.Table:
    subs = ws.table("subscriptions")
    day = ibis.literal(as_of, type="date")
    then = ibis.literal(months_before(as_of, 12), type="date")
    start = _typed(subs, "start_date", "date")
    subs = subs.filter(start.notnull() & (start <= day))
    start, end = _typed(subs, "start_date", "date"), _typed(subs, "end_date", "date")
    arr = _typed(subs, "arr", "float64")
    ended = ibis.ifelse(end.notnull() & (end <= day), end, ibis.null("date"))  # ended by as-of
    active_then = (start <= then) & (end.isnull() | (end > then))
    years = ended.coalesce(day).delta(start, unit="day").cast("float64").clip(lower=0) / YEAR_DAYS
    return subs.group_by(account_id=_typed(subs, "account_id", "string")).aggregate(
        first_start=start.min(),
        _active=ended.isnull().sum(),
        _last_end=ended.max(),
        current_arr=arr.sum(where=ended.isnull()),
        arr_12m_ago=arr.sum(where=active_then),
        realised_revenue=(arr * years).sum(),
    )


def _usage_outcomes(ws: Workspace, as_of: dt.date) -> ir.Table:
    usage = ws.table("usage")
    period = _typed(usage, "period_start", "date")
    recent_from = as_of - dt.timedelta(days=WINDOW_DAYS)
    baseline_from = as_of - dt.timedelta(days=2 * WINDOW_DAYS)
    usage = usage.filter(period <= ibis.literal(as_of, type="date"), period > ibis.literal(baseline_from, type="date"))
    users = _typed(usage, "active_users", "float64")
    recent = _typed(usage, "period_start", "date") > ibis.literal(recent_from, type="date")
    agg = usage.group_by(account_id=_typed(usage, "account_id", "string")).aggregate(
        avg_active_users=users.mean(where=recent),
        _baseline=users.mean(where=~recent),
    )
    return agg.select(
        "account_id",
        "avg_active_users",
        usage_trend=ibis.ifelse(agg._baseline > 0, agg.avg_active_users / agg._baseline, ibis.null("float64")),
    )


def _nps_outcomes(ws: Workspace, as_of: dt.date) -> ir.Table:
    notes = ws.table("notes")
    created, score = _typed(notes, "created_at", "date"), _typed(notes, "score", "float64")
    notes = notes.select(
        account_id=_typed(notes, "account_id", "string"),
        note_id=_typed(notes, "note_id", "string"),
        created_at=created,
        score=score,
    )
    notes = notes.filter(
        notes.account_id.notnull(), notes.score.notnull(), notes.created_at <= ibis.literal(as_of, type="date")
    )
    rank = ibis.row_number().over(group_by="account_id", order_by=[notes.created_at.desc(), notes.note_id.desc()])
    latest = notes.mutate(_rank=rank)
    return latest.filter(latest._rank == 0).select("account_id", nps="score")


# -- per-account outcomes -----------------------------------------------------------------------
def account_outcomes(ws: Workspace, as_of: object = None) -> ir.Table:
    """One row per account (all accounts) with its outcomes as of ``as_of`` and its attributes.

    Columns: ``account_id``, the account attributes (see :func:`account_attributes`), then
    :data:`OUTCOME_COLUMNS`. Outcomes whose table is absent are NULL. Nothing is executed here:
    the result is an Ibis expression (``.to_pandas()``, ``.to_pyarrow()``, or compose further).
    """
    day_value = resolve_as_of(ws, as_of)
    day = ibis.literal(day_value, type="date")
    accounts = ws.table("accounts", needed_for="outcomes")
    attributes = account_attributes(ws)
    table = accounts.select(
        account_id=_typed(accounts, "account_id", "string"), **{new: accounts[old] for old, new in attributes.items()}
    )
    has = {name: ws.has_table(name) for name in OPTIONAL_TABLES}
    if has["deals"]:
        table = _left_join(table, _deal_outcomes(ws, day_value))
    if has["subscriptions"]:
        table = _left_join(table, _subscription_outcomes(ws, day_value))
    if has["usage"]:
        table = _left_join(table, _usage_outcomes(ws, day_value))
    if has["notes"]:
        table = _left_join(table, _nps_outcomes(ws, day_value))

    out: dict[str, ir.Value] = {}
    if has["deals"]:
        won, lost = table.deals_won.fill_null(0), table.deals_lost.fill_null(0)
        closed = won + lost
        out.update(
            deals_won=won,
            deals_lost=lost,
            deals_open=table.deals_open.fill_null(0),
            win_rate=ibis.ifelse(closed > 0, won.cast("float64") / closed, ibis.null("float64")),
            days_to_close=table.days_to_close.cast("float64"),
            discount=table.discount,
            acv=table.acv,
        )
    if has["subscriptions"]:
        subscriber = table.first_start.notnull()
        churned = ibis.ifelse(subscriber, table._active.fill_null(0) == 0, ibis.null("boolean"))
        churn_date = ibis.ifelse(churned, table._last_end, ibis.null("date"))
        current_arr = table.current_arr.fill_null(0.0)
        arr_then = table.arr_12m_ago.fill_null(0.0)
        out.update(
            current_arr=current_arr,
            first_start=table.first_start,
            tenure_days=churn_date.coalesce(day).delta(table.first_start, unit="day"),
            churned=churned,
            churn_date=churn_date,
            arr_12m_ago=arr_then,
            nrr=ibis.ifelse(arr_then > 0, current_arr / arr_then, ibis.null("float64")),
            realised_revenue=table.realised_revenue.fill_null(0.0),
        )
    customer = ibis.literal(False)
    if has["deals"]:
        customer = customer | (out["deals_won"] > 0)
    if has["subscriptions"]:
        customer = customer | table.first_start.notnull()
    out["is_customer"] = customer
    if has["usage"]:
        out.update(avg_active_users=table.avg_active_users, usage_trend=table.usage_trend)
    if has["notes"]:
        out["nps"] = table.nps
    columns = {
        name: out[name].cast(dtype) if name in out else ibis.null(dtype) for name, (dtype, _) in OUTCOME_COLUMNS.items()
    }
    return table.select("account_id", *attributes.values(), **columns)


# The summary lives in its own module (size); it is part of this module's API.
