"""Market sizing: from the whole market to the ICP companies not yet in the CRM."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from bullseye.cli.app import JsonOption, WorkspaceOption, app, console, open_workspace
from bullseye.cli.output import DetailsOption, print_result


@app.command()
def size(
    whitespace: Annotated[
        Path | None,
        typer.Option(help="Where to write the whitespace prospect list (CSV; default: reports/whitespace.csv)."),
    ] = None,
    chart: Annotated[
        Path | None,
        typer.Option(help="Where to draw the funnel chart (.png or .svg; default: reports/market-funnel.png)."),
    ] = None,
    workspace: WorkspaceOption = None,
    details: DetailsOption = False,
    as_json: JsonOption = False,
) -> None:
    """The market waterfall (universe, audience criteria, ICP, disqualifiers, CRM, customers),
    TAM/SAM/SOM with their assumptions, and the whitespace: ICP-fit companies not yet in the CRM,
    scored and tiered. Uses the published ICP and audience (the draft, with a note, before any publish).

    Example:

        bullseye size --whitespace prospects.csv --details
    """
    from bullseye.market.sizing import FUNNEL_CHART

    ws = open_workspace(workspace)
    with console.status("Sizing the market and scoring the whitespace..."):
        result = ws.size(
            whitespace=whitespace or ws.reports_dir / "whitespace.csv", chart=chart or ws.reports_dir / FUNNEL_CHART
        )
    print_result(result, as_json, details)
