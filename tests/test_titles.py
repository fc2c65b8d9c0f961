"""The job-title normaliser: accuracy on hand-labelled titles, the examples the product relies on, edge cases."""

from __future__ import annotations

import ast
import gzip
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import accuracy_score

from bullseye.demo.market import HOL_TITLES, OTHER_HIRES
from bullseye.demo.people import PERSONAS
from bullseye.errors import ConfigError
from bullseye.people import titles_vocabulary
from bullseye.people.title_lexicon import FUNCTION_LABELS, FUNCTIONS, SENIORITIES, SENIORITY_LABELS
from bullseye.people.titles import (
    TITLES_FILE,
    TitleInfo,
    TitleVocabulary,
    default_vocabulary,
    load_title_vocabulary,
    normalize_title,
    normalize_titles,
    unrecognised_titles,
    workspace_title_vocabulary,
)

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"
IC = "individual contributor"

# Floors on the development fixture (910 titles, no longer blind). The honest figures are on the blind samples of
# issue 10 (tests/test_titles_blind.py); ROUND_FLOOR guards each English round of the fixture.
FUNCTION_FLOOR = 0.90
SENIORITY_FLOOR = 0.90
ROUND_FLOOR = 0.85


def _labelled() -> pd.DataFrame:
    return pd.read_csv(FIXTURES / "titles_labelled.csv", keep_default_na=False)


def _accuracies(frame: pd.DataFrame) -> tuple[float, float]:
    """Share right; an unread part (None) is right only when the label is 'unknown'."""
    read = normalize_titles(frame["title"])
    function = accuracy_score(frame["function"], read["function"].fillna("unknown"))
    seniority = accuracy_score(frame["seniority"], read["seniority"].fillna("unknown"))
    return function, seniority


# ----------------------------------------------------------------------------------------------
# Measured accuracy
# ----------------------------------------------------------------------------------------------
def test_fixture_is_labelled_with_the_taxonomy():
    frame = _labelled()
    assert list(frame.columns) == ["title", "function", "seniority", "language", "source", "round"]
    assert set(frame["function"]) <= set(FUNCTIONS) | {"unknown"}
    assert set(frame["seniority"]) <= set(SENIORITIES) | {"unknown"}
    assert set(frame["language"]) == {"en", "pt", "es"}
    sizes = frame.groupby("source").size()
    assert sizes["fluquid"] >= 300 and sizes["handwritten"] >= 100
    assert not frame["title"].duplicated().any()


def test_accuracy_on_the_labelled_titles_matches_the_docs():
    frame = _labelled()
    function, seniority = _accuracies(frame)
    assert function >= FUNCTION_FLOOR
    assert seniority >= SENIORITY_FLOOR
    docs = (ROOT / "docs" / "titles.md").read_text(encoding="utf-8")
    assert f"**{100 * function:.1f}% function, {100 * seniority:.1f}% seniority**" in docs
    assert f"are {len(frame)} titles" in docs


@pytest.mark.parametrize("sample_round", ["A", "B", "C"])
def test_each_english_round_stays_above_its_floor(sample_round):
    frame = _labelled()
    function, seniority = _accuracies(frame[(frame["round"] == sample_round) & (frame["language"] == "en")])
    assert function >= ROUND_FLOOR and seniority >= SENIORITY_FLOOR


def test_portuguese_and_spanish_titles_reach_the_target():
    frame = _labelled()
    function, seniority = _accuracies(frame[frame["language"] != "en"])
    assert function >= 0.90 and seniority >= 0.90


def test_accuracy_counts_an_unread_title_right_only_when_labelled_unknown():
    frame = pd.DataFrame(
        {
            "title": ["Gerente", "Zzyzx", "CEO"],
            "function": ["unknown", "other", "executive"],
            "seniority": ["manager", "unknown", "c-level"],
        }
    )
    function, seniority = _accuracies(frame)
    assert function == pytest.approx(2 / 3)  # "Zzyzx" unread but labelled other: wrong
    assert seniority == pytest.approx(1.0)  # "Zzyzx" unread and labelled unknown: right


