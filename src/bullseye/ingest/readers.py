"""Read export files (CSV, Parquet, Excel) as batches of text columns with their line numbers.

Every record keeps the physical line (CSV) or row (Excel, Parquet) it came from, so any problem
found later names the exact place. Records with the wrong number of fields are returned as
rejects, never dropped. Files stream in batches: memory stays bounded whatever the file size.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import sys
import unicodedata
from collections.abc import Generator, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path

import pyarrow as pa

from bullseye.errors import InputFileError
from bullseye.ingest.ledger import LineLedger, count_physical_lines
from bullseye.ingest.records import SetAside, read_records

__all__ = ["FileReader", "Batch", "Reject", "open_reader", "normalise_header", "detect_format", "EXTENSIONS"]

BATCH_ROWS = 65_536
#: Wider files are refused at once: typing costs time per column, and past this a load would run
#: for many minutes (CRM "all properties" exports have hundreds of columns).
MAX_COLUMNS = 2_000
SAMPLE_BYTES = 1 << 20
DELIMITERS = (",", ";", "\t", "|")
csv.field_size_limit(min(sys.maxsize, 2**31 - 1))

_MAGIC = {
    b"PAR1": "parquet",
    b"PK\x03\x04": "excel",  # xlsx/xlsm/ods are zip files
    b"\xd0\xcf\x11\xe0": "excel",  # legacy .xls
}
EXTENSIONS = _EXTENSIONS = {
    ".csv": "csv",
    ".tsv": "csv",
    ".txt": "csv",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".xlsx": "excel",
    ".xlsm": "excel",
    ".xls": "excel",
    ".ods": "excel",
}


def normalise_header(name: str) -> str:
    """'Número de Funcionários ' -> 'numero_de_funcionarios': accents, case, punctuation folded."""
    text = unicodedata.normalize("NFKD", str(name)).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^0-9a-z]+", "_", text.lower()).strip("_")


@dataclass
class Reject:
    line: int
    reason: str
    record: str  # the raw text set aside, whole
    last_line: int = 0  # the last physical line of the record (0: the same as ``line``)

    def __post_init__(self) -> None:
        self.last_line = self.last_line or self.line


@dataclass
class Batch:
    columns: dict[str, pa.Array]
    lines: pa.Array
    rejects: list[Reject] = field(default_factory=list)
    last_lines: pa.Array | None = None  # where each record ends, when it runs over several lines


def detect_format(path: Path) -> str:
    """The format by content, checked against the file name; empty and binary files are refused."""
    if not path.exists():
        raise InputFileError(f"{path}: file not found")
    if path.is_dir():
        raise InputFileError(f"{path}: is a directory, expected a CSV, Parquet or Excel file")
    with path.open("rb") as handle:
        head = handle.read(8192)
    if not head.strip():
        raise InputFileError(f"{path}: the file is empty")
    by_content = next((fmt for magic, fmt in _MAGIC.items() if head.startswith(magic)), None)
    by_name = _EXTENSIONS.get(path.suffix.lower())
    if by_content is None:
        if (
            b"\x00" in head
            and not head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
            and _utf16_without_bom(head) is None
        ):
            raise InputFileError(f"{path}: looks like a binary file, not a CSV, Parquet or Excel export")
        by_content = "csv"
    if by_name is not None and by_name != by_content:
        raise InputFileError(
            f"{path}: the name says {by_name.upper()} but the content is {by_content.upper()}; "
            f"rename the file or export it again"
        )
    return by_content


def _utf16_without_bom(head: bytes) -> str | None:
    """'utf-16-le' or 'utf-16-be' when text without a BOM has its zero bytes (the high bytes of
    ASCII letters, digits and delimiters) on one side of each pair and decodes to printable text."""
    head = head[: len(head) // 2 * 2]
    if len(head) < 4:
        return None
    even, odd = head[0::2], head[1::2]
    for encoding, high, low in (("utf-16-le", odd, even), ("utf-16-be", even, odd)):
        if high.count(0) < 0.2 * len(high) or low.count(0) * 4 > high.count(0):
            continue
        try:
            text = head.decode(encoding)
        except UnicodeDecodeError:  # a pair cut at the end of the sample is not a reason to refuse
            text = head[:-2].decode(encoding, "replace") if len(head) > 4 else ""
        if text and not any(ord(c) < 32 and c not in "\t\r\n" for c in text):
            return encoding
    return None


def _detect_encoding(path: Path) -> str:
    """utf-8 (with or without BOM) or utf-16 when the bytes allow it; else cp1252 (or latin-1), unless
    the accents read far better as Mac Roman, the encoding of old Mac exports."""
    with path.open("rb") as handle:
        head = handle.read(4)
        if head.startswith(codecs.BOM_UTF8):
            return "utf-8-sig"
        if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return "utf-16"
        handle.seek(0)
        without_bom = _utf16_without_bom(handle.read(8192))  # before UTF-8: ASCII with zeros is valid UTF-8
        if without_bom:
            return without_bom
        handle.seek(0)
        single_byte = "latin-1"
        for candidate in ("utf-8", "cp1252"):
            decoder = codecs.getincrementaldecoder(candidate)()
            handle.seek(0)
            try:
                while chunk := handle.read(SAMPLE_BYTES * 8):
                    decoder.decode(chunk)
                decoder.decode(b"", final=True)
            except UnicodeDecodeError:
                continue
            if candidate == "utf-8":
                return candidate
            single_byte = candidate
        handle.seek(0)
        sample = handle.read(SAMPLE_BYTES * 8)
    return "mac_roman" if _plausibility(sample, "mac_roman") > _plausibility(sample, single_byte) else single_byte


_OPENING = "“‘„«¿¡"
_PUNCTUATION = "’”»–—…•·™®©°€£¥¢§"
_AFTER_LETTERS = "’™®©°"


def _plausibility(sample: bytes, encoding: str, limit: int = 5000) -> int:
    """How natural the non-ASCII characters look when read as ``encoding``: +1 for an accented
    letter inside a word or a typographic sign, -1 for a control, a stray symbol, a dash inside a
    word or a capital in a lower-case word ('MiaSolé' in Mac Roman reads 'MiaSolŽ' in cp1252)."""
    score = 0
    for count, match in enumerate(re.finditer(rb"[\x80-\xff]+", sample)):
        if count >= limit:
            break
        start, end = match.span()
        before = sample[max(start - 1, 0) : start].decode("ascii", "replace")
        after = sample[end : end + 1].decode("ascii", "replace")
        text = before + match.group().decode(encoding, "replace") + after
        for index in range(len(before), len(text) - len(after)):
            char = text[index]
            prev = text[index - 1] if index else " "
            nxt = text[index + 1] if index + 1 < len(text) else " "
            if char.islower():
                good = not nxt.isupper()
            elif char.isalpha():  # a capital starts a word or sits in an upper-case one
                good = not prev.islower() and not (prev.isalpha() and nxt.islower())
            elif char in _OPENING:
                good = not prev.isalnum()
            else:  # signs such as dashes do not sit between two letters; ’ and ™ may
                good = char in _PUNCTUATION and (char in _AFTER_LETTERS or not (prev.isalpha() and nxt.isalpha()))
            score += 1 if good else -1
    return score


def _detect_delimiter(sample: str, path: Path) -> str:
    lines = sample.splitlines()[:50] if "\n" in sample or "\r" in sample else [sample]
    best, best_score = ",", (-1, 0)
    for delimiter in DELIMITERS:
        try:
            widths = [len(row) for row in csv.reader(io.StringIO("\n".join(lines)), delimiter=delimiter) if row]
        except csv.Error:
            continue
        if not widths or widths[0] < 2:
            continue
        consistent = sum(1 for w in widths if w == widths[0])
        score = (consistent, widths[0])
        if score > best_score:
            best, best_score = delimiter, score
    if best_score[0] < 0:
        return ","
    return best


class FileReader:
    """Header and batches of one export file."""

    def __init__(self, path: Path, fmt: str) -> None:
        self.path = path
        self.format = fmt
        self.encoding = "utf-8"
        self.delimiter = ","
        self.raw_header: list[str] = []
        self.ledger: LineLedger | None = None  # text files: filled in as their records are read
        self._open()

    # -- header -------------------------------------------------------------------------------
    def _open(self) -> None:
        if self.format == "csv":
            self.encoding = _detect_encoding(self.path)
            with self.path.open("r", encoding=self.encoding, newline="") as handle:
                sample = handle.read(SAMPLE_BYTES)
                self.delimiter = _detect_delimiter(sample, self.path)
                handle.seek(0)
                first = next(read_records(handle, self.delimiter), None)  # the header whole, however long
            if isinstance(first, SetAside):
                raise InputFileError(f"{self.path}:{first.first}: the header row cannot be read ({first.reason})")
            self.raw_header = [h.strip() for h in first.fields] if first else []
        elif self.format == "parquet":
            import pyarrow.parquet as pq

            try:
                self.raw_header = list(pq.ParquetFile(self.path).schema_arrow.names)
            except Exception as exc:  # pyarrow raises several types for corrupt files
                raise InputFileError(f"{self.path}: not a readable Parquet file ({exc})") from exc
        else:
            rows = self._excel_rows()
            self.raw_header = [("" if v is None else str(v)).strip() for v in next(rows, [])]
        if not any(self.raw_header):
            raise InputFileError(f"{self.path}: no header row found (the first line is empty)")
        if len(self.raw_header) > MAX_COLUMNS:
            raise InputFileError(
                f"{self.path}: {len(self.raw_header):,} columns, more than the {MAX_COLUMNS:,} a load takes; "
                f"export only the properties you need, or split the file into groups of columns with the id in each"
            )

    @property
    def header(self) -> list[str]:
        """Normalised, de-duplicated column names."""
        seen: dict[str, int] = {}
        names = []
        for index, raw in enumerate(self.raw_header):
            name = normalise_header(raw) or f"column_{index + 1}"
            seen[name] = seen.get(name, 0) + 1
            names.append(name if seen[name] == 1 else f"{name}_{seen[name]}")
        return names

    # -- batches ------------------------------------------------------------------------------
    def batches(self) -> Generator[Batch, None, None]:
        if self.format == "csv":
            yield from self._csv_batches()
        elif self.format == "parquet":
            yield from self._parquet_batches()
        else:
            yield from self._row_batches(self._excel_rows(), first_line=1, skip_header=True)

    def _csv_batches(self) -> Iterator[Batch]:
        """Records with their line spans; every physical line lands in the ledger."""
        ledger = self.ledger = LineLedger(lines=count_physical_lines(self.path, self.encoding))
        width = len(self.raw_header)
        names = self.header
        rows: list[list[str]] = []
        lines: list[int] = []
        last_lines: list[int] = []
        rejects: list[Reject] = []
        trailing: list = []  # one-field lines not yet known to be a footer or short records
        with self.path.open("r", encoding=self.encoding, newline="") as handle:
            items = read_records(handle, self.delimiter, width)
            header = next(items, None)
            ledger.header = header.last - header.first + 1 if header else 0
            for item in items:
                span = item.last - item.first + 1
                if isinstance(item, SetAside):
                    ledger.set_aside += span
                    rejects.append(Reject(item.first, item.reason, _chomp(item.text), item.last))
                    continue
                record = item.fields
                if not record or (len(record) == 1 and not record[0].strip()):
                    ledger.blank += span  # a blank line is not a record
                    continue
                if len(record) == 1 and width > 1:
                    trailing.append(item)  # a report footer, if only such lines follow
                    continue
                rejects += _short_records(trailing, width, ledger)
                trailing = []
                if len(record) != width:
                    if len(record) > width and not any(v.strip() for v in record[width:]):
                        record = record[:width]  # trailing empty fields, as spreadsheets write them
                    else:
                        rejects += _short_records([item], width, ledger)
                        continue
                ledger.in_records += span
                rows.append(record)
                lines.append(item.first)
                last_lines.append(item.last)
                if len(rows) >= BATCH_ROWS:
                    yield self._to_batch(names, rows, lines, rejects, last_lines)
                    rows, lines, rejects, last_lines = [], [], [], []
        rejects += _short_records(trailing, width, ledger, footer=True)
        if rows or rejects:
            yield self._to_batch(names, rows, lines, rejects, last_lines)

    @staticmethod
    def _to_batch(
        names: list[str],
        rows: list[list[str]],
        lines: list[int],
        rejects: list[Reject],
        last_lines: list[int] | None = None,
    ) -> Batch:
        columns = list(zip(*rows)) if rows else [()] * len(names)
        return Batch(
            {name: pa.array(values, type=pa.string()) for name, values in zip(names, columns)},
            pa.array(lines, type=pa.int64()),
            rejects,
            pa.array(last_lines, type=pa.int64()) if last_lines is not None else None,
        )

    def _parquet_batches(self) -> Iterator[Batch]:
        import pyarrow.parquet as pq

        names = self.header
        offset = 1
        try:
            for record_batch in pq.ParquetFile(self.path).iter_batches(batch_size=BATCH_ROWS):
                columns = {name: _parquet_text(column) for name, column in zip(names, record_batch.columns)}
                n = record_batch.num_rows
                yield Batch(columns, pa.array(range(offset, offset + n), type=pa.int64()))
                offset += n
        except (pa.ArrowException, OSError) as exc:
            reason = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
            raise InputFileError(
                f"{self.path}: the Parquet file is damaged after row {offset - 1} ({reason}); export it again"
            ) from exc

    def _excel_rows(self) -> Iterator[list]:
        from python_calamine import CalamineWorkbook

        try:
            workbook = CalamineWorkbook.from_path(str(self.path))
            sheet = workbook.get_sheet_by_index(0)
        except Exception as exc:  # calamine raises its own error types for damaged files
            raise InputFileError(f"{self.path}: not a readable Excel workbook ({exc})") from exc
        yield from sheet.iter_rows()

    def _row_batches(self, rows_iter: Iterator[list], first_line: int, skip_header: bool) -> Iterator[Batch]:
        names = self.header
        width = len(names)
        rows: list[list[str]] = []
        lines: list[int] = []
        for number, row in enumerate(rows_iter, start=first_line):
            if skip_header and number == first_line:
                continue
            values = [_cell_text(v) for v in row][:width]
            if not any(values):
                continue
            values += [""] * (width - len(values))
            rows.append(values)
            lines.append(number)
            if len(rows) >= BATCH_ROWS:
                yield self._to_batch(names, rows, lines, [])
                rows, lines = [], []
        if rows:
            yield self._to_batch(names, rows, lines, [])


def _short_records(items: list, width: int, ledger: LineLedger, footer: bool = False) -> list[Reject]:
    """Records with the wrong number of fields, set aside. One-field lines after the last record
    are a report's footer (Salesforce ends a report with its copyright, "Generated By" and the
    company's name): they are not records of the file, and the reason says so."""
    rejects = []
    for item in items:
        ledger.set_aside += item.last - item.first + 1
        found = len(item.fields)
        reason = (
            "one field after the last record: a report footer ('Grand Totals', 'Copyright ...', 'Generated By') "
            "or a cut-off last line, not a record"
            if footer
            else f"expected {width} fields, found {found}" + (" (the file may be truncated)" if found < width else "")
        )
        rejects.append(Reject(item.first, reason, _chomp(item.text), item.last))
    return rejects


