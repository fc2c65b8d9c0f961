"""The alignment workshop and the empathy maps as definitions: ``strategy/workshop.yaml`` and
``strategy/empathy/<persona>.yaml``, versioned in git beside the ICP and the personas.

Both are boards of cards. A card is a :class:`~bullseye.strategy.persona.Statement` (backed by
evidence or marked as an assumption) that also remembers who last edited it and when; the board
keeps a log of every save (who, when, which fields). Drafting from the evidence is
:mod:`bullseye.people.workshop` and :mod:`bullseye.people.empathy`; this module stores, edits and
guards them.

Editing goes through a form of dotted paths, as the persona editor does: ``anti_persona.2.text``
edits a card's words, the path one past a list's end adds a card, an emptied text removes it;
``before_after.1.before.text``, ``before_after.1.after.text`` and ``before_after.1.persona`` edit
a row of the before-and-after grid. A card a person writes carries no evidence, so it is an
assumption. A save names the revision it was based on; a board changed since is refused
(:class:`~bullseye.errors.ConflictError`), never overwritten.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from bullseye.errors import ConflictError, InvalidInputError
from bullseye.results import Result
from bullseye.strategy.persona import Statement
from bullseye.yamlio import load_model

__all__ = [
    "Card",
    "BeforeAfter",
    "Change",
    "Workshop",
    "EmpathyMap",
    "WORKSHOP_FILE",
    "EMPATHY_DIR",
    "WORKSHOP_LISTS",
    "EMPATHY_LISTS",
    "DRAFT_REVISION",
    "BoardFormError",
    "StoredBoard",
    "empathy_file",
    "board_revision",
    "read_board",
    "board_text",
    "apply_board_form",
    "save_board",
]

WORKSHOP_FILE = "strategy/workshop.yaml"
EMPATHY_DIR = "strategy/empathy"
#: The revision of a board that has never been saved: the draft from the evidence.
DRAFT_REVISION = "draft"
MAX_CARD_CHARS = 1000
#: The log keeps the latest saves; git keeps the rest.
MAX_CHANGES = 200

#: Parsed boards by file and model, with the (mtime, size) they were parsed at; treated as read-only.
_READ: dict[tuple[Path, type], tuple[tuple[int, int], Any]] = {}
_READ_LOCK = threading.Lock()

#: The card lists of each board, in the order of the workshop's agenda.
WORKSHOP_LISTS = ("anti_persona", "champion", "fastest", "stickiest", "shared")
EMPATHY_LISTS = ("says", "thinks", "does", "feels", "pains", "gains")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Card(Statement):
    """One card on the board: words, their evidence or the assumption flag, and its last editor."""

    edited_by: str | None = None
    edited_at: dt.datetime | None = None


class BeforeAfter(_Strict):
    """One row of the before-and-after grid: a persona's day before ("chaos") and after ("zen")."""

    persona: str = Field(description="Whose day it is (a persona's name).")
    before: Card
    after: Card


class Change(_Strict):
    """One save of the board: who, when, and the fields it changed."""

    at: dt.datetime
    by: str
    fields: list[str]


class Workshop(_Strict):
    """The 60-minute alignment workshop of methods/002 and the alignment exercise."""

    kind: Literal["workshop"] = "workshop"
    icp: str = Field(description="The id of the ICP the workshop is about.")
    drafted_at: dt.date
    anti_persona: list[Card] = Field(default_factory=list, description="The red flags of customers to avoid.")
    champion: list[Card] = Field(default_factory=list, description="Who champions us, and who got promoted for it.")
    before_after: list[BeforeAfter] = Field(default_factory=list)
    fastest: list[Card] = Field(default_factory=list, description="List A: the fastest closes with least discount.")
    stickiest: list[Card] = Field(default_factory=list, description="List B: the customers who use it most.")
    shared: list[Card] = Field(default_factory=list, description="Traits both lists share: the bullseye.")
    changes: list[Change] = Field(default_factory=list)


class EmpathyMap(_Strict):
    """What one persona says, thinks, does and feels, their pains and gains (methods/000)."""

    kind: Literal["empathy-map"] = "empathy-map"
    persona: str = Field(description="The persona's file name in strategy/personas/.")
    name: str
    icp: str
    drafted_at: dt.date
    says: list[Card] = Field(default_factory=list)
    thinks: list[Card] = Field(default_factory=list)
    does: list[Card] = Field(default_factory=list)
    feels: list[Card] = Field(default_factory=list)
    pains: list[Card] = Field(default_factory=list)
    gains: list[Card] = Field(default_factory=list)
    changes: list[Change] = Field(default_factory=list)


Board = TypeVar("Board", Workshop, EmpathyMap)
Model = TypeVar("Model", bound=BaseModel)


class BoardFormError(InvalidInputError):
    """The edited board is not valid; ``errors`` maps each field path to its message (HTTP 422)."""

    http_status = 422

    def __init__(self, errors: dict[str, str]) -> None:
        self.errors = errors
        super().__init__("; ".join(f"{path}: {message}" for path, message in errors.items()))


@dataclass(repr=False)
class StoredBoard(Result):
    """A board as a page shows it: the stored one (``saved``) or the draft from the evidence, the
    revision a save must name (``draft`` before the first save) and the comments on its cards."""

    board: Any
    revision: str
    saved: bool
    file: str
    comments: list[dict[str, Any]] = field(default_factory=list)

    def state(self) -> dict[str, Any]:
        return {"file": self.file, "saved": self.saved, "revision": self.revision}


