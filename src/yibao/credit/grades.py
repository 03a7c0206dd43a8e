"""Institution credit grades (A–E) from findings, appeals, penalty cases and inspections.

There is no national scheme; the default rule (Guangdong-style five grades, serious dishonesty
→ E) is dated data in `data/grades/`. Everything counted lies within the rule's window before
the grading date, so a grade changes as soon as a case is decided or an inspection recorded.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from yibao.auth.models import User
from yibao.auth.roles import Permission, PermissionDenied, can
from yibao.cases.models import Appeal, Case, CaseEvent, Clue, ClueFinding
from yibao.credit.params import grade_rules
from yibao.inspections.models import InspResult, InspTarget

__all__ = ["InstitutionGrade", "institution_grade", "institution_grades"]


@dataclass(frozen=True, slots=True)
class InstitutionGrade:
    fixmedins_code: str
    grade: str
    score: float
    parts: dict[str, float] = field(default_factory=dict)  # what moved the score, by item
    serious: bool = False
    reference: str = ""


def _check(actor: User, code: str) -> None:
    own = can(actor, Permission.FINDING_READ_OWN) and getattr(actor, "fixmedins_code", None) == code
    if not (can(actor, Permission.FINDING_READ) or own):
        raise PermissionDenied(
            f"{actor.username}无权查看该机构信用", f"{actor.username} may not read this grade"
        )


def _grade(session: Session, code: str, on: date, admdvs: str) -> InstitutionGrade:
    rule = grade_rules().at(admdvs, on)
    v = rule.values
    since = on - timedelta(days=365 * int(v.get("window_years", 2)))
    start, end = datetime.combine(since, datetime.min.time()), datetime.combine(on, datetime.max.time())
    findings = session.execute(
        select(ClueFinding.finding_id, Appeal.status)
        .join(Clue, Clue.id == ClueFinding.clue_id)
        .outerjoin(Appeal, Appeal.finding_id == ClueFinding.finding_id)
        .where(ClueFinding.fixmedins_code == code, Clue.created >= start, Clue.created <= end)
    ).all()
    standing = [f for f, status in findings if status != "overturned"]
    confirmed = [f for f, status in findings if status == "confirmed"]
    cases = session.execute(
        select(Case, CaseEvent.created)
        .join(CaseEvent, CaseEvent.case_id == Case.id)
        .where(
            Case.party_type == "institution",
            Case.party_code == code,
            Case.outcome == "penalty",
            CaseEvent.action == "decide",
            CaseEvent.created >= start,
            CaseEvent.created <= end,
        )
    ).all()
    serious = False
    for case, _when in cases:
        article = json.loads(case.report or "{}").get("article")
        terms = json.loads(case.decision or "{}")
        serious |= article in v.get("serious_articles", []) or bool(terms.get("termination"))
    results = (
        session.execute(
            select(InspResult).where(
                InspResult.fixmedins_code == code,
                InspResult.inspected_on >= since,
                InspResult.inspected_on <= on,
            )
        )
        .scalars()
        .all()
    )
    parts = {
        "疑点": max(float(v.get("finding_cap", -20)), float(v.get("per_finding", 0)) * len(standing)),
        "申诉驳回": float(v.get("per_confirmed_appeal", 0)) * len(confirmed),
        "行政处罚": float(v.get("per_penalty_case", 0)) * len(cases),
        "检查问题": float(v.get("per_problem", 0)) * sum(r.problems for r in results),
        "检查无问题": float(v.get("per_clean_inspection", 0)) * sum(1 for r in results if not r.problems),
    }
    score = max(0.0, min(float(v["base"]), float(v["base"]) + sum(parts.values())))
    t = v["thresholds"]
    grade = "E" if serious else next((g for g in "ABCD" if score >= float(t[g])), "E")
    return InstitutionGrade(
        code, grade, round(score, 2), {k: x for k, x in parts.items() if x}, serious, rule.reference
    )


def institution_grade(
    session: Session, actor: User, fixmedins_code: str, *, on: date | None = None, admdvs: str = "000000"
) -> InstitutionGrade:
    """One institution's grade; institution users may read their own."""
    _check(actor, fixmedins_code)
    return _grade(session, fixmedins_code, on or datetime.now(UTC).date(), admdvs)


def institution_grades(session: Session, actor: User, *, on: date | None = None) -> list[InstitutionGrade]:
    """Every institution of the target directory, and any other with a case (for the weighted draw)."""
    if not can(actor, Permission.FINDING_READ):
        raise PermissionDenied(f"{actor.username}无权查看信用等级", f"{actor.username} may not read grades")
    on = on or datetime.now(UTC).date()
    codes = dict(session.execute(select(InspTarget.fixmedins_code, InspTarget.admdvs)).all())
    for code, region in session.execute(
        select(Case.party_code, Case.region).where(Case.party_type == "institution")
    ).all():
        codes.setdefault(code, region)
    return [_grade(session, c, on, codes[c]) for c in sorted(codes)]
