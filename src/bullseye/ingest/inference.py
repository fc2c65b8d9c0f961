"""Which type each custom column of an export gets: only one that every non-empty value reads as.

Columns are read together (a wide export has hundreds): the first rows rule out most kinds of
most columns, values written plainly (digits, ISO dates) are checked with a cast, and only the
others go through the full parsers of :mod:`bullseye.ingest.coerce`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import ibis
import ibis.expr.datatypes as dt
import ibis.expr.types as ir

from bullseye.ingest import coerce, column_counts

__all__ = ["infer_custom_types", "parse_kind", "KINDS", "FIRST_LOOK_ROWS"]

KINDS = ("boolean", "integer", "number", "date")  # in the order a column is tried as each
#: The first rows rule out most kinds of most columns (one value that does not read is enough),
#: so the sample is read only for the kinds each column could still be.
FIRST_LOOK_ROWS = 200
#: Columns whose plain evidence one query counts (about 200 counts).
COLUMNS_PER_QUERY = 20


def _evidence(
    sample: ir.Table,
    columns: list[str],
    kinds: tuple[str, ...],
    profile: coerce.ColumnProfile,
    missing: coerce.MissingTokens,
    few_rows: bool = False,
) -> dict[str, dict[str, int]]:
    """Per column: its non-empty values (n), how many read as each of ``kinds`` (-1 for the other
    kinds), how many are digits only and how many are digit runs too long for a float."""

    def evidence(raw: ir.StringValue) -> dict[str, ir.Scalar]:
        column = missing.clean(raw, typed=True)
        found = {
            # Yes/no columns are read as written ("None" beside "Yes" may be an answer, not a blank):
            # this equals n only when every value as written reads as yes or no.
            "boolean": lambda: coerce.parse_boolean(raw).count() - raw.count() + column.count(),
            "integer": lambda: _whole(column, profile).sum(),
            "number": lambda: coerce.parse_number(column, profile).count(),
            "date": lambda: coerce.parse_date(column, profile).count(),
        }
        return {
            "n": column.count(),
            "digits": column.re_search(r"^\s*-?\d+\s*$").sum(),
            "long": _long_digits(column).sum(),
            **{kind: found[kind]() for kind in kinds},
        }

    counts = column_counts.values_per_column(sample, columns, evidence, few_rows=few_rows)
    return {
        name: {key: int(found.get(key) or 0) if key in found else -1 for key in ("n", "digits", "long", *KINDS)}
        for name, found in counts.items()
    }


def _plain_reads(kind: str, column: ir.StringValue) -> ir.BooleanValue:
    """A cheap test that implies that a value reads as ``kind`` (in either day order, with the
    decimal point custom columns are read with) and is whole or exact where that matters: written
    plainly and cast without loss."""
    if kind == "integer":  # digits only: parse_integer is a cast, and the float a whole number
        digits = column.re_search(r"^[+\-]?\d+$")
        # Or a whole float ("700.0"): parse_number is the cast, and parse_integer rounds it (not a
        # band such as "1-2", which parse_integer reads first).
        number = coerce.finite(column.try_cast(dt.float64))
        whole = (number % 1 == 0) & coerce.to_int64(number).notnull() & ~_long_digits(column)
        return ibis.ifelse(digits, column.try_cast(dt.int64).notnull(), whole & ~column.re_search(_BAND_DASH))
    if kind == "number":
        return coerce.finite(column.try_cast(dt.float64)).notnull() & ~_long_digits(column)
    return column.re_search(coerce.ISO_DATE) & coerce.parse_date(column, coerce.ColumnProfile(plain=True)).notnull()


#: A dash after a digit: what a band ("51-200") has and a plain number does not.
_BAND_DASH = r"[\d.,]\s*[-–]"


def _plain_count(kind: str) -> Callable[[ir.StringValue], ir.Value]:
    def count(column: ir.StringValue) -> ir.Value:
        return _plain_reads(kind, column).sum()

    return count


def _may_count(kind: str) -> Callable[[ir.StringValue], ir.Value]:
    def count(column: ir.StringValue) -> ir.Value:
        return _may_read(kind, column).sum()

    return count


#: Counts of a column's cleaned values (and, for yes/no, its raw ones): one function per count, the
#: same for every column, so that each is compiled once (column_counts.PerColumn).
_COUNTS: dict[str, Callable[..., ir.Value]] = {
    "n": lambda column: column.count(),
    "digits": lambda column: column.re_search(r"^\s*-?\d+\s*$").sum(),
    "long": lambda column: _long_digits(column).sum(),
    "boolean": lambda raw, column: coerce.parse_boolean(raw).count() - raw.count() + column.count(),
    **{kind: _plain_count(kind) for kind in ("integer", "number", "date")},
    **{f"may_{kind}": _may_count(kind) for kind in ("integer", "number", "date")},
}


def _plain_evidence(
    table: ir.Table,
    possible: dict[str, tuple[str, ...]],
    missing: coerce.MissingTokens,
    gates: bool = False,
) -> dict[str, dict[str, int | None]]:
    """Per column: n, digits, long, and for each possible kind n when every value reads plainly as
    it, -1 when some value certainly does not (yes/no is read in full: it is cheap), None when
    only the full parser can tell. ``gates`` adds the counts of values that pass ``_may_read``
    for a whole number, a number and a date (``may_integer``, ``may_number``, ``may_date``)."""
    # The values are cleaned once, below the counts: cleaning inside each count repeated it in
    # the SQL some ten times per column, and DuckDB's planning grows with the size of the query.
    # A query reads a few columns: DuckDB keeps each expression's working state per thread, and
    # one over a wide export's 146 columns ran out of memory.
    names, evidence = list(possible), {}
    for start in range(0, len(names), COLUMNS_PER_QUERY):
        chosen = {name: possible[name] for name in names[start : start + COLUMNS_PER_QUERY]}
        evidence.update(_plain_part(table, chosen, missing, gates))
    return evidence


_GATES = ("may_integer", "may_number", "may_date")


def _plain_part(
    table: ir.Table, possible: dict[str, tuple[str, ...]], missing: coerce.MissingTokens, gates: bool
) -> dict[str, dict[str, int | None]]:
    names = list(possible)
    cleaned = table.select(
        **{f"_raw{i}": table[name] for i, name in enumerate(names)},
        **{f"_clean{i}": missing.clean(table[name], typed=True) for i, name in enumerate(names)},
    )
    aggregates = {}
    for index, kinds in enumerate(possible.values()):
        keys = ["n", "digits", "long", *kinds, *(_GATES if gates else [])]
        for key in keys:
            columns = (f"_raw{index}", f"_clean{index}") if key == "boolean" else (f"_clean{index}",)
            aggregates[f"{key}{index}"] = column_counts.PerColumn(_COUNTS[key], columns)
    counts = column_counts.aggregate_counts(cleaned, aggregates)
    evidence = {}
    for index, (name, kinds) in enumerate(possible.items()):
        n = counts[f"n{index}"]
        found: dict[str, int | None] = {"n": n, "digits": counts[f"digits{index}"], "long": counts[f"long{index}"]}
        for kind in KINDS:
            read = counts.get(f"{kind}{index}", -1) if kind in kinds else -1
            found[kind] = n if read == n else (-1 if kind in ("boolean",) or kind not in kinds else None)
        if gates:
            found.update({key: counts[f"{key}{index}"] for key in _GATES})
        evidence[name] = found
    return evidence


def _may_read(kind: str, column: ir.StringValue) -> ir.BooleanValue:
    """A cheap test that every value reading as ``kind`` passes (in either day order, with the
    decimal point custom columns are read with): the gates in front of the full parsers of
    :mod:`bullseye.ingest.coerce`. A whole number is a number."""
    if kind in ("integer", "number"):  # a cast, or the shape _numeric_core lets through
        number = column.try_cast(dt.float64)
        may = number.notnull() | column.re_search(coerce.NUMBER_SHAPE)
        # A float with a fraction ("0.15") is that number to parse_number: it is not whole.
        return may & ~(coerce.finite(number) % 1 != 0).fill_null(False) if kind == "integer" else may
    # Every date format has digits; then an ISO or numeric date, or a gate of coerce._first and
    # the shape its formats read (a URL has a slash and a note may say "mar": neither is a date).
    gates = (
        column.re_search(coerce.ISO_DATE)
        | column.re_search(coerce.NUMERIC_DATE)
        | (column.re_search(coerce.MONTH_NAME) & column.re_search(coerce.NAMED_SHAPE))
        | column.re_search(coerce.SLASH_SHAPE)
        | column.re_search(coerce.LONG_DIGITS)
    )
    return column.re_search(r"\d") & gates


def _first_look(
    sample: ir.Table,
    columns: list[str],
    profile: coerce.ColumnProfile,
    missing: coerce.MissingTokens,
) -> dict[str, dict[str, int]]:
    """What ``_evidence`` says of the first rows, for deciding which kinds each column could be.

    One query of cheap tests settles most columns and kinds: a kind is possible when every value
    reads plainly as it, and ruled out when some value fails a test that every value of the kind
    passes; only the kinds left open go through the full parsers (a query with every parser of
    a few columns took DuckDB a second to plan, on 200 rows). Equal to ``_evidence`` on the
    question asked of it: which kinds read every value (a count equal to n)."""
    plain = _plain_evidence(sample, dict.fromkeys(columns, KINDS), missing, gates=True)
    first: dict[str, dict[str, int]] = {}
    open_kinds: dict[tuple[str, ...], list[str]] = {}
    for name in columns:
        found = plain[name]
        n = int(found["n"] or 0)
        may = {kind: int(found[f"may_{kind}"] or 0) for kind in ("integer", "number", "date")}
        evidence = {"n": n, "digits": int(found["digits"] or 0), "long": int(found["long"] or 0)}
        unsure = []
        for kind in KINDS:
            if found[kind] is not None:  # n when every value reads plainly; -1 for yes/no that do not
                evidence[kind] = int(found[kind] or 0)
            elif may[kind] < n:
                evidence[kind] = -1  # some value fails the test that every value of the kind passes
            else:
                unsure.append(kind)
        first[name] = evidence
        if unsure:
            open_kinds.setdefault(tuple(unsure), []).append(name)
    for kinds, names in open_kinds.items():
        for name, read in _evidence(sample, names, kinds, profile, missing, few_rows=True).items():
            first[name].update({kind: read[kind] for kind in kinds})
    return first


def _candidate_types(
    text: ir.Table, custom: list[str], profile: coerce.ColumnProfile, missing: coerce.MissingTokens, sample_rows: int
) -> dict[str, str]:
    first = _first_look(text.limit(min(FIRST_LOOK_ROWS, sample_rows)), custom, profile, missing)
    # A kind that a value of the first rows does not read as cannot read the sample, which holds them.
    possible = {name: tuple(k for k in KINDS if counts[k] == counts["n"]) for name, counts in first.items()}
    evidence: dict[str, Mapping[str, int | None]] = {  # None: not known from the sample
        name: first[name] for name, kinds in possible.items() if not kinds
    }  # text: no kind is left
    sample = text.limit(sample_rows)
    evidence.update(_plain_evidence(sample, {n: k for n, k in possible.items() if k}, missing))
    # Columns written otherwise than plainly are read in full (at most one query per set of kinds).
    unsure: dict[tuple[str, ...], list[str]] = {}
    for name, counts in evidence.items():
        if any(counts[kind] is None for kind in KINDS):
            unsure.setdefault(possible[name], []).append(name)
    for kinds, names in unsure.items():
        evidence.update(_evidence(sample, names, kinds, profile, missing))
    types = {}
    for name in custom:
        counts = evidence[name]
        n, digits = counts["n"], counts["digits"]
        chosen = "string"
        for kind in KINDS if n else ():
            if counts[kind] != n:
                continue
            if kind == "boolean" and digits == n and counts["integer"] == n:
                continue  # 0/1 only: decided below together with the other integers
            # Digit runs named like ids or codes (zip codes, CNPJ) stay text: leading zeros matter.
            if kind in ("integer", "number") and digits == n and name.endswith(("_id", "id", "zip", "cep", "code")):
                break
            # A run of more digits than a float keeps (a 22-digit tax number) is only exact as text.
            chosen = "string" if kind == "number" and counts["long"] else kind
            break
        if chosen == "string" and n and counts["boolean"] == n:
            chosen = "boolean"
        types[name] = chosen
    return types


def infer_custom_types(
    text: ir.Table,
    custom: list[str],
    day_first: bool,
    sample_rows: int = 20_000,
    missing: coerce.MissingTokens = coerce.MissingTokens(),
) -> dict[str, str]:
    """A custom attribute is typed only when every non-empty value reads as that type.

    The type is proposed from a sample (most columns are text, and a sample shows it at once),
    then checked against every value; a column that fails the check stays text. Words that are
    missing only in typed columns ("none", "?") do not count against numbers and dates. Columns
    are read together: the first rows rule out most kinds of most columns, values written plainly
    (digits, ISO dates) are checked with a cast, and only the others go through the full parsers.
    """
    if not custom:
        return {}
    profile = coerce.ColumnProfile(day_first=day_first)
    proposed = _candidate_types(text, custom, profile, missing, sample_rows)
    typed: dict[str, tuple[str, ...]] = {name: (kind,) for name, kind in proposed.items() if kind != "string"}
    plain = _plain_evidence(text, typed, missing)
    ok: dict[str, bool | None] = {name: True for name, kind in typed.items() if plain[name][kind[0]] is not None}
    ok.update({name: False for name, kind in typed.items() if plain[name][kind[0]] == -1})
    for kind in KINDS:

        def fits(raw: ir.StringValue, kind=kind) -> dict[str, ir.Scalar]:
            column = raw if kind == "boolean" else missing.clean(raw, typed=True)
            parsed = parse_kind(kind, column, profile, "")
            read = {"integer": _whole(column, profile), "number": parsed.notnull() & ~_long_digits(column)}
            return {"ok": (column.isnull() | read.get(kind, parsed.notnull())).min()}

        names = [name for name, (chosen,) in typed.items() if chosen == kind and name not in ok]
        # Each value once: whether every value reads does not depend on how often each is written.
        found = column_counts.values_per_column(text, names, fits, distinct=True)
        ok.update({name: values["ok"] for name, values in found.items()})
    return {name: kind if kind == "string" or ok[name] in (True, None) else "string" for name, kind in proposed.items()}


def _whole(column: ir.StringValue, profile: coerce.ColumnProfile) -> ir.BooleanValue:
    """Reads as a whole number that a 64-bit integer holds."""
    # The same as `whole & integer.notnull()` (NULL when the number is, and the integer is not), as
    # a CASE: inside AND the engine would compute each parser's shared parts again and again.
    whole = coerce.parse_number(column, profile) % 1 == 0
    return ibis.ifelse(coerce.parse_integer(column, profile).notnull(), whole, ibis.literal(False))


def _long_digits(column: ir.StringValue) -> ir.BooleanValue:
    """A digit run longer than a float64 holds exactly (15 significant digits)."""
    return column.re_search(r"^\s*[+\-]?0*[1-9]\d{15,}\s*$")


def parse_kind(kind: str, column: ir.StringValue, profile: coerce.ColumnProfile, name: str) -> ir.Value:
    if kind == "date":
        return coerce.parse_date(column, profile)
    if kind == "number":
        return coerce.parse_number(column, profile, percent_as_fraction=name == "discount")
    if kind == "integer":
        return coerce.parse_integer(column, profile)
    if kind == "boolean":
        return coerce.parse_boolean(column)
    if kind == "list":
        return coerce.parse_list(column)
    return column
