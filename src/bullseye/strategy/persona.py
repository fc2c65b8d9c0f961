"""Personas and anti-personas as definitions: ``strategy/personas/*.yaml``.

A persona is a role in the buying committee of one ICP's accounts; it belongs to that ICP by id,
and a persona without an ICP (or pointing at another one) is refused: personas come after the
ICP, never before. Every statement in it is either backed by evidence (counts, quotes with the
note they come from, the date range) or marked as an assumption to validate.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

from bullseye.errors import ConfigError
from bullseye.strategy.definitions import WriteResult, write_definition
from bullseye.strategy.icp import ICP_FILE, load_icp
from bullseye.yamlio import load_model, read_yaml

__all__ = [
    "Quote",
    "Backing",
    "Statement",
    "Objection",
    "ThreeQuestions",
    "Persona",
    "AntiPersona",
    "PERSONAS_DIR",
    "COMMITTEE_ROLES",
    "load_personas",
    "save_persona",
    "persona_text",
    "persona_json_schema",
    "slug",
]

PERSONAS_DIR = "strategy/personas"
COMMITTEE_ROLES = ("champion", "economic buyer", "blocker", "influencer", "user")
CommitteeRole = Literal["champion", "economic buyer", "blocker", "influencer", "user"]


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.casefold()).strip("-") or "persona"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Quote(_Strict):
    text: str
    note_id: str | None = Field(default=None, description="The note the quote comes from.")
    date: dt.date | None = None
    source: str | None = Field(default=None, description="interview, call, survey, win_loss, ...")


class Backing(_Strict):
    """The evidence behind one statement."""

    summary: str = Field(description="The evidence in one sentence, with its numbers.")
    count: int | None = Field(default=None, description="How many times it was seen.")
    out_of: int | None = Field(default=None, description="Out of how many (deals, notes, contacts).")
    quotes: list[Quote] = Field(default_factory=list)
    date_range: list[dt.date] | None = None
    source: str | None = Field(default=None, description="committee, themes, discovery, icp, ...")


class Statement(_Strict):
    """One claim about the persona: backed by evidence or marked as an assumption."""

    text: str
    evidence: Backing | None = None
    assumption: bool = Field(default=False, description="True when believed, not measured: validate it.")

    @model_validator(mode="after")
    def _evidence_or_assumption(self) -> Statement:
        if self.evidence is None and not self.assumption:
            raise ValueError("a statement needs evidence or `assumption: true`")
        return self


class Objection(Statement):
    answer: Statement | None = Field(default=None, description="How to overcome it; None until someone writes it.")


class ThreeQuestions(_Strict):
    midnight_worry: Statement = Field(description="What keeps them up at night.")
    watercooler_brag: Statement = Field(description="What they want to boast about to their peers.")
    killer_objection: Statement = Field(description="The objection that kills the deal if not answered.")


class _Definition(_Strict):
    id: str
    name: str
    icp: str = Field(description="The id of the ICP this belongs to (strategy/icp.yaml).")
    owner: str | None = Field(default=None, description="Who keeps this definition true.")
    review_date: dt.date | None = Field(default=None, description="When it must be looked at again.")
    generated_by: str | None = None


class Persona(_Definition):
    """A role in the buying committee of the ICP's accounts."""

    kind: Literal["persona"] = "persona"
    committee_role: CommitteeRole
    function: str | None = None
    seniority: str | None = None
    titles: list[str] = Field(default_factory=list, description="Typical titles, as written in the CRM.")
    role: Statement = Field(description="Role and responsibilities.")
    engage_order: int | None = Field(default=None, description="When to engage them (1 = first).")
    engage_when: Statement | None = Field(default=None, description="Why at that point of the deal.")
    pains: list[Statement] = Field(default_factory=list)
    goals: list[Statement] = Field(default_factory=list, description="Goals and KPIs.")
    where_they_learn: list[Statement] = Field(default_factory=list)
    decision_style: Statement
    objections: list[Objection] = Field(default_factory=list)
    internal_influencers: list[Statement] = Field(default_factory=list)
    hook: Statement
    trap: Statement
    three_questions: ThreeQuestions


class AntiPersona(_Definition):
    """Who not to serve, and the red flags that give them away."""

    kind: Literal["anti-persona"] = "anti-persona"
    who: Statement
    red_flags: list[Statement] = Field(default_factory=list)
    why_not: Statement


AnyPersona = Persona | AntiPersona


def persona_json_schema() -> dict:
    return {"oneOf": [Persona.model_json_schema(), AntiPersona.model_json_schema()]}


def _header(kind: str) -> str:
    article = "An" if kind.startswith("anti") else "A"
    return (
        f"# {article} {kind} of the ICP. Edit freely: Bullseye keeps your edits when it updates the evidence.\n"
        f"# yaml-language-server: $schema=../schema/persona.schema.json\n"
    )


def load_personas(root: Path) -> list[AnyPersona]:
    """Every definition in ``strategy/personas``, each checked against the ICP it belongs to."""
    folder = root / PERSONAS_DIR
    files = sorted(folder.glob("*.yaml")) if folder.is_dir() else []
    if not files:
        return []
    icp_path = root / ICP_FILE
    definitions: list[Persona | AntiPersona] = []
    for path in files:
        data = read_yaml(path) or {}
        if not isinstance(data, dict):
            raise ConfigError(f"{path}: expected a mapping of keys to values at the top level")
        if not data.get("icp"):
            raise ConfigError(
                f"{path}: a persona belongs to an ICP: add `icp: <id>` naming the ICP in {ICP_FILE} "
                "(personas come after the ICP, never before)"
            )
        if not icp_path.exists():
            raise ConfigError(
                f"{path}: belongs to ICP '{data.get('icp')}', but {ICP_FILE} does not exist; define "
                "the ICP first (draft one with `bullseye discover`): personas come after the ICP"
            )
        model: type[Persona | AntiPersona] = AntiPersona if data.get("kind") == "anti-persona" else Persona
        definition = load_model(model, path)
        icp = load_icp(root)
        if definition.icp != icp.id:
            raise ConfigError(
                f"{path}: key 'icp': belongs to ICP '{definition.icp}', but {ICP_FILE} defines ICP "
                f"'{icp.id}'; point it at '{icp.id}' or remove it"
            )
        definitions.append(definition)
    ids = [d.id for d in definitions]
    repeated = sorted({i for i in ids if ids.count(i) > 1})
    if repeated:
        raise ConfigError(f"{folder}: persona ids must be unique; repeated: {', '.join(repeated)}")
    return definitions


def persona_text(persona: AnyPersona) -> str:
    """The definition as the YAML document it is stored as (header comments included)."""
    # Defaults (empty quote lists, `assumption: false`) are left out so the file reads as a document;
    # `kind` stays, it tells a persona from an anti-persona.
    data = persona.model_dump(mode="json", exclude_none=True, exclude_defaults=True)
    data = {"id": data.pop("id"), "kind": persona.kind, **data}
    return _header(persona.kind) + yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)


def save_persona(root: Path, persona: AnyPersona, force: bool = False) -> WriteResult:
    """Write one drafted definition, keeping hand edits (see :mod:`bullseye.strategy.definitions`)."""
    header = _header(persona.kind)
    text = persona_text(persona)
    schema = root / "strategy" / "schema" / "persona.schema.json"
    schema.parent.mkdir(parents=True, exist_ok=True)
    schema.write_text(json.dumps(persona_json_schema(), indent=2), encoding="utf-8")
    return write_definition(root, f"{PERSONAS_DIR}/{persona.id}.yaml", text, force=force, header=header)
