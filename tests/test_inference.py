"""The first look at custom columns (ingest.inference._first_look) settles most kinds with cheap
tests and runs the full parsers only on what they leave open: it must rule kinds in and out
exactly as the full parsers do."""

from __future__ import annotations

import itertools

import ibis
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bullseye.ingest import coerce
from bullseye.ingest.inference import KINDS, _evidence, _first_look, _may_read

#: Columns whose every value reads as some kinds and not others, and the near misses: text with
#: a month's name or a slash in it, numbers with suffixes and currencies, digit runs, dates in
#: named formats, placeholders that mean missing only in typed columns, empty columns.
COLUMNS = {
    "plain_int": ["12", "7", "-3", None, "0"],
    "whole_float": ["12.0", "7", "3.00", "n/a", "1e3"],
    "money": ["$1.2M", "15k", "(300)", "1,234.50", "USD 20"],
    "percent": ["15%", "7.5%", "0.2", None, "none"],
    "iso_dates": ["2025-03-31", "2024-01-01T10:00:00Z", None, "2023-12-31", "?"],
    "named_dates": ["Mar 31, 2025", "31 Mar 2025", "2025/03/31", "20250331", "March 31, 2025"],
    "numeric_dates": ["31/03/2025", "01.02.24", "12-11-2023", "3/4/2025", "31/03/2025 10:30"],
    "bad_dates": ["2025-02-30", "31/13/2025", "2025-03-31junk", "Mar 2025", "1799-01-01"],
    "booleans": ["Yes", "no", "TRUE", "0", "1"],
    "zero_one": ["0", "1", "1", "0", None],
    "month_words": ["Marketing", "Decathlon", "May Co", "June", "Octopus"],
    "slashes": ["a/b", "TCP/IP", "1/2", "n/a", "yes/no"],
    "digits_long": ["1234567890123456789012", "12", "7", "3", "1"],
    "mixed": ["12", "Acme", "2025-01-01", "yes", "3.5"],
    "all_missing": ["n/a", "", None, "none", "-"],
    "empty": [None, None, None, None, None],
    "unicode": ["١٢", "½", "12", "٣", "7"],
    "whole_floats": ["700.0", "16000.0", " 3 ", "-2.0", None],
    "fractions": ["0.15", "0.5", "1", None, "2"],
    "bands": ["51-200", "1.0-2.0", "10,001+", "7", "3.0"],
    "huge_floats": ["1e19", "3.0", "-9.3e18", "1", "2"],
    "exponents": ["1e3", "2.5e2", "1E+2", "0", "7"],
}


@pytest.fixture(scope="module")
def sample():
    con = ibis.duckdb.connect()
    table = ibis.memtable(COLUMNS, schema=dict.fromkeys(COLUMNS, "string"))
    return con.create_table("sample", table)


def _possible(evidence: dict) -> dict[str, tuple[str, ...]]:
    return {name: tuple(k for k in KINDS if found[k] == found["n"]) for name, found in evidence.items()}


@pytest.mark.parametrize("day_first", [True, False])
def test_first_look_rules_kinds_in_and_out_as_the_full_parsers(sample, day_first):
    profile = coerce.ColumnProfile(day_first=day_first)
    missing = coerce.MissingTokens()
    columns = list(COLUMNS)
    full = _evidence(sample, columns, KINDS, profile, missing, few_rows=True)
    first = _first_look(sample, columns, profile, missing)
    assert _possible(first) == _possible(full)
    for name in columns:  # what the choice of a type reads besides the kinds
        assert {k: first[name][k] for k in ("n", "digits", "long")} == {
            k: full[name][k] for k in ("n", "digits", "long")
        }, name
    # The test means something: kinds are both ruled in and ruled out, and some by the full parsers.
    possible = _possible(first)
    assert possible["plain_int"] == ("integer", "number") and possible["mixed"] == ()
    assert possible["named_dates"] == ("date",) and possible["month_words"] == ()
    assert possible["all_missing"] == ("integer", "number", "date") and possible["empty"] == KINDS
    assert possible["whole_floats"] == ("integer", "number") and possible["fractions"] == ("number",)
    assert possible["huge_floats"] == ("number",)


