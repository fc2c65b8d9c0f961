"""Copy one export into a text staging table in DuckDB, with the physical line of every record.

Values are trimmed on the way in and the usual placeholders for "no value" (``n/a``, ``-``,
``#N/A``, empty) become NULL, once, so that nothing downstream repeats the work.

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

from bullseye.ingest.coerce import NULL_TOKENS
from bullseye.ingest.readers import FileReader, Reject
from bullseye.warehouse import quote_ident

__all__ = ["stage_file"]

CHUNK_BYTES = 1 << 26


def _cleaned(columns: list[str]) -> str:
    tokens = ", ".join("'" + t.replace("'", "''") + "'" for t in NULL_TOKENS)
    return ", ".join(
        f"CASE WHEN lower(trim({quote_ident(c)})) IN ({tokens}) THEN NULL ELSE trim({quote_ident(c)}) END "
        f"AS {quote_ident(c)}" for c in columns)


def stage_file(con, reader: FileReader, name: str,
               progress: Callable[[str, int], None] | None = None) -> tuple[int, list[Reject]]:
    """Create table ``name`` (cleaned text columns plus ``_line``); return records read and rejects."""
    raw = con.con
    if reader.format == "csv" and reader.encoding in ("utf-8", "utf-8-sig"):
        count = _stage_with_duckdb(raw, reader, name)
        if count is not None:
            if progress:
                progress(str(reader.path), count)
            return count, []
    return _stage_with_python(raw, reader, name, progress)


def _stage_with_python(raw, reader: FileReader, name: str, progress) -> tuple[int, list[Reject]]:
    schema = pa.schema([(h, pa.string()) for h in reader.header] + [("_line", pa.int64())])
    columns_sql = ", ".join(f"{quote_ident(h)} VARCHAR" for h in reader.header)
    raw.execute(f"CREATE OR REPLACE TEMP TABLE {quote_ident(name)} ({columns_sql}, _line BIGINT)")
    rejects: list[Reject] = []
    count = 0
    for batch in reader.batches():
        arrow = pa.Table.from_arrays([batch.columns[h] for h in reader.header] + [batch.lines], schema=schema)
        raw.register("_incoming", arrow)
        raw.execute(f"INSERT INTO {quote_ident(name)} SELECT {_cleaned(reader.header)}, _line FROM _incoming")
        raw.unregister("_incoming")
        count += arrow.num_rows + len(batch.rejects)
        rejects.extend(batch.rejects)
        if progress:
            progress(str(reader.path), arrow.num_rows + len(batch.rejects))
    return count, rejects


def _stage_with_duckdb(raw, reader: FileReader, name: str) -> int | None:
    plain = f"{name}_plain"
    rejects_table, scan_table = f"{name}_rejects", f"{name}_scans"
    try:
        raw.execute(
            f"CREATE OR REPLACE TEMP TABLE {quote_ident(plain)} AS SELECT * FROM read_csv(?, delim=?, quote='\"', "
            f"escape='\"', header=true, store_rejects=true, "
            f"rejects_table='{rejects_table}', rejects_scan='{scan_table}', auto_detect=false, "
            f"columns=?, parallel=true)",
            [str(reader.path), reader.delimiter, {h: "VARCHAR" for h in reader.header}],
        )
    except Exception:  # noqa: BLE001 - any DuckDB parse problem: the exact Python reader decides
        _drop(raw, plain, rejects_table, scan_table)
        return None
    rejected = raw.execute(f"SELECT count(*) FROM {quote_ident(rejects_table)}").fetchone()[0]
    rows = raw.execute(f"SELECT count(*) FROM {quote_ident(plain)}").fetchone()[0]
    lines = _record_lines(reader)
    multiline = " OR ".join(f"regexp_matches({quote_ident(h)}, '[\\r\\n]')" for h in reader.header)
    spans_lines = raw.execute(f"SELECT count(*) FROM {quote_ident(plain)} WHERE {multiline}").fetchone()[0]
    if rejected or spans_lines or lines is None or len(lines) != rows:
        _drop(raw, plain, rejects_table, scan_table)
        return None
    raw.register("_lines", pa.table({"_line": pa.array(lines, type=pa.int64())}))
    raw.execute(f"CREATE OR REPLACE TEMP TABLE {quote_ident(name)} AS SELECT {_cleaned(reader.header)}, _line "
                f"FROM {quote_ident(plain)} POSITIONAL JOIN _lines")
    raw.unregister("_lines")
    _drop(raw, plain, rejects_table, scan_table)
    return rows


def _drop(raw, *tables: str) -> None:
    for table in tables:
        raw.execute(f"DROP TABLE IF EXISTS {quote_ident(table)}")


def _record_lines(reader: FileReader) -> np.ndarray | None:
    """1-based numbers of the non-blank lines after the header, from the positions of line breaks."""
    with reader.path.open("rb") as handle:
        sample = handle.read(1 << 16)
    crlf = b"\r\n" in sample
    newline = 10 if (crlf or b"\n" in sample) else 13
    blank_gap = 2 if crlf else 1
    breaks = []
    size = 0
    with reader.path.open("rb") as handle:
        while chunk := handle.read(CHUNK_BYTES):
            breaks.append(np.flatnonzero(np.frombuffer(chunk, dtype=np.uint8) == newline) + size)
            size += len(chunk)
    ends = np.concatenate(breaks) if breaks else np.empty(0, dtype=np.int64)
    if len(ends) == 0:
        return None
    gaps = np.diff(ends)  # line i+2 (1-based) is blank when its break follows the previous one at once
    nonblank = np.concatenate([[ends[0] > 0], gaps > blank_gap])
    if ends[-1] < size - 1:  # last line without a final line break
        nonblank = np.concatenate([nonblank, [True]])
    numbers = np.flatnonzero(nonblank) + 1
    if len(numbers) == 0 or numbers[0] != 1:
        return None  # a blank first line: the header is not where the reader expects it
    return numbers[1:]
