"""A mapping file's ``account_match`` on a table that names no account: one line naming the file,
the table and what the mapping must give, through the command line, and nothing loaded."""

from __future__ import annotations

from conftest import write
from typer.testing import CliRunner

from bullseye.cli import app
from bullseye.workspace import Workspace


def test_account_match_on_a_table_without_an_account_column_is_a_mapping_error(tmp_path):
    ws = Workspace.init(tmp_path / "ws")
    write(ws.data_dir / "accounts.csv", "account_id,domain\nA1,acme.com\n")
    assert ws.load([ws.data_dir / "accounts.csv"]).reconciles
    generation = ws.warehouse.generation
    market = write(ws.data_dir / "market.csv", "company_id,domain\nC1,acme.com\nC2,beta.io\n")
    mapping = write(
        ws.root / "mapping.yaml",
        "files:\n  - match: market.csv\n    table: universe\n    columns: {company_id: company_id}\n"
        "    account_match: domain\n",
    )
    result = CliRunner().invoke(
        app, ["load", str(market), "--mapping", str(mapping), "--workspace", str(ws.root)], env={"COLUMNS": "200"}
    )
    assert result.exit_code == 4, result.output  # invalid input, not a crash
    message = " ".join(result.output.split())
    assert "Traceback" not in result.output and "AssertionError" not in message
    assert "market.csv: account_match 'domain' on table universe" in message
    assert "only for a file of accounts, deals" in message
    assert ws.warehouse.generation == generation and "universe" not in ws.loaded_tables()  # nothing loaded
