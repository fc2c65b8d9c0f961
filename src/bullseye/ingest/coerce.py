"""Typing of text values as Ibis expressions: dates, numbers, booleans and multi-value lists.

Each parser returns NULL where a non-empty value cannot be read (or cannot be stored exactly: an
infinity, a whole number beyond 64 bits); the loader compares the parsed value with the raw one to
report exactly which values failed, and :func:`failure_reason` says why. Column-wide choices that a
single value cannot settle (day-first or month-first dates, decimal comma or point) are detected
from the whole column by :func:`bullseye.ingest.column_counts.profile_columns` before parsing. Which raw values mean "missing"
is decided per column by :class:`MissingTokens`, once the column's type is known.
"""

from __future__ import annotations

from dataclasses import dataclass

import ibis
import ibis.expr.datatypes as dt
import ibis.expr.types as ir

from bullseye.config import MISSING_EVERYWHERE, MISSING_IN_TYPED

__all__ = [
    "NULL_TOKENS",
    "ColumnProfile",
    "MissingTokens",
    "clean_text",
    "failure_reason",
    "parse_date",
    "parse_number",
    "parse_integer",
    "parse_boolean",
    "parse_list",
    "finite",
    "to_int64",
    "EXPECTED",
    "INT64_LIMIT",
    "NUMBER_SHAPE",
    "ISO_DATE",
    "NUMERIC_DATE",
    "MONTH_NAME",
    "LONG_DIGITS",
    "SLASH_SHAPE",
    "NAMED_SHAPE",
]

#: What staging turns into NULL: only empty cells. Placeholders are read later, per column, by
#: :class:`MissingTokens`, so that they are counted and real text values ("NA", "None") survive.
NULL_TOKENS = ("",)
TRUE_TOKENS = ("true", "t", "yes", "y", "1", "sim", "s", "si", "sí", "x", "verdadeiro", "checked")
FALSE_TOKENS = ("false", "f", "no", "n", "0", "nao", "não", "falso", "unchecked")

# A time after a date: "T10:00", " 10:30:00.123 PM", ", 10:23 AM" (Salesforce), then "Z", "UTC", "EST",
# "+02:00". Anything else after a date is not part of it ("2024-01-01junk" is refused, not read as 2024-01-01).
TIME_TAIL = (
    r"(?:(?:T|,?\s+)\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?\s*(?:[AaPp]\.?[Mm]\.?)?"
    r"\s*(?:Z|[A-Z]{2,5}(?:[+\-]\d{1,2}(?::?\d{2})?)?|[+\-]\d{2}(?::?\d{2})?)?)?"
)
ISO_DATE = r"^(\d{4}-\d{1,2}-\d{1,2})" + TIME_TAIL + r"$"
NUMERIC_DATE = r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4}|\d{2})" + TIME_TAIL + r"$"
DATE_PREFIX = r"^(\d{4}-\d{1,2}-\d{1,2}|\d{1,2}[/.\-]\d{1,2}[/.\-]\d{2,4})"
#: The gates of the named formats (see ``_first``): a month's name, or a run of digits (%Y%m%d).
MONTH_NAME = r"(?i)(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)"
LONG_DIGITS = r"^[\s\v]*\d{7,}[\s\v]*$"
#: What the named formats can read, whole (strptime allows whitespace around a value): three digit
#: runs between slashes; a day, a month's name and a year, or a month's name, a day and a year.
#: Necessary, not sufficient: the gates in front of the full parser that URLs and notes (a slash
#: and a digit, or "mar" in "market") do not pass.
SLASH_SHAPE = r"^[\s\v]*\d+[\s\v]*/[\s\v]*\d+[\s\v]*/[\s\v]*\d+[\s\v]*$"
_SEPARATOR = r"[\s\v,\-]+"
NAMED_SHAPE = (
    r"^[\s\v]*(\d+"
    + _SEPARATOR
    + r"[A-Za-z]+"
    + _SEPARATOR
    + r"\d+|[A-Za-z]+"
    + _SEPARATOR
    + r"\d+"
    + _SEPARATOR
    + r"\d+)[\s\v]*$"
)
NAMED_FORMATS = (
    "%Y/%m/%d",
    "%d %b %Y",
    "%d %B %Y",
    "%b %d, %Y",
    "%B %d, %Y",
    "%d-%b-%Y",
    "%d-%b-%y",
    "%b %d %Y",
    "%Y%m%d",
)
SUFFIX = r"(k|mm|mn|mil|mi|million|millions|thousand|m|bn|bi|billion|b)"
SUFFIXES = {
    "k": 1e3,
    "mil": 1e3,
    "thousand": 1e3,
    "m": 1e6,
    "mm": 1e6,
    "mn": 1e6,
    "mi": 1e6,
    "million": 1e6,
    "millions": 1e6,
    "b": 1e9,
    "bn": 1e9,
    "bi": 1e9,
    "billion": 1e9,
}
# The digits of a number as each decimal mark writes them: thousands groups (Indian lakh groups
# too, with a point) and an optional fraction. A value outside its column's grammar is not guessed at.
POINT_DIGITS = r"^(\d{1,3}(,\d{3})+|\d{1,2}(,\d{2})+,\d{3}|\d+)(\.\d*)?$"
COMMA_DIGITS = r"^(\d{1,3}(\.\d{3})+|\d+)(,\d*)?$"
#: A necessary condition for a number: digits, marks, signs, currency symbols, spaces and the letters
#: of the currency codes, the magnitude suffixes and an exponent (what ``_bare`` removes, and the grammar).
_NUMBER_CHARS = r"[0-9,.()+\-%$€£\sabdeghiklmnoprstu]"
NUMBER_SHAPE = r"(?i)^" + _NUMBER_CHARS + r"*\d" + _NUMBER_CHARS + r"*$"
#: Whole numbers are stored as 64-bit integers: magnitudes from this on do not fit.
INT64_LIMIT = 2.0**63

