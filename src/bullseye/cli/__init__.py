"""The command line: thin glue over the Workspace.

The command modules are imported lazily, one when its command runs (see :mod:`bullseye.cli.app`):
add a command to ``COMMANDS`` there as well as with ``@app.command()`` in its module.
"""

from __future__ import annotations

from bullseye.cli.app import COMMANDS, app, load_all_commands

__all__ = ["app", "main", "COMMANDS", "load_all_commands"]


def main() -> None:
    """Entry point of the ``bullseye`` console script."""
    app()
