"""Voice of the customer: themes in the notes, and the triggers they raise."""

from __future__ import annotations

from typing import Annotated

import typer

from bullseye.cli.app import (
    JsonOption,
    WorkspaceOption,
    app,
    console,
    open_workspace,
    parse_date,
    print_json,
)
from bullseye.cli.output import print_result
from bullseye.people.theme_kinds import GROUP_DIMENSIONS, KINDS
from bullseye.render.inert import for_terminal


@app.command()
def themes(
    by: Annotated[str | None, typer.Option(help=f"Break the themes down by {' or '.join(GROUP_DIMENSIONS)}.")] = None,
    kind: Annotated[
        list[str] | None,
        typer.Option(help=f"Only themes of this kind: {', '.join(KINDS)} (repeatable; default: all but other)."),
    ] = None,
    since: Annotated[str | None, typer.Option(help="Only notes from this date on (YYYY-MM-DD).")] = None,
    min_count: Annotated[int, typer.Option(min=1, help="Fewest notes a theme must be heard in.")] = 3,
    triggers: Annotated[
        bool,
        typer.Option(
            "--triggers",
            help="Check all notes for new objections, store the triggers, and list them (ignores --since, --min-count).",
        ),
    ] = False,
    workspace: WorkspaceOption = None,
    as_json: JsonOption = False,
) -> None:
    """Mine interview, call, survey and win/loss notes for pains, objections, goals and where buyers
    learn, with who says it (committee role, job function), when, and quotes.

    Example:

        bullseye themes --by role --kind objection --since 2025-01-01

        bullseye themes --triggers
    """

    if by is not None and by not in GROUP_DIMENSIONS:
        raise typer.BadParameter(f"'{by}' is not one of {', '.join(GROUP_DIMENSIONS)}", param_hint="--by")
    bad = [k for k in kind or [] if k not in KINDS]
    if bad:
        raise typer.BadParameter(f"'{bad[0]}' is not one of {', '.join(KINDS)}", param_hint="--kind")
    ws = open_workspace(workspace)
    if triggers:
        _record_triggers(ws, as_json)
        return
    with console.status("Reading notes...") as status:
        report = ws.themes(
            by=by,
            kinds=tuple(kind) if kind else None,
            since=parse_date(since, "--since"),
            min_count=min_count,
            progress=lambda step: status.update(f"Themes: {step}..."),
        )
    print_result(report, as_json)


def _record_triggers(ws, as_json: bool) -> None:
    """New objections become triggers; the rule has its own count (3 notes in 30 days) over all notes."""
    from bullseye.governance.triggers import as_records, list_triggers, record_triggers
    from bullseye.people.themes import objection_triggers

    with console.status("Reading notes..."):
        added = record_triggers(ws, objection_triggers(ws.themes(kinds=("objection",))), source="themes")
    stored = list_triggers(ws)
    if as_json:
        print_json({"added": added, "triggers": as_records(stored)})
        return
    console.print(_trigger_table(stored), f"{added} new trigger(s) recorded; {len(stored)} stored.")


def _trigger_table(stored):
    from rich import box
    from rich.table import Table

    table = Table(title="Triggers", title_justify="left", box=box.SIMPLE_HEAVY)
    for header in ("Raised", "Kind", "Subject", "Detail", "Evidence", "Status"):
        table.add_column(header, overflow="fold")
    for row in stored.itertuples():
        evidence = ", ".join(row.evidence[:5]) + (f" (+{len(row.evidence) - 5})" if len(row.evidence) > 5 else "")
        table.add_row(
            str(row.raised_at),
            row.kind,
            for_terminal(row.subject),
            for_terminal(row.detail),
            for_terminal(evidence),
            row.status,
        )
    return table
