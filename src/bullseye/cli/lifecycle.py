"""Commands of the ICP's lifecycle: publish, history, diff, rollback, restore-draft."""

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
    print_json,
)
from bullseye.render.inert import for_terminal

__all__ = ["publish", "history", "diff", "rollback", "restore_draft"]


def _moves_table(moves, title: str):
    from rich import box
    from rich.table import Table

    table = Table(title=title, title_justify="left", box=box.SIMPLE_HEAVY)
    table.add_column("from \\ to")
    for column in moves.columns:
        table.add_column(str(column), justify="right")
    for tier, row in moves.iterrows():
        table.add_row(str(tier), *(f"{int(n):,}" for n in row))
    return table


def _render_preview(result) -> None:
    comparison = result.comparison
    if result.current is None:
        console.print("First version: nothing to compare with.")
    elif comparison:
        console.print(f"Holdout ROC AUC of P(win): draft {comparison['second']:.3f} vs {for_terminal(comparison['current'])} "
                      f"{comparison['first']:.3f} (difference {comparison['difference']:+.3f}, 95% interval "
                      f"{comparison['low']:+.3f} to {comparison['high']:+.3f}; {comparison['n']:,} holdout accounts).")
    if comparison.get("backtest"):
        from rich import box
        from rich.table import Table

        table = Table(title=f"Backtest on the same holdout: {for_terminal(result.current.label)} vs the draft",
                      title_justify="left", box=box.SIMPLE_HEAVY)
        for header in ("Measure", "In use", "Draft"):
            table.add_column(header, justify="left" if header == "Measure" else "right")
        for key, pair in comparison["backtest"].items():
            table.add_row(for_terminal(key), _num(pair["current"]), _num(pair["draft"]))
        console.print(table)
    if not result.tier_moves.empty:
        console.print(_moves_table(result.tier_moves, f"Accounts by tier: {for_terminal(result.current.label)} -> draft"))
        console.print(f"{result.moved:,} accounts change tier; open pipeline moving up "
                      f"{result.pipeline_moves['up']:,.0f}, down {result.pipeline_moves['down']:,.0f}.")


