"""The brief pushed to the teams when a version is published or rolled back: what changed and why,
the ICP on one page for sales, the evidence, and what to do differently. Markdown for webhooks and
plain-text email, HTML (escaped by Jinja) for email."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from jinja2 import Environment

from bullseye.governance.diff import rule_changes
from bullseye.governance.notify import Message

if TYPE_CHECKING:
    from bullseye.governance.lifecycle import Preview
    from bullseye.strategy.versions import Version
    from bullseye.workspace import Workspace

__all__ = ["version_brief", "brief_content"]

_MD_SPECIAL = str.maketrans({c: "\\" + c for c in "\\`*_{}[]<>()#+!|"})


def _md(text: Any) -> str:
    """Text from data or definitions, inert in Markdown (no links, no HTML, no emphasis)."""
    return str(text).translate(_MD_SPECIAL)


def brief_content(ws: Workspace, version: Version, result: Preview | None, event: str) -> dict[str, Any]:
    """The brief as data (the Markdown and HTML renderings share it)."""
    from bullseye.strategy.versions import VersionStore

    icp = version.icp()
    store = VersionStore(ws.root)
    previous = next((v for v in reversed(store.versions()) if v.number < version.number), None)
    changes = rule_changes(previous.icp() if previous else None, icp)
    todo = []
    if result is not None and not result.tier_moves.empty:
        moves = result.tier_moves
        order = list(moves.index)
        up = sum(int(moves.iloc[i, j]) for i in range(len(order)) for j in range(len(order)) if j < i)
        down = sum(int(moves.iloc[i, j]) for i in range(len(order)) for j in range(len(order)) if j > i)
        if up:
            todo.append(
                f"{up:,} accounts move up a tier (open pipeline {result.pipeline_moves['up']:,.0f}): "
                "look at them this week"
            )
        if down:
            todo.append(
                f"{down:,} accounts move down (open pipeline {result.pipeline_moves['down']:,.0f}): "
                "stop prospecting them unless there is a fresh why-now"
            )
    for change in changes:
        if change.kind == "disqualifier" and change.change == "added":
            todo.append(f"Disqualify accounts where {change.after}")
    if event == "rollback":
        todo.append(f"Scores and exports follow v{version.rollback_of}'s content again")
    return {
        "title": f"ICP {version.label} {'rolled back' if event == 'rollback' else 'published'} by "
        f"{version.published_by}",
        "why": version.message,
        "forced": version.forced,
        "owner": icp.owner,
        "review_date": icp.review_date.isoformat() if icp.review_date else None,
        "criteria": [
            (
                c.label,
                c.reason if hasattr(c, "reason") else "",
                "; ".join(e.summary for e in c.evidence if e.summary) or ("assumption" if c.assumption else ""),
            )
            for c in icp.criteria
        ],
        "disqualifiers": [
            (
                d.label,
                d.reason,
                "; ".join(e.summary for e in d.evidence if e.summary) or ("assumption" if d.assumption else ""),
            )
            for d in icp.disqualifiers
        ],
        "signals": [(s.name, s.event_type) for s in icp.signals],
        "changes": [c.to_dict() for c in changes],
        "todo": todo,
        "previous": previous.label if previous else None,
    }


def _markdown(content: dict[str, Any]) -> str:
    lines = [f"**{_md(content['title'])}**", f"Why: {_md(content['why'])}"]
    if content["forced"]:
        lines.append(f"Published over the gate's objections: {_md(content['forced'])}")
    lines.append(f"Owner: {_md(content['owner'] or 'none')} - next review {content['review_date'] or 'not set'}")
    if content["changes"]:
        lines.append(f"\n**What changed** (since {_md(content['previous'] or 'the start')})")
        for c in content["changes"]:
            what = c["after"] if c["change"] != "removed" else c["before"]
            lines.append(f"- {c['change']} {c['kind']}: {_md(what)}")
    lines.append("\n**The ICP**")
    lines += [
        f"- {_md(label)}" + (f" ({_md(evidence)})" if evidence else "") for label, _, evidence in content["criteria"]
    ]
    if content["disqualifiers"]:
        lines.append("\n**Disqualifiers**")
        lines += [f"- {_md(label)}: {_md(reason or evidence)}" for label, reason, evidence in content["disqualifiers"]]
    if content["signals"]:
        lines.append("\n**Why now**: " + ", ".join(_md(name) for name, _ in content["signals"]))
    if content["todo"]:
        lines.append("\n**What to do differently**")
        lines += [f"- {_md(item)}" for item in content["todo"]]
    return "\n".join(lines)


_HTML = Environment(autoescape=True).from_string("""<!doctype html>
<html><body style="font-family: sans-serif; max-width: 40em">
<h2>{{ c.title }}</h2>
<p><b>Why:</b> {{ c.why }}</p>
{% if c.forced %}<p><b>Published over the gate's objections:</b> {{ c.forced }}</p>{% endif %}
<p>Owner: {{ c.owner or "none" }} &middot; next review {{ c.review_date or "not set" }}</p>
{% if c.changes %}<h3>What changed</h3><ul>
{% for ch in c.changes %}
<li>{{ ch.change }} {{ ch.kind }}: {{ ch.after if ch.change != "removed" else ch.before }}</li>
{% endfor %}
</ul>{% endif %}
<h3>The ICP</h3><ul>
{% for label, _, evidence in c.criteria %}
<li>{{ label }}{% if evidence %} <small>({{ evidence }})</small>{% endif %}</li>
{% endfor %}
</ul>
{% if c.disqualifiers %}<h3>Disqualifiers</h3><ul>
{% for label, reason, evidence in c.disqualifiers %}<li>{{ label }}: {{ reason or evidence }}</li>{% endfor %}
</ul>{% endif %}
{% if c.todo %}<h3>What to do differently</h3>
<ul>{% for item in c.todo %}<li>{{ item }}</li>{% endfor %}</ul>{% endif %}
</body></html>""")


def version_brief(ws: Workspace, version: Version, result: Preview | None, event: str) -> Message:
    content = brief_content(ws, version, result, event)
    return Message(event, content["title"], _markdown(content), _HTML.render(c=content))
