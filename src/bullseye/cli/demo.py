"""The demo company: a whole workspace built from generated CRM exports."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from bullseye.cli.app import app, console

if TYPE_CHECKING:
    from bullseye.workspace import Workspace


@app.command()
def demo(
    path: Annotated[Path, typer.Argument(help="Where to create the demo workspace.")] = Path("demo-workspace"),
    # 10,000: with one unit per account, fewer leave the planted segment below family-wise significance
    accounts: Annotated[int, typer.Option("--accounts", min=100, help="Number of CRM accounts to generate.")] = 10_000,
    seed: Annotated[int, typer.Option(help="Random seed; the same seed gives the same company.")] = 0,
    add_quarter: Annotated[bool, typer.Option("--add-quarter", help="Write the next quarter of an existing demo "
                                              "workspace's exports (then run `bullseye check`).")] = False,
    shift: Annotated[bool, typer.Option(help="With --add-quarter: the market shifts in that quarter.")] = False,
) -> None:
    """Build a demo workspace for a route-optimisation SaaS company, load it and run the main job.

    Example:

        bullseye demo demo-workspace --accounts 5000 --seed 7
    """
    from bullseye.cli.data import load_with_progress, render_load_report
    from bullseye.cli.score import render_scores, write_scores
    from bullseye.demo import generate_company
    from bullseye.discover.engine import discover
    from bullseye.discover.propose import propose_icp
    from bullseye.discover.report import rich_summary, write_html
    from bullseye.outcomes.summary import outcome_summary
    from bullseye.scoring.backtest import backtest
    from bullseye.scoring.scorecard import fit_scorecard
    from bullseye.strategy.icp import save_icp
    from bullseye.workspace import Workspace

    if add_quarter:
        _add_quarter(path, seed, shift)
        return
    _refuse_a_real_workspace(path)
    ws = Workspace.init(path, name="RotaCerta (demo)", exist_ok=True)
    with console.status(f"Generating {accounts:,} accounts and their CRM history..."):
        truth = generate_company(ws.data_dir, n_accounts=accounts, seed=seed)
    console.rule("Load")
    render_load_report(load_with_progress(ws, None, None, None))
    console.rule("Outcomes")
    console.print(outcome_summary(ws, by="industry").to_rich())
    console.rule("Discovery: who should buy")
    with console.status("Searching segments on every outcome..."):
        result = discover(ws)
    console.print(rich_summary(result, top=5))  # the demo shows the head of each list
    report = write_html(result, ws.reports_dir / "discovery.html", company=ws.settings.name)
    icp = propose_icp(result, ws=ws).model_copy(update={"owner": "Product marketing (demo)"})
    icp_path, _ = save_icp(ws.root, icp, force=True)
    console.print(f"\nReport with charts: {report}\nDraft ICP: {icp_path}")
    console.rule("Backtest of the draft ICP on newer deals")
    console.print(backtest(ws, icp).to_rich())
    console.rule("Scored accounts")
    card = fit_scorecard(ws, icp, dataset=result.data)
    scores = card.score(result.data.accounts)
    scores_path = ws.reports_dir / "scores.csv"
    write_scores(scores, scores_path)
    best = scores.sort_values("fit_score", ascending=False, kind="stable").head(10)
    console.print(render_scores(card, scores, best, scores_path))
    _people(ws, icp)
    _market(ws, icp, card, truth)
    _publish(ws, result.data)
    console.print(f"\nWorkspace ready in [bold]{ws.root}[/]. Next: `cd {path}`, edit strategy/icp.yaml or a persona "
                  f"in strategy/personas/, then `bullseye validate`, `bullseye score` and `bullseye personas cards` "
                  f"to see what your edits change.")
    console.print(f"Web workspace: `bullseye serve --workspace {path}`, then open http://127.0.0.1:8765/")


def _refuse_a_real_workspace(path: Path) -> None:
    """The demo writes a fake company's exports into data/: only into a new, empty or demo workspace."""
    from bullseye.errors import ConflictError

    if not path.exists() or (path / "data" / "truth.json").exists():
        return
    if not path.is_dir():
        raise ConflictError(f"{path} exists and is not a directory; give the demo a new directory")
    fresh = {"bullseye.yaml", "data", "strategy", "reports", ".bullseye"}  # what `bullseye init` creates
    entries = {entry.name for entry in path.iterdir()}
    untouched = entries <= fresh and not any(
        any(p.is_file() for p in (path / sub).rglob("*")) for sub in ("data", "strategy", "reports") if sub in entries)
    if not untouched:
        raise ConflictError(f"{path} is not empty and not a demo workspace (no data/truth.json), so the demo would "
                            f"write a made-up company's exports over it; give the demo a new directory, "
                            f"e.g. `bullseye demo demo-workspace`")


