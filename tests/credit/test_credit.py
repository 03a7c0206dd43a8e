"""Practitioner points follow case decisions and reset each year; institution grades move with cases."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from cases.flowhelp import H1, new_case, step, to_notice
from yibao.auth.roles import PermissionDenied
from yibao.cases.db import open_session
from yibao.cases.errors import CaseError
from yibao.credit.grades import institution_grade, institution_grades
from yibao.credit.scoring import practitioner_status, score_practitioner
from yibao.inspections.models import InspTarget
from yibao.inspections.params import checklist
from yibao.inspections.results import record_result

DECIDED = datetime(2026, 3, 20, 10)


def decided_case(engine, staff) -> str:
    no = new_case(engine, staff)
    to_notice(engine, staff, no, article=38, amount="20000")
    step(engine, staff["boss"], no, "decide", DECIDED, type="penalty")
    return no


def test_credit_points_tied_to_decisions_suspend_at_9_terminate_at_12_reset_yearly(engine, staff):
    pending = new_case(engine, staff)
    with open_session(engine) as s, pytest.raises(CaseError):
        score_practitioner(s, staff["boss"], pending, prac_code="D1", prac_name="李医生", points=5)
    cases = [decided_case(engine, staff) for _ in range(3)]
    with open_session(engine) as s:
        with pytest.raises(CaseError, match="4–6"):
            score_practitioner(s, staff["boss"], cases[0], prac_code="D1", prac_name="李医生", points=7)
        with pytest.raises(PermissionDenied):
            score_practitioner(s, staff["wang"], cases[0], prac_code="D1", prac_name="李医生", points=5)
        score_practitioner(s, staff["boss"], cases[0], prac_code="D1", prac_name="李医生", points=5)
        st = practitioner_status(s, staff["wang"], "D1", year=2026)
        assert (st.points, st.status) == (5, "normal")
        with pytest.raises(CaseError):
            score_practitioner(s, staff["boss"], cases[0], prac_code="D1", prac_name="李医生", points=5)
        score_practitioner(s, staff["boss"], cases[1], prac_code="D1", prac_name="李医生", points=4)
        st = practitioner_status(s, staff["wang"], "D1", year=2026)
        assert (st.points, st.status, st.suspend_months) == (9, "suspended", (1, 6))
        score_practitioner(
            s, staff["boss"], cases[2], prac_code="D1", prac_name="李医生", points=3, band="1-3"
        )
        st = practitioner_status(s, staff["wang"], "D1", year=2026)
        assert (st.points, st.status) == (12, "terminated") and len(st.events) == 3
        assert practitioner_status(s, staff["wang"], "D1", year=2027).points == 0  # 年度清零


def test_credit_institution_grade_changes_after_case_decision_and_inspections(engine, staff):
    with open_session(engine) as s:
        s.add(
            InspTarget(
                fixmedins_code=H1, name="长沙市第一人民医院", kind="hospital", admdvs="430102", active=True
            )
        )
    with open_session(engine) as s:
        before = institution_grade(s, staff["wang"], H1, on=date(2026, 4, 1))
        assert (before.grade, before.score) == ("A", 100.0)
    decided_case(engine, staff)
    with open_session(engine) as s:
        after = institution_grade(s, staff["wang"], H1, on=date(2026, 4, 1))
        assert (after.grade, after.score) == ("B", 85.0) and after.parts == {"行政处罚": -15.0}
        assert (
            institution_grade(s, staff["wang"], H1, on=date(2026, 3, 1)).grade == "A"
        )  # before the decision
        codes = sorted(checklist("hospital").codes())
        answers = {c: ("fail" if n < 4 else "pass") for n, c in enumerate(codes)}
        record_result(s, staff["wang"], H1, inspected_on=date(2026, 3, 25), answers=answers)
    with open_session(engine) as s:
        g = institution_grade(s, staff["hosp"], H1, on=date(2026, 4, 1))  # an institution reads its own grade
        assert (g.grade, g.score) == ("C", 77.0)
        with pytest.raises(PermissionDenied):
            institution_grade(s, staff["hosp2"], H1)
        assert [x.grade for x in institution_grades(s, staff["wang"], on=date(2026, 4, 1))] == ["C"]
