"""A case's record: money in fen, lookups, the officers, the events and the one event writer."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from yibao.audit.log import record
from yibao.auth.models import User
from yibao.cases.errors import CaseError
from yibao.cases.models import Case, CaseEvent, CaseOfficer
from yibao.cases.states import Action, State
from yibao.penalties.params import PenaltyParams, ProcedureRule

__all__ = [
    "active_officers",
    "events",
    "fen",
    "get_case",
    "now_utc",
    "procedure_for",
    "replay_state",
    "write_event",
    "yuan",
]


def fen(yuan_value: Decimal | float | str | int) -> int:
    return int((Decimal(str(yuan_value)) * 100).to_integral_value())


def yuan(fen_value: int) -> Decimal:
    return (Decimal(fen_value) / 100).quantize(Decimal("0.01"))


def now_utc(now: datetime | None) -> datetime:
    """Naive UTC, as stored; a caller may inject the clock (tests, replays)."""
    if now is None:
        return datetime.now(UTC).replace(tzinfo=None)
    return now.astimezone(UTC).replace(tzinfo=None) if now.tzinfo else now


def get_case(session: Session, case_no: str) -> Case:
    case = session.execute(select(Case).where(Case.case_no == case_no)).scalar_one_or_none()
    if case is None:
        raise CaseError(f"案件不存在：{case_no}", f"no such case: {case_no}")
    return case


def procedure_for(case: Case, params: PenaltyParams, on: datetime | None = None) -> ProcedureRule:
    return params.procedure((case.filed_at or on or case.created).date(), case.region)


def active_officers(session: Session, case: Case) -> list[CaseOfficer]:
    return list(
        session.execute(
            select(CaseOfficer)
            .where(CaseOfficer.case_id == case.id, CaseOfficer.withdrawn_at.is_(None))
            .order_by(CaseOfficer.id)
        ).scalars()
    )


def events(session: Session, case: Case) -> list[CaseEvent]:
    return list(
        session.execute(
            select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.seq)
        ).scalars()
    )


def replay_state(session: Session, case: Case) -> State:
    """The state as the events tell it (the stored state must always agree)."""
    state = State.VERIFICATION
    for ev in events(session, case):
        state = State(ev.to_state)
    return state


def write_event(
    session: Session,
    case: Case,
    actor: User,
    action: Action,
    to_state: State,
    reason: str,
    payload: dict[str, Any],
    now: datetime,
) -> CaseEvent:
    seq = (
        session.execute(
            select(func.coalesce(func.max(CaseEvent.seq), 0)).where(CaseEvent.case_id == case.id)
        ).scalar_one()
        + 1
    )
    body = json.dumps(payload, ensure_ascii=False, sort_keys=True, default=str)
    ev = CaseEvent(
        case_id=case.id,
        seq=seq,
        action=str(action),
        from_state=case.state if seq > 1 else None,
        to_state=str(to_state),
        actor_id=actor.id,
        created=now,
        reason=reason,
        payload=body,
    )
    session.add(ev)
    record(
        session,
        actor.username,
        f"case.{action}",
        "case",
        case.case_no,
        {"from": ev.from_state, "to": str(to_state), "reason": reason, "payload": payload},
    )
    case.state = str(to_state)
    session.flush()
    return ev
