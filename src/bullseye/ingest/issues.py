"""The rows a file's typing sets aside, recorded in the load's ``_issues`` table.

One query counts what each kind of issue could hold, so that a clean file writes nothing: an
insert costs as much to compile with no rows as with many."""

from __future__ import annotations

import ibis
import ibis.expr.datatypes as dt
import ibis.expr.types as ir

from bullseye.core import warehouse
from bullseye.ingest import column_counts

__all__ = ["SPREADSHEET_ERRORS", "issue_counts", "spreadsheet_errors", "record_issues", "record_loaded_rows"]

#: What spreadsheets write in a cell whose formula failed ("#N/A" is read as no value instead).
SPREADSHEET_ERRORS = ("#NAME?", "#REF!", "#VALUE!", "#DIV/0!", "#NUM!", "#NULL!", "#SPILL!", "#CALC!")


def _true(condition: ir.BooleanValue) -> ir.IntegerValue:
    return condition.sum()


def _read_failed(raw: ir.Value, value: ir.Value) -> ir.IntegerValue:
    return (raw.notnull() & value.isnull()).sum()


def _missing_unread(raw: ir.Value, value: ir.Value) -> ir.IntegerValue:
    return (value.isnull() & raw.isnull()).sum()


def _missing(value: ir.Value) -> ir.IntegerValue:
    return value.isnull().sum()


def _present(value: ir.Value) -> ir.IntegerValue:
    return value.notnull().sum()


def _spreadsheet_error(column: ir.StringValue) -> ir.IntegerValue:
    return column.isin(SPREADSHEET_ERRORS).sum()


def issue_counts(
    typed: ir.Table, checked: list[str], required: list[str], placeholders: list[str], text_columns: list[str]
) -> dict[str, int]:
    """How many rows each kind of issue could hold, in one query, so a clean file writes none
    (an insert of no rows cost as much as one of many): blank records, placeholders, values of
    checked columns that did not read, required values missing, spreadsheet error values."""
    per = column_counts.PerColumn
    counts: dict[str, column_counts.PerColumn] = {"blank": per(_true, ("_blank",))}
    counts.update({name: per(_present, (name,)) for name in placeholders})
    counts.update({f"failed {c}": per(_read_failed, (f"_raw_{c}", c)) for c in checked})
    for column in required:
        both = per(_missing_unread, (f"_raw_{column}", column)) if column in checked else per(_missing, (column,))
        counts[f"missing {column}"] = both
    counts.update({f"error {c}": per(_spreadsheet_error, (c,)) for c in text_columns})
    return column_counts.aggregate_counts(typed, counts)


def spreadsheet_errors(typed: ir.Table, columns: list[str], row_bad: ir.BooleanValue) -> list[tuple[int, ir.Table]]:
    """Cells such as '#NAME?' load as exported and are listed (action kept), so someone fixes the
    source; ``columns`` are those that have any (see ``issue_counts``)."""
    issues = []
    for column in columns:
        found = typed[column].isin(SPREADSHEET_ERRORS) & ~row_bad
        issues.append(
            (
                1,
                typed.filter(found).select(
                    file=typed["_file"],
                    line=typed["_line"],
                    column=ibis.literal(column),
                    value=typed[column],
                    reason=ibis.literal("a spreadsheet error value: loaded as exported, check the source"),
                    action=ibis.literal("kept"),
                ),
            )
        )
    return issues


def record_issues(con, parts: list[ir.Table], table_name: str, load_id: str) -> None:
    for part in parts:
        warehouse.insert_select(
            con,
            "_issues",
            part.select(
                load_id=ibis.literal(load_id),
                table_name=ibis.literal(table_name),
                file=part["file"],
                line=part["line"].cast(dt.int64),
                column=part["column"],
                value=part["value"].cast(dt.string),
                reason=part["reason"],
                action=part["action"],
            ),
        )


def record_loaded_rows(
    con,
    rows: ir.Table,
    *,
    load_id: str,
    table_name: str,
    column: str,
    value: ir.Value,
    reason: str | ir.Value,
    action: str,
) -> None:
    """Rows of a loaded table (with their ``_file`` and ``_line``) as issues of ``column``: what a
    reference or date check found in rows already typed."""
    part = rows.select(
        file=rows["_file"],
        line=rows["_line"],
        column=ibis.literal(column),
        value=value,
        reason=ibis.literal(reason) if isinstance(reason, str) else reason,
        action=ibis.literal(action),
    )
    record_issues(con, [part], table_name, load_id)