# The date gate (inference._may_read) must pass every value that parse_date reads, in either day
# order: a column it rejects is never tried as a date. Values are written in every format of
# coerce (ISO with times, numeric, slashes, month names, digit runs), with the whitespace, case
# and separators strptime may or may not allow, beside near misses (URLs, notes).
_MONTHS = ["Mar", "mar", "MAR", "March", "march", "Sept", "Sep", "May", "mars", "März", "marzo", "Marc"]
_SPACES = ["", " ", "  ", "\t", "\v", "\u00a0", "\n"]
_SEPARATORS = ["/", "-", ".", " ", ", ", ",", " ,", "", "--", " / ", "\t", ",\t", "\v"]


def _date_pieces() -> st.SearchStrategy[str]:
    numbers = st.sampled_from(["1", "01", "3", "12", "13", "31", "32", "0", "2025", "25", "99", "1799", "02025", "+1"])
    tails = st.sampled_from(["", "T10:00", " 10:30:00.123 PM", ", 10:23 AM", "Z", " UTC", "+02:00", "junk", "."])
    piece = st.one_of(numbers, st.sampled_from(_MONTHS), st.sampled_from(["https://x.com", "note", "%", "a"]))
    parts = st.lists(st.tuples(piece, st.sampled_from(_SEPARATORS)), min_size=1, max_size=4)
    return st.builds(
        lambda before, body, tail, after: before + "".join(p + s for p, s in body).rstrip("/-., ") + tail + after,
        st.sampled_from(_SPACES),
        parts,
        tails,
        st.sampled_from(_SPACES),
    )


def _gate_misses(con, values: list[str]) -> list[str]:
    """The values that parse_date reads (either day order) but the gate rejects."""
    column = ibis.memtable({"v": values}, schema={"v": "string"})["v"]
    read = (
        coerce.parse_date(column, coerce.ColumnProfile(day_first=True)).notnull()
        | coerce.parse_date(column, coerce.ColumnProfile(day_first=False)).notnull()
    )
    table = column.name("v").as_table().mutate(read=read, gate=_may_read("date", column))
    found = con.execute(table.filter(table.read & ~table.gate.fill_null(False)))
    return list(found["v"])


def test_date_gate_passes_every_format_parse_date_reads():
    con = ibis.duckdb.connect()
    days, months, years = ["1", "01", "31"], ["3", "03", "12"], ["2025", "25", "1999"]
    values = []
    for day, month, year in itertools.product(days, months, years):
        for space, name in itertools.product(["", " ", "\t", "  "], _MONTHS):
            values += [
                f"{space}{year}/{month}/{day}{space}",
                f"{space}{day} {name} {year}{space}",
                f"{day}-{name}-{year}",
                f"{name} {day}, {year}",
                f"{name}  {day} {year}",
                f"{day}{space or chr(11)}{name}{space or chr(10)}{year}",  # any whitespace separates
                f"{name}{space or chr(11)}{day},{space or chr(10)}{year}",
                f"{space}{year}{month.zfill(2)}{day.zfill(2)}{space}",
                f"{year}-{month}-{day}T10:00:00Z",
                f"{day}/{month}/{year} 10:30",
                f"{day}.{month}.{year}",
            ]
    assert _gate_misses(con, values) == []
    # The battery means something: most of it reads as dates, and the gate rejects URLs and notes.
    column = ibis.memtable({"v": values}, schema={"v": "string"})["v"]
    assert con.execute(coerce.parse_date(column, coerce.ColumnProfile()).notnull().sum()) > len(values) // 2
    others = ["https://x.com/news/2025/03/31-layoffs", "Raised in March 2020 (seed)", "marketing 2 teams", "a/1"]
    gate = ibis.memtable({"v": others}, schema={"v": "string"})["v"]
    assert con.execute(_may_read("date", gate).fill_null(False).sum()) == 0


@given(st.lists(_date_pieces(), min_size=1, max_size=300))
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_date_gate_is_necessary_for_parse_date(values):
    assert _gate_misses(_CON, values) == []


_CON = ibis.duckdb.connect()
