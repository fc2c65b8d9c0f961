"""The warehouse: Ibis over an embedded DuckDB file inside the workspace.

Engine-specific SQL lives here and in the ingest readers only.

Every write runs on a copy of the live file, under an exclusive write lock, and becomes a new
*generation* (``warehouse.g000007.duckdb``) that ``warehouse.duckdb`` (a symbolic link) is switched
to in one atomic step. So a failure or an interrupt leaves the previous warehouse as it was, a
second writer waits for the first instead of destroying its work, and readers never see a
half-written state. Readers check the link on every use and reopen when a newer generation is
live: a long-lived process (the web app, a notebook, a second ``Workspace`` on the same path) sees
a finished load. Each thread gets its own read connection.
"""

from __future__ import annotations

import contextlib
import dataclasses
import errno
import fcntl
import os
import re
import shutil
import threading
import time
import types
import uuid
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path

import duckdb
import ibis
import ibis.expr.datatypes as dt
import ibis.expr.types as ir
import sqlglot
from ibis.backends.duckdb import Backend as DuckDBBackend

from bullseye.errors import ConfigError, StorageError, WarehouseBusy

__all__ = [
    "Warehouse",
    "quote_ident",
    "storage_error",
    "column_template",
    "scalar_row",
    "table_sql",
    "create_from_sql",
    "select_sql",
    "query_rows",
    "insert_select",
    "count_rows",
]

#: Seconds a writer waits for another process's write before giving up.
DEFAULT_LOCK_TIMEOUT = 600.0
#: DuckDB draws a progress bar on stdout (a pipe too) once a query runs for two seconds: it would
#: land in --json output and in whatever reads a process's output, so every connection turns it off.
_QUIET = "SET enable_progress_bar = false"
_GENERATION = re.compile(r"\.g(\d{6,})\.duckdb$")
#: Errors of the machine rather than of the data: each gets one line that says what to do.
_STORAGE_ERRNOS = {
    errno.ENOSPC: "the disk is full: free some space and run the command again",
    errno.EDQUOT: "the disk quota is exhausted: free some space and run the command again",
    errno.EROFS: "the file system is read-only: run Bullseye on a writable copy of the workspace",
    errno.EACCES: "permission denied: check the owner and permissions of the workspace",
    errno.EPERM: "operation not permitted: check the owner and permissions of the workspace",
}
_STORAGE_MESSAGES = {
    "no space left on device": errno.ENOSPC,
    "read-only file system": errno.EROFS,
    "permission denied": errno.EACCES,
}


def _size(text: str) -> str:
    """A memory size such as '1.5GB'; anything else is refused before it reaches SQL."""
    if not re.fullmatch(r"\s*\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)\s*", text):
        raise ConfigError(f"memory_limit '{text}' is not a size such as 1.5GB or 800MB")
    return text.strip()


def quote_ident(name: str) -> str:
    """Quote an identifier for DuckDB; user-provided names never reach SQL unquoted."""
    return '"' + name.replace('"', '""') + '"'


def select_sql(base: str, head: list[str], columns: dict[str, str], order_by: str | None = None) -> str:
    """SELECT ``head`` columns and SQL expressions (from :func:`column_template`) over the query ``base``."""
    select = ", ".join([*map(quote_ident, head), *(f"{sql} AS {quote_ident(n)}" for n, sql in columns.items())])
    order = f" ORDER BY {quote_ident(order_by)}" if order_by else ""
    return f"SELECT {select} FROM ({base}) AS _t{order}"


def create_from_sql(
    con: DuckDBBackend,
    name: str,
    base: str,
    head: list[str],
    columns: dict[str, str],
    order_by: str | None = None,
) -> None:
    """A temporary table of ``head`` columns and SQL expressions (from :func:`column_template`)
    over the query ``base``."""
    con.raw_sql(f"CREATE OR REPLACE TEMP TABLE {quote_ident(name)} AS {select_sql(base, head, columns, order_by)}")


