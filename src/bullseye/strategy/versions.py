"""Published versions of the strategy: immutable, content-addressed, kept in git-friendly files.

The files under ``strategy/`` (``icp.yaml``, ``audience.yaml``, ``personas/*.yaml``) are the
*draft*: discovery and hand edits change them. Publishing copies the draft, exactly as written,
into ``strategy/history/vNNNN/`` together with what it was fitted on and what it promised
(artefacts such as the fitted scorecard and the backtest, as JSON) and ``version.yaml`` (number,
content hash, who published it, when and why, the data fingerprint). A version is never written
twice: reading one re-computes its hash, so an edit after publication is caught. Rolling back
publishes an old version's content again as a new version, so history only grows.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import shutil
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from bullseye.errors import ConfigError, NotFoundError
from bullseye.strategy.icp import ICP
from bullseye.yamlio import format_validation_error, parse_yaml

__all__ = ["Version", "VersionStore", "HISTORY_DIR", "DEFINITION_FILES", "definitions_hash"]

HISTORY_DIR = "strategy/history"
#: The draft's files a version holds, relative to ``strategy/``.
DEFINITION_FILES = ("icp.yaml", "audience.yaml", "personas/*.yaml")
META_FILE = "version.yaml"


def _definition_files(strategy: Path) -> dict[str, Path]:
    found: dict[str, Path] = {}
    for pattern in DEFINITION_FILES:
        for path in sorted(strategy.glob(pattern)):
            if path.is_file():
                found[path.relative_to(strategy).as_posix()] = path
    return found


def _canonical(name: str, text: str) -> Any:
    """The content of a definition file, independent of formatting and comments (parsed within
    the YAML limits of :mod:`bullseye.yamlio`: an alias bomb in a draft is one error, not a hang)."""
    return parse_yaml(text, f"strategy/{name}")


def definitions_hash(texts: dict[str, str]) -> str:
    """A short hash of what the definitions say (not how they are formatted)."""
    canonical = {name: _canonical(name, text) for name, text in sorted(texts.items())}
    payload = json.dumps(canonical, sort_keys=True, separators=(",", ":"), default=str, ensure_ascii=False)
    return hashlib.sha256(payload.encode()).hexdigest()[:12]


@dataclass
class Version:
    """One published version."""

    number: int
    hash: str
    published_at: datetime
    published_by: str
    message: str
    folder: Path
    data: dict[str, Any] = field(default_factory=dict)  # as_of, warehouse generation, row counts
    forced: str | None = None  # the reason given when the publish gate was overruled
    rollback_of: int | None = None
    parent: int | None = None

    @property
    def label(self) -> str:
        return f"v{self.number} ({self.hash})"

    def texts(self) -> dict[str, str]:
        """The definition files as published: name relative to ``strategy/`` -> text."""
        return {name: path.read_text(encoding="utf-8") for name, path in _definition_files(self.folder).items()}

    def icp(self) -> ICP:
        """The ICP as published."""
        path = self.folder / "icp.yaml"
        text = path.read_text(encoding="utf-8")
        try:
            return ICP.model_validate(yaml.safe_load(text) or {})
        except ValidationError as exc:
            raise ConfigError(format_validation_error(path, exc, text)) from exc

    def artefact(self, name: str) -> Any:
        """A JSON artefact stored with the version (``scorecard``, ``backtest``...), or None."""
        path = self.folder / f"{name}.json"
        return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "hash": self.hash,
            "published_at": self.published_at.isoformat(timespec="seconds"),
            "published_by": self.published_by,
            "message": self.message,
            "data": self.data,
            "forced": self.forced,
            "rollback_of": self.rollback_of,
            "parent": self.parent,
        }


class VersionStore:
    """The published versions of one workspace."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.strategy = self.root / "strategy"
        self.history = self.root / HISTORY_DIR

    # -- reading --------------------------------------------------------------------------------
    def draft_texts(self) -> dict[str, str]:
        return {name: path.read_text(encoding="utf-8") for name, path in _definition_files(self.strategy).items()}

    def draft_hash(self) -> str:
        return definitions_hash(self.draft_texts())

    def versions(self) -> list[Version]:
        """Every published version, oldest first."""
        if not self.history.is_dir():
            return []
        found = [self._read(folder) for folder in sorted(self.history.glob("v[0-9]*")) if (folder / META_FILE).exists()]
        return sorted(found, key=lambda v: v.number)

    def current(self) -> Version | None:
        """The version in use: the latest published."""
        versions = self.versions()
        return versions[-1] if versions else None

    def get(self, ref: str | int) -> Version:
        """A version by number (``3``, ``v3``) or by (a prefix of) its hash."""
        text = str(ref).strip()
        versions = self.versions()
        number = text[1:] if text[:1] in "vV" else text
        if number.isdigit():
            match = [v for v in versions if v.number == int(number)]
        else:
            match = [v for v in versions if v.hash.startswith(text.casefold())] if len(text) >= 4 else []
        if len(match) != 1:
            known = ", ".join(v.label for v in versions) or "none yet (publish one with `bullseye publish`)"
            raise NotFoundError(f"no published version '{ref}'; published versions: {known}")
        return match[0]

    def _read(self, folder: Path) -> Version:
        meta_path = folder / META_FILE
        try:
            meta = yaml.safe_load(meta_path.read_text(encoding="utf-8")) or {}
            version = Version(
                number=int(meta["number"]),
                hash=str(meta["hash"]),
                published_at=datetime.fromisoformat(str(meta["published_at"])),
                published_by=str(meta.get("published_by", "")),
                message=str(meta.get("message", "")),
                folder=folder,
                data=meta.get("data") or {},
                forced=meta.get("forced"),
                rollback_of=meta.get("rollback_of"),
                parent=meta.get("parent"),
            )
        except (yaml.YAMLError, KeyError, TypeError, ValueError) as exc:
            raise ConfigError(f"{meta_path}: not a readable version record ({exc})") from exc
        actual = definitions_hash(version.texts())
        if actual != version.hash:
            raise ConfigError(
                f"{folder}: its definitions were changed after publication (hash {actual}, published "
                f"as {version.hash}); restore the folder from git, published versions are immutable"
            )
        return version

    # -- writing --------------------------------------------------------------------------------
    def publish(
        self,
        texts: dict[str, str],
        artefacts: dict[str, Any],
        message: str,
        published_by: str,
        data: dict[str, Any],
        forced: str | None = None,
        rollback_of: int | None = None,
    ) -> Version:
        """Write a new version holding ``texts`` (definition files) and ``artefacts`` (JSON-ready)."""
        if "icp.yaml" not in texts:
            raise NotFoundError("there is no strategy/icp.yaml to publish; draft one with `bullseye discover`")
        previous = self.current()
        number = (previous.number if previous else 0) + 1
        content_hash = definitions_hash(texts)
        self.history.mkdir(parents=True, exist_ok=True)
        final = self.history / f"v{number:04d}"
        staging = self.history / f".v{number:04d}-{uuid.uuid4().hex[:8]}"
        try:
            for name, text in texts.items():
                target = staging / name
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(text, encoding="utf-8")
            for name, value in artefacts.items():
                (staging / f"{name}.json").write_text(
                    json.dumps(_finite(value), indent=1, sort_keys=True, default=str, allow_nan=False), encoding="utf-8"
                )
            meta = {
                "number": number,
                "hash": content_hash,
                "published_at": datetime.now(UTC).replace(microsecond=0).isoformat(),
                "published_by": published_by,
                "message": message,
                "parent": previous.number if previous else None,
                "rollback_of": rollback_of,
                "forced": forced,
                "data": data,
            }
            (staging / META_FILE).write_text(
                yaml.safe_dump(meta, sort_keys=False, allow_unicode=True), encoding="utf-8"
            )
            # Two publishers racing for one number: the rename of the second fails, nothing is overwritten.
            os.rename(staging, final)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        return self._read(final)

    def restore_draft(self, version: Version) -> None:
        """Make the draft files say exactly what ``version`` says (files it lacks are removed)."""
        wanted = version.texts()
        for name, path in _definition_files(self.strategy).items():
            if name not in wanted:
                path.unlink()
        for name, text in wanted.items():
            target = self.strategy / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")


def _finite(value: Any) -> Any:
    """JSON-ready: a number that is not finite (an interval that cannot be computed) becomes null."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    return value


def default_publisher() -> str:
    """Who publishes: $BULLSEYE_USER, else the login name."""
    return os.environ.get("BULLSEYE_USER") or os.environ.get("USER") or os.environ.get("USERNAME") or "unknown"
