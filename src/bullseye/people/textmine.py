"""Text mining for the voice of the customer: sentences, their kind, their keyphrase, and clusters.

Everything here runs offline and is deterministic: regular expressions for sentences and cues,
scikit-learn TF-IDF over word and character n-grams, and average-linkage clustering on cosine
distance. Notes are written in English, Portuguese and Spanish, so cues, stop words and the language
guess cover all three; matching is done on accent-folded lower case text so "objeção", "objecao"
and "Objeção" are one cue.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable

import numpy as np
import pandas as pd

from bullseye.people.theme_kinds import KINDS

__all__ = [
    "KINDS",
    "SPEAKER",
    "SPEAKER_TITLE",
    "fold",
    "mask_speaker",
    "split_sentences",
    "guess_language",
    "classify",
    "source_names",
    "cluster_phrases",
]

# Cue words per kind (accent-folded). The first cue in a sentence decides its kind and where the
# keyphrase starts: "Main concern: X", "says the main problem today is X", "Quer X".
_CUES = {
    "objection": r"objections?|objected|concerns?|concerned|worr(?:y|ied|ies)|hesita\w*|doubts?|skeptic\w*|"
    r"pushback|push\s+back|reservations?|fears?|afraid|objecao|objecoes|receios?|preocupa\w*|duvidas?|"
    r"medo|ressalvas?|objecion(?:es)?|inquietud(?:es)?|dudas?|temor(?:es)?",
    "pain": r"pains?|painful|problems?|issues?|struggl\w*|challeng\w*|frustrat\w*|headaches?|bottlenecks?|"
    r"complain\w*|dor|dores|problemas?|dificuldades?|desafios?|gargalos?|reclama\w*|frustra\w*|dolor(?:es)?|"
    r"dificultad(?:es)?|retos?|quej\w*",
    "goal": r"goals?|wants?|wanted|aims?\s+to|objectives?|kpis?|hop(?:e|es|ing)\s+to|looking\s+to|plans?\s+to|"
    r"quer|querem|queria|objetivos?|metas?|deseja\w*|pretende\w*|quiere\w*|quisiera",
    "source": r"reads?|reading|lee|leen|follows?|subscrib\w*|newsletters?|podcasts?|communit(?:y|ies)|"
    r"forums?|conferences?|"
    r"webinars?|blogs?|linkedin|slack|meetups?|acompanha\w*|assina\w*|comunidades?|foruns|forum|"
    r"conferencias?|eventos?|sigue\w*|suscri\w*|foros?",
}
# Hyphens count as part of a word, so "follow-up" is not the cue "follow".
_CUE_RE = re.compile("|".join(f"(?P<{kind}>(?<![\\w-])(?:{rx})(?![\\w-]))" for kind, rx in _CUES.items()))
# Words that link a cue to what follows it ("the main problem *today is* X"); dropped from the front.
_LEADING_FILLER = frozenset(
    "is are was were be that today currently now about with of to on regarding the a an its their and or "
    "e ou sao foi seja que hoje atualmente agora sobre com de do da dos das o a os as um uma em na "
    "y es son fue hoy ahora con del el la los las un una en sobre".split()
)
_GENDER_MARK = re.compile(r"^\s*\(\w{1,2}\)")
_WORD = re.compile(r"[\w%/'’-]+", re.UNICODE)

# Frequent words of each language (accent-folded), for the language guess; the function words among
# them are also TF-IDF stop words. Words two languages share say nothing about which one it is.
_STOP = {
    "en": set(
        "the and is are was with to of for our about on in a an be not this we they it that their your "
        "says said wants very has have had from at by or but no".split()
    ),
    "pt": set(
        "de que com nao para a os as em um uma da do das dos nos na no e esta nosso nossa mais muito hoje "
        "sem tambem voce ele ela sao foi pelo pela ao aos quer o por sobre".split()
    ),
    "es": set(
        "de que con para los las el la en un una del y es esta nuestro nuestra mas muy hoy sin pero "
        "tambien usted lo al por quiere sobre".split()
    ),
}
_COMMON = {
    "en": set(
        "will again week next step left meeting raised biggest main asked shared sent won lost after too "
        "hard great good could love much customer interview answer every".split()
    ),
    "pt": set(
        "dor maior passo proximo reuniao recado apos duas bem otima ganho perdido cliente entrevista "
        "ligacao ano semana vem novo pediu telefone deixei remarcada equipe".split()
    ),
    "es": set(
        "dolor objecion reunion llamada paso perdida ganado equipo gracias ano semana cliente entrevista "
        "nuevo pidio telefono".split()
    ),
}
_DISTINCT = {
    lang: (words | _COMMON[lang]) - set().union(*(w | _COMMON[other] for other, w in _STOP.items() if other != lang))
    for lang, words in _STOP.items()
}
_SUFFIX = {"pt": re.compile(r"\w(?:cao|coes|oes|dade)\b|[ãõç]"), "es": re.compile(r"\w(?:cion|ciones|dad)\b|[ñ¿¡]")}
STOP_WORDS = sorted(set().union(*_STOP.values()))

_SENTENCE_END = re.compile(r"(?<=[.!?;])\s+|\s*\n+\s*")


class _FoldTable(dict):
    """Code point -> its base letter, filled on first use (str.translate calls __missing__)."""

    def __missing__(self, code: int) -> str:
        self[code] = base = unicodedata.normalize("NFD", chr(code))[0]
        return base


_FOLD = _FoldTable()


def fold(text: str) -> str:
    """Lower case without accents, one character per input character (so offsets still match)."""
    if text.isascii():
        return text.lower()
    return unicodedata.normalize("NFC", text).translate(_FOLD).lower()


@functools.lru_cache(maxsize=4096)
def _whole_words(text: str) -> re.Pattern:
    return re.compile(rf"(?<!\w){re.escape(text)}(?!\w)", re.IGNORECASE)


#: What a speaker's own name and title become in their notes, so "Call with Ana (CFO)" and
#: "Call with João (IT Manager)" are one way of opening a note, not two themes.
SPEAKER, SPEAKER_TITLE = "[contact]", "[title]"


def mask_speaker(body: str, name: str, title: str) -> str:
    """``body`` with the speaker's full name, first name and title replaced (any case)."""
    replacements = []
    name, title = " ".join(str(name or "").split()), " ".join(str(title or "").split())
    if len(title) >= 2:
        replacements.append((title, SPEAKER_TITLE))
    if len(name) >= 2:
        replacements += [(name, SPEAKER), (name.split()[0], SPEAKER)]
    lower = body.lower()
    for text, placeholder in sorted(replacements, key=lambda r: -len(r[0])):
        if len(text) >= 2 and text.lower() in lower:  # the cheap test first: most notes do not name their speaker
            body = _whole_words(text).sub(placeholder, body)
    return body


