"""Login sessions: opaque bearer tokens (only their SHA-256 is stored), expiry, logout.

The CLI keeps the token in a session file; an HTTP API sends it as a bearer token;
both resolve it to the acting `User` with `authenticate`.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from yibao.audit.log import record
from yibao.auth.models import User, UserSession
from yibao.auth.passwords import hash_password, needs_rehash, verify_password
from yibao.auth.roles import BilingualError

__all__ = ["SESSION_TTL", "AuthError", "authenticate", "login", "logout"]

SESSION_TTL = timedelta(hours=12)


class AuthError(BilingualError):
    pass


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _utc(now: datetime | None) -> datetime:
    return (now or datetime.now(UTC)).astimezone(UTC).replace(tzinfo=None)


def login(session: Session, username: str, password: str, *, now: datetime | None = None) -> str:
    """Check the password and open a session; returns the token (shown once, never stored).

    A failed attempt is committed to the audit log before the error is raised, so that
    the caller's rollback cannot erase it.
    """
    user = session.execute(select(User).where(User.username == username)).scalar_one_or_none()
    if user is None or not user.active or not verify_password(user.password_hash, password):
        record(session, username, "login.failed", "user", user.id if user else "-", {})
        session.commit()
        raise AuthError("用户名或密码错误，或账号已停用", "wrong username or password, or account disabled")
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    token = secrets.token_urlsafe(32)
    created = _utc(now)
    session.add(
        UserSession(
            token_hash=_digest(token),
            user_id=user.id,
            created=created,
            expires=created + SESSION_TTL,
            revoked=False,
        )
    )
    record(session, username, "login", "user", user.id, {}, now=now)
    return token


def authenticate(session: Session, token: str | None, *, now: datetime | None = None) -> User:
    """The user behind a live session token."""
    if not token:
        raise AuthError("请先登录：yibao user login", "not logged in: run yibao user login")
    row = session.get(UserSession, _digest(token))
    if row is None or row.revoked or row.expires <= _utc(now):
        raise AuthError("会话无效或已过期，请重新登录", "session invalid or expired: log in again")
    user = session.get(User, row.user_id)
    if user is None or not user.active:
        raise AuthError("账号已停用", "account disabled")
    return user


def logout(session: Session, token: str) -> None:
    row = session.get(UserSession, _digest(token))
    if row is not None and not row.revoked:
        row.revoked = True
        user = session.get(User, row.user_id)
        record(session, user.username if user else "-", "logout", "user", row.user_id, {})
