"""The lazy render layer: a result's renderers come from the one area module that registers them
(:data:`bullseye.render.AREAS`, checked here against the registrations), and a `bullseye load`
process imports none of the statistics, learning or plotting libraries the other areas need."""

from __future__ import annotations

import json

from test_cli_lazy import run_fresh

from bullseye import render

# What a plain load, its listing and its quarantine have no use for.
NOT_FOR_LOADING = ("scipy.stats", "sklearn", "matplotlib", "statsmodels", "lifelines", "numba")


def _registered_areas() -> dict[str, set[str]]:
    """Every class with a registered renderer: the area modules that register one for it."""
    render._load_areas()
    found: dict[str, set[str]] = {}
    for table in (render._TERMINAL, render._HTML):
        for klass, function in table.items():
            module = function.__module__.removeprefix(f"{render.__name__}.")
            found.setdefault(f"{klass.__module__}.{klass.__qualname__}", set()).add(module)
    return found


def test_the_area_map_says_what_the_modules_register():
    registered = _registered_areas()
    split = {name: sorted(modules) for name, modules in registered.items() if len(modules) > 1}
    assert not split, f"a result's terminal and HTML renderers should live in one area module: {split}"
    expected = {name: modules.pop() for name, modules in registered.items()}
    wrong = {
        name: expected.get(name)
        for name in expected.keys() | render.AREAS.keys()
        if render.AREAS.get(name) != expected.get(name)
    }
    assert not wrong, (
        "AREAS in bullseye/render/__init__.py differs from the renderers the area modules register; "
        f"the entries should be (None: remove): {json.dumps(wrong, indent=1)}"
    )


# Runs in a fresh interpreter: each step through the real CLI, then which of the libraries are loaded.
_PROBE = """
import json, sys
from typer.testing import CliRunner
from bullseye.cli import app

unwanted, steps = json.loads(sys.argv[1]), json.loads(sys.argv[2])
report = []
for args in steps:
    result = CliRunner().invoke(app, args)
    areas = sorted(m for m in sys.modules if m.startswith("bullseye.render.") and m.count(".") == 2)
    report.append({"args": args, "exit": result.exit_code, "output": result.output,
                   "loaded": sorted(u for u in unwanted if u in sys.modules), "areas": areas})
print(json.dumps(report))
"""


def test_a_load_process_imports_no_statistics_learning_or_plotting(tmp_path):
    from bullseye.workspace import Workspace

    root = Workspace.init(tmp_path / "ws").root
    rows = [f"a{i},Company {i},software,{10 * i},US" for i in range(1, 41)]
    rows.append("a41,Company 41,software,many,US")  # quarantined: employees is not a number
    export = root / "data" / "accounts.csv"
    export.write_text("\n".join(["account_id,name,industry,employees,country", *rows]) + "\n")
    ws = ["--workspace", str(root)]
    steps = [["load", str(export), *ws], ["tables", *ws], ["quarantine", *ws], ["load", str(export), "--json", *ws]]

    report = run_fresh(_PROBE, NOT_FOR_LOADING, steps, cwd=tmp_path)
    for step in report:
        assert step["exit"] == 0, step
        assert not step["loaded"], f"`bullseye {' '.join(step['args'])}` imported {step['loaded']}"
        areas = [module.rpartition(".")[2] for module in step["areas"]]
        assert set(areas) & set(render.AREAS.values()) <= {"load", "quarantine"}, (
            f"`{step['args'][0]}` imported {areas}"
        )
    assert "Loaded" in report[0]["output"] and "accounts" in report[1]["output"]
    assert "many" in report[2]["output"]  # the quarantined value, shown by the load area's renderer
    assert json.loads(report[3]["output"])["files"], report[3]["output"]
