"""Time limits of a case: 90 days from filing (令第4号 Art. 45), extensions, hearings, legal review."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session

from yibao.cases.models import Case
from yibao.cases.record import events, now_utc, procedure_for
from yibao.cases.states import OPEN_CLOCK, Action, State
from yibao.penalties.params import PenaltyParams, load_params

__all__ = ["TimeStatus", "add_working_days", "time_status"]


@dataclass(frozen=True, slots=True)
class TimeStatus:
    """Where a case stands against the 90(+30)-day limit of 令第4号 Art. 45."""

    level: str  # none (not filed) / ok / warning / overdue / paused (hearing) / stopped (decided or ended)
    filed_on: date | None = None
    deadline: date | None = None
    days_left: int | None = None
    paused_days: int = 0
    review_due: date | None = None  # legal review within N working days (Art. 40)

    @property
    def label(self) -> str:
        if self.level == "stopped":
            return "超期作出处理" if (self.days_left or 0) < 0 else "按期作出处理"
        return {
            "none": "未立案",
            "ok": "正常",
            "warning": "临近期限",
            "overdue": "已超期",
            "paused": "听证中（不计入期限）",
        }[self.level]


def add_working_days(start: date, n: int) -> date:
    d = start
    while n > 0:
        d += timedelta(days=1)
        if d.weekday() < 5:
            n -= 1
    return d


def time_status(
    session: Session, case: Case, *, now: datetime | None = None, params: PenaltyParams | None = None
) -> TimeStatus:
    """Deadline = filing date + decision days + approved extensions + days spent in hearings."""
    if case.filed_at is None:
        return TimeStatus("none")
    when = now_utc(now)
    rule = procedure_for(case, params or load_params())
    paused, hearing_since, review_due, stopped_at = 0, None, None, None
    for ev in events(session, case):
        if ev.action == Action.REQUEST_HEARING:
            hearing_since = ev.created
        elif ev.action == Action.CONCLUDE_HEARING and hearing_since:
            paused += (ev.created.date() - hearing_since.date()).days
            hearing_since = None
        elif ev.action == Action.SUBMIT_REVIEW:
            review_due = add_working_days(ev.created.date(), rule.legal_review_working_days)
        if ev.to_state not in OPEN_CLOCK and ev.from_state in OPEN_CLOCK and stopped_at is None:
            stopped_at = ev.created  # decided, transferred or handed to the agency
    end = stopped_at if case.state not in OPEN_CLOCK and stopped_at else when
    if hearing_since:
        paused += (end.date() - hearing_since.date()).days
    deadline = case.filed_at.date() + timedelta(days=rule.decision_days + case.extended_days + paused)
    days_left = (deadline - end.date()).days
    if case.state not in OPEN_CLOCK:  # days_left: the margin left when the clock stopped
        return TimeStatus("stopped", case.filed_at.date(), deadline, days_left, paused)
    if case.state != State.LEGAL_REVIEW:
        review_due = None
    level = (
        "paused"
        if case.state == State.HEARING
        else ("overdue" if days_left < 0 else "warning" if days_left <= rule.warning_days else "ok")
    )
    return TimeStatus(level, case.filed_at.date(), deadline, days_left, paused, review_due)
