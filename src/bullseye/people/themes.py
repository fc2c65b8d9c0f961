"""Voice of the customer: themes mined from interview, call, survey and win/loss notes.

Each note is split into sentences; a sentence's first cue word decides its kind (pain, objection,
goal, learning source, or other when it has none) and what follows the cue is its keyphrase
("Principal receio: curva de aprendizado" -> objection "curva de aprendizado"). Keyphrases of one
kind are clustered on TF-IDF word and character n-grams; a cluster heard in at least ``min_count``
notes is a theme, labelled with its most frequent keyphrase. Themes carry who they are heard from
(committee role and job function of the contact), a count per month and representative quotes.

Language: there is no translation offline, so the English and the Portuguese way of saying one
thing are mined as two themes; :mod:`bullseye.people.theme_merge` merges them where wording and
who says it agree, and offers the rest as "possibly the same". See docs/themes.md.
Empty, undated and duplicated notes are skipped with their reason; repeated sentences inside one
note count once, so a note pasted twelve times into itself weighs as one.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

import pandas as pd

from bullseye.errors import InvalidInputError
from bullseye.people.textmine import (
    KINDS,
    classify,
    cluster_phrases,
    fold,
    guess_language,
    mask_speaker,
    source_names,
    split_sentences,
)
from bullseye.people.theme_kinds import GROUP_DIMENSIONS, VOICE_KINDS
from bullseye.people.theme_report import (
    UNKNOWN,
    ThemeReport,
    notes_per_group,
    theme_groups,
    theme_months,
    theme_quotes,
)

if TYPE_CHECKING:
    from bullseye.workspace import Workspace

__all__ = ["mine_themes", "workspace_themes", "roles_from_deal_contacts", "contact_groups", "objection_triggers"]

#: A note with more distinct sentences than this is cut (and listed in ``summary["trimmed"]``).
MAX_SENTENCES_PER_NOTE = 200
_NOTE_COLUMNS = ("note_id", "account_id", "deal_id", "contact_id", "note_type", "created_at", "body")


# -- preparing notes ------------------------------------------------------------------------------
def _prepare(notes: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Notes to analyse and the skipped ones (note_id, reason)."""
    missing = [c for c in ("note_id", "created_at", "body") if c not in notes.columns]
    if missing:
        raise InvalidInputError(
            f"notes need the column(s) {', '.join(missing)}; they have {', '.join(map(str, notes.columns))}"
        )
    frame = notes.reindex(columns=list(_NOTE_COLUMNS)).copy()
    for column in ("note_id", "account_id", "deal_id", "contact_id", "note_type"):
        frame[column] = frame[column].fillna("").astype(str).str.strip()
    frame["body"] = frame["body"].fillna("").astype(str)
    frame["created_at"] = pd.to_datetime(frame["created_at"], errors="coerce").dt.normalize()
    frame = frame.sort_values(["note_id", "created_at"], kind="stable").reset_index(drop=True)
    if frame.empty:
        return frame, pd.DataFrame({"note_id": pd.Series(dtype=object), "reason": pd.Series(dtype=object)})
    reason = pd.Series("", index=frame.index, dtype=object)
    reason[frame["body"].str.strip() == ""] = "empty body"
    reason[(reason == "") & frame["created_at"].isna()] = "no date"
    # The same text about the same account, deal and contact on the same day is a copy, not a second voice.
    key = (
        frame["account_id"]
        + "|"
        + frame["deal_id"]
        + "|"
        + frame["contact_id"]
        + "|"
        + frame["created_at"].astype(str)
        + "|"
        + frame["body"].map(lambda b: " ".join(fold(b).split()), na_action="ignore")
    )
    live = reason == ""
    firsts = frame.loc[live].assign(_key=key[live]).drop_duplicates("_key").set_index("_key")["note_id"]
    dup = live & key.duplicated()
    if dup.any():
        reason[dup] = "duplicate of " + key[dup].map(firsts).astype(str)
    skipped = pd.DataFrame({"note_id": frame.loc[reason != "", "note_id"], "reason": reason[reason != ""]})
    return frame[reason == ""].reset_index(drop=True), skipped.reset_index(drop=True)


