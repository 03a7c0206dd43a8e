"""Reports: anonymous and real-name filing, query codes, encrypted identity, clues, duties, rewards."""

from __future__ import annotations

import stat
from datetime import date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import select, text

from yibao.audit.log import verify
from yibao.audit.models import AuditEntry
from yibao.auth.roles import PermissionDenied
from yibao.cases.db import open_session
from yibao.cases.errors import CaseError
from yibao.cases.models import Clue
from yibao.whistle.awards import decide_reward, list_rewards, record_payment
from yibao.whistle.crypto import ReporterIdentity, WhistleKeyError
from yibao.whistle.reports import (
    accept_report,
    file_report,
    follow_report,
    inform_duties,
    mark_informed,
    record_filing_decision,
    reject_report,
    reporter_identity,
    rotate_key,
)

WH = "420102"
ZHANG = ReporterIdentity(name="张举报", contact="13800000000", id_no="420102199001011234")


@pytest.fixture
def key(tmp_path):
    return str(tmp_path / "keys" / "whistle.key")


def test_report_anonymous_public_filing_and_follow_with_code(engine, staff, key):
    with open_session(engine) as s:
        filed = file_report(s, None, admdvs=WH, target_name="某某诊所", content="空刷医保卡", key_file=key)
    with open_session(engine) as s:
        st = follow_report(s, filed.query_code.lower())  # codes are read aloud: case and dashes don't matter
        assert st.report_no == filed.report_no and st.label == "已收到，待受理"
        with pytest.raises(CaseError):
            follow_report(s, "AAAA-BBBB-CCCC-DDDD")
        accept_report(s, staff["wang"], filed.report_no, fixmedins_code="H42010200009")
    with open_session(engine) as s:
        assert follow_report(s, filed.query_code).status == "accepted"
        clue = s.execute(select(Clue)).scalar_one()
        assert clue.source == "report" and filed.report_no in clue.description
        assert reporter_identity(s, staff["boss"], filed.report_no, key_file=key) is None
        actions = [e.action for e in s.execute(select(AuditEntry).order_by(AuditEntry.seq)).scalars()]
        assert actions.count("report.query") == 2 and "report.query_failed" in actions
        assert verify(s).ok


def test_report_identity_encrypted_with_key_outside_db_and_shown_only_to_director(engine, staff, key):
    with open_session(engine) as s:
        filed = file_report(
            s,
            staff["wang"],
            admdvs=WH,
            target_name="某医院",
            content="挂床住院",
            channel="phone",
            reporter=ZHANG,
            wants_reward=True,
            key_file=key,
        )
    assert stat.S_IMODE(__import__("os").stat(key).st_mode) == 0o600
    with engine.connect() as con:
        dump = " ".join(str(v) for row in con.execute(text("SELECT * FROM whistle_reports")) for v in row)
        audit = " ".join(str(v) for row in con.execute(text("SELECT payload FROM audit_log")) for v in row)
    for secret in ("张举报", "13800000000", "420102199001011234"):
        assert secret not in dump and secret not in audit
    with open_session(engine) as s:
        for name in ("wang", "zhao", "shen", "jing"):
            with pytest.raises(PermissionDenied):
                reporter_identity(s, staff[name], filed.report_no, key_file=key)
        assert reporter_identity(s, staff["boss"], filed.report_no, key_file=key) == ZHANG
        reads = s.execute(select(AuditEntry).where(AuditEntry.action == "reporter.read")).scalars().all()
        assert [e.actor for e in reads] == ["boss"]
    other = key + ".other"
    from yibao.whistle.crypto import IdentityCipher

    IdentityCipher(other)
    with open_session(engine) as s, pytest.raises(WhistleKeyError):
        reporter_identity(s, staff["boss"], filed.report_no, key_file=other)
    with open_session(engine) as s, pytest.raises(WhistleKeyError):
        reporter_identity(s, staff["boss"], filed.report_no, key_file=key + ".missing")


def test_report_inform_duty_five_working_days_for_real_name_only(engine, staff, key):
    with open_session(engine) as s:
        named = file_report(
            s,
            None,
            admdvs=WH,
            target_name="A",
            content="x",
            reporter=ZHANG,
            fixmedins_code="H1",
            key_file=key,
        )
        anon = file_report(
            s, None, admdvs=WH, target_name="B", content="y", fixmedins_code="H2", key_file=key
        )
        late = file_report(
            s,
            None,
            admdvs=WH,
            target_name="C",
            content="z",
            fixmedins_code="H3",
            reporter=ZHANG,
            key_file=key,
        )
        for f in (named, anon, late):
            accept_report(s, staff["wang"], f.report_no)
        # decided Friday 2026-03-06: 5 working days → Friday 2026-03-13
        r = record_filing_decision(
            s, staff["wang"], named.report_no, "not_filed", on=date(2026, 3, 6), note="查无实据"
        )
        assert r.inform_due == date(2026, 3, 13)
        assert (
            record_filing_decision(s, staff["wang"], anon.report_no, "filed", on=date(2026, 3, 6)).inform_due
            is None
        )
        record_filing_decision(s, staff["wang"], late.report_no, "filed", on=date(2026, 3, 2))
        mark_informed(s, staff["wang"], named.report_no, date(2026, 3, 12))
        with pytest.raises(CaseError):
            mark_informed(s, staff["wang"], anon.report_no)
    with open_session(engine) as s:
        duties = {d.report_no: d.status for d in inform_duties(s, staff["wang"], today=date(2026, 3, 10))}
        assert duties == {named.report_no: "done", late.report_no: "overdue"}
        st = follow_report(s, named.query_code)
        assert st.label == "经核查不予立案" and st.note == "查无实据"


