"""The job-title taxonomy and the compiled phrase lexicon that :mod:`bullseye.people.titles` reads titles with.

The keyword tables are data in :mod:`bullseye.people.titles_vocabulary`; this module folds text into
words (case, accents, punctuation, abbreviations such as "T.I." or "FP&A"), expands the tables'
gendered notation (``diretor(a)``) into phrases, compiles them with a workspace's aliases into one
lexicon (phrase -> function, seniority and the kind of word it is) and finds the longest known
phrases in a title. Which of the found phrases decides is the normaliser's business.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict

from bullseye.people import titles_vocabulary as vocab

__all__ = [
    "FUNCTIONS",
    "SENIORITIES",
    "FUNCTION_LABELS",
    "SENIORITY_LABELS",
    "IC",
    "Function",
    "Seniority",
    "LexEntry",
    "LexMatch",
    "TitleAlias",
    "TitleAliases",
    "TitleLexicon",
    "title_segments",
]

Function = Literal[
    "operations",
    "finance",
    "it",
    "sales",
    "marketing",
    "product",
    "engineering",
    "customer success",
    "hr",
    "legal",
    "executive",
    "other",
]
Seniority = Literal["c-level", "vp", "director", "head", "manager", "individual contributor"]
# The same lists as values, in this order (the most senior first for SENIORITIES).
FUNCTIONS: tuple[Function, ...] = get_args(Function)
SENIORITIES: tuple[Seniority, ...] = get_args(Seniority)

FUNCTION_LABELS = {
    "operations": "Operations / logistics",
    "finance": "Finance",
    "it": "IT",
    "sales": "Sales",
    "marketing": "Marketing",
    "product": "Product",
    "engineering": "Engineering",
    "customer success": "Customer success / support",
    "hr": "HR / people",
    "legal": "Legal / compliance",
    "executive": "Executive / general management",
    "other": "Other jobs",
}
SENIORITY_LABELS = {
    "c-level": "C-level / founder",
    "vp": "VP",
    "director": "Director",
    "head": "Head of",
    "manager": "Manager / coordinator",
    "individual contributor": "Individual contributor",
}

IC = "individual contributor"


@dataclass(frozen=True)
class LexEntry:
    kind: str  # alias, role, fixed, domain, job, weak, guess, level, marker, modifier, subject, ignored
    function: str | None
    seniority: str | None


@dataclass
class LexMatch:
    start: int
    end: int
    phrase: str
    entry: LexEntry


# ----------------------------------------------------------------------------------------------
# Folding and tokens
# ----------------------------------------------------------------------------------------------
_DOTTED = re.compile(r"\b[a-z](?:\.[a-z])+\b\.?")  # T.I. -> ti, R.H. -> rh
_AMPERSAND = re.compile(r"\b([a-z]{1,2})&([a-z]{1,2})\b")  # FP&A -> fpa, R&D -> rd, S&OP -> sop
_AND = re.compile(r"\s*&\s*")  # "Sales & Marketing": a conjunction, not a compound
_POSSESSIVE = re.compile(r"['’]s\b")  # "Men's Coach" -> "Men Coach"
_WORD = re.compile(r"[a-z0-9]+")
# Segment breaks: "Carpenter, Rough", "Host/Hostess", "Head | Sales", "Head (Sales)"; a dash is a break when it
# is an en/em dash or a hyphen with a space on either side ("VP - Sales", "Head -Sales"), not inside "Co-Head".
_SEGMENT = re.compile(r"[,;:/|()\[\]{}\\•·]|\s*[–—]+\s*|\s+-+\s*|\s*-+\s+")


def _fold(text: str) -> str:
    """Lower case without accents: "Operações" and "OPERACOES" both become "operacoes"."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


def _tokens(text: str) -> list[str]:
    return title_segments(text)[0]


def title_segments(text: str) -> tuple[list[str], set[int], set[int]]:
    """The words of a title, the positions of each segment's last word (its English head noun) and of its first."""
    folded = _POSSESSIVE.sub("", _fold(text))
    folded = _DOTTED.sub(lambda m: m.group().replace(".", "") + " ", folded)
    folded = _AMPERSAND.sub(r"\1\2", folded)
    folded = _AND.sub(" and ", folded)
    tokens: list[str] = []
    heads: set[int] = set()
    starts: set[int] = set()
    for segment in _SEGMENT.split(folded):
        # Only Latin letters and digits make words: a title in another script has none and stays unread.
        words = _WORD.findall(segment)
        if words:
            starts.add(len(tokens))
            tokens += words
            heads.add(len(tokens) - 1)
    return tokens, heads, starts


def _expand(phrase: str) -> Iterable[str]:
    """``diretor(a)`` -> diretor, diretora; ``engenheir(o|a)`` -> engenheiro, engenheira."""
    parts = re.split(r"(\([^)]*\))", phrase)
    options = []
    for part in parts:
        if part.startswith("("):
            inner = part[1:-1]
            options.append(inner.split("|") if "|" in inner else ["", inner])
        else:
            options.append([part])
    for combo in itertools.product(*options):
        yield "".join(combo)


