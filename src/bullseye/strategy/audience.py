"""The target audience as a definition: ``strategy/audience.yaml``.

Who CAN buy: the macro criteria (market segment or industry, geography, company size and revenue
bands, technographics, behaviour flags such as "uses legacy systems") applied to a universe of
companies. Each criterion is a conjunction of the same conditions the ICP uses, so one language
describes both layers; the market waterfall shows how many companies each one removes.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

from bullseye.errors import InvalidInputError, NotFoundError
from bullseye.strategy.definitions import WriteResult, write_definition
from bullseye.strategy.icp import Condition
from bullseye.yamlio import load_model

__all__ = ["AudienceCriterion", "Audience", "AUDIENCE_FILE", "load_audience", "save_audience", "audience_json_schema"]

AUDIENCE_FILE = "strategy/audience.yaml"
_HEADER = (
    "# The target audience: who CAN buy. Edit freely: Bullseye keeps your edits.\n"
    "# yaml-language-server: $schema=schema/audience.schema.json\n"
)


class AudienceCriterion(BaseModel):
    """One macro criterion: a company is in the audience only if it meets every criterion."""

    model_config = ConfigDict(extra="forbid")

    id: str
    name: str
    kind: Literal["segment", "geography", "size", "revenue", "technographic", "behaviour", "other"] = "other"
    conditions: list[Condition] = Field(min_length=1, description="All must hold (a conjunction).")
    keep_unknown: bool = Field(
        default=False, description="Keep companies whose attribute is missing (data providers leave many fields empty)."
    )
    note: str | None = None

    def mask(self, frame: pd.DataFrame, cache: dict | None = None) -> np.ndarray:
        """Which rows of ``frame`` meet the criterion: the same as ``Condition.mask`` row by row, but
        each condition is evaluated once per distinct value (a universe has millions of rows and a
        few dozen countries). Pass the same ``cache`` to share that work across criteria on ``frame``."""
        from bullseye.scoring.features import (
            condition_mask,  # scoring's module; imported late to stay light
        )

        cache = {} if cache is None else cache
        result = np.ones(len(frame), dtype=bool)
        for condition in self.conditions:
            if condition.attribute not in frame.columns:
                raise InvalidInputError(
                    f"the target audience uses attribute '{condition.attribute}' "
                    f"(criterion '{self.id}'), which the companies do not have"
                )
            met = condition_mask(condition, frame, cache)
            if self.keep_unknown:
                met |= frame[condition.attribute].isna().to_numpy()
            result &= met
        return result

    @property
    def label(self) -> str:
        return " and ".join(c.label for c in self.conditions)


class Audience(BaseModel):
    """The target audience."""

    model_config = ConfigDict(extra="forbid")

    id: str = "audience"
    name: str = "Target audience"
    description: str = ""
    criteria: list[AudienceCriterion] = Field(default_factory=list)
    owner: str | None = Field(default=None, description="Who keeps this definition true.")
    review_date: date | None = Field(default=None, description="When it must be looked at again.")

    @model_validator(mode="after")
    def _unique_ids(self) -> Audience:
        ids = [c.id for c in self.criteria]
        repeated = sorted({i for i in ids if ids.count(i) > 1})
        if repeated:
            raise ValueError(f"criterion ids must be unique; repeated: {', '.join(repeated)}")
        return self

    def attributes(self) -> set[str]:
        return {c.attribute for criterion in self.criteria for c in criterion.conditions}


def audience_json_schema() -> dict:
    return Audience.model_json_schema()


def load_audience(root: Path) -> Audience:
    path = root / AUDIENCE_FILE
    if not path.exists():
        raise NotFoundError(f"{path} does not exist yet: write the macro criteria of who can buy (see docs/market.md)")
    return load_model(Audience, path)


def save_audience(root: Path, audience: Audience, force: bool = False) -> WriteResult:
    schema = root / "strategy" / "schema" / "audience.schema.json"
    schema.parent.mkdir(parents=True, exist_ok=True)
    schema.write_text(json.dumps(audience_json_schema(), indent=2), encoding="utf-8")
    text = _HEADER + yaml.safe_dump(
        audience.model_dump(mode="json", exclude_none=True), sort_keys=False, allow_unicode=True, width=100
    )
    return write_definition(root, AUDIENCE_FILE, text, force=force, header=_HEADER)
