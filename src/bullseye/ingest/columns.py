"""From a staged file to typed rows of one canonical table, with every failure recorded.

Which type each custom column gets is decided in :mod:`bullseye.ingest.inference`; this module
builds the text table, writes the typed table and records what did not load."""

from __future__ import annotations

from pathlib import Path

import ibis
import ibis.expr.datatypes as dt
import ibis.expr.types as ir

from bullseye.core import warehouse
from bullseye.core.schema import Table
from bullseye.ingest import coerce, column_counts, scratch
from bullseye.ingest.counts import FileCount
from bullseye.ingest.derive import derived_text
from bullseye.ingest.inference import infer_custom_types, parse_kind
from bullseye.ingest.issues import issue_counts, record_issues, spreadsheet_errors
from bullseye.ingest.mapping import FilePlan
from bullseye.ingest.readers import normalise_header

__all__ = ["type_plan", "derive_columns", "IBIS_TYPES"]

#: Column kinds in which a word such as "none" cannot be a real value.
TYPED_KINDS = ("date", "number", "integer", "boolean")

IBIS_TYPES = {
    "string": dt.string,
    "text": dt.string,
    "integer": dt.int64,
    "number": dt.float64,
    "date": dt.date,
    "boolean": dt.boolean,
    "list": dt.Array(dt.string),
}

# A lead report's status counts too ("Closed - Converted" is won). LOST is tested first, so that a
# negated won ("Closed - Not Converted", "Not qualified") is lost, not won.
WON = r"(?i)(closed[\s_-]*won|^won$|\bwon\b|\bconverted\b|ganh[oa]|fechad[oa][\s_-]*ganh|^signed$|contracted)"
LOST = (
    r"(?i)(closed[\s_-]*lost|^lost$|\blost\b|perdid[oa]|fechad[oa][\s_-]*perd|disqualified|^dead$"
    r"|\bnot[\s_-]*(converted|qualified)\b|\bunqualified\b|\bjunk\b)"
)


def _percent(value: ir.StringValue) -> ir.StringValue:
    """A fraction (0.15, or '15%') written as a percent: '15%', '7.5%'."""
    number = (coerce.parse_number(value, coerce.ColumnProfile(), percent_as_fraction=True) * 100).round(1)
    whole = number == number.round(0)
    return ibis.ifelse(whole, number.round(0).cast(dt.int64).cast(dt.string), number.cast(dt.string)) + "%"


def _render_template(
    stage: ir.Table, segments: list[tuple[bool, list]], tokens: coerce.MissingTokens
) -> ir.StringValue:
    """Text from a parsed template: an empty column empties an optional part, or else the whole value."""
    pieces, whole_missing = [], ibis.literal(False)
    for optional, parts in segments:
        texts, missing = [], ibis.literal(False)
        for part in parts:
            if isinstance(part, str):
                texts.append(ibis.literal(part))
                continue
            value = _percent(stage[part[0]]) if part[1] == "%" else stage[part[0]]
            missing = missing | value.isnull()
            texts.append(value.fill_null(""))
        text = ibis.literal("").join(texts)
        if optional:
            pieces.append(ibis.ifelse(missing, "", text))
        else:
            whole_missing = whole_missing | missing
            pieces.append(text)
    return coerce.clean_text(ibis.ifelse(whole_missing, ibis.null(dt.string), ibis.literal("").join(pieces)), tokens)