def _add_quarter(path: Path, seed: int, shift: bool) -> None:
    """Three more months of the demo company's life, written over its exports as a CRM would export them."""
    from bullseye.demo.periods import generate_period
    from bullseye.errors import NotFoundError
    from bullseye.workspace import Workspace

    ws = Workspace(path)
    if not (ws.data_dir / "truth.json").exists():
        raise NotFoundError(f"{ws.root} is not a demo workspace (no data/truth.json); create one with `bullseye demo`")
    period = generate_period(ws.data_dir, months=3, seed=seed, shift=shift)
    console.print(f"Wrote {period['start']} to {period['end']}"
                  + (" (the market shifts: marketplaces start to win, a new objection is heard)" if shift else "")
                  + f": {period['new_opportunities']:,} new opportunities, {period['churned']:,} churned customers. "
                  f"Next: `bullseye check` loads them, checks triggers and drift, and `bullseye status` explains.")


def _publish(ws: Workspace, data) -> None:
    """The draft ICP, personas and audience become version 1: what scores and exports use from now on."""
    from bullseye.governance.lifecycle import publish

    console.rule("Publish version 1")
    with console.status("Fitting and storing the scorecard of version 1..."):
        published = publish(ws, "First ICP of the demo company, drafted by discovery", by="bullseye demo", data=data)
    console.print(f"Published {published.version.label} in {published.version.folder.relative_to(ws.root)}: "
                  f"`bullseye history`, `bullseye status`; edit strategy/ and `bullseye publish -m \"why\"` "
                  f"for version 2.")


def _people(ws: Workspace, icp) -> None:
    """Layer three: the buying committee of the ICP's deals, what they say, and the personas."""
    from bullseye.governance.triggers import record_triggers
    from bullseye.people.cards import find_chromium
    from bullseye.people.themes import objection_triggers
    from bullseye.render import to_terminal

    console.rule("The buying committee of the ICP's deals")
    with console.status("Reading contacts and their roles..."):
        committee = ws.committee()
    console.print(to_terminal(committee))
    console.rule("What they say: themes in the notes")
    with console.status("Mining call, interview, survey and win/loss notes..."):
        themes = ws.themes()
        added = record_triggers(ws, objection_triggers(themes.select(("objection",))), source="themes")
    console.print(to_terminal(themes))
    console.print(f"New-objection triggers raised: {added} (see `bullseye themes --triggers`).")
    console.rule("Personas drafted from the evidence")
    with console.status("Drafting a persona per committee role..."):
        written = ws.save_personas(ws.personas(), force=True)
    for result in written.written:
        console.print(f"  {result.path.relative_to(ws.root)}")
    formats = ("md", "html", "pdf") if find_chromium() else ("md", "html")
    for card_path in ws.cards(formats, out_dir=ws.reports_dir).files:
        console.print(f"Persona cards: {card_path}")


def _market(ws: Workspace, icp, card, truth: dict) -> None:
    """Layer one and timing: the market from the universe down, and this week's accounts to call."""
    from bullseye.demo.strategy import write_demo_strategy
    from bullseye.market.signals import signal_ranking
    from bullseye.market.sizing import FUNNEL_CHART, size_market
    from bullseye.render import to_terminal
    from bullseye.strategy.audience import load_audience

    console.rule("The market: from the universe to the customers")
    write_demo_strategy(ws.root, truth)
    with console.status("Matching the market list to the CRM and sizing it..."):
        sized = size_market(ws, load_audience(ws.root), icp, card)
    sized.write_funnel_chart(ws.reports_dir / FUNNEL_CHART)
    sized.write_whitespace(ws.reports_dir / "whitespace.csv")
    console.print(to_terminal(sized))
    if not icp.signals:
        return
    console.rule("Why now: the accounts to call this week")
    with console.status("Ranking fresh signals..."):
        ranking = signal_ranking(ws, icp, days=30, limit=10)
    console.print(to_terminal(ranking))
