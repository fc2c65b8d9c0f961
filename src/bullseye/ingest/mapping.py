"""Column mappings: how an export's columns land on the canonical tables.

A *preset* knows the column names of a kind of export (a generic CSV, a HubSpot export, a
Salesforce report). A *mapping file* (YAML) overrides it per file: which table, which column is
which, constants, value replacements, lookups in another file, and how to find the account.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from bullseye.core.schema import TABLES, Table
from bullseye.errors import MappingError
from bullseye.ingest.derive import Derivation, check_derivations, source_columns
from bullseye.ingest.readers import normalise_header
from bullseye.yamlio import load_model

__all__ = [
    "PRESETS",
    "MappingFile",
    "FileMapping",
    "Lookup",
    "FilePlan",
    "plan_file",
    "load_mapping",
    "parse_template",
    "TemplatePart",
]

TableName = Literal[tuple(TABLES)]  # type: ignore[valid-type]

#: Extra source names per preset, on top of the canonical names and aliases in schema.py.
PRESETS: dict[str, dict[str, dict[str, tuple[str, ...]]]] = {
    "generic": {},
    "hubspot": {
        "accounts": {
            "account_id": ("record_id", "company_id"),
            "name": ("company_name", "name"),
            "domain": ("company_domain_name", "website_url"),
            "employees": ("number_of_employees",),
            "revenue": ("annual_revenue",),
            "country": ("country_region",),
            "region": ("state_region",),
            "owner": ("company_owner",),
            "source": ("original_source_type", "original_traffic_source"),
            "created_at": ("create_date", "created_date"),
        },
        "deals": {
            "deal_id": ("record_id", "deal_id"),
            "account_id": ("associated_company_ids", "associated_company_id", "associated_company_ids_primary"),
            "name": ("deal_name",),
            "stage": ("deal_stage",),
            "created_at": ("create_date",),
            "closed_at": ("close_date",),
            "owner": ("deal_owner",),
            "source": ("original_source_type", "original_traffic_source"),
        },
        "contacts": {
            "contact_id": ("record_id",),
            "account_id": ("associated_company_ids", "associated_company_id", "company_id"),
            "name": ("full_name",),
            "title": ("job_title",),
            "created_at": ("create_date",),
        },
    },
    "salesforce": {
        "accounts": {
            "account_id": ("account_id", "id"),
            "name": ("account_name",),
            "domain": ("website",),
            "employees": ("employees", "number_of_employees"),
            "revenue": ("annual_revenue",),
            "country": ("billing_country", "shipping_country"),
            "region": ("billing_state_province", "billing_state"),
            "city": ("billing_city", "shipping_city"),
            "owner": ("account_owner",),
            "source": ("account_source",),
            "founded_year": ("year_started",),
            "created_at": ("created_date",),
        },
        "deals": {
            "deal_id": ("opportunity_id", "id"),
            "account_id": ("account_id",),
            "name": ("opportunity_name",),
            "stage": ("stage",),
            "created_at": ("created_date",),
            "closed_at": ("close_date",),
            "owner": ("opportunity_owner",),
            "source": ("lead_source",),
        },
        "contacts": {
            "contact_id": ("contact_id", "id"),
            "account_id": ("account_id",),
            "title": ("title",),
            "created_at": ("created_date",),
        },
    },
}

#: Names that split into two columns in some exports and are joined with a space.
NAME_PARTS = {"contacts": {"name": (("first_name", "last_name"),)}}


#: One piece of a template: literal text, or a source column with an optional format ("%").
TemplatePart = str | tuple[str, str]
TEMPLATE_FORMATS = ("", "%")
_TEMPLATE_TOKEN = re.compile(r"\{([^{}:\[\]]+)(?::([^{}\[\]]*))?\}|\[|\]|[^\[\]{}]+|[{}]")


def parse_template(text: str) -> list[tuple[bool, list[TemplatePart]]]:
    """'acquired by {acquirer}[ for {price}]' -> [(False, [...]), (True, [...])]: segments, optional or not.

    A column in a plain segment that is empty leaves the whole value empty; an optional segment
    (in square brackets) is dropped when a column inside it is empty.
    """
    segments: list[tuple[bool, list[TemplatePart]]] = [(False, [])]
    optional = False
    for match in _TEMPLATE_TOKEN.finditer(text):
        token = match.group(0)
        if token == "[":
            if optional:
                raise ValueError(f"template '{text}': optional parts [...] cannot be nested")
            optional = True
            segments.append((True, []))
        elif token == "]":
            if not optional:
                raise ValueError(f"template '{text}': ']' without '['")
            optional = False
            segments.append((False, []))
        elif token in "{}":
            raise ValueError(f"template '{text}': a lone '{token}'; columns are written {{column}}")
        elif match.group(1) is not None:
            fmt = (match.group(2) or "").strip()
            if fmt not in TEMPLATE_FORMATS:
                raise ValueError(f"template '{text}': unknown format ':{fmt}' (known: {{column:%}})")
            segments[-1][1].append((normalise_header(match.group(1)), fmt))
        else:
            segments[-1][1].append(token)
    if optional:
        raise ValueError(f"template '{text}': '[' without ']'")
    if not any(isinstance(part, tuple) for _, parts in segments for part in parts):
        raise ValueError(f"template '{text}' names no column; use constants for fixed text")
    return [(opt, parts) for opt, parts in segments if parts]


class Lookup(BaseModel):
    """Take columns from another file, joined on a key (e.g. list price from a product list)."""

    model_config = ConfigDict(extra="forbid")

    file: str = Field(description="Path of the lookup file, relative to the mapping file; $VARIABLES are expanded.")
    on_column: str = Field(description="Target column of this mapping (after value replacements) to join on.")
    key: str = Field(description="Column of the lookup file holding the same values.")
    columns: dict[str, str] = Field(description="Target column -> column of the lookup file.")


class FileMapping(BaseModel):
    """How one file (or every file matching a glob) maps onto one canonical table."""

    model_config = ConfigDict(extra="forbid")

    match: str = Field(description="File name or glob, e.g. 'sales_pipeline.csv' or '*deals*.csv'.")
    table: TableName = Field(description="Canonical table the rows go to.")  # type: ignore[valid-type]
    columns: dict[str, str | list[str]] = Field(
        default_factory=dict,
        description="Target column -> source column (a list is joined with spaces). Targets that are not "
        "canonical become custom attributes.",
    )
    constants: dict[str, str] = Field(default_factory=dict, description="Target column -> fixed value.")
    values: dict[str, dict[str, str]] = Field(
        default_factory=dict, description="Target column -> {raw value: replacement}, applied before typing."
    )
    scale: dict[str, float] = Field(default_factory=dict, description="Target column -> multiplier (e.g. 1e6 for $M).")
    placeholders: dict[str, list[str]] = Field(
        default_factory=dict,
        description="Target column -> raw values that stand for 'unknown' (e.g. a default date 1960-01-01). "
        "They are set aside and reported (value_dropped; the row is quarantined when the column is required).",
    )
    templates: dict[str, str] = Field(
        default_factory=dict,
        description="Target column -> text built from source columns: '{column}', '{column:%}' (a fraction "
        "written as a percent), '[...]' an optional part left out when a column in it is empty.",
    )
    types: dict[str, Literal["string", "integer", "number", "date", "boolean", "list"]] = Field(
        default_factory=dict,
        description="Custom attribute -> type, for a column whose values do not all read as one (values "
        "that do not are set aside as value_dropped). Canonical columns have their type already.",
    )
    lookups: list[Lookup] = Field(default_factory=list)
    account_match: str | None = Field(
        default=None,
        description="Find the account by this accounts column instead of account_id (rows become updates).",
    )
    keep_unmapped: bool = Field(default=True, description="Keep other columns as custom attributes.")
    skip: list[str] = Field(default_factory=list, description="Source columns to leave out.")
    date_order: Literal["DMY", "MDY"] | None = None
    as_of: dt.date | None = Field(default=None, description="The date of a snapshot export, for `derive`.")
    derive: dict[str, Derivation] = Field(
        default_factory=dict,
        description="Target column -> derived value: a date from a duration ({from: tenure, unit: months, before: "
        "as_of}), a fixed date where a flag is set ({at: as_of, when: churned}), or a row id ({id: line}).",
    )

    @field_validator("columns", "values", "scale", "constants", "placeholders", "templates", "types", "derive")
    @classmethod
    def _normalise_keys(cls, value: dict) -> dict:
        return {normalise_header(k): v for k, v in value.items()}

    @field_validator("derive")
    @classmethod
    def _check_derive(cls, value: dict[str, Derivation], info: ValidationInfo) -> dict[str, Derivation]:
        check_derivations(value, info.data.get("as_of"))
        return value

    @field_validator("templates")
    @classmethod
    def _check_templates(cls, value: dict[str, str]) -> dict[str, str]:
        for template in value.values():
            parse_template(template)
        return value


class MappingFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    preset: Literal["generic", "hubspot", "salesforce"] | None = None
    files: list[FileMapping] = Field(default_factory=list)
    ignore: list[str] = Field(default_factory=list, description="File names or globs to leave out of a load.")

    def entries_for(self, path: Path) -> list[FileMapping]:
        return [m for m in self.files if _matches(path, m.match)]

    def ignores(self, path: Path) -> bool:
        return any(_matches(path, pattern) for pattern in self.ignore)

    def entry_order(self, entry: FileMapping) -> int:
        return next(i for i, m in enumerate(self.files) if m is entry)


def _matches(path: Path, pattern: str) -> bool:
    return fnmatch.fnmatch(path.name, pattern) or fnmatch.fnmatch(str(path), pattern)


def load_mapping(path: Path) -> MappingFile:
    return load_model(MappingFile, path)


@dataclass
class FilePlan:
    """One file feeding one table: which source column fills which target column."""

    path: Path
    table: Table
    sources: dict[str, list[str]]  # target column -> source columns (joined with spaces)
    constants: dict[str, str] = field(default_factory=dict)
    values: dict[str, dict[str, str]] = field(default_factory=dict)
    scale: dict[str, float] = field(default_factory=dict)
    placeholders: dict[str, list[str]] = field(default_factory=dict)
    templates: dict[str, list[tuple[bool, list[TemplatePart]]]] = field(default_factory=dict)
    types: dict[str, str] = field(default_factory=dict)
    lookups: list[Lookup] = field(default_factory=list)
    account_match: str | None = None
    date_order: str | None = None
    derive: dict[str, Derivation] = field(default_factory=dict)
    as_of: dt.date | None = None
    base_dir: Path = Path(".")
    #: Files of one table merge in this order: the mapping's entry order, else the command line's.
    order: int = 0

    def lookup_path(self, lookup: Lookup) -> Path:
        return (self.base_dir / os.path.expandvars(lookup.file)).resolve()


def _candidates(table: Table, preset: str) -> dict[str, tuple[str, ...]]:
    extra = PRESETS.get(preset, {}).get(table.name, {})
    return {col.name: tuple(dict.fromkeys((*extra.get(col.name, ()), col.name, *col.aliases))) for col in table.columns}


def _auto_sources(table: Table, header: list[str], preset: str) -> dict[str, list[str]]:
    sources: dict[str, list[str]] = {}
    used: set[str] = set()
    # A column named exactly like a target is not taken by another target as an alias (events have
    # account_id, with alias company_id, and company_id).
    reserved = {c.name for c in table.columns if c.name in header}
    for target, names in _candidates(table, preset).items():
        hit = next((n for n in names if n in header and n not in used and (n not in reserved or n == target)), None)
        if hit:
            sources[target] = [hit]
            used.add(hit)
    for target, options in NAME_PARTS.get(table.name, {}).items():
        if target not in sources:
            for parts in options:
                if all(p in header and p not in used for p in parts):
                    sources[target] = list(parts)
                    used.update(parts)
    return sources


def guess_table(path: Path, header: list[str], preset: str) -> Table:
    """The table a file belongs to: by its name first, then by which table's columns it has."""
    tokens = set(normalise_header(path.stem).split("_")) | {normalise_header(path.stem)}
    by_name = [t for t in TABLES.values() if tokens & set(t.file_aliases)]
    if len(by_name) == 1:
        return by_name[0]
    scored = []
    for table in by_name or TABLES.values():
        sources = _auto_sources(table, header, preset)
        if all(r in sources for r in table.required):
            scored.append((len(sources), table.name))
    scored.sort(reverse=True)
    if scored and (len(scored) == 1 or scored[0][0] > scored[1][0]):
        return TABLES[scored[0][1]]
    raise MappingError(
        f"{path}: cannot tell which table this file is for; name it after the table "
        f"(e.g. deals.csv) or give it in a mapping file (tables: {', '.join(TABLES)})"
    )


