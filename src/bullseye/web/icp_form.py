"""The draft ICP as flat HTML form fields and back: ``form_fields(icp)`` for the page, ``parse_form(form,
base)`` for a save, ``field_errors(exc)`` to put pydantic's errors next to the fields they belong to.

Field names are ``owner``, ``tiers-a_capacity``, ``criteria-0-name``, ``criteria-0-cond-1-value`` ...
Evidence and signal filters are not edited on the form: they are kept from the draft the form was
loaded from, matched by the rule's id, so a save never drops what discovery measured.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import ValidationError

from bullseye.errors import InvalidInputError
from bullseye.strategy.icp import ICP, Criterion, Disqualifier, Signal

__all__ = [
    "form_fields",
    "parse_form",
    "field_errors",
    "apply_action",
    "LIST_OPERATORS",
    "NO_VALUE_OPERATORS",
    "OPERATORS",
    "RULE_KINDS",
    "validate",
    "fields_from_form",
]

OPERATORS = ["==", "!=", "in", "not in", ">=", ">", "<", "<=", "between", "contains", "is missing", "is not missing"]
LIST_OPERATORS = {"in", "not in", "between"}
NO_VALUE_OPERATORS = {"is missing", "is not missing"}
RULE_KINDS = ("criteria", "disqualifiers")
_ROW = re.compile(r"^(criteria|disqualifiers|signals)-(\d+)-")
_COND = re.compile(r"^(criteria|disqualifiers)-(\d+)-cond-(\d+)-")


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (list, tuple)):
        return ", ".join(_text(v) for v in value)
    return str(value)


def _condition(c: Any) -> dict[str, str]:
    return {"attribute": c.attribute, "op": c.op, "value": _text(c.value)}


def form_fields(icp: ICP) -> dict[str, Any]:
    """The draft as the form shows it: strings in rows, ready for the template (and the .json twin)."""

    def rule(r: Any, extra: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": r.id,
            "name": r.name,
            "assumption": r.assumption,
            "note": r.note or "",
            "evidence": [e.summary or e.metric for e in r.evidence],
            "conditions": [_condition(c) for c in r.conditions],
            **extra,
        }

    return {
        "name": icp.name,
        "description": icp.description,
        "owner": icp.owner or "",
        "review_date": _text(icp.review_date),
        "reviewers": ", ".join(icp.review.reviewers),
        "hygiene_every_days": str(icp.review.hygiene_every_days),
        "strategic_every_days": str(icp.review.strategic_every_days),
        "last_hygiene": _text(icp.review.last_hygiene),
        "last_strategic": _text(icp.review.last_strategic),
        "tiers": {
            "basis": icp.tiers.basis,
            "shares": [_text(s) for s in icp.tiers.shares],
            **{
                k: _text(getattr(icp.tiers, k))
                for k in ("a_capacity", "b_capacity", "a_min_score", "b_min_score", "c_min_score")
            },
        },
        "criteria": [rule(c, {"kind": c.kind}) for c in icp.criteria],
        "disqualifiers": [rule(d, {"reason": d.reason, "rests_on": d.rests_on or ""}) for d in icp.disqualifiers],
        "signals": [
            {
                "id": s.id,
                "name": s.name,
                "event_type": s.event_type,
                "direction": s.direction,
                "weight": _text(s.weight),
                "half_life_days": _text(s.half_life_days),
                "lookback_days": _text(s.lookback_days),
                "assumption": s.assumption,
                "note": s.note or "",
                "filters": s.filters.model_dump(exclude_none=True),
                "evidence": [e.summary or e.metric for e in s.evidence],
            }
            for s in icp.signals
        ],
    }


def _scalar(text: str) -> Any:
    """'5' -> 5, '2.5' -> 2.5, 'true' -> True, anything else stays text."""
    text = text.strip()
    if text.casefold() in ("true", "false"):
        return text.casefold() == "true"
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def _value(op: str, text: str) -> Any:
    if op in NO_VALUE_OPERATORS:
        return None
    if op in LIST_OPERATORS:
        return [_scalar(part) for part in text.split(",") if part.strip()]
    return _scalar(text)


def _optional(text: str | None) -> str | None:
    return text.strip() if text and text.strip() else None


def _rows(form: dict[str, str], kind: str) -> list[int]:
    return sorted({int(m.group(2)) for key in form if (m := _ROW.match(key)) and m.group(1) == kind})


def _conditions(form: dict[str, str], kind: str, i: int) -> list[dict[str, Any]]:
    numbers = sorted(
        {int(m.group(3)) for key in form if (m := _COND.match(key)) and m.group(1) == kind and int(m.group(2)) == i}
    )
    out = []
    for j in numbers:
        prefix = f"{kind}-{i}-cond-{j}-"
        attribute = form.get(prefix + "attribute", "").strip()
        if not attribute or form.get(prefix + "remove"):
            continue  # an empty row (the blank one offered for adding) or one ticked for removal
        op = form.get(prefix + "op", "==")
        out.append({"attribute": attribute, "op": op, "value": _value(op, form.get(prefix + "value", ""))})
    return out


def parse_form(form: dict[str, str], base: ICP) -> dict[str, Any]:
    """The submitted form as the ICP's data (not yet validated): what the form does not edit
    (evidence, signal filters, trigger rules, data range) is taken from ``base``."""
    data = base.model_dump(mode="json", exclude_none=True)
    edited: list[Criterion | Disqualifier | Signal] = [*base.criteria, *base.disqualifiers, *base.signals]
    old = {r.id: r for r in edited}
    data["name"] = form.get("name", base.name).strip() or base.name
    data["description"] = form.get("description", base.description).strip()
    data["owner"] = _optional(form.get("owner"))
    data["review_date"] = _optional(form.get("review_date"))
    review = dict(data.get("review", {}))
    review["reviewers"] = [r.strip() for r in form.get("reviewers", "").split(",") if r.strip()]
    for key in ("hygiene_every_days", "strategic_every_days", "last_hygiene", "last_strategic"):
        review[key] = _optional(form.get(key))
    data["review"] = {k: v for k, v in review.items() if v is not None}
    tiers = dict(data.get("tiers", {}))
    tiers["basis"] = form.get("tiers-basis", tiers.get("basis", "fit_score"))
    shares = [form.get(f"tiers-shares-{k}", "") for k in range(3)]
    if any(s.strip() for s in shares):
        tiers["shares"] = [_scalar(s) if s.strip() else "" for s in shares]
    for key in ("a_capacity", "b_capacity", "a_min_score", "b_min_score", "c_min_score"):
        tiers[key] = _optional(form.get(f"tiers-{key}"))
    data["tiers"] = {k: v for k, v in tiers.items() if v is not None}
    for kind in RULE_KINDS:
        rules = []
        for i in _rows(form, kind):
            prefix = f"{kind}-{i}-"
            rule_id = form.get(prefix + "id", "").strip()
            if form.get(prefix + "remove") or (not rule_id and not form.get(prefix + "name", "").strip()):
                continue
            rule = {
                "id": rule_id,
                "name": form.get(prefix + "name", "").strip(),
                "conditions": _conditions(form, kind, i),
                "assumption": bool(form.get(prefix + "assumption")),
                "note": _optional(form.get(prefix + "note")),
                "evidence": [e.model_dump(mode="json", exclude_none=True) for e in old[rule_id].evidence]
                if rule_id in old
                else [],
            }
            if kind == "criteria":
                rule["kind"] = form.get(prefix + "kind", "firmographic")
            else:
                rule["reason"] = form.get(prefix + "reason", "").strip()
                rule["rests_on"] = _optional(form.get(prefix + "rests_on"))
                if rule_id in old and (effect := getattr(old[rule_id], "effect", None)):
                    rule["effect"] = effect
            rules.append({k: v for k, v in rule.items() if v is not None})
        data[kind] = rules
    signals = []
    for i in _rows(form, "signals"):
        prefix = f"signals-{i}-"
        signal_id = form.get(prefix + "id", "").strip()
        if form.get(prefix + "remove") or (not signal_id and not form.get(prefix + "event_type", "").strip()):
            continue
        before = old.get(signal_id)
        signal = {
            "id": signal_id,
            "name": form.get(prefix + "name", "").strip(),
            "event_type": form.get(prefix + "event_type", "").strip(),
            "direction": form.get(prefix + "direction", "positive"),
            "weight": _optional(form.get(prefix + "weight")),
            "half_life_days": _optional(form.get(prefix + "half_life_days")),
            "lookback_days": _optional(form.get(prefix + "lookback_days")),
            "assumption": bool(form.get(prefix + "assumption")),
            "note": _optional(form.get(prefix + "note")),
            "filters": before.filters.model_dump(mode="json", exclude_none=True)
            if before is not None and hasattr(before, "filters")
            else {},
            "evidence": [e.model_dump(mode="json", exclude_none=True) for e in before.evidence]
            if before is not None
            else [],
        }
        signals.append({k: v for k, v in signal.items() if v is not None})
    data["signals"] = signals
    return data


def validate(data: dict[str, Any]) -> ICP:
    return ICP.model_validate(data)


def field_errors(exc: ValidationError) -> dict[str, str]:
    """pydantic's errors keyed by the form field they belong to (``''`` for the whole form)."""
    out: dict[str, str] = {}
    for error in exc.errors():
        loc = list(error["loc"])
        if loc[:1] == ["review"]:
            loc = loc[1:]
        if loc[:2] == ["tiers", "shares"]:
            loc = ["tiers", "shares", *loc[2:3]] if len(loc) > 2 else ["tiers", "shares", 0]
        if len(loc) >= 4 and loc[0] in RULE_KINDS and loc[2] == "conditions":
            loc = [loc[0], loc[1], "cond", *loc[3:4], "value"]
        key = "-".join(str(part) for part in loc)
        message = error["msg"].removeprefix("Value error, ")
        out.setdefault(key, message)
    return out


