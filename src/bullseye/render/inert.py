"""Values from user data made inert for each place they are shown.

Company names, industries, job titles and segment labels come from CRM exports that many people
type into. Shown raw they become instructions: ``[/b]`` is Rich markup (and crashes the render),
``[link=...]`` a hidden hyperlink, an escape byte a terminal control sequence, ``$...$`` matplotlib
mathtext (which crashes on bad TeX), ``<script>`` HTML in a Markdown card. Each function here turns
one value into text that is shown exactly as it was typed.
"""

from __future__ import annotations

import html
import re
from typing import Any

from rich.markup import escape as _rich_escape

__all__ = ["for_terminal", "for_mathtext", "for_markdown", "visible_controls"]

# C0/C1 controls (except tab and newline) and the bidi overrides that reorder text on screen
# ("Trojan Source"); right-to-left letters themselves are shown as they are.
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def visible_controls(text: str) -> str:
    """``text`` with control characters shown as ``\\xNN``/``\\uNNNN`` instead of acting on the terminal."""
    return _CONTROLS.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)


def for_terminal(value: Any) -> str:
    """``value`` as text Rich prints literally: markup escaped, control characters made visible."""
    return _rich_escape(visible_controls(str(value)))


def for_mathtext(value: Any) -> str:
    """``value`` as a matplotlib label printed literally: ``$`` escaped so mathtext never starts."""
    return visible_controls(str(value)).replace("$", r"\$")


# Characters that start Markdown emphasis, code, links or table cells anywhere in a line.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]|~])")


def for_markdown(value: Any) -> str:
    """``value`` as Markdown text: HTML escaped, Markdown punctuation backslashed, on one line."""
    text = html.escape(visible_controls(str(value)).replace("\r", " ").replace("\n", " "), quote=False)
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)
