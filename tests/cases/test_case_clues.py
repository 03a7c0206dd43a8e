"""Clue intake from screened findings, other sources, triage order and assignment."""

from __future__ import annotations

import pytest
from storefix import H1, H2, findings_store

from yibao.auth.roles import PermissionDenied
from yibao.cases.clues import assign_clue, create_clue, intake_findings, reporter_of, triage_queue
from yibao.cases.db import open_session
from yibao.cases.errors import CaseError
from yibao.cases.flow import yuan


def test_clue_intake_groups_per_institution_and_is_idempotent(engine, staff, tmp_path):
    con = findings_store(tmp_path / "s.duckdb")
    with open_session(engine) as s:
        report = intake_findings(s, staff["zhao"], con, group_by="institution")
        assert len(report.clues_created) == 2 and report.findings_added == 7
        queue = triage_queue(s, staff["boss"])
        by_inst = {c.fixmedins_code: c for c in queue}
        # H1: lines 100+200+300+400 (F0 counted once) + 5000 split admission
        assert yuan(by_inst[H1].amount_fen) == 6000
        assert by_inst[H1].party_name == "长沙市第一人民医院"
        assert by_inst[H1].priority == pytest.approx(1000 * 0.9 + 5000 * 0.75)
        assert [c.fixmedins_code for c in queue] == [H1, H2]
    with open_session(engine) as s:
        again = intake_findings(s, staff["zhao"], con, group_by="institution")
    assert again.findings_added == 0 and again.findings_known == 7 and not again.clues_created


@pytest.mark.parametrize(("group_by", "n"), [("person", 3), ("pattern", 3)])
def test_clue_intake_per_person_and_pattern(engine, staff, tmp_path, group_by, n):
    con = findings_store(tmp_path / "s.duckdb")
    with open_session(engine) as s:
        report = intake_findings(s, staff["wang"], con, group_by=group_by)
        assert len(report.clues_created) == n


def test_clue_from_report_keeps_reporter_apart(engine, staff):
    with open_session(engine) as s:
        clue = create_clue(
            s,
            staff["wang"],
            source="report",
            title="群众举报虚假住院",
            fixmedins_code=H2,
            amount=80000,
            score=0.6,
            reporter=("钱七", "13800000000", True),
        )
        assert clue.priority == pytest.approx(48000)
        with pytest.raises(PermissionDenied):
            reporter_of(s, staff["wang"], clue.clue_no)
        assert reporter_of(s, staff["boss"], clue.clue_no).name == "钱七"
        with pytest.raises(CaseError):
            create_clue(s, staff["wang"], source="gossip", title="x", fixmedins_code=H2)


def test_clue_assignment_needs_the_head_and_an_officer(engine, staff):
    with open_session(engine) as s:
        clue = create_clue(s, staff["jing"], source="inspection", title="日常稽核发现", fixmedins_code=H1)
        with pytest.raises(PermissionDenied):
            assign_clue(s, staff["wang"], clue.clue_no, "li")
        with pytest.raises(CaseError):
            assign_clue(s, staff["boss"], clue.clue_no, "shen")  # an auditor cannot take clues
        assert assign_clue(s, staff["boss"], clue.clue_no, "li").status == "assigned"
        with pytest.raises(PermissionDenied):
            triage_queue(s, staff["hosp"])
