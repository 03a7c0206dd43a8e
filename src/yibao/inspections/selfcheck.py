"""Self-inspection (自查自纠): institutions report their own problems and refunds against the problem
list (the violation taxonomy); later findings of a kind they did not report are marked for heavier
handling (从重处理), those of a reported kind are not.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from yibao.audit.log import record
from yibao.auth.models import User
from yibao.auth.roles import Permission, PermissionDenied, can, require
from yibao.cases.errors import CaseError
from yibao.cases.models import Appeal, Clue, ClueFinding
from yibao.cases.record import fen, yuan
from yibao.findings import VIOLATION_LABELS, Violation
from yibao.inspections.models import SelfReport

__all__ = ["Unreported", "self_reports", "submit_self_report", "unreported_findings"]


def submit_self_report(
    session: Session,
    actor: User,
    *,
    year: int,
    violation: str,
    item: str,
    amount: Decimal | float | str,
    refunded: Decimal | float | str = 0,
    fixmedins_code: str | None = None,
) -> SelfReport:
    """An institution user reports a self-found problem of its own institution (staff may record one for it)."""
    if can(actor, Permission.APPEAL_SUBMIT):
        code = actor.fixmedins_code
        if fixmedins_code and fixmedins_code != code:
            raise PermissionDenied("只能报告本机构的自查问题", "institutions report only their own problems")
    else:
        require(actor, Permission.CLUE_CREATE)
        code = fixmedins_code
    if not code:
        raise CaseError("须指明机构编码", "give the institution code")
    if violation not in Violation.__members__:
        raise CaseError(f"问题类型须为违规类型代码：{violation}", f"unknown violation code: {violation}")
    if fen(refunded) > fen(amount) or fen(amount) < 0:
        raise CaseError("退回金额不得超过涉及金额", "refund may not exceed the amount")
    r = SelfReport(
        fixmedins_code=code,
        year=year,
        violation=violation,
        item=item,
        amount_fen=fen(amount),
        refunded_fen=fen(refunded),
        submitted_by=actor.id,
        submitted_at=datetime.now(UTC).replace(tzinfo=None),
    )
    session.add(r)
    session.flush()
    record(
        session,
        actor.username,
        "selfcheck.submit",
        "institution",
        code,
        {
            "year": year,
            "violation": violation,
            "amount": str(yuan(r.amount_fen)),
            "refunded": str(yuan(r.refunded_fen)),
        },
    )
    return r


def self_reports(session: Session, actor: User, fixmedins_code: str, year: int) -> list[SelfReport]:
    own = can(actor, Permission.APPEAL_SUBMIT) and actor.fixmedins_code == fixmedins_code
    if not own:
        require(actor, Permission.CLUE_READ)
    return list(
        session.execute(
            select(SelfReport)
            .where(SelfReport.fixmedins_code == fixmedins_code, SelfReport.year == year)
            .order_by(SelfReport.id)
        ).scalars()
    )


@dataclass(frozen=True, slots=True)
class Unreported:
    finding_id: str
    violation: str
    label: str
    amount: Decimal
    clue_no: str
    heavier: bool  # not reported in self-inspection: 从重处理


def unreported_findings(session: Session, actor: User, fixmedins_code: str, year: int) -> list[Unreported]:
    """The institution's standing findings taken up in `year`, each marked heavier unless its kind was self-reported."""
    require(actor, Permission.CLUE_READ)
    reported = {r.violation for r in self_reports(session, actor, fixmedins_code, year)}
    rows = session.execute(
        select(ClueFinding, Clue.clue_no, Clue.created, Appeal.status)
        .join(Clue, Clue.id == ClueFinding.clue_id)
        .outerjoin(Appeal, Appeal.finding_id == ClueFinding.finding_id)
        .where(ClueFinding.fixmedins_code == fixmedins_code)
        .order_by(ClueFinding.finding_id)
    ).all()
    out = [
        Unreported(
            f.finding_id,
            f.violation,
            VIOLATION_LABELS.get(Violation(f.violation), f.violation)
            if f.violation in Violation.__members__
            else f.violation,
            yuan(f.amount_fen),
            clue_no,
            f.violation not in reported,
        )
        for f, clue_no, created, status in rows
        if created.year == year and status != "overturned"
    ]
    record(
        session,
        actor.username,
        "selfcheck.compare",
        "institution",
        fixmedins_code,
        {"year": year, "heavier": sum(u.heavier for u in out)},
    )
    return out
