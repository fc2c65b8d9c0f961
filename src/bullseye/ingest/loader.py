"""Load export files into the canonical tables, losing nothing.

Every input record ends up either in its canonical table or in ``quarantine`` with its file,
line, column, value and reason; the counts per file reconcile (read = loaded + quarantined).
Values that cannot be typed in an optional column are set aside in ``quarantine`` too (action
``value_dropped``) while the row itself loads. The whole load runs on a copy of the warehouse
that replaces the live one only when everything succeeded.

Duplicate keys: within one file the first row wins and later ones are quarantined; across files
a later file updates the rows an earlier one created, field by field (non-empty values win), so
an enrichment export can be layered on a CRM export.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import ibis
import ibis.expr.datatypes as dt
import ibis.expr.types as ir

from bullseye.core import warehouse
from bullseye.core.schema import TABLES
from bullseye.errors import InputFileError
from bullseye.ingest.checks import check_stages, resolve_account_lists
from bullseye.ingest.coerce import MissingTokens
from bullseye.ingest.columns import IBIS_TYPES, derive_columns, type_plan
from bullseye.ingest.counts import FileCount
from bullseye.ingest.issues import record_loaded_rows
from bullseye.ingest.ledger import fill_line_ends, line_counts, spill_long_values
from bullseye.ingest.mapping import FilePlan, MappingFile, load_mapping, plan_file
from bullseye.ingest.quarantine import general_reason
from bullseye.ingest.readers import normalise_header, open_reader
from bullseye.ingest.scratch import drop_working, released
from bullseye.ingest.stage import stage_file
from bullseye.io import write_csv
from bullseye.paths import allowed_roots, contained
from bullseye.results import Result

__all__ = ["load_files", "LoadReport", "FileCount", "QUARANTINE_COLUMNS"]

Progress = Callable[[str, int], None]

QUARANTINE_COLUMNS = {
    "load_id": dt.string,
    "table_name": dt.string,
    "file": dt.string,
    "line": dt.int64,
    "column": dt.string,
    "value": dt.string,
    "reason": dt.string,
    "action": dt.string,
    "line_end": dt.int64,
}
LOAD_LOG_COLUMNS = {
    "load_id": dt.string,
    "loaded_at": dt.timestamp,
    "file": dt.string,
    "table_name": dt.string,
    "rows_read": dt.int64,
    "rows_loaded": dt.int64,
    "rows_quarantined": dt.int64,
    "rows_merged": dt.int64,
}


@dataclass(repr=False)
class LoadReport(Result):
    """What one load did: per file and table, rows read = loaded + quarantined (``reconciles``),
    the tables' row counts after it, and what was set aside, grouped by reason. A caller may add
    ``settings_saved`` (the preset/mapping remembered) and ``new_triggers`` (the ICP in use's
    triggers the load raised); rendering is in :mod:`bullseye.render.load`."""

    load_id: str
    files: list[FileCount]
    table_rows: dict[str, int]
    issues: int
    issue_summary: list[tuple[str, str, str, int]] = field(default_factory=list)  # table, action, reason, count
    quarantine_csv: Path | None = None
    settings_saved: str | None = None
    new_triggers: list[dict] | None = None

    @property
    def reconciles(self) -> bool:
        return all(f.reconciles for f in self.files)

    def to_dict(self) -> dict:
        return {
            "load_id": self.load_id,
            "files": [f.__dict__ | {"reconciles": f.reconciles} for f in self.files],
            "table_rows": self.table_rows,
            "issues": self.issues,
            "issue_summary": [dict(zip(("table", "action", "reason", "count"), row)) for row in self.issue_summary],
            "quarantine_csv": str(self.quarantine_csv) if self.quarantine_csv else None,
            "reconciles": self.reconciles,
            **({"new_triggers": self.new_triggers} if self.new_triggers is not None else {}),
            **({"settings_saved": self.settings_saved} if self.settings_saved else {}),
        }


def _issues_frame(con, name: str) -> ir.Table:
    return con.create_table(name, schema=ibis.schema(QUARANTINE_COLUMNS), temp=True, overwrite=True)


def load_files(
    workspace,
    files: list[Path],
    preset: str = "generic",
    mapping_file: Path | None = None,
    progress: Progress | None = None,
) -> LoadReport:
    mapping: MappingFile | None = load_mapping(mapping_file) if mapping_file else None
    preset = mapping.preset if mapping and mapping.preset else preset
    mapping_dir = mapping_file.parent if mapping_file else None
    absent = [str(f) for f in files if not Path(f).exists()]
    if absent:
        raise InputFileError(f"{absent[0]}: file not found")
    # Read every header and plan every file before touching the warehouse: fail fast, change nothing.
    files = [Path(f) for f in files if not (mapping and mapping.ignores(Path(f)))]
    if not files:
        raise InputFileError("every file given is ignored by the mapping; nothing to load")
    readers = {path: open_reader(path) for path in dict.fromkeys(files)}
    allowed = allowed_roots(workspace.root, [*files, mapping_file])  # lookups: inside these folders only
    plans: list[FilePlan] = []
    for path, reader in readers.items():
        plans.extend(plan_file(path, reader.header, preset, mapping, mapping_dir))
    for plan in plans:
        for lookup in plan.lookups:
            lookup_path = contained(plan.lookup_path(lookup), allowed, f"{mapping_file}: lookup file")
            if lookup_path not in readers:
                readers[lookup_path] = open_reader(lookup_path)
            header = readers[lookup_path].header
            for needed in [lookup.key, *lookup.columns.values()]:
                if normalise_header(needed) not in header:
                    raise InputFileError(
                        f"{lookup_path}: lookup column '{needed}' not found; it has: {', '.join(header)}"
                    )

    load_id = datetime.now(UTC).strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:6]
    day_first = workspace.settings.date_order == "DMY"
    missing = MissingTokens.from_settings(workspace.settings.missing_values)
    counts: list[FileCount] = []
    with workspace.warehouse.transaction() as con, released(con.con):
        _issues_frame(con, "_issues")
        stages: dict[Path, str] = {}
        read_counts: dict[Path, int] = {}
        for index, (path, reader) in enumerate(readers.items()):
            stage_name = f"_stage_{index}"
            n, rejects = stage_file(con, reader, stage_name, progress)
            stages[path], read_counts[path] = stage_name, n
            if rejects:
                owner = next(p.table.name for p in plans if p.path == path)
                rows = [
                    {
                        "load_id": load_id,
                        "table_name": owner,
                        "file": str(path),
                        "line": r.line,
                        "column": None,
                        "value": r.record,
                        "reason": r.reason,
                        "action": "quarantined",
                        "line_end": r.last_line,
                    }
                    for r in rejects
                ]
                con.insert("_issues", ibis.memtable(rows, schema=ibis.schema(QUARANTINE_COLUMNS)))
        reject_counts = _reject_counts(con, load_id)

        touched = []
        for table in TABLES.values():
            table_plans = sorted((p for p in plans if p.table.name == table.name), key=lambda p: p.order)
            if not table_plans:
                continue
            touched.append(table.name)
            typed_parts = []
            for order, plan in enumerate(table_plans):
                stage = con.table(stages[plan.path])
                lookups = {lk.file: con.table(stages[plan.lookup_path(lk)]) for lk in plan.lookups}
                typed, count = type_plan(con, plan, stage, lookups, order, load_id, day_first, missing)
                count.read = read_counts[plan.path]
                counts.append(count)
                typed_parts.append(typed)
            _merge_table(con, table, typed_parts, table_plans, counts[-len(table_plans) :], load_id)
        for count in counts:
            rejected = reject_counts.get(count.file, 0)
            count.quarantined += rejected
        resolve_account_lists(con, touched, load_id)
        if "deals" in touched:
            check_stages(con, load_id)
        _check_references(con, touched, load_id)
        fill_line_ends(con.con, {str(path): name for path, name in stages.items()})
        for count in counts:
            reader = readers[Path(count.file)]
            if reader.ledger is not None:
                count.lines = line_counts(con.con, reader.ledger, stages[Path(count.file)], count.file, count.table)
        _finish(con, touched, load_id, counts)
        present = set(con.list_tables())
        table_rows = {name: warehouse.count_rows(con.table(name)) for name in TABLES if name in present}
        issue_rows = con.table("_issues")
        # Duplicates name the line of their first row; the summary counts them as one reason.
        general = issue_rows.mutate(reason=general_reason(issue_rows["reason"]))
        summary = (
            general.group_by(["table_name", "action", "reason"])
            .agg(n=general.count())
            .order_by([ibis.desc("n"), "table_name", "reason"])
            .execute()
        )
        issue_total = warehouse.count_rows(issue_rows)
        report = LoadReport(
            load_id,
            counts,
            table_rows,
            issue_total,
            [(r.table_name or "", r.action, r.reason, int(r.n)) for r in summary.itertuples()],
        )
        quarantine_csv = workspace.reports_dir / f"quarantine-{load_id}.csv"
        if issue_total:
            workspace.reports_dir.mkdir(parents=True, exist_ok=True)
            write_csv(
                spill_long_values(issue_rows, workspace.reports_dir, load_id).order_by(["file", "line"]), quarantine_csv
            )
            report.quarantine_csv = quarantine_csv
        for name in [
            t for t in con.list_tables() if t.startswith("_stage_") or t.startswith("_typed_") or t == "_issues"
        ]:
            drop_working(con.con, name)
    return report


def _reject_counts(con, load_id: str) -> dict[str, int]:
    issues = con.table("_issues")
    frame = issues.group_by("file").agg(n=issues.count()).execute()
    return dict(zip(frame["file"], frame["n"].astype(int)))


def _align(parts: list[ir.Table]) -> list[ir.Table]:
    """Give every part the same columns and types (a custom attribute typed differently becomes text)."""
    types: dict[str, dt.DataType] = {}
    for part in parts:
        for name, dtype in part.schema().items():
            if name in types and types[name] != dtype:
                types[name] = dt.string if not (types[name].is_numeric() and dtype.is_numeric()) else dt.float64
            else:
                types.setdefault(name, dtype)
    aligned = []
    for part in parts:
        aligned.append(
            part.select(
                **{
                    name: (part[name].cast(dtype) if name in part.columns else ibis.null(dtype))
                    for name, dtype in types.items()
                }
            )
        )
    return aligned


def _resolve_accounts(con, part: ir.Table, plan: FilePlan, accounts: ir.Table | None, load_id: str) -> ir.Table:
    """Rows that name their account by another accounts column get the account_id, or are quarantined."""
    lookup_column = plan.account_match
    source_column = lookup_column if plan.table.name == "accounts" else plan.table.account_ref
    if source_column is None:  # a mapping file can ask for it on any table
        from bullseye.errors import MappingError

        naming = ", ".join(name for name, table in TABLES.items() if name == "accounts" or table.account_ref)
        raise MappingError(
            f"{plan.path}: account_match '{lookup_column}' on table {plan.table.name}, which has no column "
            f"naming an account to match; the mapping must give account_match only for a file of {naming}"
        )
    if accounts is None or lookup_column not in accounts.columns:
        raise InputFileError(
            f"{plan.path}: account_match '{lookup_column}' needs the accounts table with a '{lookup_column}' column"
        )
    keys = accounts.select(_match=accounts[lookup_column].cast(dt.string), _account=accounts["account_id"])
    keys = keys.filter(keys["_match"].notnull()).distinct(on="_match", keep="first")
    joined = part.left_join(keys, part[source_column].cast(dt.string) == keys["_match"])
    # A row that names no account at all (an open deal of a report) loads without one, as it would
    # through account_id; only a name that matches no account is quarantined.
    unnamed = joined[source_column].isnull() if plan.table.name != "accounts" else ibis.literal(False)
    unmatched = joined.filter(joined["_account"].isnull() & ~unnamed)
    record_loaded_rows(
        con,
        unmatched,
        load_id=load_id,
        table_name=plan.table.name,
        column=source_column,
        value=unmatched[source_column],
        reason=f"no account with {lookup_column} = this value",
        action="quarantined",
    )
    matched = joined.filter(joined["_account"].notnull() | unnamed)
    resolved = matched.mutate(account_id=matched["_account"]).drop("_match", "_account")
    ref = plan.table.account_ref  # the column naming the account, set for every table but accounts
    if plan.table.name != "accounts" and ref is not None and ref != "account_id":
        resolved = resolved.mutate(**{ref: resolved["account_id"]})
    return resolved


def _merge_table(
    con, table, parts: list[ir.Table], plans: list[FilePlan], counts: list[FileCount], load_id: str
) -> None:
    """Combine the files of one table: later files update earlier rows with the same key."""
    plain = [(order, p, c) for order, (p, plan, c) in enumerate(zip(parts, plans, counts)) if not plan.account_match]
    matched = [(p, plan, c) for p, plan, c in zip(parts, plans, counts) if plan.account_match]
    _count_merged(table, plain)
    base = _combine(con, table, [p for _, p, _ in plain]) if plain else None
    for part, plan, count in matched:
        accounts = (
            base if table.name == "accounts" else (con.table("accounts") if "accounts" in con.list_tables() else None)
        )
        before = int(part.count().execute())
        resolved = _resolve_accounts(con, part, plan, accounts, load_id)
        after = int(resolved.count().execute())
        count.loaded -= before - after
        count.quarantined += before - after
        count.merged = after if table.name == "accounts" else 0  # matched rows update existing accounts
        base = _combine(con, table, [base, resolved] if base is not None else [resolved])
    merged = derive_columns(table, base)
    for column in table.columns:  # every canonical column exists, empty when no file had it
        if column.name not in merged.columns:
            merged = merged.mutate(**{column.name: ibis.null(IBIS_TYPES[column.type])})
    custom = sorted(c for c in merged.columns if c not in table.column_names and not c.startswith("_"))
    final = merged.select(*table.column_names, *custom, "_file", "_line")
    # One file keeps its order; rows merged from several files are ordered by key, so a reload
    # gives the same table either way.
    con.create_table(table.name, final.order_by([*table.key]) if len(parts) > 1 else final, overwrite=True)


def _count_merged(table, plain: list[tuple[int, ir.Table, FileCount]]) -> None:
    """Rows of a later file whose key an earlier file already had count as merged."""
    for _, _, count in plain:
        count.merged = 0
    if len(plain) < 2:
        return
    union = ibis.union(*[p.select(*table.key, "_order") for p in _align([p for _, p, _ in plain])])
    firsts = union.group_by(list(table.key)).agg(_first=union["_order"].min())
    later = union.join(firsts, list(table.key)).filter(lambda t: t["_order"] > t["_first"])
    by_order = dict(later.group_by("_order").agg(n=later.count()).execute().itertuples(index=False))
    for order, _, count in plain:
        count.merged = int(by_order.get(order, 0))


def _combine(con, table, parts: list[ir.Table]) -> ir.Table:
    if len(parts) == 1:
        return parts[0]
    union = ibis.union(*_align(parts))
    key = list(table.key)
    values = {
        c: union[c].argmax(union["_order"] * 10**12 + union["_line"], where=union[c].notnull())
        for c in union.columns
        if c not in key
    }
    return con.create_table(
        f"_typed_{table.name}_merged_{uuid.uuid4().hex[:6]}",
        union.group_by(key).agg(**values),
        temp=True,
        overwrite=True,
    )


def _check_references(con, touched: list[str], load_id: str) -> None:
    """Rows pointing at an account that is missing or unknown, and deals that close before they
    were created, are loaded, and reported."""
    if "deals" in touched:
        deals = con.table("deals")
        backwards = deals.filter(deals["closed_at"] < deals["created_at"])
        record_loaded_rows(
            con,
            backwards,
            load_id=load_id,
            table_name="deals",
            column="closed_at",
            value=backwards["closed_at"],
            reason="closed before it was created: loaded as exported, check the dates",
            action="kept",
        )
    present = set(con.list_tables())  # the touched tables exist: _merge_table wrote them
    if "accounts" not in present:
        return
    accounts = con.table("accounts").select(_known=con.table("accounts")["account_id"])
    for name in touched:
        ref = TABLES[name].account_ref
        if not ref or name not in present:
            continue
        rows = con.table(name)
        joined = rows.left_join(accounts, rows[ref] == accounts["_known"])
        unknown = joined.filter(joined["_known"].isnull())
        record_loaded_rows(
            con,
            unknown,
            load_id=load_id,
            table_name=name,
            column=ref,
            value=unknown[ref],
            reason=ibis.ifelse(
                unknown[ref].isnull(),
                f"no {ref}: loaded, left out of per-account outcomes",
                f"unknown {ref}: loaded, left out of per-account outcomes",
            ),
            action="kept",
        )


def _finish(con, touched: list[str], load_id: str, counts: list[FileCount]) -> None:
    """Replace the quarantine rows of the reloaded tables and append to the load log."""
    new = con.table("_issues")
    if "quarantine" in con.list_tables():
        old = con.table("quarantine")
        if "line_end" not in old.columns:  # a warehouse from before line spans were kept
            old = old.mutate(line_end=old["line"])
        kept = old.filter(~old["table_name"].isin(touched))
        combined = ibis.union(kept, new).execute()
        con.create_table("quarantine", combined, schema=ibis.schema(QUARANTINE_COLUMNS), overwrite=True)
    else:
        con.create_table("quarantine", new.execute(), schema=ibis.schema(QUARANTINE_COLUMNS), overwrite=True)
    now = datetime.now(UTC).replace(tzinfo=None)
    log_rows = [
        {
            "load_id": load_id,
            "loaded_at": now,
            "file": c.file,
            "table_name": c.table,
            "rows_read": c.read,
            "rows_loaded": c.loaded,
            "rows_quarantined": c.quarantined,
            "rows_merged": c.merged,
        }
        for c in counts
    ]
    log = ibis.memtable(log_rows, schema=ibis.schema(LOAD_LOG_COLUMNS))
    if "load_log" in con.list_tables():
        con.insert("load_log", log)
    else:
        con.create_table("load_log", log, overwrite=True)