def _text_table(
    plan: FilePlan, stage: ir.Table, lookups: dict[str, ir.Table], missing: coerce.MissingTokens
) -> ir.Table:
    """Target columns as text (the stage has its every-column missing values cleaned), with templates,
    constants, value replacements, placeholders set apart, lookups and lineage."""
    columns: dict[str, ir.Value] = {}
    for target, sources in plan.sources.items():
        if len(sources) == 1:
            columns[target] = stage[sources[0]]
        else:
            columns[target] = coerce.clean_text(
                ibis.literal(" ").join([stage[s].fill_null("") for s in sources]), missing
            )
    for target, segments in plan.templates.items():
        columns[target] = _render_template(stage, segments, missing)
    for target, rule in plan.derive.items():
        columns[target] = derived_text(
            rule, stage, plan.as_of, plan.path.name, normalise_header, plan.date_order != "MDY"
        )
    for target, constant in plan.constants.items():
        columns[target] = ibis.literal(constant, type=dt.string)
    for target, replacements in plan.values.items():
        if target in columns:  # a replacement may itself mean "no value" ("" or "n/a")
            columns[target] = coerce.clean_text(
                columns[target].substitute(replacements, else_=columns[target]), missing
            )
    for target, raw_values in plan.placeholders.items():
        # Kept aside under another name, so the loader can report each one with its line.
        hit = columns[target].isin([v.strip() for v in raw_values])
        columns[f"_placeholder_{target}"] = ibis.ifelse(hit, columns[target], ibis.null(dt.string))
        columns[target] = ibis.ifelse(hit, ibis.null(dt.string), columns[target])
    fields = [stage[c] for c in stage.columns if c != "_line"]
    blank = _all([f.isnull() for f in fields]) if fields else ibis.literal(False)
    text = stage.select(_line=stage["_line"], _file=ibis.literal(str(plan.path)), _blank=blank, **columns)
    for lookup in plan.lookups:
        other = lookups[lookup.file]
        key = other[normalise_header(lookup.key)]
        picked = other.select(
            _key=key,
            _pick=ibis.row_number().over(group_by=key, order_by=other["_line"]),
            **{f"_lk_{t}": missing.clean(other[normalise_header(s)]) for t, s in lookup.columns.items()},
        )
        picked = picked.filter(picked["_pick"] == 0).drop("_pick")
        on = normalise_header(lookup.on_column)
        joined = text.left_join(picked, text[on] == picked["_key"])
        text = joined.select(
            *[joined[c] for c in text.columns if c not in lookup.columns],
            **{
                t: ibis.coalesce(joined[f"_lk_{t}"], joined[t]) if t in text.columns else joined[f"_lk_{t}"]
                for t in lookup.columns
            },
        )
    return text


def _all(terms: list[ir.BooleanValue]) -> ir.BooleanValue:
    """AND of many terms as a balanced tree: a chain of a wide export's 1,000 columns nests deeper
    than Python's recursion limit when Ibis compiles it."""
    if len(terms) == 1:
        return terms[0]
    middle = len(terms) // 2
    return _all(terms[:middle]) & _all(terms[middle:])


def _read_missing(plan: FilePlan, stage: ir.Table, missing: coerce.MissingTokens):
    """Clean the every-column missing values in the stage, counting them per source column.

    Returns the cleaned stage, a function that cleans the typed-only ones from the given target
    columns of a text table, and a function giving the per-target counts once the typed columns are known.
    """
    sources = [c for c in stage.columns if c != "_line"]
    hits = column_counts.count_missing(stage, sources, missing)
    stage = stage.mutate(**{c: missing.clean(stage[c]) for c in sources if hits[c][0]})
    single = {t: s[0] for t, s in plan.sources.items() if len(s) == 1 and s[0] in hits}

    def clean_typed(text: ir.Table, targets) -> ir.Table:
        # Columns from a lookup or a template were not counted: cleaned all the same.
        return text.mutate(
            **{
                t: missing.clean(text[t], typed=True)
                for t in targets
                if (t in single and hits[single[t]][1]) or t not in plan.sources
            }
        )

    def counts(typed_targets) -> dict[str, int]:
        found = {t: sum(hits[s][0] for s in plan.sources[t] if s in hits) for t in plan.sources}
        found.update({t: hits[s][0] + hits[s][1] for t, s in single.items() if t in typed_targets})
        return {t: n for t, n in found.items() if n}

    return stage, clean_typed, counts


