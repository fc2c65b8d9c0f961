"""Voice-of-the-customer themes: text mining, recovery of the demo's planted pains, objections and
goals, robustness to messy notes, new-objection triggers, and the ``themes`` command."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from conftest import full_demo_workspace, write
from typer.testing import CliRunner

from bullseye.cli import app
from bullseye.demo import generate_company
from bullseye.errors import BullseyeError
from bullseye.governance.triggers import list_triggers
from bullseye.people.textmine import (
    classify,
    cluster_phrases,
    fold,
    guess_language,
    mask_speaker,
    source_names,
    split_sentences,
)
from bullseye.people.theme_kinds import VOICE_KINDS
from bullseye.people.themes import (
    contact_groups,
    mine_themes,
    objection_triggers,
    roles_from_deal_contacts,
    workspace_themes,
)
from bullseye.workspace import Workspace

runner = CliRunner()
KIND_OF = {"pains": "pain", "objections": "objection", "goals": "goal"}
_COLUMNS = {
    "notes": {
        "Note ID": "note_id",
        "Account ID": "account_id",
        "Deal ID": "deal_id",
        "Contact ID": "contact_id",
        "Type": "note_type",
        "Date": "created_at",
        "Score": "score",
        "Body": "body",
    },
    "contacts": {"Contact ID": "contact_id", "Account ID": "account_id", "Name": "name", "Job Title": "title"},
    "deal_contacts": {"Deal ID": "deal_id", "Contact ID": "contact_id", "Role": "role"},
}


def _read(folder: Path, name: str) -> pd.DataFrame:
    frame = pd.read_csv(folder / f"{name}.csv", dtype=str, keep_default_na=False)
    return frame.rename(columns=_COLUMNS[name])[list(dict.fromkeys(_COLUMNS[name].values()))]


@pytest.fixture(scope="module")
def demo_runs(tmp_path_factory):
    """The 5,000-account demo for two seeds: truth, notes and the mined report (roles from deal_contacts).
    The files are those of the run's shared demos (discover's sweep builds them), not generated again."""
    runs = {}
    for seed in (0, 1):
        folder = full_demo_workspace(tmp_path_factory, 5000, seed).data_dir
        truth = json.loads((folder / "truth.json").read_text(encoding="utf-8"))
        notes = _read(folder, "notes")
        contacts = _read(folder, "contacts")
        groups = contacts[["contact_id", "name", "title"]].merge(
            roles_from_deal_contacts(_read(folder, "deal_contacts")), on="contact_id", how="left"
        )
        runs[seed] = (truth, notes, mine_themes(notes, groups=groups))
    return runs


def _planted(truth: dict) -> list[tuple[tuple[str, str, int], str, str]]:
    """((role, kind, index), language, folded text) of every planted phrase, longest first."""
    out = [
        ((role, kind, i), lang, fold(item[lang]))
        for role, entry in truth["committee"]["roles"].items()
        for key, kind in KIND_OF.items()
        for i, item in enumerate(entry[key])
        for lang in ("en", "pt")
    ]
    return sorted(out, key=lambda v: -len(v[2]))


def _recovery(truth: dict, report) -> dict:
    """Precision and recall of theme recovery as defined in docs/themes.md."""
    planted = _planted(truth)
    voc = report.themes[report.themes["kind"].isin(KIND_OF.values())]
    mentions = report.mentions[report.mentions["theme_id"].isin(voc["theme_id"])].copy()
    found = [
        next(((item, lang) for item, lang, text in planted if text in fold(s)), (None, None))
        for s in mentions["sentence"]
    ]
    mentions["item"] = [f[0] for f in found]
    mentions["lang"] = [f[1] for f in found]
    good, items, variants = {}, set(), set()
    for theme in voc.itertuples():
        part = mentions[mentions["theme_id"] == theme.theme_id]
        top = part["item"].value_counts()
        if len(top) and top.iat[0] / len(part) > 0.5 and top.index[0][1] == theme.kind:
            item = top.index[0]
            lang = part.loc[part["item"] == item, "lang"].value_counts().index[0]
            good[theme.theme_id] = (item, lang)
            items.add(item)
            variants.add((item, lang))
    n_items = len({p[0] for p in planted})
    return {
        "precision": len(good) / len(voc),
        "recall": len(items) / n_items,
        "variant_recall": len(variants) / (2 * n_items),
        "good": good,
        "mentions": mentions,
    }


# -- text mining ----------------------------------------------------------------------------------
def test_sentences_kinds_and_keyphrases():
    assert split_sentences("Call with Ana.  Pain: delays; drivers lost.\n\nNext step: demo!") == [
        "Call with Ana.",
        "Pain: delays;",
        "drivers lost.",
        "Next step: demo!",
    ]
    assert classify("Maior dor: atrasos nas entregas.") == ("pain", "atrasos nas entregas")
    assert classify("Ana says the main problem today is delivery delays.") == ("pain", "delivery delays")
    assert classify("[contact] está preocupado(a) com segurança dos dados.") == ("objection", "segurança dos dados")
    assert classify("Main concern: timing: other priorities this quarter.") == (
        "objection",
        "timing: other priorities this quarter",
    )
    assert classify("Quer cumprir todos os SLAs de entrega.") == ("goal", "cumprir todos os SLAs de entrega")
    assert classify("Objeción: el precio es muy alto.") == ("objection", "precio es muy alto")
    assert classify("Follow-up call.")[0] == "other"  # "follow" inside "follow-up" is not a source cue
    assert classify("Too much manual work was the real pain.") == ("pain", "Too much manual work was the real")
    assert source_names("Acompanha o podcast Papo de Logística e o grupo da ABRALOG no LinkedIn.") == [
        "Papo de Logística",
        "ABRALOG",
        "LinkedIn",
    ]
    assert (
        mask_speaker("Call with Ana (Dir. de Operações). Ana Lima agreed.", "Ana Lima", "Dir. de Operações")
        == "Call with [contact] ([title]). [contact] agreed."
    )
    assert [
        guess_language(t)
        for t in (
            "Left a voicemail with the team.",
            "Reunião remarcada com a equipe.",
            "Llamada con el cliente, muy interesado.",
            "OK",
        )
    ] == ["en", "pt", "es", "und"]


def test_clustering_merges_paraphrases_and_keeps_distinct_pains_apart():
    phrases = [
        "no real-time visibility",
        "no real time visibility of the fleet",
        "lack of real-time visibility",
        "logistics costs growing faster than revenue",
        "order volume growing faster than the fleet",
        "learning curve",
        "steep learning curve for drivers",
        "price/ROI unclear",
        "price/ROI unclear for the CFO",
    ]
    labels = cluster_phrases(phrases, [5, 1, 1, 3, 3, 4, 1, 2, 1])
    assert len(set(labels[:3])) == 1 and labels[5] == labels[6] and labels[7] == labels[8]
    assert len(set(labels)) == 5
    assert labels[0] == 0  # the heaviest cluster comes first
    assert list(cluster_phrases(list(reversed(phrases)), [1, 2, 1, 4, 3, 3, 1, 1, 5])) == list(reversed(labels))
    # Above max_exact phrases: the frequent ones are clustered, the rest join them or cluster apart.
    assert list(cluster_phrases(phrases, [5, 1, 1, 3, 3, 4, 1, 2, 1], max_exact=4)) == list(labels)


# -- quality on the demo's planted truth ----------------------------------------------------------
@pytest.mark.parametrize("seed", [0, 1])
def test_recovers_the_planted_pains_objections_and_goals(demo_runs, seed):
    truth, notes, report = demo_runs[seed]
    scores = _recovery(truth, report)
    assert scores["precision"] >= 0.8 and scores["recall"] >= 0.8, {k: scores[k] for k in ("precision", "recall")}
    assert scores["variant_recall"] >= 0.8
    # Each recovered theme's count, checked by plain substring search over the conversation notes.
    skipped = set(report.skipped["note_id"])
    calls = notes[notes["note_type"].isin(["call", "interview"]) & ~notes["note_id"].isin(skipped)]
    bodies = calls["body"].map(fold)
    planted = {(item, lang): text for item, lang, text in _planted(truth)}
    mentions = scores["mentions"]
    for theme_id, variant in scores["good"].items():
        expected = int(bodies.str.contains(planted[variant], regex=False).sum())
        got = mentions[
            (mentions["theme_id"] == theme_id) & (mentions["item"] == variant[0]) & (mentions["lang"] == variant[1])
        ]["note_id"].nunique()
        assert got == expected, (variant, got, expected)


@pytest.mark.parametrize("seed", [0, 1])
def test_pains_and_objections_are_heard_mostly_from_their_planted_role(demo_runs, seed):
    truth, _, report = demo_runs[seed]
    scores = _recovery(truth, report)
    themes = report.themes.set_index("theme_id")
    checked = 0
    for theme_id, ((role, kind, _), _) in scores["good"].items():
        if kind in ("pain", "objection"):
            assert themes.at[theme_id, "top_role"] == role, (themes.at[theme_id, "label"], role)
            assert themes.at[theme_id, "top_role_share"] >= 0.75
            checked += 1
    n_planted = sum(len(e[k]) for e in truth["committee"]["roles"].values() for k in ("pains", "objections"))
    assert checked == 2 * n_planted  # both languages of every planted pain and objection


def test_demo_quirks_are_skipped_or_counted_once(demo_runs):
    truth, notes, report = demo_runs[0]
    skipped = report.skipped.set_index("note_id")["reason"]
    for first, copy in truth["note_quirks"]["duplicated_notes"]:
        assert skipped[copy] == f"duplicate of {first}" and first not in skipped.index
    empty = [d["note_id"] for d in truth["defects"] if d.get("kind") == "empty_body"]
    assert (skipped[empty] == "empty body").all()
    assert report.summary["analysed"] + report.summary["skipped"] == len(notes)
    long_ids = truth["note_quirks"]["long_note_ids"]
    assert report.summary["repeated_sentences_ignored"] >= 11 * len(long_ids)
    long_mentions = report.mentions[report.mentions["note_id"].isin(long_ids)]
    assert not long_mentions.duplicated(["note_id", "theme_id"]).any()
    assert set(long_ids) - set(skipped.index) <= set(report.mentions["note_id"])


def test_report_frames_reconcile(demo_runs):
    _, _, report = demo_runs[0]
    themes = report.themes.set_index("theme_id")
    assert (report.by_month.groupby("theme_id")["count"].sum() == themes["count"]).all()
    for dim in ("role", "function"):
        per = report.by_group[report.by_group["by"] == dim].groupby("theme_id")["count"].sum()
        assert (per == themes["count"]).all()
    assert (report.mentions.groupby("theme_id")["note_id"].nunique() == themes["count"]).all()
    assert (themes["first_seen"] <= themes["last_seen"]).all()
    assert (themes["share"] == themes["count"] / report.summary["analysed"]).all()
    quotes = report.quotes.merge(
        report.mentions,
        left_on=["theme_id", "note_id", "text"],
        right_on=["theme_id", "note_id", "sentence"],
        how="left",
    )
    assert quotes["sentence"].notna().all() and report.quotes.groupby("theme_id").size().max() <= 3
    assert not report.quotes.duplicated(["theme_id", "text"]).any()
    voice = report.themes.loc[report.themes["kind"].isin(VOICE_KINDS), "theme_id"]
    first_quotes = report.quotes[(report.quotes["rank"] == 1) & report.quotes["theme_id"].isin(voice)]["text"]
    assert not first_quotes.str.contains("[contact]", regex=False).any()  # unmasked sentences come first
    payload = json.loads(json.dumps(report.select(VOICE_KINDS).to_dict()))
    assert {t["kind"] for t in payload["themes"]} <= set(VOICE_KINDS)
    assert sum(payload["themes"][0]["by_month"].values()) == payload["themes"][0]["count"]


def test_mining_is_deterministic_and_ignores_row_order(demo_runs):
    _, notes, report = demo_runs[0]
    sample = notes.iloc[:1500]
    first = mine_themes(sample)
    again = mine_themes(sample.sample(frac=1.0, random_state=7))
    for name in ("themes", "mentions", "quotes", "by_month", "by_group", "skipped"):
        pd.testing.assert_frame_equal(getattr(first, name), getattr(again, name))


# -- robustness -----------------------------------------------------------------------------------
def _notes(bodies: list[str], dates: list[str] | None = None, contacts: list[str] | None = None) -> pd.DataFrame:
    n = len(bodies)
    return pd.DataFrame(
        {
            "note_id": [f"N{i:03d}" for i in range(n)],
            "created_at": dates or ["2024-03-01"] * n,
            "contact_id": contacts or [""] * n,
            "body": bodies,
        }
    )


def test_no_notes_one_note_and_empty_notes():
    for frame in (pd.DataFrame(columns=["note_id", "created_at", "body"]), _notes(["", "   ", None])):
        report = mine_themes(frame)
        assert report.themes.empty and report.mentions.empty and report.quotes.empty
        assert report.summary["analysed"] == 0 and report.to_dict()["themes"] == []
    assert mine_themes(_notes(["", " "])).skipped["reason"].tolist() == ["empty body", "empty body"]
    single = mine_themes(_notes(["Biggest pain: delivery delays."]), min_count=1)
    assert single.themes[["label", "kind", "count"]].values.tolist() == [["delivery delays", "pain", 1]]
    assert single.themes["top_role"].iat[0] == "unknown"
    assert mine_themes(_notes(["Biggest pain: delivery delays."])).themes.empty  # below min_count


def test_very_long_and_duplicated_notes():
    filler = " ".join(f"Filler sentence number {i}." for i in range(400))
    bodies = [
        "Pain: delivery delays. " + ("Left voicemail. " * 5000),
        "Pain: delivery delays. " + filler,
        "Pain: delivery delays.",
        "Pain: delivery delays.",
    ]
    report = mine_themes(_notes(bodies, contacts=["C1", "C2", "C3", "C3"]))
    assert report.skipped.to_dict("records") == [{"note_id": "N003", "reason": "duplicate of N002"}]
    assert report.summary["trimmed"] == [{"note_id": "N001", "sentences": 401, "kept": 200}]
    assert report.summary["repeated_sentences_ignored"] == 4999
    pain = report.themes[report.themes["kind"] == "pain"]
    assert pain[["label", "count"]].values.tolist() == [["delivery delays", 3]]


def test_spanish_notes_become_themes_in_spanish():
    bodies = [
        "Llamada con Juan. Dolor principal: falta de visibilidad de la flota.",
        "El principal problema es la falta de visibilidad de la flota.",
        "Dolor: falta de visibilidad de la flota en tiempo real. Objeción: el precio es muy alto.",
        "Nos preocupa el precio muy alto.",
        "Objeción: el precio es muy alto.",
        "Lee el blog de Logística Hoy.",
        "Sigue la newsletter Logistica Hoy.",
        "Lee Logística Hoy cada semana.",
    ]
    themes = mine_themes(_notes(bodies)).themes
    assert themes[["label", "kind", "count", "language"]].values.tolist() == [
        ["falta de visibilidad de la flota", "pain", 3, "es"],
        ["precio es muy alto", "objection", 3, "es"],
        ["Logística Hoy", "source", 3, "es"],
    ]


def test_groups_attribute_roles_and_functions_and_bad_input_is_named():
    bodies = ["Pain: delivery delays."] * 3 + ["Pain: delivery delays!"]
    groups = pd.DataFrame(
        {
            "contact_id": ["C1", "C2", "C3"],
            "role": ["champion", "champion", ""],
            "function": ["operations", None, "finance"],
        }
    )
    report = mine_themes(_notes(bodies, contacts=["C1", "C2", "C3", "C9"]), groups=groups)
    theme = report.themes.iloc[0]
    assert (theme["top_role"], theme["top_role_share"], theme["top_function"]) == ("champion", 1.0, "operations")
    roles = report.by_group[report.by_group["by"] == "role"].set_index("group")["count"].to_dict()
    assert roles == {"champion": 2, "unknown": 2}
    with pytest.raises(BullseyeError, match="body"):
        mine_themes(pd.DataFrame({"note_id": ["N1"], "created_at": ["2024-01-01"]}))
    undated = mine_themes(_notes(["Pain: delays."], dates=["not a date"]), min_count=1)
    assert undated.skipped["reason"].tolist() == ["no date"]


def test_roles_from_deal_contacts_takes_the_most_frequent_written_role():
    links = pd.DataFrame(
        {
            "deal_id": ["D1", "D2", "D3", "D1", "D2"],
            "contact_id": ["C1", "C1", "C1", "C2", "C3"],
            "role": ["Champion", "influencer", "champion", " ", None],
        }
    )
    roles = roles_from_deal_contacts(links)
    assert roles.to_dict("records") == [{"contact_id": "C1", "role": "champion", "inferred": False}]


# -- triggers ---------------------------------------------------------------------------------------
def _trigger_notes() -> pd.DataFrame:
    days = pd.date_range("2024-01-01", periods=12, freq="14D").strftime("%Y-%m-%d").tolist()
    bodies = ["Objection raised: learning curve."] * 12
    bodies += ["Main concern: data residency in the EU."] * 3  # new, three times within 30 days
    days += ["2024-07-01", "2024-07-09", "2024-07-20"]
    bodies += ["Objection: vendor lock-in."] * 3  # new, but spread over 90 days
    days += ["2024-07-01", "2024-08-15", "2024-09-29"]
    return _notes(bodies, dates=days)


def test_a_new_objection_heard_three_times_in_thirty_days_raises_a_trigger():
    found = objection_triggers(mine_themes(_trigger_notes()))
    assert found[["kind", "subject"]].values.tolist() == [["new_objection", "data residency in the EU"]]
    assert str(found["raised_at"].iat[0]) == "2024-07-20"
    assert found["evidence"].iat[0] == ["N012", "N013", "N014"]
    # Heard once before the window: not new any more.
    notes = _trigger_notes()
    notes.loc[len(notes)] = ["N099", "2024-04-01", "", "Main concern: data residency in the EU."]
    assert objection_triggers(mine_themes(notes)).empty
    # The first 90 days of notes are the baseline: nothing there is new.
    assert objection_triggers(mine_themes(_trigger_notes()), baseline_days=400).empty


# -- the workspace and the command ----------------------------------------------------------------
@pytest.fixture(scope="module")
def notes_workspace(tmp_path_factory):
    root = tmp_path_factory.mktemp("themes-ws")
    ws = Workspace.init(root / "ws")
    generate_company(ws.data_dir, n_accounts=600, seed=3)
    extra = "Note ID,Date,Body\n" + "".join(
        f"NEW-{i},2026-06-{10 + i:02d},Main concern: data residency in the EU.\n" for i in range(3)
    )
    write(ws.data_dir / "notes_new.csv", extra)
    ws.load(
        [
            ws.data_dir / f"{name}.csv"
            for name in ("accounts", "deals", "contacts", "deal_contacts", "notes", "notes_new")
        ]
    )
    ws.close()
    return ws.root


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args])


def test_workspace_themes_use_roles_and_job_functions(notes_workspace):
    ws = Workspace(notes_workspace)
    report = workspace_themes(ws)
    assert {"pain", "objection", "goal"} <= set(report.themes["kind"])
    # The Portuguese and English wordings are merged into one theme (people/theme_merge.py).
    heard = report.themes["label"] == "integração com nosso TMS/ERP"
    if "merged_from" in report.themes.columns:
        heard |= report.themes["merged_from"].map(lambda m: "integração com nosso TMS/ERP" in (m or []))
    it = report.themes[heard].iloc[0]
    assert it["top_role"] == "blocker" and it["top_function"] not in ("unknown", None)
    # Roles supplied by the committee module replace the ones written in deal_contacts.
    contacts = ws.table("contacts").select("contact_id").to_pandas()
    everyone_a_user = contacts.assign(role="user", inferred=True)
    relabelled = workspace_themes(ws, roles=everyone_a_user)
    assert set(relabelled.by_group.loc[relabelled.by_group["by"] == "role", "group"]) <= {"user", "unknown"}
    later = workspace_themes(ws, since=pd.Timestamp("2026-01-01").date())
    assert 0 < later.summary["analysed"] < report.summary["analysed"]
    assert later.summary["first_note"] >= "2026-01-01"
    groups = contact_groups(ws.table("contacts").to_pandas(), None)
    assert list(groups.columns) == ["contact_id", "role", "function", "name", "title"]
    ws.close()


def test_themes_command_tables_json_and_filters(notes_workspace):
    result = invoke("themes", "--workspace", notes_workspace)
    assert result.exit_code == 0, result.output
    assert "Voice of the customer" in result.output and "T001" in result.output and "objection" in result.output
    data = json.loads(invoke("themes", "--workspace", notes_workspace, "--json", "--kind", "objection").output)
    assert data["themes"] and {t["kind"] for t in data["themes"]} == {"objection"}
    assert "curva de aprendizado" in {t["label"] for t in data["themes"]}
    assert all(t["quotes"] and t["heard_from"]["role"] for t in data["themes"])
    by_role = invoke("themes", "--workspace", notes_workspace, "--by", "role", "--since", "2025-01-01")
    assert by_role.exit_code == 0 and "role: champion" in by_role.output
    sources = invoke("themes", "--workspace", notes_workspace, "--kind", "source", "--by", "function")
    assert sources.exit_code == 0 and "No themes in these notes of kind source" in sources.output
    bad = invoke("themes", "--workspace", notes_workspace, "--by", "industry")
    assert bad.exit_code == 2 and "--by" in bad.output


def test_themes_command_records_triggers_once(notes_workspace, tmp_path):
    first = json.loads(invoke("themes", "--workspace", notes_workspace, "--triggers", "--json").output)
    assert first["added"] == len(first["triggers"]) >= 1
    new = [t for t in first["triggers"] if t["subject"] == "data residency in the EU"]
    assert len(new) == 1 and (new[0]["kind"], new[0]["status"]) == ("new_objection", "open")
    assert new[0]["evidence"] == ["NEW-0", "NEW-1", "NEW-2"] and new[0]["raised_at"] == "2026-06-12"
    again = invoke("themes", "--workspace", notes_workspace, "--triggers")
    assert again.exit_code == 0 and f"0 new trigger(s) recorded; {first['added']} stored" in again.output
    assert len(list_triggers(Workspace(notes_workspace))) == first["added"]
    empty = Workspace.init(tmp_path / "empty")
    missing = invoke("themes", "--workspace", empty.root)
    assert missing.exit_code == 3 and "table 'notes' has not been loaded" in missing.output