def _sentences(frame: pd.DataFrame) -> tuple[pd.DataFrame, int, list[dict[str, Any]]]:
    """One row per distinct sentence of each note; also the repeats removed and the notes cut short."""
    rows: list[tuple[Any, str]] = []
    repeats, trimmed = 0, []
    for note_id, body in zip(frame["note_id"], frame["body"]):
        seen: dict[str, str] = {}
        parts = split_sentences(body)
        for sentence in parts:
            seen.setdefault(" ".join(fold(sentence).split()), sentence)
        repeats += len(parts) - len(seen)
        kept = list(seen.values())
        if len(kept) > MAX_SENTENCES_PER_NOTE:
            trimmed.append({"note_id": note_id, "sentences": len(kept), "kept": MAX_SENTENCES_PER_NOTE})
            kept = kept[:MAX_SENTENCES_PER_NOTE]
        rows.extend((note_id, s) for s in kept)
    return pd.DataFrame(rows, columns=["note_id", "sentence"]), repeats, trimmed


def _attach_groups(frame: pd.DataFrame, groups: pd.DataFrame | None) -> pd.DataFrame:
    out = frame.copy()
    if groups is None or groups.empty or "contact_id" not in groups.columns:
        for dim in GROUP_DIMENSIONS:
            out[dim] = UNKNOWN
        return out
    known = groups.assign(contact_id=groups["contact_id"].astype(str)).drop_duplicates("contact_id")
    known = known.set_index("contact_id")
    for dim in GROUP_DIMENSIONS:
        values = known[dim] if dim in known.columns else pd.Series(dtype=object)
        mapped = out["contact_id"].map(values)
        blank = mapped.isna() | (mapped.astype(str).str.strip() == "")
        out[dim] = mapped.astype(object).where(~blank, UNKNOWN).astype(str)
    return out


def _mask_speakers(frame: pd.DataFrame, groups: pd.DataFrame | None) -> pd.Series:
    """Bodies with each speaker's own name and title masked, when ``groups`` knows them."""
    if groups is None or not {"name", "title"} & set(groups.columns):
        return frame["body"]
    people = groups.assign(contact_id=groups["contact_id"].astype(str)).drop_duplicates("contact_id")
    people = people.set_index("contact_id").reindex(columns=["name", "title"]).fillna("")
    known = frame["contact_id"].isin(people.index)
    masked = frame["body"].copy()
    masked[known] = [
        mask_speaker(body, people.at[cid, "name"], people.at[cid, "title"])
        for body, cid in zip(frame.loc[known, "body"], frame.loc[known, "contact_id"])
    ]
    return masked


