"""Discovery rendered: a terminal summary that fits 80 columns, and the HTML report with charts.

Segment labels wrap at their condition boundaries (one condition per line), so a table never
splits a word; the evidence word sits under the numbers it qualifies.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from rich import box
from rich.console import Group
from rich.table import Table
from rich.text import Text

from bullseye.discover.findings import Finding, metric
from bullseye.discover.findings import format_value as _value
from bullseye.discover.result import DiscoveryResult
from bullseye.render import html_renderer, terminal_renderer
from bullseye.render.inert import for_mathtext, for_terminal, visible_controls

__all__ = [
    "render_discovery",
    "discovery_html",
    "discovery_fragment",
    "discovery_images",
    "all_segments",
    "segment_lines",
    "base_line",
    "lifetime_text",
    "lift_chart",
    "funnel_chart",
]

#: Rows of the bullseye table shown unless ``details`` unfolds them all.
BULLSEYE_ROWS = 8
_DASH = "–"


def segment_lines(label: str) -> str:
    """A segment label with one condition per line: wrapping happens at ' & ', never inside a word."""
    return label.replace(" & ", " &\n")


def base_line(report) -> str:
    """The one base of an outcome on this screen, with its unit: the discovery part's."""
    name, _, unit = metric(report.outcome)
    if report.base is None:
        return ""
    return f"base {name} {_value(report.outcome, report.base)} of {report.units_discovery:,} {unit} before the cut"


def lifetime_text(row: dict) -> str:
    """An expected lifetime at its cap is a bound, not a value."""
    if row.get("lifetime_years") is None:
        return _DASH
    return f">={row['lifetime_years']:.0f} (cap)" if row.get("lifetime_capped") else f"{row['lifetime_years']:.1f}"


def _interval(outcome: str, finding: Finding) -> str:
    m = finding.holdout if finding.holdout and finding.holdout.units else finding.discovery
    if m.low is None or m.high is None:
        return _DASH
    return f"{_value(outcome, m.low)}-{_value(outcome, m.high)}"


def _p(p: float) -> str:
    return "<0.001" if p < 0.001 else f"{p:.3f}"


def _findings_table(title: str, outcome: str, findings: list[Finding]) -> Table:
    name = metric(outcome)[0]
    table = Table(title=for_terminal(title), title_justify="left", box=box.SIMPLE_HEAVY)
    table.add_column("Segment", ratio=1, min_width=20)
    for header in ("Accts", "Found", "p", "Held", "95% CI"):
        table.add_column(header, justify="right", no_wrap=True)
    for f in findings:
        held = f.holdout
        segment = Text(visible_controls(segment_lines(f.label)))
        segment.append(f"\n{visible_controls(f.evidence)}", style="italic")
        table.add_row(
            segment,
            f"{f.accounts:,}",
            _value(outcome, f.discovery.value),
            _p(f.p_value),
            _value(outcome, held.value) if held and held.units else _DASH,
            _interval(outcome, f),
            end_section=True,
        )
    table.caption = for_terminal(
        f"{name}: found on the discovery part (p: family-wise over every segment evaluated), "
        f"held: on the holdout, with its 95% CI"
    )
    table.caption_justify = "left"
    return table


def _bullseye_table(rows: list[dict]) -> Table:
    table = Table(
        title="The bullseye: good on several outcomes at once (discovery part)",
        title_justify="left",
        box=box.SIMPLE_HEAVY,
    )
    table.add_column("Segment", ratio=1, min_width=18)
    for header in ("Win", "Days", "Disc.", "ACV", "Life (y)", "Value/opp."):
        table.add_column(header, justify="right", no_wrap=True)
    for row in rows:
        good = row["good_on"]
        segment = Text(visible_controls(segment_lines(row["segment"])))
        segment.append(
            f"\ngood on {len(good)} outcome{'s' if len(good) > 1 else ''}" if good else "\n(baseline)", style="italic"
        )
        table.add_row(
            segment,
            _value("win", row["win_rate"]),
            _value("days_to_close", row["days_to_close"]),
            _value("discount", row["discount"]),
            _value("acv", row["acv"]),
            lifetime_text(row),
            _value("acv", row["value_per_opportunity"]),
            end_section=True,
        )
    return table


