"""The main job in the terminal: each step under its own rule, in the order it ran."""

from __future__ import annotations

from typing import Any

from rich.console import Group
from rich.rule import Rule
from rich.text import Text

from bullseye.pipeline import STEPS, MainJob
from bullseye.render import terminal_renderer, to_terminal
from bullseye.render.inert import visible_controls

__all__ = ["render_main_job", "render_step"]

_TITLES = dict(STEPS)


def render_step(name: str, result: Any, details: bool = False) -> Any:
    """One step's result: its registered renderer; paths listed; an ICP as its criteria."""
    if name == "personas":
        return Group(*(Text(f"  {visible_controls(str(path))}") for path in result))
    if name == "icp":
        lines = [
            f"Draft ICP '{result.name}': {len(result.criteria)} criteria, "
            f"{len(result.disqualifiers)} disqualifiers, {len(result.signals)} signals"
        ]
        lines += [f"  + {rule.name}" for rule in result.criteria]
        lines += [f"  - {rule.name}" for rule in result.disqualifiers]
        return Text(visible_controls("\n".join(lines)))
    return to_terminal(result, details)


@terminal_renderer(MainJob)
def render_main_job(job: MainJob, details: bool = False) -> Group:
    parts: list[Any] = []
    for name, title, result in job.steps():
        parts += [Rule(title), render_step(name, result, details)]
    parts += [Text(visible_controls(note)) for note in job.notes]
    return Group(*parts)
