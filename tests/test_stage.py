from __future__ import annotations

import ibis
import pytest
from conftest import write

from bullseye.ingest import stage
from bullseye.ingest.readers import open_reader


@pytest.fixture
def con():
    return ibis.duckdb.connect()


def _staged(con, path):
    count, rejects = stage.stage_file(con, open_reader(path), "s")
    return count, rejects, con.table("s").execute()


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
def test_clean_files_take_the_fast_path_with_exact_lines(con, tmp_path, newline):
    path = write(tmp_path / "a.csv", 'id,name\n1, Acme \n\n2,n/a\n3,"Beta, Ltd"\n', newline=newline)
    assert stage._stage_with_duckdb(con.con, open_reader(path), "fast") == 3
    count, rejects, frame = _staged(con, path)
    assert count == 3 and rejects == []
    # Staging trims; placeholders such as "n/a" are read as missing per column when typing (and counted).
    assert frame.values.tolist() == [["1", "Acme", 2], ["2", "n/a", 4], ["3", "Beta, Ltd", 5]]


@pytest.mark.parametrize(
    "text",
    [
        'id,note\n1,"two\nlines"\n2,x\n',  # a record over two lines: DuckDB cannot number it exactly
        "id,note\n1,a\n2\n3,c\n",  # a malformed record
    ],
)
def test_doubtful_files_fall_back_to_the_exact_reader(con, tmp_path, text):
    path = write(tmp_path / "a.csv", text)
    assert stage._stage_with_duckdb(con.con, open_reader(path), "fast") is None
    assert "fast" not in con.list_tables()
    count, rejects, frame = _staged(con, path)
    assert count == (2 if "two" in text else 3)
    lines = frame["_line"].tolist() + [r.line for r in rejects]
    assert sorted(lines) == ([2, 4] if "two" in text else [2, 3, 4])


def test_other_encodings_use_the_exact_reader(con, tmp_path, monkeypatch):
    path = write(tmp_path / "a.csv", "id,city\n1,São Paulo\n", encoding="cp1252")
    monkeypatch.setattr(stage, "_stage_with_duckdb", lambda *a: pytest.fail("fast path used for cp1252"))
    count, _, frame = _staged(con, path)
    assert count == 1 and frame.city.tolist() == ["São Paulo"]


@pytest.mark.parametrize("encoding", ["utf-8", "cp1252"])  # DuckDB's parse, and the exact reader
def test_wide_exports_stage_within_the_default_memory_limit(con, tmp_path, encoding):
    # The issue: 20 rows x 150-1,000 columns stopped with DuckDB's OutOfMemoryException.
    con.raw_sql("SET memory_limit = '1.5GB'")  # the warehouse's default
    width = 1_000
    header = ",".join(f"property {i}" for i in range(width))
    rows = [",".join(("n/a" if (i + j) % 7 == 0 else f" v{i}.{j} ") for j in range(width)) for i in range(40)]
    path = write(tmp_path / "a.csv", header + "\n" + "\n".join(rows) + "\n", encoding=encoding)
    reader = open_reader(path)
    count, rejects = stage.stage_file(con, reader, "s")
    assert count == 40 and rejects == [] and reader.ledger.lines == reader.ledger.accounted == 41
    frame = con.table("s").execute().sort_values("_line")
    assert frame["property_1"].tolist()[:2] == ["v0.1", "v1.1"]
    expected_missing = sum(
        1 for i in range(40) for j in range(width) if (i + j) % 7 == 0 and "n/a" in stage.NULL_TOKENS
    )
    assert int(frame.drop(columns="_line").isna().sum().sum()) == expected_missing
