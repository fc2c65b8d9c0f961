"""Job titles read as a function and a seniority, in English, Portuguese and Spanish.

``normalize_title("Diretora de Operacoes")`` gives function ``operations`` and seniority ``director``;
``normalize_title("Sr. Mgr, RevOps")`` gives ``sales`` and ``manager``. The keyword tables are data
(:mod:`bullseye.people.titles_vocabulary`), compiled with the folding of titles into words in
:mod:`bullseye.people.title_lexicon`; this module holds the rules that decide which of the phrases
found in a title names its function and its seniority. A title it cannot read keeps ``function``/``seniority`` as ``None`` and is listed by
:func:`unrecognised_titles`: it is reported, never forced into a bucket.

A workspace may add its own phrases in ``strategy/titles.yaml`` (see docs/titles.md)::

    aliases:
      roteirista: {function: operations, seniority: individual contributor}
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd

from bullseye.errors import ConfigError
from bullseye.people.title_lexicon import (
    IC,
    SENIORITIES,
    LexEntry,
    LexMatch,
    TitleAliases,
    TitleLexicon,
    title_segments,
)
from bullseye.yamlio import load_model

__all__ = [
    "TITLES_FILE",
    "TitleInfo",
    "TitleVocabulary",
    "normalize_title",
    "normalize_titles",
    "unrecognised_titles",
    "default_vocabulary",
    "load_title_vocabulary",
    "workspace_title_vocabulary",
]

TITLES_FILE = "strategy/titles.yaml"

_RANK: dict[str, int] = {level: rank for rank, level in enumerate(reversed(SENIORITIES))}  # higher is more senior
# Which kind of word decides the function when a title has several (see titles_vocabulary).
_FUNCTION_PRIORITY = {"alias": 7, "role": 6, "fixed": 5, "domain": 4, "job": 3, "guess": 2, "weak": 1}
_JOB_KINDS = ("role", "fixed", "job", "marker", "alias", "guess")


@dataclass(frozen=True)
class TitleInfo:
    """What a title says: its function and seniority (None when not read) and the words that decided."""

    title: str
    function: str | None
    seniority: str | None
    recognised: bool  # both the function and the seniority were read
    matched: str  # the phrases that decided, e.g. "diretora + operacoes"


class TitleVocabulary(TitleLexicon):
    """The lexicon with the rules that read a title: which found phrase decides the function and the seniority."""

    def _guessed_jobs(
        self, tokens: list[str], heads: set[int], starts: set[int], matches: list[LexMatch]
    ) -> list[LexMatch]:
        """Unknown English head nouns that look like a job ("Billet Heater", "Brakeman", "Physicist").

        The head noun is the last word of a segment, or the word before a trailing particle ("Layer-Off",
        "Cutter-In") or a trailing apprentice or trainee level ("Coremaker Apprentice"). A job word directly before a
        level names whom that level leads ("Plasterer Foreman", "Roofer Supervisor").
        """
        covered = {i for m in matches for i in range(m.start, m.end)}
        markers = {m.start for m in matches if m.entry.kind == "marker" and m.end == m.start + 1}
        places = set(heads) | {h - 1 for h in heads if h > 0 and (tokens[h] in self.particles or h in markers)}
        places |= {m.start - 1 for m in matches if m.entry.kind == "level" and m.start > 0 and m.start not in starts}
        return [
            LexMatch(i, i + 1, tokens[i], LexEntry("guess", "other", IC))
            for i in sorted(places)
            if i not in covered
            and len(tokens[i]) >= 4
            and tokens[i].endswith(self.agent_endings)
            and tokens[i] not in self.not_agents
        ]

    def _compound_head(self, matches: list[LexMatch], starts: set[int]) -> list[LexMatch]:
        """ "Software Sales", "Insurance Sales Agent", "IT Procurement": in an English compound the last word names
        the job, so a department word that directly follows another (same segment, no "and") is the one that counts."""
        adjacent = {
            id(m)
            for a, m in itertools.pairwise(matches)
            if a.end == m.start
            and m.start not in starts
            and a.entry.kind == m.entry.kind == "domain"
            and a.entry.function != m.entry.function
            and tuple(m.phrase.split()) in self.compound_heads
            and {a.phrase, m.phrase} != {"sales", "marketing"}
        }  # "Sales Marketing" is "Sales & Marketing"
        for first, second in itertools.pairwise(matches):
            if id(second) in adjacent:
                first.entry = LexEntry("subject", None, None)  # what is sold or bought, not the department
        return matches

    def read(self, title: str | None) -> TitleInfo:
        text = "" if title is None or (isinstance(title, float) and pd.isna(title)) else str(title)
        tokens, heads, starts = title_segments(text)
        matches = self._matches(tokens)
        # "Assistant to the CEO": what follows "to" after a job is who they work for, not their own job
        # (but "Door to Door Salesman" and "Return to Vendor" are one job).
        job_ends = {m.end for m in matches if m.entry.kind in _JOB_KINDS}
        cut = next((i for i, token in enumerate(tokens) if token == "to" and i in job_ends), None)
        if cut is not None:
            tokens = tokens[:cut]
            heads = {h for h in heads if h < cut} | {cut - 1}
            matches = self._matches(tokens)
        matches = self._compound_head(matches, starts)
        matches += self._guessed_jobs(tokens, heads, starts, matches)
        matches = _apply_context(sorted(matches, key=lambda m: m.start), tokens, heads, starts, self)
        function_match = _decide_function(matches)
        seniority, seniority_match = _decide_seniority(matches, function_match is not None)
        if seniority is None and len(tokens) > 1 and tokens[-1] == "sales" and len(tokens) - 1 not in starts:
            # "Software Sales", "Inbound Sales": named by what or how they sell, a salesperson
            seniority = IC
        function = function_match.entry.function if function_match else None
        deciders = sorted(
            {id(m): m for m in (function_match, seniority_match) if m is not None}.values(), key=lambda m: m.start
        )
        return TitleInfo(
            title=text,
            function=function,
            seniority=seniority,
            recognised=function is not None and seniority is not None,
            matched=" + ".join(m.phrase for m in deciders),
        )


def _head_is_a_level(
    m: LexMatch, matches: list[LexMatch], tokens: list[str], segment_starts: set[int], vocabulary: TitleVocabulary
) -> bool:
    """ "Head of Logistics", "Head - X", "Head, X", "Head Chef", "Logistics Head", "Head X": a level. Not inside a
    compound that names something else: "Band-Head-Saw Operator", "Head Saw Operator" (the operator of a head saw)."""
    after = m.end
    if after == len(tokens) or tokens[after] in vocabulary.prepositions or after in segment_starts:
        return True
    if any(k.start == after for k in matches):
        return True  # "Head Nurse", "Head Teller", "Head Sales"
    segment_start = max(s for s in segment_starts if s <= m.start)
    if any(token not in vocabulary.head_qualifiers for token in tokens[segment_start : m.start]):
        return False  # "Band-Head-Saw": an unknown word follows a mid-title head
    # "Head X" opening a segment is the head of X, unless a job noun later in the segment makes "Head X" its subject
    segment_end = min((s for s in segment_starts if s > m.start), default=len(tokens))
    return not any(k.start > after and k.end <= segment_end and k.entry.kind in _JOB_KINDS for k in matches)


def _apply_context(
    matches: list[LexMatch], tokens: list[str], heads: set[int], segment_starts: set[int], vocabulary: TitleVocabulary
) -> list[LexMatch]:
    """The few words whose meaning depends on their neighbours: head, chief, lead, principal."""
    kept: list[LexMatch] = []
    last_officer = max((o.start for o in matches if o.phrase == "officer"), default=-1)
    last_job = max((o.start for o in matches if o.entry.kind in _JOB_KINDS and o.entry.seniority == IC), default=-1)
    for m in matches:
        if m.entry.kind == "ignored":
            continue
        if m.phrase == "head":
            if not _head_is_a_level(m, matches, tokens, segment_starts, vocabulary):
                continue
        elif m.phrase == "chief" and last_officer > m.start:
            m = LexMatch(m.start, m.end, m.phrase, LexEntry("level", None, "c-level"))  # "Chief Happiness Officer"
        elif m.phrase == "officer" and any(k.phrase == "chief" for k in kept):
            continue
        elif m.phrase == "partner" and (
            m.end - 1 not in heads or any(k.entry.function for k in kept if k.entry.kind != "level")
        ):
            # "Partner" or "Senior Partner" owns the firm; "Talent Partner", "Partner Development Manager" do not
            m = LexMatch(m.start, m.end, m.phrase, LexEntry("job", None, IC))
        elif m.phrase == "lead" and m.start == 0 and last_job > m.start:
            continue  # "Lead Software Engineer" is a senior individual contributor; "Team Lead" leads
        elif m.phrase == "chair" and not (m.end == len(tokens) or tokens[m.end] in vocabulary.prepositions):
            continue  # "Department Chair", "Chair of Finance" -- not "Rolling Chair Pusher"
        elif m.phrase == "commercial" and not (
            m.end == len(tokens)
            or m.end in segment_starts
            or any(k.start == m.end and k.entry.kind in ("level", "role", "job", "marker") for k in matches)
        ):
            continue  # "Gerente Comercial", "Commercial Director" sell; "Commercial Pilot", "Commercial Loan" do not
        kept.append(m)
    if tokens and tokens[-1] == "principal" and not any(m.end == len(tokens) for m in kept):
        # "Principal" last is the head of a school ("Building Principal"); first it is a grade ("Principal Engineer")
        kept.append(LexMatch(len(tokens) - 1, len(tokens), "principal", LexEntry("role", "other", "head")))
    return kept


def _decide_function(matches: list[LexMatch]) -> LexMatch | None:
    candidates = [m for m in matches if m.entry.function is not None and m.entry.kind in _FUNCTION_PRIORITY]
    if not candidates:
        return None
    top = max(_FUNCTION_PRIORITY[m.entry.kind] for m in candidates)
    best = [m for m in candidates if _FUNCTION_PRIORITY[m.entry.kind] == top]
    # A setting ("Hospital", "Garment", "Mining") gives way to a business function named as strongly:
    # "Hospital Finance Manager" is finance. "Other" is for titles that name no business function.
    best = [m for m in best if m.entry.function != "other"] or best
    # Department words that disagree: the one the job noun belongs to decides ("Quality Assurance Automation
    # Engineer (QA ...)" is engineering: QA is, quality assurance in a plant is not).
    if best[0].entry.kind != "job" and len({m.entry.function for m in best}) > 1:
        jobs = {m.entry.function for m in candidates if m.entry.kind == "job"}
        best = [m for m in best if m.entry.function in jobs] or best
    # Several job nouns: the English head noun comes last ("Tech Recruiter"); for department words the
    # first named is the main one ("Sales & Marketing Director", "Gerente de Vendas e Marketing").
    return best[-1] if best[0].entry.kind == "job" else best[0]


def _decide_seniority(matches: list[LexMatch], has_function: bool) -> tuple[str | None, LexMatch | None]:
    levelled = [(m, level) for m in matches if (level := m.entry.seniority) is not None]
    if levelled:
        best, level = max(levelled, key=lambda pair: _RANK[pair[1]])
        return level, best
    modifiers = [m for m in matches if m.entry.kind == "modifier"]
    if has_function and modifiers:  # "Sr. Marketing": a grade with a function is an individual contributor
        return IC, modifiers[0]
    return None, None


# ----------------------------------------------------------------------------------------------
# The public functions
# ----------------------------------------------------------------------------------------------
@cache
def default_vocabulary() -> TitleVocabulary:
    """The built-in tables, compiled once (they are immutable)."""
    return TitleVocabulary()


def load_title_vocabulary(path: Path | str) -> TitleVocabulary:
    """The built-in tables plus the aliases in ``path`` (``strategy/titles.yaml``)."""
    path = Path(path)
    model = load_model(TitleAliases, path)
    aliases = {phrase: (alias.function, alias.seniority) for phrase, alias in model.aliases.items()}
    try:
        return TitleVocabulary(aliases)
    except ValueError as exc:
        raise ConfigError(f"{path}: {exc}") from exc


def workspace_title_vocabulary(workspace) -> TitleVocabulary:
    """A workspace's vocabulary: its ``strategy/titles.yaml`` when present, else the built-in one."""
    path = Path(workspace.root) / TITLES_FILE
    return load_title_vocabulary(path) if path.exists() else default_vocabulary()


