"""Typing of text values as Ibis expressions: dates, numbers, booleans and multi-value lists.

Each parser returns NULL where a non-empty value cannot be read; the loader compares the parsed
value with the raw one to report exactly which values failed and why. Column-wide choices that a
single value cannot settle (day-first or month-first dates, decimal comma or point) are detected
from the whole column by :func:`profile_columns` before parsing.
"""

from __future__ import annotations

from dataclasses import dataclass

import ibis
import ibis.expr.datatypes as dt
import ibis.expr.types as ir

__all__ = [
    "NULL_TOKENS", "ColumnProfile", "aggregate_counts", "clean_text", "parse_date", "parse_number", "parse_integer",
    "parse_boolean", "parse_list", "profile_columns", "EXPECTED",
]

NULL_TOKENS = ("", "na", "n/a", "n.a.", "null", "none", "nil", "nan", "-", "--", "—", "#n/a", "(blank)", "?")
TRUE_TOKENS = ("true", "t", "yes", "y", "1", "sim", "s", "si", "sí", "x", "verdadeiro", "checked")
FALSE_TOKENS = ("false", "f", "no", "n", "0", "nao", "não", "falso", "unchecked")

ISO_DATE = r"^\d{4}-\d{1,2}-\d{1,2}"
NUMERIC_DATE = r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{2,4})"
DMY_FORMATS = ("%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%d/%m/%y", "%d-%m-%y", "%d.%m.%y")
MDY_FORMATS = ("%m/%d/%Y", "%m-%d-%Y", "%m.%d.%Y", "%m/%d/%y", "%m-%d-%y")
NAMED_FORMATS = ("%Y/%m/%d", "%d %b %Y", "%d %B %Y", "%b %d, %Y", "%B %d, %Y", "%d-%b-%Y", "%d-%b-%y",
                 "%b %d %Y", "%Y%m%d")
SUFFIXES = {"k": 1e3, "mil": 1e3, "thousand": 1e3, "m": 1e6, "mm": 1e6, "mn": 1e6, "mi": 1e6,
            "million": 1e6, "millions": 1e6, "b": 1e9, "bn": 1e9, "bi": 1e9, "billion": 1e9}

#: What a value of each type looks like, for error messages.
EXPECTED = {
    "date": "a date such as 2025-03-31 or 31/03/2025",
    "number": "a number such as 1234.5, 1,234.50, $1.2M or 15%",
    "integer": "a whole number such as 120, 1,200 or a range such as 51-200",
    "boolean": "yes/no, true/false or 1/0",
}


@ibis.udf.scalar.builtin
def try_strptime(value: str, fmt: str) -> dt.timestamp:  # noqa: ARG001 - DuckDB builtin
    ...


def clean_text(raw: ir.StringValue) -> ir.StringValue:
    """Trim and turn the usual placeholders for 'no value' into NULL."""
    stripped = raw.strip()
    return ibis.ifelse(stripped.lower().isin(NULL_TOKENS), ibis.null(dt.string), stripped)


@dataclass(frozen=True)
class ColumnProfile:
    """Column-wide reading choices."""

    day_first: bool = True
    decimal_comma: bool = False


def _first(formats: tuple[str, ...], text: ir.StringValue) -> ir.TimestampValue:
    return ibis.coalesce(*(try_strptime(text, f) for f in formats))


def parse_date(value: ir.StringValue, profile: ColumnProfile) -> ir.DateValue:
    iso = value.re_search(ISO_DATE)
    numeric = value.re_search(NUMERIC_DATE)
    ordered = DMY_FORMATS if profile.day_first else MDY_FORMATS
    # CASE evaluates only the branch a value needs; most columns are all ISO or all one format.
    parsed = ibis.cases(
        (iso, try_strptime(value.re_extract(ISO_DATE, 0), "%Y-%m-%d")),
        (numeric, _first(ordered, value.re_extract(NUMERIC_DATE, 0))),
        else_=_first(NAMED_FORMATS, value),
    ).cast(dt.date)
    plausible = parsed.year().between(1800, 2200)
    return ibis.ifelse(plausible, parsed, ibis.null(dt.date))


