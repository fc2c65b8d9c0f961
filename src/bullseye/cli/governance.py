"""Commands that keep the ICP alive: status, check, and the events a person records."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Optional

import typer

from bullseye.cli.app import (
    JsonOption,
    WorkspaceOption,
    app,
    console,
    err_console,
    open_workspace,
    parse_date,
    print_json,
)
from bullseye.render.inert import for_terminal

__all__ = ["status", "check", "event_app"]

event_app = typer.Typer(help="Events that change the market (launch, pricing change, category shift).",
                        no_args_is_help=True)
app.add_typer(event_app, name="event")

_LEVEL = {"overdue": "[bold red]overdue[/]", "due": "[yellow]due[/]", "ok": "[green]ok[/]"}


@app.command()
def status(workspace: WorkspaceOption = None, as_json: JsonOption = False) -> None:
    """What is due and overdue for the ICP, and why: reviews, open triggers, stale evidence.

    Example:

        bullseye status
    """
    from bullseye.governance.status import workspace_status

    result = workspace_status(open_workspace(workspace))
    if as_json:
        print_json(result.to_dict())
        return
    version = result.version
    console.print(f"In use: v{version['number']} ({version['hash']}), published {version['published_at'][:10]} by "
                  f"{for_terminal(version['published_by'])}" if version else "In use: no published version")
    for item in sorted(result.items, key=lambda i: ("overdue", "due", "ok").index(i.level)):
        console.print(f"{_LEVEL[item.level]:>8}  {for_terminal(item.what)}: {for_terminal(item.why)}", highlight=False)
    for row in result.open_triggers.head(10).itertuples():
        console.print(f"          {row.trigger_id} {for_terminal(row.kind)} {row.raised_at}: {for_terminal(row.subject)} - "
                      f"{for_terminal(row.detail)}", highlight=False)


@app.command()
def check(
    notify: Annotated[bool, typer.Option(help="Send new triggers to the configured channels.")] = True,
    workspace: WorkspaceOption = None,
    as_json: JsonOption = False,
) -> None:
    """Load changed exports, rescore with the published version, evaluate triggers, notify.

    Cron-friendly: safe to run every hour (nothing is loaded, stored or sent twice); exits
    non-zero only when something fails.

    Example:

        bullseye check --workspace /srv/icp
    """
    from bullseye.governance.status import run_check

    result = run_check(open_workspace(workspace), notify=notify)
    if as_json:
        print_json(result.to_dict())
        return
    console.print(f"Exports: {result.load_summary}. Scored {result.scored:,} accounts with the published version."
                  if result.scored else f"Exports: {result.load_summary}.")
    for note in result.notes:
        console.print(for_terminal(note))
    console.print(f"{len(result.new_triggers)} new trigger(s).")
    for row in result.new_triggers.itertuples():
        console.print(f"  {for_terminal(row.kind)} {row.raised_at}: {for_terminal(row.subject)} - {for_terminal(row.detail)}",
                      highlight=False)
    for delivery in result.deliveries:
        if delivery.status != "sent":
            err_console.print(f"Could not notify {for_terminal(delivery.channel)} {for_terminal(delivery.target)}: "
                              f"{for_terminal(delivery.reason)}")


@event_app.command("add")
def event_add(
    name: Annotated[str, typer.Argument(help="What happened, e.g. 'pricing change'.")],
    on: Annotated[Optional[str], typer.Option("--date", help="When (YYYY-MM-DD; default: today).")] = None,
    kind: Annotated[str, typer.Option(help="launch, pricing, category, competitor or other.")] = "other",
    note: Annotated[str, typer.Option(help="A sentence of context.")] = "",
    workspace: WorkspaceOption = None,
) -> None:
    """Record a market event; it is kept in strategy/events.yaml and raised as a trigger.

    Example:

        bullseye event add "pricing change" --date 2026-07-01 --kind pricing
    """
    from bullseye.governance.events import MarketEvent, add_event, event_triggers
    from bullseye.governance.lifecycle import default_publisher
    from bullseye.governance.triggers import record_triggers

    ws = open_workspace(workspace)
    try:
        event = MarketEvent(name=name, date=parse_date(on, "--date") or date.today(), kind=kind, note=note,
                            recorded_by=default_publisher())
    except ValueError as exc:
        raise typer.BadParameter(str(exc).splitlines()[-1], param_hint="--kind") from None
    log, added = add_event(ws.root, event)
    record_triggers(ws, event_triggers(log), source="event")
    console.print(f"Recorded '{for_terminal(name)}' ({kind}, {event.date.isoformat()}) in strategy/events.yaml."
                  if added else "Already recorded; nothing changed.")


@event_app.command("list")
def event_list(workspace: WorkspaceOption = None, as_json: JsonOption = False) -> None:
    """List the recorded market events.

    Example:

        bullseye event list
    """
    from bullseye.governance.events import load_events

    log = load_events(open_workspace(workspace).root)
    if as_json:
        print_json(log.model_dump(mode="json"))
        return
    for e in log.events:
        console.print(f"{e.date.isoformat()}  {e.kind:<10} {for_terminal(e.name)}  {for_terminal(e.note)}", highlight=False)
    if not log.events:
        console.print("No events recorded; add one with `bullseye event add NAME --date YYYY-MM-DD`.")


@app.command()
def triggers(
    ack: Annotated[Optional[list[str]], typer.Option("--ack", help="Acknowledge a trigger (seen, being worked on).")] = None,
    close: Annotated[Optional[list[str]], typer.Option("--close", help="Close a trigger (looked at, dismissed).")] = None,
    show_all: Annotated[bool, typer.Option("--all", help="Also list resolved and closed triggers.")] = False,
    workspace: WorkspaceOption = None,
    as_json: JsonOption = False,
) -> None:
    """List the ICP's triggers and change their state (open, acknowledged, resolved by a version, closed).

    Example:

        bullseye triggers --ack TRG-1a2b3c4d5e6f
    """
    from bullseye.governance.triggers import (
        as_records,
        list_triggers,
        set_trigger_status,
    )

    ws = open_workspace(workspace)
    if ack:
        set_trigger_status(ws, ack, "acknowledged")
    if close:
        set_trigger_status(ws, close, "closed")
    stored = list_triggers(ws)
    if not show_all:
        stored = stored[stored["status"].isin(["open", "acknowledged"])]
    if as_json:
        print_json(as_records(stored))
        return
    for row in stored.itertuples():
        resolved = f" by v{int(row.resolved_by)}" if getattr(row, "resolved_by", None) == row.resolved_by and \
            getattr(row, "resolved_by", None) is not None else ""
        console.print(f"{row.trigger_id}  {row.status + resolved:<13} {row.raised_at}  {for_terminal(row.kind)}: "
                      f"{for_terminal(row.subject)} - {for_terminal(row.detail)}", highlight=False)
    if stored.empty:
        console.print("No open triggers." if not show_all else "No triggers yet.")
