"""The first rows of each export mapped onto the canonical tables, before anything is loaded.

The preview runs the loader's own typing (:func:`bullseye.ingest.columns.type_plan`) on the first
rows of each file in a scratch in-memory DuckDB, so what it shows is what a load would do with
those rows: the column each source column fills, the type it gets, the value as it would be
stored, and the values and rows that would be set aside, with the reason. Nothing in the
workspace changes. Custom attributes get their type from the rows shown; a load decides it from
every row, so a column can still turn out text in the load where a later value does not fit.

Example::

    preview = preview_mapping(ws, [ws.data_dir / "deals.csv"], preset="hubspot")
    preview.to_dict()["files"][0]["tables"][0]["columns"]
"""

from __future__ import annotations

import math
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import ibis
import ibis.expr.datatypes as dt
import pyarrow as pa

from bullseye.errors import BullseyeError
from bullseye.ingest.coerce import MissingTokens
from bullseye.ingest.columns import derive_columns, type_plan
from bullseye.ingest.loader import QUARANTINE_COLUMNS
from bullseye.ingest.mapping import FilePlan, MappingFile, load_mapping, plan_file
from bullseye.ingest.readers import FileReader, Reject, open_reader
from bullseye.ingest.stage import _clean_arrow
from bullseye.paths import allowed_roots, contained
from bullseye.results import Result

__all__ = ["preview_mapping", "first_rows", "MappingPreview", "FilePreview", "TablePreview", "PREVIEW_ROWS"]

PREVIEW_ROWS = 20
PREVIEW_LOAD_ID = "preview"


@dataclass
class TablePreview:
    """One file's first rows as one canonical table would receive them."""

    table: str
    columns: list[dict[str, Any]]  # name, source, type, canonical, required
    missing: list[str]  # canonical columns no source fills (required ones first)
    rows: list[dict[str, Any]]  # line, status, cells {column: value}, flags {column: reason}, reason

    def to_dict(self) -> dict[str, Any]:
        counts = {
            "loads": sum(r["status"] == "loads" for r in self.rows),
            "quarantined": sum(r["status"] == "quarantined" for r in self.rows),
            "values_dropped": sum(len(r["flags"]) for r in self.rows if r["status"] == "loads"),
        }
        return {
            "table": self.table,
            "columns": self.columns,
            "missing": self.missing,
            "rows": self.rows,
            "counts": counts,
        }


@dataclass
class FilePreview:
    file: str
    format: str | None
    error: str | None = None  # why the file cannot be mapped as it is (a missing column, no table)
    tables: list[TablePreview] = field(default_factory=list)
    set_aside: list[dict[str, Any]] = field(default_factory=list)  # records the reader could not split

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "format": self.format,
            "error": self.error,
            "tables": [t.to_dict() for t in self.tables],
            "set_aside": self.set_aside,
        }


@dataclass(repr=False)  # Result's repr renders it
class MappingPreview(Result):
    """What the first ``rows`` rows of each file become under a preset and a mapping."""

    preset: str
    mapping: str | None
    rows: int
    files: list[FilePreview]

    @property
    def ok(self) -> bool:
        return all(f.error is None for f in self.files)

    def to_dict(self) -> dict[str, Any]:
        return {
            "preset": self.preset,
            "mapping": self.mapping,
            "rows": self.rows,
            "ok": self.ok,
            "files": [f.to_dict() for f in self.files],
        }


def first_rows(reader: FileReader, limit: int) -> tuple[pa.Table, list[Reject]]:
    """The first ``limit`` records as cleaned text columns plus ``_line``, and the records set
    aside before the last of them (as staging would clean them: trimmed, empty -> NULL)."""
    names = reader.header
    arrays: dict[str, list[pa.Array]] = {n: [] for n in names}
    lines: list[pa.Array] = []
    rejects: list[Reject] = []
    taken = 0
    batches = reader.batches()
    try:
        for batch in batches:
            take = min(limit - taken, len(batch.lines))
            for name in names:
                arrays[name].append(batch.columns[name].slice(0, take))
            lines.append(batch.lines.slice(0, take))
            last = batch.lines[take - 1].as_py() if take else None
            rejects += [r for r in batch.rejects if last is None or r.line < last]
            taken += take
            if taken >= limit:
                break
    finally:
        batches.close()
    columns = [_clean_arrow(pa.concat_arrays(arrays[n]) if arrays[n] else pa.array([], pa.string())) for n in names]
    line = pa.concat_arrays(lines) if lines else pa.array([], pa.int64())
    return pa.Table.from_arrays([*columns, line], names=[*names, "_line"]), rejects[:limit]


def _type_name(dtype: dt.DataType) -> str:
    if dtype.is_array():
        return "list"
    if dtype.is_integer():
        return "integer"
    if dtype.is_floating() or dtype.is_decimal():
        return "number"
    if dtype.is_date() or dtype.is_timestamp():
        return "date"
    if dtype.is_boolean():
        return "boolean"
    return "text"


def _source_of(plan: FilePlan, column: str) -> str:
    if column in plan.sources:
        return " + ".join(plan.sources[column])
    for kind, names in (("template", plan.templates), ("constant", plan.constants), ("derived", plan.derive)):
        if column in names:
            return kind
    if any(column in lookup.columns for lookup in plan.lookups):
        return "lookup"
    return "derived"


