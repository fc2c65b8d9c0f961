"""Editing a persona field by field (the web workspace's form), through the pydantic model.

A form names fields by dotted paths into the definition: ``name``, ``titles`` (one per line),
``pains.2.text`` and ``pains.2.assumption`` (a statement's words and its assumption flag),
``objections.0.answer.text``. A list gains an item through the path one past its end and loses
one whose text is emptied. Evidence is never edited here: it comes from the data; a statement
without evidence must carry the assumption flag, as the model requires.

Saving checks the hash of the file the form was loaded from, so a second editor's save is refused
(:class:`~bullseye.errors.ConflictError`) instead of overwriting the first one's; a form the model
refuses raises :class:`PersonaFormError` with the message of each field and writes nothing.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from bullseye.errors import ConflictError, InvalidInputError, NotFoundError
from bullseye.strategy.persona import PERSONAS_DIR, AntiPersona, Persona, persona_text
from bullseye.yamlio import read_yaml

__all__ = [
    "SCALARS",
    "STATEMENTS",
    "STATEMENT_LISTS",
    "PersonaFormError",
    "apply_form",
    "content_hash",
    "persona_file",
    "read_persona",
    "save_persona_form",
]

#: The fields of each kind, in the order a reader meets them.
SCALARS = {
    "persona": ("name", "committee_role", "function", "seniority", "engage_order", "owner", "review_date"),
    "anti-persona": ("name", "owner", "review_date"),
}
STATEMENTS = {
    "persona": (
        "role",
        "engage_when",
        "decision_style",
        "hook",
        "trap",
        "three_questions.midnight_worry",
        "three_questions.watercooler_brag",
        "three_questions.killer_objection",
    ),
    "anti-persona": ("who", "why_not"),
}
STATEMENT_LISTS = {
    "persona": ("pains", "goals", "where_they_learn", "objections", "internal_influencers"),
    "anti-persona": ("red_flags",),
}
OPTIONAL_STATEMENTS = {"engage_when"}


class PersonaFormError(InvalidInputError):
    """The model refused the edited persona; ``errors`` maps each field path to its message (HTTP 422)."""

    http_status = 422

    def __init__(self, errors: dict[str, str]) -> None:
        self.errors = errors
        super().__init__("; ".join(f"{path}: {message}" for path, message in errors.items()))


def persona_file(root: Path, name: str) -> Path:
    """The definition ``strategy/personas/<name>.yaml``; ``name`` is matched against the files there."""
    folder = root / PERSONAS_DIR
    found = {p.stem: p for p in sorted(folder.glob("*.yaml"))} if folder.is_dir() else {}
    if name not in found:
        raise NotFoundError(f"no persona '{name}' in {PERSONAS_DIR}; there are: {', '.join(found) or 'none'}")
    return found[name]


def content_hash(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:16]


def read_persona(root: Path, name: str) -> tuple[Persona | AntiPersona, str]:
    """The persona in ``<name>.yaml`` and the hash of the file it was read from."""
    from bullseye.yamlio import load_model

    path = persona_file(root, name)
    data = read_yaml(path) or {}
    model: type[Persona | AntiPersona] = (
        AntiPersona if isinstance(data, dict) and data.get("kind") == "anti-persona" else Persona
    )
    return load_model(model, path), content_hash(path)


def _get(data: dict, dotted: str) -> Any:
    node: Any = data
    for part in dotted.split("."):
        node = node.get(part) if isinstance(node, dict) else None
    return node


def _set(data: dict, dotted: str, value: Any) -> None:
    *parents, last = dotted.split(".")
    node = data
    for part in parents:
        node = node.setdefault(part, {})
    node[last] = value


def _statement(old: dict | None, path: str, form: Mapping[str, str]) -> dict | None:
    """The statement at ``path`` as the form edits it; None when its text was emptied."""
    text = form.get(f"{path}.text")
    statement = dict(old or {})
    if text is not None:
        if not text.strip():
            return None
        statement["text"] = text.strip()
    if f"{path}.shown" in form:
        statement["assumption"] = f"{path}.assumption" in form
    return statement or None


def apply_form(data: dict[str, Any], form: Mapping[str, str]) -> dict[str, Any]:
    """``data`` (a persona as JSON) with the form's fields applied; unknown fields are ignored."""
    kind = data.get("kind", "persona")
    out = yaml.safe_load(yaml.safe_dump(data))  # a deep copy of plain data
    for name in SCALARS[kind]:
        if name in form:
            value = form[name].strip()
            out[name] = (int(value) if name == "engage_order" and value.lstrip("-").isdigit() else value) or None
    if kind == "persona" and "titles" in form:
        out["titles"] = [t.strip() for t in form["titles"].splitlines() if t.strip()]
    for path in STATEMENTS[kind]:
        new = _statement(_get(out, path), path, form)
        if new is None and f"{path}.text" in form:
            _set(out, path, None if path in OPTIONAL_STATEMENTS else {**(_get(out, path) or {}), "text": ""})
        elif new is not None:
            _set(out, path, new)
    for name in STATEMENT_LISTS[kind]:
        items = list(out.get(name) or [])
        kept = []
        for index in range(len(items) + 1):
            path = f"{name}.{index}"
            old = items[index] if index < len(items) else None
            new = _statement(old, path, form)
            if new is None or (old is None and "text" not in new):
                continue
            if name == "objections":
                answer = _statement((old or {}).get("answer"), f"{path}.answer", form)
                new["answer"] = answer if answer and answer.get("text") else None
            kept.append(new)
        out[name] = kept
    return out


def _errors(exc: ValidationError) -> dict[str, str]:
    errors: dict[str, str] = {}
    for error in exc.errors():
        loc = [str(p) for p in error["loc"] if not str(p).startswith("function-")]
        message = error["msg"].removeprefix("Value error, ")
        errors.setdefault(".".join(loc) or "persona", message)
    return errors


def save_persona_form(
    root: Path, name: str, form: Mapping[str, str], expected_hash: str
) -> tuple[Persona | AntiPersona, str]:
    """Apply the form to ``<name>.yaml`` and write it; returns the saved persona and the file's new hash.

    Raises ConflictError when the file changed since ``expected_hash`` was read, PersonaFormError
    (nothing written) when the model refuses the result."""
    path = persona_file(root, name)
    current = content_hash(path)
    if expected_hash != current:
        raise ConflictError(
            f"{PERSONAS_DIR}/{path.name} changed since you opened it (someone saved it first); "
            "reload the page to see their version, then make your change again"
        )
    persona, _ = read_persona(root, name)
    data = apply_form(persona.model_dump(mode="json"), form)
    empty = {
        f"{p}.text": "a statement needs some text"
        for p in STATEMENTS[persona.kind]
        if isinstance(_get(data, p), dict) and not _get(data, p).get("text")
    }
    model = AntiPersona if persona.kind == "anti-persona" else Persona
    try:
        edited = model.model_validate(data)
    except ValidationError as exc:
        raise PersonaFormError(empty | _errors(exc)) from None
    if empty:
        raise PersonaFormError(empty)
    path.write_text(persona_text(edited), encoding="utf-8")
    return edited, content_hash(path)
