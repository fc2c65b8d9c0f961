"""Match universe companies to CRM accounts: web domain first, then normalised name, with location
(city, region, country) to break ties.

Every universe row ends as exactly one of matched, ambiguous (it could be several accounts, or
an account could be several universe rows: the candidates are listed, never guessed) or
unmatched. Keys are computed with vectorised string kernels (pyarrow), candidates are found with
joins on the keys and resolved with group-bys (pandas); there is no Python loop over rows.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from bullseye.errors import InvalidInputError
from bullseye.results import Result

if TYPE_CHECKING:
    from bullseye.workspace import Workspace

__all__ = [
    "METHODS",
    "FOUNDED_TOLERANCE",
    "FREE_MAIL_DOMAINS",
    "PLACEHOLDER_DOMAINS",
    "LEGAL_SUFFIXES",
    "MatchResult",
    "normalize_domains",
    "fold_text",
    "domain_keys",
    "name_keys",
    "normalize_names",
    "normalize_places",
    "match_companies",
    "match_workspace",
]

METHODS = ("domain", "name", "name+location")

#: Founding years further apart than this rule out a match by name (data providers disagree by a year or two).
FOUNDED_TOLERANCE = 3

#: Mailbox providers: an address or "domain" there says nothing about the company.
FREE_MAIL_DOMAINS = frozenset(
    """
gmail.com googlemail.com yahoo.com yahoo.com.br yahoo.co.uk yahoo.fr yahoo.es ymail.com rocketmail.com hotmail.com
hotmail.com.br hotmail.co.uk hotmail.fr outlook.com outlook.com.br live.com live.co.uk msn.com aol.com icloud.com
me.com mac.com protonmail.com proton.me pm.me gmx.com gmx.de gmx.net web.de mail.com mail.ru yandex.ru yandex.com
zoho.com zohomail.com fastmail.com hey.com tutanota.com qq.com 163.com 126.com sina.com naver.com daum.net
uol.com.br bol.com.br terra.com.br ig.com.br globo.com r7.com orange.fr free.fr laposte.net wanadoo.fr libero.it
comcast.net verizon.net att.net sbcglobal.net btinternet.com rediffmail.com
""".split()
)
#: Sites that are often typed as a company's website but are someone else's.
PLACEHOLDER_DOMAINS = frozenset(
    """
facebook.com fb.com instagram.com linkedin.com twitter.com x.com youtube.com tiktok.com wa.me whatsapp.com
linktr.ee bit.ly example.com example.org test.com none.com na.com
""".split()
)

#: Legal-form words removed from the end of a name (repeatedly: "Acme Holdings Co., Ltd." -> "acme holdings").
LEGAL_SUFFIXES = (
    "inc",
    "incorporated",
    "llc",
    "l l c",
    "llp",
    "lp",
    "ltd",
    "limited",
    "corp",
    "corporation",
    "co",
    "company",
    "plc",
    "gmbh",
    "mbh",
    "ag",
    "kg",
    "co kg",
    "sa",
    "s a",
    "sas",
    "s a s",
    "sarl",
    "srl",
    "s r l",
    "spa",
    "s p a",
    "ltda",
    "me",
    "epp",
    "eireli",
    "mei",
    "bv",
    "b v",
    "nv",
    "n v",
    "pty",
    "pte",
    "sdn bhd",
    "bhd",
    "oy",
    "oyj",
    "ab",
    "as",
    "a s",
    "aps",
    "kk",
    "sl",
    "s l",
    "lda",
    "sa de cv",
    "de cv",
    "s de rl",
    "sapi",
    "ulc",
    "pc",
    "pllc",
    "lllp",
)

# Second-level labels under which registrations happen ("acme.com.br", "acme.co.uk") and hosts
# that give every customer a subdomain ("acme.myshopify.com"): keep one more label for both.
_SECOND_LEVEL = "com|net|org|gov|edu|co|ac|or|ne|go|gob|nic|ind|adv|eng|art|ltd|plc|blog|info"
_SHARED_HOSTS = (
    r"myshopify\.com|github\.io|gitlab\.io|wordpress\.com|blogspot\.com|wixsite\.com|herokuapp\.com|"
    r"netlify\.app|vercel\.app|squarespace\.com|business\.site|webflow\.io|carrd\.co|weebly\.com|"
    r"tumblr\.com|substack\.com|notion\.site"
)
_REGISTRABLE = (
    rf"^.*?([a-z0-9-]+\.(?:{_SHARED_HOSTS})|[a-z0-9-]+\.(?:{_SECOND_LEVEL})\.[a-z]{{2}}|[a-z0-9-]+\.[a-z0-9-]+)$"
)
_LEGAL_TAIL = r"^(.+?)(?: (?:" + "|".join(sorted(LEGAL_SUFFIXES, key=len, reverse=True)) + r"))+$"
_FOLD_LETTERS = (("ß", "ss"), ("ø", "o"), ("æ", "ae"), ("œ", "oe"), ("ł", "l"), ("đ", "d"), ("þ", "th"), ("ı", "i"))

# Countries under their usual names and ISO codes; anything else is compared as folded text.
_COUNTRY_ALIASES = {
    name: code
    for entry in """
