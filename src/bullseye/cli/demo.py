"""The demo company: a whole workspace built from generated CRM exports, then the main job."""

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
    add_quarter: Annotated[
        bool,
        typer.Option(
            "--add-quarter",
            help="Write the next quarter of an existing demo workspace's exports (then run `bullseye check`).",
        ),
    ] = False,
    shift: Annotated[bool, typer.Option(help="With --add-quarter: the market shifts in that quarter.")] = False,
    serve: Annotated[
        bool, typer.Option("--serve", help="Then serve the web workspace on 127.0.0.1:8765 and open it in the browser.")
    ] = False,
) -> None:
    """Build a demo workspace for a route-optimisation SaaS company, load it and run the main job.

    Example:

        bullseye demo demo-workspace --accounts 5000 --seed 7
    """
    from bullseye.config import SETTINGS_FILE, Settings
    from bullseye.demo import generate_company
    from bullseye.demo.strategy import write_demo_strategy
    from bullseye.workspace import Workspace
    from bullseye.yamlio import load_model

    if add_quarter:
        _add_quarter(path, seed, shift)
        return
    _refuse_a_real_workspace(path)
    ws = Workspace.init(path, name="RotaCerta (demo)", exist_ok=True)
    with console.status(f"Generating {accounts:,} accounts and their CRM history..."):
        truth = generate_company(ws.data_dir, n_accounts=accounts, seed=seed)
        write_demo_strategy(ws.root, truth)  # the audience and the industry map the market step reads
        ws.settings = load_model(Settings, ws.root / SETTINGS_FILE)  # with the demo's spend channels
    with console.status("Running the main job...") as status:
        job = ws.run_all(_printer(status), force=True, owner="Product marketing (demo)", reports=True)
    for note in job.notes:
        console.print(note, markup=False, highlight=False)
    if job.icp is None:
        return
    _cards(ws, job)
    _publish(ws, job.discovery.data)
    console.print(
        f"\nWorkspace ready in [bold]{ws.root}[/]. Next: `cd {path}`, edit strategy/icp.yaml or a persona "
        f"in strategy/personas/, then `bullseye validate`, `bullseye score` and `bullseye personas cards` "
        f"to see what your edits change."
    )
    console.print(f"Web workspace: `bullseye serve --workspace {path}`, then open http://127.0.0.1:8765/")
    if serve:
        _serve(ws)


def _serve(ws) -> None:
    """The demo's web workspace on this computer only, opened in the default browser once it listens."""
    import threading
    import webbrowser

    from bullseye.cli.web import serve as serve_command

    url = "http://127.0.0.1:8765/"
    threading.Timer(1.5, webbrowser.open, args=(url,)).start()
    serve_command(host="127.0.0.1", port=8765, workspace=ws.root)


def _printer(status):
    """Print each step of the main job as it ends, under its title; the spinner names the running one."""
    from bullseye.pipeline import STEPS
    from bullseye.render.pipeline import render_step

    titles = dict(STEPS)

    def show(name: str, result) -> None:
        if result is None:
            status.update(f"{titles[name]}...")
            return
        console.rule(titles[name])
        console.print(render_step(name, result))

    return show


def _cards(ws: Workspace, job) -> None:
    from bullseye.people.cards import find_chromium

    console.print(
        "Written: " + ", ".join(str(p.relative_to(ws.root)) for p in job.written if p.is_relative_to(ws.root)),
        markup=False,
    )
    if not job.personas:
        return
    formats = ("md", "html", "pdf") if find_chromium() else ("md", "html")
    for card_path in ws.cards(formats, out_dir=ws.reports_dir).files:
        console.print(f"Persona cards: {card_path}", markup=False)


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
        any(p.is_file() for p in (path / sub).rglob("*")) for sub in ("data", "strategy", "reports") if sub in entries
    )
    if not untouched:
        raise ConflictError(
            f"{path} is not empty and not a demo workspace (no data/truth.json), so the demo would "
            f"write a made-up company's exports over it; give the demo a new directory, "
            f"e.g. `bullseye demo demo-workspace`"
        )


def _add_quarter(path: Path, seed: int, shift: bool) -> None:
    """Three more months of the demo company's life, written over its exports as a CRM would export them."""
    from bullseye.demo.periods import generate_period
    from bullseye.errors import NotFoundError
    from bullseye.workspace import Workspace

    ws = Workspace(path)
    if not (ws.data_dir / "truth.json").exists():
        raise NotFoundError(f"{ws.root} is not a demo workspace (no data/truth.json); create one with `bullseye demo`")
    period = generate_period(ws.data_dir, months=3, seed=seed, shift=shift)
    console.print(
        f"Wrote {period['start']} to {period['end']}"
        + (" (the market shifts: marketplaces start to win, a new objection is heard)" if shift else "")
        + f": {period['new_opportunities']:,} new opportunities, {period['churned']:,} churned customers. "
        f"Next: `bullseye check` loads them, checks triggers and drift, and `bullseye status` explains."
    )


def _publish(ws, data) -> None:
    """The draft ICP, personas and audience become version 1: what scores and exports use from now on."""
    from bullseye.governance.lifecycle import publish

    console.rule("Publish version 1")
    with console.status("Fitting and storing the scorecard of version 1..."):
        published = publish(ws, "First ICP of the demo company, drafted by discovery", by="bullseye demo", data=data)
    console.print(
        f"Published {published.version.label} in {published.version.folder.relative_to(ws.root)}: "
        f'`bullseye history`, `bullseye status`; edit strategy/ and `bullseye publish -m "why"` '
        f"for version 2."
    )
