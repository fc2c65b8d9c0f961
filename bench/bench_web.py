"""Page latency of the web workspace: the demo workspace served by a real uvicorn on loopback.

Builds the demo workspace (generate_company, then Workspace.load(); the draft ICP is the demo's
planted one with two why-now signals, the audience the demo's, personas drafted, one discovery run
kept), or reuses the one in ``--keep DIR`` built by an earlier run (a 100,000-account demo takes
minutes to build: build it once). Then it serves it on 127.0.0.1 and:

1. cold: requests every page once right after the server started, while the warm-up (web/warmup.py)
   computes the heavy results in the background; a page whose result is still warming answers at
   once with "being computed", so the cold column is what the first visitor waits;
2. waits for the warm-up to finish (printed: how long after the start);
3. warm: drives a bounded number of requests per page and its .json twin one after another and
   prints p50/p95/p99 per page; the CSV downloads are timed apart (a download is not a page).

Targets on a 2-core machine: warm p95 <= 150 ms per page at 5,000 accounts, <= 1 s at 100,000.

    python bench/bench_web.py [--accounts 5000] [--requests 60] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

import httpx
import numpy as np

from bullseye.demo import generate_company
from bullseye.demo.strategy import DEMO_SIGNALS, PLANTED_ICP, write_demo_strategy
from bullseye.web import create_app
from bullseye.web.server import serving
from bullseye.workspace import Workspace

TARGETS_MS = ((5_000, 150.0), (100_000, 1000.0))
BUILT = "bench-web-built.json"  # what the build took, kept beside the workspace for later runs


def target_ms(accounts: int) -> float:
    return next((ms for size, ms in TARGETS_MS if accounts <= size), TARGETS_MS[-1][1])


def build(root: Path, accounts: int) -> dict[str, float]:
    """The demo workspace in ``root`` with how long each step took (read back when kept)."""
    marker = root / BUILT
    if marker.exists():
        built = json.loads(marker.read_text(encoding="utf-8"))
        if built["accounts"] == accounts:
            return built
        raise SystemExit(f"{root} holds a {built['accounts']:,}-account demo, not {accounts:,}: use another --keep")
    times: dict[str, float] = {"accounts": accounts}
    tick = time.perf_counter()
    ws = Workspace.init(root, name="RotaCerta (demo)")
    truth = generate_company(ws.data_dir, n_accounts=accounts, seed=0)
    times["generate_s"], tick = time.perf_counter() - tick, time.perf_counter()
    ws.load()
    times["load_s"], tick = time.perf_counter() - tick, time.perf_counter()
    write_demo_strategy(ws.root, truth)  # the audience and industry map the Market page sizes with
    (ws.strategy_dir / "icp.yaml").write_text(PLANTED_ICP + DEMO_SIGNALS, encoding="utf-8")
    ws.save_personas(ws.personas())  # the Personas page and a persona page have cards to show
    times["personas_s"], tick = time.perf_counter() - tick, time.perf_counter()
    ws.close()
    marker.write_text(json.dumps(times), encoding="utf-8")
    return times


def discovery_run(app) -> float | None:
    """One discovery run for the Discovery pages, unless the workspace keeps one from an earlier run."""
    from bullseye.discover.stored import run_file

    web = app.state.web
    if run_file(web.ws).exists():  # reading it back is the served app's (and its warm-up's) job
        return None
    tick = time.perf_counter()
    app.state.discovery.start(web, ["all"], 3, "bench")
    app.state.discovery.wait()
    return time.perf_counter() - tick


def pages(ws: Workspace) -> list[tuple[str, str]]:
    """(name, path) of every page in the nav and the pages behind it; the .json twins are added."""
    first = ws.table("accounts").order_by("account_id").select("account_id").limit(1).execute()["account_id"][0]
    personas = sorted(p.stem for p in (ws.strategy_dir / "personas").glob("*.yaml"))
    listed = [
        ("home", "/"),
        ("data", "/data"),
        ("outcomes", "/outcomes"),
        ("discovery", "/discovery"),
        ("discovery, worse on win, by accounts", "/discovery?outcome=win&side=worse&sort=accounts"),
        ("discovery segment", "/discovery/segments/win.better.0"),
        ("icp", "/icp"),
        ("icp draft", "/icp/draft"),
        ("icp preview", "/icp/draft/preview"),
        ("icp brief", "/icp/brief"),
        ("accounts", "/accounts"),
        ("accounts tier A, by why-now", "/accounts?tier=A&sort=why_now"),
        ("accounts search", "/accounts?q=log"),
        ("accounts page 40", "/accounts?page=40"),
        ("account", f"/accounts/{first}"),
        ("personas", "/personas"),
        ("workshop", "/workshop"),
        ("market", "/market"),
        ("market whitespace search", "/market?q=log"),
        ("market whitespace page 20", "/market?page=20"),
        ("signals", "/signals"),
        ("signals tier A accounts", "/signals?tier=A&kind=account"),
        ("glossary", "/glossary"),
    ]
    if personas:
        listed.insert(16, ("persona", f"/personas/{personas[0]}"))
    out = []
    for name, path in listed:
        bare, _, query = path.partition("?")
        out.append((name, path))
        out.append((f"{name} .json", ("/index" if bare == "/" else bare) + ".json" + (f"?{query}" if query else "")))
    return out


DOWNLOADS = (("accounts.csv", "/accounts.csv"), ("whitespace.csv", "/market/whitespace.csv"))


def timed(client: httpx.Client, path: str, timeout: float = 600) -> tuple[float, httpx.Response]:
    tick = time.perf_counter()
    response = client.get(path, timeout=timeout)
    elapsed = (time.perf_counter() - tick) * 1000
    response.raise_for_status()
    return elapsed, response


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--accounts", type=int, default=5000)
    parser.add_argument("--requests", type=int, default=60, help="Timed warm requests per page.")
    parser.add_argument("--keep", type=Path, help="Build the demo here once and reuse it on later runs.")
    parser.add_argument("--cold-timeout", type=float, default=60, help="Seconds a first request may take.")
    args = parser.parse_args()
    with ExitStack() as stack:
        root = args.keep or Path(stack.enter_context(tempfile.TemporaryDirectory())) / "demo"
        built = build(root, args.accounts)
        print(
            f"Web benchmark: {args.accounts:,} accounts (demo generated in {built['generate_s']:.0f} s, "
            f"loaded in {built['load_s']:.0f} s, personas drafted in {built['personas_s']:.0f} s"
            f"{', kept in ' + str(root) if args.keep else ''}); {args.requests} sequential requests per page"
        )
        ws = Workspace(root)
        ran = discovery_run(create_app(ws, require_login=False))  # before the served app, which reads it back
        ws.close()
        if ran is not None:
            print(f"  one discovery run (kept in the workspace for later runs): {ran:.0f} s")
        started = time.perf_counter()
        app = create_app(Workspace(root), require_login=False, warm=True)  # the warm-up starts here
        url = stack.enter_context(serving(app))
        client = stack.enter_context(httpx.Client(base_url=url, timeout=600))
        listed = pages(app.state.web.ws)
        cold: dict[str, float] = {}
        for name, path in listed:
            try:
                cold[name], response = timed(client, path, timeout=args.cold_timeout)
            except httpx.TimeoutException:
                cold[name] = float("inf")  # printed as a timeout: the first visitor would have given up
                continue
            if response.status_code == 202:
                cold[name] = -cold[name]  # answered "being computed": marked in the table
        app.state.warmup.wait()
        print(f"  warm-up finished {time.perf_counter() - started:.1f} s after the server started")
        worst, target = 0.0, target_ms(args.accounts)
        print(f"  {'page':<42} {'cold':>9} {'p50':>9} {'p95':>9} {'p99':>9} {'size':>8}")
        for name, path in listed:
            timed(client, path)
            times = []
            for _ in range(args.requests):
                elapsed, response = timed(client, path)
                times.append(elapsed)
            p50, p95, p99 = np.percentile(times, [50, 95, 99])
            worst = max(worst, p95)
            first = (
                "timeout " if cold[name] == float("inf") else f"{abs(cold[name]):7.0f}{'*' if cold[name] < 0 else ' '}"
            )
            print(
                f"  {name:<42} {first:>9} {p50:6.1f} ms {p95:6.1f} ms {p99:6.1f} ms "
                f"{len(response.content) / 1024:6.0f} KiB"
            )
        print("  (cold in ms; * answered at once with 'being computed' while the warm-up ran)")
        for name, path in DOWNLOADS:
            times = []
            for _ in range(max(3, args.requests // 10)):
                elapsed, response = timed(client, path)
                times.append(elapsed)
            print(f"  download {name:<33} median {np.median(times):7.0f} ms  ({len(response.content) / 1024:.0f} KiB)")
        print(f"  worst warm p95 {worst:.1f} ms [target <= {target:.0f} ms]: {'met' if worst <= target else 'NOT met'}")


if __name__ == "__main__":
    main()
