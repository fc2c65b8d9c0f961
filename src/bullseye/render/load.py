"""A load and the quarantine in the terminal (80 columns): the counts per file first, then what
was set aside; per-line reconciliation and placeholders read as missing unfold with ``details``."""

from __future__ import annotations

from pathlib import Path

from rich import box
from rich.console import Group
from rich.table import Table
from rich.text import Text

from bullseye.ingest.loader import LoadReport
from bullseye.ingest.quarantine import Quarantine
from bullseye.render import terminal_renderer
from bullseye.render.inert import for_terminal, visible_controls

__all__ = ["render_load", "render_quarantine"]


def _table(title: str) -> Table:
    return Table(title=title, title_justify="left", box=box.SIMPLE_HEAVY, pad_edge=False)


def _name(path: str) -> str:
    return for_terminal(Path(path).name)


@terminal_renderer(LoadReport)
def render_load(report: LoadReport, details: bool = False) -> Group:
    loaded = _table("Loaded")
    loaded.add_column("File", ratio=1, min_width=12, overflow="fold")
    loaded.add_column("Table", min_width=8, overflow="fold")
    for header in ("Read", "Loaded", "Set aside", "Merged", "OK"):
        loaded.add_column(header, justify="right", no_wrap=True)
    for count in report.files:
        loaded.add_row(
            _name(count.file),
            count.table,
            f"{count.read:,}",
            f"{count.loaded:,}",
            f"{count.quarantined:,}",
            f"{count.merged:,}",
            "yes" if count.reconciles else "[red]NO[/]",
        )
    parts: list = [loaded]
    texts = [(c, c.lines) for c in report.files if c.lines is not None]  # text files: every physical line accounted for
    for count, lines in texts:
        if details or not count.lines_reconcile:
            split = " + ".join(f"{n:,} {part}" for part, n in lines.items() if part != "physical" and n)
            parts.append(
                Text.from_markup(
                    f"{_name(count.file)}: {lines['physical']:,} lines = {split or '0'}"
                    + (": reconciles" if count.lines_reconcile else ": [red]does NOT reconcile[/]")
                )
            )
    if texts and not details and all(c.lines_reconcile for c, _ in texts):
        parts.append(
            Text(
                f"Every physical line of the {len(texts)} text file{'s' if len(texts) > 1 else ''} "
                f"is accounted for (per line: --details)."
            )
        )
    parts.append(Text("Tables now: " + ", ".join(f"{name} {rows:,}" for name, rows in report.table_rows.items())))
    missing = [(count, column, n) for count in report.files for column, n in sorted(count.missing.items())]
    if missing and details:
        table = _table("Read as missing (placeholders such as N/A, Select; see missing_values in bullseye.yaml)")
        for header in ("File", "Table", "Column", "Values"):
            table.add_column(
                header, justify="right" if header == "Values" else "left", overflow="fold", no_wrap=header == "Values"
            )
        for count, column, n in missing:
            table.add_row(_name(count.file), count.table, for_terminal(column), f"{n:,}")
        parts.append(table)
    elif missing:
        parts.append(
            Text(
                f"{sum(n for _, _, n in missing):,} placeholder values (N/A, Select...) read as missing "
                f"in {len(missing)} column(s) (which: --details)."
            )
        )
    if report.issue_summary:
        issues = _table("Set aside (see the quarantine table and CSV)")
        issues.add_column("Table", overflow="fold")
        issues.add_column("Action", overflow="fold")
        issues.add_column("Reason", ratio=1, min_width=20)
        issues.add_column("Rows", justify="right", no_wrap=True)
        for table_name, action, reason, rows in report.issue_summary:
            issues.add_row(for_terminal(table_name), for_terminal(action), for_terminal(reason), f"{rows:,}")
        parts.append(issues)
        parts.append(Text(f"Every issue with its file, line and value: {visible_controls(str(report.quarantine_csv))}"))
    if report.settings_saved:
        parts.append(Text(visible_controls(report.settings_saved)))
    if report.new_triggers:
        parts.append(
            Text(
                f"{len(report.new_triggers)} new trigger(s) for the ICP in use: "
                + visible_controls("; ".join(f"{t['kind']} {t['subject']}" for t in report.new_triggers))
                + " (see `bullseye status`)."
            )
        )
    return Group(*parts)


@terminal_renderer(Quarantine)
def render_quarantine(result: Quarantine, details: bool = False) -> Group:
    """One issue per row: where it is (file, line, column), the value and, under it, the reason,
    so a long reason wraps between words instead of squeezing the columns."""
    if not result.loaded:
        return Group(Text("Nothing has been loaded yet, so nothing is set aside: load exports with `bullseye load`."))
    table = _table(
        f"Set aside: {len(result.frame):,} of {result.total:,} issues"
        + (f" in {for_terminal(result.table)}" if result.table else "")
        + (f" matching '{for_terminal(result.reason)}'" if result.reason else "")
        + (f", page {result.page} of {result.pages}" if result.pages > 1 and result.page > 1 else "")
    )
    table.add_column("File", ratio=1, min_width=12, overflow="fold")
    table.add_column("Line", justify="right", no_wrap=True)
    table.add_column("Column", overflow="fold")
    table.add_column("Value, and why", ratio=2, min_width=16, overflow="fold")
    table.add_column("Action", no_wrap=True)
    for row in result.frame.to_dict(orient="records"):
        value = str(row["value"] if row["value"] is not None else "")
        cell = Text(visible_controls(value if details or len(value) <= 40 else value[:40] + "…"))
        cell.append("\n" + visible_controls(str(row["reason"])), style="italic")
        table.add_row(
            _name(row["file"]),
            "" if row["line"] is None else f"{row['line']:,}",
            for_terminal(row["column"] or ""),
            cell,
            for_terminal(row["action"]),
            end_section=True,
        )
    parts: list = [table]
    if not details and (result.frame["value"].astype(str).str.len() > 40).any():
        parts.append(Text("Values are cut at 40 characters (whole: --details or --json)."))
    return Group(*parts)
