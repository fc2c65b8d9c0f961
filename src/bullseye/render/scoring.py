"""Terminal rendering of scores, the scorecard in use and the backtest (fits 80 columns).

The most important part comes first (the best accounts; the ICP against the rest on the holdout);
the calibration deciles, the disqualifier effects and the notes unfold with ``details``.
"""

from __future__ import annotations

import math
from typing import Any

from rich import box
from rich.console import Group
from rich.table import Table
from rich.text import Text

from bullseye.render import terminal_renderer
from bullseye.render.inert import for_terminal, visible_controls
from bullseye.scoring.backtest import RETENTION_AT_DAYS, Backtest
from bullseye.scoring.scores import DRAFT, ScorecardInUse, Scores
from bullseye.scoring.tiers import DISQUALIFIED_GROUP, cut_rule, order_sentence
from bullseye.stats.lifetime import Estimate

__all__ = ["render_scores", "render_scorecard", "render_backtest", "tier_cuts_sentence", "cut_how"]

_DASH = "–"


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _money(value: Any) -> str:
    return _DASH if _missing(value) else f"{value:,.0f}"


def cut_how(settings, tier: str) -> str:
    """How tier A, B or C is cut, in a word or two: 'capacity', 'fixed', 'best 10%', 'next 20%'."""
    by, amount = cut_rule(settings, tier)
    if by != "quantile":
        return by
    return f"{'best' if tier == 'A' else 'next'} {amount:.0%}"


def tier_cuts_sentence(card) -> str:
    """'Tiers cut on the fit score: A >= 61.2 (best 10%), ...' in one line."""
    cuts = card.tier_cuts_
    fmt = "{:,.0f}" if card.tier_basis_ == "expected_value" else "{:.1f}"
    parts = [f"{t} >= {fmt.format(cuts[t])} ({cut_how(card.icp.tiers, t)})" for t in ("A", "B", "C")]
    basis = "expected value" if card.tier_basis_ == "expected_value" else "fit score"
    return (
        f"Tiers cut on the {basis}: {', '.join(parts)}, D below; accounts a 'loses more' disqualifier meets "
        f"are D whatever their score."
    )


def _table(title: str) -> Table:
    # collapsed padding: one space each side of the column rule, so seven columns fit 80
    return Table(title=title, title_justify="left", box=box.SIMPLE_HEAVY, collapse_padding=True)


def _best_table(result: Scores) -> Table:
    """One row per account: the numbers on the right, the reasons and the why-now under the name, so
    the table fits 80 columns and no reason is cut."""
    frame, version = result.frame, result.version_label
    shown = result.best
    which = "draft, unpublished" if version == DRAFT else version
    table = _table(f"Best {len(shown):,} of {len(frame):,} accounts (ICP {which})")
    table.add_column("Account, and why", ratio=1, min_width=24)
    for header in ("Tier", "Score", "P(win)", "Exp. value"):
        table.add_column(header, justify="center" if header == "Tier" else "right", no_wrap=True)
    for row in shown.to_dict(orient="records"):
        label = Text(visible_controls(row.get("name") or row["account_id"] or _DASH), style="bold")
        for reason in str(row.get("reasons") or "").split("; "):  # one reason a line: never a wall of text
            if reason:
                label.append("\n  " + visible_controls(reason), style="")
        if row.get("why_now"):
            label.append("\nWhy now: " + visible_controls(row["why_now"]), style="")
        table.add_row(
            label,
            row["tier"],
            f"{row['fit_score']:.0f}",
            f"{row['win_probability']:.0%}",
            _money(row.get("expected_value")),
            end_section=True,
        )
    return table


def _tiers_table(card, frame=None) -> Table:
    """The tiers as they did on the holdout (and, given scores, how many accounts each holds)."""
    table = _table("Tiers on the holdout deals (not used to fit)")
    headers = [
        "Tier",
        *(("Accounts",) if frame is not None else ()),
        "Deals",
        "Win rate\n(95% CI)",
        "Pred.",
        "ACV\nmedian",
        "Value\nper deal",
    ]
    for header in headers:
        table.add_column(header, justify="left" if header == "Tier" else "right", no_wrap=header != "Tier")
    forced: Any = None
    if frame is not None:
        forcing = [e["id"] for e in card.disqualifier_effects_ if e["forces_tier_d"]]
        forced = frame["tier"].eq("D").to_numpy() & frame["disqualified_by"].isin(forcing).to_numpy()
    for row in card.tier_table_.to_dict(orient="records"):
        counts: tuple[str, ...] = ()
        if frame is not None and forced is not None:
            count = (
                int(forced.sum())
                if row["tier"] == DISQUALIFIED_GROUP
                else int(((frame["tier"] == row["tier"]).to_numpy() & ~forced).sum())
            )
            counts = (f"{count:,}",)
        rate = (
            _DASH
            if not row["deals"]
            else f"{row['win_rate']:.0%} ({row['win_rate_low']:.0%}-{row['win_rate_high']:.0%})"
        )
        table.add_row(
            for_terminal(row["tier"]),
            *counts,
            f"{row['deals']:,}",
            rate,
            _DASH if not row["deals"] else f"{row['predicted']:.0%}",
            _money(row["acv_median"]),
            _money(row["value_per_deal"]),
        )
    return table


