"""The "why now" command: companies with a fresh signal, ranked by fit times signal strength."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated, Optional

import typer

from bullseye.cli.app import (
    JsonOption,
    WorkspaceOption,
    app,
    console,
    open_workspace,
    parse_date,
    print_json,
)
from bullseye.render.inert import for_terminal

__all__ = ["signals", "render_ranking", "render_evidence"]


@app.command()
def signals(
    days: Annotated[int, typer.Option(min=1, help="Events from the last N days (each signal's lookback also applies).")] = 30,
    limit: Annotated[int, typer.Option(min=0, help="How many companies to show (0: all).")] = 20,
    as_of: Annotated[Optional[str], typer.Option("--as-of", help="The day to rank on, YYYY-MM-DD (default: the workspace's as-of date).")] = None,
    evidence: Annotated[bool, typer.Option("--evidence", help="Measure every candidate signal on the deal history instead of ranking.")] = False,
    out: Annotated[Optional[Path], typer.Option("--out", "-o", help="Write the whole ranking to this file (.csv or .parquet).")] = None,
    workspace: WorkspaceOption = None,
    as_json: JsonOption = False,
) -> None:
    """Rank accounts and prospects by what just happened to them (funding, a new executive,
    layoffs...), times their ICP fit, with the reason in words. The signals are in strategy/icp.yaml.

    Example:

        bullseye signals --days 30 --limit 50

        bullseye signals --evidence --json
    """
    from bullseye.market.signal_evidence import measure_signals
    from bullseye.market.signals import signal_ranking

    ws = open_workspace(workspace)
    day = parse_date(as_of, "--as-of")
    if evidence:
        with console.status("Measuring every candidate signal on the deal history..."):
            report = measure_signals(ws, as_of=day)
        if as_json:
            print_json(report.to_dict())
        else:
            console.print(render_evidence(report))
        return
    with console.status("Ranking fresh signals..."):
        ranking = signal_ranking(ws, days=days, as_of=day, limit=None if out else (limit or None))
    if out:
        _write(ranking.rows, out)
        ranking.rows = ranking.rows.head(limit) if limit else ranking.rows
    if as_json:
        print_json(ranking.to_dict())
    else:
        console.print(render_ranking(ranking, out))


def _write(rows, path: Path) -> None:
    from bullseye.io import write_table

    write_table(rows.assign(signals=rows["signals"].map("; ".join)), path)


def render_ranking(ranking, out: Path | None = None):
    """The ranked companies with their reasons, and the notes on how fit was known."""
    from rich import box
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    table = Table(title=f"Why now: {ranking.companies:,} companies with a fresh signal in the {ranking.days} days "
                        f"to {ranking.as_of}", title_justify="left", box=box.SIMPLE_HEAVY)
    for header, justify in (("Company", "left"), ("", "left"), ("Tier", "center"), ("Fit", "right"),
                            ("Signal", "right"), ("Priority", "right"), ("Why now", "left")):
        table.add_column(header, justify=justify, overflow="fold")
    for row in ranking.rows.to_dict(orient="records"):
        fit = "?" if not row["fit_known"] else f"{row['fit_score']:.0f}"
        tier = (row["tier"] or "–") + (" (disq.)" if row["disqualified"] else "")
        table.add_row(for_terminal(row["name"] or row["company"]), for_terminal(row["kind"]), tier, fit,
                      f"{row['why_now_score']:+.2f}", f"{row['priority']:.2f}", for_terminal("; ".join(row["signals"]) or "–"))
    lines = [f"Priority = fit score / 100 x signal score (unknown fit counts as 50; disqualified companies go last). "
             f"Signals: {', '.join(s.name for s in ranking.signals)}."]
    lines += [f"Note: {note}." for note in ranking.notes]
    if out:
        lines.append(f"Wrote {ranking.companies:,} companies to {out}.")
    return Group(table, *(Text(line) for line in lines))


def _pct(x: float) -> str:
    return "–" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.0%}"


def render_evidence(report):
    """Every candidate at its best lookback: win rates, the odds ratio with fit held constant, days
    to close, the adjusted p-value and the evidence in words."""
    from rich import box
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    table = Table(title=f"Why-now candidates on {report.deals:,} closed new-business deals (fit held constant by "
                        f"{report.strata}); best lookback of each", title_justify="left", box=box.SIMPLE_HEAVY)
    for header in ("Signal", "Days", "Deals with", "Won with (95% CI)", "Won without", "Odds ratio (95% CI)",
                   "Adj. p", "Evidence", "Days to close"):
        table.add_column(header, justify="left" if header in ("Signal", "Evidence") else "right", overflow="fold")
    for test in report.best():
        low, high = test.win_rate_with_interval
        ratio = "–" if math.isnan(test.odds_ratio) else \
            f"{test.odds_ratio:.2f} ({test.odds_ratio_interval[0]:.2f}-{test.odds_ratio_interval[1]:.2f})"
        days = "–" if test.days_with is None else f"{test.days_with:.0f} vs {test.days_without:.0f}"
        strength = test.strength + (" (not proposed)" if test.signal.id in report.explained else "")
        table.add_row(for_terminal(test.signal.name), str(test.lookback_days), f"{test.deals_with:,}",
                      f"{_pct(test.win_rate_with)} ({_pct(low)}-{_pct(high)})", _pct(test.win_rate_without), ratio,
                      f"{test.p_adjusted:.2g}", strength, days)
    holding = report.holding_up()
    lines = [f"{len(report.tests)} tests ({len(report.best())} candidates x lookbacks); p-values Holm-adjusted over "
             f"those with enough deals; strength confirmed on deals decided from {report.cutoff} on.",
             "Holding up: " + (", ".join(t.signal.name for t in holding) or "none") + "."]
    names = {t.signal.id: t.signal.name for t in report.tests}
    lines += [f"'{names[key]}' is not proposed: {why}." for key, why in report.explained.items()]
    return Group(table, *(Text(line) for line in lines))
