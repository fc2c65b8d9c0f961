"""Columns a mapping derives from others: dates from a duration (a churn snapshot has tenure and a
churned flag, not start and end dates) and row ids for files that have none.

In a mapping entry::

    as_of: 2025-06-30                                            # the snapshot's date
    derive:
      account_id: {id: line}                                     # "<file name>:<line>"
      start_date: {from: tenure, unit: months, before: as_of}    # as_of - tenure months
      end_date: {at: as_of, when: churned}                       # as_of where churned is true, else empty
      renewal_date: {from: term, unit: years, after: start}      # the file's start column + term years

``before``/``after``/``at`` take ``as_of`` (the entry's ``as_of``), a date (YYYY-MM-DD) or a column
of the file holding dates; ``when``/``unless`` a column read as yes/no. Units are days, weeks,
months (365.25/12 days) or years (365.25 days); a fractional duration is rounded to whole days.
The derived value is written as an ISO date and typed like any other value, so a row whose
duration does not read as a number gets an empty date, reported like any unreadable value.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

import ibis
import ibis.expr.datatypes as dtypes
import ibis.expr.types as ir
from pydantic import BaseModel, ConfigDict, Field, model_validator

from bullseye.ingest import coerce

__all__ = ["Derivation", "UNIT_DAYS", "AS_OF", "check_derivations", "derived_text", "source_columns"]

#: Days per unit of a duration.
UNIT_DAYS = {"days": 1.0, "weeks": 7.0, "months": 365.25 / 12, "years": 365.25}
#: The word that stands for the entry's ``as_of`` date.
AS_OF = "as_of"


class Derivation(BaseModel):
    """One derived column: a date from a duration (``from``), a fixed date (``at``), or a row id (``id``)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    from_: str | None = Field(default=None, alias="from", description="Column holding a duration (a number).")
    unit: Literal["days", "weeks", "months", "years"] | None = Field(default=None, description="Unit of `from`.")
    before: str | dt.date | None = Field(default=None, description="The date `from` counts back from.")
    after: str | dt.date | None = Field(default=None, description="The date `from` counts on from.")
    at: str | dt.date | None = Field(default=None, description="A fixed date (as_of or YYYY-MM-DD) or a date column.")
    when: str | None = Field(default=None, description="Only rows where this column reads as yes.")
    unless: str | None = Field(default=None, description="Only rows where this column reads as no.")
    id: Literal["line"] | None = Field(default=None, description="'line': '<file name>:<line>' as the row's id.")

    @model_validator(mode="after")
    def _one_shape(self) -> Derivation:
        if self.id is not None:
            if any(
                v is not None for v in (self.from_, self.unit, self.before, self.after, self.at, self.when, self.unless)
            ):
                raise ValueError("'id: line' stands alone")
            return self
        if (self.from_ is None) == (self.at is None):
            raise ValueError("give either 'from' (a duration column, with before or after) or 'at' (a date)")
        if self.from_ is not None and (self.before is None) == (self.after is None):
            raise ValueError("'from' needs exactly one of 'before' or 'after' (as_of, a date or a date column)")
        if self.at is not None and any(v is not None for v in (self.unit, self.before, self.after)):
            raise ValueError("'at' takes only 'when' or 'unless' beside it")
        for value in (self.before, self.after, self.at):
            if isinstance(value, str) and value[:1].isdigit():
                try:
                    dt.date.fromisoformat(value)
                except ValueError:
                    raise ValueError(f"'{value}' is not a date; write it as YYYY-MM-DD") from None
        return self

    @property
    def reference(self) -> str | dt.date | None:
        return self.before if self.before is not None else self.after if self.after is not None else self.at

    def uses_as_of(self) -> bool:
        return self.reference == AS_OF


def _date_literal(value: str | dt.date) -> dt.date | None:
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(value) if value[:1].isdigit() else None


def check_derivations(derive: dict[str, Derivation], as_of: dt.date | None) -> None:
    """Refuse ``as_of`` used without the entry's ``as_of`` date (pydantic reports it with its line)."""
    users = [target for target, rule in derive.items() if rule.uses_as_of()]
    if users and as_of is None:
        raise ValueError(
            f"'{users[0]}' counts from as_of: give the snapshot's date as 'as_of: YYYY-MM-DD' in this entry"
        )


def source_columns(rule: Derivation, normalise) -> list[str]:
    """The file's columns a derivation reads (normalised), to check them against the header."""
    names = [rule.from_, rule.when, rule.unless]
    reference = rule.reference
    if isinstance(reference, str) and reference != AS_OF and _date_literal(reference) is None:
        names.append(reference)
    return [normalise(n) for n in names if n]


def derived_text(
    rule: Derivation, stage: ir.Table, as_of: dt.date | None, file_label: str, normalise, day_first: bool
) -> ir.StringValue:
    """The derived column as text (an ISO date or an id), before typing."""
    if rule.id == "line":
        return ibis.literal(f"{file_label}:") + stage["_line"].cast(dtypes.string)
    reference = rule.reference
    if reference == AS_OF:
        base: ir.DateValue = ibis.literal(as_of, type=dtypes.date)
    elif reference is not None and (literal := _date_literal(reference)) is not None:
        base = ibis.literal(literal, type=dtypes.date)
    else:
        base = coerce.parse_date(stage[normalise(reference)], coerce.ColumnProfile(day_first=day_first))
    if rule.from_ is not None:
        amount = coerce.parse_number(stage[normalise(rule.from_)], coerce.ColumnProfile())
        days = (amount * UNIT_DAYS[rule.unit or "days"]).round().cast(dtypes.int64).as_interval("D")
        value = base - days if rule.before is not None else base + days
    else:
        value = base
    keep = ibis.literal(True)
    if rule.when:
        keep = keep & coerce.parse_boolean(stage[normalise(rule.when)]).fill_null(False)
    if rule.unless:
        keep = keep & ~coerce.parse_boolean(stage[normalise(rule.unless)]).fill_null(True)
    return ibis.ifelse(keep, value.strftime("%Y-%m-%d"), ibis.null(dtypes.string))
