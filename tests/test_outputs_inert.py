"""Every output is inert: hostile values in CRM data go through load and the main commands to the
terminal, CSV, Markdown, HTML and charts, and come out as text: no crash, no live markup, formula
or HTML."""

from __future__ import annotations

import csv
import json
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
import yaml
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from bullseye.cli import app
from bullseye.cli.app import console, err_console
from bullseye.demo import generate_company
from bullseye.io import is_live_formula
from bullseye.render.inert import (
    for_markdown,
    for_mathtext,
    for_terminal,
    visible_controls,
)
from bullseye.workspace import Workspace

runner = CliRunner()

#: Replaces the planted segment's industry, so discovery finds it, draws it and drafts the ICP with it.
#: ``$\fooo{$`` is mathtext that matplotlib cannot parse; ``[/b]`` is a Rich closing tag with no opening.
HOSTILE_INDUSTRY = "E-com $\\fooo{$ [/b]"
HOSTILE_NAMES = [
    '=HYPERLINK("http://evil.example","Acme")',
    "Acme [do not use]",
    "[link=http://evil.example]click[/link]",
    "[/b]",
    "+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|x",
    "-2+3",
    "<script>alert(1)</script>",
    "{{ 7*7 }} {% x %}",
    "\x1b[31mred\x1b[0m \u202eTrojan",
    "שלום عربي",
    "$x^{2}$ Ltd",
    "\tTab=1",
    "Acme " + "[b]" * 400,
]
HOSTILE_TITLE_SUFFIX = " <img src=x onerror=alert(1)> [/b] $y$"
HOSTILE_EMPLOYEES = "=1+1 [/b]"
HOSTILE_ICP = {
    "id": "icp",
    "name": "ICP [/b] <b>$x$</b>",
    "criteria": [
        {
            "id": "hostile",
            "name": HOSTILE_INDUSTRY,
            "assumption": True,
            "conditions": [{"attribute": "industry", "op": "==", "value": HOSTILE_INDUSTRY}],
        }
    ],
    "disqualifiers": [
        {
            "id": "small",
            "name": "Under 50 [do not use]",
            "reason": "churn $4x$ [/b]",
            "assumption": True,
            "conditions": [{"attribute": "employees", "op": "<", "value": 50}],
        }
    ],
    "signals": [
        {
            "id": "funding",
            "name": "Funding [/b] =1+1",
            "event_type": "funding",
            "lookback_days": 3650,
            "half_life_days": 365,
            "weight": 1.0,
            "direction": "positive",
            "assumption": True,
        }
    ],
}