def type_plan(
    con,
    plan: FilePlan,
    stage: ir.Table,
    lookups: dict[str, ir.Table],
    order: int,
    load_id: str,
    day_first: bool,
    missing: coerce.MissingTokens = coerce.MissingTokens(),
):
    """Type one file's rows for one table; quarantine what cannot load. Returns (table, FileCount)."""

    table = plan.table
    prefix = f"_typed_{table.name}_{order}"
    staged = stage
    stage, clean_typed, missing_counts = _read_missing(plan, stage, missing)
    text = _text_table(plan, stage, lookups, missing)
    canonical = {c.name: c.type for c in table.columns if c.name in text.columns}
    custom = [c for c in text.columns if c not in canonical and not c.startswith("_")]
    inferable = [c for c in custom if c not in plan.types]
    custom_types = infer_custom_types(
        text, inferable, (plan.date_order or ("DMY" if day_first else "MDY")) == "DMY", missing=missing
    )
    custom_types.update({c: kind for c, kind in plan.types.items() if c in custom})
    kinds = {**canonical, **custom_types}
    typed_kinds = [c for c, k in kinds.items() if k in TYPED_KINDS]
    text = clean_typed(text, typed_kinds)
    profiles = column_counts.profile_columns(
        text,
        [c for c, k in kinds.items() if k == "date"],
        [c for c, k in kinds.items() if k == "number"],
        default_day_first=(plan.date_order == "DMY") if plan.date_order else day_first,
        integer_columns=[c for c, k in kinds.items() if k == "integer"],
    )
    # Each typed column as a function of its text columns, one function per way of reading, so
    # that a wide export's columns share one compilation (warehouse.column_template).
    readers: dict[tuple, object] = {}

    def reader(kind: str, profile: coerce.ColumnProfile, column: str):
        key = (kind, profile, column == "discount")
        return readers.setdefault(key, lambda raw: parse_kind(kind, raw, profile, column))

    typed_columns = {c: (reader(k, profiles.get(c, coerce.ColumnProfile()), c), (c,)) for c, k in kinds.items()}
    for target, factor in plan.scale.items():
        if target in typed_columns and kinds[target] in ("number", "integer"):
            typed_columns[target] = (_scaled(typed_columns[target][0], factor, kinds[target] == "integer"), (target,))
    derived_key = bool(table.key_from) and not any(k in kinds for k in table.key)
    if derived_key:
        typed_columns[table.key[0]] = _derived_key(typed_columns, table)
        kinds[table.key[0]] = "string"
    checked = typed_kinds
    key = [k for k in table.key if k in kinds]
    placeholders = [f"_placeholder_{t}" for t in plan.placeholders]
    typed = _write_typed(
        con,
        text,
        prefix + "_all",
        ["_file", "_line", "_blank", *placeholders],
        {**typed_columns, **{f"_raw_{c}": (_as_is, (c,)) for c in checked}},
    )
    typed = _mark_duplicates(con, typed, key, prefix + "_all")

    required = [c for c in table.required if c in kinds and not (plan.account_match and c == "account_id")]
    text_columns = [c for c, k in kinds.items() if k in ("string", "text")]
    found = issue_counts(typed, checked, required, placeholders, text_columns)
    issues: list[tuple[int, ir.Table]] = []  # (rows it may hold, the rows)

    def add(rows: int, part: ir.Table) -> None:
        issues.append((rows, part))

    # A record whose every field is blank (spreadsheets append such rows) carries nothing to load.
    row_bad = typed["_blank"]
    add(
        found["blank"],
        typed.filter(row_bad).select(
            file=typed["_file"],
            line=typed["_line"],
            column=ibis.null(dt.string),
            value=ibis.null(dt.string),
            reason=ibis.literal("empty record: every field is blank"),
            action=ibis.literal("quarantined"),
        ),
    )
    for target in plan.placeholders:
        kept_aside = typed[f"_placeholder_{target}"].notnull() & ~row_bad
        add(
            found[f"_placeholder_{target}"],
            typed.filter(kept_aside).select(
                file=typed["_file"],
                line=typed["_line"],
                column=ibis.literal(target),
                value=typed[f"_placeholder_{target}"],
                reason=ibis.literal("placeholder for an unknown value (listed in the mapping's placeholders)"),
                action=ibis.literal("quarantined" if target in required else "value_dropped"),
            ),
        )
        if target in required:
            row_bad = row_bad | kept_aside
    for column in [c for c in checked if c in required or found[f"failed {c}"]]:
        failed = typed[f"_raw_{column}"].notnull() & typed[column].isnull()
        action = "quarantined" if column in required else "value_dropped"
        reason = _failure_reason(
            plan, kinds[column], typed[f"_raw_{column}"], column, profiles.get(column, coerce.ColumnProfile())
        )
        add(
            found[f"failed {column}"],
            typed.filter(failed).select(
                file=typed["_file"],
                line=typed["_line"],
                column=ibis.literal(column),
                value=typed[f"_raw_{column}"],
                reason=reason,
                action=ibis.literal(action),
            ),
        )
        if column in required:
            row_bad = row_bad | failed
    for column in required:
        missing = typed[column].isnull() & (typed[f"_raw_{column}"].isnull() if column in checked else True)
        add(
            found[f"missing {column}"],
            typed.filter(missing & ~row_bad).select(
                file=typed["_file"],
                line=typed["_line"],
                column=ibis.literal(column),
                value=ibis.null(dt.string),
                reason=ibis.literal("missing required value"),
                action=ibis.literal("quarantined"),
            ),
        )
        row_bad = row_bad | typed[column].isnull()
    if "_dup_of" in typed.columns:
        duplicate = typed["_dup_of"].notnull() & (typed["_dup_of"] != typed["_line"])
        first_seen = (
            (f"same {table.name[:-1]} (same {', '.join(c for c in table.key_from if c in kinds)}) as line ")
            if derived_key
            else "duplicate key, first seen on line "
        )
        add(
            1,  # some key repeats, or there would be no _dup_of
            typed.filter(duplicate & ~row_bad).select(
                file=typed["_file"],
                line=typed["_line"],
                column=ibis.literal(", ".join(key)),
                value=typed[key[0]].cast(dt.string),
                reason=ibis.literal(first_seen) + typed["_dup_of"].cast(dt.string),
                action=ibis.literal("quarantined"),
            ),
        )
        row_bad = row_bad | duplicate
    issues.extend(spreadsheet_errors(typed, [c for c in text_columns if found[f"error {c}"]], row_bad))
    record_issues(con, [part for n, part in issues if n], table.name, load_id)
    helpers = ("_raw_", "_dup_of", "_blank", "_placeholder_")
    good = typed.filter(~row_bad.fill_null(False)).drop(*[c for c in typed.columns if c.startswith(helpers)])
    result = good.mutate(_order=ibis.literal(order))  # a view on the typed table: no extra copy
    loaded = warehouse.count_rows(result)
    count = FileCount(file=str(plan.path), table=table.name, loaded=loaded)
    count.missing = missing_counts(typed_kinds)
    count.quarantined = warehouse.count_rows(staged) - loaded
    return result, count


