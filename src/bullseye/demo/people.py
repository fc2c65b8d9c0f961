"""The people of the demo company's accounts: contacts, their titles and names, and the buying
committee of each deal (the notes they leave are :mod:`bullseye.demo.notes`)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from bullseye.demo.market import ascii_lower, pick
from bullseye.demo.model import ids
from bullseye.demo.notes import ROLE_TEXT

__all__ = ["PERSONAS", "ENGAGEMENT", "ROLE_TEXT", "make_contacts", "make_deal_contacts", "committee_truth"]

# key: (role, persona, female titles, male titles, P(at an account with deals), P(otherwise), extra contacts)
PERSONAS = {
    "ops_director": (
        "champion",
        "Director of Operations",
        (
            "Diretora de Operações",
            "Diretora de Operacoes",
            "Director of Operations",
            "Operations Director",
            "Dir. de Operações",
        ),
        (
            "Diretor de Operações",
            "Diretor de Operacoes",
            "Director of Operations",
            "Operations Director",
            "Dir. Operações",
        ),
        0.88,
        0.30,
        0,
    ),
    "cfo": (
        "economic buyer",
        "CFO",
        ("CFO", "Diretora Financeira", "Chief Financial Officer", "Finance Director", "Dir. Financeira"),
        ("CFO", "Diretor Financeiro", "Chief Financial Officer", "Finance Director", "Dir. Financeiro"),
        0.78,
        0.20,
        0,
    ),
    "it": (
        "blocker",
        "IT manager / director",
        ("Gerente de TI", "IT Manager", "Diretora de TI", "IT Director", "Gerente de T.I."),
        ("Gerente de TI", "IT Manager", "Diretor de TI", "IT Director", "Gerente de T.I."),
        0.70,
        0.15,
        0,
    ),
    "route_coord": (
        "user",
        "Route coordinator",
        (
            "Coordenadora de Rotas",
            "Route Coordinator",
            "Coordenadora de Roteirização",
            "Routing Coordinator",
            "Coord. de Rotas",
        ),
        (
            "Coordenador de Rotas",
            "Route Coordinator",
            "Coordenador de Roteirização",
            "Routing Coordinator",
            "Coord. de Rotas",
        ),
        0.80,
        0.25,
        2,
    ),
    "analyst": (
        "user",
        "Logistics analyst",
        ("Analista de Logística", "Logistics Analyst", "Analista de Logística Sr", "Analista de Roteirização"),
        ("Analista de Logística", "Logistics Analyst", "Analista de Logística Sr", "Analista de Roteirização"),
        0.40,
        0.15,
        1,
    ),
    "head_logistics": (
        "influencer",
        "Head of Logistics",
        ("Head de Logística", "Head of Logistics", "Head de Logistica"),
        ("Head de Logística", "Head of Logistics", "Head de Logistica"),
        0.40,
        0.12,
        0,
    ),
    "ceo": (
        "influencer",
        "CEO / founder",
        ("CEO", "Sócia-fundadora", "Founder & CEO", "Diretora Geral", "Co-founder"),
        ("CEO", "Sócio-fundador", "Founder & CEO", "Diretor Geral", "Co-founder"),
        0.50,
        0.25,
        0,
    ),
    "other": (
        "",
        "Other",
        (
            "Gerente Comercial",
            "Sales Manager",
            "Gerente de Marketing",
            "Marketing Manager",
            "Analista de Compras",
            "Customer Success Manager",
            "Estagiária",
        ),
        (
            "Gerente Comercial",
            "Sales Manager",
            "Gerente de Marketing",
            "Marketing Manager",
            "Comprador",
            "Customer Success Manager",
            "Estagiário",
        ),
        0.60,
        0.45,
        1,
    ),
}
# P(contact of this persona is on a deal) for won, lost and open deals
ENGAGEMENT = {
    "ops_director": (0.88, 0.50, 0.60),
    "cfo": (0.78, 0.35, 0.40),
    "it": (0.50, 0.50, 0.40),
    "route_coord": (0.45, 0.40, 0.40),
    "analyst": (0.30, 0.30, 0.30),
    "head_logistics": (0.45, 0.40, 0.40),
    "ceo": (0.35, 0.30, 0.30),
    "other": (0.0, 0.0, 0.0),
}
ROLE_BLANK_SHARE = 0.30
_FIRST_F = (
    "Patrícia",
    "Ana",
    "Juliana",
    "Fernanda",
    "Camila",
    "Mariana",
    "Beatriz",
    "Larissa",
    "Aline",
    "Renata",
    "Carolina",
    "Gabriela",
    "Letícia",
    "Vanessa",
    "Daniela",
    "Priscila",
    "Bruna",
    "Luciana",
    "Simone",
    "Débora",
)
_FIRST_M = (
    "João",
    "Pedro",
    "Lucas",
    "Rafael",
    "Gustavo",
    "Felipe",
    "Bruno",
    "Rodrigo",
    "Thiago",
    "André",
    "Marcelo",
    "Ricardo",
    "Eduardo",
    "Fábio",
    "Leonardo",
    "Diego",
    "Vinícius",
    "Carlos",
    "Paulo",
    "Sérgio",
)
_SURNAMES = (
    "Silva",
    "Santos",
    "Oliveira",
    "Souza",
    "Rodrigues",
    "Ferreira",
    "Alves",
    "Pereira",
    "Lima",
    "Gomes",
    "Costa",
    "Ribeiro",
    "Martins",
    "Carvalho",
    "Almeida",
    "Lopes",
    "Soares",
    "Fernandes",
    "Vieira",
    "Barbosa",
    "Rocha",
    "Dias",
    "Nascimento",
    "Andrade",
    "Moreira",
    "Nunes",
    "Marques",
    "Machado",
    "Mendes",
    "Freitas",
    "Cardoso",
    "Ramos",
    "Gonçalves",
    "Santana",
    "Teixeira",
    "Araújo",
    "Pinto",
    "Correia",
    "Moura",
    "Cavalcanti",
)


def make_contacts(rng: np.random.Generator, accounts: pd.DataFrame, has_deal: np.ndarray, as_of) -> pd.DataFrame:
    """Contacts of ``accounts`` (columns account_id, domain, created). Internal columns keep the persona."""
    parts = []
    for key, (role, _, titles_f, titles_m, p_deal, p_other, extra) in PERSONAS.items():
        present = rng.random(len(accounts)) < np.where(has_deal, p_deal, p_other)
        count = present * (1 + (rng.binomial(extra, 0.4, len(accounts)) if extra else 0))
        idx = np.repeat(np.arange(len(accounts)), count)
        female = rng.random(len(idx)) < 0.45
        title = np.where(female, pick(rng, titles_f, len(idx)), pick(rng, titles_m, len(idx)))
        parts.append(pd.DataFrame({"acc_idx": idx, "persona": key, "role": role, "female": female, "title": title}))
    c = pd.concat(parts, ignore_index=True).sort_values(["acc_idx", "persona"], kind="stable").reset_index(drop=True)
    n = len(c)
    noise = rng.random(n)
    title = pd.Series(c["title"].to_numpy(dtype=object))
    title = title.where(~(noise < 0.07), title.str.lower())
    title = title.where(~((noise >= 0.07) & (noise < 0.10)), title.str.upper())
    title = title.where(~((noise >= 0.10) & (noise < 0.12)), " " + title + " ")
    first = np.where(c["female"], pick(rng, _FIRST_F, n), pick(rng, _FIRST_M, n))
    last = pick(rng, _SURNAMES, n)
    two = rng.random(n) < 0.4
    last = np.where(two, last + " " + pick(rng, _SURNAMES, n), last)
    acc = accounts.iloc[c["acc_idx"].to_numpy()]
    domain = acc["domain"].to_numpy(dtype=object)
    domain = np.where(domain == "", "gmail.com", domain)
    local = ascii_lower(first) + "." + ascii_lower(pd.Series(last).str.split(" ").str[-1])
    email = (local + "@" + pd.Series(domain)).where(rng.random(n) >= 0.08, "")
    created = acc["created"].to_numpy() + np.round(rng.exponential(120, n)).astype("timedelta64[D]")
    created = np.minimum(created, np.datetime64(as_of))
    c["account_id"] = acc["account_id"].to_numpy()
    c["contact_id"] = ids("CON-", n)
    c["first"] = first
    c["name"] = first + " " + last
    c["email"] = email.to_numpy()
    c["title"] = title.to_numpy()
    c["created"] = created
    return c


def make_deal_contacts(rng: np.random.Generator, deals: pd.DataFrame, contacts: pd.DataFrame) -> pd.DataFrame:
    """Who was on which deal: contacts of the deal's account drawn by persona and outcome."""
    pairs = deals[["deal_id", "account_id", "stage", "expansion"]].merge(
        contacts[["contact_id", "account_id", "persona", "role"]], on="account_id", how="inner"
    )
    col = pairs["stage"].map({"won": 0, "lost": 1, "open": 2}).to_numpy()
    table = np.array([ENGAGEMENT[p] for p in PERSONAS])
    persona_idx = pairs["persona"].map({p: i for i, p in enumerate(PERSONAS)}).to_numpy()
    prob = table[persona_idx, col] * np.where(pairs["expansion"], 0.6, 1.0)
    pairs = pairs[rng.random(len(pairs)) < prob].reset_index(drop=True)
    pairs["role_written"] = np.where(rng.random(len(pairs)) < ROLE_BLANK_SHARE, "", pairs["role"].to_numpy())
    return pairs.sort_values(["deal_id", "contact_id"], kind="stable").reset_index(drop=True)


