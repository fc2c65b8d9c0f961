"""Paths that stay inside the workspace.

Settings, mappings and definitions are files anyone with access to a workspace (and soon to the web
workspace) can edit, so a path written in one of them is only trusted inside the workspace: a
mapping lookup ``../../../../etc/passwd``, a ``load.files`` glob ``../../other/*.csv`` or ``/data/*.csv``,
or a symlink in ``data/`` pointing elsewhere is refused before anything is opened. A path the user
types on the command line is their explicit choice and is read wherever it is; so are the files next
to it (a mapping's lookup next to the export it completes).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path, PurePath

from bullseye.errors import InvalidInputError

__all__ = ["OutsideWorkspaceError", "is_inside", "contained", "allowed_roots", "workspace_glob"]


class OutsideWorkspaceError(InvalidInputError):
    """A path from a settings or mapping file points outside the workspace."""


def is_inside(path: Path, roots: Iterable[Path]) -> bool:
    """Whether ``path`` (with symlinks resolved) is one of ``roots`` or below one of them."""
    resolved = Path(path).resolve()
    return any(resolved.is_relative_to(Path(root).resolve()) for root in roots)


def allowed_roots(workspace_root: Path, explicit: Iterable[Path | None] = ()) -> list[Path]:
    """The workspace and the folders of the files the user named explicitly (on the command line)."""
    roots = [Path(workspace_root).resolve()]
    for path in explicit:
        if path is not None:
            folder = Path(path).resolve().parent
            if folder not in roots:
                roots.append(folder)
    return roots


def contained(path: Path, roots: list[Path], what: str) -> Path:
    """``path`` resolved, or OutsideWorkspaceError naming ``what`` when it leads outside ``roots``.

    The message names the path, never anything read from it.
    """
    resolved = Path(path).resolve()
    if not is_inside(resolved, roots):
        raise OutsideWorkspaceError(
            f"{what} {path} is outside the workspace ({roots[0]}); Bullseye only reads files inside it or "
            "next to a file given on the command line: copy the file into the workspace or name it on the "
            "command line"
        )
    return resolved


def workspace_glob(root: Path, pattern: str, source: str) -> list[Path]:
    """Files matching a glob relative to the workspace ``root``, all of them inside it.

    ``source`` names where the pattern was written (e.g. ``bullseye.yaml: load.files``). An absolute
    pattern, one that climbs out with ``..``, or a match that is a link to a file outside the
    workspace is one OutsideWorkspaceError.
    """
    root = Path(root).resolve()
    pure = PurePath(pattern)
    if pure.is_absolute() or pure.drive or pattern.startswith("~"):
        raise OutsideWorkspaceError(
            f"{source}: '{pattern}' is not relative to the workspace; write globs "
            "relative to it (e.g. data/*.csv), or name outside files on the command line"
        )
    if ".." in pure.parts:
        raise OutsideWorkspaceError(
            f"{source}: '{pattern}' climbs out of the workspace with '..'; keep globs "
            "inside it, or name outside files on the command line"
        )
    try:
        matches = sorted(p for p in root.glob(pattern) if p.is_file())
    except (ValueError, NotImplementedError) as exc:
        raise OutsideWorkspaceError(f"{source}: '{pattern}' is not a usable glob ({exc})") from exc
    for match in matches:
        if not is_inside(match, [root]):
            raise OutsideWorkspaceError(
                f"{source}: {match.relative_to(root)} is a link to {match.resolve()}, "
                "outside the workspace; copy the file in, or name it on the command line"
            )
    return matches
