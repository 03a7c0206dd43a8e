"""Tables of practitioner scoring (医保支付资格记分); institution grades are computed, not stored."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Date, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from yibao.cases.db import Base

__all__ = ["Disclosure", "PracScore"]


class PracScore(Base):
    """One scoring event (记分) of a practitioner, tied to the case decision that caused it."""

    __tablename__ = "credit_prac_scores"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    prac_code: Mapped[str] = mapped_column(String(32), index=True)
    prac_name: Mapped[str] = mapped_column(String(64))
    fixmedins_code: Mapped[str | None] = mapped_column(String(32), nullable=True)
    year: Mapped[int] = mapped_column(Integer, index=True)
    points: Mapped[int] = mapped_column(Integer)
    band: Mapped[str] = mapped_column(String(8))  # the conduct band, e.g. "10-12"
    responsibility: Mapped[str] = mapped_column(String(16))  # general / important / principal
    conduct: Mapped[str] = mapped_column(Text)
    case_no: Mapped[str | None] = mapped_column(String(32), nullable=True)
    event_on: Mapped[date] = mapped_column(Date)
    recorded_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(DateTime)


class Disclosure(Base):
    """A typical case published (曝光), as the public sees it: no personal data."""

    __tablename__ = "credit_disclosures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_no: Mapped[str] = mapped_column(String(32), unique=True)
    title: Mapped[str] = mapped_column(String(256))
    party: Mapped[str] = mapped_column(String(128))  # institution name, or a masked person
    region: Mapped[str] = mapped_column(String(6))
    violation: Mapped[str | None] = mapped_column(String(32), nullable=True)
    amount_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    facts: Mapped[str] = mapped_column(Text)
    decision: Mapped[str] = mapped_column(Text)
    published_on: Mapped[date] = mapped_column(Date)
    published_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