#: Columns written per statement into the typed table. DuckDB keeps each expression's working
#: state per thread: one statement over a 300-column export ran out of the 1.5 GB memory limit.
COLUMNS_PER_PART = 100


def _write_typed(con, text: ir.Table, name: str, head: list[str], columns: dict[str, tuple]) -> ir.Table:
    """The typed table from ``columns`` (name -> (function, its text columns)), written a hundred
    columns at a time when it is wide."""
    schema, templates = text.schema(), {}

    def sql(build, sources: tuple[str, ...]) -> str:
        types = tuple(schema[c] for c in sources)
        if (build, types) not in templates:
            templates[build, types] = warehouse.column_template(build, types)
        return templates[build, types](*sources)

    base = warehouse.table_sql(text)
    names, raw = list(columns), con.con
    if not scratch.is_wide(len(head) + len(names)):
        warehouse.create_from_sql(con, name, base, head, {c: sql(*columns[c]) for c in names})
        return con.table(name)
    # A wide table is a scratch file (see ingest.scratch), written in parts, each in line order (a
    # record's first line is unique) so that they line up row by row.
    parts: list[Path] = []
    for start in range(0, len(names), COLUMNS_PER_PART):
        chosen = {c: sql(*columns[c]) for c in names[start : start + COLUMNS_PER_PART]}
        query = warehouse.select_sql(base, head if start == 0 else ["_line"], chosen, order_by="_line")
        parts.append(scratch.copy_to_scratch(raw, f"{name}_part{len(parts)}", query))
    scratch.expose_file(raw, name, scratch.stitch(raw, name, parts, key="_line"))
    return con.table(name)


def _as_is(raw: ir.Value) -> ir.Value:
    return raw


def _scaled(parse, factor: float, integer: bool):
    def scaled(raw: ir.StringValue) -> ir.Value:
        number = coerce.finite(parse(raw).cast(dt.float64) * factor)
        return coerce.to_int64(number) if integer else number

    return scaled


def _failure_reason(
    plan: FilePlan, kind: str, raw: ir.StringValue, column: str, profile: coerce.ColumnProfile
) -> ir.StringValue:
    reason = coerce.failure_reason(kind, raw, profile)
    if column in plan.scale:  # read, but out of range once multiplied
        read = parse_kind(kind, raw, profile, column).notnull()
        return ibis.ifelse(read, ibis.literal(f"too large to store once scaled by {plan.scale[column]:g}"), reason)
    return reason


