"""The warehouse under concurrent users, killed processes and a machine that says no.

Loads run in real separate processes (the installed CLI), a disk fills up for real (a small tmpfs)
and a file system turns read-only for real (a read-only remount). Mounting needs root: a
developer's laptop without it skips those two; CI (CI=true) fails instead of skipping.
"""

from __future__ import annotations

import contextlib
import os
import random
import re
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest
from conftest import write

from bullseye.errors import StorageError, WarehouseBusy
from bullseye.workspace import Workspace

CLI = [sys.executable, "-m", "bullseye.cli"]
ENV = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1] / "src")}


def accounts_csv(path: Path, n: int, prefix: str = "A", random_names: bool = False) -> Path:
    """``random_names``: names that do not compress, so the warehouse grows with the rows."""
    rng = random.Random(n)
    lines = ["account_id,name,industry,employees"]
    lines += [
        f"{prefix}{i},{rng.getrandbits(128):032x} {i} Ltda,{('Retail', 'Logistics', 'SaaS')[i % 3]},{10 + i % 500}"
        if random_names
        else f"{prefix}{i},Company {i},{('Retail', 'Logistics', 'SaaS')[i % 3]},{10 + i % 500}"
        for i in range(n)
    ]
    return write(path, "\n".join(lines) + "\n")


def deals_csv(path: Path, n: int) -> Path:
    lines = ["deal_id,account_id,stage,amount"] + [f"D{i},A{i % 50},won,{1000 + i}" for i in range(n)]
    return write(path, "\n".join(lines) + "\n")


def count(root: Path, table: str) -> int | None:
    ws = Workspace(root)
    try:
        return ws.table(table).count().execute() if ws.has_table(table) else None
    finally:
        ws.close()


def leftovers(root: Path) -> list[str]:
    """Files of the warehouse's directory that are neither the link, the live generation nor the lock."""
    state = root / ".bullseye"
    live = os.readlink(state / "warehouse.duckdb")
    keep = {"warehouse.duckdb", live, "warehouse.duckdb.lock", ".gitignore", "tmp"}
    return sorted(p.name for p in state.iterdir() if p.name not in keep)


def cli_load(root: Path, *files: Path, **popen) -> subprocess.Popen:
    return subprocess.Popen(
        [*CLI, "load", "--workspace", str(root), *map(str, files)],
        env=ENV,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **popen,
    )


def test_a_finished_load_is_seen_by_every_workspace_object_on_the_path(tmp_path):
    first = Workspace.init(tmp_path / "ws")
    second = Workspace(first.root)
    assert not second.has_table("accounts")  # its reader is open on the empty generation
    first.load([accounts_csv(first.data_dir / "accounts.csv", 5)])
    assert second.table("accounts").count().execute() == 5
    second.load([deals_csv(first.data_dir / "deals.csv", 7)])
    assert first.table("deals").count().execute() == 7 and first.has_table("accounts")
    assert second.warehouse.generation == first.warehouse.generation == 3
    first.close(), second.close()


def test_a_failed_write_leaves_the_previous_warehouse_and_no_file_behind(workspace):
    workspace.load([accounts_csv(workspace.data_dir / "accounts.csv", 3)])
    before = workspace.warehouse.generation
    with pytest.raises(RuntimeError), workspace.warehouse.transaction() as con:
        con.raw_sql("DROP TABLE accounts")
        raise RuntimeError("boom")
    assert workspace.warehouse.generation == before
    assert workspace.table("accounts").count().execute() == 3
    assert leftovers(workspace.root) == []


def test_each_thread_reads_through_its_own_connection(workspace):
    workspace.load([accounts_csv(workspace.data_dir / "accounts.csv", 100)])
    seen, errors = {}, []

    def read(i: int) -> None:
        try:
            seen[i] = (id(workspace.warehouse.con), workspace.table("accounts").count().execute())
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=read, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert {n for _, n in seen.values()} == {100}
    assert len({con for con, _ in seen.values()}) == 4


HOLD_LOCK = textwrap.dedent("""
    import sys, time
    from bullseye.workspace import Workspace
    ws = Workspace(sys.argv[1])
    with ws.warehouse.transaction() as con:
        con.raw_sql("CREATE TABLE held AS SELECT 1 AS x")
        print("holding", flush=True)
        time.sleep(float(sys.argv[2]))
""")


