"""Tables of the append-only audit log: the entries and the chain head."""

from __future__ import annotations

from sqlalchemy import BigInteger, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from yibao.cases.db import Base

__all__ = ["AuditEntry", "AuditHead"]


class AuditEntry(Base):
    """One event; `hash` covers every field and the previous entry's hash (a hash chain)."""

    __tablename__ = "audit_log"

    seq: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=False
    )
    created: Mapped[str] = mapped_column(String(32))  # ISO-8601 UTC, hashed exactly as stored
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64), index=True)
    object_type: Mapped[str] = mapped_column(String(32))
    object_id: Mapped[str] = mapped_column(String(64))
    payload: Mapped[str] = mapped_column(Text)  # canonical JSON
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditHead(Base):
    """The single row holding the last sequence number and hash.

    Appenders lock it (SELECT ... FOR UPDATE) so that concurrent writers extend the chain
    one at a time; verify compares it with the last entry, so a truncated tail is caught.
    """

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger)
    hash: Mapped[str] = mapped_column(String(64))
