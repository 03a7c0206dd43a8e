"""What the administration pages need beyond `yibao.auth.users`: changing a user's role, and reading
the audit log a page at a time.

`auth.users` has create, password, activate/deactivate and list, and the console calls those; it has
no role change, so `change_role` lives here, written the same way (permission check, then the change
and its audit entry in the caller's transaction). It belongs beside `set_active` in `auth.users`.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from yibao.audit.log import record
from yibao.audit.models import AuditEntry
from yibao.auth.models import User
from yibao.auth.roles import Permission, Role, require
from yibao.auth.users import UserError, get_user

__all__ = ["AUDIT_PAGE", "AuditPage", "change_role", "read_audit"]

AUDIT_PAGE = 50


def change_role(
    session: Session,
    actor: User,
    username: str,
    role: Role | str,
    *,
    fixmedins_code: str | None = None,
    cert_no: str | None = None,
) -> User:
    """Give a user another role (and the certificate / institution that role needs); audited as `user.role`.

    A director may not change their own role: the last director would lock everyone out.
    """
    require(actor, Permission.USER_MANAGE)
    try:
        new = Role(role)
    except ValueError as exc:
        raise UserError(f"没有该角色：{role}", f"no such role: {role}") from exc
    user = get_user(session, username)
    if user.id == actor.id:
        raise UserError("不能修改自己的角色", "you cannot change your own role")
    if new is Role.INSTITUTION and not fixmedins_code:
        raise UserError("机构用户须指定机构编码", "institution users need an institution code")
    before = {"role": user.role, "cert_no": user.cert_no, "fixmedins_code": user.fixmedins_code}
    user.role = str(new)
    user.cert_no = cert_no or None
    user.fixmedins_code = fixmedins_code if new is Role.INSTITUTION else None
    record(
        session,
        actor.username,
        "user.role",
        "user",
        user.id,
        {
            "username": username,
            "from": before,
            "to": {"role": user.role, "cert_no": user.cert_no, "fixmedins_code": user.fixmedins_code},
        },
    )
    return user


@dataclass(frozen=True)
class AuditPage:
    entries: list[AuditEntry]
    total: int
    page: int
    pages: int
    actions: list[str]  # every action in the log, for the filter


def read_audit(
    session: Session,
    user: User,
    *,
    action: str | None = None,
    actor: str | None = None,
    page: int = 1,
    page_size: int = AUDIT_PAGE,
) -> AuditPage:
    """Newest first, as `yibao audit log` shows it; the read itself is audited as `audit.read`."""
    require(user, Permission.AUDIT_READ)
    conds = []
    if action:
        conds.append(AuditEntry.action == action)
    if actor:
        conds.append(AuditEntry.actor == actor)
    total = session.execute(select(func.count()).select_from(AuditEntry).where(*conds)).scalar_one()
    pages = max(1, -(-int(total) // page_size))
    page = min(max(1, page), pages)
    entries = list(
        session.execute(
            select(AuditEntry)
            .where(*conds)
            .order_by(AuditEntry.seq.desc())
            .limit(page_size)
            .offset((page - 1) * page_size)
        ).scalars()
    )
    actions = list(
        session.execute(select(AuditEntry.action).distinct().order_by(AuditEntry.action)).scalars()
    )
    record(
        session,
        user.username,
        "audit.read",
        "audit_log",
        "*",
        {"via": "console", "action": action, "actor": actor, "page": page, "count": len(entries)},
    )
    return AuditPage(entries, int(total), page, pages, actions)
