"""Compiled column templates are reused across loads, and only for the same computation; wide
working tables are Parquet files stitched side by side, checked row by row."""

from __future__ import annotations

import ibis
import ibis.expr.datatypes as dt
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from bullseye.core import warehouse
from bullseye.ingest import coerce, column_counts, scratch


def _reader(profile: coerce.ColumnProfile):
    """A new closure each call, as the loader makes one per load."""

    def read(raw):
        return coerce.parse_date(raw, profile)

    return read


@pytest.fixture
def compiled(monkeypatch):
    calls = []
    original = warehouse._compile_template

    def counting(build, types):
        calls.append(build)
        return original(build, types)

    monkeypatch.setattr(warehouse, "_TEMPLATES", {})
    monkeypatch.setattr(warehouse, "_compile_template", counting)
    return calls


def test_a_second_load_of_the_same_shape_reuses_the_compiled_sql(compiled):
    day_first, month_first = coerce.ColumnProfile(day_first=True), coerce.ColumnProfile(day_first=False)
    first = warehouse.column_template(_reader(day_first), (dt.string,))
    again = warehouse.column_template(_reader(day_first), (dt.string,))
    other = warehouse.column_template(_reader(month_first), (dt.string,))
    assert len(compiled) == 2  # the same code and captured values compile once
    assert first("a b") == again("a b") != other("a b")
    assert '"a b"' in first("a b") and '"c"' in first("c")

    con = ibis.duckdb.connect()
    values = ["03/04/2024", "2024-12-31", "13/01/2024", "junk", None]
    con.con.register("_dates", pa.table({"raw": values}))
    for profile, template in ((day_first, first), (month_first, other)):
        expected = con.table("_dates").select(d=coerce.parse_date(con.table("_dates")["raw"], profile)).to_pyarrow()
        got = con.con.execute(f"SELECT {template('raw')} AS d FROM _dates").fetch_arrow_table()
        assert got["d"].to_pylist() == expected["d"].to_pylist()


def test_a_builder_that_captures_an_expression_is_compiled_every_time(compiled):
    table = ibis.table({"x": "string"}, name="t")
    captured = table["x"].length()  # comparing expressions with == builds an expression: never a key

    def build(raw):
        return raw.length() + captured.max()

    warehouse.column_template(build, (dt.string,))
    warehouse.column_template(build, (dt.string,))
    assert len(compiled) == 2


def test_values_per_column_counts_each_column(compiled):
    con = ibis.duckdb.connect()
    columns = {"a": ["1", "2", None, "x"], "b c": [None, None, None, None], "d": ["yes", "yes", "no", "yes"]}
    schema = pa.schema([(name, pa.string()) for name in columns])
    table = con.create_table("_wide", pa.table(columns, schema=schema), temp=True)

    def counts(value):
        return {"n": value.count(), "distinct": value.nunique(), "digits": value.re_search(r"^\d+$").sum()}

    found = column_counts.values_per_column(table, list(columns), counts)
    assert found == {
        "a": {"n": 3, "distinct": 3, "digits": 2},
        "b c": {"n": None, "distinct": None, "digits": None},
        "d": {"n": 4, "distinct": 2, "digits": 0},
    }
    assert column_counts.values_per_column(table, ["d"], counts, distinct=True)["d"]["n"] == 2


def test_parts_are_stitched_side_by_side_only_when_their_rows_line_up(tmp_path):
    import duckdb

    raw = duckdb.connect()
    raw.execute(f"SET temp_directory = '{tmp_path}'")
    rows = 20_000  # several row groups
    left, right, shuffled = (scratch.scratch_file(raw, n) for n in ("left", "right", "shuffled"))
    pq.write_table(pa.table({"_line": range(rows), "a": [str(i) for i in range(rows)]}), left, row_group_size=5_000)
    pq.write_table(pa.table({"_line": range(rows), "b": [i * 2 for i in range(rows)]}), right, row_group_size=7_000)
    stitched = scratch.stitch(raw, "both", [left, right], key="_line")
    scratch.expose_file(raw, "both", stitched)
    assert raw.execute('SELECT * FROM "both"').fetchall() == [(i, str(i), i * 2) for i in range(rows)]
    assert not left.exists() and not right.exists()

    again = scratch.scratch_file(raw, "again")
    pq.write_table(pa.table({"_line": range(rows), "a": ["x"] * rows}), again)
    pq.write_table(pa.table({"_line": list(reversed(range(rows))), "b": [0] * rows}), shuffled)
    with pytest.raises(RuntimeError, match="same rows in the same order"):
        scratch.stitch(raw, "bad", [again, shuffled], key="_line")
    folder = stitched.parent
    scratch.release(raw)
    assert not folder.exists()
    assert raw.execute("SELECT count(*) FROM duckdb_views() WHERE temporary AND NOT internal").fetchone()[0] == 0
