"""The HTTP edge of yibao-guard: `create_app` builds the FastAPI app, routers plug in beside each other."""

from __future__ import annotations

from yibao.api.app import create_app, create_app_from_env

__all__ = ["create_app", "create_app_from_env"]