us=us|usa|u s a|united states|united states of america|america; br=br|bra|brazil|brasil; ca=ca|can|canada;
gb=gb|gbr|uk|united kingdom|great britain|england|scotland|wales; de=de|deu|germany|deutschland; fr=fr|fra|france;
es=es|esp|spain|espana; pt=pt|prt|portugal; it=it|ita|italy|italia; nl=nl|nld|netherlands|the netherlands|holland;
mx=mx|mex|mexico; ar=ar|arg|argentina; cl=cl|chl|chile; co=co|col|colombia; pe=pe|per|peru; in=in|ind|india;
cn=cn|chn|china; jp=jp|jpn|japan; au=au|aus|australia; ie=ie|irl|ireland; il=il|isr|israel; sg=sg|sgp|singapore;
se=se|swe|sweden; ch=ch|che|switzerland; kr=kr|kor|south korea|korea; ng=ng|nga|nigeria; za=za|zaf|south africa;
ae=ae|are|uae|united arab emirates; pk=pk|pak|pakistan; id=id|idn|indonesia
""".replace("\n", " ").split(";")
    for code, names in [entry.strip().split("=")]
    for name in names.split("|")
}
# US states and Brazilian states by name, so "California" meets "CA" and "São Paulo" meets "SP".
_REGIONS = dict(
    pair.split("=")
    for pair in """
