"""What the supervision routers need from a request: a unit of work, the acting user, errors as JSON.

The routers take the case database engine when built (`router(engine)`), so the web console can
mount them beside its own. Staff send `Authorization: Bearer <token>` (a token from
`yibao.auth.sessions.login`); public endpoints take no token and are audited as `public`.
Refusals answer 403 (permission) or 401 (login), refused input or steps 400, both with `zh` and `en`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from fastapi import HTTPException, Request
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from yibao.auth.models import User
from yibao.auth.roles import BilingualError, PermissionDenied
from yibao.auth.sessions import AuthError, authenticate
from yibao.cases.db import open_session

__all__ = ["bearer", "public_unit", "staff_unit"]


def bearer(request: Request) -> str | None:
    head = request.headers.get("authorization", "")
    return head[7:].strip() if head.lower().startswith("bearer ") else None


def _http(exc: BilingualError) -> HTTPException:
    status = 401 if isinstance(exc, AuthError) else 403 if isinstance(exc, PermissionDenied) else 400
    return HTTPException(status, detail={"error": type(exc).__name__, "zh": exc.zh, "en": exc.en})


@contextmanager
def public_unit(engine: Engine) -> Iterator[Session]:
    try:
        with open_session(engine) as s:
            yield s
    except BilingualError as exc:
        raise _http(exc) from exc


@contextmanager
def staff_unit(engine: Engine, request: Request) -> Iterator[tuple[Session, User]]:
    try:
        with open_session(engine) as s:
            yield s, authenticate(s, bearer(request))
    except BilingualError as exc:
        raise _http(exc) from exc
