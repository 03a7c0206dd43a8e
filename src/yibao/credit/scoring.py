"""Practitioners' payment-qualification points (记分), tied to case decisions, counted per calendar year.

Points are given for a decided penalty case (the decision date fixes the year); the band follows
the article the case applied unless stated. In one calendar year 9 points suspend the payment
qualification (1–6 months) and 12 terminate it; the count starts again each January (医保发〔2024〕23号).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from yibao.audit.log import record
from yibao.auth.models import User
from yibao.auth.roles import Permission, require
from yibao.cases.errors import CaseError
from yibao.cases.models import Case, CaseEvent
from yibao.credit.models import PracScore
from yibao.credit.params import point_rules

__all__ = ["RESPONSIBILITY", "PracStatus", "practitioner_status", "score_practitioner"]

RESPONSIBILITY = {"general": "一般责任", "important": "重要责任", "principal": "主要责任"}
STATUS_LABELS = {"normal": "正常", "suspended": "暂停医保支付资格", "terminated": "终止医保支付资格"}


def _decided_on(session: Session, case: Case) -> date:
    ev = (
        session.execute(
            select(CaseEvent)
            .where(CaseEvent.case_id == case.id, CaseEvent.action == "decide")
            .order_by(CaseEvent.seq.desc())
        )
        .scalars()
        .first()
    )
    if ev is None or case.outcome != "penalty":
        raise CaseError(
            f"案件{case.case_no}尚未作出行政处罚决定", f"case {case.case_no} has no penalty decision"
        )
    return ev.created.date()


def score_practitioner(
    session: Session,
    actor: User,
    case_no: str,
    *,
    prac_code: str,
    prac_name: str,
    points: int,
    band: str | None = None,
    responsibility: str = "general",
    conduct: str = "",
    fixmedins_code: str | None = None,
) -> PracScore:
    """Record points against a practitioner responsible in a decided case."""
    require(actor, Permission.CASE_APPROVE)
    case = session.execute(select(Case).where(Case.case_no == case_no)).scalar_one_or_none()
    if case is None:
        raise CaseError(f"案件不存在：{case_no}", f"no such case: {case_no}")
    on = _decided_on(session, case)
    if responsibility not in RESPONSIBILITY:
        raise CaseError(
            f"责任须为 {'/'.join(RESPONSIBILITY)}", f"responsibility must be one of {list(RESPONSIBILITY)}"
        )
    rule = point_rules().at(case.region, on)
    article = str(json.loads(case.report or "{}").get("article", ""))
    band = band or rule.values.get("case_bands", {}).get(article)
    bands = rule.values["bands"]
    if band not in bands:
        raise CaseError(f"须指明记分档次：{'/'.join(bands)}", f"give the band: one of {list(bands)}")
    low, high = bands[band]
    if not low <= points <= high:
        raise CaseError(
            f"{band}档记分须在{low}–{high}分之间", f"points in band {band} must lie within {low}..{high}"
        )
    if session.execute(
        select(PracScore).where(PracScore.case_no == case_no, PracScore.prac_code == prac_code)
    ).scalar_one_or_none():
        raise CaseError("该人员已就本案记分", "this practitioner was already scored for this case")
    score = PracScore(
        prac_code=prac_code,
        prac_name=prac_name,
        fixmedins_code=fixmedins_code or (case.party_code if case.party_type == "institution" else None),
        year=on.year,
        points=points,
        band=band,
        responsibility=responsibility,
        conduct=conduct or case.title,
        case_no=case_no,
        event_on=on,
        recorded_by=actor.id,
        recorded_at=datetime.now(UTC).replace(tzinfo=None),
    )
    session.add(score)
    session.flush()
    record(
        session,
        actor.username,
        "credit.score",
        "practitioner",
        prac_code,
        {"case": case_no, "points": points, "band": band, "year": on.year, "reference": rule.reference},
    )
    return score


@dataclass(frozen=True, slots=True)
class PracStatus:
    prac_code: str
    year: int
    points: int
    status: str  # normal / suspended / terminated
    label: str
    suspend_months: tuple[int, int] | None
    events: list[tuple[date, int, str, str | None]]  # date, points, conduct, case
    reference: str


def practitioner_status(
    session: Session, actor: User, prac_code: str, *, year: int | None = None, admdvs: str = "000000"
) -> PracStatus:
    """The year's points and what they mean; earlier years do not count (年度清零)."""
    require(actor, Permission.FINDING_READ)
    year = year or datetime.now(UTC).year
    rows = (
        session.execute(
            select(PracScore)
            .where(PracScore.prac_code == prac_code, PracScore.year == year)
            .order_by(PracScore.event_on)
        )
        .scalars()
        .all()
    )
    total = sum(r.points for r in rows)
    rule = point_rules().at(admdvs, date(year, 12, 31))
    if total >= rule.number("terminate_at"):
        status, months = "terminated", None
    elif total >= rule.number("suspend_at"):
        lo, hi = rule.values["suspend_months"]
        status, months = "suspended", (int(lo), int(hi))
    else:
        status, months = "normal", None
    record(session, actor.username, "credit.read", "practitioner", prac_code, {"year": year})
    return PracStatus(
        prac_code,
        year,
        total,
        status,
        STATUS_LABELS[status],
        months,
        [(r.event_on, r.points, r.conduct, r.case_no) for r in rows],
        rule.reference,
    )