alabama=al alaska=ak arizona=az arkansas=ar california=ca colorado=co connecticut=ct delaware=de florida=fl georgia=ga
hawaii=hi idaho=id illinois=il indiana=in iowa=ia kansas=ks kentucky=ky louisiana=la maine=me maryland=md
massachusetts=ma michigan=mi minnesota=mn mississippi=ms missouri=mo montana=mt nebraska=ne nevada=nv
new_hampshire=nh new_jersey=nj new_mexico=nm new_york=ny north_carolina=nc north_dakota=nd ohio=oh oklahoma=ok
oregon=or pennsylvania=pa rhode_island=ri south_carolina=sc south_dakota=sd tennessee=tn texas=tx utah=ut
vermont=vt virginia=va washington=wa west_virginia=wv wisconsin=wi wyoming=wy district_of_columbia=dc
acre=ac alagoas=al amapa=ap amazonas=am bahia=ba ceara=ce distrito_federal=df espirito_santo=es goias=go
maranhao=ma mato_grosso=mt mato_grosso_do_sul=ms minas_gerais=mg para=pa paraiba=pb parana=pr
pernambuco=pe piaui=pi rio_de_janeiro=rj rio_grande_do_norte=rn rio_grande_do_sul=rs rondonia=ro roraima=rr
santa_catarina=sc sao_paulo=sp sergipe=se tocantins=to
""".split()
)
_REGIONS = {name.replace("_", " "): code for name, code in _REGIONS.items()}


# -- keys ---------------------------------------------------------------------------------------
def _strings(values) -> pa.Array:
    series = values if isinstance(values, pd.Series) else pd.Series(values, dtype=object)
    try:
        return pa.array(series, from_pandas=True, type=pa.large_string())
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError):  # numbers or mixed objects: as text
        return pa.array(series.astype("string").to_numpy(dtype=object, na_value=None), type=pa.large_string())


def fold_text(array: pa.Array) -> pa.Array:
    """Lower case without accents (ß -> ss, ø -> o, ...)."""
    array = pc.utf8_lower(array)
    array = pc.replace_substring_regex(pc.utf8_normalize(array, "NFKD"), r"\p{Mn}+", "")
    for letter, plain in _FOLD_LETTERS:
        array = pc.replace_substring(array, letter, plain)
    return array


def _blank_to_null(array: pa.Array, shortest: int = 1) -> pa.Array:
    return pc.if_else(pc.greater_equal(pc.utf8_length(array), shortest), array, pa.scalar(None, pa.large_string()))


def domain_keys(values) -> pa.Array:
    """The registrable web domain of each value (no scheme, www., path or port); null when there is
    none or it is a free-mail or placeholder domain. The key matching joins on."""
    x = pc.utf8_trim_whitespace(pc.utf8_lower(_strings(values)))
    for pattern, replacement in (
        (r"^[a-z][a-z0-9+.-]*://", ""),
        (r"^[^@/]*@", ""),
        (r"[/?#\\].*$", ""),
        (r":[0-9]*$", ""),
        (r"\.+$", ""),
        (r"^www[0-9]*\.", ""),
        (_REGISTRABLE, r"\1"),
    ):
        x = pc.replace_substring_regex(x, pattern, replacement)
    shaped = pc.match_substring_regex(x, r"^[a-z0-9-]+(\.[a-z0-9-]+)+$")
    useless = pc.is_in(x, pa.array(sorted(FREE_MAIL_DOMAINS | PLACEHOLDER_DOMAINS), type=pa.large_string()))
    return pc.if_else(pc.and_kleene(shaped, pc.invert(useless)), x, pa.scalar(None, pa.large_string()))


def name_keys(values) -> pa.Array:
    """Each company name folded to the key matching joins on (case, accents, punctuation, "the",
    "and" and legal suffixes removed)."""
    x = fold_text(_strings(values))
    for pattern, replacement in (
        (r"\.(?:com|net|org|io|co|ai|app)(?:\.[a-z]{2})?\s*$", ""),
        (r"\([^)]*\)", " "),
        (r"&|\+", " and "),
        (r"['’`.]", ""),
        (r"[^a-z0-9]+", " "),
        (r"^ +| +$", ""),
        (r"^the ", ""),
        (r" and ", " "),
        (_LEGAL_TAIL, r"\1"),
        (r" ", ""),
    ):
        x = pc.replace_substring_regex(x, pattern, replacement)
    return _blank_to_null(x, shortest=2)


def _place_array(values, kind: str) -> pa.Array:
    series = values.astype("string") if isinstance(values, pd.Series) else pd.Series(values, dtype="string")
    codes, uniques = pd.factorize(series)  # few distinct places: fold each once
    folded = pc.replace_substring_regex(fold_text(_strings(pd.Series(uniques, dtype=object))), r"[^a-z0-9]+", " ")
    folded = pd.Series(pc.utf8_trim_whitespace(folded).to_pandas(), dtype=object)
    table = {"country": _COUNTRY_ALIASES, "region": _REGIONS}.get(kind, {})
    folded = folded.map(lambda p: table.get(p, p))
    out = np.append(folded.to_numpy(dtype=object), None)[codes]  # type: ignore[call-overload]  # numpy stub lacks an object scalar; code -1 (missing) picks the None
    return _blank_to_null(pa.array(out, type=pa.large_string()))


def normalize_domains(values) -> pd.Series:
    """The registrable web domain: no scheme, ``www.``, path, port, e-mail box or trailing dot, lower
    case; ``blog.acme.com`` -> ``acme.com``; free-mail and placeholder sites become missing."""
    return _to_series(domain_keys(values), values)


def normalize_names(values) -> pd.Series:
    """A company name as a matching key: accents, case, punctuation, spaces, "&"/"and", a leading
    "The", a trailing ".com", text in brackets and legal forms (Inc, LLC, Ltda, S.A., GmbH, ...)
    folded away. Keys shorter than two characters are missing."""
    return _to_series(name_keys(values), values)


def normalize_places(values, kind: str) -> pd.Series:
    """City, region or country (``kind``) folded for comparison; countries and US/Brazilian states
    by name or code compare equal ("United States" = "US" = "USA"; "California" = "CA")."""
    return _to_series(_place_array(values, kind), values)


def _to_series(array: pa.Array, like) -> pd.Series:
    index = like.index if isinstance(like, pd.Series) else None
    return pd.Series(array.to_pandas(), index=index, dtype="string")


def _codes(left: pa.Array, right: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """Integer codes shared by both sides (-1 for missing), so that joins and comparisons run on ints."""
    encoded = pc.dictionary_encode(pa.chunked_array([left, right]).combine_chunks())
    codes = pc.fill_null(encoded.indices, -1).to_numpy(zero_copy_only=False).astype(np.int64)
    return codes[: len(left)], codes[len(left) :]


def _keys(universe: pd.DataFrame, accounts: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Key codes of both sides: name, domain, domain stem, city, region, country; plus ids and founding years."""

    def column(frame, name):
        return frame[name] if name in frame.columns else pd.Series(None, index=frame.index, dtype=object)

    # The string kernels release the GIL: names and domains of both sides fold on two threads.
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = {
            (side, what): pool.submit(fold, column(frame, what))
            for side, frame in (("u", universe), ("a", accounts))
            for what, fold in (("name", name_keys), ("domain", domain_keys))
        }
        arrays = {key: future.result() for key, future in futures.items()}
    for side, frame in (("u", universe), ("a", accounts)):
        arrays[side, "stem"] = pc.replace_substring_regex(arrays[side, "domain"], r"\..*$", "")
        for kind in ("city", "region", "country"):
            arrays[side, kind] = _place_array(column(frame, kind), kind)
    out = []
    for frame, id_column in ((universe, "company_id"), (accounts, "account_id")):
        founded = pd.to_numeric(column(frame, "founded_year"), errors="coerce").astype(float)
        out.append(
            pd.DataFrame(
                {
                    "id": frame[id_column].to_numpy(),
                    "name": column(frame, "name").to_numpy(),
                    "domain_raw": column(frame, "domain").to_numpy(),
                    "founded": founded.where((founded >= 1600) & (founded <= 2200)).to_numpy(),
                }
            )
        )
    for what in ("name", "domain", "stem", "city", "region", "country"):
        key = "name_key" if what == "name" else what
        out[0][key], out[1][key] = _codes(arrays["u", what], arrays["a", what])
    return out[0], out[1]