def test_a_second_writer_is_told_who_holds_the_lock_and_waits_for_it(workspace):
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(workspace.root), "3"], env=ENV, stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout.readline().strip() == "holding"
        with pytest.raises(WarehouseBusy) as busy, workspace.warehouse.transaction(timeout=0):
            pass
        assert re.fullmatch(
            rf"another load is running since \d\d:\d\d \(pid {holder.pid}\); try again when it "
            r"has finished",
            str(busy.value),
        )
        told = []
        workspace.warehouse.on_wait = told.append
        with workspace.warehouse.transaction(timeout=60) as con:
            con.raw_sql("CREATE TABLE mine AS SELECT 2 AS y")
        assert told and told[0].startswith("Waiting: another load is running since")
        assert holder.wait(10) == 0
        assert {"held", "mine"} <= set(workspace.warehouse.list_tables())  # neither destroyed the other's work
    finally:
        holder.kill()


#: The real CLI, imported ahead and started on a word from the test, so it reaches the lock while
#: another process's load still holds it whatever the machine's speed.
READY_CLI = textwrap.dedent("""
    import sys
    import bullseye.ingest.loader  # the CLI loads commands lazily: import what a load needs ahead
    from bullseye.cli import main
    from bullseye.cli.app import load_all_commands
    load_all_commands()
    print("ready", flush=True)
    sys.stdin.readline()
    sys.argv = ["bullseye", *sys.argv[1:]]
    main()
""")


def test_two_loads_at_once_in_separate_processes_both_land(tmp_path):
    ws = Workspace.init(tmp_path / "ws")
    big = accounts_csv(ws.data_dir / "accounts.csv", 200_000)
    deals = deals_csv(ws.data_dir / "deals.csv", 500)
    second = subprocess.Popen(
        [sys.executable, "-c", READY_CLI, "load", "--workspace", str(ws.root), str(deals)],
        env=ENV,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert second.stdout.readline().strip() == "ready"
    first = cli_load(ws.root, big)
    lock = ws.root / ".bullseye" / "warehouse.duckdb.lock"
    deadline = time.monotonic() + 120
    while not (lock.exists() and lock.read_text().strip()) and time.monotonic() < deadline:
        time.sleep(0.01)
    second.stdin.write("go\n")
    second.stdin.flush()
    out1, err1 = first.communicate(timeout=300)
    out2, err2 = second.communicate(timeout=300)
    assert first.returncode == 0, err1
    assert second.returncode == 0, err2
    assert "Traceback" not in err1 + err2
    assert "Waiting: another load is running since" in err2  # the second user was told
    assert count(ws.root, "accounts") == 200_000
    assert count(ws.root, "deals") == 500
    assert leftovers(ws.root) == []


READER = textwrap.dedent("""
    import sys
    from bullseye.workspace import Workspace
    ws = Workspace(sys.argv[1])
    for line in sys.stdin:
        print(ws.table("accounts").count().execute() if ws.has_table("accounts") else 0, flush=True)
""")


def test_a_long_lived_reader_in_another_process_sees_a_finished_load(workspace):
    reader = subprocess.Popen(
        [sys.executable, "-c", READER, str(workspace.root)],
        env=ENV,
        text=True,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    try:

        def ask() -> int:
            reader.stdin.write("?\n")
            reader.stdin.flush()
            return int(reader.stdout.readline())

        assert ask() == 0
        workspace.load([accounts_csv(workspace.data_dir / "accounts.csv", 11)])
        assert ask() == 11
        more = accounts_csv(workspace.data_dir / "more.csv", 4, prefix="B")
        workspace.load([workspace.data_dir / "accounts.csv", more])  # a load replaces the tables it loads
        assert ask() == 15
    finally:
        reader.kill()


SETTINGS = textwrap.dedent("""
    import sys
    from bullseye.workspace import Workspace
    ws = Workspace(sys.argv[1])
    setting = "SELECT current_setting('enable_progress_bar')"
    with ws.warehouse.transaction() as con:
        print(ws.warehouse.con.raw_sql(setting).fetchone()[0], con.raw_sql(setting).fetchone()[0])
""")


def test_no_connection_draws_a_progress_bar_on_stdout(workspace):
    # DuckDB draws its bar on stdout, a pipe too, once a query takes two seconds (a busy machine): it
    # landed in the reader above and would land in --json output. Pytest's capture hides the default.
    done = subprocess.run(
        [sys.executable, "-c", SETTINGS, str(workspace.root)], env=ENV, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["False", "False"]


@pytest.mark.slow
def test_twenty_kills_at_random_points_of_a_load_leave_a_complete_warehouse(tmp_path):
    ws = Workspace.init(tmp_path / "ws")
    big = accounts_csv(tmp_path / "big.csv", 30_000, prefix="B")
    started = time.monotonic()
    assert cli_load(ws.root, big).wait(300) == 0
    duration = time.monotonic() - started
    before = count(ws.root, "accounts")
    following = accounts_csv(tmp_path / "next.csv", 20_000, prefix="C")
    rng = random.Random(20261207)
    states = set()
    for _ in range(20):
        loading = cli_load(ws.root, following)
        time.sleep(rng.uniform(0, duration))
        loading.send_signal(signal.SIGKILL)
        loading.wait(30)
        states.add(count(ws.root, "accounts"))
    assert cli_load(ws.root, following).wait(300) == 0
    after = count(ws.root, "accounts")
    assert before == 30_000 and after != before
    assert states <= {before, after}  # before or after, never in between
    assert leftovers(ws.root) == []


@contextlib.contextmanager
def mounted_tmpfs(path: Path, size: str):
    path.mkdir(parents=True)
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)], capture_output=True)
    if done.returncode != 0:
        if os.environ.get("CI"):
            pytest.fail(f"cannot mount a tmpfs in CI: {done.stderr.decode()}")
        pytest.skip("mounting a tmpfs needs root (this test runs in CI)")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


