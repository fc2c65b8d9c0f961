"""Docs can't drift: every command, setting and canonical column is documented."""

from __future__ import annotations

from pathlib import Path

from bullseye.cli import COMMANDS
from bullseye.config import Settings
from bullseye.core.schema import to_markdown

ROOT = Path(__file__).resolve().parents[1]


def _docs_text() -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))])


def test_every_command_is_documented():
    text = _docs_text()
    missing = [name for name in COMMANDS if f"bullseye {name}" not in text]
    assert not missing, f"commands missing from README.md/docs: {missing}"


def test_every_setting_is_documented():
    text = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    keys = []
    for name, field in Settings.model_fields.items():
        annotation = field.annotation
        if hasattr(annotation, "model_fields"):
            keys += [f"{name}.{sub}" for sub in annotation.model_fields]
        else:
            keys.append(name)
    missing = [k for k in keys if f"`{k}`" not in text]
    assert not missing, f"settings missing from docs/configuration.md: {missing}"


def test_tables_reference_is_current():
    assert (ROOT / "docs" / "tables.md").read_text(encoding="utf-8") == to_markdown(), (
        "docs/tables.md is out of date: run `python -m bullseye.core.schema > docs/tables.md`"
    )


def test_readme_starts_with_the_two_commands():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    before, first_block = readme.split("```")[:2]
    lines = [line.strip() for line in first_block.splitlines() if line.strip()]
    if lines and lines[0] in ("sh", "bash", "console", "shell"):
        lines = lines[1:]
    assert lines == ["make demo", "make test"]
    assert before.count("\n") <= 3, "the two commands come first"
