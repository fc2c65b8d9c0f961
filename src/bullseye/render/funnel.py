"""Funnel metrics for the terminal (80 columns) and as an HTML fragment (the Outcomes page and notebooks)."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from bullseye.outcomes.funnel import FunnelMetrics
from bullseye.render import html_renderer, terminal_renderer
from bullseye.render.inert import for_terminal

if TYPE_CHECKING:
    from rich.console import JustifyMethod

__all__ = ["funnel_html", "funnel_terminal", "money", "percent", "with_interval"]

_STAGE_WORDS = {"accounts": "Accounts", "opportunity": "Opportunity", "won": "Won", "retained": "Retained 12m"}


def _finite(value: Any) -> bool:
    return value is not None and math.isfinite(value)


def money(value: Any) -> str:
    return f"{value:,.0f}" if _finite(value) else "–"


def percent(value: Any) -> str:
    return f"{100 * value:.0f}%" if _finite(value) else "–"


def with_interval(estimate: dict[str, Any], fmt=money, suffix: str = "") -> str:
    """'3.0 (1.8-4.4)'; an open upper bound reads '+'; no value: an en dash."""
    if not _finite(estimate.get("value")):
        return "–"
    low, high = estimate.get("low"), estimate.get("high")
    bounds = f" ({fmt(low) if _finite(low) else '?'}-{fmt(high) if _finite(high) else '+'})"
    return f"{fmt(estimate['value'])}{suffix}{bounds if _finite(low) or _finite(high) else ''}"


def _ratio(value: Any) -> str:
    return f"{value:.1f}" if _finite(value) else "–"


def _cac(row: dict[str, Any]) -> str:
    return with_interval({"value": row["cac"], "low": row["cac_low"], "high": row["cac_high"]})


@terminal_renderer(FunnelMetrics)
def funnel_terminal(result: FunnelMetrics, details: bool = False):
    from rich import box
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    cur = for_terminal(result.currency)
    head = Table(
        title=f"Funnel metrics as of {result.as_of.isoformat()}",
        title_justify="left",
        box=box.SIMPLE_HEAVY,
        show_header=True,
    )
    head.add_column("Metric", no_wrap=True)
    head.add_column("Value (95% interval)", justify="right")
    head.add_row("LTV:CAC", with_interval(result.ltv_to_cac, _ratio))
    head.add_row("Payback (months)", with_interval(result.payback_months, _ratio))
    head.add_row(
        f"CAC ({cur})",
        with_interval({"value": result.cac["cac"], "low": result.cac["cac_low"], "high": result.cac["cac_high"]}),
    )
    head.add_row(f"LTV ({cur})", with_interval(result.ltv))
    stages = Table(title="Conversion", title_justify="left", box=box.SIMPLE_HEAVY)
    columns: tuple[tuple[str, JustifyMethod], ...] = (
        ("Stage", "left"),
        ("Count", "right"),
        ("Rate (95% CI)", "right"),
        ("Of", "left"),
    )
    for name, justify in columns:
        stages.add_column(name, justify=justify, overflow="fold")
    for row in result.stages:
        rate = with_interval({"value": row["rate"], "low": row["rate_low"], "high": row["rate_high"]}, percent)
        stages.add_row(
            _STAGE_WORDS.get(row["stage"], row["stage"]),
            f"{row['count']:,}",
            rate if row["rate"] is not None else "",
            row["of"] or "",
        )
    parts: list[Any] = [head, stages]
    for title, rows in (
        (f"CAC by channel ({cur})", result.cac_by_channel),
        (f"CAC by {for_terminal(result.by or '')} ({cur})", result.cac_by_segment),
    ):
        if not rows:
            continue
        table = Table(title=title, title_justify="left", box=box.SIMPLE_HEAVY)
        table.add_column("Name", overflow="fold", max_width=26)
        for name in ("Spend", "New cust.", "CAC (95% CI)"):
            table.add_column(name, justify="right", no_wrap=True)
        for row in rows:
            table.add_row(for_terminal(row["name"]), money(row["spend"]), f"{row['customers']:,}", _cac(row))
        parts.append(table)
    parts.append(Text("Assumptions", style="bold"))
    parts.extend(Text(f"- {for_terminal(line)}") for line in result.assumptions)
    return Group(*parts)


@html_renderer(FunnelMetrics)
def funnel_html(result: FunnelMetrics) -> str:
    from bullseye.render.html import render_template

    return render_template("funnel.html", data=result.to_dict())
