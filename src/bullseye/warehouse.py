"""The warehouse: Ibis over an embedded DuckDB file inside the workspace.

Engine-specific SQL lives here and in the ingest readers only. Writes happen on a copy that
replaces the live file only when the whole job succeeded, so a failure or an interrupt leaves the
previous warehouse as it was, and readers never see a half-written state.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import duckdb
import ibis
from ibis.backends.duckdb import Backend as DuckDBBackend

__all__ = ["Warehouse", "quote_ident"]


def _size(text: str) -> str:
    """A memory size such as '1.5GB'; anything else is refused before it reaches SQL."""
    import re

    from bullseye.errors import ConfigError

    if not re.fullmatch(r"\s*\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)\s*", text):
        raise ConfigError(f"memory_limit '{text}' is not a size such as 1.5GB or 800MB")
    return text.strip()


def quote_ident(name: str) -> str:
    """Quote an identifier for DuckDB; user-provided names never reach SQL unquoted."""
    return '"' + name.replace('"', '""') + '"'


class Warehouse:
    def __init__(self, path: Path, memory_limit: str = "1.5GB") -> None:
        self.path = Path(path)
        self.memory_limit = memory_limit
        self._reader: DuckDBBackend | None = None

    def create_empty(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if not self.path.exists():
            duckdb.connect(str(self.path)).close()

    @property
    def con(self) -> DuckDBBackend:
        """A read-only Ibis connection to the live warehouse."""
        if self._reader is None:
            self.create_empty()
            self._reader = ibis.duckdb.connect(str(self.path), read_only=True)
        return self._reader

    def close(self) -> None:
        if self._reader is not None:
            self._reader.disconnect()
            self._reader = None

    def list_tables(self) -> list[str]:
        return sorted(self.con.list_tables())

    @contextlib.contextmanager
    def transaction(self) -> Iterator[DuckDBBackend]:
        """Yield a writable connection to a copy; swap it in only if the block succeeds."""
        self.close()
        self.create_empty()
        staging = self.path.with_name(self.path.name + f".staging-{os.getpid()}")
        for stale in self.path.parent.glob(self.path.name + ".staging-*"):
            stale.unlink(missing_ok=True)
        shutil.copy2(self.path, staging)
        wal = self.path.with_name(self.path.name + ".wal")
        if wal.exists():
            shutil.copy2(wal, staging.with_name(staging.name + ".wal"))
        con = ibis.duckdb.connect(str(staging))
        spill = self.path.parent / "tmp"
        spill.mkdir(exist_ok=True)
        # Large loads spill to disk instead of growing without bound. Values are ours, not user text.
        con.raw_sql(f"SET memory_limit = '{_size(self.memory_limit)}'")
        con.raw_sql(f"SET temp_directory = '{str(spill).replace(chr(39), chr(39) * 2)}'")
        try:
            yield con
            con.raw_sql("CHECKPOINT")
        except BaseException:
            con.disconnect()
            staging.unlink(missing_ok=True)
            staging.with_name(staging.name + ".wal").unlink(missing_ok=True)
            raise
        con.disconnect()
        os.replace(staging, self.path)
        wal.unlink(missing_ok=True)
