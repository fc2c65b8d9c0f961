"""The command that turns two snapshots of a company list into events."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from bullseye.cli.app import JsonOption, app, err_console
from bullseye.cli.output import print_result


@app.command("snapshot-events")
def snapshot_events(
    old: Annotated[Path, typer.Argument(help="The older snapshot (CSV, Excel or Parquet).")],
    new: Annotated[Path, typer.Argument(help="The newer snapshot.")],
    key: Annotated[str, typer.Option(help="Column that identifies a company in both snapshots.")],
    old_date: Annotated[str, typer.Option("--old-date", help="When the older snapshot was taken (YYYY-MM-DD).")],
    new_date: Annotated[str, typer.Option("--new-date", help="When the newer one was taken; events are dated on it.")],
    out: Annotated[Path, typer.Option(help="Events CSV to write, e.g. data/events-yc.csv; `bullseye load` reads it.")],
    size: Annotated[str | None, typer.Option(help="Headcount column; '' for none.")] = "employees",
    status: Annotated[str | None, typer.Option(help="Status column; '' for none.")] = "status",
    name: Annotated[str | None, typer.Option(help="Company name column (default: company_name or name).")] = None,
    threshold: Annotated[
        float, typer.Option(help="Smallest relative headcount change that is an event (0.2 = 20%).")
    ] = 0.2,
    as_json: JsonOption = False,
) -> None:
    """Write headcount_change and status_change events found between two snapshots of a company list.

    Each event is dated on the newer snapshot (when in the window it happened is unknown) and says
    the window in its description. Status relabels that read as directory edits (Acquired -> Active)
    are set aside and counted.

    Example:

        bullseye snapshot-events 2023-02-27-yc-companies.csv 2024-05-11-yc-companies.csv --key company_id --old-date 2023-02-27 --new-date 2024-05-11 --size team_size --out data/events-yc.csv
    """
    from bullseye.market.snapshots import snapshot_events as compare
    from bullseye.render.inert import for_terminal

    result = compare(
        old,
        new,
        key=key,
        old_date=old_date,
        new_date=new_date,
        out=out,
        size=size,
        status=status,
        name=name,
        threshold=threshold,
    )
    print_result(result, as_json)
    unreadable = result.counts["unreadable_records_old"], result.counts["unreadable_records_new"]
    if any(unreadable):
        err_console.print(
            f"Records that could not be read were left out: {unreadable[0]} in {for_terminal(old)}, "
            f"{unreadable[1]} in {for_terminal(new)}."
        )
