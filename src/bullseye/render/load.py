"""A load in the terminal (80 columns): the counts per file first, then what was set aside; per-line
reconciliation and placeholders read as missing unfold with ``details``."""

from __future__ import annotations

from rich.console import Group
from rich.text import Text

from bullseye.ingest.loader import LoadReport
from bullseye.render import terminal_renderer
from bullseye.render.inert import for_terminal, visible_controls
from bullseye.render.quarantine import file_name, listing_table

__all__ = ["render_load"]


@terminal_renderer(LoadReport)
def render_load(report: LoadReport, details: bool = False) -> Group:
    loaded = listing_table("Loaded")
    loaded.add_column("File", ratio=1, min_width=12, overflow="fold")
    loaded.add_column("Table", min_width=8, overflow="fold")
    for header in ("Read", "Loaded", "Set aside", "Merged", "OK"):
        loaded.add_column(header, justify="right", no_wrap=True)
    for count in report.files:
        loaded.add_row(
            file_name(count.file),
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
                    f"{file_name(count.file)}: {lines['physical']:,} lines = {split or '0'}"
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
        table = listing_table("Read as missing (placeholders such as N/A, Select; see missing_values in bullseye.yaml)")
        for header in ("File", "Table", "Column", "Values"):
            table.add_column(
                header, justify="right" if header == "Values" else "left", overflow="fold", no_wrap=header == "Values"
            )
        for count, column, n in missing:
            table.add_row(file_name(count.file), count.table, for_terminal(column), f"{n:,}")
        parts.append(table)
    elif missing:
        parts.append(
            Text(
                f"{sum(n for _, _, n in missing):,} placeholder values (N/A, Select...) read as missing "
                f"in {len(missing)} column(s) (which: --details)."
            )
        )
    if report.issue_summary:
        issues = listing_table("Set aside (see the quarantine table and CSV)")
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
