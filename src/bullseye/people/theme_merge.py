"""Themes that are one thing said twice: proposed, merged, and the merges kept in the workspace.

Mining clusters keyphrases by their words, so the English and the Portuguese wording of one pain
("poor system integration", "integração ruim entre os sistemas") become two themes. Offline there is
no translation, so two signals are combined, neither tied to one vocabulary:

- **wording**: cosine similarity of character 3-5-gram TF-IDF over the accent-stripped, lower-cased
  keyphrases of the two themes (cognates and shared terms: "integração"/"integration", "TMS/ERP");
- **who says it**: cosine similarity of the two themes' profiles over committee role and job
  function (one pain is voiced by the same people whatever the language).

Only themes of the same kind whose main languages differ are paired (two wordings in one language
were already clustered apart by their words). Each theme is paired with at most one other: the pair
must be the best match of both. A pair whose combined score reaches :data:`AUTO_SCORE` is merged
automatically (recorded in the report's ``merges`` with ``by: auto``, undone by a ``split`` in
``strategy/theme-merges.yaml``); one from :data:`POSSIBLE_SCORE` up is offered as "possibly the
same". The thresholds and their measured precision are in docs/themes.md.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from bullseye.errors import ConfigError, InvalidInputError
from bullseye.people.textmine import fold
from bullseye.people.theme_report import ThemeReport, theme_groups, theme_months, theme_quotes

__all__ = [
    "AUTO_SCORE",
    "MERGES_FILE",
    "POSSIBLE_SCORE",
    "ThemePair",
    "apply_merges",
    "pair_scores",
    "propose_pairs",
    "read_merges",
    "record_merge",
]

MERGES_FILE = "strategy/theme-merges.yaml"
#: Combined score (geometric mean of wording and profile similarity) from which a pair merges itself.
AUTO_SCORE = 0.4
#: Combined score from which a pair is offered to the user as "possibly the same".
POSSIBLE_SCORE = 0.1


@dataclass(frozen=True)
class ThemePair:
    """Two themes that may be one: their ids, labels and the similarities behind the score."""

    a: str
    b: str
    label_a: str
    label_b: str
    kind: str
    wording: float
    profile: float
    score: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "a": self.a,
            "b": self.b,
            "label_a": self.label_a,
            "label_b": self.label_b,
            "kind": self.kind,
            "wording": round(self.wording, 4),
            "profile": round(self.profile, 4),
            "score": round(self.score, 4),
        }


def _texts(themes: pd.DataFrame) -> list[str]:
    out = []
    for label, phrases in zip(themes["label"], themes["phrases"]):
        words = [label] + [p for p in (phrases if isinstance(phrases, (list, tuple, np.ndarray)) else []) if p != label]
        out.append(" | ".join(" ".join(fold(w).split()) for w in words))
    return out


def _wording(themes: pd.DataFrame) -> np.ndarray:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.metrics.pairwise import cosine_similarity

    texts = _texts(themes)
    vectors = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True).fit_transform(texts)
    return cosine_similarity(vectors)


def _profile(themes: pd.DataFrame, mentions: pd.DataFrame) -> np.ndarray:
    """Cosine similarity of who voices each theme (role and function shares; unknown left out)."""
    from sklearn.metrics.pairwise import cosine_similarity

    ids = list(themes["theme_id"])
    blocks = []
    for dim in ("role", "function"):
        if dim not in mentions.columns:
            continue
        known = mentions[mentions[dim].astype(str) != "unknown"]
        counts = pd.crosstab(known["theme_id"], known[dim]).reindex(index=ids, fill_value=0).astype(float)
        totals = counts.sum(axis=1).replace(0, 1.0)
        blocks.append(counts.div(totals, axis=0).to_numpy())
    if not blocks:
        return np.zeros((len(ids), len(ids)))
    matrix = np.hstack(blocks)
    if not matrix.any():
        return np.zeros((len(ids), len(ids)))
    return cosine_similarity(matrix)


def pair_scores(themes: pd.DataFrame, mentions: pd.DataFrame) -> pd.DataFrame:
    """Every pair of themes of one kind whose main languages differ, with ``wording``, ``profile``
    and ``score`` (their geometric mean) and whether it is the mutual best match (``mutual``)."""
    columns = ["a", "b", "label_a", "label_b", "kind", "wording", "profile", "score", "mutual"]
    if len(themes) < 2:
        return pd.DataFrame(columns=columns)
    themes = themes.reset_index(drop=True)
    wording, profile = _wording(themes), _profile(themes, mentions)
    score = np.sqrt(np.clip(wording, 0, 1) * np.clip(profile, 0, 1))
    kind, lang = themes["kind"].to_numpy(), themes["language"].to_numpy()
    allowed = (kind[:, None] == kind[None, :]) & (lang[:, None] != lang[None, :])
    masked = np.where(allowed, score, -1.0)
    np.fill_diagonal(masked, -1.0)
    best = masked.argmax(axis=1)
    rows = []
    for i, j in zip(*np.nonzero(np.triu(allowed, 1))):
        rows.append(
            {
                "a": themes.at[i, "theme_id"],
                "b": themes.at[j, "theme_id"],
                "label_a": themes.at[i, "label"],
                "label_b": themes.at[j, "label"],
                "kind": kind[i],
                "wording": float(wording[i, j]),
                "profile": float(profile[i, j]),
                "score": float(score[i, j]),
                "mutual": bool(best[i] == j and best[j] == i),
            }
        )
    return pd.DataFrame(rows, columns=columns).sort_values(
        ["score", "a", "b"], ascending=[False, True, True], ignore_index=True
    )


def propose_pairs(
    themes: pd.DataFrame, mentions: pd.DataFrame, auto: float = AUTO_SCORE, possible: float = POSSIBLE_SCORE
) -> tuple[list[ThemePair], list[ThemePair]]:
    """(pairs to merge automatically, pairs "possibly the same"): mutual best matches by score."""
    scores = pair_scores(themes, mentions)
    scores = scores[scores["mutual"]]

    def make(frame):
        return [
            ThemePair(r.a, r.b, r.label_a, r.label_b, r.kind, r.wording, r.profile, r.score) for r in frame.itertuples()
        ]

    return make(scores[scores["score"] >= auto]), make(scores[(scores["score"] >= possible) & (scores["score"] < auto)])


# -- the merges a user chose: strategy/theme-merges.yaml ------------------------------------------
def read_merges(root: Path) -> list[dict[str, Any]]:
    """The recorded decisions, oldest first: ``{labels: [a, b], action: merge|split, by, at}``.

    Themes are named by label, not id: ids are renumbered on every mining run, labels are the words."""
    path = root / MERGES_FILE
    if not path.exists():
        return []
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    entries = data.get("decisions", []) if isinstance(data, dict) else None
    if not isinstance(entries, list):
        raise ConfigError(f"{path}: expected `decisions:` with a list of {{labels: [a, b], action: merge|split}}")
    for n, entry in enumerate(entries, 1):
        if (
            not isinstance(entry, dict)
            or entry.get("action") not in ("merge", "split")
            or not isinstance(entry.get("labels"), list)
            or len(entry["labels"]) != 2
        ):
            raise ConfigError(f"{path}: decision {n}: expected labels: [a, b] and action: merge or split")
    return entries


def record_merge(root: Path, label_a: str, label_b: str, by: str, action: str = "merge") -> dict[str, Any]:
    """Append one decision (merge two themes, or split a merge, automatic or not) and return it."""
    if action not in ("merge", "split"):
        raise InvalidInputError(f"a theme decision is merge or split, not '{action}'")
    if not label_a or not label_b or label_a == label_b:
        raise InvalidInputError("name two different themes to merge or split")
    entries = read_merges(root)
    entry = {
        "labels": [label_a, label_b],
        "action": action,
        "by": by,
        "at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }
    path = root / MERGES_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    text = (
        "# Themes merged (or split again) by people; `bullseye themes` and the web pages apply them.\n"
        + yaml.safe_dump({"decisions": entries + [entry]}, sort_keys=False, allow_unicode=True)
    )
    path.write_text(text, encoding="utf-8")
    return entry


def _decided(root: Path | None) -> tuple[set[frozenset], set[frozenset]]:
    merged: set[frozenset] = set()
    split: set[frozenset] = set()
    for entry in read_merges(root) if root is not None else []:
        key = frozenset(entry["labels"])
        (merged if entry["action"] == "merge" else split).add(key)
        (split if entry["action"] == "merge" else merged).discard(key)
    return merged, split


def apply_merges(report, root: Path | None = None, auto: float = AUTO_SCORE, possible: float = POSSIBLE_SCORE):
    """The report with the automatic merges and the user's merges applied (a split undoes either);
    ``report.summary`` gains ``merges`` (what was merged, by whom) and ``possibly_same`` (pairs)."""
    themes = report.themes
    if themes.empty:
        return report
    auto_pairs, possible_pairs = propose_pairs(themes, report.mentions, auto, possible)
    merged, split = _decided(root)
    by_label = {label: tid for tid, label in zip(themes["theme_id"], themes["label"])}
    merges: list[dict[str, Any]] = []
    for pair in auto_pairs:
        if frozenset((pair.label_a, pair.label_b)) not in split:
            merges.append(pair.to_dict() | {"by": "auto"})
    for key in merged:
        labels = sorted(key)
        already = any({m["label_a"], m["label_b"]} == key for m in merges)
        if all(label in by_label for label in labels) and not already:
            merges.append(
                {
                    "a": by_label[labels[0]],
                    "b": by_label[labels[1]],
                    "label_a": labels[0],
                    "label_b": labels[1],
                    "by": "user",
                }
            )
    taken = {tid for m in merges for tid in (m["a"], m["b"])}
    offered = [
        p.to_dict()
        for p in possible_pairs
        if p.a not in taken and p.b not in taken and frozenset((p.label_a, p.label_b)) not in split
    ]
    into = _union(merges, themes)
    summary = {**report.summary, "merges": merges, "possibly_same": offered}
    if not into:
        return ThemeReport(
            themes, report.mentions, report.quotes, report.by_month, report.by_group, report.skipped, summary
        )
    return _merged_report(report, into, summary)


def _union(merges: list[dict[str, Any]], themes: pd.DataFrame) -> dict[str, str]:
    """theme id -> the id it is merged into (the one heard in more notes, then the smaller id)."""
    count = dict(zip(themes["theme_id"], themes["count"]))
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        while parent.get(x, x) != x:
            x = parent[x]
        return x

    for m in merges:
        ra, rb = find(m["a"]), find(m["b"])
        if ra != rb:
            keep, drop = sorted((ra, rb), key=lambda t: (-count[t], t))
            parent[drop] = keep
    return {tid: find(tid) for tid in parent}


def _merged_report(report, into: dict[str, str], summary: dict[str, Any]):
    themes, mentions = report.themes.copy(), report.mentions.copy()
    mentions["theme_id"] = mentions["theme_id"].map(lambda t: into.get(t, t))
    mentions = mentions.drop_duplicates(["theme_id", "note_id"]).reset_index(drop=True)
    counts = mentions.groupby("theme_id")["note_id"].nunique()
    analysed = report.summary.get("analysed") or 1
    keep = themes[~themes["theme_id"].isin(into)].copy()
    merged_from = {k: [t for t, v in into.items() if v == k] for k in set(into.values())}
    labels = dict(zip(themes["theme_id"], themes["label"]))
    languages = []
    for row in keep.itertuples():
        part = mentions[mentions["theme_id"] == row.theme_id]
        languages.append(
            ", ".join(part["language"].value_counts().index) if row.theme_id in merged_from else row.language
        )
    keep["count"] = keep["theme_id"].map(counts).astype(int)
    keep["share"] = keep["count"] / analysed
    keep["language"] = languages
    keep["merged_from"] = [[labels[t] for t in sorted(merged_from.get(tid, []))] for tid in keep["theme_id"]]
    keep = keep.sort_values(["count", "theme_id"], ascending=[False, True], kind="stable")
    keep = keep.sort_values(
        "kind", key=lambda k: k.map({"pain": 0, "objection": 1, "goal": 2, "source": 3, "other": 4}), kind="stable"
    ).reset_index(drop=True)
    return ThemeReport(
        keep,
        mentions,
        theme_quotes(mentions, keep),
        theme_months(mentions),
        # a group's analysed notes are the same as before the merge
        theme_groups(
            mentions, report.by_group.drop_duplicates(["by", "group"]).set_index(["by", "group"])["group_notes"]
        ),
        report.skipped,
        summary,
    )