# -- mining ---------------------------------------------------------------------------------------
def mine_themes(
    notes: pd.DataFrame,
    *,
    groups: pd.DataFrame | None = None,
    min_count: int = 3,
    kinds: tuple[str, ...] = KINDS,
    distance: float = 0.5,
    progress: Callable[[str], None] | None = None,
) -> ThemeReport:
    """Themes of ``notes`` (columns of the canonical ``notes`` table; note_id, created_at, body needed).

    ``groups``: contact_id with ``role`` and/or ``function`` (missing or blank: "unknown"), and
    optionally ``name`` and ``title``, which are masked in the speaker's own notes.
    ``min_count``: fewest notes a theme must be heard in. ``kinds``: the kinds to build themes for
    (leaving out "other", the bulk of most notes, is much faster). ``distance``: the cosine distance
    at which keyphrase clusters stop merging. Deterministic for a given input.
    """
    if min_count < 1:
        raise InvalidInputError(f"min_count must be at least 1, not {min_count}")
    unknown_kinds = [k for k in kinds if k not in KINDS]
    if unknown_kinds:
        raise InvalidInputError(f"unknown theme kind '{unknown_kinds[0]}'; kinds are {', '.join(KINDS)}")
    step = progress or (lambda _: None)
    frame, skipped = _prepare(notes)
    frame = _attach_groups(frame, groups)
    frame["body"] = _mask_speakers(frame, groups)
    frame["language"] = [guess_language(body[:2000]) for body in frame["body"]]
    step("splitting sentences")
    sentences, repeats, trimmed = _sentences(frame)
    classified = {s: classify(s) for s in sentences["sentence"].unique()}
    n_sentences = len(sentences)
    sentences["kind"] = sentences["sentence"].map(lambda s: classified[s][0])
    sentences["phrase"] = sentences["sentence"].map(lambda s: classified[s][1])
    # A learning-source sentence may name several sources; each name is its own keyphrase.
    names = sentences["sentence"].where(sentences["kind"] == "source").map(source_names, na_action="ignore")
    sentences["phrase"] = [n if isinstance(n, list) and n else p for n, p in zip(names, sentences["phrase"])]
    sentences = sentences.explode("phrase", ignore_index=True)
    step("clustering keyphrases")
    sentences = sentences[sentences["kind"].isin(kinds)].reset_index(drop=True)
    sentences["cluster"] = -1
    for kind in kinds:
        rows = sentences["kind"] == kind
        if not rows.any():
            continue
        weights = sentences[rows].groupby("phrase")["note_id"].nunique()
        # Source names are short proper names: one shared word ("Logística") must not merge two of them.
        cut = distance / 2 if kind == "source" else distance
        labels = cluster_phrases(weights.index.tolist(), weights.to_numpy(), distance=cut)
        sentences.loc[rows, "cluster"] = sentences.loc[rows, "phrase"].map(dict(zip(weights.index, labels)))
    mentions = sentences.merge(
        frame[["note_id", "created_at", "note_type", "language", *GROUP_DIMENSIONS]], on="note_id"
    )
    themes, mentions = _themes(mentions, min_count, len(frame))
    summary = {
        "notes": int(len(notes)),
        "analysed": int(len(frame)),
        "skipped": int(len(skipped)),
        "skipped_by_reason": skipped["reason"].str.replace(r" of .*", "", regex=True).value_counts().to_dict(),
        "with_theme": int(mentions.loc[mentions["kind"].isin(VOICE_KINDS), "note_id"].nunique()),
        "notes_by_kind": {kind: int(mentions.loc[mentions["kind"] == kind, "note_id"].nunique()) for kind in kinds},
        "sentences": int(n_sentences),
        "repeated_sentences_ignored": int(repeats),
        "trimmed": trimmed,
        "themes": int(len(themes)),
        "min_count": int(min_count),
        "kinds_mined": list(kinds),
        "first_note": None if frame.empty else frame["created_at"].min().date().isoformat(),
        "last_note": None if frame.empty else frame["created_at"].max().date().isoformat(),
        "languages": frame["language"].value_counts().to_dict(),
    }
    return ThemeReport(
        themes,
        mentions,
        theme_quotes(mentions, themes),
        theme_months(mentions),
        theme_groups(mentions, notes_per_group(frame)),
        skipped,
        summary,
    )


_THEME_COLUMNS = [
    "theme_id",
    "label",
    "kind",
    "count",
    "share",
    "first_seen",
    "last_seen",
    "language",
    "language_share",
    "top_role",
    "top_role_share",
    "roles",
    "top_function",
    "top_function_share",
    "functions",
    "phrases",
]
_MENTION_COLUMNS = [
    "theme_id",
    "note_id",
    "created_at",
    "note_type",
    "language",
    "role",
    "function",
    "kind",
    "sentence",
    "phrase",
]


