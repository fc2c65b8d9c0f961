"""Workspace settings: ``bullseye.yaml``."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from bullseye.governance.settings import NotifySettings

__all__ = [
    "Settings",
    "LoadSettings",
    "PRESET_NAMES",
    "MissingValueSettings",
    "AttributeSettings",
    "SETTINGS_FILE",
    "MISSING_EVERYWHERE",
    "MISSING_IN_TYPED",
]

SETTINGS_FILE = "bullseye.yaml"
#: The export presets ``bullseye load --preset`` knows (their column names are in ingest/mapping.py).
PRESET_NAMES = ("generic", "hubspot", "salesforce")


class LoadSettings(BaseModel):
    """What ``bullseye load`` reads when it is given no files."""

    model_config = ConfigDict(extra="forbid")

    files: list[str] = Field(default_factory=lambda: ["data/*.csv"], description="Globs relative to the workspace.")
    preset: Literal["generic", "hubspot", "salesforce"] = "generic"
    mapping: str | None = Field(default=None, description="A mapping file relative to the workspace.")
    upload_max_mb: float = Field(
        default=200,
        gt=0,
        description="The largest export the web workspace accepts "
        "on upload, in megabytes; a larger upload is refused (HTTP 413) and nothing is kept.",
    )


#: Form placeholders that mean "no answer" in any column (compared case-insensitively, trimmed).
MISSING_EVERYWHERE = (
    "n/a",
    "n.a.",
    "#n/a",
    "null",
    "-",
    "--",
    "---",
    "(blank)",
    "(empty)",
    "(not set)",
    "select",
    "select one",
    "select...",
    "--select--",
    "- select -",
    "please select",
    "unknown",
    "not provided",
    "not specified",
    "not available",
    "not applicable",
    "undefined",
    "0000-00-00",
    "0000-00-00 00:00:00",
)
#: Missing only in number, date and yes/no columns: in text they can be real values ("NA" is Namibia,
#: "None" an answer).
MISSING_IN_TYPED = ("na", "none", "nil", "nan", "nat", "?", "—", "–")


class MissingValueSettings(BaseModel):
    """Which raw values are read as missing; empty cells always are."""

    model_config = ConfigDict(extra="forbid")

    # None means the built-in list, so a workspace gets the list of the version it runs on.
    everywhere: list[str] | None = Field(
        default=None,
        description="Values read as missing in every column (case-insensitive); replaces the built-in list.",
    )
    typed_only: list[str] | None = Field(
        default=None,
        description="Values read as missing only in number, date and yes/no columns; replaces the built-in list.",
    )
    add: list[str] = Field(default_factory=list, description="More values read as missing in every column.")
    keep: list[str] = Field(default_factory=list, description="Values never read as missing, although listed above.")


class AttributeSettings(BaseModel):
    """Overrules for which account attributes discovery searches (see docs/discovery.md)."""

    model_config = ConfigDict(extra="forbid")

    use: list[str] = Field(
        default_factory=list,
        description="Attributes to search even though the leakage guard or the identifier check keeps them out.",
    )
    exclude: list[str] = Field(
        default_factory=list,
        description="Attributes to keep out of discovery: confirms a leakage flag, or adds one the guard missed.",
    )

    @model_validator(mode="after")
    def _not_both(self) -> AttributeSettings:
        both = sorted(set(self.use) & set(self.exclude))
        if both:
            raise ValueError(f"attributes.use and attributes.exclude both name {', '.join(both)}; choose one")
        return self


class Settings(BaseModel):
    """The settings of one workspace. Unknown keys are refused so that a typo never passes silently."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(default="My company", description="Shown in reports.")
    owner: str | None = Field(
        default=None, description="Who owns the workspace's definitions; a new draft ICP names them as its owner."
    )
    currency: str = Field(default="USD", description="Currency of amounts, ARR and spend.")
    as_of: date | None = Field(
        default=None, description="Date outcomes are computed at; default: the latest date in the data."
    )
    date_order: Literal["DMY", "MDY"] = Field(
        default="DMY", description="How to read ambiguous dates such as 03/04/2025 when a column does not tell."
    )
    gross_margin: float = Field(
        default=0.75,
        gt=0,
        le=1,
        description="Gross margin (a fraction) for LTV, LTV:CAC and payback in `bullseye funnel`.",
    )
    spend_channels: dict[str, str] = Field(
        default_factory=dict,
        description="The account source each spend channel pays for, where their names differ "
        "(e.g. `paid search: Website`), for CAC by channel.",
    )
    memory_limit: str = Field(
        default="1.5GB", description="Memory the warehouse may use before it spills to disk (DuckDB syntax)."
    )
    load: LoadSettings = Field(default_factory=LoadSettings)
    missing_values: MissingValueSettings = Field(default_factory=MissingValueSettings)
    attributes: AttributeSettings = Field(default_factory=AttributeSettings)
    notify: NotifySettings = Field(
        default_factory=NotifySettings, description="Where publish, rollback and new triggers are announced."
    )
