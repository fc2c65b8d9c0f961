"""Working tables of wide files, in a scratch database of small blocks.

DuckDB pins, for every column a statement appends to, a block of the database's block size (256
KiB by default), and more while it commits: a 1,000-column staging table needed most of the
default 1.5 GB memory limit to take a batch of rows, and the typed table of such a file (a typed
and a raw copy of each checked column, 1,600 columns) ran out of it whatever its number of rows.
A database file attached with 16 KiB blocks pins a sixteenth of that per column, and its finished
blocks spill to its file. Its tables are reached through temporary views of the usual names, so
the rest of the load reads them like any other; the file is removed when the load ends.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

from bullseye.core.warehouse import quote_ident

__all__ = ["WIDE_COLUMNS", "BLOCK_BYTES", "working_table", "expose", "drop_working", "release", "released"]

SCRATCH = "_bullseye_scratch"
#: Tables of more columns than this go to the scratch database (narrow ones stay temporary tables).
WIDE_COLUMNS = 100
#: The smallest block size DuckDB accepts.
BLOCK_BYTES = 16_384
#: Scratch files of this process: a caller that stages without a load (a test, a benchmark) and
#: never releases them still leaves none behind when the process ends.
_CREATED: set[Path] = set()


@atexit.register
def _remove_created() -> None:
    for path in _CREATED:
        for leftover in (path, path.with_name(path.name + ".wal")):
            leftover.unlink(missing_ok=True)


def _path(raw) -> Path | None:
    found = raw.execute("SELECT path FROM duckdb_databases() WHERE database_name = ?", [SCRATCH]).fetchone()
    return Path(found[0]) if found else None


def _folder(raw) -> Path:
    return Path(raw.execute("SELECT current_setting('temp_directory')").fetchone()[0] or ".")


def working_table(raw, name: str, columns: int) -> str:
    """Where to create working table ``name`` of ``columns`` columns, as SQL after ``CREATE TABLE``:
    a temporary table when it is narrow, else a table of the scratch database, attached on first
    use in the warehouse's temp directory. Call :func:`expose` once a scratch table exists."""
    if columns <= WIDE_COLUMNS:
        return f"TEMP TABLE {quote_ident(name)}"
    if _path(raw) is None:
        folder = _folder(raw)
        folder.mkdir(parents=True, exist_ok=True)
        file = folder / f"scratch-{os.getpid()}-{uuid.uuid4().hex[:8]}.duckdb"
        _CREATED.add(file)
        literal = str(file).replace("'", "''")
        raw.execute(f"ATTACH '{literal}' AS {SCRATCH} (BLOCK_SIZE {BLOCK_BYTES})")
    return f"TABLE {SCRATCH}.main.{quote_ident(name)}"


def expose(raw, name: str, created: str) -> None:
    """After creating ``created`` (from :func:`working_table`): a temporary view ``name`` of a
    scratch table, so that readers need not know where it is."""
    if created.startswith("TABLE "):
        raw.execute(f"CREATE OR REPLACE TEMP VIEW {quote_ident(name)} AS SELECT * FROM {created[len('TABLE ') :]}")


def drop_working(raw, name: str) -> None:
    """Drop working table ``name`` wherever it is: a temporary table, or a view of a scratch table."""
    kind = raw.execute(
        "SELECT table_type FROM information_schema.tables WHERE table_catalog = 'temp' AND table_name = ?", [name]
    ).fetchone()
    if kind and kind[0] == "VIEW":
        raw.execute(f"DROP VIEW {quote_ident(name)}")
        if _path(raw) is not None:
            raw.execute(f"DROP TABLE IF EXISTS {SCRATCH}.main.{quote_ident(name)}")
    else:
        raw.execute(f"DROP TABLE IF EXISTS {quote_ident(name)}")


def release(raw) -> None:
    """Detach the scratch database, if any, and remove its file (called when a load ends, however)."""
    path = _path(raw)
    if path is None:
        return
    views = raw.execute(
        "SELECT view_name FROM duckdb_views() WHERE temporary AND sql LIKE ?", [f"%{SCRATCH}%"]
    ).fetchall()
    for (view,) in views:
        raw.execute(f"DROP VIEW IF EXISTS {quote_ident(view)}")
    raw.execute(f"DETACH {SCRATCH}")
    for leftover in (path, path.with_name(path.name + ".wal")):
        leftover.unlink(missing_ok=True)


@contextlib.contextmanager
def released(raw) -> Iterator[None]:
    """Release the scratch database when the block ends, also when it fails (the connection may be
    unusable then: this process's scratch files are removed by name)."""
    folder = _folder(raw)
    try:
        yield
    finally:
        try:
            release(raw)
        except Exception:  # noqa: BLE001 - a failed load's connection: remove the files by name
            for leftover in folder.glob(f"scratch-{os.getpid()}-*.duckdb*"):
                leftover.unlink(missing_ok=True)