@terminal_renderer(DiscoveryResult)
def render_discovery(result: DiscoveryResult, details: bool = False, top: int | None = None) -> Group:
    """``top`` segments per outcome and direction (default: the ``top`` the search was run with);
    ``details`` adds the power notes and every bullseye row."""
    top = result.settings.top if top is None else top
    parts: list[Any] = [
        Text.from_markup(
            f"[bold]Discovery as of {result.data.as_of}[/]: found and chosen on the discovery accounts, "
            f"confirmed on the holdout accounts ({for_terminal(result.data.split_line)})."
        )
    ]
    if result.leakage:
        parts.append(
            Text.from_markup(
                "[yellow]Kept out as possible leakage:[/] "
                + for_terminal("; ".join(f"{name} ({why})" for name, why in result.leakage.items()))
            )
        )
    for outcome, report in result.reports.items():
        name, _, unit = (for_terminal(part) for part in metric(outcome))
        if report.refused:
            parts.append(Text.from_markup(f"\n[bold]{name}[/] — not searched: {for_terminal(report.note)}."))
            continue
        parts.append(
            Text.from_markup(
                f"\n[bold]{name}[/] — {report.units_discovery:,} + {report.units_holdout:,} "
                f"{unit}, {report.evaluated:,} segments evaluated"
            )
        )
        if base_line(report):
            parts.append(Text(f"  {base_line(report)[0].upper()}{base_line(report)[1:]}."))
        if report.note:
            parts.append(Text(f"  {visible_controls(report.note)}"))
        if report.power and details:
            parts.append(Text(f"  Power: {visible_controls(report.power)}."))
        if report.findings:
            parts.append(_findings_table(f"Better {metric(outcome)[0]}", outcome, report.findings[:top]))
        if report.negative:
            parts.append(_findings_table(f"Worse {metric(outcome)[0]} (negative ICP)", outcome, report.negative[:top]))
        if not report.findings and not report.negative and not report.note:
            parts.append(Text("  No segment stands out: the data show no reliable difference."))
    if len(result.bullseye) > 1:
        parts.append(_bullseye_table(result.bullseye if details else result.bullseye[:BULLSEYE_ROWS]))
    if not details:
        parts.append(Text("Power notes and every bullseye segment: --details.", style="dim"))
    return Group(*parts)


# -- HTML -----------------------------------------------------------------------------------------
def _relative_holdout(f: Finding, outcome: str) -> tuple[float, float, float] | None:
    """The finding's holdout value and 95% interval relative to all accounts (to 1 for retention's
    hazard ratio), or None when the holdout did not measure it."""
    h = f.holdout
    if not h or not h.units or not h.value or not h.base:
        return None
    base = h.base if outcome != "retention" else 1.0
    return h.value / base, (h.low or h.value) / base, (h.high or h.value) / base


def lift_chart(outcome: str, findings: list[Finding]) -> str | None:
    """Each confirmed segment's outcome relative to all accounts on the holdout, as inline SVG."""
    from bullseye.render.charts import figure, svg

    measured = [(f, r) for f in findings if (r := _relative_holdout(f, outcome)) is not None]
    if not measured:
        return None
    rows = [f for f, _ in measured]
    fig = figure(7, 0.45 * len(rows) + 1.2)
    ax = fig.add_subplot()
    y = np.arange(len(rows))[::-1]
    value, low, high = (np.array([r[i] for _, r in measured]) for i in range(3))
    colours = ["#1b7837" if f.direction > 0 else "#b2182b" for f in rows]
    ax.errorbar(value, y, xerr=[value - low, high - value], fmt="none", ecolor="#888", capsize=3)
    ax.scatter(value, y, c=colours, zorder=3)
    ax.axvline(1.0, color="#444", lw=1, ls="--")
    ax.set_yticks(y, [for_mathtext(f.label) for f in rows], fontsize=8)
    ax.set_xscale("log")
    ax.set_xlabel(f"{metric(outcome)[0]} relative to all (holdout, 95% CI)")
    return svg(fig)


