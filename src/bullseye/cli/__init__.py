"""The command line: thin glue over the Workspace."""

from __future__ import annotations

# Importing the command modules registers their commands on ``app``.
from bullseye.cli import data as _data  # noqa: E402,F401
from bullseye.cli import demo as _demo  # noqa: E402,F401
from bullseye.cli import discover as _discover  # noqa: E402,F401
from bullseye.cli import governance as _governance  # noqa: E402,F401
from bullseye.cli import lifecycle as _lifecycle  # noqa: E402,F401
from bullseye.cli import market as _market  # noqa: E402,F401
from bullseye.cli import outcomes as _outcomes  # noqa: E402,F401
from bullseye.cli import people as _people  # noqa: E402,F401
from bullseye.cli import score as _score  # noqa: E402,F401
from bullseye.cli import signals as _signals  # noqa: E402,F401
from bullseye.cli import size as _size  # noqa: E402,F401
from bullseye.cli import snapshots as _snapshots  # noqa: E402,F401
from bullseye.cli import themes as _themes  # noqa: E402,F401
from bullseye.cli import web as _web  # noqa: E402,F401
from bullseye.cli.app import app

__all__ = ["app", "main"]


def main() -> None:
    """Entry point of the ``bullseye`` console script."""
    app()
