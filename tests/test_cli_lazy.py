"""The lazy command line: `bullseye --help`, a command's help and an early error import no heavy library,
and the registry the top-level help is printed from says what the commands' docstrings say."""

from __future__ import annotations

import inspect
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

import bullseye
from bullseye.cli import COMMANDS, app, load_all_commands

HEAVY = ("pandas", "numpy", "ibis", "duckdb", "scipy", "numba", "pyarrow", "matplotlib", "sklearn")


def _summary(text: str | None) -> str:
    """The first paragraph of a help text on one line, as `bullseye --help` shows it."""
    return " ".join(inspect.cleandoc(text or "").split("\n\n")[0].split())


def _defined_commands() -> dict[str, tuple[str, str]]:
    """Every top-level command and group the command modules define: its module and its help summary."""
    load_all_commands()
    found = {}
    for info in app.registered_commands:
        name = info.name or info.callback.__name__.lower().replace("_", "-")
        found[name] = (info.callback.__module__, _summary(info.help or inspect.getdoc(info.callback)))
    for group in app.registered_groups:
        sub = group.typer_instance
        module = sub.registered_commands[0].callback.__module__
        found[group.name] = (module, _summary(sub.info.help))
    return found


def test_the_registry_says_what_the_commands_say():
    defined = _defined_commands()
    wrong = {
        name: defined.get(name) for name in COMMANDS.keys() | defined.keys() if COMMANDS.get(name) != defined.get(name)
    }
    assert not wrong, (
        "COMMANDS in bullseye/cli/app.py differs from the commands' modules and docstrings; "
        f"the entries should be: {json.dumps(wrong, indent=1)}"
    )


def test_a_misspelt_command_suggests_the_registered_one():
    result = CliRunner().invoke(app, ["scor"])
    assert result.exit_code == 2
    assert "No such command 'scor'" in result.output and "Did you mean 'score'" in result.output


# Runs in a fresh interpreter: each step through the real CLI, then the heavy modules loaded so far.
_PROBE = """
import json, sys
from typer.testing import CliRunner
from bullseye.cli import app

heavy, steps = {heavy!r}, json.loads(sys.argv[1])
runner, report = CliRunner(), []
for args, code in steps:
    result = runner.invoke(app, args)
    loaded = sorted(h for h in heavy if h in sys.modules)
    commands = sorted(m for m in sys.modules if m.startswith("bullseye.cli.") and m != "bullseye.cli.app")
    report.append({{"args": args, "exit": result.exit_code, "expected": code, "loaded": loaded,
                    "commands": commands, "output": result.output[-300:]}})
print(json.dumps(report))
"""


def run_fresh(script: str, *args: object, cwd: Path) -> Any:
    """Run ``script`` in a fresh interpreter with this checkout's bullseye first on the path, each of
    ``args`` passed as JSON; what it printed, parsed as JSON."""
    src = str(Path(bullseye.__file__).resolve().parents[1])
    env = os.environ | {"PYTHONPATH": os.pathsep.join(filter(None, [src, os.environ.get("PYTHONPATH")]))}
    done = subprocess.run(
        [sys.executable, "-c", script, *map(json.dumps, args)],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def _probe(steps: list[tuple[list[str], int]], cwd: Path) -> list[dict]:
    return run_fresh(_PROBE.format(heavy=HEAVY), steps, cwd=cwd)


def test_help_and_early_errors_import_no_heavy_library(tmp_path):
    from bullseye.workspace import Workspace

    workspace = Workspace.init(tmp_path / "ws").root
    outside = tmp_path / "not-a-workspace"
    outside.mkdir()
    load_all_commands()
    groups = {group.name: group.typer_instance for group in app.registered_groups}
    steps: list[tuple[list[str], int]] = [(["--help"], 0)]
    for name in COMMANDS:
        steps.append(([name, "--help"], 0))
        for info in groups[name].registered_commands if name in groups else []:
            steps.append(([name, info.name or info.callback.__name__.replace("_", "-"), "--help"], 0))
    steps += [
        (["load"], 3),
        (["load", "--preset", "hubspt", "--workspace", str(workspace)], 4),
    ]  # not found, invalid input

    report = _probe(steps, cwd=outside)
    for step in report:
        assert step["exit"] == step["expected"], step
        assert not step["loaded"], f"`bullseye {' '.join(step['args'])}` imported {step['loaded']}"
    top = report[0]
    assert top["commands"] == [], f"`bullseye --help` imported command modules: {top['commands']}"
    assert "no bullseye.yaml" in report[-2]["output"]
    assert "unknown preset 'hubspt'" in report[-1]["output"]


def test_a_command_runs_after_its_module_is_loaded_lazily(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["init", "acme"])
    assert result.exit_code == 0, result.output
    result = CliRunner().invoke(app, ["tables", "--json", "--workspace", str(tmp_path / "acme")])
    assert result.exit_code == 0 and json.loads(result.output) == {}
