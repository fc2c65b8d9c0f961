"""Commands of the ICP's lifecycle: preview, publish, history, diff, rollback, restore-draft; and
the options and output step the governance commands share."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from bullseye.cli.app import (
    JsonOption,
    WorkspaceOption,
    app,
    console,
    open_workspace,
    print_json,
)

__all__ = [
    "preview",
    "publish",
    "history",
    "diff",
    "rollback",
    "restore_draft",
    "show",
    "ByOption",
    "DetailsOption",
    "ExpectedHashOption",
]

ByOption = Annotated[str | None, typer.Option(help="Who does it (default: $BULLSEYE_USER or the login name).")]
DetailsOption = Annotated[bool, typer.Option("--details", help="Unfold the long sections.")]
ExpectedHashOption = Annotated[
    str | None,
    typer.Option(
        "--expect",
        metavar="HASH",
        help="The draft's hash when you read it (bullseye history --json: draft_hash); refuse if it changed since.",
    ),
]


def show(result: Any, as_json: bool = False, details: bool = False) -> None:
    """Print a result: strict JSON with ``--json``, else its terminal rendering."""
    if as_json:
        print_json(result.to_dict())
        return
    from bullseye.render import to_terminal

    console.print(to_terminal(result, details))


@app.command()
def preview(
    expect: ExpectedHashOption = None,
    workspace: WorkspaceOption = None,
    details: DetailsOption = False,
    as_json: JsonOption = False,
) -> None:
    """What publishing the draft would change, without publishing: the draft against the version in
    use on the same holdout, the accounts that change tier, and the gate's objections.

    Example:

        bullseye preview --details
    """
    show(open_workspace(workspace).preview(expected_hash=expect), as_json, details)


@app.command()
def publish(
    message: Annotated[str, typer.Option("--message", "-m", help="Why this version: recorded and sent to the teams.")],
    force: Annotated[
        str | None, typer.Option(help="Publish over the gate's objections; the reason is recorded.")
    ] = None,
    by: ByOption = None,
    expect: ExpectedHashOption = None,
    workspace: WorkspaceOption = None,
    details: DetailsOption = False,
    as_json: JsonOption = False,
) -> None:
    """Publish the draft ICP (with its personas, audience and signals) as a new immutable version.

    Shows the draft against the version in use on the same holdout and the accounts that change
    tier; refuses when the owner or review date is missing, a rule has no evidence and is not an
    assumption, or the draft ranks the holdout worse beyond noise (unless --force "reason").

    Example:

        bullseye publish -m "Add marketplaces: 2x win rate over two quarters"
    """
    from bullseye.governance.lifecycle import PublishRefused

    ws = open_workspace(workspace)
    try:
        result = ws.publish(message, force=force, by=by, expected_hash=expect)
    except PublishRefused as refused:
        if not as_json:
            show(refused.preview, details=details)
        raise
    show(result, as_json, details)


@app.command()
def history(workspace: WorkspaceOption = None, as_json: JsonOption = False) -> None:
    """List the published versions of the ICP, newest first.

    Example:

        bullseye history
    """
    show(open_workspace(workspace).history(), as_json)


@app.command()
def diff(
    before: Annotated[
        str | None, typer.Argument(help="A version number or hash (default: the one before AFTER).")
    ] = None,
    after: Annotated[str | None, typer.Argument(help="A version number or hash (default: the version in use).")] = None,
    workspace: WorkspaceOption = None,
    details: DetailsOption = False,
    as_json: JsonOption = False,
) -> None:
    """What changed between two published versions: rules, evidence, points, backtest, and tier moves.

    Example:

        bullseye diff 1 2
    """
    show(open_workspace(workspace).diff(before, after), as_json, details)


@app.command()
def rollback(
    version: Annotated[str, typer.Argument(help="The version to go back to (number or hash).")],
    message: Annotated[str, typer.Option("--message", "-m", help="Why: recorded and sent to the teams.")] = "",
    by: ByOption = None,
    workspace: WorkspaceOption = None,
    as_json: JsonOption = False,
) -> None:
    """Publish an earlier version's content again as a new version; the draft, scores and exports follow.

    Example:

        bullseye rollback 1 -m "v2 cut too many marketplaces"
    """
    show(open_workspace(workspace).rollback(version, message, by=by), as_json)


@app.command("restore-draft")
def restore_draft(
    version: Annotated[
        str | None, typer.Argument(help="The version whose files to restore (default: the version in use).")
    ] = None,
    expect: ExpectedHashOption = None,
    workspace: WorkspaceOption = None,
    as_json: JsonOption = False,
) -> None:
    """Make the draft files in strategy/ say what a published version says again (e.g. after an exploratory
    `bullseye discover`); nothing is published.

    Example:

        bullseye restore-draft
    """
    show(open_workspace(workspace).restore_draft(version, expected_hash=expect), as_json)
