"""One industry taxonomy for every source, and the workspace's own segments on top of it.

Sources name industries differently ("SaaS", "Computer Software", "software"; "E-Commerce",
"Internet Retail", ``ecommerce``). :func:`map_industries` maps any column of labels onto the
taxonomy in ``industries.yaml`` (package data) through alias tables compared after folding case,
accents, punctuation, "&"/"and" and plurals. A workspace can name its own segments in
``strategy/industries.yaml`` (raw label -> segment); those win over the taxonomy. A label that maps
nowhere is kept and reported with its count (:func:`unmapped_report`), never dropped or guessed.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from bullseye.errors import ConfigError, MissingTableError
from bullseye.results import Result
from bullseye.yamlio import dump_model, load_model

if TYPE_CHECKING:
    from bullseye.workspace import Workspace

__all__ = [
    "with_segments",
    "Industry",
    "Taxonomy",
    "IndustrySegments",
    "SEGMENTS_FILE",
    "HOW",
    "load_taxonomy",
    "label_key",
    "map_industries",
    "industry_table",
    "unmapped_report",
    "load_segments",
    "save_segments",
    "segments_from_label_map",
    "workspace_industries",
    "IndustryMapping",
    "taxonomy_markdown",
]

SEGMENTS_FILE = "strategy/industries.yaml"

#: How a value was mapped: by the workspace's segments, by a taxonomy alias (or name), by one part
#: of a compound label ("Transportation/Trucking/Railroad", "['saas', 'b2b']"), not at all, or empty.
HOW = ("segment", "alias", "part", "unmapped", "missing")

# Words that carry no meaning in a label, and words that only say "a kind of business"; the latter
# are dropped only when the full label has no alias ("Logistics Services" -> "logistics").
_STOP_WORDS = frozenset({"and", "the", "of"})
_GENERIC_WORDS = frozenset(
    {
        "service",
        "industry",
        "sector",
        "company",
        "general",
        "solution",
        "business",
        "other",
        "product",
        "provider",
        "misc",
        "miscellaneou",
        "related",
        "activity",
        "segment",
    }
)
_PART_SEPARATORS = re.compile(r"[/;,|+&()\[\]]|\band\b|\bor\b", re.IGNORECASE)


# -- the taxonomy ---------------------------------------------------------------------------------
class Industry(BaseModel):
    """One industry of the taxonomy, with the labels that mean it."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: str = Field(min_length=1)
    description: str = ""
    aliases: list[str] = Field(default_factory=list)


class Taxonomy(BaseModel):
    """The industry list; an alias means one industry only."""

    model_config = ConfigDict(extra="forbid")

    industries: list[Industry]

    @model_validator(mode="after")
    def _aliases_are_unambiguous(self) -> Taxonomy:
        owner: dict[str, str] = {}
        for industry in self.industries:
            for label in (industry.id, industry.name, *industry.aliases):
                key = label_key(label)
                if not key:
                    raise ValueError(f"industry '{industry.id}': alias '{label}' is empty once folded")
                if owner.get(key, industry.id) != industry.id:
                    raise ValueError(f"alias '{label}' is given to both '{owner[key]}' and '{industry.id}'")
                owner[key] = industry.id
        ids = [i.id for i in self.industries]
        if len(set(ids)) != len(ids):
            raise ValueError("industry ids must be unique")
        return self

    @property
    def names(self) -> list[str]:
        return [industry.name for industry in self.industries]

    def alias_index(self) -> dict[str, str]:
        """Folded label -> industry name."""
        return {
            label_key(label): industry.name
            for industry in self.industries
            for label in (industry.id, industry.name, *industry.aliases)
        }


@cache
def load_taxonomy() -> Taxonomy:
    """The built-in taxonomy (``bullseye/market/industries.yaml``); parsed once per process."""
    text = files("bullseye.market").joinpath("industries.yaml").read_text(encoding="utf-8")
    return Taxonomy.model_validate(yaml.safe_load(text))


@cache
def _taxonomy_index() -> dict[str, str]:
    return load_taxonomy().alias_index()


def _stem(token: str) -> str:
    if len(token) > 4 and token.endswith("ies"):
        return token[:-3] + "y"
    if len(token) > 3 and token.endswith("s") and not token.endswith(("ss", "us", "is")):
        return token[:-1]
    return token


def _tokens(text: str) -> list[str]:
    folded = unicodedata.normalize("NFKD", str(text))
    folded = "".join(ch for ch in folded if not unicodedata.combining(ch)).casefold()
    folded = re.sub(r"['\u2019`]", "", folded.replace("&", " and ").replace("+", " and "))
    return [_stem(t) for t in re.split(r"[^0-9a-z]+", folded) if t and t not in _STOP_WORDS]