@pytest.mark.datasets
def test_fluquid_samples_redraw_from_the_documented_seeds(datasets):
    path = datasets / "job_titles_fluquid" / "titles_combined.txt.gz"
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        titles = list(dict.fromkeys(line.strip() for line in handle if line.strip()))
    everything = np.arange(len(titles))
    first = np.sort(np.random.default_rng(4).choice(len(titles), 300, replace=False))
    rest = np.setdiff1d(everything, first)
    dev1 = np.random.default_rng(2024).choice(rest, 400, replace=False)
    rest = np.setdiff1d(rest, dev1)
    dev2 = np.random.default_rng(2025).choice(rest, 300, replace=False)
    rest = np.setdiff1d(rest, dev2)
    second = np.sort(np.random.default_rng(5).choice(rest, 200, replace=False))
    rest = np.setdiff1d(rest, second)
    dev3 = np.random.default_rng(7).choice(rest, 400, replace=False)  # third round of development
    rest = np.setdiff1d(rest, dev3)
    dev4 = np.random.default_rng(8).choice(rest, 300, replace=False)
    rest = np.setdiff1d(rest, dev4)
    third = np.sort(np.random.default_rng(6).choice(rest, 250, replace=False))
    frame = _labelled()
    fluquid = frame[frame["source"] == "fluquid"]
    assert fluquid.loc[fluquid["round"] == "A", "title"].tolist() == [titles[i] for i in first]
    assert fluquid.loc[fluquid["round"] == "B", "title"].tolist() == [titles[i] for i in second]
    assert fluquid.loc[fluquid["round"] == "C", "title"].tolist() == [titles[i] for i in third]


# ----------------------------------------------------------------------------------------------
# Titles the product relies on
# ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "title, function, seniority",
    [
        ("Diretora de Operacoes", "operations", "director"),
        ("Gerente de TI", "it", "manager"),
        ("Jefe de Logistica", "operations", "head"),
        ("VP Sales EMEA", "sales", "vp"),
        ("Sr. Mgr, RevOps", "sales", "manager"),
        ("Diretora de Operações", "operations", "director"),
        ("Dir. de Operações", "operations", "director"),
        ("Coord. de Rotas", "operations", "manager"),
        ("Gerente de T.I.", "it", "manager"),
        ("Analista de RH Pleno", "hr", IC),
        ("Head de CS", "customer success", "head"),
        ("SDR", "sales", IC),
        ("BDR Jr.", "sales", IC),
        ("Senior AE, Mid-Market", "sales", IC),
        ("FP&A Manager", "finance", "manager"),
        ("CX Lead", "customer success", "manager"),
        ("Vice-presidente de Operações", "operations", "vp"),
        ("Vice President, Marketing (LATAM)", "marketing", "vp"),
        ("Directora Comercial / Brasil", "sales", "director"),
        ("Coordenadora de Logística - Região Sul", "operations", "manager"),
        ("Sócia-fundadora", "executive", "c-level"),
        ("Founder & CEO", "executive", "c-level"),
        ("Diretor Geral", "executive", "c-level"),
        ("Country Manager", "executive", "head"),
        ("Estagiária de Marketing", "marketing", IC),
        ("Customer Success Manager", "customer success", IC),
        ("Product Owner", "product", IC),
        ("Gerente de Contas", "sales", IC),
        ("Registered Nurse", "other", IC),
        ("Truck Driver", "other", IC),
        ("Teacher", "other", IC),
    ],
)
def test_examples(title, function, seniority):
    info = normalize_title(title)
    assert (info.function, info.seniority, info.recognised) == (function, seniority, True)
    assert info.matched


def _expected_demo_reading(persona: str, title: str) -> tuple[str | None, set[str]]:
    if persona == "other":
        return None, set()  # checked title by title below
    return {
        "ops_director": ("operations", {"director"}),
        "cfo": ("finance", {"c-level", "director"}),
        "it": ("it", {"manager", "director"}),
        "route_coord": ("operations", {"manager"}),
        "analyst": ("operations", {IC}),
        "head_logistics": ("operations", {"head"}),
        "ceo": ("executive", {"c-level"}),
    }[persona]


def test_every_planted_demo_title_reads_as_its_persona_in_any_case_and_padding():
    for persona, (_role, _name, female, male, *_rest) in PERSONAS.items():
        for title in dict.fromkeys(female + male):
            function, seniorities = _expected_demo_reading(persona, title)
            for variant in (title, title.lower(), title.upper(), f" {title} "):
                info = normalize_title(variant)
                if persona == "other":
                    expected = {
                        "Gerente Comercial": ("sales", "manager"),
                        "Sales Manager": ("sales", "manager"),
                        "Gerente de Marketing": ("marketing", "manager"),
                        "Marketing Manager": ("marketing", "manager"),
                        "Analista de Compras": ("operations", IC),
                        "Comprador": ("operations", IC),
                        "Customer Success Manager": ("customer success", IC),
                        # an intern names no department: the seniority is read, the function is not
                        "Estagiária": (None, IC),
                        "Estagiário": (None, IC),
                    }[title]
                    assert (info.function, info.seniority) == expected, variant
                else:
                    assert info.function == function and info.seniority in seniorities, variant


