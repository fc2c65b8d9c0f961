from __future__ import annotations

import datetime as dtm

import ibis
import pytest

from bullseye.ingest import coerce, column_counts
from bullseye.ingest.coerce import ColumnProfile


@pytest.fixture(scope="module")
def con():
    return ibis.duckdb.connect()


def _apply(con, values, fn):
    table = ibis.memtable({"v": values}, schema={"v": "string"})
    table = table.mutate(v=coerce.clean_text(table.v))  # a subquery: the parser refers to a plain column
    expr = table.select(out=fn(table.v))
    return con.execute(expr)["out"].tolist()


def test_dates_in_common_formats(con):
    values = [
        "2025-03-31",
        "2025-03-31T10:00:00Z",
        "31/03/2025",
        "31.03.2025",
        "31-03-2025 10:30",
        "Mar 31, 2025",
        "31 Mar 2025",
        "2025/03/31",
        "n/a",
        "",
        "31/02/2025",
        "someday",
        "0001-01-01",
    ]
    out = _apply(con, values, lambda v: coerce.parse_date(v, ColumnProfile(day_first=True)))
    expected = [dtm.date(2025, 3, 31)] * 8
    assert [d.date() if hasattr(d, "date") else d for d in out[:8]] == expected
    assert all(o is None or o != o for o in out[8:])  # NaT/None: not a date


def test_day_month_order_is_decided_by_the_column(con):
    us = ibis.memtable({"v": ["03/04/2025", "12/31/2025", "01/02/2025"]})
    br = ibis.memtable({"v": ["03/04/2025", "31/12/2025"]})
    ambiguous = ibis.memtable({"v": ["03/04/2025"]})
    assert not column_counts.profile_columns(us, ["v"], [], True)["v"].day_first
    assert column_counts.profile_columns(br, ["v"], [], False)["v"].day_first
    assert column_counts.profile_columns(ambiguous, ["v"], [], False)["v"].day_first is False
    assert column_counts.profile_columns(ambiguous, ["v"], [], True)["v"].day_first is True


def test_numbers_with_separators_currency_and_suffixes(con):
    values = [
        "1,234.50",
        "$1.2M",
        "18.3 MM",
        "R$ 1500",
        "(300)",
        "-5",
        "15%",
        "2.5bn",
        "500K",
        "abc",
        "12 apples",
        "51-200",
    ]
    out = _apply(con, values, lambda v: coerce.parse_number(v, ColumnProfile()))
    assert out[:9] == pytest.approx([1234.5, 1.2e6, 18.3e6, 1500, -300, -5, 15, 2.5e9, 5e5])
    assert all(o != o for o in out[9:])  # NaN: not a number


def test_decimal_comma_columns(con):
    values = ["R$ 12.345,67", "1.000", "3,5"]
    column = ibis.memtable({"v": values})
    profile = column_counts.profile_columns(column, [], ["v"], True)["v"]
    assert profile.decimal_comma
    assert _apply(con, values, lambda v: coerce.parse_number(v, profile)) == pytest.approx([12345.67, 1000, 3.5])


def test_integers_accept_bands(con):
    out = _apply(
        con, ["1,200", "51-200", "10,001+", "12.0", "many"], lambda v: coerce.parse_integer(v, ColumnProfile())
    )
    assert out[:4] == [1200, 126, 10001, 12]
    assert out[4] != out[4] or out[4] is None


def test_percent_as_fraction(con):
    out = _apply(con, ["15%", "0.2"], lambda v: coerce.parse_number(v, ColumnProfile(), percent_as_fraction=True))
    assert out == pytest.approx([0.15, 0.2])


def test_booleans_and_lists(con):
    assert _apply(con, ["Yes", "no", "TRUE", "0", "sim", "não", "maybe"], coerce.parse_boolean) == [
        True,
        False,
        True,
        False,
        True,
        False,
        None,
    ]
    lists = _apply(con, ["Salesforce; Marketo", "HubSpot|Slack", "SAP", None], coerce.parse_list)
    assert [list(x) if x is not None else None for x in lists] == [
        ["Salesforce", "Marketo"],
        ["HubSpot", "Slack"],
        ["SAP"],
        None,
    ]
