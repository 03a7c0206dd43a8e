"""HTTP plumbing of the case API: the case database, the bearer token, and errors → 4xx.

The route class turns the service layer's bilingual errors into 4xx answers inside the
router itself, so the case API needs no handler registered on the shared app.
Each request is one unit of work (`open_session`): committed on success, rolled back on error.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Coroutine, Iterator
from contextlib import contextmanager
from decimal import InvalidOperation
from typing import Annotated, Any

from fastapi import Depends, Request, Response
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import Engine
from sqlalchemy.exc import DataError, StatementError
from sqlalchemy.orm import Session

from yibao.api.errors import ErrorBody
from yibao.auth.models import User
from yibao.auth.roles import BilingualError, PermissionDenied
from yibao.auth.sessions import AuthError, authenticate
from yibao.auth.users import UserError
from yibao.cases.db import case_db_url, make_engine, open_session, upgrade
from yibao.cases.errors import CaseError
from yibao.penalties.params import ParamError

__all__ = ["ERROR_RESPONSES", "CaseRoute", "Token", "acting", "case_engine", "unauthenticated"]

_bearer = HTTPBearer(auto_error=False, description="POST /api/v1/auth/login 返回的令牌 / session token")
_lock = threading.Lock()

ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorBody, "description": "未登录或会话过期 / not logged in"},
    403: {"model": ErrorBody, "description": "角色无此权限 / role lacks the permission"},
    404: {"model": ErrorBody, "description": "对象不存在 / not found"},
    409: {"model": ErrorBody, "description": "程序不允许此操作 / the procedure forbids this now"},
    422: {"model": ErrorBody, "description": "请求数据不合法 / invalid request"},
}


def _status(exc: BilingualError) -> tuple[int, str]:
    if isinstance(exc, AuthError):
        return 401, "unauthenticated"
    if isinstance(exc, PermissionDenied):
        return 403, "forbidden"
    if exc.en.startswith("no such") or exc.en.startswith("no finding"):
        return 404, "not_found"
    if exc.en.startswith("unknown"):
        return 422, "invalid_request"
    if isinstance(exc, CaseError):
        return 409, "conflict"
    if isinstance(exc, UserError | ParamError):
        return 422, "invalid_request"
    return 422, "invalid_request"


def error_response(exc: BilingualError) -> JSONResponse:
    code, kind = _status(exc)
    headers = {"WWW-Authenticate": "Bearer"} if code == 401 else None
    return JSONResponse(ErrorBody(error=kind, zh=exc.zh, en=exc.en).model_dump(), code, headers=headers)


def _invalid(exc: BaseException) -> JSONResponse:
    text = str(exc).splitlines()[0][:300] if str(exc) else type(exc).__name__
    body = ErrorBody(error="invalid_request", zh="请求数据不合法", en=f"invalid request: {text}")
    return JSONResponse(body.model_dump(), 422)


class CaseRoute(APIRoute):
    """Routes whose service errors answer 401/403/404/409/422 with Chinese and English text."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def handle(request: Request) -> Response:
            try:
                return await handler(request)
            except BilingualError as exc:
                return error_response(exc)
            except (ValueError, TypeError, InvalidOperation, OverflowError, DataError) as exc:
                # a payload value the service could not parse, or one the database cannot hold
                return _invalid(exc)
            except StatementError as exc:
                if isinstance(exc.orig, ValueError | OverflowError):
                    return _invalid(exc.orig)
                raise

        return handle


def case_engine(request: Request) -> Engine:
    """The app's case database: `app.state.case_engine` if set, else the URL `app.state.case_db`
    (as the web console), `YIBAO_CASE_DB` or `./yibao.cases.sqlite` (as the CLI), migrated on first use."""
    state = request.app.state
    engine: Engine | None = getattr(state, "case_engine", None)
    if engine is None:
        with _lock:
            engine = getattr(state, "case_engine", None)
            if engine is None:
                engine = make_engine(case_db_url(getattr(state, "case_db", None)))
                upgrade(engine)
                state.case_engine = engine
    return engine


def _token(creds: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]) -> str | None:
    return creds.credentials if creds else None


Token = Annotated[str | None, Depends(_token)]


@contextmanager
def unauthenticated(request: Request) -> Iterator[Session]:
    with open_session(case_engine(request)) as session:
        yield session


@contextmanager
def acting(request: Request, token: str | None) -> Iterator[tuple[Session, User]]:
    """One unit of work as the user behind the bearer token."""
    with unauthenticated(request) as session:
        yield session, authenticate(session, token)