def _calibration_table(rows: list[dict]) -> Table:
    table = _table("Calibration on the holdout: deciles of predicted P(win)")
    for header in ("Decile", "Deals", "Predicted", "Observed (95% CI)"):
        table.add_column(header, justify="right")
    for row in rows:
        table.add_row(
            str(row["bin"]),
            f"{row['deals']:,}",
            f"{row['predicted']:.0%}",
            f"{row['observed']:.0%} ({row['observed_low']:.0%}-{row['observed_high']:.0%})",
        )
    return table


def _card_lines(card, details: bool) -> list[str]:
    lines = [
        tier_cuts_sentence(card),
        *(order_sentence(card.order_, key) for key in card.monotone_),
        (f"No holdout deals in {', '.join(card.empty_tiers_)}; " if card.empty_tiers_ else "")
        + f"calibration error (ECE over deciles): {card.ece_:.3f}.",
    ]
    lines += [f"Disqualifier '{e['id']}' ({e['reads']}): {e['does']}." for e in card.disqualifier_effects_]
    if details:
        lines += [f"Note: {note}." for note in card.tier_notes_] + list(card.value_.notes_)
    lines += [f"'{k}' gives no points: {v}." for k, v in card.dropped_criteria_.items()]
    return lines


def _text(lines: list[str]) -> list[Text]:
    return [Text(visible_controls(line)) for line in lines]


@terminal_renderer(Scores)
def render_scores(result: Scores, details: bool = False) -> Group:
    """The best accounts with their reasons, the tiers on the holdout; calibration with ``details``."""
    card = result.card
    parts: list[Any] = [_best_table(result), _tiers_table(card, result.frame)]
    if details:
        parts.append(_calibration_table(card.calibration_.to_dict(orient="records")))
    lines = _card_lines(card, details)
    if result.out:
        lines.append(f"Wrote {len(result.frame):,} scores to {result.out}.")
    if not details:
        lines.append("More (calibration deciles, notes): --details.")
    return Group(*parts, *_text(lines))


@terminal_renderer(ScorecardInUse)
def render_scorecard(result: ScorecardInUse, details: bool = False) -> Group:
    """The points of each criterion and attribute level, then the tiers on the holdout."""
    card = result.card
    points = _table(f"Scorecard in use (ICP {result.version_label})")
    for header in ("Feature", "Value", "Deals", "Win rate", "Points"):
        points.add_column(
            header,
            justify="left" if header in ("Feature", "Value") else "right",
            no_wrap=header not in ("Feature", "Value"),
        )
    rows = card.summary.to_dict(orient="records")
    if not details:
        rows = [r for r in rows if abs(r["points"]) >= 0.5]
    for row in rows:
        points.add_row(
            for_terminal(row["feature"]),
            for_terminal(row["value"]),
            f"{row['deals']:,}",
            _DASH if _missing(row["win_rate"]) else f"{row['win_rate']:.0%}",
            f"{row['points']:+.1f}",
        )
    parts: list[Any] = [points, _tiers_table(card)]
    if details:
        parts.append(_calibration_table(card.calibration_.to_dict(orient="records")))
    return Group(*parts, *_text(_card_lines(card, details)))


def _estimate(value: Estimate, fmt: str = "{:,.0f}") -> str:
    if not math.isfinite(value.value):
        return _DASH
    if not math.isfinite(value.low):
        return fmt.format(value.value)
    return f"{fmt.format(value.value)} ({fmt.format(value.low)}-{fmt.format(value.high)})"


def _capped(group: dict, value: Estimate, fmt: str, suffix: str) -> str:
    """A lifetime (and the LTV built on it) at the model's cap is a lower bound: '≥ 10.5 (cap)'."""
    if group.get("lifetime_capped") and math.isfinite(value.value):
        return f"≥ {fmt.format(value.value)}{suffix}"
    return _estimate(value, fmt)


