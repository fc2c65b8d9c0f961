"""The demo company: a whole workspace built from generated CRM exports."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from bullseye.cli.app import app, console
from bullseye.cli.data import load_with_progress, render_load_report
from bullseye.cli.score import render_scores, write_scores
from bullseye.discover.engine import discover
from bullseye.discover.propose import propose_icp
from bullseye.discover.report import rich_summary, write_html
from bullseye.outcomes_summary import outcome_summary
from bullseye.score import fit_scorecard
from bullseye.strategy.icp import save_icp
from bullseye.validate import backtest
from bullseye.workspace import Workspace


@app.command()
def demo(
    path: Annotated[Path, typer.Argument(help="Where to create the demo workspace.")] = Path("demo-workspace"),
    accounts: Annotated[int, typer.Option("--accounts", min=100, help="Number of CRM accounts to generate.")] = 5000,
    seed: Annotated[int, typer.Option(help="Random seed; the same seed gives the same company.")] = 0,
) -> None:
    """Build a demo workspace for a route-optimisation SaaS company, load it and run the main job.

    Example:

        bullseye demo demo-workspace --accounts 5000 --seed 7
    """
    from bullseye.demo import generate_company

    ws = Workspace.init(path, name="RotaCerta (demo)", exist_ok=True)
    with console.status(f"Generating {accounts:,} accounts and their CRM history..."):
        generate_company(ws.data_dir, n_accounts=accounts, seed=seed)
    console.rule("Load")
    render_load_report(load_with_progress(ws, None, None, None))
    console.rule("Outcomes")
    console.print(outcome_summary(ws, by="industry").to_rich())
    console.rule("Discovery: who should buy")
    with console.status("Searching segments on every outcome..."):
        result = discover(ws)
    console.print(rich_summary(result))
    report = write_html(result, ws.reports_dir / "discovery.html", company=ws.settings.name)
    icp = propose_icp(result, ws=ws)
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
    console.print(f"\nWorkspace ready in [bold]{ws.root}[/]. Next: `cd {path}`, edit strategy/icp.yaml, "
                  f"then `bullseye validate` and `bullseye score` to see what your edits change.")
