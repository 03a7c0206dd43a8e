"""Whistleblowing, rewards, inspections, credit and disclosure under `yibao serve` (/api/v1).

The routers of `yibao.whistle`, `yibao.inspections` and `yibao.credit` are built on one engine
over the case database (`YIBAO_CASE_DB`, else `./yibao.cases.sqlite`, as for the CLI). The engine
connects on first use; the migrations run once, before the first request that reaches them, so a
review service that never sees such a request never touches the case database.
"""

from __future__ import annotations

import threading

from fastapi import APIRouter, Depends
from sqlalchemy import Engine

from yibao.cases.db import case_db_url, make_engine, upgrade

__all__ = ["supervision_routers"]


class _Migrated:
    """A dependency that brings the case database to the newest schema, once per process."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.done = False
        self.lock = threading.Lock()

    def __call__(self) -> None:
        if not self.done:
            with self.lock:
                if not self.done:
                    upgrade(self.engine)
                    self.done = True


def supervision_routers(url: str | None = None) -> list[tuple[str, APIRouter]]:
    """(prefix, router) pairs for `create_app(routers=...)`."""
    from yibao.credit.api import router as credit_router
    from yibao.inspections.api import router as inspections_router
    from yibao.whistle.api import router as whistle_router

    engine = make_engine(case_db_url(url))
    migrated = Depends(_Migrated(engine))
    out = []
    for build in (whistle_router, inspections_router, credit_router):
        wrapper = APIRouter(dependencies=[migrated])
        wrapper.include_router(build(engine))
        out.append(("/api/v1", wrapper))
    return out
