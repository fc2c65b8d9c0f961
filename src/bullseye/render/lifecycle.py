"""The ICP's lifecycle in the terminal: preview, publish, history, diff, rollback, status, check,
triggers and market events. Every value from definitions or data goes through ``for_terminal``;
tables wrap at word boundaries to fit 80 columns, and long sections unfold with ``details``."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd
from rich import box
from rich.console import Group
from rich.table import Table
from rich.text import Text

from bullseye.errors import InvalidInputError
from bullseye.governance.diff import VersionDiff
from bullseye.governance.events import EventAdded, Events
from bullseye.governance.lifecycle import History, Preview, PublishResult, RestoredDraft
from bullseye.governance.status import CheckResult, Status
from bullseye.governance.triggers import TriggerList
from bullseye.render import html_renderer, terminal_renderer
from bullseye.render.html import render_template
from bullseye.render.inert import for_terminal

__all__ = ["number", "moves_table"]

_LEVEL_STYLE = {"overdue": "bold red", "due": "yellow", "ok": "green"}
_STATUS_LINES = 10  # open triggers shown without --details


def number(value: Any) -> str:
    """A measure for a table cell: '–' for missing, three significant digits below 10, thousands separated above."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        return f"{value:,.3g}" if abs(value) < 10 else f"{value:,.0f}"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, dict):  # e.g. the tier cuts: {"A": 51.4, "B": 50.5}
        return ", ".join(
            f"{for_terminal(key)} {item:.1f}" if isinstance(item, float) else f"{for_terminal(key)} {number(item)}"
            for key, item in value.items()
        )
    return for_terminal(str(value))


def _table(title: str | None, headers: list[str], right: tuple[str, ...] = ()) -> Table:
    table = Table(title=title, title_justify="left", box=box.SIMPLE_HEAVY)
    for header in headers:
        table.add_column(header, justify="right" if header in right else "left")
    return table


def _line(markup: str) -> Text:
    return Text.from_markup(markup)


def moves_table(moves, title: str) -> Table:
    """Accounts by tier: rows the tier before, columns the tier after."""
    table = _table(title, ["from \\ to", *map(str, moves.columns)], right=tuple(map(str, moves.columns)))
    for tier, row in moves.iterrows():
        table.add_row(str(tier), *(f"{int(n):,}" for n in row))
    return table


def _in_use(result: Preview) -> str:
    """The label of the version the draft is compared with (a comparison implies there is one)."""
    if result.current is None:
        raise InvalidInputError("the preview compares the draft with the version in use, but there is none")
    return for_terminal(result.current.label)


@terminal_renderer(Preview)
def preview(result: Preview, details: bool = False) -> Group:
    parts: list[Any] = []
    comparison = result.comparison
    if result.current is None:
        parts.append(_line(f"Draft {result.draft_hash}: the first version, nothing to compare with."))
    elif "second" in comparison:
        parts.append(
            _line(
                f"Holdout ROC AUC of P(win): draft {number(comparison['second'])} vs "
                f"{for_terminal(result.current.label)} {number(comparison['first'])} (difference "
                f"{comparison['difference']:+.3f}, 95% interval {comparison['low']:+.3f} to {comparison['high']:+.3f}; "
                f"{comparison['n']:,} holdout accounts)."
            )
        )
    if result.refusals:
        parts.append(_line("[bold]The publish gate objects:[/]"))
        parts.extend(_line(f"  - {for_terminal(reason)}") for reason in result.refusals)
    if comparison.get("backtest"):
        if details:
            table = _table(
                f"Backtest on the same holdout: {_in_use(result)} vs the draft",
                ["Measure", "In use", "Draft"],
                right=("In use", "Draft"),
            )
            for key, pair in comparison["backtest"].items():
                table.add_row(for_terminal(key), number(pair["current"]), number(pair["draft"]))
            parts.append(table)
        else:
            parts.append(
                _line(
                    f"Backtest of both on the same holdout: {len(comparison['backtest'])} measures "
                    "(--details to show them)."
                )
            )
    if not result.tier_moves.empty:
        parts.append(moves_table(result.tier_moves, f"Accounts by tier: {_in_use(result)} -> draft"))
        parts.append(
            _line(
                f"{result.moved:,} accounts change tier; open pipeline moving up "
                f"{result.pipeline_moves['up']:,.0f}, down {result.pipeline_moves['down']:,.0f}."
            )
        )
    return Group(*parts)


