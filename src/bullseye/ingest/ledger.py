"""The physical-line ledger of a text file: every line is a header line, a blank line, a line of
a record that loaded, or a line set aside in quarantine.

The total comes from counting line breaks in the decoded text, independently of the parser, so
a parser that swallowed lines into a value (or skipped them) shows up as a ledger that does not
reconcile instead of passing unnoticed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from bullseye.core.warehouse import quote_ident

__all__ = ["LineLedger", "count_physical_lines", "line_counts", "fill_line_ends", "spill_long_values", "SPILL_CHARS"]

#: Longer quarantined values go to a side file; the quarantine CSV says where (spreadsheets cut
#: a cell at 32,767 characters, and nobody reads more than this in one).
SPILL_CHARS = 1_000


@dataclass
class LineLedger:
    lines: int = 0  # physical lines in the file, counted from its line breaks
    header: int = 0
    blank: int = 0
    in_records: int = 0  # lines of records handed on to typing (they load or are quarantined there)
    set_aside: int = 0  # lines the reader quarantined itself (broken quoting, wrong field count)

    @property
    def accounted(self) -> int:
        return self.header + self.blank + self.in_records + self.set_aside


def count_physical_lines(path: Path, encoding: str, chunk_chars: int = 1 << 22) -> int:
    """Lines as the csv module counts them: ``\\r\\n``, ``\\r`` and ``\\n`` each end one, and a
    last line without a line break counts too."""
    count = 0
    last = ""
    carried_cr = False
    with path.open("r", encoding=encoding, newline="") as handle:
        while chunk := handle.read(chunk_chars):
            if carried_cr and chunk.startswith("\n"):
                chunk = chunk[1:]  # the \n of a \r\n split across two chunks
            count += chunk.count("\r\n")
            count += chunk.count("\r") + chunk.count("\n") - 2 * chunk.count("\r\n")
            carried_cr = chunk.endswith("\r")
            last = chunk[-1:] or last
    if last and last not in "\r\n":
        count += 1
    return count


def spill_long_values(issues, reports_dir: Path, load_id: str):
    """``issues`` (the quarantine, an Ibis table) with every value longer than ``SPILL_CHARS``
    replaced by a pointer to a side file, next to the CSV, that holds the whole value."""
    import ibis

    long = issues.filter(issues["value"].length() > SPILL_CHARS).select("file", "line", "line_end", "column", "value")
    pointers: dict[str, str] = {}
    folder = reports_dir / f"quarantine-{load_id}"
    for row in long.execute().itertuples(index=False):
        if row.value in pointers:
            continue
        stem = re.sub(r"[^0-9A-Za-z._-]+", "_", Path(str(row.file)).stem)
        span = f"{row.line}" if row.line_end in (None, row.line) else f"{row.line}-{row.line_end}"
        name = f"{stem}-line-{span}-{re.sub(r'[^0-9A-Za-z_]+', '_', row.column or 'record')}.txt"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(row.value, encoding="utf-8", newline="")
        pointers[row.value] = f"({len(row.value):,} characters, in full in {folder.name}/{name})"
    if not pointers:
        return issues
    mapping = ibis.memtable({"_long": list(pointers), "_pointer": list(pointers.values())})
    joined = issues.left_join(mapping, issues["value"] == mapping["_long"])
    return joined.select(
        **{
            c: (ibis.coalesce(joined["_pointer"], joined["value"]) if c == "value" else joined[c])
            for c in issues.columns
        }
    )


def line_counts(raw, ledger: LineLedger, stage: str, file: str, table: str) -> dict[str, int]:
    """The ledger of one file for one table: the lines of records quarantined while typing are
    found from their first line (as the quarantine names them) and their span in ``<stage>_spans``."""
    spans = stage + "_spans"
    quarantined, extra = raw.execute(
        f"SELECT count(*), coalesce(sum(s._line_end - s._line), 0) FROM "
        f"(SELECT DISTINCT line FROM _issues WHERE file = ? AND table_name = ? AND action = 'quarantined') q "
        f"JOIN {quote_ident(stage)} st ON st._line = q.line LEFT JOIN {quote_ident(spans)} s ON s._line = q.line",
        [file, table],
    ).fetchone()
    in_quarantined = int(quarantined) + int(extra)
    return {
        "physical": ledger.lines,
        "header": ledger.header,
        "blank": ledger.blank,
        "loaded": ledger.in_records - in_quarantined,
        "quarantined": ledger.set_aside + in_quarantined,
    }


def fill_line_ends(raw, stages: dict[str, str]) -> None:
    """Give every quarantine row its last line: a record's span, else its first line."""
    for file, stage in stages.items():
        raw.execute(
            f"UPDATE _issues SET line_end = s._line_end FROM {quote_ident(stage + '_spans')} s "
            f"WHERE _issues.file = ? AND _issues.line = s._line AND _issues.line_end IS NULL",
            [file],
        )
    raw.execute("UPDATE _issues SET line_end = line WHERE line_end IS NULL")
