"""The case page's forms, driven in-process: each step's form, its field errors, the roles it is refused to,
officer assignment and withdrawal, and the documents, all through the cases library."""

from __future__ import annotations

import io
import json
import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from docx import Document
from sqlalchemy import create_engine, select, text
from webfix import H1, TestClient, log_in

from yibao.audit.models import AuditEntry
from yibao.penalties.calculator import PenaltyInput, calculate

VIOLATION_DAY = str(datetime.now(UTC).date() - timedelta(days=30))


def audit(case_db: str) -> list[tuple[str, str, str]]:
    engine = create_engine(case_db)
    with engine.connect() as con:
        rows = con.execute(
            select(AuditEntry.actor, AuditEntry.action, AuditEntry.object_id).order_by(AuditEntry.seq)
        ).all()
    engine.dispose()
    return [tuple(r) for r in rows]


def case_row(case_db: str, case_no: str) -> dict[str, object]:
    engine = create_engine(case_db)
    with engine.connect() as con:
        row = con.execute(text("SELECT * FROM cases WHERE case_no = :n"), {"n": case_no}).mappings().one()
    engine.dispose()
    return dict(row)


def switch(client: TestClient, username: str) -> None:
    client.post("/console/logout")
    log_in(client, username)


def state_of(client: TestClient, case_no: str) -> str:
    return re.search(r'data-testid="case-state">([^<]*)<', client.get(f"/console/cases/{case_no}").text)[1]


def filed_case(client: TestClient) -> str:
    """A case on H1 in investigation, with insp (who opened it) and officer as its two officers."""
    log_in(client, "insp")
    case_no = client.post(f"/console/institutions/{H1}/open-case").url.params["opened"]
    client.post(f"/console/cases/{case_no}/step", data={"action": "propose_filing", "reason": "建议立案"})
    switch(client, "boss")
    r = client.post(f"/console/cases/{case_no}/officers", data={"username": "officer"})
    assert r.status_code == 200 and "已办理：指派执法人员" in r.text
    client.post(f"/console/cases/{case_no}/step", data={"action": "approve_filing", "reason": "同意立案"})
    assert state_of(client, case_no) == "调查取证"
    return case_no


def conclude(client: TestClient, case_no: str, **extra: str) -> object:
    data = {
        "article": "38",
        "amount": "1000.00",
        "violation_date": VIOLATION_DAY,
        "level": "general",
        "facts": "挂床住院、重复收费",
        **extra,
    }
    return client.post(f"/console/cases/{case_no}/do/conclude_investigation", data=data)


def test_the_page_offers_what_the_role_and_state_allow(app_client: TestClient) -> None:
    log_in(app_client, "insp")
    case_no = app_client.post(f"/console/institutions/{H1}/open-case").url.params["opened"]
    html = app_client.get(f"/console/cases/{case_no}").text
    links = re.findall(r'data-action="([a-z_]+)"', html)
    assert links == ["add_evidence"]  # an officer in 线索核查: evidence; the rest is the head's
    assert 'id="assign-user"' not in html  # only the head assigns
    assert re.findall(r'id="withdraw-user"[^>]*>(.*?)</select>', html, re.S)[0].count("<option") == 1
    assert "立案审批表（「提请立案」后可制作）" in html
    assert app_client.get(f"/console/cases/{case_no}/do/conclude_investigation").status_code == 403
    switch(app_client, "boss")
    html = app_client.get(f"/console/cases/{case_no}").text
    assert set(re.findall(r'data-action="([a-z_]+)"', html)) == {"dismiss", "refer_agreement", "transfer"}
    # the certified officers not yet on the case; the auditor and the legal reviewer are no officers
    assert re.findall(r'<option value="([a-z0-9]+)">[^<]*执法证', html) == ["officer"]
    switch(app_client, "auditor")
    html = app_client.get(f"/console/cases/{case_no}").text
    assert "data-action=" not in html and "当前状态下您的角色没有可办理的操作" in html
    assert 'id="assign-user"' not in html and 'id="withdraw-user"' not in html