def label_key(text: str) -> str:
    """A label folded for comparison: ``"Food & Beverages"`` and ``"food-and-beverage"`` give ``"foodbeverage"``."""
    return "".join(_tokens(text))


# -- the workspace's segments --------------------------------------------------------------------
class IndustrySegments(BaseModel):
    """``strategy/industries.yaml``: the workspace's own segments and the raw labels that mean each.

    A value equal to a segment name maps to that segment. Values no segment claims fall back to
    the built-in taxonomy unless ``use_taxonomy`` is false (they are then reported as unmapped).
    """

    model_config = ConfigDict(extra="forbid")

    segments: dict[str, list[str]] = Field(default_factory=dict)
    use_taxonomy: bool = True

    @field_validator("segments")
    @classmethod
    def _labels_are_unambiguous(cls, segments: dict[str, list[str]]) -> dict[str, list[str]]:
        owner: dict[str, str] = {}
        for segment, labels in segments.items():
            if not label_key(segment):
                raise ValueError(f"segment name '{segment}' is empty")
            for label in (segment, *labels):
                key = label_key(label)
                if not key:
                    raise ValueError(f"segment '{segment}': label '{label}' is empty")
                if owner.get(key, segment) != segment:
                    raise ValueError(f"label '{label}' is listed under both '{owner[key]}' and '{segment}'")
                owner[key] = segment
        return segments

    def label_index(self) -> dict[str, str]:
        """Folded label -> segment name."""
        return {label_key(label): segment for segment, labels in self.segments.items() for label in (segment, *labels)}


def segments_from_label_map(label_map: Mapping[str, str], use_taxonomy: bool = True) -> IndustrySegments:
    """Segments from a ``{raw label: segment}`` map, e.g. the demo's ``truth["universe"]["industry_map"]``."""
    grouped: dict[str, list[str]] = {}
    for label, segment in label_map.items():
        if label != segment:
            grouped.setdefault(segment, []).append(label)
        else:
            grouped.setdefault(segment, [])
    return IndustrySegments(segments=grouped, use_taxonomy=use_taxonomy)


def load_segments(root: Path | str) -> IndustrySegments | None:
    """The workspace's ``strategy/industries.yaml``, or None when it has none."""
    path = Path(root) / SEGMENTS_FILE
    return load_model(IndustrySegments, path) if path.is_file() else None


def save_segments(root: Path | str, segments: IndustrySegments) -> Path:
    """Write ``strategy/industries.yaml`` (replacing it) and return its path."""
    path = Path(root) / SEGMENTS_FILE
    dump_model(segments, path)
    return path


# -- mapping -------------------------------------------------------------------------------------
Aliases = IndustrySegments | Mapping[str, str] | None


def _as_segments(aliases: Aliases) -> IndustrySegments | None:
    if aliases is None or isinstance(aliases, IndustrySegments):
        return aliases
    if isinstance(aliases, Mapping):
        try:
            return segments_from_label_map(aliases)
        except ValueError as exc:
            raise ConfigError(f"industry aliases: {exc}") from exc
    raise TypeError("aliases must be IndustrySegments, a {label: segment} mapping or None")


def _map_one(value: str, segments: dict[str, str], taxonomy: dict[str, str] | None) -> tuple[object, str]:
    tokens = _tokens(value)
    if not tokens:
        return None, "missing"
    key = "".join(tokens)
    if key in segments:
        return segments[key], "segment"
    if taxonomy is None:
        return None, "unmapped"
    if key in taxonomy:
        return taxonomy[key], "alias"
    specific = "".join(t for t in tokens if t not in _GENERIC_WORDS)
    if specific and specific in taxonomy:
        return taxonomy[specific], "alias"
    for part in _PART_SEPARATORS.split(value):
        part_key = label_key(part)
        if part_key in segments:
            return segments[part_key], "part"
        if part_key in taxonomy:
            return taxonomy[part_key], "part"
    return None, "unmapped"


