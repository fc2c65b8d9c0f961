"""The people inside ICP accounts: the buying committee, drafted personas and their cards."""

from __future__ import annotations

from typing import Annotated

import typer

from bullseye.cli.app import JsonOption, WorkspaceOption, app, console, open_workspace
from bullseye.cli.output import DetailsOption, print_result

personas_app = typer.Typer(help="Draft personas from evidence and turn them into cards.", no_args_is_help=True)
app.add_typer(personas_app, name="personas")


@app.command()
def committee(workspace: WorkspaceOption = None, as_json: JsonOption = False) -> None:
    """Who shows up on won and lost deals of ICP accounts, in which committee role, and what their
    presence changes (win rate and days to close, with intervals).

    Example:

        bullseye committee --json > committee.json
    """
    ws = open_workspace(workspace)
    with console.status("Reading deals, contacts and their roles..."):
        report = ws.committee()
    print_result(report, as_json)


@personas_app.command("suggest")
def personas_suggest(
    force: Annotated[
        bool, typer.Option("--force", help="Replace hand-edited persona files with the new drafts.")
    ] = False,
    workspace: WorkspaceOption = None,
    details: DetailsOption = False,
    as_json: JsonOption = False,
) -> None:
    """Draft a persona per committee role of the ICP (and the anti-persona) into strategy/personas/,
    every field linked to its evidence or marked as an assumption. Hand edits are kept; --details
    shows what changed in each file.

    Example:

        bullseye personas suggest --details && git diff strategy/personas
    """
    ws = open_workspace(workspace)
    with console.status("Gathering the committee, themes and evidence..."):
        drafts = ws.personas()
    print_result(ws.save_personas(drafts, force=force), as_json, details)


@personas_app.command("cards")
def personas_cards(
    format: Annotated[list[str], typer.Option("--format", help="md, html or pdf (repeat for several).")] = ["html"],  # noqa: B006
    workspace: WorkspaceOption = None,
    as_json: JsonOption = False,
) -> None:
    """Write one-page persona cards, the buying committee on one page and the anti-persona, to reports/.

    Example:

        bullseye personas cards --format md --format pdf
    """
    ws = open_workspace(workspace)
    print_result(ws.cards(tuple(format), out_dir=ws.reports_dir), as_json)