def split_sentences(body: str) -> list[str]:
    """Sentences (and semicolon-separated clauses) of a note, stripped, empty ones left out."""
    parts = (p.strip(" \t\"'“”-–—•*") for p in _SENTENCE_END.split(body))
    return [p for p in parts if any(ch.isalnum() for ch in p)]


def guess_language(text: str) -> str:
    """'en', 'pt', 'es' from function words and suffixes; 'und' when there is no signal."""
    folded = fold(text)
    words = _WORD.findall(folded)
    scores: dict[str, float] = {lang: sum(w in distinct for w in words) for lang, distinct in _DISTINCT.items()}
    lower = text.lower()  # accents are evidence too: look at the unfolded text as well
    for lang, suffix in _SUFFIX.items():
        scores[lang] += 0.5 * (len(suffix.findall(folded)) + len(suffix.findall(lower)))
    best = max(scores, key=lambda lang: (scores[lang], lang == "en"))
    return best if scores[best] > 0 else "und"


def _strip_phrase(text: str) -> str:
    text = _GENDER_MARK.sub("", text)
    words = text.split()
    while words and fold(words[0]).strip(".,:;()") in _LEADING_FILLER:
        words.pop(0)
    phrase = " ".join(words).strip(" .,:;!?-–—\"'")
    # Drop a bracket only when it has lost its partner: "([title])." ends in a balanced ")".
    while phrase.endswith(")") and phrase.count(")") > phrase.count("("):
        phrase = phrase[:-1].rstrip(" .,:;")
    while phrase.startswith("(") and phrase.count("(") > phrase.count(")"):
        phrase = phrase[1:].lstrip()
    return phrase


