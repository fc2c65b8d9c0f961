"""Market sizing: from the whole market to the ICP companies not yet in the CRM."""

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
def size(
    whitespace: Annotated[Optional[Path], typer.Option(help="Where to write the whitespace prospect list (CSV).")] = None,
    workspace: WorkspaceOption = None,
    as_json: JsonOption = False,
) -> None:
    """The market waterfall (universe, audience criteria, ICP, disqualifiers, CRM, customers),
    TAM/SAM/SOM with their assumptions, and the whitespace: ICP-fit companies not yet in the CRM,
    scored and tiered.

    Example:

        bullseye size --whitespace prospects.csv
    """
    from bullseye.core.dataset import build_dataset
    from bullseye.io import write_csv
    from bullseye.market.sizing import FUNNEL_CHART, funnel_chart, size_market
    from bullseye.scoring.scorecard import fit_scorecard
    from bullseye.strategy.audience import AUDIENCE_FILE, Audience, load_audience
    from bullseye.strategy.icp import load_icp

    ws = open_workspace(workspace)
    icp = load_icp(ws.root)
    has_audience = (ws.root / AUDIENCE_FILE).exists()
    audience = load_audience(ws.root) if has_audience else Audience()
    with console.status("Sizing the market and scoring the whitespace..."):
        dataset = build_dataset(ws)  # once, for the scorecard and the CRM's customers
        result = size_market(ws, audience, icp, fit_scorecard(ws, icp, dataset=dataset), dataset)
    chart = funnel_chart(result, ws.reports_dir / FUNNEL_CHART)
    out = whitespace or ws.reports_dir / "whitespace.csv"
    out.parent.mkdir(parents=True, exist_ok=True)
    write_csv(result.whitespace, out)
    if as_json:
        print_json(result.to_dict() | {"chart": str(chart), "whitespace_file": str(out)})
        return
    if not has_audience:
        console.print(f"[yellow]No {AUDIENCE_FILE}: the whole universe is taken as the target audience.[/]")
    console.print(result.to_rich())
    tiers = result.whitespace["tier"].value_counts().sort_index() if len(result.whitespace) else {}
    console.print(f"\nWhitespace: {len(result.whitespace):,} ICP-fit companies not in the CRM"
                  + (f" (tiers: {', '.join(f'{t} {n:,}' for t, n in tiers.items())})" if len(tiers) else "")
                  + f", written to {for_terminal(out)}\nFunnel chart: {for_terminal(chart)}")
