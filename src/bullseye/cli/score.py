"""Commands that put the ICP to work: score accounts, and backtest the ICP as written."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from bullseye.cli.app import (
    DetailsOption,
    JsonOption,
    WorkspaceOption,
    app,
    console,
    err_console,
    open_workspace,
    print_json,
)
from bullseye.render.inert import for_terminal

__all__ = ["score", "validate", "warn"]


@app.command()
def score(
    input_file: Annotated[
        Path | None,
        typer.Argument(
            metavar="[INPUT]", help="CSV, Parquet or Excel file of companies to score. Default: the CRM accounts."
        ),
    ] = None,
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Write every score to this file (.csv or .parquet).")
    ] = None,
    top: Annotated[int, typer.Option(min=0, help="How many of the best accounts to show (0: all).")] = 20,
    workspace: WorkspaceOption = None,
    details: DetailsOption = False,
    as_json: JsonOption = False,
) -> None:
    """Score accounts against the ICP: fit score 0-100, tier A-D, win probability and the reasons.

    Example:

        bullseye score new-companies.csv --out scores.csv
    """
    from bullseye.render import to_terminal

    result = open_workspace(workspace).score(input_file, top=top)
    warn(result.warnings)
    if out:
        result.write(out)
    if as_json:
        print_json(result)
    else:
        console.print(result.split_line, markup=False)
        console.print(to_terminal(result, details))


@app.command()
def validate(
    margin: Annotated[float, typer.Option(min=0, max=1, help="Gross margin for LTV (1.0: LTV in revenue).")] = 1.0,
    chart: Annotated[bool, typer.Option(help="Save the churn curves as reports/icp-churn-km.png.")] = True,
    workspace: WorkspaceOption = None,
    details: DetailsOption = False,
    as_json: JsonOption = False,
) -> None:
    """Backtest the ICP as written on the holdout: ICP vs not on wins, speed, price, churn and LTV.

    Example:

        bullseye validate --margin 0.8 --json
    """
    from bullseye.render import to_terminal

    result = open_workspace(workspace).backtest(margin=margin, chart=chart or None)
    warn(result.warnings)
    if as_json:
        print_json(result)
    else:
        console.print(to_terminal(result, details))


def warn(lines: list[str]) -> None:
    """Warnings go to stderr, one line each, so ``--json`` output stays clean."""
    for line in lines:
        err_console.print(f"[yellow]Warning:[/] {for_terminal(line)}", highlight=False, soft_wrap=True)
