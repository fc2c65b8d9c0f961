"""Workspace settings: ``bullseye.yaml``."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

__all__ = ["Settings", "LoadSettings", "AttributeSettings", "SETTINGS_FILE"]

SETTINGS_FILE = "bullseye.yaml"


class LoadSettings(BaseModel):
    """What ``bullseye load`` reads when it is given no files."""

    model_config = ConfigDict(extra="forbid")

    files: list[str] = Field(default_factory=lambda: ["data/*.csv"], description="Globs relative to the workspace.")
    preset: Literal["generic", "hubspot", "salesforce"] = "generic"
    mapping: str | None = Field(default=None, description="A mapping file relative to the workspace.")


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
    currency: str = Field(default="USD", description="Currency of amounts, ARR and spend.")
    as_of: date | None = Field(
        default=None, description="Date outcomes are computed at; default: the latest date in the data."
    )
    date_order: Literal["DMY", "MDY"] = Field(
        default="DMY", description="How to read ambiguous dates such as 03/04/2025 when a column does not tell."
    )
    memory_limit: str = Field(
        default="1.5GB", description="Memory the warehouse may use before it spills to disk (DuckDB syntax)."
    )
    load: LoadSettings = Field(default_factory=LoadSettings)
    attributes: AttributeSettings = Field(default_factory=AttributeSettings)