@pytest.mark.parametrize(
    "title, function, seniority",
    [
        ("Head of Logistics", "operations", "head"),
        ("Head de Logística", "operations", "head"),
        ("Head de Logistica", "operations", "head"),
        ("HEAD OF LOGISTICS", "operations", "head"),
        ("CFO", "finance", "c-level"),
        ("Diretor Financeiro", "finance", "director"),
        ("VP Sales", "sales", "vp"),
        ("VP de Vendas", "sales", "vp"),
        ("CTO", "engineering", "c-level"),
        ("Gerente de TI", "it", "manager"),
        ("Director of Operations", "operations", "director"),
        ("Diretora de Operações", "operations", "director"),
        ("CMO", "marketing", "c-level"),
        ("Head of Growth", "marketing", "head"),
        ("Country Manager", "executive", "head"),
        ("Head de Marketing", "marketing", "head"),
    ],
)
def test_demo_exec_hires(title, function, seniority):
    assert title in HOL_TITLES + OTHER_HIRES
    info = normalize_title(title)
    assert (info.function, info.seniority) == (function, seniority)


def test_demo_exec_hires_are_all_covered_above():
    covered = {
        "Head of Logistics",
        "Head de Logística",
        "Head de Logistica",
        "HEAD OF LOGISTICS",
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
    }
    assert set(HOL_TITLES + OTHER_HIRES) == covered


# ----------------------------------------------------------------------------------------------
# Words that depend on their neighbours, and the ranking of words
# ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "title, function, seniority",
    [
        ("Head Chef", "other", "head"),
        ("Band-Head-Saw Operator", "other", IC),  # "head" inside a machine name
        ("Lead Software Engineer", "engineering", IC),  # a senior grade, not a people lead
        ("Team Lead, Sales", "sales", "manager"),
        ("Lead Generation Specialist", "sales", IC),  # "lead" the prospect
        ("Chief Happiness Officer", None, "c-level"),
        ("Chief Engineer", "engineering", "head"),
        ("Partner", "executive", "c-level"),
        ("Talent Partner", "hr", IC),
        ("Strategic Partner Development Manager", "sales", "manager"),
        ("Building Principal", "other", "head"),
        ("Principal Engineer", "engineering", IC),
        ("Department Chair", None, "head"),
        ("Rolling Chair Pusher", "other", IC),
        ("Executive Assistant to the CEO", "other", IC),  # the CEO is who they assist
        ("Assistant Manager", None, "manager"),
        ("Sales Operations Analyst", "sales", IC),  # a specific function beats "operations"
        ("Production Engineer", "engineering", IC),
        ("Warehouse Worker", "other", IC),  # frontline work is outside the functions
        ("Warehouse Supervisor", "operations", "manager"),
        ("Sales Teacher", "other", IC),
        ("Hospital Finance Manager", "finance", "manager"),  # the setting gives way to the function
        ("Billet Heater", "other", IC),  # an unknown English job noun
        ("Gerente Comercial RN", "sales", "manager"),  # RN is the state, not a nurse, here
        ("Sales & Marketing Director", "sales", "director"),  # two functions: the first named
        ("Gerente de Marketing e Vendas", "marketing", "manager"),
    ],
)
def test_context_and_ranking(title, function, seniority):
    info = normalize_title(title)
    assert (info.function, info.seniority) == (function, seniority)


