"""Writing drafted definitions without losing the user's edits.

Bullseye keeps a copy of what it last wrote for each definition (under ``.bullseye/generated/``).
When a draft is written again:

* the file was not edited since Bullseye wrote it: it is replaced by the new draft;
* it was edited by hand: a three-way merge keeps every field the user changed and takes the new
  draft's value for every field the user left alone (fresh evidence, new counts), so re-running
  updates the evidence without overwriting edits; ``force`` replaces the file with the draft;
* either way the unified diff against the file as it was is returned, to be shown.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bullseye.yamlio import parse_yaml

__all__ = ["WriteResult", "write_definition", "three_way_merge", "generated_copy"]

_MISSING = object()


@dataclass
class WriteResult:
    path: Path
    diff: str
    kept: list[str] = field(default_factory=list)  # fields kept from the user's edits
    created: bool = False


def generated_copy(root: Path, relative: str) -> Path:
    return root / ".bullseye" / "generated" / relative


def three_way_merge(base: Any, mine: Any, theirs: Any, path: str = "") -> tuple[Any, list[str]]:
    """Merge ``theirs`` (the new draft) into ``mine`` (the file) given ``base`` (the last draft).

    Mappings merge key by key; any other value (lists included) is taken whole from ``mine`` when
    the user changed it, else from ``theirs``. Returns the merged value and the dotted paths kept
    from ``mine``."""
    if isinstance(base, dict) and isinstance(mine, dict) and isinstance(theirs, dict):
        merged, kept = {}, []
        for key in list(dict.fromkeys([*theirs, *mine])):
            sub = f"{path}.{key}" if path else str(key)
            b, m, t = base.get(key, _MISSING), mine.get(key, _MISSING), theirs.get(key, _MISSING)
            if m is _MISSING and b is not _MISSING:
                kept.append(sub)  # the user deleted it: stays deleted
                continue
            if m is _MISSING:
                merged[key] = t
            elif t is _MISSING:
                if b is _MISSING or m != b:
                    merged[key] = m  # the user's own addition, or edited since: keep it
                    kept.append(sub)
            else:
                value, inner = three_way_merge(b if b is not _MISSING else None, m, t, sub)
                merged[key] = value
                kept += inner
        return merged, kept
    if mine == base:
        return theirs, []
    return mine, ([path] if mine != theirs else [])


def write_definition(root: Path, relative: str, text: str, force: bool = False, header: str = "") -> WriteResult:
    """Write the YAML ``text`` (a drafted definition) to ``root/relative`` as described above."""
    path, copy = root / relative, generated_copy(root, relative)
    old = path.read_text(encoding="utf-8") if path.exists() else ""
    last = copy.read_text(encoding="utf-8") if copy.exists() else None
    kept: list[str] = []
    final = text
    if old and not force and old != last and old != text:
        base = parse_yaml(last, str(copy)) if last else {}
        mine = parse_yaml(old, str(path)) or {}
        merged, kept = three_way_merge(base or {}, mine, parse_yaml(text, relative) or {})
        final = header + yaml.safe_dump(merged, sort_keys=False, allow_unicode=True, width=100)
    diff = "".join(
        difflib.unified_diff(
            old.splitlines(True), final.splitlines(True), fromfile=f"{relative} (before)", tofile=f"{relative} (now)"
        )
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(final, encoding="utf-8")
    copy.parent.mkdir(parents=True, exist_ok=True)
    copy.write_text(text, encoding="utf-8")
    return WriteResult(path, diff, kept, created=not old)