def _derived_key(typed_columns: dict[str, tuple], table: Table) -> tuple:
    """A key from the values that identify a row (typed, so '700' and '700.0' agree across files)."""
    sources = tuple(c for c in table.key_from if c in typed_columns)
    reads = [typed_columns[c][0] for c in sources]

    def key(*raws: ir.Value) -> ir.StringValue:
        typed = dict(zip(sources, [read(raw) for read, raw in zip(reads, raws, strict=True)], strict=True))
        parts = [typed[c].cast(dt.string).fill_null("") if c in typed else ibis.literal("") for c in table.key_from]
        return ibis.literal("\x1f").join(parts).hexdigest("md5").substr(0, 16)

    return key, sources


def _mark_duplicates(con, typed: ir.Table, key: list[str], name: str) -> ir.Table:
    """Add ``_dup_of`` (the first line with the same key) only when some key repeats: one hash
    aggregate finds out, which is far cheaper than numbering every row."""
    if not key:
        return typed
    groups = typed.group_by(key).agg(_n=typed.count(), _dup_of=typed["_line"].min())
    repeated = groups.filter(groups["_n"] > 1).drop("_n")
    if warehouse.count_rows(repeated) == 0:
        return typed
    # Join on renamed keys: a file's own column may already be called `deal_id_right`.
    renamed = repeated.rename({f"_key_{i}": k for i, k in enumerate(key)})
    joined = typed.left_join(renamed, [typed[k] == renamed[f"_key_{i}"] for i, k in enumerate(key)])
    joined = joined.select(*typed.columns, "_dup_of")
    if scratch.is_wide(len(joined.columns)):
        file = scratch.copy_to_scratch(con.con, name + "_keyed", warehouse.table_sql(joined))
        scratch.expose_file(con.con, name + "_keyed", file)
    else:
        con.con.execute(
            f"CREATE OR REPLACE TEMP TABLE {warehouse.quote_ident(name + '_keyed')} AS {warehouse.table_sql(joined)}"
        )
    return con.table(name + "_keyed")


def _flag(column: ir.Value) -> ir.BooleanValue | None:
    kind = column.type()
    if kind.is_boolean():
        return column
    if kind.is_integer():
        return ibis.cases((column == 1, True), (column == 0, False), else_=ibis.null(dt.boolean))
    return None


def _won_closed(merged: ir.Table) -> tuple[ir.BooleanValue, ir.BooleanValue] | None:
    """A Salesforce opportunity report's ``Won`` and ``Closed`` checkboxes (IsWon, IsClosed), when
    the file has both as yes/no columns: they say won or lost whatever the org named its stages."""
    won = next((c for c in ("won", "is_won") if c in merged.columns), None)
    closed = next((c for c in ("closed", "is_closed") if c in merged.columns), None)
    if won is None or closed is None:
        return None
    flags = _flag(merged[won]), _flag(merged[closed])
    return None if flags[0] is None or flags[1] is None else (flags[0], flags[1])


def derive_columns(table: Table, merged: ir.Table) -> ir.Table:
    """Columns computed from others: normalised stage, discount from list price, ARR from MRR."""
    if table.name == "deals":
        raw = merged["stage"]
        stage = ibis.ifelse(raw.re_search(LOST), "lost", ibis.ifelse(raw.re_search(WON), "won", "open"))
        flags = _won_closed(merged)
        if flags is not None:  # the CRM's own Won/Closed flags decide; the stage's words only where they are empty
            won, closed = flags
            stage = ibis.cases((closed & won, "won"), (closed & ~won, "lost"), (~closed, "open"), else_=stage)
        merged = merged.mutate(stage_raw=raw, stage=stage)
        if "list_price" in merged.columns and "amount" in merged.columns:
            # A lost deal exported with amount 0 has no discount; only real amounts give one.
            derived = ibis.ifelse(
                (merged["list_price"] > 0) & (merged["amount"] > 0),
                1 - merged["amount"] / merged["list_price"],
                ibis.null(dt.float64),
            )
            merged = merged.mutate(
                discount=ibis.coalesce(merged["discount"], derived) if "discount" in merged.columns else derived
            )
    if table.name == "subscriptions" and "mrr" in merged.columns:
        merged = merged.mutate(
            arr=ibis.coalesce(merged["arr"], merged["mrr"] * 12) if "arr" in merged.columns else merged["mrr"] * 12
        )
    return merged
