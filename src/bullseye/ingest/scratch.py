"""Working tables of wide files, as Parquet files in a scratch folder.

DuckDB pins, for every column a statement appends to, a block of the database's block size (256
KiB by default), and more while it commits: a 1,000-column staging table needed most of the
default 1.5 GB memory limit to take a batch of rows, and the typed table of such a file (a typed
and a raw copy of each checked column, 1,600 columns) ran out of it whatever its number of rows.
A database of 16 KiB blocks kept the memory down but took 25 s to append 8,192 rows of 1,000
columns. Parquet files cost neither: they are written a row group at a time (by Arrow, or by
DuckDB's ``COPY``, a hundred columns per statement), read back column by column, and spill
nothing. Their tables are reached through temporary views of the usual names, so the rest of the
load reads them like any other; the folder is removed when the load ends.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import shutil
import uuid
import weakref
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from bullseye.core.warehouse import quote_ident

__all__ = [
    "WIDE_COLUMNS",
    "ROW_GROUP_ROWS",
    "is_wide",
    "scratch_file",
    "expose_file",
    "copy_to_scratch",
    "stitch",
    "drop_working",
    "release",
    "released",
]

#: Tables of more columns than this are Parquet files (narrow ones stay temporary tables).
WIDE_COLUMNS = 100
#: Rows per Parquet row group: a scan holds one row group of the columns it reads per thread.
ROW_GROUP_ROWS = 8_192
#: Each connection's scratch folder.
_FOLDERS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
#: Scratch folders of this process: a caller that stages without a load (a test, a benchmark) and
#: never releases them still leaves none behind when the process ends.
_CREATED: set[Path] = set()


@atexit.register
def _remove_created() -> None:
    for folder in _CREATED:
        shutil.rmtree(folder, ignore_errors=True)


def is_wide(columns: int) -> bool:
    return columns > WIDE_COLUMNS


def _current(raw) -> Path | None:
    return _FOLDERS.get(raw)


def _folder(raw) -> Path:
    return Path(raw.execute("SELECT current_setting('temp_directory')").fetchone()[0] or ".")


def _literal(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def scratch_file(raw, name: str) -> Path:
    """A new file for working table ``name`` in this connection's scratch folder (made on first
    use in the warehouse's temp directory)."""
    folder = _current(raw)
    if folder is None:
        folder = _folder(raw) / f"scratch-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        folder.mkdir(parents=True, exist_ok=True)
        _CREATED.add(folder)
        _FOLDERS[raw] = folder
    return folder / f"{name}-{uuid.uuid4().hex[:6]}.parquet"


def expose_file(raw, name: str, file: Path) -> None:
    """A temporary view ``name`` of a scratch file, replacing what had that name."""
    drop_working(raw, name)
    raw.execute(f"CREATE TEMP VIEW {quote_ident(name)} AS SELECT * FROM read_parquet({_literal(file)})")


def copy_to_scratch(raw, name: str, query: str) -> Path:
    """Write ``query``'s rows, in its order, to a scratch file; returns the file (not exposed)."""
    file = scratch_file(raw, name)
    raw.execute(f"COPY ({query}) TO {_literal(file)} (FORMAT parquet, ROW_GROUP_SIZE {ROW_GROUP_ROWS})")
    return file


def stitch(raw, name: str, parts: list[Path], key: str) -> Path:
    """One file of the columns of ``parts`` side by side, read and written a row group at a time;
    the parts are removed. Every part holds ``key`` (kept once) and must list the same rows in the
    same order: checked batch by batch."""
    file = scratch_file(raw, name)
    readers = [pq.ParquetFile(part) for part in parts]
    streams = [reader.iter_batches(batch_size=ROW_GROUP_ROWS) for reader in readers]
    fields = [f for i, reader in enumerate(readers) for f in reader.schema_arrow if i == 0 or f.name != key]
    schema = pa.schema(fields)
    with pq.ParquetWriter(file, schema) as writer:
        for batches in zip(*streams, strict=True):
            first = batches[0].column(key)
            if not all(batch.column(key).equals(first) for batch in batches[1:]):
                raise RuntimeError(f"the parts of {name} do not list the same rows in the same order")
            columns = [
                batch.column(f.name) for i, batch in enumerate(batches) for f in batch.schema if i == 0 or f.name != key
            ]
            writer.write_batch(pa.RecordBatch.from_arrays(columns, schema=schema), row_group_size=ROW_GROUP_ROWS)
    for part in parts:
        part.unlink(missing_ok=True)
    return file


def _view_file(raw, name: str) -> Path | None:
    """The scratch file behind temporary view ``name``, if it is one."""
    folder = _current(raw)
    if folder is None:
        return None
    found = raw.execute(
        "SELECT sql FROM duckdb_views() WHERE temporary AND view_name = ? AND sql LIKE ?", [name, f"%{folder}%"]
    ).fetchone()
    if not found:
        return None
    start = found[0].index(str(folder))
    return Path(found[0][start:].split(".parquet", 1)[0] + ".parquet")


def drop_working(raw, name: str) -> None:
    """Drop working table ``name`` wherever it is: a temporary table, or a view of a scratch file
    (removed with it)."""
    file = _view_file(raw, name)
    if file is not None:
        raw.execute(f"DROP VIEW {quote_ident(name)}")
        file.unlink(missing_ok=True)
        return
    kind = raw.execute(
        "SELECT table_type FROM information_schema.tables WHERE table_catalog = 'temp' AND table_name = ?", [name]
    ).fetchone()
    if kind and kind[0] == "VIEW":
        raw.execute(f"DROP VIEW {quote_ident(name)}")
    else:
        raw.execute(f"DROP TABLE IF EXISTS {quote_ident(name)}")


def release(raw) -> None:
    """Drop the views of scratch files, if any, and remove the scratch folder (called when a load
    ends, however)."""
    folder = _current(raw)
    if folder is None:
        return
    views = raw.execute(
        "SELECT view_name FROM duckdb_views() WHERE temporary AND sql LIKE ?", [f"%{folder}%"]
    ).fetchall()
    for (view,) in views:
        raw.execute(f"DROP VIEW IF EXISTS {quote_ident(view)}")
    _forget(raw, folder)


def _forget(raw, folder: Path) -> None:
    _FOLDERS.pop(raw, None)
    shutil.rmtree(folder, ignore_errors=True)
    _CREATED.discard(folder)


@contextlib.contextmanager
def released(raw) -> Iterator[None]:
    """Release the scratch folder when the block ends, also when it fails (the connection may be
    unusable then: the folder is removed by name)."""
    try:
        yield
    finally:
        folder = _current(raw)
        try:
            release(raw)
        except Exception:  # noqa: BLE001 - a failed load's connection: remove the files by name
            if folder is not None:
                _forget(raw, folder)