def test_officers_are_assigned_and_withdrawn_under_the_librarys_rules(
    app_client: TestClient, case_db: str
) -> None:
    case_no = filed_case(app_client)
    html = app_client.get(f"/console/cases/{case_no}").text
    assert "承办人</dt><dd>insp、officer<" in html and "（现2名）" in html
    # no 执法证: the library refuses the auditor, whatever the form sends
    r = app_client.post(f"/console/cases/{case_no}/officers", data={"username": "auditor"})
    assert r.status_code == 409 and "auditor不是持证执法人员，不能承办案件" in r.text
    r = app_client.post(f"/console/cases/{case_no}/officers", data={"username": "officer"})
    assert r.status_code == 409 and "officer已是本案执法人员" in r.text
    r = app_client.post(
        f"/console/cases/{case_no}/officers/withdraw", data={"username": "officer", "reason": ""}
    )
    assert r.status_code == 409 and "回避须说明理由" in r.text
    r = app_client.post(
        f"/console/cases/{case_no}/officers/withdraw",
        data={"username": "officer", "reason": "与当事人负责人系近亲属", "on_application": "1"},
    )
    assert r.status_code == 200 and "已办理：执法人员回避" in r.text and "承办人</dt><dd>insp<" in r.text
    assert ("boss", "case.withdraw_officer", case_no) in audit(case_db)
    # one officer left: the two-officer rule stops the investigation until a second is assigned
    switch(app_client, "insp")
    r = app_client.post(f"/console/cases/{case_no}/do/add_evidence", data={"evidence": "现场检查笔录"})
    assert r.status_code == 409 and "执法人员不得少于2人（现1人），请先指派" in r.text
    assert "现场检查笔录" in r.text  # what was typed is kept
    # an officer may not assign, and may withdraw only himself
    assert (
        app_client.post(f"/console/cases/{case_no}/officers", data={"username": "officer"}).status_code == 403
    )
    r = app_client.post(
        f"/console/cases/{case_no}/officers/withdraw", data={"username": "boss", "reason": "代为申请"}
    )
    assert r.status_code == 403
    switch(app_client, "boss")
    r = app_client.post(f"/console/cases/{case_no}/officers", data={"username": "officer"})
    assert "承办人</dt><dd>insp、officer<" in r.text


def test_evidence_form_success_errors_and_refusal(app_client: TestClient, case_db: str) -> None:
    case_no = filed_case(app_client)
    switch(app_client, "insp")
    form = app_client.get(f"/console/cases/{case_no}/do/add_evidence")
    assert form.status_code == 200 and '<label for="f-evidence">证据名称及证明内容' in form.text
    r = app_client.post(
        f"/console/cases/{case_no}/do/add_evidence", data={"evidence": " ", "reason": "第一份"}
    )
    assert r.status_code == 422
    assert '<a href="#f-evidence">请填写证据名称及证明内容</a>' in r.text
    assert 'aria-invalid="true"' in r.text and ">第一份</textarea>" in r.text
    r = app_client.post(
        f"/console/cases/{case_no}/do/add_evidence", data={"evidence": "住院病历及费用明细", "reason": "调取"}
    )
    assert r.url.path == f"/console/cases/{case_no}" and "已办理：登记证据" in r.text
    assert "登记证据 · insp：调取" in r.text and "（证据：住院病历及费用明细）" in r.text
    assert ("insp", "case.add_evidence", case_no) in audit(case_db)
    switch(app_client, "auditor")
    assert app_client.get(f"/console/cases/{case_no}/do/add_evidence").status_code == 403
    r = app_client.post(f"/console/cases/{case_no}/do/add_evidence", data={"evidence": "x"})
    assert r.status_code == 403 and "无权访问" in r.text
    assert app_client.get(f"/console/cases/{case_no}/do/no_such_step").status_code == 404


def test_conclusion_shows_the_computed_penalty_before_it_is_confirmed(
    app_client: TestClient, case_db: str
) -> None:
    case_no = filed_case(app_client)
    switch(app_client, "officer")
    form = app_client.get(f"/console/cases/{case_no}/do/conclude_investigation").text
    articles = re.findall(r'<option value="(\d+)"', form)
    assert articles == ["38", "39", "40"]  # article 41 is for individuals, the party is an institution
    r = conclude(app_client, case_no, amount="12,5x", facts="", article="41")
    assert r.status_code == 422
    assert "涉案金额（元，造成损失或骗取金额）须为不小于0的金额，最多两位小数" in r.text
    assert "请填写违法事实" in r.text and "请从列表中选择违反的条例条款" in r.text
    assert 'value="12,5x"' in r.text
    future = str(datetime.now(UTC).date() + timedelta(days=3))
    r = conclude(app_client, case_no, violation_date=future)
    assert r.status_code == 409 and '<a href="#f-violation_date">违法行为日期晚于立案日期</a>' in r.text
    r = conclude(app_client, case_no, amount="1,000.00")
    assert r.status_code == 200 and "核对：调查终结，提出处理意见" in r.text
    expected = calculate(
        PenaltyInput(38, Decimal("1000.00"), datetime.fromisoformat(VIOLATION_DAY).date(), region="430102")
    )
    fine = re.search(r'data-testid="preview-fine">([^<]*) 元<', r.text)[1]
    assert Decimal(fine.replace(",", "")) == expected.proposed_fine == Decimal("1500.00")
    for line in expected.explanation:
        assert line in r.text
    assert state_of(app_client, case_no) == "调查取证"  # nothing kept by the preview
    assert ("officer", "case.conclude_investigation", case_no) not in audit(case_db)
    hidden = dict(re.findall(r'<input type="hidden" name="([a-z_]+)" value="([^"]*)"', r.text))
    back = app_client.post(
        f"/console/cases/{case_no}/do/conclude_investigation", data={**hidden, "edit": "1"}
    )
    assert back.status_code == 200 and ">挂床住院、重复收费</textarea>" in back.text
    r = app_client.post(
        f"/console/cases/{case_no}/do/conclude_investigation", data={**hidden, "confirm": "1"}
    )
    assert "已办理：调查终结，提出处理意见" in r.text and state_of(app_client, case_no) == "调查终结"
    report = json.loads(str(case_row(case_db, case_no)["report"]))
    assert report["article"] == 38 and report["penalty"]["proposed_fine"] == "1500.00"
    assert report["violation_date"] == VIOLATION_DAY


