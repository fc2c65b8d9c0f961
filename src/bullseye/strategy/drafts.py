"""Two editors, one draft: a write to the draft refuses when the draft changed since the writer read it.

The draft is the set of definition files under ``strategy/`` (see :mod:`bullseye.strategy.versions`);
its content hash (:func:`draft_hash`, the one ``bullseye history --json`` and a preview report) is
what an editor read. A writer passes that hash back as ``expected_hash``; under the draft lock the
hash on disk is compared with it before anything is written, so of two editors who read the same
draft, the second to save gets a :class:`~bullseye.errors.ConflictError` instead of silently
replacing the first one's change.

Example:
    >>> import tempfile, pathlib
    >>> root = pathlib.Path(tempfile.mkdtemp())
    >>> seen = draft_hash(root)
    >>> with draft_write(root, expected_hash=seen):
    ...     _ = (root / "strategy").mkdir()
    ...     _ = (root / "strategy" / "icp.yaml").write_text("name: mine\\n")
    >>> with draft_write(root, expected_hash=seen):  # doctest: +ELLIPSIS
    ...     pass
    Traceback (most recent call last):
    bullseye.errors.ConflictError: the draft in strategy/ changed since it was read ...
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import time
from collections.abc import Iterator
from pathlib import Path

from bullseye.errors import ConflictError

__all__ = ["DRAFT_LOCK", "draft_hash", "check_draft", "draft_conflict", "draft_lock", "draft_write"]

#: Held while the draft files are compared and written (relative to the workspace root).
DRAFT_LOCK = ".bullseye/draft.lock"
LOCK_TIMEOUT_SECONDS = 30.0


def draft_hash(root: Path) -> str:
    """The content hash of the draft definition files (formatting and comments do not count)."""
    from bullseye.strategy.versions import VersionStore

    return VersionStore(Path(root)).draft_hash()


def check_draft(root: Path, expected_hash: str | None) -> str:
    """The draft's hash now; a :class:`ConflictError` when ``expected_hash`` is given and differs."""
    now = draft_hash(root)
    if expected_hash is not None and now != expected_hash:
        raise draft_conflict(expected_hash, now)
    return now


def draft_conflict(expected_hash: str, now: str) -> ConflictError:
    """The error for a draft that is no longer the one read (hash ``expected_hash``)."""
    return ConflictError(
        f"the draft in strategy/ changed since it was read (it was {expected_hash}, it is now "
        f"{now}): someone else saved it in the meantime; reload it, redo your change and save again"
    )


@contextlib.contextmanager
def draft_lock(root: Path, timeout: float = LOCK_TIMEOUT_SECONDS) -> Iterator[None]:
    """Hold the workspace's draft lock (released by the OS if the process dies)."""
    path = Path(root) / DRAFT_LOCK
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise ConflictError("another editor is saving the draft in strategy/; try again") from None
                time.sleep(0.05)
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


@contextlib.contextmanager
def draft_write(root: Path, expected_hash: str | None = None) -> Iterator[str]:
    """Write the draft inside this block: the draft lock is held and the draft is checked against
    ``expected_hash`` first (the hash before the write is yielded)."""
    with draft_lock(root):
        yield check_draft(root, expected_hash)