@app.command()
def publish(
    message: Annotated[str, typer.Option("--message", "-m", help="Why this version: recorded and sent to the teams.")],
    force: Annotated[Optional[str], typer.Option(help="Publish over the gate's objections; the reason is recorded.")] = None,
    by: Annotated[Optional[str], typer.Option(help="Who publishes (default: $BULLSEYE_USER or the login name).")] = None,
    workspace: WorkspaceOption = None,
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
    from bullseye.governance.lifecycle import publish as publish_draft

    ws = open_workspace(workspace)
    try:
        result = publish_draft(ws, message, by=by, force=force)
    except PublishRefused as refused:
        if not as_json:
            _render_preview(refused.preview)
        raise
    if as_json:
        print_json(result.to_dict())
        return
    if result.preview is not None:
        _render_preview(result.preview)
    version = result.version
    console.print(f"Published {for_terminal(version.label)} to {version.folder.relative_to(ws.root)}"
                  + (f" over the gate (reason recorded: {for_terminal(version.forced)})" if version.forced else "") + ".")
    for delivery in result.deliveries:
        target = for_terminal(f"{delivery.channel} {delivery.target}")
        (console if delivery.status == "sent" else err_console).print(
            f"Notified {target}" if delivery.status == "sent" else f"Could not notify {target}: {for_terminal(delivery.reason)}")


@app.command()
def history(workspace: WorkspaceOption = None, as_json: JsonOption = False) -> None:
    """List the published versions of the ICP, newest first.

    Example:

        bullseye history
    """
    from rich import box
    from rich.table import Table

    from bullseye.strategy.versions import VersionStore

    ws = open_workspace(workspace)
    store = VersionStore(ws.root)
    versions = list(reversed(store.versions()))
    if as_json:
        print_json({"draft_hash": store.draft_hash() if (ws.root / "strategy" / "icp.yaml").exists() else None,
                    "versions": [v.to_dict() for v in versions]})
        return
    if not versions:
        console.print("No published version yet; publish the draft with `bullseye publish -m \"why\"`.")
        return
    table = Table(title="Published versions (the first is in use)", title_justify="left", box=box.SIMPLE_HEAVY)
    for header in ("Version", "Published", "By", "Why"):
        table.add_column(header, overflow="fold")
    for v in versions:
        why = v.message + (f" [rollback to v{v.rollback_of}]" if v.rollback_of else "") + \
            (f" [forced: {v.forced}]" if v.forced else "")
        table.add_row(for_terminal(v.label), v.published_at.strftime("%Y-%m-%d %H:%M"), for_terminal(v.published_by), for_terminal(why))
    console.print(table)


@app.command()
def diff(
    before: Annotated[Optional[str], typer.Argument(help="A version number or hash (default: the one before AFTER).")] = None,
    after: Annotated[Optional[str], typer.Argument(help="A version number or hash (default: the version in use).")] = None,
    workspace: WorkspaceOption = None,
    as_json: JsonOption = False,
) -> None:
    """What changed between two published versions: rules, evidence, points, backtest, and tier moves.

    Example:

        bullseye diff 1 2
    """
    from bullseye.errors import NotFoundError
    from bullseye.governance.diff import diff_versions
    from bullseye.strategy.versions import VersionStore

    ws = open_workspace(workspace)
    store = VersionStore(ws.root)
    versions = store.versions()
    second = store.get(after) if after else (versions[-1] if versions else None)
    if second is None:
        raise NotFoundError("no published version yet; publish one with `bullseye publish -m \"why\"`")
    first = store.get(before) if before else next((v for v in reversed(versions) if v.number < second.number), None)
    if first is None:
        raise NotFoundError(f"{second.label} is the first version; there is nothing before it to compare with")
    result = diff_versions(ws, first, second)
    if as_json:
        print_json(result.to_dict())
        return
    _render_diff(result)


def _render_diff(result) -> None:
    from rich import box
    from rich.table import Table

    console.print(f"[bold]{for_terminal(result.before.label)} -> {for_terminal(result.after.label)}[/]: "
                  f"{for_terminal(result.after.message)}")
    if result.rules:
        rules = Table(title="Rules", title_justify="left", box=box.SIMPLE_HEAVY)
        for header in ("Change", "Rule", "Before", "After"):
            rules.add_column(header, overflow="fold")
        for change in result.rules:
            rules.add_row(change.change, f"{change.kind} {for_terminal(change.id)}",
                          for_terminal(change.before or "–") + (f"\n({for_terminal(change.evidence_before)})" if change.evidence_before else ""),
                          for_terminal(change.after or "–") + (f"\n({for_terminal(change.evidence_after)})" if change.evidence_after else ""))
        console.print(rules)
    else:
        console.print("No rule changed.")
    for key, (a, b) in result.settings.items():
        console.print(f"{key}: {for_terminal(str(a))} -> {for_terminal(str(b))}")
    if not result.points.empty:
        points = Table(title="Points that changed", title_justify="left", box=box.SIMPLE_HEAVY)
        for header in ("Feature", "Level", "Before", "After"):
            points.add_column(header, overflow="fold")
        for row in result.points.itertuples():
            points.add_row(for_terminal(str(row.feature)), for_terminal(str(row.level)), _num(row.points_before), _num(row.points_after))
        console.print(points)
    if result.backtest:
        backtest = Table(title="Backtest at publication", title_justify="left", box=box.SIMPLE_HEAVY)
        for header in ("Measure", "Before", "After"):
            backtest.add_column(header, overflow="fold")
        for key, (a, b) in result.backtest.items():
            backtest.add_row(for_terminal(key), _num(a), _num(b))
        console.print(backtest)
    if not result.tier_moves.empty:
        console.print(_moves_table(result.tier_moves, "Accounts by tier under each version (today's data)"))


def _num(value) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return "–"
    if isinstance(value, float):
        return f"{value:,.3g}" if abs(value) < 10 else f"{value:,.0f}"
    return for_terminal(str(value))


@app.command()
def rollback(
    version: Annotated[str, typer.Argument(help="The version to go back to (number or hash).")],
    message: Annotated[str, typer.Option("--message", "-m", help="Why: recorded and sent to the teams.")] = "",
    by: Annotated[Optional[str], typer.Option(help="Who rolls back (default: $BULLSEYE_USER or the login name).")] = None,
    workspace: WorkspaceOption = None,
    as_json: JsonOption = False,
) -> None:
    """Publish an earlier version's content again as a new version; the draft, scores and exports follow.

    Example:

        bullseye rollback 1 -m "v2 cut too many marketplaces"
    """
    from bullseye.governance.lifecycle import rollback as roll_back

    ws = open_workspace(workspace)
    result = roll_back(ws, version, message, by=by)
    if as_json:
        print_json(result.to_dict())
        return
    console.print(f"Published {for_terminal(result.version.label)}: the content of v{result.version.rollback_of}, "
                  f"with its stored scorecard. The draft in strategy/ now says the same.")


@app.command("restore-draft")
def restore_draft(
    version: Annotated[Optional[str], typer.Argument(help="The version whose files to restore (default: the version in use).")] = None,
    workspace: WorkspaceOption = None,
) -> None:
    """Make the draft files in strategy/ say what a published version says again (e.g. after an exploratory
    `bullseye discover`); nothing is published.

    Example:

        bullseye restore-draft
    """
    from bullseye.errors import NotFoundError
    from bullseye.strategy.versions import VersionStore

    store = VersionStore(open_workspace(workspace).root)
    chosen = store.get(version) if version else store.current()
    if chosen is None:
        raise NotFoundError("no version has been published yet, so there is no draft to restore")
    store.restore_draft(chosen)
    console.print(f"The draft files in strategy/ now say what {for_terminal(chosen.label)} says.")
