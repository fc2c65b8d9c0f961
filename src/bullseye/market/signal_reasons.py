"""Events in words, with their age: "raised a Series B (5M) 12 days ago", "new VP Sales
yesterday", "headcount up 33% (30 -> 40) 3 weeks ago": the reasons a ranking gives for a company.
"""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd

__all__ = ["event_reasons", "age_words"]

_ROUND = re.compile(
    r"\b(pre-?seed|seed|angel|series[\s-]+[a-k]\b(?:\+|\s+or\s+later)?|debt|post-?ipo|ipo|grant|venture|"
    r"private equity|crowdfunding)",
    re.IGNORECASE,
)
# "team grew 33% (30 -> 40) between ...": how `bullseye snapshot-events` words a headcount change.
_TEAM_CHANGE = re.compile(r"\bteam (grew|shrank) ([\d.]+%)(?: \(([\d.]+ -> [\d.]+)\))?", re.IGNORECASE)


def age_words(days: int) -> str:
    """'today', 'yesterday', '12 days ago', '3 weeks ago', '4 months ago'."""
    days = int(days)
    if days <= 0:
        return "today"
    if days == 1:
        return "yesterday"
    if days < 14:
        return f"{days} days ago"
    if days < 60:
        return f"{round(days / 7)} weeks ago"
    if days < 365:
        return f"{round(days / 30.44)} months ago"
    years = round(days / 365.25)
    return f"{years} year{'s' if years > 1 else ''} ago"


def _money(value: float) -> str:
    for scale, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= scale:
            return f"{value / scale:.3g}{suffix}"
    return f"{value:,.0f}"


def _round_words(found: str) -> str:
    """'series-b' -> 'a Series B', 'seed' -> 'a seed round', 'debt' -> 'debt financing'."""
    text = re.sub(r"[\s-]+", " ", found.strip().lower()).replace("pre seed", "pre-seed").replace("post ipo", "post-IPO")
    if text.startswith("series"):  # 'series c', 'series c+', 'series c or later' (Crunchbase's 'series-c+')
        later = " or later" if text.endswith(("+", "later")) else ""
        return f"a Series {text.split()[1].rstrip('+').upper()}{later}"
    return {
        "ipo": "money in an IPO",
        "debt": "debt financing",
        "grant": "a grant",
        "angel": "an angel round",
        "private equity": "private equity",
    }.get(text, f"a {text} round")


def _reason(kind: str, title: str, value: float, description: str) -> str:
    has_value = not math.isnan(value)
    if kind == "funding":
        found = _ROUND.search(description) or _ROUND.search(title)
        money = f" ({_money(value)})" if has_value else ""
        if found:
            return f"raised {_round_words(found.group(1))}{money}"
        return f"raised {_money(value)}" if has_value else "raised funding"
    if kind == "exec_hire" or kind.endswith("_hire"):
        return f"new {title}" if title else "new executive hire"
    if kind in ("exec_departure", "departure"):
        return f"{title} left" if title else "an executive left"
    if kind == "job_posting":
        return f"posted a job for {title}" if title else "posted a job"
    if kind == "layoff":
        if has_value and 0 < abs(value) < 1:
            return f"laid off {abs(value):.0%} of staff"
        if has_value:
            return f"laid off {abs(value):,.0f} {'person' if abs(value) == 1 else 'people'}"
        return "announced layoffs"
    if kind == "headcount_change":
        said = _TEAM_CHANGE.search(description)
        if said:  # from two snapshots (`bullseye snapshot-events`): the value is a fraction, the words say it
            sizes = f" ({said.group(3)})" if said.group(3) else ""
            return f"headcount {'up' if said.group(1).lower() == 'grew' else 'down'} {said.group(2)}{sizes}"
        if not has_value:
            return "headcount changed"
        return f"headcount {'up' if value > 0 else 'down'} {abs(value):g}%"
    if kind in ("tech_adopted", "tech_dropped"):
        tech = title or re.sub(r"^(adopted|dropped|started using|stopped using)\s+", "", description, flags=re.I)
        verb = "adopted" if kind == "tech_adopted" else "dropped"
        return f"{verb} {tech}" if tech else f"{verb} a technology"
    words = kind.replace("_", " ")
    return f"{words}: {description}" if description else words


def event_reasons(events: pd.DataFrame) -> np.ndarray:
    """Each event in words with its age: 'raised a Series B (5M) 12 days ago'."""
    title = events["title"].astype("string").fillna("").str.strip().to_numpy(object)
    description = events["description"].astype("string").fillna("").str.strip().to_numpy(object)
    value = events["value"].to_numpy(float)
    kind = events["event_type"].to_numpy(object)
    age = events["age_days"].to_numpy(np.int64)
    return np.array(
        [f"{_reason(k, t, v, d)} {age_words(a)}" for k, t, v, d, a in zip(kind, title, value, description, age)],
        dtype=object,
    )
