"""Outcome summaries in the terminal: three narrow tables (pipeline, won deals, customers) so every
column fits 80 columns and group labels wrap between words."""

from __future__ import annotations

from typing import Any

from rich import box
from rich.console import Group
from rich.table import Table

from bullseye.outcomes.summary import OutcomeSummary
from bullseye.render import terminal_renderer
from bullseye.render.inert import for_terminal

__all__ = ["render_outcomes", "SECTIONS"]

_DASH = "–"


def _num(key: str, digits: int = 0) -> Any:
    return lambda row: _DASH if row.get(key) is None else f"{row[key]:,.{digits}f}"


def _pct(key: str, digits: int = 0) -> Any:
    return lambda row: _DASH if row.get(key) is None else f"{100 * row[key]:.{digits}f}%"


def _ci(row: dict[str, Any]) -> str:
    low, high = row.get("win_rate_low"), row.get("win_rate_high")
    if low is None or high is None:  # both or neither
        return _DASH
    digits = 1 if high - low < 0.02 else 0
    return f"{100 * low:.{digits}f}-{100 * high:.{digits}f}%"


def _rate_ci(row: dict[str, Any]) -> str:
    return _DASH if row.get("win_rate") is None else f"{100 * row['win_rate']:.0f}% ({_ci(row).rstrip('%')})"


def _nps(row: dict[str, Any]) -> str:
    return _DASH if row.get("nps") is None else f"{row['nps']:+.0f}"


#: section -> (header, formatter, the table it needs); the first column of a section is always shown.
SECTIONS = {
    "Pipeline": (
        ("Accounts", _num("accounts"), None),
        ("Won", _num("deals_won"), "deals"),
        ("Lost", _num("deals_lost"), "deals"),
        ("Open", _num("deals_open"), "deals"),
        ("Win rate (95% CI)", _rate_ci, "deals"),
    ),
    "Won deals": (
        ("Won", _num("deals_won"), "deals"),
        ("Days to close", _num("days_to_close_median"), "deals"),
        ("Discount", _pct("discount_mean", 1), "deals"),
        ("ACV ({currency}), median", _num("acv_median"), "deals"),
    ),
    "Customers": (
        ("Customers", _num("customers"), None),
        ("ARR ({currency})", _num("current_arr"), "subscriptions"),
        ("Kept 12m", _pct("retention_12m"), "subscriptions"),
        ("NRR", _pct("nrr"), "subscriptions"),
        ("Users/wk", _num("active_users_mean", 1), "usage"),
        ("NPS", _nps, "notes"),
    ),
}


@terminal_renderer(OutcomeSummary)
def render_outcomes(summary: OutcomeSummary, details: bool = False) -> Group:
    """The pipeline, the won deals and the customers, per group and for all accounts."""
    title = f"as of {summary.as_of.isoformat()}" + (f" by {for_terminal(summary.by)}" if summary.by else "")
    tables = []
    for section, columns in SECTIONS.items():
        shown = [c for c in columns if c[2] not in summary.missing_tables]
        if len(shown) <= 1 and section != "Pipeline":
            continue
        table = Table(title=f"{section} {title}", title_justify="left", box=box.SIMPLE_HEAVY)
        table.add_column(for_terminal(summary.by or ""), ratio=1, min_width=12)
        for header, _, _ in shown:
            table.add_column(header.replace("{currency}", summary.currency), justify="right", no_wrap=True)
        rows = summary.rows if summary.by else []
        for i, row in enumerate(rows):
            table.add_row(
                for_terminal(row["group"]), *(fmt(row) for _, fmt, _ in shown), end_section=i == len(rows) - 1
            )
        table.add_row("All accounts", *(fmt(summary.overall) for _, fmt, _ in shown), style="bold")
        tables.append(table)
    if summary.missing_tables:
        tables[
            -1
        ].caption = f"Not loaded: {', '.join(summary.missing_tables)} (the outcomes that need them are left out)"
        tables[-1].caption_justify = "left"
    return Group(*tables)
