"""The market results in the terminal: sizing, "why now", industries, matching, snapshots.

Laid out for 80 columns: numbers never wrap, text columns wrap at word boundaries, and the long
explanations (how a figure is computed, a company's reasons) sit on their own lines.
"""

from __future__ import annotations

import math
from typing import Any

from rich.console import Group
from rich.table import Column
from rich.text import Text

from bullseye.market.draft_market import DraftMarket
from bullseye.market.industries import IndustryMapping
from bullseye.market.matching import MatchResult
from bullseye.market.signal_evidence import SignalReport
from bullseye.market.signals import SignalRanking
from bullseye.market.sizing import MarketSize
from bullseye.market.snapshots import SnapshotComparison
from bullseye.render import terminal_renderer
from bullseye.render.inert import for_terminal
from bullseye.render.layout import number, plain, titled_table, under

__all__ = [
    "money",
    "share",
    "render_size",
    "render_draft_market",
    "render_signals",
    "render_signal_evidence",
    "render_industries",
    "render_match",
    "render_snapshots",
]


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and not math.isfinite(value))


def money(value: Any) -> str:
    """17100 -> '17.1k'; a missing value -> '–'."""
    if _missing(value):
        return "–"
    for scale, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= scale:
            return f"{value / scale:,.1f}{suffix}"
    return f"{value:,.0f}"


def share(value: Any, low: Any = None, high: Any = None) -> str:
    """0.44 -> '44%', with its interval '44% (37%-51%)' when given."""
    if _missing(value):
        return "–"
    text = f"{value:.0%}"
    return text if _missing(low) or _missing(high) else f"{text} ({low:.0%}-{high:.0%})"


def _notes(notes: list[str]) -> list[Text]:
    return [Text(f"Note: {plain(note)}.", style="yellow") for note in notes]


def _assumption_value(record: dict[str, Any]) -> str:
    unit, value = record["unit"], record["value"]
    if unit == "money":
        return money(value)
    if unit == "share":
        return share(value, record.get("low"), record.get("high"))
    if unit == "fields":
        return ", ".join(value) or "none"
    return "–" if _missing(value) else f"{value:,.0f}"


@terminal_renderer(MarketSize)
def render_size(result: MarketSize, details: bool = False):
    """TAM/SAM/SOM first, then the waterfall; the assumptions unfold with ``details``."""
    parts: list[Any] = [Text(f"Market sized for the ICP {result.definitions}, as of {result.as_of}.", style="bold")]
    parts += _notes(result.notes)
    sizing = titled_table(
        f"Market size per year ({for_terminal(result.currency)})",
        Column(""),
        number("Companies"),
        number("Value"),
        Column("How", ratio=1),
    )
    for row in result.sizing.itertuples():
        sizing.add_row(for_terminal(row.name), f"{int(row.companies):,}", money(row.value), for_terminal(row.how))
    waterfall = titled_table(
        "From the universe to the customers", Column("Step", ratio=1), number("Companies"), number("Removed")
    )
    for row in result.waterfall.itertuples():
        removed = "" if _missing(row.removed) else f"-{int(row.removed):,}"
        waterfall.add_row(under(row.step, row.note), f"{int(row.companies):,}", removed)
    parts += [sizing, waterfall]
    if details:
        assumptions = titled_table("Assumptions", Column("Figure", ratio=1), Column("Value", ratio=1))
        for record in result.assumptions:
            assumptions.add_row(under(record["name"], record["source"]), for_terminal(_assumption_value(record)))
        parts.append(assumptions)
    else:
        parts.append(Text("The assumptions behind these figures: --details.", style="dim"))
    tiers = result.whitespace_tiers
    line = f"Whitespace: {len(result.whitespace):,} ICP-fit companies not in the CRM"
    if tiers:
        line += " (tiers: " + ", ".join(f"{tier} {n:,}" for tier, n in tiers.items()) + ")"
    parts.append(Text(line + "."))
    names = {"whitespace": "Whitespace prospect list", "chart": "Funnel chart"}
    parts += [Text(f"{names.get(label, label)}: {plain(path)}") for label, path in result.files.items()]
    return Group(*parts)


