"""The people results in the terminal: the buying committee, the themes in the notes, the drafted
personas and their cards. Laid out for 80 columns: numbers never wrap, sentences and quotes sit on
their own lines under what they belong to."""

from __future__ import annotations

from typing import Any

from rich.console import Group
from rich.table import Column, Table
from rich.text import Text

from bullseye.people.cards import PersonaCards
from bullseye.people.committee import CommitteeReport
from bullseye.people.personas import PersonaDrafts
from bullseye.people.theme_report import UNKNOWN, ThemeReport
from bullseye.people.title_lexicon import FUNCTION_LABELS, SENIORITY_LABELS
from bullseye.render import terminal_renderer
from bullseye.render.inert import for_terminal
from bullseye.render.layout import number, plain, titled_table, under

__all__ = ["render_committee", "render_themes", "render_personas", "render_cards"]

#: Themes shown per group with ``by``; ``--json`` has them all.
THEMES_PER_GROUP = 15


def _short(text: str, width: int = 140) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


@terminal_renderer(CommitteeReport)
def render_committee(report: CommitteeReport, details: bool = False):
    """Who is on the deal (shares of won and lost deals), what their presence changes, the champions."""
    sources = ", ".join(f"{v:,} {k}" for k, v in report.inferred.items())
    parts: list[Any] = [
        Text(plain(f"Scope: {report.scope}. {report.deals:,} deals, {report.won:,} won."), style="dim"),
        Text(f"Roles of contacts on these deals: {sources}.", style="dim"),
    ]
    presence = titled_table(
        "Who is on the deal (share of won and of lost deals with one)",
        Column("Role"),
        number("Won"),
        number("Lost"),
        Column("Most common function", ratio=1),
        Column("Seniority", ratio=1),
    )
    for row in report.presence.itertuples():
        presence.add_row(
            Text(plain(row.role)),
            f"{row.won_share:.0%}",
            f"{row.lost_share:.0%}",
            Text(plain(FUNCTION_LABELS.get(row.top_function, row.top_function))),
            Text(plain(SENIORITY_LABELS.get(row.top_seniority, row.top_seniority))),
        )
    parts.append(presence)
    effects = titled_table("What their presence changes", Column("Evidence", ratio=1), Column("Strength", no_wrap=True))
    shown = report.top_effects()
    for row in shown.itertuples():
        effects.add_row(Text(plain(row.sentence[0].upper() + row.sentence[1:])), row.strength)
    if shown.empty:
        effects.add_row("No group of contacts changes win rate beyond chance in these deals.", "")
    parts.append(effects)
    c = report.champions
    if c.get("champions"):
        top_function = next(iter(c["functions"]), "?")
        share = c["functions"][top_function] / c["champions"]
        line = (
            f"Champions of the {c['best_deals']:,} best deals ({c['basis']}): {c['champions']:,} people, "
            f"{share:.0%} from {FUNCTION_LABELS.get(top_function, top_function)}; typical titles: "
            f"{', '.join(list(c['titles'])[:3])}. "
        )
        after = c.get("after", {})
        line += (
            after.get("note", "").capitalize() + "."
            if not after.get("followed")
            else f"Followed {after['followed']}: {after['promoted']} promoted, {after['changed company']} "
            f"changed company, {after['changed title']} changed title."
        )
        parts.append(Text(plain(line)))
    return Group(*parts)


@terminal_renderer(ThemeReport)
def render_themes(report: ThemeReport, details: bool = False):
    """One table of themes (each with who it is heard from and a quote under it), or one per group."""
    if report.themes.empty:
        kinds = report.summary.get("kinds")
        return Group(
            Text("No themes in these notes" + (f" of kind {', '.join(kinds)}" if kinds else "") + "."),
            Text(_caption(report)),
        )
    tables = [_theme_table(report)] if report.by is None else _group_tables(report, report.by)
    return Group(*tables, Text(_caption(report), style="dim"))