def test_a_full_disk_is_one_line_and_the_previous_warehouse_stays(tmp_path):
    with mounted_tmpfs(tmp_path / "small", "4m") as disk:
        ws = Workspace.init(disk / "ws")
        ws.load([accounts_csv(ws.data_dir / "accounts.csv", 20)])
        big = accounts_csv(tmp_path / "big.csv", 200_000, prefix="B", random_names=True)
        with pytest.raises(StorageError, match="the disk is full"):
            ws.load([big])
        assert ws.table("accounts").count().execute() == 20
        assert leftovers(ws.root) == []
        ws.close()
        done = subprocess.run(
            [*CLI, "load", "--workspace", str(ws.root), str(big)], env=ENV, capture_output=True, text=True
        )
        assert done.returncode == 8 and "Traceback" not in done.stderr  # the storage code
        error_lines = [line for line in done.stderr.splitlines() if line.startswith("Error:")]
        assert len(error_lines) == 1 and "the disk is full" in error_lines[0]
        assert "previous warehouse is intact" in done.stderr
        assert count(ws.root, "accounts") == 20 and leftovers(ws.root) == []


def test_a_read_only_workspace_reads_and_refuses_writes_in_one_line(tmp_path):
    with mounted_tmpfs(tmp_path / "disk", "64m") as disk:
        ws = Workspace.init(disk / "ws")
        ws.load([accounts_csv(ws.data_dir / "accounts.csv", 20)])
        ws.close()
        subprocess.run(["mount", "-o", "remount,ro", str(disk)], check=True)
        try:
            tables = subprocess.run(
                [*CLI, "tables", "--workspace", str(ws.root), "--json"], env=ENV, capture_output=True, text=True
            )
            assert tables.returncode == 0, tables.stderr
            assert '"accounts": 20' in tables.stdout
            done = subprocess.run(
                [*CLI, "load", "--workspace", str(ws.root), str(ws.data_dir / "accounts.csv")],
                env=ENV,
                capture_output=True,
                text=True,
            )
            assert done.returncode == 8 and "Traceback" not in done.stderr, done.stderr  # the storage code
            assert "read-only" in done.stderr
        finally:
            subprocess.run(["mount", "-o", "remount,rw", str(disk)], check=False)


def test_the_table_list_follows_each_write_and_leaves_out_a_reader_s_temporary_views(tmp_path):
    ws = Workspace.init(tmp_path / "ws")
    assert ws.warehouse.list_tables() == []
    ws.load([accounts_csv(ws.data_dir / "accounts.csv", 5)])
    listed = ws.warehouse.list_tables()
    assert "accounts" in listed and "deals" not in listed
    ws.warehouse.con.raw_sql("CREATE TEMP VIEW scratch AS SELECT 1 AS one")  # a reader's own view
    assert "scratch" in ws.warehouse.con.list_tables() and ws.warehouse.list_tables() == listed
    ws.load([deals_csv(ws.data_dir / "deals.csv", 7)])
    assert ws.warehouse.list_tables() == sorted([*listed, "deals"])
    ws.close()