def apply_action(fields: dict[str, Any], action: str) -> dict[str, Any]:
    """The "add a criterion" / "add a condition" buttons: one blank row more (works without JS)."""
    blank_condition = {"attribute": "", "op": "==", "value": ""}
    kind, _, rest = action.removeprefix("add-").partition(":")
    if kind in RULE_KINDS and rest:
        fields[kind][int(rest)]["conditions"].append(blank_condition)
    elif kind in RULE_KINDS:
        row = {"id": "", "name": "", "assumption": True, "note": "", "evidence": [], "conditions": [blank_condition]}
        row.update({"kind": "firmographic"} if kind == "criteria" else {"reason": "", "rests_on": ""})
        fields[kind].append(row)
    elif kind == "signals":
        fields["signals"].append(
            {
                "id": "",
                "name": "",
                "event_type": "",
                "direction": "positive",
                "weight": "1",
                "half_life_days": "30",
                "lookback_days": "90",
                "assumption": True,
                "note": "",
                "filters": {},
                "evidence": [],
            }
        )
    else:
        raise InvalidInputError(f"unknown form action '{action}'")
    return fields


def fields_from_form(form: dict[str, str], base: ICP) -> dict[str, Any]:
    """What the person typed, as form rows again (for re-showing a form with errors or an added row)."""
    return _rows_as_typed(form, parse_form(form, base))


