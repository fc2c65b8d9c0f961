"""Generated values through the parsers (and, slow, through a whole load): what can be stored
round-trips exactly against Python's own reading of it; what cannot is NULL with a reason, never an error."""

from __future__ import annotations

import math
from datetime import date, datetime

import ibis
import pytest
from conftest import write
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bullseye.config import MISSING_EVERYWHERE, MISSING_IN_TYPED
from bullseye.ingest import coerce
from bullseye.ingest.coerce import ColumnProfile, MissingTokens

CON = ibis.duckdb.connect()
POINT, COMMA = ColumnProfile(decimal_comma=False), ColumnProfile(decimal_comma=True)
FAST = settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
INT64 = (-(2**63), 2**63 - 1)


def _run(values: list[str], fn) -> list:
    table = ibis.memtable({"v": values}, schema={"v": "string"})
    return CON.to_pyarrow(table.select(out=fn(table.v))).column("out").to_pylist()


def _comma_style(text: str) -> str:
    """'1,234.5' written with a decimal comma: '1.234,5'."""
    return text.replace(",", "\0").replace(".", ",").replace("\0", ".")


huge_or_not = st.one_of(st.integers(-(10**25), 10**25), st.sampled_from([*INT64, INT64[0] - 1, INT64[1] + 1]))


@FAST
@given(st.lists(huge_or_not, min_size=1, max_size=60))
def test_whole_numbers_are_exact_or_dropped_as_too_large(numbers):
    values = [str(n) for n in numbers]
    parsed = _run(values, lambda v: coerce.parse_integer(v, POINT))
    reasons = _run(values, lambda v: coerce.failure_reason("integer", v, POINT))
    for n, got, reason in zip(numbers, parsed, reasons):
        if INT64[0] <= n <= INT64[1]:
            assert got == n
        else:
            assert got is None and "too large" in reason


@FAST
@given(st.lists(st.integers(-(2**53), 2**53), min_size=1, max_size=60))
def test_whole_numbers_with_thousands_separators_and_e_notation(numbers):
    grouped = _run([f"{n:,}" for n in numbers], lambda v: coerce.parse_integer(v, POINT))
    dotted = _run([_comma_style(f"{n:,}") for n in numbers], lambda v: coerce.parse_integer(v, COMMA))
    scientific = _run([f"{n:E}" for n in numbers], lambda v: coerce.parse_integer(v, POINT))
    assert grouped == numbers and dotted == numbers
    assert scientific == [round(float(f"{n:E}")) for n in numbers]


finite_floats = st.floats(allow_nan=False, allow_infinity=False)


@FAST
@given(st.lists(finite_floats, min_size=1, max_size=60))
def test_numbers_round_trip_exactly_in_every_notation(numbers):
    for text_of in (repr, lambda x: f"{x:E}", lambda x: f"{x:e}"):
        values = [text_of(x) for x in numbers]
        assert _run(values, lambda v: coerce.parse_number(v, POINT)) == [float(v) for v in values]
    grouped = [f"{x:,.2f}" for x in numbers]
    expected = [float(v.replace(",", "")) for v in grouped]
    assert _run(grouped, lambda v: coerce.parse_number(v, POINT)) == expected
    assert _run([_comma_style(v) for v in grouped], lambda v: coerce.parse_number(v, COMMA)) == expected


@FAST
@given(st.lists(st.floats(min_value=0.01, max_value=1e12, allow_nan=False), min_size=1, max_size=60))
def test_the_other_decimal_mark_is_never_misread(numbers):
    """'1.234,56' in a decimal-point column (and '1,234.56' or '2.5' in a decimal-comma one) reads as
    nothing, with the reason; never as a different number."""
    point_written = [f"{x:,.2f}" for x in numbers]
    comma_written = [_comma_style(v) for v in point_written]
    for values, profile, other in ((comma_written, POINT, "comma"), (point_written, COMMA, "point")):
        assert _run(values, lambda v, p=profile: coerce.parse_number(v, p)) == [None] * len(values)
        reasons = _run(values, lambda v, p=profile: coerce.failure_reason("number", v, p))
        assert all(r.startswith(f"written with a decimal {other}") for r in reasons)


@FAST
@given(
    st.lists(
        st.sampled_from(["inf", "-inf", "Infinity", "-INFINITY", "1e309", "-2.5E+400", "(1e999)", "1e308 bn"]),
        min_size=1,
        max_size=8,
    )
)
def test_infinities_are_never_numbers(values):
    assert _run(values, lambda v: coerce.parse_number(v, POINT)) == [None] * len(values)
    reasons = _run(values, lambda v: coerce.failure_reason("number", v, POINT))
    assert set(reasons) == {"not a finite number (infinity or NaN)"}


dates = st.dates(min_value=date(1800, 1, 1), max_value=date(2200, 12, 31))
times = st.sampled_from(
    [
        "",
        " 10:30",
        " 23:59:59",
        "T10:00:00Z",
        " 10:30:00.123",
        " 9:05 PM",
        " 10:30:00 UTC",
        "T10:00:00+02:00",
        " 10:30:00 -0300",
    ]
)


