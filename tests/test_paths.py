"""Paths written in settings and mappings stay inside the workspace; paths typed on the command line
are the user's choice. Refusals are one line and never show what is in the file."""

from __future__ import annotations

import os

import pytest
from conftest import write
from typer.testing import CliRunner

from bullseye.cli import app
from bullseye.paths import (
    OutsideWorkspaceError,
    allowed_roots,
    contained,
    workspace_glob,
)
from bullseye.workspace import Workspace

runner = CliRunner()

SECRET = "root:x:0:0:TOP-SECRET-LINE:/root:/bin/bash\nproduct,price\n"
DEALS = "id,account,product,stage\nD1,A1,Basic,Closed Won\nD2,A1,Pro,Open\n"
PRODUCTS = "product,price\nBasic,100\nPro,250\n"


def _mapping(lookup_file: str) -> str:
    return f"""files:
  - match: deals.csv
    table: deals
    columns:
      deal_id: id
      account_id: account
      product: product
      stage: stage
    lookups:
      - file: {lookup_file}
        on_column: product
        key: product
        columns: {{list_price: price}}
"""


def _load(*args):
    return runner.invoke(app, ["load", *map(str, args)])


@pytest.fixture
def ws(tmp_path):
    workspace = Workspace.init(tmp_path / "ws")
    workspace.close()
    write(workspace.data_dir / "deals.csv", DEALS)
    write(tmp_path / "secret.csv", SECRET)
    return workspace


def _refused(result, *words):
    assert result.exit_code == 4, result.output
    output = " ".join(result.output.split())
    assert "Traceback" not in output and "TOP-SECRET" not in output and "root:x" not in output
    for word in words:
        assert word in output, output
    return output


def test_a_lookup_climbing_out_of_the_workspace_is_refused_unread(ws, tmp_path):
    climb = os.path.relpath(tmp_path / "secret.csv", ws.root)
    write(ws.root / "mapping.yaml", _mapping(climb))
    result = _load("--workspace", ws.root, "--mapping", ws.root / "mapping.yaml", ws.data_dir / "deals.csv")
    _refused(result, "lookup file", "outside the workspace", "secret.csv")
    assert ws.root.joinpath(".bullseye").exists() and "deals" not in Workspace(ws.root).loaded_tables()


def test_etc_passwd_through_a_lookup_is_never_echoed(ws):
    write(ws.root / "mapping.yaml", _mapping("../../../../../../../../../../etc/passwd"))
    result = _load("--workspace", ws.root, "--mapping", ws.root / "mapping.yaml", ws.data_dir / "deals.csv")
    _refused(result, "outside the workspace", "/etc/passwd")


def test_a_lookup_inside_the_workspace_is_read(ws):
    write(ws.data_dir / "lookups" / "products.csv", PRODUCTS)
    write(ws.root / "mapping.yaml", _mapping("data/lookups/products.csv"))
    result = _load("--workspace", ws.root, "--mapping", ws.root / "mapping.yaml", ws.data_dir / "deals.csv")
    assert result.exit_code == 0, result.output
    opened = Workspace(ws.root)
    try:
        prices = dict(opened.table("deals").select("product", "list_price").execute().itertuples(index=False))
    finally:
        opened.close()
    assert prices == {"Basic": 100, "Pro": 250}


def test_files_named_on_the_command_line_may_be_anywhere_with_their_lookups(ws, tmp_path):
    outside = tmp_path / "export"
    write(outside / "deals.csv", DEALS)
    write(outside / "products.csv", PRODUCTS)
    write(outside / "mapping.yaml", _mapping("products.csv"))
    result = _load("--workspace", ws.root, "--mapping", outside / "mapping.yaml", outside / "deals.csv")
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("pattern", ["../other/*.csv", "data/../../other/*.csv", "ABSOLUTE"])
def test_load_files_globs_stay_inside(ws, tmp_path, pattern):
    write(tmp_path / "other" / "accounts.csv", "account_id,name\nA9,Elsewhere\n")
    pattern = str(tmp_path / "other" / "*.csv") if pattern == "ABSOLUTE" else pattern
    settings = ws.root / "bullseye.yaml"
    settings.write_text(settings.read_text() + f"load:\n  files: ['{pattern}']\n")
    result = _load("--workspace", ws.root)
    _refused(result, "bullseye.yaml: load.files", pattern)


def test_a_symlink_in_data_to_a_file_outside_is_refused(ws, tmp_path):
    (ws.data_dir / "accounts.csv").symlink_to(tmp_path / "secret.csv")
    result = _load("--workspace", ws.root)
    _refused(result, "accounts.csv is a link to", "outside the workspace")
    inside = ws.root / "exports"
    write(inside / "accounts.csv", "account_id,name\nA1,Acme\n")
    (ws.data_dir / "accounts.csv").unlink()
    (ws.data_dir / "accounts.csv").symlink_to(inside / "accounts.csv")
    result = _load("--workspace", ws.root)
    assert result.exit_code == 0, result.output


def test_a_settings_mapping_outside_the_workspace_is_refused(ws, tmp_path):
    write(tmp_path / "mapping.yaml", _mapping("products.csv"))
    settings = ws.root / "bullseye.yaml"
    settings.write_text(settings.read_text() + "load:\n  mapping: ../mapping.yaml\n")
    _refused(_load("--workspace", ws.root), "load.mapping", "outside the workspace")


def test_helpers(tmp_path):
    root = tmp_path / "ws"
    (root / "data").mkdir(parents=True)
    (root / "data" / "a.csv").write_text("x\n")
    assert workspace_glob(root, "data/*.csv", "here") == [(root / "data" / "a.csv").resolve()]
    with pytest.raises(OutsideWorkspaceError, match="not relative"):
        workspace_glob(root, "/etc/*", "here")
    roots = allowed_roots(root, [tmp_path / "elsewhere" / "f.csv", None])
    assert contained(tmp_path / "elsewhere" / "g.csv", roots, "lookup") == (tmp_path / "elsewhere" / "g.csv").resolve()
    with pytest.raises(OutsideWorkspaceError, match="lookup"):
        contained(tmp_path / "other" / "g.csv", roots, "lookup")