@terminal_renderer(DraftMarket)
def render_draft_market(result: DraftMarket, details: bool = False):
    """The waterfall and TAM/SAM/SOM under the draft beside the version in use, step by step."""
    used = result.in_use_label
    table = titled_table(
        f"The market under the draft{f' and under {used}' if used else ''}",
        Column("Step", ratio=1),
        *([number("In use"), number("Draft"), number("Change")] if used else [number("Draft")]),
    )

    def count(value: Any) -> str:
        return "–" if _missing(value) else f"{int(value):,}"

    for row in result.waterfall.itertuples():
        cells = [count(row.in_use), count(row.draft), "" if _missing(row.change) else f"{int(row.change):+,}"]
        table.add_row(for_terminal(row.step), *(cells if used else cells[1:2]))
    for row in result.sizing.itertuples():
        cells = [money(row.in_use_value), money(row.draft_value), ""]
        table.add_row(f"{row.name} ({for_terminal(result.draft.currency)})", *(cells if used else cells[1:2]))
    return Group(table, *_notes(result.draft.notes))


@terminal_renderer(SignalRanking)
def render_signals(ranking: SignalRanking, details: bool = False):
    """The ranked companies, each with its reasons on the lines under its name."""
    title = (
        f"Why now: {ranking.companies:,} companies with a fresh signal in the {ranking.days} days to "
        f"{ranking.as_of} (ICP {ranking.definitions})"
    )
    table = titled_table(
        title,
        Column("Company and why now", ratio=1),
        Column("Tier", no_wrap=True),
        number("Fit"),
        number("Signal"),
        number("Priority"),
    )
    for row in ranking.rows.to_dict(orient="records"):
        fit = "?" if not row["fit_known"] else f"{row['fit_score']:.0f}"
        tier = (row["tier"] or "–") + (" (disq.)" if row["disqualified"] else "")
        company = f"{row['name'] or row['company']} ({row['kind']})"
        table.add_row(
            under(company, "\n".join(row["signals"]) or "–"),
            tier,
            fit,
            f"{row['why_now_score']:+.2f}",
            f"{row['priority']:.2f}",
        )
    lines = [
        Text(
            "Priority = fit score / 100 x signal score (unknown fit counts as 50; disqualified companies "
            "go last). Signals: " + plain(", ".join(s.name for s in ranking.signals)) + ".",
            style="dim",
        )
    ]
    lines += _notes(ranking.notes)
    lines += [Text(f"Wrote {ranking.companies:,} companies to {plain(path)}.") for path in ranking.files.values()]
    return Group(table, *lines)


@terminal_renderer(SignalReport)
def render_signal_evidence(report: SignalReport, details: bool = False):
    """Every candidate at its best lookback; days to close and the evidence words under its name."""
    table = titled_table(
        f"Why-now candidates on {report.deals:,} closed new-business deals (fit held constant by "
        f"{report.strata}); best lookback of each",
        Column("Signal", ratio=1),
        number("Days"),
        number("Deals"),
        number("Won with (95% CI)"),
        number("Adj. p"),
    )
    for test in report.best():
        low, high = test.win_rate_with_interval
        notes = [f"won without: {share(test.win_rate_without)}"]
        if not _missing(test.odds_ratio):
            notes.append(
                f"odds ratio {test.odds_ratio:.2f} ({test.odds_ratio_interval[0]:.2f}-"
                f"{test.odds_ratio_interval[1]:.2f})"
            )
        if test.days_with is not None:
            notes.append(f"days to close {test.days_with:.0f} vs {test.days_without:.0f}")
        notes.append(f"evidence: {test.strength}" + (" (not proposed)" if test.signal.id in report.explained else ""))
        table.add_row(
            under(test.signal.name, "; ".join(notes)),
            str(test.lookback_days),
            f"{test.deals_with:,}",
            share(test.win_rate_with, low, high),
            f"{test.p_adjusted:.2g}",
        )
    holding = report.holding_up()
    names = {t.signal.id: t.signal.name for t in report.tests}
    lines = [
        f"{len(report.tests)} tests ({len(report.best())} candidates x lookbacks); p-values Holm-adjusted over "
        f"those with enough deals; strength confirmed on deals decided from {report.cutoff} on.",
        "Holding up: " + plain(", ".join(t.signal.name for t in holding) or "none") + ".",
    ]
    lines += [f"'{plain(names[key])}' is not proposed: {plain(why)}." for key, why in report.explained.items()]
    return Group(table, *(Text(line) for line in lines), *_notes(report.notes))


