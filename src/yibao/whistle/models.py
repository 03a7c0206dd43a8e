"""Tables of whistleblower reports and reward decisions.

The reporter's identity and contact are one Fernet token (`identity_token`) whose key lives
outside the database; the query code is stored only as its SHA-256. Money in integer fen.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Boolean, Date, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from yibao.cases.db import Base

__all__ = ["RewardDecision", "WhistleReport"]


class WhistleReport(Base):
    """One report (举报) as received, its clue, the filing decision and the duty to inform."""

    __tablename__ = "whistle_reports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    report_no: Mapped[str] = mapped_column(String(32), unique=True)
    query_hash: Mapped[str] = mapped_column(String(64), unique=True)
    channel: Mapped[str] = mapped_column(String(16))  # web / phone / mail / fax / visit
    admdvs: Mapped[str] = mapped_column(String(6), index=True)
    fixmedins_code: Mapped[str | None] = mapped_column(String(32), nullable=True, index=True)
    psn_no: Mapped[str | None] = mapped_column(String(32), nullable=True)
    target_name: Mapped[str] = mapped_column(String(128))
    content: Mapped[str] = mapped_column(Text)
    violation: Mapped[str | None] = mapped_column(String(32), nullable=True)
    claimed_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    anonymous: Mapped[bool] = mapped_column(Boolean, default=True)
    wants_reward: Mapped[bool] = mapped_column(Boolean, default=False)
    insider: Mapped[bool] = mapped_column(Boolean, default=False)
    identity_token: Mapped[str | None] = mapped_column(Text, nullable=True)
    received_at: Mapped[datetime] = mapped_column(DateTime)
    received_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    status: Mapped[str] = mapped_column(String(16), default="received")
    clue_id: Mapped[int | None] = mapped_column(ForeignKey("clues.id"), nullable=True)
    duplicate_of: Mapped[int | None] = mapped_column(ForeignKey("whistle_reports.id"), nullable=True)
    filing_decision: Mapped[str | None] = mapped_column(String(16), nullable=True)  # filed / not_filed
    filing_decided_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    inform_due: Mapped[date | None] = mapped_column(Date, nullable=True)
    informed_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    public_note: Mapped[str] = mapped_column(Text, default="")


class RewardDecision(Base):
    """A reward decided for a report, and its payment; the rule used is kept as JSON."""

    __tablename__ = "whistle_rewards"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("whistle_reports.id"), unique=True)
    case_no: Mapped[str | None] = mapped_column(String(32), nullable=True)
    verified_fen: Mapped[int] = mapped_column(BigInteger)
    reward_fen: Mapped[int] = mapped_column(BigInteger)
    rule: Mapped[str] = mapped_column(Text)
    decided_at: Mapped[datetime] = mapped_column(DateTime)
    decided_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    paid_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    paid_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    paid_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    payment_ref: Mapped[str | None] = mapped_column(String(64), nullable=True)