def _invoke(*args) -> str:
    result = runner.invoke(app, [str(a) for a in args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    return result.output


@pytest.fixture(scope="module")
def wide_console():
    """A terminal wide enough that no cell is folded, so the output can be searched for each value."""
    widths = [target._width for target in (console, err_console)]
    for target in (console, err_console):
        target.width = 5000
    yield
    for target, width in zip((console, err_console), widths):
        target._width = width


def _write_hostile(
    data: Path, names: list[str], industry: str, title_suffix: str, employees: str, replacing: str = "E-commerce"
) -> None:
    def rewrite(name: str, change) -> None:
        frame = pd.read_csv(data / name, dtype=str, keep_default_na=False)
        change(frame)
        frame.to_csv(data / name, index=False, lineterminator="\n")

    def accounts(frame):
        frame["Company Name"] = [names[i % len(names)] for i in range(len(frame))]
        frame.loc[frame["Industry"] == replacing, "Industry"] = industry
        frame.loc[frame.index[-1], "Employees"] = employees

    def contacts(frame):
        frame["Job Title"] = frame["Job Title"] + title_suffix

    def universe(frame):
        frame["Company Name"] = [names[-1 - i % len(names)] for i in range(len(frame))]

    def events(frame):
        frame["Description"] = [names[i % len(names)] for i in range(len(frame))]

    rewrite("accounts.csv", accounts)
    if (data / "events.csv").exists():
        rewrite("events.csv", events)
    rewrite("contacts.csv", contacts)
    if (data / "universe.csv").exists():
        rewrite("universe.csv", universe)


@pytest.fixture(scope="module")
def hostile(tmp_path_factory, wide_console):
    """A demo workspace whose data carry every hostile value, run through the main commands once."""
    root = tmp_path_factory.mktemp("hostile") / "ws"
    Workspace.init(root).close()
    generate_company(root / "data", n_accounts=200, seed=3)
    _write_hostile(root / "data", HOSTILE_NAMES, HOSTILE_INDUSTRY, HOSTILE_TITLE_SUFFIX, HOSTILE_EMPLOYEES)
    w = ["--workspace", root]
    outputs = {"load": _invoke("load", *w)}
    outputs["outcomes"] = _invoke("outcomes", "--by", "industry", *w)
    outputs["outcomes_json"] = _invoke("outcomes", "--by", "industry", "--json", *w)
    outputs["discover"] = _invoke("discover", *w)
    # A hand-edited ICP whose names and values carry the hostile text (a small demo may not find one).
    (root / "strategy" / "icp.yaml").write_text(yaml.safe_dump(HOSTILE_ICP, allow_unicode=True), encoding="utf-8")
    outputs["score"] = _invoke("score", "--top", "0", "--out", root / "reports" / "scores.csv", *w)
    outputs["size"] = _invoke("size", *w)
    outputs["match"] = _invoke("match", *w)
    outputs["signals"] = _invoke("signals", "--days", "3650", "--out", root / "reports" / "signals.csv", *w)
    outputs["quarantine"] = _invoke("quarantine", "--limit", "500", *w)
    outputs["personas"] = _invoke("personas", "suggest", *w)
    outputs["cards"] = _invoke("personas", "cards", "--format", "md", "--format", "html", *w)
    return root, _Outputs(outputs)


class _Outputs(dict):
    def __repr__(self) -> str:  # hypothesis prints the fixture with a failing example
        return f"<output of {', '.join(self)}>"


def _csv_cells(path: Path) -> list[str]:
    with path.open(newline="", encoding="utf-8") as handle:
        return [cell for row in csv.reader(handle) for cell in row]


def test_the_main_commands_run_on_hostile_data(hostile):
    root, outputs = hostile
    assert set(outputs) >= {"load", "outcomes", "discover", "score", "size", "quarantine", "cards"}
    assert (root / "reports" / "discovery.html").exists() and (root / "reports" / "market-funnel.png").exists()


def test_values_print_as_typed_never_as_markup(hostile):
    _, outputs = hostile
    assert HOSTILE_INDUSTRY in outputs["outcomes"]
    assert HOSTILE_INDUSTRY in outputs["discover"]  # the segment the discovery found and labelled
    assert HOSTILE_INDUSTRY in outputs["size"]  # the ICP's criterion drafted from it
    assert "Funding [/b] =1+1" in outputs["signals"]
    shown = outputs["score"]
    for name in HOSTILE_NAMES[:-1]:
        assert visible_controls(name).strip() in shown, name  # the loader trims, Rich expands tabs
    assert "[b]" * 400 in shown
    assert HOSTILE_EMPLOYEES in outputs["quarantine"]
    assert "\x1b" not in "".join(outputs.values())  # no terminal control sequence from the data
    assert json.dumps(HOSTILE_INDUSTRY, ensure_ascii=False) in outputs["outcomes_json"]


def test_every_csv_written_is_formula_safe(hostile):
    root, _ = hostile
    written = sorted((root / "reports").glob("*.csv"))
    names = {path.name.split("-")[0] for path in written}
    assert {"scores.csv", "whitespace.csv", "matches.csv", "signals.csv", "quarantine"} <= names
    for path in written:
        live = [cell for cell in _csv_cells(path) if is_live_formula(cell)]
        assert not live, (path.name, live[:3])
    scores = pd.read_csv(root / "reports" / "scores.csv", dtype=str, keep_default_na=False)
    assert "'" + HOSTILE_NAMES[0] in set(scores["name"])  # kept, made inert, not dropped


def test_markdown_and_html_cards_carry_no_html_from_titles(hostile):
    root, _ = hostile
    markdown = (root / "reports" / "persona-cards.md").read_text(encoding="utf-8")
    html = (root / "reports" / "persona-cards.html").read_text(encoding="utf-8")
    assert "onerror" in markdown and "onerror" in html  # the titles are on the cards
    assert not re.search(r"<[A-Za-z/!]", markdown)
    assert "<img" not in html
    discovery = (root / "reports" / "discovery.html").read_text(encoding="utf-8")
    assert "<script>alert" not in discovery


def test_escape_functions_round_trip_through_their_renderers():
    from rich.console import Console
    from rich.text import Text

    hostile = "[/b] Acme [do not use] [link=http://x]y[/link] \\[b] $x$"
    out = Console(width=500, record=True, file=open("/dev/null", "w"))
    out.print(for_terminal(hostile))
    assert out.export_text().strip() == hostile
    assert Text.from_markup(for_terminal("[link=http://x]y[/link]")).spans == []
    assert for_mathtext("$\\fooo{$") == "\\$\\fooo{\\$"
    assert for_markdown("<b>a_b</b> | [x](y)") == "&lt;b&gt;a\\_b&lt;/b&gt; \\| \\[x\\](y)"
    assert visible_controls("a\x1bb\u202ec\nd") == "a\\x1bb\\u202ec\nd"


def test_discovery_chart_draws_a_segment_label_with_dollars():
    from bullseye.discover.findings import Finding, Measure
    from bullseye.render.discovery import lift_chart as _lift_chart

    findings = [
        Finding(
            outcome="win",
            direction=1,
            conditions=[],
            discovery=Measure(40, 0.5, 0.2),
            holdout=Measure(30, 0.45, 0.2, 0.3, 0.6),
            quality=1.0,
            q_value=0.01,
            p_family=0.01,
            p_value=0.01,
            evidence="strong",
            names=[f"industry = {HOSTILE_INDUSTRY}"],
        )
    ]
    svg = _lift_chart("win", findings)
    assert svg and svg.startswith("<svg")


def test_mathtext_labels_draw_literally(tmp_path):
    import matplotlib.figure

    figure = matplotlib.figure.Figure()
    ax = figure.add_subplot()
    ax.set_yticks([0, 1], [for_mathtext(HOSTILE_INDUSTRY), for_mathtext("$5 and $6")])
    figure.savefig(tmp_path / "chart.png")
    assert [t.get_text() for t in ax.get_yticklabels()][0] == for_mathtext(HOSTILE_INDUSTRY)


# -- generated hostile values ---------------------------------------------------------------------
_PIECES = [
    "[/b]",
    "[bold]",
    "[link=http://evil.example]",
    "=",
    "+",
    "-",
    "@",
    "\t",
    "<script>",
    "</div>",
    "{{ x }}",
    "{%",
    "$",
    "$x^{2}$",
    "\\",
    "\x1b[2J",
    "\x07",
    "\u202e",
    "\u200f",
    "عربي",
    "'",
    '"',
    ",",
    ";",
    "|",
    "*",
    "_",
]
hostile_text = (
    st.lists(st.one_of(st.sampled_from(_PIECES), st.text(min_size=1, max_size=3)), min_size=1, max_size=12)
    .map("".join)
    .filter(lambda s: s.strip() and "\x00" not in s)
)


@pytest.mark.slow
# Few examples and no shrinking: each example loads and runs eight commands.
@settings(
    max_examples=4,
    deadline=None,
    derandomize=True,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    name=hostile_text,
    title=hostile_text,
    industry=hostile_text.map(lambda s: " ".join(s[:20].split())).filter(lambda s: len(s) > 2),
)
def test_generated_hostile_values_stay_inert(hostile, tmp_path_factory, name, industry, title):
    base, _ = hostile
    root = tmp_path_factory.mktemp("generated") / "ws"
    shutil.copytree(base, root)
    for path in (root / "reports").glob("*.csv"):
        path.unlink()
    _write_hostile(root / "data", [name, name + " 2"], industry, " " + title, name, replacing=HOSTILE_INDUSTRY)
    w = ["--workspace", root]
    icp = {
        **HOSTILE_ICP,
        "criteria": [
            {
                **HOSTILE_ICP["criteria"][0],
                "name": industry,
                "conditions": [{"attribute": "industry", "op": "==", "value": industry}],
            }
        ],
    }  # the ICP names the generated industry
    (root / "strategy" / "icp.yaml").write_text(yaml.safe_dump(icp, allow_unicode=True), encoding="utf-8")
    _invoke("load", root / "data" / "accounts.csv", root / "data" / "contacts.csv", *w)
    outcomes = _invoke("outcomes", "--by", "industry", *w)
    if industry.isprintable() and industry == " ".join(industry.split()):
        assert visible_controls(industry) in outcomes
    assert json.dumps(industry, ensure_ascii=False) in _invoke("outcomes", "--by", "industry", "--json", *w)
    _invoke("discover", "--outcome", "win", *w)
    _invoke("score", "--top", "0", "--out", root / "reports" / "scores.csv", *w)
    _invoke("size", *w)
    _invoke("quarantine", "--limit", "50", *w)
    _invoke("personas", "suggest", "--force", *w)
    _invoke("personas", "cards", "--format", "md", "--format", "html", *w)
    for path in (root / "reports").glob("*.csv"):
        assert not any(is_live_formula(cell) for cell in _csv_cells(path)), path.name
    markdown = (root / "reports" / "persona-cards.md").read_text(encoding="utf-8")
    assert "<script>" not in markdown and "</div>" not in markdown
    html = (root / "reports" / "persona-cards.html").read_text(encoding="utf-8")
    assert "<script>" not in html
