"""The pages of the web workspace; each module registers its views with :func:`bullseye.web.app.page`."""

from __future__ import annotations

from fastapi import FastAPI

__all__ = ["register_views"]


def register_views(app: FastAPI) -> None:
    from bullseye.web.views import (
        accounts,
        data,
        discovery,
        glossary,
        home,
        icp,
        icp_brief,
        icp_edit,
        market,
        outcomes,
        personas,
        session,
        signals,
        workshop,
    )

    for module in (
        session,
        home,
        data,
        outcomes,
        discovery,
        icp_edit,
        icp_brief,
        icp,
        accounts,
        personas,
        workshop,
        market,
        signals,
        glossary,
    ):
        module.register(app)
