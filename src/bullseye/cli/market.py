"""The market layer: industries and matching universe companies to CRM accounts."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from bullseye.cli.app import JsonOption, WorkspaceOption, app, console, open_workspace
from bullseye.cli.output import print_result


@app.command()
def match(
    out: Annotated[
        Path | None,
        typer.Option("--out", help="CSV for the matches and ambiguous candidates (default: reports/matches.csv)."),
    ] = None,
    workspace: WorkspaceOption = None,
    as_json: JsonOption = False,
) -> None:
    """Match universe companies to CRM accounts: by web domain, then by name with location to break
    ties. Prints matched (by method), ambiguous and unmatched counts; writes the match list.

    Example:

        bullseye match --out reports/matches.csv
    """

    ws = open_workspace(workspace)
    with console.status("Matching universe companies to CRM accounts..."):
        result = ws.match(out=out or ws.reports_dir / "matches.csv")
    print_result(result, as_json)


@app.command()
def industries(workspace: WorkspaceOption = None, as_json: JsonOption = False) -> None:
    """Show how the industries of the accounts and the universe map onto the industry taxonomy
    (or onto your segments in strategy/industries.yaml), and every value that maps nowhere, with counts.

    Example:

        bullseye industries --json
    """
    print_result(open_workspace(workspace).industries(), as_json)
