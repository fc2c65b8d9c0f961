"""Comments on any field of a definition, kept beside it in git: ``strategy/comments/<target>.yaml``.

Comments are part of the discussion of the definition (the workshop's notes, why a pain was
reworded), so they live in ``strategy/`` with it and travel with a clone, not in ``.bullseye/``.
A target is a definition's file stem (``personas-ops-director``); a field is a dotted path into it
(``pains.0.text``, ``three_questions.midnight_worry``).
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import yaml

from bullseye.errors import ConfigError, InvalidInputError

__all__ = ["COMMENTS_DIR", "MAX_COMMENT_CHARS", "add_comment", "comments_by_field", "read_comments"]

COMMENTS_DIR = "strategy/comments"
MAX_COMMENT_CHARS = 4000
_TARGET = re.compile(r"^[a-z0-9][a-z0-9-]{0,120}$")
_FIELD = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z0-9_]+){0,6}$")


def _path(root: Path, target: str) -> Path:
    if not _TARGET.match(target):
        raise InvalidInputError(f"'{target}' is not a comment target (lower-case letters, digits and dashes)")
    return root / COMMENTS_DIR / f"{target}.yaml"


def read_comments(root: Path, target: str) -> list[dict[str, Any]]:
    """Every comment on ``target``, oldest first: ``{field, author, at, text}``."""
    path = _path(root, target)
    if not path.exists():
        return []
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    comments = data.get("comments", []) if isinstance(data, dict) else None
    if not isinstance(comments, list) or not all(isinstance(c, dict) and {"field", "text"} <= set(c) for c in comments):
        raise ConfigError(f"{path}: expected `comments:` with a list of {{field, author, at, text}}")
    return comments


def add_comment(root: Path, target: str, field: str, text: str, author: str) -> dict[str, Any]:
    """Append one comment and return it; the file keeps every earlier comment."""
    text = (text or "").strip()
    if not text:
        raise InvalidInputError("a comment needs some text")
    if len(text) > MAX_COMMENT_CHARS:
        raise InvalidInputError(f"a comment is at most {MAX_COMMENT_CHARS:,} characters; this one has {len(text):,}")
    if not _FIELD.match(field or ""):
        raise InvalidInputError(f"'{field}' is not a field of the definition (a dotted path such as pains.0.text)")
    comments = read_comments(root, target)
    entry = {
        "field": field,
        "author": author,
        "at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "text": text,
    }
    path = _path(root, target)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        f"# Comments on {target}, field by field (written by the web workspace).\n"
        + yaml.safe_dump({"comments": comments + [entry]}, sort_keys=False, allow_unicode=True),
        encoding="utf-8",
    )
    return entry


def comments_by_field(comments: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for comment in comments:
        out.setdefault(str(comment["field"]), []).append(comment)
    return out