@terminal_renderer(IndustryMapping)
def render_industries(report: IndustryMapping, details: bool = False):
    """Per table: how the values mapped, rows per industry, and the values that map nowhere."""
    source = f"your segments in {report.segments_file}" if report.segments_file else "the industry taxonomy"
    parts: list[Any] = [Text(f"Industries mapped onto {plain(source)}.")]
    for name, info in report.tables.items():
        how = info["by_how"]
        parts.append(
            Text.from_markup(
                f"\n[bold]{name}[/]: {info['rows']:,} rows, {info['mapped_share']:.1%} of the filled-in values mapped "
                f"({how['segment']:,} by segment, {how['alias']:,} by alias, {how['part']:,} by part of the label); "
                f"{how['unmapped']:,} unmapped, {how['missing']:,} empty."
            )
        )
        mapped = titled_table(f"{name}: industries", Column("industry", ratio=1), number("rows"))
        for industry, count in info["industries"].items():
            mapped.add_row(for_terminal(industry), f"{count:,}")
        parts.append(mapped)
        if info["unmapped"]:
            unmapped = titled_table(f"{name}: values that map nowhere", Column("value", ratio=1), number("rows"))
            for row in info["unmapped"]:
                unmapped.add_row(for_terminal(row["value"]), f"{row['count']:,}")
            parts.append(unmapped)
    return Group(*parts)


@terminal_renderer(MatchResult)
def render_match(result: MatchResult, details: bool = False):
    """Matched (by method), ambiguous and unmatched universe companies; the counts add up."""
    s = result.summary
    table = titled_table(
        f"{s['universe_rows']:,} universe companies against {s['accounts']:,} CRM accounts",
        Column("outcome", ratio=1),
        number("companies"),
        number("share"),
    )
    total = max(s["universe_rows"], 1)
    for method, count in s["matched_by_method"].items():
        table.add_row(f"matched by {method}", f"{count:,}", f"{count / total:.1%}")
    for label in ("ambiguous", "unmatched"):
        table.add_row(label, f"{s[label]:,}", f"{s[label] / total:.1%}")
    table.add_row(Text("total", style="bold"), Text(f"{s['universe_rows']:,}", style="bold"), "100.0%")
    notes = [
        Text(
            f"{s['accounts_matched']:,} accounts matched, {s['accounts_ambiguous']:,} ambiguous; "
            f"{s['universe_without_keys']:,} universe rows have neither a usable domain nor a name."
        )
    ]
    notes += [Text(f"Match list with the ambiguous candidates: {plain(path)}") for path in result.files.values()]
    return Group(table, *notes)


@terminal_renderer(SnapshotComparison)
def render_snapshots(result: SnapshotComparison, details: bool = False):
    """The counts of what changed, and where the events were written."""
    table = titled_table("Snapshots compared", Column("count", ratio=1), number("value"))
    for label, value in result.counts.items():
        table.add_row(label.replace("_", " "), f"{value:,}")
    lines = [
        Text(f"Wrote {len(result.events):,} events to {plain(path)}; load them with `bullseye load {plain(path)}`.")
        for path in result.files.values()
    ]
    return Group(table, *lines)