def classify(sentence: str) -> tuple[str, str]:
    """The kind of a sentence and its keyphrase: what was said, without the cue around it.

    ``"Maior dor: atrasos nas entregas."`` -> ``("pain", "atrasos nas entregas")``. A sentence with
    no cue is kind 'other' and its keyphrase is the sentence itself.
    """
    folded = fold(sentence)
    match = _CUE_RE.search(folded)
    if match is None:
        return "other", _strip_phrase(sentence) or sentence.strip()
    kind = match.lastgroup or "other"
    after = sentence[match.end() :]
    colon = after.find(":")
    if colon >= 0 and len(_GENDER_MARK.sub("", after[:colon]).split()) <= 1:
        after = after[colon + 1 :]  # "Objection raised: X", "Biggest pain: X"
    phrase = _strip_phrase(after)
    if not any(ch.isalnum() for ch in phrase):  # the cue came last: "... was the real pain"
        phrase = _strip_phrase(sentence[: match.start()])
    if not any(ch.isalnum() for ch in phrase):  # a bare heading such as "Problem:" says nothing yet
        return "other", _strip_phrase(sentence) or sentence.strip()
    return kind, phrase


_SOURCE_VERB = re.compile(
    r"reads?|reading|lee|leen|follows?|subscrib\w*|acompanha\w*|assina\w*|segue\w*|sigue\w*|"
    r"suscri\w*|listens?|ouve|escucha\w*|attends?|participa\w*"
)
_NAME_JOINERS = frozenset("de da do dos das del of the and & e y for para".split())
_TOKEN = re.compile(r"[^\s,;:()\[\]\"“”]+")


def _looks_like_name(tokens: list[tuple[str, int]]) -> bool:
    """Whether a sentence's first word is a name: "LinkedIn", "ABRALOG", or the start of "Supply Chain Dive"."""
    first = tokens[0][0]
    return any(ch.isupper() for ch in first[1:]) or (len(tokens) > 1 and tokens[1][0][:1].isupper())


def source_names(sentence: str) -> list[str]:
    """Names of publications, communities and events in a sentence: runs of capitalised words
    ("Supply Chain Dive", "Logística Hoy"), joined across a lower-case "de"/"of"/"&"."""
    tokens = [(m.group(0).strip(".!?'’"), m.start()) for m in _TOKEN.finditer(sentence)]
    names: list[str] = []
    run: list[str] = []
    pending: list[str] = []
    for i, (tok, _) in enumerate(tokens):
        folded = fold(tok)
        if i == 0 and (_SOURCE_VERB.fullmatch(folded) or folded in STOP_WORDS or not _looks_like_name(tokens)):
            continue  # "Reads ...", "We're ...": capitalised only because it starts the sentence
        if tok[:1].isupper() or (tok[:1].isdigit() and run):
            run += pending + [tok]
            pending = []
        elif run and folded in _NAME_JOINERS and not pending:
            pending = [tok]
        else:
            if run:
                names.append(" ".join(run))
            run, pending = [], []
    if run:
        names.append(" ".join(run))
    return list(dict.fromkeys(n for n in names if any(ch.isalpha() for ch in n)))


def _vectorise(phrases: list[str]):
    """TF-IDF over word 1-2 grams plus character 4-grams (for inflections), rows L2-normalised."""
    from scipy.sparse import hstack
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.preprocessing import normalize

    folded = [fold(p) for p in phrases]
    words = TfidfVectorizer(
        analyzer="word",
        ngram_range=(1, 2),
        stop_words=STOP_WORDS,
        sublinear_tf=True,
        token_pattern=r"(?u)\b\w[\w/]*\b",
        min_df=1,
    )
    chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(4, 4), sublinear_tf=True, min_df=1)
    try:
        w = words.fit_transform(folded)
    except ValueError:  # only stop words: fall back on characters alone
        w = None
    c = chars.fit_transform(folded)
    matrix = c if w is None else hstack([w, 0.5 * c]).tocsr()
    return normalize(matrix)


