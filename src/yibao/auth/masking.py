"""Masking of ID numbers and names (脱敏) for roles that may not see them.

A role with `pii.view` sees the full value, and each such read is written to the
audit log by the service that showed it (see `reveal`).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from yibao.audit.log import record
from yibao.auth.models import User
from yibao.auth.roles import Permission, can

__all__ = ["mask_certno", "mask_name", "reveal"]


def mask_certno(certno: str | None) -> str | None:
    """Keep the 6-digit division and the last 4 characters: 430102********0012."""
    if not certno:
        return certno
    if len(certno) <= 10:
        return certno[:2] + "*" * (len(certno) - 2)
    return certno[:6] + "*" * (len(certno) - 10) + certno[-4:]


def mask_name(name: str | None) -> str | None:
    """Keep the first character: 张三 → 张*, 欧阳娜娜 → 欧***."""
    if not name:
        return name
    return name[0] + "*" * (len(name) - 1)


def reveal(
    session: Session,
    user: User,
    object_type: str,
    object_id: str | int,
    *,
    name: str | None = None,
    certno: str | None = None,
    permission: Permission = Permission.PII_VIEW,
    purpose: str = "",
) -> tuple[str | None, str | None]:
    """Name and ID number as this user may see them; unmasked reads are audited."""
    if not can(user, permission):
        return mask_name(name), mask_certno(certno)
    if name or certno:
        fields = [k for k, v in (("name", name), ("certno", certno)) if v]
        record(
            session,
            user.username,
            "pii.read",
            object_type,
            object_id,
            {"fields": fields, "purpose": purpose, "permission": str(permission)},
        )
    return name, certno
