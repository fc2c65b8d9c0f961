"""Discovery: find who should buy, and draft the ICP."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from bullseye.cli.app import (
    DetailsOption,
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

if TYPE_CHECKING:
    from bullseye.strategy.icp import ICP

#: The outcome groups `--outcome` accepts (kept here so `--help` imports nothing heavy).
OUTCOME_HELP = "win, velocity, value, retention, stickiness, all"


def _version_in_use_note(ws) -> str:
    """Once a version is published, a new draft changes nothing in use until it is published itself."""
    from bullseye.strategy.versions import VersionStore

    current = VersionStore(ws.root).current()
    if current is None:
        return ""
    return (
        f". The version in use is unchanged ({current.label}: scores and exports use it). Publish the draft "
        f'with `bullseye publish -m "..."`, or go back to {current.label}\'s files with `bullseye restore-draft`'
    )


def save_proposal(ws, result, force: bool) -> tuple[ICP | None, str]:
    """Draft the ICP from ``result`` and write it unless it is empty or the draft was edited by hand:
    (the ICP or None, one line saying what happened)."""
    from bullseye.discover.propose import empty_draft_reason
    from bullseye.strategy.icp import IcpWriteRefused

    proposal = ws.propose(result)
    if not proposal.criteria and not proposal.disqualifiers:  # never write an empty ICP silently
        return None, empty_draft_reason(result)
    try:
        path = ws.save_draft(proposal, force=force)
    except IcpWriteRefused as refused:
        draft = ws.reports_dir / "icp.proposed.yaml"
        draft.parent.mkdir(parents=True, exist_ok=True)
        draft.write_text(proposal.to_yaml(), encoding="utf-8")
        err_console.print(refused.diff, markup=False, highlight=False, soft_wrap=True)
        return proposal, (
            f"strategy/icp.yaml was edited by hand, so it was left as it is; the new draft is in "
            f"{draft} (the difference is above). Use --force to replace it."
        )
    return proposal, f"Draft ICP written to {path}" + _version_in_use_note(ws)


@app.command()
def discover(
    outcome: Annotated[list[str], typer.Option(help=f"Outcome(s) to search: {OUTCOME_HELP}.")] = ["all"],  # noqa: B006
    max_depth: Annotated[int, typer.Option(min=1, max=4, help="Most conditions in one segment.")] = 3,
    min_support: Annotated[
        int | None, typer.Option(help="Fewest deals or customers in a segment (default: 3%, at least 10).")
    ] = None,
    top: Annotated[int, typer.Option(min=1, help="Segments to report per outcome and direction.")] = 10,
    target: Annotated[
        str | None,
        typer.Option(help="Also search a yes/no account attribute as an outcome of won deals (e.g. activated)."),
    ] = None,
    until: Annotated[
        str | None,
        typer.Option(
            help="Use only deals decided before this date (YYYY-MM-DD), e.g. when the target needs time to show."
        ),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Replace a hand-edited strategy/icp.yaml with the new draft.")
    ] = False,
    workspace: WorkspaceOption = None,
    details: DetailsOption = False,
    as_json: JsonOption = False,
) -> None:
    """Find the segments that win more, close faster, pay more, stay longer and use more, confirm
    them on newer data, and draft strategy/icp.yaml.

    Example:

        bullseye discover --outcome win --outcome retention --max-depth 2

        bullseye discover --outcome win --target activated --until 2018-08-01
    """
    from datetime import datetime

    from bullseye.discover.stored import keep_run
    from bullseye.render import to_terminal
    from bullseye.render.discovery import discovery_html

    ws = open_workspace(workspace)
    generation, started_at = ws.warehouse.generation, datetime.now().isoformat(timespec="seconds")
    with console.status("Searching...") as status:
        result = ws.discover(
            outcome,
            max_depth=max_depth,
            min_support=min_support,
            top=top,
            target=target,
            until=parse_date(until, "--until"),
            progress=lambda name: status.update(f"Searching {name}..."),
        )
    keep_run(ws, result, generation, by="bullseye discover", started_at=started_at)  # the Discovery page shows it
    report = ws.reports_dir / "discovery.html"
    report.parent.mkdir(parents=True, exist_ok=True)
    report.write_text(discovery_html(result, company=ws.settings.name), encoding="utf-8")
    proposal, written = save_proposal(ws, result, force)
    if as_json:
        print_json(
            result.to_dict()
            | {"report": str(report), "icp": proposal and proposal.model_dump(mode="json"), "icp_note": written}
        )
        return
    console.print(to_terminal(result, details))
    console.print(f"\nReport with charts: {for_terminal(report)}\n{for_terminal(written)}")
