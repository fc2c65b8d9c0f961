"""The people of the demo company's accounts: contacts, their titles, the buying committee of each deal
and the notes of calls, interviews, surveys and win/loss reviews that carry the committee's pains."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from bullseye.demo.market import ascii_lower, pick

__all__ = ["PERSONAS", "ROLE_TEXT", "make_contacts", "make_deal_contacts", "make_notes", "committee_truth"]

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
# (English, Portuguese) phrases planted in the notes of each role's contacts
ROLE_TEXT = {
    "champion": {
        "pains": (
            ("no real-time visibility", "sem visibilidade em tempo real"),
            ("over-reliance on spreadsheets", "dependência excessiva de planilhas"),
            ("poor system integration", "integração ruim entre os sistemas"),
            (
                "can't trace inefficiencies in the delivery network",
                "não conseguimos rastrear ineficiências na malha de entregas",
            ),
        ),
        "objections": (("worried about internal adoption", "preocupação com a adoção interna"),),
        "goals": (
            ("cut logistics costs by 20%", "reduzir o custo logístico em 20%"),
            ("hit every delivery SLA", "cumprir todos os SLAs de entrega"),
        ),
    },
    "economic buyer": {
        "pains": (
            ("logistics costs growing faster than revenue", "custo logístico crescendo mais que a receita"),
            ("fuel and overtime costs", "custos com combustível e horas extras"),
        ),
        "objections": (
            ("price/ROI unclear", "preço/ROI não está claro"),
            ("budget already committed this year", "orçamento já comprometido este ano"),
        ),
        "goals": (("a predictable cost per delivery", "um custo por entrega previsível"),),
    },
    "blocker": {
        "pains": (("legacy systems nobody wants to touch", "sistemas legados que ninguém quer mexer"),),
        "objections": (
            ("integration with our TMS/ERP", "integração com nosso TMS/ERP"),
            ("data security", "segurança dos dados"),
        ),
        "goals": (),
    },
    "user": {
        "pains": (
            ("manual route planning every morning", "roteirização manual toda manhã"),
            ("drivers calling in for directions", "motoristas ligando para pedir rota"),
        ),
        "objections": (("learning curve", "curva de aprendizado"),),
        "goals": (),
    },
    "influencer": {
        "pains": (
            ("delivery delays", "atrasos nas entregas"),
            ("order volume growing faster than the fleet", "volume de pedidos crescendo mais rápido que a frota"),
        ),
        "objections": (("timing: other priorities this quarter", "timing: outras prioridades neste trimestre"),),
        "goals": (),
    },
}
ROLES = tuple(ROLE_TEXT)
# sentence templates: English first, then Portuguese
_OPEN = (
    ("Discovery call with {who} ({title}).", "Call with {who}.", "Demo for {who} and team.", "Follow-up call."),
    (
        "Call de descoberta com {who} ({title}).",
        "Ligação com {who}.",
        "Demo para {who} e equipe.",
        "Follow-up por telefone.",
    ),
)
_INTERVIEW = (
    ("Interview with {who} ({title}).", "Customer interview, {who}."),
    ("Entrevista com {who} ({title}).", "Entrevista com cliente, {who}."),
)
_PAIN = (
    ("Biggest pain: {x}.", "{who} says the main problem today is {x}.", "Pain: {x}."),
    ("Maior dor: {x}.", "{who} comentou que o principal problema hoje é {x}.", "Dor: {x}."),
)
_OBJ = (
    ("Objection raised: {x}.", "{who} is concerned about {x}.", "Main concern: {x}."),
    ("Objeção: {x}.", "{who} está preocupado(a) com {x}.", "Principal receio: {x}."),
)
_GOAL = (("Wants to {x}.",), ("Quer {x}.",))
_CHATTER = (
    (
        "Left voicemail.",
        "Sent follow-up email with pricing.",
        "No answer, will try again next week.",
        "Asked for the API documentation.",
        "Shared a case study from a similar company.",
        "Meeting rescheduled.",
    ),
    (
        "Deixei recado.",
        "Cliente pediu para retornar em 30 dias.",
        "Reunião remarcada.",
        "Enviado material sobre roteirização dinâmica.",
        "Conversamos sobre o pico de entregas no fim de ano.",
        "Sem resposta, tentar de novo semana que vem.",
    ),
)
_NEXT = (
    ("Next step: proposal.", "Next step: technical meeting with IT.", "Next step: trial with two vehicles.", ""),
    (
        "Próximo passo: proposta.",
        "Próximo passo: reunião técnica com TI.",
        "Próximo passo: piloto com dois veículos.",
        "",
    ),
)
_WON = (
    (
        "Won: strong champion in operations and a clear ROI case for finance.",
        "Won after a two-week pilot.",
        "Won: integration with the TMS went smoothly in the trial.",
    ),
    (
        "Ganho: campeão forte em operações e ROI claro para o financeiro.",
        "Ganho após piloto de duas semanas.",
        "Ganho: integração com o TMS funcionou bem no piloto.",
    ),
)
_LOST = (
    (
        "Lost: price/ROI unclear for the CFO.",
        "Lost to a competitor.",
        "Lost: integration with our TMS/ERP was a blocker.",
        "Lost: no decision, timing.",
        "Lost: champion left the company.",
    ),
    (
        "Perdido: preço/ROI não está claro para o CFO.",
        "Perdido para concorrente.",
        "Perdido: integração com nosso TMS/ERP travou.",
        "Perdido: sem decisão, timing.",
        "Perdido: campeão saiu da empresa.",
    ),
)
_SURVEY = (
    (
        "Drivers love it, routes are much shorter.",
        "Good product, support could be faster.",
        "Too hard for the team to use; learning curve.",
        "Great savings on fuel.",
    ),
    (
        "Motoristas adoraram, rotas bem menores.",
        "Bom produto, mas o suporte poderia ser mais rápido.",
        "Difícil para a equipe usar; curva de aprendizado.",
        "Ótima economia de combustível.",
    ),
)
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
    c["contact_id"] = ("CON-" + pd.Series(np.arange(1, n + 1)).astype(str).str.zfill(7)).to_numpy()
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


def _render(templates, idx: np.ndarray, fields: dict[str, np.ndarray]) -> np.ndarray:
    """Fill template ``templates[idx[i]]`` with row i of ``fields``; one pass per template, not per row."""
    out = np.full(len(idx), "", dtype=object)
    for t, template in enumerate(templates):
        mask = idx == t
        if not mask.any():
            continue
        acc = np.full(int(mask.sum()), "", dtype=object)
        for j, part in enumerate(re.split(r"\{(\w+)\}", template)):
            acc = acc + (fields[part][mask] if j % 2 else part)
        out[mask] = acc
    return out


def _phrases(rng, roles: np.ndarray, kind: str, lang: np.ndarray) -> np.ndarray:
    out = np.full(len(roles), "", dtype=object)
    for role, text in ROLE_TEXT.items():
        mask = roles == role
        if not mask.any() or not text[kind]:
            continue
        which = rng.integers(0, len(text[kind]), int(mask.sum()))
        table = np.array(text[kind], dtype=object)
        out[mask] = table[which, lang[mask]]
    return out


def _pick_lang(rng, options_by_lang, lang: np.ndarray) -> np.ndarray:
    flat = options_by_lang[0] + options_by_lang[1]
    idx = rng.integers(0, len(options_by_lang[0]), len(lang))
    idx = np.where(lang == 1, len(options_by_lang[0]) + rng.integers(0, len(options_by_lang[1]), len(lang)), idx)
    return np.asarray(flat, dtype=object)[idx]


def _conversation_notes(rng, dc: pd.DataFrame, contacts: pd.DataFrame, deals: pd.DataFrame, as_of) -> pd.DataFrame:
    rows = dc[rng.random(len(dc)) < 0.6].merge(contacts[["contact_id", "first", "title"]], on="contact_id")
    rows = rows.merge(deals[["deal_id", "created", "closed"]], on="deal_id")
    n = len(rows)
    lang = (rng.random(n) < 0.6).astype(int)
    role = rows["role"].to_numpy(dtype=object)
    leak = rng.random(n) < 0.08  # now and then someone voices another role's concern
    role_for_text = np.where(leak, pick(rng, ROLES, n), role)
    lost = (rows["stage"] == "lost").to_numpy()
    has_pain = rng.random(n) < 0.8
    has_obj = (rng.random(n) < np.where(lost, 0.75, 0.55)) | ~has_pain
    has_goal = rng.random(n) < 0.3
    fields = {"who": rows["first"].to_numpy(dtype=object), "title": rows["title"].str.strip().to_numpy(dtype=object)}
    interview = rng.random(n) < 0.3
    parts = [
        np.where(
            interview,
            _render(_INTERVIEW[0] + _INTERVIEW[1], lang * 2 + rng.integers(0, 2, n), fields),
            _render(_OPEN[0] + _OPEN[1], lang * len(_OPEN[0]) + rng.integers(0, len(_OPEN[0]), n), fields),
        ),
        np.where(
            has_pain,
            _render(
                _PAIN[0] + _PAIN[1],
                lang * len(_PAIN[0]) + rng.integers(0, len(_PAIN[0]), n),
                {**fields, "x": _phrases(rng, role_for_text, "pains", lang)},
            ),
            "",
        ),
        np.where(
            has_obj,
            _render(
                _OBJ[0] + _OBJ[1],
                lang * len(_OBJ[0]) + rng.integers(0, len(_OBJ[0]), n),
                {**fields, "x": _phrases(rng, role_for_text, "objections", lang)},
            ),
            "",
        ),
    ]
    goal = _phrases(rng, role_for_text, "goals", lang)
    parts.append(np.where(has_goal & (goal != ""), _render(_GOAL[0] + _GOAL[1], lang, {"x": goal}), ""))
    parts.append(_pick_lang(rng, _NEXT, lang))
    body = pd.Series(parts[0])
    for part in parts[1:]:
        body = body + np.where(part == "", "", " ") + part
    end = rows["closed"].fillna(np.datetime64(as_of)).to_numpy(dtype="datetime64[D]")
    span = np.maximum((end - rows["created"].to_numpy(dtype="datetime64[D]")).astype(int), 1)
    date = rows["created"].to_numpy(dtype="datetime64[D]") + (rng.random(n) * span).astype("timedelta64[D]")
    return pd.DataFrame(
        {
            "account_id": rows["account_id"],
            "deal_id": rows["deal_id"],
            "contact_id": rows["contact_id"],
            "type": np.where(interview, "interview", "call"),
            "date": date,
            "score": np.nan,
            "body": body.to_numpy(dtype=object),
        }
    )


def make_notes(
    rng: np.random.Generator,
    dc: pd.DataFrame,
    contacts: pd.DataFrame,
    deals: pd.DataFrame,
    customers: pd.DataFrame,
    as_of,
) -> tuple[pd.DataFrame, dict, list]:
    """All notes, with their ids; also the quirks (long, duplicated) and the empty-body defects.

    ``customers``: account_id, start, end (NaT while active), nps_mean."""
    frames = [_conversation_notes(rng, dc, contacts, deals, as_of)]
    closed = deals[(deals["stage"] != "open") & ~deals["expansion"] & (rng.random(len(deals)) < 0.5)]
    lang = (rng.random(len(closed)) < 0.6).astype(int)
    won = (closed["stage"] == "won").to_numpy()
    frames.append(
        pd.DataFrame(
            {
                "account_id": closed["account_id"],
                "deal_id": closed["deal_id"],
                "contact_id": "",
                "type": "win_loss",
                "date": closed["closed"].to_numpy(dtype="datetime64[D]")
                + rng.integers(0, 15, len(closed)).astype("timedelta64[D]"),
                "score": np.nan,
                "body": np.where(won, _pick_lang(rng, _WON, lang), _pick_lang(rng, _LOST, lang)),
            }
        )
    )
    k = rng.poisson(1.2, len(customers)) + 1
    cust = customers.iloc[np.repeat(np.arange(len(customers)), k)]
    end = cust["end"].fillna(np.datetime64(as_of)).to_numpy(dtype="datetime64[D]")
    start = cust["start"].to_numpy(dtype="datetime64[D]")
    span = (end - start).astype(int)
    keep = span > 60
    cust, start, span = cust[keep], start[keep], span[keep]
    score = np.clip(np.round(rng.normal(cust["nps_mean"].to_numpy(), 1.8)), 0, 10)
    lang = (rng.random(len(cust)) < 0.6).astype(int)
    band = np.select([score >= 9, score >= 7, score >= 5], [0, 1, 3], 2)
    users = contacts[contacts["role"].isin(["user", "champion"])].drop_duplicates("account_id")
    frames.append(
        pd.DataFrame(
            {
                "account_id": cust["account_id"].to_numpy(),
                "deal_id": "",
                "contact_id": cust["account_id"].map(users.set_index("account_id")["contact_id"]).fillna("").to_numpy(),
                "type": "survey",
                "date": start + (60 + rng.random(len(cust)) * (span - 60)).astype("timedelta64[D]"),
                "score": score,
                "body": _render(_SURVEY[0] + _SURVEY[1], lang * 4 + band, {}),
            }
        )
    )
    touched = deals.drop_duplicates("account_id")
    touched = touched[rng.random(len(touched)) < 0.6]
    lang = (rng.random(len(touched)) < 0.6).astype(int)
    frames.append(
        pd.DataFrame(
            {
                "account_id": touched["account_id"].to_numpy(),
                "deal_id": np.where(rng.random(len(touched)) < 0.5, touched["deal_id"].to_numpy(), ""),
                "contact_id": "",
                "type": "call",
                "date": touched["created"].to_numpy(dtype="datetime64[D]")
                - rng.integers(0, 30, len(touched)).astype("timedelta64[D]"),
                "score": np.nan,
                "body": _pick_lang(rng, _CHATTER, lang),
            }
        )
    )
    notes = pd.concat(frames, ignore_index=True)
    notes["date"] = np.minimum(notes["date"].to_numpy(dtype="datetime64[D]"), np.datetime64(as_of))
    notes["src"] = np.arange(len(notes))
    n = len(notes)
    n_empty, n_long, n_dup = max(2, n // 500), max(2, n // 400), max(3, n // 250)
    special = rng.choice(n, size=n_empty + n_long + n_dup, replace=False)
    empty, long_, dup = special[:n_empty], special[n_empty : n_empty + n_long], special[n_empty + n_long :]
    filler = " ".join(_CHATTER[0] + _CHATTER[1])
    notes.loc[long_, "body"] = notes.loc[long_, "body"] + ("\n\n" + filler) * 12
    notes.loc[empty, "body"] = ""
    notes = pd.concat([notes, notes.iloc[dup]], ignore_index=True)
    notes = notes.sort_values(["date", "account_id", "src"], kind="stable").reset_index(drop=True)
    notes["note_id"] = ("NOTE-" + pd.Series(np.arange(1, len(notes) + 1)).astype(str).str.zfill(7)).to_numpy()
    first_id = notes.drop_duplicates("src").set_index("src")["note_id"]
    last_id = notes.drop_duplicates("src", keep="last").set_index("src")["note_id"]
    quirks = {
        "long_note_ids": sorted(first_id[long_].tolist()),
        "duplicated_notes": sorted([a, b] for a, b in zip(first_id[dup], last_id[dup])),
    }
    defects = [{"file": "notes.csv", "note_id": nid, "kind": "empty_body"} for nid in sorted(first_id[empty])]
    return notes, quirks, defects


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
