"""The themes found in notes, as a report: the result object and the evidence frames it carries.

:mod:`bullseye.people.themes` finds the themes; this module holds what a report shows of them (each
theme's quotes, its notes per month and per group) so that :mod:`bullseye.people.theme_merge` can
rebuild that evidence for merged themes with the same functions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from bullseye.errors import InvalidInputError
from bullseye.people.textmine import SPEAKER, fold
from bullseye.people.theme_kinds import GROUP_DIMENSIONS
from bullseye.results import Result

__all__ = [
    "ThemeReport",
    "UNKNOWN",
    "QUOTES_PER_THEME",
    "theme_quotes",
    "theme_months",
    "theme_groups",
    "notes_per_group",
]

#: The group of a contact whose role or function is not known.
UNKNOWN = "unknown"
QUOTES_PER_THEME = 3


@dataclass(repr=False)
class ThemeReport(Result):
    """Themes with their evidence. Frames: ``themes`` (one row per theme), ``mentions`` (one row per
    note and theme, with the sentence), ``quotes``, ``by_month``, ``by_group`` and ``skipped``.
    ``by``: the group dimension the terminal shows themes by (None: one table of all themes)."""

    themes: pd.DataFrame
    mentions: pd.DataFrame
    quotes: pd.DataFrame
    by_month: pd.DataFrame
    by_group: pd.DataFrame
    skipped: pd.DataFrame
    summary: dict[str, Any] = field(default_factory=dict)
    by: str | None = None

    def select(self, kinds: tuple[str, ...] | list[str] | None) -> ThemeReport:
        """The same report restricted to themes of the given kinds (all when None)."""
        if not kinds:
            return self
        keep = set(self.themes.loc[self.themes["kind"].isin(kinds), "theme_id"])
        pick = lambda frame: frame[frame["theme_id"].isin(keep)].reset_index(drop=True)  # noqa: E731
        return ThemeReport(
            pick(self.themes),
            pick(self.mentions),
            pick(self.quotes),
            pick(self.by_month),
            pick(self.by_group),
            self.skipped,
            {**self.summary, "kinds": list(kinds)},
            self.by,
        )

    def to_dict(self) -> dict[str, Any]:
        quotes = {
            tid: [_jsonable(q) for q in rows.drop(columns="theme_id").to_dict("records")]
            for tid, rows in self.quotes.groupby("theme_id", sort=False)
        }
        months = {
            tid: dict(zip(rows["month"], rows["count"].astype(int).tolist()))
            for tid, rows in self.by_month.groupby("theme_id", sort=False)
        }
        themes = []
        for row in self.themes.to_dict("records"):
            groups = self.by_group[self.by_group["theme_id"] == row["theme_id"]]
            themes.append(
                _jsonable(row)
                | {
                    "heard_from": {
                        dim: [_jsonable(g) for g in part.drop(columns=["theme_id", "by"]).to_dict("records")]
                        for dim, part in groups.groupby("by", sort=False)
                    },
                    "by_month": months.get(row["theme_id"], {}),
                    "quotes": quotes.get(row["theme_id"], []),
                }
            )
        return {
            "summary": _jsonable(self.summary),
            "themes": themes,
            "skipped": [_jsonable(r) for r in self.skipped.to_dict("records")],
        }

    def by_group_of(self, by: str) -> pd.DataFrame:
        """The themes heard in each group of ``by`` (role, function...) with their labels and kinds."""
        if by not in GROUP_DIMENSIONS:
            raise InvalidInputError(f"themes can be broken down by {' or '.join(GROUP_DIMENSIONS)}, not '{by}'")
        return self.by_group[self.by_group["by"] == by].merge(self.themes[["theme_id", "label", "kind"]], on="theme_id")


def _jsonable(row: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for key, value in row.items():
        if isinstance(value, np.generic):
            value = value.item()
        if isinstance(value, pd.Timestamp):
            value = value.date().isoformat()
        elif isinstance(value, date):
            value = value.isoformat()
        elif isinstance(value, float) and not np.isfinite(value):
            value = None
        elif isinstance(value, dict):
            value = _jsonable(value)
        out[key] = value
    return out


def theme_quotes(mentions: pd.DataFrame, themes: pd.DataFrame) -> pd.DataFrame:
    """Up to QUOTES_PER_THEME distinct sentences per theme: its label's wording first, then sentences
    without a masked name, newest first."""
    columns = ["theme_id", "rank", "note_id", "created_at", "role", "function", "language", "text"]
    if mentions.empty:
        return pd.DataFrame(columns=columns)
    frame = mentions.merge(themes[["theme_id", "label"]], on="theme_id")
    frame["typical"] = frame["phrase"] == frame["label"]
    frame["masked"] = frame["sentence"].str.contains(SPEAKER, regex=False)  # "[contact] says ..." reads worse
    frame["folded"] = frame["sentence"].map(fold)
    frame = frame.sort_values(
        ["theme_id", "typical", "masked", "created_at", "note_id"], ascending=[True, False, True, False, True]
    )
    frame = frame.drop_duplicates(["theme_id", "folded"]).groupby("theme_id", sort=False).head(QUOTES_PER_THEME)
    frame["rank"] = frame.groupby("theme_id").cumcount() + 1
    return frame.rename(columns={"sentence": "text"})[columns].reset_index(drop=True)


def theme_months(mentions: pd.DataFrame) -> pd.DataFrame:
    if mentions.empty:
        return pd.DataFrame(columns=["theme_id", "month", "count"])
    month = mentions["created_at"].dt.strftime("%Y-%m")
    counts = mentions.assign(month=month).groupby(["theme_id", "month"])["note_id"].nunique()
    return counts.reset_index(name="count")


def theme_groups(mentions: pd.DataFrame, group_notes: pd.Series) -> pd.DataFrame:
    """Notes per theme and group, as a share of the theme's notes and of the group's analysed notes.

    ``group_notes``: analysed notes per (dimension, group), as :func:`notes_per_group` counts them;
    a group it does not know counts its theme's notes."""
    columns = ["theme_id", "by", "group", "count", "share_of_theme", "group_notes", "share_of_group"]
    if mentions.empty:
        return pd.DataFrame(columns=columns)
    totals = mentions.groupby("theme_id")["note_id"].nunique()
    parts = []
    for dim in GROUP_DIMENSIONS:
        counts = mentions.groupby(["theme_id", dim])["note_id"].nunique().reset_index(name="count")
        counts = counts.rename(columns={dim: "group"}).assign(by=dim)
        counts["share_of_theme"] = counts["count"] / counts["theme_id"].map(totals)
        counts["group_notes"] = [int(group_notes.get((dim, g), c)) for g, c in zip(counts["group"], counts["count"])]
        counts["share_of_group"] = counts["count"] / counts["group_notes"]
        parts.append(counts)
    out = pd.concat(parts, ignore_index=True)
    return out.sort_values(["theme_id", "by", "count", "group"], ascending=[True, True, False, True])[
        columns
    ].reset_index(drop=True)


def notes_per_group(frame: pd.DataFrame) -> pd.Series:
    """Analysed notes per (dimension, group) of ``frame`` (one row per note, a column per dimension)."""
    return pd.concat({dim: frame.groupby(dim)["note_id"].nunique() for dim in GROUP_DIMENSIONS})
