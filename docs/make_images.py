"""Render the README's pictures from real command output: python docs/make_images.py WORKSPACE.

The workspace is the demo one (`bullseye demo WORKSPACE`); the pictures are what the commands
print there, drawn as SVG by Rich.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from rich.console import Console
from rich.text import Text

HERE = Path(__file__).resolve().parent


def render(command: list[str], cwd: Path, out: Path, title: str) -> None:
    env = {**os.environ, "COLUMNS": "104", "FORCE_COLOR": "1", "TERM": "xterm-256color"}
    printed = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, check=True).stdout
    console = Console(record=True, width=104, file=open(os.devnull, "w"))
    console.print(Text("$ " + " ".join(command[0:1] and ["bullseye", *command[1:]]), style="bold"))
    console.print(Text.from_ansi(printed))
    console.save_svg(str(out), title=title)


def main() -> None:
    workspace = Path(sys.argv[1]).resolve()
    bullseye = str(Path(sys.executable).with_name("bullseye"))
    render([bullseye, "outcomes", "--by", "industry"], workspace, HERE / "images" / "outcomes-by-industry.svg",
           "bullseye outcomes --by industry")


if __name__ == "__main__":
    main()