def _phrases(table: str) -> list[tuple[str, ...]]:
    found = []
    for raw in table.replace("\n", " ").split(","):
        raw = " ".join(raw.split())
        if raw:
            found += [tuple(_tokens(p)) for p in _expand(raw)]
    return [p for p in found if p]


# ----------------------------------------------------------------------------------------------
# The vocabulary
# ----------------------------------------------------------------------------------------------
class TitleAlias(BaseModel):
    """What one phrase of ``strategy/titles.yaml`` means; either part may be left out."""

    model_config = ConfigDict(extra="forbid")

    function: Function | None = None
    seniority: Seniority | None = None


class TitleAliases(BaseModel):
    """``strategy/titles.yaml``: a workspace's own phrases, which win over the built-in tables."""

    model_config = ConfigDict(extra="forbid")

    aliases: dict[str, TitleAlias] = {}


class TitleLexicon:
    """The compiled keyword tables (plus a workspace's aliases): phrase -> what it says, and the longest
    known phrases of a title (:meth:`_matches`)."""

    def __init__(self, aliases: Mapping[str, tuple[str | None, str | None]] | None = None) -> None:
        self.lexicon: dict[tuple[str, ...], LexEntry] = {}
        self._add_builtin()
        self.compound_heads = set(_phrases(vocab.COMPOUND_HEADS))
        unlisted = [" ".join(p) for p in self.compound_heads if getattr(self.lexicon.get(p), "kind", None) != "domain"]
        if unlisted:
            raise ValueError(f"compound heads must be department words (DOMAINS): {', '.join(sorted(unlisted))}")
        for phrase, (function, seniority) in (aliases or {}).items():
            if function is not None and function not in FUNCTIONS:
                raise ValueError(f"alias '{phrase}': unknown function '{function}' (one of {', '.join(FUNCTIONS)})")
            if seniority is not None and seniority not in SENIORITIES:
                raise ValueError(f"alias '{phrase}': unknown seniority '{seniority}'")
            keys = _phrases(phrase)
            if not keys:
                raise ValueError(f"alias '{phrase}' has no letters or digits to match")
            for key in keys:  # aliases replace built-in phrases on purpose
                self.lexicon[key] = LexEntry("alias", function, seniority)
        self.prepositions = {p[0] for p in _phrases(vocab.PREPOSITIONS)}
        self.head_qualifiers = {p[0] for p in _phrases(vocab.HEAD_QUALIFIERS)}
        self.agent_endings = tuple(p[0] for p in _phrases(vocab.AGENT_ENDINGS))
        self.not_agents = {p[0] for p in _phrases(vocab.NOT_AGENTS)}
        self.particles = {p[0] for p in _phrases(vocab.PARTICLES)}
        self.longest = max(len(key) for key in self.lexicon)

    def _put(self, table: str, entry: LexEntry) -> None:
        for key in _phrases(table):
            if key in self.lexicon and self.lexicon[key] != entry:
                raise ValueError(
                    f"'{' '.join(key)}' appears twice in the title vocabulary: {self.lexicon[key]} and {entry}"
                )
            self.lexicon[key] = entry

    def _add_builtin(self) -> None:
        self._put(vocab.IGNORED_PHRASES, LexEntry("ignored", None, None))
        for (function, seniority), table in vocab.ROLES.items():
            self._put(table, LexEntry("role", function, seniority))
        for kind, tables in (
            ("fixed", vocab.FIXED_JOBS),
            ("domain", vocab.DOMAINS),
            ("job", vocab.JOBS),
            ("weak", vocab.WEAK_DOMAINS),
            ("weak", {"other": ", ".join(vocab.SETTINGS.values())}),
        ):
            for function, table in tables.items():
                self._put(table, LexEntry(kind, function, IC if kind in ("fixed", "job") else None))
        for level, table in vocab.LEVELS.items():
            self._put(table, LexEntry("level", None, level))
        self._put(vocab.IC_MARKERS, LexEntry("marker", None, IC))
        self._put(vocab.IC_MODIFIERS, LexEntry("modifier", None, None))

    def _lookup(self, key: tuple[str, ...]) -> LexEntry | None:
        entry = self.lexicon.get(key)
        if entry is None and len(key[-1]) > 3 and key[-1].endswith("s"):  # plurals: "Managers", "Analistas"
            entry = self.lexicon.get(key[:-1] + (key[-1][:-1],))
        return entry

    def _matches(self, tokens: list[str]) -> list[LexMatch]:
        """Longest known phrase at each position, left to right."""
        found, i = [], 0
        while i < len(tokens):
            for length in range(min(self.longest, len(tokens) - i), 0, -1):
                entry = self._lookup(tuple(tokens[i : i + length]))
                if entry is not None:
                    found.append(LexMatch(i, i + length, " ".join(tokens[i : i + length]), entry))
                    i += length
                    break
            else:
                i += 1
        return found