@pytest.mark.parametrize(
    "title, function, seniority",
    [
        # the last department word of an English compound names the job
        ("Software Sales Executive", "sales", IC),
        ("Insurance Sales Agent", "sales", IC),
        ("IT Procurement Manager", "operations", "manager"),
        ("Sales Tax Analyst", "finance", IC),
        ("Channel Marketing Manager", "marketing", "manager"),
        ("Data Privacy Analyst", "legal", IC),
        ("Sales Marketing Director", "sales", "director"),  # read as "Sales & Marketing": the first named
        ("Sales & Marketing Coordinator", "sales", "manager"),
        ("Medical Device Sales", "sales", IC),  # named by what they sell: a salesperson
        ("Software Sales", "sales", IC),
        # sectors and trades outside the business functions give way to a named function
        ("Kennel Supervisor", "other", "manager"),
        ("Irrigation Foreman", "other", "manager"),
        ("Kennel Sales Manager", "sales", "manager"),
        ("Hotel Finance Director", "finance", "director"),
        # platforms read as IT unless a job noun names engineering
        ("Linux Administrator", "it", IC),
        ("Linux Developer", "engineering", IC),
        # guessed job nouns: before a particle or an apprentice level, and above weak words
        ("Layer-Off", "other", IC),
        ("Cutter In", "other", IC),
        ("Coremaker Apprentice", "other", IC),
        ("Stock Wetter", "other", IC),
        ("Production Scheduler", "operations", IC),
        ("Good Humor Vendor", "other", IC),
        ("Shipsmith", "other", IC),
        ("Millwright", "other", IC),
        # "to" after a job names who they work for; elsewhere it is part of the job
        ("Assistant to the Sales Director", "other", IC),
        ("Door to Door Salesman", "sales", IC),
        ("R & D Manager", "engineering", "manager"),
        ("People & Culture Lead", "hr", "manager"),
    ],
)
def test_compounds_settings_and_guessed_jobs(title, function, seniority):
    assert title not in set(_labelled()["title"])  # examples, not test titles
    info = normalize_title(title)
    assert (info.function, info.seniority) == (function, seniority)


@pytest.mark.parametrize(
    "title, function, seniority",
    [
        # "Head" before a word the tables do not know, however it is punctuated: the level is read, the function is not
        ("Head - Zorbling", None, "head"),
        ("Head, Zorbling", None, "head"),
        ("Head of Zorbling", None, "head"),
        ("Head Zorbling", None, "head"),
        ("Head | Zorbling", None, "head"),
        ("Head (Zorbling)", None, "head"),
        ("Head: Zorbling", None, "head"),
        ("Head\u2013Zorbling", None, "head"),
        ("Head-Zorbling", None, "head"),
        ("Co-Head, Zorbling", None, "head"),
        ("Global Head Zorbling", None, "head"),
        ("Zorbling - Head", None, "head"),
        ("Head -Sales", "sales", "head"),
        ("Head- Sales", "sales", "head"),
        ("HEAD \u2014 OPERATIONS", "operations", "head"),
        # a head inside a compound that names something else is not a level
        ("Head Saw Operator", "other", IC),
        ("Band-Head-Saw Operator", "other", IC),
        # other levels behind punctuation, and abbreviations
        ("VP - Zorbling", None, "vp"),
        ("VP, Sales", "sales", "vp"),
        ("Director, Ops", "operations", "director"),
        ("Director/Zorbling", None, "director"),
        ("Mgr (Sales)", "sales", "manager"),
        ("Sr./Jr. Analyst", None, IC),
        ("Sr. Mgr \\ Mktg", "marketing", "manager"),
        ("Acctg Supvr", "finance", "manager"),
        ("Whse Supv.", "operations", "manager"),
        ("Sr. Engr", "engineering", IC),
        ("Dir. of Engrg", "engineering", "director"),
        ("Pres. & CEO", "executive", "c-level"),
        ("Sys Admin", "it", IC),
        ("V.P. & G.M.", "executive", "vp"),
    ],
)
def test_punctuation_and_abbreviations(title, function, seniority):
    info = normalize_title(title)
    assert (info.function, info.seniority) == (function, seniority)


