"""Definition files are read safely: hostile YAML is refused with one line naming the file, fast."""

from __future__ import annotations

import threading
import time
import tracemalloc

import psutil
import pytest
from typer.testing import CliRunner

from bullseye.cli import app
from bullseye.config import Settings
from bullseye.errors import BullseyeError, ConfigError
from bullseye.strategy.icp import ICP_FILE
from bullseye.workspace import Workspace
from bullseye.yamlio import (
    MAX_YAML_BYTES,
    MAX_YAML_DEPTH,
    load_model,
    parse_yaml,
    read_yaml,
)

runner = CliRunner()


def billion_laughs(levels: int = 9, width: int = 9, key: str = "name") -> str:
    """The classic alias bomb: ``width ** levels`` strings from a few hundred bytes."""
    lines = ['l0: &l0 ["lol"' + ', "lol"' * (width - 1) + "]"]
    for level in range(1, levels + 1):
        lines.append(f"l{level}: &l{level} [" + ", ".join([f"*l{level - 1}"] * width) + "]")
    lines.append(f"{key}: *l{levels}")
    return "\n".join(lines) + "\n"


def _one_line(message: str) -> None:
    assert "\n" not in message and "Traceback" not in message


def _refuse(path, model=Settings) -> str:
    with pytest.raises(ConfigError) as caught:
        load_model(model, path)
    message = str(caught.value)
    _one_line(message)
    assert str(path) in message
    return message


class _PeakRss:
    """The process's peak resident memory while a block runs, sampled every millisecond."""

    def __enter__(self):
        self.process = psutil.Process()
        self.start = self.peak = self.process.memory_info().rss
        self.running = True
        self.thread = threading.Thread(target=self._sample, daemon=True)
        self.thread.start()
        return self

    def _sample(self):
        while self.running:
            self.peak = max(self.peak, self.process.memory_info().rss)
            time.sleep(0.001)

    def __exit__(self, *exc):
        self.running = False
        self.thread.join()
        self.growth = self.peak - self.start


@pytest.mark.parametrize("levels", [9, 12])
def test_a_billion_laughs_is_refused_within_a_second_and_a_few_megabytes(tmp_path, levels):
    path = tmp_path / "bullseye.yaml"
    path.write_text(billion_laughs(levels))
    tracemalloc.start()
    started = time.perf_counter()
    with _PeakRss() as rss:
        message = _refuse(path)
    elapsed = time.perf_counter() - started
    _, python_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert "aliases" in message
    assert elapsed < 1.0, elapsed
    assert python_peak < 5e6, python_peak
    assert rss.growth < 50e6, rss.growth


def test_the_icp_refuses_an_alias_bomb_through_the_cli(tmp_path):
    ws = Workspace.init(tmp_path / "ws")
    ws.close()
    (ws.root / ICP_FILE).write_text(billion_laughs(key="id"))
    started = time.perf_counter()
    result = runner.invoke(app, ["score", "--workspace", str(ws.root)])
    assert time.perf_counter() - started < 5
    assert result.exit_code == 4, result.output
    assert "Traceback" not in result.output and "icp.yaml" in result.output and "aliases" in result.output


def test_audience_and_persona_files_refuse_an_alias_bomb(tmp_path):
    from bullseye.strategy.audience import load_audience
    from bullseye.strategy.persona import load_personas

    (tmp_path / "strategy" / "personas").mkdir(parents=True)
    (tmp_path / "strategy" / "audience.yaml").write_text(billion_laughs(key="id"))
    with pytest.raises(ConfigError, match="audience.yaml: .*aliases"):
        load_audience(tmp_path)
    (tmp_path / "strategy" / "personas" / "champion.yaml").write_text(billion_laughs(key="icp"))
    with pytest.raises(ConfigError, match="champion.yaml: .*aliases"):
        load_personas(tmp_path)


def test_modest_aliases_are_still_allowed(tmp_path):
    path = tmp_path / "bullseye.yaml"
    path.write_text("name: &n Acme\ncurrency: USD\nload:\n  files: &f [data/*.csv]\n  mapping: *n\n")
    settings = load_model(Settings, path)
    assert settings.load.files == ["data/*.csv"] and settings.load.mapping == "Acme"
    assert parse_yaml("a: &x [1, 2]\nb: *x\n") == {"a": [1, 2], "b": [1, 2]}


@pytest.mark.parametrize("flow", [True, False])
def test_deep_nesting_is_refused_with_one_line(tmp_path, flow):
    path = tmp_path / "bullseye.yaml"
    depth = 20_000 if flow else 2_000
    if flow:
        path.write_text("name: " + "[" * depth + "]" * depth + "\n")
    else:
        path.write_text("".join("  " * level + f"k{level}:\n" for level in range(depth)))
    started = time.perf_counter()
    message = _refuse(path)
    assert time.perf_counter() - started < 1.0
    assert "nested deeper" in message


def test_nesting_within_the_limit_reads(tmp_path):
    depth = MAX_YAML_DEPTH - 2
    data = parse_yaml("a: " + "[" * depth + "1" + "]" * depth)
    for _ in range(depth + 1):
        data = data["a"] if isinstance(data, dict) else data[0]
    assert data == 1


