"""Appeals: institutions answer their own findings only; outcomes give each rule's precision."""

from __future__ import annotations

import pytest
from storefix import H1, H2, findings_store

from yibao.auth.roles import PermissionDenied
from yibao.cases.appeals import list_appeals, list_findings, review_appeal, rule_precision, submit_appeal
from yibao.cases.clues import intake_findings, triage_queue
from yibao.cases.db import open_session
from yibao.cases.errors import CaseError
from yibao.cases.flow import yuan
from yibao.cases.models import AppealAttachment


@pytest.fixture
def intake(engine, staff, tmp_path):
    con = findings_store(tmp_path / "s.duckdb")
    with open_session(engine) as s:
        intake_findings(s, staff["zhao"], con)
    con.close()


def test_appeal_institution_sees_only_its_own_findings(engine, staff, intake):
    with open_session(engine) as s:
        own = list_findings(s, staff["hosp"])
        assert own and {f.fixmedins_code for f, _ in own} == {H1}
        assert {f.fixmedins_code for f, _ in list_findings(s, staff["hosp2"])} == {H2}
        assert len(list_findings(s, staff["shen"])) == 7
        other = list_findings(s, staff["hosp2"])[0][0].finding_id
        with pytest.raises(CaseError, match="本机构没有疑点"):
            submit_appeal(s, staff["hosp"], other, "不是我们的")
        with pytest.raises(PermissionDenied):
            submit_appeal(s, staff["wang"], other, "officers do not appeal")


def test_appeal_review_feeds_rule_precision_and_clue_amount(engine, staff, intake):
    with open_session(engine) as s:
        rows = {f.evidence: f for f, _ in list_findings(s, staff["hosp"])}
        split = rows["疑似分解住院"]
        dups = [f for f in rows.values() if f.detector == "exclusive_pair@1"]
        a1 = submit_appeal(
            s,
            staff["hosp"],
            split.finding_id,
            "两次住院为不同疾病，附出院小结",
            [("出院小结.pdf", b"%PDF-1.4 test")],
        )
        a2 = submit_appeal(s, staff["hosp"], dups[0].finding_id, "系不同部位")
        a3 = submit_appeal(s, staff["hosp"], dups[1].finding_id, "系不同部位")
        with pytest.raises(CaseError, match="已申诉"):
            submit_appeal(s, staff["hosp"], split.finding_id, "again")
        assert s.query(AppealAttachment).one().sha256
    with open_session(engine) as s:
        with pytest.raises(PermissionDenied):
            review_appeal(s, staff["hosp"], a1.id, "overturned", "自己审自己")
        review_appeal(s, staff["jing"], a1.id, "overturned", "病历证实为不同疾病")
        review_appeal(s, staff["zhao"], a2.id, "confirmed", "同一部位重复收费属实")
        with pytest.raises(CaseError, match="已审核"):
            review_appeal(s, staff["zhao"], a2.id, "overturned", "改判")
        precision = {r.detector: r for r in rule_precision(s, staff["boss"])}
        assert precision["split_admission@1"].precision == 0.0
        assert precision["exclusive_pair@1"].precision == 1.0 and precision["exclusive_pair@1"].pending == 1
        assert precision["price_ceiling@1"].precision is None
        clue = next(c for c in triage_queue(s, staff["boss"]) if c.fixmedins_code == H1)
        assert yuan(clue.amount_fen) == 1000  # the overturned 5,000 no longer counts
        assert [a.id for a in list_appeals(s, staff["hosp"])] == [a1.id, a2.id, a3.id]
        assert list_appeals(s, staff["hosp2"]) == []
