"""Counting over many columns in few queries: missing values per column, any counts per column
(batched, each builder compiled once for all its columns), and each column's profile (day-first or
month-first dates, decimal comma or point, plain values) that :mod:`bullseye.ingest.coerce` then
parses with."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import ibis
import ibis.expr.datatypes as dt
import ibis.expr.types as ir

from bullseye.core import warehouse
from bullseye.ingest.coerce import ISO_DATE, NUMERIC_DATE, ColumnProfile, MissingTokens

__all__ = [
    "AGGREGATES_PER_QUERY",
    "PerColumn",
    "aggregate_counts",
    "count_missing",
    "profile_columns",
    "values_per_column",
]


def count_missing(table: ir.Table, columns: list[str], missing: MissingTokens) -> dict[str, tuple[int, int]]:
    """Per column, in one pass: values missing in any column, and values missing only when typed."""
    aggregates = {}
    builders = {
        key: (lambda column, tokens=tokens: column.lower().isin(tokens).sum())
        for key, tokens in (("e", missing.everywhere), ("t", missing.typed_only))
        if tokens
    }
    for index, name in enumerate(columns):
        for key, build in builders.items():  # a workspace may empty a list
            aggregates[f"{key}{index}"] = PerColumn(build, (name,))
    counts = aggregate_counts(table, aggregates) if aggregates else {}
    return {name: (counts.get(f"e{i}", 0), counts.get(f"t{i}", 0)) for i, name in enumerate(columns)}


#: Aggregates per query: the engine's planning time grows faster than the expressions of one query.
AGGREGATES_PER_QUERY = 200


@dataclass(frozen=True)
class PerColumn:
    """A count over some columns, ``build(*columns)``. The builder is compiled once for all the
    columns it is given (see :func:`bullseye.core.warehouse.column_template`), so pass the same
    function for every column rather than a new closure per column."""

    build: Callable[..., ir.Scalar]
    columns: tuple[str, ...]


def aggregate_counts(table: ir.Table, aggregates: dict[str, ir.Scalar | PerColumn]) -> dict[str, int]:
    """Run count aggregates, a few hundred per pass; NULL (an empty table) counts as 0."""
    names, counts = list(aggregates), {}
    schema = table.schema()
    templates: dict[tuple, Callable[..., str]] = {}
    base = None

    def sql(count: PerColumn) -> str:
        types = tuple(schema[c] for c in count.columns)
        if (count.build, types) not in templates:
            templates[count.build, types] = warehouse.column_template(count.build, types)
        return templates[count.build, types](*count.columns)

    for start in range(0, len(names), AGGREGATES_PER_QUERY):
        batch = {name: aggregates[name] for name in names[start : start + AGGREGATES_PER_QUERY]}
        if all(isinstance(a, PerColumn) for a in batch.values()):
            base = base or warehouse.table_sql(table)
            row = warehouse.scalar_row(table, {name: sql(a) for name, a in batch.items()}, base)
        else:
            row = table.aggregate(**batch).to_pyarrow().to_pylist()[0]
        counts.update({name: int(value or 0) for name, value in row.items()})
    return counts


def values_per_column(
    table: ir.Table,
    columns: list[str],
    aggregates: Callable[[ir.Value], dict[str, ir.Scalar]],
    distinct: bool = False,
    few_rows: bool = False,
) -> dict[str, dict]:
    """The same aggregates of each column's non-empty values, for many columns in one query.

    The columns (all of one type) are unpivoted into (column, value) rows and aggregated per
    column, so the query holds one copy of the expressions however many columns there are: a
    query with a copy per column takes the engine time that grows faster than the columns (a
    wide export's 1,000 columns took minutes to plan). A column without values gets None;
    ``distinct`` computes each distinct value of a column once (for min and max); ``few_rows``
    says the table is small (see :func:`bullseye.core.warehouse.query_rows`).
    """
    if not columns:
        return {}
    value_type = table.schema()[columns[0]]
    keys = list(aggregates(ibis.table({"_value": value_type}, name="_keys")["_value"]))
    listed = ", ".join(warehouse.quote_ident(c) for c in columns)
    # Written in SQL with each aggregate compiled once per process (warehouse.column_template):
    # Ibis took longer to compile this query than DuckDB to run it on a small file.
    select = ", ".join(
        f"{warehouse.column_template(_picked(aggregates, key), (value_type,))('_value')} AS "
        f"{warehouse.quote_ident('_a' + str(i))}"
        for i, key in enumerate(keys)
    )

    def query(base: str) -> str:
        long = (
            f"SELECT {'DISTINCT ' if distinct else ''}_column, _value FROM (UNPIVOT (SELECT {listed} FROM ({base}) "
            f"AS _t) ON {listed} INTO NAME _column VALUE _value) WHERE _value IS NOT NULL"
        )
        return f"SELECT _column, {select} FROM ({long}) AS _l GROUP BY _column"

    rows = warehouse.query_rows(table, query, few_rows=few_rows)
    found = {row.pop("_column"): {key: row[f"_a{i}"] for i, key in enumerate(keys)} for row in rows}
    return {name: found.get(name, dict.fromkeys(keys)) for name in columns}


def _picked(aggregates: Callable[[ir.Value], dict[str, ir.Scalar]], key: str) -> Callable[[ir.Value], ir.Scalar]:
    def pick(value: ir.Value) -> ir.Scalar:
        return aggregates(value)[key]

    return pick


def profile_columns(
    table: ir.Table,
    date_columns: list[str],
    number_columns: list[str],
    default_day_first: bool,
    integer_columns: Sequence[str] = (),
) -> dict[str, ColumnProfile]:
    """Decide day-first vs month-first and decimal comma vs point from the whole of each column,
    and whether every value is written plainly (see :class:`ColumnProfile`)."""

    def part(column: ir.StringValue, index: int) -> ir.IntegerValue:
        return column.re_extract(NUMERIC_DATE, index).try_cast(dt.int64)

    # Evidence, not guesses: a first part above 12 can only be a day, a second part only a month's day.
    date_counts = {
        "dmy": lambda c: ((part(c, 1) > 12) & (part(c, 2) <= 12)).sum(),
        "mdy": lambda c: ((part(c, 2) > 12) & (part(c, 1) <= 12)).sum(),
        "n": lambda c: c.count(),
        "plain": lambda c: c.re_search(ISO_DATE).sum(),
    }
    number_counts = {
        "comma": lambda c: c.re_search(r"^[^\d]*\d{1,3}(\.\d{3})+(,\d+)?[^\d]*$|^[^\d]*\d+,\d{1,2}[^\d]*$").sum(),
        "point": lambda c: c.re_search(r"^[^\d]*\d{1,3}(,\d{3})+(\.\d+)?[^\d]*$|^[^\d]*\d+\.\d{1,2}[^\d]*$").sum(),
        "count": lambda c: c.count(),
    }
    plain_integer = lambda c: c.re_search(r"^[+\-]?\d+$").sum()  # noqa: E731
    plain_number = lambda c: c.try_cast(dt.float64).notnull().sum()  # noqa: E731
    aggregates: dict[str, PerColumn] = {}
    for index, name in enumerate(date_columns):
        aggregates.update({f"{key}{index}": PerColumn(build, (name,)) for key, build in date_counts.items()})
    integers = set(integer_columns)
    numbers = list(dict.fromkeys([*number_columns, *integer_columns]))
    for index, name in enumerate(numbers):
        aggregates.update({f"{key}{index}": PerColumn(build, (name,)) for key, build in number_counts.items()})
        aggregates[f"plain_n{index}"] = PerColumn(plain_integer if name in integers else plain_number, (name,))
    if not aggregates:
        return {}
    counts = aggregate_counts(table, aggregates)
    profiles = {}
    for index, name in enumerate(date_columns):
        dmy, mdy = counts[f"dmy{index}"], counts[f"mdy{index}"]
        profiles[name] = ColumnProfile(
            day_first=dmy > mdy or (dmy == mdy and default_day_first),
            plain=counts[f"plain{index}"] == counts[f"n{index}"],
        )
    for index, name in enumerate(numbers):
        comma = counts[f"comma{index}"] > counts[f"point{index}"]
        profiles[name] = ColumnProfile(
            decimal_comma=comma, plain=counts[f"plain_n{index}"] == counts[f"count{index}"] and not comma
        )
    return profiles
