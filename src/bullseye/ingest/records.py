"""Split CSV text into records that know their physical lines, without ever swallowing rows.

A quote that is never closed (or closed in the wrong place) makes a field run on over the lines
that follow, and a lenient parser turns those lines into one long value. Here, when the quoting
is certainly broken, the line that opened the record is set aside with its exact raw text, and
reading starts again on the line after it, so the rows it would have swallowed load as what they
are. That happens when

- the parser, reading strictly, finds the quoting broken (a closing quote followed by text, or
  the end of the file inside quotes);
- a quoted field runs over more than ``MAX_RECORD_LINES`` lines (this also bounds memory).

A field whose quoting is valid but whose two or more further lines each read as a record of the
file's width is most likely a runaway quote closed by a stray quote further on, but it may be a
real note: the whole record is set aside with its span and raw text, so nothing is swallowed and
no line of it is loaded as a row it may not be.

Lines are physical: ``\\n``, ``\\r\\n`` and ``\\r`` each end one, as the csv module counts them.
"""

from __future__ import annotations

import csv
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TextIO

__all__ = ["Record", "SetAside", "read_records", "MAX_RECORD_LINES"]

MAX_RECORD_LINES = 10_000


@dataclass
class Record:
    fields: list[str]
    first: int  # physical line where the record starts (1-based)
    last: int  # physical line where it ends
    text: str  # the raw text of its lines


@dataclass
class SetAside:
    """Raw text the parser could not read as a record; it still accounts for its lines."""

    first: int
    last: int
    text: str
    reason: str


class _RecordTooLong(Exception):
    pass


class _Lines:
    """The physical lines of a text stream, numbered, with the lines of the record being read
    kept so that reading can start again from any of them."""

    def __init__(self, handle: TextIO) -> None:
        self._handle = handle
        self._pending: deque[tuple[int, str]] = deque()
        self._next_number = 1
        self.taken: list[tuple[int, str]] = []

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        if self._pending:
            number, line = self._pending.popleft()
        else:
            line = self._handle.readline()
            if not line:
                raise StopIteration
            number = self._next_number
            self._next_number += 1
        self.taken.append((number, line))
        if len(self.taken) > MAX_RECORD_LINES:
            raise _RecordTooLong
        return line

    def start_record(self) -> None:
        self.taken = []

    def read_again_after_first(self) -> None:
        """Put back every taken line but the first: the next record starts on the line after it."""
        self._pending.extendleft(reversed(self.taken[1:]))


def _fields_per_line(line: str, delimiter: str) -> int:
    fields = next(csv.reader([line.rstrip("\r\n")], delimiter=delimiter), [])
    return len(fields) if any(f.strip() for f in fields) else 0


def _swallowed_records(taken: list[tuple[int, str]], delimiter: str, width: int) -> bool:
    """Two or more lines after the first, each on its own a record of the file's width."""
    if width < 2 or len(taken) < 3:
        return False
    widths = [_fields_per_line(line, delimiter) for _, line in taken[1:]]
    return all(w in (0, width) for w in widths) and sum(1 for w in widths if w) >= 2


def read_records(handle: TextIO, delimiter: str, width: int = 0) -> Iterator[Record | SetAside]:
    """Every physical line of ``handle`` ends up in exactly one yielded item (a blank line is a
    record with no fields). ``width`` (the header's) enables the swallowed-records check."""
    lines = _Lines(handle)
    reader = csv.reader(lines, delimiter=delimiter, strict=True)
    while True:
        lines.start_record()
        try:
            fields = next(reader)
        except StopIteration:
            return
        except (csv.Error, _RecordTooLong) as exc:
            if not lines.taken:
                return
            if isinstance(exc, _RecordTooLong):
                reason = f"a quoted field opened here runs over more than {MAX_RECORD_LINES:,} lines"
            elif "end of data" in str(exc):
                reason = "a quote opened here is never closed"
            else:
                reason = f"broken quoting ({exc})"
            yield _set_aside(lines, reason)
            continue
        taken = lines.taken
        text = "".join(line for _, line in taken)
        if len(taken) > 1 and _swallowed_records(taken, delimiter, width):
            yield SetAside(
                taken[0][0],
                taken[-1][0],
                text,
                f"a quoted field runs over {len(taken) - 1} more lines that each read as a record; "
                "a quote is probably not closed where it should be",
            )
            continue
        yield Record(fields, taken[0][0], taken[-1][0], text)


def _set_aside(lines: _Lines, reason: str) -> SetAside:
    number, text = lines.taken[0]
    lines.read_again_after_first()
    suffix = "; reading resumed on the next line" if len(lines.taken) > 1 else ""
    return SetAside(number, number, text, reason + suffix)
