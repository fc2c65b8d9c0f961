"""Each kind of error is one line and its own exit code at the CLI (docs/cli.md)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from bullseye import errors
from bullseye.cli import app
from bullseye.cli.app import BullseyeGroup
from bullseye.errors import EXIT_CODES, exit_code
from bullseye.workspace import Workspace

runner = CliRunner()
ROOT = Path(__file__).resolve().parents[1]

KINDS = [
    (errors.BullseyeError, 1),
    (errors.NotFoundError, 3),
    (errors.InvalidInputError, 4),
    (errors.ConflictError, 5),
    (errors.NotEnoughDataError, 6),
    (errors.MissingDependencyError, 7),
    (errors.StorageError, 8),
    # subclasses take their kind's code
    (errors.WorkspaceNotFound, 3),
    (errors.MissingTableError, 3),
    (errors.ConfigError, 4),
    (errors.InputFileError, 4),
    (errors.MappingError, 4),
    (errors.WarehouseBusy, 5),
]


def raising(kind: type[Exception]) -> typer.Typer:
    """A one-command app with the real error translation, whose command raises ``kind``."""
    probe = typer.Typer(cls=BullseyeGroup)

    @probe.command()
    def fail() -> None:
        raise kind("the thing at line 3 is wrong [/bold] \x1b[2J")

    @probe.command()
    def other() -> None:  # two commands, so the group (and its translation) is used
        pass

    return probe


@pytest.mark.parametrize("kind,code", KINDS, ids=[k.__name__ for k, _ in KINDS])
def test_each_kind_is_one_line_and_its_own_exit_code(kind, code):
    result = runner.invoke(raising(kind), ["fail"])
    assert result.exit_code == code == exit_code(kind("x"))
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: the thing at line 3 is wrong [/bold]")
    assert "\x1b" not in result.output and "Traceback" not in result.output


def test_the_codes_are_distinct_and_avoid_the_usage_code():
    codes = list(EXIT_CODES.values())
    assert len(set(codes)) == len(codes) and 0 not in codes and 2 not in codes
    assert exit_code(ValueError("not ours")) == 1


def test_the_codes_are_documented():
    text = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    for kind, code in EXIT_CODES.items():
        assert re.search(rf"^\| {code} \| `{kind.__name__}` \|", text, re.MULTILINE), kind.__name__


def test_real_commands_exit_with_their_kind(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert runner.invoke(app, ["status"]).exit_code == 3  # no workspace here or above
    ws = Workspace.init(tmp_path / "ws")
    again = runner.invoke(app, ["init", str(ws.root)])
    assert again.exit_code == 5 and "already a workspace" in again.output
    assert runner.invoke(app, ["restore-draft", "-w", str(ws.root)]).exit_code == 3
    bad = runner.invoke(app, ["load", "--preset", "hubspt", "-w", str(ws.root)])
    assert bad.exit_code == 4 and "unknown preset 'hubspt'" in bad.output
    (ws.data_dir / "accounts.csv").write_text("account_id,name\nA1,Acme\nA2,Beta\n", encoding="utf-8")
    (ws.data_dir / "deals.csv").write_text(
        "deal_id,account_id,stage,amount,created_date\nD1,A1,open,10,2026-01-05\n", encoding="utf-8"
    )
    assert runner.invoke(app, ["load", "-w", str(ws.root)]).exit_code == 0
    from bullseye.core.dataset import build_dataset

    with pytest.raises(errors.NotEnoughDataError, match="no closed"):
        build_dataset(ws)  # only an open deal and no customers: nothing to learn from