def _chomp(text: str) -> str:
    """The raw text of a record without the line break that ends it (it separates, it is not data)."""
    return text[:-2] if text.endswith("\r\n") else text[:-1] if text.endswith(("\n", "\r")) else text


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat(sep=" ") if value.time() != time(0) else value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def open_reader(path: Path) -> FileReader:
    return FileReader(path, detect_format(path))


def _parquet_text(column: pa.Array) -> pa.Array:
    """A Parquet column as text: lists joined with '; ', nested values as JSON, bytes as UTF-8
    (bytes that are not UTF-8 keep their escapes, visibly, instead of failing the load)."""
    import json

    import pyarrow.compute as pc

    kind = column.type
    if (pa.types.is_list(kind) or pa.types.is_large_list(kind)) and not pa.types.is_nested(kind.value_type):
        return pc.binary_join(column.cast(pa.list_(pa.string())), "; ")
    if pa.types.is_nested(kind) or pa.types.is_dictionary(kind) and pa.types.is_nested(kind.value_type):
        return pa.array(
            [None if v is None else json.dumps(v, default=str, ensure_ascii=False) for v in column.to_pylist()],
            type=pa.string(),
        )
    if pa.types.is_binary(kind) or pa.types.is_large_binary(kind) or pa.types.is_fixed_size_binary(kind):
        return pa.array(
            [None if v is None else v.decode("utf-8", errors="backslashreplace") for v in column.to_pylist()],
            type=pa.string(),
        )
    return column.cast(pa.string())
