"""The alignment workshop and the empathy maps through the facade and the CLI, on the full demo
(every table loaded) with the planted ICP: the draft comes from the planted evidence (the churn of
small companies is a red flag, measured), edits are saved with who and when, a stale save is
refused, and `bullseye workshop --json` gives what the facade gives."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
import yaml
from conftest import TRUTH_ICP, demo_copy
from typer.testing import CliRunner

from bullseye.cli import app as cli_app
from bullseye.core.dataset import build_dataset
from bullseye.errors import ConflictError, NotFoundError
from bullseye.strategy.persona import (
    AntiPersona,
    Backing,
    Persona,
    Quote,
    Statement,
    ThreeQuestions,
    persona_text,
)
from bullseye.strategy.workshop import DRAFT_REVISION, WORKSHOP_FILE, BoardFormError, board_revision
from bullseye.workspace import Workspace

HOSTILE = "<script>alert(1)</script>"


def _heard(text: str, notes: list[str]) -> Statement:
    return Statement(
        text=text,
        evidence=Backing(
            summary=f"heard in {len(notes)} notes",
            count=len(notes),
            source="themes",
            quotes=[Quote(text=f"{text} ({n})", note_id=n, source="interview") for n in notes],
        ),
    )


def build_board_workspace(factory, root: Path) -> Workspace:
    """A copy of the full 5,000-account demo (shared with the committee and persona tests) with the
    planted ICP, a champion whose statements quote real notes, and the anti-persona."""
    ws = demo_copy(factory, 5000, 0, root, full=True)
    (ws.strategy_dir / "icp.yaml").write_text(TRUTH_ICP, encoding="utf-8")
    notes = list(ws.table("notes").select("note_id").limit(4).to_pandas()["note_id"])
    guess = Statement(text="to be validated", assumption=True)
    champion = Persona(
        id="champion",
        name="Champion: Head of Ops",
        icp="icp",
        committee_role="champion",
        role=_heard("runs the delivery operation", notes[:1]),
        pains=[_heard("routes planned by hand every morning", notes[:2]), _heard(HOSTILE, notes[2:3])],
        goals=[_heard("a predictable cost per delivery", notes[3:4])],
        decision_style=guess,
        hook=guess,
        trap=guess,
        three_questions=ThreeQuestions(
            midnight_worry=_heard("missing the delivery window", notes[1:2]),
            watercooler_brag=_heard("cut the logistics cost by 20%", notes[3:4]),
            killer_objection=guess,
        ),
    )
    anti = AntiPersona(id="anti-persona", name="Who not to serve", icp="icp", who=guess, why_not=guess)
    folder = ws.strategy_dir / "personas"
    folder.mkdir(parents=True, exist_ok=True)
    for definition in (champion, anti):
        (folder / f"{definition.id}.yaml").write_text(persona_text(definition), encoding="utf-8")
    return ws


@pytest.fixture(scope="module")
def board_ws(tmp_path_factory) -> Workspace:
    ws = build_board_workspace(tmp_path_factory, tmp_path_factory.mktemp("workshop") / "ws")
    yield ws
    ws.close()


@pytest.fixture(scope="module")
def drafted(board_ws):
    return board_ws.workshop()


def test_the_planted_disqualifier_is_a_measured_red_flag(board_ws, drafted):
    """The demo plants churn under 50 employees; the anti-persona finds it in the churned customers,
    with numbers that agree with a count made here from the accounts."""
    assert not drafted.saved and drafted.revision == DRAFT_REVISION
    churn = [c for c in drafted.board.anti_persona if c.evidence and c.evidence.source == "churn"]
    small = [c for c in churn if "employees" in c.text and "<" in c.text]
    assert small, [c.text for c in drafted.board.anti_persona]
    card = small[0]
    attribute, op, value = card.text.removeprefix("Churns more: ").split(" ")
    customers = build_dataset(board_ws).accounts
    customers = customers[customers["is_customer"].eq(True)]
    employees = pd.to_numeric(customers[attribute], errors="coerce")
    has = employees < float(value) if op == "<" else employees <= float(value)
    churned = customers["churned"].eq(True)
    assert card.evidence.out_of == int(churned.sum())
    assert card.evidence.count == int((has & churned).sum())
    assert (has & churned).sum() / churned.sum() > 1.2 * has.mean()  # over-represented among churners
    # The ICP's own disqualifier is there too, as the assumption the planted ICP says it is.
    written = [c for c in drafted.board.anti_persona if c.text.startswith("Disqualifier: Under 50 employees")]
    assert written and written[0].assumption and written[0].evidence is None


def test_the_alignment_lists_and_the_champion_come_from_the_deals_and_contacts(board_ws, drafted):
    w = drafted.board
    data = build_dataset(board_ws)
    heaviest = data.accounts.sort_values("avg_active_users", ascending=False).iloc[0]
    assert w.stickiest[0].text.startswith(f"{heaviest['name']}: {heaviest['avg_active_users']:,.0f} active users")
    won = data.opportunities[(data.opportunities["won"] == 1) & data.opportunities["days_to_close"].notna()]
    fastest_days = [int(c.text.split("closed in ")[1].split(" days")[0]) for c in w.fastest]
    assert len(fastest_days) == 5 and max(fastest_days) <= won["days_to_close"].quantile(0.25)
    assert all(c.evidence is not None or c.assumption for c in [*w.shared, *w.champion])
    committee = board_ws.committee().champions
    assert any(str(committee["champions"]) in (c.evidence.summary if c.evidence else "") for c in w.champion)
    # before and after: the champion's pains beside their goals, their evidence kept
    rows = [r for r in w.before_after if r.persona == "Champion: Head of Ops"]
    assert rows[0].before.text == "routes planned by hand every morning" and rows[0].before.evidence.count == 2
    assert rows[0].after.text == "a predictable cost per delivery"
    assert rows[1].after.assumption  # a second pain with no second goal: a question, not an answer


def test_edits_are_saved_with_who_and_when_and_a_stale_save_is_refused(board_ws, drafted, tmp_path):
    path = board_ws.root / WORKSHOP_FILE
    try:
        first = drafted.board.anti_persona[0]
        saved = board_ws.save_workshop(
            {
                "anti_persona.0.text": "Small shops churn: under 50 people",
                f"anti_persona.{len(drafted.board.anti_persona)}.text": "They ask for custom reports",
                "champion.0.text": "",
            },
            DRAFT_REVISION,
            "ana",
            draft=drafted.board,
        )
        stored = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert stored["anti_persona"][0]["text"] == "Small shops churn: under 50 people"
        assert stored["anti_persona"][0]["evidence"]["summary"] == first.evidence.summary  # words edited, evidence kept
        added = stored["anti_persona"][-1]
        assert (
            added["text"] == "They ask for custom reports"
            and added["assumption"] is True
            and added["edited_by"] == "ana"
        )
        assert len(stored["champion"]) == len(drafted.board.champion) - 1
        assert stored["changes"][-1]["by"] == "ana" and "champion.0" in stored["changes"][-1]["fields"]
        assert saved.revision == board_revision(path) != DRAFT_REVISION
        again = board_ws.workshop()
        assert again.saved and again.board.anti_persona[0].text == "Small shops churn: under 50 people"
        with pytest.raises(ConflictError, match="changed since you opened it"):
            board_ws.save_workshop({"anti_persona.0.text": "stale"}, DRAFT_REVISION, "bob")
        with pytest.raises(BoardFormError):
            board_ws.save_workshop({"shared.0.text": "x" * 5000}, saved.revision, "bob")
        assert yaml.safe_load(path.read_text(encoding="utf-8"))["anti_persona"][0]["text"].startswith("Small")
        board_ws.comment("workshop", "anti_persona.0", "Seen it at two accounts this month", "bob")
        assert board_ws.workshop().comments[-1]["author"] == "bob"
    finally:
        path.unlink(missing_ok=True)
        (board_ws.root / "strategy/comments/workshop.yaml").unlink(missing_ok=True)


def test_the_empathy_map_is_drafted_from_the_persona_evidence(board_ws):
    board = board_ws.empathy_map("champion")
    m = board.board
    assert not board.saved and m.name == "Champion: Head of Ops"
    persona = yaml.safe_load((board_ws.strategy_dir / "personas/champion.yaml").read_text(encoding="utf-8"))
    quoted = {q["note_id"] for s in persona["pains"] + persona["goals"] for q in s["evidence"]["quotes"]}
    assert m.says and {q.note_id for c in m.says for q in c.evidence.quotes} <= quoted
    assert [c.text for c in m.pains] == [s["text"] for s in persona["pains"]]
    assert [c.text for c in m.gains] == ["a predictable cost per delivery"]
    assert any(c.text == "Anxious about: missing the delivery window" and c.evidence for c in m.feels)
    assert any(c.assumption for c in m.does)  # decision style is an assumption in the persona: it stays one
    saved = board_ws.save_empathy_map("champion", {"feels.0.text": "Dreads Monday mornings"}, DRAFT_REVISION, "ana")
    assert saved.saved and saved.board.feels[0].edited_by == "ana"
    with pytest.raises(NotFoundError, match="anti-persona"):
        board_ws.empathy_map("anti-persona")
    with pytest.raises(NotFoundError, match="there are"):
        board_ws.empathy_map("nobody")


def test_the_cli_gives_what_the_facade_gives(board_ws, drafted):
    runner = CliRunner()
    result = runner.invoke(cli_app, ["workshop", "--json", "--workspace", str(board_ws.root)])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    facade = json.loads(drafted.to_json())
    assert [c["text"] for c in data["workshop"]["anti_persona"]] == [
        c["text"] for c in facade["workshop"]["anti_persona"]
    ]
    assert [step["section"] for step in data["agenda"]] == ["alignment", "anti_persona", "champion", "before_after"]
    shown = runner.invoke(cli_app, ["workshop", "--persona", "champion", "--workspace", str(board_ws.root)])
    assert shown.exit_code == 0 and "Empathy map: Champion: Head of Ops" in shown.output
    missing = runner.invoke(cli_app, ["workshop", "--persona", "nobody", "--workspace", str(board_ws.root)])
    assert missing.exit_code != 0 and "no persona 'nobody'" in missing.output


def test_without_data_every_card_is_a_question_not_an_answer(workspace):
    board = workspace.workshop().board
    cards = [*board.anti_persona, *board.champion, *board.fastest, *board.stickiest, *board.shared]
    cards += [c for row in board.before_after for c in (row.before, row.after)]
    assert cards and all(c.assumption and c.evidence is None for c in cards)
    assert all(c.text.endswith("?") or "?" in c.text for c in cards)