def map_industries(values: pd.Series, aliases: Aliases = None) -> pd.DataFrame:
    """Map each value onto a workspace segment or a taxonomy industry.

    Returns a frame with the index of ``values`` and the columns ``value`` (as given),
    ``industry`` (segment or taxonomy name; missing when unmapped) and ``how`` (see :data:`HOW`).
    Each distinct value is mapped once.
    """
    values = pd.Series(values)
    segments = _as_segments(aliases)
    segment_index = segments.label_index() if segments else {}
    taxonomy = _taxonomy_index() if segments is None or segments.use_taxonomy else None
    text = values.astype("string")
    codes, uniques = pd.factorize(text, use_na_sentinel=True)
    mapped = [_map_one(u, segment_index, taxonomy) for u in uniques]
    industry = pd.Series([m[0] for m in mapped] + [None], dtype="string")
    how = pd.Series([m[1] for m in mapped] + ["missing"], dtype="string")
    return pd.DataFrame(
        {"value": values, "industry": industry.to_numpy()[codes], "how": how.to_numpy()[codes]}, index=values.index
    )


def with_segments(frame: pd.DataFrame, aliases: Aliases = None) -> pd.DataFrame:
    """``frame`` with its ``industry`` read as the workspace's segments (or taxonomy industries) where
    a label maps, the label as given where it does not, and the raw label kept in ``industry_raw``:
    so an ICP that says "E-commerce" applies to a provider that writes "Internet Retail"."""
    if "industry" not in frame.columns:
        return frame
    mapped = map_industries(frame["industry"], aliases)["industry"].astype(object)
    return frame.assign(
        industry_raw=frame["industry"], industry=mapped.where(mapped.notna(), frame["industry"]).to_numpy(object)
    )


def industry_table(values: pd.Series, aliases: Aliases = None) -> pd.DataFrame:
    """Distinct values with their mapping and count, most frequent first: ``value, industry, how, count``.
    Missing values are one row with an empty ``value``."""
    mapped = map_industries(values, aliases)
    mapped["value"] = mapped["value"].astype("string").fillna("")
    table = mapped.groupby(["value", "industry", "how"], dropna=False, sort=False).size().rename("count").reset_index()
    return table.sort_values(["count", "value"], ascending=[False, True], kind="stable").reset_index(drop=True)


def unmapped_report(values: pd.Series, aliases: Aliases = None) -> pd.DataFrame:
    """The values that map nowhere, with their count and share of all rows, most frequent first."""
    table = industry_table(values, aliases)
    unmapped = table[table["how"] == "unmapped"][["value", "count"]].reset_index(drop=True)
    unmapped["share"] = unmapped["count"] / max(len(values), 1)
    return unmapped


@dataclass(repr=False)
class IndustryMapping(Result):
    """How each loaded table's industries map: ``tables`` holds, per table (``accounts``,
    ``universe``), its rows, counts by how they mapped, the mapped share, rows per industry, every
    distinct value and the values that map nowhere. ``segments_file``: the workspace's segments,
    or None when the taxonomy alone is used."""

    segments_file: str | None
    tables: dict[str, dict[str, Any]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"segments_file": self.segments_file, "tables": self.tables}


def workspace_industries(ws: Workspace) -> IndustryMapping:
    """How the industries of the workspace's ``accounts`` and ``universe`` map (tables not loaded are skipped)."""
    segments = load_segments(ws.root)
    report = IndustryMapping(str(ws.root / SEGMENTS_FILE) if segments else None)
    present = [name for name in ("accounts", "universe") if ws.has_table(name)]
    if not present:
        raise MissingTableError(
            "neither 'accounts' nor 'universe' has been loaded; load a file with "
            "`bullseye load FILE` (see docs/tables.md)"
        )
    for name in present:
        column = ws.table(name).select("industry").to_pandas()["industry"]
        table = industry_table(column, segments)
        by_how = {how: int(table.loc[table["how"] == how, "count"].sum()) for how in HOW}
        report.tables[name] = {
            "rows": int(len(column)),
            "by_how": by_how,
            "mapped_share": (
                sum(by_how[h] for h in ("segment", "alias", "part")) / max(len(column) - by_how["missing"], 1)
            ),
            "industries": (
                table.dropna(subset=["industry"])
                .groupby("industry")["count"]
                .sum()
                .sort_values(ascending=False)
                .astype(int)
                .to_dict()
            ),
            "values": table.to_dict(orient="records"),
            "unmapped": table.loc[table["how"] == "unmapped", ["value", "count"]].to_dict(orient="records"),
        }
    return report


def taxonomy_markdown() -> str:
    """The taxonomy as a Markdown table (docs/market.md holds this text; a test keeps them equal)."""
    lines = ["| id | industry | covers |", "|---|---|---|"]
    lines += [f"| `{i.id}` | {i.name} | {i.description} |" for i in load_taxonomy().industries]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(taxonomy_markdown(), end="")
