"""Parquet exports of every shape load, and a damaged one is one line that changes nothing."""

from __future__ import annotations

import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from bullseye.cli import app
from bullseye.errors import InputFileError


def test_nested_and_binary_columns_load_as_text(workspace):
    table = pa.table(
        {
            "account_id": ["A1", "A2", "A3"],
            "meta": pa.array([{"plan": "pro", "seats": 5}, None, {"plan": "free", "seats": 1}]),
            "tags": pa.array([["x", "y"], [], None]),
            "blob": pa.array([b"ok", b"\xff\xfebad", None], type=pa.binary()),
            "nested_list": pa.array([[{"k": 1}], None, []]),
        }
    )
    pq.write_table(table, workspace.data_dir / "accounts.parquet")
    report = workspace.load([workspace.data_dir / "accounts.parquet"])
    assert report.files[0].loaded == 3
    rows = workspace.table("accounts").order_by("account_id").execute()
    assert json.loads(rows["meta"][0]) == {"plan": "pro", "seats": 5}
    assert rows["meta"][1] is None or rows["meta"][1] != rows["meta"][1]
    assert rows["blob"][0] == "ok" and rows["blob"][1] == "\\xff\\xfebad"
    assert json.loads(rows["nested_list"][0]) == [{"k": 1}]


def test_a_damaged_parquet_file_is_one_line_and_the_warehouse_stays(workspace, tmp_path):
    good = workspace.data_dir / "accounts.csv"
    good.write_text("account_id,name\nA1,Acme\n")
    workspace.load([good])
    path = tmp_path / "accounts.parquet"
    pq.write_table(
        pa.table(
            {
                "account_id": [f"A{i}" for i in range(50_000)],
                "name": [f"Company {i * 7919 % 100_003}" for i in range(50_000)],
            }
        ),
        path,
        row_group_size=10_000,
        compression="none",
    )
    data = bytearray(path.read_bytes())
    middle = len(data) // 2
    data[middle : middle + 4000] = b"\x00" * 4000  # a page in the middle is zeroed
    path.write_bytes(bytes(data))
    with pytest.raises(InputFileError, match="the Parquet file is damaged"):
        workspace.load([path])
    assert workspace.table("accounts").count().execute() == 1
    result = CliRunner().invoke(app, ["load", "--workspace", str(workspace.root), str(path)])
    assert result.exit_code == 4 and "Traceback" not in result.output
    assert "damaged" in result.output and str(path.name) in result.output
