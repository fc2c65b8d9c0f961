"""The discovery report: a terminal summary (Rich) and an HTML page with charts."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
from jinja2 import Environment, PackageLoader, select_autoescape
from rich.console import Group
from rich.table import Table

from bullseye.discover.findings import Finding, metric
from bullseye.discover.findings import format_value as _value
from bullseye.render.inert import for_mathtext, for_terminal

__all__ = ["rich_summary", "write_html", "base_line", "lifetime_text"]


def _interval(outcome: str, finding: Finding) -> str:
    m = finding.holdout if finding.holdout and finding.holdout.units else finding.discovery
    if m.low is None or m.high is None:
        return "–"
    return f"{_value(outcome, m.low)}–{_value(outcome, m.high)}"


def _findings_table(title: str, outcome: str, findings: list[Finding]) -> Table:
    name = metric(outcome)[0]
    table = Table(title=title, title_justify="left", show_lines=False)
    for header, justify in (("segment", "left"), ("accounts", "right"), ("found", "right"), ("p", "right"),
                            ("confirmed", "right"), ("95% CI", "right"), ("evidence", "left")):
        table.add_column(header, justify=justify, overflow="fold")
    for f in findings:
        held = f.holdout
        table.add_row(for_terminal(f.label), f"{f.accounts:,}", _value(outcome, f.discovery.value), _p(f.p_value),
                      _value(outcome, held.value) if held and held.units else "–", _interval(outcome, f),
                      for_terminal(f.evidence))
    table.caption = (f"{name}: found on the discovery part (p: family-wise over every segment evaluated), "
                     f"confirmed on the holdout")
    table.caption_justify = "left"
    return table


def _p(p: float) -> str:
    return "<0.001" if p < 0.001 else f"{p:.3f}"


def base_line(report) -> str:
    """The one base of an outcome on this screen, with its unit: the discovery part's."""
    name, _, unit = metric(report.outcome)
    if report.base is None:
        return ""
    return f"base {name} {_value(report.outcome, report.base)} of {report.units_discovery:,} {unit} before the cut"


def lifetime_text(row: dict) -> str:
    """An expected lifetime at its cap is a bound, not a value."""
    if row.get("lifetime_years") is None:
        return "–"
    return f">={row['lifetime_years']:.0f} (cap)" if row.get("lifetime_capped") else f"{row['lifetime_years']:.1f}"


def rich_summary(result, top: int | None = None) -> Group:
    """The discovery in the terminal: ``top`` segments per outcome and direction (default: the ``--top`` searched)."""
    top = result.settings.top if top is None else top
    parts = [f"[bold]Discovery as of {result.data.as_of}[/]: found and chosen on the discovery accounts, "
             f"confirmed on the holdout accounts ({for_terminal(result.data.split_line)})."]
    if result.leakage:
        parts.append("[yellow]Kept out as possible leakage:[/] " +
                     for_terminal("; ".join(f"{name} ({why})" for name, why in result.leakage.items())))
    for outcome, report in result.reports.items():
        name, _, unit = metric(outcome)
        if report.refused:
            parts.append(f"\n[bold]{name}[/] — not searched: {report.note}.")
            continue
        head = f"\n[bold]{name}[/] — {report.units_discovery:,} + {report.units_holdout:,} {unit}, " \
               f"{report.evaluated:,} segments evaluated"
        parts.append(head)
        if base_line(report):
            parts.append(f"  {base_line(report)[0].upper()}{base_line(report)[1:]}.")
        if report.note:
            parts.append(f"  {for_terminal(report.note)}")
        if report.power:
            parts.append(f"  Power: {for_terminal(report.power)}.")
        if report.findings:
            parts.append(_findings_table(f"Better {name}", outcome, report.findings[:top]))
        if report.negative:
            parts.append(_findings_table(f"Worse {name} (negative ICP)", outcome, report.negative[:top]))
        if not report.findings and not report.negative and not report.note:
            parts.append("  No segment stands out: the data show no reliable difference.")
    if len(result.bullseye) > 1:
        table = Table(title="The bullseye: good on several outcomes at once (discovery part)", title_justify="left")
        for header in ("segment", "good on", "win rate", "days", "discount", "ACV", "lifetime (y)", "value/opp."):
            table.add_column(header, justify="left" if header in ("segment", "good on") else "right", overflow="fold")
        for row in result.bullseye[:8]:
            table.add_row(for_terminal(row["segment"]), f"{len(row['good_on'])} outcome{'s' if len(row['good_on']) > 1 else ''}" if row["good_on"] else "(baseline)",
                          _value("win", row["win_rate"]),
                          _value("days_to_close", row["days_to_close"]), _value("discount", row["discount"]),
                          _value("acv", row["acv"]), lifetime_text(row),
                          _value("acv", row["value_per_opportunity"]))
        parts.append(table)
    return Group(*parts)


