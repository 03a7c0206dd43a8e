"""Reward decisions (举报奖励决定) and payments: one reward per case, the first report wins.

A reward needs a real-name report whose reporter asked for one, accepted as a clue. Reports
that repeat an earlier one share its clue; among them only the earliest received may be
rewarded, and only once. The computation (rule, ratio, floor, cap) is stored with the decision.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from yibao.audit.log import record
from yibao.auth.models import User
from yibao.auth.roles import Permission, require
from yibao.cases.errors import CaseError
from yibao.cases.models import Case
from yibao.cases.record import fen, yuan
from yibao.whistle.models import RewardDecision, WhistleReport
from yibao.whistle.rewards import RegionalTables, RewardResult, compute_reward

__all__ = ["RewardRow", "decide_reward", "first_report", "list_rewards", "record_payment"]


def _report(session: Session, report_no: str) -> WhistleReport:
    r = session.execute(
        select(WhistleReport).where(WhistleReport.report_no == report_no)
    ).scalar_one_or_none()
    if r is None:
        raise CaseError(f"举报不存在：{report_no}", f"no such report: {report_no}")
    return r


def first_report(session: Session, report: WhistleReport) -> WhistleReport:
    """The earliest received report on the same clue (ties: the lower report number)."""
    if report.clue_id is None:
        return report
    same = session.execute(
        select(WhistleReport)
        .where(WhistleReport.clue_id == report.clue_id)
        .order_by(WhistleReport.received_at, WhistleReport.report_no)
    ).scalars()
    return next(iter(same))


def decide_reward(
    session: Session,
    actor: User,
    report_no: str,
    verified_amount: Decimal | float | str,
    *,
    case_no: str | None = None,
    rules: RegionalTables | None = None,
) -> RewardResult:
    """Decide the reward of a report under the rules of its region on the day it was received."""
    require(actor, Permission.CASE_APPROVE)
    r = _report(session, report_no)
    if r.anonymous or not r.wants_reward:
        raise CaseError("匿名举报或未申请奖励的举报不予奖励", "anonymous reports, or no reward asked for")
    if r.clue_id is None or r.status in ("received", "rejected"):
        raise CaseError("举报须经受理并核查", "the report must be accepted and verified")
    first = first_report(session, r)
    if first.id != r.id:
        raise CaseError(
            f"重复举报，奖励首位举报人（{first.report_no}）",
            f"duplicate: the first report ({first.report_no}) wins",
        )
    if session.execute(select(RewardDecision).where(RewardDecision.report_id == r.id)).scalar_one_or_none():
        raise CaseError("该举报已作出奖励决定", "a reward was already decided for this report")
    if case_no is not None:
        case = session.execute(select(Case).where(Case.case_no == case_no)).scalar_one_or_none()
        if case is None or case.clue_id != r.clue_id:
            raise CaseError(
                f"案件{case_no}不是由该举报线索立案", f"case {case_no} did not come from this report"
            )
    result = compute_reward(
        r.admdvs, verified_amount, insider=r.insider, on=r.received_at.date(), rules=rules
    )
    if result.reward <= 0:
        raise CaseError(
            "查实金额为零（基金未受损失），不予奖励", "nothing verified (no loss to the fund): no reward"
        )
    session.add(
        RewardDecision(
            report_id=r.id,
            case_no=case_no,
            verified_fen=fen(result.verified_amount),
            reward_fen=fen(result.reward),
            rule=json.dumps(result.as_dict(), ensure_ascii=False),
            decided_at=datetime.now(UTC).replace(tzinfo=None),
            decided_by=actor.id,
            paid_fen=0,
        )
    )
    record(session, actor.username, "reward.decide", "report", report_no, result.as_dict())
    return result


def record_payment(
    session: Session, actor: User, report_no: str, amount: Decimal | float | str, *, on: date, ref: str = ""
) -> None:
    """A payment of a decided reward; the total paid never exceeds the decision."""
    require(actor, Permission.CASE_APPROVE)
    r = _report(session, report_no)
    d = session.execute(select(RewardDecision).where(RewardDecision.report_id == r.id)).scalar_one_or_none()
    if d is None:
        raise CaseError("尚无奖励决定", "no reward decided yet")
    paid = fen(amount)
    if paid <= 0 or d.paid_fen + paid > d.reward_fen:
        raise CaseError(
            "支付金额须为正且累计不超过奖励金额", "payment must be positive and within the reward"
        )
    d.paid_fen += paid
    d.paid_on, d.paid_by, d.payment_ref = on, actor.id, ref or None
    record(session, actor.username, "reward.pay", "report", report_no, {"amount": str(yuan(paid)), "on": on})


@dataclass(frozen=True, slots=True)
class RewardRow:
    report_no: str
    case_no: str | None
    verified: Decimal
    reward: Decimal
    paid: Decimal
    paid_on: date | None
    reference: str


def list_rewards(session: Session, actor: User) -> list[RewardRow]:
    require(actor, Permission.CLUE_READ)
    rows = session.execute(
        select(RewardDecision, WhistleReport.report_no)
        .join(WhistleReport, WhistleReport.id == RewardDecision.report_id)
        .order_by(RewardDecision.decided_at)
    ).all()
    record(session, actor.username, "reward.list", "report", "-", {})
    return [
        RewardRow(
            no,
            d.case_no,
            yuan(d.verified_fen),
            yuan(d.reward_fen),
            yuan(d.paid_fen),
            d.paid_on,
            json.loads(d.rule)["rule"]["reference"],
        )
        for d, no in rows
    ]