def test_a_case_is_handled_to_its_end_with_documents(app_client: TestClient, case_db: str) -> None:
    case_no = filed_case(app_client)
    switch(app_client, "insp")
    app_client.post(f"/console/cases/{case_no}/do/add_evidence", data={"evidence": "现场检查笔录"})
    r = conclude(app_client, case_no, confirm="1")
    assert "已办理：调查终结" in r.text
    r = app_client.post(f"/console/cases/{case_no}/step", data={"action": "submit_review", "reason": "送审"})
    assert state_of(app_client, case_no) == "法制审核"
    switch(app_client, "legal")
    html = app_client.get(f"/console/cases/{case_no}").text
    assert 'data-action="reject_review"' in html and '<option value="approve_review">' in html
    r = app_client.post(f"/console/cases/{case_no}/do/reject_review", data={"opinion": ""})
    assert r.status_code == 422 and "请填写审核意见（须补充调查的内容）" in r.text
    app_client.post(f"/console/cases/{case_no}/step", data={"action": "approve_review", "reason": "事实清楚"})
    assert state_of(app_client, case_no) == "法制审核通过"
    # 告知: the proposal of the conclusion is shown and the fine pre-filled; a fine out of the range is refused
    switch(app_client, "officer")
    form = app_client.get(f"/console/cases/{case_no}/do/issue_notice").text
    assert (
        'name="fine" required aria-required="true" aria-describedby="h-fine" inputmode="decimal" value="1500.00"'
        in form
    )
    assert "法定幅度 1000.00–2000.00 元" in form and "建议1.5倍 = 1500.00元" in form
    r = app_client.post(
        f"/console/cases/{case_no}/do/issue_notice", data={"fine": "2500", "suspension_months": "0"}
    )
    assert r.status_code == 409 and '<a href="#f-fine">罚款2500元超出法定幅度1000.00–2000.00元</a>' in r.text
    r = app_client.post(
        f"/console/cases/{case_no}/do/issue_notice", data={"fine": "1500.00", "suspension_months": "0"}
    )
    assert "1. 责令退回医疗保障基金1000.00元；2. 处罚款1500.00元。" in r.text and "未达听证条件" in r.text
    r = app_client.post(
        f"/console/cases/{case_no}/do/issue_notice",
        data={"fine": "1500.00", "suspension_months": "0", "confirm": "1"},
    )
    assert state_of(app_client, case_no) == "已告知（陈述申辩期）"
    r = app_client.post(f"/console/cases/{case_no}/do/receive_statement", data={"statement": ""})
    assert r.status_code == 422 and "请填写陈述申辩内容" in r.text
    r = app_client.post(
        f"/console/cases/{case_no}/do/receive_statement", data={"statement": "已退回部分费用"}
    )
    assert "已办理：听取陈述申辩" in r.text
    # the decision is the head's; a heavier one than notified is refused (Art. 41)
    assert app_client.get(f"/console/cases/{case_no}/do/decide").status_code == 403
    switch(app_client, "boss")
    form = app_client.get(f"/console/cases/{case_no}/do/decide").text
    assert "已告知拟作处罚：1. 责令退回医疗保障基金1000.00元；2. 处罚款1500.00元。" in form
    r = app_client.post(
        f"/console/cases/{case_no}/do/decide",
        data={"type": "penalty", "fine": "1800", "suspension_months": "0"},
    )
    assert r.status_code == 409 and "决定不得重于告知的处罚" in r.text
    r = app_client.post(
        f"/console/cases/{case_no}/do/decide",
        data={"type": "penalty", "fine": "1200", "suspension_months": "0"},
    )
    assert (
        '<p class="score" data-testid="preview-text">1. 责令退回医疗保障基金1000.00元；2. 处罚款1200.00元。'
        in r.text
    )
    r = app_client.post(
        f"/console/cases/{case_no}/do/decide",
        data={"type": "penalty", "fine": "1200", "suspension_months": "0", "confirm": "1"},
    )
    assert (
        "已办理：作出决定" in r.text
        and 'data-testid="decision-terms">1. 责令退回医疗保障基金1000.00元；2. 处罚款1200.00元。' in r.text
    )
    # documents: each the record allows, as .docx, audited; the legal reviewer may not make documents
    html = app_client.get(f"/console/cases/{case_no}").text
    assert re.findall(r'data-kind="([a-z_]+)"', html) == ["filing_approval", "notice", "decision"]
    doc = app_client.get(f"/console/cases/{case_no}/documents/decision")
    assert doc.status_code == 200 and doc.headers["content-type"].startswith("application/vnd.openxml")
    assert "filename*=UTF-8''" in doc.headers["content-disposition"]
    body = "\n".join(p.text for p in Document(io.BytesIO(doc.content)).paragraphs)
    assert "行政处罚决定书" in body and "处罚款1200.00元" in body and "已退回部分费用" in body
    assert ("boss", "document.generate", case_no) in audit(case_db)
    switch(app_client, "legal")
    assert app_client.get(f"/console/cases/{case_no}/documents/notice").status_code == 403
    # served, executed, closed
    switch(app_client, "insp")
    app_client.post(f"/console/cases/{case_no}/step", data={"action": "serve", "reason": "直接送达"})
    r = app_client.post(f"/console/cases/{case_no}/do/record_execution", data={})
    assert r.status_code == 409 and '<a href="#f-refunded">须登记退回金额、罚款缴纳或执行说明</a>' in r.text
    r = app_client.post(
        f"/console/cases/{case_no}/do/record_execution", data={"refunded": "1000", "fine_paid": "1200"}
    )
    assert "已退回医保基金 1,000.00 元，已缴罚款 1,200.00 元" in r.text
    switch(app_client, "boss")
    r = app_client.post(f"/console/cases/{case_no}/do/close", data={"reason": ""})
    assert r.status_code == 422 and "请填写结案意见" in r.text
    r = app_client.post(f"/console/cases/{case_no}/do/close", data={"reason": "执行完毕"})
    assert state_of(app_client, case_no) == "结案"
    html = app_client.get(f"/console/cases/{case_no}").text
    assert "data-action=" not in html and 'id="assign-user"' not in html