def test_report_reward_first_report_wins_one_reward_per_case_and_payments(engine, staff, key):
    with open_session(engine) as s:
        first = file_report(
            s,
            None,
            admdvs=WH,
            target_name="某药店",
            fixmedins_code="P42010200001",
            content="串换药品",
            reporter=ZHANG,
            wants_reward=True,
            insider=True,
            key_file=key,
            now=datetime(2026, 3, 1, 9),
        )
        second = file_report(
            s,
            None,
            admdvs=WH,
            target_name="某药店",
            fixmedins_code="P42010200001",
            content="串换药品",
            reporter=ZHANG,
            wants_reward=True,
            key_file=key,
            now=datetime(2026, 3, 2, 9),
        )
        anon = file_report(
            s,
            None,
            admdvs=WH,
            target_name="某药店",
            fixmedins_code="P42010200001",
            content="同上",
            key_file=key,
        )
        clue = accept_report(s, staff["wang"], first.report_no)
        assert accept_report(s, staff["wang"], second.report_no, duplicate_of=first.report_no).id == clue.id
        accept_report(s, staff["wang"], anon.report_no, duplicate_of=first.report_no)
    with open_session(engine) as s:
        with pytest.raises(CaseError, match=first.report_no):
            decide_reward(s, staff["boss"], second.report_no, "100000")
        with pytest.raises(CaseError):
            decide_reward(s, staff["boss"], anon.report_no, "100000")
        with pytest.raises(PermissionDenied):
            decide_reward(s, staff["wang"], first.report_no, "100000")
        with pytest.raises(CaseError):
            decide_reward(s, staff["boss"], first.report_no, "0")  # no loss, no reward
        result = decide_reward(s, staff["boss"], first.report_no, "100000")
        assert result.reward == Decimal("3000.00") and result.region == "4201"  # Wuhan insider 3%
    with open_session(engine) as s:
        with pytest.raises(CaseError):
            decide_reward(s, staff["boss"], first.report_no, "100000")
        record_payment(s, staff["boss"], first.report_no, "1000", on=date(2026, 4, 1), ref="付款001")
        with pytest.raises(CaseError):
            record_payment(s, staff["boss"], first.report_no, "2500", on=date(2026, 4, 2))
        record_payment(s, staff["boss"], first.report_no, "2000", on=date(2026, 4, 2))
        [row] = list_rewards(s, staff["shen"])
        assert row.paid == Decimal("3000.00") and row.reward == Decimal("3000.00") and "武汉" in row.reference


def test_report_failed_query_is_logged_even_though_the_error_rolls_back(engine):
    with pytest.raises(CaseError), open_session(engine) as s:
        follow_report(s, "AAAA-BBBB-CCCC-DDDD")
    with open_session(engine) as s:
        assert [e.action for e in s.execute(select(AuditEntry)).scalars()] == ["report.query_failed"]


def test_report_rejects_bad_input_and_handled_reports(engine, staff, key):
    with open_session(engine) as s:
        with pytest.raises(CaseError):
            file_report(s, None, admdvs="42", target_name="A", content="x", key_file=key)
        with pytest.raises(CaseError):
            file_report(s, None, admdvs=WH, target_name="A", content="x", wants_reward=True, key_file=key)
        with pytest.raises(PermissionDenied):
            file_report(s, staff["hosp"], admdvs=WH, target_name="A", content="x", key_file=key)
        f = file_report(s, None, admdvs=WH, target_name="A", content="x", key_file=key)
        reject_report(s, staff["wang"], f.report_no, "不属于医保基金监管范围")
        with pytest.raises(CaseError):
            accept_report(s, staff["wang"], f.report_no)
        assert follow_report(s, f.query_code).note == "不属于医保基金监管范围"


def test_report_key_rotation_re_encrypts_every_identity(engine, staff, key):
    with open_session(engine) as s:
        named = file_report(s, None, admdvs=WH, target_name="A", content="x", reporter=ZHANG, key_file=key)
        file_report(s, None, admdvs=WH, target_name="B", content="y", key_file=key)
    new = key + ".new"
    with open_session(engine) as s:
        with pytest.raises(PermissionDenied):
            rotate_key(s, staff["wang"], old_key_file=key, new_key_file=new)
        assert rotate_key(s, staff["boss"], old_key_file=key, new_key_file=new) == 1
    with open_session(engine) as s:
        assert reporter_identity(s, staff["boss"], named.report_no, key_file=new) == ZHANG
        with pytest.raises(WhistleKeyError):
            reporter_identity(s, staff["boss"], named.report_no, key_file=key)
