"""Page latency of the web workspace: the 5,000-account demo served by a real uvicorn on loopback.

Builds the demo workspace (generate_company, then Workspace.load(); the draft ICP is the demo's
planted one with two why-now signals, the audience the demo's), serves it on 127.0.0.1, requests every page once to fill the cache (the cold time is
printed apart), then drives a bounded number of requests per page one after another and prints
p50/p95/p99 per page. Target on a 2-core machine: p95 <= 150 ms per page at 5,000 accounts.

    python bench/bench_web.py [--accounts 5000] [--requests 60]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import httpx
import numpy as np

from bullseye.demo import generate_company
from bullseye.demo.strategy import DEMO_SIGNALS, PLANTED_ICP, write_demo_strategy
from bullseye.web import create_app
from bullseye.web.server import serving
from bullseye.workspace import Workspace

TARGET_P95_MS = 150.0


def pages(client: httpx.Client) -> list[tuple[str, str]]:
    first = client.get("/accounts.json").json()["accounts"][0]["account_id"]
    return [
        ("home", "/"),
        ("home json", "/index.json"),
        ("icp", "/icp"),
        ("accounts", "/accounts"),
        ("accounts tier A, by why-now", "/accounts?tier=A&sort=why_now"),
        ("accounts search", "/accounts?q=log"),
        ("accounts page 40", "/accounts?page=40"),
        ("accounts json", "/accounts.json"),
        ("account", f"/accounts/{first}"),
        ("account json", f"/accounts/{first}.json"),
        ("outcomes", "/outcomes"),
        ("outcomes json", "/outcomes.json"),
        ("glossary", "/glossary"),
        ("workshop", "/workshop"),
        ("workshop json", "/workshop.json"),
        ("discovery", "/discovery"),
        ("discovery, worse on win, by accounts", "/discovery?outcome=win&side=worse&sort=accounts"),
        ("discovery segment", "/discovery/segments/win.better.0"),
        ("market", "/market"),
        ("market whitespace search", "/market?q=log"),
        ("market json", "/market.json"),
        ("signals", "/signals"),
        ("signals tier A accounts", "/signals?tier=A&kind=account"),
        ("signals json", "/signals.json"),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--accounts", type=int, default=5000)
    parser.add_argument("--requests", type=int, default=60, help="Timed requests per page.")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        started = time.perf_counter()
        ws = Workspace.init(Path(scratch) / "demo", name="RotaCerta (demo)")
        truth = generate_company(ws.data_dir, n_accounts=args.accounts, seed=0)
        ws.load()
        write_demo_strategy(ws.root, truth)  # the audience and industry map the Market page sizes with
        (ws.strategy_dir / "icp.yaml").write_text(PLANTED_ICP + DEMO_SIGNALS, encoding="utf-8")
        built = time.perf_counter() - started
        print(
            f"Web benchmark: {args.accounts:,} accounts, demo built and loaded in {built:.0f} s; "
            f"{args.requests} sequential requests per page over loopback"
        )
        app = create_app(ws, require_login=False)
        app.state.discovery.start(app.state.web, ["all"], 3, "bench")  # the Discovery page shows this run
        app.state.discovery.wait()
        with serving(app) as url, httpx.Client(base_url=url, timeout=120) as client:
            cold = time.perf_counter()
            for path in ("/", "/icp", "/accounts", "/outcomes", "/glossary", "/workshop", "/market", "/signals"):
                client.get(path).raise_for_status()
            print(f"  first requests (fit and score once, then cached): {time.perf_counter() - cold:.1f} s")
            worst = 0.0
            for name, path in pages(client):
                client.get(path).raise_for_status()
                times = []
                for _ in range(args.requests):
                    tick = time.perf_counter()
                    response = client.get(path)
                    times.append((time.perf_counter() - tick) * 1000)
                    response.raise_for_status()
                p50, p95, p99 = np.percentile(times, [50, 95, 99])
                worst = max(worst, p95)
                print(
                    f"  {name:<30} p50 {p50:6.1f} ms  p95 {p95:6.1f} ms  p99 {p99:6.1f} ms  "
                    f"({len(response.content) / 1024:.0f} KiB)"
                )
            print(
                f"  worst p95 {worst:.1f} ms [target <= {TARGET_P95_MS:.0f} ms]: "
                f"{'met' if worst <= TARGET_P95_MS else 'NOT met'}"
            )


if __name__ == "__main__":
    main()
