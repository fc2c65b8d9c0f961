"""Commands that summarise account outcomes."""

from __future__ import annotations

from typing import Annotated

import typer

from bullseye.cli.app import (
    DetailsOption,
    JsonOption,
    WorkspaceOption,
    app,
    console,
    open_workspace,
    parse_date,
    print_json,
)


@app.command()
def outcomes(
    by: Annotated[str | None, typer.Option(help="Break the summary down by this account attribute.")] = None,
    as_of: Annotated[
        str | None,
        typer.Option("--as-of", help="Compute as of this date (YYYY-MM-DD); default: the latest date in the data."),
    ] = None,
    workspace: WorkspaceOption = None,
    details: DetailsOption = False,
    as_json: JsonOption = False,
) -> None:
    """Summarise outcomes: win rate, days to close, discount, ACV, ARR, churn, NRR, usage, NPS.

    Example:

        bullseye outcomes --by industry --as-of 2026-06-30
    """
    from bullseye.render import to_terminal

    summary = open_workspace(workspace).outcomes(by=by, as_of=parse_date(as_of, "--as-of"))
    if as_json:
        print_json(summary)
    else:
        console.print(to_terminal(summary, details))


@app.command()
def funnel(
    by: Annotated[str | None, typer.Option(help="Also give CAC per value of this account attribute.")] = None,
    as_of: Annotated[
        str | None,
        typer.Option("--as-of", help="Compute as of this date (YYYY-MM-DD); default: the latest date in the data."),
    ] = None,
    workspace: WorkspaceOption = None,
    as_json: JsonOption = False,
) -> None:
    """Funnel metrics: conversion per stage, CAC by channel and segment, LTV, LTV:CAC, payback.

    Example:

        bullseye funnel --by industry --json
    """
    from bullseye.render import to_terminal

    result = open_workspace(workspace).funnel(as_of=parse_date(as_of, "--as-of"), by=by)
    if as_json:
        print_json(result.to_dict())
    else:
        console.print(to_terminal(result))
