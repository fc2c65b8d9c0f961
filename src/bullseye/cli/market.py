"""The market layer: industries and matching universe companies to CRM accounts."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from bullseye.cli.app import (
    JsonOption,
    WorkspaceOption,
    app,
    console,
    open_workspace,
    print_json,
)
from bullseye.render.inert import for_terminal


@app.command()
def match(
    out: Annotated[Optional[Path], typer.Option("--out", help="CSV for the matches and ambiguous candidates (default: reports/matches.csv).")] = None,
    workspace: WorkspaceOption = None,
    as_json: JsonOption = False,
) -> None:
    """Match universe companies to CRM accounts: by web domain, then by name with location to break
    ties. Prints matched (by method), ambiguous and unmatched counts; writes the match list.

    Example:

        bullseye match --out reports/matches.csv
    """
    from bullseye.io import write_csv
    from bullseye.market.matching import match_workspace

    ws = open_workspace(workspace)
    with console.status("Matching universe companies to CRM accounts..."):
        result = match_workspace(ws)
    path = out or ws.reports_dir / "matches.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    write_csv(result.to_frame(), path)
    if as_json:
        print_json({"summary": result.summary, "out": str(path)})
        return
    console.print(result.to_rich())
    console.print(f"Match list with the ambiguous candidates: {for_terminal(path)}")


@app.command()
def industries(workspace: WorkspaceOption = None, as_json: JsonOption = False) -> None:
    """Show how the industries of the accounts and the universe map onto the industry taxonomy
    (or onto your segments in strategy/industries.yaml), and every value that maps nowhere, with counts.

    Example:

        bullseye industries --json
    """
    from bullseye.market.industries import industries_rich, workspace_industries

    report = workspace_industries(open_workspace(workspace))
    if as_json:
        print_json(report)
        return
    console.print(industries_rich(report))