def test_recursive_aliases_are_refused(tmp_path):
    path = tmp_path / "bullseye.yaml"
    path.write_text("name: &a [1, *a]\n")
    assert "recursive" in _refuse(path)


def test_a_large_file_is_refused_by_size_before_parsing(tmp_path):
    path = tmp_path / "bullseye.yaml"
    with path.open("w") as handle:
        handle.write("name: x\nload:\n  files:\n")
        line = "    - " + "a" * 90 + "\n"
        handle.write(line * (50_000_000 // len(line)))
    tracemalloc.start()
    started = time.perf_counter()
    message = _refuse(path)
    elapsed = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert "too large" in message and f"{MAX_YAML_BYTES / 1e6:.0f} MB" in message
    assert elapsed < 0.5 and peak < 1e6


def test_non_utf8_is_one_line_with_line_and_column(tmp_path):
    path = tmp_path / "bullseye.yaml"
    path.write_bytes("name: Acme\ncurrency: \u20ac\nmemory_limit: caf\xe9\n".encode("cp1252"))
    message = _refuse(path)
    assert f"{path}:2:11" in message and "UTF-8" in message


def test_a_bom_is_accepted(tmp_path):
    path = tmp_path / "bullseye.yaml"
    path.write_bytes("\ufeffname: Acme\n".encode("utf-8"))
    assert load_model(Settings, path).name == "Acme"


def test_a_directory_is_one_line(tmp_path):
    ws = Workspace.init(tmp_path / "ws")
    ws.close()
    (ws.root / ICP_FILE).mkdir(parents=True)
    result = runner.invoke(app, ["score", "--workspace", str(ws.root)])
    assert result.exit_code == 4
    assert "is a directory" in result.output and "Traceback" not in result.output
    with pytest.raises(ConfigError, match="is a directory"):
        read_yaml(ws.root / ICP_FILE)


def test_bad_values_name_file_line_and_key(tmp_path):
    path = tmp_path / "bullseye.yaml"
    path.write_text("name: x\nas_of: 2024-13-45\n")
    assert "a value cannot be read" in _refuse(path)
    path.write_text("name: x\nload:\n  files: 3\n")
    assert f"{path}:3: key 'load.files'" in _refuse(path)


ICP_WITH_LOTS = """\
id: icp
name: Logistics
criteria:
  - name: big
    conditions:
      - attribute: employees
        op: ">="
        value: lots
"""


def test_a_comparison_with_a_word_is_refused_at_load_naming_the_line(tmp_path):
    ws = Workspace.init(tmp_path / "ws")
    ws.close()
    (ws.root / ICP_FILE).write_text(ICP_WITH_LOTS)
    result = runner.invoke(app, ["score", "--workspace", str(ws.root)])
    assert result.exit_code == 4, result.output
    output = " ".join(result.output.split())
    assert "Traceback" not in output
    assert "icp.yaml:6: key 'criteria.0.conditions.0'" in output and "'lots' is not a number" in output


def test_numbers_in_text_and_infinite_bounds_still_compare(tmp_path):
    from bullseye.strategy.icp import Condition

    assert Condition(attribute="employees", op=">=", value="200").value == "200"
    assert Condition(attribute="employees", op="between", value=[10, float("inf")]).op == "between"
    for bad in ("lots", True, float("nan")):
        with pytest.raises(ValueError):
            Condition(attribute="employees", op="<", value=bad)
    with pytest.raises(ValueError):
        Condition(attribute="employees", op="between", value=[1, "many"])


def test_hand_edited_definitions_are_merged_through_the_safe_loader(tmp_path):
    from bullseye.strategy.definitions import write_definition

    write_definition(tmp_path, "strategy/x.yaml", "a: 1\n")
    (tmp_path / "strategy" / "x.yaml").write_text(billion_laughs(key="a"))
    with pytest.raises(BullseyeError, match="aliases"):
        write_definition(tmp_path, "strategy/x.yaml", "a: 2\n")


def test_without_libyaml_the_same_limits_hold(tmp_path, monkeypatch):
    import bullseye.yamlio as yamlio

    monkeypatch.setattr(yamlio, "_FAST_LOADER", None)
    path = tmp_path / "bullseye.yaml"
    path.write_text(billion_laughs())
    assert "aliases" in _refuse(path)
    path.write_text("name: " + "[" * 2_000 + "]" * 2_000 + "\n")
    assert "nested deeper" in _refuse(path)
    path.write_text("name: &n Acme\nload:\n  mapping: *n\n")
    assert load_model(Settings, path).load.mapping == "Acme"


def test_a_persona_file_that_is_not_a_mapping_is_one_line(tmp_path):
    from bullseye.strategy.persona import load_personas

    (tmp_path / "strategy" / "personas").mkdir(parents=True)
    (tmp_path / "strategy" / "personas" / "champion.yaml").write_text("- just\n- a list\n")
    with pytest.raises(ConfigError, match="champion.yaml: expected a mapping"):
        load_personas(tmp_path)
    (tmp_path / "strategy" / "personas" / "champion.yaml").unlink()
    (tmp_path / "strategy" / "personas" / "champion.yaml").mkdir()
    with pytest.raises(ConfigError, match="champion.yaml: is a directory"):
        load_personas(tmp_path)
