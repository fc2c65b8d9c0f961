"""The notes of the demo company's deals and customers: calls, interviews, surveys and win/loss reviews,
in English and Portuguese, that carry each committee role's pains, objections and goals."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from bullseye.demo.market import pick
from bullseye.demo.model import ids

__all__ = ["ROLE_TEXT", "ROLES", "make_notes"]

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


def _sentences(rng, templates, lang: np.ndarray, fields: dict, phrases: tuple[np.ndarray, str] | None = None):
    """One of the (English, Portuguese) ``templates`` per row, in the row's language, filled with
    ``fields`` and, given ``phrases`` (roles, kind), with a phrase of that kind for the row's role as x."""
    k = len(templates[0])
    idx = lang * k + rng.integers(0, k, len(lang))  # drawn before the phrases: the seed's notes stay the same
    if phrases is not None:
        fields = {**fields, "x": _phrases(rng, phrases[0], phrases[1], lang)}
    return _render(templates[0] + templates[1], idx, fields)


def _pick_lang(rng, options_by_lang, lang: np.ndarray) -> np.ndarray:
    flat = options_by_lang[0] + options_by_lang[1]
    idx = rng.integers(0, len(options_by_lang[0]), len(lang))
    idx = np.where(lang == 1, len(options_by_lang[0]) + rng.integers(0, len(options_by_lang[1]), len(lang)), idx)
    return np.asarray(flat, dtype=object)[idx]


def _note_frame(account_id, deal_id, contact_id, kind, date, score, body) -> pd.DataFrame:
    """Notes of one kind in the shape every kind shares: account, deal, contact, type, date, score, body."""
    return pd.DataFrame(
        {
            "account_id": account_id,
            "deal_id": deal_id,
            "contact_id": contact_id,
            "type": kind,
            "date": date,
            "score": score,
            "body": body,
        }
    )


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
        np.where(interview, _sentences(rng, _INTERVIEW, lang, fields), _sentences(rng, _OPEN, lang, fields)),
        np.where(has_pain, _sentences(rng, _PAIN, lang, fields, (role_for_text, "pains")), ""),
        np.where(has_obj, _sentences(rng, _OBJ, lang, fields, (role_for_text, "objections")), ""),
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
    return _note_frame(
        account_id=rows["account_id"],
        deal_id=rows["deal_id"],
        contact_id=rows["contact_id"],
        kind=np.where(interview, "interview", "call"),
        date=date,
        score=np.nan,
        body=body.to_numpy(dtype=object),
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
        _note_frame(
            account_id=closed["account_id"],
            deal_id=closed["deal_id"],
            contact_id="",
            kind="win_loss",
            date=closed["closed"].to_numpy(dtype="datetime64[D]")
            + rng.integers(0, 15, len(closed)).astype("timedelta64[D]"),
            score=np.nan,
            body=np.where(won, _pick_lang(rng, _WON, lang), _pick_lang(rng, _LOST, lang)),
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
        _note_frame(
            account_id=cust["account_id"].to_numpy(),
            deal_id="",
            contact_id=cust["account_id"].map(users.set_index("account_id")["contact_id"]).fillna("").to_numpy(),
            kind="survey",
            date=start + (60 + rng.random(len(cust)) * (span - 60)).astype("timedelta64[D]"),
            score=score,
            body=_render(_SURVEY[0] + _SURVEY[1], lang * 4 + band, {}),
        )
    )
    touched = deals.drop_duplicates("account_id")
    touched = touched[rng.random(len(touched)) < 0.6]
    lang = (rng.random(len(touched)) < 0.6).astype(int)
    frames.append(
        _note_frame(
            account_id=touched["account_id"].to_numpy(),
            deal_id=np.where(rng.random(len(touched)) < 0.5, touched["deal_id"].to_numpy(), ""),
            contact_id="",
            kind="call",
            date=touched["created"].to_numpy(dtype="datetime64[D]")
            - rng.integers(0, 30, len(touched)).astype("timedelta64[D]"),
            score=np.nan,
            body=_pick_lang(rng, _CHATTER, lang),
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
    notes["note_id"] = ids("NOTE-", len(notes))
    first_id = notes.drop_duplicates("src").set_index("src")["note_id"]
    last_id = notes.drop_duplicates("src", keep="last").set_index("src")["note_id"]
    quirks = {
        "long_note_ids": sorted(first_id[long_].tolist()),
        "duplicated_notes": sorted([a, b] for a, b in zip(first_id[dup], last_id[dup])),
    }
    defects = [{"file": "notes.csv", "note_id": nid, "kind": "empty_body"} for nid in sorted(first_id[empty])]
    return notes, quirks, defects
