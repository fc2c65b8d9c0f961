"""The suite's own schedule (tests/README.md): a name in RUN_FIRST that matches no file orders nothing."""

from __future__ import annotations

from pathlib import Path

from conftest import RUN_FIRST


def test_every_file_run_first_names_exists_once():
    here = Path(__file__).parent
    assert [name for name in RUN_FIRST if not (here / name).is_file()] == []
    assert len(set(RUN_FIRST)) == len(RUN_FIRST)