def normalize_title(title: str | None, vocabulary: TitleVocabulary | None = None) -> TitleInfo:
    """Function and seniority of one title, e.g. "Jefe de Logistica" -> operations, head."""
    return (vocabulary or default_vocabulary()).read(title)


def normalize_titles(titles: pd.Series, vocabulary: TitleVocabulary | None = None) -> pd.DataFrame:
    """Columns title, function, seniority, recognised for every title; same index as ``titles``.

    Each distinct title is read once, so a million contacts with a few thousand titles is quick.
    """
    titles = pd.Series(titles)
    codes, uniques = pd.factorize(titles, use_na_sentinel=True)
    read = [normalize_title(u, vocabulary) for u in uniques] + [normalize_title(None, vocabulary)]
    picks = np.where(codes >= 0, codes, len(uniques))  # missing titles take the empty reading (the last one)
    return pd.DataFrame(
        {
            "title": titles.to_numpy(dtype=object),
            "function": np.array([r.function for r in read], dtype=object)[picks],
            "seniority": np.array([r.seniority for r in read], dtype=object)[picks],
            "recognised": np.array([r.recognised for r in read], dtype=bool)[picks],
        },
        index=titles.index,
    )


def unrecognised_titles(titles: pd.Series, vocabulary: TitleVocabulary | None = None) -> pd.DataFrame:
    """Titles not fully read (function or seniority missing), with how often each occurs; most common first.

    Blank titles are left out: they are missing data, not titles to teach the vocabulary.
    """
    frame = normalize_titles(titles, vocabulary)
    text = frame["title"].map(lambda t: "" if t is None or (isinstance(t, float) and pd.isna(t)) else str(t).strip())
    unread = text[(~frame["recognised"]) & (text != "")]
    counts = unread.value_counts().rename_axis("title").reset_index(name="count")
    return counts.sort_values(["count", "title"], ascending=[False, True], kind="stable").reset_index(drop=True)