def test_document_before_its_step_is_refused(app_client: TestClient) -> None:
    case_no = filed_case(app_client)
    r = app_client.get(f"/console/cases/{case_no}/documents/decision")
    assert r.status_code == 409 and "案件尚未进行到可制作行政处罚决定书的步骤" in r.text
    assert app_client.get(f"/console/cases/{case_no}/documents/nothing").status_code == 409
    doc = app_client.get(f"/console/cases/{case_no}/documents/filing_approval")
    assert doc.status_code == 200 and "立案审批表" in "".join(
        p.text for p in Document(io.BytesIO(doc.content)).paragraphs
    )


def test_the_other_steps_have_forms_too(app_client: TestClient, case_db: str) -> None:
    case_no = filed_case(app_client)
    # 延长办案期限: the first extension is the procedure's 30 days
    r = app_client.post(f"/console/cases/{case_no}/do/extend", data={"days": "x", "reason": "案情复杂"})
    assert r.status_code == 422 and "延长天数（第二次及以后）须为不小于0的整数" in r.text
    r = app_client.post(f"/console/cases/{case_no}/do/extend", data={"reason": "案情复杂"})
    assert "已办理：批准延长办案期限" in r.text and case_row(case_db, case_no)["extended_days"] == 30
    r = app_client.post(f"/console/cases/{case_no}/do/extend", data={"reason": "仍需调查"})
    assert r.status_code == 409 and "再延长须经集体讨论" in r.text
    # 听证: refused while no penalty reaching the threshold has been notified
    switch(app_client, "insp")
    conclude(app_client, case_no, confirm="1")
    app_client.post(
        f"/console/cases/{case_no}/do/issue_notice",
        data={"fine": "1500", "suspension_months": "0", "confirm": "1"},
    )
    r = app_client.post(f"/console/cases/{case_no}/do/request_hearing", data={"reason": "当事人书面申请"})
    assert r.status_code == 409 and "拟作处罚未达到听证条件" in r.text
    # 移送: the head chooses the receiving authority from the list
    switch(app_client, "boss")
    r = app_client.post(f"/console/cases/{case_no}/do/transfer", data={"to": "mars", "reason": "涉嫌诈骗"})
    assert r.status_code == 422 and "请从列表中选择移送机关" in r.text
    r = app_client.post(f"/console/cases/{case_no}/do/transfer", data={"to": "police", "reason": "涉嫌诈骗"})
    assert state_of(app_client, case_no) == "已移送"
    assert case_row(case_db, case_no)["outcome"] == "transferred:police"