@pytest.mark.parametrize(
    "title, function, seniority",
    [
        # added after blind sample D
        ("Roofer Foreman", "other", "manager"),  # a job word before a level names whom it leads
        ("Order Manager", None, "manager"),  # ... but "order" is not a job word
        ("QA Test Automation Engineer (Quality Assurance)", "engineering", IC),  # the job noun picks the department
        ("Quality Assurance Manager", "operations", "manager"),
        ("Nurse in Charge", "other", "manager"),
        ("Town Manager", "executive", "c-level"),
        ("Insurance Agent", "sales", IC),
        ("Field Service Engineer", "other", IC),
        # added after blind sample F
        ("Commercial Manager", "sales", "manager"),
        ("Head of Commercial", "sales", "head"),  # "commercial" sells ...
        ("Commercial Photographer", "other", IC),
        ("Commercial Lending Officer", "finance", IC),  # ... unless it qualifies
        ("Product Test Engineer", "engineering", IC),
        ("VP Product", "product", "vp"),  # "product" gives way
        ("Material Handler", "other", IC),
        ("Materials Planner", "operations", IC),
        ("Portfolio Manager", "finance", IC),
        ("Malware Reverse Engineer", "it", IC),
    ],
)
def test_rules_added_after_the_blind_samples(title, function, seniority):
    blind = pd.read_csv(FIXTURES / "titles_blind.csv", keep_default_na=False)["title"].str.casefold()
    assert title.casefold() not in set(blind) | set(_labelled()["title"].str.casefold())  # examples, not test titles
    info = normalize_title(title)
    assert (info.function, info.seniority) == (function, seniority)


def test_vocabulary_tables_have_no_key_written_twice():
    # A dict literal keeps only the last of two equal keys, silently: the loader cannot see the lost phrases.
    tree = ast.parse(Path(titles_vocabulary.__file__).read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Dict):
            keys = [ast.dump(key) for key in node.keys if key is not None]
            assert len(keys) == len(set(keys))


def test_a_guessed_job_noun_is_not_a_known_non_job_word():
    for title in ("Supervisor de Setor", "Manager, Floor", "Brazilian"):
        assert normalize_title(title).function is None


def test_matched_names_the_deciding_words():
    assert normalize_title("Diretora de Operacoes").matched == "diretora + operacoes"
    assert normalize_title("CEO").matched == "ceo"
    assert normalize_title("Zzyzx").matched == ""


# ----------------------------------------------------------------------------------------------
# Edge cases
# ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "title",
    [
        None,
        "",
        "   ",
        "\t\n",
        float("nan"),
        "---",
        "12345",
        "🙂",
        "Менеджер по продажам",
        "营销经理",
        "مدير المبيعات",
        "Ζζζ",
    ],
)
def test_empty_and_non_latin_titles_are_unrecognised(title):
    info = normalize_title(title)
    assert (info.function, info.seniority, info.recognised, info.matched) == (None, None, False, "")
    assert isinstance(info, TitleInfo)


def test_case_accents_and_spacing_do_not_matter():
    readings = {
        (i.function, i.seniority)
        for i in map(
            normalize_title,
            ["Diretora de Operações", "DIRETORA DE OPERAÇÕES", "diretora de operacoes", "  Diretora   de Operacoes  "],
        )
    }
    assert readings == {("operations", "director")}


def test_very_long_titles_are_read_quickly():
    long_title = "Senior " * 2000 + "Manager of Logistics"
    started = time.perf_counter()
    info = normalize_title(long_title)
    assert time.perf_counter() - started < 1.0
    assert (info.function, info.seniority) == ("operations", "manager")
    assert normalize_title("x" * 100_000).recognised is False


def test_a_partly_read_title_keeps_what_was_read_and_is_not_recognised():
    info = normalize_title("Manager")
    assert (info.function, info.seniority, info.recognised) == (None, "manager", False)
    info = normalize_title("Operações")
    assert (info.function, info.seniority, info.recognised) == ("operations", None, False)


# ----------------------------------------------------------------------------------------------
# Series API
# ----------------------------------------------------------------------------------------------
def test_normalize_titles_keeps_the_index_and_agrees_with_one_by_one():
    titles = pd.Series(
        ["Gerente de TI", None, float("nan"), "", "CEO", "Gerente de TI", "Zzyzx"], index=[10, 11, 12, 13, 14, 15, 16]
    )
    frame = normalize_titles(titles)
    assert list(frame.columns) == ["title", "function", "seniority", "recognised"]
    assert frame.index.tolist() == titles.index.tolist()
    assert frame["recognised"].dtype == bool
    for index, title in titles.items():
        one = normalize_title(title)
        assert (frame.at[index, "function"], frame.at[index, "seniority"], frame.at[index, "recognised"]) == (
            one.function,
            one.seniority,
            one.recognised,
        )
    assert frame["function"].isna().tolist() == [False, True, True, True, False, False, True]
    assert normalize_titles(pd.Series([], dtype=object)).empty


