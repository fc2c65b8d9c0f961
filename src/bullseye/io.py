"""The one writer for every table Bullseye exports as a file.

A CSV opened in Excel, LibreOffice or Google Sheets runs any cell that looks like a formula, so a
company name such as ``=HYPERLINK("http://evil", "Acme")`` typed into a CRM would become a live link
(or a command through DDE) in the scores a sales team opens. Following OWASP's advice on CSV
injection, text that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is written
with a leading apostrophe, which spreadsheets show as text; numbers such as ``-12.5`` stay numbers.
Parquet keeps its values untouched: it is read by programs, which do not evaluate formulas.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pandas as pd

__all__ = ["neutralise_cell", "is_live_formula", "write_csv", "write_table", "FORMULA_STARTS"]

#: The first characters a spreadsheet reads as the start of a formula (OWASP "CSV Injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?"
_PLAIN_NUMBER = re.compile(_NUMBER)
# The same test in RE2 syntax for DuckDB, so tables in the warehouse are neutralised as they stream out.
_SQL_FORMULA = "^[=+@\\t\\r-]"
_SQL_NUMBER = f"^{_NUMBER}$"


def is_live_formula(value: Any) -> bool:
    """True when a spreadsheet would evaluate ``value`` (read back from a CSV) as a formula."""
    return isinstance(value, str) and value.startswith(FORMULA_STARTS) and _PLAIN_NUMBER.fullmatch(value) is None


def neutralise_cell(value: Any) -> Any:
    """``value`` with a leading apostrophe when it would be a live formula; anything else as it is."""
    return "'" + value if is_live_formula(value) else value


def _neutralise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    safe = frame.copy(deep=False)
    for position, (_, column) in enumerate(frame.items()):
        if column.dtype == object or isinstance(column.dtype, (pd.StringDtype, pd.CategoricalDtype)):
            safe.isetitem(position, column.astype(object).map(neutralise_cell, na_action="ignore"))
    safe.columns = [neutralise_cell(str(name)) for name in frame.columns]
    return safe


def _neutralise_ibis(table):
    import ibis
    import ibis.expr.datatypes as dt

    columns = {}
    for name, dtype in table.schema().items():
        column = table[name]
        if dtype.is_string():
            live = column.re_search(_SQL_FORMULA) & ~column.re_search(_SQL_NUMBER)
            column = live.ifelse(ibis.literal("'") + column, column).cast(dt.string)
        columns[neutralise_cell(name)] = column
    return table.select(**columns)


def write_csv(table: pd.DataFrame | Any, path: Path | str, index: bool = False, **options) -> Path:
    """Write a pandas frame or an Ibis table as a formula-safe CSV (UTF-8, header row); returns the path.

    ``options`` go to ``DataFrame.to_csv`` (pandas frames only).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(table, pd.DataFrame):
        frame = _neutralise_frame(table.reset_index() if index else table)
        # CRLF as RFC 4180 says: with "\n" alone the csv module leaves a bare "\r" in a cell unquoted,
        # and most readers then split the row there.
        options = {"encoding": "utf-8", "lineterminator": "\r\n"} | options
        frame.to_csv(path, index=False, **options)
    else:  # an Ibis expression: neutralised in the warehouse, streamed to the file by DuckDB
        _neutralise_ibis(table).to_csv(path)
    return path


def write_table(frame: pd.DataFrame, path: Path | str) -> Path:
    """Parquet for a ``.parquet``/``.pq`` name, a formula-safe CSV otherwise; returns the path."""
    path = Path(path)
    if path.suffix.lower() in (".parquet", ".pq"):
        path.parent.mkdir(parents=True, exist_ok=True)
        frame.to_parquet(path, index=False)
        return path
    return write_csv(frame, path)