# -- HTML -----------------------------------------------------------------------------------------
def _svg(figure) -> str:
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", bbox_inches="tight")
    import matplotlib.pyplot as plt

    plt.close(figure)
    text = buffer.getvalue()
    return text[text.index("<svg"):]


def _lift_chart(outcome: str, findings: list[Finding]) -> str | None:
    rows = [f for f in findings if f.holdout and f.holdout.units and f.holdout.value and f.holdout.base]
    if not rows:
        return None
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 0.45 * len(rows) + 1.2))
    y = np.arange(len(rows))[::-1]
    base = [f.holdout.base if outcome != "retention" else 1.0 for f in rows]
    value = np.array([f.holdout.value / b for f, b in zip(rows, base)])
    low = np.array([(f.holdout.low or f.holdout.value) / b for f, b in zip(rows, base)])
    high = np.array([(f.holdout.high or f.holdout.value) / b for f, b in zip(rows, base)])
    colours = ["#1b7837" if f.direction > 0 else "#b2182b" for f in rows]
    ax.errorbar(value, y, xerr=[value - low, high - value], fmt="none", ecolor="#888", capsize=3)
    ax.scatter(value, y, c=colours, zorder=3)
    ax.axvline(1.0, color="#444", lw=1, ls="--")
    ax.set_yticks(y, [for_mathtext(f.label) for f in rows], fontsize=8)
    ax.set_xscale("log")
    ax.set_xlabel(f"{metric(outcome)[0]} relative to all (holdout, 95% CI)")
    return _svg(fig)


def _funnel_chart(data) -> str:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    accounts = data.accounts
    steps = [
        ("accounts", len(accounts)),
        ("with a closed deal", int(data.deals["account_id"].nunique())),
        ("won", int(data.deals.loc[data.deals["won"] == 1, "account_id"].nunique())),
        ("customers", int(accounts["is_customer"].eq(True).sum())),
        ("still customers", int((accounts["churned"] == False).sum())),  # noqa: E712 - pandas elementwise
    ]
    fig, ax = plt.subplots(figsize=(7, 2.4))
    widest = max(v for _, v in steps) or 1
    for i, (label, count) in enumerate(steps):
        ax.barh(-i, count / widest, color="#2166ac", alpha=0.9 - 0.13 * i)
        ax.text(count / widest + 0.01, -i, f"{label}: {count:,}", va="center", fontsize=9)
    ax.set_xlim(0, 1.45)
    ax.axis("off")
    return _svg(fig)


def write_html(result, path: Path, company: str = "") -> Path:
    environment = Environment(loader=PackageLoader("bullseye", "templates"), autoescape=select_autoescape())
    charts = {outcome: _lift_chart(outcome, report.findings[:8] + report.negative[:5])
              for outcome, report in result.reports.items()}
    html = environment.get_template("discovery.html").render(
        result=result, company=company, metric=metric, charts=charts, funnel=_funnel_chart(result.data),
        fmt=_value, base_line=base_line, lifetime_text=lifetime_text,
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(html, encoding="utf-8")
    return path