def _plain(value: Any) -> Any:
    """A typed value as JSON-friendly data: dates as ISO text, lists as lists, NaN as None."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if hasattr(value, "tolist"):
        return value.tolist()
    return value


def _preview_plan(
    con, plan: FilePlan, stage_name: str, lookups: dict[str, str], day_first: bool, missing: MissingTokens
) -> TablePreview:
    con.create_table("_issues", schema=ibis.schema(QUARANTINE_COLUMNS), temp=True, overwrite=True)
    stage = con.table(stage_name)
    lookup_tables = {file: con.table(name) for file, name in lookups.items()}
    type_plan(con, plan, stage, lookup_tables, 0, PREVIEW_LOAD_ID, day_first, missing)
    # Every row typed, kept and set-aside alike: the table type_plan builds before it filters.
    typed = con.table(f"_typed_{plan.table.name}_0_all")
    typed = typed.drop(*[c for c in typed.columns if c.startswith(("_raw_", "_dup_of", "_blank", "_placeholder_"))])
    typed = derive_columns(plan.table, typed)
    canonical = [c.name for c in plan.table.columns]
    names = [c for c in canonical if c in typed.columns] + sorted(
        c for c in typed.columns if c not in canonical and not c.startswith("_")
    )
    schema = typed.schema()
    declared = {c.name: c.type for c in plan.table.columns}
    columns = [
        {
            "name": n,
            "source": _source_of(plan, n) if n != "stage_raw" else "derived",
            "type": {"string": "text"}.get(declared.get(n, ""), declared.get(n)) or _type_name(schema[n]),
            "canonical": n in declared,
            "required": n in plan.table.required,
        }
        for n in names
    ]
    provided = set(names)
    missing_columns = [c for c in plan.table.required if c not in provided] + [
        c for c in canonical if c not in provided and c not in plan.table.required
    ]
    frame = typed.select("_line", *names).order_by("_line").to_pyarrow().to_pylist()
    issues = con.table("_issues").order_by(["line", "column"]).to_pyarrow().to_pylist()
    by_line: dict[int, list[dict[str, Any]]] = {}
    for issue in issues:
        by_line.setdefault(issue["line"], []).append(issue)
    rows = []
    for record in frame:
        found = by_line.get(record["_line"], [])
        row_issue = next((i for i in found if i["action"] == "quarantined"), None)
        flags = {i["column"]: i["reason"] for i in found if i["column"]}
        cells = {n: _plain(record[n]) for n in names}
        for issue in found:  # a value set aside shows as it was written, next to its reason
            if issue["column"] in cells and issue["value"] is not None:
                cells[issue["column"]] = issue["value"]
        rows.append(
            {
                "line": record["_line"],
                "status": "quarantined" if row_issue else "loads",
                "reason": row_issue["reason"] if row_issue else None,
                "cells": cells,
                "flags": flags,
                "kept": [i["reason"] for i in found if i["action"] == "kept"],
            }
        )
    return TablePreview(plan.table.name, columns, missing_columns, rows)


def preview_mapping(
    workspace,
    files: list[Path],
    preset: str = "generic",
    mapping: MappingFile | Path | None = None,
    rows: int = PREVIEW_ROWS,
) -> MappingPreview:
    """The first ``rows`` rows of each file mapped onto the canonical tables; changes nothing.

    ``mapping`` is a mapping file or a mapping not yet saved (the web form's draft). A file that
    cannot be mapped (no table recognised, a missing required column) gets its one-line error in
    the result instead of stopping the preview of the others."""
    mapping_file: Path | None = None
    model: MappingFile | None = None
    if isinstance(mapping, (str, Path)):
        mapping_file = Path(mapping)
        model = load_mapping(mapping_file)
    else:
        model = mapping
    preset = (model.preset if model and model.preset else preset) or "generic"
    mapping_dir = mapping_file.parent if mapping_file else workspace.root
    day_first = workspace.settings.date_order == "DMY"
    missing = MissingTokens.from_settings(workspace.settings.missing_values)
    allowed = allowed_roots(workspace.root, [*files, mapping_file])
    previews = []
    con = ibis.duckdb.connect()  # scratch, in memory: the warehouse is not touched
    # A wide file's working tables are files (ingest.scratch): in a folder of their own, removed after.
    spill = Path(tempfile.mkdtemp(prefix="bullseye-preview-"))
    con.raw_sql(f"SET temp_directory = '{str(spill).replace(chr(39), chr(39) * 2)}'")
    try:
        for index, path in enumerate(Path(f) for f in files):
            if model is not None and model.ignores(path):
                continue
            preview = FilePreview(path.name, None)
            previews.append(preview)
            try:
                reader = open_reader(path)
                preview.format = reader.format
                plans = plan_file(path, reader.header, preset, model, mapping_dir)
                sample, rejects = first_rows(reader, rows)
                preview.set_aside = [{"line": r.line, "reason": r.reason, "record": r.record} for r in rejects]
                stage_name = f"_preview_{index}"
                con.create_table(stage_name, sample, temp=True, overwrite=True)
                for plan in plans:
                    lookups = {}
                    for number, lookup in enumerate(plan.lookups):
                        lookup_path = contained(plan.lookup_path(lookup), allowed, "mapping: lookup file")
                        lookup_rows, _ = first_rows(open_reader(lookup_path), 10**9)
                        lookups[lookup.file] = f"_lookup_{index}_{number}"
                        con.create_table(lookups[lookup.file], lookup_rows, temp=True, overwrite=True)
                    preview.tables.append(_preview_plan(con, plan, stage_name, lookups, day_first, missing))
            except BullseyeError as exc:
                preview.error = str(exc)
    finally:
        con.disconnect()
        shutil.rmtree(spill, ignore_errors=True)
    return MappingPreview(preset, str(mapping_file) if mapping_file else ("draft" if model else None), rows, previews)