#: What a value of each type looks like, for error messages.
EXPECTED = {
    "date": "a date such as 2025-03-31 or 31/03/2025",
    "number": "a number such as 1234.5, 1,234.50, $1.2M or 15%",
    "integer": "a whole number such as 120, 1,200 or a range such as 51-200",
    "boolean": "yes/no, true/false or 1/0",
}


@ibis.udf.scalar.builtin
def try_strptime(value: str, fmt: str) -> dt.timestamp:  # noqa: ARG001 - DuckDB builtin
    ...


@ibis.udf.scalar.builtin(name="round")
def round_float(value: float, digits: int) -> dt.float64:  # noqa: ARG001 - DuckDB builtin
    """ROUND as a float (Ibis casts its own round(0) to an integer, which fails out of range)."""
    ...


@dataclass(frozen=True)
class MissingTokens:
    """Raw values read as missing (compared lower-cased): some in every column, some only in
    number, date and yes/no columns, where they cannot be real values."""

    everywhere: tuple[str, ...] = MISSING_EVERYWHERE
    typed_only: tuple[str, ...] = MISSING_IN_TYPED

    @classmethod
    def from_settings(cls, settings) -> MissingTokens:
        """From ``bullseye.yaml``'s ``missing_values``: the lists, plus ``add``, minus ``keep``."""
        keep = {t.strip().lower() for t in settings.keep}

        def normal(tokens):
            return tuple(
                dict.fromkeys(t.strip().lower() for t in tokens if t.strip() and t.strip().lower() not in keep)
            )

        listed = MISSING_EVERYWHERE if settings.everywhere is None else settings.everywhere
        typed_only = MISSING_IN_TYPED if settings.typed_only is None else settings.typed_only
        everywhere = normal([*listed, *settings.add])
        return cls(everywhere, tuple(t for t in normal(typed_only) if t not in everywhere))

    def tokens(self, typed: bool) -> tuple[str, ...]:
        return self.everywhere + self.typed_only if typed else self.everywhere

    def matches(self, value: ir.StringValue, typed: bool = False) -> ir.BooleanValue:
        tokens = self.tokens(typed)
        return value.lower().isin(tokens) if tokens else ibis.literal(False)

    def clean(self, value: ir.StringValue, typed: bool = False) -> ir.StringValue:
        return ibis.ifelse(self.matches(value, typed) | (value == ""), ibis.null(dt.string), value)


def clean_text(raw: ir.StringValue, missing: MissingTokens = MissingTokens()) -> ir.StringValue:
    """Trim and turn the placeholders for 'no value' of every column into NULL."""
    return missing.clean(raw.strip())


@dataclass(frozen=True)
class ColumnProfile:
    """Column-wide reading choices."""

    day_first: bool = True
    decimal_comma: bool = False
    #: Every value is written plainly (digits only; a number the engine casts; an ISO date): the
    #: parser then is a cast, which reads these values exactly as the full parser does, faster.
    plain: bool = False


