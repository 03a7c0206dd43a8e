"""Who is asking: the case database's users and sessions, carried in an HttpOnly cookie.

The console uses the same accounts, Argon2 hashes, 12-hour sessions and audit log as the CLI
(`yibao.auth`); the cookie holds the session token, and only its SHA-256 is stored.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import quote

from fastapi import HTTPException, Request
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from yibao.auth.models import User
from yibao.auth.sessions import AuthError, authenticate
from yibao.cases.db import ENV_VAR, case_db_url, make_engine, open_session, upgrade

__all__ = ["COOKIE", "case_engine", "current_user", "dispose_engines", "safe_next", "unit_of_work"]

COOKIE = "yibao_console"
_ENGINES: dict[str, Engine] = {}
_LOCK = threading.Lock()


def case_engine(request: Request) -> Engine:
    """The case database of this server: `app.state.case_db`, else YIBAO_CASE_DB, else the CLI default."""
    url = case_db_url(getattr(request.app.state, "case_db", None) or os.environ.get(ENV_VAR))
    with _LOCK:
        if url not in _ENGINES:
            engine = make_engine(url)
            upgrade(engine)
            _ENGINES[url] = engine
        return _ENGINES[url]


@contextmanager
def unit_of_work(request: Request) -> Iterator[Session]:
    with open_session(case_engine(request)) as session:
        yield session


def safe_next(target: str | None) -> str:
    """Only local console paths: a login link must not send the user elsewhere."""
    if target and target.startswith("/console/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/console/"


def current_user(request: Request, session: Session) -> User:
    """The logged-in user, or a 303 to the login page (answered by the app's HTTP error handler)."""
    try:
        return authenticate(session, request.cookies.get(COOKIE))
    except AuthError as exc:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise HTTPException(
            status_code=303,
            detail="login required",
            headers={"Location": f"/console/login?next={quote(target)}"},
        ) from exc


def dispose_engines() -> None:
    """Close pooled connections (tests, or a server switching case databases)."""
    with _LOCK:
        while _ENGINES:
            _ENGINES.popitem()[1].dispose()
