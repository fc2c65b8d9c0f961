"""Printing a result: the one place a command turns a Workspace result into terminal or JSON output."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from bullseye.cli.app import console

__all__ = ["DetailsOption", "print_result"]

DetailsOption = Annotated[bool, typer.Option("--details", help="Unfold the long sections (assumptions, evidence).")]


def print_result(result: Any, as_json: bool = False, details: bool = False) -> None:
    """``result`` as strict JSON (``--json``) or laid out for the terminal by :mod:`bullseye.render`."""
    from bullseye.render import as_json as to_json_text
    from bullseye.render import to_terminal

    if as_json:
        typer.echo(to_json_text(result, indent=2))
    else:
        console.print(to_terminal(result, details))
