"""A wide export (hundreds of columns of every common kind) is typed as each column alone would be.

Typing reads all columns together (a first look, then casts for plainly written values, the full
parsers only for the rest); the types, the per-cell quarantine, the missing-value counts and the
line ledger must be those the rules give column by column. The file is generated with planted
kinds and planted bad cells, so every expectation comes from the generator, not from a run.
"""

from __future__ import annotations

import csv
from datetime import date, timedelta

import numpy as np
import pyarrow as pa
import pyarrow.csv as pa_csv
import pytest

from bullseye.workspace import Workspace

ROWS = 300  # past the first look (200 rows): the late values below are found by the full check
COLUMNS = 150  # ten or more of each kind

#: Planted kind -> the type its column must get.
KINDS = {
    "int": pa.int64(),
    "int_grouped": pa.int64(),
    "decimal": pa.float64(),
    "decimal_grouped": pa.float64(),
    "e_notation": pa.float64(),
    "iso_date": pa.date32(),
    "day_first_date": pa.date32(),
    "yes_no": pa.bool_(),
    "text": pa.string(),
    "sparse_text": pa.string(),
    "beyond_int64": pa.string(),
    "int_then_word": pa.string(),
    "date_time": pa.date32(),
    "band": pa.string(),
}


def _column(kind: str, rng: np.random.Generator) -> tuple[list[str], list]:
    """The cells as written and the values they must load as (None: empty or missing)."""
    ints = rng.integers(0, 2_000_000, ROWS)
    days = [date(2019, 1, 1) + timedelta(days=int(d)) for d in rng.integers(0, 2_000, ROWS)]
    if kind == "int":
        return [str(v) for v in ints], [int(v) for v in ints]
    if kind == "int_grouped":  # not plain: the full parser reads "1,234,567"
        return [f"{v:,}" if v % 3 else str(v) for v in ints], [int(v) for v in ints]
    if kind == "decimal":
        cents = ints / 100
        return [f"{v:.2f}" for v in cents], [round(float(v), 2) for v in cents]
    if kind == "decimal_grouped":
        cents = ints / 100
        return [f"{v:,.2f}" for v in cents], [round(float(v), 2) for v in cents]
    if kind == "e_notation":
        values = ints / 1000 + 0.5
        return [f"{v:.4E}" for v in values], [float(f"{v:.4E}") for v in values]
    if kind == "iso_date":
        return [d.isoformat() for d in days], days
    if kind == "day_first_date":  # 31/01/2024: days above 12 show the order
        return [d.strftime("%d/%m/%Y") for d in days], days
    if kind == "date_time":
        return [d.isoformat() + "T10:30:00Z" for d in days], days
    if kind == "yes_no":
        return [("Yes" if v % 2 else "No") for v in ints], [bool(v % 2) for v in ints]
    if kind == "text":
        return [f"value {v % 50}" for v in ints], [f"value {v % 50}" for v in ints]
    if kind == "sparse_text":
        cells = ["rare note, with a comma" if v % 10 == 0 else "" for v in ints]
        return cells, [c or None for c in cells]
    if kind == "beyond_int64":  # one 22-digit value: exact only as text
        cells = [str(v) for v in ints]
        cells[ROWS - 40] = "1234567890123456789012"
        return cells, cells
    if kind == "int_then_word":  # one word, late in the file, makes the column text
        cells = [str(v) for v in ints]
        cells[-3] = "twelve"
        return cells, cells
    if kind == "band":  # "51-200" is a whole number only in a column typed integer: inferred, it is text
        cells = [f"{v % 50 + 1}-{v % 50 + 101}" if v % 4 == 0 else str(v % 500) for v in ints]
        return cells, cells
    raise AssertionError(kind)


def _write(path, rng: np.random.Generator):
    """The export, the planted kind and expected values of each custom column, and the planted issues."""
    names = list(KINDS)
    columns: dict[str, list[str]] = {"account_id": [f"A{i}" for i in range(ROWS)]}
    expected: dict[str, tuple[str, list]] = {}
    for j in range(COLUMNS - 4):
        kind = names[j % len(names)]
        cells, values = _column(kind, rng)
        columns[f"property_{j}"] = cells
        expected[f"property_{j}"] = (kind, values)
    # Canonical typed columns with bad cells, which are dropped per cell with the reason.
    employees = [str(v) for v in rng.integers(1, 5_000, ROWS)]
    revenue = [f"{v:,.2f}" for v in rng.integers(10_000, 9_000_000, ROWS) / 100]
    created = [(date(2015, 1, 1) + timedelta(days=int(d))).isoformat() for d in rng.integers(0, 3_000, ROWS)]
    issues = {}
    for row in rng.choice(ROWS, 12, replace=False):
        line = int(row) + 2
        pick = int(row) % 3
        if pick == 0:
            employees[row] = "1e20"
            issues[(line, "employees")] = "too large to store"
        elif pick == 1:
            revenue[row] = "1.234,56"
            issues[(line, "revenue")] = "decimal comma"
        else:
            created[row] = created[row] + "junk"
            issues[(line, "created_at")] = "a date followed by other text"
    columns.update(employees=employees, revenue=revenue, created_at=created)
    # Placeholders: missing everywhere ("N/A"), and missing only in a typed column ("none").
    missing_rows = rng.choice(ROWS, 7, replace=False)
    for row in missing_rows:
        columns["property_0"][row] = "N/A"
        columns["property_5"][row] = "none"
        expected["property_0"][1][row] = None
        expected["property_5"][1][row] = None
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        writer.writerows(zip(*columns.values()))
    return expected, issues, len(missing_rows)


