"""Commands that keep the ICP alive: status, check, triggers, and the market events a person records."""

from __future__ import annotations

from typing import Annotated

import typer

from bullseye.cli.app import (
    JsonOption,
    WorkspaceOption,
    app,
    open_workspace,
    parse_date,
)
from bullseye.cli.lifecycle import ByOption, DetailsOption, show

__all__ = ["status", "check", "triggers", "event_app"]

event_app = typer.Typer(
    help="Events that change the market (launch, pricing change, category shift).", no_args_is_help=True
)
app.add_typer(event_app, name="event")


@app.command()
def status(workspace: WorkspaceOption = None, details: DetailsOption = False, as_json: JsonOption = False) -> None:
    """What is due and overdue for the ICP, and why: reviews, open triggers, stale evidence.

    Example:

        bullseye status
    """
    show(open_workspace(workspace).status(), as_json, details)


@app.command()
def check(
    notify: Annotated[bool, typer.Option(help="Send new triggers to the configured channels.")] = True,
    workspace: WorkspaceOption = None,
    details: DetailsOption = False,
    as_json: JsonOption = False,
) -> None:
    """Load changed exports, rescore with the published version, evaluate triggers, notify.

    Cron-friendly: safe to run every hour (nothing is loaded, stored or sent twice); exits
    non-zero only when something fails.

    Example:

        bullseye check --workspace /srv/icp
    """
    show(open_workspace(workspace).check(notify=notify), as_json, details)


@event_app.command("add")
def event_add(
    name: Annotated[str, typer.Argument(help="What happened, e.g. 'pricing change'.")],
    on: Annotated[str | None, typer.Option("--date", help="When (YYYY-MM-DD; default: today).")] = None,
    kind: Annotated[str, typer.Option(help="launch, pricing, category, competitor or other.")] = "other",
    note: Annotated[str, typer.Option(help="A sentence of context.")] = "",
    by: ByOption = None,
    workspace: WorkspaceOption = None,
    as_json: JsonOption = False,
) -> None:
    """Record a market event; it is kept in strategy/events.yaml and raised as a trigger.

    Example:

        bullseye event add "pricing change" --date 2026-07-01 --kind pricing
    """
    ws = open_workspace(workspace)
    show(ws.add_event(name, parse_date(on, "--date"), kind=kind, note=note, by=by), as_json)


@event_app.command("list")
def event_list(workspace: WorkspaceOption = None, as_json: JsonOption = False) -> None:
    """List the recorded market events.

    Example:

        bullseye event list
    """
    show(open_workspace(workspace).events(), as_json)


@app.command()
def triggers(
    ack: Annotated[
        list[str] | None, typer.Option("--ack", help="Acknowledge a trigger (seen, being worked on).")
    ] = None,
    close: Annotated[list[str] | None, typer.Option("--close", help="Close a trigger (looked at, dismissed).")] = None,
    show_all: Annotated[bool, typer.Option("--all", help="Also list resolved and closed triggers.")] = False,
    workspace: WorkspaceOption = None,
    as_json: JsonOption = False,
) -> None:
    """List the ICP's triggers and change their state (open, acknowledged, resolved by a version, closed).

    Example:

        bullseye triggers --ack TRG-1a2b3c4d5e6f
    """
    show(open_workspace(workspace).triggers(acknowledge=ack, close=close, everything=show_all), as_json)