def empathy_file(name: str) -> str:
    return f"{EMPATHY_DIR}/{name}.yaml"


def board_revision(path: Path) -> str:
    """What an editor read: the hash of the stored file, or ``draft`` when there is none yet."""
    return hashlib.sha256(path.read_bytes()).hexdigest()[:16] if path.exists() else DRAFT_REVISION


def read_board(path: Path, model: type[Model]) -> Model | None:
    """The board (or persona) stored at ``path`` (None when there is none), parsed once per version
    of the file: a page opened by the whole team reads the YAML once, not on every request."""
    try:
        stat = path.stat()
    except FileNotFoundError:
        return None
    key = (path.resolve(), model)
    version = (stat.st_mtime_ns, stat.st_size)
    with _READ_LOCK:
        hit = _READ.get(key)
    if hit is not None and hit[0] == version:
        return hit[1]
    board = load_model(model, path)
    with _READ_LOCK:
        _READ[key] = (version, board)
        while len(_READ) > 64:
            _READ.pop(next(iter(_READ)))
    return board


def board_text(board: Workshop | EmpathyMap) -> str:
    what = "alignment workshop" if isinstance(board, Workshop) else f"empathy map of {board.name}"
    data = board.model_dump(mode="json", exclude_none=True, exclude_defaults=True)
    data = {"kind": board.kind, **data}
    return (
        f"# The {what}, drafted from the evidence and filled in by the team (bullseye workshop).\n"
        "# Cards without evidence are assumptions to validate; `changes` logs who saved what.\n"
        + yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)
    )


def _card(old: dict[str, Any] | None, text: str | None, by: str, now: str) -> dict[str, Any] | None:
    """The card as the form leaves it (None: removed); unchanged words keep everything."""
    if text is None:
        return old
    text = text.strip()
    if not text:
        return None
    if len(text) > MAX_CARD_CHARS:
        raise BoardFormError({"card": f"a card is at most {MAX_CARD_CHARS:,} characters; this one has {len(text):,}"})
    if old is not None and old.get("text") == text:
        return old
    card = dict(old or {"assumption": True})
    card.update(text=text, edited_by=by, edited_at=now)
    return card


def _edit_list(items: list[dict], name: str, form: Mapping[str, str], by: str, now: str, changed: list[str]) -> list:
    kept = []
    for index in range(len(items) + 1):
        path = f"{name}.{index}"
        old = items[index] if index < len(items) else None
        new = _card(old, form.get(f"{path}.text"), by, now)
        if new is not old:
            changed.append(path)
        if new is not None:
            kept.append(new)
    return kept


def _edit_grid(rows: list[dict], form: Mapping[str, str], by: str, now: str, changed: list[str]) -> list:
    kept = []
    for index in range(len(rows) + 1):
        path = f"before_after.{index}"
        old = rows[index] if index < len(rows) else None
        before = _card((old or {}).get("before"), form.get(f"{path}.before.text"), by, now)
        after = _card((old or {}).get("after"), form.get(f"{path}.after.text"), by, now)
        persona = (form.get(f"{path}.persona") or "").strip() or (old or {}).get("persona") or "everyone"
        if before is None and after is None:
            if old is not None:
                changed.append(path)
            continue
        row = {"persona": persona, "before": before, "after": after}
        if old is None or row != old:
            changed.append(path)
        # A row needs both halves: a missing one is a question for the team, not a blank.
        row["before"] = before or {"text": "What does their day look like before? (to fill in)", "assumption": True}
        row["after"] = after or {"text": "What does it look like once solved? (to fill in)", "assumption": True}
        kept.append(row)
    return kept


def apply_board_form(board: Board, form: Mapping[str, str], by: str) -> tuple[Board, list[str]]:
    """``board`` with the form's edits applied and the fields that changed; a save with changes is
    logged in ``changes``."""
    now = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
    data: dict[str, Any] = board.model_dump(mode="json")
    changed: list[str] = []
    lists = WORKSHOP_LISTS if isinstance(board, Workshop) else EMPATHY_LISTS
    for name in lists:
        data[name] = _edit_list(data[name], name, form, by, now, changed)
    if isinstance(board, Workshop):
        data["before_after"] = _edit_grid(data["before_after"], form, by, now, changed)
    if changed:
        data["changes"] = [*data["changes"], {"at": now, "by": by, "fields": changed}][-MAX_CHANGES:]
    try:
        return type(board).model_validate(data), changed
    except ValidationError as exc:
        raise BoardFormError(
            {
                ".".join(str(p) for p in e["loc"]) or "board": e["msg"].removeprefix("Value error, ")
                for e in exc.errors()
            }
        ) from None


def save_board(
    root: Path, relative: str, base: Board, form: Mapping[str, str], expected_revision: str, by: str
) -> tuple[Board, str, list[str]]:
    """Apply the form to ``base`` (the stored board, or the draft when nothing is stored yet) and
    write ``relative``; returns the saved board, its new revision and the fields changed.

    Raises ConflictError when the stored file is not the revision the editor read."""
    path = root / relative
    current = board_revision(path)
    if expected_revision != current:
        raise ConflictError(
            f"{relative} changed since you opened it (someone saved it first); "
            "their version is shown: reload the page, then make your change again"
        )
    board, changed = apply_board_form(base, form, by)
    if changed:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(board_text(board), encoding="utf-8")
    return board, board_revision(path), changed
