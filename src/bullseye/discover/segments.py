"""One discovery segment outside the report: where it is in a result (a stable key), the accounts in
it (paged), and the segment added to the draft ICP as a criterion or a disqualifier by a person.

Example::

    found = ws.discover("win")
    finding = find_segment(found, "win.better.0")
    ws.segment_accounts(found, "win.better.0", page=1).rows[:3]
    ws.add_to_draft(found, "win.worse.0", as_disqualifier=True, expected_hash=ws.draft_hash())
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from bullseye.errors import ConflictError, InvalidInputError, NotFoundError
from bullseye.results import Result

if TYPE_CHECKING:
    from bullseye.discover.findings import Finding
    from bullseye.discover.result import DiscoveryResult

__all__ = [
    "SegmentAccounts",
    "AddedToDraft",
    "segment_key",
    "segments",
    "find_segment",
    "segment_accounts",
    "add_to_draft",
    "PER_PAGE",
]

PER_PAGE = 50
#: Account columns every segment page shows besides the segment's own attributes.
SHOWN = ("account_id", "name", "industry", "employees", "is_customer", "churned")
_SIDES = {"better": "findings", "worse": "negative"}
#: A new draft is looked at again after this many days (as a drafted one, see discover/propose.py).
REVIEW_AFTER_DAYS = 90


def segment_key(outcome: str, direction: int, index: int) -> str:
    """``win.better.0``: the outcome, the side and the place in that list of the result."""
    return f"{outcome}.{'better' if direction > 0 else 'worse'}.{index}"


def segments(result: DiscoveryResult) -> list[tuple[str, Finding]]:
    """Every segment of ``result`` with its key, in report order."""
    out = []
    for outcome, report in result.reports.items():
        for side, attribute in _SIDES.items():
            for index, finding in enumerate(getattr(report, attribute)):
                out.append((segment_key(outcome, 1 if side == "better" else -1, index), finding))
    return out


def find_segment(result: DiscoveryResult, key: str) -> Finding:
    rest = key.rsplit(".", 2)
    if len(rest) != 3 or rest[1] not in _SIDES or not rest[2].isdigit():
        raise InvalidInputError(f"'{key}' is not a segment key (expected OUTCOME.better|worse.NUMBER)")
    outcome, side, index = rest[0], rest[1], int(rest[2])
    report = result.reports.get(outcome)
    found = getattr(report, _SIDES[side]) if report is not None else []
    if index >= len(found):
        raise NotFoundError(f"no segment {key} in this discovery run; run discovery again or pick one from the list")
    return found[index]


@dataclass(repr=False)
class SegmentAccounts(Result):
    """The accounts in one segment, one page of them (``rows``), best known first: customers, then by name."""

    key: str
    label: str
    total: int
    customers: int
    page: int
    per_page: int
    columns: list[str]
    rows: list[dict[str, Any]] = field(default_factory=list)

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "label": self.label,
            "total": self.total,
            "customers": self.customers,
            "page": self.page,
            "pages": self.pages,
            "per_page": self.per_page,
            "columns": self.columns,
            "rows": self.rows,
        }


def segment_accounts(result: DiscoveryResult, key: str, page: int = 1, per_page: int = PER_PAGE) -> SegmentAccounts:
    """The accounts of the discovery data that meet every condition of segment ``key``."""
    finding = find_segment(result, key)
    accounts = result.data.accounts
    inside = np.ones(len(accounts), dtype=bool)
    for condition in finding.conditions:
        inside &= condition.mask(accounts)
    members = accounts[inside]
    wanted = [c for c in SHOWN if c in members.columns]
    wanted += [c.attribute for c in finding.conditions if c.attribute in members.columns and c.attribute not in wanted]
    customers = members["is_customer"].eq(True) if "is_customer" in members.columns else None
    order = members.assign(_customer=~customers if customers is not None else False)
    order = order.sort_values(["_customer", "name" if "name" in members.columns else "account_id", "account_id"])
    pages = max(1, -(-len(members) // per_page))
    if page < 1 or page > pages:
        raise NotFoundError(f"page {page} of segment {key} does not exist; it has {pages} page(s)")
    chunk = order.iloc[(page - 1) * per_page : page * per_page][wanted]
    rows = [{c: _cell(v) for c, v in row.items()} for row in chunk.to_dict("records")]
    return SegmentAccounts(
        key=key,
        label=finding.label,
        total=int(len(members)),
        customers=int(customers.sum()) if customers is not None else 0,
        page=page,
        per_page=per_page,
        columns=wanted,
        rows=rows,
    )


def _cell(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    return value


@dataclass(repr=False)
class AddedToDraft(Result):
    """A segment written into the draft ICP: which rule, as what, and the draft's hash afterwards."""

    key: str
    rule_id: str
    rule_name: str
    kind: str  # "criterion" or "disqualifier"
    path: Path
    draft_hash: str
    created: bool  # True when there was no draft before

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "rule_id": self.rule_id,
            "rule_name": self.rule_name,
            "kind": self.kind,
            "path": str(self.path),
            "draft_hash": self.draft_hash,
            "created": self.created,
        }


def add_to_draft(
    root: Path,
    result: DiscoveryResult,
    key: str,
    as_disqualifier: bool,
    expected_hash: str | None,
    owner: str | None = None,
) -> AddedToDraft:
    """Append segment ``key`` to ``strategy/icp.yaml`` (a new draft when there is none), refusing with
    a ConflictError when the draft changed since ``expected_hash`` was read or already has the rule."""
    from bullseye.discover.propose import rule_from_finding
    from bullseye.strategy.drafts import draft_hash
    from bullseye.strategy.icp import ICP, ICP_FILE, load_icp, save_icp

    finding = find_segment(result, key)
    rule = rule_from_finding(finding, result, as_disqualifier)
    created = not (root / ICP_FILE).exists()
    if created:
        data_range = result.data.date_range
        icp = ICP(
            description="Segments chosen from discovery in the web workspace.",
            owner=owner,
            review_date=dt.date.today() + dt.timedelta(days=REVIEW_AFTER_DAYS),
            data_range=list(data_range) if data_range else None,
            generated_by="bullseye web (discovery)",
        )
    else:
        icp = load_icp(root)
    kind = "disqualifier" if as_disqualifier else "criterion"
    same = icp.disqualifiers if as_disqualifier else icp.criteria
    wanted = sorted(c.model_dump_json() for c in rule.conditions)
    for existing in same:
        if sorted(c.model_dump_json() for c in existing.conditions) == wanted:
            raise ConflictError(f"the draft already has '{existing.name}' as a {kind} with these conditions")
    taken = {c.id for c in icp.criteria} | {d.id for d in icp.disqualifiers} | {s.id for s in icp.signals}
    base, number = rule.id, 2
    while rule.id in taken:
        rule.id, number = f"{base}-{number}", number + 1
    update = {"disqualifiers": [*icp.disqualifiers, rule]} if as_disqualifier else {"criteria": [*icp.criteria, rule]}
    icp = icp.model_copy(update=update)
    # The hash check guards against overwriting another editor; a hand edit is theirs to keep, and it is kept.
    path, _ = save_icp(root, ICP.model_validate(icp.model_dump()), force=True, expected_hash=expected_hash)
    return AddedToDraft(key, rule.id, rule.name, kind, path, draft_hash(root), created)