def _deliveries(deliveries: list) -> list[Text]:
    lines = []
    for delivery in deliveries:
        target = for_terminal(f"{delivery.channel} {delivery.target}")
        lines.append(
            _line(
                f"Notified {target}"
                if delivery.status == "sent"
                else f"[yellow]Could not notify {target}:[/] {for_terminal(delivery.reason)}"
            )
        )
    return lines


@terminal_renderer(PublishResult)
def publish(result: PublishResult, details: bool = False) -> Group:
    version = result.version
    parts: list[Any] = [preview(result.preview, details)] if result.preview is not None else []
    where = f"strategy/history/{version.folder.name}"
    if version.rollback_of:
        parts.append(
            _line(
                f"Published {for_terminal(version.label)}: the content of v{version.rollback_of}, with its "
                f"stored scorecard, in {where}. The draft in strategy/ now says the same."
            )
        )
    else:
        forced = f" over the gate (reason recorded: {for_terminal(version.forced)})" if version.forced else ""
        parts.append(_line(f"Published {for_terminal(version.label)} to {where}{forced}."))
    return Group(*parts, *_deliveries(result.deliveries))


@terminal_renderer(History)
def history(result: History, details: bool = False) -> Group | Text:
    if not result.versions:
        return _line('No published version yet; publish the draft with `bullseye publish -m "why"`.')
    table = _table("Published versions (the first is in use)", ["Version", "Published", "By", "Why"])
    for v in result.versions:
        why = (
            v.message
            + (f" [rollback to v{v.rollback_of}]" if v.rollback_of else "")
            + (f" [forced: {v.forced}]" if v.forced else "")
        )
        table.add_row(
            for_terminal(v.label),
            v.published_at.strftime("%Y-%m-%d %H:%M"),
            for_terminal(v.published_by),
            for_terminal(why),
        )
    in_use = result.versions[0]
    if result.draft_hash is None:
        note = "No draft in strategy/."
    elif result.draft_hash == in_use.hash:
        note = f"The draft is the same as v{in_use.number}."
    else:
        note = f"The draft ({result.draft_hash}) differs from v{in_use.number}; `bullseye publish` shows how."
    return Group(table, _line(note))


def _with_evidence(label: str | None, evidence: str | None) -> str:
    text = for_terminal(label or "–")
    return text + (f"\n({for_terminal(evidence)})" if evidence else "")


@terminal_renderer(VersionDiff)
def diff(result: VersionDiff, details: bool = False) -> Group:
    parts: list[Any] = [
        _line(
            f"[bold]{for_terminal(result.before.label)} -> {for_terminal(result.after.label)}[/]: "
            f"{for_terminal(result.after.message)}"
        )
    ]
    if result.rules:
        rules = _table("Rules", ["Change", "Rule", "Before", "After"])
        for change in result.rules:
            rules.add_row(
                change.change,
                f"{change.kind} {for_terminal(change.id)}",
                _with_evidence(change.before, change.evidence_before),
                _with_evidence(change.after, change.evidence_after),
            )
        parts.append(rules)
    else:
        parts.append(_line("No rule changed."))
    for key, (a, b) in result.settings.items():
        parts.append(_line(f"{for_terminal(key)}: {for_terminal(str(a))} -> {for_terminal(str(b))}"))
    if not result.points.empty:
        if details:
            points = _table("Points that changed", ["Feature", "Level", "Before", "After"], right=("Before", "After"))
            for row in result.points.itertuples():
                points.add_row(
                    for_terminal(str(row.feature)),
                    for_terminal(str(row.level)),
                    number(row.points_before),
                    number(row.points_after),
                )
            parts.append(points)
        else:
            parts.append(_line(f"{len(result.points):,} scorecard levels changed points (--details to list them)."))
    if result.backtest:
        backtest = _table("Backtest at publication", ["Measure", "Before", "After"], right=("Before", "After"))
        for key, (a, b) in result.backtest.items():
            backtest.add_row(for_terminal(key), number(a), number(b))
        parts.append(backtest)
    if not result.tier_moves.empty:
        parts.append(moves_table(result.tier_moves, "Accounts by tier under each version (today's data)"))
        parts.append(_line(f"{result.moved:,} accounts change tier."))
    return Group(*parts)