def cluster_phrases(
    phrases: Iterable[str], weights: Iterable[int], distance: float = 0.5, max_exact: int = 3000
) -> np.ndarray:
    """Cluster labels (0..k-1, biggest cluster first) for distinct keyphrases.

    Average linkage on cosine distance, cut at ``distance``. Above ``max_exact`` distinct phrases,
    the ``max_exact`` most frequent are clustered, every other phrase joins the nearest cluster
    centre within ``distance``, and the phrases near none are clustered among themselves the same way.
    """
    phrases = list(phrases)
    weights = np.asarray(list(weights), dtype=float)
    if len(phrases) <= 1:
        return np.zeros(len(phrases), dtype=int)
    names = np.array(phrases, dtype=object).astype(str)
    labels = _cluster_rows(_vectorise(phrases), weights, names, distance, max_exact)
    return _relabel_by_weight(labels, weights, phrases)


def _cluster_rows(matrix, weights: np.ndarray, names: np.ndarray, distance: float, max_exact: int) -> np.ndarray:
    """Cluster the rows of an L2-normalised matrix (see :func:`cluster_phrases`); labels unordered."""
    from sklearn.cluster import AgglomerativeClustering

    n = matrix.shape[0]
    order = np.lexsort((names, -weights))  # the most frequent phrases seed; ties by text, so deterministic
    seeds = np.sort(order[:max_exact])
    labels = np.full(n, -1, dtype=int)
    if len(seeds) == 1:
        labels[seeds] = 0
    else:
        dist = np.clip(1.0 - (matrix[seeds] @ matrix[seeds].T).toarray(), 0.0, None)
        model = AgglomerativeClustering(
            n_clusters=None, metric="precomputed", linkage="average", distance_threshold=distance
        )
        labels[seeds] = model.fit_predict(dist)
    rest = np.setdiff1d(np.arange(n), seeds)
    if len(rest):
        k = labels.max() + 1
        best, similarity = _nearest_centre(matrix, seeds, labels[seeds], k, rest)
        near = similarity >= 1.0 - distance
        labels[rest[near]] = best[near]
        far = rest[~near]  # phrases near no seed cluster among themselves, the same way
        if len(far):
            labels[far] = k + _cluster_rows(matrix[far], weights[far], names[far], distance, max_exact)
    return labels


def _nearest_centre(
    matrix, seeds: np.ndarray, seed_labels: np.ndarray, k: int, rest: np.ndarray, chunk: int = 1000
) -> tuple[np.ndarray, np.ndarray]:
    """For each row in ``rest``, the nearest cluster centre (cosine) and its similarity.

    Centres stay sparse (a dense centre over every n-gram would need gigabytes), and the
    similarities are computed a chunk of rows at a time.
    """
    from scipy.sparse import csr_matrix
    from sklearn.preprocessing import normalize

    indicator = csr_matrix((np.ones(len(seeds)), (seed_labels, np.arange(len(seeds)))), shape=(k, len(seeds)))
    centres = normalize(indicator @ matrix[seeds]).T.tocsc()
    best = np.zeros(len(rest), dtype=int)
    similarity = np.zeros(len(rest))
    for start in range(0, len(rest), chunk):
        sims = (matrix[rest[start : start + chunk]] @ centres).toarray()
        best[start : start + chunk] = sims.argmax(axis=1)
        similarity[start : start + chunk] = sims.max(axis=1)
    return best, similarity


def _relabel_by_weight(labels: np.ndarray, weights: np.ndarray, phrases: list[str]) -> np.ndarray:
    """Number clusters by total weight (ties: first phrase), so labels do not depend on the algorithm."""
    frame = pd.DataFrame({"label": labels, "weight": weights, "phrase": phrases})
    totals = frame.groupby("label").agg(weight=("weight", "sum"), first=("phrase", "min"))
    ranked = totals.sort_values(["weight", "first"], ascending=[False, True]).index
    mapping = {old: new for new, old in enumerate(ranked)}
    return np.array([mapping[label] for label in labels], dtype=int)
