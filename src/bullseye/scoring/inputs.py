"""Companies to score from a file: what `bullseye score FILE`, the scoring API and notebooks read.

Example:
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "companies.csv"
    >>> _ = path.write_text('Company,Employees\\nAcme,"1,200"\\n', encoding="utf-8")
    >>> frame = read_companies(path)
    >>> frame.loc[0, "name"], int(frame.loc[0, "employees"])
    ('Acme', 1200)
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from bullseye.errors import InputFileError

if TYPE_CHECKING:
    from bullseye.workspace import Workspace

__all__ = ["read_companies"]

_TRUE = {"yes", "true", "1", "sim"}
_FALSE = {"no", "false", "0", "não"}


def read_companies(path: Path | str, ws: Workspace | None = None) -> pd.DataFrame:
    """A file of companies as a frame with canonical account column names.

    Read with the ingest reader (format, encoding and delimiter detection, header normalisation as
    in ``bullseye load``). A header naming a canonical account column or one of its aliases becomes
    that column; numbers, yes/no and lists are typed like the workspace's accounts table (or, without
    a workspace, like the canonical schema).
    """
    from bullseye.core.schema import TABLES
    from bullseye.ingest.readers import open_reader

    reader = open_reader(Path(path))
    parts = [pd.DataFrame({k: v.to_pylist() for k, v in batch.columns.items()}) for batch in reader.batches()]
    frame = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=reader.header)
    if frame.empty:
        raise InputFileError(f"{path}: no companies to score")
    for column in TABLES["accounts"].columns:
        hit = next((n for n in (column.name, *column.aliases) if n in frame.columns), None)
        if hit and column.name not in frame.columns:
            frame = frame.rename(columns={hit: column.name})
    frame = frame.replace({"": None})
    kinds = {c.name: c.type for c in TABLES["accounts"].columns}
    if ws is not None and ws.has_table("accounts"):
        for name, dtype in ws.table("accounts").schema().items():
            kinds[name] = (
                "list"
                if dtype.is_array()
                else "boolean"
                if dtype.is_boolean()
                else "number"
                if dtype.is_numeric()
                else "string"
            )
    for name in frame.columns:
        kind, text = kinds.get(name), frame[name].astype("string").str.strip()
        if kind in ("integer", "number"):
            frame[name] = pd.to_numeric(text.str.replace(",", "", regex=False), errors="coerce")
        elif kind == "boolean":
            frame[name] = text.str.casefold().map({**dict.fromkeys(_TRUE, True), **dict.fromkeys(_FALSE, False)})
        elif kind == "list":
            frame[name] = [None if pd.isna(v) else [p for p in re.split(r"\s*[;|,\n]\s*", v) if p] for v in text]
    return frame
