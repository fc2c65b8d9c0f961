"""The Typer application, the registry of its commands and the options every command shares.

The top-level group is lazy (Click's "lazy loading of subcommands" pattern): ``bullseye --help``
lists the names and one-line help of :data:`COMMANDS` without importing a command module, and a
command's module (with pandas, Ibis, numba...) is imported only when that command is resolved.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
import typer.main
from rich.console import Console
from typer.core import TyperCommand, TyperGroup

from bullseye.errors import BullseyeError, exit_code
from bullseye.render.inert import for_terminal

if TYPE_CHECKING:
    # Typer (0.26 on) vendors Click; these are the classes its groups are typed with.
    from typer._click import Command, Context, HelpFormatter

    from bullseye.workspace import Workspace

__all__ = [
    "app",
    "console",
    "err_console",
    "COMMANDS",
    "WorkspaceOption",
    "JsonOption",
    "open_workspace",
    "parse_date",
    "print_json",
    "load_all_commands",
    "DetailsOption",
]

# Every top-level command (or command group): the module that defines it, and the first paragraph of
# its help as ``bullseye --help`` shows it. tests/test_cli_lazy.py fails when this drifts from the
# commands' docstrings. The order is the order of ``bullseye --help``: the tour of a new user.
COMMANDS: dict[str, tuple[str, str]] = {
    "demo": (
        "bullseye.cli.demo",
        "Build a demo workspace for a route-optimisation SaaS company, load it and run the main job.",
    ),
    "init": ("bullseye.cli.data", "Create a workspace: bullseye.yaml, data/, strategy/, reports/ and the warehouse."),
    "load": (
        "bullseye.cli.data",
        "Load exports into the canonical tables; what cannot load is quarantined with its reason.",
    ),
    "tables": ("bullseye.cli.data", "List the canonical tables in the warehouse with their row counts."),
    "quarantine": ("bullseye.cli.data", "Show what the last loads set aside: file, line, column, value and reason."),
    "outcomes": (
        "bullseye.cli.outcomes",
        "Summarise outcomes: win rate, days to close, discount, ACV, ARR, churn, NRR, usage, NPS.",
    ),
    "funnel": (
        "bullseye.cli.outcomes",
        "Funnel metrics: conversion per stage, CAC by channel and segment, LTV, LTV:CAC, payback.",
    ),
    "discover": (
        "bullseye.cli.discover",
        "Find the segments that win more, close faster, pay more, stay longer and use more, confirm "
        "them on newer data, and draft strategy/icp.yaml.",
    ),
    "validate": (
        "bullseye.cli.score",
        "Backtest the ICP as written on the holdout: ICP vs not on wins, speed, price, churn and LTV.",
    ),
    "score": (
        "bullseye.cli.score",
        "Score accounts against the ICP: fit score 0-100, tier A-D, win probability and the reasons.",
    ),
    "explain": (
        "bullseye.cli.explain",
        "Take one account's fit score apart: the points each feature adds to the average account's 50, "
        "and the disqualifier that caught it with its evidence.",
    ),
    "committee": (
        "bullseye.cli.people",
        "Who shows up on won and lost deals of ICP accounts, in which committee role, and what their "
        "presence changes (win rate and days to close, with intervals).",
    ),
    "themes": (
        "bullseye.cli.themes",
        "Mine interview, call, survey and win/loss notes for pains, objections, goals and where buyers "
        "learn, with who says it (committee role, job function), when, and quotes.",
    ),
    "personas": ("bullseye.cli.people", "Draft personas from evidence and turn them into cards."),
    "workshop": (
        "bullseye.cli.workshop",
        "The alignment workshop (anti-persona, champion, before-and-after grid, alignment lists) or a "
        "persona's empathy map, as the team saved it or drafted from the evidence.",
    ),
    "match": (
        "bullseye.cli.market",
        "Match universe companies to CRM accounts: by web domain, then by name with location to break "
        "ties. Prints matched (by method), ambiguous and unmatched counts; writes the match list.",
    ),
    "industries": (
        "bullseye.cli.market",
        "Show how the industries of the accounts and the universe map onto the industry taxonomy "
        "(or onto your segments in strategy/industries.yaml), and every value that maps nowhere, "
        "with counts.",
    ),
    "size": (
        "bullseye.cli.size",
        "The market waterfall (universe, audience criteria, ICP, disqualifiers, CRM, customers), "
        "TAM/SAM/SOM with their assumptions, and the whitespace: ICP-fit companies not yet in the CRM, "
        "scored and tiered. Uses the published ICP and audience (the draft, with a note, before any "
        "publish).",
    ),
    "signals": (
        "bullseye.cli.signals",
        "Rank accounts and prospects by what just happened to them (funding, a new executive, "
        "layoffs...), times their ICP fit, with the reason in words. The signals are those of the "
        "published ICP (the draft strategy/icp.yaml, with a note, before any publish).",
    ),
    "snapshot-events": (
        "bullseye.cli.snapshots",
        "Write headcount_change and status_change events found between two snapshots of a company list.",
    ),
    "preview": (
        "bullseye.cli.lifecycle",
        "What publishing the draft would change, without publishing: the draft against the version "
        "in use on the same holdout, the accounts that change tier, and the gate's objections.",
    ),
    "publish": (
        "bullseye.cli.lifecycle",
        "Publish the draft ICP (with its personas, audience and signals) as a new immutable version.",
    ),
    "history": ("bullseye.cli.lifecycle", "List the published versions of the ICP, newest first."),
    "diff": (
        "bullseye.cli.lifecycle",
        "What changed between two published versions: rules, evidence, points, backtest, and tier moves.",
    ),
    "rollback": (
        "bullseye.cli.lifecycle",
        "Publish an earlier version's content again as a new version; the draft, scores and exports follow.",
    ),
    "restore-draft": (
        "bullseye.cli.lifecycle",
        "Make the draft files in strategy/ say what a published version says again (e.g. after an "
        "exploratory `bullseye discover`); nothing is published.",
    ),
    "status": (
        "bullseye.cli.governance",
        "What is due and overdue for the ICP, and why: reviews, open triggers, stale evidence.",
    ),
    "check": (
        "bullseye.cli.governance",
        "Load changed exports, rescore with the published version, evaluate triggers, notify.",
    ),
    "triggers": (
        "bullseye.cli.governance",
        "List the ICP's triggers and change their state (open, acknowledged, resolved by a version, closed).",
    ),
    "event": ("bullseye.cli.governance", "Events that change the market (launch, pricing change, category shift)."),
    "serve": (
        "bullseye.cli.web",
        "Serve the web workspace: every page and its .json twin. No login on 127.0.0.1; any other "
        "address requires users (add them with `bullseye users add`).",
    ),
    "users": ("bullseye.cli.web", "People who may log in to the web workspace."),
}

console = Console()
err_console = Console(stderr=True)


class BullseyeGroup(TyperGroup):
    """The top-level group: lazy (commands come from :data:`COMMANDS`, each module imported when its
    command runs), and it translates Bullseye errors into one clear line and the exit code of their
    kind (docs/cli.md), for every command."""

    _listing = False

    def list_commands(self, ctx: Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: Context, cmd_name: str) -> Command | None:
        if cmd_name in self.commands:
            return self.commands[cmd_name]
        if cmd_name not in COMMANDS:
            return None
        if self._listing:
            # The group's own help needs a name and a line per command, not the command itself.
            summary = COMMANDS[cmd_name][1]
            return TyperCommand(cmd_name, help=summary, short_help=summary)
        self.commands[cmd_name] = _load_command(cmd_name)
        return self.commands[cmd_name]

    def format_help(self, ctx: Context, formatter: HelpFormatter) -> None:
        self._listing = True
        try:
            return super().format_help(ctx, formatter)
        finally:
            self._listing = False

    def resolve_command(self, ctx: Context, args: list[str]) -> tuple[str | None, Command | None, list[str]]:
        name = args[0] if args else ""
        if name and not name.startswith("-") and name not in COMMANDS and name not in self.commands:
            # Typer would suggest only from the commands already built; suggest from the registry.
            from difflib import get_close_matches

            matches = get_close_matches(name, list(COMMANDS))
            suggestion = f" Did you mean {', '.join(map(repr, matches))}?" if matches else ""
            ctx.fail(f"No such command {name!r}.{suggestion}")
        return super().resolve_command(ctx, args)

    def invoke(self, ctx: Context) -> Any:
        try:
            return super().invoke(ctx)
        except BullseyeError as exc:
            err_console.print(f"[bold red]Error:[/] {for_terminal(exc)}", highlight=False, soft_wrap=True)
            ctx.exit(exit_code(exc))
        except OSError as exc:
            from bullseye.core.warehouse import storage_error

            translated = storage_error(exc)
            if translated is None:
                raise
            err_console.print(f"[bold red]Error:[/] {for_terminal(translated)}", highlight=False, soft_wrap=True)
            ctx.exit(exit_code(translated))
        except KeyboardInterrupt:
            err_console.print("Interrupted; the warehouse was left as it was before this command.")
            ctx.exit(130)


def _load_command(name: str) -> Command:
    """Import the module of command ``name`` (which registers its commands on ``app``) and build it."""
    importlib.import_module(COMMANDS[name][0])
    for info in app.registered_commands:
        if info.callback is not None and (info.name or typer.main.get_command_name(info.callback.__name__)) == name:
            return typer.main.get_command_from_info(
                info, pretty_exceptions_short=app.pretty_exceptions_short, rich_markup_mode=app.rich_markup_mode
            )
    for group in app.registered_groups:
        if group.name == name:
            return typer.main.get_group_from_info(
                group,
                pretty_exceptions_short=app.pretty_exceptions_short,
                rich_markup_mode=app.rich_markup_mode,
                suggest_commands=app.suggest_commands,
            )
    raise LookupError(f"{COMMANDS[name][0]} defines no command '{name}'; fix COMMANDS in {__name__}")


def load_all_commands() -> typer.Typer:
    """Import every command module, so that ``app.registered_commands`` and ``app.registered_groups``
    hold every command (for tests and documentation checks); returns ``app``."""
    for module in dict.fromkeys(module for module, _ in COMMANDS.values()):
        importlib.import_module(module)
    return app


app = typer.Typer(
    cls=BullseyeGroup,
    name="bullseye",
    help=(
        "Bullseye: find your ideal customer profile in your own CRM data.\n\n"
        "Example:\n\n    bullseye demo demo-workspace && cd demo-workspace && bullseye outcomes --by industry"
    ),
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="markdown",
    pretty_exceptions_enable=False,
)


@app.callback()
def _root() -> None:
    # A group with its commands still unloaded needs a callback to be built as a group at all.
    pass


WorkspaceOption = Annotated[
    Path | None,
    typer.Option("--workspace", "-w", help="Workspace directory (default: search upwards from the current directory)."),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")]
DetailsOption = Annotated[bool, typer.Option("--details", help="Unfold the long sections (folded by default).")]


def open_workspace(path: Path | None) -> Workspace:
    from bullseye.workspace import Workspace

    ws = Workspace(path) if path else Workspace.find()
    ws.on_wait = lambda message: err_console.print(for_terminal(message), highlight=False)
    return ws


def parse_date(value: str | None, option: str):
    """A YYYY-MM-DD option value as a date; a bad one is a usage error naming the option."""
    from datetime import date

    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"'{value}' is not a date; use YYYY-MM-DD", param_hint=option) from None


def print_json(data: object) -> None:
    """Print ``data`` as strict JSON through the one encoder (NaN -> null, dates ISO)."""
    from bullseye.render.encoder import to_json

    typer.echo(to_json(data, indent=2))
