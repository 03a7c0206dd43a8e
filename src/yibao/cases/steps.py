"""Guards and effects of each procedure step (called by `flow.transition`, never directly).

Each handler checks what the procedure requires before the step, updates the case's
projections and returns the target state where it depends on the payload.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from yibao.auth.models import User
from yibao.auth.users import has_conflict
from yibao.cases.errors import CaseError
from yibao.cases.models import Case, CaseOfficer
from yibao.cases.record import active_officers, events, fen, yuan
from yibao.cases.states import Action, State
from yibao.penalties.calculator import PenaltyInput, calculate
from yibao.penalties.params import PenaltyParams, ProcedureRule

__all__ = ["DECISION_TYPES", "HANDLERS", "TRANSFER_TARGETS"]

TRANSFER_TARGETS = {
    "police": "公安机关",
    "discipline": "纪检监察机关",
    "health": "卫生健康部门",
    "market": "市场监督管理部门",
    "judicial": "司法机关",
    "other": "其他有关部门",
}
DECISION_TYPES = {
    "penalty": "给予行政处罚",
    "no_penalty": "违法行为轻微，依法不予行政处罚",
    "not_established": "违法事实不能成立，不予行政处罚",
    "transfer_judicial": "涉嫌犯罪，移送司法机关",
}


def _years_before(d: date, years: int) -> date:
    try:
        return d.replace(year=d.year - years)
    except ValueError:  # 29 February
        return d.replace(year=d.year - years, day=28)


def _money_arg(payload: dict[str, Any], key: str, default: Decimal | None = None) -> Decimal:
    raw = payload.get(key, default)
    if raw is None:
        raise CaseError(f"缺少{key}", f"missing {key}")
    try:
        value = Decimal(str(raw))
    except ArithmeticError as exc:
        raise CaseError(f"{key}不是有效金额：{raw}", f"{key} is not an amount: {raw}") from exc
    if value < 0:
        raise CaseError(f"{key}不能为负数", f"{key} must not be negative")
    return value


def _reviewed_since_conclusion(session: Session, case: Case) -> bool:
    ok = False
    for ev in events(session, case):
        if ev.action == Action.CONCLUDE:
            ok = False
        elif ev.action == Action.APPROVE_REVIEW:
            ok = True
    return ok


def _bool(payload: dict[str, Any], key: str) -> bool:
    v = payload.get(key, False)
    return v if isinstance(v, bool) else str(v).lower() in ("1", "true", "yes", "是")


# --- per-action guards and effects: each returns the target state when it depends on the payload ---


def _approve_filing(
    session: Session,
    case: Case,
    actor: User,
    data: dict[str, Any],
    when: datetime,
    params: PenaltyParams,
    proc: ProcedureRule,
) -> State | None:
    officers = active_officers(session, case)
    if len(officers) < proc.min_officers:
        raise CaseError(
            f"立案须有不少于{proc.min_officers}名执法人员（现{len(officers)}名）",
            f"filing needs at least {proc.min_officers} officers, {len(officers)} assigned",
        )
    case.filed_at = when
    return None


def _dismiss(
    session: Session,
    case: Case,
    actor: User,
    data: dict[str, Any],
    when: datetime,
    params: PenaltyParams,
    proc: ProcedureRule,
) -> State | None:
    case.outcome, case.closed_at = "no_violation", when
    return None


def _refer_agreement(
    session: Session,
    case: Case,
    actor: User,
    data: dict[str, Any],
    when: datetime,
    params: PenaltyParams,
    proc: ProcedureRule,
) -> State | None:
    case.outcome = "agreement"
    return None


def _record_agreement(
    session: Session,
    case: Case,
    actor: User,
    data: dict[str, Any],
    when: datetime,
    params: PenaltyParams,
    proc: ProcedureRule,
) -> State | None:
    if not data.get("measure"):
        raise CaseError(
            "须登记协议处理措施（约谈、拒付、追回、暂停、解除协议等）",
            "record the measure (interview, refusal, recovery, suspension, termination)",
        )
    case.refunded_fen += fen(_money_arg(data, "recovered", Decimal(0)))
    return None


def _transfer(
    session: Session,
    case: Case,
    actor: User,
    data: dict[str, Any],
    when: datetime,
    params: PenaltyParams,
    proc: ProcedureRule,
) -> State | None:
    to = str(data.get("to", ""))
    if to not in TRANSFER_TARGETS:
        raise CaseError(
            f"移送对象须为：{'/'.join(TRANSFER_TARGETS)}", f"'to' must be one of {list(TRANSFER_TARGETS)}"
        )
    case.outcome = f"transferred:{to}"
    return None


def _conclude(
    session: Session,
    case: Case,
    actor: User,
    data: dict[str, Any],
    when: datetime,
    params: PenaltyParams,
    proc: ProcedureRule,
) -> State | None:
    """调查终结: facts, article and the penalty the calculator proposes from the parameters."""
    try:
        article = int(data["article"])
    except (KeyError, ValueError) as exc:
        raise CaseError(
            "须指明违反的条例条款（article：38/39/40/41）", "give the violated article (38-41)"
        ) from exc
    amount = _money_arg(data, "amount", yuan(case.amount_fen))
    try:
        on = date.fromisoformat(str(data.get("violation_date") or (case.filed_at or when).date()))
    except ValueError as exc:
        raise CaseError("violation_date须为YYYY-MM-DD", "violation_date must be YYYY-MM-DD") from exc
    filed = (case.filed_at or when).date()
    years = proc.limitation_years_health if _bool(data, "health_harm") else proc.limitation_years
    if on > filed:
        raise CaseError("违法行为日期晚于立案日期", "the violation date is after the filing date")
    if on < _years_before(filed, years):
        raise CaseError(
            f"违法行为发生于{on}，立案时已超过{years}年追责时效（行政处罚法第三十六条）",
            f"the {years}-year limitation period had passed at filing",
        )
    result = calculate(
        PenaltyInput(
            article,
            amount,
            on,
            level=str(data.get("level", "general")),
            region=case.region,
            serious=_bool(data, "serious"),
            fraud=_bool(data, "fraud"),
            correction_refused=_bool(data, "correction_refused"),
        ),
        params,
    )
    if result.party_type != case.party_type:
        raise CaseError(
            f"第{article}条适用于{'个人' if result.party_type == 'individual' else '定点医药机构'}，与当事人类型不符",
            f"article {article} applies to {result.party_type}, the party is {case.party_type}",
        )
    case.amount_fen = fen(amount)
    data["penalty"] = result.as_dict()
    case.report = json.dumps(
        {
            "article": article,
            "amount": str(amount),
            "facts": data.get("facts", ""),
            "violation_date": str(on),
            "penalty": data["penalty"],
        },
        ensure_ascii=False,
    )
    return None


def _penalty_terms(data: dict[str, Any], proposal: dict[str, Any]) -> dict[str, Any]:
    fine = _money_arg(data, "fine", Decimal(str(proposal["proposed_fine"])))
    months = int(data.get("suspension_months", proposal.get("proposed_suspension_months") or 0))
    termination = _bool(data, "termination")
    if proposal.get("fine_range"):
        lo, hi = (Decimal(x) for x in proposal["fine_range"])
        if fine and not lo <= fine <= hi:
            raise CaseError(
                f"罚款{fine}元超出法定幅度{lo}–{hi}元", f"fine {fine} outside the legal range {lo}-{hi}"
            )
    elif fine:
        raise CaseError("该条款此情形不适用罚款", "no fine applies under this article here")
    rng = proposal.get("suspension_range")
    if months and (not rng or not rng[0] <= months <= rng[1]):
        raise CaseError(f"暂停月数{months}超出法定幅度{rng}", f"suspension of {months} months outside {rng}")
    if termination and not proposal.get("termination_possible"):
        raise CaseError("该条款不适用解除服务协议", "termination is not available under this article")
    return {
        "fine": str(fine.quantize(Decimal("0.01"))),
        "suspension_months": months,
        "termination": termination,
        "refund": proposal["refund"],
        "article": proposal["article"],
    }


def _heavier(new: dict[str, Any], old: dict[str, Any]) -> bool:
    return (
        Decimal(new["fine"]) > Decimal(old["fine"])
        or new["suspension_months"] > old["suspension_months"]
        or (new["termination"] and not old["termination"])
    )


def _issue_notice(
    session: Session,
    case: Case,
    actor: User,
    data: dict[str, Any],
    when: datetime,
    params: PenaltyParams,
    proc: ProcedureRule,
) -> State | None:
    report = json.loads(case.report or "{}")
    terms = _penalty_terms(data, report["penalty"])
    fine = float(terms["fine"])
    susp, term = terms["suspension_months"] > 0, terms["termination"]
    terms["major"] = proc.legal_review.reached(case.party_type, fine, susp, term)
    terms["hearing_eligible"] = proc.hearing.reached(case.party_type, fine, susp, term)
    if terms["major"] and not _reviewed_since_conclusion(session, case):
        raise CaseError(
            "重大执法决定须先经法制审核（罚款或暂停达到门槛）", "a major decision needs legal review first"
        )
    if case.notice and case.defended and _heavier(terms, json.loads(case.notice)):
        raise CaseError(
            "不得因当事人陈述、申辩或听证而加重处罚（令第4号第41条）",
            "the penalty may not be raised because the party defended itself (Art. 41)",
        )
    case.notice = json.dumps(terms, ensure_ascii=False)
    data.update(terms)
    return None


def _statement(
    session: Session,
    case: Case,
    actor: User,
    data: dict[str, Any],
    when: datetime,
    params: PenaltyParams,
    proc: ProcedureRule,
) -> State | None:
    if not data.get("statement"):
        raise CaseError("须记录陈述申辩内容（statement）", "record the party's statement")
    case.defended = True
    return None


def _request_hearing(
    session: Session,
    case: Case,
    actor: User,
    data: dict[str, Any],
    when: datetime,
    params: PenaltyParams,
    proc: ProcedureRule,
) -> State | None:
    if not json.loads(case.notice or "{}").get("hearing_eligible"):
        raise CaseError(
            "拟作处罚未达到听证条件（罚款数额或暂停、解除协议）",
            "the intended penalty does not reach the hearing threshold",
        )
    return None


def _conclude_hearing(
    session: Session,
    case: Case,
    actor: User,
    data: dict[str, Any],
    when: datetime,
    params: PenaltyParams,
    proc: ProcedureRule,
) -> State | None:
    case.defended = True
    return None


def _decide(
    session: Session,
    case: Case,
    actor: User,
    data: dict[str, Any],
    when: datetime,
    params: PenaltyParams,
    proc: ProcedureRule,
) -> State | None:
    kind = str(data.get("type", "penalty"))
    if kind not in DECISION_TYPES:
        raise CaseError(
            f"决定类型须为：{'/'.join(DECISION_TYPES)}", f"type must be one of {list(DECISION_TYPES)}"
        )
    if kind != "penalty":
        case.decision = json.dumps({"type": kind}, ensure_ascii=False)
        case.outcome = kind
        if kind == "transfer_judicial":
            return State.TRANSFERRED
        case.closed_at = when
        return State.CLOSED
    if case.state != State.NOTIFIED or not case.notice:
        raise CaseError(
            "作出行政处罚决定前须先告知当事人拟作处罚及其陈述申辩、听证权利",
            "notify the party of the intended penalty before deciding",
        )
    notice = json.loads(case.notice)
    report = json.loads(case.report or "{}")
    terms = _penalty_terms(
        {
            "fine": notice["fine"],
            "suspension_months": notice["suspension_months"],
            "termination": notice["termination"],
            **data,
        },
        report["penalty"],
    )
    if _heavier(terms, notice):
        raise CaseError(
            "决定不得重于告知的处罚；不得因当事人申辩而加重处罚（令第4号第41条）",
            "the decision may not exceed the notified penalty (Art. 41)",
        )
    if notice.get("major") and not _reviewed_since_conclusion(session, case):
        raise CaseError("重大执法决定须经法制审核", "a major decision needs legal review")
    terms["type"] = kind
    case.decision = json.dumps(terms, ensure_ascii=False)
    case.outcome = "penalty"
    data.update(terms)
    return None


def _record_execution(
    session: Session,
    case: Case,
    actor: User,
    data: dict[str, Any],
    when: datetime,
    params: PenaltyParams,
    proc: ProcedureRule,
) -> State | None:
    refunded = _money_arg(data, "refunded", Decimal(0))
    fine_paid = _money_arg(data, "fine_paid", Decimal(0))
    if not refunded and not fine_paid and not data.get("note"):
        raise CaseError("须登记退回金额、罚款缴纳或执行说明", "record refund, fine paid or a note")
    case.refunded_fen += fen(refunded)
    case.fine_paid_fen += fen(fine_paid)
    return None


def _close(
    session: Session,
    case: Case,
    actor: User,
    data: dict[str, Any],
    when: datetime,
    params: PenaltyParams,
    proc: ProcedureRule,
) -> State | None:
    if case.state == State.EXECUTING and not data.get("unpaid_reason"):
        decision = json.loads(case.decision or "{}")
        due_refund, due_fine = fen(decision.get("refund", 0)), fen(decision.get("fine", 0))
        if case.refunded_fen < due_refund or case.fine_paid_fen < due_fine:
            raise CaseError(
                f"尚未执行完毕：应退回{yuan(due_refund)}元已退{yuan(case.refunded_fen)}元，应缴罚款{yuan(due_fine)}元"
                f"已缴{yuan(case.fine_paid_fen)}元；如申请强制执行请说明 unpaid_reason",
                "not fully executed: record payments or give unpaid_reason (e.g. court enforcement)",
            )
    case.closed_at = when
    return None


def _extend(
    session: Session,
    case: Case,
    actor: User,
    data: dict[str, Any],
    when: datetime,
    params: PenaltyParams,
    proc: ProcedureRule,
) -> State | None:
    if case.extended_days == 0:
        days = proc.extension_days
    elif _bool(data, "collective_discussion"):
        days = int(data.get("days", 0))
        if days <= 0:
            raise CaseError("须给出延长天数（days）", "give the number of days")
    else:
        raise CaseError(
            f"已延长{case.extended_days}日；再延长须经集体讨论（collective_discussion）",
            "a further extension needs a collective discussion",
        )
    case.extended_days += days
    data["days"] = days
    return None


HANDLERS = {
    Action.APPROVE_FILING: _approve_filing,
    Action.DISMISS: _dismiss,
    Action.REFER_AGREEMENT: _refer_agreement,
    Action.RECORD_AGREEMENT: _record_agreement,
    Action.TRANSFER: _transfer,
    Action.CONCLUDE: _conclude,
    Action.ISSUE_NOTICE: _issue_notice,
    Action.RECEIVE_STATEMENT: _statement,
    Action.REQUEST_HEARING: _request_hearing,
    Action.CONCLUDE_HEARING: _conclude_hearing,
    Action.DECIDE: _decide,
    Action.RECORD_EXECUTION: _record_execution,
    Action.CLOSE: _close,
    Action.EXTEND: _extend,
}


def _check_reviewer(session: Session, case: Case, actor: User) -> None:
    officer_ids = set(
        session.execute(select(CaseOfficer.user_id).where(CaseOfficer.case_id == case.id)).scalars()
    )
    if actor.id in officer_ids:
        raise CaseError("案件承办人员不得担任本案法制审核人员", "an officer of the case may not review it")
    if has_conflict(session, actor.id, case.party_code):
        raise CaseError("审核人员与当事人有利害关系，应当回避", "the reviewer has a conflict with the party")


def _approve_review(
    session: Session,
    case: Case,
    actor: User,
    data: dict[str, Any],
    when: datetime,
    params: PenaltyParams,
    proc: ProcedureRule,
) -> State | None:
    _check_reviewer(session, case, actor)
    return None


def _reject_review(
    session: Session,
    case: Case,
    actor: User,
    data: dict[str, Any],
    when: datetime,
    params: PenaltyParams,
    proc: ProcedureRule,
) -> State | None:
    _check_reviewer(session, case, actor)
    if not data.get("opinion"):
        raise CaseError("退回须写明审核意见（opinion）", "give the review opinion")
    return None


HANDLERS[Action.APPROVE_REVIEW] = _approve_review
HANDLERS[Action.REJECT_REVIEW] = _reject_review
