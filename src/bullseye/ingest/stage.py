"""Copy one export into a text staging table in DuckDB, with the physical line of every record.

Values are trimmed on the way in and empty cells become NULL, once, so that nothing downstream
repeats the work. Placeholders such as ``n/a`` or ``Select`` are read as missing later, when each
column is typed (the workspace's ``missing_values`` decide which, per kind of column).

Clean UTF-8 CSV files take a fast path: DuckDB parses them, and the line of each record comes
from a vectorised scan of the file's line breaks. That mapping is exact only when every record
sits on one line and DuckDB rejected nothing, so both are checked; any other file (other
encodings, multi-line fields, malformed records, Excel, Parquet) goes through the Python reader,
which tracks lines record by record.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from bullseye.core.warehouse import quote_ident
from bullseye.ingest.coerce import NULL_TOKENS
from bullseye.ingest.ledger import LineLedger
from bullseye.ingest.readers import FileReader, Reject
from bullseye.ingest.scratch import ROW_GROUP_ROWS, drop_working, expose_file, is_wide, scratch_file

__all__ = ["stage_file"]

CHUNK_BYTES = 1 << 26
#: Up to this many columns DuckDB cleans while it parses. Its cost per column expression grows
#: faster than the number of columns (5,000 take minutes and, with several placeholders, run out
#: of memory), so wider files are cleaned column by column in Arrow, whose cost stays linear.
SQL_CLEAN_COLUMNS = 100
WIDE_BATCH_ROWS = 8_192


def _cleaned(columns: list[str]) -> str:
    """Trimmed of spaces (only spaces: a no-break space or a tab may be data), placeholders null."""
    tokens = ", ".join("'" + t.replace("'", "''") + "'" for t in NULL_TOKENS)
    return ", ".join(
        f"CASE WHEN lower(trim({quote_ident(c)}, ' ')) IN ({tokens}) THEN NULL ELSE trim({quote_ident(c)}, ' ') END "
        f"AS {quote_ident(c)}"
        for c in columns
    )


def _clean_arrow(values: pa.Array) -> pa.Array:
    """The Arrow twin of :func:`_cleaned`: trimmed, a placeholder for "no value" becomes null."""
    trimmed = pc.utf8_trim(values, " ")
    placeholder = pc.is_in(pc.utf8_lower(trimmed), value_set=pa.array(NULL_TOKENS, pa.string()))
    return pc.if_else(placeholder, pa.scalar(None, pa.string()), trimmed)


def _cleaned_table(columns: list[str], table: pa.Table) -> tuple[pa.Table, bool]:
    """``table`` with ``columns`` cleaned; True when some value holds a line break."""
    spans_lines = False
    arrays = []
    for column in table.column_names:
        values = table[column]
        if column in columns:
            values = _clean_arrow(values)
            spans_lines = spans_lines or bool(pc.any(pc.match_substring_regex(values, "[\r\n]")).as_py())
        arrays.append(values)
    return pa.Table.from_arrays(arrays, names=table.column_names), spans_lines


class _Stage:
    """Where cleaned batches go: a temporary table when narrow, a scratch Parquet file when wide
    (see ingest.scratch); ``close`` makes it readable as table ``name``."""

    def __init__(self, raw, name: str, header: list[str]) -> None:
        self.raw, self.name, self.header = raw, name, header
        self.schema = pa.schema([(h, pa.string()) for h in header] + [("_line", pa.int64())])
        drop_working(raw, name)
        self.file = scratch_file(raw, name) if is_wide(len(header) + 1) else None
        if self.file is None:
            columns_sql = ", ".join(f"{quote_ident(h)} VARCHAR" for h in header)
            raw.execute(f"CREATE OR REPLACE TEMP TABLE {quote_ident(name)} ({columns_sql}, _line BIGINT)")
            self.writer = None
        else:
            self.writer = pq.ParquetWriter(self.file, self.schema)

    def write(self, table: pa.Table) -> bool:
        """Append ``table`` (the header's columns and ``_line``) cleaned; True when a value spans lines."""
        cleaned, spans_lines = _cleaned_table(self.header, table)
        if self.writer is not None:
            self.writer.write_table(cleaned.cast(self.schema), row_group_size=ROW_GROUP_ROWS)
        else:
            self.raw.register("_incoming", cleaned)
            self.raw.execute(f"INSERT INTO {quote_ident(self.name)} SELECT * FROM _incoming")
            self.raw.unregister("_incoming")
        return spans_lines

    def close(self) -> None:
        if self.writer is not None and self.file is not None:
            self.writer.close()
            self.writer = None
            expose_file(self.raw, self.name, self.file)

    def discard(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.writer = None
        if self.file is not None:
            self.file.unlink(missing_ok=True)
        drop_working(self.raw, self.name)


def stage_file(
    con, reader: FileReader, name: str, progress: Callable[[str, int], None] | None = None
) -> tuple[int, list[Reject]]:
    """Create table ``name`` (cleaned text columns plus ``_line``); return records read and rejects.

    Also creates ``<name>_spans`` (``_line``, ``_line_end``) for the records that run over several
    lines, and fills ``reader.ledger`` for text files."""
    raw = con.con
    raw.execute(f"CREATE OR REPLACE TEMP TABLE {quote_ident(name + '_spans')} (_line BIGINT, _line_end BIGINT)")
    if reader.format == "csv" and reader.encoding in ("utf-8", "utf-8-sig"):
        count = _stage_with_duckdb(raw, reader, name)
        if count is not None:
            if progress:
                progress(str(reader.path), count)
            return count, []
    return _stage_with_python(raw, reader, name, progress)


def _stage_with_python(raw, reader: FileReader, name: str, progress) -> tuple[int, list[Reject]]:
    schema = pa.schema([(h, pa.string()) for h in reader.header] + [("_line", pa.int64())])
    stage = _Stage(raw, name, reader.header)
    rejects: list[Reject] = []
    count = 0
    for batch in reader.batches():
        arrow = pa.Table.from_arrays([batch.columns[h] for h in reader.header] + [batch.lines], schema=schema)
        stage.write(arrow)
        if batch.last_lines is not None:
            _record_spans(raw, name, batch)
        count += arrow.num_rows + len(batch.rejects)
        rejects.extend(batch.rejects)
        if progress:
            progress(str(reader.path), arrow.num_rows + len(batch.rejects))
    stage.close()
    return count, rejects


def _record_spans(raw, name: str, batch) -> None:
    spans = pa.table({"_line": batch.lines, "_line_end": batch.last_lines})
    if pc.any(pc.greater(spans["_line_end"], spans["_line"])).as_py():
        raw.register("_incoming_spans", spans)
        raw.execute(f"INSERT INTO {quote_ident(name + '_spans')} SELECT * FROM _incoming_spans WHERE _line_end > _line")
        raw.unregister("_incoming_spans")


def _read_csv_sql(reader: FileReader, name: str) -> tuple[str, list]:
    """DuckDB's parse of the file, numbered by the line scan (``_lines``), with a ``_parsed`` marker."""
    return (
        f"SELECT * FROM (SELECT *, 1 AS _parsed FROM read_csv(?, delim=?, quote='\"', escape='\"', header=true, "
        f"store_rejects=true, rejects_table='{name}_rejects', rejects_scan='{name}_scans', "
        f"auto_detect=false, columns=?, parallel=true)) POSITIONAL JOIN _lines",
        [str(reader.path), reader.delimiter, {h: "VARCHAR" for h in reader.header}],
    )


def _stage_with_duckdb(raw, reader: FileReader, name: str) -> int | None:
    """Parse, clean and number in one pass; check the numbering, and give up on any doubt."""
    numbered = _record_lines(reader)
    if numbered is None:
        return None
    lines, physical = numbered
    if len(reader.header) > SQL_CLEAN_COLUMNS:
        checked = _stream_wide(raw, reader, name, lines)
    else:
        checked = _parse_narrow(raw, reader, name, lines)
    if checked is None:
        return None
    rows, unmatched, rejected, multiline = checked
    if rejected or unmatched or multiline or rows != len(lines):
        _drop(raw, name)
        return None
    # One line per record was just checked, so the ledger follows from the line count.
    reader.ledger = LineLedger(lines=physical, header=1, blank=physical - 1 - rows, in_records=rows)
    return rows


def _parse_narrow(raw, reader: FileReader, name: str, lines: np.ndarray):
    """DuckDB parses and cleans in one statement; (rows, unmatched, rejected, multi-line) or None."""
    sql, params = _read_csv_sql(reader, name)
    raw.register("_lines", pa.table({"_line": pa.array(lines, type=pa.int64())}))
    try:
        raw.execute(
            f"CREATE OR REPLACE TEMP TABLE {quote_ident(name)} AS SELECT {_cleaned(reader.header)}, _line, "
            f"_parsed FROM ({sql})",
            params,
        )
    except Exception:  # noqa: BLE001 - any DuckDB parse problem: the exact Python reader decides
        _drop(raw, name, f"{name}_rejects", f"{name}_scans")
        return None
    finally:
        raw.unregister("_lines")
    rejected = raw.execute(f"SELECT count(*) FROM {quote_ident(name + '_rejects')}").fetchone()[0]
    _drop(raw, f"{name}_rejects", f"{name}_scans")
    spans_lines = " OR ".join(
        f"contains({quote_ident(h)}, chr(10)) OR contains({quote_ident(h)}, chr(13))" for h in reader.header
    )
    rows, unmatched, multiline = raw.execute(
        f"SELECT count(*), count(*) FILTER (WHERE _parsed IS NULL OR _line IS NULL), "
        f"count(*) FILTER (WHERE {spans_lines}) FROM {quote_ident(name)}"
    ).fetchone()
    raw.execute(f"ALTER TABLE {quote_ident(name)} DROP COLUMN _parsed")
    return rows, unmatched, rejected, multiline


def _stream_wide(raw, reader: FileReader, name: str, lines: np.ndarray):
    """DuckDB parses on a second connection while Arrow cleans each batch into ``name``: one copy of
    the data, and no SQL that grows with the number of columns."""
    sql, params = _read_csv_sql(reader, name)
    stage = _Stage(raw, name, reader.header)
    cursor = raw.cursor()
    rows = unmatched = 0
    multiline = False
    try:
        cursor.register("_lines", pa.table({"_line": pa.array(lines, type=pa.int64())}))
        result = cursor.execute(sql, params)
        stream = (
            result.to_arrow_reader(WIDE_BATCH_ROWS)
            if hasattr(result, "to_arrow_reader")
            else result.fetch_record_batch(WIDE_BATCH_ROWS)
        )
        for batch in stream:
            part = pa.Table.from_batches([batch])
            rows += part.num_rows
            unmatched += pc.sum(pc.or_(pc.is_null(part["_parsed"]), pc.is_null(part["_line"]))).as_py() or 0
            multiline = stage.write(part.select([*reader.header, "_line"])) or multiline
        rejected = cursor.execute(f"SELECT count(*) FROM {quote_ident(name + '_rejects')}").fetchone()[0]
        stage.close()
    except Exception:  # noqa: BLE001 - any DuckDB parse problem: the exact Python reader decides
        stage.discard()
        return None
    finally:
        cursor.close()
    return rows, unmatched, rejected, multiline


def _drop(raw, *tables: str) -> None:
    for table in tables:
        drop_working(raw, table)


def _record_lines(reader: FileReader) -> tuple[np.ndarray, int] | None:
    """1-based numbers of the non-blank lines after the header, from the positions of line breaks,
    and the number of physical lines; None when the line ends are mixed (the exact reader decides)."""
    with reader.path.open("rb") as handle:
        sample = handle.read(1 << 16)
    crlf = b"\r\n" in sample
    newline = 10 if (crlf or b"\n" in sample) else 13
    other = 13 if newline == 10 else 10
    blank_gap = 2 if crlf else 1
    breaks = []
    others = paired = 0
    size = 0
    previous_last = 0
    with reader.path.open("rb") as handle:
        while chunk := handle.read(CHUNK_BYTES):
            data = np.frombuffer(chunk, dtype=np.uint8)
            at = np.flatnonzero(data == newline)
            breaks.append(at + size)
            others += int(np.count_nonzero(data == other))
            if crlf and len(at):
                before = np.where(at > 0, data[np.maximum(at - 1, 0)], previous_last)
                paired += int(np.count_nonzero(before == 13))
            previous_last = int(data[-1])
            size += len(chunk)
    ends = np.concatenate(breaks) if breaks else np.empty(0, dtype=np.int64)
    if len(ends) == 0 or others != (paired if crlf else 0) or (crlf and paired != len(ends)):
        return None  # a lone CR (or LF) also ends a line: only the exact reader counts those right
    gaps = np.diff(ends)  # line i+2 (1-based) is blank when its break follows the previous one at once
    nonblank = np.concatenate([[ends[0] > 0], gaps > blank_gap])
    physical = len(ends)
    if ends[-1] < size - 1:  # last line without a final line break
        nonblank = np.concatenate([nonblank, [True]])
        physical += 1
    numbers = np.flatnonzero(nonblank) + 1
    if len(numbers) == 0 or numbers[0] != 1:
        return None  # a blank first line: the header is not where the reader expects it
    return numbers[1:], physical
