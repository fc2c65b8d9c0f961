"""Discovery: find who should buy, and draft the ICP."""

from __future__ import annotations

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
from bullseye.core.outcome_names import OUTCOME_GROUPS, TARGET_PREFIX
from bullseye.render.inert import for_terminal


class _NothingToDraft(Exception):
    pass


def _version_in_use_note(ws) -> str:
    """Once a version is published, a new draft changes nothing in use until it is published itself."""
    from bullseye.strategy.versions import VersionStore

    current = VersionStore(ws.root).current()
    if current is None:
        return ""
    return (f". The version in use is unchanged ({current.label}: scores and exports use it). Publish the draft "
            f"with `bullseye publish -m \"...\"`, or go back to {current.label}'s files with `bullseye restore-draft`")


@app.command()
def discover(
    outcome: Annotated[list[str], typer.Option(help=f"Outcome(s) to search: {', '.join(OUTCOME_GROUPS)}.")] = ["all"],  # noqa: B006
    max_depth: Annotated[int, typer.Option(min=1, max=4, help="Most conditions in one segment.")] = 3,
    min_support: Annotated[Optional[int], typer.Option(help="Fewest deals or customers in a segment (default: 3%, at least 10).")] = None,
    top: Annotated[int, typer.Option(min=1, help="Segments to report per outcome and direction.")] = 10,
    target: Annotated[Optional[str], typer.Option(help="Also search a yes/no account attribute as an outcome of won deals (e.g. activated).")] = None,
    until: Annotated[Optional[str], typer.Option(help="Use only deals decided before this date (YYYY-MM-DD), e.g. when the target needs time to show.")] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace a hand-edited strategy/icp.yaml with the new draft.")] = False,
    workspace: WorkspaceOption = None,
    as_json: JsonOption = False,
) -> None:
    """Find the segments that win more, close faster, pay more, stay longer and use more, confirm
    them on newer data, and draft strategy/icp.yaml.

    Example:

        bullseye discover --outcome win --outcome retention --max-depth 2

        bullseye discover --outcome win --target activated --until 2018-08-01
    """
    from bullseye.discover.engine import DiscoverySettings
    from bullseye.discover.engine import discover as run_discovery
    from bullseye.discover.propose import empty_draft_reason, propose_icp
    from bullseye.discover.report import rich_summary, write_html
    from bullseye.strategy.icp import IcpWriteRefused, save_icp

    ws = open_workspace(workspace)
    outcomes = tuple(outcome) + ((f"{TARGET_PREFIX}{target}",) if target else ())
    settings = DiscoverySettings(outcomes=outcomes, max_depth=max_depth, min_support=min_support, top=top,
                                 until=parse_date(until, "--until"))
    with console.status("Searching...") as status:
        result = run_discovery(ws, settings, progress=lambda name: status.update(f"Searching {name}..."))
    report = write_html(result, ws.reports_dir / "discovery.html", company=ws.settings.name)
    proposal = propose_icp(result, ws=ws)
    empty = not proposal.criteria and not proposal.disqualifiers
    try:
        if empty:  # never write an empty ICP silently: say why there is none
            raise _NothingToDraft(empty_draft_reason(result))
        path, diff = save_icp(ws.root, proposal, force=force)
        written = f"Draft ICP written to {path}" + (" (replacing the earlier draft)" if diff and force else "")
        written += _version_in_use_note(ws)
    except _NothingToDraft as nothing:
        written = str(nothing)
    except IcpWriteRefused as refused:
        draft = ws.reports_dir / "icp.proposed.yaml"
        draft.write_text(proposal.to_yaml(), encoding="utf-8")
        err_console.print(refused.diff, markup=False, highlight=False, soft_wrap=True)
        written = (f"strategy/icp.yaml was edited by hand, so it was left as it is; the new draft is in {draft} "
                   f"(the difference is above). Use --force to replace it.")
    if as_json:
        print_json(result.to_dict() | {"report": str(report), "icp": None if empty else proposal.model_dump(mode="json"),
                                       "icp_note": written})
        return
    console.print(rich_summary(result))
    console.print(f"\nReport with charts: {for_terminal(report)}\n{for_terminal(written)}")
