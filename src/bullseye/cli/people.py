"""The people inside ICP accounts: the buying committee, drafted personas and their cards."""

from __future__ import annotations

from typing import Annotated

import typer

from bullseye.cli.app import (
    JsonOption,
    WorkspaceOption,
    app,
    console,
    open_workspace,
    print_json,
)
from bullseye.errors import BullseyeError
from bullseye.render.inert import for_terminal

personas_app = typer.Typer(help="Draft personas from evidence and turn them into cards.", no_args_is_help=True)
app.add_typer(personas_app, name="personas")


def _icp_or_none(ws):
    from bullseye.strategy.icp import ICP_FILE, load_icp

    return load_icp(ws.root) if (ws.root / ICP_FILE).exists() else None


def _icp_required(ws):
    from bullseye.strategy.icp import ICP_FILE, load_icp

    if not (ws.root / ICP_FILE).exists():
        raise BullseyeError(f"personas come after the ICP: {ICP_FILE} does not exist yet; draft it with "
                            "`bullseye discover` (or write it) first")
    return load_icp(ws.root)


@app.command()
def committee(workspace: WorkspaceOption = None, as_json: JsonOption = False) -> None:
    """Who shows up on won and lost deals of ICP accounts, in which committee role, and what their
    presence changes (win rate and days to close, with intervals).

    Example:

        bullseye committee --json > committee.json
    """
    from bullseye.people.committee import committee_report

    ws = open_workspace(workspace)
    with console.status("Reading deals, contacts and their roles..."):
        report = committee_report(ws, _icp_or_none(ws))
    if as_json:
        print_json(report.to_dict())
        return
    console.print(report.to_rich())


@personas_app.command("suggest")
def personas_suggest(
    force: Annotated[bool, typer.Option("--force", help="Replace hand-edited persona files with the new drafts.")] = False,
    workspace: WorkspaceOption = None,
    as_json: JsonOption = False,
) -> None:
    """Draft a persona per committee role of the ICP (and the anti-persona) into strategy/personas/,
    every field linked to its evidence or marked as an assumption. Hand edits are kept.

    Example:

        bullseye personas suggest && git diff strategy/personas
    """
    from bullseye.people.personas import suggest_personas, write_personas

    ws = open_workspace(workspace)
    icp = _icp_required(ws)
    with console.status("Gathering the committee, themes and evidence..."):
        drafts = suggest_personas(ws, icp)
    results = write_personas(ws, drafts, force=force)
    if as_json:
        print_json([{"path": str(r.path), "kept_edits": r.kept, "diff": r.diff} for r in results])
        return
    for result in results:
        state = "created" if result.created else ("updated, kept your edits to " + ", ".join(result.kept)
                                                  if result.kept else "updated")
        console.print(for_terminal(f"{result.path.relative_to(ws.root)}: {state}"))
        if result.diff and not result.created:
            console.print(result.diff, markup=False, highlight=False, soft_wrap=True)


@personas_app.command("cards")
def personas_cards(
    format: Annotated[list[str], typer.Option("--format", help="md, html or pdf (repeat for several).")] = ["html"],  # noqa: B006
    workspace: WorkspaceOption = None,
) -> None:
    """Write one-page persona cards, the buying committee on one page and the anti-persona, to reports/.

    Example:

        bullseye personas cards --format md --format pdf
    """
    ws = open_workspace(workspace)
    paths = write_workspace_cards(ws, tuple(format))
    for path in paths:
        console.print(f"Cards: {for_terminal(path)}")


def write_workspace_cards(ws, formats: tuple[str, ...]):
    """The cards of the workspace's persona files, with the committee's numbers on the first page."""
    from bullseye.people.cards import write_cards
    from bullseye.people.committee import committee_report
    from bullseye.people.personas import CONVENTIONAL_ORDER
    from bullseye.strategy.persona import load_personas

    icp = _icp_required(ws)
    definitions = load_personas(ws.root)
    report = committee_report(ws, icp)
    presence = {row.role: f"{row.won_share:.0%}" for row in report.presence.itertuples()}
    effects = report.top_effects(5).to_dict(orient="records")
    timed = [d for d in definitions if getattr(d, "engage_when", None) is not None]
    order_note = ("roles in the order they first appear in the notes of the ICP's deals" if any(
        d.engage_when.evidence for d in timed) else "the usual order of a committee sale: " + " → ".join(CONVENTIONAL_ORDER)
        + " (not measured)")
    return write_cards(definitions, ws.reports_dir, formats, company=ws.settings.name, icp_name=icp.name,
                       scope=report.scope.split(";")[0], presence=presence, effects=effects, order_note=order_note)
