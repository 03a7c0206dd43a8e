"""Tables of clues, cases, case events and officers, and appeals.

Money is stored in integer fen (分) so SQLite and PostgreSQL add it up exactly alike.
`Case.state` and the other case projections are written only by `statemachine.transition`,
together with the `CaseEvent` that explains them; events are never updated.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from yibao.cases.db import Base

__all__ = [
    "Appeal",
    "AppealAttachment",
    "Case",
    "CaseEvent",
    "CaseOfficer",
    "Clue",
    "ClueFinding",
    "ClueReporter",
]


class Clue(Base):
    """A lead (线索): grouped findings, or a report, inspection or referral."""

    __tablename__ = "clues"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    clue_no: Mapped[str] = mapped_column(String(32), unique=True)
    source: Mapped[str] = mapped_column(String(16))  # finding / report / inspection / referral
    grouping: Mapped[str] = mapped_column(String(16))  # institution / person / pattern / none
    group_key: Mapped[str] = mapped_column(String(128), index=True)
    title: Mapped[str] = mapped_column(String(256))
    description: Mapped[str] = mapped_column(Text, default="")
    party_name: Mapped[str | None] = mapped_column(String(128), nullable=True)
    fixmedins_code: Mapped[str | None] = mapped_column(String(32), nullable=True, index=True)
    psn_no: Mapped[str | None] = mapped_column(String(32), nullable=True)
    violation: Mapped[str | None] = mapped_column(String(32), nullable=True)
    amount_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    score: Mapped[float] = mapped_column(Float, default=0.0)
    priority: Mapped[float] = mapped_column(Float, default=0.0, index=True)  # Σ amount × score, 元
    status: Mapped[str] = mapped_column(String(16), default="new")  # new/assigned/opened/dismissed
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    created: Mapped[datetime] = mapped_column(DateTime)
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"))


class ClueFinding(Base):
    """A finding copied from the DuckDB store into the clue that took it up (once per finding)."""

    __tablename__ = "clue_findings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    clue_id: Mapped[int] = mapped_column(ForeignKey("clues.id"), index=True)
    finding_id: Mapped[str] = mapped_column(String(32), unique=True)
    violation: Mapped[str] = mapped_column(String(32))
    detector: Mapped[str] = mapped_column(String(96), index=True)
    level: Mapped[str] = mapped_column(String(16))
    feedetl_sn: Mapped[str | None] = mapped_column(String(64), nullable=True)
    mdtrt_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    psn_no: Mapped[str | None] = mapped_column(String(32), nullable=True)
    prac_code: Mapped[str | None] = mapped_column(String(32), nullable=True)
    fixmedins_code: Mapped[str | None] = mapped_column(String(32), nullable=True, index=True)
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    score: Mapped[float] = mapped_column(Float)
    grade: Mapped[str] = mapped_column(String(16))
    evidence: Mapped[str] = mapped_column(Text)


class ClueReporter(Base):
    """A whistleblower's identity, kept apart from the clue and shown only to permitted roles."""

    __tablename__ = "clue_reporters"

    clue_id: Mapped[int] = mapped_column(ForeignKey("clues.id"), primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    contact: Mapped[str] = mapped_column(String(128))
    insider: Mapped[bool] = mapped_column(Boolean, default=False)


class Case(Base):
    """A case (案件) and the projections of its events that lists and the ledger need."""

    __tablename__ = "cases"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_no: Mapped[str] = mapped_column(String(32), unique=True)
    clue_id: Mapped[int | None] = mapped_column(ForeignKey("clues.id"), nullable=True)
    title: Mapped[str] = mapped_column(String(256))
    party_type: Mapped[str] = mapped_column(String(16))  # institution / individual
    party_code: Mapped[str] = mapped_column(String(32), index=True)  # fixmedins_code or psn_no
    party_name: Mapped[str] = mapped_column(String(128))
    party_certno: Mapped[str | None] = mapped_column(String(32), nullable=True)
    violation: Mapped[str | None] = mapped_column(String(32), nullable=True)
    region: Mapped[str] = mapped_column(String(6))  # 医保区划, selects the discretion benchmark
    amount_fen: Mapped[int] = mapped_column(BigInteger, default=0)  # 涉案金额
    state: Mapped[str] = mapped_column(String(32), index=True)
    outcome: Mapped[str | None] = mapped_column(String(32), nullable=True)
    filed_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    extended_days: Mapped[int] = mapped_column(Integer, default=0)
    report: Mapped[str | None] = mapped_column(Text, nullable=True)  # 调查终结 facts, JSON
    notice: Mapped[str | None] = mapped_column(Text, nullable=True)  # intended penalty, JSON
    decision: Mapped[str | None] = mapped_column(Text, nullable=True)  # decided penalty, JSON
    defended: Mapped[bool] = mapped_column(Boolean, default=False)  # 陈述申辩 or 听证 happened
    refunded_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    fine_paid_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    created: Mapped[datetime] = mapped_column(DateTime)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)


class CaseOfficer(Base):
    """An officer on a case; withdrawal (回避) ends the assignment but keeps the record."""

    __tablename__ = "case_officers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    assigned_at: Mapped[datetime] = mapped_column(DateTime)
    withdrawn_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    withdraw_reason: Mapped[str | None] = mapped_column(String(256), nullable=True)


class CaseEvent(Base):
    """One step of the procedure (全过程记录); written once, never updated."""

    __tablename__ = "case_events"
    __table_args__ = (UniqueConstraint("case_id", "seq"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(32))
    from_state: Mapped[str | None] = mapped_column(String(32), nullable=True)
    to_state: Mapped[str] = mapped_column(String(32))
    actor_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created: Mapped[datetime] = mapped_column(DateTime)
    reason: Mapped[str] = mapped_column(Text, default="")
    payload: Mapped[str] = mapped_column(Text, default="{}")


class Appeal(Base):
    """An institution's answer (申诉) to one finding, and the reviewer's outcome."""

    __tablename__ = "appeals"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    finding_id: Mapped[str] = mapped_column(ForeignKey("clue_findings.finding_id"), unique=True)
    fixmedins_code: Mapped[str] = mapped_column(String(32), index=True)
    detector: Mapped[str] = mapped_column(String(96), index=True)
    explanation: Mapped[str] = mapped_column(Text)
    submitted_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    submitted_at: Mapped[datetime] = mapped_column(DateTime)
    status: Mapped[str] = mapped_column(String(16), default="submitted")  # submitted/confirmed/overturned
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    reviewed_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    review_note: Mapped[str | None] = mapped_column(Text, nullable=True)


class AppealAttachment(Base):
    __tablename__ = "appeal_attachments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    appeal_id: Mapped[int] = mapped_column(ForeignKey("appeals.id"), index=True)
    filename: Mapped[str] = mapped_column(String(256))
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary)