def _first(formats: tuple[str, ...], text: ir.StringValue) -> ir.TimestampValue:
    """The first format that reads the value. Each is tried only on values it could read: a failed
    strptime costs microseconds, and most values of most columns are not dates."""
    month = text.re_search(MONTH_NAME)
    gates = {"/": text.contains("/"), "digits": text.re_search(LONG_DIGITS)}

    def gate(fmt: str) -> ir.BooleanValue:
        return month if "%b" in fmt or "%B" in fmt else gates["/" if "/" in fmt else "digits"]

    return ibis.coalesce(*(ibis.ifelse(gate(f), try_strptime(text, f), ibis.null(dt.timestamp)) for f in formats))


def parse_date(value: ir.StringValue, profile: ColumnProfile) -> ir.DateValue:
    """Dates, optionally followed by a time. Two-digit years follow the POSIX rule (as Python's and
    DuckDB's ``%y``): 00-68 are 2000-2068, 69-99 are 1969-1999."""
    if profile.plain:  # the first branch below
        parsed = try_strptime(value.re_extract(ISO_DATE, 1), "%Y-%m-%d").cast(dt.date)
        return ibis.ifelse(parsed.year().between(1800, 2200), parsed, ibis.null(dt.date))
    day = value.re_extract(NUMERIC_DATE, 1 if profile.day_first else 2)
    month = value.re_extract(NUMERIC_DATE, 2 if profile.day_first else 1)
    year = value.re_extract(NUMERIC_DATE, 3)
    numeric = day + "/" + month + "/" + year
    # CASE evaluates only the branch a value needs; most columns are all ISO or all one format.
    parsed = ibis.cases(
        (value.re_search(ISO_DATE), try_strptime(value.re_extract(ISO_DATE, 1), "%Y-%m-%d")),
        (value.re_search(NUMERIC_DATE) & (year.length() == 4), try_strptime(numeric, "%d/%m/%Y")),
        (value.re_search(NUMERIC_DATE), try_strptime(numeric, "%d/%m/%y")),
        else_=_first(NAMED_FORMATS, value),
    ).cast(dt.date)
    plausible = parsed.year().between(1800, 2200)
    return ibis.ifelse(plausible, parsed, ibis.null(dt.date))


def _bare(value: ir.StringValue) -> ir.StringValue:
    """The value without currency, spaces and a magnitude suffix."""
    return value.re_replace(r"(?i)(r\$|us\$|usd|brl|eur|gbp|[$€£\s])", "").re_replace(
        r"(?i)" + SUFFIX + r"\.?(%?\)?)$", "\\2"
    )


def _numeric_core(value: ir.StringValue, profile: ColumnProfile) -> tuple[ir.FloatingValue, ir.StringValue]:
    """The number a value writes, before the finiteness check (may be infinite); and the value lower-cased.

    Each sub-expression refers to the value as few times as it can: the SQL of nested parsers grows
    with every reference.
    """
    lowered = value.lower()
    # Only values made of what a number, a currency and a magnitude are written with can be read:
    # the others skip the regular expressions below (they are NULL to them).
    value = ibis.ifelse(value.re_search(NUMBER_SHAPE), value, ibis.null(dt.string))
    suffix = value.lower().re_extract(r"\d\s*" + SUFFIX + r"\.?\s*$", 1)
    # A map, not a CASE per suffix: the engine would repeat the regular expression in every branch.
    multiplier = ibis.coalesce(ibis.map(SUFFIXES)[suffix], ibis.literal(1.0))
    bare = _bare(value)
    # Only an optional sign or parentheses around digits written in the column's decimal mark (an
    # exponent, a percent sign) is a number; "(300)" is negative.
    digits = (COMMA_DIGITS if profile.decimal_comma else POINT_DIGITS)[1:-1]
    grammar = r"^[(+\-]?" + digits + r"([eE][+\-]?\d+)?%?\)?$"
    sign = ibis.cases((bare.re_search(grammar), 1.0), else_=ibis.null(dt.float64)) * ibis.ifelse(
        bare.startswith("("), -1.0, 1.0
    )
    if profile.decimal_comma:
        plain = bare.re_replace(r"[.()%]", "").replace(",", ".")
    else:
        plain = bare.re_replace(r"[,()%]", "")
    return plain.try_cast(dt.float64) * multiplier.cast(dt.float64) * sign, lowered


def _number_unchecked(value: ir.StringValue, profile: ColumnProfile) -> tuple[ir.FloatingValue, ir.StringValue]:
    if profile.decimal_comma:
        return _numeric_core(value, profile)
    # Plain numbers skip the regular expressions: the engine may compute a shared part of an
    # expression for every row, so the other values are handed on and plain ones become NULL.
    plain = value.try_cast(dt.float64)
    return ibis.coalesce(
        plain, _numeric_core(ibis.ifelse(plain.isnull(), value, ibis.null(dt.string)), profile)[0]
    ), value.lower()