def _rows_as_typed(form: dict[str, str], data: dict[str, Any]) -> dict[str, Any]:
    def cond_rows(kind: str, i: int) -> list[dict[str, str]]:
        numbers = sorted(
            {int(m.group(3)) for key in form if (m := _COND.match(key)) and m.group(1) == kind and int(m.group(2)) == i}
        )
        return [
            {
                "attribute": form.get(f"{kind}-{i}-cond-{j}-attribute", ""),
                "op": form.get(f"{kind}-{i}-cond-{j}-op", "=="),
                "value": form.get(f"{kind}-{i}-cond-{j}-value", ""),
            }
            for j in numbers
            if form.get(f"{kind}-{i}-cond-{j}-attribute", "").strip() and not form.get(f"{kind}-{i}-cond-{j}-remove")
        ]

    out: dict[str, Any] = {
        key: form.get(key, "")
        for key in (
            "name",
            "description",
            "owner",
            "review_date",
            "reviewers",
            "hygiene_every_days",
            "strategic_every_days",
            "last_hygiene",
            "last_strategic",
        )
    }
    out["tiers"] = {
        "basis": form.get("tiers-basis", "fit_score"),
        "shares": [form.get(f"tiers-shares-{k}", "") for k in range(3)],
        **{
            k: form.get(f"tiers-{k}", "")
            for k in ("a_capacity", "b_capacity", "a_min_score", "b_min_score", "c_min_score")
        },
    }
    evidence = {
        r["id"]: [e.get("summary") or e.get("metric") for e in r.get("evidence", [])]
        for kind in (*RULE_KINDS, "signals")
        for r in data.get(kind, [])
    }
    for kind in RULE_KINDS:
        rows = []
        for i in _rows(form, kind):
            p = f"{kind}-{i}-"
            if form.get(p + "remove") or not (form.get(p + "id", "").strip() or form.get(p + "name", "").strip()):
                continue  # skipped alike by parse_form, so error positions match the rows shown
            row = {
                "id": form.get(p + "id", ""),
                "name": form.get(p + "name", ""),
                "assumption": bool(form.get(p + "assumption")),
                "note": form.get(p + "note", ""),
                "evidence": evidence.get(form.get(p + "id", ""), []),
                "conditions": cond_rows(kind, i),
            }
            row.update(
                {"kind": form.get(p + "kind", "firmographic")}
                if kind == "criteria"
                else {"reason": form.get(p + "reason", ""), "rests_on": form.get(p + "rests_on", "")}
            )
            rows.append(row)
        out[kind] = rows
    out["signals"] = []
    for i in _rows(form, "signals"):
        p = f"signals-{i}-"
        if form.get(p + "remove") or not (form.get(p + "id", "").strip() or form.get(p + "event_type", "").strip()):
            continue
        out["signals"].append(
            {
                k: form.get(p + k, "")
                for k in ("id", "name", "event_type", "direction", "weight", "half_life_days", "lookback_days", "note")
            }
            | {
                "assumption": bool(form.get(p + "assumption")),
                "filters": {},
                "evidence": evidence.get(form.get(p + "id", ""), []),
            }
        )
    return out