def _preset_hint(table: Table, header: list[str], preset: str, needs: list[str]) -> str:
    """'; it reads as a HubSpot export: try --preset hubspot' when another preset has every column
    the file lacks (a new user's first load of a CRM export, without the preset)."""
    if preset != "generic":
        return ""
    for other, tables in PRESETS.items():
        if other != preset and all(set(tables.get(table.name, {}).get(n, ())) & set(header) for n in needs):
            return f"; it reads as a {_PRESET_NAMES.get(other, other)} export: load it with --preset {other}"
    return ""


_PRESET_NAMES = {"hubspot": "HubSpot", "salesforce": "Salesforce"}


def plan_file(
    path: Path, header: list[str], preset: str, mapping: MappingFile | None, mapping_dir: Path | None = None
) -> list[FilePlan]:
    """The plans for one file; a missing required column is one clear error."""
    entries = mapping.entries_for(path) if mapping else []
    if not entries:
        table = guess_table(path, header, preset)
        entries = [FileMapping(match=path.name, table=table.name)]
    plans = []
    for entry in entries:
        table = TABLES[entry.table]
        sources = _auto_sources(table, header, preset)
        for target, source in entry.columns.items():
            names = [source] if isinstance(source, str) else list(source)
            normalised = [normalise_header(n) for n in names]
            missing = [n for n, norm in zip(names, normalised) if norm not in header]
            if missing:
                raise MappingError(
                    f"{path}: mapping for '{target}' names column '{missing[0]}', which the file does not have; "
                    f"its columns are: {', '.join(header)}"
                )
            # An explicit mapping replaces any automatic guess that used the same source column.
            for other in [
                t for t, s in sources.items() if set(s) & set(normalised) and t != target and t not in entry.columns
            ]:
                del sources[other]
            sources[target] = normalised
        templates = {target: parse_template(text) for target, text in entry.templates.items()}
        for target, segments in templates.items():
            named = [part[0] for _, parts in segments for part in parts if isinstance(part, tuple)]
            missing = [n for n in named if n not in header]
            if missing:
                raise MappingError(
                    f"{path}: template for '{target}' names column '{missing[0]}', which the file does not have; "
                    f"its columns are: {', '.join(header)}"
                )
            sources.pop(target, None)  # the template, not an automatic guess, fills the target
        _plan_derivations(path, entry, header, sources)
        mapped = {s for names in sources.values() for s in names}
        if entry.keep_unmapped:
            for column in header:
                if column not in mapped and column not in {normalise_header(s) for s in entry.skip}:
                    target = column if column not in table.column_names else f"{column}_raw"
                    sources.setdefault(target, [column])
        provided = set(sources) | set(entry.constants) | set(templates) | set(entry.derive)
        needs = [r for r in table.required if r not in provided]
        if entry.account_match and table.name == "accounts":
            needs = [r for r in needs if r != "account_id"]
            if entry.account_match not in provided:
                needs.append(entry.account_match)
        if needs:
            aliases = ", ".join(table.column(needs[0]).aliases) if needs[0] in table.column_names else ""
            hint = f" (also recognised: {aliases})" if aliases else ""
            raise MappingError(
                f"{path}: missing required column '{needs[0]}' for table {table.name}{hint}; "
                f"the file has: {', '.join(header)}" + _preset_hint(table, header, preset, needs)
            )
        for key in ("placeholders", "types"):
            unknown = [t for t in getattr(entry, key) if t not in provided]
            if unknown:
                raise MappingError(
                    f"{path}: {key} for '{unknown[0]}', which is not a target column of this mapping "
                    f"(one of: {', '.join(sorted(provided))})"
                )
        fixed = [t for t in entry.types if t in table.column_names]
        if fixed:
            raise MappingError(
                f"{path}: types for '{fixed[0]}': a canonical column of {table.name} has its type "
                f"already ({table.column(fixed[0]).type}); types are for custom attributes"
            )
        for lookup in entry.lookups:
            if normalise_header(lookup.on_column) not in provided:
                raise MappingError(
                    f"{path}: lookup on_column '{lookup.on_column}' must be a target column of this mapping "
                    f"(one of: {', '.join(sorted(provided))})"
                )
        plans.append(
            FilePlan(
                path=path,
                table=table,
                sources=sources,
                constants=dict(entry.constants),
                values=dict(entry.values),
                scale=dict(entry.scale),
                placeholders=dict(entry.placeholders),
                templates=templates,
                types=dict(entry.types),
                lookups=list(entry.lookups),
                account_match=entry.account_match,
                date_order=entry.date_order,
                derive=dict(entry.derive),
                as_of=entry.as_of,
                base_dir=mapping_dir or path.parent,
                order=mapping.entry_order(entry) if mapping and entry in mapping.files else 0,
            )
        )
    return plans


def _plan_derivations(path: Path, entry: FileMapping, header: list[str], sources: dict[str, list[str]]) -> None:
    """Check the columns each derivation reads; a derived target is not also filled from a column."""
    for target, rule in entry.derive.items():
        missing = [c for c in source_columns(rule, normalise_header) if c not in header]
        if missing:
            raise MappingError(
                f"{path}: derive for '{target}' names column '{missing[0]}', which the file does not have; "
                f"its columns are: {', '.join(header)}"
            )
        sources.pop(target, None)