def committee_truth() -> dict:
    """The buying committee as planted: roles, their personas and titles, pains and objections."""
    roles: dict = {}
    for key, (role, persona, titles_f, titles_m, *_rest) in PERSONAS.items():
        if not role:
            continue
        titles = list(dict.fromkeys(titles_f + titles_m))
        entry = roles.setdefault(role, {"personas": [], "title_variants": [], "title_keywords": []})
        entry["personas"].append(persona)
        entry["title_variants"] += titles
        entry["title_keywords"] += list(dict.fromkeys(ascii_lower(titles).tolist()))
        entry["engagement"] = entry.get("engagement", {})
        entry["engagement"][persona] = dict(zip(("won", "lost", "open"), ENGAGEMENT[key]))
    for role, text in ROLE_TEXT.items():
        for kind in ("pains", "objections", "goals"):
            roles[role][kind] = [{"en": en, "pt": pt} for en, pt in text[kind]]
    return {
        "roles": roles,
        "role_blank_share": ROLE_BLANK_SHARE,
        "note_text": {
            "pain_share": 0.8,
            "objection_share_lost": 0.75,
            "objection_share_other": 0.55,
            "cross_role_leak_share": 0.08,
            "languages": {"pt": 0.6, "en": 0.4},
        },
        "other_titles": list(dict.fromkeys(PERSONAS["other"][2] + PERSONAS["other"][3])),
    }
