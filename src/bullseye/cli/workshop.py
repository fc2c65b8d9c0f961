"""The alignment workshop and the empathy maps from the terminal: the same drafted content as the
Workshop page and its JSON."""

from __future__ import annotations

from typing import Annotated

import typer

from bullseye.cli.app import JsonOption, WorkspaceOption, app, console, open_workspace
from bullseye.cli.output import DetailsOption, print_result


@app.command()
def workshop(
    persona: Annotated[
        str | None,
        typer.Option("--persona", help="Show this persona's empathy map instead (a file name in strategy/personas/)."),
    ] = None,
    fresh: Annotated[
        bool, typer.Option("--fresh", help="Draft from the evidence again, ignoring what the team saved.")
    ] = False,
    workspace: WorkspaceOption = None,
    details: DetailsOption = False,
    as_json: JsonOption = False,
) -> None:
    """The alignment workshop (anti-persona, champion, before-and-after grid, alignment lists) or a
    persona's empathy map, as the team saved it or drafted from the evidence.

    Example:

        bullseye workshop --persona champion --json
    """
    ws = open_workspace(workspace)
    with console.status("Gathering the evidence..."):
        board = ws.empathy_map(persona, fresh=fresh) if persona else ws.workshop(fresh=fresh)
    print_result(board, as_json, details)