_STAND_IN = "__bullseye_column_{}__"
#: Compiled templates by what the expression is (see :func:`_function_key`): every load of the
#: same shape reuses them (a small demo load compiled some 180, about a tenth of its CPU).
_TEMPLATES: dict[tuple, tuple[list[str], dict[str, int]]] = {}
#: At most this many (a whole-number test is 85 KB of SQL; a demo load compiles about 180).
_TEMPLATES_KEPT = 512


class _Unkeyable(Exception):
    """A value a function depends on that cannot be compared safely (an Ibis expression's ``==``
    builds an expression): the function is compiled every time."""


def _function_key(value) -> object:
    """What a builder computes, as a hashable key: its code, defaults and captured values,
    recursively. Module-level names it reads are taken to be constants."""
    if value is None or isinstance(value, (str, bytes, int, float, bool, dt.DataType)):
        return (type(value), value)
    if isinstance(value, (tuple, list, frozenset)):
        return (type(value), tuple(_function_key(v) for v in value))
    if isinstance(value, types.FunctionType):
        cells = tuple(_function_key(cell.cell_contents) for cell in value.__closure__ or ())
        defaults = _function_key(value.__defaults__)
        keywords = _function_key(tuple(sorted((value.__kwdefaults__ or {}).items())))
        return (value.__module__, value.__qualname__, value.__code__, cells, defaults, keywords)
    if dataclasses.is_dataclass(value) and value.__dataclass_params__.frozen:  # type: ignore[union-attr]
        return (type(value), tuple(_function_key(getattr(value, f.name)) for f in dataclasses.fields(value)))
    raise _Unkeyable(type(value).__name__)


def _compile_template(build: Callable, types_: tuple) -> tuple[list[str], dict[str, int]]:
    names = [_STAND_IN.format(i) for i in range(len(types_))]
    stand_in = ibis.table(dict(zip(names, types_, strict=True)), name="_stand_in")
    value = build(*[stand_in[n] for n in names])
    # A reduction as an aggregate: in a select, Ibis would write it as a window over every row.
    query = stand_in.aggregate(_v=value) if isinstance(value, ibis.expr.types.Scalar) else stand_in.select(_v=value)
    select = DuckDBBackend.compiler.to_sqlglot(query)
    expression = select.expressions[0].this
    for column in expression.find_all(sqlglot.exp.Column):
        column.set("table", None)  # unqualified: the caller's FROM has the one table
    text = expression.sql(dialect="duckdb")
    pieces = re.split("(" + "|".join(re.escape(quote_ident(n)) for n in names) + ")", text)
    return pieces, {quote_ident(n): i for i, n in enumerate(names)}


def column_template(build: Callable, types: tuple) -> Callable[..., str]:
    """Compile an expression of some columns once; the result gives its SQL for any columns of
    those types. Compiling a parser in Ibis and sqlglot takes a second or more (a whole-number test
    is 85 KB of SQL): a wide export's columns share one compilation instead of one each, and
    later loads reuse it when ``build`` computes the same thing (same code and captured values)."""
    try:
        key: tuple | None = (_function_key(build), tuple(types))
    except _Unkeyable:
        key = None
    compiled = _TEMPLATES.get(key) if key is not None else None
    if compiled is None:
        compiled = _compile_template(build, types)
        if key is not None:
            if len(_TEMPLATES) >= _TEMPLATES_KEPT:
                _TEMPLATES.pop(next(iter(_TEMPLATES)), None)
            _TEMPLATES[key] = compiled
    pieces, slots = compiled

    def sql(*columns: str) -> str:
        quoted = [quote_ident(c) for c in columns]
        return "".join(quoted[slots[p]] if p in slots else p for p in pieces)

    return sql


