"""User accounts: creation (with a one-time bootstrap of the first director), passwords, conflicts."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from yibao.audit.log import record
from yibao.auth.models import User, UserConflict
from yibao.auth.passwords import MIN_LENGTH, hash_password
from yibao.auth.roles import BilingualError, Permission, Role, require

__all__ = [
    "UserError",
    "create_user",
    "declare_conflict",
    "get_user",
    "has_conflict",
    "list_users",
    "set_active",
    "set_password",
]


class UserError(BilingualError):
    pass


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _check_password(password: str) -> None:
    if len(password) < MIN_LENGTH:
        raise UserError(f"密码至少{MIN_LENGTH}位", f"password must have at least {MIN_LENGTH} characters")


def get_user(session: Session, username: str) -> User:
    user = session.execute(select(User).where(User.username == username)).scalar_one_or_none()
    if user is None:
        raise UserError(f"用户不存在：{username}", f"no such user: {username}")
    return user


def create_user(
    session: Session,
    actor: User | None,
    username: str,
    password: str,
    role: Role | str,
    *,
    display_name: str | None = None,
    cert_no: str | None = None,
    fixmedins_code: str | None = None,
) -> User:
    """Create an account. With no actor, only the very first user, a director, can be created."""
    role = Role(role)
    if actor is None:
        if session.execute(select(func.count()).select_from(User)).scalar_one():
            raise UserError("已有用户，请以负责人身份登录后创建", "users exist: log in as a director first")
        if role is not Role.DIRECTOR:
            raise UserError("第一个用户必须是负责人（director）", "the first user must be a director")
    else:
        require(actor, Permission.USER_MANAGE)
    if role is Role.INSTITUTION and not fixmedins_code:
        raise UserError("机构用户须指定机构编码", "institution users need --fixmedins-code")
    if session.execute(select(User).where(User.username == username)).scalar_one_or_none():
        raise UserError(f"用户名已存在：{username}", f"username taken: {username}")
    _check_password(password)
    user = User(
        username=username,
        display_name=display_name or username,
        role=str(role),
        password_hash=hash_password(password),
        cert_no=cert_no,
        fixmedins_code=fixmedins_code,
        active=True,
        created=_now(),
    )
    session.add(user)
    session.flush()
    record(
        session,
        actor.username if actor else username,
        "user.create",
        "user",
        user.id,
        {
            "username": username,
            "role": str(role),
            "cert_no": cert_no,
            "fixmedins_code": fixmedins_code,
            "bootstrap": actor is None,
        },
    )
    return user


def set_password(session: Session, actor: User, username: str, password: str) -> None:
    """Users change their own password; directors reset anyone's."""
    user = get_user(session, username)
    if actor.id != user.id:
        require(actor, Permission.USER_MANAGE)
    _check_password(password)
    user.password_hash = hash_password(password)
    record(session, actor.username, "user.password", "user", user.id, {"username": username})


def set_active(session: Session, actor: User, username: str, active: bool) -> None:
    require(actor, Permission.USER_MANAGE)
    user = get_user(session, username)
    user.active = active
    record(session, actor.username, "user.activate" if active else "user.deactivate", "user", user.id, {})


def list_users(session: Session, actor: User) -> list[User]:
    require(actor, Permission.USER_MANAGE)
    return list(session.execute(select(User).order_by(User.id)).scalars())


def declare_conflict(session: Session, actor: User, username: str, party_code: str, reason: str) -> None:
    """Record an interest (回避事由) of a user in a party; the user declares it, or a director does."""
    user = get_user(session, username)
    if actor.id != user.id:
        require(actor, Permission.USER_MANAGE)
    session.add(UserConflict(user_id=user.id, party_code=party_code, reason=reason))
    record(
        session,
        actor.username,
        "user.conflict",
        "user",
        user.id,
        {"party_code": party_code, "reason": reason},
    )


def has_conflict(session: Session, user_id: int, party_code: str) -> str | None:
    """The declared reason, if the user has an interest in this party."""
    return session.execute(
        select(UserConflict.reason).where(
            UserConflict.user_id == user_id, UserConflict.party_code == party_code
        )
    ).scalar_one_or_none()
