"""What every feature of the Workspace returns: a result that holds numbers, not display strings.

A result knows how to become plain data (``to_dict``: numbers, ISO dates, lists of records) and
leaves how it looks to :mod:`bullseye.render`, which turns it into Rich for the terminal, HTML
(the same Jinja templates the web workspace uses) and JSON through the one encoder. ``__repr__``
and ``_repr_html_`` make a result readable in a Python session and a notebook.

Example:
    >>> from bullseye.results import Result
    >>> class Count(Result):
    ...     def __init__(self, n): self.n = n
    ...     def to_dict(self): return {"n": self.n}
    >>> Count(3).to_dict()
    {'n': 3}
"""

from __future__ import annotations

from typing import Any

__all__ = ["Result"]


class Result:
    """Base of every result object. Subclasses implement ``to_dict``; rendering is registered in
    :mod:`bullseye.render` (a result without a renderer is shown as its ``to_dict``)."""

    def to_dict(self) -> dict[str, Any]:
        raise NotImplementedError(f"{type(self).__name__}.to_dict")

    def to_json(self) -> str:
        from bullseye.render import as_json

        return as_json(self)

    def __repr__(self) -> str:
        from bullseye.render import as_text

        return as_text(self)

    def _repr_html_(self) -> str:
        from bullseye.render import as_html

        return as_html(self)