# -- resolution ---------------------------------------------------------------------------------
def _compare(pairs: pd.DataFrame, uk: pd.DataFrame, ak: pd.DataFrame, part: str) -> np.ndarray:
    """+1 where both sides know ``part`` and agree, -1 where they disagree, 0 where either is missing."""
    left, right = uk[part].to_numpy()[pairs["u"].to_numpy()], ak[part].to_numpy()[pairs["a"].to_numpy()]
    return np.where((left < 0) | (right < 0), 0, np.where(left == right, 1, -1))


def _founded_conflict(pairs: pd.DataFrame, uk: pd.DataFrame, ak: pd.DataFrame) -> np.ndarray:
    """Founding years both known and more than FOUNDED_TOLERANCE years apart."""
    gap = np.abs(uk["founded"].to_numpy()[pairs["u"].to_numpy()] - ak["founded"].to_numpy()[pairs["a"].to_numpy()])
    with np.errstate(invalid="ignore"):
        return gap > FOUNDED_TOLERANCE


def _evidence(pairs: pd.DataFrame, uk: pd.DataFrame, ak: pd.DataFrame) -> pd.DataFrame:
    city, region, country = (_compare(pairs, uk, ak, p) for p in ("city", "region", "country"))
    pairs = pairs.assign(
        city=city,
        region=region,
        country=country,
        # A shared city says the most; a different country rules a same-name pair out (see _name_pairs).
        location=np.where(city > 0, 4, np.where(city < 0, -1, 0)) + 2 * region + np.where(country < 0, -4, country),
        name_same=_compare(pairs, uk, ak, "name_key") > 0,
        stem=_compare(pairs, uk, ak, "stem"),
    )
    return pairs


