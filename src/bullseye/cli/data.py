"""Commands that create a workspace and get data into it."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from bullseye.cli.app import (
    DetailsOption,
    JsonOption,
    WorkspaceOption,
    app,
    console,
    open_workspace,
    print_json,
)
from bullseye.render.inert import for_terminal

if TYPE_CHECKING:
    from rich.progress import TaskID

    from bullseye.workspace import Workspace


@app.command()
def init(
    path: Annotated[Path, typer.Argument(help="Directory to create the workspace in.")] = Path("."),
    name: Annotated[str | None, typer.Option(help="Company name shown in reports.")] = None,
) -> None:
    """Create a workspace: bullseye.yaml, data/, strategy/, reports/ and the warehouse.

    Example:

        bullseye init acme-icp --name "Acme"
    """
    from bullseye.workspace import Workspace

    workspace = Workspace.init(path, name=name)
    console.print(
        f"Created workspace [bold]{for_terminal(workspace.root)}[/]. Put your exports in data/ and run `bullseye load`."
    )


@app.command()
def load(
    files: Annotated[
        list[Path] | None,
        typer.Argument(help="Export files (CSV, Parquet, Excel). Default: the `load.files` globs of bullseye.yaml."),
    ] = None,
    preset: Annotated[
        str | None,
        typer.Option(help="Column names of: generic, hubspot or salesforce exports (remembered in bullseye.yaml)."),
    ] = None,
    mapping: Annotated[
        Path | None,
        typer.Option(help="A mapping file (YAML) saying which column is which (remembered in bullseye.yaml)."),
    ] = None,
    workspace: WorkspaceOption = None,
    details: DetailsOption = False,
    as_json: JsonOption = False,
) -> None:
    """Load exports into the canonical tables; what cannot load is quarantined with its reason.

    Example:

        bullseye load data/accounts.csv data/deals.csv --preset hubspot
    """
    from bullseye.render import to_terminal

    ws = open_workspace(workspace)
    report = load_with_progress(ws, files, preset, mapping, quiet=as_json)
    report.settings_saved = ws.remember_load(preset, mapping)
    report.new_triggers = _published_triggers(ws)
    if as_json:
        print_json(report)
    else:
        console.print(to_terminal(report, details))


def _published_triggers(ws: Workspace) -> list[dict] | None:
    """Once a version is published, every load evaluates its trigger rules and drift (None before)."""
    from bullseye.strategy.versions import VersionStore

    if VersionStore(ws.root).current() is None:
        return None
    from bullseye.governance.status import evaluate_after_load
    from bullseye.governance.triggers import as_records

    return as_records(evaluate_after_load(ws).new_triggers)


def load_with_progress(ws: Workspace, files, preset, mapping, quiet: bool = False):
    """``ws.load`` with a progress bar per file (none when ``quiet``); the LoadReport."""
    # Imported here: a command's help and `tables` have no use for Rich's progress bars.
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    progress = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("rows"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
        disable=quiet,
    )
    tasks: dict[str, TaskID] = {}

    def advance(file: str, rows: int) -> None:
        if file not in tasks:
            tasks[file] = progress.add_task(f"Reading {Path(file).name}", total=None)
        progress.advance(tasks[file], rows)

    with progress:
        return ws.load(files, preset=preset, mapping=mapping, progress=advance)


@app.command()
def tables(workspace: WorkspaceOption = None, as_json: JsonOption = False) -> None:
    """List the canonical tables in the warehouse with their row counts.

    Example:

        bullseye tables --json
    """
    ws = open_workspace(workspace)
    counts = {name: int(ws.table(name).count().execute()) for name in ws.loaded_tables()}
    if as_json:
        print_json(counts)
        return
    table = Table("table", "rows")
    for name, rows in counts.items():
        table.add_row(name, f"{rows:,}")
    console.print(table)


@app.command()
def quarantine(
    table_name: Annotated[str | None, typer.Option("--table", help="Only issues of this table.")] = None,
    reason: Annotated[str | None, typer.Option(help="Only issues whose reason contains this text (any case).")] = None,
    limit: Annotated[int, typer.Option(help="How many rows to show.")] = 20,
    page: Annotated[int, typer.Option(min=1, help="Which page of --limit rows to show.")] = 1,
    workspace: WorkspaceOption = None,
    details: DetailsOption = False,
    as_json: JsonOption = False,
) -> None:
    """Show what the last loads set aside: file, line, column, value and reason.

    Example:

        bullseye quarantine --table deals --reason "not a date" --limit 50
    """
    from bullseye.render import to_terminal

    result = open_workspace(workspace).quarantine(table=table_name, reason=reason, limit=limit, page=page)
    if as_json:
        print_json(result.frame)
    else:
        console.print(to_terminal(result, details))