def _theme_table(report: ThemeReport) -> Table:
    table = titled_table(
        "Voice of the customer: themes",
        Column("Theme, who says it, a quote", ratio=1),
        Column("Kind", no_wrap=True),
        number("Notes"),
    )
    first_quote = report.quotes.drop_duplicates("theme_id").set_index("theme_id")
    for row in report.themes.itertuples():
        quote = first_quote.loc[row.theme_id] if row.theme_id in first_quote.index else None
        heard = [
            f"{top} {share:.0%}"
            for top, share in ((row.top_role, row.top_role_share), (row.top_function, row.top_function_share))
            if top != UNKNOWN
        ]
        label = Text(plain(_short(row.label)))
        label.append(f" {row.theme_id} {row.language}", style="dim")
        said = "" if quote is None else f"“{_short(quote['text'], 100)}” {quote['note_id']}"
        table.add_row(under(label, "heard from " + (", ".join(heard) or UNKNOWN), said), row.kind, f"{row.count:,}")
    return table


def _group_tables(report: ThemeReport, by: str) -> list[Table]:
    rows = report.by_group_of(by)
    tables = []
    for group, part in sorted(rows.groupby("group"), key=lambda kv: (kv[0] == UNKNOWN, -kv[1]["group_notes"].iat[0])):
        table = titled_table(
            f"{for_terminal(by)}: {for_terminal(group)} ({part['group_notes'].iat[0]:,} notes)",
            Column("Theme", ratio=1),
            Column("Kind", no_wrap=True),
            number("Notes"),
            number("Of group"),
            number("Of theme"),
        )
        for row in part.sort_values(["count", "theme_id"], ascending=[False, True]).head(THEMES_PER_GROUP).itertuples():
            table.add_row(
                Text(plain(_short(row.label))),
                row.kind,
                f"{row.count:,}",
                f"{row.share_of_group:.1%}",
                f"{row.share_of_theme:.0%}",
            )
        if len(part) > THEMES_PER_GROUP:
            table.caption = (
                f"the {THEMES_PER_GROUP} most frequent of this group's {len(part)} themes; --json has them all"
            )
            table.caption_justify = "left"
        tables.append(table)
    return tables


def _caption(report: ThemeReport) -> str:
    s = report.summary
    reasons = ", ".join(f"{n} {reason}" for reason, n in s.get("skipped_by_reason", {}).items())
    kinds = s.get("kinds")
    shown = (
        f"{len(report.themes)} themes"
        + (f" of {s.get('themes', 0)}" if len(report.themes) < s.get("themes", 0) else "")
        + (f" ({', '.join(kinds)})" if kinds else "")
    )
    return (
        f"{s.get('notes', 0):,} notes: {s.get('analysed', 0):,} analysed, {s.get('with_theme', 0):,} with a "
        f"pain, objection, goal or source; {s.get('skipped', 0):,} skipped"
        + (f" ({reasons})" if reasons else "")
        + f". {shown}, each heard in at least {s.get('min_count')} notes."
    )


@terminal_renderer(PersonaDrafts)
def render_personas(drafts: PersonaDrafts, details: bool = False):
    """Each drafted persona; once saved, what became of its file (and the diff with ``details``)."""
    if not drafts.written:
        table = titled_table("Drafted personas (not saved)", Column("Persona", ratio=1), Column("Id", no_wrap=True))
        for persona in drafts.personas:
            table.add_row(Text(plain(persona.name)), Text(plain(persona.id)))
        return table
    parts: list[Any] = []
    for written in drafts.written:
        state = (
            "created"
            if written.created
            else ("updated, kept your edits to " + ", ".join(written.kept) if written.kept else "updated")
        )
        parts.append(Text(plain(f"{drafts.relative(written.path)}: {state}")))
        if written.diff and not written.created and details:
            parts.append(Text(plain(written.diff)))
    if not details and any(w.diff and not w.created for w in drafts.written):
        parts.append(Text("What changed in each file: --details.", style="dim"))
    return Group(*parts)


@terminal_renderer(PersonaCards)
def render_cards(cards: PersonaCards, details: bool = False):
    """The card files written (or the formats rendered, when none was written)."""
    if not cards.files:
        return Text(f"Cards of {cards.personas} personas rendered as {', '.join(sorted(cards.texts))} (not written).")
    return Group(*(Text(f"Cards: {plain(path)}") for path in cards.files))
