"""The market of the demo company: firmographics of CRM accounts and of the universe, events, spend.

Everything here is vectorised over companies; loops run only over small things (industries,
cities, technologies). Every function takes the ``numpy.random.Generator`` it draws from.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from bullseye.demo.model import ids

__all__ = [
    "CITIES",
    "INDUSTRY_SPECS",
    "LARGE_METROS",
    "HOL_TITLES",
    "pick",
    "blank",
    "fmt_date",
    "money",
    "ascii_lower",
    "company_names",
    "make_firms",
    "make_universe",
    "background_events",
    "make_spend",
]

# city, UF, weight, large metro
CITIES = (
    ("São Paulo", "SP", 0.22, True),
    ("Rio de Janeiro", "RJ", 0.11, True),
    ("Belo Horizonte", "MG", 0.07, True),
    ("Porto Alegre", "RS", 0.06, True),
    ("Curitiba", "PR", 0.06, True),
    ("Recife", "PE", 0.05, True),
    ("Campinas", "SP", 0.05, False),
    ("Florianópolis", "SC", 0.04, False),
    ("Goiânia", "GO", 0.04, False),
    ("Salvador", "BA", 0.04, False),
    ("Fortaleza", "CE", 0.04, False),
    ("Manaus", "AM", 0.03, False),
    ("Natal", "RN", 0.02, False),
    ("Londrina", "PR", 0.02, False),
    ("Joinville", "SC", 0.03, False),
    ("Ribeirão Preto", "SP", 0.03, False),
    ("Sorocaba", "SP", 0.02, False),
    ("Vitória", "ES", 0.02, False),
    ("Uberlândia", "MG", 0.02, False),
    ("Brasília", "DF", 0.03, False),
)
LARGE_METROS = tuple(c[0] for c in CITIES if c[3])
ABROAD = (
    ("Buenos Aires", "CABA", "Argentina"),
    ("Santiago", "RM", "Chile"),
    ("Bogotá", "DC", "Colombia"),
    ("Ciudad de México", "CDMX", "Mexico"),
    ("Lima", "LIM", "Peru"),
)

# CRM label, data-provider labels, share in CRM, share in universe, P(own fleet), median deliveries/day
INDUSTRY_SPECS = (
    ("E-commerce", ("Internet Retail", "E-Commerce"), 0.30, 0.17, 0.55, 260),
    ("Regional carrier", ("Transportation/Trucking/Railroad", "Freight & Logistics"), 0.20, 0.11, 0.92, 420),
    ("Urban delivery franchise", ("Courier & Delivery Services", "Package/Freight Delivery"), 0.14, 0.07, 0.85, 240),
    ("Marketplace", ("Online Marketplaces", "Internet Marketplace"), 0.12, 0.06, 0.35, 380),
    ("Omnichannel retail", ("Retail", "Department Stores"), 0.18, 0.12, 0.50, 190),
    ("Other", ("Wholesale", "Food & Beverages"), 0.06, 0.07, 0.30, 60),
    ("Manufacturing", ("Manufacturing",), 0.0, 0.10, 0.20, 30),
    ("Software", ("Computer Software",), 0.0, 0.06, 0.02, 5),
    ("Healthcare", ("Hospital & Health Care",), 0.0, 0.06, 0.10, 20),
    ("Construction", ("Construction",), 0.0, 0.06, 0.30, 15),
    ("Financial Services", ("Financial Services",), 0.0, 0.06, 0.02, 5),
    ("Education", ("Education Management",), 0.0, 0.06, 0.05, 5),
)
TECH = (
    ("Google Sheets", 0.40),
    ("Microsoft Excel", 0.22),
    ("Salesforce", 0.12),
    ("HubSpot", 0.15),
    ("Pipedrive", 0.08),
    ("RD Station", 0.15),
    ("VTEX", 0.12),
    ("Shopify", 0.08),
    ("Nuvemshop", 0.07),
    ("Power BI", 0.15),
    ("Zendesk", 0.10),
    ("Slack", 0.15),
    ("Totvs Protheus", 0.10),
    ("WhatsApp Business", 0.20),
)
TMS = ("Totvs TMS", "Senior TMS", "Intelipost", "SAP TM", "Oracle OTM", "ESL TMS", "Bsoft TMS")
ERP = ("Totvs Protheus", "SAP Business One", "Omie", "Bling", "Sankhya", "Senior", "Oracle NetSuite", "Tiny ERP")
HOL_TITLES = ("Head of Logistics", "Head de Logística", "Head de Logistica", "HEAD OF LOGISTICS")
OTHER_HIRES = (
    "CFO",
    "Diretor Financeiro",
    "VP Sales",
    "VP de Vendas",
    "CTO",
    "Gerente de TI",
    "Director of Operations",
    "Diretora de Operações",
    "CMO",
    "Head of Growth",
    "Country Manager",
    "Head de Marketing",
)

_NAME_A = (
    "Rota",
    "Velo",
    "Entre",
    "Logi",
    "Trans",
    "Carga",
    "Via",
    "Fluxo",
    "Movi",
    "Expre",
    "Agili",
    "Pronto",
    "Norte",
    "Sul",
    "Brasa",
    "Tropi",
    "Ama",
    "Serra",
    "Mar",
    "Sol",
    "Luz",
    "Nova",
    "Prime",
    "Mega",
    "Top",
    "Bem",
    "Casa",
    "Loja",
    "Mercado",
    "Feira",
    "Bela",
    "Terra",
    "Rio",
    "Vila",
    "Ponto",
    "Giro",
    "Zap",
    "Jet",
    "Flash",
    "Turbo",
    "Leva",
    "Manda",
    "Pega",
    "Chega",
    "Corre",
    "Voa",
    "Onda",
    "Ipê",
    "Jacaré",
    "Tucano",
    "Arara",
    "Caju",
    "Coco",
    "Pampa",
    "Cerrado",
    "Litoral",
    "Capital",
    "Urbano",
    "Metro",
    "Bairro",
)
_NAME_B = (
    "",
    "x",
    "lar",
    "mais",
    "net",
    "log",
    "ex",
    "via",
    "sul",
    "tec",
    "max",
    "lis",
    "ra",
    "ville",
    "bras",
    "go",
    "on",
    "fy",
    "ly",
    "ria",
    "ton",
    "vix",
    "pro",
    "up",
    "já",
)
_NAME_C = (
    "Express",
    "Logística",
    "Transportes",
    "Entregas",
    "Commerce",
    "Store",
    "Shop",
    "Delivery",
    "Cargo",
    "Distribuidora",
    "Log",
    "Online",
    "Market",
    "Varejo",
    "Fretes",
    "Mobilidade",
    "Atacado",
    "Digital",
    "Brasil",
    "Group",
    "Comércio",
)
_NAME_D = ("do Brasil", "Sul", "Nordeste", "Paulista", "Minas", "Rio", "Norte", "BR", "Centro-Oeste", "Capital")
_LEGAL = (" Ltda", " LTDA", " Ltda.", " S.A.", " S/A", " ME", " EIRELI")


def pick(rng: np.random.Generator, options, size: int, p=None) -> np.ndarray:
    """``size`` draws from ``options`` as an object array."""
    opts = np.asarray(options, dtype=object)
    if p is not None:
        p = np.asarray(p, dtype=float) / np.sum(p)
    return opts[rng.choice(len(opts), size=size, p=p)]


def blank(rng: np.random.Generator, values, share: float):
    """``values`` with a random ``share`` replaced by an empty string (strings) or NA (Int64)."""
    series = pd.Series(values).copy()
    mask = rng.random(len(series)) < share
    if pd.api.types.is_integer_dtype(series.dtype):
        series = series.astype("Int64")
        series[mask] = pd.NA
    else:
        series = series.astype(object)
        series[mask] = ""
    return series


def fmt_date(days) -> np.ndarray:
    """ISO date strings for datetime64[D] values; NaT becomes an empty string."""
    arr = np.asarray(days, dtype="datetime64[D]")
    out = np.datetime_as_string(arr, unit="D").astype(object)
    out[np.isnat(arr)] = ""
    return out


def money(values) -> np.ndarray:
    """Amounts written the way a CRM exports them: ``12,500.00``. Vectorised; NaN becomes empty."""
    x = np.asarray(values, dtype=float)
    bad = ~np.isfinite(x)
    cents = np.round(np.where(bad, 0, x) * 100).astype(np.int64)
    whole, frac = cents // 100, cents % 100
    groups = [whole // 1_000_000_000, (whole // 1_000_000) % 1000, (whole // 1000) % 1000, whole % 1000]
    out = pd.Series([""] * len(x), dtype=object)
    started = np.zeros(len(x), dtype=bool)
    for i, g in enumerate(groups):
        last = i == len(groups) - 1
        show = started | (g > 0) | last
        text = pd.Series(g).astype(str)
        text = text.where(~started, text.str.zfill(3))
        piece = (text + ("" if last else ",")).where(show, "")
        out = out + piece
        started |= show
    out = out.str.rstrip(",") + "." + pd.Series(frac).astype(str).str.zfill(2)
    out[bad] = ""
    return out.to_numpy(dtype=object)


def ascii_lower(values) -> pd.Series:
    """Lower case without accents ("São Paulo" -> "sao paulo"); computed once per distinct value."""
    codes, uniques = pd.factorize(pd.Series(values, dtype=object).astype(str))
    plain = pd.Series(uniques, dtype=object).str.normalize("NFKD").str.encode("ascii", "ignore").str.decode("ascii")
    return pd.Series(plain.str.lower().to_numpy(dtype=object)[codes])


def company_names(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """``n`` distinct company names and web domains."""
    a, b, c = (pick(rng, parts, n) for parts in (_NAME_A, _NAME_B, _NAME_C))
    stem = pd.Series(a + b)
    names = stem + " " + pd.Series(c)
    for _ in range(6):
        dup = names.duplicated().to_numpy()
        if not dup.any():
            break
        names[dup] = names[dup] + " " + pd.Series(pick(rng, _NAME_D, int(dup.sum())), index=names.index[dup])
    dup = names.duplicated().to_numpy()
    names[dup] = names[dup] + " " + pd.Series(np.arange(int(dup.sum())) + 2, index=names.index[dup]).astype(str)
    slug = ascii_lower(names).str.replace(r"[^a-z0-9]+", "", regex=True)
    tld = np.where(rng.random(n) < 0.7, ".com.br", ".com")
    domains = slug + tld
    dup = domains.duplicated().to_numpy()
    domains[dup] = slug[dup] + "br" + pd.Series(tld[dup], index=slug.index[dup])
    return names.to_numpy(dtype=object), domains.to_numpy(dtype=object)


def make_firms(rng: np.random.Generator, names, domains, universe: bool, abroad_share: float = 0.0) -> pd.DataFrame:
    """True attributes of companies (before any missing values are punched into the exports)."""
    n = len(names)
    col = 3 if universe else 2
    shares = np.array([spec[col] for spec in INDUSTRY_SPECS])
    ind = rng.choice(len(INDUSTRY_SPECS), size=n, p=shares / shares.sum())
    fleet_p = np.array([spec[4] for spec in INDUSTRY_SPECS])[ind]
    dpd_med = np.array([spec[5] for spec in INDUSTRY_SPECS], dtype=float)[ind]
    employees = np.clip(np.round(np.exp(rng.normal(np.log(120), 0.95, n))), 10, 1500).astype(np.int64)
    rev_per_emp = np.exp(rng.normal(np.log(110_000), 0.45, n))
    revenue = np.clip(np.round(employees * rev_per_emp, -3), 800_000, 250_000_000).astype(np.int64)
    dpd = np.maximum(5, np.round(dpd_med * (employees / 120) ** 0.45 * np.exp(rng.normal(0, 0.6, n)))).astype(np.int64)
    own_fleet = rng.random(n) < fleet_p
    fleet_size = np.where(own_fleet, np.maximum(1, np.round(dpd / np.exp(rng.normal(np.log(22), 0.3, n)))), 0)
    weights = np.array([c[2] for c in CITIES])
    city_idx = rng.choice(len(CITIES), size=n, p=weights / weights.sum())
    city = np.array([c[0] for c in CITIES], dtype=object)[city_idx]
    region = np.array([c[1] for c in CITIES], dtype=object)[city_idx]
    large = np.array([c[3] for c in CITIES])[city_idx]
    country = np.full(n, "Brazil", dtype=object)
    abroad = rng.random(n) < abroad_share
    if abroad.any():
        where = rng.integers(0, len(ABROAD), int(abroad.sum()))
        city[abroad] = np.array([a[0] for a in ABROAD], dtype=object)[where]
        region[abroad] = np.array([a[1] for a in ABROAD], dtype=object)[where]
        country[abroad] = np.array([a[2] for a in ABROAD], dtype=object)[where]
        large[abroad] = False
    carrier = np.isin(ind, (1, 2))
    tms = np.where(rng.random(n) < np.where(carrier, 0.7, 0.35), pick(rng, TMS, n), "")
    stack = pd.Series([""] * n, dtype=object)
    for tech, p in TECH:
        stack = stack + np.where(rng.random(n) < p, tech + "; ", "")
    stack = stack.str.rstrip("; ")
    return pd.DataFrame(
        {
            "name": names,
            "domain": domains,
            "industry_idx": ind,
            "industry": np.array([s[0] for s in INDUSTRY_SPECS], dtype=object)[ind],
            "city": city,
            "region": region,
            "country": country,
            "large_metro": large,
            "employees": employees,
            "revenue": revenue,
            "founded_year": np.clip(2024 - np.round(np.exp(rng.normal(np.log(12), 0.7, n))), 1950, 2024).astype(
                np.int64
            ),
            "dpd": dpd,
            "own_fleet": own_fleet,
            "fleet_size": fleet_size.astype(np.int64),
            "tried_competitor": rng.random(n) < np.where(ind == 0, 0.30, 0.22),
            "tms": tms,
            "erp": pick(rng, ERP, n),
            "tech_stack": stack.to_numpy(dtype=object),
        }
    )


def _industry_label(rng: np.random.Generator, ind: np.ndarray) -> np.ndarray:
    out = np.empty(len(ind), dtype=object)
    for i, spec in enumerate(INDUSTRY_SPECS):
        mask = ind == i
        out[mask] = pick(rng, spec[1], int(mask.sum()))
    return out


def make_universe(rng: np.random.Generator, accounts: pd.DataFrame, others: pd.DataFrame, match_share: float):
    """The market list: ``others`` plus a ``match_share`` of the CRM ``accounts`` under slightly different
    names and domains. Returns the export frame, the {company_id: account_id} matches and the true ICP flag."""
    n_acc = len(accounts)
    matched = np.sort(rng.choice(n_acc, size=int(round(match_share * n_acc)), replace=False))
    crm = accounts.iloc[matched].reset_index(drop=True)
    m = len(crm)
    name = pd.Series(crm["name"].to_numpy(dtype=object))
    r = rng.random(m)
    legal = pd.Series(pick(rng, _LEGAL, m))
    name = name.where(~(r < 0.35), name + legal)
    name = name.where(~((r >= 0.35) & (r < 0.50)), name.str.upper())
    name = name.where(~((r >= 0.50) & (r < 0.60)), ascii_lower(name).str.title())
    dom = pd.Series(crm["domain"].to_numpy(dtype=object))
    r = rng.random(m)
    swapped = dom.str.replace(".com.br", ".TMP", regex=False).str.replace(".com", ".com.br", regex=False)
    dom = dom.where(~(r < 0.30), "www." + dom)
    dom = dom.where(~((r >= 0.30) & (r < 0.40)), "https://www." + dom + "/")
    dom = dom.where(~((r >= 0.40) & (r < 0.55)), swapped.str.replace(".TMP", ".com", regex=False))
    dom = dom.where(~((r >= 0.55) & (r < 0.62)), "")
    both = pd.concat([crm.assign(name=name.to_numpy(), domain=dom.to_numpy()), others], ignore_index=True)
    both["account_id"] = np.concatenate([crm["account_id"].to_numpy(dtype=object), np.full(len(others), None)])
    both = both.iloc[rng.permutation(len(both))].reset_index(drop=True)
    k = len(both)
    both["company_id"] = ids("UNI-", k)

    def noisy(values, sd):  # a data provider's estimate of the true value
        return np.round(values * np.exp(rng.normal(0, sd, k)))

    out = pd.DataFrame(
        {
            "Company ID": both["company_id"],
            "Company Name": both["name"],
            "Domain": both["domain"],
            "Industry": _industry_label(rng, both["industry_idx"].to_numpy()),
            "City": both["city"],
            "State": both["region"],
            "Country": both["country"],
            "Employees": blank(rng, noisy(both["employees"].to_numpy(), 0.1).astype(np.int64), 0.06),
            "Annual Revenue": blank(rng, np.round(noisy(both["revenue"].to_numpy(), 0.15), -4).astype(np.int64), 0.15),
            "deliveries_per_day": blank(rng, noisy(both["dpd"].to_numpy(), 0.15).astype(np.int64), 0.6),
            "own_fleet": blank(rng, np.where(both["own_fleet"], "yes", "no"), 0.5),
        }
    )
    matches = dict(zip(both["company_id"][both["account_id"].notna()], both["account_id"].dropna()))
    icp = (both["industry_idx"].to_numpy() == 0) & both["own_fleet"].to_numpy() & (both["dpd"].to_numpy() >= 200)
    icp &= both["country"].to_numpy() == "Brazil"
    return out, dict(sorted(matches.items())), both.assign(icp=icp)


def background_events(rng: np.random.Generator, ids: np.ndarray, rate: float, start, end) -> pd.DataFrame:
    """Random dated events for the companies ``ids`` (``rate`` events per company on average)."""
    counts = rng.poisson(rate, len(ids))
    owner = np.repeat(np.asarray(ids, dtype=object), counts)
    k = len(owner)
    span = int((np.datetime64(end) - np.datetime64(start)) / np.timedelta64(1, "D"))
    date = np.datetime64(start) + rng.integers(0, span + 1, k).astype("timedelta64[D]")
    kinds = ("funding", "exec_hire", "headcount_change", "layoff", "tech_adopted")
    etype = pick(rng, kinds, k, p=(0.12, 0.35, 0.30, 0.08, 0.15))
    hol = rng.random(k) < 0.10
    title = np.where(hol, pick(rng, HOL_TITLES, k), pick(rng, OTHER_HIRES, k))
    title = np.where(etype == "exec_hire", title, "")
    funding = np.round(np.exp(rng.normal(np.log(5e6), 0.9, k)), -5)
    growth = np.round(rng.normal(15, 20, k))
    growth = np.where(growth == 0, 1, growth)
    cuts = -np.round(np.exp(rng.normal(np.log(20), 0.7, k)))
    value = np.select(
        [etype == "funding", etype == "headcount_change", etype == "layoff"], [funding, growth, cuts], np.nan
    )
    rounds = pick(rng, ("Seed", "Series A", "Series B", "Series C", "Debt financing"), k)
    tech = pick(rng, [t for t, _ in TECH] + list(TMS), k)
    desc = np.select(
        [etype == "funding", etype == "exec_hire", etype == "headcount_change", etype == "layoff"],
        [
            "Raised " + rounds + " round",
            "New " + title.astype(object) + " announced on LinkedIn",
            "Headcount change over the last 6 months",
            "Layoffs reported in the press",
        ],
        "Adopted " + tech,
    )
    source = pick(rng, ("LinkedIn", "Crunchbase", "News", "Manual"), k, p=(0.5, 0.2, 0.2, 0.1))
    return pd.DataFrame(
        {
            "owner": owner,
            "event_type": etype,
            "date": date,
            "title": title,
            "value": value,
            "description": desc,
            "source": source,
        }
    )


def make_spend(rng: np.random.Generator, start, months: int, scale: float) -> pd.DataFrame:
    """Monthly marketing and sales spend per channel, growing over time, with event-season spikes."""
    first = np.datetime64(start, "M")
    month = first + np.arange(months)
    channels = (
        ("paid search", "marketing", 22_000),
        ("LinkedIn ads", "marketing", 15_000),
        ("events", "marketing", 12_000),
        ("content", "marketing", 8_000),
        ("SDR team", "sales", 45_000),
        ("AE team", "sales", 90_000),
    )
    trend = 1 + 0.012 * np.arange(months)
    mon = month.astype(int) % 12 + 1
    frames = []
    for channel, kind, base in channels:
        level = base * scale * trend * np.exp(rng.normal(0, 0.08 if kind == "sales" else 0.18, months))
        if channel == "events":
            level = level * np.where(np.isin(mon, (3, 5, 9, 10)), 2.5, 0.5)
        frames.append(
            pd.DataFrame(
                {
                    "Month": fmt_date(month.astype("datetime64[D]")),
                    "Channel": channel,
                    "Kind": kind,
                    "Amount": np.round(level, 2),
                }
            )
        )
    return pd.concat(frames, ignore_index=True).sort_values(["Month", "Channel"], kind="stable").reset_index(drop=True)