def _themes(mentions: pd.DataFrame, min_count: int, analysed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Clusters heard in ``min_count`` notes or more, as themes; mentions keep one row per note and theme."""
    mentions = mentions.drop_duplicates(["note_id", "kind", "cluster"]).copy()
    notes_per = mentions.groupby(["kind", "cluster"])["note_id"].nunique()
    kept = notes_per[notes_per >= min_count].reset_index(name="count")
    if kept.empty:
        return pd.DataFrame(columns=_THEME_COLUMNS), pd.DataFrame(columns=_MENTION_COLUMNS)
    kept["kind_order"] = kept["kind"].map(KINDS.index)
    mentions = mentions.merge(kept[["kind", "cluster"]], on=["kind", "cluster"])
    phrase_counts = mentions.groupby(["kind", "cluster", "phrase"]).size().reset_index(name="n")
    phrase_counts = phrase_counts.sort_values(["kind", "cluster", "n", "phrase"], ascending=[True, True, False, True])
    labels = phrase_counts.drop_duplicates(["kind", "cluster"]).set_index(["kind", "cluster"])["phrase"]
    variants = phrase_counts.groupby(["kind", "cluster"])["phrase"].agg(lambda p: list(p[:5]))
    kept["label"] = [labels[(k, c)] for k, c in zip(kept["kind"], kept["cluster"])]
    kept = kept.sort_values(["kind_order", "count", "label"], ascending=[True, False, True]).reset_index(drop=True)
    kept["theme_id"] = [f"T{i + 1:03d}" for i in range(len(kept))]
    mentions = mentions.merge(kept[["kind", "cluster", "theme_id"]], on=["kind", "cluster"])
    rows = []
    for row in kept.itertuples():
        part = mentions[mentions["theme_id"] == row.theme_id]
        language = part["language"].value_counts()
        entry = {
            "theme_id": row.theme_id,
            "label": row.label,
            "kind": row.kind,
            "count": int(row.count),
            "share": row.count / analysed,
            "first_seen": part["created_at"].min().date(),
            "last_seen": part["created_at"].max().date(),
            "language": language.index[0],
            "language_share": language.iat[0] / len(part),
            "phrases": variants[(row.kind, row.cluster)],
        }
        for dim in GROUP_DIMENSIONS:
            top, share, text = _top_groups(part[dim])
            entry |= {f"top_{dim}": top, f"top_{dim}_share": share, f"{dim}s": text}
        rows.append(entry)
    mentions = mentions.sort_values(["theme_id", "created_at", "note_id"]).reset_index(drop=True)
    return pd.DataFrame(rows, columns=_THEME_COLUMNS), mentions[_MENTION_COLUMNS]


def _top_groups(values: pd.Series, shown: int = 3) -> tuple[str, float, str]:
    """The most frequent known group, its share among known ones, and a short text of the top few."""
    known = values[values != UNKNOWN].value_counts()
    if known.empty:
        return UNKNOWN, float("nan"), f"{UNKNOWN} (100%)"
    text = ", ".join(f"{group} {n / known.sum():.0%}" for group, n in known.head(shown).items())
    unknown = int((values == UNKNOWN).sum())
    return (
        known.index[0],
        float(known.iat[0] / known.sum()),
        text + (f"; {unknown / len(values):.0%} {UNKNOWN}" if unknown else ""),
    )


# -- triggers -------------------------------------------------------------------------------------
def objection_triggers(
    report: ThemeReport, *, window_days: int = 30, min_count: int = 3, baseline_days: int = 90
) -> pd.DataFrame:
    """New objections: never heard before, then heard in ``min_count`` notes within ``window_days``.

    "Never heard before" needs history to mean anything, so an objection first heard in the first
    ``baseline_days`` of the notes is not new. The trigger is raised on the day of the
    ``min_count``-th note; its evidence is the notes of the window.
    """
    columns = ["kind", "raised_at", "subject", "detail", "evidence"]
    first_note = report.summary.get("first_note")
    if not first_note:
        return pd.DataFrame(columns=columns)
    history_start = pd.Timestamp(first_note) + timedelta(days=baseline_days)
    rows = []
    for theme in report.themes[report.themes["kind"] == "objection"].itertuples():
        part = report.mentions[report.mentions["theme_id"] == theme.theme_id].sort_values(["created_at", "note_id"])
        first = part["created_at"].iat[0]
        if first < history_start:
            continue
        window = part[part["created_at"] < first + timedelta(days=window_days)].drop_duplicates("note_id")
        if len(window) < min_count:
            continue
        raised = window["created_at"].iat[min_count - 1].date()
        roles = window.loc[window["role"] != UNKNOWN, "role"].value_counts()
        heard = f"; heard from {', '.join(f'{r} ({n})' for r, n in roles.items())}" if len(roles) else ""
        rows.append(
            {
                "kind": "new_objection",
                "raised_at": raised,
                "subject": theme.label,
                "detail": f"objection first heard on {first.date().isoformat()}; {len(window)} notes within "
                f"{window_days} days{heard}",
                "evidence": window["note_id"].tolist(),
            }
        )
    return pd.DataFrame(rows, columns=columns)


# -- the workspace --------------------------------------------------------------------------------
def roles_from_deal_contacts(deal_contacts: pd.DataFrame) -> pd.DataFrame:
    """Each contact's most frequent non-blank committee role (ties: alphabetical), marked explicit."""
    roles = deal_contacts.assign(role=deal_contacts["role"].fillna("").astype(str).str.strip().str.lower())
    roles = roles[roles["role"] != ""]
    counts = roles.groupby(["contact_id", "role"]).size().reset_index(name="n")
    counts = counts.sort_values(["contact_id", "n", "role"], ascending=[True, False, True])
    return counts.drop_duplicates("contact_id")[["contact_id", "role"]].assign(inferred=False).reset_index(drop=True)


def contact_groups(contacts: pd.DataFrame | None, roles: pd.DataFrame | None) -> pd.DataFrame:
    """contact_id, role, function, name, title: the role from ``roles``, the function from the title."""
    from bullseye.people.titles import normalize_titles

    columns = ["contact_id", *GROUP_DIMENSIONS, "name", "title"]
    parts = []
    if contacts is not None and len(contacts):
        people = contacts.reindex(columns=["contact_id", "name", "title"]).reset_index(drop=True)
        titles = normalize_titles(people["title"].fillna("").astype(str))
        parts.append(people.assign(contact_id=people["contact_id"].astype(str), function=titles["function"].to_numpy()))
    if roles is not None and len(roles):
        parts.append(roles[["contact_id", "role"]].assign(contact_id=lambda d: d["contact_id"].astype(str)))
    if not parts:
        return pd.DataFrame(columns=columns)
    out = parts[0].drop_duplicates("contact_id")
    for part in parts[1:]:
        out = out.merge(part.drop_duplicates("contact_id"), on="contact_id", how="outer")
    return out.reindex(columns=columns)


def workspace_themes(
    ws: Workspace,
    roles: pd.DataFrame | None = None,
    since: date | None = None,
    min_count: int = 3,
    kinds: tuple[str, ...] = KINDS,
    progress: Callable[[str], None] | None = None,
    merge: bool = True,
) -> ThemeReport:
    """Themes of the workspace's notes (from ``since`` on). ``roles``: contact_id, role, inferred (e.g.
    from :func:`bullseye.people.roles.contact_roles`); default: the roles written in deal_contacts.
    With ``merge`` the themes found to be one (another language's wording) and those a person merged
    in ``strategy/theme-merges.yaml`` are merged (:mod:`bullseye.people.theme_merge`)."""
    step = progress or (lambda _: None)
    step("reading notes")
    notes = ws.table("notes", needed_for="bullseye themes")
    if since is not None:
        notes = notes.filter(notes["created_at"] >= since)
    frame = notes.select(*[c for c in _NOTE_COLUMNS if c in notes.columns]).to_pandas()
    contacts = None
    if ws.has_table("contacts"):
        table = ws.table("contacts")
        contacts = table.select(*[c for c in ("contact_id", "name", "title") if c in table.columns]).to_pandas()
    if roles is None and ws.has_table("deal_contacts"):
        roles = roles_from_deal_contacts(ws.table("deal_contacts").select("contact_id", "role").to_pandas())
    report = mine_themes(
        frame, groups=contact_groups(contacts, roles), min_count=min_count, kinds=kinds, progress=progress
    )
    if not merge:
        return report
    from bullseye.people.theme_merge import apply_merges

    return apply_merges(report, ws.root)
