"""Tables of the random-inspection duty (双随机一公开): directories, draws, results, self-inspection."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from yibao.cases.db import Base

__all__ = [
    "InspAssignment",
    "InspPlan",
    "InspRelation",
    "InspResult",
    "InspTarget",
    "Inspector",
    "SelfReport",
]


class InspTarget(Base):
    """A designated institution in the directory of inspection targets (检查对象名录库)."""

    __tablename__ = "insp_targets"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    fixmedins_code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(128))
    kind: Mapped[str] = mapped_column(String(16))  # hospital / clinic / pharmacy
    admdvs: Mapped[str] = mapped_column(String(6), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Inspector(Base):
    """An inspector or expert (检查人员名录库 / 专家库); `org_code` is their own institution, if any."""

    __tablename__ = "insp_inspectors"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(64))
    category: Mapped[str] = mapped_column(String(16))  # officer / clinician / pharmacist / ...
    cert_no: Mapped[str | None] = mapped_column(String(64), nullable=True)
    org_code: Mapped[str | None] = mapped_column(String(32), nullable=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class InspRelation(Base):
    """A declared relation between an inspector and an institution: a conflict of interest."""

    __tablename__ = "insp_relations"
    __table_args__ = (UniqueConstraint("inspector_code", "fixmedins_code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    inspector_code: Mapped[str] = mapped_column(String(32), index=True)
    fixmedins_code: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(String(256))


class InspPlan(Base):
    """A published draw: its seed and the hash of the directories it drew from."""

    __tablename__ = "insp_plans"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    plan_no: Mapped[str] = mapped_column(String(32), unique=True)
    month: Mapped[str] = mapped_column(String(7), index=True)  # YYYY-MM
    purpose: Mapped[str] = mapped_column(String(16))  # routine / supervisory
    seed: Mapped[str] = mapped_column(String(64))
    spec: Mapped[str] = mapped_column(Text)  # the draw's parameters, JSON
    inputs_sha256: Mapped[str] = mapped_column(String(64))
    created: Mapped[datetime] = mapped_column(DateTime)
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"))


class InspAssignment(Base):
    __tablename__ = "insp_assignments"
    __table_args__ = (UniqueConstraint("plan_id", "fixmedins_code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("insp_plans.id"), index=True)
    rank: Mapped[int] = mapped_column(Integer)
    fixmedins_code: Mapped[str] = mapped_column(String(32))
    inspectors: Mapped[str] = mapped_column(Text)  # comma-separated inspector codes


class InspResult(Base):
    """An on-site inspection done: checklist answers, problems found, published or not."""

    __tablename__ = "insp_results"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    plan_id: Mapped[int | None] = mapped_column(ForeignKey("insp_plans.id"), nullable=True)
    fixmedins_code: Mapped[str] = mapped_column(String(32), index=True)
    inspected_on: Mapped[date] = mapped_column(Date, index=True)
    kind: Mapped[str] = mapped_column(String(16))  # routine / supervisory / special
    checklist: Mapped[str] = mapped_column(String(32))
    answers: Mapped[str] = mapped_column(Text)  # {item_code: pass/fail/na}, JSON
    problems: Mapped[int] = mapped_column(Integer, default=0)
    amount_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    summary: Mapped[str] = mapped_column(Text, default="")
    published: Mapped[bool] = mapped_column(Boolean, default=False)
    recorded_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(DateTime)


class SelfReport(Base):
    """A problem an institution found and reported itself (自查自纠), with the amount refunded."""

    __tablename__ = "self_reports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    fixmedins_code: Mapped[str] = mapped_column(String(32), index=True)
    year: Mapped[int] = mapped_column(Integer)
    violation: Mapped[str] = mapped_column(String(32))
    item: Mapped[str] = mapped_column(String(256))
    amount_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    refunded_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    submitted_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    submitted_at: Mapped[datetime] = mapped_column(DateTime)
