"""The app factory: one FastAPI app, routers mounted side by side (the web console joins later).

`create_app(settings)` is what tests and `yibao serve` use; with several workers uvicorn imports
`create_app_from_env` and each worker reads the same settings from the environment.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import AsyncIterator, Callable
from typing import Any

from fastapi import APIRouter, FastAPI

from yibao.api.cases import router as cases_router
from yibao.api.errors import install_error_handlers
from yibao.api.realtime import router as realtime_router
from yibao.realtime.service import ReviewService, ServeSettings

__all__ = ["SETTINGS_ENV", "create_app", "create_app_from_env"]

SETTINGS_ENV = "YIBAO_SERVE_SETTINGS"
log = logging.getLogger("yibao.api")


async def _every(seconds: float, work: Callable[[], Any]) -> None:
    while True:
        await asyncio.sleep(seconds)
        try:
            await asyncio.to_thread(work)
        except Exception:  # a failed tick must not stop the service; it is tried again
            log.exception("后台任务失败 / background task failed")


def create_app(
    settings: ServeSettings | None = None,
    *,
    service: ReviewService | None = None,
    routers: list[tuple[str, APIRouter]] | None = None,
) -> FastAPI:
    """Build the app; `routers` adds more (prefix, router) pairs beside the review service."""

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        svc = service
        if svc is None:
            if settings is None:
                raise RuntimeError("create_app needs settings or a service")
            svc = await asyncio.to_thread(ReviewService, settings)
        app.state.service = svc
        cfg = svc.settings
        tasks = [
            asyncio.create_task(_every(cfg.reload_interval_s, svc.maybe_reload)),
            asyncio.create_task(_every(cfg.flush_interval_s, svc.flush)),
        ]
        try:
            yield
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.to_thread(svc.close)

    app = FastAPI(
        title="yibao-guard 医保基金智能监管平台",
        version="1",
        description="事中审核与事前提醒：与批量筛查同一规则库 / in-settlement review and prescribing reminders.",
        lifespan=lifespan,
    )
    install_error_handlers(app)
    app.include_router(realtime_router, prefix="/api/v1")
    app.include_router(cases_router, prefix="/api/v1")
    from yibao.api.supervision import supervision_routers

    for prefix, router in [*supervision_routers(), *(routers or [])]:
        app.include_router(router, prefix=prefix)
    return app


def create_app_from_env() -> FastAPI:
    """For `uvicorn --factory` with several workers: settings come from YIBAO_SERVE_SETTINGS (JSON)."""
    from yibao.web import routers as web_routers

    return create_app(ServeSettings.from_json(os.environ[SETTINGS_ENV]), routers=web_routers())