@FAST
@given(st.lists(st.tuples(dates, times), min_size=1, max_size=20))
def test_dates_read_as_python_reads_them(items):
    for fmt, day_first in (
        ("%Y-%m-%d", True),
        ("%d/%m/%Y", True),
        ("%d.%m.%Y", True),
        ("%m/%d/%Y", False),
        ("%d/%m/%y", True),
        ("%m-%d-%y", False),
    ):
        values = [d.strftime(fmt) + t for d, t in items]
        expected = [datetime.strptime(d.strftime(fmt), fmt).date() for d, _ in items]  # %y: Python's pivot
        expected = [e if 1800 <= e.year <= 2200 else None for e in expected]
        assert _run(values, lambda v, first=day_first: coerce.parse_date(v, ColumnProfile(day_first=first))) == expected


@FAST
@given(
    st.lists(
        st.tuples(
            dates,
            st.sampled_from(["%Y-%m-%d", "%d/%m/%Y", "%d/%m/%y", "%d %b %Y"]),
            st.text(alphabet="abcxyzJUNK!#_/", min_size=1, max_size=6),
        ),
        min_size=1,
        max_size=20,
    )
)
def test_a_date_with_trailing_text_is_never_a_date(items):
    values = [d.strftime(fmt) + junk for d, fmt, junk in items]
    assert _run(values, lambda v: coerce.parse_date(v, ColumnProfile())) == [None] * len(values)
    reasons = _run(values, lambda v: coerce.failure_reason("date", v, ColumnProfile()))
    assert all(r.startswith("expected") or r.startswith("a date followed by other text") for r in reasons)
    numeric = [r for r, (_, fmt, _) in zip(reasons, items) if fmt != "%d %b %Y"]
    assert all(r.startswith("a date followed by other text") for r in numeric)


def _any_case(token: str) -> st.SearchStrategy[str]:
    return st.lists(st.booleans(), min_size=len(token), max_size=len(token)).map(
        lambda flips: "".join(c.upper() if f else c for c, f in zip(token, flips))
    )


@FAST
@given(
    st.lists(st.sampled_from(MISSING_EVERYWHERE).flatmap(_any_case), min_size=1, max_size=10),
    st.lists(st.sampled_from(MISSING_IN_TYPED).flatmap(_any_case), min_size=1, max_size=10),
)
def test_missing_tokens_in_any_case(everywhere, typed_only):
    tokens = MissingTokens()
    assert _run(everywhere, lambda v: tokens.clean(v)) == [None] * len(everywhere)
    assert _run(typed_only, lambda v: tokens.clean(v)) == typed_only  # text keeps "NA" and "None"
    assert _run(typed_only, lambda v: tokens.clean(v, typed=True)) == [None] * len(typed_only)


def _half_away(x: float) -> int:
    """Rounding as SQL's ROUND does: halves away from zero."""
    return int(math.copysign(math.floor(abs(x) + 0.5), x))


cells = st.one_of(
    st.integers(-(10**6), 10**6).map(str),
    st.floats(-1e9, 1e9, allow_nan=False).map(lambda x: f"{x:.2f}"),
    st.floats(-1e9, 1e9, allow_nan=False).map(lambda x: f"{x:.3E}"),
    st.integers(10**19, 10**24).map(str),
    st.sampled_from(["inf", "1e309", "-Infinity", "NaN", "N/A", "none", "?", "Select", "", "abc", "1.234,56", "3,5"]),
)


@pytest.mark.slow
@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)
@given(st.lists(st.tuples(cells, cells), min_size=1, max_size=40))
def test_a_generated_file_loads_every_value_or_accounts_for_it(tmp_path_factory, rows):
    """Every cell of a generated number column is loaded as Python reads it, counted as missing, or
    set aside with its line and reason; the load never fails and the counts reconcile."""
    from bullseye.workspace import Workspace

    root = tmp_path_factory.mktemp("gen")
    ws = Workspace.init(root / "ws")
    try:
        anchors = [("2.5", "20.0")] * (len(rows) + 1)  # decimal-point columns, whatever was generated
        body = "".join(f'A{i},"{revenue}","{employees}"\n' for i, (revenue, employees) in enumerate(anchors + rows))
        report = ws.load([write(ws.data_dir / "accounts.csv", "account_id,revenue,employees\n" + body)])
        count = report.files[0]
        assert report.reconciles and count.read == count.loaded == len(rows) + len(anchors)
        loaded = {r.account_id: r for r in ws.table("accounts").execute().itertuples()}
        issues = {(int(r.line), r.column): r.reason for r in ws.table("quarantine").execute().itertuples()}
        tokens = MissingTokens()
        missing = {"revenue": 0, "employees": 0}
        for i, (revenue, employees) in enumerate(anchors + rows):
            for column, raw in (("revenue", revenue), ("employees", employees)):
                value = getattr(loaded[f"A{i}"], column)
                if raw == "" or raw.lower() in tokens.tokens(typed=True):
                    missing[column] += raw != ""
                    assert value is None or value != value
                    continue
                reason = issues.get((i + 2, column))
                try:
                    expected = float(raw.replace(",", "")) if "," not in raw or "." in raw else None
                except ValueError:
                    expected = None
                if raw in ("1.234,56", "3,5"):
                    expected = None
                if (
                    expected is not None
                    and math.isfinite(expected)
                    and (column == "revenue" or abs(round(expected)) < 2**63)
                ):
                    want = int(raw) if column == "employees" and raw.lstrip("-").isdigit() else expected
                    assert value == (_half_away(want) if column == "employees" else want) and reason is None
                else:
                    assert reason is not None and (value is None or value != value), (raw, column, reason)
        assert count.missing == {c: n for c, n in missing.items() if n}
    finally:
        ws.close()