def finite(number: ir.FloatingValue) -> ir.FloatingValue:
    """NULL for infinities and NaN, which no export means as a value (one reference to the number)."""
    return number.nullif(float("inf")).nullif(float("-inf")).nullif(float("nan"))


def parse_number(value: ir.StringValue, profile: ColumnProfile, percent_as_fraction: bool = False) -> ir.FloatingValue:
    if profile.plain and not profile.decimal_comma:  # the first value of the COALESCE
        number, lowered = value.try_cast(dt.float64), value.lower()
    else:
        number, lowered = _number_unchecked(value, profile)
    number = finite(number)
    if percent_as_fraction:
        number = number / ibis.ifelse(lowered.contains("%"), 100.0, 1.0)
    return number


def to_int64(number: ir.FloatingValue) -> ir.IntegerValue:
    """Round to a whole number; NULL (never an error) for infinities, NaN and beyond the 64-bit range."""
    return round_float(number, 0).try_cast(dt.int64)


def parse_integer(value: ir.StringValue, profile: ColumnProfile) -> ir.IntegerValue:
    """Whole numbers; a band such as '51-200' becomes its midpoint and '10,001+' its lower bound.
    A run of digits is read exactly (not through a float), so 19-digit ids keep every digit."""
    if profile.plain:  # digits only: the first branch below
        return value.try_cast(dt.int64)
    band = r"^\s*([\d.,]+)\s*[-–]\s*([\d.,]+)\s*$"
    digits, is_band = value.re_search(r"^[+\-]?\d+$"), value.re_search(band)
    # Each branch reads only its own values (others are NULL to it): the engine may compute a
    # branch's shared parts for every row, and the number parser is costly.
    banded = ibis.ifelse(is_band, value, ibis.null(dt.string))
    low = _numeric_core(banded.re_extract(band, 1), profile)[0]
    high = _numeric_core(banded.re_extract(band, 2), profile)[0]
    other = ibis.ifelse(digits | is_band, ibis.null(dt.string), value)
    single = _number_unchecked(other.re_replace(r"\+\s*$", ""), profile)[0]
    whole = ibis.ifelse(digits, value, ibis.null(dt.string)).try_cast(dt.int64)
    # A COALESCE of branches that are NULL off their own values (not a CASE): the engine shares the
    # parts they have in common only outside a CASE.
    return ibis.coalesce(whole, to_int64((low + high) / 2.0), to_int64(single))


def parse_boolean(value: ir.StringValue) -> ir.BooleanValue:
    lowered = value.lower()
    return ibis.ifelse(
        lowered.isin(TRUE_TOKENS), True, ibis.ifelse(lowered.isin(FALSE_TOKENS), False, ibis.null(dt.boolean))
    )


def parse_list(value: ir.StringValue) -> ir.ArrayValue:
    parts = value.re_split(r"\s*[;|,\n]\s*")
    return parts.filter(lambda part: part.length() > 0)


def failure_reason(kind: str, value: ir.StringValue, profile: ColumnProfile) -> ir.StringValue:
    """Why a non-empty value of a column of this kind did not load (evaluate on failed values only)."""
    expected = ibis.literal(f"expected {EXPECTED[kind]}") if kind in EXPECTED else ibis.literal("cannot be read")
    if kind == "date":
        return ibis.cases(
            (
                value.re_search(DATE_PREFIX) & ~value.re_search(ISO_DATE) & ~value.re_search(NUMERIC_DATE),
                "a date followed by other text: " + expected,
            ),
            (value.re_search(DATE_PREFIX), "no such day, or a year outside 1800-2200: " + expected),
            else_=expected,
        )
    if kind not in ("number", "integer"):
        return expected
    number, lowered = _number_unchecked(value, profile)
    other = _number_unchecked(value, ColumnProfile(decimal_comma=not profile.decimal_comma))[0]
    mark, other_mark = ("comma", "point") if profile.decimal_comma else ("point", "comma")
    infinite = lowered.re_search(r"^[+\-]?(inf|infinity|nan)$")
    return ibis.cases(
        (number.isinf() | number.isnan() | infinite, "not a finite number (infinity or NaN)"),
        (
            number.isnull() & other.notnull() & ~other.isinf(),
            f"written with a decimal {other_mark}, but this column mostly uses a decimal {mark}: "
            "not read, to avoid misreading it",
        ),
        (
            ibis.literal(kind == "integer") & (number.abs() >= INT64_LIMIT),
            "a whole number too large to store (beyond 64 bits, about 9.2e18)",
        ),
        else_=expected,
    )