@terminal_renderer(Backtest)
def render_backtest(result: Backtest, details: bool = False) -> Group:
    """ICP vs not on the holdout, coverage and the cost of outside deals; the tiers below."""
    pct, money = "{:.0%}", "{:,.0f}"
    where = f"accounts first seen from {result.cutoff}" if result.cutoff else "a random share of accounts"
    table = _table(f"The ICP on the holdout ({where}, as of {result.as_of})")
    table.add_column("", ratio=1, min_width=16)
    for name in result.groups:
        table.add_column(name, justify="right", overflow="fold")
    measures = (
        ("New-business deals", lambda g: f"{g['deals']:,}"),
        ("Win rate (95% CI)", lambda g: _estimate(g["win_rate"], pct)),
        ("Days to close, median", lambda g: _estimate(g["days_to_close"])),
        ("Discount, mean", lambda g: _estimate(g["discount"], "{:.1%}")),
        (f"ACV, median ({result.currency})", lambda g: _estimate(g["acv"], money)),
        ("Customers in the window", lambda g: f"{g['customers']:,}"),
        ("Churned in the window", lambda g: f"{g['churned']:,}"),
        (f"Kept {RETENTION_AT_DAYS} days (KM)", lambda g: _DASH if g["retention"] is None else f"{g['retention']:.0%}"),
        ("Lifetime, years (sBG)", lambda g: _capped(g, g["lifetime_years"], "{:.1f}", " (cap)")),
        (
            f"LTV ({result.currency}, " + (f"{result.margin:.0%} margin)" if result.margin != 1 else "revenue)"),
            lambda g: _capped(g, g["ltv"], money, ""),
        ),
    )
    for label, fmt in measures:
        table.add_row(label, *(fmt(g) for g in result.groups.values()))
    p = result.logrank["p_value"]
    lines = [
        f"Churn, ICP vs not: log-rank p = {p:.2g}"
        if p is not None and p == p
        else "Churn, ICP vs not: not tested (it needs customers in both groups and churn in the window)"
    ]
    cov = result.coverage
    if cov.get("best_customers"):
        lines.append(
            f"Coverage: {_estimate(cov['share'], pct)} of the {cov['best_customers']} best customers "
            f"(top decile by realised revenue) are in tiers A/B, which hold "
            f"{cov['share_of_all_accounts']:.0%} of all accounts."
        )
    out = result.outside
    share = out["share"]
    if out["deals"] or share.value == share.value:
        lines.append(
            f"Outside the ICP: {out['deals']:,} of the holdout deals ({share.value:.0%}; 95% CI "
            f"{share.low:.0%}-{share.high:.0%}), {out['won']:,} of them won."
        )
    if out["cost"] == out["cost"]:
        lines.append(
            f"Value per deal worked (win rate x LTV): {out['value_per_deal_icp']:,.0f} {result.currency} "
            f"in the ICP, {out['value_per_deal_outside']:,.0f} outside. Worth as much as ICP deals, the "
            f"outside deals would have brought {out['cost']:,.0f} {result.currency} more."
        )
    if any(g.get("lifetime_capped") for g in result.groups.values()):
        lines.append(
            "Lifetimes marked '≥' are at the model's cap (a customer who never churns, discounted): "
            "too little churn to measure them, so they and their LTV are lower bounds."
        )
    extra = _text(lines + result.notes)
    if result.chart:
        extra.append(Text(f"Chart: {visible_controls(str(result.chart))}"))
    if not result.calibration:  # no win model (retention-only data): no tiers to show
        return Group(table, *extra)
    tiers = _table("Tiers on the holdout")
    for column in ("Tier", "Deals", "Win rate\n(95% CI)", "Pred.", "ACV\nmedian", "Value\nper deal"):
        tiers.add_column(column, justify="left" if column == "Tier" else "right", no_wrap=column != "Tier")
    for row in result.tiers.to_dict(orient="records"):
        tiers.add_row(
            for_terminal(row["tier"]),
            f"{row['deals']:,}",
            _estimate(Estimate(row["win_rate"], row["win_rate_low"], row["win_rate_high"]), pct),
            _DASH if _missing(row["predicted"]) else f"{row['predicted']:.0%}",
            _money(row["acv_median"]),
            _money(row["value_per_deal"]),
        )
    order = result.calibration["order"]
    caption = (
        [order_sentence(order, "win_rate"), order_sentence(order, "value_per_deal")]
        + ([f"No holdout deals in {', '.join(order['empty'])}."] if order["empty"] else [])
        + [f"Calibration error (ECE): {result.calibration['ece']:.3f}."]
    )
    parts: list[Any] = [table, *extra, tiers, Text(" ".join(caption))]
    if details:
        parts.append(_calibration_table(result.calibration["reliability"]))
    else:
        parts.append(Text("Calibration deciles: --details.", style="dim"))
    return Group(*parts)
