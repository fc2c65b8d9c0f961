"""The "why now" command: companies with a fresh signal, ranked by fit times signal strength."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from bullseye.cli.app import (
    JsonOption,
    WorkspaceOption,
    app,
    console,
    open_workspace,
    parse_date,
)
from bullseye.cli.output import print_result

if TYPE_CHECKING:
    from bullseye.market.signal_evidence import SignalReport
    from bullseye.market.signals import SignalRanking

__all__ = ["signals"]


@app.command()
def signals(
    days: Annotated[
        int, typer.Option(min=1, help="Events from the last N days (each signal's lookback also applies).")
    ] = 30,
    limit: Annotated[int, typer.Option(min=0, help="How many companies to show (0: all).")] = 20,
    as_of: Annotated[
        str | None,
        typer.Option("--as-of", help="The day to rank on, YYYY-MM-DD (default: the workspace's as-of date)."),
    ] = None,
    evidence: Annotated[
        bool, typer.Option("--evidence", help="Measure every candidate signal on the deal history instead of ranking.")
    ] = False,
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Write the whole ranking to this file (.csv or .parquet).")
    ] = None,
    workspace: WorkspaceOption = None,
    as_json: JsonOption = False,
) -> None:
    """Rank accounts and prospects by what just happened to them (funding, a new executive,
    layoffs...), times their ICP fit, with the reason in words. The signals are those of the
    published ICP (the draft strategy/icp.yaml, with a note, before any publish).

    Example:

        bullseye signals --days 30 --limit 50

        bullseye signals --evidence --json
    """
    ws = open_workspace(workspace)
    day = parse_date(as_of, "--as-of")
    result: SignalReport | SignalRanking
    if evidence:
        with console.status("Measuring every candidate signal on the deal history..."):
            result = ws.signal_evidence(as_of=day)
    else:
        with console.status("Ranking fresh signals..."):
            result = ws.signals(days=days, as_of=day, limit=limit or None, out=out)
    print_result(result, as_json)