@terminal_renderer(RestoredDraft)
def restored(result: RestoredDraft, details: bool = False) -> Text:
    return _line(f"The draft files in strategy/ now say what {for_terminal(result.version.label)} says.")


def _trigger_line(row: Any, status: bool = False) -> Text:
    resolved: Any = getattr(row, "resolved_by", None)
    state = ""
    if status:
        state = row.status + (f" by v{int(resolved)}" if pd.notna(resolved) else "")
        state = f"{state:<13} "
    return _line(
        f"{row.trigger_id}  {state}{row.raised_at}  {for_terminal(row.kind)}: {for_terminal(row.subject)}"
        f"\n    {for_terminal(row.detail)}"
    )


@terminal_renderer(Status)
def status(result: Status, details: bool = False) -> Group:
    version = result.version
    parts: list[Any] = [
        _line(
            f"In use: v{version['number']} ({version['hash']}), published {version['published_at'][:10]} by "
            f"{for_terminal(version['published_by'])}"
            if version
            else "In use: no published version"
        )
    ]
    for item in sorted(result.items, key=lambda i: ("overdue", "due", "ok").index(i.level)):
        parts.append(
            _line(
                f"[{_LEVEL_STYLE[item.level]}]{item.level:>7}[/]  {for_terminal(item.what)}: {for_terminal(item.why)}"
            )
        )
    shown = result.open_triggers if details else result.open_triggers.head(_STATUS_LINES)
    parts.extend(_trigger_line(row) for row in shown.itertuples())
    if len(shown) < len(result.open_triggers):
        parts.append(_line(f"... {len(result.open_triggers) - len(shown):,} more open trigger(s) (--details)."))
    return Group(*parts)


@terminal_renderer(CheckResult)
def check(result: CheckResult, details: bool = False) -> Group:
    parts: list[Any] = [
        _line(
            f"Exports: {for_terminal(result.load_summary)}. Scored {result.scored:,} accounts with "
            "the published version."
            if result.scored
            else f"Exports: {for_terminal(result.load_summary)}."
        )
    ]
    parts.extend(_line(for_terminal(note)) for note in result.notes)
    parts.append(_line(f"{len(result.new_triggers)} new trigger(s)."))
    parts.extend(_trigger_line(row) for row in result.new_triggers.itertuples())
    parts.extend(
        line
        for line, delivery in zip(_deliveries(result.deliveries), result.deliveries)
        if delivery.status != "sent" or details
    )
    return Group(*parts)


@terminal_renderer(TriggerList)
def triggers(result: TriggerList, details: bool = False) -> Group | Text:
    if result.triggers.empty:
        return _line("No triggers yet." if result.everything else "No open triggers.")
    return Group(*(_trigger_line(row, status=True) for row in result.triggers.itertuples()))


@terminal_renderer(Events)
def events(result: Events, details: bool = False) -> Group | Text:
    if not result.log.events:
        return _line("No events recorded; add one with `bullseye event add NAME --date YYYY-MM-DD`.")
    return Group(
        *(
            _line(
                f"{e.date.isoformat()}  {e.kind:<10} {for_terminal(e.name)}"
                + (f"\n    {for_terminal(e.note)}" if e.note else "")
            )
            for e in result.log.events
        )
    )


@terminal_renderer(EventAdded)
def event_added(result: EventAdded, details: bool = False) -> Text:
    event = result.event
    if not result.added:
        return _line("Already recorded; nothing changed.")
    return _line(
        f"Recorded '{for_terminal(event.name)}' ({event.kind}, {event.date.isoformat()}) in strategy/events.yaml."
    )


# -- HTML (notebooks and the web workspace): one template, a part per result -----------------------
def _html(kind: str):
    def render(result: Any) -> str:
        return render_template("lifecycle.html", kind=kind, result=result)

    return render


for _cls, _kind in (
    (History, "history"),
    (VersionDiff, "diff"),
    (Preview, "preview"),
    (Status, "status"),
    (TriggerList, "triggers"),
):
    html_renderer(_cls)(_html(_kind))
