"""Commands that create a workspace and get data into it."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from bullseye.cli.app import (
    JsonOption,
    WorkspaceOption,
    app,
    console,
    open_workspace,
    print_json,
)
from bullseye.render.inert import for_terminal

if TYPE_CHECKING:
    from bullseye.ingest.loader import LoadReport
    from bullseye.workspace import Workspace


@app.command()
def init(path: Annotated[Path, typer.Argument(help="Directory to create the workspace in.")] = Path("."),
         name: Annotated[Optional[str], typer.Option(help="Company name shown in reports.")] = None) -> None:
    """Create a workspace: bullseye.yaml, data/, strategy/, reports/ and the warehouse.

    Example:

        bullseye init acme-icp --name "Acme"
    """
    from bullseye.workspace import Workspace

    workspace = Workspace.init(path, name=name)
    console.print(f"Created workspace [bold]{for_terminal(workspace.root)}[/]. Put your exports in data/ and run `bullseye load`.")


@app.command()
def load(
    files: Annotated[Optional[list[Path]], typer.Argument(help="Export files (CSV, Parquet, Excel). Default: the `load.files` globs of bullseye.yaml.")] = None,
    preset: Annotated[Optional[str], typer.Option(help="Column names of: generic, hubspot or salesforce exports (remembered in bullseye.yaml).")] = None,
    mapping: Annotated[Optional[Path], typer.Option(help="A mapping file (YAML) saying which column is which (remembered in bullseye.yaml).")] = None,
    workspace: WorkspaceOption = None,
    as_json: JsonOption = False,
) -> None:
    """Load exports into the canonical tables; what cannot load is quarantined with its reason.

    Example:

        bullseye load data/accounts.csv data/deals.csv --preset hubspot
    """
    ws = open_workspace(workspace)
    report = load_with_progress(ws, files, preset, mapping, quiet=as_json)
    remembered = ws.remember_load(preset, mapping)
    triggers = _published_triggers(ws)
    if as_json:
        print_json(report.to_dict() | ({"new_triggers": triggers} if triggers is not None else {})
                   | ({"settings_saved": remembered} if remembered else {}))
    else:
        render_load_report(report)
        if remembered:
            console.print(for_terminal(remembered))
        if triggers:
            console.print(f"{len(triggers)} new trigger(s) for the ICP in use: "
                          + for_terminal("; ".join(f"{t['kind']} {t['subject']}" for t in triggers))
                          + " (see `bullseye status`).")


def _published_triggers(ws: Workspace) -> list[dict] | None:
    """Once a version is published, every load evaluates its trigger rules and drift (None before)."""
    from bullseye.strategy.versions import VersionStore

    if VersionStore(ws.root).current() is None:
        return None
    from bullseye.governance.status import evaluate_after_load
    from bullseye.governance.triggers import as_records

    return as_records(evaluate_after_load(ws).new_triggers)


def load_with_progress(ws: Workspace, files, preset, mapping, quiet: bool = False) -> LoadReport:
    progress = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TextColumn("rows"),
                        TimeElapsedColumn(), console=console, transient=True, disable=quiet)
    tasks: dict[str, int] = {}

    def advance(file: str, rows: int) -> None:
        if file not in tasks:
            tasks[file] = progress.add_task(f"Reading {Path(file).name}", total=None)
        progress.advance(tasks[file], rows)

    with progress:
        return ws.load(files, preset=preset, mapping=mapping, progress=advance)


def render_load_report(report: LoadReport) -> None:
    table = Table(title="Loaded", title_justify="left")
    for header in ("file", "table", "read", "loaded", "quarantined", "merged", "reconciles"):
        table.add_column(header, justify="right" if header in ("read", "loaded", "quarantined", "merged") else "left")
    for count in report.files:
        table.add_row(for_terminal(Path(count.file).name), count.table, f"{count.read:,}", f"{count.loaded:,}",
                      f"{count.quarantined:,}", f"{count.merged:,}", "yes" if count.reconciles else "[red]NO[/]")
    console.print(table)
    for count in report.files:
        if count.lines is not None:  # text files: every physical line accounted for
            parts = " + ".join(f"{n:,} {part}" for part, n in count.lines.items() if part != "physical" and n)
            console.print(f"{Path(count.file).name}: {count.lines['physical']:,} lines = {parts or '0'}"
                          + (": reconciles" if count.lines_reconcile else ": [red]does NOT reconcile[/]"))
    console.print("Tables now: " + ", ".join(f"{name} {rows:,}" for name, rows in report.table_rows.items()))
    _render_missing_values(report)
    if report.issue_summary:
        issues = Table(title="Set aside (see the quarantine table and CSV)", title_justify="left")
        for header in ("table", "action", "reason", "rows"):
            issues.add_column(header, justify="right" if header == "rows" else "left")
        for table_name, action, reason, count in report.issue_summary:
            issues.add_row(for_terminal(table_name), action, for_terminal(reason), f"{count:,}")
        console.print(issues)
        console.print(f"Every issue with its file, line and value: {for_terminal(report.quarantine_csv)}")


def _render_missing_values(report: LoadReport) -> None:
    """Placeholders read as missing, per column: loaded as empty, so they are counted, not quarantined."""
    rows = [(count, column, n) for count in report.files for column, n in sorted(count.missing.items())]
    if not rows:
        return
    table = Table(title="Read as missing (placeholders such as N/A, Select; see missing_values in bullseye.yaml)",
                  title_justify="left")
    for header in ("file", "table", "column", "values"):
        table.add_column(header, justify="right" if header == "values" else "left")
    for count, column, n in rows:
        table.add_row(escape(Path(count.file).name), count.table, escape(column), f"{n:,}")
    console.print(table)


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
    table_name: Annotated[Optional[str], typer.Option("--table", help="Only issues of this table.")] = None,
    limit: Annotated[int, typer.Option(help="How many rows to show.")] = 20,
    workspace: WorkspaceOption = None,
    as_json: JsonOption = False,
) -> None:
    """Show what the last loads set aside: file, line, column, value and reason.

    Example:

        bullseye quarantine --table deals --limit 50
    """
    ws = open_workspace(workspace)
    issues = ws.table("quarantine", needed_for="`bullseye quarantine`")
    if table_name:
        issues = issues.filter(issues.table_name == table_name)
    frame = issues.order_by(["file", "line"]).limit(limit).execute()
    if as_json:
        print_json(frame.to_dict(orient="records"))
        return
    table = Table("file", "line", "column", "value", "reason", "action")
    for row in frame.itertuples():
        table.add_row(*(for_terminal(cell) for cell in (Path(row.file).name, row.line, row.column or "",
                                                       str(row.value or "")[:40], row.reason, row.action)))
    console.print(table)