def _resolve(pairs: pd.DataFrame, score: np.ndarray, need_positive: bool) -> np.ndarray:
    """Accept a candidate pair when it is the single best candidate of both its universe row and its
    account; when either side has several candidates, ``need_positive`` also asks for positive evidence."""
    pairs = pairs.assign(score=score)
    ok = np.ones(len(pairs), dtype=bool)
    for side in ("u", "a"):
        groups = pairs.groupby(side, sort=False)["score"]
        top = pairs["score"].to_numpy() == groups.transform("max").to_numpy()
        ok &= top & (pd.Series(top).groupby(pairs[side].to_numpy()).transform("sum").to_numpy() == 1)
    if need_positive:
        single = (pairs["n_u"].to_numpy() == 1) & (pairs["n_a"].to_numpy() == 1)
        ok &= single | (score > 0)
    return ok


def _count_candidates(pairs: pd.DataFrame) -> pd.DataFrame:
    return pairs.assign(n_u=pairs.groupby("u")["a"].transform("size"), n_a=pairs.groupby("a")["u"].transform("size"))


def _stage(pairs: pd.DataFrame, uk, ak, stage: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Accepted matches and the ambiguous candidate pairs of one stage (domain or name)."""
    pairs = _count_candidates(_evidence(pairs.astype({"u": np.int64, "a": np.int64}), uk, ak))
    if stage == "domain":
        # The same name outranks any location evidence (which spans -7..7), location breaks the rest.
        score = 16 * pairs["name_same"].to_numpy() + pairs["location"].to_numpy()
        ok = _resolve(pairs, score, need_positive=False)
    else:
        score = pairs["location"].to_numpy() + 5 * (pairs["stem"].to_numpy() > 0)
        ok = _resolve(pairs, score, need_positive=True)
    accepted = pairs[ok]
    taken_u, taken_a = set(accepted["u"]), set(accepted["a"])
    open_pairs = pairs[~ok & ~pairs["u"].isin(taken_u) & ~pairs["a"].isin(taken_a)]
    accepted = accepted.assign(method=_methods(accepted, stage), confidence=_confidence(accepted, stage))
    return accepted, open_pairs.assign(stage=stage, reason=_reasons(open_pairs, stage))


def _methods(pairs: pd.DataFrame, stage: str) -> np.ndarray:
    if stage == "domain":
        return np.full(len(pairs), "domain", dtype=object)
    single = (pairs["n_u"].to_numpy() == 1) & (pairs["n_a"].to_numpy() == 1)
    return np.where(single, "name", "name+location").astype(object)


def _confidence(pairs: pd.DataFrame, stage: str) -> np.ndarray:
    """A plain-spoken score of how sure the match is (see docs/market.md#matching-companies)."""
    location, stem = pairs["location"].to_numpy(), pairs["stem"].to_numpy()
    if stage == "domain":
        return np.round(np.where(pairs["name_same"].to_numpy(), 0.99, 0.95) - np.where(location < 0, 0.1, 0.0), 2)
    single = (pairs["n_u"].to_numpy() == 1) & (pairs["n_a"].to_numpy() == 1)
    unique_name = np.select([stem > 0, location > 0, location == 0], [0.95, 0.9, 0.8], 0.6)
    return np.where(single, unique_name, np.where(stem > 0, 0.85, 0.75))


def _reasons(pairs: pd.DataFrame, stage: str) -> np.ndarray:
    what = "share the web domain" if stage == "domain" else "share the name"
    many_a, many_u = pairs["n_u"].to_numpy() > 1, pairs["n_a"].to_numpy() > 1
    side = np.where(
        many_a & many_u,
        f"several companies and accounts {what}",
        np.where(many_a, f"several accounts {what}", f"several universe companies {what}"),
    )
    tail = "; name and location do not tell them apart" if stage == "domain" else "; location does not tell them apart"
    return pd.Series(side, dtype=object).add(tail).to_numpy()


def _join(left_rows: np.ndarray, left_keys: np.ndarray, right_rows: np.ndarray, right_keys: np.ndarray) -> pd.DataFrame:
    """Candidate pairs (u, a) whose key codes are equal; missing keys (-1) never join."""
    left = pd.DataFrame({"u": left_rows, "key": left_keys})
    right = pd.DataFrame({"a": right_rows, "key": right_keys})
    return left[left["key"] >= 0].merge(right[right["key"] >= 0], on="key")[["u", "a"]]


def _name_pairs(uk: pd.DataFrame, ak: pd.DataFrame, u_open: np.ndarray, a_open: np.ndarray) -> pd.DataFrame:
    pairs = _join(u_open, uk["name_key"].to_numpy()[u_open], a_open, ak["name_key"].to_numpy()[a_open])
    # Same name but another country, another web domain or another founding year: two companies, not one.
    country, stem = _compare(pairs, uk, ak, "country"), _compare(pairs, uk, ak, "stem")
    return pairs[(country >= 0) & (stem >= 0) & ~_founded_conflict(pairs, uk, ak)].reset_index(drop=True)


def _domain_pairs(uk: pd.DataFrame, ak: pd.DataFrame) -> pd.DataFrame:
    return _join(np.arange(len(uk)), uk["domain"].to_numpy(), np.arange(len(ak)), ak["domain"].to_numpy())


# -- the result ---------------------------------------------------------------------------------
@dataclass(repr=False)
class MatchResult(Result):
    """Matches (one row per matched universe company), ambiguous candidate pairs (one row per
    candidate), unmatched universe companies, and a summary whose counts reconcile."""

    matches: pd.DataFrame
    ambiguous: pd.DataFrame
    unmatched: pd.DataFrame
    summary: dict = field(default_factory=dict)
    files: dict = field(default_factory=dict)  # what was written on request: the match list

    def write(self, path) -> None:
        """Write the matches and ambiguous candidates (``to_frame``) as CSV to ``path``."""
        from bullseye.io import write_csv

        path.parent.mkdir(parents=True, exist_ok=True)
        write_csv(self.to_frame(), path)
        self.files["matches"] = path

    def to_frame(self) -> pd.DataFrame:
        """Matches then ambiguous candidates in one list, with a ``status`` column (for CSV)."""
        matched = self.matches.assign(status="matched", reason="")
        ambiguous = self.ambiguous.rename(columns={"stage": "method"}).assign(status="ambiguous", confidence=np.nan)
        columns = [
            "status",
            "company_id",
            "account_id",
            "method",
            "confidence",
            "location",
            "reason",
            "company_name",
            "account_name",
            "company_domain",
            "account_domain",
        ]
        return pd.concat([matched.reindex(columns=columns), ambiguous.reindex(columns=columns)], ignore_index=True)

    def to_dict(self, rows: int | None = 20) -> dict:
        """The summary and the rows (the first ``rows`` of each list, or all with None; the
        written match list has them all)."""

        def records(frame: pd.DataFrame) -> list[dict]:
            frame = frame if rows is None else frame.head(rows)
            return frame.astype(object).where(frame.notna(), None).to_dict(orient="records")

        return {
            "summary": self.summary,
            "matches": records(self.matches),
            "ambiguous": records(self.ambiguous),
            "files": {k: str(v) for k, v in self.files.items()},
        }


def _describe(pairs: pd.DataFrame, uk: pd.DataFrame, ak: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    pairs = pairs.sort_values(["u", "a"])
    u, a = pairs["u"].to_numpy(), pairs["a"].to_numpy()
    parts = pairs[["city", "region", "country"]].to_numpy()
    agree, differ = (parts > 0).any(axis=1), (parts < 0).any(axis=1)
    return pd.DataFrame(
        {
            "company_id": uk["id"].to_numpy()[u],
            "account_id": ak["id"].to_numpy()[a],
            **{c: pairs[c].to_numpy() for c in columns},
            "location": np.select([agree & differ, agree, differ], ["partly", "agrees", "conflicts"], "unknown"),
            "company_name": uk["name"].to_numpy()[u],
            "account_name": ak["name"].to_numpy()[a],
            "company_domain": uk["domain_raw"].to_numpy()[u],
            "account_domain": ak["domain_raw"].to_numpy()[a],
        }
    )


def match_companies(universe: pd.DataFrame, accounts: pd.DataFrame) -> MatchResult:
    """Match ``universe`` (company_id, name, domain, city, region, country, founded_year) to
    ``accounts`` (account_id and the same columns). Only the id and name columns are required."""
    for frame, id_column, label in ((universe, "company_id", "universe"), (accounts, "account_id", "accounts")):
        missing = [c for c in (id_column, "name") if c not in frame.columns]
        if missing:
            raise InvalidInputError(
                f"{label} has no column {', '.join(repr(c) for c in missing)}; matching needs "
                f"{id_column!r} and 'name' (and uses domain, city, region, country when present)"
            )
    uk, ak = _keys(universe.reset_index(drop=True), accounts.reset_index(drop=True))

    by_domain, open_domain = _stage(_domain_pairs(uk, ak), uk, ak, "domain")
    # Rows and accounts settled (matched or ambiguous) by domain take no part in matching by name.
    open_u, open_a = np.ones(len(uk), dtype=bool), np.ones(len(ak), dtype=bool)
    for frame in (by_domain, open_domain):
        open_u[frame["u"].to_numpy()] = False
        open_a[frame["a"].to_numpy()] = False
    by_name, open_name = _stage(_name_pairs(uk, ak, np.flatnonzero(open_u), np.flatnonzero(open_a)), uk, ak, "name")
    accepted = pd.concat([by_domain, by_name], ignore_index=True)
    contested = pd.concat([open_domain, open_name], ignore_index=True)

    status = np.zeros(len(uk), dtype=np.int8)  # 0 unmatched, 1 matched, 2 ambiguous
    status[accepted["u"].to_numpy()] = 1
    status[contested["u"].to_numpy()] = 2
    lost = status == 0
    unmatched = pd.DataFrame(
        {
            "company_id": uk["id"].to_numpy()[lost],
            "name": uk["name"].to_numpy()[lost],
            "domain": uk["domain_raw"].to_numpy()[lost],
        }
    )
    by_method = accepted["method"].value_counts()
    summary: dict[str, Any] = {
        "universe_rows": int(len(uk)),
        "matched": int((status == 1).sum()),
        "ambiguous": int((status == 2).sum()),
        "unmatched": int(lost.sum()),
        "matched_by_method": {m: int(by_method.get(m, 0)) for m in METHODS},
        "accounts": int(len(ak)),
        "accounts_matched": int(accepted["a"].nunique()),
        "accounts_ambiguous": int(contested["a"].nunique()),
        "universe_without_keys": int(((uk["domain"] < 0) & (uk["name_key"] < 0)).sum()),
    }
    summary["reconciles"] = summary["matched"] + summary["ambiguous"] + summary["unmatched"] == summary["universe_rows"]
    return MatchResult(
        matches=_describe(accepted, uk, ak, ["method", "confidence"]),
        ambiguous=_describe(contested, uk, ak, ["stage", "reason"]),
        unmatched=unmatched,
        summary=summary,
    )


def match_workspace(ws: Workspace) -> MatchResult:
    """Match the workspace's ``universe`` table to its ``accounts`` table."""
    columns = ["name", "domain", "city", "region", "country", "founded_year"]
    universe = ws.table("universe", needed_for="matching companies").select("company_id", *columns).to_pandas()
    accounts = ws.table("accounts", needed_for="matching companies").select("account_id", *columns).to_pandas()
    return match_companies(universe, accounts)
