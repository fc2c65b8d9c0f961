"""The command that turns two snapshots of a company list into events."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.table import Table

from bullseye.cli.app import JsonOption, app, console, err_console, print_json
from bullseye.render.inert import for_terminal


def _column(option: str | None) -> str | None:
    """An option naming a column, named the way the reader names columns ('Team Size' -> team_size)."""
    from bullseye.ingest.readers import normalise_header

    return normalise_header(option) if option else None


@app.command("snapshot-events")
def snapshot_events(
    old: Annotated[Path, typer.Argument(help="The older snapshot (CSV, Excel or Parquet).")],
    new: Annotated[Path, typer.Argument(help="The newer snapshot.")],
    key: Annotated[str, typer.Option(help="Column that identifies a company in both snapshots.")],
    old_date: Annotated[str, typer.Option("--old-date", help="When the older snapshot was taken (YYYY-MM-DD).")],
    new_date: Annotated[str, typer.Option("--new-date", help="When the newer one was taken; events are dated on it.")],
    out: Annotated[Path, typer.Option(help="Events CSV to write, e.g. data/events-yc.csv; `bullseye load` reads it.")],
    size: Annotated[Optional[str], typer.Option(help="Headcount column; '' for none.")] = "employees",
    status: Annotated[Optional[str], typer.Option(help="Status column; '' for none.")] = "status",
    name: Annotated[Optional[str], typer.Option(help="Company name column (default: company_name or name).")] = None,
    threshold: Annotated[float, typer.Option(help="Smallest relative headcount change that is an event (0.2 = 20%).")] = 0.2,
    as_json: JsonOption = False,
) -> None:
    """Write headcount_change and status_change events found between two snapshots of a company list.

    Each event is dated on the newer snapshot (when in the window it happened is unknown) and says
    the window in its description. Status relabels that read as directory edits (Acquired -> Active)
    are set aside and counted.

    Example:

        bullseye snapshot-events 2023-02-27-yc-companies.csv 2024-05-11-yc-companies.csv --key company_id --old-date 2023-02-27 --new-date 2024-05-11 --size team_size --out data/events-yc.csv
    """
    from bullseye.io import write_csv
    from bullseye.market.snapshots import compare_snapshots, read_snapshot

    (old_frame, old_rejected), (new_frame, new_rejected) = read_snapshot(old), read_snapshot(new)
    result = compare_snapshots(old_frame, new_frame, key=_column(key), old_date=old_date, new_date=new_date,
                               size=_column(size), status=_column(status), name=_column(name), growth_threshold=threshold)
    result.counts |= {"unreadable_records_old": old_rejected, "unreadable_records_new": new_rejected}
    out.parent.mkdir(parents=True, exist_ok=True)
    write_csv(result.events, out)
    if as_json:
        print_json(result.to_dict() | {"out": str(out)})
        return
    table = Table("count", "value", title="Snapshots compared", title_justify="left")
    for label, value in result.counts.items():
        table.add_row(label.replace("_", " "), f"{value:,}")
    console.print(table)
    if old_rejected or new_rejected:
        err_console.print(f"Records that could not be read were left out: {old_rejected} in {for_terminal(old)}, "
                          f"{new_rejected} in {for_terminal(new)}.")
    console.print(for_terminal(f"Wrote {len(result.events):,} events to {out}; load them with `bullseye load {out}`."))
