"""The investigator web console (监管工作台), served by `yibao serve` beside the API.

`routers()` is what the app factory mounts; the pages live in `routes.py`, the store reads in
`data.py`, the login cookie in `session.py`.
"""

from __future__ import annotations

from fastapi import APIRouter

__all__ = ["routers"]


def routers() -> list[tuple[str, APIRouter]]:
    """(prefix, router) pairs for `yibao.api.app.create_app(routers=...)`."""
    from yibao.web.admin import router as admin_router
    from yibao.web.caseforms import router as caseforms_router
    from yibao.web.inspect_pages import router as inspect_router
    from yibao.web.public import router as public_router
    from yibao.web.routes import router
    from yibao.web.rule_pages import router as rule_pages_router

    return [
        ("", router),
        ("", public_router),
        ("", caseforms_router),
        ("", rule_pages_router),
        ("", admin_router),
        ("", inspect_router),
    ]
