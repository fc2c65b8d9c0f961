"""``bullseye explain``: one account's fit score taken apart, as the web workspace's account page shows it."""

from __future__ import annotations

from typing import Annotated

import typer

from bullseye.cli.app import DetailsOption, JsonOption, WorkspaceOption, app, open_workspace
from bullseye.cli.output import print_result

__all__ = ["explain"]


@app.command()
def explain(
    account_id: Annotated[str, typer.Argument(help="The CRM account's account_id.")],
    workspace: WorkspaceOption = None,
    details: DetailsOption = False,
    as_json: JsonOption = False,
) -> None:
    """Take one account's fit score apart: the points each feature adds to the average account's 50,
    and the disqualifier that caught it with its evidence.

    Scored as `bullseye score` scores it: by the published version's scorecard (the draft's,
    fitted now, before any publish).

    Example:

        bullseye explain ACC-000042 --json
    """
    print_result(open_workspace(workspace).explain(account_id), as_json, details)