def scalar_row(table, expressions: dict[str, str], base: str | None = None) -> dict:
    """One row of SQL aggregates (from :func:`column_template`) over an Ibis table, whose SQL
    (``table_sql``) may be given: compiling a wide table takes seconds."""
    con = _backend(table)
    select = ", ".join(f"{sql} AS {quote_ident(name)}" for name, sql in expressions.items())
    query = f"SELECT {select} FROM ({base or table_sql(table)}) AS _t"
    return con.con.execute(query).fetch_arrow_table().to_pylist()[0]


def count_rows(table) -> int:
    """The number of rows of an Ibis table expression, read through Arrow (Ibis's ``execute``
    builds a pandas frame for the one number)."""
    return int(scalar_row(table, {"n": "count(*)"})["n"])


def query_rows(table, query: Callable[[str], str], few_rows: bool = False) -> list[dict]:
    """The rows of SQL ``query(table's SQL)``, as dicts. ``few_rows``: the table is small, so
    planning costs more than running; DuckDB's common-subexpression pass, superlinear in the size
    of a query, is skipped (it halved the CPU of the loader's 200-row first look at each column)."""
    con = _backend(table).con
    sql = query(table_sql(table))
    if not few_rows:
        return con.execute(sql).fetch_arrow_table().to_pylist()
    before = con.execute("SELECT current_setting('disabled_optimizers')").fetchone()[0]
    con.execute("SET disabled_optimizers = 'common_subexpressions'")
    try:
        return con.execute(sql).fetch_arrow_table().to_pylist()
    finally:
        con.execute(f"SET disabled_optimizers = '{before}'")


def table_sql(table) -> str:
    return _backend(table).compile(table)


def insert_select(con: DuckDBBackend, name: str, rows) -> None:
    """Append the rows of an Ibis table expression to table ``name``, column by name. Ibis's own
    ``insert`` also describes the target and parses the compiled SQL again, each time (most of
    what a loader's insert of a few rows cost)."""
    columns = ", ".join(quote_ident(c) for c in rows.columns)
    con.con.execute(f"INSERT INTO {quote_ident(name)} ({columns}) {table_sql(rows)}")


def _backend(table) -> DuckDBBackend:
    """The table's connection, with the in-memory tables it reads registered (as Ibis does before
    it runs a query)."""
    con = table._find_backend(use_default=True)
    con._run_pre_execute_hooks(table)
    return con


def storage_error(exc: BaseException, path: Path | str | None = None) -> StorageError | None:
    """One line for a disk-full, read-only or permission error (from the OS or from DuckDB), or
    None when ``exc`` is something else."""
    code = getattr(exc, "errno", None)
    if code not in _STORAGE_ERRNOS and isinstance(exc, (duckdb.Error, OSError)):
        text = str(exc).casefold()
        code = next((c for words, c in _STORAGE_MESSAGES.items() if words in text), None)
    if code not in _STORAGE_ERRNOS:
        return None
    where = getattr(exc, "filename", None) or path
    prefix = f"{where}: " if where else ""
    error = StorageError(f"{prefix}{_STORAGE_ERRNOS[code]}; the previous warehouse is intact")
    error.errno = code
    return error


