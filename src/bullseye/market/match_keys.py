"""Match keys: company names, web domains and places folded to comparable text (vectorised
pyarrow string kernels), and encoded as integer codes shared by the universe and the CRM accounts,
so that :mod:`bullseye.market.matching` finds candidates with joins on integers.

Example: ``name_keys(pd.Series(["Acme Holdings Co., Ltd."]))`` gives ``acmeholdings``."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

__all__ = [
    "FREE_MAIL_DOMAINS",
    "PLACEHOLDER_DOMAINS",
    "LEGAL_SUFFIXES",
    "fold_text",
    "domain_keys",
    "name_keys",
    "normalize_domains",
    "normalize_names",
    "normalize_places",
    "match_keys",
]

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


def match_keys(universe: pd.DataFrame, accounts: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
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
