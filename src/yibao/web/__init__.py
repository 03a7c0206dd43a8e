"""The investigator web console (监管工作台), served by `yibao serve` beside the API.

`routers()` is what the app factory mounts; the pages live in `routes.py`, the store reads in
`data.py`, the login cookie in `session.py`.
"""

from __future__ import annotations

from fastapi import APIRouter

__all__ = ["routers"]


def routers() -> list[tuple[str, APIRouter]]:
    """(prefix, router) pairs for `yibao.api.app.create_app(routers=...)`."""
    from yibao.web.public import router as public_router
    from yibao.web.routes import router

    return [("", router), ("", public_router)]
