from __future__ import annotations

import json

import pytest
from conftest import write
from typer.testing import CliRunner

from bullseye.cli import app, load_all_commands
from bullseye.workspace import Workspace

runner = CliRunner()


def invoke(*args, cwd=None, monkeypatch=None):
    if cwd is not None and monkeypatch is not None:
        monkeypatch.chdir(cwd)
    return runner.invoke(app, [str(a) for a in args])


def test_init_creates_the_workspace_layout(tmp_path):
    result = invoke("init", tmp_path / "acme", "--name", "Acme")
    assert result.exit_code == 0, result.output
    root = tmp_path / "acme"
    for part in ("bullseye.yaml", "data", "strategy", "reports", ".bullseye/warehouse.duckdb"):
        assert (root / part).exists(), part
    assert Workspace(root).settings.name == "Acme"
    again = invoke("init", root)
    assert again.exit_code == 5 and "already a workspace" in again.output


def test_a_typo_in_settings_names_the_file_and_key(tmp_path):
    Workspace.init(tmp_path / "ws")
    settings = tmp_path / "ws" / "bullseye.yaml"
    settings.write_text(settings.read_text() + "curency: EUR\n")
    result = invoke("tables", "--workspace", tmp_path / "ws")
    assert result.exit_code == 4
    assert "bullseye.yaml:" in result.output and "unknown key 'curency'" in result.output
    assert "Traceback" not in result.output


def test_commands_find_the_workspace_upwards(tmp_path, monkeypatch):
    ws = Workspace.init(tmp_path / "ws")
    write(ws.data_dir / "accounts.csv", "account_id,name\nA1,Acme\n")
    monkeypatch.chdir(ws.data_dir)
    result = invoke("load", "accounts.csv")
    assert result.exit_code == 0, result.output
    result = invoke("tables", "--json")
    assert json.loads(result.output) == {"accounts": 1}
    monkeypatch.chdir(tmp_path)
    result = invoke("tables")
    assert result.exit_code == 3 and "no bullseye.yaml" in result.output


def test_load_prints_reconciled_counts_and_json(tmp_path):
    ws = Workspace.init(tmp_path / "ws")
    write(ws.data_dir / "accounts.csv", "account_id,employees\nA1,10\nA1,11\nA2,lots\n")
    result = invoke("load", "--workspace", ws.root)
    assert result.exit_code == 0, result.output
    assert "accounts.csv" in result.output and "duplicate key" in result.output
    data = json.loads(invoke("load", "--workspace", ws.root, "--json").output)
    assert data["files"][0] | {"file": None} == {
        "file": None,
        "table": "accounts",
        "read": 3,
        "loaded": 2,
        "quarantined": 1,
        "merged": 0,
        "missing": {},
        "reconciles": True,
        "lines": {"physical": 4, "header": 1, "blank": 0, "loaded": 2, "quarantined": 1},
    }
    shown = invoke("quarantine", "--workspace", ws.root, "--json")
    issues = json.loads(shown.output)
    assert {(i["line"], i["column"], i["action"]) for i in issues} == {
        (3, "account_id", "quarantined"),
        (4, "employees", "value_dropped"),
    }


@pytest.mark.parametrize(
    "content,expected",
    [
        (b"", "the file is empty"),
        (b"\x00\x00\x01binary\x00" * 50, "binary file"),
        (b"account_id,name\n", None),
    ],
)
def test_bad_files_give_one_line_and_no_traceback(tmp_path, content, expected):
    ws = Workspace.init(tmp_path / "ws")
    bad = ws.data_dir / "accounts.csv"
    bad.write_bytes(content)
    result = invoke("load", bad, "--workspace", ws.root)
    if expected is None:  # a header with no rows loads an empty table
        assert result.exit_code == 0, result.output
        assert json.loads(invoke("tables", "--workspace", ws.root, "--json").output) == {"accounts": 0}
        return
    assert result.exit_code == 4
    assert expected in result.output and "accounts.csv" in result.output
    assert "Traceback" not in result.output


def test_missing_column_names_the_file_the_column_and_what_exists(tmp_path):
    ws = Workspace.init(tmp_path / "ws")
    write(ws.data_dir / "deals.csv", "Deal ID,Amount\nD1,10\n")
    result = invoke("load", "--workspace", ws.root)
    assert result.exit_code == 4
    line = result.output.strip()
    assert "deals.csv" in line and "missing required column 'stage'" in line and "deal_id, amount" in line


def test_help_of_every_command_has_an_example():
    result = invoke("--help")
    assert "Example:" in result.output
    for command in load_all_commands().registered_commands:  # the commands, not the groups
        name = command.name or command.callback.__name__
        help_text = invoke(name, "--help").output
        assert "Example:" in help_text, name
