"""Terminal rendering of one account's score taken apart (``bullseye explain``; fits 80 columns).

The disqualifier that caught the account comes first, with its evidence; then its tier and the
cut that put it there; then every feature's points from the average account's 50 to the fit score,
largest first, as the account page shows them. Attributes worth less than 0.05 points share one row (listed with ``details``), so the rows
shown still add up to the score; the ICP's rules always have their own row (met or not).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from rich.console import Group
from rich.table import Column
from rich.text import Text

from bullseye.render import terminal_renderer
from bullseye.render.inert import for_terminal
from bullseye.render.layout import number, plain, titled_table
from bullseye.scoring.explain import AccountExplanation
from bullseye.scoring.scorecard import POINTS_TO_DOUBLE

__all__ = ["render_explanation", "tier_sentence", "KIND_WORDS"]

#: How the feature column names a rule (other features are named by their attribute).
KIND_WORDS = {"criterion": "ICP criterion", "segment": "segment", "disqualifier": "disqualifier"}
#: Points below this (in absolute value) print as 0.0.
_VISIBLE = 0.05
_DASH = "–"


def _points(value: float) -> str:
    return f"{value:+.1f}" if abs(value) >= _VISIBLE else "0.0"


def _value(value: Any) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return _DASH
    if isinstance(value, int | float) and not isinstance(value, bool):
        return f"{value:,.3g}" if abs(value) < 1000 else f"{value:,.0f}"
    return plain(value)


def _who(result: AccountExplanation) -> str:
    """``Acme Ltd (ACC-1)``, or ``Account ACC-1`` when the CRM gives no name."""
    if result.name:
        return f"{for_terminal(result.name)} ({for_terminal(result.account_id)})"
    return f"Account {for_terminal(result.account_id)}"


def _points_table(result: AccountExplanation, details: bool) -> Any:
    table = titled_table(
        f"{_who(result)}: fit score {result.fit_score:.1f} of 100 (ICP {for_terminal(result.version)})",
        Column("Feature", ratio=1, min_width=14),
        Column("This account", ratio=2, min_width=20),
        number("Points"),
    )
    table.add_row("Average account", "", f"{result.base:.0f}", end_section=True)
    # a rule's row says whether the account meets it, so it stays even at 0 points
    shown = [c for c in result.contributions if details or abs(c["points"]) >= _VISIBLE or c["kind"] in KIND_WORDS]
    for c in shown:
        name = KIND_WORDS.get(c["kind"]) or str(c["feature"]).replace("_", " ")
        table.add_row(Text(plain(name)), Text(plain(c["level"])), _points(c["points"]))
    hidden = [c for c in result.contributions if c not in shown]
    if hidden:
        rest = sum(c["points"] for c in hidden)
        many = f"{len(hidden)} more feature{'s' if len(hidden) > 1 else ''}"
        table.add_row(many, f"under {_VISIBLE} points each (--details)", _points(rest))
    table.add_section()
    table.add_row(Text("Fit score", style="bold"), "", Text(f"{result.raw_score:.1f}", style="bold"))
    return table


def tier_sentence(explanation: Mapping[str, Any]) -> str:
    """The tier and what cut it, from an explanation's ``to_dict()``: 'Tier B: fit score 63.0 is at
    or above 55.1, the cut of the next 20% of the accounts.' (the terminal and the account page)."""
    tier, cut = explanation.get("tier"), explanation.get("tier_cut") or {}
    if tier is None:
        return ""
    basis = "expected value" if cut.get("basis") == "expected_value" else "fit score"
    fmt = "{:,.0f}" if cut.get("basis") == "expected_value" else "{:.1f}"
    show = lambda v: _DASH if v is None else fmt.format(v)  # noqa: E731
    value, line, by, amount = show(cut.get("value")), cut.get("cut"), cut.get("by"), cut.get("amount")
    if by == "disqualifier":
        return f"Tier {tier}: the disqualifier '{cut.get('disqualifier')}' loses more deals, so D whatever the score."
    if line is None:  # no account reaches the cut
        return f"Tier {tier}: {basis} {value}."
    if by == "below":
        return f"Tier {tier}: {basis} {value} is below {show(line)}, the cut of tier C."
    how = {
        "quantile": f"the cut of the {'best' if tier == 'A' else 'next'} {_share(amount)} of the accounts",
        "capacity": f"the cut that fills the {_count(amount)} accounts of `{str(tier).lower()}_capacity`",
        "fixed": f"the fixed cut (`{str(tier).lower()}_min_score`)",
    }.get(by or "", "the tier's cut")
    return f"Tier {tier}: {basis} {value} is at or above {show(line)}, {how}."


def _share(amount: Any) -> str:
    return f"{amount:.0%}" if isinstance(amount, int | float) else _DASH


def _count(amount: Any) -> str:
    return f"{amount:,.0f}" if isinstance(amount, int | float) else _DASH


def _disqualifier_parts(rule: dict[str, Any]) -> list[Any]:
    parts: list[Any] = [
        Text(f"Disqualified: {plain(rule['label'])}", style="bold red"),
        Text(plain(rule["reason"])),
    ]
    evidence = rule.get("evidence") or []
    if not evidence:
        parts.append(Text("No measured evidence: the rule is an assumption.", style="dim"))
        return parts
    table = titled_table(
        "Evidence behind the rule",
        Column("Measure", ratio=1, min_width=16),
        number("Segment"),
        number("Base"),
        number("Lift"),
        number("Deals"),
        Column("Strength", no_wrap=True),
    )
    for e in evidence:
        what = plain(e.get("metric") or e.get("outcome") or _DASH)
        if e.get("summary"):
            what += f" ({plain(e['summary'])})"
        table.add_row(
            Text(what),
            _value(e.get("segment")),
            _value(e.get("base")),
            _value(e.get("lift")),
            _value(e.get("deals")),
            plain(e.get("strength") or _DASH),
        )
    parts.append(table)
    return parts


@terminal_renderer(AccountExplanation)
def render_explanation(result: AccountExplanation, details: bool = False) -> Group:
    """The disqualifier and its evidence (when one caught the account), then the points table."""
    parts: list[Any] = []
    if result.disqualifier is not None:
        parts += _disqualifier_parts(result.disqualifier)
    sentence = tier_sentence(result.to_dict())
    if sentence:
        parts.append(Text(plain(sentence), style="bold"))
    parts.append(_points_table(result, details))
    lines = [
        f"An average account scores {result.base:.0f}; each feature adds or removes points "
        f"({POINTS_TO_DOUBLE:.0f} points double the odds of winning)."
    ]
    if round(result.raw_score, 1) != round(result.fit_score, 1):
        lines.append(
            f"{result.base:.0f} plus the points is {result.raw_score:.1f}, kept within 0-100: {result.fit_score:.1f}."
        )
    return Group(*parts, *(Text(line, style="dim") for line in lines))
