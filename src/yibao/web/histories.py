"""Inspection and credit histories shown on the profiles, from the `inspections` and `credit` libraries.

An institution's grade is computed, not stored (`credit.grades`), and changes when a finding is
taken in, a case decided or an inspection recorded; its history is therefore the grade computed
on each day something of that kind happened (and today), with what moved the score. A
practitioner's history is the points of each year (`credit.scoring.practitioner_status`).
Sections the user may not read are None, and the profile says so instead of refusing the page.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from yibao.auth.models import User
from yibao.auth.roles import Permission, PermissionDenied, can
from yibao.cases.models import Case, CaseEvent, Clue, ClueFinding
from yibao.credit.grades import InstitutionGrade, institution_grade
from yibao.credit.models import PracScore
from yibao.credit.scoring import PracStatus, practitioner_status
from yibao.inspections.models import InspResult
from yibao.web.inspect_views import DrawnIn, ResultLine, institution_plans, result_lines
from yibao.whistle.dated import ParamError

__all__ = [
    "GradePoint",
    "InstitutionHistory",
    "PracStatus",
    "institution_history",
    "practitioner_credit",
]

POINTS = 12  # grade points shown at most


@dataclass(frozen=True, slots=True)
class GradePoint:
    on: date
    grade: InstitutionGrade
    changed: bool  # grade or score differs from the point before


@dataclass(frozen=True, slots=True)
class InstitutionHistory:
    plans: list[DrawnIn] | None  # None: the user may not read inspections
    results: list[ResultLine] | None
    grades: list[GradePoint] | None  # newest first; None: the user may not read credit


def _today() -> date:
    return datetime.now(UTC).date()


def _grade_dates(session: Session, code: str, today: date) -> list[date]:
    """The days something that counts in the grade happened to this institution (at most POINTS)."""
    days = {today}
    days |= {
        d
        for (d,) in session.execute(
            select(InspResult.inspected_on).where(InspResult.fixmedins_code == code)
        ).all()
    }
    days |= {
        c.date()
        for (c,) in session.execute(
            select(Clue.created)
            .join(ClueFinding, ClueFinding.clue_id == Clue.id)
            .where(ClueFinding.fixmedins_code == code)
        ).all()
    }
    days |= {
        c.date()
        for (c,) in session.execute(
            select(CaseEvent.created)
            .join(Case, Case.id == CaseEvent.case_id)
            .where(Case.party_type == "institution", Case.party_code == code, CaseEvent.action == "decide")
        ).all()
    }
    return sorted(d for d in days if d <= today)[-POINTS:]


def _grades(session: Session, user: User, code: str, admdvs: str) -> list[GradePoint] | None:
    points = []
    for d in _grade_dates(session, code, _today()):
        try:
            points.append((d, institution_grade(session, user, code, on=d, admdvs=admdvs)))
        except PermissionDenied:
            return None
        except ParamError:  # a day before the first grading rule took effect: no grade then
            continue
    out, before = [], None
    for d, g in points:
        out.append(GradePoint(d, g, before is not None and (g.grade, g.score) != before))
        before = (g.grade, g.score)
    return out[::-1]


def institution_history(session: Session, user: User, code: str, admdvs: str) -> InstitutionHistory:
    """Plans the institution was drawn in, results entered for it, its grade over time."""
    region = admdvs if len(admdvs) == 6 and admdvs.isdigit() else "000000"
    grades = _grades(session, user, code, region)
    if not can(user, Permission.CLUE_READ):
        return InstitutionHistory(None, None, grades)
    return InstitutionHistory(
        institution_plans(session, code), result_lines(session, fixmedins_code=code), grades
    )


def practitioner_credit(session: Session, user: User, prac_code: str) -> list[PracStatus] | None:
    """The practitioner's points per year (this year first), each year's events with their reasons."""
    if not can(user, Permission.FINDING_READ):
        return None
    years = {_today().year} | {
        y for (y,) in session.execute(select(PracScore.year).where(PracScore.prac_code == prac_code)).all()
    }
    return [practitioner_status(session, user, prac_code, year=y) for y in sorted(years, reverse=True)]
