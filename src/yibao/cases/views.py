"""Read models of cases for lists, detail pages, the CLI and the API, masked per role.

Names and ID numbers are masked unless the role may see them; every read of a case and
every unmasked read of personal data is written to the audit log.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from yibao.audit.log import record
from yibao.auth.masking import mask_certno, mask_name, reveal
from yibao.auth.models import User
from yibao.auth.roles import Permission, require
from yibao.cases.flow import active_officers, events, get_case, time_status, yuan
from yibao.cases.models import Case
from yibao.cases.states import ACTION_LABELS, STATE_LABELS, Action, State
from yibao.penalties.params import PenaltyParams

__all__ = ["CaseSummary", "CaseView", "EventView", "case_view", "list_cases"]


@dataclass(frozen=True, slots=True)
class EventView:
    seq: int
    action: str
    label: str
    from_state: str | None
    to_state: str
    actor: str
    created: datetime
    reason: str
    payload: dict[str, Any]


@dataclass(frozen=True, slots=True)
class CaseSummary:
    case_no: str
    title: str
    state: str
    state_label: str
    party_type: str
    party_code: str
    party_name: str | None
    amount: Decimal
    deadline: str | None
    time_level: str
    time_label: str
    days_left: int | None
    outcome: str | None
    review_due: str | None = None  # legal review due date while the case is in review


@dataclass(frozen=True, slots=True)
class CaseView:
    summary: CaseSummary
    party_certno: str | None
    region: str
    violation: str | None
    officers: list[str]
    report: dict[str, Any] | None
    notice: dict[str, Any] | None
    decision: dict[str, Any] | None
    refunded: Decimal
    fine_paid: Decimal
    filed_at: datetime | None
    closed_at: datetime | None
    events: list[EventView] = field(default_factory=list)


def _summary(
    session: Session,
    user: User,
    case: Case,
    now: datetime | None,
    params: PenaltyParams | None,
    name: str | None,
) -> CaseSummary:
    ts = time_status(session, case, now=now, params=params)
    return CaseSummary(
        case_no=case.case_no,
        title=case.title,
        state=case.state,
        state_label=STATE_LABELS[State(case.state)],
        party_type=case.party_type,
        party_code=case.party_code,
        party_name=name,
        amount=yuan(case.amount_fen),
        deadline=str(ts.deadline) if ts.deadline else None,
        time_level=ts.level,
        time_label=ts.label,
        days_left=ts.days_left,
        outcome=case.outcome,
        review_due=str(ts.review_due) if ts.review_due else None,
    )


def _party_name(session: Session, user: User, case: Case, audit: bool) -> tuple[str | None, str | None]:
    """Institutions' names are public; a person's name and ID number are masked in lists for
    everyone, and shown in full on the detail view only to permitted roles, audited."""
    if case.party_type != "individual":
        return case.party_name, case.party_certno
    if not audit:
        return mask_name(case.party_name), mask_certno(case.party_certno)
    return reveal(
        session,
        user,
        "case",
        case.case_no,
        name=case.party_name,
        certno=case.party_certno,
        purpose="查看案件",
    )


def list_cases(
    session: Session,
    user: User,
    *,
    state: str | None = None,
    now: datetime | None = None,
    params: PenaltyParams | None = None,
    attention_only: bool = False,
) -> list[CaseSummary]:
    """Cases (newest first); `attention_only` keeps those near or past their time limit."""
    require(user, Permission.CASE_READ)
    q = select(Case).order_by(Case.id.desc())
    if state:
        q = q.where(Case.state == state)
    out = []
    for case in session.execute(q).scalars():
        name, _ = _party_name(session, user, case, audit=False)
        s = _summary(session, user, case, now, params, name)
        if not attention_only or s.time_level in ("warning", "overdue"):
            out.append(s)
    record(session, user.username, "case.list", "case", "*", {"count": len(out), "state": state})
    return out


def case_view(
    session: Session,
    user: User,
    case_no: str,
    *,
    now: datetime | None = None,
    params: PenaltyParams | None = None,
) -> CaseView:
    require(user, Permission.CASE_READ)
    case = get_case(session, case_no)
    record(session, user.username, "case.read", "case", case_no, {})
    name, certno = _party_name(session, user, case, audit=True)
    users = {u.id: u.username for u in session.execute(select(User)).scalars()}
    evs = [
        EventView(
            e.seq,
            e.action,
            ACTION_LABELS.get(Action(e.action), e.action),
            e.from_state,
            e.to_state,
            users.get(e.actor_id, "?"),
            e.created,
            e.reason,
            json.loads(e.payload),
        )
        for e in events(session, case)
    ]
    return CaseView(
        summary=_summary(session, user, case, now, params, name),
        party_certno=certno,
        region=case.region,
        violation=case.violation,
        officers=[users[o.user_id] for o in active_officers(session, case)],
        report=json.loads(case.report) if case.report else None,
        notice=json.loads(case.notice) if case.notice else None,
        decision=json.loads(case.decision) if case.decision else None,
        refunded=yuan(case.refunded_fen),
        fine_paid=yuan(case.fine_paid_fen),
        filed_at=case.filed_at,
        closed_at=case.closed_at,
        events=evs,
    )