def _numeric_core(value: ir.StringValue, profile: ColumnProfile) -> tuple[ir.FloatingValue, ir.StringValue]:
    lowered = value.lower()
    suffix = lowered.re_extract(r"\d\s*(k|mm|mn|mil|mi|million|millions|thousand|m|bn|bi|billion|b)\.?\s*$", 1)
    multiplier = suffix.substitute({k: ibis.literal(v) for k, v in SUFFIXES.items()}, else_=ibis.literal(1.0))
    bare = value.re_replace(r"(?i)(r\$|us\$|usd|brl|eur|gbp|[$€£\s])", "").re_replace(
        r"(?i)(k|mm|mn|mil|mi|million|millions|thousand|m|bn|bi|billion|b)\.?(%?\)?)$", "\\2")
    # Anything but an optional sign or parentheses around digits (and a known suffix) is not a number.
    valid = bare.re_search(r"^[(+\-]?[0-9][0-9.,]*%?\)?$")
    negative = bare.re_search(r"^(\(.*\)|-.*)$")
    digits = bare.re_replace(r"[^0-9.,]", "")
    if profile.decimal_comma:
        digits = digits.replace(".", "").replace(",", ".")
    else:
        digits = digits.replace(",", "")
    number = digits.try_cast(dt.float64) * multiplier.cast(dt.float64)
    signed = ibis.ifelse(negative, -number, number)
    return ibis.ifelse(valid, signed, ibis.null(dt.float64)), lowered


def parse_number(value: ir.StringValue, profile: ColumnProfile, percent_as_fraction: bool = False) -> ir.FloatingValue:
    number, lowered = _numeric_core(value, profile)
    if not profile.decimal_comma:  # plain numbers skip the regular expressions
        number = ibis.coalesce(value.try_cast(dt.float64), number)
    if percent_as_fraction:
        number = ibis.ifelse(lowered.contains("%"), number / 100.0, number)
    return number


def parse_integer(value: ir.StringValue, profile: ColumnProfile) -> ir.IntegerValue:
    """Whole numbers; a band such as '51-200' becomes its midpoint and '10,001+' its lower bound."""
    band = value.re_search(r"^\s*[\d.,]+\s*[-–]\s*[\d.,]+\s*$")
    low = _numeric_core(value.re_extract(r"^\s*([\d.,]+)", 1), profile)[0]
    high = _numeric_core(value.re_extract(r"[-–]\s*([\d.,]+)\s*$", 1), profile)[0]
    single = _numeric_core(value.re_replace(r"\+\s*$", ""), profile)[0]
    number = ibis.ifelse(band, (low + high) / 2.0, single)
    return ibis.ifelse(number.isnull(), ibis.null(dt.int64), number.round(0).cast(dt.int64))


def parse_boolean(value: ir.StringValue) -> ir.BooleanValue:
    lowered = value.lower()
    return ibis.ifelse(
        lowered.isin(TRUE_TOKENS), True, ibis.ifelse(lowered.isin(FALSE_TOKENS), False, ibis.null(dt.boolean))
    )


def parse_list(value: ir.StringValue) -> ir.ArrayValue:
    parts = value.re_split(r"\s*[;|,\n]\s*")
    return parts.filter(lambda part: part.length() > 0)


def aggregate_counts(table: ir.Table, aggregates: dict[str, ir.Scalar]) -> dict[str, int]:
    """Run count aggregates in one pass; NULL (an empty table) counts as 0."""
    row = table.aggregate(**aggregates).to_pyarrow().to_pylist()[0]
    return {name: int(value or 0) for name, value in row.items()}


def profile_columns(table: ir.Table, date_columns: list[str], number_columns: list[str],
                    default_day_first: bool) -> dict[str, ColumnProfile]:
    """Decide day-first vs month-first and decimal comma vs point from the whole of each column."""
    if not date_columns and not number_columns:
        return {}
    aggregates = {}
    for name in date_columns:
        # Evidence, not guesses: a first part above 12 can only be a day, a second part only a month's day.
        first = table[name].re_extract(NUMERIC_DATE, 1).try_cast(dt.int64)
        second = table[name].re_extract(NUMERIC_DATE, 2).try_cast(dt.int64)
        aggregates[f"{name}__dmy"] = ((first > 12) & (second <= 12)).sum()
        aggregates[f"{name}__mdy"] = ((second > 12) & (first <= 12)).sum()
    for name in number_columns:
        column = table[name]
        aggregates[f"{name}__comma"] = column.re_search(r"^[^\d]*\d{1,3}(\.\d{3})+(,\d+)?[^\d]*$|^[^\d]*\d+,\d{1,2}[^\d]*$").sum()
        aggregates[f"{name}__point"] = column.re_search(r"^[^\d]*\d{1,3}(,\d{3})+(\.\d+)?[^\d]*$|^[^\d]*\d+\.\d{1,2}[^\d]*$").sum()
    counts = aggregate_counts(table, aggregates)
    profiles = {}
    for name in date_columns:
        dmy, mdy = counts[f"{name}__dmy"], counts[f"{name}__mdy"]
        profiles[name] = ColumnProfile(day_first=dmy > mdy or (dmy == mdy and default_day_first))
    for name in number_columns:
        comma, point = counts[f"{name}__comma"], counts[f"{name}__point"]
        profiles[name] = ColumnProfile(decimal_comma=comma > point)
    return profiles
