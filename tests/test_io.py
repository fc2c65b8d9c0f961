"""The one CSV writer: formula-safe per OWASP, for pandas frames and warehouse tables alike."""

from __future__ import annotations

import csv

import ibis
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bullseye.io import (
    FORMULA_STARTS,
    is_live_formula,
    neutralise_cell,
    write_csv,
    write_table,
)

LIVE = [
    '=HYPERLINK("http://evil.example","Acme")',
    "=cmd|' /C calc'!A0",
    "+1+1",
    "-2+3",
    "@SUM(A1:A9)",
    "\t=1",
    "\r=1",
    "-x",
    "+",
    "=",
    "@",
]
INERT = ["Acme", "-12.5", "+3", "1e5", "-1.5E+06", ".5", "", "a=b", " =1", "Ação", "—", "'=already"]


def _read_back(path):
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))


@pytest.mark.parametrize("value", LIVE)
def test_live_formulas_get_an_apostrophe(value):
    assert is_live_formula(value)
    assert neutralise_cell(value) == "'" + value
    assert not is_live_formula(neutralise_cell(value))


@pytest.mark.parametrize("value", INERT)
def test_numbers_and_plain_text_are_left_alone(value):
    assert not is_live_formula(value)
    assert neutralise_cell(value) == value


def test_a_pandas_frame_is_written_safely_with_numbers_and_gaps_intact(tmp_path):
    frame = pd.DataFrame({"name": LIVE + INERT, "score": range(len(LIVE + INERT))})
    frame["industry"] = pd.Categorical(frame["name"])
    frame["text"] = frame["name"].astype("string")
    frame.loc[0, "text"] = pd.NA
    frame["=header"] = -1.5
    path = write_csv(frame, tmp_path / "sub" / "out.csv")
    rows = _read_back(path)
    assert rows[0] == ["name", "score", "industry", "text", "'=header"]
    cells = [cell for row in rows for cell in row]
    assert not any(is_live_formula(cell) for cell in cells)
    assert [row[0] for row in rows[1:]] == [neutralise_cell(v) for v in LIVE + INERT]
    assert [row[1] for row in rows[1:]] == [str(i) for i in range(len(LIVE + INERT))]
    assert rows[1][3] == "" and rows[1][4] == "-1.5"
    assert frame["name"].iat[0] == LIVE[0]  # the caller's frame is not changed


def test_a_warehouse_table_is_neutralised_in_sql_and_keeps_its_order(tmp_path):
    con = ibis.duckdb.connect()
    values = LIVE + INERT
    table = con.create_table(
        "issues",
        pd.DataFrame(
            {"file": [f"f{i:02d}" for i in range(len(values))][::-1], "line": range(len(values)), "value": values}
        ),
    )
    path = write_csv(table.order_by("file"), tmp_path / "quarantine.csv")
    rows = _read_back(path)
    assert rows[0] == ["file", "line", "value"]
    assert [row[0] for row in rows[1:]] == sorted(row[0] for row in rows[1:])
    written = {int(row[1]): row[2] for row in rows[1:]}
    assert written == {i: neutralise_cell(v) for i, v in enumerate(values)}


def test_parquet_keeps_values_as_they_are(tmp_path):
    frame = pd.DataFrame({"name": LIVE})
    path = write_table(frame, tmp_path / "scores.parquet")
    assert pd.read_parquet(path)["name"].tolist() == LIVE
    assert _read_back(write_table(frame, tmp_path / "scores.csv"))[1][0] == neutralise_cell(LIVE[0])


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from([*FORMULA_STARTS, "1", ".", "e", "a", " ", '"', ",", "\n", "'"]), max_size=8))
def test_no_text_ever_reads_back_as_a_live_formula(tmp_path_factory, value):
    path = tmp_path_factory.mktemp("csv") / "x.csv"
    write_csv(pd.DataFrame({"v": [value]}), path)
    read = _read_back(path)[1][0] if value != "" else ""
    assert not is_live_formula(read)
    assert read in (value, "'" + value)
