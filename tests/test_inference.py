"""The first look at custom columns (ingest.inference._first_look) settles most kinds with cheap
tests and runs the full parsers only on what they leave open: it must rule kinds in and out
exactly as the full parsers do."""

from __future__ import annotations

import ibis
import pytest

from bullseye.ingest import coerce
from bullseye.ingest.inference import KINDS, _evidence, _first_look

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