class Warehouse:
    def __init__(
        self,
        path: Path,
        memory_limit: str = "1.5GB",
        lock_timeout: float = DEFAULT_LOCK_TIMEOUT,
        on_wait: Callable[[str], None] | None = None,
    ) -> None:
        self.path = Path(path)
        self.memory_limit = memory_limit
        self.lock_timeout = lock_timeout
        #: Told (once) when a write has to wait for another process's write.
        self.on_wait = on_wait
        self._local = threading.local()
        self._readers: list[DuckDBBackend] = []
        self._readers_lock = threading.Lock()

    # -- the live generation ------------------------------------------------------------------
    @property
    def lock_path(self) -> Path:
        return self.path.with_name(self.path.name + ".lock")

    def live_file(self) -> Path:
        """The file ``warehouse.duckdb`` points at (itself in workspaces made before generations)."""
        try:
            return self.path.with_name(os.readlink(self.path))
        except OSError:
            return self.path

    def _generation_number(self, file: Path) -> int:
        found = _GENERATION.search(file.name)
        return int(found.group(1)) if found else 0

    def _generation_file(self, number: int) -> Path:
        return self.path.with_name(f"{self.path.stem}.g{number:06d}.duckdb")

    def create_empty(self) -> None:
        """An empty warehouse, when there is none yet."""
        if self.path.exists() or self.path.is_symlink():
            if not self.path.exists():
                raise StorageError(
                    f"{self.path} points at {self.live_file().name}, which is missing; "
                    "restore it or delete the link and load again"
                )
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._write_lock():
            if not self.path.exists():
                first = self._generation_file(1)
                first.unlink(missing_ok=True)
                duckdb.connect(str(first)).close()
                self._point_to(first)

    def _point_to(self, generation: Path) -> None:
        """Switch the link to ``generation`` in one atomic rename."""
        link = self.path.with_name(f"{self.path.name}.link-{uuid.uuid4().hex[:8]}")
        os.symlink(generation.name, link)
        try:
            os.replace(link, self.path)
        except BaseException:
            link.unlink(missing_ok=True)
            raise
        fd = os.open(self.path.parent, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)

    # -- reading ------------------------------------------------------------------------------
    @property
    def con(self) -> DuckDBBackend:
        """A read-only Ibis connection to the live generation, this thread's own, reopened when a
        newer generation has been switched in since it was opened."""
        self.create_empty()
        live = self.live_file()
        reader = getattr(self._local, "reader", None)
        if reader is not None and self._local.file != live:
            self._drop_reader(reader)
            reader = None
        if reader is None:
            for attempt in range(3):
                live = self.live_file()
                try:
                    reader = ibis.duckdb.connect(str(live), read_only=True)
                    reader.raw_sql(_QUIET)
                    break
                except duckdb.IOException:
                    # A writer switched generations and removed this one between the two lines above.
                    if attempt == 2 or live == self.live_file():
                        raise
            self._local.reader, self._local.file = reader, live
            with self._readers_lock:
                self._readers.append(reader)
        return reader

    @property
    def generation(self) -> int:
        """The number of the live generation; it grows by one with every finished write."""
        return self._generation_number(self.live_file())

    def _drop_reader(self, reader: DuckDBBackend) -> None:
        with self._readers_lock:
            if reader in self._readers:
                self._readers.remove(reader)
        with contextlib.suppress(Exception):
            reader.disconnect()

    def close(self) -> None:
        """Close every read connection of this object (in every thread)."""
        with self._readers_lock:
            readers, self._readers = self._readers, []
        for reader in readers:
            with contextlib.suppress(Exception):
                reader.disconnect()
        self._local = threading.local()

    def list_tables(self) -> list[str]:
        """The live generation's tables, read once per reader: a generation is never written
        after it is switched in, so its catalogue cannot change while this thread's reader is open
        on it (Ibis' own listing cost ~25 ms a call, and a command asks a few dozen times)."""
        reader = self.con
        if getattr(self._local, "tables_of", None) is not reader:
            rows = reader.con.execute(
                "SELECT DISTINCT table_name FROM information_schema.tables "
                "WHERE table_catalog = current_database() AND table_schema = current_schema()"
            ).fetchall()
            self._local.tables, self._local.tables_of = sorted(row[0] for row in rows), reader
        return list(self._local.tables)

    def table(self, name: str) -> ir.Table:
        """Table ``name`` of the live generation, described once per reader (the same reasoning as
        ``list_tables``: Ibis asks DuckDB for the schema on every call, ~8 ms)."""
        reader = self.con
        if getattr(self._local, "described_by", None) is not reader:
            self._local.described, self._local.described_by = {}, reader
        if name not in self._local.described:
            self._local.described[name] = reader.table(name)
        return self._local.described[name]

    # -- writing ------------------------------------------------------------------------------
    @contextlib.contextmanager
    def _write_lock(self, timeout: float | None = None) -> Iterator[None]:
        """Hold the workspace's exclusive write lock (released by the OS if the process dies)."""
        timeout = self.lock_timeout if timeout is None else timeout
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise (storage_error(exc, self.lock_path) or exc) from None
        try:
            deadline, told = time.monotonic() + timeout, False
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    holder = self._holder(fd)
                    if time.monotonic() >= deadline:
                        raise WarehouseBusy(f"{holder}; try again when it has finished") from None
                    if not told and self.on_wait is not None:
                        self.on_wait(f"Waiting: {holder}.")
                    told = True
                    time.sleep(0.2)
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"{os.getpid()} {datetime.now().isoformat(timespec='seconds')}\n".encode(), 0)
            try:
                yield
            finally:
                os.ftruncate(fd, 0)
                fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)

    @staticmethod
    def _holder(fd: int) -> str:
        """Who holds the lock, from what the holder wrote into the lock file."""
        text = os.pread(fd, 200, 0).decode(errors="replace").split()
        if len(text) == 2 and text[0].isdigit():
            with contextlib.suppress(ValueError):
                since = datetime.fromisoformat(text[1]).strftime("%H:%M")
                return f"another load is running since {since} (pid {text[0]})"
        return "another load is running"

    def _remove_leftovers(self, keep: set[Path]) -> None:
        """Staging copies and old generations of earlier writes; only called under the write lock,
        so none of them belongs to a running write."""
        patterns = (
            f"{self.path.name}.staging-*",
            f"{self.path.stem}.staging-*",
            f"{self.path.stem}.g*.duckdb*",
            f"{self.path.name}.link-*",
        )
        for pattern in patterns:
            for leftover in self.path.parent.glob(pattern):
                if leftover not in keep and leftover.with_name(leftover.name.removesuffix(".wal")) not in keep:
                    leftover.unlink(missing_ok=True)

    @contextlib.contextmanager
    def transaction(self, timeout: float | None = None) -> Iterator[DuckDBBackend]:
        """Yield a writable connection to a copy of the live warehouse; the copy becomes the live
        generation only if the block succeeds. Writers take turns (``timeout`` seconds of waiting
        at most, then :class:`WarehouseBusy`)."""
        self.create_empty()
        with self._write_lock(timeout):
            live = self.live_file()
            self._remove_leftovers(keep={live})
            staging = self.path.with_name(f"{self.path.stem}.staging-{os.getpid()}-{uuid.uuid4().hex[:8]}.duckdb")
            generation = self._generation_file(self._generation_number(live) + 1)
            con = None
            try:
                shutil.copyfile(live, staging)
                wal = live.with_name(live.name + ".wal")
                if wal.exists():
                    shutil.copyfile(wal, staging.with_name(staging.name + ".wal"))
                con = ibis.duckdb.connect(str(staging))
                spill = self.path.parent / "tmp"
                spill.mkdir(exist_ok=True)
                con.raw_sql(_QUIET)
                # Large loads spill to disk instead of growing without bound. Values are ours, not user text.
                con.raw_sql(f"SET memory_limit = '{_size(self.memory_limit)}'")
                con.raw_sql(f"SET temp_directory = '{str(spill).replace(chr(39), chr(39) * 2)}'")
                yield con
                con.raw_sql("CHECKPOINT")
                con.disconnect()
                con = None
                os.replace(staging, generation)
                self._point_to(generation)
            except BaseException as exc:
                if con is not None:
                    with contextlib.suppress(Exception):
                        con.disconnect()
                for partial in (staging, staging.with_name(staging.name + ".wal")):
                    partial.unlink(missing_ok=True)
                if self.live_file() != generation:
                    generation.unlink(missing_ok=True)
                translated = storage_error(exc, staging)
                if translated is not None:
                    raise translated from exc
                raise
            # Readers of the old generation keep their open file; new reads go to the new one.
            self._remove_leftovers(keep={generation})
