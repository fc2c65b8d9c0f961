"""The Typer application and the options every command shares."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from typer.core import TyperGroup

from bullseye.errors import BullseyeError
from bullseye.render.inert import for_terminal
from bullseye.workspace import Workspace

__all__ = ["app", "console", "err_console", "WorkspaceOption", "JsonOption", "DetailsOption", "open_workspace", "parse_date", "print_json"]

console = Console()
err_console = Console(stderr=True)


class BullseyeGroup(TyperGroup):
    """Translates Bullseye errors into one clear line and exit code 1, for every command."""

    def invoke(self, ctx: typer.Context):
        try:
            return super().invoke(ctx)
        except BullseyeError as exc:
            err_console.print(f"[bold red]Error:[/] {for_terminal(exc)}", highlight=False, soft_wrap=True)
            ctx.exit(1)
        except OSError as exc:
            from bullseye.core.warehouse import storage_error

            translated = storage_error(exc)
            if translated is None:
                raise
            err_console.print(f"[bold red]Error:[/] {for_terminal(translated)}", highlight=False, soft_wrap=True)
            ctx.exit(1)
        except KeyboardInterrupt:
            err_console.print("Interrupted; the warehouse was left as it was before this command.")
            ctx.exit(130)


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

WorkspaceOption = Annotated[
    Optional[Path],
    typer.Option("--workspace", "-w", help="Workspace directory (default: search upwards from the current directory)."),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")]
DetailsOption = Annotated[bool, typer.Option("--details", help="Unfold the long sections (folded by default).")]


def open_workspace(path: Path | None) -> Workspace:
    ws = Workspace(path) if path else Workspace.find()
    ws.warehouse.on_wait = lambda message: err_console.print(for_terminal(message), highlight=False)
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
