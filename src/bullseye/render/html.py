"""HTML through Jinja: the templates in ``render/templates`` are shared by the web workspace,
the reports and the cards. Autoescaping is on for every template, so a value from the user's data
can never become markup."""

from __future__ import annotations

from functools import cache
from typing import Any

__all__ = ["environment", "render_template"]


@cache
def environment():
    from jinja2 import Environment, PackageLoader, select_autoescape

    return Environment(
        loader=PackageLoader("bullseye.render", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
    )


def render_template(name: str, **context: Any) -> str:
    return environment().get_template(name).render(**context)