def test_normalize_titles_reads_each_distinct_title_once():
    class Counting(TitleVocabulary):
        calls = 0

        def read(self, title):
            Counting.calls += 1
            return super().read(title)

    titles = pd.Series(["CFO", "Gerente de TI", None, "Zzyzx"] * 25_000)
    frame = normalize_titles(titles, Counting())
    assert Counting.calls == 4  # three distinct titles and the empty reading
    assert frame["function"].value_counts().to_dict() == {"finance": 25_000, "it": 25_000}


def test_unrecognised_titles_counts_what_was_not_fully_read():
    titles = pd.Series(["Zzyzx", "Gerente de TI", " Zzyzx ", "Manager", None, "", "Zzyzx", "Manager"])
    report = unrecognised_titles(titles)
    assert list(report.columns) == ["title", "count"]
    assert report.to_dict("records") == [{"title": "Zzyzx", "count": 3}, {"title": "Manager", "count": 2}]


# ----------------------------------------------------------------------------------------------
# The vocabulary and a workspace's aliases
# ----------------------------------------------------------------------------------------------
def test_vocabulary_uses_only_the_taxonomy_and_labels_cover_it():
    entries = default_vocabulary().lexicon.values()
    assert {e.function for e in entries} - {None} <= set(FUNCTIONS)
    assert {e.seniority for e in entries} - {None} <= set(SENIORITIES)
    assert set(FUNCTION_LABELS) == set(FUNCTIONS) and set(SENIORITY_LABELS) == set(SENIORITIES)
    assert SENIORITY_LABELS["head"] == "Head of" and FUNCTION_LABELS["operations"] == "Operations / logistics"


def test_a_phrase_listed_twice_with_different_meanings_is_refused(monkeypatch):
    monkeypatch.setitem(titles_vocabulary.DOMAINS, "finance", titles_vocabulary.DOMAINS["finance"] + ", logistics")
    with pytest.raises(ValueError, match="'logistics' appears twice"):
        TitleVocabulary()


def test_compound_heads_must_be_department_words(monkeypatch):
    monkeypatch.setattr(titles_vocabulary, "COMPOUND_HEADS", titles_vocabulary.COMPOUND_HEADS + ", teacher")
    with pytest.raises(ValueError, match="compound heads must be department words.*teacher"):
        TitleVocabulary()


def test_gendered_notation_expands_both_forms():
    lexicon = default_vocabulary().lexicon
    for word in ("diretor", "diretora", "engenheiro", "engenheira", "coordenador", "coordenadora"):
        assert (word,) in lexicon


def test_workspace_aliases_win_over_the_built_in_words(workspace):
    path = workspace.root / TITLES_FILE
    path.write_text(
        "aliases:\n  Roteirista: {function: operations, seniority: individual contributor}\n"
        "  Consultor: {function: sales}\n",
        encoding="utf-8",
    )
    vocabulary = workspace_title_vocabulary(workspace)
    assert (normalize_title("Roteirista Sênior", vocabulary).function, normalize_title("Roteirista").function) == (
        "operations",
        None,
    )
    consultant = normalize_title("Consultor", vocabulary)
    assert (consultant.function, consultant.seniority) == ("sales", None)
    frame = normalize_titles(pd.Series(["Roteirista", "Roteirista"]), vocabulary)
    assert frame["recognised"].all()


def test_workspace_without_aliases_uses_the_built_in_vocabulary(workspace):
    assert workspace_title_vocabulary(workspace) is default_vocabulary()


def test_a_bad_alias_file_names_the_file_and_the_line(tmp_path):
    path = tmp_path / "titles.yaml"
    path.write_text("aliases:\n  roteirista:\n    function: logistics\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"titles\.yaml:3: key 'aliases\.roteirista\.function'"):
        load_title_vocabulary(path)
    path.write_text("alias:\n  roteirista: {function: operations}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="unknown key 'alias'"):
        load_title_vocabulary(path)
    path.write_text("aliases:\n  '---': {function: operations}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="has no letters or digits"):
        load_title_vocabulary(path)


def test_development_titles_all_read_into_the_taxonomy():
    dev = pd.read_csv(FIXTURES / "titles_dev.csv", keep_default_na=False)
    assert not set(dev["title"]) & set(_labelled()["title"])  # development and test titles stay apart
    frame = normalize_titles(dev["title"])
    assert set(frame["function"].dropna()) <= set(FUNCTIONS)
    assert set(frame["seniority"].dropna()) <= set(SENIORITIES)
