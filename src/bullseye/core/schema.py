"""The canonical tables: the contract between ingest and everything after it.

Every export is mapped onto these tables. A column marked ``required`` must be present in a file
loaded into the table; other columns may be absent (they are then empty). Columns a file has that
are not canonical are kept as custom attributes with a snake_case name and an inferred type.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

__all__ = ["Column", "Table", "TABLES", "ColumnType", "DEAL_STAGES", "table_spec", "to_markdown"]

ColumnType = Literal["string", "text", "integer", "number", "date", "boolean", "list"]

#: Normalised deal stages; the raw stage is kept in ``stage_raw``.
DEAL_STAGES = ("won", "lost", "open")


@dataclass(frozen=True)
class Column:
    name: str
    type: ColumnType
    description: str
    required: bool = False
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class Table:
    name: str
    description: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    #: Column holding a reference to an account (checked against ``accounts``), if any.
    account_ref: str | None = None
    file_aliases: tuple[str, ...] = field(default=())
    #: Columns whose values identify a row when the key column is absent: the key is then derived
    #: from them (a hash), so the same row given twice is a duplicate key.
    key_from: tuple[str, ...] = ()

    def column(self, name: str) -> Column:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(name)

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(col.name for col in self.columns)

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(col.name for col in self.columns if col.required)


def _firmographics() -> tuple[Column, ...]:
    return (
        Column("name", "string", "Company name.", aliases=("company", "company_name", "account_name")),
        Column("domain", "string", "Web domain, e.g. acme.com.", aliases=("website", "company_domain", "url")),
        Column("industry", "string", "Industry or market segment.", aliases=("sector", "segment", "vertical")),
        Column("country", "string", "Country.", aliases=("country_region",)),
        Column("region", "string", "State, province or region.", aliases=("state", "state_region", "province")),
        Column("city", "string", "City or metro area.", aliases=("metro",)),
        Column(
            "employees",
            "integer",
            "Number of employees.",
            aliases=("employee_count", "headcount", "number_of_employees", "team_size"),
        ),
        Column("revenue", "number", "Annual revenue in the workspace currency.", aliases=("annual_revenue",)),
        Column("founded_year", "integer", "Year founded.", aliases=("year_founded", "year_established", "founded")),
        Column(
            "tech_stack",
            "list",
            "Technologies in use, e.g. 'Salesforce; Marketo'.",
            aliases=("technologies", "technographics"),
        ),
    )


TABLES: dict[str, Table] = {
    t.name: t
    for t in (
        Table(
            "accounts",
            "Companies in the CRM: prospects, customers and former customers.",
            (
                Column(
                    "account_id", "string", "Unique id of the account.", required=True, aliases=("company_id", "id")
                ),
                *_firmographics(),
                Column("owner", "string", "Account owner.", aliases=("account_owner",)),
                Column("source", "string", "Lead or account source.", aliases=("lead_source", "origin")),
                Column(
                    "created_at",
                    "date",
                    "When the account entered the CRM.",
                    aliases=("create_date", "created_date", "created"),
                ),
            ),
            key=("account_id",),
            file_aliases=("accounts", "account", "companies", "company", "organisations", "organizations"),
        ),
        Table(
            "deals",
            "Opportunities: won, lost or still open.",
            (
                Column("deal_id", "string", "Unique id of the deal.", required=True, aliases=("opportunity_id", "id")),
                Column("account_id", "string", "The account the deal belongs to.", aliases=("company_id",)),
                Column("name", "string", "Deal name.", aliases=("deal_name", "opportunity_name")),
                Column(
                    "stage",
                    "string",
                    "won, lost or open (normalised from the raw stage).",
                    required=True,
                    aliases=("deal_stage", "status"),
                ),
                Column("stage_raw", "string", "The stage as exported."),
                Column(
                    "created_at",
                    "date",
                    "When the deal was created.",
                    aliases=("create_date", "created_date", "engage_date"),
                ),
                Column(
                    "closed_at",
                    "date",
                    "When the deal was won or lost.",
                    aliases=("close_date", "closed_date", "won_date"),
                ),
                Column(
                    "amount",
                    "number",
                    "Contract value (ACV for subscriptions).",
                    aliases=("value", "close_value", "deal_amount", "acv"),
                ),
                Column("list_price", "number", "List price before discount.", aliases=("list_amount",)),
                Column(
                    "discount",
                    "number",
                    "Discount as a fraction of list price (0.15 = 15%).",
                    aliases=("discount_pct",),
                ),
                Column("product", "string", "Product sold."),
                Column(
                    "source", "string", "Where the deal came from.", aliases=("lead_source", "deal_source", "origin")
                ),
                Column("owner", "string", "Sales rep who owns the deal.", aliases=("deal_owner", "sales_agent", "rep")),
            ),
            key=("deal_id",),
            account_ref="account_id",
            file_aliases=("deals", "deal", "opportunities", "opportunity", "pipeline", "sales_pipeline"),
        ),
        Table(
            "subscriptions",
            "Contracts of customers: one row per subscription period.",
            (
                Column(
                    "subscription_id",
                    "string",
                    "Unique id of the subscription.",
                    required=True,
                    aliases=("contract_id", "id"),
                ),
                Column("account_id", "string", "The customer.", required=True, aliases=("company_id",)),
                Column("product", "string", "Product or plan.", aliases=("plan",)),
                Column(
                    "start_date",
                    "date",
                    "First day of the subscription.",
                    required=True,
                    aliases=("start", "started_at"),
                ),
                Column(
                    "end_date",
                    "date",
                    "Last day, empty while active.",
                    aliases=("end", "ended_at", "cancel_date", "churn_date"),
                ),
                Column(
                    "arr",
                    "number",
                    "Annual recurring revenue of the subscription.",
                    aliases=("annual_recurring_revenue",),
                ),
                Column("mrr", "number", "Monthly recurring revenue (ARR = 12 x MRR when ARR is absent)."),
            ),
            key=("subscription_id",),
            account_ref="account_id",
            file_aliases=("subscriptions", "subscription", "contracts", "contract"),
        ),
        Table(
            "usage",
            "Product usage per account and period (for example weekly).",
            (
                Column("account_id", "string", "The customer.", required=True, aliases=("company_id",)),
                Column(
                    "period_start",
                    "date",
                    "First day of the period.",
                    required=True,
                    aliases=("week", "date", "period", "week_start"),
                ),
                Column("active_users", "number", "Active users in the period.", aliases=("users", "wau")),
                Column(
                    "actions",
                    "number",
                    "Key actions in the period (e.g. routes optimised).",
                    aliases=("events", "sessions"),
                ),
            ),
            key=("account_id", "period_start"),
            account_ref="account_id",
            file_aliases=("usage", "product_usage", "activity"),
        ),
        Table(
            "contacts",
            "People at accounts.",
            (
                Column("contact_id", "string", "Unique id of the contact.", required=True, aliases=("person_id", "id")),
                Column("account_id", "string", "Their company.", aliases=("company_id",)),
                Column("name", "string", "Full name.", aliases=("full_name",)),
                Column("email", "string", "Email address."),
                Column("title", "string", "Job title as written.", aliases=("job_title",)),
                Column(
                    "created_at",
                    "date",
                    "When the contact record was created (or last updated).",
                    aliases=("create_date", "created_date"),
                ),
            ),
            key=("contact_id",),
            account_ref="account_id",
            file_aliases=("contacts", "contact", "people", "persons", "leads"),
        ),
        Table(
            "deal_contacts",
            "Who took part in which deal, and in what role.",
            (
                Column("deal_id", "string", "The deal.", required=True, aliases=("opportunity_id",)),
                Column("contact_id", "string", "The contact.", required=True),
                Column(
                    "role",
                    "string",
                    "Role in the buying committee (champion, economic buyer, blocker, ...).",
                    aliases=("contact_role",),
                ),
            ),
            key=("deal_id", "contact_id"),
            file_aliases=("deal_contacts", "deal_contact", "opportunity_contacts", "contact_roles"),
        ),
        Table(
            "notes",
            "Interview, call, survey and win/loss notes.",
            (
                Column("note_id", "string", "Unique id of the note.", required=True, aliases=("id",)),
                Column("account_id", "string", "The account.", aliases=("company_id",)),
                Column("deal_id", "string", "The deal, if any."),
                Column("contact_id", "string", "Who spoke, if known."),
                Column("note_type", "string", "interview, call, survey, win_loss, ...", aliases=("type", "kind")),
                Column("created_at", "date", "When.", required=True, aliases=("date", "note_date")),
                Column("score", "number", "A survey score such as NPS (0-10), if any.", aliases=("nps",)),
                Column("body", "text", "The text of the note.", required=True, aliases=("text", "note", "content")),
            ),
            key=("note_id",),
            account_ref="account_id",
            file_aliases=("notes", "note", "calls", "interviews", "surveys"),
        ),
        Table(
            "events",
            "Dated things that happened to companies: funding, executive hires, headcount changes, layoffs.",
            (
                Column(
                    "event_id",
                    "string",
                    "Unique id; when absent, derived from the event's type, company, date, "
                    "title, value and description, so the same event given twice is a duplicate.",
                    aliases=("id",),
                ),
                Column("account_id", "string", "The account, when the company is in the CRM.", aliases=("company_id",)),
                Column(
                    "company_id", "string", "The universe company, when it is not in the CRM.", aliases=("universe_id",)
                ),
                Column(
                    "company_name",
                    "string",
                    "The company's name as the source gives it, for matching when "
                    "the source has no id of ours (e.g. layoff trackers).",
                    aliases=("company", "organization", "organisation"),
                ),
                Column(
                    "domain", "string", "The company's web domain, for matching.", aliases=("website", "company_domain")
                ),
                Column(
                    "event_type",
                    "string",
                    "funding, exec_hire, headcount_change, layoff, tech_adopted, ...",
                    required=True,
                    aliases=("type", "kind"),
                ),
                Column("occurred_at", "date", "When it happened.", required=True, aliases=("date", "event_date")),
                Column("title", "string", "Job title for hires and departures.", aliases=("job_title",)),
                Column("value", "number", "Amount of money raised, headcount change, and so on.", aliases=("amount",)),
                Column("description", "text", "Free text."),
                Column("source", "string", "Where the event came from."),
            ),
            key=("event_id",),
            account_ref="account_id",
            file_aliases=("events", "event", "signals"),
            key_from=(
                "event_type",
                "account_id",
                "company_id",
                "company_name",
                "domain",
                "occurred_at",
                "title",
                "value",
                "description",
            ),
        ),
        Table(
            "universe",
            "The market: companies that could buy, mostly not yet in the CRM.",
            (
                Column("company_id", "string", "Unique id in the list.", required=True, aliases=("id",)),
                *_firmographics(),
            ),
            key=("company_id",),
            file_aliases=("universe", "market", "companies_universe", "prospects"),
        ),
        Table(
            "spend",
            "Marketing and sales spend by month and channel.",
            (
                Column("month", "date", "First day of the month.", required=True, aliases=("period", "date")),
                Column("channel", "string", "Channel or cost centre.", required=True),
                Column("kind", "string", "marketing or sales.", aliases=("type", "category")),
                Column("amount", "number", "Money spent.", required=True, aliases=("spend", "cost")),
            ),
            key=("month", "channel"),
            file_aliases=("spend", "costs", "marketing_spend"),
        ),
    )
}


def table_spec(name: str) -> Table:
    from bullseye.errors import NotFoundError

    try:
        return TABLES[name]
    except KeyError:
        raise NotFoundError(f"unknown table '{name}'; the canonical tables are: {', '.join(TABLES)}") from None


def to_markdown() -> str:
    """The reference of the canonical tables (docs/tables.md is this text; a test keeps them equal)."""
    lines = [
        "# Canonical tables",
        "",
        "Every export is mapped onto these tables (see [loading.md](loading.md)). Required columns must",
        "be present in a file loaded into the table; the others may be absent. Columns a file has that",
        "are not listed here are kept as custom attributes, with a snake_case name and a type inferred",
        "from their values. Every row also records the `_file` and `_line` it came from.",
        "",
        "This page is generated from `src/bullseye/core/schema.py` by `python -m bullseye.core.schema`.",
        "",
    ]
    for table in TABLES.values():
        lines += [
            f"## {table.name}",
            "",
            table.description,
            "",
            f"Key: {', '.join(table.key)}. File names recognised: {', '.join(table.file_aliases)}.",
            "",
        ]
        if table.key_from:
            lines += [
                f"When a file has no {', '.join(table.key)}, it is derived from {', '.join(table.key_from)} "
                "(not from `source`), so the same row given twice, or by two sources, is a duplicate key.",
                "",
            ]
        lines += ["| column | type | required | also recognised | meaning |", "|---|---|---|---|---|"]
        for col in table.columns:
            lines.append(
                f"| {col.name} | {col.type} | {'yes' if col.required else ''} | "
                f"{', '.join(col.aliases)} | {col.description} |"
            )
        lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    print(to_markdown(), end="")
