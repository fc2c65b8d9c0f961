"""Checks of loaded tables that real CRM exports need: a reference cell holding several account
ids, and a deals table in which no stage reads as won or lost.

Both leave the rows loaded and write what they found to the load's issues (action ``kept``), so the
load summary says it in the user's words instead of a later command failing for a reason it
cannot name.
"""

from __future__ import annotations

import ibis

from bullseye.core.schema import TABLES
from bullseye.core.warehouse import quote_ident
from bullseye.ingest.issues import record_loaded_rows

__all__ = ["resolve_account_lists", "check_stages", "LIST_SEPARATOR"]

#: HubSpot writes every company a deal is associated with in one cell: "Associated Company IDs"
#: = "9000000001;9000000007".
LIST_SEPARATOR = ";"


def resolve_account_lists(con, touched: list[str], load_id: str) -> None:
    """A reference such as ``9000000001;9000000007`` that is not itself an account id becomes the
    first of its ids that is a known account (else its first id), and each such row is listed."""
    raw = con.con
    present = set(con.list_tables())
    has_accounts = "accounts" in present
    for name in touched:
        ref = TABLES[name].account_ref
        if not ref or name == "accounts" or name not in present:
            continue
        table, column = quote_ident(name), quote_ident(ref)
        unknown = f"{column} NOT IN (SELECT account_id FROM accounts WHERE account_id IS NOT NULL)"
        where = f"contains({column}, '{LIST_SEPARATOR}')" + (f" AND {unknown}" if has_accounts else "")
        if not raw.execute(f"SELECT count(*) FROM {table} WHERE {where}").fetchone()[0]:
            continue
        known = "part IN (SELECT account_id FROM accounts)" if has_accounts else "false"
        raw.execute(
            f"CREATE OR REPLACE TEMP TABLE _account_lists AS "
            f"WITH lists AS (SELECT DISTINCT {column} AS original FROM {table} WHERE {where}), "
            f"parts AS (SELECT original, trim(unnest(string_split(original, '{LIST_SEPARATOR}'))) AS part, "
            f"generate_subscripts(string_split(original, '{LIST_SEPARATOR}'), 1) AS pos FROM lists) "
            f"SELECT original, coalesce(min_by(part, pos) FILTER (WHERE {known}), "
            f"min_by(part, pos) FILTER (WHERE part <> '')) AS chosen FROM parts GROUP BY original"
        )
        rows = con.table(name)
        lists = con.table("_account_lists")
        listed = rows.join(lists, rows[ref] == lists["original"])
        record_loaded_rows(
            con,
            listed,
            load_id=load_id,
            table_name=name,
            column=ref,
            value=listed[ref],
            reason=f"several account ids in one cell ('{LIST_SEPARATOR}'): loaded with the first that is a "
            "known account (else the first)",
            action="kept",
        )
        raw.execute(f"UPDATE {table} SET {column} = l.chosen FROM _account_lists l WHERE {table}.{column} = l.original")
        raw.execute("DROP TABLE _account_lists")


def check_stages(con, load_id: str) -> None:
    """When no deal reads as won, or none as lost, each stage read as open is listed once (with
    how many deals carry it): a lead report's "Closed - Converted" or a custom pipeline's "Signed
    contract" must be mapped, or every win outcome is empty for a reason no later command sees."""
    deals = con.table("deals")
    counts = dict(deals.group_by("stage").agg(n=deals.count()).execute().itertuples(index=False))
    missing = [s for s in ("won", "lost") if not counts.get(s)]
    if not counts or not missing:
        return
    open_ = deals.filter((deals["stage"] == "open") & deals["stage_raw"].notnull())
    firsts = open_.group_by("stage_raw").agg(
        _file=open_["_file"].argmin(open_["_line"]), _line=open_["_line"].min(), _n=open_.count()
    )
    record_loaded_rows(
        con,
        firsts,
        load_id=load_id,
        table_name="deals",
        column="stage",
        value=firsts["stage_raw"],
        reason=ibis.literal("stage '")
        + firsts["stage_raw"]
        + ibis.literal("' (")
        + firsts["_n"].cast("string")
        + ibis.literal(
            f" deals) read as open, and no deal reads as {' or '.join(missing)}: if it means won or lost, "
            "say so in a mapping file (values: {stage: {<stage>: won}}, see docs/loading.md)"
        ),
        action="kept",
    )
