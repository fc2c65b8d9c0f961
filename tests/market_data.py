"""The public market datasets loaded through the real CLI once per test run, for every file that reads them.

A load of a large real file costs seconds whatever asks for it; test_examples_market.py and
test_market_signals_real.py load the same Crunchbase and YC files with the same mappings. Each load
here is built once per run (under conftest's file lock, like the demos) with its JSON report kept beside
it, and each test module works on a folder copy of its own, so a later load into it (events of its own)
never reaches another module."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from conftest import _copy, _pristine
from typer.testing import CliRunner

from bullseye.cli import app
from bullseye.workspace import Workspace

__all__ = ["EXAMPLES", "NEW_YC", "OLD_YC", "cli", "example_copy", "yc_copy"]

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
OLD_YC, NEW_YC = "2023-02-27-yc-companies.csv", "2024-05-11-yc-companies.csv"
_runner = CliRunner()


def cli(*args: str | Path) -> dict | None:
    """Run a command through the real CLI and return its --json output (``init`` has none)."""
    words = [str(a) for a in args]
    as_json = words[0] != "init"
    result = _runner.invoke(app, [*words, "--json"] if as_json else words)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout) if as_json else None


def _load(folder: Path, example: str, files: list[Path]) -> None:
    cli("init", folder / "ws")
    report = cli("load", "--workspace", folder / "ws", "--mapping", EXAMPLES / example / "mapping.yaml", *files)
    (folder / "load.json").write_text(json.dumps(report))


def example_copy(factory, root: Path, example: str, files: list[Path]) -> tuple[dict, Workspace]:
    """A copy at ``root`` of a workspace that loaded ``files`` with ``examples/<example>/mapping.yaml``
    through the CLI (built once per run), and that load's JSON report."""
    digest = hashlib.sha1("|".join(sorted(str(f) for f in files)).encode()).hexdigest()[:10]
    kept = _pristine(factory, f"example-{example}-{digest}", lambda folder: _load(folder, example, files))
    return json.loads((kept / "load.json").read_text()), _copy(kept / "ws", root)


def _yc(folder: Path, yc: Path) -> None:
    """The YC directory as the universe (the mapping ignores the older snapshot) and the two
    snapshots compared into ``data/events-yc.csv`` (not loaded: each module loads it its own way)."""
    _load(folder, "yc", sorted(yc.glob("*.csv")))
    compared = cli(
        "snapshot-events",
        yc / OLD_YC,
        yc / NEW_YC,
        "--key",
        "company_id",
        "--old-date",
        "2023-02-27",
        "--new-date",
        "2024-05-11",
        "--size",
        "team_size",
        "--out",
        folder / "ws" / "data" / "events-yc.csv",
    )
    (folder / "compared.json").write_text(json.dumps(compared))


def yc_copy(factory, root: Path, yc: Path) -> tuple[dict, dict, Workspace]:
    """A copy at ``root`` of the YC workspace (see ``_yc``; built once per run), the load's JSON report
    and the snapshot comparison's; the events file is ``data/events-yc.csv`` in the copy."""
    kept = _pristine(factory, "example-yc-snapshots", lambda folder: _yc(folder, yc))
    reports = [json.loads((kept / name).read_text()) for name in ("load.json", "compared.json")]
    return reports[0], reports[1], _copy(kept / "ws", root)
