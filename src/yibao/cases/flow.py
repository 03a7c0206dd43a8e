"""The case service: open a case from a clue, staff it, and move it through the procedure.

Every function takes the database session and the acting user, checks the permission for
the action, writes a `CaseEvent` and an audit entry in the same transaction, and raises
`CaseError` (bilingual) when the procedure forbids the step. FastAPI handlers and the CLI
call these functions and nothing lower.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from yibao.audit.log import lock_chain
from yibao.auth.models import User
from yibao.auth.roles import Permission, can, require
from yibao.auth.users import get_user, has_conflict
from yibao.cases.deadlines import TimeStatus, time_status
from yibao.cases.errors import CaseError
from yibao.cases.models import Case, CaseEvent, CaseOfficer, Clue
from yibao.cases.record import (
    active_officers,
    events,
    fen,
    get_case,
    now_utc,
    procedure_for,
    replay_state,
    write_event,
    yuan,
)
from yibao.cases.states import ACTION_LABELS, STATE_LABELS, TRANSITIONS, Action, State
from yibao.cases.steps import DECISION_TYPES, HANDLERS, TRANSFER_TARGETS
from yibao.penalties.params import PenaltyParams, load_params

__all__ = [
    "DECISION_TYPES",
    "TRANSFER_TARGETS",
    "TimeStatus",
    "active_officers",
    "assign_officer",
    "events",
    "fen",
    "get_case",
    "open_case",
    "procedure_for",
    "replay_state",
    "time_status",
    "transition",
    "withdraw_officer",
    "yuan",
]


def _next_case_no(session: Session, now: datetime) -> str:
    lock_chain(session)
    stem = f"AJ{now.year}-"
    last = session.execute(select(func.max(Case.case_no)).where(Case.case_no.like(f"{stem}%"))).scalar_one()
    return f"{stem}{int(last.rsplit('-', 1)[1]) + 1 if last else 1:05d}"


def open_case(
    session: Session,
    actor: User,
    clue_no: str,
    *,
    region: str,
    party_type: str | None = None,
    party_name: str | None = None,
    party_certno: str | None = None,
    title: str | None = None,
    now: datetime | None = None,
) -> Case:
    """Take a clue up for verification (核查); the opener becomes the first officer."""
    require(actor, Permission.CASE_OPEN)
    when = now_utc(now)
    clue = session.execute(select(Clue).where(Clue.clue_no == clue_no)).scalar_one_or_none()
    if clue is None:
        raise CaseError(f"线索不存在：{clue_no}", f"no such clue: {clue_no}")
    if clue.status in ("opened", "dismissed"):
        raise CaseError(
            f"线索{clue_no}已{('立案核查' if clue.status == 'opened' else '不予处理')}",
            f"clue {clue_no} is already {clue.status}",
        )
    ptype = party_type or (
        "individual" if clue.grouping == "person" or not clue.fixmedins_code else "institution"
    )
    code = clue.psn_no if ptype == "individual" else clue.fixmedins_code
    if not code:
        raise CaseError(
            "线索未指明当事人（机构编码或人员编号）", "the clue names no party (institution or person)"
        )
    if not (len(region) == 6 and region.isdigit()):
        raise CaseError(f"区划须为6位数字：{region}", f"region must be 6 digits: {region}")
    case = Case(
        case_no=_next_case_no(session, when),
        clue_id=clue.id,
        title=title or clue.title,
        party_type=ptype,
        party_code=code,
        party_name=party_name or clue.party_name or code,
        party_certno=party_certno,
        violation=clue.violation,
        region=region,
        amount_fen=clue.amount_fen,
        state=str(State.VERIFICATION),
        created=when,
    )
    session.add(case)
    session.flush()
    clue.status = "opened"
    write_event(
        session,
        case,
        actor,
        Action.OPEN,
        State.VERIFICATION,
        f"受理线索{clue_no}",
        {"clue_no": clue_no},
        when,
    )
    if can(actor, Permission.CASE_INVESTIGATE):
        _add_officer(session, case, actor, actor, when)
    return case


def _add_officer(session: Session, case: Case, actor: User, officer: User, when: datetime) -> None:
    if not can(officer, Permission.CASE_INVESTIGATE) or not officer.cert_no:
        raise CaseError(
            f"{officer.username}不是持证执法人员，不能承办案件",
            f"{officer.username} is not a certified enforcement officer",
        )
    reason = has_conflict(session, officer.id, case.party_code)
    if reason:
        raise CaseError(
            f"{officer.username}与当事人有利害关系，应当回避：{reason}",
            f"{officer.username} has a declared conflict with the party and must withdraw",
        )
    if any(o.user_id == officer.id for o in active_officers(session, case)):
        raise CaseError(f"{officer.username}已是本案执法人员", f"{officer.username} is already on the case")
    session.add(CaseOfficer(case_id=case.id, user_id=officer.id, assigned_at=when))
    write_event(
        session,
        case,
        actor,
        Action.ASSIGN_OFFICER,
        State(case.state),
        f"指派{officer.username}",
        {"officer": officer.username, "cert_no": officer.cert_no},
        when,
    )


def assign_officer(
    session: Session, actor: User, case_no: str, username: str, *, now: datetime | None = None
) -> None:
    """The head assigns a certified officer (never one with a declared interest in the party)."""
    require(actor, Permission.CASE_APPROVE)
    case = get_case(session, case_no)
    if case.state == State.CLOSED:
        raise CaseError("案件已结案", "the case is closed")
    _add_officer(session, case, actor, get_user(session, username), now_utc(now))


def withdraw_officer(
    session: Session,
    actor: User,
    case_no: str,
    username: str,
    reason: str,
    *,
    on_application: bool = False,
    now: datetime | None = None,
) -> None:
    """回避: the officer withdraws, or the head decides it (also on the party's application)."""
    case = get_case(session, case_no)
    officer = get_user(session, username)
    if actor.id != officer.id:
        require(actor, Permission.CASE_APPROVE)
    if not reason:
        raise CaseError("回避须说明理由", "a withdrawal needs a reason")
    rows = [o for o in active_officers(session, case) if o.user_id == officer.id]
    if not rows:
        raise CaseError(f"{username}不是本案在办执法人员", f"{username} is not an active officer of the case")
    when = now_utc(now)
    rows[0].withdrawn_at, rows[0].withdraw_reason = when, reason
    write_event(
        session,
        case,
        actor,
        Action.WITHDRAW_OFFICER,
        State(case.state),
        reason,
        {"officer": username, "on_application": on_application},
        when,
    )


def transition(
    session: Session,
    actor: User,
    case_no: str,
    action: Action | str,
    *,
    reason: str = "",
    payload: dict[str, Any] | None = None,
    now: datetime | None = None,
    params: PenaltyParams | None = None,
) -> CaseEvent:
    """Take one step of the procedure; the only writer of `Case.state`."""
    try:
        action = Action(action)
        rule = TRANSITIONS[action]
    except (ValueError, KeyError) as exc:
        raise CaseError(f"未知操作：{action}", f"unknown action: {action}") from exc
    require(actor, rule.permission)
    case = get_case(session, case_no)
    state = State(case.state)
    if state not in rule.sources:
        allowed = "、".join(STATE_LABELS[s] for s in sorted(rule.sources))
        raise CaseError(
            f"案件处于「{STATE_LABELS[state]}」，不能{ACTION_LABELS[action]}（仅限：{allowed}）",
            f"cannot {action} in state {state}",
        )
    conflict = has_conflict(session, actor.id, case.party_code)
    if conflict:  # 回避 binds everyone who acts on the case, the head and reviewers included
        raise CaseError(
            f"{actor.username}与当事人有利害关系（{conflict}），应当回避",
            f"{actor.username} has a declared conflict with the party and must withdraw",
        )
    params = params or load_params()
    when = now_utc(now)
    proc = procedure_for(case, params, when)
    data = dict(payload or {})
    if rule.by_officer:
        officers = active_officers(session, case)
        if actor.id not in {o.user_id for o in officers}:
            raise CaseError(
                f"{actor.username}不是本案在办执法人员（或已回避）",
                f"{actor.username} is not an active officer of this case",
            )
        if case.filed_at is not None and len(officers) < proc.min_officers:
            raise CaseError(
                f"执法人员不得少于{proc.min_officers}人（现{len(officers)}人），请先指派",
                f"at least {proc.min_officers} officers are required, {len(officers)} active",
            )
    target = rule.target or state
    handler = HANDLERS.get(action)
    if handler is not None:
        target = handler(session, case, actor, data, when, params, proc) or target
    return write_event(session, case, actor, action, target, reason, data, when)
