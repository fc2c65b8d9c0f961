"""The events table as the "why now" signals read it: the fresh events of some types, with the
title's function and seniority, and which of them a signal watches.

:func:`fresh_events` and :func:`signal_predicate` are Ibis expressions, so the ranking
(:mod:`bullseye.market.signals`) runs in the warehouse; :func:`read_events` and
:func:`signal_masks` give the same in pandas for measuring signals on history
(:mod:`bullseye.market.signal_evidence`).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import ibis
import numpy as np
import pandas as pd

from bullseye.people.titles import normalize_titles
from bullseye.strategy.icp import Signal

if TYPE_CHECKING:
    import ibis.expr.types as ir

__all__ = ["fresh_events", "read_events", "signal_predicate", "signal_masks"]


def _text(table: ir.Table, name: str) -> ir.StringValue:
    """A text column trimmed, with '' as null; a null column when the table lacks it."""
    return table[name].cast("string").strip().nullif("") if name in table.columns else ibis.null("string")


def fresh_events(
    events: ir.Table,
    as_of: dt.date,
    since: dt.date | None = None,
    event_types: list[str] | None = None,
    titles: bool = False,
    vocabulary=None,
) -> ir.Table:
    """The events that happened on or before ``as_of`` (and after ``since``), of ``event_types``,
    as an Ibis expression with columns ``kind`` ('account', 'prospect' or 'unmatched'),
    ``company`` (its account_id, company_id or company_name), ``company_name``, ``event_id``, ``event_type``
    (lower case), ``occurred_at``, ``age_days``, ``title``, ``value``, ``description`` and, with
    ``titles``, the title's ``title_function`` and ``title_seniority`` (read with ``vocabulary``)."""
    day = ibis.literal(as_of, type="date")
    kept = events.filter(events["occurred_at"].cast("date").notnull(), events["occurred_at"].cast("date") <= day)
    if since is not None:
        kept = kept.filter(kept["occurred_at"].cast("date") > ibis.literal(since, type="date"))
    if event_types is not None:
        kept = kept.filter(kept["event_type"].cast("string").strip().lower().isin(sorted(set(event_types))))
    account, company, name = (_text(kept, c) for c in ("account_id", "company_id", "company_name"))
    occurred = kept["occurred_at"].cast("date")
    table = kept.select(
        kind=ibis.cases(
            (account.notnull(), "account"),
            (company.notnull(), "prospect"),
            (name.notnull(), "unmatched"),
            else_=ibis.null("string"),
        ),
        company=ibis.coalesce(account, company, name),
        company_name=name,
        event_id=_text(kept, "event_id"),
        event_type=kept["event_type"].cast("string").strip().lower(),
        occurred_at=occurred,
        age_days=day.delta(occurred, unit="day"),
        title=_text(kept, "title"),
        value=kept["value"].cast("float64") if "value" in kept.columns else ibis.null("float64"),
        description=_text(kept, "description"),
    )
    if not titles:
        return table.mutate(title_function=ibis.null("string"), title_seniority=ibis.null("string"))
    distinct = table.select("title").distinct().to_pandas()["title"].dropna().reset_index(drop=True)
    parts = normalize_titles(distinct.astype(object), vocabulary).reset_index(drop=True)
    known = parts["recognised"].to_numpy(bool)
    # numpy's stubs read where(c, x, None) as the one-argument where(c)
    functions = np.where(known, parts["function"], None).astype(object)  # type: ignore[attr-defined]
    seniorities = np.where(known, parts["seniority"], None).astype(object)  # type: ignore[attr-defined]
    mapping = ibis.memtable(
        pd.DataFrame({"title": distinct.to_numpy(object), "title_function": functions, "title_seniority": seniorities}),
        schema={"title": "string", "title_function": "string", "title_seniority": "string"},
    )
    joined = table.left_join(mapping, table.title == mapping.title)
    return joined.select(*table.columns, title_function=mapping.title_function, title_seniority=mapping.title_seniority)


def read_events(events: ir.Table, as_of: dt.date, vocabulary=None) -> pd.DataFrame:
    """Every event on or before ``as_of``, with the title's function and seniority, as a frame."""
    frame = fresh_events(events, as_of, titles=True, vocabulary=vocabulary).to_pandas()
    return frame.assign(
        value=pd.to_numeric(frame["value"], errors="coerce"), age_days=frame["age_days"].astype(np.int64)
    )


def signal_predicate(signal: Signal, events: ir.Table) -> ir.BooleanValue:
    """Does an event (a row of :func:`fresh_events`) match the signal, whatever its age?"""
    f = signal.filters
    match = events.event_type == signal.event_type
    if f.title_function is not None:
        match &= events.title_function == f.title_function
    if f.title_seniority is not None:
        match &= events.title_seniority == f.title_seniority
    if f.title_contains:
        match &= events.title.lower().contains(f.title_contains.casefold())
    if f.description_contains:
        match &= events.description.lower().contains(f.description_contains.casefold())
    if f.min_value is not None:
        match &= events.value >= f.min_value
    if f.max_value is not None:
        match &= events.value <= f.max_value
    return match.fill_null(False)


_SCHEMA = {
    "event_type": "string",
    "title": "string",
    "description": "string",
    "value": "float64",
    "title_function": "string",
    "title_seniority": "string",
}


def signal_masks(signals: list[Signal], events: pd.DataFrame) -> np.ndarray:
    """(signals x events) booleans: which events of a :func:`read_events` frame each signal
    watches, evaluated by the same predicate as the ranking."""
    if not signals or events.empty:
        return np.zeros((len(signals), len(events)), dtype=bool)
    table = ibis.memtable(events[list(_SCHEMA)].assign(row=np.arange(len(events))), schema={**_SCHEMA, "row": "int64"})
    result = table.select("row", **{f"m{i}": signal_predicate(s, table) for i, s in enumerate(signals)})
    frame = result.order_by("row").to_pandas()
    return np.vstack([frame[f"m{i}"].to_numpy(bool) for i in range(len(signals))])
