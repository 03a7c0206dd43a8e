"""Read models: masking per role, audited reads, time-limit status and the legal-review due date."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from flowhelp import T0, new_case, step, to_investigation
from sqlalchemy import select

from yibao.audit.models import AuditEntry
from yibao.auth.roles import PermissionDenied
from yibao.cases.db import open_session
from yibao.cases.views import case_view, list_cases


def test_case_view_masks_person_for_auditor_and_audits_full_reads(engine, staff):
    no = new_case(engine, staff, amount=3000, party="individual")
    with open_session(engine) as s:
        masked = case_view(s, staff["shen"], no)
        full = case_view(s, staff["wang"], no)
        listed = list_cases(s, staff["wang"])
        with pytest.raises(PermissionDenied):
            case_view(s, staff["hosp"], no)
        reads = list(
            s.execute(
                select(AuditEntry.actor, AuditEntry.action).where(
                    AuditEntry.action.in_(["pii.read", "case.read"])
                )
            ).all()
        )
    assert (masked.summary.party_name, masked.party_certno) == ("张*", "430102********0012")
    assert (full.summary.party_name, full.party_certno) == ("张三", "430102198001010012")
    assert listed[0].party_name == "张*"  # lists mask for everyone
    assert ("wang", "pii.read") in reads and ("shen", "pii.read") not in reads
    assert ("shen", "case.read") in reads
    assert [e.action for e in full.events][:2] == ["open", "assign_officer"]


def test_case_view_shows_legal_review_due_in_working_days(engine, staff):
    no = new_case(engine, staff)
    to_investigation(engine, staff, no)
    step(engine, staff["wang"], no, "conclude_investigation", article=38, amount="100")
    step(engine, staff["wang"], no, "submit_review", T0)  # Monday 2026-03-02
    with open_session(engine) as s:
        view = case_view(s, staff["fa"], no, now=T0 + timedelta(days=1))
        attention = list_cases(s, staff["boss"], attention_only=True, now=T0 + timedelta(days=80))
    assert view.summary.review_due == str(date(2026, 3, 16))  # 10 working days later
    assert view.summary.time_level == "ok" and view.summary.deadline == "2026-05-31"
    assert [c.case_no for c in attention] == [no]