@pytest.mark.slow
@pytest.mark.parametrize("seed", [0])
def test_a_wide_export_is_typed_and_quarantined_as_each_column_alone(tmp_path, seed):
    ws = Workspace.init(tmp_path / "ws")
    try:
        expected, planted, n_missing = _write(ws.data_dir / "accounts.csv", np.random.default_rng(seed))
        report = ws.load()
        count = report.files[0]
        assert report.reconciles and count.lines_reconcile, report.to_dict()
        assert count.read == count.loaded == ROWS and count.quarantined == 0
        assert count.lines["physical"] == ROWS + 1

        table = ws.table("accounts").to_pyarrow()
        for name, (kind, values) in expected.items():
            assert table.schema.field(name).type == KINDS[kind], (name, kind, table.schema.field(name).type)
            loaded = table[name].to_pylist()
            if KINDS[kind] == pa.float64():
                assert loaded == pytest.approx(values), (name, kind)
            else:
                assert loaded == values, (name, kind)
        assert table.schema.field("employees").type == pa.int64()
        assert table.schema.field("created_at").type == pa.date32()

        quarantine = ws.table("quarantine").execute()
        found = {(int(r.line), r.column): (r.reason, r.action) for r in quarantine.itertuples()}
        assert set(found) == set(planted)
        for key, words in planted.items():
            assert words in found[key][0] and found[key][1] == "value_dropped", (key, found[key])
        assert count.missing == {"property_0": n_missing, "property_5": n_missing}
    finally:
        ws.close()


@pytest.mark.slow
def test_a_wide_file_stages_in_little_memory(tmp_path):
    """1,000 columns x 15,000 rows stage under a 120 MB memory limit, far below what DuckDB pins for
    a table that wide with its default blocks (a 256 KiB block per column appended to, more on
    commit: a temporary table of this shape runs out of that limit, checked by hand): the stage
    is a scratch Parquet file, every value arrives, and the scratch folder is gone when the load
    ends."""
    import ibis

    from bullseye.ingest import scratch
    from bullseye.ingest.readers import open_reader
    from bullseye.ingest.stage import stage_file

    rows, width = 15_000, 1_000
    rng = np.random.default_rng(3)
    values = rng.integers(0, 10**6, (rows, width))
    path = tmp_path / "wide.csv"
    # the bytes csv.writer writes (CRLF, nothing quoted), from Arrow's C++ writer: 15 million cells
    # through Python's took 11 CPU seconds of this test
    with path.open("wb") as handle:
        handle.write((",".join(f"c{j}" for j in range(width)) + "\r\n").encode())
        table = pa.table({f"c{j}": values[:, j] for j in range(width)})
        pa_csv.write_csv(table, handle, pa_csv.WriteOptions(include_header=False, eol="\r\n"))
    cells = values[:, [0, 499, 999]].astype(str)
    spill = tmp_path / "tmp"
    con = ibis.duckdb.connect(str(tmp_path / "w.duckdb"))
    con.raw_sql("SET memory_limit = '120MB'")
    con.raw_sql(f"SET temp_directory = '{spill}'")
    with scratch.released(con.con):
        reader = open_reader(path)
        count, rejects = stage_file(con, reader, "_stage_0")
        assert (count, rejects) == (rows, [])
        assert reader.ledger.lines == reader.ledger.accounted == rows + 1
        staged = con.con.execute('SELECT "c0", "c499", "c999", _line FROM "_stage_0" ORDER BY _line').fetchall()
        assert [r[:3] for r in staged] == [tuple(cells[i]) for i in range(rows)]
        assert [r[3] for r in staged] == list(range(2, rows + 2))
        assert list(spill.glob("scratch-*"))
    assert not list(spill.glob("scratch-*"))
    con.disconnect()


def test_a_wide_file_with_a_multiline_field_stages_through_the_exact_reader(tmp_path):
    """A field spanning lines sends a wide file to the Python reader: its stage is a scratch
    Parquet file too, with every value, the span of the long record and the line ledger."""
    import ibis

    from bullseye.ingest import scratch
    from bullseye.ingest.readers import open_reader
    from bullseye.ingest.stage import stage_file

    width, rows = 150, 30
    path = tmp_path / "wide.csv"
    cells = [[f"r{i}c{j}" for j in range(width)] for i in range(rows)]
    cells[7][3] = "two\nlines"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow([f"c{j}" for j in range(width)])
        writer.writerows(cells)
    con = ibis.duckdb.connect()
    con.raw_sql(f"SET temp_directory = '{tmp_path / 'tmp'}'")
    with scratch.released(con.con):
        reader = open_reader(path)
        count, rejects = stage_file(con, reader, "_stage_0")
        assert (count, rejects) == (rows, [])
        assert reader.ledger.lines == reader.ledger.accounted == rows + 2
        staged = con.con.execute('SELECT * FROM "_stage_0" ORDER BY _line').fetchall()
        assert [list(r[:width]) for r in staged] == cells
        assert [r[width] for r in staged] == [i + 2 + (i > 7) for i in range(rows)]
        assert con.con.execute('SELECT * FROM "_stage_0_spans"').fetchall() == [(9, 10)]
        assert list((tmp_path / "tmp").glob("scratch-*/*.parquet"))
    assert not list((tmp_path / "tmp").glob("scratch-*"))
