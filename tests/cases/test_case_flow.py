"""The case procedure: every branch, the two-officer rule, 回避, legal review, hearings, Art. 41."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal

import pytest
from flowhelp import T0, new_case, step, to_investigation, to_notice

from yibao.audit.log import verify
from yibao.auth.roles import PermissionDenied
from yibao.auth.users import declare_conflict
from yibao.cases.db import open_session
from yibao.cases.errors import CaseError
from yibao.cases.flow import assign_officer, get_case, replay_state, time_status, withdraw_officer
from yibao.cases.states import TRANSITIONS, State


def _case(engine, case_no):
    with open_session(engine) as s:
        case = get_case(s, case_no)
        assert replay_state(s, case) == State(case.state)  # the events tell the same story
        return case


def test_case_penalty_walk_from_clue_to_closure(engine, staff):
    no = new_case(engine, staff)
    to_notice(engine, staff, no)  # Art. 38 on 20,000 → proposed 1.5× = 30,000 < 100,000: not major
    case = _case(engine, no)
    notice = json.loads(case.notice)
    assert case.state == "notified" and notice["fine"] == "30000.00" and not notice["major"]
    assert not notice["hearing_eligible"]
    step(engine, staff["li"], no, "receive_statement", statement="已自查整改，请求从轻")
    step(engine, staff["boss"], no, "decide", type="penalty", fine="25000")
    step(engine, staff["wang"], no, "serve")
    with pytest.raises(CaseError, match="尚未执行完毕"):
        step(engine, staff["boss"], no, "close")
    step(engine, staff["li"], no, "record_execution", refunded="20000", fine_paid="25000")
    step(engine, staff["boss"], no, "close")
    case = _case(engine, no)
    assert case.state == "closed" and case.outcome == "penalty"
    assert json.loads(case.decision)["fine"] == "25000.00"
    with open_session(engine) as s:
        assert verify(s).ok


def test_case_decision_may_not_exceed_notice_after_defence(engine, staff):
    no = new_case(engine, staff)
    to_notice(engine, staff, no)
    step(engine, staff["li"], no, "receive_statement", statement="不服")
    with pytest.raises(CaseError, match="第41条"):
        step(engine, staff["boss"], no, "decide", type="penalty", fine="35000")
    with pytest.raises(CaseError, match="第41条"):  # nor by a fresh, heavier notice
        step(engine, staff["wang"], no, "issue_notice", fine="40000")
    step(engine, staff["wang"], no, "issue_notice", fine="28000")  # a lighter one is fine
    assert _case(engine, no).state == "notified"


def test_case_renotice_heavier_allowed_without_defence(engine, staff):
    no = new_case(engine, staff)
    to_notice(engine, staff, no)
    step(engine, staff["wang"], no, "issue_notice", fine="38000")
    assert json.loads(_case(engine, no).notice)["fine"] == "38000.00"


def test_case_fine_outside_legal_range_refused(engine, staff):
    no = new_case(engine, staff)
    to_notice(engine, staff, no)
    with pytest.raises(CaseError, match="法定幅度"):
        step(engine, staff["wang"], no, "issue_notice", fine="50000")  # 38: at most 2 × 20,000


def test_case_major_needs_legal_review_by_a_non_officer_and_allows_hearing(engine, staff):
    no = new_case(engine, staff, amount=100000)
    to_investigation(engine, staff, no)
    step(
        engine,
        staff["wang"],
        no,
        "conclude_investigation",
        article=40,
        amount="100000",
        violation_date="2025-11-01",
        facts="虚构医药服务",
    )  # 3.5 × 100,000 and a suspension: major
    with pytest.raises(CaseError, match="法制审核"):
        step(engine, staff["wang"], no, "issue_notice")
    step(engine, staff["wang"], no, "submit_review")
    with pytest.raises(PermissionDenied):
        step(engine, staff["wang"], no, "approve_review")
    step(engine, staff["fa"], no, "reject_review", opinion="证据不足，补充调查")
    assert _case(engine, no).state == "investigation"
    step(
        engine,
        staff["wang"],
        no,
        "conclude_investigation",
        article=40,
        amount="100000",
        violation_date="2025-11-01",
        facts="虚构医药服务，补充证据",
    )
    step(engine, staff["wang"], no, "submit_review")
    step(engine, staff["fa"], no, "approve_review")
    step(engine, staff["wang"], no, "issue_notice")
    notice = json.loads(_case(engine, no).notice)
    assert notice["major"] and notice["hearing_eligible"] and notice["suspension_months"] == 9
    step(engine, staff["li"], no, "request_hearing", at="2026-04-01")
    assert _case(engine, no).state == "hearing"
    step(engine, staff["li"], no, "conclude_hearing", T0 + timedelta(days=10), record="听证笔录")
    step(
        engine,
        staff["boss"],
        no,
        "decide",
        T0 + timedelta(days=11),
        type="penalty",
        fine="300000",
        suspension_months=6,
    )
    with open_session(engine) as s:
        status = time_status(s, get_case(s, no), now=T0 + timedelta(days=11))
    assert status.level == "stopped" and status.paused_days == 10
    assert status.days_left == 89 and status.label == "按期作出处理"
    assert status.deadline == (T0 + timedelta(days=100)).date()


def test_case_officer_of_the_case_may_not_review_it(engine, staff):
    from yibao.auth.roles import Role
    from yibao.auth.users import create_user

    with open_session(engine) as s:
        create_user(s, staff["boss"], "fa2", "password12", Role.LEGAL_REVIEWER)
    no = new_case(engine, staff, amount=100000)
    to_investigation(engine, staff, no)
    step(engine, staff["wang"], no, "conclude_investigation", article=40, amount="100000", facts="x")
    step(engine, staff["wang"], no, "submit_review")
    with open_session(engine) as s:
        declare_conflict(s, staff["boss"], "fa", "H43010200001", "配偶在该院任职")
    with pytest.raises(CaseError, match="回避"):
        step(engine, staff["fa"], no, "approve_review")


def test_case_hearing_refused_below_threshold(engine, staff):
    no = new_case(engine, staff)
    to_notice(engine, staff, no)
    with pytest.raises(CaseError, match="听证条件"):
        step(engine, staff["li"], no, "request_hearing")


def test_case_individual_hearing_threshold_and_article_41(engine, staff):
    no = new_case(engine, staff, amount=3000, party="individual")
    to_investigation(engine, staff, no)
    with pytest.raises(CaseError, match="当事人类型不符"):
        step(engine, staff["wang"], no, "conclude_investigation", article=38, amount="3000")
    step(engine, staff["wang"], no, "conclude_investigation", article=41, amount="3000", fraud=True)
    step(engine, staff["wang"], no, "submit_review")  # a suspension of settlement is major
    step(engine, staff["fa"], no, "approve_review")
    step(engine, staff["wang"], no, "issue_notice")
    assert json.loads(_case(engine, no).notice)["hearing_eligible"]


def test_case_two_officer_rule_and_withdrawal(engine, staff):
    no = new_case(engine, staff, officers=())
    step(engine, staff["wang"], no, "propose_filing")
    with pytest.raises(CaseError, match="不少于2名"):
        step(engine, staff["boss"], no, "approve_filing")
    with open_session(engine) as s:
        declare_conflict(s, staff["li"], "li", "H43010200001", "近亲属为该院院长")
    with pytest.raises(CaseError, match="回避"), open_session(engine) as s:
        assign_officer(s, staff["boss"], no, "li")
    with pytest.raises(CaseError, match="持证"), open_session(engine) as s:
        assign_officer(s, staff["boss"], no, "fa")  # a legal reviewer is no investigating officer
    with open_session(engine) as s:
        assign_officer(s, staff["boss"], no, "zhao")
    step(engine, staff["boss"], no, "approve_filing")
    with open_session(engine) as s:
        withdraw_officer(s, staff["boss"], no, "zhao", "当事人申请回避，经负责人决定", on_application=True)
    with pytest.raises(CaseError, match="不得少于2人"):
        step(engine, staff["wang"], no, "add_evidence", evidence="询问笔录")
    with pytest.raises(CaseError, match="不是本案在办执法人员"):
        step(engine, staff["zhao"], no, "add_evidence", evidence="询问笔录")
    from yibao.auth.roles import Role
    from yibao.auth.users import create_user

    with open_session(engine) as s:
        create_user(s, staff["boss"], "sun", "password12", Role.CASE_OFFICER, cert_no="执法0009")
        assign_officer(s, staff["boss"], no, "sun")
    step(engine, staff["wang"], no, "add_evidence", evidence="询问笔录")


@pytest.mark.parametrize(
    ("steps", "state", "outcome"),
    [
        ([("boss", "dismiss", {})], "closed", "no_violation"),
        ([("boss", "transfer", {"to": "police"}), ("boss", "close", {})], "closed", "transferred:police"),
        (
            [
                ("boss", "refer_agreement", {}),
                ("jing", "record_agreement", {"measure": "约谈并追回", "recovered": "800"}),
                ("boss", "close", {}),
            ],
            "closed",
            "agreement",
        ),
        ([("wang", "propose_filing", {}), ("boss", "reject_filing", {})], "verification", None),
    ],
    ids=["dismissed", "transferred", "agreement", "filing-rejected"],
)
def test_case_branches_before_filing(engine, staff, steps, state, outcome):
    no = new_case(engine, staff)
    for who, action, payload in steps:
        step(engine, staff[who], no, action, **payload)
    case = _case(engine, no)
    assert (case.state, case.outcome) == (state, outcome)


@pytest.mark.parametrize(
    ("decision", "state"),
    [
        ({"type": "not_established"}, "closed"),
        ({"type": "no_penalty"}, "closed"),
        ({"type": "transfer_judicial"}, "transferred"),
    ],
)
def test_case_decisions_without_penalty(engine, staff, decision, state):
    no = new_case(engine, staff)
    to_investigation(engine, staff, no)
    step(engine, staff["wang"], no, "conclude_investigation", article=38, amount="100")
    step(engine, staff["boss"], no, "decide", **decision)
    assert _case(engine, no).state == state


def test_case_penalty_decision_needs_notice(engine, staff):
    no = new_case(engine, staff)
    to_investigation(engine, staff, no)
    step(engine, staff["wang"], no, "conclude_investigation", article=38, amount="100")
    step(engine, staff["li"], no, "resume_investigation")  # 补充调查
    assert _case(engine, no).state == "investigation"
    step(engine, staff["wang"], no, "conclude_investigation", article=38, amount="100")
    with pytest.raises(CaseError, match="告知"):
        step(engine, staff["boss"], no, "decide", type="penalty")


def test_case_wrong_state_and_wrong_role_are_refused(engine, staff):
    no = new_case(engine, staff)
    with pytest.raises(CaseError, match="不能"):
        step(engine, staff["boss"], no, "decide")
    with pytest.raises(PermissionDenied):
        step(engine, staff["wang"], no, "dismiss")
    with pytest.raises(PermissionDenied):
        step(engine, staff["hosp"], no, "propose_filing")
    with pytest.raises(CaseError, match="未知操作"):
        step(engine, staff["boss"], no, "bribe")


def test_case_time_limits_warn_expire_and_extend(engine, staff):
    no = new_case(engine, staff)
    to_investigation(engine, staff, no)
    with open_session(engine) as s:
        case = get_case(s, no)
        assert time_status(s, case, now=T0 + timedelta(days=10)).level == "ok"
        warn = time_status(s, case, now=T0 + timedelta(days=80))
        assert warn.level == "warning" and warn.days_left == 10
        assert time_status(s, case, now=T0 + timedelta(days=91)).level == "overdue"
    step(engine, staff["boss"], no, "extend", T0 + timedelta(days=85))
    with pytest.raises(CaseError, match="集体讨论"):
        step(engine, staff["boss"], no, "extend", T0 + timedelta(days=86))
    with open_session(engine) as s:
        status = time_status(s, get_case(s, no), now=T0 + timedelta(days=91))
    assert status.level == "ok" and status.days_left == 29
    step(engine, staff["boss"], no, "extend", T0 + timedelta(days=100), collective_discussion=True, days=20)
    assert _case(engine, no).extended_days == 50


def test_case_every_transition_is_reachable_in_tests():
    """Guard against a transition added to the table without a test walking it."""
    import pathlib

    text = "".join(p.read_text(encoding="utf-8") for p in pathlib.Path(__file__).parent.glob("*.py"))
    missing = [a for a in TRANSITIONS if f'"{a}"' not in text]
    assert not missing


def test_case_money_is_exact(engine, staff):
    no = new_case(engine, staff, amount=0.1 + 0.2)
    with open_session(engine) as s:
        assert get_case(s, no).amount_fen == 30
    assert Decimal("0.30") == Decimal(30) / 100


@pytest.mark.parametrize(
    ("violation_date", "extra", "ok"),
    [
        ("2024-03-03", {}, True),
        ("2024-03-01", {}, False),
        ("2021-06-01", {"health_harm": True}, True),
        ("2026-03-03", {}, False),
    ],
    ids=["within-2-years", "past-2-years", "5-years-health", "after-filing"],
)
def test_case_limitation_period(engine, staff, violation_date, extra, ok):
    no = new_case(engine, staff)
    to_investigation(engine, staff, no)  # filed 2026-03-02
    if ok:
        step(
            engine,
            staff["wang"],
            no,
            "conclude_investigation",
            article=38,
            amount="100",
            violation_date=violation_date,
            **extra,
        )
    else:
        with pytest.raises(CaseError, match=r"时效|晚于"):
            step(
                engine,
                staff["wang"],
                no,
                "conclude_investigation",
                article=38,
                amount="100",
                violation_date=violation_date,
                **extra,
            )


def test_case_head_with_a_conflict_may_not_decide(engine, staff):
    from yibao.auth.roles import Role
    from yibao.auth.users import create_user

    no = new_case(engine, staff)
    to_notice(engine, staff, no)
    with open_session(engine) as s:
        declare_conflict(s, staff["boss"], "boss", "H43010200001", "曾任该院副院长")
        create_user(s, staff["boss"], "boss2", "password12", Role.DIRECTOR)
    with pytest.raises(CaseError, match="回避"):
        step(engine, staff["boss"], no, "decide", type="penalty")
    with open_session(engine) as s:
        from yibao.auth.users import get_user

        deputy = get_user(s, "boss2")
    step(engine, deputy, no, "decide", type="penalty")
    assert _case(engine, no).state == "decided"
