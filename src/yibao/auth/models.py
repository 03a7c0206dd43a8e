"""Tables of users, login sessions and declared conflicts of interest."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from yibao.cases.db import Base

__all__ = ["User", "UserConflict", "UserSession"]


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(32))
    password_hash: Mapped[str] = mapped_column(String(256))
    # 执法证号: only certified officers count toward the two-officer rule (令第4号 Art. 16).
    cert_no: Mapped[str | None] = mapped_column(String(64), nullable=True)
    # Institution users see only their own institution's findings and appeals.
    fixmedins_code: Mapped[str | None] = mapped_column(String(32), nullable=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created: Mapped[datetime] = mapped_column(DateTime)


class UserSession(Base):
    """A login session; only the SHA-256 of the bearer token is stored."""

    __tablename__ = "user_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created: Mapped[datetime] = mapped_column(DateTime)
    expires: Mapped[datetime] = mapped_column(DateTime)
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)


class UserConflict(Base):
    """A declared interest (回避事由): the user may not handle cases against this party."""

    __tablename__ = "user_conflicts"
    __table_args__ = (UniqueConstraint("user_id", "party_code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    party_code: Mapped[str] = mapped_column(String(32))  # fixmedins_code or psn_no
    reason: Mapped[str] = mapped_column(String(256))