def funnel_chart(data) -> str:
    """Accounts -> with a closed deal -> won -> customers -> still customers, as inline SVG."""
    from bullseye.render.charts import figure, svg

    accounts = data.accounts
    steps = [
        ("accounts", len(accounts)),
        ("with a closed deal", int(data.deals["account_id"].nunique())),
        ("won", int(data.deals.loc[data.deals["won"] == 1, "account_id"].nunique())),
        ("customers", int(accounts["is_customer"].eq(True).sum())),
        ("still customers", int((accounts["churned"] == False).sum())),  # noqa: E712 - pandas elementwise
    ]
    fig = figure(7, 2.4)
    ax = fig.add_subplot()
    widest = max(v for _, v in steps) or 1
    for i, (label, count) in enumerate(steps):
        ax.barh(-i, count / widest, color="#2166ac", alpha=0.9 - 0.13 * i)
        ax.text(count / widest + 0.01, -i, f"{label}: {count:,}", va="center", fontsize=9)
    ax.set_xlim(0, 1.45)
    ax.axis("off")
    return svg(fig)


def discovery_html(result: DiscoveryResult, company: str = "") -> str:
    """The discovery report as one HTML page (template ``render/templates/discovery.html``)."""
    from bullseye.render.html import render_template

    charts = {
        outcome: lift_chart(outcome, report.findings[:8] + report.negative[:5])
        for outcome, report in result.reports.items()
    }
    return render_template(
        "discovery.html",
        company=company,
        funnel=funnel_chart(result.data),
        **_body_context(result, charts, all_segments(result)),
    )


def all_segments(result: DiscoveryResult) -> dict[str, list[tuple[str, list[tuple[str, Finding]]]]]:
    """Every segment of every outcome with its key, as the report's tables list them."""
    from bullseye.discover.segments import segment_key

    return {
        outcome: [
            ("Better", [(segment_key(outcome, +1, i), f) for i, f in enumerate(report.findings)]),
            ("Worse (negative ICP)", [(segment_key(outcome, -1, i), f) for i, f in enumerate(report.negative)]),
        ]
        for outcome, report in result.reports.items()
    }


def _body_context(result: DiscoveryResult, charts: dict, shown: dict) -> dict[str, Any]:
    return {
        "result": result,
        "metric": metric,
        "charts": charts,
        "shown": shown,
        "fmt": _value,
        "base_line": base_line,
        "lifetime_text": lifetime_text,
    }


def discovery_images(result: DiscoveryResult) -> dict[str, Any]:
    """The report's charts as ``<img>`` data URIs (for pages whose policy allows no inline styles):
    ``{"funnel": uri, "charts": {outcome: uri or None}}``; drawn once per result by the caller."""
    import base64

    def image(svg_text: str | None) -> str | None:
        if svg_text is None:
            return None
        return "data:image/svg+xml;base64," + base64.b64encode(svg_text.encode()).decode()

    return {
        "funnel": image(funnel_chart(result.data)),
        "charts": {
            outcome: image(lift_chart(outcome, report.findings[:8] + report.negative[:5]))
            for outcome, report in result.reports.items()
        },
    }


def discovery_fragment(
    result: DiscoveryResult,
    shown: dict[str, list[tuple[str, list[tuple[str, Finding]]]]],
    images: dict[str, Any] | None = None,
    links: str | None = None,
    actions: Any = None,
) -> str:
    """The report's content for the web workspace: charts as ``<img>`` (``images`` from
    :func:`discovery_images`), only the ``shown`` segments, each linked to ``links/KEY`` and followed
    by ``actions(key, finding)`` (markup) when given."""
    from bullseye.render.html import render_template

    images = images or discovery_images(result)
    return render_template(
        "discovery_body.html",
        embedded=True,
        chart_images=True,
        links=links,
        actions=actions,
        funnel=images["funnel"],
        **_body_context(result, images["charts"], shown),
    )


@html_renderer(DiscoveryResult)
def _discovery_fragment(result: DiscoveryResult) -> str:
    return discovery_html(result)
